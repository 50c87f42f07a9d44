"""Load and validate knowledge-base YAML: every problem reported at once, with file and line.

Parsing is safe (no Python objects), aliases are refused (no billion-laughs expansion), files are
size-capped before parsing, and nothing here raises anything but `KnowledgeBaseInvalid`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from .building import paused_gc
from .figures import AS_OF_RE, FIGURE_RE
from .labels import MAX_LABEL, label_length
from .packed import PackedEntries
from .schema import KINDS, LANGS, MAX_SHORT_CHARS, Entry, Evidence, KnowledgeBase, Source


MAX_FILE_BYTES = 2 * 1024 * 1024
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")  # short enough for 64-byte callback data
ENTRY_FIELDS = {
    "id", "kind", "title", "answer", "short", "questions", "keywords", "sources", "evidence", "as_of",
    "year", "period", "country", "related", "reviewed", "label",
}
REQUIRED_FIELDS = ("id", "kind", "title", "answer", "sources")
TOP_LEVEL_FIELDS = {"entries", "synonyms"}


@dataclass(frozen=True)
class Problem:
    """One validation error, located in a file."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class KnowledgeBaseInvalid(Exception):
    """The knowledge base has errors; `problems` lists them all."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(map(str, problems)))


def bundled_path() -> Path:
    """The folder of the knowledge base shipped with the package."""
    return Path(str(resources.files("knowledge") / "data"))


# --- YAML with line numbers -------------------------------------------------------------------

class _LineDict(dict):
    line = 0
    key_lines: dict


class _LineList(list):
    line = 0
    item_lines: list


class _AliasRefused(yaml.YAMLError):
    pass


class _Loader(yaml.SafeLoader):
    """SafeLoader that records line numbers and refuses aliases and duplicate keys."""

    def compose_node(self, parent, index):  # noqa: D401 - PyYAML hook
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _AliasRefused(f"line {event.start_mark.line + 1}: YAML aliases (*name) are not allowed")
        return super().compose_node(parent, index)

    def construct_line_map(self, node):
        data = _LineDict()
        data.line = node.start_mark.line + 1
        data.key_lines = {}
        yield data
        self.flatten_mapping(node)
        duplicates = []
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be a plain value", key_node.start_mark)
            if key in data.key_lines:
                duplicates.append((key, key_node.start_mark.line + 1))
            data[key] = self.construct_object(value_node, deep=True)
            data.key_lines[key] = key_node.start_mark.line + 1
        data.duplicates = duplicates

    def construct_line_seq(self, node):
        data = _LineList()
        data.line = node.start_mark.line + 1
        data.item_lines = [n.start_mark.line + 1 for n in node.value]
        yield data
        data.extend(self.construct_object(n, deep=True) for n in node.value)


_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_line_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _Loader.construct_line_seq)
# Dates and times stay strings: a KB has no use for them and they do not survive JSON.
_Loader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)


class _Fallback(Exception):
    """The fast parse met something only the line-numbered loader reports well."""


_FAST_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR_TAG = "tag:yaml.org,2002:str"


class _FastLoader(_FAST_BASE):
    """libyaml's SafeLoader building plain dicts and lists, for documents expected to be valid.

    It gives up (`_Fallback`) on what `_Loader` refuses or reports (an alias, a duplicate or
    non-plain key), so the caller re-parses with `_Loader` and every message keeps its line.
    """

    def construct_object(self, node, deep=False):
        if node in self.constructed_objects:  # the same node twice: an alias
            raise _Fallback
        if node.tag == _STR_TAG and type(node) is yaml.ScalarNode:
            # What SafeConstructor makes of a string (most of a KB's values), without its
            # generic machinery; still recorded, so an alias to it is still seen.
            self.constructed_objects[node] = node.value
            return node.value
        return super().construct_object(node, deep)

    def construct_plain_map(self, node):
        data: dict = {}
        yield data
        self.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if (not isinstance(key, (str, int, float, bool)) and key is not None) or key in data:
                raise _Fallback
            data[key] = self.construct_object(value_node, deep=True)

    def construct_plain_seq(self, node):
        data: list = []
        yield data
        data.extend(self.construct_object(n, deep=True) for n in node.value)


_FastLoader.add_constructor("tag:yaml.org,2002:map", _FastLoader.construct_plain_map)
_FastLoader.add_constructor("tag:yaml.org,2002:seq", _FastLoader.construct_plain_seq)
_FastLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)


def _parse_fast(text: bytes | str) -> object:
    """Parse with libyaml, or raise `_Fallback` on anything but a plain, well-formed document."""
    try:
        return yaml.load(text, Loader=_FastLoader)  # noqa: S506 - _FastLoader is a SafeLoader
    except (yaml.YAMLError, RecursionError, ValueError, OverflowError, TypeError):
        raise _Fallback from None


def _build_fast(sources) -> KnowledgeBase | None:
    """The knowledge base of documents that are all valid, or None when any has a problem.

    Parsing without line numbers is several times faster; a document with any problem is then
    parsed again by `_Loader` (`load_path`, `load_text`) so the messages carry their lines.
    `sources` ((name, text) pairs) may be an iterator: each document is parsed when `build`
    comes to it and dropped once its entries are made, so a large knowledge base is never held
    as parsed YAML and entries at once.
    """
    def documents():
        for name, text in sources:
            size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8", "surrogatepass"))
            if size > MAX_FILE_BYTES:
                raise _Fallback
            if isinstance(text, bytes):
                try:
                    text = text.decode("utf-8")
                except UnicodeDecodeError:
                    raise _Fallback from None
            parsed = _parse_fast(text)
            del text
            yield name, parsed
    try:
        with paused_gc():
            return build(documents())
    except (KnowledgeBaseInvalid, _Fallback):
        return None


def parse_yaml(text: str | bytes, name: str) -> object:
    """Parse one YAML document with line numbers; raise KnowledgeBaseInvalid on any parse error."""
    size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_FILE_BYTES:
        raise KnowledgeBaseInvalid([Problem(name, 0, f"file too large (over {MAX_FILE_BYTES // 1024} KiB)")])
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise KnowledgeBaseInvalid([Problem(name, 0, f"not UTF-8 text ({exc.reason})")]) from None
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except _AliasRefused as exc:
        line = int(str(exc).split(":")[0].removeprefix("line "))
        raise KnowledgeBaseInvalid([Problem(name, line, "YAML aliases (*name) are not allowed")]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise KnowledgeBaseInvalid([Problem(name, line, f"YAML syntax: {exc.problem or exc.context}")]) from None
    except yaml.YAMLError as exc:
        raise KnowledgeBaseInvalid([Problem(name, 0, f"YAML: {exc}")]) from None
    except RecursionError:
        raise KnowledgeBaseInvalid([Problem(name, 0, "YAML nested too deeply")]) from None
    except (ValueError, OverflowError) as exc:  # e.g. an integer of more than 4,300 digits
        raise KnowledgeBaseInvalid([Problem(name, 0, f"YAML value out of range: {str(exc)[:120]}")]) from None


# --- Validation -------------------------------------------------------------------------------

def _with_lines(items: list, line: int):
    """(item, its line) for each item of a parsed list (`line` when lines are unknown)."""
    for i, item in enumerate(items):
        yield item, items.item_lines[i] if isinstance(items, _LineList) else line


class _Checker:
    """Collects problems while turning parsed documents into entries."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def err(self, file: str, line: int, message: str) -> None:
        self.problems.append(Problem(file, line, message))

    def missing_related(self, file: str, line: int, entry_id: str, ref: str) -> None:
        self.err(file, line, f"entry {entry_id!r}: related id {ref!r} does not exist")

    def languages(self, file: str, raw: dict, line: int, field: str):
        """(language, value, line) of a language mapping, reporting unknown languages."""
        for lang, value in raw.items():
            at = raw.key_lines.get(lang, line) if isinstance(raw, _LineDict) else line
            if lang not in LANGS:
                self.err(file, at, f"'{field}': unknown language {lang!r} (expected one of {', '.join(LANGS)})")
            else:
                yield lang, value, at

    def texts(self, file: str, raw: object, line: int, field: str, required_en: bool) -> dict[str, str]:
        if not isinstance(raw, dict):
            self.err(file, line, f"'{field}' must be a mapping of language to text (en, km, fr)")
            return {}
        out = {}
        for lang, value, at in self.languages(file, raw, line, field):
            if not isinstance(value, str) or not value.strip():
                self.err(file, at, f"'{field}.{lang}' must be a non-empty text")
                continue
            out[lang] = value.strip()
            stray = FIGURE_RE.sub("", value)
            if "{" in stray or "}" in stray:
                self.err(file, at, f"'{field}.{lang}': braces are only for figures, like {{2782}} or {{8.76%}}")
        if required_en and "en" not in out and not any(p.message.startswith(f"'{field}.en'") for p in self.problems):
            self.err(file, line, f"'{field}' has no English ('en') text")
        return out

    def labels(self, file: str, raw: object, line: int) -> dict[str, str]:
        """Button labels: one short text per language, at most MAX_LABEL characters as read."""
        out = self.texts(file, raw, line, "label", False)
        for lang, text in list(out.items()):
            if label_length(text) > MAX_LABEL:
                at = raw.key_lines.get(lang, line) if isinstance(raw, _LineDict) else line
                self.err(file, at, f"'label.{lang}' has {label_length(text)} characters (at most {MAX_LABEL})")
                del out[lang]
        return out

    def phrase_lists(self, file: str, raw: object, line: int, field: str) -> dict[str, tuple[str, ...]]:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.err(file, line, f"'{field}' must be a mapping of language to a list of texts")
            return {}
        out = {}
        for lang, value, at in self.languages(file, raw, line, field):
            if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
                self.err(file, at, f"'{field}.{lang}' must be a list of texts")
                continue
            out[lang] = tuple(str(v).strip() for v in value if str(v).strip())
        return out

    def sources(self, file: str, raw: object, line: int) -> tuple[Source, ...]:
        if not isinstance(raw, list) or not raw:
            self.err(file, line, "'sources' must be a non-empty list of {title, url}")
            return ()
        out = []
        for item, at in _with_lines(raw, line):
            if not isinstance(item, dict):
                self.err(file, at, "a source must be a mapping with 'title' and 'url'")
                continue
            unknown = set(item) - {"title", "url"}
            if unknown:
                self.err(file, at, f"a source has unknown field(s): {', '.join(map(str, sorted(unknown, key=str)))}")
            title, url = item.get("title"), item.get("url")
            titles = {}
            if isinstance(title, dict):  # a title per language: {en: ..., km: ...}, en required
                titles = self.texts(file, title, at, "source title", True)
                title = titles.pop("en", None)
            elif not isinstance(title, str) or not title.strip():
                self.err(file, at, "a source needs a non-empty 'title'")
            if not isinstance(url, str) or not re.match(r"^https?://\S+$", url.strip()):
                self.err(file, at, f"source {str(title)[:60]!r} needs an http(s) 'url'")
            elif isinstance(title, str) and title.strip():
                out.append(Source(title.strip(), url.strip(), titles))
        return tuple(out)

    def short(self, file: str, raw: object, line: int, answer: dict[str, str]) -> dict[str, str]:
        out = self.texts(file, raw, line, "short", False)
        for lang, text in out.items():
            at = raw.key_lines.get(lang, line) if isinstance(raw, _LineDict) else line
            if len(text) > MAX_SHORT_CHARS:
                self.err(file, at, f"'short.{lang}' has {len(text)} characters (at most {MAX_SHORT_CHARS})")
            if answer and lang not in answer:
                self.err(file, at, f"'short.{lang}' has no answer in the same language")
        return out

    def evidence(self, file: str, raw: object, line: int) -> tuple[Evidence, ...]:
        if not isinstance(raw, list) or not raw:
            self.err(file, line, "'evidence' must be a non-empty list of {quote: text} or {footnote: number}")
            return ()
        out = []
        for item, at in _with_lines(raw, line):
            quote = item.get("quote") if isinstance(item, dict) else None
            footnote = item.get("footnote") if isinstance(item, dict) else None
            if isinstance(footnote, str) and footnote.strip().isascii() and footnote.strip().isdigit():
                footnote = int(footnote)  # a spreadsheet cell holds text
            if not isinstance(item, dict) or len(item) != 1 or not ({"quote", "footnote"} & set(item)):
                self.err(file, at, "an evidence item is either {quote: \"text from the profile\"} or {footnote: N}")
            elif "quote" in item and (not isinstance(quote, str) or not quote.strip()):
                self.err(file, at, "an evidence quote must be a non-empty text")
            elif "footnote" in item and (not isinstance(footnote, int) or isinstance(footnote, bool)
                                         or not 1 <= footnote <= 999):
                self.err(file, at, f"footnote {footnote!r} must be a whole number like 18")
            else:
                out.append(Evidence(quote=quote.strip() if quote is not None else None, footnote=footnote))
        return tuple(out)

    def entry(self, file: str, raw: object, line: int) -> Entry | None:
        if not isinstance(raw, dict):
            self.err(file, line, "an entry must be a mapping")
            return None
        line = getattr(raw, "line", line)
        kl = raw.key_lines if isinstance(raw, _LineDict) else {}
        before = len(self.problems)
        for key, at in getattr(raw, "duplicates", []):
            self.err(file, at, f"field {key!r} appears twice")
        for key in raw:
            if key not in ENTRY_FIELDS:
                self.err(file, kl.get(key, line), f"unknown field {key!r}")
        for key in REQUIRED_FIELDS:
            if key not in raw:
                self.err(file, line, f"missing field {key!r}")
        entry_id = raw.get("id")
        if "id" in raw and (not isinstance(entry_id, str) or not ID_RE.match(entry_id)):
            self.err(file, kl.get("id", line), f"id {entry_id!r} must be lowercase letters, digits and '-' (at most 48)")
        kind = raw.get("kind")
        if "kind" in raw and kind not in KINDS:
            self.err(file, kl.get("kind", line), f"kind {kind!r} must be one of {', '.join(KINDS)}")
        title = self.texts(file, raw.get("title"), kl.get("title", line), "title", True) if "title" in raw else {}
        label = self.labels(file, raw.get("label"), kl.get("label", line)) if "label" in raw else {}
        answer = self.texts(file, raw.get("answer"), kl.get("answer", line), "answer", True) if "answer" in raw else {}
        short = self.short(file, raw.get("short"), kl.get("short", line), answer) if "short" in raw else {}
        evidence = self.evidence(file, raw.get("evidence"), kl.get("evidence", line)) if "evidence" in raw else ()
        as_of = raw.get("as_of")
        if as_of is not None:
            as_of = str(as_of)
            if not AS_OF_RE.match(as_of):
                self.err(file, kl.get("as_of", line), f"as_of {as_of!r} must be a year or a year and month, "
                                                      "like 2009 or \"2025-08\"")
        questions = self.phrase_lists(file, raw.get("questions"), kl.get("questions", line), "questions")
        keywords = self.phrase_lists(file, raw.get("keywords"), kl.get("keywords", line), "keywords")
        sources = self.sources(file, raw.get("sources"), kl.get("sources", line)) if "sources" in raw else ()
        year = raw.get("year")
        if year is not None and (not isinstance(year, int) or isinstance(year, bool) or not 1000 <= year <= 2100):
            self.err(file, kl.get("year", line), f"year {year!r} must be a whole number like 2009")
        period = raw.get("period")
        if period is not None and not isinstance(period, str):
            self.err(file, kl.get("period", line), "period must be a text like \"2014-2018\"")
        country = raw.get("country")
        if country is not None and not isinstance(country, str):
            self.err(file, kl.get("country", line), "country must be a text")
        related = raw.get("related") or []
        if not isinstance(related, list) or not all(isinstance(r, str) for r in related):
            self.err(file, kl.get("related", line), "related must be a list of entry ids")
            related = []
        reviewed = raw.get("reviewed") or {}
        if not isinstance(reviewed, dict) or not all(
                k in LANGS and isinstance(v, bool) for k, v in reviewed.items()):
            self.err(file, kl.get("reviewed", line), "reviewed must map languages (en, km, fr) to true/false")
            reviewed = {}
        if len(self.problems) > before:
            return None
        return Entry(
            id=entry_id, kind=kind, title=title, answer=answer, questions=questions,
            keywords=keywords, sources=sources, year=year, period=period, country=country,
            related=tuple(related), reviewed=dict(reviewed), label=label, short=short, evidence=evidence,
            as_of=as_of,
        )

    def synonyms(self, file: str, raw: object, line: int) -> dict[str, list[tuple[str, ...]]]:
        out: dict[str, list[tuple[str, ...]]] = {}
        if not isinstance(raw, dict):
            self.err(file, line, "'synonyms' must map a language to a list of word groups")
            return out
        for lang, groups, at in self.languages(file, raw, line, "synonyms"):
            if not isinstance(groups, list):
                self.err(file, at, f"'synonyms.{lang}' must be a list of word groups")
                continue
            for i, group in enumerate(groups):
                g_at = groups.item_lines[i] if isinstance(groups, _LineList) else at
                if (not isinstance(group, list) or len(group) < 2
                        or not all(isinstance(w, str) and w.strip() for w in group)):
                    self.err(file, g_at, "a synonym group must be a list of at least two words")
                    continue
                out.setdefault(lang, []).append(tuple(w.strip() for w in group))
        return out


