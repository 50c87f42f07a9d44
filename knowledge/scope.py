"""What place and time a question is about, and whether an entry can speak to it.

The profile is about Cambodia and Cambodians. A question that only shares words with it ("how
much is a Thai passport", "remittances in Myanmar", "Vietnamese in the United States",
"remittances in 1995") must not get a Cambodian fact as if it answered it. The gazetteer
(`gazetteer.yaml`) names countries, nationalities and cities in English, French and Khmer; an
entry is in conflict with a question when the question names a place the entry never mentions,
a year the entry does not cover, or asks about another country's people ("a Thai passport",
"ប្រជាជនថៃ") where the entry is not about that country.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from .schema import Entry
from .text import KHMER_RE, normalize

_HERE = Path(__file__).parent
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it: 10x faster
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")
# A number with a currency is an amount, not a year: "2000 dollars", "$2000", "2000ដុល្លារ".
_AMOUNT = re.compile(r"(?:[$€£]\s?\d[\d,.]*|\d[\d,.]*\s?(?:[$€£]|us\$|usd|dollars?|dolla|dola|baht|bat|ringgit|rm|won|"
                     r"yen|euros?|eur|riels?|ដុល្លារ|ដុល្លា|បាត|រៀល|វ៉ុន|យ៉េន|អឺរ៉ូ|រីងហ្គីត))(?![a-z])")
# Words that make a nationality the subject: "a Thai passport", "les citoyens français".
_SUBJECTS = frozenset("""passport passports passeport citizen citizens citizenship nationality nationalities national
nationals people population person persons election elections vote voting government president law laws
worker workers migrant migrants embassy embassies consulate ambassade consulat
passeport passeports citoyen citoyens citoyenne citoyennete nationalite peuple gens personnes ressortissant
ressortissants election elections gouvernement president loi lois travailleur travailleurs""".split())
_KHMER_SUBJECTS = ("លិខិតឆ្លងដែន", "សញ្ជាតិ", "ប្រជាជន", "ពលរដ្ឋ", "ជនជាតិ", "ពលករ", "កម្មករ", "អ្នក")
# Words that make a place itself the subject, next to its name: "does Thailand allow ...", "la
# France autorise ...", "the population of Phnom Penh", "ថៃអនុញ្ញាត": the question is about that
# place's own rules or facts, which only an entry about that place can answer.
_PLACE_SUBJECTS = frozenset("""allow allows accept accepts recognise recognize recognises
recognizes autorise autorisent accepte acceptent reconnait reconnaissent permet permettent population populations
weather climate temperature economy gdp capital election elections government president king parliament
embassy embassies consulate ambassade ambassades consulat""".split())
# A place where a Cambodian person is ("Khmer in America", "my boss in Thailand", "ពលករនៅថៃ"):
# a word for where, next to a word for a person. An entry about Cambodians anywhere (the labour
# ministry, the right to vote) speaks to such a question; one about another place does not.
_LOCATIVES = frozenset("in at from en au aux dans a nov nau nev".split())
_KHMER_LOCATIVES = ("នៅ", "ពី", "ថៅកែ", "និយោជក", "ក្រុមហ៊ុន", "រោងចក្រ")  # "ថៅកែកូរ៉េ": a boss in Korea
# "a Korean boss", "un patron thaïlandais": the employer is there, so is the worker.
_EMPLOYERS = frozenset("boss bos employer employers company factory owner patron patronne employeur entreprise usine".split())
_PERSONS = frozenset("""i me my we us our myself mine je j moi mon ma mes nous notre nos on
worker workers migrant migrants employee employees boss employer friend friends family wife husband son
daughter sister brother mother father cousin parents children child relative relatives
travailleur travailleurs travailleuse employe employes patron ami amie amis famille femme mari fils fille
soeur frere mere pere cousine enfants parent parents""".split())
_KHMER_PERSONS = ("ខ្ញុំ", "យើង", "ពលករ", "កម្មករ", "ថៅកែ", "និយោជក", "មិត្ត", "ប្អូន", "បង", "ម្តាយ", "ឪពុក",
                  "ប្រពន្ធ", "ប្តី", "កូន", "គ្រួសារ", "ខ្មែរ")
_KHMER_PLACE_SUBJECTS_AFTER = ("អនុញ្ញាត", "ទទួលស្គាល់", "អាកាសធាតុ")
_KHMER_PLACE_SUBJECTS_BEFORE = ("ប្រជាជន", "អាកាសធាតុ", "ចំនួនប្រជាជន", "ស្ថានទូត", "ការបោះឆ្នោតនៅ", "បោះឆ្នោតនៅ")


# A judgement ("good", "corrupt", "ល្អ") about a person or a political body ("Hun Sen", "the
# government", "រដ្ឋាភិបាល") asks for an opinion. The profile gives none: no entry answers it,
# even one that names the person ("is Hun Sen a good leader" is not the ID-card entry).
_JUDGEMENTS = frozenset("""good bad best worst better worse corrupt honest dictator evil great terrible
like love hate trust think opinion support agree bon bonne bons mauvais mauvaise meilleur meilleure pire
corrompu corrompus aimes aime aimez penses pense pensez avis confiance soutiens soutenir
laor l'or lor akrak""".split())
_POLITICAL = frozenset("""hun sen hunsen manet government governments party parties cpp cnrp opposition leader
leaders prime minister pm king regime politician politicians politics gouvernement parti partis
dirigeant dirigeants premier ministre roi regime politique politiques""".split())
_KHMER_JUDGEMENTS = ("ល្អ", "អាក្រក់", "ពុករលួយ", "ចូលចិត្ត", "ស្អប់", "យល់ឃើញ", "គិតយ៉ាងម៉េច", "គិតម៉េច")
_KHMER_POLITICAL = ("ហ៊ុនសែន", "ម៉ាណែត", "រដ្ឋាភិបាល", "គណបក្ស", "នាយករដ្ឋមន្ត្រី", "មេដឹកនាំ", "ស្តេច",
                    "នយោបាយ", "បក្សប្រឆាំង")


