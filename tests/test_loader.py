import pytest

from knowledge.loader import KnowledgeBaseInvalid, load_bundled, load_path, load_text

GOOD = """
entries:
  - id: passport
    kind: policy
    title: {en: Passports, km: លិខិតឆ្លងដែន}
    answer: {en: "A passport costs US$20."}
    questions: {en: [how much is a passport]}
    keywords: {en: [passport]}
    sources:
      - {title: ILO, url: "https://www.ilo.org/x.pdf"}
  - id: moi
    kind: institution
    title: {en: Ministry of Interior}
    answer: {en: Issues passports.}
    sources: [{title: Profile, url: "https://diasporafordevelopment.eu/"}]
    related: [passport]
"""


def problems(text):
    with pytest.raises(KnowledgeBaseInvalid) as exc:
        load_text(text, "kb.yaml")
    return [str(p) for p in exc.value.problems]


def test_good_file_loads():
    kb = load_text(GOOD, "kb.yaml")
    assert [e.id for e in kb.entries] == ["passport", "moi"]
    assert kb.get("passport").title["km"] == "លិខិតឆ្លងដែន"
    assert kb.get("moi").related == ("passport",)


def test_all_errors_reported_at_once_with_lines():
    bad = GOOD.replace("kind: policy", "kind: poem").replace(
        'url: "https://www.ilo.org/x.pdf"', "url: www.ilo.org").replace("related: [passport]", "related: [nope]")
    bad = bad.replace("    title: {en: Ministry of Interior}", "    title: {km: ក្រសួង}\n    colour: red")
    found = problems(bad)
    assert "kb.yaml:4: kind 'poem' must be one of fact, right, policy, obstacle, practice, institution, organisation, about" in found
    assert any(p.startswith("kb.yaml:10:") and "http(s)" in p for p in found)
    assert any(p.startswith("kb.yaml:13:") and "no English" in p for p in found)
    assert any(p.startswith("kb.yaml:14:") and "unknown field 'colour'" in p for p in found)
    assert len(found) >= 4


def test_duplicate_id_and_dangling_related():
    dup = GOOD.replace("id: moi", "id: passport").replace("related: [passport]", "related: [ghost]")
    found = problems(dup)
    assert any("duplicate id 'passport' (first at kb.yaml:3)" in p for p in found)


def test_dangling_related():
    found = problems(GOOD.replace("related: [passport]", "related: [ghost]"))
    assert found == ["kb.yaml:16: entry 'moi': related id 'ghost' does not exist"]


def test_syntax_error_has_line():
    found = problems("entries:\n  - id: a\n    title: {en: [unclosed\n")
    assert len(found) == 1 and found[0].startswith("kb.yaml:") and "YAML syntax" in found[0]


def test_aliases_are_refused():
    found = problems("a: &x [1, 2]\nentries: *x\n")
    assert found == ["kb.yaml:2: YAML aliases (*name) are not allowed"]


def test_python_tags_are_refused():
    found = problems("entries: !!python/object/apply:os.system ['echo hi']\n")
    assert len(found) == 1 and "YAML" in found[0]


def test_not_a_mapping():
    assert problems("- just\n- a list\n") == ["kb.yaml:1: a knowledge file must be a mapping with 'entries'"]


def test_missing_folder(tmp_path):
    with pytest.raises(KnowledgeBaseInvalid) as exc:
        load_path(tmp_path / "nope")
    assert "no such file or folder" in str(exc.value)


def test_bundled_kb_is_valid_and_cited():
    kb = load_bundled()
    assert len(kb) >= 48
    for entry in kb.entries:
        assert entry.sources[-1].url == "https://diasporafordevelopment.eu/", entry.id
        assert all(lang in entry.answer for lang in ("en", "km", "fr")), entry.id
        assert entry.reviewed == {"km": False, "fr": False}, entry.id


def test_round_trip_through_data(kb):
    from knowledge.loader import load_data
    again = load_data(kb.to_data())
    assert again.content_hash() == kb.content_hash()