def build(documents) -> KnowledgeBase:
    """Validate parsed documents (name, data) into a KnowledgeBase, or raise with every problem.

    `documents` is iterated once, in order (it may be an iterator)."""
    check = _Checker()
    entries = PackedEntries()  # compressed as they are made: never all of them as objects at once
    seen: dict[str, str] = {}
    synonyms: dict[str, list[tuple[str, ...]]] = {}
    related_refs: list[tuple[str, int, str, str]] = []
    first = None
    for name, data in documents:
        first = first or name
        if data is None:
            continue
        if not isinstance(data, dict):
            check.err(name, getattr(data, "line", 1), "a knowledge file must be a mapping with 'entries'")
            continue
        kl = data.key_lines if isinstance(data, _LineDict) else {}
        for key in data:
            if key not in TOP_LEVEL_FIELDS:
                check.err(name, kl.get(key, 1), f"unknown top-level field {key!r} (expected 'entries' or 'synonyms')")
        if "synonyms" in data:
            for lang, groups in check.synonyms(name, data["synonyms"], kl.get("synonyms", 1)).items():
                synonyms.setdefault(lang, []).extend(groups)
        raw_entries = data.get("entries", [])
        if not isinstance(raw_entries, (list, Iterator)):  # an iterator: a stored revision read as parsed
            check.err(name, kl.get("entries", 1), "'entries' must be a list")
            continue
        for i, raw in enumerate(raw_entries):
            line = raw_entries.item_lines[i] if isinstance(raw_entries, _LineList) else 1
            entry = check.entry(name, raw, line)
            if entry is None:
                continue
            where = f"{name}:{getattr(raw, 'line', line)}"
            if entry.id in seen:
                check.err(name, getattr(raw, "line", line), f"duplicate id {entry.id!r} (first at {seen[entry.id]})")
                continue
            seen[entry.id] = where
            entries.append(entry)
            rel_line = raw.key_lines.get("related", line) if isinstance(raw, _LineDict) else line
            related_refs.extend((name, rel_line, entry.id, r) for r in entry.related)
    for name, line, entry_id, ref in related_refs:
        if ref not in seen:
            check.missing_related(name, line, entry_id, ref)
    if not entries and not check.problems:  # e.g. an empty file from a failed export: never a KB
        check.err(first or "knowledge base", 0,
                  "no entries: a knowledge base needs at least one entry")
    if check.problems:
        raise KnowledgeBaseInvalid(check.problems)
    return KnowledgeBase(entries, {k: tuple(v) for k, v in synonyms.items()})


