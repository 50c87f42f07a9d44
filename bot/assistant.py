"""The answer engine shared by the console chat, `ask` and the Telegram bot."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from knowledge.matcher import Match, Matcher, MatchResult
from knowledge.schema import LANGS, Entry, KnowledgeBase, Source
from knowledge.text import has_khmer, normalize
from storage.querylog import QueryLog

_FRENCH = frozenset("""le la les un une des du de au aux et ou est sont suis es sommes etes ai as avons avez ont
quel quelle quels quelles comment combien pourquoi quand ou qui que quoi je tu il elle nous vous ils elles
mon ma mes ton ta tes son sa ses notre votre leur pour avec dans sur sans chez par mais donc car ne pas plus
peut peux puis veux voudrais dois faut faire travailler travail aide aider salaire patron employeur argent
pays etranger nationalite cambodgien cambodgiens cambodgienne cambodge passeport carte vote voter droit droits
c j l d qu n s t y est-ce bonjour merci svp stp ca cela ce cette ces aussi tres bien mal""".split())
_ENGLISH = frozenset("""the a an is are am was were be what how who where when why which can could would should
my i you your me we our they their he she it this that these those do does did to of and or in on for with
from about work working boss pay paid salary money country abroad please help want need get""".split())
_FRENCH_LETTERS = frozenset("éèêëàâçùûüôîïœ")


def detect_language(text: str) -> str | None:
    """'km' for Khmer script, 'fr' for text that reads as French rather than English, else None."""
    if has_khmer(text):
        return "km"
    lowered = text.casefold()
    tokens = normalize(text).split()
    french = sum(t in _FRENCH for t in tokens) + 2 * sum(ch in _FRENCH_LETTERS for ch in lowered)
    english = sum(t in _ENGLISH for t in tokens)
    if french > english:
        return "fr"
    return None


def choose_language(text: str, preference: str | None = None, client_code: str | None = None,
                    romanized: bool = False) -> str:
    """The reply language: the user's choice, else the question's script or language (Khmer for
    Khmer in Latin letters), else the client's, else en."""
    if preference in LANGS:
        return preference
    detected = "km" if romanized else detect_language(text)
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

    @property
    def short(self) -> str | None:
        """The short answer to show first (None: the entry has none, show the answer)."""
        return self.entry.short_text(self.language) if self.entry else None

    @property
    def as_of(self) -> str | None:
        """The date the entry's time-sensitive facts hold for ("2009", "2025-08"), if any."""
        return self.entry.as_of if self.entry else None


def entry_reply(query: str, entry: Entry, language: str, result: MatchResult | None = None) -> Reply:
    """A reply that shows one entry (used for answers and for a chosen suggestion)."""
    title, fb_title = entry.text("title", language)
    answer, fb_answer = entry.text("answer", language)
    result = result or MatchResult(query, "answer", (Match(entry, 100.0),))
    unreviewed = language != "en" and not (fb_answer or entry.reviewed.get(language, False))
    return Reply(query, language, result, entry, title, answer, fb_title or fb_answer, unreviewed)


class Assistant:
    """Answers questions from the current knowledge base and logs what was asked."""

    def __init__(self, kb: KnowledgeBase, query_log: QueryLog | None = None, index_cache: Path | None = None,
                 content_hash: str | None = None):
        self.query_log = query_log
        self.index_cache = index_cache  # where each revision's index is stored for the next start
        self.matcher = Matcher(kb, cache_dir=index_cache, content_hash=content_hash)

    @property
    def kb(self) -> KnowledgeBase:
        return self.matcher.kb

    def switch(self, kb: KnowledgeBase, content_hash: str | None = None) -> None:
        """Serve a new knowledge base: the index is built (or read) first, then swapped in one assignment."""
        self.matcher = Matcher(kb, cache_dir=self.index_cache, content_hash=content_hash, previous=self.matcher)

    def ask(self, question: str, preference: str | None = None, client_code: str | None = None,
            log: bool = True) -> Reply:
        """Answer one question in the chosen language."""
        result = self.matcher.match(question)
        language = choose_language(question, preference, client_code, result.romanized)
        if result.answered:
            reply = entry_reply(question, result.best.entry, language, result)
        else:
            reply = Reply(question, language, result)
        if log and self.query_log is not None and result.intent not in ("empty", "greeting", "thanks", "help"):
            best = result.best
            self.query_log.record(question, language, best.entry.id if best else None,
                                  best.score if best else 0.0, reply.answered, result.intent)
        return reply

    def show(self, entry_id: str, language: str) -> Reply | None:
        """The reply for one entry by id (a chosen suggestion, a related entry)."""
        entry = self.kb.get(entry_id)
        return entry_reply(entry_id, entry, language) if entry else None

