"""Build the Telegram Application: services, handlers in order, command menu; run it.

Polling goes through the inbox (see `InboxPoller`): every update is stored before Telegram is
told it was received, and marked done once handled, so a crash or a kill loses no question.
Updates of one chat are handled in order, different chats concurrently (`ChatOrderedProcessor`).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, BaseUpdateProcessor

from .aiohttp_request import AiohttpRequest
from .commands import public_commands
from .config import Config, FatalError
from .redact import install_redaction
from .services import Services
from .voice import build_voice

log = logging.getLogger(__name__)

RETENTION_CHECK_SECONDS = 6 * 3600
CONCURRENT_UPDATES = 8  # updates handled at once: network waits overlap
POLL_TIMEOUT = 30  # seconds a getUpdates call may wait for updates
STORE_WAIT = 5.0  # seconds the next getUpdates (which confirms a batch) waits for the batch to be stored
INBOX_COMPACT_SECONDS = 60


async def post_init(app: Application) -> None:
    """Set the command menu in each language; schedule retention and the query-log flush."""
    for lang in ("en", "km", "fr"):
        commands = [BotCommand(c.name, c.description.get(lang) or c.description["en"]) for c in public_commands()]
        await app.bot.set_my_commands(commands, language_code=None if lang == "en" else lang)
    services: Services = app.bot_data["services"]
    loop = asyncio.get_running_loop()
    if hasattr(services.writer, "on_trouble"):
        services.writer.on_trouble = lambda reason, waiting: loop.call_soon_threadsafe(
            lambda: app.create_task(tell_admins_storage_fails(app, reason, waiting)))
    if app.job_queue is not None:
        app.job_queue.run_repeating(purge_old_rows, interval=RETENTION_CHECK_SECONDS, first=1,
                                    name="retention")
        app.job_queue.run_repeating(flush_query_log, interval=1, first=1, name="query-log-flush")
        app.job_queue.run_repeating(compact_inbox, interval=INBOX_COMPACT_SECONDS, first=INBOX_COMPACT_SECONDS,
                                    name="inbox-compact")


async def tell_admins_storage_fails(app: Application, reason: str, waiting: int) -> None:
    """Tell the admins' chat (if any) that the database cannot be written; users are unaffected."""
    services: Services = app.bot_data["services"]
    if services.config.admin_chat is None:
        return
    text = (f"⚠️ The bot cannot write its database: {reason}. Questions are still answered; "
            f"{waiting} write(s) wait in memory and are retried (lost if the bot stops first).")
    try:
        await app.bot.send_message(services.config.admin_chat, text)
    except TelegramError as exc:
        log.warning("could not tell the admins about the database: %s", exc.__class__.__name__)


async def purge_old_rows(context) -> None:
    """Delete query-log rows and hand-off routes older than the retention period, old inbox ids."""
    services: Services = context.application.bot_data["services"]
    days = services.config.retention_days
    services.query_log.purge_older_than(days)
    services.handover.purge_older_than(days)
    services.inbox.purge()


async def post_shutdown(app: Application) -> None:
    """Write what still waits, then close the database."""
    services: Services | None = app.bot_data.get("services")
    if services is not None:
        left = services.close(timeout=5.0)
        if left:
            log.error("%d database write(s) could not be done before stopping", left)
    if (voice := app.bot_data.get("voice")) is not None:
        voice.close()


async def compact_inbox(context) -> None:
    """Truncate the write-ahead log, which keeps copies of answered updates until checkpointed."""
    context.application.bot_data["services"].inbox.compact()


async def flush_query_log(context) -> None:
    """Hand the query-log rows gathered in the last second to the writer."""
    context.application.bot_data["services"].query_log.flush()


# --- one chat, one order ------------------------------------------------------------------------

