"""Text normalisation and tokenisation shared by the knowledge base and the queries.

The same functions run over the knowledge base when the index is built and over every question,
so that a Khmer word spelled with either form of the subscript letter, a French word typed without
accents or an English plural all meet the same token.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

import khmercut

LANGS = ("en", "km", "fr")

# Zero-width characters that Khmer typists insert (or not) between words.
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
# The subscript DA (្ដ) and subscript TA (្ត) are written interchangeably; unify on ្ត.
_COENG_DA = "\u17d2\u178a"
_COENG_TA = "\u17d2\u178f"
_KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")


def _latin_fold_table() -> dict[int, str]:
    """Map accented Latin letters to their base letter (é -> e, ç -> c, œ -> oe)."""
    table: dict[int, str] = {}
    for code in range(0xC0, 0x250):
        ch = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        if base != ch and base.isascii():
            table[code] = base
    table.update({ord("œ"): "oe", ord("æ"): "ae", ord("ß"): "ss", ord("’"): "'", ord("‘"): "'"})
    return table


_LATIN_FOLD = _latin_fold_table()
# `str.translate` looks every character up; these find the few characters a table changes, so a
# text without any (most of them) is left as it is at the speed of a regex scan.
_ZERO_WIDTH_RE = re.compile("[" + "".join(map(chr, _ZERO_WIDTH)) + "]")
_LATIN_FOLD_RE = re.compile("[" + "".join(map(chr, sorted(_LATIN_FOLD))) + "]")
_KHMER_DIGITS_RE = re.compile("[០-៩]")


def _fold(text: str) -> str:
    """`text.translate(_LATIN_FOLD).translate(_KHMER_DIGITS)`, faster."""
    if not text.isascii():
        if _LATIN_FOLD_RE.search(text):
            text = text.translate(_LATIN_FOLD)
        if _KHMER_DIGITS_RE.search(text):
            text = text.translate(_KHMER_DIGITS)
    return text

KHMER_RE = re.compile(r"[\u1780-\u17ff\u19e0-\u19ff]+")
_HAS_KHMER = re.compile(r"[\u1780-\u17ff]")
# Anything that is not a letter, a digit, Khmer, or a few signs that carry meaning in a question.
_SEPARATORS = re.compile(r"[^\w\u1780-\u17dd\u17e0-\u17e9\u19e0-\u19ff.]+")
# 2,782 and 375 635 -> 2782, 375635. The look-behind after the separator (the digit before it),
# so that the search skips to separators instead of testing every position.
_THOUSANDS = re.compile(r"[,\u00a0\u202f ](?<=\d.)(?=\d{3}\b)")
_KHMER_PUNCT = re.compile(r"[\u17d4-\u17da\u17dc]")  # ។ ៕ ៖ ៗ ៘ ៙ ៚ ៜ
_DOTS = re.compile(r"\.(?:(?<!\d\.)|(?!\d))")  # keep the dot of 8.76, drop a full stop


# Signs typed in the wrong order or in two parts, as they look alike on screen: the two-part
# vowels (េ + ា = ោ, េ + ី = ើ), the register shifter after the vowel instead of before it,
# ្រ typed before the other subscript (ស្រ្តី = ស្ត្រី), a subscript sign typed twice.
_KHMER_SIGNS = (("\u17c1\u17b6", "\u17c4"), ("\u17c1\u17b8", "\u17be"), ("\u17bb\u17c9", "\u17c9\u17bb"),
                ("\u17b7\u17c9", "\u17c9\u17b7"), ("\u17bb\u17ca", "\u17ca\u17bb"), ("\u17d2\u179a\u17d2\u178f", "\u17d2\u178f\u17d2\u179a"),
                ("\u17d2\u17d2", "\u17d2"))
# Old and common spellings of everyday words, and the spelling the knowledge base uses.
_KHMER_SPELLINGS = (("តំលៃ", "តម្លៃ"), ("សំរាប់", "សម្រាប់"), ("អោយ", "ឲ្យ"), ("ឱ្យ", "ឲ្យ"), ("ជំរាប", "ជម្រាប"),
                    ("កំលាំង", "កម្លាំង"), ("សំរេច", "សម្រេច"), ("ចំលើយ", "ចម្លើយ"), ("បំរើ", "បម្រើ"),
                    ("ជំរើស", "ជម្រើស"), ("សំរួល", "សម្រួល"), ("តំរូវ", "តម្រូវ"), ("ឲ", "ឲ្យ"),
                    ("សំគាល់", "សម្គាល់"), ("ត្រលប់", "ត្រឡប់"), ("សំរាក", "សម្រាក"),
                    ("ចំរើន", "ចម្រើន"), ("កំរិត", "កម្រិត"), ("សំលៀក", "សម្លៀក"), ("ចំលង", "ចម្លង"))
_DOUBLED_SUBSCRIPT = re.compile("(\u17d2[\u1780-\u17a2])\\1+")
# A vowel sign typed before the subscript it sits beside ("ប៉ុនា្មន" for "ប៉ុន្មាន"): in Khmer a
# subscript always follows its consonant directly.
_VOWEL_BEFORE_SUBSCRIPT = re.compile("([\u17b6-\u17c5])(\u17d2[\u1780-\u17a2])")
# ុ typed for the register shifter under an upper vowel ("ម៉ាឡេសុី" for "ម៉ាឡេស៊ី"): the two look
# alike there, and ុ never precedes another vowel. The shifter is ៉ on the o-series sonorants
# and ៊ on the others.
_U_FOR_SHIFTER = re.compile("([\u1780-\u17a2])\u17bb([\u17b7-\u17ba\u17be])")
_MUUSIKATOAN_ON = frozenset("ងញមយរវនល")


def normalize_khmer(text: str) -> str:
    """NFC, without zero-width characters, with one spelling of the subscript letter, signs in
    their order, and one spelling of words commonly written two ways (តំលៃ/តម្លៃ, អោយ/ឲ្យ)."""
    text = unicodedata.normalize("NFC", text)
    if _ZERO_WIDTH_RE.search(text):
        text = text.translate(_ZERO_WIDTH)
    text = text.replace(_COENG_DA, _COENG_TA)
    if not _HAS_KHMER.search(text):
        return text
    for wrong, right in _KHMER_SIGNS:
        text = text.replace(wrong, right)
    text = _DOUBLED_SUBSCRIPT.sub(r"\1", text)
    text = _VOWEL_BEFORE_SUBSCRIPT.sub(r"\2\1", text)
    text = _U_FOR_SHIFTER.sub(lambda m: m.group(1) + ("\u17c9" if m.group(1) in _MUUSIKATOAN_ON else "\u17ca")
                              + m.group(2), text)
    for old, new in _KHMER_SPELLINGS:
        if old in text:
            text = text.replace(new, "\0").replace(old, new).replace("\0", new)
    return text


def normalize(text: str) -> str:
    """Fold a text for matching: Khmer normalised, case and Latin accents folded, punctuation dropped."""
    text = _fold(normalize_khmer(text).casefold())
    if not text.isascii():
        text = _KHMER_PUNCT.sub(" ", text)
    text = _THOUSANDS.sub("", text)
    text = _SEPARATORS.sub(" ", text.replace("'", " "))
    if "." in text:
        text = _DOTS.sub(" ", text)
    return " ".join(text.split())


def has_khmer(text: str) -> bool:
    """True when the text contains Khmer script."""
    return bool(_HAS_KHMER.search(text))


@lru_cache(maxsize=50_000)
def segment_khmer(run: str) -> tuple[str, ...]:
    """Split a run of Khmer script into words with khmercut's CRF model."""
    return tuple(t for t in khmercut.tokenize(run) if t.strip() and not t.isspace())


