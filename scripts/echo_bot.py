#!/usr/bin/env python3
"""A minimal python-telegram-bot echo bot: the yardstick of `scripts/loadtest.py --bot echo`.

One Application, one MessageHandler that replies with the message's text, polled with PTB's own
Updater. It is given the settings `diaspora-bot run` uses, so that a comparison measures what the
bot does per message and nothing else: the same request backend (bot/aiohttp_request.py) and
connection pools, the same number of updates handled at once, 30 s long polls of up to 100
updates, every update type.

    TELEGRAM_BOT_TOKEN=... TELEGRAM_API_BASE_URL=http://127.0.0.1:PORT/bot \
        .venv/bin/python scripts/echo_bot.py [--http httpx]

`--http httpx` keeps python-telegram-bot's default backend (httpx) instead: the echo bot as its
documentation writes it. Stops on SIGINT/SIGTERM (exit status 0).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from telegram import Update  # noqa: E402
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters  # noqa: E402

from bot.aiohttp_request import AiohttpRequest  # noqa: E402
from bot.app import CONCURRENT_UPDATES, POLL_TIMEOUT  # noqa: E402

HTTP_TIMEOUT = 10.0  # bot.config's default DIASPORA_BOT_HTTP_TIMEOUT


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with the message's text."""
    await context.bot.send_message(update.effective_chat.id, update.effective_message.text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--http", choices=("aiohttp", "httpx"), default="aiohttp",
                        help="Bot API request backend (default: aiohttp, as diaspora-bot)")
    args = parser.parse_args(argv)
    builder = ApplicationBuilder().token(os.environ["TELEGRAM_BOT_TOKEN"])
    if base_url := os.environ.get("TELEGRAM_API_BASE_URL"):
        builder.base_url(base_url)
    builder.concurrent_updates(CONCURRENT_UPDATES)
    if args.http == "aiohttp":
        builder.request(AiohttpRequest(pool_size=CONCURRENT_UPDATES + 2, timeout=HTTP_TIMEOUT))
        builder.get_updates_request(AiohttpRequest(pool_size=1, timeout=HTTP_TIMEOUT + POLL_TIMEOUT))
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.run_polling(timeout=POLL_TIMEOUT, allowed_updates=Update.ALL_TYPES)
    return 0


if __name__ == "__main__":
    sys.exit(main())
