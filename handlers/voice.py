"""Voice notes: transcribed off the event loop, then answered like a typed question.

The audio is downloaded into memory, transcribed and dropped; only the transcript goes on, to
the same `Assistant.ask` (and query log) as typed text. Without the voice extra or a configured
model, a voice note gets a 'please type' reply with a way to continue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import AsyncIterator
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update, Voice
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.warnings import PTBDeprecationWarning
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.render import esc
from bot.texts import t
from bot.voice import (LANGUAGE, MAX_VOICE_SECONDS, AudioUnreadable, VoiceBusy, VoiceQueue, VoiceTooLong,
                       VoiceUnavailable)

from .common import preference, send_text, user_language
from .questions import MAX_QUESTION_CHARS, answer_question

MAX_VOICE_BYTES = 2 * 1024 * 1024  # a minute of Telegram's Opus is about 250 KB
ACTION_EVERY = 4.0  # seconds; Telegram shows a chat action for 5 s at most
log = logging.getLogger(__name__)


def topics_keyboard(lang: str) -> InlineKeyboardMarkup:
    """One button that opens the topic menu, for replies that answer nothing."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(f"📚 {t('topics_button', lang)}", callback_data="t:")]])


async def say(context: ContextTypes.DEFAULT_TYPE, chat_id: int, key: str, lang: str, **values: object) -> None:
    """A voice-note notice in the user's language, with the topics button to continue."""
    await send_text(context, chat_id, t(key, lang, **values), topics_keyboard(lang))


def duration_seconds(voice: Voice) -> float:
    """The voice note's length (an int today, a timedelta in python-telegram-bot's next major)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        duration = voice.duration
    return duration.total_seconds() if isinstance(duration, timedelta) else float(duration or 0)


@contextlib.asynccontextmanager
async def chat_action(context: ContextTypes.DEFAULT_TYPE, chat_id: int,
                      action: str = ChatAction.TYPING) -> AsyncIterator[None]:
    """Show `action` ("typing…") in the chat until the block ends; failing to show it is harmless."""
    async def show() -> None:
        try:
            await context.bot.send_chat_action(chat_id, action)
        except TelegramError as exc:
            log.debug("chat action not shown: %s", exc)

    async def repeat() -> None:
        while True:
            await asyncio.sleep(ACTION_EVERY)
            await show()

    await show()
    task = asyncio.create_task(repeat())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def voice_note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Transcribe a voice note in a worker thread and answer the transcript."""
    chat_id = update.effective_chat.id
    lang = user_language(context, update)
    voice = update.effective_message.voice
    queue: VoiceQueue | None = context.application.bot_data.get("voice")
    if queue is None:
        await say(context, chat_id, "voice_off", lang)
        return
    if duration_seconds(voice) > MAX_VOICE_SECONDS or (voice.file_size or 0) > MAX_VOICE_BYTES:
        await say(context, chat_id, "voice_too_long", lang, seconds=MAX_VOICE_SECONDS)
        return
    try:
        with queue.slot():  # taken before any await, so the queue count is exact
            async with chat_action(context, chat_id):
                file = await voice.get_file()
                text = await queue.transcribe(await file.download_as_bytearray())
    except VoiceBusy:
        await say(context, chat_id, "voice_busy", lang)
        return
    except VoiceUnavailable:
        await say(context, chat_id, "voice_off", lang)
        return
    except VoiceTooLong:
        await say(context, chat_id, "voice_too_long", lang, seconds=MAX_VOICE_SECONDS)
        return
    except AudioUnreadable as exc:
        log.info("voice: unreadable audio (%s)", exc)
        text = ""
    text = " ".join(text.split())[:MAX_QUESTION_CHARS]
    if not text:
        await say(context, chat_id, "voice_unclear", lang)
        return
    # The speech was transcribed as Khmer: answer in Khmer unless the user chose a language.
    reply_lang = preference(context, update) or LANGUAGE
    await answer_question(update, context, text, default_language=LANGUAGE,
                          before=[esc(t("voice_heard", reply_lang, text=text))])


def register(app: Application) -> None:
    app.add_handler(MessageHandler(filters.VOICE & filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED,
                                   voice_note))
