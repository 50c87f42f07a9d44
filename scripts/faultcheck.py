#!/usr/bin/env python3
"""Fault check: the real `diaspora-bot run` process against the fake Bot API, with faults injected.

Each scenario prints what was lost (questions never answered, of N), what was answered twice,
how long recovery took and whether any log line holds the token, a user id, a name or a
username. The fake confirms updates only when the bot asks for a higher offset, as Telegram does.

    .venv/bin/python scripts/faultcheck.py [--messages 2000] [--users 200] [--only NAME ...]

Scenarios: kill-0.3, kill-1, kill-3 (SIGKILL that many seconds into a burst, then restart),
term-outage (SIGTERM during a 45 s sendMessage outage, 30 s allowed to stop, restart after the
outage), term-limited (SIGTERM 5 s into a burst with Telegram's flood limits on, restart),
locked (another program holds the write lock for 30 s while users ask and an admin tries
`/rollback 1`), disk-full (the same on a full file system; needs root to mount a small one),
read-only (the same with the database read-only; the bot in this process, see InProcessBot),
handoffs (40 hand-offs at once with the flood limits on while 40 other users ask), auth
(getUpdates answers 401/404 for 5 s), poison (an update the library cannot read), malformed (truncated JSON
responses). Prints figures only; exit status 1 when a question was lost or a log line leaked.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from loadtest import RssSampler, TimedFakeBotAPI, bot_env  # noqa: E402

TOKEN = "424242:FAULTCHECK-token-secret-part"
NAME, USERNAME = "Sokhavirak", "sokha_private_km"
FIRST_USER = 880_000_000
ADMIN = 770_000_001


class Run:
    """One fake API, one database, and the bot processes started against them."""

    def __init__(self, name: str):
        self.name = name
        self.api = TimedFakeBotAPI(token=TOKEN).start()
        self.tmpdir = tempfile.TemporaryDirectory(prefix=f"faultcheck-{name}-")
        self.tmp = Path(self.tmpdir.name)
        self.logs: list[Path] = []
        self.pushed: Counter = Counter()
        self.proc: subprocess.Popen | None = None

    def start(self, **env) -> subprocess.Popen:
        log = self.tmp / f"bot-{len(self.logs)}.log"
        self.logs.append(log)
        full = {**bot_env(self.api, self.tmp), **env}
        self.proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=ROOT, env=full,
                                     stdin=subprocess.DEVNULL, stdout=log.open("w"), stderr=subprocess.STDOUT)
        polls = self.api.polls
        self.api.wait_for_sync(lambda s: s.polls > polls or self.proc.poll() is not None, timeout=60)
        return self.proc

    def stop(self, sig=signal.SIGTERM, timeout: float = 90) -> tuple[int | None, float]:
        t0 = time.monotonic()
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = None
            self.proc.wait()
        return code, time.monotonic() - t0

    def push(self, n: int, users: int, text: str = "passport price") -> None:
        for i in range(n):
            uid = FIRST_USER + i % users
            update = self.api.push_message(text, user_id=uid, first_name=NAME)
            update["message"]["from"]["username"] = USERNAME
            self.pushed[uid] += 1

    def answered(self) -> Counter:
        with self.api._cond:
            return Counter({chat: len(times) for chat, times in self.api.reply_times.items()})

    def lost_and_extra(self) -> tuple[int, int]:
        got = self.answered()
        lost = sum(max(0, n - got[u]) for u, n in self.pushed.items())
        extra = sum(max(0, got[u] - n) for u, n in self.pushed.items())
        return lost, extra

    def wait_all(self, timeout: float) -> float | None:
        """Seconds until every pushed question had a reply (None: not within timeout)."""
        t0 = time.monotonic()
        try:
            self.api.wait_for_sync(lambda s: self.lost_and_extra()[0] == 0, timeout=timeout)
        except AssertionError:
            return None
        return time.monotonic() - t0

    def leaks(self) -> int:
        """Log lines holding the token, a user id, a name or a username."""
        needles = [TOKEN, TOKEN.split(":", 1)[1], NAME, USERNAME, str(ADMIN), *(str(u) for u in self.pushed)]
        return sum(1 for log in self.logs for line in log.read_text(errors="replace").splitlines()
                   if any(n in line for n in needles))

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.stop()
        self.api.stop()
        self.tmpdir.cleanup()


def report(name: str, run: Run, **figures) -> bool:
    lost, extra = run.lost_and_extra()
    leaks = run.leaks()
    shown = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in figures.items())
    print(f"{name:<12} lost {lost} of {sum(run.pushed.values())}, answered twice {extra}, "
          f"log lines leaking {leaks}; {shown}", flush=True)
    return lost == 0 and leaks == 0


def kill_scenario(after: float, messages: int, users: int) -> bool:
    run = Run(f"kill-{after:g}")
    try:
        run.start()
        run.push(messages, users)
        time.sleep(after)  # the point of the scenario: a kill at this moment of the burst
        before = sum(run.answered().values())
        run.stop(signal.SIGKILL)
        t0 = time.monotonic()
        run.start()
        recovered = run.wait_all(300)
        return report(f"kill-{after:g}", run, answered_before_the_kill=before,
                      seconds_from_restart_to_all_answered=_s(recovered, t0))
    finally:
        run.close()


def _s(recovered: float | None, t0: float) -> str:
    return "never" if recovered is None else f"{time.monotonic() - t0:.1f}"


def term_outage_scenario(messages: int, users: int) -> bool:
    run = Run("term-outage")
    try:
        run.start(DIASPORA_BOT_STOP_TIMEOUT="20")
        run.api.fail_next("sendMessage", status=502, times=10**9)
        t_outage = time.monotonic()
        run.push(messages, users)
        time.sleep(5)  # the bot retries the replies during the outage
        code, took = run.stop(timeout=30)  # systemd's TimeoutStopSec=30
        time.sleep(max(0.0, 45 - (time.monotonic() - t_outage)))
        with run.api._cond:
            run.api._faults.clear()  # the outage ends after 45 s
        t0 = time.monotonic()
        run.start()
        recovered = run.wait_all(300)
        return report("term-outage", run, exit_code=code, seconds_to_stop=f"{took:.1f}",
                      seconds_from_restart_to_all_answered=_s(recovered, t0)) and code == 0
    finally:
        run.close()


def term_rate_limited_scenario(messages: int, users: int) -> bool:
    """Telegram's flood limits on (about 30 replies/s): a burst cannot drain in a 30 s stop."""
    run = Run("term-limited")
    try:
        run.start(DIASPORA_BOT_RATE_LIMIT="true")
        run.push(messages, users)
        time.sleep(5)
        before = sum(run.answered().values())
        code, took = run.stop(timeout=30)
        t0 = time.monotonic()
        run.start(DIASPORA_BOT_RATE_LIMIT="true")
        recovered = run.wait_all(600)
        return report("term-limited", run, answered_before_the_stop=before, exit_code=code,
                      seconds_to_stop=f"{took:.1f}", seconds_from_restart_to_all_answered=_s(recovered, t0)) \
            and code == 0
    finally:
        run.close()


