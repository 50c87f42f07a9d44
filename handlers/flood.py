"""Checked before any other handler: updates seen twice are dropped, and a per-user limit
against floods. Messages and button taps are counted apart (browsing the topics is many taps,
and must not use up the allowance for questions); admins are not limited; a limited user is
told once, in their language, when to try again."""

from __future__ import annotations

import logging
import math
import time
from collections import deque

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, TypeHandler

from bot.texts import t

from .common import send_text, services, user_language

MAX_MESSAGES = 20  # messages (and commands) per user in the window
TAPS_PER_MESSAGE = 6  # a tap costs nothing to answer: the tap allowance is this many times larger
PER_SECONDS = 60.0

log = logging.getLogger(__name__)


class _Window:
    """Sliding-window counter of events per user (memory only, never stored)."""

    def __init__(self, limit: int, per_seconds: float):
        self.limit = limit
        self.per_seconds = per_seconds
        self.seen: dict[int, deque] = {}

    def allow(self, user_id: int, now: float) -> bool:
        window = self.seen.setdefault(user_id, deque())
        while window and now - window[0] > self.per_seconds:
            window.popleft()
        if len(window) >= self.limit:
            return False
        window.append(now)
        if len(self.seen) > 100_000:  # forget idle users so memory stays flat
            for uid in [u for u, w in self.seen.items() if not w or now - w[-1] > self.per_seconds]:
                del self.seen[uid]
        return True

    def retry_after(self, user_id: int, now: float) -> float:
        window = self.seen.get(user_id)
        return max(0.0, window[0] + self.per_seconds - now) if window else 0.0


class FloodGuard:
    """Per-user limits: `max_messages` messages and `max_taps` taps (default 6x) per window."""

    def __init__(self, max_messages: int = MAX_MESSAGES, per_seconds: float = PER_SECONDS,
                 clock=time.monotonic, max_taps: int | None = None):
        self.max_messages = max_messages
        self.max_taps = max_taps if max_taps is not None else TAPS_PER_MESSAGE * max_messages
        self.per_seconds = per_seconds
        self.clock = clock
        self._windows = {False: _Window(max_messages, per_seconds), True: _Window(self.max_taps, per_seconds)}
        self._told: set[tuple[int, bool]] = set()

    def allow(self, user_id: int, tap: bool = False) -> bool:
        """Count one message (or tap); False when the user is over the limit."""
        allowed = self._windows[tap].allow(user_id, self.clock())
        if allowed:
            self._told.discard((user_id, tap))
        return allowed

    def retry_after(self, user_id: int, tap: bool = False) -> int:
        """Whole seconds until the user may send (or tap) again."""
        return max(1, math.ceil(self._windows[tap].retry_after(user_id, self.clock())))

    def first_refusal(self, user_id: int, tap: bool = False) -> bool:
        """True once per limited spell: the moment to tell the user, not at every dropped update."""
        if (user_id, tap) in self._told:
            return False
        self._told.add((user_id, tap))
        return True


class SeenUpdates:
    """The ids of the last updates handled: Telegram delivers again what a timed-out poll got."""

    def __init__(self, size: int = 10_000):
        self._order: deque[int] = deque()
        self._ids: set[int] = set()
        self._size = size

    def first_time(self, update_id: int) -> bool:
        if update_id in self._ids:
            return False
        self._ids.add(update_id)
        self._order.append(update_id)
        if len(self._order) > self._size:
            self._ids.discard(self._order.popleft())
        return True


def is_tap(update: Update) -> bool:
    """Button presses and inline-mode typing: cheap to answer, counted apart from messages."""
    return update.callback_query is not None or update.inline_query is not None \
        or update.chosen_inline_result is not None


async def check(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Drop updates seen twice, and updates of a user over the limit (telling them once)."""
    seen: SeenUpdates = context.application.bot_data.setdefault("seen_updates", SeenUpdates())
    if not seen.first_time(update.update_id):
        raise ApplicationHandlerStop
    user = update.effective_user
    if user is None or services(context).is_admin(user.id):
        return
    guard: FloodGuard = context.application.bot_data.setdefault("flood_guard", FloodGuard())
    tap = is_tap(update)
    if guard.allow(user.id, tap):
        return
    wait = guard.retry_after(user.id, tap)
    tell = guard.first_refusal(user.id, tap)
    if tell:
        log.warning("flood guard: a user went over %d %s in %d s; told to wait %d s",
                    guard.max_taps if tap else guard.max_messages, "taps" if tap else "messages",
                    guard.per_seconds, wait)
    text = t("flood_wait", user_language(context, update), seconds=wait) if tell else None
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=tell)
    elif text and update.effective_chat is not None and update.effective_chat.type == "private":
        await send_text(context, update.effective_chat.id, text)
    raise ApplicationHandlerStop


def register(app: Application) -> None:
    app.add_handler(TypeHandler(Update, check), group=-1)
