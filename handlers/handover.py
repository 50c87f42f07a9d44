"""'Talk to a person': a user's question goes to the admins' chat after confirmation, and an
admin's reply to it is relayed back. Only the route is kept, sealed, and forgotten once used."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.texts import t
from storage.handover import Handover

from .common import send_text, services, user_language


def handover(context: ContextTypes.DEFAULT_TYPE) -> Handover:
    svc = services(context)
    return Handover(svc.db, svc.user_keys.secret)


def offer_button(lang: str) -> InlineKeyboardButton:
    """The button shown under 'I don't know' when an admins' chat is configured."""
    return InlineKeyboardButton(f"🙋 {t('handover_button', lang)}", callback_data="h:ask")


async def ask_confirmation(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say what will be shared, and ask the user to confirm."""
    query = update.callback_query
    await query.answer()
    lang = user_language(context, update)
    question = context.user_data.get("last_question")
    if not question or services(context).config.admin_chat is None:
        await send_text(context, update.effective_chat.id, t("handover_nothing", lang))
        return
    buttons = InlineKeyboardMarkup([[InlineKeyboardButton(t("yes_send", lang), callback_data="h:yes"),
                                     InlineKeyboardButton(t("no_cancel", lang), callback_data="h:no")]])
    await send_text(context, update.effective_chat.id, t("handover_confirm", lang, question=question), buttons)


async def confirmed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the question to the admins' chat (or drop it when the user said no)."""
    query = update.callback_query
    await query.answer()
    lang = user_language(context, update)
    question = context.user_data.pop("last_question", None)
    admin_chat = services(context).config.admin_chat
    if query.data != "h:yes" or not question or admin_chat is None:
        await send_text(context, update.effective_chat.id, t("handover_cancelled", lang))
        return
    sent = await context.bot.send_message(admin_chat, t("handover_to_admins", "en", language=lang, question=question))
    handover(context).open(sent.message_id, update.effective_chat.id, lang)
    await send_text(context, update.effective_chat.id, t("handover_sent", lang))


async def admin_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Relay an admin's reply (in the admins' chat) to the user who asked."""
    message = update.effective_message
    route = handover(context).close(message.reply_to_message.message_id)
    if route is None:
        return
    chat_id, lang = route
    await send_text(context, chat_id, f"{t('handover_answer', lang)}\n\n{message.text}")
    services(context).audit.record(str(update.effective_user.id), "handover answered", "")
    await message.reply_text("✓ Sent.")


def register(app: Application, admin_chat: int | None) -> None:
    app.add_handler(CallbackQueryHandler(ask_confirmation, pattern=r"^h:ask$"))
    app.add_handler(CallbackQueryHandler(confirmed, pattern=r"^h:(yes|no)$"))
    if admin_chat is not None:
        app.add_handler(MessageHandler(filters.Chat(admin_chat) & filters.REPLY & filters.TEXT & ~filters.COMMAND,
                                       admin_reply))
