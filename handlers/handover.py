"""'Talk to a person': a user's question goes to the admins' chat after confirmation, and an
admin's reply to it is relayed back. Only the route is kept, sealed, and forgotten once used.

Hand-offs are limited per user and in total (the admins' chat is read by a few people), and the
message to the admins' chat is sent in the background: its rate limit never holds up answers.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.texts import t

from .common import send_text, services, user_key, user_language

log = logging.getLogger(__name__)

PER_USER_PER_DAY = 3
ALL_USERS_PER_HOUR = 30
EXPLAIN_EVERY_S = 600.0  # an admin is told how to answer at most this often


class HandoverLimits:
    """Sliding windows of hand-offs, per user key and in total (memory only, never stored)."""

    def __init__(self, per_user: int = PER_USER_PER_DAY, per_hour: int = ALL_USERS_PER_HOUR, clock=time.monotonic):
        self.per_user, self.per_hour, self.clock = per_user, per_hour, clock
        self._users: dict[str, deque] = {}
        self._all: deque = deque()

    def refusal(self, key: str) -> str | None:
        """None when this user may hand a question over now, else the text key of the refusal."""
        now = self.clock()
        window = self._users.setdefault(key, deque())
        while window and now - window[0] > 86_400:
            window.popleft()
        while self._all and now - self._all[0] > 3_600:
            self._all.popleft()
        if len(window) >= self.per_user:
            return "handover_limit_user"
        if len(self._all) >= self.per_hour:
            return "handover_limit_all"
        return None

    def count(self, key: str) -> None:
        now = self.clock()
        self._users.setdefault(key, deque()).append(now)
        self._all.append(now)
        if len(self._users) > 50_000:
            for k in [k for k, w in self._users.items() if not w or now - w[-1] > 86_400]:
                del self._users[k]


def limits(context: ContextTypes.DEFAULT_TYPE) -> HandoverLimits:
    return context.application.bot_data.setdefault("handover_limits", HandoverLimits())


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


async def _remove_buttons(update: Update) -> None:
    message = update.callback_query.message
    if message is None or not getattr(message, "reply_markup", None):
        return
    try:
        await update.callback_query.edit_message_reply_markup(None)
    except BadRequest:  # already removed (a second tap), or the message is too old
        pass


async def confirmed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the question to the admins' chat (or drop it when the user said no); remove Yes/No."""
    query = update.callback_query
    await query.answer()
    await _remove_buttons(update)
    lang = user_language(context, update)
    question = context.user_data.pop("last_question", None)
    admin_chat = services(context).config.admin_chat
    if query.data == "h:yes" and question is None:
        return  # a second tap on a confirmation already acted on
    if query.data != "h:yes" or admin_chat is None:
        await send_text(context, update.effective_chat.id, t("handover_cancelled", lang))
        return
    key = user_key(context, update) or ""
    refusal = limits(context).refusal(key)
    if refusal:
        log.info("hand-off refused: %s", refusal)
        await send_text(context, update.effective_chat.id,
                        t(refusal, lang, limit=limits(context).per_user))
        return
    limits(context).count(key)
    context.application.create_task(_send_to_admins(context, update.effective_chat.id, key, lang, question),
                                    update=update)


async def _send_to_admins(context: ContextTypes.DEFAULT_TYPE, chat_id: int, key: str, lang: str,
                          question: str) -> None:
    """Post the question in the admins' chat, keep the route, then tell the user it was sent (or not).

    Runs beside the handlers: the admins' chat's own rate limit holds up no one else's answers."""
    svc = services(context)
    try:
        sent = await context.bot.send_message(svc.config.admin_chat,
                                              t("handover_to_admins", "en", language=lang, question=question))
    except TelegramError as exc:
        log.warning("a hand-off could not be posted in the admins' chat: %s", exc.__class__.__name__)
        await send_text(context, chat_id, t("handover_failed", lang))
        return
    await settled(svc.handover.open(sent.message_id, chat_id, lang, user_key=key or None))
    await send_text(context, chat_id, t("handover_sent", lang))


async def settled(future, timeout: float = 1.0) -> None:
    """Wait a moment for a background write (so that what follows sees it); never fails."""
    try:
        await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), timeout)
    except Exception:  # noqa: BLE001 - the writer keeps retrying; nobody waits longer
        pass


async def admin_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In the admins' chat: relay a text reply to a hand-off; explain what cannot be relayed."""
    message = update.effective_message
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
        await _explain_once(update, context)
        return
    if not message.text:
        await message.reply_text("Only text can be relayed to the user. Please reply to the question with text.")
        return
    routes = services(context).handover
    route = routes.close(replied.message_id)
    if route is None:
        await message.reply_text(
            "Not sent: this question was already answered, or it is older than the retention period, "
            "or the user deleted their data (/forget). There is no way to reach them.")
        return
    chat_id, lang = route
    await settled(routes.forgetting)
    await send_text(context, chat_id, f"{t('handover_answer', lang)}\n\n{message.text}")
    services(context).audit.record(str(update.effective_user.id), "handover answered", "")
    await message.reply_text("✓ Sent.")


async def _explain_once(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A message that is not a reply to a hand-off: say how to answer (not too often)."""
    if services(context).handover.pending() == 0:
        return
    last = context.chat_data.get("explained_at", 0.0)
    if time.monotonic() - last < EXPLAIN_EVERY_S:
        return
    context.chat_data["explained_at"] = time.monotonic()
    await update.effective_message.reply_text(
        "This message was not sent to anyone. To answer a user's question, reply to the bot's message "
        "that contains it (swipe left on it, or tap Reply).")


def register(app: Application, admin_chat: int | None) -> None:
    app.add_handler(CallbackQueryHandler(ask_confirmation, pattern=r"^h:ask$"))
    app.add_handler(CallbackQueryHandler(confirmed, pattern=r"^h:(yes|no)$"))
    if admin_chat is not None:
        in_admin_chat = filters.Chat(admin_chat) & ~filters.COMMAND & ~filters.StatusUpdate.ALL
        app.add_handler(MessageHandler(in_admin_chat & filters.REPLY, admin_message))
        # Other messages there go on to the other handlers; this one only explains how to answer.
        app.add_handler(MessageHandler(in_admin_chat & ~filters.REPLY, _explain_once), group=1)
