"""/privacy says what is stored; /forget deletes everything stored about the user."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.texts import t

from .common import greeting_languages, in_group, in_languages, language_keyboard, send_text, services, user_key, user_language


async def privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Explain in plain words what the bot stores and for how long."""
    lang = user_language(context, update)
    days = services(context).config.retention_days
    await send_text(context, update.effective_chat.id, t("privacy", lang, days=days))


async def forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Delete the user's language choice and feedback."""
    lang = user_language(context, update)
    key = user_key(context, update)
    if key:
        services(context).users.forget(key)
    await send_text(context, update.effective_chat.id, t("forgotten", lang))
    # The language choice is gone too: ask again, in Khmer and English unless the app says otherwise.
    if not in_group(update):
        langs = greeting_languages(context, update)
        await send_text(context, update.effective_chat.id, in_languages("choose_language", langs),
                        language_keyboard())


def register(app: Application) -> None:
    app.add_handler(CommandHandler("privacy", privacy))
    app.add_handler(CommandHandler("forget", forget))
