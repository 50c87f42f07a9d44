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


async def press(api, data, user_id=ADMIN, message_id=None):
    n = len(api.calls_to("answerCallbackQuery"))
    api.push_callback(data, user_id=user_id, message_id=message_id)
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


# --- issue 13: guarded, visible changes; one source of truth; teach with a choice ---------------

import asyncio  # noqa: E402
import copy  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402


def revision(app):
    return svc(app).live.revisions.current()


def without(data: dict, ids: set[str]) -> dict:
    data = copy.deepcopy(data)
    data["entries"] = [e for e in data["entries"] if e["id"] not in ids]
    for entry in data["entries"]:
        entry["related"] = [r for r in entry.get("related", []) if r not in ids]
    return data


def edited(app, entry_id: str, field: str, lang: str, text: str) -> dict:
    data = copy.deepcopy(svc(app).assistant.kb.to_data())
    next(e for e in data["entries"] if e["id"] == entry_id)[field][lang] = text
    return data


def message_text(api, msg) -> str:
    return (api.message(ADMIN, msg["message_id"]) or {}).get("text", "")


async def cli(monkeypatch, tmp_path, *args) -> int:
    """`diaspora-bot ARGS` as another process would run it, on the bot's database."""
    from bot.cli import main
    monkeypatch.setenv("DIASPORA_BOT_DB", str(tmp_path / "bot.db"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("DIASPORA_BOT_KB", raising=False)
    return await asyncio.to_thread(main, list(args))


async def cli_edit(app, monkeypatch, tmp_path, entry_id: str, answer: str):
    """`kb import` of the live knowledge base with one answer changed; the revision it made."""
    path = tmp_path / "cli.yaml"
    path.write_text(dump_yaml(edited(app, entry_id, "answer", "en", answer)))
    assert await cli(monkeypatch, tmp_path, "kb", "import", str(path), "--yes") == 0
    return revision(app)


@pytest.mark.parametrize("content", [b"", b"entries: []\n"])
async def test_empty_upload_is_refused_and_kb_unchanged(api, running, content):
    rev = revision(running)
    msg = await upload(api, content, name="empty.yaml")
    assert "no entries" in msg["text"] and "nothing was changed" in msg["text"]
    assert "reply_markup" not in msg
    assert revision(running).id == rev.id and len(svc(running).assistant.kb) > 40


async def test_mass_removal_needs_a_second_confirmation(api, running):
    rev = revision(running)
    data = svc(running).assistant.kb.to_data()
    six = {e["id"] for e in data["entries"][:6]}
    msg = await upload(api, dump_yaml(without(data, six)).encode())
    assert "6 removed" in msg["text"] and "removes 6 entries (more than 5)" in msg["text"]
    await press(api, button(msg, "adm:apply:"))
    await api.wait_for(lambda s: "Are you sure" in message_text(s, msg))
    assert revision(running).id == rev.id
    assert all(svc(running).assistant.kb.get(i) for i in six)
    confirm = api.message(ADMIN, msg["message_id"])
    await press(api, button(confirm, "adm:force:"))
    await api.wait_for(lambda s: "Applied" in message_text(s, msg))
    assert revision(running).id == rev.id + 1
    assert not any(svc(running).assistant.kb.get(i) for i in six)


async def test_cli_import_is_served_by_the_running_bot_within_5_s(api, running, tmp_path, monkeypatch):
    data = svc(running).assistant.kb.to_data()
    data["entries"].append(NEW_ENTRY)
    path = tmp_path / "new.yaml"
    path.write_text(dump_yaml(data))
    assert await cli(monkeypatch, tmp_path, "kb", "import", str(path), "--yes") == 0
    cli_rev = revision(running)
    assert cli_rev.author == "cli"
    await api.wait_for(lambda s: svc(running).live.served.id == cli_rev.id, timeout=5)
    answer = await say(api, "where is the zebra crossing", USER)
    assert "Quokka answer" in answer["text"]
    history = await say(api, "/history", ADMIN)
    assert f"#{cli_rev.id}" in history["text"] and "(live)" in history["text"].split("\n")[1]


async def test_apply_prepared_before_a_cli_import_is_refused(api, running, tmp_path, monkeypatch):
    msg = await upload(api, kb_with_new_entry(running))
    cli_rev = await cli_edit(running, monkeypatch, tmp_path, "subdecree-68-2009", "Edited by the CLI.")
    await press(api, button(msg, "adm:apply:"))
    await api.wait_for(lambda s: "Not applied" in message_text(s, msg))
    text = message_text(api, msg)
    assert f"now revision {cli_rev.id}, by cli" in text and "Nothing was overwritten" in text
    assert revision(running).id == cli_rev.id
    await api.wait_for(lambda s: svc(running).live.served.id == cli_rev.id, timeout=5)
    assert svc(running).assistant.kb.get("subdecree-68-2009").answer["en"] == "Edited by the CLI."
    assert svc(running).assistant.kb.get("test-hotline") is None


async def test_of_two_uploads_on_one_revision_only_the_first_applies(api, running):
    rev = revision(running)
    first = await upload(api, kb_with_new_entry(running))
    second = await upload(api, dump_yaml(edited(running, "acra", "answer", "en", "Another text.")).encode())
    await press(api, button(first, "adm:apply:"), message_id=first["message_id"])
    await api.wait_for(lambda s: "Applied" in message_text(s, first))
    await press(api, button(second, "adm:apply:"))
    await api.wait_for(lambda s: "Not applied" in message_text(s, second))
    assert revision(running).id == rev.id + 1
    assert svc(running).assistant.kb.get("test-hotline") is not None
    assert svc(running).assistant.kb.get("acra").answer["en"] != "Another text."


async def test_upload_diff_shows_changed_words_before_and_after(api, running):
    old = svc(running).assistant.kb.get("subdecree-68-2009").answer["en"]
    assert "US$20" in old
    msg = await upload(api, dump_yaml(edited(running, "subdecree-68-2009", "answer", "en",
                                             old.replace("US$20", "US$25", 1))).encode())
    assert "1 changed" in msg["text"] and "subdecree-68-2009" in msg["text"]
    assert "answer.en:" in msg["text"] and "[-US$20" in msg["text"] and "{+US$25" in msg["text"]
    assert len(msg["text"]) < 1500  # shortened around the change on the phone


async def test_long_diff_comes_as_an_attached_file(api, running):
    data = svc(running).assistant.kb.to_data()
    for entry in data["entries"]:
        entry["answer"]["en"] += " NGO NOTE: check the fee."
    n = len(api.calls_to("sendDocument"))
    msg = await upload(api, dump_yaml(data).encode())
    docs = api.calls_to("sendDocument")[n:]
    assert len(docs) == 1 and docs[0].params["document"].filename.startswith("changes-on-r")
    full = docs[0].params["document"].content.decode()
    assert full.count("before: ") == len(data["entries"]) and "{+NGO NOTE: check the fee.+}" in full
    assert "full list is in" in msg["text"] and button(msg, "adm:apply:")


async def test_no_op_upload_reload_and_rollback_make_no_revision(api, running):
    rev = revision(running)
    msg = await upload(api, dump_yaml(svc(running).assistant.kb.to_data()).encode())
    assert "no change" in msg["text"] and "reply_markup" not in msg
    reply = await say(api, "/reload", ADMIN)
    assert reply["text"].startswith("No change") and "No revision was made" in reply["text"]
    reply = await say(api, f"/rollback {rev.id}", ADMIN)
    assert "Nothing to do" in reply["text"] and "No revision was made" in reply["text"]
    assert revision(running).id == rev.id


async def test_rollback_names_the_revisions_it_undoes(api, running):
    first = revision(running)
    msg = await upload(api, kb_with_new_entry(running))
    await press(api, button(msg, "adm:apply:"))
    await api.wait_for(lambda s: "Applied" in message_text(s, msg))
    reply = await say(api, f"/rollback {first.id}", ADMIN)
    assert f"undoes 1 revision(s): #{first.id + 1} by {ADMIN}: upload kb.yaml" in reply["text"]
    assert "1 removed" in reply["text"] and "test-hotline" in reply["text"]


async def test_teach_the_second_candidate_then_undo(api, running):
    question = "pink card"
    await say(api, question, USER)
    listing = await say(api, "/unanswered", ADMIN)
    teach = [b["callback_data"] for row in listing["reply_markup"]["inline_keyboard"] for b in row]
    assert len(teach) >= 3 and teach[-1].startswith("adm:dismiss:")  # candidates, then "none of these"
    assert "1. national-id-card" in listing["text"] and "2. imwg-mou-thailand" in listing["text"]
    before = revision(running)
    await press(api, teach[1])
    await api.wait_for(lambda s: "Taught" in message_text(s, listing))
    assert question in svc(running).assistant.kb.get("imwg-mou-thailand").questions["en"]
    assert question not in svc(running).assistant.kb.get("national-id-card").questions.get("en", ())
    assert "candidate 2" in svc(running).audit.recent()[0]["detail"]
    taught = api.message(ADMIN, listing["message_id"])
    await press(api, button(taught, "adm:undo:"))
    await api.wait_for(lambda s: "Undone" in message_text(s, listing))
    now = revision(running)
    assert now.id == before.id + 2 and now.content_hash == before.content_hash
    assert question not in svc(running).assistant.kb.get("imwg-mou-thailand").questions.get("en", ())
    assert svc(running).audit.recent()[0]["action"] == "teach undone"
    assert question in [r["question"] for r in svc(running).query_log.unanswered()]


async def test_none_of_these_dismisses_and_is_audited(api, running):
    await say(api, "pink card", USER)
    listing = await say(api, "/unanswered", ADMIN)
    rev = revision(running)
    await press(api, button(listing, "adm:dismiss:"))
    await api.wait_for(lambda s: "none of these" in message_text(s, listing))
    assert revision(running).id == rev.id
    assert svc(running).audit.recent()[0]["action"] == "teach: none of these"


async def test_teach_on_stale_content_is_refused(api, running, tmp_path, monkeypatch):
    await say(api, "pink card", USER)
    listing = await say(api, "/unanswered", ADMIN)
    cli_rev = await cli_edit(running, monkeypatch, tmp_path, "acra", "Edited by the CLI.")
    await press(api, button(listing, "adm:teach:"))
    await api.wait_for(lambda s: "Not taught" in message_text(s, listing))
    assert revision(running).id == cli_rev.id
    await api.wait_for(lambda s: svc(running).live.served.id == cli_rev.id, timeout=5)
    assert svc(running).assistant.kb.get("acra").answer["en"] == "Edited by the CLI."


async def test_xlsx_export_edit_upload_keeps_khmer(api, running):
    from openpyxl import load_workbook
    n = len(api.calls_to("sendDocument"))
    api.push_command("/export xlsx", user_id=ADMIN)
    await api.wait_for(lambda s: len(s.calls_to("sendDocument")) > n)
    doc = api.calls_to("sendDocument")[-1].params["document"]
    assert doc.filename.endswith(".xlsx")
    wb = load_workbook(io.BytesIO(doc.content))
    row = next(r for r in wb["entries"].iter_rows(min_row=2)
               if r[0].value == "subdecree-68-2009" and r[1].value == "answer")
    old_km = row[4].value
    row[4].value = old_km + " ចំណាំ: សូមពិនិត្យថ្លៃ #passport"
    out = io.BytesIO()
    wb.save(out)
    msg = await upload(api, out.getvalue(), name="kb.xlsx")
    assert "valid" in msg["text"] and "answer.km" in msg["text"] and "{+" in msg["text"]
    await press(api, button(msg, "adm:apply:"))
    await api.wait_for(lambda s: "Applied" in message_text(s, msg))
    assert svc(running).assistant.kb.get("subdecree-68-2009").answer["km"] == row[4].value
    assert json.dumps(svc(running).assistant.kb.to_data(), ensure_ascii=False).count("ចំណាំ: សូមពិនិត្យថ្លៃ") == 1


async def test_broken_xlsx_upload_names_the_row(api, running):
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = "entries"
    ws.append(["id", "field", "value", "en", "km", "fr"])
    ws.append(["x", "kind", "poem"])
    out = io.BytesIO()
    wb.save(out)
    rev = revision(running)
    msg = await upload(api, out.getvalue(), name="bad.xlsx")
    assert "bad.xlsx:2: kind 'poem'" in msg["text"] and "nothing was changed" in msg["text"]
    garbage = await upload(api, b"PK\x03\x04 not really a zip", name="junk.xlsx")
    assert "not an .xlsx spreadsheet" in garbage["text"]
    assert revision(running).id == rev.id


@pytest.mark.parametrize("arg", ["²", "١", "99999999999999999999", "0", "-1", "one"])
async def test_rollback_takes_only_a_plain_revision_number(api, running, arg):
    reply = await say(api, f"/rollback {arg}", ADMIN)
    assert reply["text"].startswith("Usage: /rollback N")
    assert svc(running).live.revisions.current().id == 1
