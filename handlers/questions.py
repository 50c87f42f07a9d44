"""Free-text questions, the entry buttons (related, 'did you mean', More, Sources) and feedback."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.assistant import Reply
from bot.render import reply_html, sources_html
from bot.texts import t
from knowledge.schema import LANGS

from .handover import offer_button
from .common import (NO_PREVIEW, in_group, language_inputs, menu_text, reply_keyboard, send_html, send_reply,
                     send_text, services, user_key, user_language)

MAX_QUESTION_CHARS = 1000


def addressed_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """The question in a message meant for the bot; None for group chatter not addressed to it."""
    message = update.effective_message
    text = message.text or ""
    if update.effective_chat.type == "private":
        return text
    mention = f"@{context.bot.username}"
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == context.bot.id:
        return text.replace(mention, " ").strip()
    if mention.lower() in text.lower():
        start = text.lower().index(mention.lower())
        return (text[:start] + text[start + len(mention):]).strip()
    return None


async def question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a text message with the best entry, its sources and buttons."""
    text = addressed_text(update, context)
    if text is None:
        return
    await answer_question(update, context, text)


async def answer_question(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str,
                          default_language: str | None = None, before: list[str] | None = None) -> None:
    """Ask the assistant and send its reply, with the 'talk to a person' offer when it has none.

    `default_language` stands in when the user chose no language; `before` is HTML shown above the
    reply (a voice note's "I heard: ...").
    """
    text = text[:MAX_QUESTION_CHARS]
    svc = services(context)
    chosen, app_language = language_inputs(context, update)
    reply = svc.assistant.ask(text, preference=chosen or default_language, client_code=app_language)
    if reply.result.intent == "help":  # "help", "menu", "ជំនួយ": the help and the menu, not an entry
        from .start import help_command
        await help_command(update, context, text)
        return
    extra = None
    wants_person = context.user_data.pop("wants_person", False) if not in_group(update) else False
    if (svc.config.admin_chat is not None and not in_group(update)
            and (wants_person or (not reply.answered and reply.result.intent in ("unknown", "choose")))):
        context.user_data["last_question"] = text  # memory only, for the handover; never stored
        extra = [offer_button(reply.language)]
    # In a group many people talk: the answer is threaded to the asker's message.
    reply_to = update.effective_message.message_id if in_group(update) else None
    await send_reply(context, update.effective_chat.id, reply, extra, before, reply_to=reply_to)


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


async def more(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The More button: the message becomes the full answer, in place."""
    query = update.callback_query
    await query.answer()
    reply = await _button_reply(update, context)
    if reply is None:
        return
    parts = reply_html(reply, full=True)
    keyboard = reply_keyboard(reply, services(context).assistant.kb, full=True)
    try:
        await query.edit_message_text(parts[0], parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW,
                                      reply_markup=keyboard if len(parts) == 1 else None)
    except BadRequest as exc:
        if "not modified" in str(exc).lower():  # a second tap before the first edit arrived
            return
        raise
    if len(parts) > 1:  # longer than one message: the rest follows, buttons on the last
        await send_html(context, update.effective_chat.id, parts[1:], keyboard)


async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The Sources button: the answer's sources, as links, in a new message."""
    query = update.callback_query
    await query.answer()
    reply = await _button_reply(update, context)
    if reply is not None:
        await send_html(context, update.effective_chat.id, sources_html(reply))


async def _button_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Reply | None:
    """The reply a More/Sources button stands for ("more:<lang>:<entry id>"); if the entry is gone, say so."""
    _, lang, entry_id = (update.callback_query.data.split(":", 2) + ["", ""])[:3]
    if lang not in LANGS:
        lang = user_language(context, update)
    reply = services(context).assistant.show(entry_id, lang)
    if reply is None:  # removed from the current revision, or forged data
        await send_text(context, update.effective_chat.id, t("unknown", lang, topics=t("topics_line", lang)))
    return reply


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


def continue_buttons(update: Update, context: ContextTypes.DEFAULT_TYPE, lang: str) -> InlineKeyboardMarkup:
    """Ways on from a dead end: the topics and, when someone can answer, a person (private chats)."""
    rows = [[InlineKeyboardButton(menu_text("menu_topics", (lang,)), callback_data="t:")]]
    if services(context).config.admin_chat is not None and not in_group(update):
        if context.user_data.get("last_question"):
            rows.append([offer_button(lang)])
        else:
            rows.append([InlineKeyboardButton(menu_text("menu_person", (lang,)), callback_data="p:")])
    return InlineKeyboardMarkup(rows)


async def none_of_these(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """'None of these' under the suggestions: offer to rephrase, the topics, or a person."""
    query = update.callback_query
    await query.answer()
    lang = user_language(context, update)
    text = t("rephrase", lang)
    if services(context).config.admin_chat is not None and not in_group(update):
        text += " " + t("rephrase_person", lang)
    await send_text(context, update.effective_chat.id, text, continue_buttons(update, context, lang))


async def talk_to_person(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The 'Talk to a person' menu button: offer to send the last question, or say how."""
    if update.callback_query is not None:
        await update.callback_query.answer()
    lang = user_language(context, update)
    chat_id = update.effective_chat.id
    if services(context).config.admin_chat is None or in_group(update):
        await send_text(context, chat_id, t("no_person", lang), continue_buttons(update, context, lang))
        return
    question = context.user_data.get("last_question")
    if question:
        await send_text(context, chat_id, t("person_last", lang, question=question),
                        InlineKeyboardMarkup([[offer_button(lang)]]))
        return
    context.user_data["wants_person"] = True  # memory only: the next question gets the button
    await send_text(context, chat_id, t("person_how", lang))


async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Photos, stickers, files, locations: say what the bot can do today, with ways to continue."""
    lang = user_language(context, update, update.effective_message.caption or "")
    await send_text(context, update.effective_chat.id, t("media_reply", lang), continue_buttons(update, context, lang))


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(show_entry, pattern=r"^e:"))
    app.add_handler(CallbackQueryHandler(feedback, pattern=r"^fb:"))
    app.add_handler(CallbackQueryHandler(none_of_these, pattern=r"^none$"))
    app.add_handler(CallbackQueryHandler(talk_to_person, pattern=r"^p:$"))
    app.add_handler(CallbackQueryHandler(more, pattern=r"^more:"))
    app.add_handler(CallbackQueryHandler(sources, pattern=r"^src:"))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & ~filters.UpdateType.EDITED, question))
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & ~filters.TEXT & ~filters.COMMAND
                                   & ~filters.StatusUpdate.ALL & ~filters.UpdateType.EDITED, not_text))
