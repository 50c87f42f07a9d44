"""Build the Telegram Application: services, handlers in order, command menu; run it."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from urllib.parse import urlsplit

from telegram import BotCommand, Update
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder

from .aiohttp_request import AiohttpRequest
from .commands import public_commands
from .config import Config
from .services import Services
from .voice import build_voice

log = logging.getLogger(__name__)


async def post_init(app: Application) -> None:
    """Set the command menu in each language; schedule the query-log retention job."""
    for lang in ("en", "km", "fr"):
        commands = [BotCommand(c.name, c.description.get(lang) or c.description["en"]) for c in public_commands()]
        await app.bot.set_my_commands(commands, language_code=None if lang == "en" else lang)
    if app.job_queue is not None:
        app.job_queue.run_repeating(purge_query_log, interval=RETENTION_CHECK_SECONDS, first=1,
                                    name="query-log-retention")
        app.job_queue.run_repeating(flush_query_log, interval=1, first=1, name="query-log-flush")


RETENTION_CHECK_SECONDS = 6 * 3600
CONCURRENT_UPDATES = 8  # updates handled at once: network waits overlap
POLL_TIMEOUT = 30  # seconds a getUpdates call may wait for updates


async def purge_query_log(context) -> None:
    """Delete query-log rows older than the retention period."""
    services: Services = context.application.bot_data["services"]
    deleted = services.query_log.purge_older_than(services.config.retention_days)
    if deleted:
        log.info("retention: deleted %d query-log rows older than %d days", deleted, services.config.retention_days)


async def post_shutdown(app: Application) -> None:
    """Write what the query log still holds, then close the database."""
    services: Services | None = app.bot_data.get("services")
    if services is not None:
        if not services.query_log.flush():
            log.error("query log: %d row(s) could not be written (database locked)",
                      len(services.query_log.pending))
        services.db.conn.close()
    if (voice := app.bot_data.get("voice")) is not None:
        voice.close()


async def flush_query_log(context) -> None:
    """Write query-log rows that waited for a lock."""
    context.application.bot_data["services"].query_log.flush()


class RedactToken(logging.Filter):
    """Replace the bot token in log records (httpx logs request URLs, which contain it)."""

    def __init__(self, token: str):
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "<token>"), None
        return True


def build_application(config: Config, services: Services | None = None) -> Application:
    """The Application with every handler registered; `services` may be given by tests."""
    # httpx logs every request URL (with the token) at INFO: quiet it, and redact if shown anyway.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for name in ("httpx", "httpcore", "telegram", "apscheduler"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactToken) and f.token == config.token for f in logger.filters):
            logger.addFilter(RedactToken(config.require_token()))
    from handlers import admin, browse, errors, flood, handover, inline, privacy, questions, start, voice

    builder = ApplicationBuilder().token(config.require_token())
    if config.api_base_url:
        builder.base_url(config.api_base_url)
    if config.api_base_file_url:
        builder.base_file_url(config.api_base_file_url)
    if config.rate_limit:  # Telegram's flood limits; off only against a local Bot API (load tests)
        builder.rate_limiter(AIORateLimiter(max_retries=3))
    builder.concurrent_updates(CONCURRENT_UPDATES)
    builder.request(AiohttpRequest(pool_size=CONCURRENT_UPDATES + 2, timeout=config.http_timeout))
    # Long polling holds a request open for up to its own timeout: give it room.
    builder.get_updates_request(AiohttpRequest(pool_size=1, timeout=config.http_timeout + POLL_TIMEOUT))
    builder.post_init(post_init).post_shutdown(post_shutdown)
    app = builder.build()
    app.bot_data["services"] = services or Services.build(config)
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


async def serve_webhook(app: Application, webhook_url: str, listen: str, port: int, secret_token: str) -> None:
    """Serve webhook calls until SIGINT/SIGTERM; say on stderr once the server listens."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    path = urlsplit(webhook_url).path.strip("/") or "telegram"
    async with app:
        await post_init(app)
        await app.updater.start_webhook(listen=listen, port=port, url_path=path, webhook_url=webhook_url,
                                        secret_token=secret_token, allowed_updates=Update.ALL_TYPES)
        await app.start()
        print(f"diaspora-bot: listening for webhook calls on http://{listen}:{port}/{path}",
              file=sys.stderr, flush=True)
        await stop.wait()
        await app.updater.stop()
        await app.stop()
    await post_shutdown(app)


def run(config: Config, webhook_url: str | None = None, listen: str = "127.0.0.1", port: int = 8443,
        secret_token: str | None = None) -> int:
    """Run until SIGINT/SIGTERM (python-telegram-bot stops cleanly on both)."""
    app = build_application(config)
    log.info("starting with %d entries", len(app.bot_data["services"].assistant.kb))
    if webhook_url:
        import secrets
        secret_token = secret_token or config.webhook_secret or secrets.token_urlsafe(32)
        asyncio.run(serve_webhook(app, webhook_url, listen, port, secret_token))
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES, timeout=POLL_TIMEOUT)
    return 0
