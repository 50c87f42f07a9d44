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