def asks_opinion(text: str) -> bool:
    """Whether the text asks for a judgement of a person or a political body."""
    norm = normalize(text)
    words = set(norm.split())
    packed = norm.replace(" ", "") if KHMER_RE.search(norm) else ""
    judged = bool(words & _JUDGEMENTS) or any(j in packed for j in _KHMER_JUDGEMENTS)
    political = bool(words & _POLITICAL) or any(p in packed for p in _KHMER_POLITICAL)
    return judged and political


@dataclass(frozen=True)
class Place:
    id: str
    home: bool
    names: tuple[str, ...]
    people: tuple[str, ...]


@lru_cache(maxsize=1)
def gazetteer() -> tuple[Place, ...]:
    data = yaml.load((_HERE / "gazetteer.yaml").read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    return tuple(Place(p["id"], bool(p.get("home")), tuple(normalize(n) for n in p.get("names", ())),
                       tuple(normalize(n) for n in p.get("people", ()))) for p in data["places"])


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern, dict[str, tuple[str, bool]], re.Pattern, dict[str, str]]:
    """One regex for the Latin forms (whole words), one for the Khmer forms; form -> place."""
    latin: dict[str, tuple[str, bool]] = {}
    khmer: dict[str, str] = {}
    for place in gazetteer():
        for form, people in [(n, False) for n in place.names] + [(n, True) for n in place.people]:
            if KHMER_RE.fullmatch(form.replace(" ", "")):
                khmer[form.replace(" ", "")] = place.id
            else:
                latin[form] = (place.id, people)
    latin_re = re.compile(r"(?<!\w)(" + "|".join(re.escape(f) for f in sorted(latin, key=len, reverse=True)) + r")(?!\w)")
    khmer_re = re.compile("|".join(re.escape(f) for f in sorted(khmer, key=len, reverse=True)))
    return latin_re, latin, khmer_re, khmer


@lru_cache(maxsize=1)
def _home() -> frozenset[str]:
    return frozenset(p.id for p in gazetteer() if p.home)


@dataclass(frozen=True)
class Scope:
    """The places (other than Cambodia) and years a text names, and the peoples it asks about."""

    places: frozenset[str] = frozenset()
    years: frozenset[int] = frozenset()
    peoples: frozenset[str] = frozenset()  # foreign nationalities that are the subject
    located: frozenset[str] = frozenset()  # places named only as where a Cambodian person is


