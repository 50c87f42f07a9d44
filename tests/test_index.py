"""The typo index gives the candidates a full rapidfuzz scan of the vocabulary gives."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from knowledge.index import SimilarWords


def scan(token: str, words: list[str], cutoff: float, limit: int) -> list[tuple[str, float]]:
    return [(w, s) for w, s, _ in process.extract(token, words, scorer=fuzz.ratio, score_cutoff=cutoff, limit=limit)]


def typos(word: str, rng: random.Random, alphabet: str) -> list[str]:
    """The word with one or two letters dropped, doubled, swapped or replaced."""
    out = []
    for _ in range(6):
        w = list(word)
        for _ in range(rng.randint(1, 2)):
            i = rng.randrange(len(w))
            op = rng.randrange(4)
            if op == 0 and len(w) > 1:
                del w[i]
            elif op == 1:
                w.insert(i, w[i])
            elif op == 2 and i + 1 < len(w):
                w[i], w[i + 1] = w[i + 1], w[i]
            else:
                w[i] = rng.choice(alphabet)
        out.append("".join(w))
    return out


@pytest.fixture(scope="module")
def topic_words(matcher):
    return matcher._similar.words


def test_same_candidates_as_a_full_scan_on_the_bundled_vocabulary(topic_words):
    index = SimilarWords(topic_words)
    rng = random.Random(15)
    latin = "abcdefghijklmnopqrstuvwxyz"
    khmer = "".join(chr(c) for c in range(0x1780, 0x17d3))
    sample = rng.sample(topic_words, 300)
    tokens = [t for w in sample for t in typos(w, rng, khmer if w[0] >= "\u1780" else latin)]
    # Long Khmer runs (a misspelt phrase the segmenter cut in pieces, joined again).
    km = [w for w in topic_words if w[0] >= "\u1780"]
    tokens += ["".join(rng.sample(km, 3)) for _ in range(100)]
    checked = 0
    for token in tokens:
        if len(token) < 4:
            continue
        for cutoff in (80, 84):
            assert index.extract(token, cutoff, 3) == scan(token, topic_words, cutoff, 3), token
            checked += 1
    assert checked > 1000
    assert any(index.extract(t, 80, 3) for t in tokens)  # the sample does contain typos found


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text("abcde", min_size=1, max_size=9), min_size=1, max_size=40, unique=True),
       st.text("abcde", min_size=1, max_size=12), st.sampled_from([60, 70, 80, 84, 90]))
def test_same_candidates_for_any_words_and_cutoff(words, token, cutoff):
    words = sorted(words)
    assert SimilarWords(words).extract(token, cutoff, 3) == scan(token, words, cutoff, 3)


def test_an_empty_vocabulary_has_no_candidates():
    assert SimilarWords([]).extract("passport", 80, 3) == []


# --- the index stored per revision -------------------------------------------------------------

QUESTIONS = ["passport price", "how to send money home", "ធ្វើលិខិតឆ្លងដែន", "vote from abroad", "pizza recipe"]


def readings(matcher) -> list:
    return [[(c.entry.id, c.signals) for c in matcher.read(q).candidates] for q in QUESTIONS]


def test_a_start_reads_the_stored_index_instead_of_building_it(kb, matcher, tmp_path, monkeypatch):
    from knowledge.index import EntryIndex
    from knowledge.matcher import Matcher

    Matcher(kb, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("*.npz"))) == 1

    def no_build(*args, **kwargs):
        raise AssertionError("the index was rebuilt")
    monkeypatch.setattr(EntryIndex, "build", no_build)
    assert readings(Matcher(kb, cache_dir=tmp_path)) == readings(matcher)


def test_another_content_or_synonyms_never_uses_a_stored_index(kb, tmp_path):
    from knowledge.matcher import Matcher
    from knowledge.schema import KnowledgeBase

    Matcher(kb, cache_dir=tmp_path)
    smaller = KnowledgeBase(kb.entries[:-1], kb.synonyms)
    assert Matcher(smaller, cache_dir=tmp_path).read("passport price").candidates
    fewer_synonyms = KnowledgeBase(kb.entries, {})
    Matcher(fewer_synonyms, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("*.npz"))) == 3


@pytest.mark.parametrize("damage", [b"", b"not a zip file", "truncate", "foreign"])
def test_a_corrupt_stored_index_is_rebuilt_not_a_crash(kb, matcher, tmp_path, damage):
    import numpy as np

    from knowledge.matcher import Matcher

    Matcher(kb, cache_dir=tmp_path)
    (path,) = tmp_path.glob("*.npz")
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "foreign":  # a well-formed file whose arrays do not fit together
        np.savez(path, idf=np.zeros(3), post_ids=np.arange(5))
    else:
        path.write_bytes(damage)
    assert readings(Matcher(kb, cache_dir=tmp_path)) == readings(matcher)
    assert readings(Matcher(kb, cache_dir=tmp_path)) == readings(matcher)  # rewritten, readable


def test_an_unwritable_cache_folder_only_costs_a_rebuild(kb, matcher, tmp_path):
    from knowledge.matcher import Matcher

    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    assert readings(Matcher(kb, cache_dir=blocked / "index")) == readings(matcher)


def test_the_bot_stores_the_served_revisions_index_beside_its_database(tmp_path, monkeypatch):
    from bot.config import Config
    from bot.services import Services
    from knowledge.index import EntryIndex

    config = Config.from_env({"DIASPORA_BOT_DB": str(tmp_path / "bot.db"), "HOME": str(tmp_path)})
    first = Services.build(config)
    answer = first.assistant.ask("passport price", log=False).result
    first.close()
    assert len(list((tmp_path / "index-cache").glob("*.npz"))) == 1

    def no_build(*args, **kwargs):
        raise AssertionError("the index was rebuilt")
    monkeypatch.setattr(EntryIndex, "build", no_build)
    again = Services.build(config)
    assert again.assistant.ask("passport price", log=False).result == answer
    again.close()


def test_a_taught_phrasing_retokenises_one_entry_and_answers_as_a_full_rebuild(kb, monkeypatch):
    """The index of a revision that adds one alternate question is derived from the served one:
    only the taught entry is tokenised, and the index and the answers are the full rebuild's."""
    import numpy as np
    import yaml

    from handlers.admin import add_question
    from knowledge.matcher import Matcher

    served = Matcher(kb)
    taught = add_question(kb, "national-id-card", "en", "how do i renew my khmer id card from korea")
    assert taught is not None
    tokenised = []
    entry_tokens = Matcher._entry_tokens

    def spy(self, entry, *args, **kwargs):
        tokenised.append(entry.id)
        return entry_tokens(self, entry, *args, **kwargs)
    monkeypatch.setattr(Matcher, "_entry_tokens", spy)
    derived = Matcher(taught, previous=served)
    assert tokenised == ["national-id-card"]
    monkeypatch.setattr(Matcher, "_entry_tokens", entry_tokens)
    full = Matcher(taught)
    assert derived._index.vocab == full._index.vocab
    for name, array in full._index.arrays.items():
        assert np.array_equal(derived._index.arrays[name], array), name
    questions = [c["q"] for f in ("questions.yaml", "questions_typed.yaml")
                 for c in yaml.safe_load(open(f"tests/data/{f}", encoding="utf-8"))["cases"]]
    questions.append("how do i renew my khmer id card from korea")
    for q in questions:
        assert derived.match(q) == full.match(q), q
