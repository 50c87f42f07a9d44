"""The console chat: the Telegram conversation in a terminal, with the same engine.

Only questions reach the engine (and, with `chat --log`, the query log): commands, unknown
commands and numbers are handled here and never logged.
"""

from __future__ import annotations

from typing import TextIO

from knowledge.schema import LANGS

from .assistant import Assistant
from .render import more_plain, reply_plain, sources_plain
from .texts import KIND_NAMES, t

QUIT = ("/quit", "/exit", "/q")
# What the console accepts for the Telegram answer's More and Sources buttons.
MORE_WORDS = frozenset({"more", "plus", "suite", "បន្ថែម", "អានបន្ថែម"})
SOURCES_WORDS = frozenset({"sources", "source", "ប្រភព"})


def help_text(lang: str) -> str:
    """The console's own help: what can be typed here, nothing that only Telegram has."""
    return "\n".join([t("help_intro", lang), t("help_examples", lang), "", t("help_commands", lang),
                      t("console_commands", lang)])


def run(assistant: Assistant, stdin: TextIO, stdout: TextIO, language: str | None = None) -> int:
    """Read questions line by line until /quit or end of input."""
    preference = language
    lang = preference or "en"
    interactive = stdin.isatty()

    def say(text: str) -> None:
        stdout.write(text + "\n\n")
        stdout.flush()

    say(t("console_intro", lang, entries=len(assistant.kb)))
    choices: list[str] = []
    last = None  # the last answer, for `more` and `sources` (the Telegram buttons)
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            return 0
        text = line.strip()
        if not text:
            continue
        command, _, arg = text.partition(" ")
        if command in QUIT:
            return 0
        if command == "/start":
            say(f"{t('welcome', lang)}\n\n{help_text(lang)}")
            continue
        if command == "/help":
            say(help_text(lang))
            continue
        if command == "/topics":
            lines, choices = [t("topics_intro", lang)], []
            for kind, names in KIND_NAMES.items():
                entries = assistant.kb.by_kind(kind)
                if entries:
                    lines.append(f"\n{names.get(lang) or names['en']}:")
                    for entry in entries:
                        choices.append(entry.id)
                        lines.append(f"  {len(choices)}. {entry.text('title', lang)[0]}")
            say("\n".join(lines + ["", t("choose_number", lang)]))
            continue
        if command == "/language":
            if arg.strip() in LANGS:
                preference = lang = arg.strip()
                say(t("language_set", lang))
            else:
                say(t("choose_language", lang) + " en, km, fr")
            continue
        if last is not None and text.casefold() in MORE_WORDS:
            say(more_plain(last))
            continue
        if last is not None and text.casefold() in SOURCES_WORDS:
            say("\n".join(sources_plain(last)))
            continue
        if command.startswith("/"):
            say(t("console_unknown_command", lang))
            continue
        if text.isascii() and text.isdigit():
            number = int(text)
            if number == 0 and choices:
                choices = []
                say(t("rephrase", lang))
            elif 1 <= number <= len(choices):
                reply = assistant.show(choices[number - 1], lang)
                choices = [m.entry.id for m in reply.suggestions] if reply else []
                last = reply if reply and reply.answered else last
                say(reply_plain(reply, full=False))
            else:
                say(t("console_no_choice", lang, number=text))
            continue
        reply = assistant.ask(text, preference=preference)
        lang = reply.language if preference is None else preference
        if reply.result.intent == "help":
            say(help_text(lang))
            continue
        choices = [m.entry.id for m in reply.suggestions]
        last = reply if reply.answered else last
        say(reply_plain(reply, full=False))
