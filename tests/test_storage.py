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
    assert users.forget(keys.key(42)) == 2
    assert users.stored_about(keys.key(42)) == {"language": None, "feedback": 0}


def test_file_database_is_created_with_folder(tmp_path):
    db = open_database(tmp_path / "a" / "b.db")
    assert "query_log" in db.table_names()


def test_retention_purges_only_old_rows(db):
    log = QueryLog(db)
    log.record("new question", "en", None, 0.0, False, "unknown")
    db["query_log"].insert({"time": "2000-01-01T00:00:00+00:00", "language": "en", "question": "old",
                            "entry_id": None, "score": 0.0, "answered": 0, "intent": "unknown"})
    assert log.purge_older_than(90) == 1
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
