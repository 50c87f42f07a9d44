"""Button labels: counted and cut by grapheme cluster, validated by the loader."""

from __future__ import annotations

import pytest
import regex

from knowledge.labels import COENG, ELLIPSIS, MAX_LABEL, button_label, fit, graphemes, label_length
from knowledge.loader import KnowledgeBaseInvalid, load_text
from knowledge.schema import LANGS


def dangling(cut: str, original: str) -> bool:
    """A cut leaves a dangling sign when its last character needs a base or a subscript that was cut
    away, or when it is not a whole-cluster prefix of the original."""
    body = cut.removesuffix(ELLIPSIS).rstrip()
    if not body:
        return False
    if body.endswith(COENG):
        return True
    clusters = regex.findall(r"\X", original)
    joined = ""
    for cluster in clusters:
        if joined == body:
            return False
        if not body.startswith(joined + cluster):
            # the body ends inside this cluster: a mark or a subscript was separated from its base
            return True
        joined += cluster
    return joined != body


def test_code_point_cuts_of_khmer_titles_would_dangle(kb):
    """The check below can fail: cutting by code point, as before, leaves dangling signs."""
    broken = [e.id for e in kb.entries if "km" in e.title and len(e.title["km"]) > MAX_LABEL
              for n in range(8, MAX_LABEL + 1) if dangling(e.title["km"][:n] + ELLIPSIS, e.title["km"])]
    assert broken


@pytest.mark.parametrize("lang", LANGS)
def test_no_cut_of_any_title_leaves_a_dangling_sign(kb, lang):
    for entry in kb.entries:
        title = entry.title.get(lang)
        if not title:
            continue
        for limit in range(4, MAX_LABEL + 1):
            cut = fit(title, limit)
            assert label_length(cut) <= limit, (entry.id, cut)
            assert not dangling(cut, title), (entry.id, limit, cut)


def test_every_bundled_entry_has_a_label_in_each_language_that_fits(kb):
    for entry in kb.entries:
        assert set(entry.label) == set(LANGS), entry.id
        for lang in LANGS:
            assert label_length(entry.label[lang]) <= MAX_LABEL, (entry.id, lang)
            assert button_label(entry, lang) == entry.label[lang]


def test_graphemes_keep_khmer_syllables_whole():
    assert graphemes("ស្ត្រី") == ["ស្ត្រី"]
    assert graphemes("ក្រសួង") == ["ក្រ", "សួ", "ង"]
    assert label_length("Ministère") == 9
    assert fit("short") == "short"
    assert fit("Ministry of Labour and Vocational Training", 24) == "Ministry of Labour and…"


def test_a_title_without_a_label_is_cut_to_fit(kb):
    entry = kb.get("molvt")
    bare = type(entry)(**{**entry.__dict__, "label": {}})
    for lang in LANGS:
        text = button_label(bare, lang)
        assert label_length(text) <= MAX_LABEL and text.endswith(ELLIPSIS)
        assert not dangling(text, entry.title[lang])


ENTRY = """entries:
  - id: sample
    label:
      en: "A label that is far too long for a button"
      km: "លិខិតឆ្លងដែន"
    kind: fact
    title: {en: "Sample"}
    answer: {en: "Sample answer."}
    sources: [{title: "EUDiF", url: "https://diasporafordevelopment.eu/"}]
"""


def test_loader_refuses_a_label_over_24_characters_with_its_line():
    with pytest.raises(KnowledgeBaseInvalid) as exc:
        load_text(ENTRY, "kb.yaml")
    assert [str(p) for p in exc.value.problems] == ["kb.yaml:4: 'label.en' has 41 characters (at most 24)"]


def test_a_label_survives_export_and_import():
    kb = load_text(ENTRY.replace("A label that is far too long for a button", "Sample"), "kb.yaml")
    assert kb.get("sample").label == {"en": "Sample", "km": "លិខិតឆ្លងដែន"}
    from knowledge.loader import load_data
    assert load_data(kb.to_data()).get("sample").label == kb.get("sample").label


TRANSLATED_SOURCE = """entries:
  - id: sample
    kind: fact
    title: {en: "Sample", km: "គំរូ"}
    answer: {en: "Sample answer.", km: "ចម្លើយគំរូ។"}
    sources:
      - {title: {en: "The profile", km: "ឯកសារ", fr: "Le profil"}, url: "https://diasporafordevelopment.eu/"}
      - {title: "Only English", url: "https://example.org/"}
"""


def test_source_titles_in_the_reply_language_where_the_source_has_one():
    from bot.assistant import entry_reply
    from bot.render import reply_html, reply_json, reply_plain
    from knowledge.loader import load_data

    kb = load_text(TRANSLATED_SOURCE, "kb.yaml")
    [km_html] = reply_html(entry_reply("q", kb.get("sample"), "km"), sources=True)
    assert ">ឯកសារ</a>" in km_html and ">Only English</a>" in km_html and "The profile" not in km_html
    assert "Le profil: https://" in reply_plain(entry_reply("q", kb.get("sample"), "fr"))
    assert reply_json(entry_reply("q", kb.get("sample"), "en"))["sources"][0]["title"] == "The profile"
    assert load_data(kb.to_data()) == kb  # survives export and import
    with pytest.raises(KnowledgeBaseInvalid) as exc:
        load_text(TRANSLATED_SOURCE.replace('en: "The profile", ', ""), "kb.yaml")
    assert "'source title' has no English ('en') text" in str(exc.value)
