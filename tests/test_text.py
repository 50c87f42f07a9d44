from knowledge.text import has_khmer, khmer_ngrams, normalize, normalize_khmer, tokenize


def test_khmer_subscript_spellings_are_unified():
    assert normalize_khmer("បណ្ដុះបណ្ដាល") == normalize_khmer("បណ្តុះបណ្តាល")


def test_zero_width_characters_are_removed():
    assert normalize("ក្រសួង\u200bការងារ") == "ក្រសួងការងារ"
    assert normalize("ក្រសួង\u200cការងារ") == "ក្រសួងការងារ"


def test_khmer_vowels_and_signs_survive():
    # rapidfuzz's default_process would delete these combining signs.
    assert normalize("លិខិតឆ្លងដែន") == "លិខិតឆ្លងដែន"


def test_accents_case_and_numbers_are_folded():
    assert normalize("Double NATIONALITÉ ?") == "double nationalite"
    assert normalize("2,782 and ៣៧៥,៦៣៥") == "2782 and 375635"
    assert normalize("8.76%.") == "8.76"


def test_tokens_drop_stop_words_and_plurals():
    assert tokenize("What does a passport cost for migrant workers?") == ["passport", "cost", "migrant", "worker"]
    assert tokenize("agencies") == ["agency"]


def test_khmer_is_segmented_without_spaces():
    assert tokenize("ខ្ញុំចង់ទៅធ្វើការនៅកូរ៉េ") == ["ធ្វើការ", "កូរ៉េ"]


def test_has_khmer_and_ngrams():
    assert has_khmer("hello ថៃ") and not has_khmer("hello")
    assert khmer_ngrams("ថៃ") == {"ថៃ"}
    assert len(khmer_ngrams("កូរ៉េ")) == 3
