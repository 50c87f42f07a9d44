"""The audit log: which admin did what, when."""

from __future__ import annotations

import sqlite_utils

from .db import now
from .writer import DirectWriter


def insert_action(db: sqlite_utils.Database, actor: str, action: str, detail: str = "",
                  when: str | None = None) -> None:
    """Write one audit row on `db` (a writer job, or part of one: the caller's transaction)."""
    db.execute("insert into audit_log (time, actor, action, detail) values (?, ?, ?, ?)",
               [when or now(), str(actor), action, detail[:2000]])


class AuditLog:
    """Append-only record of admin actions."""

    def __init__(self, db: sqlite_utils.Database, writer=None):
        self.table = db["audit_log"]
        self.writer = writer or DirectWriter(db)

    def record(self, actor: str, action: str, detail: str = ""):
        """Record one action by `actor` (an admin's Telegram id, or 'cli'); returns the writer's future."""
        when = now()  # the time of the action, even if the write waits
        return self.writer.submit(lambda db: insert_action(db, actor, action, detail, when))

    def recent(self, limit: int = 20) -> list[dict]:
        """Newest actions first (once pending writes are done)."""
        self.writer.flush(2.0)
        return list(self.table.rows_where(order_by="id desc", limit=limit))
