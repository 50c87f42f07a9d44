"""Inline mode: '@bot passport' in any chat offers matching entries to share, with their sources."""

from __future__ import annotations

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.constants import ParseMode
from telegram.ext import Application, ContextTypes, InlineQueryHandler

from bot.assistant import choose_language, entry_reply
from bot.render import reply_html

from .common import NO_PREVIEW, preference, services

MAX_RESULTS = 5
INLINE_CACHE_SECONDS = 10


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offer the best matching entries as articles to send."""
    query = update.inline_query
    text = query.query.strip()[:300]
    if not text:
        await query.answer([], cache_time=INLINE_CACHE_SECONDS, is_personal=True)
        return
    lang = choose_language(text, preference(context, update), query.from_user.language_code)
    result = services(context).assistant.matcher.match(text, limit=MAX_RESULTS)
    articles = []
    for match in result.matches:
        if match.score < 35:
            continue
        reply = entry_reply(text, match.entry, lang)
        articles.append(InlineQueryResultArticle(
            id=match.entry.id, title=reply.title[:100], description=(reply.short or reply.answer)[:120],
            input_message_content=InputTextMessageContent(  # no buttons there: the sources come along
                reply_html(reply, sources=True)[0], parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW)))
    # The results follow the user's language: personal, and cached briefly.
    await query.answer(articles, cache_time=INLINE_CACHE_SECONDS, is_personal=True)


def register(app: Application) -> None:
    app.add_handler(InlineQueryHandler(inline_query))
