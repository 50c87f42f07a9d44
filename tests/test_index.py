"""The typo index gives the candidates a full rapidfuzz scan of the vocabulary gives."""

from __future__ import annotations

import random

import numpy as np
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


# --- the compact arrays -------------------------------------------------------------------------

def test_each_integer_array_takes_the_narrowest_type_its_values_fit():
    from knowledge.index import narrow

    assert narrow(np.array([0, 255])).dtype == np.uint8
    assert narrow(np.array([0, 256])).dtype == np.uint16
    assert narrow(np.array([65_535])).dtype == np.uint16
    assert narrow(np.array([65_536])).dtype == np.uint32
    assert narrow(np.array([2**32])).dtype == np.int64
    assert narrow(np.zeros(0, dtype=np.int64)).dtype == np.uint8
    assert narrow(np.array([70_000, 3])).tolist() == [70_000, 3]


def test_an_index_past_16_bits_of_entries_and_words_keeps_every_id():
    """70,000 entries, each with a word of its own: entry and token ids need 32 bits, and the
    postings, the rows and the phrasings still name the right entries and words."""
    from knowledge.index import EntryIndex

    n = 70_000
    rows = [([(("shared", f"w{e:05d}"), 1.0)], [f"w{e:05d}", f"w{e:05d}", "answer"]) for e in range(n)]
    index = EntryIndex.build(iter(rows))
    assert len(index.vocab) == n + 2
    assert index.post_ids.dtype == np.uint32 and index.ent_toks.dtype == np.uint32
    assert index.phr_toks.dtype == np.uint32 and index.tp_ids.dtype == np.uint32
    ids, weights, short = index.postings(index.ids["shared"])
    assert ids.tolist() == list(range(n)) and ids[short].tolist() == list(range(n))
    last = f"w{n - 1:05d}"
    ids, weights, short = index.postings(index.ids[last])
    assert ids.tolist() == [n - 1] and ids[short].tolist() == [n - 1]
    assert index.postings(index.ids["answer"])[0][index.postings(index.ids["answer"])[2]].tolist() == []
    assert index.row(n - 1) == rows[n - 1]
    assert index.words_of(n - 1) == {"shared", "answer", last}
    mask = np.zeros(n, dtype=bool)
    mask[[0, n - 1]] = True
    assert index.phrasings_with({index.ids[last], index.ids["shared"]}, mask) == {0: [0], n - 1: [n - 1]}
    # Each phrasing's weight is the sum of its IDFs, also past the first block of phrasings.
    idf = index.idf_list
    assert index.phr_weight.tolist() == [sum(idf[t] for t in index.phrasing(k)) for k in range(n)]


def test_the_short_field_postings_are_the_entries_with_the_word_in_a_phrasing(matcher):
    index = matcher._index
    in_phrasings = {}
    for e in range(index.n_entries):
        for k in range(int(index.phr_entry_ptr[e]), int(index.phr_entry_ptr[e + 1])):
            for t in index.phrasing(k):
                in_phrasings.setdefault(t, set()).add(e)
    for t in range(len(index.vocab)):
        ids, _, short = index.postings(t)
        assert sorted(ids[short].tolist()) == sorted(in_phrasings.get(t, ())), index.vocab[t]
        assert sorted(ids.tolist()) == sorted(set(ids.tolist()))  # an entry once per word
    assert index.topic_words() == sorted(index.vocab[t] for t in in_phrasings)


def test_a_word_longer_than_any_length_type_is_compared_without_overflow():
    """Word lengths are stored in 8 bits: a 300-letter question word or a 255-letter known word
    must neither wrap nor overflow in the length bounds."""
    words = sorted(["passport", "x" * 255])
    index = SimilarWords(words)
    for token in ("p" * 300, "x" * 254, "x" * 300):
        for cutoff in (0, 80):
            assert index.extract(token, cutoff, 3) == scan(token, words, cutoff, 3), (token[:3], cutoff)


def test_an_index_of_no_entries_or_of_entries_without_words_is_empty_not_an_error():
    from knowledge.index import EntryIndex

    assert EntryIndex.build(iter([])).n_entries == 0
    index = EntryIndex.build(iter([([], []), ([(("visa",), 1.0)], []), ([], [])]))
    assert index.n_entries == 3 and index.vocab == ["visa"]
    assert index.postings(0)[0].tolist() == [1] and index.words_of(0) == set() and index.row(2) == ([], [])
    assert index.row(1) == ([(("visa",), 1.0)], [])


def test_ids_given_as_numpy_numbers_of_the_index_own_type_do_not_wrap():
    """With 65,536 entries, entry ids are 16 bits: the last one, taken from the postings, plus one
    would be 0 in its own type."""
    from knowledge.index import EntryIndex

    n = 65_536
    index = EntryIndex.build(iter([([(("word",), 1.0)], ["last"] if e == n - 1 else []) for e in range(n)]))
    ids = index.postings(index.ids["last"])[0]
    assert ids.dtype == np.uint16 and ids.tolist() == [n - 1]
    assert index.words_of(ids[0]) == {"word", "last"}
    assert index.row(ids[0]) == ([(("word",), 1.0)], ["last"])
    assert index.phrasing(np.uint16(n - 1)) == [index.ids["word"]]
    assert index.postings(np.uint8(index.ids["word"]))[0].tolist() == list(range(n))


def test_stored_arrays_and_words_read_back_with_their_types(tmp_path):
    from knowledge.index import load_arrays, save_arrays

    arrays = {"ids": np.arange(70_000, dtype=np.uint32), "w": np.array([0.5, 1.1], dtype=np.float32),
              "none": np.zeros(0, dtype=np.uint8), "idf": np.array([1.1, 2.2])}
    words = {"vocab": ["passport", "លិខិតឆ្លងដែន", "visa"], "empty": []}
    save_arrays(tmp_path / "i.npz", arrays, words)
    read, read_words = load_arrays(tmp_path / "i.npz")
    assert read_words == words and read.keys() == arrays.keys()
    for name, value in arrays.items():
        assert read[name].dtype == value.dtype and np.array_equal(read[name], value), name
    assert [p.name for p in tmp_path.iterdir()] == ["i.npz"]  # no temporary file left


def test_each_phrasing_keeps_its_factor_whatever_order_factors_first_come_in():
    from knowledge.index import EntryIndex

    rows = [([(("name",), 1.1), (("key",), 0.9)], ["answer"]), ([(("title",), 1.0), (("other",), 0.9)], [])]
    index = EntryIndex.build(iter(rows))
    assert index.factors.tolist() == [0.9, 1.0, 1.1] and index.phr_kind.dtype == np.uint8
    assert [index.factor(k) for k in range(4)] == [1.1, 0.9, 1.0, 0.9]
    assert [index.row(e) for e in range(2)] == rows


def test_freed_memory_is_given_back_where_the_allocator_allows_it():
    import platform

    from knowledge.building import release_freed_memory
    assert release_freed_memory() is (platform.libc_ver()[0] == "glibc")