def yaml_files(path: Path) -> list[Path]:
    """The YAML files of a folder (sorted), or the file itself."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    return [path]


def _load_files_fast(files: list[Path]) -> KnowledgeBase | None:
    """`_build_fast` over files, read one at a time; None on any problem (the caller reads them
    again with lines)."""
    try:
        if any(file.stat().st_size > MAX_FILE_BYTES for file in files):
            return None
    except OSError:
        return None

    def sources():
        for file in files:
            try:
                data = file.read_bytes()
            except OSError:
                raise _Fallback from None
            yield str(file), data
    return _build_fast(sources())


def load_path(path: str | Path) -> KnowledgeBase:
    """Load a knowledge-base folder or a single YAML file."""
    path = Path(path)
    if not path.exists():
        raise KnowledgeBaseInvalid([Problem(str(path), 0, "no such file or folder")])
    files = yaml_files(path)
    if not files:
        raise KnowledgeBaseInvalid([Problem(str(path), 0, "no .yaml files in this folder")])
    if (kb := _load_files_fast(files)) is not None:
        return kb
    documents, problems = [], []
    for file in files:
        try:
            if file.stat().st_size > MAX_FILE_BYTES:
                raise KnowledgeBaseInvalid([Problem(str(file), 0, "file too large")])
            documents.append((str(file), parse_yaml(file.read_bytes(), str(file))))
        except KnowledgeBaseInvalid as exc:
            problems.extend(exc.problems)
        except OSError as exc:
            problems.append(Problem(str(file), 0, f"cannot read: {exc.strerror}"))
    return build_reporting(documents, problems)


def build_reporting(documents: list[tuple[str, object]], problems: list[Problem]) -> KnowledgeBase:
    """`build`, raising the `problems` found while reading the documents together with its own."""
    try:
        kb = build(documents)
    except KnowledgeBaseInvalid as exc:
        problems = problems + exc.problems
    if problems:
        raise KnowledgeBaseInvalid(problems)
    return kb


def load_text(text: str | bytes, name: str = "upload.yaml") -> KnowledgeBase:
    """Load a knowledge base from one YAML document."""
    kb = _build_fast([(name, text)])
    return kb if kb is not None else build([(name, parse_yaml(text, name))])


def load_data(data: dict, name: str = "revision") -> KnowledgeBase:
    """Load a knowledge base from its plain structure (a stored revision, a JSON export)."""
    return load_documents([data], name)


def with_entry(kb: KnowledgeBase, data: dict, name: str = "change") -> KnowledgeBase:
    """`kb` with the entry whose id `data` has replaced by the entry made of `data`, validated as
    `load_data` would (its related ids must be entries of `kb`), without the other entries made
    into plain data and back (at 10,000 entries that took over 100 MB)."""
    check = _Checker()
    entry = check.entry(name, data, 1)
    i = kb.index(data.get("id"))
    if entry is not None and i is None:
        check.err(name, 1, f"no entry {entry.id!r} to replace")
    for ref in entry.related if entry is not None else ():
        if ref not in kb:
            check.missing_related(name, 1, entry.id, ref)
    if check.problems:
        raise KnowledgeBaseInvalid(check.problems)
    entries = kb.entries
    if isinstance(entries, PackedEntries):
        return KnowledgeBase(entries.replaced(i, entry), kb.synonyms)
    return KnowledgeBase(tuple(entries[:i]) + (entry,) + tuple(entries[i + 1:]), kb.synonyms)


def load_documents(documents: Iterable[dict], name: str = "revision") -> KnowledgeBase:
    """Load a knowledge base from plain documents read one after the other, whose entries may
    be an iterator (`RevisionStore.documents`: a stored revision parsed as it is read)."""
    with paused_gc():
        return build((name, data) for data in documents)


def load_bundled() -> KnowledgeBase:
    """The knowledge base shipped with the package."""
    return load_path(bundled_path())
