"""`diaspora-bot run` as a real process: admin upload end to end, and webhook mode."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import urllib.request
from contextlib import contextmanager

from bot.yamlio import dump_yaml
from knowledge.loader import load_bundled
from tests.conftest import ADMIN, USER


@contextmanager
def bot_process(api, tmp_path, *args, **env):
    full_env = {**os.environ, "TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_BASE_URL": f"{api.base_url}/bot",
                "TELEGRAM_API_BASE_FILE_URL": f"{api.base_url}/file/bot",
                "DIASPORA_BOT_DB": str(tmp_path / "p.db"), "DIASPORA_BOT_ADMINS": str(ADMIN), **env}
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", *args], env=full_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert api.token not in out + err


def last_text(api, chat_id):
    return api.sent_messages(chat_id)[-1]["text"]


def ask(api, text, chat_id=USER):
    n = len(api.sent_messages(chat_id))
    api.push_message(text, user_id=chat_id)
    api.wait_for_sync(lambda s: len(s.sent_messages(chat_id)) > n, timeout=30)
    return last_text(api, chat_id)


def test_admin_upload_applied_and_broken_one_refused(api, tmp_path):
    data = load_bundled().to_data()
    data["entries"].append({"id": "zebra", "kind": "fact", "title": {"en": "Zebra crossing"},
                            "answer": {"en": "Quokka answer."}, "questions": {"en": ["where is the zebra crossing"]},
                            "sources": [{"title": "T", "url": "https://example.org/"}]})
    with bot_process(api, tmp_path):
        assert "Quokka" not in ask(api, "where is the zebra crossing")
        n = len(api.sent_messages(ADMIN))
        api.push_document("kb.yaml", dump_yaml(data).encode(), user_id=ADMIN)
        api.wait_for_sync(lambda s: len(s.sent_messages(ADMIN)) > n, timeout=30)
        summary = api.sent_messages(ADMIN)[-1]
        assert "1 added" in summary["text"]
        apply = next(b["callback_data"] for row in summary["reply_markup"]["inline_keyboard"] for b in row
                     if b["callback_data"].startswith("adm:apply:"))
        api.push_callback(apply, user_id=ADMIN, message_id=summary["message_id"])
        api.wait_for_sync(lambda s: "Applied" in last_text(s, ADMIN), timeout=30)
        assert "Quokka answer." in ask(api, "where is the zebra crossing")

        n = len(api.sent_messages(ADMIN))
        api.push_document("broken.yaml", b"entries:\n  - id: x\n    kind: nope\n", user_id=ADMIN)
        api.wait_for_sync(lambda s: len(s.sent_messages(ADMIN)) > n, timeout=30)
        assert "broken.yaml:3: kind 'nope'" in last_text(api, ADMIN)
        assert "nothing was changed" in last_text(api, ADMIN)
        assert "Quokka answer." in ask(api, "where is the zebra crossing")
        assert "US$20" in ask(api, "passport price")
    assert api.errors == []


def read_line(stream, needle: str, timeout: float = 30) -> str:
    """The first line of `stream` containing `needle`, read in a thread so a silent process cannot hang us."""
    found: queue.Queue = queue.Queue()

    def reader():
        for line in stream:
            if needle in line:
                found.put(line)
                return
        found.put("")
    threading.Thread(target=reader, daemon=True).start()
    return found.get(timeout=timeout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_webhook_mode(api, tmp_path):
    port = free_port()
    public = "https://bot.example.org/telegram"  # behind a TLS proxy; the bot listens on loopback
    url = f"http://127.0.0.1:{port}/telegram"
    with bot_process(api, tmp_path, "--webhook", public, "--port", str(port), "--secret-token", "s3cret") as proc:
        api.wait_for_sync(lambda s: any(c.method == "setWebhook" and c.response and c.response["ok"]
                                         for c in s.calls), timeout=30)
        call = next(c for c in api.calls if c.method == "setWebhook")
        assert call.params["url"] == public and call.params["secret_token"] == "s3cret"
        assert "listening for webhook calls" in read_line(proc.stderr, "listening")
        update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "text": "passport price",
                                               "chat": {"id": USER, "type": "private"},
                                               "from": {"id": USER, "is_bot": False, "first_name": "T"}}}
        api.add_chat({"id": USER, "type": "private", "first_name": "T"})

        def post(secret):
            req = urllib.request.Request(url, data=json.dumps(update).encode(), method="POST",
                                         headers={"Content-Type": "application/json",
                                                  "X-Telegram-Bot-Api-Secret-Token": secret})
            try:
                return urllib.request.urlopen(req, timeout=10).status
            except urllib.error.HTTPError as exc:
                return exc.code

        assert post("wrong") == 403
        assert post("s3cret") == 200
        api.wait_for_sync(lambda s: len(s.sent_messages(USER)) >= 1, timeout=30)
        assert "US$20" in last_text(api, USER)
        # The update went through the inbox (stored before the 200) and only once.
        assert post("s3cret") == 200  # Telegram delivers it again
        with sqlite3.connect(tmp_path / "p.db") as db:
            assert db.execute("select count(*) from inbox where update_id = 1").fetchone()[0] == 1
    assert len(api.sent_messages(USER)) == 1