_KHMER_NOMINALISERS = ("ការ", "សេចក្តី")  # "ការបោះឆ្នោត" (voting) -> "បោះឆ្នោត" (vote)


def _stem(token: str) -> str:
    """A light stemmer: English and French plurals (agencies -> agency), Khmer nominalising prefixes."""
    for prefix in _KHMER_NOMINALISERS:
        if token.startswith(prefix) and len(token) >= len(prefix) + 3:
            return token[len(prefix):]
    if len(token) <= 3 or not token.isascii() or not token.isalpha():
        return token
    if token.endswith("ies") and len(token) > 4:
        return token[:-3] + "y"
    if token.endswith(("ss", "us", "is")):
        return token
    if token.endswith("s") or (token.endswith("x") and token.endswith(("aux", "eux"))):
        token = token[:-1]
    # English -ing and -ed (working -> work, called -> call), keeping at least four letters.
    for suffix in ("ing", "ed"):
        if token.endswith(suffix) and len(token) - len(suffix) >= 4:
            return token[:-len(suffix)]
    return token


# Words that carry no topic. Checked before stemming. Question words stay out of this list only
# where they decide the topic (none do here: "how much" + "passport" is carried by "passport").
STOPWORDS = frozenset("""
a an the is are was were be been being am to of in on at for and or but not no nor so if then than
what whats who whom whose how when where which why do does did doing done can could would should will
shall may might must i im i'm my me mine myself you your yours we our they them their he she him her
his it its this that these those there here with without about from by as into onto over under up
please tell know want wanna need get got give any some more most very too also just only
s t d ll ve re m don didn doesn isn aren wasn won cant can't dont hi hey hello thanks thank
le la les l de des du d un une et ou est sont etre ete que qu qui quoi quel quelle quels quelles
comment pour par en au aux a je j tu il elle on nous vous ils elles me m moi toi lui mon ma mes ton ta tes son sa ses
notre nos votre vos leur leurs ce cet cette ces c se s y ne n pas plus dans sur avec sans chez
est-ce peux peut puis pouvez faire fait dire dis savoir sais voudrais veux veut ai as avez avoir
bonjour salut merci svp stp envers existe existent exister vraiment actually really possible
តើ ខ្ញុំ ខ្ញុំបាទ នាងខ្ញុំ អ្នក បង ប្អូន គាត់ យើង គេ វា នៅ ទៅ មក និង ជា បាន មាន ទេ អ្វី ណា ដែល
របស់ នេះ នោះ គឺ ឬ ក្នុង ដើម្បី ពី ហើយ ចង់ អាច សូម ដល់ ផង ដែរ ទៀត ហ្នឹង យ៉ាងម៉េច យ៉ាងដូចម្តេច
អំពី ស្តីពី ថា ដូចម្តេច ម៉េច យ៉ាង អី ឲ្យ អោយ ឱ្យ ត្រូវ ការ ដឹង ចឹង ចុះ ប្រាប់ ជួយ ផ្ង ណាស់ បន្តិច ប៉ុន្មាន ខ្លះ អត់ ទេ ភាគច្រើន ភាគ ច្រើន ជាងគេ បំផុត
ជាមួយ ដោយ សម្រាប់ បើ ប្រសិនបើ ប៉ុន្តែ តែ ក៏ ទើប គ្រាន់តែ ត្រឹមតែ ដូច្នេះ ទាំង នរណា អ្នកណា ពេលណា នៅពេល ហេតុ ហេតុអី ណាមួយ ដូចជា នូវ រឺ រួច
""".split())


