"""An admin's knowledge-base change is written off the event loop: while the database cannot be
written (another program's lock, a full disk, a read-only file), other users are answered at once
and the admin is told in plain words that nothing was saved (a SIGKILL while the writer stores a
revision: tests/test_faults.py)."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from tests.conftest import ADMIN, USER
from tests.test_admin import button, kb_with_new_entry, press, say, sent, svc, upload

QUESTION = "pasport ofice wich ministery plz"  # not answered confidently: /unanswered lists it


class HeldWriter:
    """The knowledge-base writer's writes, held until `release` (so that a user can be answered
    while the admin's change is still waiting), then done on the real connection with `fault`
    (SQL run first, undone after) making SQLite fail as on a full disk or a read-only file."""

    def __init__(self, writer, monkeypatch, fault: tuple[str, str] | None = None):
        self.entered, self.release = threading.Event(), threading.Event()
        real = writer._write

        def held(db, batch):
            self.entered.set()
            self.release.wait(60)
            if fault is None:
                return real(db, batch)
            db.execute(fault[0].format(pages=db.execute("PRAGMA page_count").fetchone()[0]))
            try:
                return real(db, batch)
            finally:
                db.execute(fault[1])
        monkeypatch.setattr(writer, "_write", held)


FAULTS = {
    "locked": (None, "another program is holding the database locked"),
    "disk-full": (("PRAGMA max_page_count={pages}", "PRAGMA max_page_count=4294967294"), "the disk is full"),
    "read-only": (("PRAGMA query_only=1", "PRAGMA query_only=0"), "the database is read-only"),
}


def message_text(api, msg) -> str:
    return (api.message(ADMIN, msg["message_id"]) or {}).get("text", "")


# Each flow prepares an admin's change (before the fault) and returns `act`, which starts it and
# returns a function giving the admin's reply once there is one, and `again`, which repeats it.

async def rollback_flow(api, app):
    first = svc(app).live.revisions.current().id
    msg = await upload(api, kb_with_new_entry(app))
    await press(api, button(msg, "adm:apply:"))
    await api.wait_for(lambda s: "Applied" in message_text(s, msg))

    def act():
        n = len(sent(api, ADMIN))
        api.push_command(f"/rollback {first}", user_id=ADMIN)
        return lambda: sent(api, ADMIN)[n]["text"] if len(sent(api, ADMIN)) > n else None

    async def again():
        assert "now live" in (await say(api, f"/rollback {first}", ADMIN))["text"]
    return act, again, "rollback"


async def apply_flow(api, app):
    msg = await upload(api, kb_with_new_entry(app))
    shown = message_text(api, msg)

    def act():
        api.push_callback(button(msg, "adm:apply:"), user_id=ADMIN, message_id=msg["message_id"])
        return lambda: message_text(api, msg) if message_text(api, msg) != shown else None

    async def again():  # the change is still pending: the same message offers Apply again
        retry = api.message(ADMIN, msg["message_id"])
        await press(api, button(retry, "adm:apply:"), message_id=msg["message_id"])
        await api.wait_for(lambda s: message_text(s, msg).startswith("Applied"))
    return act, again, "upload applied"


async def teach_flow(api, app):
    await say(api, QUESTION, USER)
    listing = await say(api, "/unanswered", ADMIN)
    shown = message_text(api, listing)

    def act():
        api.push_callback(button(listing, "adm:teach:"), user_id=ADMIN, message_id=listing["message_id"])
        return lambda: message_text(api, listing) if message_text(api, listing) != shown else None

    async def again():  # the question is still unanswered: teach it from a new listing
        relisted = await say(api, "/unanswered", ADMIN)
        assert QUESTION in relisted["text"]
        await press(api, button(relisted, "adm:teach:"), message_id=relisted["message_id"])
        await api.wait_for(lambda s: message_text(s, relisted).startswith("Taught"))
    return act, again, "teach"


async def change_while_storage_fails(api, app, tmp_path, monkeypatch, flow, fault):
    """Start the admin's change while `fault` holds; answer a user while the change waits; the
    admin's reply; then, the fault gone, the change made again."""
    s = svc(app)
    act, again, action = await flow(api, app)
    before, served = s.live.revisions.current().id, s.assistant.kb.content_hash()
    sql, reason = FAULTS[fault]
    held = HeldWriter(s.kb_writer, monkeypatch, sql)
    other = None
    if fault == "locked":
        other = sqlite3.connect(tmp_path / "bot.db", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        reply = act()
        await api.wait_for(lambda _: held.entered.is_set())
        # The admin's change is waiting to be written: a user's question is answered meanwhile.
        assert "US$20" in (await say(api, "passport price", USER))["text"]
        assert reply() is None
        held.release.set()
        await api.wait_for(lambda _: reply() is not None, timeout=30)
        text = reply()
    finally:
        held.release.set()
        if other is not None:
            other.execute("COMMIT")
            other.close()
    assert f"Your change was not saved: {reason}" in text and "Nothing was changed" in text
    assert s.live.revisions.current().id == before and s.assistant.kb.content_hash() == served
    assert action not in [r["action"] for r in s.audit.recent()]
    monkeypatch.undo()  # the database can be written again
    await again()
    rev = s.live.revisions.current()
    assert rev.id == before + 1 and s.live.served.id == rev.id
    assert s.audit.recent()[0]["action"] == action and f"revision {rev.id}" in s.audit.recent()[0]["detail"]
    assert api.errors == []


@pytest.mark.parametrize("flow", [rollback_flow, apply_flow, teach_flow], ids=["rollback", "apply", "teach"])
async def test_admin_change_during_a_lock_holds_up_no_answer_and_is_refused_in_plain_words(
        api, running, tmp_path, monkeypatch, flow):
    await change_while_storage_fails(api, running, tmp_path, monkeypatch, flow, "locked")


@pytest.mark.parametrize("fault", ["disk-full", "read-only"])
async def test_admin_change_on_a_full_or_read_only_disk_is_refused_in_plain_words(
        api, running, tmp_path, monkeypatch, fault):
    await change_while_storage_fails(api, running, tmp_path, monkeypatch, apply_flow, fault)


async def test_a_refused_undo_can_be_tapped_again(api, running, tmp_path, monkeypatch):
    await say(api, QUESTION, USER)
    listing = await say(api, "/unanswered", ADMIN)
    await press(api, button(listing, "adm:teach:"), message_id=listing["message_id"])
    await api.wait_for(lambda s: message_text(s, listing).startswith("Taught"))
    s = svc(running)
    taught = s.live.revisions.current().id
    held = HeldWriter(s.kb_writer, monkeypatch, FAULTS["disk-full"][0])
    held.release.set()
    await press(api, button(api.message(ADMIN, listing["message_id"]), "adm:undo:"),
                message_id=listing["message_id"])
    await api.wait_for(lambda s: message_text(s, listing).startswith("Not undone"))
    assert "the disk is full" in message_text(api, listing) and s.live.revisions.current().id == taught
    monkeypatch.undo()
    await press(api, button(api.message(ADMIN, listing["message_id"]), "adm:undo:"),
                message_id=listing["message_id"])
    await api.wait_for(lambda s: message_text(s, listing).startswith("Undone"))
    assert s.live.revisions.current().id == taught + 1
    assert QUESTION in (await say(api, "/unanswered", ADMIN))["text"]
