"""Match a question to knowledge-base entries and say how confident the match is.

The index is built once per knowledge-base revision. A question is first *read*:

* Khmer typed in Latin letters ("knhom chong tov thveu ka nov korea") is recognised and rewritten
  in Khmer script (romanize.py: a phonetic key, the knowledge base's Khmer romanized by rule, a
  lexicon of everyday spellings); the reply is then in Khmer;
* help, menu, greetings and thanks that ask about nothing the knowledge base knows are small talk.

It is then scored against every entry that shares a (possibly misspelt) word with it, by three
signals:

* phrase: the best soft F1 between the question and one of the entry's titles, alternate
  questions or keywords, words weighted by rarity (IDF). Strong for paraphrases of a phrasing.
* coverage: how much of the question (IDF-weighted) the entry's short fields, or its answer,
  account for. A question with words the knowledge base has never seen ("Everest", "pizza")
  keeps a low coverage everywhere, which is how out-of-scope questions are refused.
* BM25 over titles, questions, keywords and answers, normalised to the best entry, to break ties.

Typos are absorbed before scoring: a word unknown to the index (and not a correctly spelt English
word: "police" is not "policy") is mapped to the known words within a small edit distance
(rapidfuzz, on the few words a bigram index lets through: index.py), Khmer included, with a similarity that discounts it. Khmer is segmented with
khmercut; a Khmer word of a question that the index does not know but that is known words and stop
words run together (the segmenter leaves some runs whole: "នាំទៅ" bring + to) is read as its known
words. Synonyms (editable YAML) rewrite phrases to one form, on the knowledge base and on
questions alike.

The best entries are checked for scope (scope.py): one about another place, people or year than
the question ("a Thai passport", "remittances in Myanmar") is never the answer, only a choice
marked with what it is not about. The decision (`decide`) turns the signals, the margins over
the rivals and how likely a look-alike is (the IDF sum of the words an entry shares with the
question against the log of the number of entries: a large knowledge base of look-alike entries
holds one by chance for a question of common words, a few distinct entries do not) into a
confidence with a logistic model whose weights and threshold live in calibration.json, fitted by
fitting.py for the cost of a confident wrong answer: answer, "did you mean", or "I don't know".
"""

from __future__ import annotations

import bisect
import contextlib
import logging
import math
import os
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from .building import release_freed_memory
from .calibration import Calibration, load_calibration
from .index import EntryIndex, IndexUnreadable, SimilarWords, index_key, load_arrays, prune, save_arrays
from .romanize import RomanReader, lexicon
from .schema import Entry, KnowledgeBase
from .scope import Scope, asks_opinion, conflict, entry_years, place_forms, scope_of
from .text import KHMER_RE, STOPWORDS, english_words, general_words, normalize, segment_khmer, words

log = logging.getLogger(__name__)

_LATIN_STOPWORDS = sorted(w for w in STOPWORDS if w.isascii() and len(w) >= 3)

# Offer choices whose relevance reaches SUGGEST_AT. When to answer is the calibration's
# (knowledge/calibration.json, fitted by `diaspora-bot calibrate`).
SUGGEST_AT = 35.0
# Relevance points: when the runner-up is closer than this, the user chooses ("Did you mean"),
# unless the question is one of the top entry's own phrasings.
CLOSE_MARGIN = 1.0
MAX_SUGGESTIONS = 3
MAX_QUERY_TOKENS = 24

# Weights of the three signals.
W_PHRASE, W_COVER, W_BM25 = 0.5, 0.4, 0.1
ANSWER_COVER_DISCOUNT = 0.85
KEYWORD_FACTOR = 0.9
CANDIDATES = 200  # entries, by BM25, that the finer signals are computed for
UNKNOWN_WEIGHT = 1.5  # a word the knowledge base has never seen weighs more than its rarest word
# The chance signal, in nats: the log of how many entries would share the matched words by chance,
# bounded to this many nats either way (e^5: about 150 times more, or fewer, than one entry).
CHANCE_NATS = 5.0
NAME_FACTOR = 1.1
_NAME_END = re.compile(r"\s*[:(：៖]")
_SYLLABLE_START = re.compile("[\u1780-\u17b3]")  # a Khmer consonant or independent vowel
MAX_PART = 32  # letters: the longest Khmer word of the bundled knowledge base has 20

