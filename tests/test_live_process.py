"""Two processes on one database: `kb import` while `diaspora-bot run` serves (issue 13)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from bot.yamlio import dump_yaml
from knowledge.loader import load_bundled
from tests.test_process import ask, bot_process

ZEBRA = {"id": "zebra", "kind": "fact", "title": {"en": "Zebra crossing"}, "answer": {"en": "Quokka answer."},
         "questions": {"en": ["where is the zebra crossing"]},
         "sources": [{"title": "T", "url": "https://example.org/"}]}


def test_a_cli_import_is_served_by_the_running_bot_within_5_s(api, tmp_path):
    data = load_bundled().to_data()
    data["entries"].append(ZEBRA)
    path = tmp_path / "kb.yaml"
    path.write_text(dump_yaml(data))
    env = {**os.environ, "DIASPORA_BOT_DB": str(tmp_path / "p.db"), "HOME": str(tmp_path)}
    env.pop("DIASPORA_BOT_KB", None)
    with bot_process(api, tmp_path):
        assert "Quokka" not in ask(api, "where is the zebra crossing")  # the bot is up, on revision 1
        done = subprocess.run([sys.executable, "-m", "bot.cli", "kb", "import", str(path), "--yes"],
                              env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert "revision 2 is now current" in done.stdout
        imported = time.monotonic()
        answers = []
        # Users keep asking (each question waits for its reply; a new user each time, as the
        # flood guard limits one user's pace) until the answer comes or 5 s have passed.
        while time.monotonic() - imported < 5:
            answers.append(ask(api, "where is the zebra crossing", chat_id=5000 + len(answers)))
            if "Quokka answer." in answers[-1]:
                break
        assert "Quokka answer." in answers[-1], f"not served {time.monotonic() - imported:.1f} s after the import"
        print(f"served {time.monotonic() - imported:.2f} s after the import, after {len(answers)} questions")
    assert api.errors == []
