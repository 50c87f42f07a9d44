"""The console chat: its own help, numbers and commands handled (never logged), help intent,
'none of these', short answers first with `more` and `sources` as the Telegram buttons."""

from __future__ import annotations

import io

from bot import console
from knowledge.matcher import Match, MatchResult


def chat(assistant, text: str, language: str | None = None) -> str:
    out = io.StringIO()
    assert console.run(assistant, io.StringIO(text), out, language) == 0
    return out.getvalue()


def test_help_lists_only_what_the_console_does(assistant):
    out = chat(assistant, "/help\n")
    for command in ("/topics", "/language", "/help", "/quit"):
        assert command in out
    for telegram_only in ("/privacy", "/sources", "/about", "/forget", "/start -", "/export"):
        assert telegram_only not in out


def test_commands_numbers_and_unknown_commands_never_reach_the_query_log(assistant):
    out = chat(assistant, "/foo\n99\n/privacy\n/topics\n3\n/language km\n/help\n0\npassport price\n")
    assert out.count("Unknown command") == 2  # /foo and /privacy
    assert "There is no choice 99" in out
    assert [r["question"] for r in assistant.query_log.db["query_log"].rows] == ["passport price"]


def test_help_intent_shows_the_help(assistant, monkeypatch):
    monkeypatch.setattr(assistant.matcher, "match", lambda q, **kw: MatchResult(q, "help", ()))
    out = chat(assistant, "ជំនួយ\n")
    assert "/topics" in out and "/quit" in out and "/privacy" not in out


def choose(assistant, *entry_ids: str):
    """A matcher that hesitates between these entries, whatever is asked."""
    matches = tuple(Match(assistant.kb.get(i), 50.0, 60.0) for i in entry_ids)
    return lambda q, **kw: MatchResult(q, "choose", matches)


def test_none_of_these_offers_to_rephrase(assistant, monkeypatch):
    monkeypatch.setattr(assistant.matcher, "match", choose(assistant, "acra", "molvt"))
    out = chat(assistant, "recruitment agency\n0\n")
    assert "0. None of these" in out
    assert "Try asking again in other words" in out
    assert chat(assistant, "0\n").count("There is no choice 0") == 1  # no list shown yet


def chat_lines(assistant, lines):
    out = io.StringIO()
    assert console.run(assistant, io.StringIO("\n".join(lines) + "\n"), out) == 0
    return out.getvalue().split("\n\n")


def test_short_answer_then_more_then_sources(assistant):
    reply = assistant.ask("How much does a passport cost for a migrant worker?", log=False)
    out = "\n\n".join(chat_lines(assistant, ["How much does a passport cost for a migrant worker?", "more", "sources"]))
    short_at = out.index(reply.short)
    more_at = out.index(reply.answer)
    sources_at = out.index("https://www.ilo.org/wcmsp5/groups/public/---asia/---ro-bangkok/documents/publication/wcms_145704.pdf")
    assert short_at < more_at < sources_at
    assert out[:more_at].count("http") == 0  # no links before `sources`
    assert "As of 2009" in out


def test_more_in_khmer_and_before_any_answer(assistant):
    out = "\n\n".join(chat_lines(assistant, ["more", "លិខិតឆ្លងដែនតម្លៃប៉ុន្មាន", "អានបន្ថែម"]))
    km = assistant.ask("លិខិតឆ្លងដែនតម្លៃប៉ុន្មាន", log=False)
    assert km.answer in out and km.short in out
    assert "“អានបន្ថែម”" in out  # the hint under the short answer, in Khmer
