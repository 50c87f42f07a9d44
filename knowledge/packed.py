"""Entries kept compressed in memory, made into `Entry` objects when they are read.

At 10,000 entries the texts of every entry in three languages, as Python objects, take over
100 MB, while a running bot reads a handful of entries per question (the ones it ranks and the
one it shows). `PackedEntries` keeps each entry as its canonical JSON (the form the content hash
hashes and a revision stores), compressed (Zstandard), with its id and kind beside it; reading an
entry decompresses it, and the last few hundred read are kept as objects. The canonical JSON
is also what hashing and storing a revision need, so they use it as it is instead of making it
again from the objects.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence

import zstandard

from .schema import Entry, Evidence, Source, canonical_json

# Entries kept as objects once read: every entry the bundled knowledge base has, and at 10,000
# entries the ones recent questions ranked (a few megabytes).
CACHED_ENTRIES = 512
# Zstandard level 1: at 10,000 entries, 0.17 s to compress and 0.06 s to decompress them all,
# where zlib took 0.6 and 0.2 s for the same size (the pack is made at every start).
ZSTD_LEVEL = 1
_codecs = threading.local()  # Zstandard's contexts are not shared between threads


def _compress(data: bytes) -> bytes:
    compressor = getattr(_codecs, "compressor", None)
    if compressor is None:
        compressor = _codecs.compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
    # A copy of the exact size: the compressor's buffer has room for the uncompressed size,
    # and the space it gives back when shrunk was left as holes (20 MB at 10,000 entries).
    return memoryview(compressor.compress(data)).tobytes()


def _decompress(data: bytes) -> bytes:
    decompressor = getattr(_codecs, "decompressor", None)
    if decompressor is None:
        decompressor = _codecs.decompressor = zstandard.ZstdDecompressor()
    return decompressor.decompress(data)


def _pack(entry: Entry) -> bytes:
    return _compress(canonical_json(entry.to_data()))


def entry_from_data(data: dict) -> Entry:
    """The entry of `Entry.to_data()`'s structure, trusted (made from a validated entry)."""
    def source(raw: dict) -> Source:
        title = raw["title"]
        if isinstance(title, dict):
            return Source(title["en"], raw["url"], {k: v for k, v in title.items() if k != "en"})
        return Source(title, raw["url"])
    return Entry(
        id=data["id"], kind=data["kind"], title=data["title"], answer=data["answer"],
        questions={lang: tuple(qs) for lang, qs in data["questions"].items()},
        keywords={lang: tuple(ks) for lang, ks in data["keywords"].items()},
        sources=tuple(source(s) for s in data["sources"]),
        year=data.get("year"), period=data.get("period"), country=data.get("country"),
        related=tuple(data.get("related", ())), reviewed=data.get("reviewed", {}),
        label=data.get("label", {}), short=data.get("short", {}),
        evidence=tuple(Evidence(e.get("quote"), e.get("footnote")) for e in data.get("evidence", ())),
        as_of=data.get("as_of"),
    )


class PackedEntries(Sequence[Entry]):
    """An immutable sequence of entries stored as compressed canonical JSON (see the module)."""

    def __init__(self, entries: Iterable[Entry] = ()):
        self._packs: list[bytes] = []
        self.ids: list[str] = []
        self.kinds: list[str] = []
        self._cache: OrderedDict[int, Entry] = OrderedDict()
        self._lock = threading.Lock()  # the cache is shared by the event loop and the index-building thread
        for entry in entries:
            self.append(entry)

    def append(self, entry: Entry) -> None:
        """Add an entry at the end (while a loader makes the sequence; it is not changed after)."""
        self._packs.append(_pack(entry))
        self.ids.append(entry.id)
        self.kinds.append(entry.kind)

    def __len__(self) -> int:
        return len(self._packs)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return tuple(self._read(i) for i in range(*index.indices(len(self))))
        n = len(self._packs)
        if not -n <= index < n:
            raise IndexError("entry index out of range")
        return self._entry(index % n)

    def _entry(self, i: int) -> Entry:
        """Entry `i`, from the cache or made and cached."""
        with self._lock:
            entry = self._cache.get(i)
            if entry is not None:
                self._cache.move_to_end(i)
                return entry
        entry = self._read(i)
        with self._lock:
            self._cache[i] = entry
            if len(self._cache) > CACHED_ENTRIES:
                self._cache.popitem(last=False)
        return entry

    def _read(self, i: int) -> Entry:
        return entry_from_data(json.loads(self.json(i)))

    def __iter__(self) -> Iterator[Entry]:
        """Every entry in order, made one at a time and not cached (a pass over all of them,
        like an index build or an export, does not hold them all)."""
        for i in range(len(self._packs)):
            with self._lock:
                cached = self._cache.get(i)
            yield cached if cached is not None else self._read(i)

    def replaced(self, i: int, entry: Entry) -> PackedEntries:
        """A copy with entry `i` replaced; the other entries' packs are shared, not made again."""
        copy = PackedEntries()
        copy._packs, copy.ids, copy.kinds = list(self._packs), list(self.ids), list(self.kinds)
        copy._packs[i] = _pack(entry)
        copy.ids[i], copy.kinds[i] = entry.id, entry.kind
        return copy

    def json(self, i: int) -> bytes:
        """Entry `i`'s canonical JSON (`canonical_json(entry.to_data())`)."""
        return _decompress(self._packs[i])

    def __add__(self, other) -> tuple[Entry, ...]:
        return tuple(self) + tuple(other)

    def __eq__(self, other) -> bool:
        if isinstance(other, PackedEntries):
            return self._packs == other._packs
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PackedEntries({len(self)} entries)"
