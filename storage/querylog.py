"""The query log: what was asked and how well it was answered, never who asked it."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import time
import unicodedata

import sqlite_utils

from .db import now

log = logging.getLogger(__name__)


def _group_key(question: str) -> str:
    """Questions that differ only in case, spacing and punctuation count as one."""
    text = unicodedata.normalize("NFC", question).casefold()
    text = "".join(ch if ch.isalnum() or unicodedata.category(ch).startswith("M") else " " for ch in text)
    return " ".join(text.split())


LOCK_WAIT_MS = 100  # how long a log write may wait for another writer before it is deferred
RETRY_EVERY_S = 1.0
BATCH_ROWS = 1  # rows gathered before a write; the bot raises it (rows also go by flush())


class QueryLog:
    """Records questions with the match they got; summarises them for admins.

    Writing the log never holds up an answer: when another writer has the database locked, rows
    wait in memory and are written by the next record() or flush() once the lock is gone.
    """

    def __init__(self, db: sqlite_utils.Database, batch_rows: int = BATCH_ROWS):
        self.db = db
        self.table = db["query_log"]
        self.pending: list[dict] = []
        self.batch_rows = batch_rows
        self._last_failure = 0.0

    def record(self, question: str, language: str, entry_id: str | None, score: float,
               answered: bool, intent: str) -> None:
        """Log one question (no user identifier is ever stored)."""
        self.pending.append({
            "time": now(), "language": language, "question": question[:1000], "entry_id": entry_id,
            "score": score, "answered": int(answered), "intent": intent,
        })
        if len(self.pending) >= self.batch_rows and time.monotonic() - self._last_failure >= RETRY_EVERY_S:
            self.flush()

    def flush(self) -> bool:
        """Write the waiting rows in one transaction; False when the database is still locked."""
        if not self.pending:
            return True
        rows, self.pending = self.pending, []
        previous = self.db.execute("PRAGMA busy_timeout").fetchone()[0]
        self.db.execute(f"PRAGMA busy_timeout={LOCK_WAIT_MS}")
        try:
            with self.db.conn:
                self.table.insert_all(rows)
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                self.pending = rows + self.pending
                raise
            self.pending = rows + self.pending
            self._last_failure = time.monotonic()
            log.warning("query log waits: database is locked (%d row(s) pending)", len(self.pending))
            return False
        finally:
            self.db.execute(f"PRAGMA busy_timeout={previous}")
        return True

    def count(self) -> int:
        self.flush()
        return self.table.count

    def unanswered(self, limit: int = 20) -> list[dict]:
        """Questions not answered confidently, grouped, most frequent first, minus dismissed ones."""
        self.flush()
        dismissed = {r["question"] for r in self.db["dismissed_questions"].rows}
        groups: dict[str, dict] = {}
        for row in self.db.query(
                "select question, language, entry_id, score, time from query_log "
                "where answered = 0 and intent in ('unknown', 'choose') order by id desc limit 5000"):
            key = _group_key(row["question"])
            if not key or key in dismissed:
                continue
            g = groups.setdefault(key, {"question": row["question"], "language": row["language"],
                                        "count": 0, "entry_id": row["entry_id"], "last": row["time"]})
            g["count"] += 1
        recent_first = sorted(groups.values(), key=lambda g: g["last"], reverse=True)
        return sorted(recent_first, key=lambda g: -g["count"])[:limit]

    def dismiss(self, question: str) -> None:
        """Hide a question (and its variants) from the unanswered list."""
        self.db["dismissed_questions"].insert({"question": _group_key(question), "time": now()}, replace=True)

    def undismiss(self, question: str) -> None:
        """Show a dismissed question (and its variants) in the unanswered list again."""
        self.db.execute("delete from dismissed_questions where question = ?", [_group_key(question)])

    def purge_older_than(self, days: int) -> int:
        """Delete entries older than `days` days; return how many."""
        cutoff = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)).replace(microsecond=0).isoformat()
        before = self.table.count
        self.db.execute("delete from query_log where time < ?", [cutoff])
        self.db.conn.commit()
        return before - self.table.count

    def stats(self) -> dict:
        """Questions per day and language, share answered, top entries."""
        self.flush()
        per_day = list(self.db.query(
            "select substr(time, 1, 10) as day, language, count(*) as n, sum(answered) as answered "
            "from query_log group by day, language order by day desc, language limit 60"))
        total = self.table.count
        answered = next(self.db.query("select coalesce(sum(answered), 0) as n from query_log"))["n"]
        top = list(self.db.query(
            "select entry_id, count(*) as n from query_log where answered = 1 "
            "group by entry_id order by n desc limit 10"))
        return {"total": total, "answered": answered, "per_day": per_day, "top_entries": top}
