"""Exported YAML and spreadsheets survive an admin's edits: what is typed is what is imported."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.yamlio import dump_yaml
from knowledge.loader import load_text
from knowledge.xlsx import load_xlsx, to_xlsx

SENTINEL = "SENTINEL-TEXT-TO-EDIT"
BASE = {"entries": [{
    "id": "passport-fee", "kind": "fact",
    "title": {"en": "Passport fee", "km": "ថ្លៃលិខិតឆ្លងដែន"},
    "answer": {"en": SENTINEL, "km": "ថ្លៃ 20 ដុល្លារ"},
    "questions": {"en": ["how much is a passport", "pasport price"]},
    "keywords": {"en": ["passport", "US$20"]},
    "sources": [{"title": "ILO: Passports (footnote 6)", "url": "https://www.ilo.org/x?a=1&b=2#p"}],
}]}

# What an admin can type in an editor: any printable character, tabs and line breaks. (YAML
# reads \r, \x85, \u2028 and \u2029 as line breaks and refuses other control characters.)
# Braces mark figures in answers ({2782}); a stray one is refused with file:line (test_figures).
TYPED = st.text(st.characters(exclude_categories=("Cs", "Cc"), include_characters="\n\t",
                              exclude_characters="\u2028\u2029\ufeff\ufffe\uffff{}"), min_size=1, max_size=300)


def edit_block(yaml_text: str, new_text: str) -> str:
    """Type `new_text` in place of the sentinel, at the indentation of its literal block."""
    match = re.search(rf"^( *){SENTINEL}$", yaml_text, flags=re.M)
    indent = match.group(1)
    typed = "\n".join(indent + line if line else "" for line in new_text.split("\n"))
    return yaml_text[:match.start()] + typed + yaml_text[match.end():]


def with_answer(text: str) -> dict:
    data = {"entries": [dict(BASE["entries"][0], answer={"en": text, "km": "ថ្លៃ 20 ដុល្លារ"})]}
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TYPED.filter(lambda s: s.strip()))
@example("NGO NOTE: check the fee")
@example("Go to the passport office #passport before you pay anyone.")
@example("- a leading dash\n- and a list: that is not one")
@example("\"quoted\" and 'single' (parens) [brackets] & *star !bang %percent @at `tick` |pipe >gt")
@example("ខ្ញុំចង់ទៅធ្វើការនៅកូរ៉េ 🇰🇭🙂 ---\n...\n---")
@example("line one\n\n   indented line\n\ttabbed line")
def test_text_typed_into_an_exported_block_is_imported_as_typed(text):
    exported = dump_yaml(BASE)
    # Typed at the block's indentation: the first line starts there (the loader strips the
    # text anyway); later lines may be indented further.
    text = text.lstrip()
    edited = edit_block(exported, text)
    kb = load_text(edited, "edited.yaml")
    assert kb.entries[0].answer["en"] == text.strip()
    assert kb.entries[0].to_data() == with_answer(text.strip())["entries"][0]


@settings(max_examples=200, deadline=None)
@given(TYPED.filter(lambda s: s.strip()), TYPED.filter(lambda s: s.strip()))
def test_any_text_survives_export_and_import(answer, question):
    data = with_answer(answer.strip())
    data["entries"][0]["questions"] = {"en": [question.strip()]}
    kb = load_text(dump_yaml(data), "kb.yaml")
    assert kb.entries[0].answer["en"] == answer.strip()
    assert kb.entries[0].questions["en"] == (question.strip(),)
    assert load_text(dump_yaml(kb.to_data())).content_hash() == kb.content_hash()


# openpyxl (XML) cannot hold most control characters; an admin cannot type them in a cell either.
CELL_TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc"), include_characters="\n\t",
                                  exclude_characters="\ufffe\uffff{}"), min_size=1, max_size=200)


@settings(max_examples=100, deadline=None)
@given(CELL_TEXT.filter(lambda s: s.strip()))
@example("=SUM(A1:A2)")
@example("ខ្ញុំចង់ទៅធ្វើការនៅកូរ៉េ 🇰🇭")
def test_any_text_survives_a_spreadsheet_round_trip(text):
    data = with_answer(text.strip())
    kb = load_text(dump_yaml(data), "kb.yaml")
    again = load_xlsx(to_xlsx(kb), "kb.xlsx")
    assert again.content_hash() == kb.content_hash()


def test_bundled_knowledge_round_trips_through_yaml_and_xlsx(kb):
    assert load_text(dump_yaml(kb.to_data())).content_hash() == kb.content_hash()
    assert load_xlsx(to_xlsx(kb)).content_hash() == kb.content_hash()


def test_identifiers_stay_plain_and_texts_are_blocks():
    exported = dump_yaml(BASE)
    assert "- id: passport-fee\n" in exported and "url: https://www.ilo.org/x?a=1&b=2#p" not in exported
    assert "  kind: fact\n" in exported
    assert re.search(r"en: \|-\n +Passport fee\n", exported)


def test_a_spreadsheet_with_its_rows_sorted_is_the_same_knowledge(kb):
    from openpyxl import Workbook, load_workbook
    import io
    wb = load_workbook(io.BytesIO(to_xlsx(kb)))
    rows = list(wb["entries"].iter_rows(values_only=True))
    # Sorted by id, then by field as text: sources.10 comes before sources.2, fields shuffle.
    body = sorted(rows[1:], key=lambda r: (r[0], str(r[1])))
    order = {e.id: i for i, e in enumerate(kb.entries)}
    body.sort(key=lambda r: order[r[0]])  # keep the entries in their order: only fields are shuffled
    out = Workbook()
    sheet = out.active
    sheet.title = "entries"
    for row in [rows[0], *body]:
        sheet.append(row)
    syn = out.create_sheet("synonyms")
    for row in wb["synonyms"].iter_rows(values_only=True):
        syn.append(row)
    blob = io.BytesIO()
    out.save(blob)
    assert load_xlsx(blob.getvalue()).content_hash() == kb.content_hash()