def handoff_scenario(handoffs: int, users: int) -> bool:
    """Telegram's flood limits on: many hand-offs at once (the admins' chat takes 20 a minute)
    while other users ask; their answers must not wait for the admins' chat."""
    run = Run("handoffs")
    admin_chat = -1001000000001
    try:
        run.api.add_chat({"id": admin_chat, "type": "supergroup", "title": "Admins"})
        run.start(DIASPORA_BOT_RATE_LIMIT="true", DIASPORA_BOT_ADMIN_CHAT=str(admin_chat))
        for i in range(handoffs):  # one chat's updates are handled in order: the tap follows the question
            uid = FIRST_USER + 100_000 + i
            run.api.push_message("my landlord keeps my deposit what can i do", user_id=uid, first_name=NAME)
            run.api.push_callback("h:yes", user_id=uid)
        time.sleep(1)
        latencies = []
        for i in range(users):
            uid = FIRST_USER + i
            t0 = time.monotonic()
            run.api.push_message("passport price", user_id=uid, first_name=NAME)
            run.pushed[uid] += 1
            run.api.wait_for_sync(lambda s: run.answered()[uid] >= 1, timeout=120)
            latencies.append(time.monotonic() - t0)
        posted = len([m for m in run.api.sent_messages(admin_chat) if "reply to this message" in m["text"]])
        return report("handoffs", run, handoffs=handoffs, posted_to_admins_meanwhile=posted,
                      other_users_latency_p50_ms=f"{1000 * statistics.median(latencies):.0f}",
                      other_users_latency_max_ms=f"{1000 * max(latencies):.0f}")
    finally:
        run.close()


