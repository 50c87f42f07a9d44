"""The error handler: log first, a short apology to the user, never a traceback in the chat."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, ContextTypes

from bot.texts import t

from .common import user_language

log = logging.getLogger(__name__)


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error and tell the user briefly that something went wrong."""
    if isinstance(context.error, (NetworkError, TimedOut, RetryAfter, Forbidden)):
        # Nothing to tell the user: the API is unreachable, or the user blocked the bot.
        log.warning("Telegram API problem: %s", context.error)
        return
    log.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat:
        try:
            lang = user_language(context, update)
        except Exception:  # the database itself may be what failed
            lang = "en"
        try:
            await context.bot.send_message(update.effective_chat.id, t("error", lang))
        except Exception as exc:  # noqa: BLE001 - nothing more can be done; already logged
            log.warning("could not send the error message: %s", exc)


def register(app: Application) -> None:
    app.add_error_handler(error_handler)
