"""Turn a Reply into Telegram HTML (escaped, split to Telegram's limit), plain text or JSON."""

from __future__ import annotations

import html
import re

from .assistant import Reply
from .texts import t

TELEGRAM_LIMIT = 4096


def _tg_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _visible_len(html_text: str) -> int:
    """The length Telegram checks: the text once tags are removed and entities decoded."""
    return _tg_len(html.unescape(re.sub(r"<[^>]+>", "", html_text)))


def split_blocks(blocks: list[str], limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Join HTML blocks into messages of at most `limit` visible characters.

    Each block is self-contained HTML (tags closed inside it). A block too long on its own is cut
    at a line or word boundary; cutting happens on the unescaped text so no entity or tag is split.
    """
    messages: list[str] = []
    current = ""
    for block in blocks:
        for piece in _cut_block(block, limit):
            candidate = f"{current}\n\n{piece}" if current else piece
            if _visible_len(candidate) <= limit:
                current = candidate
            else:
                messages.append(current)
                current = piece
    if current:
        messages.append(current)
    return messages


def _cut_block(block: str, limit: int) -> list[str]:
    if _visible_len(block) <= limit:
        return [block]
    # Only plain (escaped) text blocks can be too long: titles and links are short. Cut the text.
    text = html.unescape(block)
    pieces = []
    while _tg_len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = text.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit - 1
            while _tg_len(text[:cut]) > limit:
                cut -= 1
        pieces.append(html.escape(text[:cut].rstrip(), quote=False))
        text = text[cut:].lstrip()
    if text:
        pieces.append(html.escape(text, quote=False))
    return pieces


def esc(text: str) -> str:
    """Escape text for Telegram HTML."""
    return html.escape(text, quote=False)


def topics_text(lang: str) -> str:
    return t("unknown", lang, topics=t("topics_line", lang))


def reply_html(reply: Reply) -> list[str]:
    """Telegram HTML messages for a reply (at least one, each within the limit)."""
    lang = reply.language
    if reply.answered:
        blocks = [f"<b>{esc(reply.title)}</b>", esc(reply.answer)]
        notes = []
        if reply.fell_back:
            notes.append(t("fallback_note", lang))
        elif reply.unreviewed:
            notes.append(t("unreviewed_note", lang))
        if notes:
            blocks.append("<i>" + esc(" ".join(notes)) + "</i>")
        links = [f'• <a href="{html.escape(s.url, quote=True)}">{esc(s.title_in(lang))}</a>' for s in reply.sources]
        blocks.append(f"<b>{esc(t('sources', lang))}</b>\n" + "\n".join(links))
        return split_blocks(blocks)
    return split_blocks([esc(non_answer_text(reply))])


def non_answer_text(reply: Reply) -> str:
    """The text for greetings, thanks, empty input and questions without a confident answer."""
    lang = reply.language
    intent = reply.result.intent
    if intent in ("greeting", "thanks", "empty"):
        return t(intent, lang)
    if intent == "help":  # "help", "menu", "ជំនួយ": how to ask (each front end adds its menu)
        return f"{t('help_intro', lang)}\n{t('help_examples', lang)}"
    if intent == "choose" and reply.suggestions:
        return t("did_you_mean", lang)
    return topics_text(lang)


def reply_plain(reply: Reply) -> str:
    """The reply as plain text for the console, suggestions numbered."""
    lang = reply.language
    if reply.answered:
        lines = [reply.title.upper() if reply.title.isascii() else reply.title, "", reply.answer]
        if reply.fell_back:
            lines += ["", t("fallback_note", lang)]
        elif reply.unreviewed:
            lines += ["", t("unreviewed_note", lang)]
        lines += ["", t("sources", lang)] + [f"  - {s.title_in(lang)}: {s.url}" for s in reply.sources]
        if reply.suggestions:
            lines += ["", t("see_also", lang)]
            lines += [f"  {i}. {m.entry.text('title', lang)[0]}" for i, m in enumerate(reply.suggestions, 1)]
        return "\n".join(lines)
    text = non_answer_text(reply)
    if reply.result.intent == "choose" and reply.suggestions:
        lines = [text] + [f"  {i}. {m.entry.text('title', lang)[0]}" for i, m in enumerate(reply.suggestions, 1)]
        lines += [f"  0. {t('none_of_these', lang)}", t("choose_number", lang)]
        return "\n".join(lines)
    return text


def reply_json(reply: Reply) -> dict:
    """The reply as the JSON object of `diaspora-bot ask --json`."""
    lang = reply.language
    answered = reply.answered
    return {
        "query": reply.query,
        "language": lang,
        "answered": answered,
        "entry_id": reply.entry.id if answered else None,
        "title": reply.title if answered else None,
        "answer": reply.answer if answered else non_answer_text(reply),
        "sources": [{"title": s.title_in(lang), "url": s.url} for s in reply.sources] if answered else [],
        "score": round(reply.score, 1),
        "suggestions": [{"entry_id": m.entry.id, "title": m.entry.text("title", lang)[0], "score": m.score}
                        for m in reply.suggestions],
    }