def scope_of(text: str) -> Scope:
    """The scope of a question (or of any text)."""
    latin_re, latin, khmer_re, khmer = _patterns()
    norm = normalize(text)
    places: set[str] = set()
    peoples: set[str] = set()
    place_subjects: set[str] = set()  # places that are the subject by a _PLACE_SUBJECTS word
    words = norm.split()
    where: set[str] = set()  # places after "in", "at", "នៅ"...
    home = _home()
    cambodians = False  # "Khmer", "cambodian": a Cambodian person is named
    for m in latin_re.finditer(norm):
        place, people = latin[m.group(1)]
        places.add(place)
        cambodians = cambodians or (people and place in home)
        at = len(norm[:m.start()].split())
        end = at + len(m.group(1).split())
        if people and any(w in _SUBJECTS for w in words[max(0, at - 2):at] + words[end:end + 3]):
            peoples.add(place)
        elif people and any(w in _EMPLOYERS for w in words[max(0, at - 1):at] + words[end:end + 1]):
            where.add(place)
        elif not people and any(w in _PLACE_SUBJECTS for w in words[max(0, at - 3):at] + words[end:end + 2]):
            place_subjects.add(place)
        elif not people and at and words[at - 1] in _LOCATIVES:
            where.add(place)
    packed = norm.replace(" ", "") if KHMER_RE.search(norm) else ""
    for m in khmer_re.finditer(packed):
        place = khmer[m.group()]
        places.add(place)
        if packed[:m.start()].endswith(_KHMER_SUBJECTS):
            peoples.add(place)
        elif (packed[:m.start()].endswith(_KHMER_PLACE_SUBJECTS_BEFORE)
                or packed[m.end():].startswith(_KHMER_PLACE_SUBJECTS_AFTER)):
            place_subjects.add(place)
        elif packed[:m.start()].endswith(_KHMER_LOCATIVES):
            where.add(place)
    person = cambodians or any(w in _PERSONS for w in words) or any(p in packed for p in _KHMER_PERSONS)
    located = where - peoples - place_subjects if person else set()
    # "The Cambodian population in Thailand" is about Cambodians: its place is no subject.
    peoples = peoples - place_subjects if places & home else peoples | place_subjects
    if peoples & home:  # "an Australian passport: am I still a Khmer citizen?" asks about Cambodians too
        peoples = set()
    amounts_out = _AMOUNT.sub(" ", normalize(_AMOUNT.sub(" ", text.casefold())))  # "$" is gone once normalised
    years = {int(y) for y in _YEAR.findall(amounts_out)}
    return Scope(frozenset(places - home), frozenset(years), frozenset(peoples - home), frozenset(located - home))


def place_forms() -> list[tuple[str, str]]:
    """(place id, form) for every name and people word of every place but Cambodia."""
    return [(p.id, form) for p in gazetteer() if not p.home for form in p.names + p.people]


def entry_years(entry: Entry, words: set[str]) -> frozenset[int]:
    """The years an entry covers: the years among its words, its year and its period."""
    years = {int(w) for w in words if len(w) == 4 and _YEAR.fullmatch(w)}
    if entry.year:
        years.add(int(entry.year))
    if entry.period:
        bounds = [int(y) for y in _YEAR.findall(str(entry.period))]
        if len(bounds) == 2:
            years |= set(range(bounds[0], bounds[1] + 1))
    return frozenset(years)


def conflict(question: Scope, entry: Scope, entry_country: str | None = None) -> str | None:
    """What the question asks about that the entry does not cover (a place id or a year), or None.

    An entry whose country is "any" speaks to every place (e.g. "the profile gives no hotline").
    """
    if (entry_country or "").strip().casefold() == "any":
        return None
    for people in sorted(question.peoples):
        if scope_of(entry_country or "").places != {people}:
            return people
    for place in sorted(question.places - entry.places):
        if place in question.located and not entry.places:
            continue  # "Khmer in America can vote?": the right to vote is for Cambodians anywhere
        return place
    for year in sorted(question.years - entry.years):
        return str(year)
    return None
