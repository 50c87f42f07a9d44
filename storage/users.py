"""Per-user data keyed by a keyed hash of the Telegram id: preferences and feedback.

No raw Telegram user id is stored anywhere. The key is HMAC-SHA256(secret, user id), so the
database alone does not reveal who is who, and deleting the secret unlinks everything.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import sqlite_utils

from .db import now
from .writer import DirectWriter


class SecretUnusable(Exception):
    """The secret file is empty, not hex, too short or unreadable."""


MIN_SECRET_BYTES = 16


def load_or_create_secret(path: Path) -> bytes:
    """The HMAC secret kept in `path`, created atomically (readable by the owner only) when absent.

    An empty or malformed file is refused (never used as a weak key): SecretUnusable says why.
    """
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return _create_secret(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretUnusable(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or 'not text'})") from None
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        raise SecretUnusable(f"{path}: is not a hexadecimal secret; restore it from a backup, or delete "
                             "it to start afresh (users' saved languages and feedback are then unlinked)") from None
    if len(secret) < MIN_SECRET_BYTES:
        raise SecretUnusable(f"{path}: is {'empty' if not secret else 'too short'}; restore it from a backup, "
                             "or delete it to start afresh (users' saved languages and feedback are then unlinked)")
    return secret


def _create_secret(path: Path) -> bytes:
    """Write a new secret to a temporary file (0600), fsync it, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_bytes(32)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(secret.hex())
            f.flush()
            os.fsync(f.fileno())
        os.link(tmp, path)  # fails if another process created it meanwhile: theirs wins
    except FileExistsError:
        return load_or_create_secret(path)
    finally:
        tmp.unlink(missing_ok=True)
    return secret


class UserKeys:
    """Turns Telegram user ids into opaque keys."""

    def __init__(self, secret: bytes):
        self.secret = secret

    def key(self, user_id: int) -> str:
        return hmac.new(self.secret, str(user_id).encode(), hashlib.sha256).hexdigest()


class UserData:
    """Language preferences and feedback, by user key.

    Reads come from memory once seen; writes go through the writer, so a user whose choice
    cannot be saved (locked database, full disk) still gets it for as long as the bot runs.
    """

    MAX_CACHED = 200_000

    def __init__(self, db: sqlite_utils.Database, writer=None):
        self.db = db
        self.writer = writer or DirectWriter(db)
        self._languages: dict[str, str | None] = {}

    def language(self, user_key: str) -> str | None:
        if user_key in self._languages:
            return self._languages[user_key]
        rows = list(self.db["user_prefs"].rows_where("user_key = ?", [user_key]))
        language = rows[0]["language"] if rows else None
        self._remember(user_key, language)
        return language

    def _remember(self, user_key: str, language: str | None) -> None:
        if len(self._languages) >= self.MAX_CACHED:
            self._languages.clear()
        self._languages[user_key] = language

    def set_language(self, user_key: str, language: str):
        """Remember the choice now; store it in the background (returns the writer's future)."""
        self._remember(user_key, language)
        row = [user_key, language, now()]
        return self.writer.submit(lambda db: db.execute(
            "insert or replace into user_prefs (user_key, language, updated_at) values (?, ?, ?)", row))

    def record_feedback(self, user_key: str, entry_id: str, vote: int):
        """One vote per user and entry; a new vote replaces the old one."""
        def job(db):
            db.execute("delete from feedback where user_key = ? and entry_id = ?", [user_key, entry_id])
            db.execute("insert into feedback (time, user_key, entry_id, vote) values (?, ?, ?, ?)",
                       [now(), user_key, entry_id, vote])
        return self.writer.submit(job)

    def feedback_summary(self) -> list[dict]:
        """Up and down votes per entry."""
        return list(self.db.query(
            "select entry_id, sum(vote > 0) as up, sum(vote < 0) as down from feedback "
            "group by entry_id order by up + down desc"))

    def forget(self, user_key: str):
        """Delete everything stored about a user: preferences, feedback, waiting hand-off routes.

        The write-ahead log is then checkpointed and truncated, so that no copy of the deleted rows
        stays in it. Returns the writer's future (its result: the number of rows deleted).
        """
        self._remember(user_key, None)

        def job(db):
            return sum(db.execute(f"delete from {table} where user_key = ?", [user_key]).rowcount
                       for table in ("user_prefs", "feedback", "handover"))
        job.checkpoint = True
        return self.writer.submit(job)

    def stored_about(self, user_key: str) -> dict:
        """What is stored about a user (for tests and /privacy), once pending writes are done."""
        self.writer.flush(2.0)
        rows = list(self.db["user_prefs"].rows_where("user_key = ?", [user_key]))
        count = self.db.execute
        return {
            "language": rows[0]["language"] if rows else None,
            "feedback": count("select count(*) from feedback where user_key = ?", [user_key]).fetchone()[0],
        }