def make_revision(db_path: Path) -> None:
    """A second knowledge-base revision (one more phrasing), so that `/rollback 1` changes something."""
    from bot.live import LiveKnowledge
    from knowledge.loader import load_data
    from storage.db import open_database

    db = open_database(db_path)
    live = LiveKnowledge(db)
    data = live.current()[0].to_data()
    data["entries"][0]["questions"]["en"] = list(data["entries"][0]["questions"]["en"]) + ["faultcheck phrasing"]
    live.apply(live.prepare(load_data(data), "faultcheck"), "faultcheck")
    db.conn.close()


def ask_during(run: Run, users: int, seconds: float) -> tuple[list[float], int]:
    """Users ask (questions, `/language`, `/forget`) one after another for `seconds`, while an admin
    sends `/rollback 1` every 10 questions; the users' reply latencies and the admin's tries."""
    t_start = time.monotonic()
    latencies: list[float] = []
    admin_tries = 0
    questions = ["passport price", "/language km", "double nationality", "/forget"]
    while time.monotonic() - t_start < seconds:
        if len(latencies) % 10 == 0:
            run.api.push_command("/rollback 1", user_id=ADMIN)
            admin_tries += 1
        uid = FIRST_USER + len(latencies) % users
        before = run.answered()[uid]
        t0 = time.monotonic()
        update = run.api.push_message(questions[len(latencies) % 4], user_id=uid, first_name=NAME)
        update["message"]["from"]["username"] = USERNAME
        run.pushed[uid] += 1
        run.api.wait_for_sync(lambda s: run.answered()[uid] > before, timeout=60)
        latencies.append(time.monotonic() - t0)
        time.sleep(0.2)
    run.api.wait_for_sync(lambda s: len(s.sent_messages(ADMIN)) >= admin_tries, timeout=30)
    return latencies, admin_tries


def report_storage_fault(name: str, run: Run, latencies: list[float], admin_tries: int, reason: str) -> bool:
    """The users' latencies; the admin's tries, each refused in plain words (`reason`) or saved."""
    replies = [m["text"] for m in run.api.sent_messages(ADMIN)]
    told = sum(f"was not saved: {reason}" in text for text in replies)
    saved = sum("now live" in text or text.startswith("Nothing to do") for text in replies)
    return report(name, run, questions_during_the_fault=len(latencies),
                  latency_p50_ms=f"{1000 * statistics.median(latencies):.0f}",
                  latency_max_ms=f"{1000 * max(latencies):.0f}",
                  admin_rollbacks_refused_in_plain_words=f"{told} of {admin_tries}",
                  saved_or_nothing_to_do=saved) and told + saved == admin_tries == len(replies)


def locked_scenario(users: int) -> bool:
    """Another program holds the write lock for 30 s while users ask and an admin tries `/rollback 1`:
    the users' answers must not wait, the admin must be told why nothing was saved."""
    run = Run("locked")
    try:
        run.start(DIASPORA_BOT_ADMINS=str(ADMIN))
        run.push(1, 1)
        run.wait_all(30)
        make_revision(run.tmp / "loadtest.db")
        other = sqlite3.connect(run.tmp / "loadtest.db", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another program holds the write lock for 30 s
        latencies, admin_tries = ask_during(run, users, 30)
        other.execute("COMMIT")
        other.close()
        return report_storage_fault("locked", run, latencies, admin_tries, "another program is holding the database locked")
    finally:
        run.close()


def disk_full_scenario(users: int) -> bool:
    """The database on a small file system that a filler file makes full for 20 s (needs root to
    mount it): the same as `locked`; afterwards the writes that waited are done."""
    run = Run("disk-full")
    small = run.tmp / "small"
    small.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(small)],
                      capture_output=True).returncode != 0:
        print("disk-full    skipped: cannot mount a small file system (needs root)", flush=True)
        run.close()
        return True
    db_path = small / "bot.db"
    try:
        run.start(DIASPORA_BOT_ADMINS=str(ADMIN), DIASPORA_BOT_DB=str(db_path))
        run.push(1, 1)
        run.wait_all(30)
        make_revision(db_path)
        filler = small / "filler"
        with filler.open("wb") as out:  # fill the file system
            try:
                while True:
                    out.write(b"\0" * 65536)
                    out.flush()
            except OSError:
                pass
        latencies, admin_tries = ask_during(run, users, 20)
        filler.unlink()  # room again: what waited is written
        logged = wait_logged(run, db_path, "disk-full", "after the filler is removed")
        return report_storage_fault("disk-full", run, latencies, admin_tries, "the disk is full") and logged
    finally:
        if run.proc is not None and run.proc.poll() is None:
            run.stop()
        subprocess.run(["umount", str(small)], capture_output=True)
        run.close()


