"""The live knowledge base: the newest revision in SQLite, seeded and refreshed from the YAML folder."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import sqlite_utils

from knowledge.loader import KnowledgeBaseInvalid, bundled_path, load_data, load_path, yaml_files
from knowledge.schema import KnowledgeBase
from storage.revisions import Revision, RevisionStore

log = logging.getLogger(__name__)


def source_digest(path: Path) -> str:
    """A hash of the YAML files' names and bytes: cheap to compute, changes when a file does."""
    digest = hashlib.sha256()
    for file in yaml_files(path):
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


class LiveKnowledge:
    """Keeps the current revision and makes new ones; the caller swaps the matcher."""

    def __init__(self, db: sqlite_utils.Database, kb_path: Path | None = None):
        self.revisions = RevisionStore(db)
        self.kb_path = Path(kb_path) if kb_path else bundled_path()

    def load(self) -> tuple[KnowledgeBase, Revision]:
        """The knowledge base to serve at start-up.

        First start: the YAML folder becomes revision 1. Later starts: when the files on disk
        changed since they were last imported and nobody edited the KB in between, they become a
        new revision; when admins edited it since, the edits win and a warning says so. A broken
        folder never replaces a good revision; with no revision at all it stops the start-up.
        """
        current = self.revisions.current()
        digest = source_digest(self.kb_path) if self.kb_path.exists() else None
        if current is not None:
            last_disk = self.revisions.last_from_disk()
            if digest is None or (last_disk is not None and last_disk.source_digest == digest):
                return load_data(current.content, f"revision {current.id}"), current
            try:
                disk_kb = load_path(self.kb_path)
            except KnowledgeBaseInvalid as exc:
                log.warning("knowledge folder %s has errors; serving revision %d:\n%s",
                            self.kb_path, current.id, exc)
                return load_data(current.content, f"revision {current.id}"), current
            if last_disk is not None and last_disk.id != current.id:
                log.warning("knowledge folder %s changed on disk, but revision %d was made since the last "
                            "import; keeping it (use `kb import` or /reload to take the files)",
                            self.kb_path, current.id)
                return load_data(current.content, f"revision {current.id}"), current
            if disk_kb.content_hash() == current.content_hash:
                return disk_kb, current
            rev = self.revisions.add(disk_kb.to_data(), disk_kb.content_hash(), "disk",
                                     f"files changed in {self.kb_path}", digest)
            return disk_kb, rev
        kb = load_path(self.kb_path)  # raises KnowledgeBaseInvalid: nothing to fall back to
        rev = self.revisions.add(kb.to_data(), kb.content_hash(), "disk", f"initial import of {self.kb_path}", digest)
        return kb, rev

    def commit(self, kb: KnowledgeBase, author: str, note: str = "", from_disk: bool = False) -> Revision:
        """Store `kb` as the new current revision."""
        digest = source_digest(self.kb_path) if from_disk else None
        return self.revisions.add(kb.to_data(), kb.content_hash(), author, note, digest)

    def rollback(self, rev_id: int, author: str) -> tuple[KnowledgeBase, Revision]:
        """Make an old revision's content the new current revision."""
        old = self.revisions.get(rev_id)
        kb = load_data(old.content, f"revision {rev_id}")
        return kb, self.commit(kb, author, f"rollback to revision {rev_id}")