def chat_key(update: object) -> Any:
    """What must be handled in order: a chat (or, without one, the user of an inline query)."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
    return None


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Updates of one chat one after the other, in arrival order; up to `limit` chats at once.

    An update waiting for its chat's turn holds no slot, so a busy chat never holds up others.
    `on_done(update)` is called once an update was handled (not when it was cancelled or skipped).
    `close(timeout)` stops starting updates and waits for running ones at most `timeout` seconds.
    """

    def __init__(self, limit: int, on_done: Callable[[object], None] | None = None):
        super().__init__(2**31 - 1)  # the base class's semaphore must not be the limit: ours is
        self.limit = limit
        self.on_done = on_done
        self._slots: asyncio.Semaphore | None = None
        self._chats: dict[Any, list] = {}  # key -> [lock, users]
        self._running: set[asyncio.Task] = set()
        self.closing = False

    async def initialize(self) -> None:
        self._slots = asyncio.Semaphore(self.limit)

    async def shutdown(self) -> None:
        pass

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        if key is None:
            await self._run(update, coroutine)
            return
        entry = self._chats.setdefault(key, [asyncio.Lock(), 0])
        entry[1] += 1
        try:
            async with entry[0]:
                await self._run(update, coroutine)
        finally:
            entry[1] -= 1
            if entry[1] == 0:
                del self._chats[key]

    async def _run(self, update: object, coroutine: Awaitable[Any]) -> None:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.limit)
        async with self._slots:
            if self.closing:  # stopping: leave it in the inbox for the next start
                coroutine.close()
                return
            task = asyncio.current_task()
            self._running.add(task)
            try:
                await coroutine
            finally:
                self._running.discard(task)
        if self.on_done is not None:
            self.on_done(update)

    async def close(self, timeout: float) -> int:
        """Start no more updates; give running ones `timeout` seconds, then cancel them.

        Returns how many were cancelled (they stay in the inbox)."""
        self.closing = True
        running = set(self._running)
        if running:
            _, pending = await asyncio.wait(running, timeout=timeout)
            for task in pending:
                task.cancel()
            return len(pending)
        return 0


# --- polling through the inbox ----------------------------------------------------------------

