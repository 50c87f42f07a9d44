"""Knowledge-base revisions: full snapshots with author, time, note and content hash."""

from __future__ import annotations

import codecs
import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from urllib.parse import quote

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


def _dump(value) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


class _Dumped:
    """A top-level list given as its items' JSON already (made when the pieces are)."""

    def __init__(self, items: Iterable[bytes]):
        self.items = items


def _json_pieces(content: dict) -> Iterator[bytes]:
    """`json.dumps(content, ensure_ascii=False)` in UTF-8, a piece per item of each top-level
    list: at 10,000 entries the whole text as one Python string (two bytes a Khmer letter) and
    the encoder's pieces would take several times the bytes stored."""
    yield b"{"
    for i, (key, value) in enumerate(content.items()):
        yield (b", " if i else b"") + _dump(key) + b": "
        if isinstance(value, (list, _Dumped)):
            yield b"["
            for j, item in enumerate(value.items if isinstance(value, _Dumped) else map(_dump, value)):
                yield b", " + item if j else item
            yield b"]"
        else:
            yield _dump(value)
    yield b"}"


@dataclass(frozen=True)
class JsonPieces:
    """A revision's JSON in UTF-8 as pieces made on demand: `insert` goes over them twice, to
    count the bytes and to write them, so the whole text (tens of megabytes at 10,000 entries)
    is never in memory at once."""

    make: Callable[[], Iterable[bytes]]


def kb_json(entry_json: Callable[[], Iterable[bytes]], rest: dict) -> JsonPieces:
    """A knowledge base's stored JSON from its entries' JSON (`entry_json()` gives them as
    `KnowledgeBase.entry_json` does: not made again) and its other top-level values (`rest`:
    the synonyms)."""
    return JsonPieces(lambda: _json_pieces({"entries": _Dumped(entry_json()), **rest}))


def revision_row(content: dict | JsonPieces, content_hash: str, author: str, note: str = "",
                 source_digest: str | None = None) -> dict:
    """The row of a new revision, ready for `RevisionStore.insert`; `content` is the plain data
    or its JSON (`kb_json`)."""
    return {"created_at": now(), "author": author, "note": note, "content_hash": content_hash,
            "content": content if isinstance(content, JsonPieces) else b"".join(_json_pieces(content)),
            "source_digest": source_digest}


class _NotStreamable(Exception):
    """The stored JSON does not start with its entries: it is parsed whole instead."""


_SPACE = re.compile(r"[ \t\n\r]*")
READ_BYTES = 1 << 16


class _JsonItems:
    """Reads `{"entries": [item, ...], ...}` from a byte stream item by item: at 10,000 entries
    the whole text and its parse would take several times the memory of what is kept of it."""

    def __init__(self, read: Callable[[int], bytes]):
        self._read = read
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._json = json.JSONDecoder()
        self._text, self._at, self._eof = "", 0, False

    def _more(self) -> bool:
        """Read the next piece, dropping what was parsed; False at the end of the stream."""
        if self._eof:
            return False
        chunk = self._read(READ_BYTES)
        self._eof = not chunk
        self._text = self._text[self._at:] + self._decoder.decode(chunk, final=self._eof)
        self._at = 0
        return not self._eof

    def _next_char(self) -> str:
        """The next character that is not a space (not consumed); "" at the end."""
        while True:
            self._at = _SPACE.match(self._text, self._at).end()
            if self._at < len(self._text) or not self._more():
                return self._text[self._at:self._at + 1]

    def _value(self):
        while True:
            try:
                value, end = self._json.raw_decode(self._text, self._at)
            except json.JSONDecodeError:
                if self._more():
                    continue
                raise
            if end == len(self._text) and not self._eof and not isinstance(value, (dict, list, str)):
                self._more()  # a number may go on in the next piece
                continue
            self._at = end
            return value

    def _expect(self, char: str) -> None:
        if self._next_char() != char:
            raise _NotStreamable(f"expected {char!r}")
        self._at += 1

    def start(self) -> None:
        """Read up to the first entry; _NotStreamable if the text does not begin with the entries."""
        self._expect("{")
        if self._next_char() != '"' or self._value() != "entries":
            raise _NotStreamable("the first key is not 'entries'")
        self._expect(":")
        self._expect("[")

    def entries(self) -> Iterator[dict]:
        if self._next_char() == "]":
            self._at += 1
            return
        while True:
            self._next_char()
            yield self._value()
            following = self._next_char()
            self._at += 1
            if following == "]":
                return
            if following != ",":
                raise ValueError(f"stored revision: expected ',' or ']' after an entry, not {following!r}")

    def rest(self) -> dict:
        """The top-level values after the entries (the synonyms)."""
        while self._more():
            pass
        text = self._text[self._at:].strip()
        if text == "}":
            return {}
        if not text.startswith(","):
            raise ValueError("stored revision: broken JSON after the entries")
        return json.loads("{" + text[1:])