GREETINGS = frozenset("""
hi hello hey hiya yo good morning afternoon evening day bonjour salut bonsoir coucou allo
សួស្តី ជំរាបសួរ ជម្រាបសួរ សួស្ដី hallo sousdey suosdey sok sabay sabai
""".split())
THANKS = frozenset("""
thanks thank thx ty merci beaucoup bcp cool great អរគុណ អរគុណច្រើន orkun arkun
""".split())
# Asking for help or the menu rather than about a topic ("help", "menu", "ok", "ជំនួយ").
HELP = frozenset("""
help menu start ok okay options commands aide aider aidez menu commencer demarrer ជំនួយ ម៉ឺនុយ ចាប់ផ្តើម
jomnuoy jomnoy chomnuoy chuoy jouy
""".split())
# The conflict of every entry with a question that asks for an opinion of a person or a party.
OPINION = "opinion"
# Words naming what a question asks about so plainly that an entry that never uses them cannot
# answer it, however well it matches the rest (the synonyms' forms: consulate, ambassade, កុងស៊ុល).
SUBJECT = "subject"
_SUBJECT_TOKENS = frozenset({"embassy", "ស្ថានទូត"})
# Acronyms that are also a stop word when typed in small letters: typed in capitals, their name.
_ACRONYMS = {"moi": "ministry of interior"}
# Words that come with a greeting or thanks without asking anything ("thank you very much").
_SMALL_TALK_WORDS = GREETINGS | THANKS | HELP | frozenset("much many lot lots very so tres all everyone everybody".split())


@dataclass(frozen=True)
class Match:
    """An entry, the confidence that it answers the question (0-100), and its raw relevance (0-100)."""

    entry: Entry
    score: float
    relevance: float = 0.0
    exact: bool = False  # the question is one of the entry's own phrasings
    # A place or year the question names that the entry is not about, OPINION, or SUBJECT.
    conflict: str | None = None


@dataclass(frozen=True)
class Candidate:
    """An entry ranked for a question, with the signals its confidence is computed from."""

    entry: Entry
    relevance: float
    signals: tuple[float, ...]
    exact: bool
    conflict: str | None


@dataclass(frozen=True)
class Reading:
    """What the matcher made of a question before deciding: small talk, or ranked candidates."""

    query: str
    intent: str | None  # decided without ranking ("empty", "greeting", "thanks", "unknown"), else None
    romanized: bool
    candidates: tuple[Candidate, ...] = ()
    vague: bool = False  # the question's only known words are everyday ones ("what time is it"): never answered


@dataclass(frozen=True)
class MatchResult:
    """What the matcher made of a question.

    intent is one of: "answer" (confident), "choose" (a few entries are close, or the best one is
    about another place or time: ask), "unknown" (nothing fits), "help" (asks for help or the
    menu), "greeting", "thanks", "empty".
    """

    query: str
    intent: str
    matches: tuple[Match, ...]
    romanized: bool = False  # the question was Khmer in Latin letters

    @property
    def answered(self) -> bool:
        return self.intent == "answer"

    @property
    def best(self) -> Match | None:
        return self.matches[0] if self.matches else None

    @property
    def suggestions(self) -> tuple[Match, ...]:
        """The entries to offer besides (or instead of) the answer."""
        rest = self.matches[1:] if self.answered else self.matches
        return tuple(m for m in rest if m.relevance >= SUGGEST_AT)[:MAX_SUGGESTIONS]


class _Synonyms:
    """Rewrites every variant of a synonym group to the group's first form."""

    def __init__(self, kb: KnowledgeBase):
        latin: dict[str, str] = {}
        khmer: dict[str, str] = {}
        for groups in kb.synonyms.values():
            for group in groups:
                canonical = normalize(group[0])
                for variant in group[1:]:
                    v = normalize(variant)
                    if v and v != canonical and v not in canonical:
                        (khmer if KHMER_RE.fullmatch(v.replace(" ", "")) else latin)[v] = canonical
        self._latin = latin
        # A Khmer form also matches with spaces between its words ("ក្រសួង ការងារ"): the first
        # word is a cheap test before the pattern is tried.
        self._khmer = [(segment_khmer(v.replace(" ", ""))[0],
                        re.compile(r"\s?".join(re.escape(w) for w in segment_khmer(v.replace(" ", "")))), c)
                       for v, c in sorted(khmer.items(), key=lambda kv: -len(kv[0]))]
        # Every form of every group, for matching misspelt forms ("ប៉ាសព័រ"); spaces removed.
        self.variants = sorted({v.replace(" ", "") for v in list(latin) + list(khmer)} - {""})
        # The variants longest first, grouped by first letter (in that order within a group):
        # the same matches as one alternative per variant, with a test of the first letter
        # instead of every variant at every position (three times faster on a large KB).
        by_first: dict[str, list[str]] = {}
        for v in sorted(latin, key=len, reverse=True):
            by_first.setdefault(v[0], []).append(v)
        self._latin_re = (re.compile(r"(?<!\w)(" + "|".join(
            re.escape(first) + "(?:" + "|".join(re.escape(v[1:]) for v in group) + ")"
            for first, group in by_first.items()) + r")(?!\w)") if latin else None)

    def apply(self, normalized: str) -> str:
        if self._latin_re is not None:
            normalized = self._latin_re.sub(lambda m: self._latin[m.group(1)], normalized)
        for first, pattern, canonical in self._khmer:
            if first in normalized:
                normalized = pattern.sub(canonical, normalized)
        return normalized


