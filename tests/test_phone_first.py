"""Phone-first, never silent (issue 12), end to end against the fake Bot API: the flood guard,
Khmer first, the menu, labels, groups, inline, deep links, non-text messages, 'none of these'."""

from __future__ import annotations

import logging

import pytest

from bot.texts import t
from handlers.browse import PAGE_SIZE
from handlers.common import menu_text
from knowledge.labels import MAX_LABEL, label_length
from knowledge.matcher import Match, MatchResult
from tests.conftest import ADMIN, USER
from tests.test_conversation import buttons, press, send, svc, with_admin_chat  # noqa: F401
from tests.test_labels import dangling

GROUP = -200


def keyboard(msg) -> list[str]:
    """The texts of a reply keyboard (the menu under the text field) sent with a message."""
    return [b["text"] if isinstance(b, dict) else b for row in (msg.get("reply_markup") or {}).get("keyboard", [])
            for b in row]


def choose(app, *entry_ids):
    """Make the running bot's matcher hesitate between these entries, whatever is asked."""
    assistant = svc(app).assistant
    matches = tuple(Match(assistant.kb.get(i), 50.0, 60.0) for i in entry_ids)
    assistant.matcher.match = lambda q, **kw: MatchResult(q, "choose", matches)


async def tap(api, data: str, **kw) -> dict:
    """Press a button and return the message the bot sends for it."""
    n = len(api.sent_messages(USER))
    await press(api, data, **kw)
    await api.wait_for(lambda s: len(s.sent_messages(USER)) > n)
    return api.sent_messages(USER)[-1]


async def set_language(api, lang: str) -> None:
    """Tap a language button and wait for the confirmation (replies to one chat may overlap)."""
    n = len(api.sent_messages(USER))
    await press(api, f"lang:{lang}")
    await api.wait_for(lambda s: any(m["text"] == t("language_set", lang) for m in s.sent_messages(USER)[n:]))


# --- 1. never silent ----------------------------------------------------------------------------

async def test_thirty_taps_then_a_question_is_answered(api, running):
    menu = await send(api, "/topics")
    for i in range(30):  # a worker browsing: into a topic and back, each tap edits the menu in place
        data, shows = ("t:policy:0", "t:policy:1") if i % 2 == 0 else ("t:", "t:policy:0")
        await press(api, data, message_id=menu["message_id"])
        await api.wait_for(lambda s: shows in buttons(s.message(USER, menu["message_id"])))
    n = len(api.sent_messages(USER))
    api.push_message("boss no pay me 3 month", user_id=USER)
    await api.wait_for(lambda s: len(s.sent_messages(USER)) > n)
    assert "wait" not in api.sent_messages(USER)[-1]["text"]
    assert api.errors == []


async def test_a_limited_user_is_told_once_in_their_language(api, running, caplog):
    caplog.set_level(logging.WARNING, logger="handlers.flood")
    await set_language(api, "km")
    for i in range(25):
        api.push_message(f"passport price {i}", user_id=USER)
    told = t("flood_wait", "km", seconds=0).split("0")[0]
    answers = lambda s: [m for m in s.sent_messages(USER) if any(b.startswith("src:km:") for b in buttons(m))]  # noqa: E731
    warnings = lambda s: [m for m in s.sent_messages(USER) if told in m["text"]]  # noqa: E731
    await api.wait_for(lambda s: len(answers(s)) == 20 and warnings(s))  # 20 answered, then told
    assert "វិនាទី" in warnings(api)[0]["text"]
    api.push_message("passport price again", user_id=USER)
    await press(api, "fb:remittances:1")  # a tap: still allowed, and handled after the message
    assert len(warnings(api)) == 1 and len(answers(api)) == 20  # told once only
    [record] = [r for r in caplog.records if r.name == "handlers.flood"]
    assert str(USER) not in record.getMessage() and "told to wait" in record.getMessage()


async def test_admins_are_not_limited(api, running):
    for i in range(25):
        api.push_message(f"passport price {i}", user_id=ADMIN)
    await api.wait_for(lambda s: len(s.sent_messages(ADMIN)) >= 25, timeout=30)
    told = t("flood_wait", "en", seconds=0).split("0")[0]
    assert not any(told in m["text"] for m in api.sent_messages(ADMIN))


