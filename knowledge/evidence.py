"""Check every entry against the profile it rests on: quotes, footnotes and numbers.

Each entry lists its evidence: verbatim quotes from the profile's text, or the numbers of the
footnotes whose documents it cites. Checking, with file and line for each failure:

* a quote must occur in the profile. Both sides are folded first: runs of whitespace and line
  breaks become one space; the Markdown left by the PDF extraction (`**`, `\\$`, `[World Bank](#)`)
  and the footnote marks in the text ("(2009)⁶", "^{10,11}") are ignored.
* a footnote must exist in the profile (a line "N <url or text>" or "¹⁷ <url>").
* every number in an entry's title, answer and short answer, in every language, must occur in its
  evidence (the quotes, the cited footnotes' numbers and their text). Numbers are compared as
  digits only: Khmer digits are folded to ASCII and separators dropped, so "2,782", "2 782" and
  "២៧៨២" are one number, and "8.76%" / "8,76 %" another. Figures are formatted for each language
  first, as a reader sees them. An `as_of` year counts as a number of the entry.

`stale_entries` runs only the quote and footnote checks against a new version of the profile: the
entries it returns are the ones an admin must re-read.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .figures import render_figures
from .loader import Problem, _LineDict, _LineList, load_path, parse_yaml, yaml_files
from .schema import LANGS, Entry

KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")
SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
NUMBER_RE = re.compile(r"[0-9]+(?:[.,\u00a0\u202f][0-9]+)*")
FOOTNOTE_RE = re.compile(r"^[ \t]*([0-9]{1,3}|[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,3})[ \t]+(\S.*)$", re.MULTILINE)
CHECKED_TEXTS = ("title", "answer", "short")


def fold(text: str) -> str:
    """Text as compared for quotes: NFC, Markdown and footnote marks removed, whitespace collapsed."""
    text = unicodedata.normalize("NFC", text).replace("**", "")
    text = re.sub(r"\\([^\w\s])", r"\1", text)  # "US\$20" -> "US$20"
    text = re.sub(r"\^\{[0-9,]+\}|[⁰¹²³⁴⁵⁶⁷⁸⁹]+", "", text)  # footnote marks: "(2009)⁶", ":^{10,11}"
    text = re.sub(r"\[([^\]]*)\]\([^)\s]*\)", r"\1", text)  # links lost in extraction: "[World Bank](#)"
    return " ".join(text.split())


def numbers(text: str) -> set[str]:
    """The numbers of a text as digit strings ("8.76" -> "876", "2 782" -> "2782", "២០០៩" -> "2009")."""
    text = text.translate(KHMER_DIGITS)
    return {re.sub(r"[^0-9]", "", n) for n in NUMBER_RE.findall(text)}


@dataclass(frozen=True)
class Profile:
    """The source text, folded for quote lookups, with its footnotes by number."""

    folded: str
    footnotes: dict[int, str]

    @classmethod
    def from_text(cls, text: str) -> Profile:
        notes: dict[int, str] = {}
        for match in FOOTNOTE_RE.finditer(text):
            number = int(match.group(1).translate(SUPERSCRIPTS))
            if 1 <= number <= 199:
                notes.setdefault(number, match.group(2).strip())
        return cls(fold(text), notes)

    def has_quote(self, quote: str) -> bool:
        return fold(quote) in self.folded


def evidence_numbers(entry: Entry, profile: Profile) -> set[str]:
    """The numbers an entry may state: those of its quotes, its footnotes' numbers and their text."""
    found: set[str] = set()
    for item in entry.evidence:
        if item.quote is not None:
            found |= numbers(fold(item.quote))
        else:
            found.add(str(item.footnote))
            found |= numbers(profile.footnotes.get(item.footnote, ""))
    return found


