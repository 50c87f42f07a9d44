import json

import pytest

from storage.db import apply_migrations, open_database
from storage.querylog import QueryLog
from storage.revisions import RevisionNotFound, RevisionStore
from storage.users import UserData, UserKeys, load_or_create_secret


def test_migrations_are_recorded_once(db):
    assert apply_migrations(db) == []
    names = [r["name"] for r in db["_migrations"].rows]
    assert names == sorted(names) and names[0] == "m001_query_log"


def test_query_log_holds_no_user_identifier(db):
    log = QueryLog(db)
    log.record("passport price", "en", "subdecree-68-2009", 88.0, True, "answer")
    cols = set(db["query_log"].columns_dict)
    assert not {c for c in cols if "user" in c or "chat" in c}
    assert log.count() == 1


def test_unanswered_grouped_and_dismissed(db):
    log = QueryLog(db)
    for q in ("Weather?", "weather", "WEATHER !", "pizza"):
        log.record(q, "en", None, 10.0, False, "unknown")
    log.record("passport", "en", "x", 90.0, True, "answer")
    rows = log.unanswered()
    assert [(r["count"]) for r in rows] == [3, 1]
    log.dismiss("Weather")
    assert [r["question"] for r in log.unanswered()] == ["pizza"]


def test_revisions_append_and_get(db):
    store = RevisionStore(db)
    assert store.current() is None
    r1 = store.add({"entries": []}, "h1", "disk", "first", source_digest="d1")
    r2 = store.add({"entries": [1]}, "h2", "42", "edit")
    assert store.current().id == r2.id and store.get(r1.id).content == {"entries": []}
    assert store.last_from_disk().id == r1.id
    with pytest.raises(RevisionNotFound):
        store.get(99)


def test_user_keys_are_keyed_hashes(tmp_path, db):
    secret = load_or_create_secret(tmp_path / "s")
    assert load_or_create_secret(tmp_path / "s") == secret
    keys = UserKeys(secret)
    assert keys.key(42) == keys.key(42) != UserKeys(b"other").key(42)
    assert len(keys.key(42)) == 64 and keys.key(42) != keys.key(43)
    users = UserData(db)
    users.set_language(keys.key(42), "km")
    users.record_feedback(keys.key(42), "moi", 1)
    users.record_feedback(keys.key(42), "moi", -1)
    assert users.feedback_summary() == [{"entry_id": "moi", "up": 0, "down": 1}]
    assert users.forget(keys.key(42)).result() == 2
    assert users.stored_about(keys.key(42)) == {"language": None, "feedback": 0}


def test_file_database_is_created_with_folder(tmp_path):
    db = open_database(tmp_path / "a" / "b.db")
    assert "query_log" in db.table_names()


def test_retention_purges_only_old_rows(db):
    log = QueryLog(db)
    log.record("new question", "en", None, 0.0, False, "unknown")
    db["query_log"].insert({"time": "2000-01-01T00:00:00+00:00", "language": "en", "question": "old",
                            "entry_id": None, "score": 0.0, "answered": 0, "intent": "unknown"})
    assert log.purge_older_than(90).result() == 1
    assert [r["question"] for r in db["query_log"].rows] == ["new question"]


def test_handover_route_is_sealed_and_forgotten(db):
    from storage.handover import Handover
    routes = Handover(db, b"secret")
    routes.open(555, chat_id=123456789, language="km")
    assert "123456789" not in str(list(db["handover"].rows))
    assert routes.close(555) == (123456789, "km")
    assert routes.close(555) is None and routes.pending() == 0
    routes.open(556, chat_id=-100200300, language="en")
    assert routes.close(556) == (-100200300, "en")


def test_revision_on_a_stale_base_is_refused(db):
    from storage.revisions import RevisionConflict
    store = RevisionStore(db)
    assert store.current_id() is None
    r1 = store.add({"entries": [1]}, "h1", "disk", "first", base=None)
    r2 = store.add({"entries": [2]}, "h2", "cli", "import", base=r1.id)
    with pytest.raises(RevisionConflict) as exc:
        store.add({"entries": [3]}, "h3", "42", "upload", base=r1.id)
    assert exc.value.current.id == r2.id and "cli" in str(exc.value)
    assert store.current_id() == r2.id and store.current().content == {"entries": [2]}
    assert [r["id"] for r in store.between(r1.id, r2.id)] == [r2.id]


