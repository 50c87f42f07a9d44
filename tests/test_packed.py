"""Entries kept compressed in memory: the same entries, the same hash, read one at a time."""

from __future__ import annotations

import pytest

from knowledge import packed
from knowledge.packed import PackedEntries, entry_from_data
from knowledge.schema import KnowledgeBase


def test_every_bundled_entry_comes_back_equal_from_its_data(kb):
    for entry in kb.entries:
        assert entry_from_data(entry.to_data()) == entry


def test_the_loader_packs_and_the_packed_sequence_reads_like_a_tuple(kb):
    assert isinstance(kb.entries, PackedEntries)
    plain = tuple(kb.entries)
    assert len(kb.entries) == len(plain) > 10
    assert kb.entries[0] == plain[0] and kb.entries[-1] == plain[-1]
    assert kb.entries[2:5] == plain[2:5]
    assert kb.entries == plain and kb.entries == PackedEntries(plain)
    assert kb.entries != plain[:-1]
    with pytest.raises(IndexError):
        kb.entries[len(plain)]
    assert kb.get(plain[3].id) == plain[3] and kb.get("no-such-entry") is None
    assert [e.id for e in kb.by_kind("institution")] == [e.id for e in plain if e.kind == "institution"]


def test_packed_and_plain_knowledge_bases_hash_alike(kb):
    plain = KnowledgeBase(tuple(kb.entries), kb.synonyms)
    assert kb.content_hash() == plain.content_hash()
    changed = KnowledgeBase(tuple(kb.entries)[1:], kb.synonyms)
    assert changed.content_hash() != kb.content_hash()


def test_only_the_last_entries_read_are_kept_as_objects(kb, monkeypatch):
    monkeypatch.setattr(packed, "CACHED_ENTRIES", 3)
    entries = PackedEntries(tuple(kb.entries)[:10])
    first = entries[0]
    assert entries[0] is first  # cached
    for i in range(1, 5):
        entries[i]
    assert entries[0] == first and entries[0] is not first  # made again after being dropped
    assert list(entries) == list(tuple(kb.entries)[:10])


def test_one_entry_replaced_is_validated_and_the_others_shared(kb):
    from knowledge.loader import KnowledgeBaseInvalid, load_data, with_entry
    entry = kb.entries[4]
    data = entry.to_data()
    data["questions"]["en"] = list(data["questions"].get("en", ())) + ["a new way to ask"]
    taught = with_entry(kb, data)
    assert taught.get(entry.id).questions["en"][-1] == "a new way to ask"
    assert taught == load_data({**kb.to_data(), "entries": [data if e["id"] == entry.id else e
                                                             for e in kb.to_data()["entries"]]})
    assert taught.entries._packs[5] is kb.entries._packs[5]  # not compressed again
    with pytest.raises(KnowledgeBaseInvalid, match="related id 'nowhere'"):
        with_entry(kb, {**data, "related": ["nowhere"]})
    with pytest.raises(KnowledgeBaseInvalid, match="kind"):
        with_entry(kb, {**data, "kind": "rumour"})
