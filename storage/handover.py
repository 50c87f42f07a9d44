"""Routes for "talk to a person": which user an admin's reply goes back to, kept only until answered.

The user's chat id is needed to deliver the reply, but it is not stored in clear: it is XORed
with a pad derived by HMAC from the bot's secret and the admin-chat message id (a PRF used once per
row), so the database alone does not say who asked. The row is deleted once the reply is relayed,
on /forget and after the retention period.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import sqlite_utils

from .db import now
from .writer import DirectWriter


class Handover:
    """Pending questions sent to the admins' chat (reads here; writes through the writer).

    A route is deleted when the reply is relayed, when the user sends /forget (rows carry the
    user's key) and when it is older than the retention period.
    """

    def __init__(self, db: sqlite_utils.Database, secret: bytes, writer=None):
        self.db = db
        self.table = db["handover"]
        self._secret = secret
        self.writer = writer or DirectWriter(db)
        self.forgetting = None  # the future of the last route deletion

    def _pad(self, admin_message_id: int) -> int:
        digest = hmac.new(self._secret, f"handover:{admin_message_id}".encode(), hashlib.sha256).digest()
        return int.from_bytes(digest[:8], "big")

    def open(self, admin_message_id: int, chat_id: int, language: str, user_key: str | None = None):
        """Remember where the reply to this admin-chat message must go; returns the writer's future."""
        sealed = (chat_id & (2**64 - 1)) ^ self._pad(admin_message_id)
        row = [admin_message_id, format(sealed, "x"), language, now(), user_key]
        return self.writer.submit(lambda db: db.execute(
            "insert or replace into handover (admin_message_id, sealed_chat, language, created_at, user_key) "
            "values (?, ?, ?, ?, ?)", row))

    def close(self, admin_message_id: int) -> tuple[int, str] | None:
        """The user's chat id and language for a reply, forgetting the route; None if unknown."""
        rows = list(self.table.rows_where("admin_message_id = ?", [admin_message_id]))
        if not rows:
            return None
        self.forgetting = self.forget_route(admin_message_id)
        value = int(rows[0]["sealed_chat"], 16) ^ self._pad(admin_message_id)
        if value >= 2**63:
            value -= 2**64
        return value, rows[0]["language"]

    def forget_route(self, admin_message_id: int):
        """Delete one route (the write-ahead log is then checkpointed: no copy stays)."""
        def job(db):
            db.execute("delete from handover where admin_message_id = ?", [admin_message_id])
        job.checkpoint = True
        return self.writer.submit(job)

    def purge_older_than(self, days: int):
        """Delete routes older than `days` days (unanswered hand-offs); returns the writer's future."""
        cutoff = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)).replace(microsecond=0).isoformat()

        def job(db):
            return db.execute("delete from handover where created_at < ?", [cutoff]).rowcount
        job.checkpoint = True
        return self.writer.submit(job)

    def pending(self) -> int:
        """Routes waiting for an answer (as written so far)."""
        return self.table.count
