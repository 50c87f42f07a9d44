"""The Telegram conversation end to end: topics, feedback, 'did you mean', handover, inline,
groups, non-text messages, privacy."""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN, USER, bot_env, polling_bot

ADMIN_CHAT = -100777


def svc(app):
    return app.bot_data["services"]


def buttons(msg):
    return [b["callback_data"] for row in (msg.get("reply_markup") or {}).get("inline_keyboard", []) for b in row
            if "callback_data" in b]


async def send(api, text, user_id=USER, **kw):
    n = len(api.sent_messages(kw.get("chat_id") or user_id))
    if text.startswith("/"):
        api.push_command(text, user_id=user_id, **kw)
    else:
        api.push_message(text, user_id=user_id, **kw)
    await api.wait_for(lambda s: len(s.sent_messages(kw.get("chat_id") or user_id)) > n)
    return api.sent_messages(kw.get("chat_id") or user_id)[-1]


async def press(api, data, user_id=USER, chat_id=None, message_id=None):
    n = len(api.calls_to("answerCallbackQuery"))
    api.push_callback(data, user_id=user_id, chat_id=chat_id, message_id=message_id)
    await api.wait_for(lambda s: len(s.calls_to("answerCallbackQuery")) > n)


async def test_topics_browse_to_an_answer(api, running):
    menu = await send(api, "/topics")
    assert "t:right:0" in buttons(menu) and "t:organisation:0" in buttons(menu)
    await press(api, "t:organisation:0")
    await api.wait_for(lambda s: any(b.startswith("e:org-") for b in buttons(s.message(USER, menu["message_id"]))))
    page = api.message(USER, menu["message_id"])
    assert "t:" in buttons(page)  # Back
    assert all(len(b.encode()) <= 64 for b in buttons(page))
    first_org = next(b for b in buttons(page) if b.startswith("e:"))
    n = len(api.sent_messages(USER))
    await press(api, first_org)
    await api.wait_for(lambda s: len(s.sent_messages(USER)) > n)
    assert any(b.startswith("src:") for b in buttons(api.sent_messages(USER)[-1]))  # an answer, with its sources
    await press(api, "t:", message_id=menu["message_id"])
    await api.wait_for(lambda s: "t:right:0" in buttons(s.message(USER, menu["message_id"])))
    assert api.errors == []


async def test_feedback_is_recorded_once_per_user_and_entry(api, running):
    answer = await send(api, "passport price")
    up = next(b for b in buttons(answer) if b.startswith("fb:") and b.endswith(":1"))
    await press(api, up)
    await press(api, up)
    summary = svc(running).users.feedback_summary()
    assert summary == [{"entry_id": up.split(":")[1], "up": 1, "down": 0}]


async def test_did_you_mean_choice_leads_to_an_answer(api, running):
    msg = await send(api, "recruitment agency")
    choices = [b for b in buttons(msg) if b.startswith("e:")]
    assert choices, msg
    n = len(api.sent_messages(USER))
    await press(api, choices[0])
    await api.wait_for(lambda s: len(s.sent_messages(USER)) > n)
    assert any(b.startswith("src:") for b in buttons(api.sent_messages(USER)[-1]))  # an answer, with its sources


async def test_sticker_and_photo_get_text_only_reply(api, running):
    n = len(api.sent_messages(USER))
    api.push_sticker(user_id=USER)
    await api.wait_for(lambda s: len(s.sent_messages(USER)) > n)
    assert "text only" in api.sent_messages(USER)[-1]["text"]
    api.push_photo(user_id=USER)
    await api.wait_for(lambda s: len(s.sent_messages(USER)) > n + 1)
    assert "text only" in api.sent_messages(USER)[-1]["text"]


async def test_group_message_not_addressed_to_bot_is_ignored(api, running):
    group = -200
    api.push_message("passport price", user_id=USER, chat_id=group, chat_type="group")
    reply = await send(api, "@diaspora_test_bot passport price", user_id=USER, chat_id=group, chat_type="group")
    assert "US$20" in reply["text"]
    assert len(api.sent_messages(group)) == 1  # the first message got no answer


async def test_inline_query_offers_entries_with_sources(api, running):
    api.push_inline_query("passport", user_id=USER)
    await api.wait_for(lambda s: len(s.calls_to("answerInlineQuery")) == 1)
    call = api.calls_to("answerInlineQuery")[0]
    assert call.response["ok"]
    results = call.params["results"]
    assert results and any("US$20" in r["input_message_content"]["message_text"] for r in results)
    assert all("<a href=" in r["input_message_content"]["message_text"] for r in results)


async def test_forget_removes_user_data(api, running):
    await press(api, "lang:km")
    await api.wait_for(lambda s: len(s.sent_messages(USER)) == 1)
    answer = await send(api, "passport price")
    await press(api, next(b for b in buttons(answer) if b.startswith("fb:")))
    key = svc(running).user_keys.key(USER)
    assert svc(running).users.stored_about(key) == {"language": "km", "feedback": 1}
    reply = await send(api, "/forget")
    assert svc(running).users.stored_about(key) == {"language": None, "feedback": 0}
    assert reply["text"]
    db = svc(running).db
    for table in db.table_names():
        for row in db[table].rows:
            assert str(USER) not in map(str, row.values()), table


async def test_privacy_explains_what_is_stored(api, running):
    reply = await send(api, "/privacy")
    assert "90 days" in reply["text"] and "/forget" in reply["text"]


@pytest.fixture
async def with_admin_chat(api, tmp_path):
    api.add_chat({"id": ADMIN_CHAT, "type": "supergroup", "title": "Admins"})
    async with polling_bot(bot_env(api, tmp_path, DIASPORA_BOT_ADMIN_CHAT=str(ADMIN_CHAT))) as app:
        yield app


async def test_handover_round_trip(api, with_admin_chat):
    unknown = await send(api, "my landlord keeps my deposit what can i do")
    assert "h:ask" in buttons(unknown)
    n = len(api.sent_messages(USER))
    await press(api, "h:ask")
    await api.wait_for(lambda s: len(s.sent_messages(USER)) > n)
    confirm = api.sent_messages(USER)[-1]
    assert "landlord" in confirm["text"] and buttons(confirm) == ["h:yes", "h:no"]
    assert api.sent_messages(ADMIN_CHAT) == []  # nothing leaves before the user confirms
    n = len(api.sent_messages(USER))
    await press(api, "h:yes")
    await api.wait_for(lambda s: len(s.sent_messages(USER)) > n)  # "Sent": the route is stored by then
    to_admins = api.sent_messages(ADMIN_CHAT)[0]
    assert "landlord" in to_admins["text"] and str(USER) not in to_admins["text"]
    handover_rows = list(svc(with_admin_chat).db["handover"].rows)
    assert len(handover_rows) == 1 and str(USER) not in str(handover_rows[0])
    sent_id = next(c.response["result"]["message_id"] for c in api.calls_to("sendMessage")
                   if c.params.get("chat_id") in (ADMIN_CHAT, str(ADMIN_CHAT)) and c.response and c.response["ok"])
    n = len(api.sent_messages(USER))
    api.push_message("Ask the MoLVT or an MRC.", user_id=ADMIN, chat_id=ADMIN_CHAT, chat_type="supergroup",
                     reply_to_message_id=sent_id)
    await api.wait_for(lambda s: len(s.sent_messages(USER)) > n)
    assert "Ask the MoLVT or an MRC." in api.sent_messages(USER)[-1]["text"]
    assert svc(with_admin_chat).db["handover"].count == 0  # forgotten once answered
