"""Open the database and bring its schema up to date with numbered migrations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(fn: Migration) -> Migration:
    """Register a migration; its name (e.g. m001_query_log) orders it."""
    MIGRATIONS.append((fn.__name__, fn))
    return fn


def now() -> str:
    """The current UTC time as ISO 8601, to the second."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


@migration
def m001_query_log(db: sqlite_utils.Database) -> None:
    # No user id or user key, by design: the log answers "what is asked", never "who asked".
    db["query_log"].create({
        "id": int, "time": str, "language": str, "question": str, "entry_id": str,
        "score": float, "answered": int, "intent": str,
    }, pk="id")
    db["query_log"].create_index(["time"])


@migration
def m002_revisions(db: sqlite_utils.Database) -> None:
    db["kb_revisions"].create({
        "id": int, "created_at": str, "author": str, "note": str, "content_hash": str, "content": str,
        "source_digest": str,
    }, pk="id")


@migration
def m003_audit_and_users(db: sqlite_utils.Database) -> None:
    db["audit_log"].create({"id": int, "time": str, "actor": str, "action": str, "detail": str}, pk="id")
    db["user_prefs"].create({"user_key": str, "language": str, "updated_at": str}, pk="user_key")
    db["feedback"].create({"id": int, "time": str, "user_key": str, "entry_id": str, "vote": int}, pk="id")
    db["feedback"].create_index(["user_key", "entry_id"], unique=True)
    db["dismissed_questions"].create({"question": str, "time": str}, pk="question")


@migration
def m004_handover(db: sqlite_utils.Database) -> None:
    # The user's chat id is sealed (see storage/handover.py), never stored in clear.
    db["handover"].create({"admin_message_id": int, "sealed_chat": str, "language": str, "created_at": str},
                          pk="admin_message_id")


def apply_migrations(db: sqlite_utils.Database) -> list[str]:
    """Apply the migrations not yet recorded, each in its own transaction; return their names."""
    if "_migrations" not in db.table_names():
        db["_migrations"].create({"name": str, "applied_at": str}, pk="name")
    done = {row["name"] for row in db["_migrations"].rows}
    applied = []
    for name, fn in sorted(MIGRATIONS):
        if name in done:
            continue
        with db.conn:
            fn(db)
            db["_migrations"].insert({"name": name, "applied_at": now()})
        applied.append(name)
    return applied


def open_database(path: str | Path | None) -> sqlite_utils.Database:
    """Open (creating its folder) and migrate a database; None or ':memory:' gives an in-memory one."""
    if path is None or str(path) == ":memory:":
        db = sqlite_utils.Database(memory=True)
    else:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = sqlite_utils.Database(path)
        db.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL: a commit does not wait for fsync; the database stays consistent after a
        # crash or a kill (a power cut may lose the last commits, never corrupt the file).
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA busy_timeout=5000")
    apply_migrations(db)
    return db
