"""Match a question to knowledge-base entries and say how confident the match is.

The index is built once per knowledge-base revision. A question is scored against every entry
that shares a (possibly misspelt) word with it, by three signals:

* phrase: the best soft F1 between the question and one of the entry's titles, alternate
  questions or keywords, words weighted by rarity (IDF). Strong for paraphrases of a phrasing.
* coverage: how much of the question (IDF-weighted) the entry's short fields, or its answer,
  account for. A question with words the knowledge base has never seen ("Everest", "pizza")
  keeps a low coverage everywhere, which is how out-of-scope questions are refused.
* BM25 over titles, questions, keywords and answers, normalised to the best entry, to break ties.

Typos are absorbed before scoring: a word unknown to the index is mapped to the known words
within a small edit distance (rapidfuzz), Khmer included, with a similarity that discounts it.
Khmer is segmented with khmercut. Synonyms (editable YAML) rewrite phrases to one form, on the
knowledge base and on questions alike.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from .schema import Entry, KnowledgeBase
from .text import KHMER_RE, normalize, words

# Confidence thresholds on the 0-100 score (calibrated on tests/data/questions.yaml).
ANSWER_AT = 55.0
SUGGEST_AT = 35.0
CLOSE_MARGIN = 4.0
MAX_SUGGESTIONS = 3
MAX_QUERY_TOKENS = 24

# Weights of the three signals.
W_PHRASE, W_COVER, W_BM25 = 0.5, 0.4, 0.1
ANSWER_COVER_DISCOUNT = 0.85

GREETINGS = frozenset("""
hi hello hey hiya yo good morning afternoon evening day bonjour salut bonsoir coucou allo
សួស្តី ជំរាបសួរ ជម្រាបសួរ សួស្ដី hallo sousdey suosdey sok sabay sabai
""".split())
THANKS = frozenset("""
thanks thank you thx ty merci beaucoup bcp ok okay cool great អរគុណ អរគុណច្រើន orkun arkun
""".split())


@dataclass(frozen=True)
class Match:
    """An entry and its confidence score (0-100)."""

    entry: Entry
    score: float


@dataclass(frozen=True)
class MatchResult:
    """What the matcher made of a question.

    intent is one of: "answer" (confident), "choose" (a few entries are close: ask),
    "unknown" (nothing fits), "greeting", "thanks", "empty".
    """

    query: str
    intent: str
    matches: tuple[Match, ...]

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
        return tuple(m for m in rest if m.score >= SUGGEST_AT)[:MAX_SUGGESTIONS]


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
        self._khmer = sorted(khmer.items(), key=lambda kv: -len(kv[0]))
        self._latin_re = (re.compile(r"(?<!\w)(" + "|".join(
            re.escape(v) for v in sorted(latin, key=len, reverse=True)) + r")(?!\w)") if latin else None)

    def apply(self, normalized: str) -> str:
        if self._latin_re is not None:
            normalized = self._latin_re.sub(lambda m: self._latin[m.group(1)], normalized)
        for variant, canonical in self._khmer:
            if variant in normalized:
                normalized = normalized.replace(variant, canonical)
        return normalized


class Matcher:
    """A pre-processed index of one knowledge-base revision."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self._synonyms = _Synonyms(kb)
        self._entries = list(kb.entries)
        n = len(self._entries)
        short_sets: list[set[str]] = []
        all_counts: list[Counter] = []
        self._phrasings: list[list[tuple[tuple[str, ...], float]]] = []
        df: Counter = Counter()
        raw_phrasings: list[list[tuple[str, ...]]] = []
        for entry in self._entries:
            phrasings = []
            for lang_texts in (entry.title, ):
                phrasings.extend(self._tokens(t) for t in lang_texts.values())
            for qs in entry.questions.values():
                phrasings.extend(self._tokens(q) for q in qs)
            for ks in entry.keywords.values():
                phrasings.extend(self._tokens(k) for k in ks)
            phrasings = [tuple(dict.fromkeys(p)) for p in phrasings if p]
            raw_phrasings.append(phrasings)
            short = set().union(*phrasings) if phrasings else set()
            counts = Counter(t for p in phrasings for t in p)
            for text in entry.answer.values():
                counts.update(self._tokens(text))
            short_sets.append(short)
            all_counts.append(counts)
            df.update(set(counts))
        self._n = max(n, 1)
        self._idf = {t: math.log(1 + self._n / d) for t, d in df.items()}
        self.unknown_idf = math.log(1 + self._n / 0.5)
        self._short = short_sets
        self._all = [set(c) for c in all_counts]
        for phrasings in raw_phrasings:
            self._phrasings.append([(p, sum(self._idf[t] for t in p)) for p in phrasings])
        # Inverted index over all fields, with BM25 term weights precomputed.
        lengths = [sum(c.values()) for c in all_counts]
        avg = sum(lengths) / self._n if lengths else 1.0
        k1, b = 1.2, 0.75
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, counts in enumerate(all_counts):
            norm = k1 * (1 - b + b * lengths[i] / avg)
            for t, tf in counts.items():
                self._postings[t].append((i, self._idf[t] * tf * (k1 + 1) / (tf + norm)))
        self._vocab = list(self._idf)
        self._vocab_set = set(self._vocab)

    def _tokens(self, text: str) -> list[str]:
        return words(self._synonyms.apply(normalize(text)))

    def _expand(self, token: str) -> dict[str, float]:
        """Known words a query word may stand for, with a similarity in (0, 1]."""
        if token in self._vocab_set:
            return {token: 1.0}
        if len(token) < 3 or token.replace(".", "").isdigit():
            return {}
        khmer = bool(KHMER_RE.match(token))
        cutoff = 70 if khmer else (80 if len(token) >= 6 else 84)
        found = process.extract(token, self._vocab, scorer=fuzz.ratio, score_cutoff=cutoff, limit=3)
        out = {word: (score / 100.0) ** 2 for word, score, _ in found}
        if not khmer and len(token) >= 4:
            # A word cut short ("remit", "nation") still points at its longer forms.
            for word in self._vocab:
                if len(word) > len(token) + 1 and word.startswith(token) and word not in out:
                    out[word] = 0.8
                    if len(out) >= 6:
                        break
        return out

    def match(self, question: str, limit: int = 5) -> MatchResult:
        """Rank entries for a question and decide: answer, choose, unknown, greeting or thanks."""
        normalized = normalize(question)
        plain = normalized.split()
        if not plain:
            return MatchResult(question, "empty", ())
        tokens = list(dict.fromkeys(self._tokens(question)))[:MAX_QUERY_TOKENS]
        small_talk = _small_talk(plain, tokens)
        if small_talk:
            return MatchResult(question, small_talk, ())
        if not tokens:
            return MatchResult(question, "unknown", ())
        expansions = [self._expand(t) for t in tokens]
        weights = [max((self._idf[w] for w in exp), default=self.unknown_idf) for exp in expansions]
        total_w = sum(weights)
        # Gather candidates and BM25 through the inverted index.
        bm25: dict[int, float] = defaultdict(float)
        for exp in expansions:
            for word, sim in exp.items():
                for i, weight in self._postings[word]:
                    bm25[i] += sim * weight
        if not bm25:
            return MatchResult(question, "unknown", ())
        best_bm25 = max(bm25.values())
        scored: list[tuple[float, int]] = []
        for i, bm in bm25.items():
            short, every = self._short[i], self._all[i]
            q_short = q_all = 0.0
            for exp, w in zip(expansions, weights):
                q_short += w * max((s for word, s in exp.items() if word in short), default=0.0)
                q_all += w * max((s for word, s in exp.items() if word in every), default=0.0)
            cover = max(q_short, ANSWER_COVER_DISCOUNT * q_all) / total_w
            phrase = self._best_phrase(i, expansions, weights, total_w)
            score = 100.0 * (W_PHRASE * phrase + W_COVER * cover + W_BM25 * bm / best_bm25)
            scored.append((score, i))
        scored.sort(key=lambda si: (-si[0], si[1]))
        matches = tuple(Match(self._entries[i], round(s, 1)) for s, i in scored[:limit])
        return MatchResult(question, _decide(matches), matches)

    def _best_phrase(self, i: int, expansions: list[dict[str, float]], weights: list[float],
                     total_w: float) -> float:
        best = 0.0
        for phrasing, p_weight in self._phrasings[i]:
            pset = set(phrasing)
            recall = 0.0
            matched_p: dict[str, float] = {}
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
            precision = sum(self._idf[t] * s for t, s in matched_p.items()) / p_weight
            f1 = 2 * precision * recall / (precision + recall)
            if f1 > best:
                best = f1
        return best


def _small_talk(plain: list[str], tokens: list[str]) -> str | None:
    """ "greeting" or "thanks" when the message is nothing but that."""
    rest = [w for w in plain if w not in GREETINGS and w not in THANKS]
    if rest and tokens:
        return None
    if any(w in THANKS for w in plain):
        return "thanks"
    if any(w in GREETINGS for w in plain):
        return "greeting"
    return None


def _decide(matches: tuple[Match, ...]) -> str:
    if not matches or matches[0].score < SUGGEST_AT:
        return "unknown"
    top = matches[0].score
    second = matches[1].score if len(matches) > 1 else 0.0
    if top >= ANSWER_AT and (top - second >= CLOSE_MARGIN or top >= ANSWER_AT + 20):
        return "answer"
    return "choose"
