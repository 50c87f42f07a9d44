"""/topics (browse entries by kind, paginated), /sources and /about."""

from __future__ import annotations

import asyncio
import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.render import esc, split_blocks
from bot.texts import KIND_NAMES, t

from .common import entry_button, send_html, send_reply, send_text, services, user_language

PAGE_SIZE = 6


def kinds_keyboard(lang: str, kb) -> InlineKeyboardMarkup:
    """One button per kind that has entries."""
    rows = [[InlineKeyboardButton(f"{KIND_NAMES[kind].get(lang) or KIND_NAMES[kind]['en']} ({len(kb.by_kind(kind))})",
                                  callback_data=f"t:{kind}:0")]
            for kind in KIND_NAMES if kb.by_kind(kind)]
    return InlineKeyboardMarkup(rows)


def page_keyboard(lang: str, kb, kind: str, page: int) -> InlineKeyboardMarkup:
    """The entries of one kind, a page at a time, with previous/next and Back."""
    entries = kb.by_kind(kind)
    pages = max(1, -(-len(entries) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    rows = [[entry_button(e, lang)] for e in entries[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]]
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton("◀", callback_data=f"t:{kind}:{page - 1}"))
    nav.append(InlineKeyboardButton(f"↩ {t('back', lang)}", callback_data="t:"))
    if page < pages - 1:
        nav.append(InlineKeyboardButton("▶", callback_data=f"t:{kind}:{page + 1}"))
    rows.append(nav)
    return InlineKeyboardMarkup(rows)


async def topics(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the kinds of entries to browse."""
    lang = user_language(context, update)
    await send_text(context, update.effective_chat.id, t("topics_intro", lang),
                    kinds_keyboard(lang, services(context).assistant.kb))


async def topics_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Move through the topic menus by editing the message in place."""
    query = update.callback_query
    await query.answer()
    lang = user_language(context, update)
    kb = services(context).assistant.kb
    parts = query.data.split(":")
    if len(parts) == 3 and parts[1] in KIND_NAMES and parts[2].isascii() and parts[2].isdigit():
        kind = parts[1]
        title = KIND_NAMES[kind].get(lang) or KIND_NAMES[kind]["en"]
        markup = page_keyboard(lang, kb, kind, int(parts[2]))
        text = title
    else:
        markup = kinds_keyboard(lang, kb)
        text = t("topics_intro", lang)
    message = query.message
    # A second tap on the same button changes nothing; Telegram refuses such an edit.
    if message is not None and not (getattr(message, "text", None) == text and message.reply_markup == markup):
        await query.edit_message_text(esc(text), parse_mode=ParseMode.HTML, reply_markup=markup)


async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List every source the knowledge base cites, once."""
    lang = user_language(context, update)
    kb = services(context).assistant.kb
    seen = await asyncio.to_thread(_sources_cited, kb, lang)  # every entry read: never on the event loop
    lines = [f'• <a href="{html.escape(url, quote=True)}">{esc(title)}</a>' for url, title in seen.items()]
    await send_html(context, update.effective_chat.id,
                    split_blocks([f"<b>{esc(t('sources_intro', lang))}</b>", "\n".join(lines)]))


async def about(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The 'about' entry: the profile, its date, information not legal advice."""
    lang = user_language(context, update)
    reply = services(context).assistant.show("about", lang)
    if reply is None:
        await send_text(context, update.effective_chat.id, t("not_advice", lang))
    else:
        await send_reply(context, update.effective_chat.id, reply)


def _sources_cited(kb, lang: str) -> dict[str, str]:
    """Each URL the entries cite, once, with its title in `lang`."""
    seen: dict[str, str] = {}
    for entry in kb.entries:
        for source in entry.sources:
            seen.setdefault(source.url, source.title_in(lang))
    return seen


def register(app: Application) -> None:
    app.add_handler(CommandHandler("topics", topics))
    app.add_handler(CommandHandler("sources", sources))
    app.add_handler(CommandHandler("about", about))
    app.add_handler(CallbackQueryHandler(topics_button, pattern=r"^t:"))