class InboxPoller:
    """Fetches updates, stores them in the inbox, then hands them to the Application.

    Telegram confirms an update when the bot asks for a higher offset; the offset moves past an
    update only once the inbox holds it (or, while the database cannot be written at all, once
    it was handed over: answers never wait on storage). Updates already in the inbox are not
    handled twice;
    an update that cannot be read is skipped (logged once, without its content). A refused
    token or an unreachable API is retried with backoff; after `give_up_after` seconds of a
    refused token, `on_fatal` is called.
    """

    def __init__(self, app: Application, services: Services, timeout: float = POLL_TIMEOUT,
                 give_up_after: float = 60.0, on_fatal: Callable[[str], None] | None = None):
        self.app = app
        self.services = services
        self.timeout = timeout
        self.give_up_after = give_up_after
        self.on_fatal = on_fatal
        self.offset: int | None = None
        self._seen: set[int] = set()
        self._task: asyncio.Task | None = None
        self._unconfirmed = None  # the writer's future for the last batch fetched
        self._durable = True

    async def start(self) -> int:
        """Hand over the updates left unanswered by the last run, then poll; return how many."""
        replayed = await self.replay()
        self._task = asyncio.create_task(self._loop(), name="InboxPoller")
        return replayed

    async def replay(self) -> int:
        """Hand over the updates left unanswered by the last run; return how many."""
        replayed = 0
        for update_id, payload in self.services.inbox.waiting():
            self._seen.add(update_id)
            update = self._parse(update_id, payload)
            if update is not None:
                await self.app.update_queue.put(update)
                replayed += 1
        if replayed:
            log.warning("inbox: %d update(s) received before the last stop are handled now", replayed)
        return replayed

    async def stop(self) -> None:
        """Stop fetching; confirm what was stored (a last quick call, errors ignored)."""
        if self._task is None:
            return
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
        self._task = None
        await self._stored(self._unconfirmed)
        if self.offset is not None and self._durable:
            try:
                await asyncio.wait_for(self._fetch(self.offset, 0), timeout=2.0)
            except (TelegramError, asyncio.TimeoutError):
                pass

    def _parse(self, update_id: int, payload: dict | None) -> Update | None:
        try:
            if payload is None:
                raise ValueError("no content")
            return Update.de_json(payload, self.app.bot)
        except Exception:  # noqa: BLE001 - any malformed update: skip it, never loop on it
            log.error("update %d could not be read and was skipped", update_id)
            self.services.inbox.done(update_id)
            return None

    async def _fetch(self, offset: int | None, timeout: float) -> Any:
        bot = self.app.bot
        data = {"timeout": timeout, "offset": offset, "limit": 100, "allowed_updates": Update.ALL_TYPES}
        read_timeout = (bot._request[0].read_timeout or 0) + timeout  # noqa: SLF001 - as Bot.get_updates
        return await bot._post("getUpdates", data, read_timeout=read_timeout)  # noqa: SLF001 - raw JSON

    async def _loop(self) -> None:
        delay, refused_since, failing = 0.0, None, None
        while True:
            if delay:
                await asyncio.sleep(delay)
            await self._stored(self._unconfirmed)  # written before confirmed
            self._unconfirmed = None
            try:
                raw = await self._fetch(self.offset, self.timeout)
            except InvalidToken:
                now = time.monotonic()
                refused_since = refused_since or now
                if now - refused_since >= self.give_up_after:
                    if self.on_fatal:
                        self.on_fatal(f"Telegram has refused the bot token for {now - refused_since:.0f} s "
                                      "(401/404): check TELEGRAM_BOT_TOKEN")
                    return
                failing = failing or self._failing("Telegram refused the bot token (401/404)")
                delay = min(max(delay * 2, 0.5), 5.0)
                continue
            except RetryAfter as exc:
                delay = float(exc.retry_after if isinstance(exc.retry_after, (int, float))
                              else exc.retry_after.total_seconds())
                continue
            except TimedOut:
                delay = 0.0
                continue
            except (Conflict, NetworkError, TelegramError) as exc:
                failing = failing or self._failing(f"getUpdates failed ({exc.__class__.__name__}: {exc})")
                delay = min(max(delay * 2, 0.5), 30.0)
                continue
            except Exception as exc:  # noqa: BLE001 - polling must never end while the process lives
                failing = failing or self._failing(f"getUpdates failed unexpectedly ({exc.__class__.__name__})")
                delay = min(max(delay * 2, 0.5), 30.0)
                continue
            if failing:
                log.warning("polling works again after %.0f s", time.monotonic() - failing)
            delay, refused_since, failing = 0.0, None, None
            if not isinstance(raw, list):
                failing = self._failing("getUpdates returned something that is not a list")
                delay = 1.0
                continue
            try:
                await self._take(raw)
            except Exception:  # noqa: BLE001 - a bug here must not end polling: log it, go on
                log.exception("polling: could not take a batch of updates")
                delay = 1.0

    @staticmethod
    def _failing(what: str) -> float:
        log.warning("%s; retrying with backoff", what)
        return time.monotonic()

    async def put(self, update: object) -> None:
        """Webhook mode: the web server puts each update here; it is stored before Telegram hears
        back (a failed or timed-out webhook call is delivered again), then handed over."""
        if isinstance(update, Update):
            await self._take([update.to_dict()], confirm=False)
        else:
            await self.app.update_queue.put(update)

    async def _take(self, raw: list, confirm: bool = True) -> None:
        ids = [u["update_id"] for u in raw if isinstance(u, dict) and isinstance(u.get("update_id"), int)]
        if len(ids) < len(raw):
            log.error("%d update(s) without an update_id were skipped", len(raw) - len(ids))
        if not ids:
            return
        fresh = [u for u in raw if isinstance(u, dict) and u.get("update_id") in ids
                 and u["update_id"] not in self._seen]
        try:
            known = self.services.inbox.known([u["update_id"] for u in fresh])
        except Exception:  # noqa: BLE001 - the database cannot be read: handle them all
            known = set()
        fresh = [u for u in fresh if u["update_id"] not in known]
        stored = self.services.inbox.add(fresh) if fresh else None
        for u in fresh:  # handled at once: answers never wait on storage
            self._seen.add(u["update_id"])
            update = self._parse(u["update_id"], u)
            if update is not None:
                await self.app.update_queue.put(update)
        if confirm:  # polling: the next getUpdates, which confirms these, first waits for `stored`
            self.offset = max(ids) + 1
            self._unconfirmed = stored
        else:  # webhook: Telegram hears back once they are stored
            await self._stored(stored)
        if len(self._seen) > 10_000:  # ids below the offset never come again: keep the newest
            self._seen = set(sorted(self._seen)[-5_000:])

    async def _stored(self, future) -> None:
        """Wait until the inbox holds a batch (STORE_WAIT at most; not at all while the database
        cannot be written: then the updates, already being answered, are confirmed anyway)."""
        if future is None:
            return
        deadline = time.monotonic() + STORE_WAIT
        wrapped = asyncio.wrap_future(future)
        wrapped.add_done_callback(lambda f: f.cancelled() or f.exception())  # retrieved: no "never retrieved"
        while not future.done():
            if getattr(self.services.writer, "failing_since", None) is not None or time.monotonic() > deadline:
                if self._durable:
                    log.warning("inbox: updates could not be stored; they are answered from memory and "
                                "written when the database allows")
                self._durable = False  # the writer keeps retrying: do not wait for it
                return
            await asyncio.wait({wrapped}, timeout=0.05)
        if future.cancelled() or future.exception() is not None:
            self._durable = False
            return
        if not self._durable:
            log.warning("inbox: updates are stored again before they are confirmed")
        self._durable = True


