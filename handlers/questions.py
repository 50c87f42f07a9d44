"""Free-text questions, the entry buttons (related, 'did you mean') and feedback."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.texts import t

from .common import preference, send_reply, send_text, services, user_key, user_language

MAX_QUESTION_CHARS = 1000


async def question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a text message with the best entry, its sources and buttons."""
    message = update.effective_message
    text = (message.text or "")[:MAX_QUESTION_CHARS]
    user = update.effective_user
    reply = services(context).assistant.ask(
        text, preference=preference(context, update), client_code=user.language_code if user else None)
    await send_reply(context, update.effective_chat.id, reply)


async def show_entry(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the entry of a related or 'did you mean' button."""
    query = update.callback_query
    await query.answer()
    entry_id = query.data.partition(":")[2]
    lang = user_language(context, update)
    reply = services(context).assistant.show(entry_id, lang)
    if reply is None:  # the entry is gone from the current revision, or the data was forged
        await send_text(context, update.effective_chat.id, t("unknown", lang, topics=t("topics_line", lang)))
        return
    await send_reply(context, update.effective_chat.id, reply)


async def feedback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Record a 👍/👎 on an entry (one vote per user and entry)."""
    query = update.callback_query
    _, entry_id, vote = (query.data.split(":") + ["", ""])[:3]
    svc = services(context)
    key = user_key(context, update)
    if vote in ("1", "-1") and svc.assistant.kb.get(entry_id) is not None and key:
        svc.users.record_feedback(key, entry_id, int(vote))
        await query.answer("🙏")
    else:
        await query.answer()


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(show_entry, pattern=r"^e:"))
    app.add_handler(CallbackQueryHandler(feedback, pattern=r"^fb:"))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, question))
