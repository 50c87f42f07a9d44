"""Admin tools: YAML upload with Apply/Cancel, export, history, rollback, unanswered questions
(teach in two taps), stats and reload. Admins are the user ids of DIASPORA_BOT_ADMINS.

A non-admin who uses any of this gets the same reply as for an unknown command or a non-text
message, and nothing happens: admin features stay invisible to users.
"""

from __future__ import annotations

import asyncio
import functools
import io
import secrets
from dataclasses import dataclass, field

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot.diff import diff_kb, format_diff
from bot.services import Services
from bot.texts import t
from bot.yamlio import dump_yaml
from knowledge.labels import button_label
from knowledge.loader import MAX_FILE_BYTES, KnowledgeBaseInvalid, load_data, load_path, load_text
from knowledge.schema import KnowledgeBase
from storage.revisions import RevisionNotFound

from .common import send_text, services, user_language

MAX_UPLOAD_BYTES = 512 * 1024
MAX_PENDING = 50
MAX_ERRORS_SHOWN = 40


@dataclass
class Pending:
    """Work an admin started that waits for a button: an upload to apply, questions to teach."""

    uploads: dict[str, tuple[int, KnowledgeBase, str]] = field(default_factory=dict)
    teach: dict[str, tuple[str, str, str]] = field(default_factory=dict)

    def remember(self, table: dict, value) -> str:
        token = secrets.token_hex(4)
        table[token] = value
        while len(table) > MAX_PENDING:
            table.pop(next(iter(table)))
        return token


def pending(context: ContextTypes.DEFAULT_TYPE) -> Pending:
    return context.application.bot_data.setdefault("admin_pending", Pending())


