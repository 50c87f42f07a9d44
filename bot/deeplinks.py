"""Deep links for leaflets and posters: https://t.me/<bot>?start=<payload> opens an entry or a topic.

The payload is an entry id (`passport-fee`) or `t_` and a kind (`t_policy`), optionally followed
by `_` and a language (`passport-fee_km`). Entry ids never contain `_`, so this cannot be
ambiguous, and Telegram allows up to 64 characters of A-Z, a-z, 0-9, `_` and `-`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.schema import KINDS, LANGS, KnowledgeBase

PAYLOAD_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
TOPIC_PREFIX = "t_"


class UnknownTarget(Exception):
    """The link names neither an entry nor a kind of the knowledge base."""


@dataclass(frozen=True)
class Link:
    """What a deep link opens: an entry or the first page of a topic, in a language or the reader's."""

    entry_id: str | None = None
    kind: str | None = None
    language: str | None = None

    @property
    def payload(self) -> str:
        name = self.entry_id if self.entry_id is not None else TOPIC_PREFIX + self.kind
        return f"{name}_{self.language}" if self.language else name


def parse_payload(payload: str, kb: KnowledgeBase) -> Link | None:
    """The link a /start payload stands for, or None (no payload, or one that names nothing)."""
    if not payload or not PAYLOAD_RE.match(payload):
        return None
    name, language = payload, None
    base, _, suffix = payload.rpartition("_")
    if base and suffix in LANGS:
        name, language = base, suffix
    if name.startswith(TOPIC_PREFIX):
        kind = name[len(TOPIC_PREFIX):]
        return Link(kind=kind, language=language) if kb.by_kind(kind) else None
    return Link(entry_id=name, language=language) if kb.get(name) is not None else None


def link_for(target: str, kb: KnowledgeBase, language: str | None = None) -> Link:
    """The link to an entry id, or to a kind's topic page (entries first: `about` is both)."""
    if kb.get(target) is not None:
        return Link(entry_id=target, language=language)
    if target in KINDS and kb.by_kind(target):
        return Link(kind=target, language=language)
    raise UnknownTarget(target)


def url(bot_username: str, link: Link) -> str:
    """https://t.me/<bot>?start=<payload>"""
    return f"https://t.me/{bot_username.lstrip('@')}?start={link.payload}"