# --- 3. Khmer first, the menu -------------------------------------------------------------------

async def test_start_is_in_khmer_and_english_with_the_menu_and_language_buttons(api, running):
    api.push_command("/start", user_id=USER)
    await api.wait_for(lambda s: len(s.sent_messages(USER)) >= 2)
    welcome, choose_language = api.sent_messages(USER)[:2]
    assert t("welcome", "km") in welcome["text"] and t("welcome", "en") in welcome["text"]
    assert keyboard(welcome) == [menu_text(k, ("km", "en")) for k in ("menu_topics", "menu_language", "menu_help")]
    assert welcome["reply_markup"]["is_persistent"] is True
    assert buttons(choose_language) == ["lang:km", "lang:en", "lang:fr"]
    assert t("choose_language", "km") in choose_language["text"]
    await set_language(api, "km")
    assert keyboard(api.sent_messages(USER)[-1])[0] == "📚 ប្រធានបទ"  # the menu follows the choice
    assert api.errors == []


async def test_start_for_a_french_phone_is_in_french_only(api, running):
    api.push_command("/start", user_id=USER, language_code="fr")
    await api.wait_for(lambda s: len(s.sent_messages(USER)) >= 2)
    welcome = api.sent_messages(USER)[0]
    assert welcome["text"] == t("welcome", "fr")
    assert keyboard(welcome) == ["📚 Sujets", "🌐 Langue", "❓ Aide"]


@pytest.mark.parametrize("lang", ["en", "km", "fr"])
async def test_menu_buttons_work_in_every_language(api, running, lang):
    topics = await send(api, menu_text("menu_topics", (lang,)))
    assert "t:policy:0" in buttons(topics)
    language = await send(api, menu_text("menu_language", (lang,)))
    assert buttons(language) == ["lang:km", "lang:en", "lang:fr"]
    help_ = await send(api, menu_text("menu_help", (lang,)))
    assert "/topics" in help_["text"] and keyboard(help_)
    both = await send(api, menu_text("menu_help", ("km", "en")))
    assert "/topics" in both["text"]
    assert svc(running).query_log.flush()
    assert svc(running).db["query_log"].count == 0  # none of these was taken for a question
    assert api.errors == []


async def test_talk_to_a_person_from_the_menu(api, with_admin_chat):
    reply = await send(api, menu_text("menu_person", ("en",)))
    assert "Type your question" in reply["text"]
    answer = await send(api, "passport price")
    assert "h:ask" in buttons(answer)  # asked for a person: the button comes even with an answer
    reply = await send(api, menu_text("menu_person", ("km",)))
    assert "passport price" in reply["text"] and buttons(reply) == ["h:ask"]


async def test_help_intent_gets_the_help_and_the_menu(api, running):
    svc(running).assistant.matcher.match = lambda q, **kw: MatchResult(q, "help", ())
    reply = await send(api, "ជំនួយ")
    assert t("help_intro", "km") in reply["text"] and "/topics" in reply["text"]
    assert keyboard(reply)[0] == "📚 ប្រធានបទ"


async def test_after_forget_the_language_prompt_is_in_khmer_and_english(api, running):
    await set_language(api, "fr")
    api.push_command("/forget", user_id=USER)
    await api.wait_for(lambda s: len(s.sent_messages(USER)) >= 3)
    forgotten, prompt = api.sent_messages(USER)[1:3]
    assert forgotten["text"] == t("forgotten", "fr")
    assert t("choose_language", "km") in prompt["text"] and t("choose_language", "en") in prompt["text"]
    assert buttons(prompt) == ["lang:km", "lang:en", "lang:fr"]


