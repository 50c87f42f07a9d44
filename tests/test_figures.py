"""Figures formatted per language with Babel from the one value in the YAML (knowledge/figures.py)."""

from knowledge.figures import format_as_of, render_figures

NNBSP, NBSP = "\u202f", "\u00a0"  # CLDR's French group separator and the space before "%"


def test_marks_are_formatted_per_language():
    text = "US${2782} million, {8.76%}, {375635}, {42.9%}, in 2009"
    assert render_figures(text, "en") == "US$2,782 million, 8.76%, 375,635, 42.9%, in 2009"
    assert render_figures(text, "fr") == f"US$2{NNBSP}782 million, 8,76{NBSP}%, 375{NNBSP}635, 42,9{NBSP}%, in 2009"
    assert render_figures(text, "km") == "US$2,782 million, 8.76%, 375,635, 42.9%, in 2009"


def test_text_without_marks_is_unchanged():
    assert render_figures("Sub-Decree 68/2009: US$20 {not a figure}", "fr") == "Sub-Decree 68/2009: US$20 {not a figure}"


def test_as_of_month_is_named_in_each_language():
    assert format_as_of("2025-08", "en") == "August 2025"
    assert format_as_of("2025-08", "fr") == "août 2025"
    assert format_as_of("2025-08", "km") == "សីហា 2025"
    assert format_as_of("2009", "fr") == "2009"


def plain(text):
    return text.replace(NNBSP, " ").replace(NBSP, " ")


def test_remittances_entry_in_french_reads_as_french(kb):
    entry = kb.get("remittances")
    answer, _ = entry.text("answer", "fr")
    assert "2 782 millions de dollars US" in plain(answer)
    assert "8,76 %" in plain(answer) and "8.76" not in answer and "2,782" not in answer
    assert "8,76 %" in plain(entry.text("title", "fr")[0])
    assert "2 782 millions de dollars US" in plain(entry.short_text("fr"))
    assert "US$2,782 million" in entry.text("answer", "en")[0] and "8.76%" in entry.text("answer", "en")[0]
    assert "2,782 លានដុល្លារ" in entry.text("answer", "km")[0]


def test_destinations_entry_in_each_language(kb):
    entry = kb.get("top-destinations")
    assert "Thaïlande (375 635)" in plain(entry.text("answer", "fr")[0])
    assert "(57 402)" in plain(entry.short_text("fr"))
    assert "Thailand (375,635)" in entry.text("answer", "en")[0]
    assert "ថៃ (375,635 នាក់)" in entry.short_text("km")


def test_yaml_keeps_the_one_plain_value(kb):
    entry = kb.get("remittances")
    assert "{2782}" in entry.answer["fr"] and "{8.76%}" in entry.answer["fr"]
    assert entry.to_data()["answer"]["en"] == entry.answer["en"]  # exports keep the marks
    assert "2,782" in entry.keywords["en"] and "2782" in entry.keywords["en"]  # one keyword, not "2" and "782"
