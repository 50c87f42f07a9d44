"""Short button labels: counted and cut by grapheme cluster, never inside a Khmer syllable.

A Khmer syllable is one user-perceived character made of several code points (a consonant, a
COENG sign and a subscript consonant, a vowel sign...). Cutting by code point can leave a COENG
or a vowel sign without its base: the phone then shows a broken glyph. Extended grapheme
clusters (`regex`'s `\\X`) keep those together; a cluster that still ends in COENG (older
Unicode rules) is joined with the next one.
"""

from __future__ import annotations

import regex

MAX_LABEL = 24  # characters a reader sees (grapheme clusters) on one button
ELLIPSIS = "…"
COENG = "\u17d2"  # KHMER SIGN COENG: the next consonant is written below, it cannot end a text

_CLUSTER = regex.compile(r"\X")


def graphemes(text: str) -> list[str]:
    """The user-perceived characters of `text`; a Khmer COENG stays with its subscript."""
    clusters: list[str] = []
    for cluster in _CLUSTER.findall(text):
        if clusters and clusters[-1].endswith(COENG):
            clusters[-1] += cluster
        else:
            clusters.append(cluster)
    return clusters


def label_length(text: str) -> int:
    """The length of a label as a reader counts it."""
    return len(graphemes(text))


def fit(text: str, limit: int = MAX_LABEL) -> str:
    """`text` if it has at most `limit` characters, else cut at a cluster boundary with "…"."""
    clusters = graphemes(text.strip())
    if len(clusters) <= limit:
        return "".join(clusters)
    kept = clusters[:limit - 1]
    # Prefer ending at a space when one is near, so a word is not cut in two.
    text_kept = "".join(kept)
    space = text_kept.rfind(" ")
    if space >= len(text_kept) * 2 // 3:
        text_kept = text_kept[:space]
    return text_kept.rstrip(" ,:;–-") + ELLIPSIS


def button_label(entry, lang: str, limit: int = MAX_LABEL) -> str:
    """The entry's label in `lang`; else its title in `lang`, cut to fit; else the English label."""
    if entry.label.get(lang):
        return fit(entry.label[lang], limit)
    if entry.title.get(lang):
        return fit(entry.title[lang], limit)
    return fit(entry.label.get("en") or entry.title["en"], limit)
