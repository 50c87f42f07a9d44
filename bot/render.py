"""Turn a Reply into Telegram HTML (escaped, split to Telegram's limit), plain text or JSON."""

from __future__ import annotations

import html
import re

from knowledge.figures import format_as_of
from knowledge.matcher import OPINION, SUBJECT

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


def marker_text(reply: Reply) -> str:
    """The short line under an answer: fell back to English / not yet reviewed, and the date it holds for."""
    lang = reply.language
    parts = []
    if reply.fell_back:
        parts.append(t("fallback_note", lang))
    elif reply.unreviewed:
        parts.append(t("unreviewed_mark", lang))
    if reply.as_of:
        parts.append(t("as_of", lang, date=format_as_of(reply.as_of, lang)))
    text = " · ".join(parts)
    return text[:1].upper() + text[1:]


def has_more(reply: Reply) -> bool:
    """Whether the reply shows a short answer, so a full one is there to show."""
    return reply.answered and reply.short is not None


def reply_html(reply: Reply, full: bool = False, sources: bool = False) -> list[str]:
    """Telegram HTML messages for a reply (at least one, each within the limit).

    An answer shows its title, its short answer (the full one with `full`, or when there is no
    short one) and a one-line marker. Its sources come with `sources_html` (the Sources button),
    or at the end with `sources` (a message without buttons, e.g. sent inline).
    """
    if reply.answered:
        body = reply.answer if full or not has_more(reply) else reply.short
        blocks = [f"<b>{esc(reply.title)}</b>", esc(body)]
        marker = marker_text(reply)
        if marker:
            blocks.append(f"<i>{esc(marker)}</i>")
        if sources:
            blocks.append(_sources_block(reply, with_title=False))
        return split_blocks(blocks)
    return split_blocks([esc(non_answer_text(reply))])


def sources_html(reply: Reply) -> list[str]:
    """The sources of an answer as Telegram HTML: a heading with the entry's title and one link per source."""
    return split_blocks([_sources_block(reply, with_title=True)])


def _sources_block(reply: Reply, with_title: bool) -> str:
    heading = f"<b>{esc(t('sources', reply.language))}</b>" + (f" {esc(reply.title or '')}" if with_title else "")
    links = [f'• <a href="{html.escape(s.url, quote=True)}">{esc(s.title_in(reply.language))}</a>' for s in reply.sources]
    return heading + "\n" + "\n".join(links)


def non_answer_text(reply: Reply) -> str:
    """The text for greetings, thanks, empty input and questions without a confident answer."""
    lang = reply.language
    intent = reply.result.intent
    if intent in ("greeting", "thanks", "empty"):
        return t(intent, lang)
    if intent == "help":  # "help", "menu", "ជំនួយ": how to ask (each front end adds its menu)
        return f"{t('help_intro', lang)}\n{t('help_examples', lang)}"
    if intent == "choose" and reply.suggestions:
        # The best entry is about another place or year, or the question asks for an opinion:
        # say why these are only the closest topics, not an answer.
        why = reply.result.matches[0].conflict
        if not why or why == SUBJECT:
            return t("did_you_mean", lang)
        return f"{t('no_opinion' if why == OPINION else 'other_scope', lang)} {t('closest_topics', lang)}"
    if intent == "unknown" and reply.result.matches and reply.result.matches[0].conflict == OPINION:
        return f"{t('no_opinion', lang)}\n\n{topics_text(lang)}"
    return topics_text(lang)


def reply_plain(reply: Reply, full: bool = True) -> str:
    """The reply as plain text, suggestions numbered.

    `full` (for `ask`): title, answer, marker and sources. Otherwise (the console chat) the short
    answer and a hint that `more` and `sources` show the rest.
    """
    lang = reply.language
    if reply.answered:
        short = not full and has_more(reply)
        lines = [reply.title.upper() if reply.title.isascii() else reply.title, "",
                 reply.short if short else reply.answer]
        marker = marker_text(reply)
        if marker:
            lines += ["", marker]
        if short:
            lines += ["", t("console_more_hint", lang)]
        elif full:
            lines += ["", *sources_plain(reply)]
        else:
            lines += ["", t("console_sources_hint", lang)]
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


def more_plain(reply: Reply) -> str:
    """The full answer of the console's `more`: title, answer, marker and a hint for `sources`."""
    lines = [reply.title.upper() if reply.title.isascii() else reply.title, "", reply.answer]
    marker = marker_text(reply)
    if marker:
        lines += ["", marker]
    return "\n".join(lines + ["", t("console_sources_hint", reply.language)])


def sources_plain(reply: Reply) -> list[str]:
    """The sources of an answer as plain-text lines."""
    return [t("sources", reply.language)] + [f"  - {s.title_in(reply.language)}: {s.url}" for s in reply.sources]


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
        "short": reply.short if answered else None,
        "answer": reply.answer if answered else non_answer_text(reply),
        "as_of": reply.as_of if answered else None,
        "sources": [{"title": s.title_in(lang), "url": s.url} for s in reply.sources] if answered else [],
        "score": round(reply.score, 1),
        "suggestions": [{"entry_id": m.entry.id, "title": m.entry.text("title", lang)[0], "score": m.score}
                        for m in reply.suggestions],
    }
