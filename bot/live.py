"""The live knowledge base: the newest revision in SQLite, seeded and refreshed from the YAML folder.

SQLite is the one source of truth. Every change (an upload, an import, a teach, a rollback) is
prepared against the revision that was current then (`prepare` gives a `Change`) and stored only
if that revision is still current (`apply`); otherwise it is refused with RevisionConflict, so
nothing an admin did is ever silently overwritten. The running bot stores its admins' changes
through a writer thread (`apply_async`), never on the event loop, and follows the newest
revision (`follow`), whichever process made it, building the new index off the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from knowledge.loader import KnowledgeBaseInvalid, Problem, bundled_path, load_data, load_documents, load_path, yaml_files
from knowledge.schema import KnowledgeBase
from storage.revisions import (JsonPieces, Revision, RevisionConflict, RevisionStore, documents_from_file, kb_json,
                               revision_row)

from .diff import KbDiff, diff_kb

log = logging.getLogger(__name__)

DEFAULT_MAX_REMOVALS = 5

__all__ = ["Change", "LiveKnowledge", "NoChange", "RemovesEverything", "RevisionConflict", "TooManyRemovals"]


class NoChange(Exception):
    """The change leaves the knowledge base as it is: no revision is made."""


class RemovesEverything(Exception):
    """The change would leave no entry of the current knowledge base: refused."""


class TooManyRemovals(Exception):
    """The change removes more entries than allowed without an explicit confirmation."""

    def __init__(self, count: int, limit: int):
        self.count, self.limit = count, limit
        super().__init__(f"this removes {count} entries (more than {limit})")


@dataclass(frozen=True)
class Change:
    """A new knowledge base prepared against a base revision, with its difference from it."""

    base: Revision
    kb: KnowledgeBase
    diff: KbDiff
    note: str
    from_disk: bool = False

    @property
    def removals(self) -> int:
        return len(self.diff.removed)


def stored_json(kb: KnowledgeBase) -> JsonPieces:
    """What a revision of `kb` stores: its JSON, made from the entries' canonical JSON as it is written."""
    return kb_json(kb.entry_json, {"synonyms": kb.synonym_data()} if kb.synonyms else {})


def source_digest(path: Path) -> str:
    """A hash of the YAML files' names and bytes: cheap to compute, changes when a file does.

    Raises KnowledgeBaseInvalid, naming the file, when one cannot be read.
    """
    digest = hashlib.sha256()
    for file in yaml_files(path):
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise KnowledgeBaseInvalid([Problem(str(file), 0, f"cannot read: {exc.strerror or exc}")]) from exc
        digest.update(file.name.encode() + b"\0" + data + b"\0")
    return digest.hexdigest()


