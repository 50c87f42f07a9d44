#!/usr/bin/env python3
"""How long the bundled answers are on a phone: short replies, full answers, with their buttons.

Run from the checkout with the project installed:
    .venv/bin/python scripts/reply_sizes.py

Counts characters as Telegram does (UTF-16 units of the visible text) for every entry in every
language, and prints figures only.
"""

from __future__ import annotations

import html
import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.assistant import entry_reply  # noqa: E402
from bot.render import reply_html  # noqa: E402
from handlers.common import reply_keyboard  # noqa: E402
from knowledge.loader import load_bundled  # noqa: E402
from knowledge.schema import LANGS  # noqa: E402

LIMIT = 450


def visible(html_text: str) -> int:
    return len(html.unescape(re.sub(r"<[^>]+>", "", html_text)).encode("utf-16-le")) // 2


def main() -> None:
    kb = load_bundled()
    print(f"{len(kb)} entries; characters as Telegram counts them; limit for a short reply: {LIMIT}")
    for lang in LANGS:
        short, all_buttons, full = [], [], []
        for entry in kb.entries:
            reply = entry_reply("q", entry, lang)
            text = visible(reply_html(reply)[0])
            labels = [b.text for row in reply_keyboard(reply, kb).inline_keyboard for b in row]
            short.append(text + sum(map(len, labels[:2])))
            all_buttons.append(text + sum(map(len, labels)))
            full.append(sum(visible(part) for part in reply_html(reply, full=True)))

        def fig(values: list[int]) -> str:
            over = sum(v > LIMIT for v in values)
            return f"max {max(values)}, median {statistics.median(values):.0f}, >{LIMIT}: {over}"
        print(f"{lang}: short reply with More and Sources: {fig(short)}")
        print(f"    short reply with every button (related entries, feedback): {fig(all_buttons)}")
        print(f"    full answer (More): max {max(full)}, median {statistics.median(full):.0f}")


if __name__ == "__main__":
    main()