def admin_id(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """The user's id when they are an admin, else None."""
    user = update.effective_user
    return user.id if user is not None and services(context).is_admin(user.id) else None


async def refuse(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The reply for anyone who is not an admin: the same as for an unknown command."""
    if update.callback_query is not None:
        await update.callback_query.answer()
        return
    lang = user_language(context, update)
    await send_text(context, update.effective_chat.id, t("not_allowed", lang))


def admin_only(command):
    """Run `command(update, context, admin_id)` for admins; everyone else gets the generic refusal."""
    @functools.wraps(command)
    async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        who = admin_id(update, context)
        if who is None:
            await refuse(update, context)
            return
        await command(update, context, who)
    return guarded


def switch(svc: Services, kb: KnowledgeBase, author: int, note: str, action: str, from_disk: bool = False):
    """Store a new revision, serve it, audit it; return the revision."""
    return serve(svc, kb, svc.live.commit(kb, author=str(author), note=note, from_disk=from_disk), author, action)


def serve(svc: Services, kb: KnowledgeBase, rev, author: int, action: str):
    """Serve a revision just stored and audit it; return the revision."""
    svc.assistant.switch(kb)
    svc.audit.record(str(author), action, f"revision {rev.id}: {rev.note}")
    return rev


def problems_text(exc: KnowledgeBaseInvalid) -> str:
    shown = [str(p) for p in exc.problems[:MAX_ERRORS_SHOWN]]
    more = len(exc.problems) - len(shown)
    return "\n".join([f"The file has {len(exc.problems)} problem(s); nothing was changed:", *shown]
                     + ([f"... and {more} more"] if more > 0 else []))


# --- upload ---------------------------------------------------------------------------------

async def upload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Validate an uploaded YAML file and offer Apply / Cancel with a summary of the change."""
    who = admin_id(update, context)
    chat_id = update.effective_chat.id
    if who is None:  # a user's file: say what the bot can do with it, and the ways on
        from .questions import not_text
        await not_text(update, context)
        return
    doc = update.effective_message.document
    name = doc.file_name or "upload.yaml"
    if doc.file_size and doc.file_size > MAX_UPLOAD_BYTES:
        await send_text(context, chat_id, f"{name}: too large ({doc.file_size // 1024} KiB; the limit is "
                                          f"{MAX_UPLOAD_BYTES // 1024} KiB). Nothing was changed.")
        return
    file = await doc.get_file()
    data = bytes(await file.download_as_bytearray())
    if len(data) > min(MAX_UPLOAD_BYTES, MAX_FILE_BYTES):
        await send_text(context, chat_id, f"{name}: too large. Nothing was changed.")
        return
    try:
        kb = await asyncio.to_thread(load_text, data, name)  # a large file must not stall other users
    except KnowledgeBaseInvalid as exc:
        services(context).audit.record(str(who), "upload refused", f"{name}: {len(exc.problems)} problem(s)")
        await send_text(context, chat_id, problems_text(exc))
        return
    svc = services(context)
    diff = diff_kb(svc.assistant.kb, kb)
    if diff.empty:
        await send_text(context, chat_id, f"{name}: {format_diff(diff)}")
        return
    token = pending(context).remember(pending(context).uploads, (who, kb, name))
    buttons = InlineKeyboardMarkup([[InlineKeyboardButton("✅ Apply", callback_data=f"adm:apply:{token}"),
                                     InlineKeyboardButton("✖ Cancel", callback_data=f"adm:cancel:{token}")]])
    await send_text(context, chat_id, f"{name}: {len(kb)} entries, valid.\n{format_diff(diff)}", buttons)


async def take_pending(update: Update, context: ContextTypes.DEFAULT_TYPE, table: dict,
                       gone: str) -> tuple[int, str, object] | None:
    """For an admin's button: (admin id, action, the pending item), which is forgotten; else None."""
    query = update.callback_query
    who = admin_id(update, context)
    if who is None:
        await refuse(update, context)
        return None
    await query.answer()
    _, action, token = (query.data.split(":") + ["", ""])[:3]
    item = table.pop(token, None)
    if item is None:
        await query.edit_message_text(gone)
        return None
    return who, action, item


async def upload_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Apply or cancel a pending upload."""
    taken = await take_pending(update, context, pending(context).uploads,
                               "This upload is no longer pending (applied, cancelled or expired).")
    if taken is None:
        return
    who, action, (_, kb, name) = taken
    query = update.callback_query
    if action == "apply":
        rev = switch(services(context), kb, who, f"upload {name}", "upload applied")
        await query.edit_message_text(f"Applied: revision {rev.id} is now live ({len(kb)} entries).")
    else:
        services(context).audit.record(str(who), "upload cancelled", name)
        await query.edit_message_text("Cancelled: nothing was changed.")


# --- commands -------------------------------------------------------------------------------

@admin_only
async def export(update: Update, context: ContextTypes.DEFAULT_TYPE, who: int) -> None:
    """Send the current knowledge base as a YAML document."""
    svc = services(context)
    rev = svc.live.revisions.current()
    text = dump_yaml(svc.assistant.kb.to_data())
    svc.audit.record(str(who), "export", f"revision {rev.id if rev else '-'}")
    await context.bot.send_document(update.effective_chat.id,
                                    InputFile(io.BytesIO(text.encode("utf-8")), filename=f"knowledge-r{rev.id if rev else 0}.yaml"),
                                    caption=f"Revision {rev.id if rev else '-'}, {len(svc.assistant.kb)} entries")


@admin_only
async def history(update: Update, context: ContextTypes.DEFAULT_TYPE, who: int) -> None:
    """List recent revisions."""
    rows = services(context).live.revisions.history(15)
    lines = [f"#{r['id']} {r['created_at'][:16]} by {r['author']}: {r['note']}" for r in rows]
    await send_text(context, update.effective_chat.id, "\n".join(["Revisions (newest first):", *lines]))


@admin_only
async def rollback(update: Update, context: ContextTypes.DEFAULT_TYPE, who: int) -> None:
    """Make revision N's content the new current revision: /rollback N."""
    chat_id = update.effective_chat.id
    if len(context.args or []) != 1 or not context.args[0].isdigit():
        await send_text(context, chat_id, "Usage: /rollback N (see /history for the numbers)")
        return
    svc = services(context)
    old_id = int(context.args[0])
    try:
        kb, rev = svc.live.rollback(old_id, author=str(who))
    except RevisionNotFound:
        await send_text(context, chat_id, f"There is no revision {old_id} (see /history).")
        return
    serve(svc, kb, rev, who, "rollback")
    await send_text(context, chat_id, f"Revision {rev.id} is now live, with the content of revision {old_id}.")


@admin_only
async def unanswered(update: Update, context: ContextTypes.DEFAULT_TYPE, who: int) -> None:
    """The questions not answered confidently, most frequent first, each with Teach / Dismiss."""
    svc = services(context)
    rows = svc.query_log.unanswered(10)
    chat_id = update.effective_chat.id
    if not rows:
        await send_text(context, chat_id, "No unanswered questions. 🎉")
        return
    for row in rows:
        match = svc.assistant.matcher.match(row["question"])
        suggestion = match.best.entry if match.best else None
        store = pending(context)
        dismiss = store.remember(store.teach, (row["question"], "", row["language"]))
        buttons = []
        if suggestion is not None:
            token = store.remember(store.teach, (row["question"], suggestion.id, row["language"]))
            buttons.append(InlineKeyboardButton(f"➕ {button_label(suggestion, 'en')}", callback_data=f"adm:teach:{token}"))
        buttons.append(InlineKeyboardButton("🗑 Dismiss", callback_data=f"adm:dismiss:{dismiss}"))
        await send_text(context, chat_id, f"{row['count']}× [{row['language']}] {row['question']}",
                        InlineKeyboardMarkup([buttons]))


async def teach_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Attach an unanswered question to an entry as an alternate question, or dismiss it."""
    taken = await take_pending(update, context, pending(context).teach, "This question is no longer pending.")
    if taken is None:
        return
    who, action, (question, entry_id, lang) = taken
    query = update.callback_query
    svc = services(context)
    if action == "dismiss":
        svc.query_log.dismiss(question)
        svc.audit.record(str(who), "dismiss question", question[:200])
        await query.edit_message_text(f"Dismissed: {question}")
        return
    kb = add_question(svc.assistant.kb, entry_id, lang, question)
    if kb is None:
        await query.edit_message_text("That entry no longer exists.")
        return
    rev = switch(svc, kb, who, f"taught {question[:80]!r} -> {entry_id}", "teach")
    svc.query_log.dismiss(question)
    await query.edit_message_text(f"Taught: “{question}” now leads to {entry_id} (revision {rev.id}).")


def add_question(kb: KnowledgeBase, entry_id: str, lang: str, question: str) -> KnowledgeBase | None:
    """A copy of `kb` where `entry_id` has `question` as an alternate question in `lang`."""
    data = kb.to_data()
    for entry in data["entries"]:
        if entry["id"] == entry_id:
            qs = entry.setdefault("questions", {}).setdefault(lang if lang in ("en", "km", "fr") else "en", [])
            if question not in qs:
                qs.append(question)
            return load_data(data, "teach")
    return None


@admin_only
async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE, who: int) -> None:
    """Questions per day and language, share answered, top entries, feedback per entry."""
    svc = services(context)
    s = svc.query_log.stats()
    share = f"{100 * s['answered'] / s['total']:.0f}%" if s["total"] else "-"
    lines = [f"Questions: {s['total']}, answered: {s['answered']} ({share})", "", "Per day and language:"]
    lines += [f"{r['day']} {r['language']}: {r['n']} asked, {r['answered'] or 0} answered" for r in s["per_day"][:21]]
    lines += ["", "Top entries:"] + [f"{r['n']}× {r['entry_id']}" for r in s["top_entries"]]
    feedback = svc.users.feedback_summary()
    lines += ["", "Feedback (👍/👎):"] + [f"{r['entry_id']}: {r['up']}/{r['down']}" for r in feedback[:15]]
    await send_text(context, update.effective_chat.id, "\n".join(lines))


@admin_only
async def reload(update: Update, context: ContextTypes.DEFAULT_TYPE, who: int) -> None:
    """Read the YAML folder from disk again as a new revision."""
    svc = services(context)
    try:
        kb = load_path(svc.live.kb_path)
    except KnowledgeBaseInvalid as exc:
        svc.audit.record(str(who), "reload refused", f"{len(exc.problems)} problem(s)")
        await send_text(context, update.effective_chat.id, problems_text(exc))
        return
    diff = diff_kb(svc.assistant.kb, kb)
    rev = switch(svc, kb, who, f"reloaded from {svc.live.kb_path}", "reload", from_disk=True)
    await send_text(context, update.effective_chat.id, f"Revision {rev.id} is now live.\n{format_diff(diff)}")


ADMIN_COMMANDS = {"export": export, "history": history, "rollback": rollback, "unanswered": unanswered,
                  "stats": stats, "reload": reload}


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any command the bot does not have: the same reply a non-admin gets for an admin command."""
    await refuse(update, context)


def register(app: Application) -> None:
    for name, callback in ADMIN_COMMANDS.items():
        app.add_handler(CommandHandler(name, callback))
    app.add_handler(CallbackQueryHandler(upload_button, pattern=r"^adm:(apply|cancel):"))
    app.add_handler(CallbackQueryHandler(teach_button, pattern=r"^adm:(teach|dismiss):"))
    app.add_handler(MessageHandler(filters.Document.ALL & filters.ChatType.PRIVATE, upload))


def register_fallbacks(app: Application) -> None:
    """Registered last: unknown commands and stray callback data get the generic reply."""
    app.add_handler(MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, unknown_command))
    app.add_handler(CallbackQueryHandler(unknown_command))
