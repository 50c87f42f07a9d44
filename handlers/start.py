"""/start (with deep links from leaflets), /help, /language and the menu under the text field."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot.commands import help_lines
from bot.deeplinks import parse_payload
from bot.render import esc
from bot.texts import KIND_NAMES, LANGUAGE_NAMES, t

from .browse import page_keyboard, topics
from .common import (all_menu_texts, chat_key, greeting_languages, in_group, in_languages, language_keyboard,
                     menu_action, menu_keyboard, send_html, send_reply, send_text, services, user_key,
                     user_language)
from .questions import talk_to_person


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Welcome the user (in Khmer and English unless their language is known), show the menu and
    the language buttons; a deep link (/start ENTRY or /start t_KIND, optionally _LANG) opens it."""
    chat_id = update.effective_chat.id
    link = parse_payload(context.args[0] if context.args else "", services(context).assistant.kb)
    if link is not None:
        await open_link(update, context, link)
        return
    langs = greeting_languages(context, update)
    if not in_group(update):
        await send_text(context, chat_id, in_languages("welcome", langs), menu_keyboard(context, langs))
    else:
        await send_text(context, chat_id, in_languages("welcome", langs))
    await send_text(context, chat_id, in_languages("choose_language", langs), language_keyboard())


async def open_link(update: Update, context: ContextTypes.DEFAULT_TYPE, link) -> None:
    """The entry or topic a leaflet's link names, in the leaflet's language (not stored)."""
    chat_id = update.effective_chat.id
    lang = link.language or user_language(context, update)
    if not in_group(update):
        await send_text(context, chat_id, t("greeting", lang), menu_keyboard(context, (lang,)))
    kb = services(context).assistant.kb
    if link.entry_id is not None:
        await send_reply(context, chat_id, services(context).assistant.show(link.entry_id, lang))
    else:
        title = KIND_NAMES[link.kind].get(lang) or KIND_NAMES[link.kind]["en"]
        await send_html(context, chat_id, [esc(title)], page_keyboard(lang, kb, link.kind, 0))


def help_text(lang: str, is_admin: bool = False) -> str:
    """How to ask, examples, the commands; the same for /help, the Help button and 'help'."""
    return "\n".join([t("help_intro", lang), t("help_examples", lang), "", t("help_commands", lang),
                      *help_lines(lang, include_admin=is_admin), "", t("not_advice", lang)])


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str = "") -> None:
    """Show how to ask, with examples and the command list (and the menu, in a private chat)."""
    lang = user_language(context, update, text)
    is_admin = services(context).is_admin(update.effective_user.id if update.effective_user else None)
    markup = None if in_group(update) else menu_keyboard(context, (lang,))
    await send_text(context, update.effective_chat.id, help_text(lang, is_admin), markup)


async def language_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offer the language buttons, or set the language given as argument (/language km)."""
    if context.args and context.args[0].lower() in LANGUAGE_NAMES:
        await _set_language(update, context, context.args[0].lower())
        return
    langs = greeting_languages(context, update)
    await send_text(context, update.effective_chat.id, in_languages("choose_language", langs), language_keyboard())


async def language_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Remember the language chosen with a button."""
    query = update.callback_query
    await query.answer()
    code = query.data.partition(":")[2]
    if code in LANGUAGE_NAMES:
        await _set_language(update, context, code)


async def _set_language(update: Update, context: ContextTypes.DEFAULT_TYPE, code: str) -> None:
    """A user's choice, or in a group the group's (kept under the group id's keyed hash)."""
    chat_id = update.effective_chat.id
    if in_group(update):
        services(context).users.set_language(chat_key(context, update), code)
        await send_text(context, chat_id, t("group_language_set", code))
        return
    key = user_key(context, update)
    if key:
        services(context).users.set_language(key, code)
    await send_text(context, chat_id, t("language_set", code), menu_keyboard(context, (code,)))


async def menu_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button of the menu under the text field, whichever language it is written in."""
    action = menu_action(update.effective_message.text or "")
    if action == "menu_topics":
        await topics(update, context)
    elif action == "menu_language":
        context.args = []
        await language_command(update, context)
    elif action == "menu_help":
        await help_command(update, context)
    elif action == "menu_person":
        await talk_to_person(update, context)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("help", help_command))
    app.add_handler(CommandHandler("language", language_command))
    app.add_handler(CallbackQueryHandler(language_button, pattern=r"^lang:"))
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & filters.Text(all_menu_texts())
                                   & ~filters.UpdateType.EDITED, menu_pressed))
