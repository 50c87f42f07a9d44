"""Faults: a failing Bot API, a locked database, a kill during a KB change, a bad KB at start-up."""

from __future__ import annotations

import json
import os
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
async def test_reply_delivered_after_the_bot_api_recovers(api, bot, fault):
    api.fail_next("sendMessage", **fault)
    text = await ask_and_wait(api, "passport price")
    assert "US$20" in text
    # And the bot keeps polling: the next question is answered too.
    assert "nationalit" in (await ask_and_wait(api, "Does Cambodia allow dual citizenship?")).lower()
    assert api.errors == []


@pytest.mark.parametrize("fault", [{"status": 502, "times": 3}, {"drop": True, "times": 2}, {"status": 500}],
                         ids=["502", "dropped", "500"])
async def test_polling_survives_get_updates_failures(api, bot, fault):
    api.fail_next("getUpdates", **fault)
    assert "US$20" in await ask_and_wait(api, "passport price")


async def test_locked_database_does_not_stop_answers_and_loses_no_log(api, bot, tmp_path):
    services = bot.bot_data["services"]
    other = sqlite3.connect(tmp_path / "bot.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
    try:
        assert "US$20" in await ask_and_wait(api, "passport price")
        assert "nationalit" in (await ask_and_wait(api, "double nationality")).lower()
        assert len(services.query_log.pending) == 2
    finally:
        other.execute("COMMIT")
        other.close()
    assert services.query_log.flush()
    assert [r["question"] for r in services.db["query_log"].rows] == ["passport price", "double nationality"]


KILLER = textwrap.dedent("""
    import sys
    from bot.live import LiveKnowledge
    from knowledge.loader import load_bundled, load_data
    from storage.db import open_database

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
    i = 0
    while True:  # alternate two knowledge bases until killed
        live.commit(b if i % 2 else a, author="loop", note=str(i))
        i += 1
""")


@pytest.mark.parametrize("delay", [0.05, 0.2, 0.5, 1.0])
def test_sigkill_while_applying_a_revision_leaves_old_or_new(tmp_path, delay):
    db_path = tmp_path / "kill.db"
    proc = subprocess.Popen([sys.executable, "-c", KILLER, str(db_path)], stdout=subprocess.PIPE, text=True,
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
