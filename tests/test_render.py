import html
import re

from bot.assistant import Reply, entry_reply
from bot.render import TELEGRAM_LIMIT, reply_html, reply_json, reply_plain, sources_html, split_blocks
from knowledge.matcher import MatchResult
from knowledge.schema import Entry, Source


def entry(answer="A <b> & c", title="T <1>", url="https://example.org/?a=1&b=2", **kw):
    return Entry(id="x", kind="fact", title={"en": title}, answer={"en": answer}, questions={}, keywords={},
                 sources=(Source("Src & co", url),), **kw)


def visible(html_text):
    return html.unescape(re.sub(r"<[^>]+>", "", html_text))


def test_html_escapes_every_text():
    [msg] = reply_html(entry_reply("q", entry(), "en"), sources=True)
    assert "<b>T &lt;1&gt;</b>" in msg
    assert "A &lt;b&gt; &amp; c" in msg
    assert '<a href="https://example.org/?a=1&amp;b=2">Src &amp; co</a>' in msg
    [sources] = sources_html(entry_reply("q", entry(), "en"))
    assert sources.startswith("<b>Sources:</b> T &lt;1&gt;\n")
    assert '<a href="https://example.org/?a=1&amp;b=2">Src &amp; co</a>' in sources


def test_long_answer_is_split_within_limit():
    long_answer = ("word & <tag> " * 1200).strip()
    parts = reply_html(entry_reply("q", entry(answer=long_answer), "en"))
    assert len(parts) >= 2
    assert all(len(visible(p).encode("utf-16-le")) // 2 <= TELEGRAM_LIMIT for p in parts)
    joined = " ".join(visible(p) for p in parts)
    assert joined.count("<tag>") == 1200


def test_split_counts_utf16_units():
    parts = split_blocks(["😀" * 3000])
    assert len(parts) == 2
    assert all(len(p.encode("utf-16-le")) // 2 <= TELEGRAM_LIMIT for p in parts)


def test_fallback_to_english_is_said():
    reply = entry_reply("q", entry(), "fr")
    assert reply.fell_back
    assert "Pas encore disponible en français" in reply_html(reply)[0]


def test_unknown_reply_lists_topics_and_json_shape():
    reply = Reply("asdkjh", "en", MatchResult("asdkjh", "unknown", ()))
    [msg] = reply_html(reply)
    assert "I don't know" in msg and "/topics" in msg
    data = reply_json(reply)
    assert data["answered"] is False and data["entry_id"] is None and data["sources"] == []
    assert set(data) == {"query", "language", "answered", "entry_id", "title", "short", "answer", "as_of", "sources",
                         "score", "suggestions"}
    assert "I don't know" in reply_plain(reply)


def test_reply_language_order():
    from bot.assistant import choose_language
    assert choose_language("passport", preference="fr", client_code="km") == "fr"
    assert choose_language("លិខិតឆ្លងដែន", client_code="fr") == "km"
    assert choose_language("frais de recrutement trop eleves", client_code="en") == "fr"
    assert choose_language("Le Cambodge autorise-t-il la double nationalité ?") == "fr"
    assert choose_language("my boss does not pay me", client_code="fr") == "fr"
    assert choose_language("my boss does not pay me") == "en"
    assert choose_language("passport", client_code="km-KH") == "km"
    assert choose_language("passport", client_code="de") == "en"


def visible_len(html_text):
    return len(visible(html_text).encode("utf-16-le")) // 2


def test_answer_shows_short_answer_marker_and_as_of(kb):
    reply = entry_reply("q", kb.get("subdecree-68-2009"), "fr")
    [msg] = reply_html(reply)
    assert reply.short in visible(msg) and "ministère de l'Intérieur (MOI)" not in msg  # the short one only
    assert visible(msg).endswith("Non relu par une personne · situation en 2009")
    [full] = reply_html(reply, full=True)
    assert reply.answer in visible(full)
    en = entry_reply("q", kb.get("labour-migration-policy-2019-2023"), "en")
    assert visible(reply_html(en)[0]).endswith("As of August 2025")  # English: no review marker


def test_every_bundled_short_reply_fits_450_characters(kb):
    from bot.texts import t
    for entry in kb.entries:
        for lang in ("en", "km", "fr"):
            reply = entry_reply("q", entry, lang)
            [msg] = reply_html(reply)
            buttons = len(t("more_button", lang)) + len(t("sources_button", lang))
            assert visible_len(msg) + buttons <= 450, (entry.id, lang, visible_len(msg) + buttons)


def test_plain_reply_short_for_the_console_full_for_ask(kb):
    reply = entry_reply("q", kb.get("molvt"), "en")
    short = reply_plain(reply, full=False)
    assert short.splitlines()[2] == reply.short and "“more”" in short and "http" not in short
    full = reply_plain(reply)
    assert reply.answer in full and "https://diasporafordevelopment.eu/" in full


def test_khmer_reply_marks_review_with_a_short_marker(kb):
    [msg] = reply_html(entry_reply("q", kb.get("molvt"), "km"))
    marker = visible(msg).splitlines()[-1]
    assert marker == "មិនទាន់មានមនុស្សពិនិត្យ" and "។" not in marker  # a marker, not a sentence


def test_hotline_questions_get_the_honest_entry(assistant):
    for question in ("hotline number", "លេខទូរស័ព្ទស្ថានទូតខ្មែរនៅថៃ", "numero de telephone ambassade"):
        reply = assistant.ask(question, log=False)
        assert reply.answered and reply.entry.id == "contacts-hotlines-embassies", question
    assert "no hotline, phone number or address" in reply_plain(assistant.ask("hotline number", log=False), full=False)


def test_every_short_reply_with_all_its_buttons_fits_450_characters():
    """Title, short answer, marker and every button (More, Sources, related, feedback): a phone screen."""
    import html
    import re

    from handlers.common import reply_keyboard
    from knowledge.loader import load_bundled
    from knowledge.schema import LANGS

    kb = load_bundled()
    for lang in LANGS:
        for entry in kb.entries:
            reply = entry_reply("q", entry, lang)
            text = html.unescape(re.sub(r"<[^>]+>", "", reply_html(reply)[0]))
            labels = [b.text for row in reply_keyboard(reply, kb).inline_keyboard for b in row]
            size = len((text + "".join(labels)).encode("utf-16-le")) // 2
            assert size <= 450, (entry.id, lang, size)


def test_a_question_about_another_place_says_why_it_only_gets_choices(assistant):
    reply = assistant.ask("remittances in 1995", log=False)
    assert not reply.answered
    text = reply_plain(reply)
    assert text.startswith("My report is about Cambodians") and "1. " in text


def test_an_opinion_of_a_politician_is_declined_in_plain_words(assistant):
    for question, lang, said in [("is hun sen a good leader", "en", "I give no opinion"),
                                 ("ហ៊ុនសែនល្អទេ", "km", "ខ្ញុំមិនផ្តល់មតិ"),
                                 ("le gouvernement est corrompu ?", "fr", "Je ne donne pas d'avis")]:
        reply = assistant.ask(question, log=False)
        assert not reply.answered, question
        assert said in reply_plain(reply) and said in visible("".join(reply_html(reply))), question
