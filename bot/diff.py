"""What changes between two knowledge bases: entries added, removed and, field by field, changed.

A changed entry lists each field that changed (`answer.km`, `questions.en`, `sources[2].url`)
with its text before and after. Texts are compared word by word and shown the way `git diff
--word-diff` does: `[-removed words-]{+added words+}`, with a few words of context on the phone
and the whole text in the full version (the file attached when the summary is long, and the CLI).
Fields are found by walking the entries' plain data, so a field added to the schema is diffed
like the others without any change here.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from knowledge.schema import KnowledgeBase
from knowledge.text import has_khmer, segment_khmer

LEGEND = "Word changes are shown as [-removed-]{+added+}."
CONTEXT_WORDS = 4  # words kept around a change in the short form
SHORT_FIELD_CHARS = 300


@dataclass(frozen=True)
class FieldChange:
    """One field of an entry (or a synonym list) before and after: a text, a list of texts, or None."""

    path: str
    before: str | tuple[str, ...] | None
    after: str | tuple[str, ...] | None


@dataclass(frozen=True)
class EntryChange:
    """An entry present before and after, with the fields that changed."""

    id: str
    title: str
    fields: tuple[FieldChange, ...]


@dataclass(frozen=True)
class KbDiff:
    """Entries added, changed (field by field) and removed; synonym lists changed."""

    added: list[tuple[str, str]]
    changed: list[EntryChange]
    removed: list[tuple[str, str]]
    synonyms: tuple[FieldChange, ...] = ()
    reordered: bool = False  # the entries kept are in another order

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed or self.synonyms or self.reordered)

    @property
    def synonyms_changed(self) -> bool:
        return bool(self.synonyms)


def _leaves(value, path: str, out: dict) -> dict:
    """Flatten plain data to {path: text or tuple of texts}; lists of mappings are indexed."""
    if isinstance(value, dict):
        for key, item in value.items():
            _leaves(item, f"{path}.{key}" if path else str(key), out)
    elif isinstance(value, (list, tuple)):
        if any(isinstance(v, (dict, list, tuple)) for v in value):
            for i, item in enumerate(value, 1):
                _leaves(item, f"{path}[{i}]", out)
        else:
            out[path] = tuple(_text(v) for v in value)
    elif value is not None:
        out[path] = _text(value)
    return out


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def field_changes(before: dict, after: dict, skip: tuple[str, ...] = ()) -> tuple[FieldChange, ...]:
    """The leaves that differ between two plain structures, in the order they appear."""
    old, new = _leaves(before, "", {}), _leaves(after, "", {})
    paths = list(old) + [p for p in new if p not in old]
    return tuple(FieldChange(p, old.get(p), new.get(p)) for p in paths
                 if old.get(p) != new.get(p) and p not in skip)


def diff_kb(old: KnowledgeBase, new: KnowledgeBase) -> KbDiff:
    """Compare two knowledge bases entry by entry and field by field."""
    old_ids = {e.id: e for e in old.entries}
    new_ids = {e.id for e in new.entries}
    added = [(e.id, e.title["en"]) for e in new.entries if e.id not in old_ids]
    removed = [(e.id, e.title["en"]) for e in old.entries if e.id not in new_ids]
    changed = []
    for entry in new.entries:
        before = old_ids.get(entry.id)
        if before is not None and before.to_data() != entry.to_data():
            changed.append(EntryChange(entry.id, entry.title["en"],
                                       field_changes(before.to_data(), entry.to_data())))
    synonyms = field_changes({"synonyms": old.to_data().get("synonyms", {})},
                             {"synonyms": new.to_data().get("synonyms", {})})
    kept_old = [e.id for e in old.entries if e.id in new_ids]
    kept_new = [e.id for e in new.entries if e.id in old_ids]
    return KbDiff(added, changed, removed, synonyms, kept_old != kept_new)


# --- rendering ----------------------------------------------------------------------------------

def _words(text: str) -> list[tuple[str, str]]:
    """(word, the space after it): words are separated by spaces; a run of Khmer script (written
    without spaces) is cut into its words, which keep no space between them."""
    out = []
    for chunk in re.finditer(r"(\S+)(\s*)", text):
        word, space = chunk.group(1), " " if chunk.group(2) else ""
        pieces = [word]
        if has_khmer(word):
            pieces = [w for run in _KHMER_RUN.split(word) if run
                      for w in (segment_khmer(run) if has_khmer(run) else (run,))]
        out += [(w, "") for w in pieces[:-1]] + [(pieces[-1], space)]
    return out


_KHMER_RUN = re.compile(r"([\u1780-\u17FF\u19E0-\u19FF]+)")


def _join(tokens: list[tuple[str, str]]) -> str:
    return "".join(w + s for w, s in tokens[:-1]) + tokens[-1][0] if tokens else ""


def word_diff(before: str, after: str, context: int | None = None) -> str:
    """`after` with removed words as [-...-] and added ones as {+...+}; `context` words around each change."""
    a, b = _words(before), _words(after)
    opcodes = difflib.SequenceMatcher(None, [w for w, _ in a], [w for w, _ in b], autojunk=False).get_opcodes()
    parts: list[tuple[str, str]] = []  # (text, the space after it)
    for n, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op == "equal":
            same = a[i1:i2]
            if context is not None and len(same) > 2 * context:
                head = same[:context] if n > 0 else []
                tail = same[-context:] if n < len(opcodes) - 1 else []
                if head and tail:
                    text = f"{_join(head)} … {_join(tail)}"
                else:
                    text = f"{_join(head)} …" if head else f"… {_join(tail)}"
            else:
                text = _join(same)
            parts.append((text, a[i2 - 1][1] or b[j2 - 1][1]))  # a space on either side shows
            continue
        if i2 > i1:
            parts.append(("[-" + _join(a[i1:i2]) + "-]", a[i2 - 1][1]))
        if j2 > j1:
            parts.append(("{+" + _join(b[j1:j2]) + "+}", b[j2 - 1][1]))
    return "".join(text + (space if k < len(parts) - 1 else "") for k, (text, space) in enumerate(parts))


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def field_lines(change: FieldChange, full: bool) -> list[str]:
    """How one field changed: a word diff of a text, items added and removed of a list."""
    before, after = change.before, change.after
    if isinstance(before, tuple) or isinstance(after, tuple):
        old, new = before or (), after or ()
        if not isinstance(old, tuple):
            old = (old,)
        if not isinstance(new, tuple):
            new = (new,)
        lines = [f"+ {v}" for v in new if v not in old] + [f"- {v}" for v in old if v not in new]
        if not lines:
            lines = ["(same items, new order)"]
        shown = lines if full else [_shorten(line, 120) for line in lines[:6]]
        if len(shown) < len(lines):
            shown.append(f"… and {len(lines) - len(shown)} more")
        return [f"{change.path}: {shown[0]}"] + [" " * (len(change.path) + 2) + s for s in shown[1:]]
    if before is None:
        return [f"{change.path}: (new) {after if full else _shorten(after, SHORT_FIELD_CHARS)}"]
    if after is None:
        return [f"{change.path}: (removed) {before if full else _shorten(before, SHORT_FIELD_CHARS)}"]
    if full:
        return [f"{change.path}:", f"  before: {before}", f"  after:  {after}",
                f"  words:  {word_diff(before, after)}"]
    return [f"{change.path}: {_shorten(word_diff(before, after, CONTEXT_WORDS), SHORT_FIELD_CHARS)}"]


def format_diff(diff: KbDiff, full: bool = False, limit: int = 30) -> str:
    """A plain-text description of a diff (English: it is for admins).

    Short form (the phone): at most `limit` entries per group, each field shortened around its
    changes. Full form: everything, with each changed text whole before and after.
    """
    if diff.empty:
        return "No change: the content is identical to the current revision."
    cap = None if full else limit

    def group(label: str, items: list, render) -> list[str]:
        if not items:
            return []
        out = [f"{len(items)} {label}:"]
        for item in items[:cap]:
            out += render(item)
        if cap and len(items) > cap:
            out.append(f"  … and {len(items) - cap} more")
        return out

    def changed(change: EntryChange) -> list[str]:
        return [f"  ~ {change.id}: {change.title}"] + [
            "      " + line for field in change.fields for line in field_lines(field, full)]

    lines = (group("added", diff.added, lambda item: [f"  + {item[0]}: {item[1]}"])
             + group("changed", diff.changed, changed)
             + group("removed", diff.removed, lambda item: [f"  - {item[0]}: {item[1]}"]))
    if diff.synonyms:
        lines.append("synonym lists changed:")
        for field in diff.synonyms:
            lines += ["      " + line for line in field_lines(field, full)]
    if diff.reordered:
        lines.append("the entries are in a new order")
    if diff.changed or diff.synonyms:
        lines.append(LEGEND)
    return "\n".join(lines)


def summary(diff: KbDiff) -> str:
    """One line: how many entries are added, changed and removed."""
    parts = [f"{len(items)} {label}" for label, items in
             (("added", diff.added), ("changed", diff.changed), ("removed", diff.removed)) if items]
    if diff.synonyms:
        parts.append("synonyms changed")
    if diff.reordered:
        parts.append("new order")
    return ", ".join(parts) or "no change"
