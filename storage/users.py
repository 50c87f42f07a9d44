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


def load_or_create_secret(path: Path) -> bytes:
    """The HMAC secret kept in `path`, created (readable by the owner only) when absent."""
    if path.exists():
        return bytes.fromhex(path.read_text().strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secret.hex())
    return secret


class UserKeys:
    """Turns Telegram user ids into opaque keys."""

    def __init__(self, secret: bytes):
        self.secret = secret

    def key(self, user_id: int) -> str:
        return hmac.new(self.secret, str(user_id).encode(), hashlib.sha256).hexdigest()


class UserData:
    """Language preferences and feedback, by user key."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def language(self, user_key: str) -> str | None:
        rows = list(self.db["user_prefs"].rows_where("user_key = ?", [user_key]))
        return rows[0]["language"] if rows else None

    def set_language(self, user_key: str, language: str) -> None:
        self.db["user_prefs"].upsert({"user_key": user_key, "language": language, "updated_at": now()},
                                     pk="user_key")

    def record_feedback(self, user_key: str, entry_id: str, vote: int) -> None:
        """One vote per user and entry; a new vote replaces the old one."""
        with self.db.conn:
            self.db.execute("delete from feedback where user_key = ? and entry_id = ?", [user_key, entry_id])
            self.db["feedback"].insert({"time": now(), "user_key": user_key, "entry_id": entry_id, "vote": vote})

    def feedback_summary(self) -> list[dict]:
        """Up and down votes per entry."""
        return list(self.db.query(
            "select entry_id, sum(vote > 0) as up, sum(vote < 0) as down from feedback "
            "group by entry_id order by up + down desc"))

    def forget(self, user_key: str) -> int:
        """Delete everything stored about a user; return the number of rows deleted."""
        deleted = 0
        with self.db.conn:
            for table in ("user_prefs", "feedback"):
                cur = self.db.execute(f"delete from {table} where user_key = ?", [user_key])
                deleted += cur.rowcount
        return deleted

    def stored_about(self, user_key: str) -> dict:
        """What is stored about a user (for tests and /privacy)."""
        return {
            "language": self.language(user_key),
            "feedback": self.db.execute("select count(*) from feedback where user_key = ?", [user_key]).fetchone()[0],
        }
