"""Faults: a failing Bot API, a locked database, a kill during a KB change, a bad KB at start-up."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from bot.live import LiveKnowledge
from knowledge.loader import KnowledgeBaseInvalid, bundled_path, load_bundled
from storage.db import open_database
from tests.conftest import USER, bot_env, polling_bot


@pytest.fixture
async def bot(api, tmp_path):
    """The bot with short HTTP timeouts, so that a hung Bot API call fails fast."""
    async with polling_bot(bot_env(api, tmp_path, DIASPORA_BOT_HTTP_TIMEOUT="1")) as app:
        yield app


async def ask_and_wait(api, text, timeout=30):
    n = len(api.sent_messages(USER))
    api.push_message(text, user_id=USER)
    await api.wait_for(lambda s: len(s.sent_messages(USER)) > n, timeout=timeout)
    return api.sent_messages(USER)[-1]["text"]


@pytest.mark.parametrize("fault", [
    {"retry_after": 1},
    {"status": 502, "times": 2},
    {"status": 504},
    {"drop": True, "times": 2},
    {"delay": 2.5},
], ids=["429-retry-after", "502-twice", "504", "dropped-twice", "timeout"])
async def test_reply_delivered_after_the_bot_api_recovers(api, bot, fault, caplog):
    api.fail_next("sendMessage", **fault)
    text = await ask_and_wait(api, "passport price")
    assert "US$20" in text
    # And the bot keeps polling: the next question is answered too.
    assert "nationalit" in (await ask_and_wait(api, "Does Cambodia allow dual citizenship?")).lower()
    assert api.errors == []
    assert_nothing_identifying(caplog.text, api, [USER])


@pytest.mark.parametrize("fault", [{"status": 502, "times": 3}, {"drop": True, "times": 2}, {"status": 500}],
                         ids=["502", "dropped", "500"])
async def test_polling_survives_get_updates_failures(api, bot, fault, caplog):
    api.fail_next("getUpdates", **fault)
    assert "US$20" in await ask_and_wait(api, "passport price")
    assert_nothing_identifying(caplog.text, api, [USER])


async def test_locked_database_does_not_stop_answers_and_loses_no_log(api, bot, tmp_path):
    services = bot.bot_data["services"]
    other = sqlite3.connect(tmp_path / "bot.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
    try:
        assert "US$20" in await ask_and_wait(api, "passport price")
        assert "nationalit" in (await ask_and_wait(api, "double nationality")).lower()
        services.query_log.flush()
        assert services.writer.waiting >= 1  # the log waits in memory while the lock is held
    finally:
        other.execute("COMMIT")
        other.close()
    assert services.writer.flush(timeout=10)
    assert [r["question"] for r in services.db["query_log"].rows] == ["passport price", "double nationality"]


KILLER = textwrap.dedent("""
    import asyncio, sys
    from bot.live import LiveKnowledge
    from knowledge.loader import load_bundled, load_data
    from storage.audit import insert_action
    from storage.db import open_database
    from storage.writer import BackgroundWriter

    db = open_database(sys.argv[1])
    live = LiveKnowledge(db)
    a = load_bundled()
    data = a.to_data()
    data["entries"] = data["entries"][:10]
    for e in data["entries"]:
        e["related"] = []
    b = load_data(data)
    live.load()
    print("ready", flush=True)

    async def through_the_writer(writer):  # as the running bot stores an admin's change
        i = 0
        while True:
            await live.apply_async(live.prepare(a if i % 2 else b, str(i)), "loop", writer, max_removals=None,
                                   also=lambda db, rev: insert_action(db, "loop", "apply", f"revision {rev.id}"))
            i += 1

    if sys.argv[2] == "writer":
        asyncio.run(through_the_writer(BackgroundWriter(sys.argv[1])))
    i = 0
    while True:  # alternate two knowledge bases until killed (as the CLI does)
        live.commit(b if i % 2 else a, author="loop", note=str(i))
        i += 1
