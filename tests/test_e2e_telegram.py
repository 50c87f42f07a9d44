"""End to end: the real Application (and the real process) against the strict fake Bot API."""

from __future__ import annotations

import os
import signal
import subprocess
import sys


from tests.conftest import USER


def texts(api, chat_id=USER):
    return [m["text"] for m in api.sent_messages(chat_id)]


async def test_start_welcomes_with_language_buttons(api, running):
    api.push_command("/start", user_id=USER)
    await api.wait_for(lambda s: len(s.sent_messages(USER)) >= 2)
    welcome, msg = api.sent_messages(USER)
    assert "Every answer says where it comes from" in welcome["text"]
    buttons = [b["callback_data"] for row in msg["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["lang:km", "lang:en", "lang:fr"]
    assert api.errors == []
    assert [c["command"] for c in api.my_commands()][:2] == ["start", "help"]


async def test_question_gets_cited_answer(api, running):
    api.push_message("How much does a passport cost for a migrant worker?", user_id=USER)
    await api.wait_for(lambda s: len(s.sent_messages(USER)) >= 1)
    text = api.sent_messages(USER)[0]["text"]
    assert "US$20" in text
    assert '<a href="https://www.ilo.org/wcmsp5/groups/public/---asia/---ro-bangkok/documents/publication/wcms_145704.pdf">' in text
    assert api.errors == []


async def test_out_of_scope_question_is_declined_helpfully(api, running):
    api.push_message("How tall is Mount Everest?", user_id=USER)
    await api.wait_for(lambda s: len(s.sent_messages(USER)) >= 1)
    text = api.sent_messages(USER)[0]["text"]
    assert "I don't know" in text and "/topics" in text
    assert api.errors == []


async def test_khmer_and_french_questions_get_answers_in_their_language(api, running):
    api.push_message("លិខិតឆ្លងដែនតម្លៃប៉ុន្មាន?", user_id=USER)
    await api.wait_for(lambda s: len(s.sent_messages(USER)) >= 1)
    api.push_message("Le Cambodge autorise-t-il la double nationalité ?", user_id=USER, language_code="en")
    await api.wait_for(lambda s: len(s.sent_messages(USER)) >= 2)
    km, fr = texts(api)
    assert "ប្រភព" in km and "20" in km
    assert "Sources :" in fr and "nationalit" in fr
    assert api.errors == []


async def test_language_choice_is_remembered(api, running):
    api.push_command("/start", user_id=USER)
    await api.wait_for(lambda s: len(s.sent_messages(USER)) >= 2)  # welcome, language buttons
    api.push_callback("lang:fr", user_id=USER)
    await api.wait_for(lambda s: len(s.sent_messages(USER)) >= 3)
    api.push_message("passport price", user_id=USER)
    await api.wait_for(lambda s: len(s.sent_messages(USER)) >= 4)
    assert texts(api)[2] == "Je répondrai en français."
    assert "Sources :" in texts(api)[3]


def test_bot_process_answers_and_stops_on_sigterm(api, tmp_path):
    """`diaspora-bot run` as a process: /start and a question answered, nothing rejected, clean stop."""
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_BASE_URL": f"{api.base_url}/bot",
           "TELEGRAM_API_BASE_FILE_URL": f"{api.base_url}/file/bot", "DIASPORA_BOT_DB": str(tmp_path / "p.db")}
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        api.push_command("/start", user_id=USER)
        api.push_message("Does Cambodia allow dual citizenship?", user_id=USER)
        api.wait_for_sync(lambda s: len(s.sent_messages(USER)) >= 3, timeout=30)  # welcome, languages, answer
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    # Replies to one chat may arrive in any order until updates of one chat are handled in order.
    assert any("Hello!" in text for text in texts(api))
    answer = next(text for text in texts(api) if "dual" in text.lower())
    assert "<a href=" in answer
    assert api.errors == []
    assert api.token not in err and api.token not in out


def test_run_without_token_is_a_clear_error(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    proc = subprocess.run([sys.executable, "-m", "bot.cli", "run"], env=env, capture_output=True, text=True)
    assert proc.returncode == 2
    assert "TELEGRAM_BOT_TOKEN is not set" in proc.stderr and "Traceback" not in proc.stderr