def unsupported_numbers(entry: Entry, profile: Profile) -> list[tuple[str, str, set[str]]]:
    """(field, language, numbers) for each text stating a number its evidence does not contain."""
    allowed = evidence_numbers(entry, profile)
    out = []
    for name in CHECKED_TEXTS:
        for lang, text in getattr(entry, name).items():
            missing = numbers(render_figures(text, lang)) - allowed
            if missing:
                out.append((name, lang, missing))
    if entry.as_of is not None and entry.as_of[:4] not in allowed:
        out.append(("as_of", "", {entry.as_of[:4]}))
    return out


# --- File-level checks, with lines --------------------------------------------------------------

def _raw_entries(path: Path):
    """(file name, raw entry mapping with line numbers) for each entry of a KB folder or file."""
    for file in yaml_files(path):
        data = parse_yaml(file.read_bytes(), str(file))
        if isinstance(data, dict) and isinstance(data.get("entries"), list):
            for raw in data["entries"]:
                if isinstance(raw, dict):
                    yield str(file), raw


def _line(raw: dict, *keys: object) -> int:
    """The line of raw[keys[0]][keys[1]]..., as deep as line numbers are known."""
    line, node = getattr(raw, "line", 0), raw
    for key in keys:
        if isinstance(node, _LineDict) and key in node:
            line, node = node.key_lines.get(key, line), node[key]
        elif isinstance(node, _LineList) and isinstance(key, int) and key < len(node):
            line, node = node.item_lines[key], node[key]
        else:
            break
    return line


def validate(path: str | Path, source_text: str) -> list[Problem]:
    """Every evidence problem of a knowledge base against the profile's text (empty: all good).

    The knowledge base must load (schema errors raise KnowledgeBaseInvalid first).
    """
    path = Path(path)
    kb = load_path(path)
    profile = Profile.from_text(source_text)
    problems: list[Problem] = []
    for file, raw in _raw_entries(path):
        entry = kb.get(raw.get("id"))
        if entry is None:
            continue
        say = problems.append
        if not entry.evidence:
            say(Problem(file, _line(raw), f"{entry.id}: no evidence (quotes from the profile or footnotes)"))
        for i, item in enumerate(entry.evidence):
            at = _line(raw, "evidence", i)
            if item.quote is not None and not profile.has_quote(item.quote):
                say(Problem(file, at, f"{entry.id}: quote not in the source: “{_clip(item.quote)}”"))
            elif item.footnote is not None and item.footnote not in profile.footnotes:
                say(Problem(file, at, f"{entry.id}: the source has no footnote {item.footnote}"))
        for lang in LANGS:
            if lang in entry.answer and lang not in entry.short:
                say(Problem(file, _line(raw, "answer", lang), f"{entry.id}: no short answer in '{lang}'"))
        for name, lang, missing in unsupported_numbers(entry, profile):
            at = _line(raw, name, lang) if lang else _line(raw, name)
            where = f"{name}.{lang}" if lang else name
            say(Problem(file, at, f"{entry.id}: {where} states {', '.join(sorted(missing))}, "
                                  "which is in none of its evidence"))
    return problems


def stale_entries(path: str | Path, new_source_text: str) -> dict[str, list[Problem]]:
    """Entry id -> the evidence (quotes, footnotes) that no longer occurs in a new version of the profile."""
    path = Path(path)
    kb = load_path(path)
    profile = Profile.from_text(new_source_text)
    stale: dict[str, list[Problem]] = {}
    for file, raw in _raw_entries(path):
        entry = kb.get(raw.get("id"))
        if entry is None:
            continue
        for i, item in enumerate(entry.evidence):
            at = _line(raw, "evidence", i)
            if item.quote is not None and not profile.has_quote(item.quote):
                stale.setdefault(entry.id, []).append(
                    Problem(file, at, f"{entry.id}: quote no longer in the text: “{_clip(item.quote)}”"))
            elif item.footnote is not None and item.footnote not in profile.footnotes:
                stale.setdefault(entry.id, []).append(Problem(file, at, f"{entry.id}: footnote {item.footnote} is gone"))
    return stale


def _clip(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
