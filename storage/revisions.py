"""Knowledge-base revisions: full snapshots with author, time, note and content hash."""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlite_utils

from .db import now


class RevisionNotFound(Exception):
    """There is no revision with that number."""


@dataclass(frozen=True)
class Revision:
    """One stored snapshot of the knowledge base."""

    id: int
    created_at: str
    author: str
    note: str
    content_hash: str
    content: dict
    source_digest: str | None = None


class RevisionStore:
    """Append-only history of knowledge-base snapshots; the newest is the live one."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self.table = db["kb_revisions"]

    def add(self, content: dict, content_hash: str, author: str, note: str = "",
            source_digest: str | None = None) -> Revision:
        """Store a new revision in one transaction and return it."""
        row = {"created_at": now(), "author": author, "note": note, "content_hash": content_hash,
               "content": json.dumps(content, ensure_ascii=False),
               "source_digest": source_digest}
        with self.db.conn:
            self.table.insert(row, alter=True)
            rev_id = self.table.last_pk
        return self.get(rev_id)

    def _from_row(self, row: dict) -> Revision:
        return Revision(row["id"], row["created_at"], row["author"], row["note"] or "",
                        row["content_hash"], json.loads(row["content"]), row.get("source_digest"))

    def get(self, rev_id: int) -> Revision:
        """The revision with this number."""
        rows = list(self.table.rows_where("id = ?", [rev_id]))
        if not rows:
            raise RevisionNotFound(f"no revision {rev_id}")
        return self._from_row(rows[0])

    def current(self) -> Revision | None:
        """The newest revision, or None when there is none yet."""
        rows = list(self.table.rows_where(order_by="id desc", limit=1))
        return self._from_row(rows[0]) if rows else None

    def last_from_disk(self) -> Revision | None:
        """The newest revision that was imported from the knowledge folder on disk."""
        rows = list(self.table.rows_where("source_digest is not null", order_by="id desc", limit=1))
        return self._from_row(rows[0]) if rows else None

    def history(self, limit: int = 20) -> list[dict]:
        """Recent revisions, newest first, without their content."""
        return list(self.db.query(
            "select id, created_at, author, note, content_hash from kb_revisions order by id desc limit ?",
            [limit]))
