"""The live knowledge base: changes prepared against a base revision, guarded, followed by the bot."""

from __future__ import annotations

import threading

import pytest

from bot.diff import diff_kb, format_diff, word_diff
from bot.live import LiveKnowledge, NoChange, RemovesEverything, RevisionConflict, TooManyRemovals
from knowledge.loader import load_data


def changed(kb, entry_id: str, **fields):
    data = kb.to_data()
    entry = next(e for e in data["entries"] if e["id"] == entry_id)
    for name, value in fields.items():
        entry[name] = value
    if "answer" in fields and "short" not in fields:  # a short answer needs its language's answer
        entry["short"] = {lang: text for lang, text in entry.get("short", {}).items() if lang in fields["answer"]}
    return load_data(data)


def without(kb, count: int):
    data = kb.to_data()
    gone = {e["id"] for e in data["entries"][:count]}
    data["entries"] = [e for e in data["entries"] if e["id"] not in gone]
    for entry in data["entries"]:
        entry["related"] = [r for r in entry.get("related", []) if r not in gone]
    return load_data(data)


@pytest.fixture
def live(db):
    live = LiveKnowledge(db)
    live.load()
    return live


def test_a_change_on_a_stale_base_is_refused_and_the_newer_revision_kept(live, kb):
    mine = live.prepare(changed(kb, "acra", answer={"en": "Mine."}), "upload")
    theirs = live.apply(live.prepare(changed(kb, "moi", answer={"en": "Theirs."}), "cli"), "cli")
    with pytest.raises(RevisionConflict):
        live.apply(mine, "42")
    assert live.revisions.current().id == theirs.id
    assert live.current()[0].get("moi").answer["en"] == "Theirs."


def test_no_change_and_removing_everything_are_refused(live, kb):
    with pytest.raises(NoChange):
        live.prepare(kb, "same")
    other = load_data({"entries": [{"id": "x", "kind": "fact", "title": {"en": "X"}, "answer": {"en": "Y"},
                                    "sources": [{"title": "T", "url": "https://example.org/"}]}]})
    with pytest.raises(RemovesEverything):
        live.prepare(other, "other")
    assert live.revisions.current_id() == 1


def test_removals_over_the_limit_need_confirmation(live, kb):
    change = live.prepare(without(kb, 6), "fewer")
    with pytest.raises(TooManyRemovals):
        live.apply(change, "42", max_removals=5)
    assert live.revisions.current_id() == 1
    assert live.apply(change, "42", max_removals=None).id == 2
    assert live.apply(live.prepare(without(kb, 8), "two more"), "42", max_removals=5).id == 3  # 2 removals


def test_rollback_lists_the_revisions_it_undoes(live, kb):
    live.apply(live.prepare(changed(kb, "acra", answer={"en": "One."}), "first edit"), "42")
    live.apply(live.prepare(changed(kb, "acra", answer={"en": "Two."}), "second edit"), "cli")
    change, undone = live.prepare_rollback(1)
    assert [(r["id"], r["note"]) for r in undone] == [(3, "second edit"), (2, "first edit")]
    assert change.kb.content_hash() == kb.content_hash()
    with pytest.raises(NoChange):
        live.prepare_rollback(3)


async def test_follow_serves_a_revision_made_elsewhere_building_off_the_event_loop(live, kb):
    class Recorder:
        def __init__(self):
            self.switched = []

        def switch(self, new_kb, content_hash=None):
            self.switched.append((new_kb.get("acra").answer["en"], threading.current_thread()))

    assistant = Recorder()
    assert await live.follow(assistant) is None  # nothing new: no build
    rev = live.apply(live.prepare(changed(kb, "acra", answer={"en": "Elsewhere."}), "cli"), "cli")
    assert (await live.follow(assistant)).id == rev.id
    assert assistant.switched[0][0] == "Elsewhere."
    assert assistant.switched[0][1] is not threading.main_thread()
    assert await live.follow(assistant) is None and len(assistant.switched) == 1


def test_diff_lists_changed_fields_with_words_before_and_after(kb):
    old = kb.get("subdecree-68-2009")
    new = changed(kb, "subdecree-68-2009",
                  answer={**old.answer, "en": old.answer["en"].replace("US$20", "US$25", 1)},
                  questions={**{k: list(v) for k, v in old.questions.items()},
                             "en": [*old.questions["en"], "pink card"]})
    diff = diff_kb(kb, new)
    assert [c.id for c in diff.changed] == ["subdecree-68-2009"]
    assert [f.path for f in diff.changed[0].fields] == ["answer.en", "questions.en"]
    short, full = format_diff(diff), format_diff(diff, full=True)
    assert "[-US$20 -]" not in short and "[-US$20" in short and "{+US$25" in short and "+ pink card" in short
    assert "…" in short and f"before: {old.answer['en']}" in full


def test_word_diff_marks_words_and_khmer_words():
    assert word_diff("go to the office now", "go to the new office now") == "go to the {+new+} office now"
    assert word_diff("a b c", "a x c") == "a [-b-] {+x+} c"
    km = word_diff("ថ្លៃលិខិតឆ្លងដែន", "ថ្លៃលិខិតឆ្លងដែនថ្មី")
    assert km.startswith("ថ្លៃ") and "{+" in km and "[-" not in km.split("{+")[0]


def test_a_new_order_alone_is_a_change(live, kb):
    data = kb.to_data()
    data["entries"].reverse()
    change = live.prepare(load_data(data), "reordered")
    assert not change.diff.empty and "new order" in format_diff(change.diff)


def test_the_served_revision_is_kept_without_its_content(db, kb):
    """The content (tens of megabytes at 10,000 entries) is not held beside the knowledge base made of it."""
    live = LiveKnowledge(db)
    served, rev = live.load()
    assert rev.content is None and live.served.content is None and rev.content_hash == served.content_hash()
    stored = live.revisions.get(rev.id)
    assert stored.content == kb.to_data() and stored.content_hash == rev.content_hash


async def test_a_stored_revision_is_read_back_entry_by_entry_from_any_thread(tmp_path, kb):
    from storage.db import open_database
    first = LiveKnowledge(open_database(tmp_path / "b.db"))
    loaded, rev = first.load()
    assert loaded == kb
    again = LiveKnowledge(open_database(tmp_path / "b.db"))  # a warm start: read from the revision
    served, same = again.load()
    assert same.id == rev.id and served == kb and served.content_hash() == rev.content_hash
    assert await again.knowledge_async(rev) == kb  # in a worker thread, on a connection of its own
    taught = changed(kb, kb.entries[0].id, questions={"en": ["a question taught"]})
    new = again.apply(again.prepare(taught, "teach"), "admin")
    assert again.knowledge(new) == taught and again.current()[0] == taught
