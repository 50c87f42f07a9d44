"""The error handler: log first, a short apology to the user, never a traceback in the chat."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, ContextTypes

from bot.texts import t

from storage.writer import StorageUnavailable, describe, is_transient

from .common import services, user_language

log = logging.getLogger(__name__)


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error and tell the user briefly that something went wrong."""
    if isinstance(context.error, (NetworkError, TimedOut, RetryAfter, Forbidden)):
        # Nothing to tell the user: the API is unreachable, or the user blocked the bot.
        log.warning("Telegram API problem: %s", context.error)
        return
    storage_fault = isinstance(context.error, StorageUnavailable) or is_transient(context.error)
    if storage_fault:  # a full disk, a read-only or locked database: no traceback needed
        log.error("a change could not be saved: %s", describe(context.error))
    else:
        log.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat:
        user = update.effective_user
        if storage_fault and services(context).is_admin(user.id if user else None):
            text = (f"Your change could not be saved: {describe(context.error)}. Nothing was changed; "
                    "please try again later. Users' questions are still answered.")
        else:
            try:
                text = t("error", user_language(context, update))
            except Exception:  # noqa: BLE001 - the database itself may be what failed
                text = t("error", "en")
        try:
            await context.bot.send_message(update.effective_chat.id, text)
        except Exception as exc:  # noqa: BLE001 - nothing more can be done; already logged
            log.warning("could not send the error message: %s", exc)


def register(app: Application) -> None:
    app.add_error_handler(error_handler)
