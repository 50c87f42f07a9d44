"""The console chat: short answers first, `more` and `sources` as the Telegram buttons (bot/console.py)."""

import io

from bot import console


def chat(assistant, lines):
    out = io.StringIO()
    assert console.run(assistant, io.StringIO("\n".join(lines) + "\n"), out) == 0
    return out.getvalue().split("\n\n")


def test_short_answer_then_more_then_sources(assistant):
    reply = assistant.ask("How much does a passport cost for a migrant worker?", log=False)
    out = "\n\n".join(chat(assistant, ["How much does a passport cost for a migrant worker?", "more", "sources"]))
    short_at = out.index(reply.short)
    more_at = out.index(reply.answer)
    sources_at = out.index("https://www.ilo.org/wcmsp5/groups/public/---asia/---ro-bangkok/documents/publication/wcms_145704.pdf")
    assert short_at < more_at < sources_at
    assert out[:more_at].count("http") == 0  # no links before `sources`
    assert "As of 2009" in out


def test_more_in_khmer_and_before_any_answer(assistant):
    out = "\n\n".join(chat(assistant, ["more", "លិខិតឆ្លងដែនតម្លៃប៉ុន្មាន", "អានបន្ថែម"]))
    km = assistant.ask("លិខិតឆ្លងដែនតម្លៃប៉ុន្មាន", log=False)
    assert km.answer in out and km.short in out
    assert "“អានបន្ថែម”" in out  # the hint under the short answer, in Khmer
