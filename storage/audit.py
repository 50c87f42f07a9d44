"""The audit log: which admin did what, when."""

from __future__ import annotations

import sqlite_utils

from .db import now


class AuditLog:
    """Append-only record of admin actions."""

    def __init__(self, db: sqlite_utils.Database):
        self.table = db["audit_log"]

    def record(self, actor: str, action: str, detail: str = "") -> None:
        """Record one action by `actor` (an admin's Telegram id, or 'cli')."""
        self.table.insert({"time": now(), "actor": str(actor), "action": action, "detail": detail[:2000]})

    def recent(self, limit: int = 20) -> list[dict]:
        """Newest actions first."""
        return list(self.table.rows_where(order_by="id desc", limit=limit))
