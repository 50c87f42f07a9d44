"""The one list of commands: it feeds /help, Telegram's command menu and the README's table."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    """A bot command with its description in each language."""

    name: str
    description: dict[str, str]
    admin: bool = False


COMMANDS: tuple[Command, ...] = (
    Command("start", {"en": "Welcome and choose your language", "km": "ស្វាគមន៍ និងជ្រើសរើសភាសា",
                      "fr": "Bienvenue et choix de la langue"}),
    Command("help", {"en": "How to ask, with examples", "km": "របៀបសួរ និងឧទាហរណ៍",
                     "fr": "Comment poser une question, avec exemples"}),
    Command("topics", {"en": "Browse the topics", "km": "មើលប្រធានបទ", "fr": "Parcourir les sujets"}),
    Command("sources", {"en": "The sources of the answers", "km": "ប្រភពនៃចម្លើយ", "fr": "Les sources des réponses"}),
    Command("about", {"en": "About this bot (information, not legal advice)",
                      "km": "អំពីបូតនេះ (ព័ត៌មាន មិនមែនដំបូន្មានច្បាប់)",
                      "fr": "À propos (information, pas un conseil juridique)"}),
    Command("privacy", {"en": "What is stored about you", "km": "អ្វីដែលរក្សាទុកអំពីអ្នក",
                        "fr": "Ce qui est gardé sur vous"}),
    Command("forget", {"en": "Delete everything stored about you", "km": "លុបអ្វីៗដែលរក្សាទុកអំពីអ្នក",
                       "fr": "Effacer tout ce qui vous concerne"}),
    Command("language", {"en": "Choose the reply language", "km": "ជ្រើសរើសភាសាឆ្លើយ",
                         "fr": "Choisir la langue des réponses"}),
    Command("export", {"en": "Send the knowledge base as a YAML file (/export xlsx: a spreadsheet)"}, admin=True),
    Command("history", {"en": "Recent revisions of the knowledge base"}, admin=True),
    Command("rollback", {"en": "/rollback N: make revision N's content live again (says what it undoes)"}, admin=True),
    Command("unanswered", {"en": "Questions the bot could not answer: teach to one of three entries "
                                 "(with Undo), or dismiss"}, admin=True),
    Command("stats", {"en": "Questions per day and language, answered share, feedback"}, admin=True),
    Command("reload", {"en": "Reload the YAML folder from disk (a new revision if it differs)"}, admin=True),
)


def public_commands() -> list[Command]:
    """Commands every user sees."""
    return [c for c in COMMANDS if not c.admin]


def admin_commands() -> list[Command]:
    """Commands only admins may use."""
    return [c for c in COMMANDS if c.admin]


def help_lines(lang: str, include_admin: bool = False) -> list[str]:
    """'/name - description' lines for /help."""
    return [f"/{c.name} - {c.description.get(lang) or c.description['en']}"
            for c in COMMANDS if include_admin or not c.admin]


def markdown_table() -> str:
    """The README's command table."""
    rows = ["| Command | What it does | Who |", "| --- | --- | --- |"]
    rows += [f"| `/{c.name}` | {c.description['en']} | {'admins' if c.admin else 'everyone'} |" for c in COMMANDS]
    return "\n".join(rows)
