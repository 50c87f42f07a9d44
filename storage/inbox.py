"""The inbox: every update fetched from Telegram, stored before it is confirmed, until answered.

Telegram keeps an update until the bot confirms it (by asking for a higher offset); the bot
confirms only what this table holds, so a crash or a kill loses nothing: what was not answered
is handled again at the next start. Once answered, an update's content is deleted and only its
id stays (a day), so that Telegram delivering it again does not answer it twice.
"""

from __future__ import annotations

import datetime as dt
import json

import sqlite_utils

from .db import now
from .writer import DirectWriter

KEEP_IDS_DAYS = 1  # Telegram redelivers an unconfirmed update for 24 hours at most


class Inbox:
    """Updates received and not yet answered (reads here; writes through the writer)."""

    def __init__(self, db: sqlite_utils.Database, writer=None):
        self.db = db
        self.writer = writer or DirectWriter(db)

    def known(self, update_ids: list[int]) -> set[int]:
        """Which of these updates are already in the inbox (waiting or answered)."""
        if not update_ids:
            return set()
        marks = ",".join("?" * len(update_ids))
        return {row[0] for row in self.db.execute(
            f"select update_id from inbox where update_id in ({marks})", update_ids)}

    def add(self, updates: list[dict]):
        """Store updates (their JSON, as Telegram sent it); returns the writer's future."""
        rows = [(u["update_id"], json.dumps(u, ensure_ascii=False), now()) for u in updates]

        def job(db):
            db.conn.executemany("insert or ignore into inbox (update_id, payload, received_at) values (?, ?, ?)",
                                rows)
        return self.writer.submit(job)

    def done(self, update_id: int):
        """Mark an update answered: its content is deleted, its id kept to drop a repeat."""
        stamp = now()

        def job(db):
            db.execute("update inbox set payload = null, done_at = ? where update_id = ?", [stamp, update_id])
        return self.writer.submit(job)

    def waiting(self) -> list[tuple[int, dict | None]]:
        """Updates stored but not answered, oldest first: (update_id, JSON or None if unreadable)."""
        out = []
        for update_id, payload in self.db.execute(
                "select update_id, payload from inbox where done_at is null order by update_id"):
            try:
                out.append((update_id, json.loads(payload)))
            except (TypeError, ValueError):
                out.append((update_id, None))
        return out

    def compact(self):
        """Checkpoint and truncate the write-ahead log: answered updates leave no copy in it."""
        def job(db):
            return None
        job.checkpoint = True
        return self.writer.submit(job)

    def purge(self):
        """Forget the ids of updates answered more than a day ago."""
        cutoff = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=KEEP_IDS_DAYS)).replace(
            microsecond=0).isoformat()

        def job(db):
            return db.execute("delete from inbox where done_at is not null and done_at < ?", [cutoff]).rowcount
        return self.writer.submit(job)
