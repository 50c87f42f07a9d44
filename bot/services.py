"""The services the Telegram handlers use, built once from the config and kept in bot_data."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from storage.audit import AuditLog
from storage.db import open_database
from storage.querylog import QueryLog
from storage.users import UserData, UserKeys, load_or_create_secret

from .assistant import Assistant
from .config import Config
from .live import LiveKnowledge


QUERY_LOG_BATCH = 20


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

    @classmethod
    def build(cls, config: Config) -> "Services":
        """Open the database, load the live knowledge base and build the matcher."""
        db = open_database(config.db_path)
        live = LiveKnowledge(db, config.kb_path)
        kb, _ = live.load()
        # Under load, write the log in batches; a job flushes what waits every second.
        query_log = QueryLog(db, batch_rows=QUERY_LOG_BATCH)
        secret = config.secret or load_or_create_secret(config.secret_path)
        return cls(config, db, live, Assistant(kb, query_log), query_log, UserData(db),
                   UserKeys(secret), AuditLog(db))

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.config.admins
