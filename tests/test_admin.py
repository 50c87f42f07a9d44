"""Admins curate the knowledge base from Telegram; non-admins can neither use nor see it."""

from __future__ import annotations

import pytest

from bot.yamlio import dump_yaml
from tests.conftest import ADMIN, USER

NEW_ENTRY = {
    "id": "test-hotline", "kind": "fact",
    "title": {"en": "Zebra crossing test entry"},
    "answer": {"en": "Quokka answer for the zebra crossing test."},
    "questions": {"en": ["where is the zebra crossing"]},
    "sources": [{"title": "Test", "url": "https://example.org/"}],
}


def svc(app):
    return app.bot_data["services"]


def sent(api, chat_id):
    return [{**c.params, "message_id": c.response["result"]["message_id"]} for c in api.calls_to("sendMessage")
            if c.response and c.response.get("ok") and c.params.get("chat_id") == chat_id]


async def say(api, text, user_id):
    n = len(sent(api, user_id))
    api.push_message(text, user_id=user_id) if not text.startswith("/") else api.push_command(text, user_id=user_id)
    await api.wait_for(lambda s: len(sent(s, user_id)) > n)
    return sent(api, user_id)[n]


async def upload(api, content: bytes, user_id=ADMIN, name="kb.yaml"):
    n = len(sent(api, user_id))
    api.push_document(name, content, user_id=user_id)
    await api.wait_for(lambda s: len(sent(s, user_id)) > n)
    return sent(api, user_id)[n]


def kb_with_new_entry(app) -> bytes:
    data = svc(app).assistant.kb.to_data()
    data["entries"].append(NEW_ENTRY)
    return dump_yaml(data).encode()


async def press(api, data, user_id=ADMIN):
    n = len(api.calls_to("answerCallbackQuery"))
    api.push_callback(data, user_id=user_id)
    await api.wait_for(lambda s: len(s.calls_to("answerCallbackQuery")) > n)


def button(msg, prefix):
    return next(b["callback_data"] for row in msg["reply_markup"]["inline_keyboard"] for b in row
                if b["callback_data"].startswith(prefix))


async def test_valid_upload_applied_then_answers(api, running):
    before = svc(running).live.revisions.current().id
    msg = await upload(api, kb_with_new_entry(running))
    assert "1 added" in msg["text"] and "test-hotline" in msg["text"]
    await press(api, button(msg, "adm:apply:"))
    await api.wait_for(lambda s: "Applied" in (s.message(ADMIN, msg["message_id"]) or {}).get("text", ""))
    assert svc(running).live.revisions.current().id == before + 1
    answer = await say(api, "where is the zebra crossing", USER)
    assert "Quokka answer" in answer["text"]
    assert [r["action"] for r in svc(running).audit.recent()][0] == "upload applied"
    assert api.errors == []


async def test_broken_upload_refused_with_lines_and_kb_unchanged(api, running):
    before = svc(running).assistant.kb.content_hash()
    rev = svc(running).live.revisions.current().id
    broken = b"entries:\n  - id: x\n    kind: poem\n    title: {en: X}\n    answer: {en: Y}\n    sources: []\n"
    msg = await upload(api, broken, name="bad.yaml")
    assert "nothing was changed" in msg["text"]
    assert "bad.yaml:3: kind 'poem'" in msg["text"] and "bad.yaml:6:" in msg["text"]
    assert svc(running).assistant.kb.content_hash() == before
    assert svc(running).live.revisions.current().id == rev
    answer = await say(api, "How much does a passport cost for a migrant worker?", USER)
    assert "US$20" in answer["text"]


async def test_cancel_changes_nothing(api, running):
    rev = svc(running).live.revisions.current().id
    msg = await upload(api, kb_with_new_entry(running))
    await press(api, button(msg, "adm:cancel:"))
    await api.wait_for(lambda s: "Cancelled" in (s.message(ADMIN, msg["message_id"]) or {}).get("text", ""))
    assert svc(running).live.revisions.current().id == rev
    assert svc(running).assistant.kb.get("test-hotline") is None


async def test_rollback_makes_a_new_revision(api, running):
    first = svc(running).live.revisions.current()
    msg = await upload(api, kb_with_new_entry(running))
    await press(api, button(msg, "adm:apply:"))
    await api.wait_for(lambda s: svc(running).assistant.kb.get("test-hotline") is not None)
    reply = await say(api, f"/rollback {first.id}", ADMIN)
    assert f"with the content of revision {first.id}" in reply["text"]
    current = svc(running).live.revisions.current()
    assert current.id == first.id + 2 and current.content_hash == first.content_hash
    assert svc(running).assistant.kb.get("test-hotline") is None
    history = await say(api, "/history", ADMIN)
    assert f"#{current.id}" in history["text"] and "rollback" in history["text"]


async def test_export_sends_the_yaml(api, running):
    n = len(api.calls_to("sendDocument"))
    api.push_command("/export", user_id=ADMIN)
    await api.wait_for(lambda s: len(s.calls_to("sendDocument")) > n)
    assert api.calls_to("sendDocument")[-1].response["ok"]


async def test_teach_an_unanswered_question(api, running):
    question = "pasport ofice wich ministery plz"
    first = await say(api, question, USER)
    assert "I don't know" in first["text"] or "Did you mean" in first["text"]
    listing = await say(api, "/unanswered", ADMIN)
    assert question in listing["text"]
    teach = button(listing, "adm:teach:")
    await press(api, teach)
    await api.wait_for(lambda s: "Taught" in (s.message(ADMIN, listing["message_id"]) or {}).get("text", ""))
    again = await say(api, question, USER)
    assert button(again, "src:")  # now an answer, with its Sources button
    assert svc(running).assistant.ask(question, log=False).answered
    assert question not in [r["question"] for r in svc(running).query_log.unanswered()]
    assert svc(running).audit.recent()[0]["action"] == "teach"


@pytest.mark.parametrize("command", ["/export", "/history", "/rollback 1", "/unanswered", "/stats", "/reload"])
async def test_non_admin_refused_for_every_admin_command(api, running, command):
    rev = svc(running).live.revisions.current().id
    reply = await say(api, command, USER)
    unknown = await say(api, "/nosuchcommand", USER)
    assert reply["text"] == unknown["text"]  # learns nothing about the command's existence
    assert svc(running).live.revisions.current().id == rev
    assert api.calls_to("sendDocument") == []


@pytest.mark.parametrize("data", ["adm:apply:deadbeef", "adm:cancel:deadbeef", "adm:teach:deadbeef",
                                  "adm:dismiss:deadbeef", "zzz", "e:no-such-entry-but-ok"])
async def test_forged_callbacks_from_non_admin_have_no_effect(api, running, data):
    # An admin starts an upload; the user forges its Apply button.
    msg = await upload(api, kb_with_new_entry(running))
    token_data = button(msg, "adm:apply:")
    rev = svc(running).live.revisions.current().id
    await press(api, token_data, user_id=USER)
    await press(api, data, user_id=USER)
    assert svc(running).live.revisions.current().id == rev
    assert svc(running).assistant.kb.get("test-hotline") is None


async def test_upload_from_non_admin_is_treated_as_non_text(api, running):
    rev = svc(running).live.revisions.current().id
    msg = await upload(api, kb_with_new_entry(running), user_id=USER)
    assert "text only" in msg["text"]
    assert svc(running).live.revisions.current().id == rev


async def test_stats_for_admin(api, running):
    await say(api, "passport price", USER)
    reply = await say(api, "/stats", ADMIN)
    assert "Questions: 1" in reply["text"]