def wait_logged(run: Run, db_path: Path, name: str, when: str) -> bool:
    """Whether every message reached the query log (no user in it) within 60 s of the fault's end."""
    asked = sum(run.pushed.values())  # every message is a row of the query log
    t_room = time.monotonic()
    logged = 0
    while time.monotonic() - t_room < 60 and logged < asked:
        time.sleep(0.5)  # polling the database file from outside: the bot writes when it retries
        conn = sqlite3.connect(db_path)
        logged = conn.execute("select count(*) from query_log").fetchone()[0]
        conn.close()
    print(f"{name:<12} {when}: {logged} of {asked} messages in the query log "
          f"within {time.monotonic() - t_room:.1f} s", flush=True)
    return logged >= asked


class InProcessBot:
    """The bot's real `Application` (what `diaspora-bot run` builds) polling the fake API from a
    thread of this process, so that a fault can be set on its own SQLite connections."""

    def __init__(self, run: Run, **env):
        from bot.config import Config

        log = run.tmp / f"bot-{len(run.logs)}.log"
        run.logs.append(log)
        self.handler = logging.FileHandler(log)
        self.handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        root.addHandler(self.handler)
        root.setLevel(logging.INFO)
        self.config = Config.from_env({**bot_env(run.api, run.tmp), **env})
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(self._serve(),))
        self.thread.start()
        if not self.ready.wait(60):
            raise RuntimeError("the bot did not start")

    async def _serve(self) -> None:
        from bot.app import build_application, initialize, post_init, post_shutdown, start_polling, stop_polling

        self.stopping = asyncio.Event()
        self.app = build_application(self.config)  # in this thread: its connection is this thread's
        self.services = self.app.bot_data["services"]
        await initialize(self.app, self.config)
        try:
            await post_init(self.app)
            await self.app.start()
            await start_polling(self.app, give_up_after=self.config.give_up_after)
            self.ready.set()
            await self.stopping.wait()
            await stop_polling(self.app, self.config.stop_timeout)
            await self.app.stop()
        finally:
            await self.app.shutdown()
            await post_shutdown(self.app)

    def on_loop(self, fn):
        """`fn()` run on the bot's event loop (where its own connection lives); its result."""
        async def call():
            return fn()
        return asyncio.run_coroutine_threadsafe(call(), self.loop).result(30)

    def connections(self) -> dict:
        """The bot's SQLite connections: the event loop's (reads only) and each writer thread's own
        (handed over by a write job; the writers' connections may be used from any thread)."""
        conns = {id(self.services.db.conn): ("loop", self.services.db.conn)}
        for writer in (self.services.writer, self.services.kb_writer):
            db = writer.submit(lambda db: db).result(30)
            conns[id(db.conn)] = ("writer", db.conn)
        return conns

    def set_query_only(self, on: bool) -> None:
        """Every connection read-only (on) or writable again; the writers keep the connections they
        had (a writer that opened a new one would have escaped the fault)."""
        if on:
            self._conns = self.connections()
        pragma = f"PRAGMA query_only={'ON' if on else 'OFF'}"
        for where, conn in self._conns.values():
            if where == "loop":
                self.on_loop(lambda: conn.execute(pragma))
            else:
                conn.execute(pragma)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.stopping.set)
        self.thread.join(60)
        self.loop.close()
        logging.getLogger().removeHandler(self.handler)
        self.handler.close()


def read_only_scenario(users: int) -> bool:
    """The database read-only for 30 s: the same as `locked`; afterwards the writes that waited are
    done. In-process (see InProcessBot): a running process cannot be made to see its open database
    file read-only from outside (root ignores permissions; for another user, permissions taken away
    only affect connections opened afterwards; Linux refuses to remount a file system, or a bind
    mount of it, read-only while files on it are open for writing), so each of
    the bot's connections is made read-only with `PRAGMA query_only` (SQLite's own read-only error,
    "attempt to write a readonly database"; no code of the bot is replaced)."""
    from bot.texts import TEXTS

    run = Run("read-only")
    bot = None
    try:
        bot = InProcessBot(run, DIASPORA_BOT_ADMINS=str(ADMIN))
        run.push(1, 1)
        run.wait_all(30)
        make_revision(run.tmp / "loadtest.db")
        bot.set_query_only(True)
        latencies, admin_tries = ask_during(run, users, 30)
        refused = bot.services.writer.waiting
        bot.set_query_only(False)
        if bot.connections().keys() != bot._conns.keys():
            print("read-only    a writer opened a new connection during the fault: not measured", flush=True)
            return False
        print(f"read-only    writes waiting when the database became writable again: {refused}", flush=True)
        logged = wait_logged(run, run.tmp / "loadtest.db", "read-only", "after query_only is turned off")
        seen = "database writes wait: the database is read-only" in run.logs[0].read_text()
        apologies = sum(m["text"] in TEXTS["error"].values() for u in run.pushed for m in run.api.sent_messages(u))
        print(f"read-only    the writer logged SQLite's read-only error: {seen}; "
              f"users told 'something went wrong': {apologies}", flush=True)
        return report_storage_fault("read-only", run, latencies, admin_tries, "the database is read-only") \
            and logged and seen and apologies == 0
    finally:
        if bot is not None:
            bot.stop()
        run.close()