def test_short_answer_evidence_and_as_of_load():
    kb = load_text(GOOD.replace('    answer: {en: "A passport costs US$20."}', """    answer: {en: "A passport costs US${20}.", fr: "Un passeport coûte {20} dollars US."}
    short: {en: "US$20 a passport.", fr: "{20} dollars US."}""").replace(
        '      - {title: ILO, url: "https://www.ilo.org/x.pdf"}', """      - {title: ILO, url: "https://www.ilo.org/x.pdf"}
    evidence:
      - quote: "passport costs to US$20"
      - footnote: 6
    as_of: 2009"""), "kb.yaml")
    entry = kb.get("passport")
    assert entry.short == {"en": "US$20 a passport.", "fr": "{20} dollars US."}
    assert [(e.quote, e.footnote) for e in entry.evidence] == [("passport costs to US$20", None), (None, 6)]
    assert entry.as_of == "2009"
    assert entry.short_text("km") == "US$20 a passport."  # no Khmer answer: the English one is shown
    assert kb.get("moi").short_text("en") is None


def test_short_answer_too_long_and_bad_evidence_are_reported_with_lines():
    bad = GOOD.replace('    answer: {en: "A passport costs US$20."}', """    answer: {en: "A passport costs US$20."}
    short:
      en: "%s"
      km: "ខ្លី"
    evidence:
      - quote: ""
      - footnote: many
      - {quote: a, footnote: 2}
    as_of: "August 2025"
""" % ("x" * 281))
    found = problems(bad)
    assert "kb.yaml:8: 'short.en' has 281 characters (at most 280)" in found
    assert "kb.yaml:9: 'short.km' has no answer in the same language" in found
    assert "kb.yaml:11: an evidence quote must be a non-empty text" in found
    assert "kb.yaml:12: footnote 'many' must be a whole number like 18" in found
    assert any(p.startswith("kb.yaml:13: an evidence item is either") for p in found)
    assert any(p.startswith("kb.yaml:14: as_of 'August 2025' must be a year") for p in found)


def test_braces_are_only_for_figures():
    found = problems(GOOD.replace('answer: {en: "A passport costs US$20."}', 'answer: {en: "A passport costs {US$20}."}'))
    assert found[0] == "kb.yaml:6: 'answer.en': braces are only for figures, like {2782} or {8.76%}"


def test_the_content_hash_is_the_hash_of_the_whole_canonical_json(kb):
    """Hashed piece by piece, the digest is the one of the whole JSON text (stored revisions keep theirs)."""
    import hashlib
    import json

    from knowledge.schema import KnowledgeBase

    def whole(data):
        blob = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()
    plain = tuple(kb.entries)
    for other in (kb, KnowledgeBase(plain, kb.synonyms), KnowledgeBase(()), KnowledgeBase(plain[:2]),
                  KnowledgeBase(plain[:1], {"en": (("a", "b"),)})):
        assert other.content_hash() == whole(other.to_data())


def test_a_folder_is_read_file_by_file_and_a_broken_file_still_names_its_line(tmp_path):
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(GOOD.replace("id: passport", "id: passport2").replace("id: moi", "id: moi2")
                                     .replace("related: [passport]", "related: [passport2]"), encoding="utf-8")
    assert [e.id for e in load_path(tmp_path).entries] == ["passport", "moi", "passport2", "moi2"]
    (tmp_path / "c.yaml").write_text("entries:\n  - id: x\n    kind: nonsense\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseInvalid) as exc:
        load_path(tmp_path)
    assert any(p.file.endswith("c.yaml") and p.line == 3 for p in exc.value.problems), exc.value.problems


def test_the_collector_is_paused_during_a_build_and_turned_back_on_by_the_pause_that_stopped_it():
    import gc

    from knowledge.building import paused_gc
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(KnowledgeBaseInvalid), paused_gc():
        load_text("entries: []\n")
    assert gc.isenabled()
