"""Evidence: every quote is in the profile, every number of an answer is in its evidence (knowledge/evidence.py)."""

import shutil
from pathlib import Path

import pytest

from bot.cli import main
from knowledge.evidence import Profile, fold, numbers, stale_entries, validate
from knowledge.loader import bundled_path, load_bundled

PROFILE = Path(__file__).parents[2] / "shared/seeds/cambodia_profile.txt"
needs_profile = pytest.mark.skipif(not PROFILE.exists(), reason=f"{PROFILE} is not here")


@pytest.fixture
def kb_copy(tmp_path):
    """A writable copy of the bundled knowledge folder."""
    folder = tmp_path / "kb"
    shutil.copytree(bundled_path(), folder)
    return folder


def replace_once(path: Path, old: str, new: str) -> int:
    """Replace `old` (which must occur once) and return its 1-based line number."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[:text.index(old)].count("\n") + 1


def test_numbers_fold_khmer_digits_and_locale_separators():
    assert numbers("US$2,782 million, 8.76%") == {"2782", "876"}
    assert numbers("2\u202f782 millions, 8,76\u00a0%") == {"2782", "876"}
    assert numbers("ឆ្នាំ ២០០៩ តម្លៃ 20 ដុល្លារ") == {"2009", "20"}
    assert numbers("(1) one, (2) two, 2010-2014") == {"1", "2", "2010", "2014"}


def test_fold_ignores_whitespace_markdown_and_footnote_marks():
    assert fold("sub-decree 68/2009 (2009)⁶ formalised\nreduction  to US\\$20") == \
        "sub-decree 68/2009 (2009) formalised reduction to US$20"
    assert fold("**Policy on Labour Migration for Cambodia**:^{10,11} The [World Bank](#) (2023)") == \
        "Policy on Labour Migration for Cambodia: The World Bank (2023)"


def test_footnotes_are_read_from_the_profile_text():
    profile = Profile.from_text("Intro¹ text\n\n1 https://a.org/x_37.pdf\n\n2 Whilst voting is allowed.\n\n¹⁷ <https://b.kh/41663>\n")
    assert profile.footnotes == {1: "https://a.org/x_37.pdf", 2: "Whilst voting is allowed.", 17: "<https://b.kh/41663>"}
    assert profile.has_quote("Intro text")


@needs_profile
def test_bundled_kb_passes_with_evidence_for_every_entry():
    assert validate(bundled_path(), PROFILE.read_text(encoding="utf-8")) == []
    kb = load_bundled()
    assert all(entry.evidence for entry in kb.entries)
    assert all(set(entry.short) == set(entry.answer) == {"en", "km", "fr"} for entry in kb.entries)


@needs_profile
def test_planted_unsupported_number_fails_with_file_and_line(kb_copy):
    facts = kb_copy / "facts.yaml"
    line = replace_once(facts, "were {8.76%} of Cambodia's GDP", "were {9.76%} of Cambodia's GDP")
    problems = validate(kb_copy, PROFILE.read_text(encoding="utf-8"))
    assert [str(p) for p in problems] == [
        f"{facts}:{line}: remittances: answer.en states 976, which is in none of its evidence"]


@needs_profile
def test_a_number_in_khmer_digits_is_checked_too(kb_copy):
    facts = kb_copy / "facts.yaml"
    line = replace_once(facts, "ឆ្នាំ 2023 ខ្មែរនៅបរទេសផ្ញើលុយមកផ្ទះ", "ឆ្នាំ ២០២២ ខ្មែរនៅបរទេសផ្ញើលុយមកផ្ទះ")
    [problem] = validate(kb_copy, PROFILE.read_text(encoding="utf-8"))
    assert (problem.file, problem.line) == (str(facts), line)
    assert "short.km states 2022" in problem.message


@needs_profile
def test_quote_not_in_the_source_fails_with_file_and_line(kb_copy):
    institutions = kb_copy / "institutions.yaml"
    line = replace_once(institutions, '- quote: "Ministry of Interior 1996"', '- quote: "Ministry of Interior 1995"')
    problems = validate(kb_copy, PROFILE.read_text(encoding="utf-8"))
    messages = [(p.line, p.message) for p in problems]
    assert (line, "moi: quote not in the source: “Ministry of Interior 1995”") in messages
    # Its year is no longer supported by any quote either: both failures are reported.
    assert any(m.startswith("moi: answer.en states 1996") for _, m in messages)


@needs_profile
def test_cli_validate_with_source_exits_1_on_failure(kb_copy, capsys):
    assert main(["kb", "validate", str(kb_copy), "--source", str(PROFILE)]) == 0
    assert "every entry's quotes and numbers occur" in capsys.readouterr().out
    replace_once(kb_copy / "facts.yaml", "between 2000 and 2015. Thousands", "between 2000 and 2016. Thousands")
    assert main(["kb", "validate", str(kb_copy), "--source", str(PROFILE)]) == 1
    err = capsys.readouterr().err
    assert "facts.yaml:" in err and "emigration-growth: short.en states 2016" in err


def test_cli_validate_with_a_missing_source_is_a_clear_error(capsys, tmp_path):
    assert main(["kb", "validate", "--source", str(tmp_path / "nope.txt")]) == 1
    assert "cannot read the source text" in capsys.readouterr().err


@needs_profile
def test_check_source_lists_exactly_the_entries_quoting_a_changed_sentence(tmp_path, capsys):
    text = PROFILE.read_text(encoding="utf-8")
    sentence = "The MOI is responsible for providing passports, preventing illegal recruitment, and cross-border human trafficking."
    assert text.count(sentence) == 1
    new = tmp_path / "profile-2026.txt"
    new.write_text(text.replace(sentence, sentence.replace("providing", "issuing")), encoding="utf-8")
    assert set(stale_entries(bundled_path(), new.read_text(encoding="utf-8"))) == {"moi", "subdecree-68-2009"}
    assert main(["kb", "check-source", str(new)]) == 1
    out = capsys.readouterr().out
    assert out.strip().endswith("2 entries to re-check: moi, subdecree-68-2009")
    assert "institutions.yaml:" in out and "policies.yaml:" in out


@needs_profile
def test_check_source_on_the_same_profile_lists_nothing(capsys):
    assert main(["kb", "check-source", str(PROFILE)]) == 0
    assert "every entry's evidence still occurs" in capsys.readouterr().out


@needs_profile
def test_check_source_reports_a_footnote_that_is_gone(tmp_path):
    text = PROFILE.read_text(encoding="utf-8")
    new = tmp_path / "p.txt"
    new.write_text(text.replace("21 <https://www.facebook.com", "<https://www.facebook.com"), encoding="utf-8")
    stale = stale_entries(bundled_path(), new.read_text(encoding="utf-8"))
    assert set(stale) == {"mtosb"}
    assert "footnote 21 is gone" in stale["mtosb"][0].message
