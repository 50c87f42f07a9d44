"""A revision of 10,000 entries is built off the event loop while questions keep being answered."""

from __future__ import annotations

import asyncio
import random
import threading

from bot.assistant import Assistant
from bot.live import LiveKnowledge
from knowledge.index import EntryIndex
from knowledge.schema import Entry, KnowledgeBase, Source

QUESTIONS = ["passport price", "how to send money home", "vote from abroad", "ធ្វើលិខិតឆ្លងដែន", "pizza recipe"]


def look_alikes(kb: KnowledgeBase, n: int) -> KnowledgeBase:
    """The knowledge base with synthetic entries made of its own words, up to n entries."""
    rng = random.Random(15)
    vocab = sorted({w for e in kb.entries for q in e.questions.get("en", ()) for w in q.split()})
    extra = tuple(Entry(id=f"gen-{i}", kind="fact", title={"en": " ".join(rng.sample(vocab, 4))},
                        answer={"en": " ".join(rng.sample(vocab, 12))},
                        questions={"en": (" ".join(rng.sample(vocab, 5)),)}, keywords={},
                        sources=(Source("generated", "https://example.org/"),))
                  for i in range(n - len(kb)))
    return KnowledgeBase(kb.entries + extra, kb.synonyms)


async def test_a_10000_entry_revision_is_applied_while_questions_keep_being_answered(db, kb, monkeypatch):
    live = LiveKnowledge(db)
    served, _ = live.load()
    assistant = Assistant(served)
    before = [assistant.ask(q, log=False).result for q in QUESTIONS]
    rev = live.commit(look_alikes(kb, 10_000), "another process")

    # The build of the new index is held until the event loop has answered again.
    building, release = threading.Event(), threading.Event()
    build = EntryIndex.build.__func__

    def held_build(cls, entries):
        building.set()
        assert release.wait(600), "the test never released the build"
        return build(cls, entries)
    monkeypatch.setattr(EntryIndex, "build", classmethod(held_build))

    following = asyncio.create_task(live.follow(assistant))
    await asyncio.to_thread(building.wait)
    during = [assistant.ask(q, log=False).result for q in QUESTIONS]  # on the loop, the build under way
    assert during == before and len(assistant.kb) == len(kb)
    assert not following.done()
    release.set()
    assert (await following).id == rev.id
    assert len(assistant.kb) == 10_000
    assert assistant.ask("passport price", log=False).result.best.entry.id == before[0].best.entry.id
