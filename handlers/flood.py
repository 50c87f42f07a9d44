"""Checked before any other handler: updates seen twice are dropped, and a per-user limit
against floods of messages."""

from __future__ import annotations

import time
from collections import deque

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, TypeHandler

MAX_MESSAGES = 20
PER_SECONDS = 60.0


class FloodGuard:
    """Sliding-window counter of updates per user (memory only, never stored)."""

    def __init__(self, max_messages: int = MAX_MESSAGES, per_seconds: float = PER_SECONDS,
                 clock=time.monotonic):
        self.max_messages = max_messages
        self.per_seconds = per_seconds
        self.clock = clock
        self._seen: dict[int, deque] = {}

    def allow(self, user_id: int) -> bool:
        now = self.clock()
        window = self._seen.setdefault(user_id, deque())
        while window and now - window[0] > self.per_seconds:
            window.popleft()
        if len(window) >= self.max_messages:
            return False
        window.append(now)
        if len(self._seen) > 100_000:  # forget idle users so memory stays flat
            for uid in [u for u, w in self._seen.items() if not w or now - w[-1] > self.per_seconds]:
                del self._seen[uid]
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


async def check(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Drop updates of a user who sent too many in the window."""
    seen: SeenUpdates = context.application.bot_data.setdefault("seen_updates", SeenUpdates())
    if not seen.first_time(update.update_id):
        raise ApplicationHandlerStop
    user = update.effective_user
    guard: FloodGuard = context.application.bot_data.setdefault("flood_guard", FloodGuard())
    if user is not None and not guard.allow(user.id):
        if update.callback_query is not None:
            await update.callback_query.answer()
        raise ApplicationHandlerStop


def register(app: Application) -> None:
    app.add_handler(TypeHandler(Update, check), group=-1)
