"""Knowledge-base revisions: full snapshots with author, time, note and content hash."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

import sqlite_utils

from .db import now


class RevisionNotFound(Exception):
    """There is no revision with that number."""


class RevisionConflict(Exception):
    """The knowledge base changed since this change was prepared: it was not applied."""

    def __init__(self, base: int | None, current: "Revision"):
        self.base = base
        self.current = current
        super().__init__(f"the knowledge base changed since this change was prepared "
                         f"(prepared against revision {base}, now revision {current.id} "
                         f"by {current.author}: {current.note})")


@dataclass(frozen=True)
class Revision:
    """One stored snapshot of the knowledge base."""

    id: int
    created_at: str
    author: str
    note: str
    content_hash: str
    content: dict | None  # None in a `header()`
    source_digest: str | None = None

    def header(self) -> "Revision":
        """The revision without its content (what a running bot keeps of the one it serves: at
        10,000 entries the content is tens of megabytes)."""
        return replace(self, content=None)


def _json_utf8(content: dict) -> bytes:
    """`json.dumps(content, ensure_ascii=False)` encoded in UTF-8, made item by item of each
    top-level list: at 10,000 entries the whole text as one Python string (two bytes a Khmer
    letter) and the encoder's pieces would take several times the bytes stored."""
    def dump(value) -> bytes:
        return json.dumps(value, ensure_ascii=False).encode("utf-8")
    parts = [b"{"]
    for i, (key, value) in enumerate(content.items()):
        parts.append((b", " if i else b"") + dump(key) + b": ")
        if isinstance(value, list):
            parts.append(b"[" + b", ".join(map(dump, value)) + b"]")
        else:
            parts.append(dump(value))
    parts.append(b"}")
    return b"".join(parts)


def revision_row(content: dict, content_hash: str, author: str, note: str = "",
                 source_digest: str | None = None) -> dict:
    """The row of a new revision (its content as JSON, in UTF-8), ready for `RevisionStore.insert`."""
    return {"created_at": now(), "author": author, "note": note, "content_hash": content_hash,
            "content": _json_utf8(content), "source_digest": source_digest}


class RevisionStore:
    """Append-only history of knowledge-base snapshots; the newest is the live one."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self.table = db["kb_revisions"]

    def add(self, content: dict, content_hash: str, author: str, note: str = "",
            source_digest: str | None = None, base: int | None | object = ...) -> Revision:
        """Store a new revision in one transaction and return it.

        With `base` (a revision id, or None for "no revision yet"), the revision is stored only
        if `base` is still the current one, checked and written under one write lock, so two
        processes cannot both build on the same revision; otherwise RevisionConflict.
        """
        row = revision_row(content, content_hash, author, note, source_digest)
        conn = self.db.conn
        with conn:
            if not conn.in_transaction:
                conn.execute("BEGIN IMMEDIATE")  # the check and the insert see the same history
            rev_id = self.insert(row, base)
        # The content given, not the stored JSON parsed again (equal: JSON of plain data).
        return Revision(rev_id, row["created_at"], author, note, content_hash, content, source_digest)

    def insert(self, row: dict, base: int | None | object = ...) -> int:
        """Insert a `revision_row` inside the caller's write transaction; its id.

        Raises RevisionConflict (having written nothing) when `base` is given and no longer current.
        """
        if base is not ...:
            current = self.current_id()
            if current != base:
                raise RevisionConflict(base, self.get(current))
        # The JSON's UTF-8 bytes stored as TEXT (CAST: no copy as a Python string on the way).
        cursor = self.db.execute(
            "insert into kb_revisions (created_at, author, note, content_hash, content, source_digest) "
            "values (?, ?, ?, ?, cast(? as text), ?)",
            [row["created_at"], row["author"], row["note"], row["content_hash"], row["content"], row["source_digest"]])
        return cursor.lastrowid

    def current_id(self) -> int | None:
        """The number of the newest revision (a cheap query: the bot polls it)."""
        return self.db.execute("select max(id) from kb_revisions").fetchone()[0]

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

    def between(self, after: int, upto: int) -> list[dict]:
        """Revisions after `after` up to `upto`, newest first, without their content."""
        return list(self.db.query(
            "select id, created_at, author, note, content_hash from kb_revisions where id > ? and id <= ? "
            "order by id desc", [after, upto]))

    def history(self, limit: int = 20) -> list[dict]:
        """Recent revisions, newest first, without their content."""
        return list(self.db.query(
            "select id, created_at, author, note, content_hash from kb_revisions order by id desc limit ?",
            [limit]))
