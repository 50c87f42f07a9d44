"""Helpers shared by the handlers: services, the user's language, sending rendered replies."""

from __future__ import annotations

import asyncio
import logging

from telegram import (InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, LinkPreviewOptions,
                      ReplyKeyboardMarkup, ReplyParameters, Update)
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import ContextTypes

from bot.assistant import Reply, choose_language
from bot.render import esc, has_more, reply_html, split_blocks
from bot.services import Services
from bot.texts import LANGUAGE_NAMES, t
from knowledge.labels import button_label
from knowledge.schema import LANGS, KnowledgeBase

log = logging.getLogger(__name__)


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    """The services built at start-up."""
    return context.application.bot_data["services"]


def user_key(context: ContextTypes.DEFAULT_TYPE, update: Update) -> str | None:
    user = update.effective_user
    return services(context).user_keys.key(user.id) if user else None


def preference(context: ContextTypes.DEFAULT_TYPE, update: Update) -> str | None:
    """The language the user chose with /language or the /start buttons, if any."""
    key = user_key(context, update)
    return services(context).users.language(key) if key else None


def in_group(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type != "private"


def chat_key(context: ContextTypes.DEFAULT_TYPE, update: Update) -> str:
    """The keyed hash of a group's chat id: a group's language is kept like a user's, never in clear."""
    return services(context).user_keys.key(update.effective_chat.id)


def group_language(context: ContextTypes.DEFAULT_TYPE, update: Update) -> str | None:
    """The language set with /language in this group, if any."""
    return services(context).users.language(chat_key(context, update))


def language_inputs(context: ContextTypes.DEFAULT_TYPE, update: Update) -> tuple[str | None, str | None]:
    """(chosen language, app language) for the reply. In a group the group's choice counts, never
    each asker's app language: one group, one language."""
    if in_group(update):
        return group_language(context, update), None
    user = update.effective_user
    return preference(context, update), user.language_code if user else None


def user_language(context: ContextTypes.DEFAULT_TYPE, update: Update, text: str = "") -> str:
    """The reply language for this user (or group) and message."""
    return choose_language(text, *language_inputs(context, update))


def greeting_languages(context: ContextTypes.DEFAULT_TYPE, update: Update) -> tuple[str, ...]:
    """The languages of a welcome: the chosen one; else Khmer or French when the app says so;
    else Khmer and English together (Telegram has no Khmer app language: most Cambodian phones
    report English)."""
    chosen, app = language_inputs(context, update)
    if chosen in LANGS:
        return (chosen,)
    app = (app or "").split("-")[0].lower()
    return (app,) if app in ("km", "fr") else ("km", "en")


def in_languages(key: str, langs: tuple[str, ...], **values: object) -> str:
    """A fixed text in one language, or in several one after the other."""
    return "\n\n".join(t(key, lang, **values) for lang in langs)


def entry_button(entry, lang: str, prefix: str = "") -> InlineKeyboardButton:
    """A button that opens an entry, with its short label in `lang`."""
    return InlineKeyboardButton(prefix + button_label(entry, lang), callback_data=f"e:{entry.id}")


def reply_keyboard(reply: Reply, kb: KnowledgeBase, extra: list[InlineKeyboardButton] | None = None,
                   full: bool = False) -> InlineKeyboardMarkup | None:
    """Buttons under an answer: More (unless `full`), Sources, related entries, feedback; or the
    'did you mean' choices."""
    lang = reply.language
    rows: list[list[InlineKeyboardButton]] = []
    if reply.answered:
        # The language rides along: the reply's language may come from the question, not a setting.
        row = [] if full or not has_more(reply) else [
            InlineKeyboardButton(t("more_button", lang), callback_data=f"more:{lang}:{reply.entry.id}")]
        row.append(InlineKeyboardButton(t("sources_button", lang), callback_data=f"src:{lang}:{reply.entry.id}"))
        rows.append(row)
        for entry_id in reply.entry.related[:2]:
            entry = kb.get(entry_id)
            if entry is not None:
                rows.append([entry_button(entry, lang, "➜ ")])
        rows.append([InlineKeyboardButton("👍", callback_data=f"fb:{reply.entry.id}:1"),
                     InlineKeyboardButton("👎", callback_data=f"fb:{reply.entry.id}:-1")])
    elif reply.result.intent == "choose":
        for match in reply.suggestions:
            rows.append([entry_button(match.entry, lang)])
        rows.append([InlineKeyboardButton(f"✖ {t('none_of_these', lang)}", callback_data="none")])
    if extra:
        rows.append(extra)
    return InlineKeyboardMarkup(rows) if rows else None


NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


async def send_reply(context: ContextTypes.DEFAULT_TYPE, chat_id: int, reply: Reply,
                     extra: list[InlineKeyboardButton] | None = None, before: list[str] | None = None,
                     reply_to: int | None = None) -> None:
    """Send a rendered reply: HTML messages within Telegram's limit, buttons on the last one;
    `before`: HTML blocks shown above it; `reply_to`: the message it answers (in groups)."""
    parts = split_blocks(before + reply_html(reply)) if before else reply_html(reply)
    await send_html(context, chat_id, parts, reply_keyboard(reply, services(context).assistant.kb, extra), reply_to)


Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup


async def send_text(context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str,
                    markup: Markup | None = None, reply_to: int | None = None) -> None:
    """Send plain text (escaped), within Telegram's limit."""
    await send_html(context, chat_id, split_blocks([esc(text)]), markup, reply_to)


async def send_html(context: ContextTypes.DEFAULT_TYPE, chat_id: int, parts: list[str],
                    markup: Markup | None = None, reply_to: int | None = None) -> None:
    """Send HTML messages, buttons on the last; each retried until the Bot API takes it.

    429s are waited out by the rate limiter; 5xx, timeouts and dropped connections are retried
    here with backoff for up to SEND_RETRY_SECONDS, so a reply survives a Bot API outage.
    `reply_to` threads the first message to the asker's (in groups, where many people talk).
    """
    for i, part in enumerate(parts):
        await _deliver(context, chat_id, part, markup if i == len(parts) - 1 else None,
                       reply_to if i == 0 else None)


SEND_RETRY_SECONDS = 120.0


async def _deliver(context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str,
                   markup: Markup | None, reply_to: int | None = None) -> None:
    delay, waited = 0.25, 0.0
    # The asker may have deleted their message meanwhile: answer anyway, unthreaded.
    thread = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to is not None else None
    while True:
        try:
            await context.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup,
                                           link_preview_options=NO_PREVIEW, reply_parameters=thread)
            return
        except RetryAfter as exc:  # the rate limiter already retried; keep waiting it out
            if waited >= SEND_RETRY_SECONDS:
                raise
            pause = float(exc.retry_after if isinstance(exc.retry_after, (int, float))
                          else exc.retry_after.total_seconds())
            await asyncio.sleep(pause)
            waited += pause
        except (TimedOut, NetworkError) as exc:
            if isinstance(exc, BadRequest) or waited >= SEND_RETRY_SECONDS:
                raise
            log.warning("Bot API did not take a reply (%s); retrying in %.1f s", exc, delay)
            await asyncio.sleep(delay)
            waited += delay
            delay = min(delay * 2, 10.0)


