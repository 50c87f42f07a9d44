"""/start, /help and /language: welcome, examples, and the reply language."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.commands import help_lines
from bot.texts import LANGUAGE_NAMES, t

from .common import language_keyboard, send_text, services, user_key, user_language


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Welcome the user in their language and offer the language buttons."""
    lang = user_language(context, update)
    text = f"{t('welcome', lang)}\n\n{t('choose_language', lang)}"
    await send_text(context, update.effective_chat.id, text, language_keyboard())


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show how to ask, with examples and the command list."""
    lang = user_language(context, update)
    is_admin = services(context).is_admin(update.effective_user.id if update.effective_user else None)
    lines = [t("help_intro", lang), t("help_examples", lang), "", t("help_commands", lang),
             *help_lines(lang, include_admin=is_admin), "", t("not_advice", lang)]
    await send_text(context, update.effective_chat.id, "\n".join(lines))


async def language_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offer the language buttons, or set the language given as argument (/language km)."""
    lang = user_language(context, update)
    if context.args and context.args[0].lower() in LANGUAGE_NAMES:
        await _set_language(update, context, context.args[0].lower())
        return
    await send_text(context, update.effective_chat.id, t("choose_language", lang), language_keyboard())


async def language_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Remember the language chosen with a button."""
    query = update.callback_query
    await query.answer()
    code = query.data.partition(":")[2]
    if code in LANGUAGE_NAMES:
        await _set_language(update, context, code)


async def _set_language(update: Update, context: ContextTypes.DEFAULT_TYPE, code: str) -> None:
    key = user_key(context, update)
    if key:
        services(context).users.set_language(key, code)
    await send_text(context, update.effective_chat.id, t("language_set", code))


def register(app: Application) -> None:
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("help", help_command))
    app.add_handler(CommandHandler("language", language_command))
    app.add_handler(CallbackQueryHandler(language_button, pattern=r"^lang:"))
