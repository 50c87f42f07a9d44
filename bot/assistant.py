"""The answer engine shared by the console chat, `ask` and the Telegram bot."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.matcher import Match, Matcher, MatchResult
from knowledge.schema import LANGS, Entry, KnowledgeBase, Source
from knowledge.text import has_khmer, normalize
from storage.querylog import QueryLog

_FRENCH = frozenset("""le la les des du une est sont quel quelle quels quelles comment combien pourquoi
je tu il nous vous ils mon ma mes pour avec dans sur peut puis veux voudrais travailler
cambodgien cambodgiens cambodgienne cambodge etranger nationalite salaire patron ou c qu j l d""".split())
_ENGLISH = frozenset("""the is are what how who where when can my i you do does to of and in for with
from work boss pay""".split())


def detect_language(text: str) -> str | None:
    """'km' for Khmer script, 'fr' for text that reads clearly as French, else None."""
    if has_khmer(text):
        return "km"
    tokens = normalize(text).split()
    french = sum(t in _FRENCH for t in tokens)
    english = sum(t in _ENGLISH for t in tokens)
    if french >= 1 and french > english:
        return "fr"
    return None


def choose_language(text: str, preference: str | None = None, client_code: str | None = None) -> str:
    """The reply language: the user's choice, else the question's script or language, else the client's, else en."""
    if preference in LANGS:
        return preference
    detected = detect_language(text)
    if detected:
        return detected
    code = (client_code or "").split("-")[0].lower()
    return code if code in LANGS else "en"


@dataclass(frozen=True)
class Reply:
    """An answer (or a non-answer) ready to be rendered, in one language."""

    query: str
    language: str
    result: MatchResult
    entry: Entry | None = None
    title: str | None = None
    answer: str | None = None
    fell_back: bool = False
    unreviewed: bool = False

    @property
    def answered(self) -> bool:
        return self.result.answered and self.entry is not None

    @property
    def sources(self) -> tuple[Source, ...]:
        return self.entry.sources if self.entry else ()

    @property
    def score(self) -> float:
        best = self.result.best
        return best.score if best else 0.0

    @property
    def suggestions(self) -> tuple[Match, ...]:
        return self.result.suggestions


def entry_reply(query: str, entry: Entry, language: str, result: MatchResult | None = None) -> Reply:
    """A reply that shows one entry (used for answers and for a chosen suggestion)."""
    title, fb_title = entry.text("title", language)
    answer, fb_answer = entry.text("answer", language)
    result = result or MatchResult(query, "answer", (Match(entry, 100.0),))
    unreviewed = language != "en" and not (fb_answer or entry.reviewed.get(language, False))
    return Reply(query, language, result, entry, title, answer, fb_title or fb_answer, unreviewed)


class Assistant:
    """Answers questions from the current knowledge base and logs what was asked."""

    def __init__(self, kb: KnowledgeBase, query_log: QueryLog | None = None):
        self.query_log = query_log
        self.matcher = Matcher(kb)

    @property
    def kb(self) -> KnowledgeBase:
        return self.matcher.kb

    def switch(self, kb: KnowledgeBase) -> None:
        """Serve a new knowledge base: the index is built first, then swapped in one assignment."""
        self.matcher = Matcher(kb)

    def ask(self, question: str, preference: str | None = None, client_code: str | None = None,
            log: bool = True) -> Reply:
        """Answer one question in the chosen language."""
        language = choose_language(question, preference, client_code)
        result = self.matcher.match(question)
        if result.answered:
            reply = entry_reply(question, result.best.entry, language, result)
        else:
            reply = Reply(question, language, result)
        if log and self.query_log is not None and result.intent not in ("empty", "greeting", "thanks"):
            best = result.best
            self.query_log.record(question, language, best.entry.id if best else None,
                                  best.score if best else 0.0, reply.answered, result.intent)
        return reply

    def show(self, entry_id: str, language: str) -> Reply | None:
        """The reply for one entry by id (a chosen suggestion, a related entry)."""
        entry = self.kb.get(entry_id)
        return entry_reply(entry_id, entry, language) if entry else None