class Matcher:
    """A pre-processed index of one knowledge-base revision."""

    def __init__(self, kb: KnowledgeBase, calibration: Calibration | None = None,
                 cache_dir: Path | None = None, content_hash: str | None = None,
                 previous: "Matcher | None" = None):
        """Build the index of `kb`, or read it from `cache_dir` where an earlier build stored it
        (under a name made of the content, synonyms, calibration and code: never a stale one).
        `content_hash` spares computing kb.content_hash() when the caller knows it. With
        `previous` (the matcher of an earlier revision), the entries it has unchanged are not
        tokenised again: their rows come from its index (a taught phrasing tokenises one entry)."""
        self.kb = kb
        self.calibration = calibration or load_calibration()
        self._synonyms = _Synonyms(kb)
        self._entries = kb.entries  # read by position: a packed entry is made only when it ranks
        n = len(self._entries)
        path = None
        if cache_dir is not None:
            key = index_key(content_hash or kb.content_hash(), kb.synonyms, self.calibration)
            path = Path(cache_dir) / f"{key}.npz"
        stored = self._read_index(path, n) if path is not None and path.exists() else None
        if stored is None:
            chunks: dict[str, list[str]] = {}
            runs: dict[str, int] = {}

            reuse = _reusable(previous, kb)

            def rows():
                for entry in self._entries:  # each text normalised once, for the index and the Khmer words
                    j = reuse.index(entry.id) if reuse is not None else None
                    if j is not None and reuse.entries[j] == entry:
                        _count_khmer_runs(entry, {}, runs)
                        yield previous._index.row(j)
                        continue
                    normalized: dict[str, str] = {}
                    row = self._entry_tokens(entry, chunks, normalized)
                    _count_khmer_runs(entry, normalized, runs)
                    yield row
            self._index = EntryIndex.build(rows())
            del chunks
            self._similar = SimilarWords(self._index.topic_words())
            khmer_words = _khmer_counts(runs)
            if path is not None:
                self._store_index(path, khmer_words)
            release_freed_memory()  # the build's temporaries, kept by the C allocator otherwise
        else:
            self._index, self._similar, khmer_words = stored
        self._n = max(n, 1)
        self.unknown_idf = UNKNOWN_WEIGHT * math.log(1 + self._n / 0.5)
        idfs = sorted(self._index.idf_list)
        self._common_idf = idfs[len(idfs) // 4] if idfs else 1.0  # a word of the commonest quarter
        self._vocab = self._index.vocab  # sorted
        self._vocab_set = self._index.ids  # word -> token id
        self._english = english_words()
        self._scopes: list[Scope | None] = [None] * n  # computed when an entry first ranks
        self._place_forms: list[tuple[str, frozenset[str]]] | None = None
        self._roman = RomanReader(khmer_words, {t for t in self._vocab if t.isascii()}
                                  | {v for v in self._synonyms.variants if v.isascii()}, self._english)

    def _read_index(self, path: Path, n: int) -> tuple[EntryIndex, SimilarWords, dict[str, int]] | None:
        """The index stored at `path`, or None (logged) when it cannot be used: it is then rebuilt."""
        try:
            arrays, words = load_arrays(path)
            index = EntryIndex(arrays, words["vocab"])
            index.check(n)
            # Typos are corrected towards the words of titles, questions and keywords only.
            similar = SimilarWords(index.topic_words(), ({k: arrays[k] for k in ("sim_lengths", "sim_ids", "sim_indptr")},
                                                        words["grams"]))
            khmer = words["khmer"]
            counts = arrays["khmer_counts"].tolist()
            if len(counts) != len(khmer):
                raise IndexUnreadable("the stored Khmer words do not fit their counts")
        except Exception as exc:  # noqa: BLE001 - whatever is wrong with the file, the index is rebuilt
            log.warning("stored index %s is unusable, rebuilding it: %s", path, exc)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: kept by prune()
        return index, similar, dict(zip(khmer, counts))

    def _store_index(self, path: Path, khmer_words: dict[str, int]) -> None:
        """Store the index for the next start; a failure to write only costs a rebuild then."""
        sim_arrays, grams = self._similar.stored()
        arrays = {**self._index.arrays, **sim_arrays,
                  "khmer_counts": np.array(list(khmer_words.values()), dtype=np.int64)}
        try:
            save_arrays(path, arrays, {"vocab": self._index.vocab, "grams": grams, "khmer": list(khmer_words)})
            prune(path.parent)
        except OSError as exc:
            log.warning("cannot store the index in %s: %s", path.parent, exc)

    def _entry_tokens(self, entry: Entry, chunks: dict[str, list[str]], normalized: dict[str, str] | None = None
                      ) -> tuple[list[tuple[tuple[str, ...], float]], list[str]]:
        """An entry's phrasings as (tokens, factor), and the tokens of its answers.

        `chunks` maps a space-free piece of normalised text to its tokens: `words` treats each
        piece alone, and the same pieces recur across entries, so each is segmented and stemmed
        once per build (and equal tokens are one string). `normalized`, when given, receives
        each text's normalised form."""
        if normalized is None:
            normalized = {}

        def tokens(text: str) -> list[str]:
            out: list[str] = []
            norm = normalized.get(text)
            if norm is None:
                norm = normalized[text] = normalize(text)
            for chunk in self._synonyms.apply(norm).split():
                found = chunks.get(chunk)
                if found is None:
                    found = chunks[chunk] = words(chunk)
                out.extend(found)
            return out
        # A keyword names a topic the entry touches; a title or a question is what the entry
        # answers, so a keyword match counts a little less.
        titles = [(t, tokens(t)) for t in entry.title.values()]
        phrasings = [(p, 1.0) for _, p in titles]
        # The name of the thing, before any ':' or '(' of the title ("Ministry of Interior").
        phrasings += [(p if _NAME_END.search(t) is None else tokens(_NAME_END.split(t, 1)[0]), NAME_FACTOR)
                      for t, p in titles]
        phrasings += [(tokens(q), 1.0) for qs in entry.questions.values() for q in qs]
        phrasings += [(tokens(k), KEYWORD_FACTOR) for ks in entry.keywords.values() for k in ks]
        answer = [t for text in entry.answer.values() for t in tokens(text)]
        return [(tuple(dict.fromkeys(p)), f) for p, f in phrasings if p], answer

    def _tokens(self, text: str) -> list[str]:
        return words(self._synonyms.apply(normalize(text)))

    def _query_tokens(self, question: str) -> list[str]:
        """The question's tokens, deduplicated, without misspelt stop words ("wich", "wat").

        Runs of Khmer tokens the index does not know are joined again: the segmenter cuts an
        unknown (often misspelt) word into pieces, and the whole is what resembles a known word.
        """
        out: list[str] = []
        unknown_khmer = False
        for token in self._tokens(_without_khmer_small_talk(self._join_split(question))):
            known = token in self._vocab_set
            if not known and KHMER_RE.fullmatch(token):
                if unknown_khmer:
                    out[-1] += token
                    continue
                unknown_khmer = True
                out.append(token)
                continue
            unknown_khmer = False
            if not known and token.replace(".", "").isdigit():
                continue  # "3 months", "2000 dollars": a number the knowledge base lacks says nothing of the topic
            if (not known and len(token) >= 3 and token.isascii()
                    and process.extractOne(token, _LATIN_STOPWORDS, scorer=fuzz.ratio, score_cutoff=85)):
                continue
            out.append(token)
        return list(dict.fromkeys(self._sound_alike(out)))[:MAX_QUERY_TOKENS]

    def _join_split(self, question: str) -> str:
        """Two Latin words that make one the index knows are that word ("pass port" = passport)."""
        plain = normalize(question).split()
        if len(plain) < 2:
            return question
        out: list[str] = []
        i = 0
        while i < len(plain):
            if i + 1 < len(plain) and self._one_word(plain[i], plain[i + 1]):
                out.append(plain[i] + plain[i + 1])
                i += 2
            else:
                out.append(plain[i])
                i += 1
        return " ".join(out)

    def _one_word(self, a: str, b: str) -> bool:
        ab = a + b
        if (len(a) < 2 or len(b) < 2 or not ab.isascii() or not ab.isalpha() or ab in STOPWORDS
                or (a in self._vocab_set and b in self._vocab_set)):
            return False
        parts = words(ab)
        return bool(parts) and all(w in self._vocab_set for w in parts)

    def _sound_alike(self, tokens: list[str]) -> list[str]:
        """An unknown Khmer word that sounds like a known one (or a stop word) is that word, unless
        it is an everyday word of its own (ដេញ "fire" is not ទិញ "buy")."""
        out: list[str] = []
        for token in tokens:
            if token in self._vocab_set or not KHMER_RE.fullmatch(token) or token in _everyday_khmer():
                out.append(token)
                continue
            parts = self._known_parts(token)
            if parts is not None:
                out.extend(parts)
                continue
            alike = self._roman.khmer_alike(token)
            out.extend(self._tokens(alike) if alike else [token])
        return out

    def _known_parts(self, token: str) -> list[str] | None:
        """An unknown Khmer token that is known words and stop words run together, as the segmenter
        leaves some ("នាំទៅ" bring + to, "ចង់បាន" want + get): its known words (no stop word), or
        None when it is not made of them. Each part starts a syllable (a consonant or an
        independent vowel) and is at most MAX_PART letters long (a long message costs no more than a
        short one per letter); the split with the fewest parts wins."""
        n = len(token)
        best: list[list[str] | None] = [None] * (n + 1)
        best[0] = []
        for end in range(2, n + 1):
            for start in range(end - 2, max(-1, end - MAX_PART - 1), -1):
                prefix = best[start]
                if prefix is None or not _SYLLABLE_START.match(token, start):
                    continue
                part = token[start:end]
                if (part in self._vocab_set or part in STOPWORDS) and (
                        best[end] is None or len(prefix) + 1 < len(best[end])):
                    best[end] = prefix + [part]
        if best[n] is None or len(best[n]) < 2:
            return None
        return [p for p in best[n] if p not in STOPWORDS]

    def _unknown_weight(self, token: str) -> float:
        """The weight of a word the index does not know: an everyday Khmer word (of the romanized
        lexicon: "ចាប់ផ្តើម" start) weighs like a common word of the index; any other, more than
        its rarest word ("Everest", "mortgage")."""
        if token in _everyday_khmer():
            return self._common_idf
        return self.unknown_idf

    def _asked(self, tokens: list[str]) -> list[str]:
        """The tokens that ask about something the index knows (not greeting or thanks words)."""
        return [t for t in tokens if t in self._vocab_set and t not in _SMALL_TALK_WORDS]

    def _expand(self, token: str) -> dict[str, float]:
        """Known words a query word may stand for, with a similarity in (0, 1]."""
        if token in self._vocab_set:
            return {token: 1.0}
        if len(token) < 4 or token.replace(".", "").isdigit():
            return {}
        if token in self._english:  # a correctly spelt word is not a typo of another ("police")
            return self._prefixed(token, {})
        khmer = bool(KHMER_RE.match(token))
        cutoff = 80 if len(token) >= 6 else 84
        found = self._similar.extract(token, cutoff, limit=3)
        out = {word: (score / 100.0) ** 4 for word, score in found}
        # A misspelt synonym ("ប៉ាសព័រ" for "ប៉ាស្ព័រ") stands for its group's words.
        variant = process.extractOne(token, self._synonyms.variants, scorer=fuzz.ratio, score_cutoff=cutoff)
        if variant is not None:
            for word in self._tokens(self._synonyms.variants[variant[2]]):
                if word in self._vocab_set:
                    out[word] = max(out.get(word, 0.0), (variant[1] / 100.0) ** 4)
        if len(token) >= (3 if khmer else 4):
            out = self._prefixed(token, out)
        return out

    def _prefixed(self, token: str, out: dict[str, float]) -> dict[str, float]:
        """A word cut short ("remit", "nation") also points at its longer forms; in Khmer, a word
        at the longer compounds it starts ("ជាប់" stuck -> "ជាប់គាំង" stranded)."""
        at = bisect.bisect_left(self._vocab, token)
        while at < len(self._vocab) and self._vocab[at].startswith(token) and len(out) < 6:
            word = self._vocab[at]
            if len(word) > len(token) + 1 and word not in out:
                out[word] = 0.8
            at += 1
        return out

    def rewrite(self, question: str) -> tuple[str, bool]:
        """The question as the matcher reads it: Khmer in Latin letters rewritten in Khmer script;
        in a question otherwise English or French, Khmer function words in Latin letters dropped."""
        plain = normalize(question).split()
        typed = question.split()
        # Acronyms ("MoU", "ID", "EPS") are not Khmer words, unless the whole message is in capitals.
        acronyms = frozenset(normalize(w) for w in typed if sum(c.isupper() for c in w) >= 2) \
            if any(w.isalpha() and not w.isupper() for w in typed) else frozenset()
        khmer = self._roman.read(plain, acronyms)
        if khmer is not None:
            return " ".join(khmer), True
        if acronyms & _ACRONYMS.keys():  # "MoI" is the ministry, "moi" is French for "me"
            question = " ".join(_ACRONYMS[w] if w in acronyms and w in _ACRONYMS else w for w in plain)
            plain = question.split()
        mixed = self._roman.khmer_function_words(plain, STOPWORDS)
        return (" ".join(w for w in plain if w not in mixed), False) if mixed else (question, False)

    def read(self, question: str, limit: int = 5) -> Reading:
        """Rank the entries for a question, with the signals the decision is made from."""
        plain = normalize(question).split()
        if not plain:
            return Reading(question, "empty", False)
        text, romanized = self.rewrite(question)
        tokens = self._query_tokens(text)
        asked_words = self._asked(tokens)
        general = general_words()
        vague = bool(asked_words) and all(t in general for t in asked_words) and all(
            t in self._vocab_set for t in tokens)  # a word the index lacks may name the topic: not vague
        # "help me please now", "thank you for your time": the everyday words ask about no topic.
        small_talk = _small_talk(plain + tokens, [] if vague else asked_words)  # tokens: Khmer has no spaces
        if small_talk:
            return Reading(question, small_talk, romanized)
        if not tokens:
            return Reading(question, "unknown", romanized)
        features, unknown_share, unknown_words = self.features(tokens, limit + 3)
        asked = scope_of(question)
        if romanized:  # the places named in Latin letters and those the rewriting put in Khmer
            rewritten = scope_of(text)
            asked = Scope(asked.places | rewritten.places, asked.years | rewritten.years,
                          asked.peoples | rewritten.peoples, asked.located | rewritten.located)
        ranked = sorted(features, key=lambda i: (-_combine(features[i]), i))[:limit + 3]
        if asks_opinion(question) or (romanized and asks_opinion(text)):
            conflicts = {i: OPINION for i in ranked}  # the profile judges nobody: never an answer
        else:
            conflicts = {i: conflict(asked, self._scope(i), self._entries[i].country) for i in ranked}
            # "the Cambodian embassy in Paris" is not answered by a festival in Paris.
            subjects = _SUBJECT_TOKENS.intersection(tokens)
            if subjects:
                for i in ranked:
                    if not conflicts[i] and not subjects & self._index.words_of(i):
                        conflicts[i] = SUBJECT
        # Entries about another place or time than the question go last: never the answer.
        ranked = ([i for i in ranked if not conflicts[i]] + [i for i in ranked if conflicts[i]])[:limit]
        relevance = [_combine(features[i]) for i in ranked]
        candidates = []
        for rank, i in enumerate(ranked):
            others = sorted((r for k, r in enumerate(relevance) if k != rank), reverse=True) + [0.0, 0.0]
            x = _signal_vector(features[i], relevance[rank] - others[0], relevance[rank] - others[1],
                               unknown_share, unknown_words)
            candidates.append(Candidate(self._entries[i], relevance[rank], tuple(x), features[i][0] >= 0.999,
                                        conflicts[i]))
        return Reading(question, None, romanized, tuple(candidates), vague)

    def match(self, question: str, limit: int = 5) -> MatchResult:
        """Rank entries for a question and decide: answer, choose, unknown, greeting or thanks."""
        return decide(self.read(question, limit), self.calibration)

    def _scope(self, i: int) -> Scope:
        """The places and years entry i mentions, from its indexed words (the gazetteer's forms
        tokenised like the knowledge base), its country, year and period."""
        if self._scopes[i] is None:
            words = self._index.words_of(i)
            if self._place_forms is None:
                self._place_forms = [(place, frozenset(self._tokens(form))) for place, form in place_forms()]
            places = {place for place, form in self._place_forms if form and form <= words}
            places |= scope_of(self._entries[i].country or "").places
            self._scopes[i] = Scope(frozenset(places), entry_years(self._entries[i], words))
        return self._scopes[i]

    def features(self, tokens: list[str], limit: int = 8) -> tuple[dict[int, tuple[float, ...]], float, float]:
        """(phrase, coverage, normalised BM25, missed share, second phrase, chance) of the entries that may rank in the
        top `limit`, and how much of the question the index does not know (by IDF weight, by words).

        BM25 comes from the inverted index; coverage is computed for the CANDIDATES best entries
        by BM25. The phrase signal, the costly one, is computed best-first by an upper bound (a
        phrasing's recall cannot exceed the entry's coverage) and stops once no remaining entry
        can enter the top `limit`.
        """
        index = self._index
        idf = index.idf_list
        expansions = [{index.ids[w]: sim for w, sim in self._expand(t).items()} for t in tokens]
        weights = [max((idf[w] for w in exp), default=self._unknown_weight(t)) for t, exp in zip(tokens, expansions)]
        total_w = sum(weights)
        known_w = sum(w for exp, w in zip(expansions, weights) if exp) or 1.0
        # How much of the question the knowledge base does not know (a typo counts in part).
        misses = [1.0 - max(exp.values(), default=0.0) for exp in expansions]
        unknown_share = sum(w * m for m, w in zip(misses, weights)) / total_w
        unknown_words = sum(misses) / len(misses)
        n = len(self._entries)
        scores = np.zeros(n, dtype=np.float32)
        for exp in expansions:
            for word, sim in exp.items():
                ids, ws, _ = index.postings(word)
                scores[ids] += sim * ws  # ids are unique within one posting list
        hit = np.flatnonzero(scores)
        if not len(hit):
            return {}, unknown_share, unknown_words
        if len(hit) > CANDIDATES:
            hit = hit[np.argpartition(-scores[hit], CANDIDATES)[:CANDIDATES]]
        best_bm25 = float(scores.max())
        # Per entry, the IDF-weighted share of the question its short fields and all its fields
        # use: each query word counts by its best expansion the entry has.
        q_short = np.zeros(n, dtype=np.float64)
        q_all = np.zeros(n, dtype=np.float64)
        for exp, w in zip(expansions, weights):
            if not exp:
                continue
            hit_short = np.zeros(n, dtype=np.float64)
            hit_all = np.zeros(n, dtype=np.float64)
            for word, sim in exp.items():
                ids, _, short = index.postings(word)
                hit_all[ids] = np.maximum(hit_all[ids], sim)
                ids = ids[short]
                hit_short[ids] = np.maximum(hit_short[ids], sim)
            q_short += w * hit_short
            q_all += w * hit_all
        bounds = []
        log_n = math.log(self._n)
        for i, bm, qs, qa in zip(hit.tolist(), scores[hit].tolist(), q_short[hit].tolist(), q_all[hit].tolist()):
            recall = qs / total_w
            cover = max(recall, ANSWER_COVER_DISCOUNT * qa / total_w)
            phrase_bound = min(1.0, NAME_FACTOR * 2 * recall / (1 + recall)) if recall else 0.0
            missed = max(0.0, 1.0 - qa / known_w)  # known words of the question this entry never uses
            # The matched words' IDF sum is, in nats, how rare an entry with all of them is
            # (IDF = log(N/df), words taken as independent): against log N, whether the knowledge
            # base is expected to hold such an entry by chance. A large one of look-alike entries
            # does, for a question of common words; a few distinct entries do not.
            chance = max(-1.0, min(1.0, (log_n - qa) / CHANCE_NATS))
            bounds.append((_combine((phrase_bound, cover, bm / best_bm25)), i, cover, bm / best_bm25, missed, chance))
        bounds.sort(reverse=True)
        candidates = np.zeros(n, dtype=bool)
        candidates[hit] = True
        touched = index.phrasings_with({w for exp in expansions for w in exp}, candidates)
        out: dict[int, tuple[float, ...]] = {}
        exact: list[float] = []
        for bound, i, cover, bm, missed, chance in bounds:
            if len(exact) >= limit and bound < exact[limit - 1]:
                break
            phrase, phrase2 = self._best_phrase(touched.get(i, ()), expansions, weights, total_w)
            out[i] = (phrase, cover, bm, missed, phrase2, chance)
            exact.append(_combine(out[i]))
            exact.sort(reverse=True)
        return out, unknown_share, unknown_words

    def explain(self, question: str, limit: int = 5) -> list[tuple[str, float, tuple[float, ...]]]:
        """The top entries with their score and signals (for tuning and admins' curiosity)."""
        tokens = self._query_tokens(self.rewrite(question)[0])
        feats = self.features(tokens)[0] if tokens else {}
        ranked = sorted(feats.items(), key=lambda kv: -_combine(kv[1]))[:limit]
        return [(self._entries[i].id, round(_combine(f), 1), tuple(round(x, 3) for x in f)) for i, f in ranked]

    def _best_phrase(self, phrasings, expansions: list[dict[int, float]], weights: list[float],
                     total_w: float) -> tuple[float, float]:
        """The best and second-best soft F1 between the question (its expansions, by token id) and
        one of the phrasings (ids) of an entry that share a word with it. A second phrasing close
        to the question (two ways of asking it) makes the entry surer than a lone look-alike."""
        best = second = 0.0
        index = self._index
        idf = index.idf_list
        for k in phrasings:
            pset = set(index.phrasing(k))
            recall = 0.0
            matched_p: dict[int, float] = {}
            for exp, w in zip(expansions, weights):
                hit = 0.0
                for word, s in exp.items():
                    if word in pset and s > hit:
                        hit = s
                        if matched_p.get(word, 0.0) < s:
                            matched_p[word] = s
                recall += w * hit
            if not recall:
                continue
            recall /= total_w
            precision = sum(idf[t] * s for t, s in matched_p.items()) / float(index.phr_weight[k])
            f1 = min(1.0, index.factor(k) * 2 * precision * recall / (precision + recall))
            if f1 > best:
                best, second = f1, best
            elif f1 > second:
                second = f1
        return best, second


def _reusable(previous: Matcher | None, kb: KnowledgeBase) -> KnowledgeBase | None:
    """The knowledge base of `previous`, whose index rows may serve `kb`'s equal entries (the same
    synonyms: an equal entry is then tokenised the same), or None."""
    if previous is None or previous.kb.synonyms != kb.synonyms:
        return None
    return previous.kb


@lru_cache(maxsize=1)
def _everyday_khmer() -> frozenset[str]:
    """The tokens of the romanized lexicon's Khmer words: everyday words, not topics."""
    return frozenset(t for km in lexicon() for t in words(normalize(km)))


def _count_khmer_runs(entry: Entry, normalized: dict[str, str], runs: dict[str, int]) -> None:
    """Count the runs of Khmer letters of an entry's Khmer texts into `runs` (first seen first);
    `normalized` holds texts already normalised."""
    texts = [entry.title.get("km", ""), entry.answer.get("km", "")]
    texts += list(entry.questions.get("km", ())) + list(entry.keywords.get("km", ()))
    for text in texts:
        norm = normalized.get(text)
        for run in KHMER_RE.findall(normalize(text) if norm is None else norm):
            runs[run] = runs.get(run, 0) + 1


def _khmer_counts(runs: dict[str, int]) -> dict[str, int]:
    """The words of counted Khmer runs with their counts, in the order they first occur: each
    distinct run is segmented once."""
    counts: Counter = Counter()
    for run, n in runs.items():
        for word in segment_khmer(run):
            counts[word] += n
    return counts


def _small_talk(plain: list[str], known_tokens: list[str]) -> str | None:
    """ "help", "greeting" or "thanks" when the message says that and asks about nothing the KB knows."""
    if known_tokens:
        return None
    for intent, said, khmer in _SMALL_TALK:
        # Khmer runs words together: "សួស្តីបង" is a greeting.
        if any(w in said or (KHMER_RE.match(w) and w.startswith(khmer)) for w in plain):
            return intent
    return None


def _khmer_forms(said: frozenset[str]) -> tuple[str, ...]:
    """The Khmer words of a small-talk list, normalised, longest first."""
    return tuple(sorted({normalize(w) for w in said if KHMER_RE.match(w)}, key=len, reverse=True))


# Each small-talk intent with its words and their Khmer forms (which may start a longer run).
_SMALL_TALK = tuple((intent, said, _khmer_forms(said))
                    for intent, said in (("help", HELP), ("thanks", THANKS), ("greeting", GREETINGS)))
_KHMER_GREETINGS_AND_THANKS = _khmer_forms(GREETINGS | THANKS)


def _without_khmer_small_talk(text: str) -> str:
    """The text without Khmer greetings and thanks ("សួស្តី", "អរគុណ"), which the segmenter would
    cut into words that ask about something ("សួរ" ask); in Latin letters they are stop words."""
    if not KHMER_RE.search(text):
        return text
    text = normalize(text)
    for form in _KHMER_GREETINGS_AND_THANKS:
        text = text.replace(form, " ")
    return text


def _combine(features: tuple[float, ...]) -> float:
    phrase, cover, bm25 = features[:3]
    return 100.0 * (W_PHRASE * phrase + W_COVER * cover + W_BM25 * bm25)


def _signal_vector(features: tuple[float, ...], margin: float, spread: float, unknown_share: float,
                   unknown_words: float) -> list[float]:
    """The confidence model's inputs. `margin` is the lead over the best rival; `spread`, over the
    second-best: where many entries match about as well (a large knowledge base of look-alike
    entries), none of them is outstanding, whatever its own signals. The last input is the
    entry's second-best phrasing, then the chance of a look-alike (see `features`): the same signals
    mean less in a knowledge base large enough to hold an entry with those words by chance."""
    phrase, cover, bm25, missed, phrase2, chance = features
    return [phrase, cover, bm25, margin / 100.0, unknown_share, unknown_words, phrase * cover, missed,
            spread / 100.0, phrase2, chance]


def decide(reading: Reading, calibration: Calibration) -> MatchResult:
    """Answer, offer choices, or say it does not know, from a reading and a calibration.

    The top entry is the answer when its confidence reaches the calibration's threshold, it has
    no scope conflict, the question names more than everyday words, and no runner-up is about as
    relevant (unless the question is one of its own phrasings). Otherwise the relevant entries are
    offered as choices, or nothing fits.
    """
    if reading.intent:
        return MatchResult(reading.query, reading.intent, (), reading.romanized)
    matches = tuple(Match(c.entry, round(100 * calibration.confidence(c.signals), 1), round(c.relevance, 1),
                          c.exact, c.conflict) for c in reading.candidates)
    if not matches:
        return MatchResult(reading.query, "unknown", (), reading.romanized)
    top = matches[0]
    close = len(matches) > 1 and top.relevance - matches[1].relevance < CLOSE_MARGIN
    if top.score >= calibration.answer_at and not top.conflict and not reading.vague and (not close or top.exact):
        intent = "answer"
    elif top.relevance >= SUGGEST_AT:
        intent = "choose"
    else:
        intent = "unknown"
    return MatchResult(reading.query, intent, matches, reading.romanized)
