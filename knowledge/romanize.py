"""Khmer typed in Latin letters ("knhom chong tov thveu ka nov korea").

Most Cambodians write Khmer on their phones in Latin letters, each in their own spelling: the same
word comes as "thveu", "tveu", "twer" or "thver". Two things meet such a question halfway:

* a phonetic key that folds the usual variants of a spelling into one string: aspirates
  (kh/k, th/t, ph/p, chh/ch), voiced and unvoiced pairs (b/p, d/t, g/k, j/ch), v/w, doubled
  letters, silent finals (the r of "kar", the v of "tov"), and vowel spellings into three
  classes (a; e, ae, i, ei, ey; o, u, ou, au...). Keys of two spellings are compared by edit
  distance, so a variant the folding misses still lands near;
* the Khmer side in Latin letters: a rule-based romanizer turns the knowledge base's Khmer words
  into the popular spelling (consonant series, inherent vowels, subscripts, finals), and a small
  lexicon (`romanized.yaml`) gives everyday words of this domain with the spellings people use.

`RomanReader` puts both together: it decides whether a Latin-script question reads as Khmer, and
rewrites it in Khmer script, which the matcher then treats like any Khmer question.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

from .text import STOPWORDS

_HERE = Path(__file__).parent
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it: 10x faster
_DIGITS_APART = re.compile(r"\d+(?:\.\d+)?|[^\d]+")
# English and French function words: a question with more of them than Khmer words is not Khmer.
_FUNCTION_WORDS = frozenset(w for w in STOPWORDS if w.isascii())

# Consonants: (initial, final, series) where series 1 is the a-series and 2 the o-series.
_CONSONANTS = {
    "ក": ("k", "k", 1), "ខ": ("kh", "k", 1), "គ": ("k", "k", 2), "ឃ": ("kh", "k", 2),
    "ង": ("ng", "ng", 2), "ច": ("ch", "ch", 1), "ឆ": ("chh", "ch", 1), "ជ": ("ch", "ch", 2),
    "ឈ": ("chh", "ch", 2), "ញ": ("nh", "nh", 2), "ដ": ("d", "t", 1), "ឋ": ("th", "t", 1),
    "ឌ": ("d", "t", 2), "ឍ": ("th", "t", 2), "ណ": ("n", "n", 1), "ត": ("t", "t", 1),
    "ថ": ("th", "t", 1), "ទ": ("t", "t", 2), "ធ": ("th", "t", 2), "ន": ("n", "n", 2),
    "ប": ("b", "p", 1), "ផ": ("ph", "p", 1), "ព": ("p", "p", 2), "ភ": ("ph", "p", 2),
    "ម": ("m", "m", 2), "យ": ("y", "y", 2), "រ": ("r", "r", 2), "ល": ("l", "l", 2),
    "វ": ("v", "v", 2), "ឝ": ("s", "s", 1), "ឞ": ("s", "s", 1), "ស": ("s", "s", 1),
    "ហ": ("h", "h", 1), "ឡ": ("l", "l", 1), "អ": ("", "", 1),
}
_INDEPENDENT = {
    "ឥ": "e", "ឦ": "ei", "ឧ": "o", "ឩ": "ou", "ឪ": "ov", "ឫ": "rue", "ឬ": "rue", "ឭ": "lue",
    "ឮ": "lue", "ឯ": "ae", "ឰ": "ai", "ឱ": "ao", "ឲ": "ao", "ឳ": "au", "ឣ": "a", "ឤ": "a",
}
# Dependent vowels: (a-series, o-series).
_VOWELS = {
    "ា": ("a", "ea"), "ិ": ("e", "i"), "ី": ("ei", "i"), "ឹ": ("oe", "ue"), "ឺ": ("eu", "eu"),
    "ុ": ("o", "u"), "ូ": ("ou", "ou"), "ួ": ("uo", "uo"), "ើ": ("aeu", "eu"), "ឿ": ("oea", "oea"),
    "ៀ": ("ie", "ie"), "េ": ("e", "e"), "ែ": ("ae", "ae"), "ៃ": ("ai", "ey"), "ោ": ("ao", "o"),
    "ៅ": ("au", "ov"),
}
_COENG = "\u17d2"
_NIKAHIT = "\u17c6"  # ំ
_REAHMUK = "\u17c7"  # ះ
_TO_A, _TO_O = "\u17c9", "\u17ca"  # ៉ ៊ register shifters
_BANTOC = "\u17cb"  # ់


def romanize_khmer(word: str) -> str:
    """A popular Latin spelling of a Khmer word ("ធ្វើការ" -> "thveukar", "ខ្ញុំ" -> "khnhom").

    Syllable by syllable: an initial consonant (with its subscripts) sets the series, a vowel
    sign is read in that series, a consonant after the vowel closes the syllable, and a syllable
    with no vowel sign carries the inherent vowel ("a" when open, "o" before ng).
    """
    out: list[str] = []
    chars = list(word)
    n = len(chars)
    i = 0
    series = 1
    nucleus = False  # the current syllable has its vowel
    closed = True  # no syllable is open: the next consonant starts one

    def peek(k: int) -> str:
        return chars[k] if k < n else ""

    while i < n:
        ch = chars[i]
        if ch in _CONSONANTS:
            initial, final, own = _CONSONANTS[ch]
            nxt = peek(i + 1)
            # It starts a syllable when a vowel follows, or when the next consonant is a final
            # marked by the bantoc ("ត្រឡប់": tra-lob).
            starts = (nxt in _VOWELS or nxt in (_TO_A, _TO_O, _NIKAHIT, _REAHMUK)
                      or (nxt in _CONSONANTS and peek(i + 2) == _BANTOC))
            if not closed and not starts:  # it closes the open syllable (a subscript after it starts the next)
                if not nucleus:
                    out.append(_inherent(series, closing=ch, bantoc=peek(i + 1) == _BANTOC))
                out.append(final)
                closed, nucleus = True, False
                i += 1
                continue
            if not closed and not nucleus:
                out.append(_inherent(series, closing=""))  # the previous onset had no vowel
            out.append(initial)
            series, closed, nucleus = own, False, False
            i += 1
            while peek(i) == _COENG and peek(i + 1) in _CONSONANTS:  # subscripts: a cluster
                out.append(_CONSONANTS[peek(i + 1)][0])
                i += 2
            continue
        if ch == _COENG:  # a subscript after a closed syllable starts the next one
            sub = peek(i + 1)
            if sub in _CONSONANTS:
                out.append(_CONSONANTS[sub][0])
                series, closed, nucleus = _CONSONANTS[sub][2], False, False
                i += 2
                continue
        elif ch == _TO_A:
            series = 1
        elif ch == _TO_O:
            series = 2
        elif ch in _VOWELS:
            a, o = _VOWELS[ch]
            vowel = a if series == 1 else o
            if peek(i + 1) == _NIKAHIT:
                vowel = {"a": "am", "ea": "oam", "o": "om", "u": "um"}.get(vowel, vowel + "m")
                i += 1
            elif peek(i + 1) == _REAHMUK:
                vowel += "h"
                i += 1
            out.append(vowel)
            nucleus = True
        elif ch == _NIKAHIT:
            out.append("am" if series == 1 else "um")
            nucleus = True
        elif ch == _REAHMUK:
            out.append("ah" if series == 1 else "eah")
            nucleus = True
        elif ch in _INDEPENDENT:
            out.append(_INDEPENDENT[ch])
            series, closed, nucleus = 1, False, True
        i += 1
    if not closed and not nucleus:
        out.append(_inherent(series, closing=""))
    return "".join(out)


def _inherent(series: int, closing: str, bantoc: bool = False) -> str:
    """The inherent vowel as people spell it: "o" before ng, a silent final r ("ករ" kor, "បរទេស"
    bortes) or a final marked short by the bantoc ("ដល់" dol, "ផ្តល់" pdol); else by series."""
    if closing in ("ង", "រ") or bantoc:
        return "o"
    return "a" if series == 1 else "o"


_DIGRAPHS = (("chh", "ch"), ("kh", "k"), ("th", "t"), ("ph", "p"), ("sh", "s"), ("gn", "nh"), ("ny", "nh"))
_LETTERS = str.maketrans({"j": "c", "w": "v", "b": "p", "d": "t", "f": "p", "q": "k", "x": "s", "z": "s"})
_NOT_LETTER = re.compile(r"[^a-z]")
_VOWEL_RUN = re.compile(r"[aeiou]+")


@lru_cache(maxsize=20_000)
def phonetic_key(latin: str) -> str:
    """Fold a Latin spelling of Khmer into a key shared by its usual variants.

    "thveu", "tveu", "twer" and "thver" -> "tve"; "luy", "loy", "louy" -> "lo"; "khe", "khae" -> "ke".
    """
    s = _NOT_LETTER.sub("", latin.lower())
    for a, b in _DIGRAPHS:
        s = s.replace(a, b)
    s = s.translate(_LETTERS)
    s = re.sub(r"c(?!h)", "ch", s)  # j and a bare c are ch
    s = re.sub(r"(?<!n)g", "k", s)
    s = re.sub(r"(?<=[aeiou])y", "i", s)  # a y after a vowel is part of it (tlay = tlai)
    s = re.sub(r"(?<=[aeiou])[rvh]+$", "", s)  # silent finals: kar = ka, tov = to, khmae(r)
    s = _VOWEL_RUN.sub(lambda m: _vowel_class(m.group()), s)
    return _undouble(s)


def _undouble(s: str) -> str:
    return re.sub(r"(.)\1+", r"\1", s)


def joined_key(spellings: list[str]) -> str:
    """The key of words typed apart or run together ("prak khe" = "prakkhe")."""
    return _undouble("".join(phonetic_key(s) for s in spellings))


def _vowel_class(run: str) -> str:
    if run.startswith(("ea", "ia", "ie")):  # មាន "mean"/"mien" is not មិន "men"
        return "a"
    if run.startswith("ae") or run[0] in "ei":
        return "e"
    return "a" if run[0] == "a" else "o"


def load_lexicon(path: Path = _HERE / "romanized.yaml") -> dict[str, list[str]]:
    """Khmer word -> the Latin spellings people type for it."""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER) or {}
    return {km: [str(v) for v in variants] for km, variants in (data.get("words") or {}).items()}


@lru_cache(maxsize=1)
def lexicon() -> dict[str, list[str]]:
    """The bundled lexicon, read once per process."""
    return load_lexicon()


@lru_cache(maxsize=1)
def _lexicon_keys() -> tuple[dict[str, str], int]:
    """Phonetic key of every spelling in the lexicon (words joined) -> its Khmer word; longest span."""
    keys: dict[str, str] = {}
    longest = 1
    for km, variants in lexicon().items():
        for variant in variants:
            parts = variant.split()
            longest = max(longest, len(parts))
            keys.setdefault(joined_key(parts), km)
        keys.setdefault(phonetic_key(romanize_khmer(km)), km)
    return keys, longest


@lru_cache(maxsize=1)
def _lexicon_spellings() -> dict[str, str]:
    """Every spelling of the lexicon, as typed (words joined by one space) -> its Khmer word.

    An exact spelling is read before any key: two words may share a key ("thai" and "dai"), but
    a spelling people type for one of them names it."""
    out: dict[str, str] = {}
    for km, variants in lexicon().items():
        for variant in variants:
            out.setdefault(" ".join(variant.lower().split()), km)
    return out


class RomanReader:
    """Reads a question in Latin letters as Khmer, against one knowledge base's Khmer words."""

    def __init__(self, khmer_words: dict[str, int], latin_vocab: set[str], english_words: frozenset[str]):
        # Phonetic key -> the most frequent Khmer word of the knowledge base with that key.
        by_key: dict[str, tuple[int, str]] = {}
        for word, count in khmer_words.items():
            key = phonetic_key(romanize_khmer(word))
            if len(key) >= 2 and count > by_key.get(key, (0, ""))[0]:
                by_key[key] = (count, word)
        # The lexicon's spellings come first: they are the words as people type them.
        self._vocab_keys = {k: w for k, (_, w) in by_key.items()} | _lexicon_keys()[0]
        self._vocab_key_list = list(self._vocab_keys)
        self._latin_vocab = latin_vocab
        self._english = english_words

    def read(self, tokens: list[str], keep: frozenset[str] = frozenset()) -> list[str] | None:
        """The tokens rewritten in Khmer script when they read as Khmer in Latin letters, else None.

        They read as Khmer when more of them are surely Khmer (a spelling of the lexicon, or of a
        Khmer word of the knowledge base, that is not an English word or a Latin word of the
        knowledge base) than are English or French function words. Tokens in `keep` (acronyms
        such as "MoU", "ID") stay as they are.
        """
        tokens = [part for t in tokens for part in _DIGITS_APART.findall(t)]  # "2khe" = "2 khe"
        other = sum(t in _FUNCTION_WORDS for t in tokens)
        if other or not any(t.isalpha() and not self._known_latin(t) for t in tokens):
            if self._surely_khmer(tokens) <= other:  # most questions stop here, without fuzzy matching
                return None
        rewritten, sure = self._rewrite(tokens, keep)
        return rewritten if sure >= 1 and sure > other else None

    def khmer_function_words(self, tokens: list[str], stopwords: frozenset[str]) -> set[str]:
        """The tokens of a question otherwise in English or French that are Khmer function words
        typed in Latin letters ("dual citizenship khmer ban te": "ban", "te"), when there are at
        least two of them: a code-mixed question. They say nothing of the topic."""
        spellings = _lexicon_spellings()
        found = {t for t in tokens if t not in _FUNCTION_WORDS and spellings.get(t) in stopwords}
        return found if len(found) >= 2 else set()

    def _surely_khmer(self, tokens: list[str]) -> int:
        """An upper bound of the tokens `_rewrite` counts as surely Khmer, by exact look-ups only."""
        lexicon, longest = _lexicon_keys()
        n = 0
        for i, token in enumerate(tokens):
            if self._known_latin(token) or not token.isalpha():
                continue
            key = phonetic_key(token)
            if key in self._vocab_keys or any(joined_key(tokens[j:j + span]) in lexicon
                                               for span in range(2, longest + 1)
                                               for j in range(max(0, i - span + 1), i + 1) if j + span <= len(tokens)):
                n += 1
        return n

    def _rewrite(self, tokens: list[str], keep: frozenset[str] = frozenset()) -> tuple[list[str], int]:
        sure = 0
        lexicon, longest = _lexicon_keys()
        spellings = _lexicon_spellings()
        keys = [phonetic_key(t) if t.isalpha() and t not in keep else "" for t in tokens]
        out: list[str] = []
        i = 0
        while i < len(tokens):
            for span in range(min(longest, len(tokens) - i), 0, -1):
                if all(keys[i:i + span]):
                    typed = " ".join(tokens[i:i + span])
                    joined = joined_key(tokens[i:i + span])
                    if typed in spellings or joined in lexicon:
                        out.append(spellings.get(typed) or lexicon[joined])
                        sure += sum(t not in self._english and t not in self._latin_vocab for t in tokens[i:i + span])
                        i += span
                        break
            else:
                word = self._word(keys[i], tokens[i])
                if word != tokens[i] and (keys[i] in self._vocab_keys or len(keys[i]) >= 6):
                    sure += 1  # an exact spelling, or a long word close to one
                if (word == tokens[i] and i + 1 < len(tokens) and keys[i] and keys[i + 1]
                        and not self._known_latin(tokens[i]) and not self._known_latin(tokens[i + 1])):
                    both = tokens[i] + tokens[i + 1]
                    pair = self._word(joined_key(tokens[i:i + 2]), both, 90)
                    if pair != both:  # a word typed in two parts ("kech prom")
                        out.append(pair)
                        i += 2
                        continue
                out.append(word)
                i += 1
        return out, sure

    def khmer_alike(self, word: str) -> str | None:
        """The knowledge base's (or the lexicon's) Khmer word that a misspelt Khmer word sounds
        like ("មិច" = "ម៉េច", "សុវត្តិភាព" = "សុវត្ថិភាព"), by their romanized keys."""
        return self._vocab_keys.get(phonetic_key(romanize_khmer(word)))

    def _known_latin(self, token: str) -> bool:
        return token in self._latin_vocab or token in self._english

    def _word(self, key: str, token: str, cutoff: int = 80) -> str:
        """The knowledge base's Khmer word this Latin token spells, else the token itself."""
        if not key or self._known_latin(token):
            return token  # a number, or an English word ("passport", "boss")
        if key in self._vocab_keys:
            return self._vocab_keys[key]
        if len(key) >= 5:  # short keys are too alike to guess ("tola" is not "tla")
            found = process.extractOne(key, self._vocab_key_list, scorer=fuzz.ratio, score_cutoff=cutoff)
            if found is not None:
                return self._vocab_keys[found[0]]
        return token