""")


@pytest.mark.parametrize("mode", ["commit", "writer"])
@pytest.mark.parametrize("delay", [0.05, 0.2, 0.5, 1.0])
def test_sigkill_while_applying_a_revision_leaves_old_or_new(tmp_path, delay, mode):
    db_path = tmp_path / "kill.db"
    proc = subprocess.Popen([sys.executable, "-c", KILLER, str(db_path), mode], stdout=subprocess.PIPE, text=True,
                            cwd=os.path.dirname(os.path.dirname(__file__)))
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(delay)  # let it be somewhere in its loop of commits; the kill is the point
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    db = open_database(db_path)
    kb, rev = LiveKnowledge(db).load()
    full = load_bundled()
    assert len(kb) in (10, len(full))
    assert kb.content_hash() == rev.content_hash
    stored = json.loads(db.execute("select content from kb_revisions order by id desc limit 1").fetchone()[0])
    assert len(stored["entries"]) == len(kb)
    if mode == "writer":  # every revision with its audit row: one transaction
        audited = [r[0] for r in db.execute("select detail from audit_log where actor = 'loop' order by id")]
        assert audited == [f"revision {r[0]}" for r in db.execute(
            "select id from kb_revisions where author = 'loop' order by id")]


def write_bad_kb(folder):
    folder.mkdir()
    (folder / "bad.yaml").write_text("entries:\n  - id: x\n    kind: fact\n    title: {en: X}\n")


def test_bad_kb_at_first_start_refuses_with_lines(tmp_path):
    write_bad_kb(tmp_path / "kb")
    env = {**os.environ, "DIASPORA_BOT_DB": str(tmp_path / "b.db"), "DIASPORA_BOT_KB": str(tmp_path / "kb")}
    proc = subprocess.run([sys.executable, "-m", "bot.cli", "ask", "passport"], env=env, capture_output=True,
                          text=True)
    assert proc.returncode == 1
    assert f"{tmp_path / 'kb' / 'bad.yaml'}:2: missing field 'answer'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_kb_later_keeps_the_last_good_revision(tmp_path):
    db = open_database(tmp_path / "b.db")
    good, first = LiveKnowledge(db, bundled_path()).load()
    write_bad_kb(tmp_path / "kb")
    kb, rev = LiveKnowledge(db, tmp_path / "kb").load()
    assert rev.id == first.id and kb.content_hash() == good.content_hash()
    with pytest.raises(KnowledgeBaseInvalid):
        LiveKnowledge(open_database(tmp_path / "fresh.db"), tmp_path / "kb").load()


@pytest.mark.skipif(not os.path.exists("/proc/self/mem"), reason="needs Linux's /proc")
def test_unreadable_kb_file_later_keeps_the_last_good_revision(tmp_path):
    db = open_database(tmp_path / "b.db")
    good, first = LiveKnowledge(db, bundled_path()).load()
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "a.yaml").symlink_to("/proc/self/mem")  # unreadable, even by root (I/O error)
    kb, rev = LiveKnowledge(db, tmp_path / "kb").load()
    assert rev.id == first.id and kb.content_hash() == good.content_hash()
    with pytest.raises(KnowledgeBaseInvalid, match="cannot read"):
        LiveKnowledge(open_database(tmp_path / "fresh.db"), tmp_path / "kb").load()


# --- the inbox: nothing lost on a kill or a stop -------------------------------------------------

NAME, USERNAME = "Sokhavirak", "sokha_private_km"


class BotProcess:
    """`diaspora-bot run` as a process against the fake API; its log goes to a file (scanned later)."""

    def __init__(self, api, tmp_path, token=None, **env):
        self.log_path = tmp_path / f"bot-{len(list(tmp_path.glob('bot-*.log')))}.log"
        full = {**os.environ, **bot_env(api, tmp_path), "DIASPORA_BOT_RATE_LIMIT": "false", **env}
        if token:
            full["TELEGRAM_BOT_TOKEN"] = token
        self.log = self.log_path.open("w")
        self.proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], env=full, stdout=self.log,
                                     stderr=subprocess.STDOUT, cwd=os.path.dirname(os.path.dirname(__file__)))

    def stop(self, sig=signal.SIGTERM, timeout=60) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout)
        self.log.close()
        return code

    def text(self) -> str:
        return self.log_path.read_text()


def push_burst(api, n, users):
    """n questions from `users` users (named, with a username); returns update ids per chat."""
    sent = {}
    for i in range(n):
        uid = 7_700_000 + i % users
        update = api.push_message("passport price", user_id=uid, first_name=NAME)
        update["message"]["from"]["username"] = USERNAME
        sent.setdefault(uid, []).append(update["update_id"])
    return sent


def assert_nothing_identifying(text, api, ids):
    assert api.token not in text and api.token.split(":", 1)[1] not in text
    assert NAME not in text and USERNAME not in text
    for uid in ids:
        assert not re.search(rf"(?<![0-9]){uid}(?![0-9])", text), uid


def replies(api, chat_id):
    return len(api.sent_messages(chat_id))


@pytest.mark.parametrize("after_replies", [0, 40])
def test_sigkill_during_a_burst_loses_nothing(api, tmp_path, after_replies):
    """Killed while a burst is handled, then restarted: every question is answered."""
    first = BotProcess(api, tmp_path)
    sent = push_burst(api, 300, users=30)
    api.wait_for_sync(lambda s: sum(replies(s, u) for u in sent) >= after_replies
                      and any(c.method == "getUpdates" and c.response and c.response["result"] for c in s.calls),
                      timeout=60)
    first.stop(signal.SIGKILL)
    second = BotProcess(api, tmp_path)
    try:
        api.wait_for_sync(lambda s: all(replies(s, u) >= len(ids) for u, ids in sent.items()), timeout=120)
    finally:
        assert second.stop() == 0
    assert api.errors == []
    assert_nothing_identifying(first.text() + second.text(), api, sent)


def test_sigterm_during_an_outage_keeps_the_rest_for_the_next_start(api, tmp_path):
    """sendMessage fails for longer than the stop timeout: the stop is bounded, the next start answers."""
    api.fail_next("sendMessage", status=502, times=10_000)
    first = BotProcess(api, tmp_path, DIASPORA_BOT_STOP_TIMEOUT="2")
    sent = push_burst(api, 20, users=5)
    api.wait_for_sync(lambda s: sum(1 for c in s.calls if c.method == "sendMessage") >= 5, timeout=60)
    t0 = time.monotonic()
    assert first.stop() == 0
    assert time.monotonic() - t0 < 15
    api._faults.clear()  # the outage ends
    assert sum(replies(api, u) for u in sent) == 0
    second = BotProcess(api, tmp_path)
    try:
        api.wait_for_sync(lambda s: all(replies(s, u) >= len(ids) for u, ids in sent.items()), timeout=60)
    finally:
        assert second.stop() == 0
    assert_nothing_identifying(first.text() + second.text(), api, sent)


# --- polling that recovers ------------------------------------------------------------------------

@pytest.mark.parametrize("fault", [{"status": 401, "times": 3}, {"status": 404, "times": 3},
                                   {"malformed": True, "times": 3}], ids=["401", "404", "malformed-json"])
async def test_polling_recovers_from_refusals_and_garbage(api, bot, fault, caplog):
    api.fail_next("getUpdates", **fault)
    assert "US$20" in await ask_and_wait(api, "passport price")
    assert_nothing_identifying(caplog.text, api, [USER])


async def test_malformed_reply_response_is_retried(api, bot):
    api.fail_next("sendMessage", malformed=True, times=2)
    assert "US$20" in await ask_and_wait(api, "passport price")


async def test_an_unreadable_update_is_skipped_once_and_polling_goes_on(api, bot, caplog):
    api.push_update({"message": {"message_id": "not a number", "from": {"id": 7_700_999, "first_name": NAME},
                                 "text": "my secret question"}})
    assert "US$20" in await ask_and_wait(api, "passport price")
    polls = len(api.calls_to("getUpdates"))
    assert "nationalit" in (await ask_and_wait(api, "double nationality")).lower()
    assert len(api.calls_to("getUpdates")) - polls < 10  # no tight loop on the bad update
    skipped = [r for r in caplog.records if "could not be read" in r.getMessage()]
    assert len(skipped) == 1
    assert "my secret question" not in caplog.text
    assert_nothing_identifying(caplog.text, api, [7_700_999])


def test_a_token_that_stays_refused_ends_the_process_with_one_line(api, tmp_path):
    bad = "999999:REFUSED-token-refused-token"
    proc = BotProcess(api, tmp_path, token=bad, DIASPORA_BOT_GIVE_UP_AFTER="2")
    assert proc.stop(sig=0, timeout=60) == 2
    lines = [ln for ln in proc.text().splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and "refuses the bot token" in lines[0]
    assert "Traceback" not in proc.text() and bad not in proc.text() and "REFUSED" not in proc.text()


# --- answers never wait on storage -------------------------------------------------------------

@pytest.mark.parametrize("error", ["database or disk is full", "attempt to write a readonly database"],
                         ids=["disk-full", "read-only"])
async def test_storage_faults_do_not_stop_answers(api, bot, error, caplog, monkeypatch):
    """While every write fails as SQLite fails on a full disk or a read-only file, questions,
    /language and /forget are all answered at once; the writes wait and are done afterwards."""
    services = bot.bot_data["services"]
    write = services.writer._write

    def failing(db, batch):
        raise sqlite3.OperationalError(error)
    monkeypatch.setattr(services.writer, "_write", failing)
    for question in ("passport price", "/language km", "double nationality", "/forget", "passport price"):
        t0 = time.monotonic()
        await ask_and_wait(api, question)
        assert time.monotonic() - t0 < 5
    services.query_log.flush()
    assert services.writer.waiting > 0 and services.db["query_log"].count == 0
    monkeypatch.setattr(services.writer, "_write", write)  # the disk has room again
    assert services.writer.flush(timeout=20)
    assert services.db["query_log"].count >= 3
    assert_nothing_identifying(caplog.text, api, [USER])


async def test_an_admin_whose_change_cannot_be_saved_is_told_why(api, bot, tmp_path, caplog):
    from knowledge.loader import load_data
    from tests.conftest import ADMIN
    live = bot.bot_data["services"].live
    data = live.current()[0].to_data()  # a revision 2, so that /rollback 1 changes something
    data["entries"][0]["questions"]["en"] = list(data["entries"][0]["questions"]["en"]) + ["a new phrasing"]
    live.apply(live.prepare(load_data(data), "test"), "test")
    other = sqlite3.connect(tmp_path / "bot.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        n = len(api.sent_messages(ADMIN))
        api.push_command("/rollback 1", user_id=ADMIN)
        await api.wait_for(lambda s: len(s.sent_messages(ADMIN)) > n, timeout=30)
        text = api.sent_messages(ADMIN)[-1]["text"]
        assert "was not saved: another program is holding the database locked" in text
        assert "US$20" in await ask_and_wait(api, "passport price")  # users are still answered
        assert_nothing_identifying(caplog.text, api, [USER, ADMIN])
    finally:
        other.execute("COMMIT")
        other.close()