class LiveKnowledge:
    """Keeps the current revision and makes new ones; the caller swaps the matcher."""

    def __init__(self, db: sqlite_utils.Database, kb_path: Path | None = None):
        self.revisions = RevisionStore(db)
        self._file = self.revisions.file()  # read here: a connection is used by its own thread only
        self.kb_path = Path(kb_path) if kb_path else bundled_path()
        self.served: Revision | None = None  # the revision whose content a running bot answers from
        self._follow_lock: asyncio.Lock | None = None
        self._broken: int | None = None

    def load(self) -> tuple[KnowledgeBase, Revision]:
        """The knowledge base to serve at start-up (see `_load`), which becomes the one served,
        and its revision without the content (`Revision.header`): the content is not kept in
        memory beside the knowledge base made of it."""
        kb, rev = self._load()
        self.served = rev.header()
        return kb, self.served

    def _load(self) -> tuple[KnowledgeBase, Revision]:
        """The knowledge base to serve at start-up.

        First start: the YAML folder becomes revision 1. Later starts: when the files on disk
        changed since they were last imported and nobody edited the KB in between, they become a
        new revision; when admins edited it since, the edits win and a warning says so. A broken
        folder never replaces a good revision; with no revision at all it stops the start-up.
        """
        current = self.revisions.current(content=False)
        try:
            digest = source_digest(self.kb_path) if self.kb_path.exists() else None
        except KnowledgeBaseInvalid as exc:  # an unreadable file
            if current is None:
                raise
            log.warning("knowledge folder %s cannot be read; serving revision %d:\n%s", self.kb_path, current.id, exc)
            return self.knowledge(current), current
        if current is not None:
            last_disk = self.revisions.last_from_disk()
            if digest is None or (last_disk is not None and last_disk.source_digest == digest):
                return self.knowledge(current), current
            try:
                disk_kb = load_path(self.kb_path)
            except KnowledgeBaseInvalid as exc:
                log.warning("knowledge folder %s has errors; serving revision %d:\n%s",
                            self.kb_path, current.id, exc)
                return self.knowledge(current), current
            if last_disk is not None and last_disk.id != current.id:
                log.warning("knowledge folder %s changed on disk, but revision %d was made since the last "
                            "import; keeping it (use `kb import` or /reload to take the files)",
                            self.kb_path, current.id)
                return self.knowledge(current), current
            content_hash = disk_kb.content_hash()
            if content_hash == current.content_hash:
                return disk_kb, current
            try:
                rev = self.revisions.add(stored_json(disk_kb), content_hash, "disk",
                                         f"files changed in {self.kb_path}", digest, base=current.id)
            except RevisionConflict:  # another process made a revision meanwhile: it wins
                return self.current()
            return disk_kb, rev
        kb = load_path(self.kb_path)  # raises KnowledgeBaseInvalid: nothing to fall back to
        try:
            rev = self.revisions.add(stored_json(kb), kb.content_hash(), "disk", f"initial import of {self.kb_path}",
                                     digest, base=None)
        except RevisionConflict:  # another process started at the same time and imported first
            return self.current()
        return kb, rev

    def commit(self, kb: KnowledgeBase, author: str, note: str = "", from_disk: bool = False) -> Revision:
        """Store `kb` as the new current revision, whatever is current (start-up, tests)."""
        digest = source_digest(self.kb_path) if from_disk else None
        return self.revisions.add(stored_json(kb), kb.content_hash(), author, note, digest)

    def current(self) -> tuple[KnowledgeBase, Revision]:
        """The current revision in the database and its knowledge base."""
        rev = self.revisions.current(content=False)
        if rev is None:
            return self.load()
        return self.knowledge(rev), rev

    def knowledge(self, rev: Revision) -> KnowledgeBase:
        """The knowledge base of a stored revision, each entry parsed as it is read from the
        database (at 10,000 entries the whole content parsed at once took over 100 MB).
        Read on a connection of its own (any thread may call this), except from a database in
        memory (tests), which only its own thread may read."""
        documents = documents_from_file(self._file, rev.id) if self._file else self.revisions.documents(rev.id)
        return load_documents(documents, f"revision {rev.id}")

    async def knowledge_async(self, rev: Revision) -> KnowledgeBase:
        """`knowledge`, read and validated in a worker thread (from a database in memory, the
        content is read on this thread and validated in the worker)."""
        if self._file:
            return await asyncio.to_thread(self.knowledge, rev)
        content = self.revisions.get(rev.id).content
        return await asyncio.to_thread(load_data, content, f"revision {rev.id}")

    def prepare(self, kb: KnowledgeBase, note: str, base: Revision | None = None,
                from_disk: bool = False, old: KnowledgeBase | None = None) -> Change:
        """`kb` as a change of `base` (default: the current revision), whose knowledge base the
        caller may give as `old` when it has it.

        Raises NoChange when the content is the same, RemovesEverything when no entry would be
        left of the current ones.
        """
        if base is None:
            old, base = self.current()
        elif old is None:
            old = self.knowledge(base) if base.content is None else load_data(base.content, f"revision {base.id}")
        if kb.content_hash() == base.content_hash:
            raise NoChange(f"the content is identical to revision {base.id}")
        diff = diff_kb(old, kb)
        if len(old) and (not len(kb) or len(diff.removed) == len(old)):
            raise RemovesEverything(f"this would remove all {len(old)} entries of revision {base.id}")
        return Change(base, kb, diff, note, from_disk)

    def apply(self, change: Change, author: str, max_removals: int | None = DEFAULT_MAX_REMOVALS) -> Revision:
        """Store a prepared change as the new current revision.

        Raises TooManyRemovals when it removes more than `max_removals` entries (None: no limit,
        the admin confirmed), RevisionConflict when the current revision is no longer its base.
        """
        if max_removals is not None and change.removals > max_removals:
            raise TooManyRemovals(change.removals, max_removals)
        digest = source_digest(self.kb_path) if change.from_disk else None
        return self.revisions.add(stored_json(change.kb), change.kb.content_hash(), author, change.note, digest,
                                  base=change.base.id)

    async def apply_async(self, change: Change, author: str, writer, max_removals: int | None = DEFAULT_MAX_REMOVALS,
                          also: Callable[[sqlite_utils.Database, Revision], None] | None = None) -> Revision:
        """`apply` for the running bot: the revision is written by `writer`'s thread, never on the event loop.

        `also(db, revision)` writes in the same transaction (the audit row). The write is tried
        once: while another program holds the lock, or the disk is full or read-only, it raises
        StorageUnavailable, whose text says why in plain words, and nothing is stored. A SIGKILL
        leaves the old or the new revision (one transaction). Raises TooManyRemovals and
        RevisionConflict as `apply` does.
        """
        if max_removals is not None and change.removals > max_removals:
            raise TooManyRemovals(change.removals, max_removals)
        digest = await asyncio.to_thread(source_digest, self.kb_path) if change.from_disk else None
        row = await asyncio.to_thread(lambda: revision_row(stored_json(change.kb), change.kb.content_hash(), author,
                                                           change.note, digest))

        def store_revision(db: sqlite_utils.Database) -> Revision | RevisionConflict:
            store = RevisionStore(db)
            try:
                rev = store.get(store.insert(row, base=change.base.id), content=False)
            except RevisionConflict as exc:  # nothing was written: an answer, not a failed write
                return exc
            if also is not None:
                also(db, rev)
            return rev

        result = await asyncio.wrap_future(writer.submit(store_revision, retry=False))
        if isinstance(result, RevisionConflict):
            raise result
        return result

    def prepare_rollback(self, rev_id: int) -> tuple[Change, list[dict]]:
        """Revision `rev_id`'s content as a change of the current revision, and the revisions it undoes."""
        old = self.revisions.get(rev_id, content=False)  # RevisionNotFound
        current = self.revisions.current(content=False)
        undone = self.revisions.between(rev_id, current.id)
        if old.content_hash == current.content_hash:
            raise NoChange(f"revision {rev_id} has the same content as the current revision {current.id}")
        change = self.prepare(self.knowledge(old), f"rollback to revision {rev_id}",
                              base=current)
        return change, undone

    def rollback(self, rev_id: int, author: str) -> tuple[KnowledgeBase, Revision]:
        """Make revision `rev_id`'s content current at once (no removal limit: the caller confirmed)."""
        change, _ = self.prepare_rollback(rev_id)
        return change.kb, self.apply(change, author, max_removals=None)

    async def follow(self, assistant) -> Revision | None:
        """Serve the current revision if it is not the one served; return it when it was switched.

        Cheap when nothing changed (one indexed query). Otherwise the new revision is validated
        and its matcher index built in a worker thread, then swapped in by one assignment
        (`Assistant.switch`), so answers are never held up by the build.
        """
        if self._follow_lock is None:
            self._follow_lock = asyncio.Lock()
        async with self._follow_lock:
            current_id = self.revisions.current_id()
            if current_id is None or (self.served is not None and self.served.id == current_id) \
                    or current_id == self._broken:
                return None
            rev = self.revisions.current(content=False)
            try:
                kb = await self.knowledge_async(rev)
            except KnowledgeBaseInvalid as exc:
                self._broken = rev.id
                log.error("revision %d is invalid; still serving revision %s:\n%s", rev.id,
                          self.served.id if self.served else "-", exc)
                return None
            await asyncio.to_thread(assistant.switch, kb, rev.content_hash)
            self.served = rev.header()
            return rev
