"""End to end: the real Application (and the real process) against the strict fake Bot API."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest


from bot.texts import t
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


async def test_tap_then_message_from_one_user_arrive_in_order(api, running):
    """Updates of one chat are handled in order (50 users at once, each taps [ខ្មែរ] then asks)."""
    users = [5_000 + i for i in range(50)]
    for uid in users:
        api.push_callback("lang:km", user_id=uid)
        api.push_message("passport price", user_id=uid)
    await api.wait_for(lambda s: all(len(s.sent_messages(uid)) >= 2 for uid in users), timeout=60)
    for uid in users:
        first, second = api.sent_messages(uid)[:2]
        assert first["text"] == t("language_set", "km")
        assert ("ប្រភព", "src:km:subdecree-68-2009") in buttons(second)  # in Khmer: it came after the choice
    assert api.errors == []


# --- hand-off closed properly ----------------------------------------------------------------------

ADMIN_CHAT = -1001234567


@pytest.fixture
async def with_admins(api, tmp_path):
    from tests.conftest import bot_env, polling_bot
    api.add_chat({"id": ADMIN_CHAT, "type": "supergroup", "title": "Admins"})
    async with polling_bot(bot_env(api, tmp_path, DIASPORA_BOT_ADMIN_CHAT=str(ADMIN_CHAT))) as app:
        yield app


async def _next_reply(api, chat_id, push):
    n = len(api.sent_messages(chat_id))
    push()
    await api.wait_for(lambda s: len(s.sent_messages(chat_id)) > n)
    return api.sent_messages(chat_id)[-1]


async def hand_off(api, question, user=USER):
    """Ask, tap 'Talk to a person', confirm; returns the confirmation message and the bot's last reply."""
    await _next_reply(api, user, lambda: api.push_message(question, user_id=user))
    confirm = await _next_reply(api, user, lambda: api.push_callback("h:ask", user_id=user))
    last = await _next_reply(api, user, lambda: api.push_callback("h:yes", user_id=user,
                                                                   message_id=confirm["message_id"]))
    return confirm, last


def admin_copy(api):
    return [m for m in api.sent_messages(ADMIN_CHAT) if "reply to this message" in m["text"]][-1]


async def test_handoff_buttons_go_and_unrelayable_admin_messages_are_explained(api, with_admins):
    confirm, sent = await hand_off(api, "my landlord keeps my deposit what can i do")
    assert sent["text"] == t("handover_sent", "en")
    assert "reply_markup" not in api.message(USER, confirm["message_id"])  # Yes/No removed
    n_user, n_answers = len(api.sent_messages(USER)), len(api.calls_to("answerCallbackQuery"))
    api.push_callback("h:yes", user_id=USER, message_id=confirm["message_id"])  # a second tap
    await api.wait_for(lambda s: len(s.calls_to("answerCallbackQuery")) > n_answers)
    question = admin_copy(api)["message_id"]

    def admin_says(**content):
        return _next_reply(api, ADMIN_CHAT, lambda: api._user_message(
            42, ADMIN_CHAT, "supergroup", "Admin", "en", **content))

    assert "reply to the bot's message" in (await admin_says(text="ok I'll answer"))["text"]
    assert "Only text" in (await admin_says(reply_to_message_id=question, photo=[
        {"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]))["text"]
    assert "Sent" in (await admin_says(text="Ask the labour office.", reply_to_message_id=question))["text"]
    assert "already answered" in (await admin_says(text="Also...", reply_to_message_id=question))["text"]
    assert len(api.sent_messages(USER)) == n_user + 1  # only the relayed answer: nothing for the second tap
    assert api.errors == []


async def test_handoffs_are_limited_per_user_politely(api, with_admins):
    for i in range(3):
        _, sent = await hand_off(api, f"question number {i} about my landlord")
        assert sent["text"] == t("handover_sent", "en")
    _, refused = await hand_off(api, "a fourth question about my landlord")
    assert refused["text"] == t("handover_limit_user", "en", limit=3)
    assert len([m for m in api.sent_messages(ADMIN_CHAT) if "reply to this message" in m["text"]]) == 3


async def test_forget_deletes_a_waiting_handoff_route(api, with_admins):
    await hand_off(api, "my landlord keeps my deposit what can i do")
    services = with_admins.bot_data["services"]
    assert services.handover.pending() == 1
    await _next_reply(api, USER, lambda: api.push_command("/forget", user_id=USER))
    services.writer.flush(10)
    assert services.handover.pending() == 0
    reply = await _next_reply(api, ADMIN_CHAT, lambda: api.push_message(
        "Answer", user_id=42, chat_id=ADMIN_CHAT, chat_type="supergroup",
        reply_to_message_id=admin_copy(api)["message_id"]))
    assert "/forget" in reply["text"]
    assert all("Answer" not in m["text"] for m in api.sent_messages(USER))


async def test_privacy_says_how_long_a_handoff_is_kept(api, running):
    reply = await _next_reply(api, USER, lambda: api.push_command("/privacy", user_id=USER))
    assert "kept only until they answer, and at most 90 days" in reply["text"]
