"""Helpers shared by the handlers: services, the user's language, sending rendered replies."""

from __future__ import annotations

import asyncio
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import ContextTypes

from bot.assistant import Reply, choose_language
from bot.render import esc, has_more, reply_html, split_blocks
from bot.services import Services
from bot.texts import LANGUAGE_NAMES, t
from knowledge.schema import KnowledgeBase

MAX_BUTTON_TEXT = 60
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


def user_language(context: ContextTypes.DEFAULT_TYPE, update: Update, text: str = "") -> str:
    """The reply language for this user and message."""
    user = update.effective_user
    return choose_language(text, preference(context, update), user.language_code if user else None)


def _button_text(text: str) -> str:
    return text if len(text) <= MAX_BUTTON_TEXT else text[:MAX_BUTTON_TEXT - 1] + "…"


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
    await send_html(context, chat_id, reply_html(reply), reply_keyboard(reply, services(context).assistant.kb, extra))


async def send_text(context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str,
                    markup: InlineKeyboardMarkup | None = None) -> None:
    """Send plain text (escaped), within Telegram's limit."""
    await send_html(context, chat_id, split_blocks([esc(text)]), markup)


async def send_html(context: ContextTypes.DEFAULT_TYPE, chat_id: int, parts: list[str],
                    markup: InlineKeyboardMarkup | None = None) -> None:
    """Send HTML messages, buttons on the last; each retried until the Bot API takes it.

    429s are waited out by the rate limiter; 5xx, timeouts and dropped connections are retried
    here with backoff for up to SEND_RETRY_SECONDS, so a reply survives a Bot API outage.
    """
    for i, part in enumerate(parts):
        await _deliver(context, chat_id, part, markup if i == len(parts) - 1 else None)


SEND_RETRY_SECONDS = 120.0


async def _deliver(context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str,
                   markup: InlineKeyboardMarkup | None) -> None:
    delay, waited = 0.25, 0.0
    while True:
        try:
            await context.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup,
                                           link_preview_options=NO_PREVIEW)
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
