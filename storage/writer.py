"""Database writes off the event loop: one thread, its own connection, retried until they succeed.

The bot answers from memory; what it writes (query log, preferences, feedback, audit, hand-off
routes, the inbox) goes through a `BackgroundWriter`. When the database is locked by another
program, read-only or on a full disk, the writes wait in memory and are retried with backoff;
`on_trouble` is called once per outage so that the admins hear of it.
"""

from __future__ import annotations

import concurrent.futures
import logging
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlite_utils

log = logging.getLogger(__name__)

Job = Callable[[sqlite_utils.Database], Any]

BATCH_JOBS = 500  # jobs written in one transaction
BUSY_MS = 200  # how long one attempt waits for another writer's lock
REPORT_AFTER_S = 30.0  # an outage this long is reported (once) through on_trouble
MAX_BACKOFF_S = 5.0

_TRANSIENT = ("locked", "busy", "readonly", "read-only", "full", "disk i/o", "unable to open")


class StorageUnavailable(Exception):
    """The database cannot be written just now."""


def is_transient(exc: BaseException) -> bool:
    """A write that may succeed later (lock, read-only file system, full disk, I/O error)."""
    return isinstance(exc, sqlite3.OperationalError) and any(w in str(exc).lower() for w in _TRANSIENT)


def describe(exc: BaseException) -> str:
    """Why a write failed, in plain words for an admin."""
    text = str(exc).lower()
    if "full" in text:
        return "the disk is full"
    if "readonly" in text or "read-only" in text:
        return "the database is read-only (check the file's permissions and the disk)"
    if "locked" in text or "busy" in text:
        return "another program is holding the database locked"
    if "disk i/o" in text or "unable to open" in text:
        return "the disk could not be written (input/output error)"
    return f"the database refused the change ({exc.__class__.__name__})"


def checkpoint(db: sqlite_utils.Database) -> None:
    """Copy the write-ahead log into the database and truncate it (deleted rows leave no copy)."""
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.OperationalError as exc:  # a reader in the way: the next checkpoint does it
        log.warning("checkpoint postponed: %s", describe(exc))


