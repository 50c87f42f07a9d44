"""The knowledge base as plain dataclasses: entries with multilingual texts and their sources."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from .figures import render_figures

LANGS = ("en", "km", "fr")
MAX_SHORT_CHARS = 280
KINDS = ("fact", "right", "policy", "obstacle", "practice", "institution", "organisation", "about")


@dataclass(frozen=True)
class Source:
    """A cited document: a title (English, and optionally other languages) and an http(s) URL."""

    title: str
    url: str
    titles: dict[str, str] = field(default_factory=dict, hash=False)  # km/fr titles, where known

    def title_in(self, lang: str) -> str:
        """The title in `lang` where the source has one, else the English title."""
        return self.titles.get(lang) or self.title

    def to_data(self) -> dict:
        title = {"en": self.title, **_by_lang(self.titles, str)} if self.titles else self.title
        return {"title": title, "url": self.url}


@dataclass(frozen=True)
class Evidence:
    """What a claim rests on: a verbatim quote from the profile, or the number of a footnote it cites."""

    quote: str | None = None
    footnote: int | None = None

    def to_data(self) -> dict:
        return {"quote": self.quote} if self.quote is not None else {"footnote": self.footnote}


@dataclass(frozen=True)
class Entry:
    """One answerable item of knowledge, in up to three languages."""

    id: str
    kind: str
    title: dict[str, str]
    answer: dict[str, str]
    questions: dict[str, tuple[str, ...]]
    keywords: dict[str, tuple[str, ...]]
    sources: tuple[Source, ...]
    year: int | None = None
    period: str | None = None
    country: str | None = None
    related: tuple[str, ...] = ()
    reviewed: dict[str, bool] = field(default_factory=dict)
    label: dict[str, str] = field(default_factory=dict)
    short: dict[str, str] = field(default_factory=dict)
    evidence: tuple[Evidence, ...] = ()
    as_of: str | None = None

    def text(self, field_name: str, lang: str) -> tuple[str, bool]:
        """The title or answer in `lang` (figures formatted), and whether it fell back to English."""
        texts: dict[str, str] = getattr(self, field_name)
        if texts.get(lang):
            return render_figures(texts[lang], lang), False
        return render_figures(texts["en"], "en"), lang != "en"

    def short_text(self, lang: str) -> str | None:
        """The short answer in the language the answer is shown in, or None (show the answer)."""
        shown = lang if lang in self.answer else "en"
        return render_figures(self.short[shown], shown) if self.short.get(shown) else None

    def to_data(self) -> dict:
        """The entry as the plain structure of the YAML schema (for export and revisions)."""
        data: dict = {"id": self.id, "kind": self.kind}
        for name in ("year", "period", "country"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        if self.label:
            data["label"] = _by_lang(self.label, str)
        data["title"] = _by_lang(self.title, str)
        data["answer"] = _by_lang(self.answer, str)
        if self.short:
            data["short"] = _by_lang(self.short, str)
        data["questions"] = _by_lang(self.questions, list)
        data["keywords"] = _by_lang(self.keywords, list)
        data["sources"] = [s.to_data() for s in self.sources]
        if self.evidence:
            data["evidence"] = [e.to_data() for e in self.evidence]
        if self.as_of is not None:
            data["as_of"] = self.as_of
        if self.related:
            data["related"] = list(self.related)
        if self.reviewed:
            data["reviewed"] = _by_lang(self.reviewed, bool)
        return data


def _by_lang(values: dict, kind: type) -> dict:
    """A language mapping in the canonical order en, km, fr (exports are stable)."""
    return {lang: kind(values[lang]) for lang in LANGS if lang in values}


@dataclass(frozen=True)
class KnowledgeBase:
    """A validated, immutable set of entries and the admins' synonym lists.

    `entries` is any sequence of entries: the loader gives a `PackedEntries` (compressed in
    memory, see knowledge/packed.py), a test or a script may give a tuple."""

    entries: Sequence[Entry]
    synonyms: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        ids = getattr(self.entries, "ids", None) or [e.id for e in self.entries]
        object.__setattr__(self, "_by_id", {entry_id: i for i, entry_id in enumerate(ids)})

    def get(self, entry_id: str) -> Entry | None:
        """The entry with this id, or None."""
        i = self._by_id.get(entry_id)  # type: ignore[attr-defined]
        return None if i is None else self.entries[i]

    def index(self, entry_id: str) -> int | None:
        """The position of the entry with this id, or None."""
        return self._by_id.get(entry_id)  # type: ignore[attr-defined]

    def __contains__(self, entry_id: str) -> bool:
        return entry_id in self._by_id  # type: ignore[attr-defined]

    def __len__(self) -> int:
        return len(self.entries)

    def by_kind(self, kind: str) -> list[Entry]:
        """Entries of one kind, in knowledge-base order."""
        kinds = getattr(self.entries, "kinds", None)
        if kinds is not None:  # only the entries of that kind are made
            return [self.entries[i] for i, k in enumerate(kinds) if k == kind]
        return [e for e in self.entries if e.kind == kind]

    def to_data(self) -> dict:
        """The whole knowledge base as one YAML-schema document."""
        data: dict = {"entries": [e.to_data() for e in self.entries]}
        if self.synonyms:
            data["synonyms"] = self.synonym_data()
        return data

    def synonym_data(self) -> dict:
        """The synonym lists as plain data (the `synonyms` of `to_data`)."""
        return {lang: [list(g) for g in self.synonyms[lang]] for lang in LANGS if lang in self.synonyms}

    def entry_json(self) -> Iterator[bytes]:
        """Each entry's canonical JSON in UTF-8 (sorted keys, no spaces), in order: what a
        revision stores and `content_hash` hashes, without the whole knowledge base as plain
        data at once."""
        pack = getattr(self.entries, "json", None)
        if pack is not None:
            return (pack(i) for i in range(len(self.entries)))
        return (canonical_json(e.to_data()) for e in self.entries)

    def content_hash(self) -> str:
        """A SHA-256 of the canonical JSON form of `to_data()`: equal content, equal hash. Hashed
        piece by piece (an entry at a time): the same digest without the whole JSON text (tens
        of megabytes at 10,000 entries) in memory at once."""
        parts: dict[str, Iterable[bytes] | bytes] = {"entries": self.entry_json()}
        if self.synonyms:
            parts["synonyms"] = canonical_json(self.synonym_data())
        return _hash_parts(parts)


def canonical_json(value) -> bytes:
    """`value` as the content hash dumps it (sorted keys, no spaces), in UTF-8."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _hash_parts(parts: dict[str, Iterable[bytes] | bytes]) -> str:
    """The SHA-256 of the canonical JSON of a document, given each top-level value's canonical
    JSON: for a list, an iterable of its items'; for any other value, its own."""
    digest = hashlib.sha256(b"{")
    for i, key in enumerate(sorted(parts)):
        digest.update((b"," if i else b"") + canonical_json(key) + b":")
        value = parts[key]
        if isinstance(value, bytes):
            digest.update(value)
            continue
        digest.update(b"[")
        for j, item in enumerate(value):
            digest.update((b"," if j else b"") + item)
        digest.update(b"]")
    digest.update(b"}")
    return digest.hexdigest()