def words(normalized: str) -> list[str]:
    """Topic tokens of an already normalised text: Khmer runs segmented, stop words dropped, words stemmed."""
    out: list[str] = []
    for chunk in normalized.split():
        pos = 0
        for m in KHMER_RE.finditer(chunk):
            if m.start() > pos:
                out.append(chunk[pos:m.start()])
            out.extend(segment_khmer(m.group()))
            pos = m.end()
        if pos < len(chunk):
            out.append(chunk[pos:])
    return [_stem(t) for t in out if t and t not in STOPWORDS]


def tokenize(text: str) -> list[str]:
    """Normalise then split a raw text into matching tokens."""
    return words(normalize(text))


def khmer_ngrams(normalized: str, n: int = 3) -> set[str]:
    """Character n-grams of the Khmer letters of a text, spaces removed (robust to typos and segmentation)."""
    khmer = "".join(KHMER_RE.findall(normalized))
    if len(khmer) < n:
        return {khmer} if khmer else set()
    return {khmer[i:i + n] for i in range(len(khmer) - n + 1)}


ENGLISH_MIN_COUNT = 500_000


GENERAL_MIN_COUNT = 170_000_000  # about the 400 commonest English words


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Common English words: symspellpy's frequency dictionary (82,765 words from a large corpus),
    kept from ENGLISH_MIN_COUNT occurrences up. A correctly spelt word ("police") is not a typo of
    another ("policy"), and not a Khmer word in Latin letters."""
    return _english_by_count()[0]


# The same for French and Khmer, written by the developers (no frequency list is at hand).
_GENERAL_FR_KM = frozenset("""temps heure jour jours an ans annee annees nouveau nouvelle nouveaux argent famille
maison besoin chose choses gens vie monde bien aujourd hui maintenant
ត្រូវការ ពេល ម៉ោង ថ្ងៃ ឆ្នាំ ខែ ថ្មី ល្អ ធ្វើ មនុស្ស រឿង ឃើញ ប្រើ ផ្ទះ គ្រួសារ លុយ ការងារ ធ្វើការ ឥឡូវ ថ្ងៃនេះ""".split())


@lru_cache(maxsize=1)
def general_words() -> frozenset[str]:
    """The few hundred commonest English words ("time", "work", "new", "money", "family"), and
    the like in French and Khmer: alone, they name no topic of the knowledge base, however rare
    they are in it."""
    return _english_by_count()[1] | frozenset(t for w in _GENERAL_FR_KM for t in words(normalize(w)))


@lru_cache(maxsize=1)
def _english_by_count() -> tuple[frozenset[str], frozenset[str]]:
    common: set[str] = set()
    general: set[str] = set()
    # Read line by line: the whole file (82,765 lines) is never held in memory at once.
    with resources.files("symspellpy").joinpath("frequency_dictionary_en_82_765.txt").open(encoding="utf-8") as f:
        for line in f:
            word, _, count = line.rstrip("\n").partition(" ")
            if count and int(count) >= ENGLISH_MIN_COUNT:
                common.add(word)
                if int(count) >= GENERAL_MIN_COUNT:
                    general.add(word)
    return frozenset(common), frozenset(general)