HEADER_COLUMNS = "id, created_at, author, note, content_hash, source_digest"


class RevisionStore:
    """Append-only history of knowledge-base snapshots; the newest is the live one."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def add(self, content: dict | JsonPieces, content_hash: str, author: str, note: str = "",
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
        # The content given, not the stored JSON parsed again (equal: JSON of plain data); none
        # when it was given as JSON (`documents` reads it).
        return Revision(rev_id, row["created_at"], author, note, content_hash,
                        content if isinstance(content, dict) else None, source_digest)

    def insert(self, row: dict, base: int | None | object = ...) -> int:
        """Insert a `revision_row` inside the caller's write transaction; its id.

        Raises RevisionConflict (having written nothing) when `base` is given and no longer current.
        """
        if base is not ...:
            current = self.current_id()
            if current != base:
                raise RevisionConflict(base, self.get(current, content=False))
        # The JSON's UTF-8 bytes stored as TEXT (CAST: no copy as a Python string on the way);
        # JSON given in pieces is stored as a BLOB of the same bytes, written piece by piece into
        # room made first (a CAST to TEXT would make the whole text in memory).
        content = row["content"]
        pieces = content if isinstance(content, JsonPieces) else None
        if pieces is not None:  # room made first, then written piece by piece
            value, content = "zeroblob(?)", sum(map(len, pieces.make()))
        else:
            value = "cast(? as text)"
        cursor = self.db.execute(
            "insert into kb_revisions (created_at, author, note, content_hash, content, source_digest) "
            f"values (?, ?, ?, ?, {value}, ?)",
            [row["created_at"], row["author"], row["note"], row["content_hash"], content, row["source_digest"]])
        if pieces is not None:
            with self.db.conn.blobopen("kb_revisions", "content", cursor.lastrowid) as blob:
                for piece in pieces.make():
                    blob.write(piece)
        return cursor.lastrowid

    def current_id(self) -> int | None:
        """The number of the newest revision (a cheap query: the bot polls it)."""
        return self.db.execute("select max(id) from kb_revisions").fetchone()[0]

    def _from_row(self, row: dict) -> Revision:
        content = json.loads(row["content"]) if "content" in row else None
        return Revision(row["id"], row["created_at"], row["author"], row["note"] or "",
                        row["content_hash"], content, row.get("source_digest"))

    def _one(self, where: str, args: list, content: bool) -> Revision | None:
        select = HEADER_COLUMNS + (", content" if content else "")
        rows = list(self.db.query(f"select {select} from kb_revisions {where} limit 1", args))
        return self._from_row(rows[0]) if rows else None

    def get(self, rev_id: int, content: bool = True) -> Revision:
        """The revision with this number (without its content: `content=False`, see `documents`)."""
        rev = self._one("where id = ?", [rev_id], content)
        if rev is None:
            raise RevisionNotFound(f"no revision {rev_id}")
        return rev

    def current(self, content: bool = True) -> Revision | None:
        """The newest revision, or None when there is none yet."""
        return self._one("order by id desc", [], content)

    def last_from_disk(self) -> Revision | None:
        """The newest revision that was imported from the knowledge folder on disk (without its content)."""
        return self._one("where source_digest is not null order by id desc", [], False)

    def documents(self, rev_id: int) -> Iterator[dict]:
        """Revision `rev_id`'s content as documents to load one after the other: the first has
        the entries, as an iterator that parses each from the database as it is read; the second
        (if any) the other top-level values. Raises RevisionNotFound."""
        yield from _documents(self.db.conn, rev_id, self.get)

    def file(self) -> str | None:
        """The database's file, or None for a database in memory."""
        return self.db.execute("pragma database_list").fetchone()[2] or None


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


def documents_from_file(path: str, rev_id: int) -> Iterator[dict]:
    """`RevisionStore.documents` on a read-only connection of its own, for a worker thread (a
    connection belongs to the thread that opened it); the connection is closed at the end."""
    conn = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True)
    try:
        store = RevisionStore(sqlite_utils.Database(conn))
        yield from store.documents(rev_id)
    finally:
        conn.close()


def _documents(conn: sqlite3.Connection, rev_id: int, get: Callable[..., Revision]) -> Iterator[dict]:
    try:
        blob = conn.blobopen("kb_revisions", "content", rev_id, readonly=True)
    except sqlite3.OperationalError:  # no such row: RevisionNotFound, as `get` says it
        get(rev_id, content=False)
        raise
    with blob:
        items = _JsonItems(blob.read)
        try:
            items.start()
        except _NotStreamable:
            yield get(rev_id).content
            return
        entries = items.entries()
        yield {"entries": entries}
        for _ in entries:  # what the reader left unread, to come to the rest
            pass
        rest = items.rest()
    if rest:
        yield rest