# --- 4. labels that fit -------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["km", "en", "fr"])
async def test_every_topic_button_fits_and_no_khmer_sign_dangles(api, running, lang):
    await set_language(api, lang)
    menu = await send(api, "/topics")
    kb = svc(running).assistant.kb
    shown = []
    for kind in [b.split(":")[1] for b in buttons(menu) if b.count(":") == 2]:
        entries = kb.by_kind(kind)
        for page in range(-(-len(entries) // PAGE_SIZE)):
            expected = [f"e:{e.id}" for e in entries[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]]
            await press(api, f"t:{kind}:{page}", message_id=menu["message_id"])
            await api.wait_for(lambda s: [b for b in buttons(s.message(USER, menu["message_id"]))
                                          if b.startswith("e:")] == expected)
            rows = api.message(USER, menu["message_id"])["reply_markup"]["inline_keyboard"]
            shown += [(b["callback_data"][2:], b["text"]) for row in rows for b in row
                      if b["callback_data"].startswith("e:")]
    assert {entry_id for entry_id, _ in shown} == {e.id for e in kb.entries}
    for entry_id, text in shown:
        assert label_length(text) <= MAX_LABEL
        assert not dangling(text, kb.get(entry_id).label[lang]), text
    assert api.errors == []


async def test_a_khmer_title_without_label_is_cut_whole_on_its_button(api, running):
    kb = svc(running).assistant.kb
    entry = kb.get("imwg-mou-thailand")
    object.__setattr__(entry, "label", {})  # as an entry without labels would be
    choose(running, "imwg-mou-thailand", "molvt")
    await set_language(api, "km")
    msg = await send(api, "ក្រុមការងារ")
    [text] = [b["text"] for row in msg["reply_markup"]["inline_keyboard"] for b in row
              if b["callback_data"] == "e:imwg-mou-thailand"]
    assert text.endswith("…") and label_length(text) <= MAX_LABEL
    assert not dangling(text, entry.title["km"])


# --- "did you mean" and "none of these" ---------------------------------------------------------

async def test_none_of_these_offers_to_rephrase_or_a_person(api, with_admin_chat):
    choose(with_admin_chat, "acra", "dept-employment-manpower")
    await set_language(api, "km")
    msg = await send(api, "recruitment agency")
    assert buttons(msg)[-2:] == ["none", "h:ask"]
    assert t("none_of_these", "km") in msg["reply_markup"]["inline_keyboard"][-2][0]["text"]
    reply = await tap(api, "none")
    assert t("rephrase", "km") in reply["text"] and t("rephrase_person", "km") in reply["text"]
    assert buttons(reply) == ["t:", "h:ask"]
    assert "recruitment agency" in (await tap(api, "h:ask"))["text"]
    assert api.errors == []


async def test_none_of_these_without_an_admin_chat_still_leads_somewhere(api, running):
    choose(running, "acra", "molvt")
    msg = await send(api, "agency")
    assert buttons(msg)[-1] == "none"
    reply = await tap(api, "none")
    assert "other words" in reply["text"] and buttons(reply) == ["t:"]


# --- 6. groups and inline -----------------------------------------------------------------------

async def test_group_answers_reply_to_the_asker_in_the_group_language(api, running):
    asked = api.push_message("@diaspora_test_bot passport price", user_id=USER, chat_id=GROUP, chat_type="group")
    await api.wait_for(lambda s: len(s.sent_messages(GROUP)) >= 1)
    first = api.sent_messages(GROUP)[0]
    assert first["reply_parameters"]["message_id"] == asked["message"]["message_id"]
    assert any(b.startswith("src:en:") for b in buttons(first))
    reply = await send(api, "/language fr", user_id=USER, chat_id=GROUP, chat_type="group")
    assert reply["text"] == t("group_language_set", "fr")
    reply = await send(api, "@diaspora_test_bot passport price", user_id=USER + 1, chat_id=GROUP,
                       chat_type="group", language_code="km")
    assert any(b.startswith("src:fr:") for b in buttons(reply))  # the group's language, not the asker's app language
    reply = await send(api, "passport price")  # the user's private chat is not affected
    assert any(b.startswith("src:en:") for b in buttons(reply))
    assert svc(running).users.language(svc(running).user_keys.key(USER)) is None
    for row in svc(running).db["user_prefs"].rows:
        assert str(GROUP) not in str(row)
    assert api.errors == []


async def test_inline_results_are_personal_and_cached_briefly(api, running):
    api.push_inline_query("passport", user_id=USER)
    await api.wait_for(lambda s: len(s.calls_to("answerInlineQuery")) == 1)
    params = api.calls_to("answerInlineQuery")[0].params
    assert params["is_personal"] is True and int(params["cache_time"]) <= 10


# --- 7. deep links ------------------------------------------------------------------------------

async def test_deep_link_opens_the_entry_in_the_leaflets_language(api, running):
    api.push_command("/start subdecree-68-2009_km", user_id=USER)
    await api.wait_for(lambda s: len(s.sent_messages(USER)) >= 2)
    hello, answer = api.sent_messages(USER)[:2]
    assert keyboard(hello)[0] == "📚 ប្រធានបទ"
    kb = svc(running).assistant.kb
    assert kb.get("subdecree-68-2009").title["km"] in answer["text"]
    assert any(b.startswith("src:km:") for b in buttons(answer))
    assert svc(running).users.language(svc(running).user_keys.key(USER)) is None  # nothing stored


async def test_deep_link_opens_a_topic_and_a_bad_link_gets_the_welcome(api, running):
    api.push_command("/start t_policy", user_id=USER)
    await api.wait_for(lambda s: len(s.sent_messages(USER)) >= 2)
    page = api.sent_messages(USER)[1]
    assert "e:subdecree-68-2009" in buttons(page) and "t:policy:1" in buttons(page)
    api.push_command("/start nothing-like-this", user_id=USER)
    await api.wait_for(lambda s: len(s.sent_messages(USER)) >= 4)
    assert "Every answer says where it comes from" in api.sent_messages(USER)[2]["text"]
    assert api.errors == []


# --- 9. photos, stickers, files, locations ------------------------------------------------------

async def test_photo_sticker_document_and_location_lead_on(api, with_admin_chat):
    n = len(api.sent_messages(USER))
    api.push_photo(user_id=USER)
    api.push_sticker(user_id=USER)
    api.push_document("scan.pdf", b"%PDF-1.4", user_id=USER)
    api.push_update({"message": {"message_id": 900, "date": 0, "from": {"id": USER, "is_bot": False,
                                 "first_name": "T", "language_code": "en"},
                                 "chat": {"id": USER, "type": "private", "first_name": "T"},
                                 "location": {"latitude": 13.7, "longitude": 100.5}}})
    await api.wait_for(lambda s: len(s.sent_messages(USER)) >= n + 4)
    for msg in api.sent_messages(USER)[n:]:
        assert msg["text"] == t("media_reply", "en") and buttons(msg) == ["t:", "p:"]
    assert "Type your question" in (await tap(api, "p:"))["text"]
    assert api.errors == []


async def test_a_photo_in_khmer_gets_the_khmer_reply(api, running):
    await set_language(api, "km")
    n = len(api.sent_messages(USER))
    api.push_photo(user_id=USER)
    await api.wait_for(lambda s: len(s.sent_messages(USER)) > n)
    msg = api.sent_messages(USER)[-1]
    assert msg["text"] == t("media_reply", "km") and buttons(msg) == ["t:"]
    n = len(api.sent_messages(USER))
    await press(api, "t:", message_id=msg["message_id"])
    await api.wait_for(lambda s: "t:policy:0" in buttons(s.message(USER, msg["message_id"])))


async def test_source_titles_are_in_the_reply_language_where_the_source_has_one(api, running):
    from knowledge.loader import load_text
    from tests.test_labels import TRANSLATED_SOURCE

    svc(running).assistant.switch(load_text(TRANSLATED_SOURCE))
    await set_language(api, "km")
    n = len(api.sent_messages(USER))
    api.push_command("/start sample", user_id=USER)  # a greeting, then the entry
    await api.wait_for(lambda s: any("src:km:sample" in buttons(m) for m in s.sent_messages(USER)[n:]))
    sources = await tap(api, "src:km:sample")  # the Sources button under the answer
    assert ">ឯកសារ</a>" in sources["text"] and "The profile" not in sources["text"]
    listing = await send(api, "/sources")
    assert ">ឯកសារ</a>" in listing["text"]
    assert api.errors == []
