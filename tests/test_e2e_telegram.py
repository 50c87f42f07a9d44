"""End to end: the real Application (and the real process) against the strict fake Bot API."""

from __future__ import annotations

import os
import signal
import subprocess
import sys


from tests.conftest import USER


def texts(api, chat_id=USER):
    return [m["text"] for m in api.sent_messages(chat_id)]


def buttons(msg):
    """(label, callback data) of a message's buttons."""
    return [(b["text"], b.get("callback_data")) for row in (msg.get("reply_markup") or {}).get("inline_keyboard", [])
            for b in row]


def visible_len(html_text):
    import html
    import re
    return len(html.unescape(re.sub(r"<[^>]+>", "", html_text)).encode("utf-16-le")) // 2


async def test_start_welcomes_with_language_buttons(api, running):
    api.push_command("/start", user_id=USER)
    await api.wait_for(lambda s: len(s.sent_messages(USER)) >= 2)
    welcome, msg = api.sent_messages(USER)
    assert "Every answer says where it comes from" in welcome["text"]
    buttons = [b["callback_data"] for row in msg["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["lang:km", "lang:en", "lang:fr"]
    assert api.errors == []
    assert [c["command"] for c in api.my_commands()][:2] == ["start", "help"]


async def test_question_gets_short_answer_then_more_and_sources(api, running):
    api.push_message("How much does a passport cost for a migrant worker?", user_id=USER)
    await api.wait_for(lambda s: len(s.sent_messages(USER)) >= 1)
    [short] = api.sent_messages(USER)
    assert "US$20" in short["text"] and "As of 2009" in short["text"]
    labels = buttons(short)
    assert labels[:2] == [("More", "more:en:subdecree-68-2009"), ("Sources", "src:en:subdecree-68-2009")]
    assert visible_len(short["text"]) + sum(len(label) for label, _ in labels[:2]) <= 450

    api.push_callback("more:en:subdecree-68-2009", user_id=USER, message_id=short["message_id"])
    await api.wait_for(lambda s: "does not say whether" in s.message(USER, short["message_id"])["text"])
    edited = api.message(USER, short["message_id"])
    assert len(api.sent_messages(USER)) == 2  # the same message, edited: no new one
    assert "Ministry of Interior" in edited["text"]  # the full answer
    assert [d for _, d in buttons(edited)][0] == "src:en:subdecree-68-2009"  # More is gone, Sources stays

    api.push_callback("src:en:subdecree-68-2009", user_id=USER, message_id=short["message_id"])
    await api.wait_for(lambda s: len(s.sent_messages(USER)) >= 3)
    sources = api.sent_messages(USER)[-1]["text"]
    assert '<a href="https://www.ilo.org/wcmsp5/groups/public/---asia/---ro-bangkok/documents/publication/wcms_145704.pdf">' in sources
    assert len(api.calls_to("answerCallbackQuery")) == 2
    assert api.errors == []


async def test_more_and_sources_in_khmer_follow_the_answer_language(api, running):
    api.push_message("លិខិតឆ្លងដែនតម្លៃប៉ុន្មាន?", user_id=USER, language_code="en")
    await api.wait_for(lambda s: len(s.sent_messages(USER)) >= 1)
    [short] = api.sent_messages(USER)
    assert buttons(short)[:2] == [("អានបន្ថែម", "more:km:subdecree-68-2009"), ("ប្រភព", "src:km:subdecree-68-2009")]
    assert "មិនទាន់មានមនុស្សពិនិត្យ" in short["text"]  # the short marker, not a sentence
    api.push_callback("src:km:subdecree-68-2009", user_id=USER, message_id=short["message_id"])
    await api.wait_for(lambda s: len(s.sent_messages(USER)) >= 2)
    assert api.sent_messages(USER)[-1]["text"].startswith("<b>ប្រភព៖</b>")
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
    km, fr = api.sent_messages(USER)
    assert ("ប្រភព", "src:km:subdecree-68-2009") in buttons(km) and "20" in km["text"]
    assert "nationalit" in fr["text"] and any(data.startswith("src:fr:") for _, data in buttons(fr))
    assert api.errors == []


async def test_language_choice_is_remembered(api, running):
    api.push_command("/start", user_id=USER)
    await api.wait_for(lambda s: len(s.sent_messages(USER)) >= 2)  # welcome, language buttons
    api.push_callback("lang:fr", user_id=USER)
    await api.wait_for(lambda s: len(s.sent_messages(USER)) >= 3)
    api.push_message("passport price", user_id=USER)
    await api.wait_for(lambda s: len(s.sent_messages(USER)) >= 4)
    assert texts(api)[2] == "Je répondrai en français."
    assert ("Lire la suite", "more:fr:subdecree-68-2009") in buttons(api.sent_messages(USER)[3])


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
    answer = next(m for m in api.sent_messages(USER) if "dual" in m["text"].lower())
    assert any(data.startswith("src:") for _, data in buttons(answer))
    assert api.errors == []
    assert api.token not in err and api.token not in out


def test_run_without_token_is_a_clear_error(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    proc = subprocess.run([sys.executable, "-m", "bot.cli", "run"], env=env, capture_output=True, text=True)
    assert proc.returncode == 2
    assert "TELEGRAM_BOT_TOKEN is not set" in proc.stderr and "Traceback" not in proc.stderr
