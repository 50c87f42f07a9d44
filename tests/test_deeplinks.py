import pytest

from bot.deeplinks import Link, UnknownTarget, link_for, parse_payload, url


def test_payloads_name_an_entry_or_a_topic_with_an_optional_language(kb):
    assert parse_payload("subdecree-68-2009", kb) == Link(entry_id="subdecree-68-2009")
    assert parse_payload("subdecree-68-2009_km", kb) == Link(entry_id="subdecree-68-2009", language="km")
    assert parse_payload("t_policy_fr", kb) == Link(kind="policy", language="fr")
    assert parse_payload("about", kb) == Link(entry_id="about")
    for nothing in ("", "no-such-entry", "t_nokind", "subdecree-68-2009_xx", "a b", "x" * 65, "ល"):
        assert parse_payload(nothing, kb) is None, nothing


def test_links_round_trip_and_fit_telegrams_limit(kb):
    for entry in kb.entries:
        for lang in (None, "en", "km", "fr"):
            link = link_for(entry.id, kb, lang)
            assert len(link.payload) <= 64
            assert parse_payload(link.payload, kb) == link
    assert url("@diaspora_bot", link_for("policy", kb)) == "https://t.me/diaspora_bot?start=t_policy"
    with pytest.raises(UnknownTarget):
        link_for("nothing", kb)
