"""Khmer in Latin letters: the romanizer, the phonetic key, and questions read as Khmer."""

from __future__ import annotations

import pytest

from bot.assistant import Assistant
from knowledge.romanize import phonetic_key, romanize_khmer


@pytest.mark.parametrize("khmer, latin", [
    ("ធ្វើ", "thveu"), ("ខ្ញុំ", "khnhom"), ("ការ", "kar"), ("ពលករ", "polkor"), ("ផ្តល់", "phtol"), ("ក្រសួង", "krasuong"), ("លិខិត", "likhet"),
    ("ឆ្លង", "chhlong"), ("លុយ", "luy"), ("ថ្លៃ", "thlai"), ("នៅ", "nov"), ("ចង់", "chong"),
])
def test_romanizer_gives_the_popular_spelling(khmer, latin):
    assert romanize_khmer(khmer) == latin


@pytest.mark.parametrize("spellings", [
    ["thveu", "tveu", "twer", "thver", "tver"],
    ["luy", "loy", "louy"],
    ["khe", "khae"],
    ["tlai", "tlay", "thlai", "thlay"],
    ["ponman", "bonman", "ponmann"],
    ["tov", "tow", "dow", "tou"],
    ["sanhcheat", "sanhchiet"],
])
def test_phonetic_key_folds_the_usual_variants(spellings):
    assert len({phonetic_key(s) for s in spellings}) == 1, {s: phonetic_key(s) for s in spellings}


def test_phonetic_key_keeps_different_words_apart():
    assert phonetic_key("ka") != phonetic_key("khe")  # work, month
    assert phonetic_key("luy") != phonetic_key("tlai")


@pytest.mark.parametrize("question, entry_id", [
    ("knhom chong tov thveu ka nov korea", "practice-eps-korea"),
    ("chong tov twer ka korea", "practice-eps-korea"),
    ("pasport tlai ponman", "subdecree-68-2009"),
    ("likhet chhlong den tlai ponman", "subdecree-68-2009"),
    ("thao kae min bek luy khe", "molvt"),
    ("bos chnaot nov krav srok ban te", "voting-rights"),
])
def test_romanized_questions_find_their_entry_and_reply_in_khmer(kb, question, entry_id):
    reply = Assistant(kb).ask(question, log=False)
    assert reply.result.romanized
    # Answered, or offered first ("did you mean") when the confidence is under the threshold.
    assert reply.result.intent in ("answer", "choose") and reply.result.best.entry.id == entry_id, \
        reply.result.matches[:3]
    assert reply.language == "km"


def test_a_users_language_choice_wins_over_romanized_khmer(kb):
    reply = Assistant(kb).ask("pasport tlai ponman", preference="fr", log=False)
    assert reply.language == "fr" and reply.answered


@pytest.mark.parametrize("question", ["passport price", "korea", "my friend is missing", "help us please",
                                      "combien coute le passeport"])
def test_english_and_french_are_not_read_as_khmer(kb, question):
    assert not Assistant(kb).matcher.match(question).romanized


def test_code_mixed_khmer_and_latin(kb):
    reply = Assistant(kb).ask("knhom chong tov ធ្វើការ nov korea", log=False)
    assert reply.answered and reply.entry.id == "practice-eps-korea"


def test_an_exact_spelling_names_its_word_before_a_shared_key(matcher):
    # "thai" and "dai" share a phonetic key; "thai" is a spelling people type for ថៃ.
    assert "ថៃ" in matcher.rewrite("tov thai thveu ka")[0].split()


def test_acronyms_stay_latin_in_a_romanized_question(matcher):
    text, romanized = matcher.rewrite("tov thai tam MoU chab pderm pi chnam na")
    assert romanized and "mou" in text.split()


def test_khmer_function_words_in_an_english_question_are_dropped(matcher):
    text, romanized = matcher.rewrite("dual citizenship khmer ban te")
    assert not romanized and text.split() == ["dual", "citizenship", "khmer"]
    # One such word alone is not a code-mixed question ("a ban on ...").
    assert matcher.rewrite("is there a ban on emigration")[0] == "is there a ban on emigration"


def test_an_everyday_word_is_not_read_as_a_known_word_that_sounds_alike(matcher):
    # ដេញ (to fire, chase away) is in the lexicon; it is not ទិញ (to buy), a word of the knowledge base.
    tokens = matcher._query_tokens(matcher.rewrite("knhom trov ke denh chenh pi ka nov kore")[0])
    assert "ដេញ" in tokens and "ទិញ" not in tokens