def test_secret_is_created_private_and_a_bad_one_refused(tmp_path):
    import os
    import stat

    from storage.users import SecretUnusable
    path = tmp_path / "k" / "user-key.secret"
    secret = load_or_create_secret(path)
    assert len(secret) == 32 and load_or_create_secret(path) == secret
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind
    for content, words in (("", "is empty"), ("zz-not-hex", "not a hexadecimal secret"), ("abcd", "too short")):
        path.write_text(content)
        with pytest.raises(SecretUnusable, match=words):
            load_or_create_secret(path)


def test_database_file_is_created_private(tmp_path):
    import os
    import stat
    open_database(tmp_path / "bot.db").conn.close()
    assert stat.S_IMODE(os.stat(tmp_path / "bot.db").st_mode) == 0o600


def test_unusable_database_paths_are_named_errors(tmp_path):
    from storage.db import DatabaseUnusable
    (tmp_path / "file").write_text("x")
    (tmp_path / "text.db").write_text("not a database " * 100)
    for path, words in ((tmp_path, "is a folder"), (tmp_path / "file" / "b.db", "is a file"),
                        (tmp_path / "text.db", "not a SQLite database")):
        with pytest.raises(DatabaseUnusable, match=words):
            open_database(path)


def test_forget_deletes_routes_and_leaves_no_copy_in_the_files(tmp_path):
    from storage.handover import Handover
    from storage.writer import BackgroundWriter
    db = open_database(tmp_path / "bot.db")
    writer = BackgroundWriter(tmp_path / "bot.db")
    keys = UserKeys(b"k" * 32)
    users, routes = UserData(db, writer), Handover(db, b"k" * 32, writer)
    routes.open(77, chat_id=123456789, language="km", user_key=keys.key(42)).result(timeout=10)
    sealed = db.execute("select sealed_chat from handover").fetchone()[0]
    assert users.forget(keys.key(42)).result(timeout=10) == 1
    files = b"".join(p.read_bytes() for p in tmp_path.iterdir())  # while the bot still runs
    writer.close()
    db.conn.close()
    assert sealed.encode() not in files and keys.key(42).encode() not in files


def test_inbox_keeps_updates_until_done_then_only_their_id(db):
    from storage.inbox import Inbox
    inbox = Inbox(db)
    inbox.add([{"update_id": 5, "message": {"text": "hello"}}, {"update_id": 6, "message": {"text": "x"}}])
    inbox.add([{"update_id": 5, "message": {"text": "hello"}}])  # delivered again: ignored
    assert [i for i, _ in inbox.waiting()] == [5, 6]
    inbox.done(5)
    assert [(i, p["message"]["text"]) for i, p in inbox.waiting()] == [(6, "x")]
    assert inbox.known([5, 6, 7]) == {5, 6}
    assert db.execute("select payload from inbox where update_id = 5").fetchone()[0] is None


def test_background_writer_waits_out_a_lock_and_keeps_order(tmp_path):
    import sqlite3

    from storage.writer import BackgroundWriter
    db = open_database(tmp_path / "bot.db")
    writer = BackgroundWriter(tmp_path / "bot.db")
    other = sqlite3.connect(tmp_path / "bot.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    futures = [writer.submit(lambda d, i=i: d.execute("insert into audit_log (actor) values (?)", [str(i)]))
               for i in range(5)]
    assert not writer.flush(timeout=0.5) and writer.waiting == 5
    other.execute("COMMIT")
    assert writer.flush(timeout=10) and all(f.done() for f in futures)
    assert [r["actor"] for r in db["audit_log"].rows] == ["0", "1", "2", "3", "4"]
    writer.close()


def test_redaction_removes_tokens_payloads_and_ids():
    from bot.redact import install_redaction, redact
    install_redaction("111222:SECRET-part-of-the-token")
    assert "SECRET" not in redact("POST https://api.telegram.org/bot111222:SECRET-part-of-the-token/getMe")
    line = redact("Error: Update(message=Message(chat=Chat(id=987654321, first_name='Sokha'), text='hi'))")
    assert "987654321" not in line and "Sokha" not in line and "hi'" not in line
    assert redact("{'update_id': 5, 'message': {'from': {'username': 'sokha_km'}}}").count("sokha") == 0
    assert redact("3 rows written in 0.25 s") == "3 rows written in 0.25 s"


def test_handover_routes_expire_with_the_retention_period(db):
    from storage.handover import Handover
    routes = Handover(db, b"secret")
    routes.open(1, chat_id=5, language="en")
    routes.open(2, chat_id=6, language="en")
    db.execute("update handover set created_at = '2000-01-01T00:00:00+00:00' where admin_message_id = 1")
    assert routes.purge_older_than(90).result() == 1
    assert routes.close(1) is None and routes.close(2) == (6, "en")


