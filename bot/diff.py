"""What changes between two knowledge bases: entries added, changed and removed."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.schema import KnowledgeBase


@dataclass(frozen=True)
class KbDiff:
    """Ids and titles of the entries added, changed and removed."""

    added: list[tuple[str, str]]
    changed: list[tuple[str, str]]
    removed: list[tuple[str, str]]
    synonyms_changed: bool

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed or self.synonyms_changed)


def diff_kb(old: KnowledgeBase, new: KnowledgeBase) -> KbDiff:
    """Compare two knowledge bases entry by entry."""
    old_ids = {e.id: e for e in old.entries}
    new_ids = {e.id: e for e in new.entries}
    added = [(e.id, e.title["en"]) for e in new.entries if e.id not in old_ids]
    removed = [(e.id, e.title["en"]) for e in old.entries if e.id not in new_ids]
    changed = [(e.id, e.title["en"]) for e in new.entries
               if e.id in old_ids and old_ids[e.id].to_data() != e.to_data()]
    return KbDiff(added, changed, removed, old.synonyms != new.synonyms)


def format_diff(diff: KbDiff, lang: str = "en", limit: int = 30) -> str:
    """A plain-text summary of a diff (English: it is for admins)."""
    if diff.empty:
        return "No change: the content is identical to the current revision."
    lines = []
    for label, items in (("added", diff.added), ("changed", diff.changed), ("removed", diff.removed)):
        if items:
            lines.append(f"{len(items)} {label}:")
            lines += [f"  {'+' if label == 'added' else '~' if label == 'changed' else '-'} {i}: {t}"
                      for i, t in items[:limit]]
            if len(items) > limit:
                lines.append(f"  ... and {len(items) - limit} more")
    if diff.synonyms_changed:
        lines.append("synonym lists changed")
    return "\n".join(lines)