# --- building and running ---------------------------------------------------------------------

def build_application(config: Config, services: Services | None = None) -> Application:
    """The Application with every handler registered; `services` may be given by tests."""
    install_redaction(config.require_token())
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from handlers import admin, browse, errors, flood, handover, inline, privacy, questions, start, voice

    services = services or Services.build(config)
    builder = ApplicationBuilder().token(config.require_token())
    if config.api_base_url:
        builder.base_url(config.api_base_url)
    if config.api_base_file_url:
        builder.base_file_url(config.api_base_file_url)
    if config.rate_limit:  # Telegram's flood limits; off only against a local Bot API (load tests)
        builder.rate_limiter(AIORateLimiter(max_retries=3))
    builder.concurrent_updates(ChatOrderedProcessor(
        CONCURRENT_UPDATES, on_done=lambda u: services.inbox.done(u.update_id) if isinstance(u, Update) else None))
    builder.request(AiohttpRequest(pool_size=CONCURRENT_UPDATES + 2, timeout=config.http_timeout))
    # Long polling holds a request open for up to its own timeout: give it room.
    builder.get_updates_request(AiohttpRequest(pool_size=1, timeout=config.http_timeout + POLL_TIMEOUT))
    builder.post_init(post_init).post_shutdown(post_shutdown)
    app = builder.build()
    app.bot_data["services"] = services
    app.bot_data["voice"] = build_voice(config)  # None unless DIASPORA_BOT_VOICE_MODEL and the extra
    # Order matters: commands and buttons first, free text last, errors at the end.
    flood.register(app)
    start.register(app)
    admin.register(app)
    browse.register(app)
    privacy.register(app)
    handover.register(app, config.admin_chat)
    inline.register(app)
    voice.register(app)  # before questions: its catch-all for non-text would take voice notes
    questions.register(app)
    admin.register_fallbacks(app)
    errors.register(app)
    return app


