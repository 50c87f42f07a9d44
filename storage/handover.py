"""Routes for "talk to a person": which user an admin's reply goes back to, kept only until answered.

The user's chat id is needed to deliver the reply, but it is not stored in clear: it is XORed
with a pad derived by HMAC from the bot's secret and the admin-chat message id (a PRF used once per
row), so the database alone does not say who asked. The row is deleted once the reply is relayed.
"""

from __future__ import annotations

import hashlib
import hmac

import sqlite_utils

from .db import now


class Handover:
    """Pending questions sent to the admins' chat."""

    def __init__(self, db: sqlite_utils.Database, secret: bytes):
        self.table = db["handover"]
        self._secret = secret

    def _pad(self, admin_message_id: int) -> int:
        digest = hmac.new(self._secret, f"handover:{admin_message_id}".encode(), hashlib.sha256).digest()
        return int.from_bytes(digest[:8], "big")

    def open(self, admin_message_id: int, chat_id: int, language: str) -> None:
        """Remember where the reply to this admin-chat message must go."""
        sealed = (chat_id & (2**64 - 1)) ^ self._pad(admin_message_id)
        self.table.insert({"admin_message_id": admin_message_id, "sealed_chat": format(sealed, "x"),
                           "language": language, "created_at": now()}, replace=True)

    def close(self, admin_message_id: int) -> tuple[int, str] | None:
        """The user's chat id and language for a reply, forgetting the route; None if unknown."""
        rows = list(self.table.rows_where("admin_message_id = ?", [admin_message_id]))
        if not rows:
            return None
        self.table.delete(admin_message_id)
        value = int(rows[0]["sealed_chat"], 16) ^ self._pad(admin_message_id)
        if value >= 2**63:
            value -= 2**64
        return value, rows[0]["language"]

    def pending(self) -> int:
        return self.table.count
