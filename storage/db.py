"""Open the database and bring its schema up to date with numbered migrations."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
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


@migration
def m014_inbox_and_routes(db: sqlite_utils.Database) -> None:
    # Updates fetched from Telegram, kept until answered (then only their id, to drop repeats).
    db["inbox"].create({"update_id": int, "payload": str, "received_at": str, "done_at": str}, pk="update_id")
    db["inbox"].create_index(["done_at"])
    # A route is deleted with the user's data (/forget): keyed like the user's other rows.
    db["handover"].add_column("user_key", str)
    db["handover"].create_index(["user_key"])
    db["handover"].create_index(["created_at"])


@migration
def m015_revision_content_last(db: sqlite_utils.Database) -> None:
    # Content as the last column: a revision written piece by piece (storage/revisions.py) first
    # stores zeroblob(n), which SQLite keeps unmade only in a row's last column (elsewhere it made
    # the tens of megabytes of zeros in memory).
    columns = [c.name for c in db["kb_revisions"].columns]
    db["kb_revisions"].transform(column_order=[c for c in columns if c != "content"] + ["content"])


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


class DatabaseUnusable(Exception):
    """The database path cannot be used (a folder, under a file, not writable, not a database)."""


def _create_private(path: Path) -> None:
    """Create an empty database file readable by its owner only (before SQLite creates it 0644)."""
    for parent in reversed(path.parents):
        if parent.exists() and not parent.is_dir():
            raise DatabaseUnusable(f"{path}: {parent} is a file, not a folder")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except NotADirectoryError:
        raise DatabaseUnusable(f"{path}: a parent of this path is a file, not a folder") from None
    except OSError as exc:
        raise DatabaseUnusable(f"{path}: cannot create the database ({exc.strerror})") from None


def open_database(path: str | Path | None, busy_ms: int = 5000) -> sqlite_utils.Database:
    """Open (creating its folder) and migrate a database; None or ':memory:' gives an in-memory one.

    A new database file is created readable by its owner only. A path that cannot hold a
    database raises DatabaseUnusable with one line saying why.
    """
    if path is None or str(path) == ":memory:":
        db = sqlite_utils.Database(memory=True)
        apply_migrations(db)
        return db
    path = Path(path)
    if path.is_dir():
        raise DatabaseUnusable(f"{path}: is a folder, not a database file")
    _create_private(path)
    try:
        db = sqlite_utils.Database(path)
        db.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL: a commit does not wait for fsync; the database stays consistent after a
        # crash or a kill (a power cut may lose the last commits, never corrupt the file).
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(f"PRAGMA busy_timeout={busy_ms}")
        # Deleted rows (a hand-off route after /forget, an answered update) are overwritten.
        db.execute("PRAGMA secure_delete=ON")
        apply_migrations(db)
    except sqlite3.DatabaseError as exc:
        text = str(exc)
        if "not a database" in text or "malformed" in text:
            raise DatabaseUnusable(f"{path}: is not a SQLite database (or is damaged)") from None
        if "readonly" in text or "unable to open" in text:
            raise DatabaseUnusable(f"{path}: cannot be written (check permissions and free space)") from None
        raise DatabaseUnusable(f"{path}: cannot be used ({text})") from None
    return db