async def start_polling(app: Application, timeout: float = POLL_TIMEOUT, give_up_after: float = 60.0,
                        on_fatal: Callable[[str], None] | None = None) -> InboxPoller:
    """Replay the inbox and start polling through it (the Application must be started)."""
    poller = InboxPoller(app, app.bot_data["services"], timeout=timeout, give_up_after=give_up_after,
                         on_fatal=on_fatal)
    app.bot_data["poller"] = poller
    await poller.start()
    return poller


async def stop_polling(app: Application, drain_seconds: float) -> None:
    """Stop fetching, give running updates `drain_seconds`, leave the rest in the inbox."""
    poller: InboxPoller | None = app.bot_data.pop("poller", None)
    if poller is not None:
        await poller.stop()
    cancelled = await app.update_processor.close(drain_seconds)
    if cancelled:
        log.warning("stopping: %d update(s) still being handled stay in the inbox for the next start",
                    cancelled)


async def initialize(app: Application, config: Config) -> None:
    """`app.initialize()`, retried while the API is unreachable or refuses the token, up to a limit."""
    deadline = time.monotonic() + config.give_up_after
    delay = 0.5
    while True:
        try:
            await app.initialize()
            return
        except InvalidToken:
            if time.monotonic() >= deadline:
                raise FatalError("Telegram refuses the bot token (401/404): check TELEGRAM_BOT_TOKEN") from None
        except (NetworkError, TimedOut) as exc:
            if time.monotonic() >= deadline:
                where = config.api_base_url or "https://api.telegram.org"
                raise FatalError(f"cannot reach the Telegram Bot API at {where} "
                                 f"({exc.__class__.__name__}: {exc})") from None
        log.warning("start-up: the Bot API is not usable yet; retrying in %.0f s", delay)
        await asyncio.sleep(min(delay, max(0.0, deadline - time.monotonic())))
        delay = min(delay * 2, 10.0)


async def serve(app: Application, config: Config, webhook: dict | None = None) -> None:
    """Run until SIGINT/SIGTERM (or a fatal error): polling through the inbox, or a webhook."""
    stop = asyncio.Event()
    fatal: list[str] = []
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    def on_fatal(message: str) -> None:
        fatal.append(message)
        stop.set()

    try:
        await initialize(app, config)
    except FatalError:
        for request in app.bot._request:  # noqa: SLF001 - close the HTTP sessions opened for nothing
            await request.shutdown()
        raise
    try:
        await post_init(app)
        await app.start()
        if webhook:
            inbox = InboxPoller(app, app.bot_data["services"])
            await inbox.replay()
            app.updater.update_queue = inbox  # the web server stores each update before answering 200
            await app.updater.start_webhook(allowed_updates=Update.ALL_TYPES, **webhook)
            print(f"diaspora-bot: listening for webhook calls on "
                  f"http://{webhook['listen']}:{webhook['port']}/{webhook['url_path']}", file=sys.stderr, flush=True)
        else:
            await start_polling(app, give_up_after=config.give_up_after, on_fatal=on_fatal)
        await stop.wait()
        if webhook:
            await app.updater.stop()
        await stop_polling(app, config.stop_timeout)
        await app.stop()
    finally:
        await app.shutdown()
        await post_shutdown(app)
    if fatal:
        raise FatalError(fatal[0])


def run(config: Config, webhook_url: str | None = None, listen: str = "127.0.0.1", port: int = 8443,
        secret_token: str | None = None) -> int:
    """Run until SIGINT/SIGTERM; a stop drains for at most DIASPORA_BOT_STOP_TIMEOUT seconds."""
    app = build_application(config)
    log.info("starting with %d entries", len(app.bot_data["services"].assistant.kb))
    webhook = None
    if webhook_url:
        import secrets
        webhook = {"listen": listen, "port": port, "url_path": urlsplit(webhook_url).path.strip("/") or "telegram",
                   "webhook_url": webhook_url,
                   "secret_token": secret_token or config.webhook_secret or secrets.token_urlsafe(32)}
    asyncio.run(serve(app, config, webhook))
    return 0
