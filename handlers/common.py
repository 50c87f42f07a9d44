"""Helpers shared by the handlers: services, the user's language, sending rendered replies."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.assistant import Reply, choose_language
from bot.render import esc, reply_html, split_blocks
from bot.services import Services
from bot.texts import LANGUAGE_NAMES
from knowledge.schema import KnowledgeBase

MAX_BUTTON_TEXT = 60


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


def user_language(context: ContextTypes.DEFAULT_TYPE, update: Update, text: str = "") -> str:
    """The reply language for this user and message."""
    user = update.effective_user
    return choose_language(text, preference(context, update), user.language_code if user else None)


def _button_text(text: str) -> str:
    return text if len(text) <= MAX_BUTTON_TEXT else text[:MAX_BUTTON_TEXT - 1] + "…"


def reply_keyboard(reply: Reply, kb: KnowledgeBase,
                   extra: list[InlineKeyboardButton] | None = None) -> InlineKeyboardMarkup | None:
    """Buttons under an answer: related entries, feedback; or the 'did you mean' choices."""
    lang = reply.language
    rows: list[list[InlineKeyboardButton]] = []
    if reply.answered:
        for entry_id in reply.entry.related[:3]:
            entry = kb.get(entry_id)
            if entry is not None:
                rows.append([InlineKeyboardButton("➜ " + _button_text(entry.text("title", lang)[0]),
                                                  callback_data=f"e:{entry_id}")])
        rows.append([InlineKeyboardButton("👍", callback_data=f"fb:{reply.entry.id}:1"),
                     InlineKeyboardButton("👎", callback_data=f"fb:{reply.entry.id}:-1")])
    elif reply.result.intent == "choose":
        for match in reply.suggestions:
            rows.append([InlineKeyboardButton(_button_text(match.entry.text("title", lang)[0]),
                                              callback_data=f"e:{match.entry.id}")])
    if extra:
        rows.append(extra)
    return InlineKeyboardMarkup(rows) if rows else None


NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


async def send_reply(context: ContextTypes.DEFAULT_TYPE, chat_id: int, reply: Reply,
                     extra: list[InlineKeyboardButton] | None = None) -> None:
    """Send a rendered reply: HTML messages within Telegram's limit, buttons on the last one."""
    parts = reply_html(reply)
    markup = reply_keyboard(reply, services(context).assistant.kb, extra)
    for i, part in enumerate(parts):
        await context.bot.send_message(chat_id, part, parse_mode=ParseMode.HTML,
                                       reply_markup=markup if i == len(parts) - 1 else None,
                                       link_preview_options=NO_PREVIEW)


async def send_text(context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str,
                    markup: InlineKeyboardMarkup | None = None) -> None:
    """Send plain text (escaped), within Telegram's limit."""
    parts = split_blocks([esc(text)])
    for i, part in enumerate(parts):
        await context.bot.send_message(chat_id, part, parse_mode=ParseMode.HTML,
                                       reply_markup=markup if i == len(parts) - 1 else None,
                                       link_preview_options=NO_PREVIEW)


def language_keyboard() -> InlineKeyboardMarkup:
    """One button per language."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(name, callback_data=f"lang:{code}")
                                  for code, name in LANGUAGE_NAMES.items()]])
