"""The audit log: which admin did what, when."""

from __future__ import annotations

import sqlite_utils

from .db import now
from .writer import DirectWriter


class AuditLog:
    """Append-only record of admin actions."""

    def __init__(self, db: sqlite_utils.Database, writer=None):
        self.table = db["audit_log"]
        self.writer = writer or DirectWriter(db)

    def record(self, actor: str, action: str, detail: str = ""):
        """Record one action by `actor` (an admin's Telegram id, or 'cli'); returns the writer's future."""
        row = [now(), str(actor), action, detail[:2000]]
        return self.writer.submit(lambda db: db.execute(
            "insert into audit_log (time, actor, action, detail) values (?, ?, ?, ?)", row))

    def recent(self, limit: int = 20) -> list[dict]:
        """Newest actions first (once pending writes are done)."""
        self.writer.flush(2.0)
        return list(self.table.rows_where(order_by="id desc", limit=limit))