def language_keyboard() -> InlineKeyboardMarkup:
    """One button per language."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(name, callback_data=f"lang:{code}")
                                  for code, name in LANGUAGE_NAMES.items()]])


# --- the menu under the text field ------------------------------------------------------------

MENU_ITEMS = (("menu_topics", "📚"), ("menu_language", "🌐"), ("menu_help", "❓"), ("menu_person", "🙋"))
MENU_LANGUAGES = tuple((lang,) for lang in LANGS) + (("km", "en"),)


def menu_text(key: str, langs: tuple[str, ...]) -> str:
    """A menu button's text: its emoji and its name in one language, or two (Khmer · English)."""
    emoji = dict(MENU_ITEMS)[key]
    return f"{emoji} " + " · ".join(t(key, lang) for lang in langs)


def menu_action(text: str) -> str | None:
    """Which menu button a message is (in any language), or None for a question."""
    text = text.strip()
    for key, _ in MENU_ITEMS:
        if any(text == menu_text(key, langs) for langs in MENU_LANGUAGES):
            return key
    return None


def all_menu_texts() -> list[str]:
    return [menu_text(key, langs) for key, _ in MENU_ITEMS for langs in MENU_LANGUAGES]


def menu_keyboard(context: ContextTypes.DEFAULT_TYPE, langs: tuple[str, ...]) -> ReplyKeyboardMarkup:
    """The persistent menu: Topics, Language, Help and, when an admins' chat is set, Talk to a person."""
    keys = [key for key, _ in MENU_ITEMS if key != "menu_person" or services(context).config.admin_chat is not None]
    buttons = [KeyboardButton(menu_text(key, langs)) for key in keys]
    return ReplyKeyboardMarkup([buttons[:2], buttons[2:]], resize_keyboard=True, is_persistent=True,
                               input_field_placeholder=t("menu_placeholder", langs[0]))