def test_a_long_storage_outage_is_reported_once(tmp_path):
    import sqlite3
    import threading

    from storage.writer import BackgroundWriter
    open_database(tmp_path / "bot.db").conn.close()
    reported = []
    done = threading.Event()
    writer = BackgroundWriter(tmp_path / "bot.db", report_after=0.3,
                              on_trouble=lambda reason, waiting: (reported.append((reason, waiting)), done.set()))
    other = sqlite3.connect(tmp_path / "bot.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    writer.submit(lambda d: d.execute("insert into audit_log (actor) values ('x')"))
    assert done.wait(10)
    other.execute("COMMIT")
    assert writer.flush(10)
    assert reported == [("another program is holding the database locked", 1)]
    writer.close()


def test_answered_updates_leave_no_copy_once_compacted(tmp_path):
    from storage.inbox import Inbox
    from storage.writer import BackgroundWriter
    db = open_database(tmp_path / "bot.db")
    writer = BackgroundWriter(tmp_path / "bot.db")
    inbox = Inbox(db, writer)
    inbox.add([{"update_id": 9, "message": {"from": {"first_name": "Sokhavirak"}}}]).result(timeout=10)
    inbox.done(9).result(timeout=10)
    inbox.compact().result(timeout=10)
    files = b"".join(p.read_bytes() for p in tmp_path.iterdir())  # while the bot still runs
    writer.close()
    db.conn.close()
    assert b"Sokhavirak" not in files


def test_a_revision_is_stored_as_json_text_and_read_back(db):
    content = {"entries": [{"id": "a", "title": {"km": "លិខិតឆ្លងដែន", "en": "Passport"}}, {"id": "b"}],
               "synonyms": {"en": [["id card", "identity card"]]}}
    store = RevisionStore(db)
    rev = store.add(content, "h", "cli", "note")
    kind, text = db.execute("select typeof(content), content from kb_revisions where id = ?", [rev.id]).fetchone()
    assert kind == "text" and text == json.dumps(content, ensure_ascii=False)
    assert store.get(rev.id).content == content == rev.content


def test_a_revision_given_in_pieces_is_stored_whole_and_read_back_entry_by_entry(tmp_path, monkeypatch):
    from storage import revisions
    monkeypatch.setattr(revisions, "READ_BYTES", 7)  # entries cut across many reads, inside Khmer letters
    db = open_database(tmp_path / "b.db")
    entries = [{"id": f"e{i}", "title": {"km": "លិខិតឆ្លងដែន " * i, "en": f"Passport {i}"}, "n": i / 3}
               for i in range(40)]
    rest = {"synonyms": {"en": [["id card", "identity card"]]}}
    pieces = revisions.kb_json(lambda: (json.dumps(e, ensure_ascii=False).encode() for e in entries), rest)
    store = RevisionStore(db)
    rev = store.add(pieces, "h", "cli")
    assert rev.content is None  # given as JSON: read with `documents`
    assert json.loads(db.execute("select content from kb_revisions").fetchone()[0]) == {"entries": entries, **rest}
    documents = list(store.documents(rev.id))
    assert documents[1] == rest and list(documents[0]["entries"]) == []  # consumed in order, once
    read = store.documents(rev.id)
    assert list(next(read)["entries"]) == entries and next(read) == rest
    assert store.get(rev.id).content == {"entries": entries, **rest}
    assert store.get(rev.id, content=False).content is None


@pytest.mark.parametrize("content", [
    {"entries": [], "synonyms": {"en": [["a", "b"]]}},
    {"entries": [{"id": "a"}]},
    {"synonyms": {"en": [["a", "b"]]}, "entries": [{"id": "a"}]},  # not entries first: parsed whole
])
def test_stored_revisions_of_any_shape_read_back_as_documents(db, content):
    store = RevisionStore(db)
    rev = store.add(content, "h", "cli")
    merged = {}
    for document in store.documents(rev.id):
        merged.update({k: list(v) if k == "entries" else v for k, v in document.items()})
    assert merged == content


def test_documents_of_a_missing_revision_say_so(db):
    with pytest.raises(RevisionNotFound):
        list(RevisionStore(db).documents(7))


def test_revision_content_is_the_last_column(db):
    # zeroblob(n) stays unmade only in a row's last column (a revision written in pieces)
    assert [c.name for c in db["kb_revisions"].columns][-1] == "content"