class BackgroundWriter:
    """Runs write jobs, in order, in a thread with its own connection to the database file."""

    def __init__(self, path: str | Path, on_trouble: Callable[[str, int], None] | None = None,
                 busy_ms: int = BUSY_MS, report_after: float = REPORT_AFTER_S):
        self.path = str(path)
        self.on_trouble = on_trouble
        self.busy_ms = busy_ms
        self.report_after = report_after
        self._jobs: deque[tuple[Job, concurrent.futures.Future, bool]] = deque()
        self._cond = threading.Condition()
        self._stopping = False
        self._busy = False
        self.failing_since: float | None = None
        self._reported = False
        self._thread = threading.Thread(target=self._run, name="db-writer", daemon=True)
        self._thread.start()

    # --- the event loop's side ----------------------------------------------------------------

    def submit(self, job: Job, retry: bool = True) -> concurrent.futures.Future:
        """Queue a job; its future holds the job's result. Without `retry`, a failure is final."""
        future: concurrent.futures.Future = concurrent.futures.Future()
        with self._cond:
            if self._stopping:
                raise StorageUnavailable("the database writer is closed")
            self._jobs.append((job, future, retry))
            self._cond.notify_all()
        return future

    @property
    def waiting(self) -> int:
        """Jobs not yet written."""
        with self._cond:
            return len(self._jobs) + (1 if self._busy else 0)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every queued job was written (or failed for good); False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._jobs and not self._busy, timeout)

    def close(self, timeout: float = 5.0) -> int:
        """Write what is queued (for up to `timeout` seconds), stop; return the jobs left unwritten."""
        self.flush(timeout)
        with self._cond:
            self._stopping = True
            left = len(self._jobs)
            for _, future, _ in self._jobs:
                future.cancel()
            self._jobs.clear()
            self._cond.notify_all()
        self._thread.join(timeout)
        return left

    # --- the writer thread --------------------------------------------------------------------

    def _connect(self) -> sqlite_utils.Database:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout={self.busy_ms}")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA secure_delete=ON")
        return sqlite_utils.Database(conn)

    def _run(self) -> None:
        db: sqlite_utils.Database | None = None
        backoff = 0.05
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._jobs or self._stopping)
                if self._stopping:
                    break
                batch = [self._jobs.popleft() for _ in range(min(BATCH_JOBS, len(self._jobs)))]
                self._busy = True
            try:
                if db is None:
                    db = self._connect()
                self._write(db, batch)
            except Exception as exc:  # noqa: BLE001 - transient: the batch goes back and waits
                if db is not None and not is_transient(exc):
                    db = None
                waiting = self._failed(exc, batch)
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
                    if waiting:
                        self._cond.wait_for(lambda: self._stopping, backoff)
                if waiting:
                    backoff = min(backoff * 2, MAX_BACKOFF_S)
                continue
            backoff = 0.05
            if self.failing_since is not None:
                log.warning("database writes work again after %.0f s", time.monotonic() - self.failing_since)
                self.failing_since, self._reported = None, False
            with self._cond:
                self._busy = False
                self._cond.notify_all()
        if db is not None:
            db.conn.close()

    def _write(self, db: sqlite_utils.Database, batch: list) -> None:
        """All jobs in one transaction; a job that fails for its own reason fails alone."""
        results: list[Any] = []
        db.execute("BEGIN IMMEDIATE")
        try:
            for job, _, _ in batch:
                results.append(job(db))
            db.execute("COMMIT")
        except Exception as exc:
            db.conn.rollback()
            if is_transient(exc) or len(batch) == 1:
                if not is_transient(exc):
                    log.error("a database write failed and was dropped: %s", exc.__class__.__name__)
                    batch[0][1].set_exception(exc)
                    return
                raise
            for item in batch:  # find the job at fault: write them one by one
                self._write(db, [item])
            return
        if any(getattr(job, "checkpoint", False) for job, _, _ in batch):
            checkpoint(db)
        for (_, future, _), result in zip(batch, results):
            future.set_result(result)

    def _failed(self, exc: BaseException, batch: list) -> bool:
        """Fail the jobs that are not retried, put the others back; True when some wait."""
        keep = []
        for job, future, retry in batch:
            if retry:
                keep.append((job, future, retry))
            else:
                future.set_exception(StorageUnavailable(describe(exc)))
        reason = describe(exc)
        if not keep:  # only writes that are not retried (an admin's change): the caller says why
            log.warning("a database write was not done: %s", reason)
            return False
        with self._cond:
            self._jobs.extendleft(reversed(keep))
        now = time.monotonic()
        if self.failing_since is None:
            self.failing_since = now
            log.warning("database writes wait: %s (%d write(s) pending; retrying)", reason, len(keep))
        elif not self._reported and now - self.failing_since >= self.report_after:
            self._reported = True
            log.error("database writes have failed for %.0f s: %s (%d write(s) pending)",
                      now - self.failing_since, reason, len(keep))
            if self.on_trouble is not None:
                try:
                    self.on_trouble(reason, len(keep))
                except Exception:  # noqa: BLE001 - reporting must not stop the writer
                    log.exception("could not report the database problem")
        return True


class DirectWriter:
    """The same interface, writing at once on the caller's connection (CLI, tests, in-memory)."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def submit(self, job: Job, retry: bool = True) -> concurrent.futures.Future:
        """Write now; a failure is kept in the future (and logged), never raised."""
        future: concurrent.futures.Future = concurrent.futures.Future()
        try:
            with self.db.conn:
                result = job(self.db)
            if getattr(job, "checkpoint", False):
                checkpoint(self.db)
            future.set_result(result)
        except Exception as exc:  # noqa: BLE001 - handed to whoever reads the future
            log.warning("a database write failed: %s", describe(exc))
            future.set_exception(StorageUnavailable(describe(exc)) if is_transient(exc) else exc)
        return future

    waiting = 0

    def flush(self, timeout: float | None = None) -> bool:
        return True

    def close(self, timeout: float = 5.0) -> int:
        return 0
