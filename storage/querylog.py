"""The query log: what was asked and how well it was answered, never who asked it."""

from __future__ import annotations

import datetime as dt
import unicodedata

import sqlite_utils

from .db import now
from .writer import DirectWriter

_COLUMNS = ("time", "language", "question", "entry_id", "score", "answered", "intent")
_INSERT = f"insert into query_log ({', '.join(_COLUMNS)}) values ({', '.join('?' * len(_COLUMNS))})"


def _group_key(question: str) -> str:
    """Questions that differ only in case, spacing and punctuation count as one."""
    text = unicodedata.normalize("NFC", question).casefold()
    text = "".join(ch if ch.isalnum() or unicodedata.category(ch).startswith("M") else " " for ch in text)
    return " ".join(text.split())


BATCH_ROWS = 1  # rows gathered before a write; the bot raises it (rows also go by flush())


class QueryLog:
    """Records questions with the match they got; summarises them for admins.

    Recording never touches the database: rows wait in memory and go to the writer in batches
    (in the bot, a thread that retries while the database is locked, read-only or full), so
    writing the log can neither hold up nor break an answer.
    """

    def __init__(self, db: sqlite_utils.Database, batch_rows: int = BATCH_ROWS, writer=None):
        self.db = db
        self.table = db["query_log"]
        self.pending: list[dict] = []
        self.batch_rows = batch_rows
        self.writer = writer or DirectWriter(db)

    def record(self, question: str, language: str, entry_id: str | None, score: float,
               answered: bool, intent: str) -> None:
        """Log one question (no user identifier is ever stored); never raises."""
        self.pending.append({
            "time": now(), "language": language, "question": question[:1000], "entry_id": entry_id,
            "score": score, "answered": int(answered), "intent": intent,
        })
        if len(self.pending) >= self.batch_rows:
            self.flush()

    def flush(self) -> bool:
        """Hand the waiting rows to the writer; False when they could not be written (kept)."""
        if not self.pending:
            return True
        rows, self.pending = self.pending, []
        values = [[r[c] for c in _COLUMNS] for r in rows]
        future = self.writer.submit(lambda db: db.conn.executemany(_INSERT, values))
        if future.done() and future.exception() is not None:
            self.pending = rows + self.pending
            return False
        return True

    def _settled(self) -> None:
        """Before a summary: what was recorded is written (waits at most a moment)."""
        self.flush()
        self.writer.flush(2.0)

    def count(self) -> int:
        self._settled()
        return self.table.count

    def unanswered(self, limit: int = 20) -> list[dict]:
        """Questions not answered confidently, grouped, most frequent first, minus dismissed ones."""
        self._settled()
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
        row = [_group_key(question), now()]
        return self.writer.submit(lambda db: db.execute(
            "insert or replace into dismissed_questions (question, time) values (?, ?)", row))

    def undismiss(self, question: str):
        """Show a dismissed question (and its variants) in the unanswered list again; the writer's future."""
        key = _group_key(question)
        return self.writer.submit(lambda db: db.execute("delete from dismissed_questions where question = ?", [key]))

    def purge_older_than(self, days: int):
        """Delete entries older than `days` days; returns the writer's future (result: how many)."""
        cutoff = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)).replace(microsecond=0).isoformat()
        return self.writer.submit(lambda db: db.execute("delete from query_log where time < ?", [cutoff]).rowcount)

    def stats(self) -> dict:
        """Questions per day and language, share answered, top entries."""
        self._settled()
        per_day = list(self.db.query(
            "select substr(time, 1, 10) as day, language, count(*) as n, sum(answered) as answered "
            "from query_log group by day, language order by day desc, language limit 60"))
        total = self.table.count
        answered = next(self.db.query("select coalesce(sum(answered), 0) as n from query_log"))["n"]
        top = list(self.db.query(
            "select entry_id, count(*) as n from query_log where answered = 1 "
            "group by entry_id order by n desc limit 10"))
        return {"total": total, "answered": answered, "per_day": per_day, "top_entries": top}
