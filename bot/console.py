"""The console chat: the Telegram conversation in a terminal, with the same engine."""

from __future__ import annotations

from typing import TextIO

from knowledge.schema import LANGS

from .assistant import Assistant
from .commands import help_lines
from .render import reply_plain
from .texts import KIND_NAMES, t


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
        if command in ("/quit", "/exit", "/q"):
            return 0
        if command in ("/help", "/start"):
            say("\n".join([t("welcome" if command == "/start" else "help_intro", lang),
                           t("help_examples", lang), "", t("help_commands", lang), *help_lines(lang),
                           "/language en|km|fr", "/quit"]))
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
        if text.isdigit() and choices and 1 <= int(text) <= len(choices):
            reply = assistant.show(choices[int(text) - 1], lang)
            choices = [m.entry.id for m in reply.suggestions] if reply else []
            say(reply_plain(reply))
            continue
        reply = assistant.ask(text, preference=preference)
        lang = reply.language if preference is None else preference
        choices = [m.entry.id for m in reply.suggestions]
        say(reply_plain(reply))
