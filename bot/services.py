"""The services the Telegram handlers use, built once from the config and kept in bot_data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from storage.audit import AuditLog
from storage.db import open_database
from storage.handover import Handover
from storage.inbox import Inbox
from storage.querylog import QueryLog
from storage.users import UserData, UserKeys, load_or_create_secret
from storage.writer import BackgroundWriter, DirectWriter

from .assistant import Assistant
from .config import Config
from .live import LiveKnowledge


QUERY_LOG_BATCH = 20
# The event loop's own connection only reads (every write goes through a writer thread): it
# waits at most this long for another program's lock.
LOOP_BUSY_MS = 1000
# Admins' knowledge-base changes have a writer of their own: one waiting for a lock this long
# never holds up the inbox and the log; then the admin is told why it was not saved.
KB_BUSY_MS = 2000


def index_cache(config: Config) -> Path | None:
    """Where each revision's matcher index is stored, beside the database (none for one in memory)."""
    return None if str(config.db_path) == ":memory:" else config.db_path.parent / "index-cache"


@dataclass
class Services:
    """Everything a handler needs, in one place."""

    config: Config
    db: sqlite_utils.Database
    live: LiveKnowledge
    assistant: Assistant
    query_log: QueryLog
    users: UserData
    user_keys: UserKeys
    audit: AuditLog
    handover: Handover
    inbox: Inbox
    writer: BackgroundWriter | DirectWriter
    kb_writer: BackgroundWriter | DirectWriter | None = None  # None: `writer`

    @classmethod
    def build(cls, config: Config) -> "Services":
        """Open the database, load the live knowledge base and build the matcher."""
        db = open_database(config.db_path, busy_ms=LOOP_BUSY_MS)
        in_memory = str(config.db_path) == ":memory:"
        writer = DirectWriter(db) if in_memory else BackgroundWriter(config.db_path)
        kb_writer = writer if in_memory else BackgroundWriter(config.db_path, busy_ms=KB_BUSY_MS)
        live = LiveKnowledge(db, config.kb_path)
        kb, rev = live.load()
        # Under load, the log goes to the writer in batches; a job hands over what waits every second.
        query_log = QueryLog(db, batch_rows=QUERY_LOG_BATCH, writer=writer)
        secret = config.secret or load_or_create_secret(config.secret_path)
        return cls(config, db, live, Assistant(kb, query_log, index_cache(config), rev.content_hash), query_log,
                   UserData(db, writer), UserKeys(secret), AuditLog(db, writer), Handover(db, secret, writer),
                   Inbox(db, writer), writer, kb_writer)

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.config.admins

    def close(self, timeout: float = 5.0) -> int:
        """Write what waits (for up to `timeout` seconds) and close; return the writes left unwritten."""
        self.query_log.flush()
        left = self.writer.close(timeout)
        if self.kb_writer is not None and self.kb_writer is not self.writer:
            self.kb_writer.close(timeout)
        self.db.conn.close()
        return left
