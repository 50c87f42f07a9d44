"""scripts/loadtest.py and its yardstick, scripts/echo_bot.py, against the fake Bot API (small runs)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def loadtest(*args: str) -> tuple[int, dict]:
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "loadtest.py"), "--json", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=180)
    return proc.returncode, json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("bot", ["diaspora", "echo", "echo-httpx"])
def test_each_bot_answers_every_message_and_stops_cleanly(bot):
    code, figures = loadtest("--bot", bot, "--messages", "30", "--users", "6")
    assert code == 0
    assert figures["bot"] == bot
    assert figures["answered"] == figures["messages"] == 30
    assert figures["rejected"] == figures["unanswered"] == figures["extra"] == 0
    assert figures["exit_code"] == 0 and figures["log_problems"] == 0
    assert figures["msg_per_s"] > 0 and figures["cpu_ms_per_msg"] > 0


def test_echo_bot_replies_with_the_text(tmp_path):
    from tests.fake_bot_api import FakeBotAPI

    sys.path.insert(0, str(ROOT / "scripts"))
    from loadtest import TOKEN, bot_env, stop_bot

    with FakeBotAPI(token=TOKEN) as api:
        env = bot_env(api, tmp_path)
        proc = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "echo_bot.py")], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            api.push_message("ធ្វើប៉ាស្ព័រថ្លៃប៉ុន្មាន <b>", user_id=11)
            api.wait_for_sync(lambda s: s.sent_messages(11), timeout=60)
        finally:
            code, _ = stop_bot(proc)
        assert [m["text"] for m in api.sent_messages(11)] == ["ធ្វើប៉ាស្ព័រថ្លៃប៉ុន្មាន <b>"]
        assert code == 0
