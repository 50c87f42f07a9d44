"""How people really type, end to end through the real Application and the fake Bot API:
romanized Khmer, misspelt Khmer, questions about another place, help words."""

from __future__ import annotations

from bot.texts import t
from tests.test_conversation import buttons, send


async def test_romanized_khmer_is_answered_in_khmer(api, running):
    reply = await send(api, "pasport tlai ponman")
    assert "src:km:subdecree-68-2009" in buttons(reply)
    assert "20" in reply["text"]


async def test_misspelt_khmer_finds_the_fee(api, running):
    reply = await send(api, "លិខិតឆ្លងដែនតំលៃប៉ុន្មាន")  # តំលៃ, the common spelling of តម្លៃ
    assert "src:km:subdecree-68-2009" in buttons(reply)


async def test_a_question_about_another_country_gets_no_cambodian_answer(api, running):
    reply = await send(api, "how much is a thai passport for thai people")
    assert not any(b.startswith("src:") for b in buttons(reply))  # no answer, at most choices
    assert "more:en:subdecree-68-2009" not in buttons(reply)


async def test_help_word_gets_the_help_not_an_entry(api, running):
    reply = await send(api, "menu")
    assert not any(b.startswith(("src:", "more:")) for b in buttons(reply))
    assert t("help_intro", "en").split("\n")[0][:30] in reply["text"]