def auth_scenario() -> bool:
    run = Run("auth")
    try:
        run.start()
        stop = threading.Event()

        def refuse():  # 401 then 404 for 5 s
            t0 = time.monotonic()
            while time.monotonic() - t0 < 5 and not stop.is_set():
                with run.api._cond:
                    idle = not run.api._faults.get("getupdates")
                if idle:  # one refusal ready for the next call, never a backlog
                    run.api.fail_next("getUpdates", status=401 if time.monotonic() - t0 < 2.5 else 404, times=1)
                time.sleep(0.02)
            with run.api._cond:
                run.api._faults.pop("getupdates", None)  # the refusals end after 5 s
        thread = threading.Thread(target=refuse)
        thread.start()
        run.push(20, 10)
        thread.join()
        t0 = time.monotonic()
        recovered = run.wait_all(120)
        alive = run.proc.poll() is None
        return report("auth", run, seconds_after_the_refusals_to_all_answered=_s(recovered, t0),
                      still_running=alive) and alive
    finally:
        run.close()


def poison_scenario() -> bool:
    run = Run("poison")
    try:
        run.start()
        sampler = RssSampler(run.proc.pid)
        cpu0, polls0 = sampler.cpu_seconds(), len(run.api.calls_to("getUpdates"))
        run.api.push_update({"message": {"message_id": "not a number", "text": "my secret question",
                                         "from": {"id": FIRST_USER, "first_name": NAME, "username": USERNAME}}})
        t0 = time.monotonic()
        run.push(20, 10)
        recovered = run.wait_all(60)
        answered_in = _s(recovered, t0)
        time.sleep(10)  # measure CPU and polls over 10 s after the bad update
        cpu = (sampler.cpu_seconds() or 0) - (cpu0 or 0)
        polls = len(run.api.calls_to("getUpdates")) - polls0
        leaked = "my secret question" in "".join(p.read_text() for p in run.logs)
        return report("poison", run, seconds_to_all_answered=answered_in,
                      getUpdates_calls_in_the_window=polls, cpu_seconds=f"{cpu:.2f}",
                      content_in_log=leaked) and not leaked
    finally:
        run.close()


def malformed_scenario(messages: int, users: int) -> bool:
    run = Run("malformed")
    try:
        run.start()
        run.api.fail_next("sendMessage", malformed=True, times=9)
        run.api.fail_next("getUpdates", malformed=True, times=3)
        t0 = time.monotonic()
        run.push(messages, users)
        recovered = run.wait_all(120)
        return report("malformed", run, seconds_to_all_answered=_s(recovered, t0))
    finally:
        run.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000, help="burst size for the kill scenarios")
    parser.add_argument("--users", type=int, default=200, help="users sending the burst")
    parser.add_argument("--only", nargs="*", help="run only these scenarios")
    args = parser.parse_args(argv)
    scenarios = {
        "kill-0.3": lambda: kill_scenario(0.3, args.messages, args.users),
        "kill-1": lambda: kill_scenario(1.0, args.messages, args.users),
        "kill-3": lambda: kill_scenario(3.0, args.messages, args.users),
        "term-outage": lambda: term_outage_scenario(400, 40),
        "term-limited": lambda: term_rate_limited_scenario(args.messages, args.users),
        "locked": lambda: locked_scenario(20),
        "disk-full": lambda: disk_full_scenario(20),
        "read-only": lambda: read_only_scenario(20),
        "handoffs": lambda: handoff_scenario(40, 40),
        "auth": auth_scenario,
        "poison": poison_scenario,
        "malformed": lambda: malformed_scenario(400, 40),
    }
    ok = True
    for name, scenario in scenarios.items():
        if args.only and name not in args.only:
            continue
        ok = scenario() and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
