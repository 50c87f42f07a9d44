"""Every fixed text a user sees exists in English, Khmer and French."""

from bot.commands import public_commands
from bot.texts import KIND_NAMES, TEXTS
from knowledge.schema import LANGS

ADMIN_ONLY = {"handover_to_admins"}  # read by the NGO staff in the admins' chat


def test_every_user_facing_text_is_in_three_languages():
    for key, texts in TEXTS.items():
        if key not in ADMIN_ONLY:
            assert set(texts) == set(LANGS), key
            assert all(texts[lang] or key == "unreviewed_note" for lang in LANGS), key
    for key, names in KIND_NAMES.items():
        assert set(names) == set(LANGS), key
    for command in public_commands():
        assert set(command.description) == set(LANGS), command.name


def test_placeholders_are_the_same_in_every_language():
    import string
    for key, texts in TEXTS.items():
        fields = {lang: {f for _, f, _, _ in string.Formatter().parse(text) if f} for lang, text in texts.items()}
        assert len({frozenset(f) for f in fields.values()}) == 1, (key, fields)
