"""Admin tools: YAML or spreadsheet upload with Apply/Cancel, export, history, rollback, unanswered
questions (teach to one of three candidate entries, with Undo), stats and reload. Admins are the
user ids of DIASPORA_BOT_ADMINS.

Every change is prepared against the current revision and shown (what changes, word by word)
before it is stored; it is refused if another admin or the CLI made a revision in between
(`bot.live`). A change removing more than DIASPORA_BOT_MAX_REMOVALS entries needs a second tap;
one that would remove every entry is refused. The bot follows revisions made by other processes
(`follow_revisions`, every second).

A non-admin who uses any of this gets the same reply as for an unknown command or a non-text
message, and nothing happens: admin features stay invisible to users.
"""

from __future__ import annotations

import asyncio
import functools
import io
import logging
import secrets
import time
from dataclasses import dataclass, field

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot.diff import format_diff, summary
from bot.live import Change, NoChange, RemovesEverything, RevisionConflict, TooManyRemovals
from bot.services import Services
from bot.texts import t
from bot.yamlio import dump_yaml
from knowledge.labels import button_label
from knowledge.loader import MAX_FILE_BYTES, KnowledgeBaseInvalid, load_path, load_text, with_entry
from knowledge.schema import LANGS, KnowledgeBase
from storage.audit import insert_action
from storage.revisions import RevisionNotFound
from storage.writer import StorageUnavailable

from .common import send_text, services, user_language

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 512 * 1024
MAX_PENDING = 50
MAX_ERRORS_SHOWN = 40
LONG_DIFF = 3000  # characters: a longer description of a change goes in an attached file
TEACH_CANDIDATES = 3
UNDO_SECONDS = 300
FOLLOW_SECONDS = 1.0


@dataclass
class Pending:
    """Work an admin started that waits for a button: a change to apply, questions to teach, undos."""

    uploads: dict[str, tuple[int, Change, str]] = field(default_factory=dict)
    teach: dict[str, tuple[str, str, str, int, int]] = field(default_factory=dict)
    undo: dict[str, tuple[str, str, str, int, float]] = field(default_factory=dict)

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


def problems_text(exc: KnowledgeBaseInvalid) -> str:
    shown = [str(p) for p in exc.problems[:MAX_ERRORS_SHOWN]]
    more = len(exc.problems) - len(shown)
    return "\n".join([f"The file has {len(exc.problems)} problem(s); nothing was changed:", *shown]
                     + ([f"... and {more} more"] if more > 0 else []))


def conflict_text(exc: RevisionConflict, again: str) -> str:
    cur = exc.current
    return (f"Not applied: the knowledge base changed since this was prepared (revision {exc.base}; now "
            f"revision {cur.id}, by {cur.author}: {cur.note}). Nothing was overwritten. {again}")


# --- following the database -------------------------------------------------------------------

async def follow_revisions(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Serve a revision another process (the CLI, another bot) made: polled every second."""
    svc = services(context)
    try:
        rev = await svc.live.follow(svc.assistant)
    except Exception:  # a failed poll must not stop the job; the next one tries again
        log.exception("could not check for a new knowledge-base revision")
        return
    if rev is not None:
        log.info("now serving revision %d (%s)", rev.id, rev.author)


def not_saved_text(exc: StorageUnavailable, again: str) -> str:
    """Why an admin's change was not stored, in plain words, and what to do."""
    return (f"Your change was not saved: {exc}. Nothing was changed. {again} "
            "Users' questions are still answered meanwhile.")


async def apply_change(svc: Services, change: Change, who: int, action: str, confirmed: bool = False,
                       detail: str = ""):
    """Store a prepared change with its audit row (off the event loop), serve it at once; return the revision.

    Raises RevisionConflict, TooManyRemovals (unless `confirmed`) and StorageUnavailable (the
    database cannot be written just now: nothing was stored).
    """
    described = summary(change.diff)

    def audit(db, rev) -> None:
        insert_action(db, str(who), action, f"revision {rev.id}: {rev.note} ({described}){detail}")
    rev = await svc.live.apply_async(change, str(who), svc.kb_writer or svc.writer,
                                     max_removals=None if confirmed else svc.config.max_removals, also=audit)
    await svc.live.follow(svc.assistant)
    return rev


async def send_change(context: ContextTypes.DEFAULT_TYPE, chat_id: int, head: str, change: Change,
                      markup: InlineKeyboardMarkup | None = None, tail: str = "") -> None:
    """Describe a change: short on the phone; when long, the full description as an attached file."""
    short = format_diff(change.diff)
    text = "\n".join(p for p in (head, short, tail) if p)
    if len(text) > LONG_DIFF:
        full = format_diff(change.diff, full=True)
        name = f"changes-on-r{change.base.id}.txt"
        await context.bot.send_document(chat_id, InputFile(io.BytesIO(full.encode("utf-8")), filename=name),
                                        caption=f"All changes ({summary(change.diff)})")
        cut = short[:max(0, LONG_DIFF - len(head) - len(tail) - 80)].rsplit("\n", 1)[0]
        text = "\n".join(p for p in (head, cut, f"… the full list is in {name} above.", tail) if p)
    await send_text(context, chat_id, text, markup)


def removal_warning(svc: Services, change: Change) -> str:
    limit = svc.config.max_removals
    if change.removals <= limit:
        return ""
    return f"⚠️ This removes {change.removals} entries (more than {limit}): Apply will ask you to confirm."


def apply_buttons(token: str, removals: int | None = None) -> InlineKeyboardMarkup:
    """Apply / Cancel; with `removals`, the confirmation of a change that removes that many entries."""
    first = (InlineKeyboardButton("✅ Apply", callback_data=f"adm:apply:{token}") if removals is None else
             InlineKeyboardButton(f"🗑 Yes, remove {removals} entries", callback_data=f"adm:force:{token}"))
    return InlineKeyboardMarkup([[first, InlineKeyboardButton("✖ Cancel", callback_data=f"adm:cancel:{token}")]])


async def offer(context: ContextTypes.DEFAULT_TYPE, chat_id: int, who: int, change: Change, name: str,
                head: str) -> None:
    """Keep a prepared change and show it with Apply / Cancel."""
    svc = services(context)
    token = pending(context).remember(pending(context).uploads, (who, change, name))
    await send_change(context, chat_id, head, change, apply_buttons(token), removal_warning(svc, change))


async def apply_or_offer(context: ContextTypes.DEFAULT_TYPE, chat_id: int, who: int, change: Change, name: str,
                         offer_head: str, done, again: str) -> None:
    """Apply a change an admin asked for by command (`done(revision id)` says so); one that
    removes many entries is offered with Apply / Cancel instead."""
    svc = services(context)
    if change.removals > svc.config.max_removals:
        await offer(context, chat_id, who, change, name, offer_head)
        return
    try:
        rev = await apply_change(svc, change, who, name)
    except RevisionConflict as exc:
        await send_text(context, chat_id, conflict_text(exc, again))
        return
    except StorageUnavailable as exc:
        await send_text(context, chat_id, not_saved_text(exc, again.rstrip(".") + " in a minute."))
        return
    await send_change(context, chat_id, done(rev.id), change)


# --- upload -----------------------------------------------------------------------------------

def read_upload(data: bytes, name: str) -> KnowledgeBase:
    """A knowledge base from an uploaded YAML or .xlsx file (raises KnowledgeBaseInvalid)."""
    if name.lower().endswith(".xlsx"):
        from knowledge.xlsx import load_xlsx
        return load_xlsx(data, name)
    return load_text(data, name)


async def upload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Validate an uploaded YAML or spreadsheet file and offer Apply / Cancel with what would change."""
    who = admin_id(update, context)
    chat_id = update.effective_chat.id
    if who is None:  # a user's file: say what the bot can do with it, and the ways on
        from .questions import not_text
        await not_text(update, context)
        return
    doc = update.effective_message.document
    name = doc.file_name or ("upload.xlsx" if doc.mime_type == "application/vnd.openxmlformats-"
                             "officedocument.spreadsheetml.sheet" else "upload.yaml")
    if doc.file_size and doc.file_size > MAX_UPLOAD_BYTES:
        await send_text(context, chat_id, f"{name}: too large ({doc.file_size // 1024} KiB; the limit is "
                                          f"{MAX_UPLOAD_BYTES // 1024} KiB). Nothing was changed.")
        return
    file = await doc.get_file()
    data = bytes(await file.download_as_bytearray())
    if len(data) > min(MAX_UPLOAD_BYTES, MAX_FILE_BYTES):
        await send_text(context, chat_id, f"{name}: too large. Nothing was changed.")
        return
    svc = services(context)
    try:
        kb = await asyncio.to_thread(read_upload, data, name)  # a large file must not stall other users
        base = svc.live.revisions.current()
        change = await asyncio.to_thread(svc.live.prepare, kb, f"upload {name}", base)
    except KnowledgeBaseInvalid as exc:
        svc.audit.record(str(who), "upload refused", f"{name}: {len(exc.problems)} problem(s)")
        await send_text(context, chat_id, problems_text(exc))
        return
    except NoChange:
        await send_text(context, chat_id, f"{name}: no change: the content is identical to the current "
                                          f"revision {base.id}. Nothing to apply.")
        return
    except RemovesEverything as exc:
        svc.audit.record(str(who), "upload refused", f"{name}: removes every entry")
        await send_text(context, chat_id, f"{name}: refused: {exc}. Nothing was changed. (Is it the right "
                                          "file? An export that failed can leave an empty one.)")
        return
    await offer(context, chat_id, who, change, name, f"{name}: {len(kb)} entries, valid. "
                                                     f"Changes to revision {base.id}:")


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
    """Apply (with a second confirmation for many removals) or cancel a pending change."""
    taken = await take_pending(update, context, pending(context).uploads,
                               "This change is no longer pending (applied, cancelled or expired).")
    if taken is None:
        return
    who, action, (owner, change, name) = taken
    query = update.callback_query
    svc = services(context)
    if action == "cancel":
        svc.audit.record(str(who), "change cancelled", name)
        await query.edit_message_text(f"Cancelled ({name}): nothing was changed.")
        return
    try:
        rev = await apply_change(svc, change, who, name if name in ("rollback", "reload") else "upload applied",
                                 confirmed=action == "force")
    except TooManyRemovals as exc:
        token = pending(context).remember(pending(context).uploads, (owner, change, name))
        ids = ", ".join(i for i, _ in change.diff.removed[:40])
        more = f" and {exc.count - 40} more" if exc.count > 40 else ""
        await query.edit_message_text(f"{name}: this removes {exc.count} entries: {ids}{more}.\n"
                                      f"Are you sure? Nothing is lost: /rollback {change.base.id} brings them back.",
                                      reply_markup=apply_buttons(token, exc.count))
        return
    except RevisionConflict as exc:
        svc.audit.record(str(who), "change refused", f"{name}: prepared on revision {exc.base}, "
                                                     f"now {exc.current.id}")
        await query.edit_message_text(conflict_text(exc, "Upload the file again (or repeat the command) "
                                                         "to see what it would change now."))
        return
    except StorageUnavailable as exc:  # still pending: the same button tries again
        token = pending(context).remember(pending(context).uploads, (owner, change, name))
        await query.edit_message_text(f"{name}: " + not_saved_text(exc, "Tap the button again in a minute."),
                                      reply_markup=apply_buttons(token, None if action == "apply" else change.removals))
        return
    await query.edit_message_text(f"Applied: revision {rev.id} is now live ({len(change.kb)} entries; "
                                  f"{summary(change.diff)}).")


# --- commands -------------------------------------------------------------------------------

@admin_only
async def export(update: Update, context: ContextTypes.DEFAULT_TYPE, who: int) -> None:
    """Send the current knowledge base as a YAML file, or a spreadsheet with /export xlsx."""
    svc = services(context)
    rev = svc.live.revisions.current(content=False)
    kb = await svc.live.knowledge_async(rev)
    if (context.args or [""])[0].lower() in ("xlsx", "excel", "spreadsheet"):
        from knowledge.xlsx import to_xlsx
        blob, name = await asyncio.to_thread(to_xlsx, kb), f"knowledge-r{rev.id}.xlsx"
    else:
        blob, name = dump_yaml(kb.to_data()).encode("utf-8"), f"knowledge-r{rev.id}.yaml"
    svc.audit.record(str(who), "export", f"revision {rev.id} as {name}")
    await context.bot.send_document(update.effective_chat.id, InputFile(io.BytesIO(blob), filename=name),
                                    caption=f"Revision {rev.id}, {len(kb)} entries. Edit it and send it back "
                                            "to change the knowledge base.")


@admin_only
async def history(update: Update, context: ContextTypes.DEFAULT_TYPE, who: int) -> None:
    """List recent revisions."""
    svc = services(context)
    rows = svc.live.revisions.history(15)
    served = svc.live.served.id if svc.live.served else None
    lines = [f"#{r['id']} {r['created_at'][:16]} by {r['author']}: {r['note']}"
             + (" (live)" if r["id"] == served else "") for r in rows]
    await send_text(context, update.effective_chat.id, "\n".join(["Revisions (newest first):", *lines]))


@admin_only
async def rollback(update: Update, context: ContextTypes.DEFAULT_TYPE, who: int) -> None:
    """Make revision N's content the new current revision: /rollback N; says which revisions it undoes."""
    chat_id = update.effective_chat.id
    arg = context.args[0] if len(context.args or []) == 1 else ""
    # ASCII digits only ("²" and "١" are digits to str.isdigit), and a number SQLite can hold.
    if not (arg.isascii() and arg.isdigit()) or not 1 <= int(arg) < 2**63:
        await send_text(context, chat_id, "Usage: /rollback N (see /history for the numbers)")
        return
    svc = services(context)
    old_id = int(context.args[0])
    try:
        change, undone = svc.live.prepare_rollback(old_id)
    except RevisionNotFound:
        await send_text(context, chat_id, f"There is no revision {old_id} (see /history).")
        return
    except NoChange as exc:
        await send_text(context, chat_id, f"Nothing to do: {exc}. No revision was made.")
        return
    except RemovesEverything as exc:
        await send_text(context, chat_id, f"Refused: {exc}. Nothing was changed.")
        return
    names = "; ".join(f"#{r['id']} by {r['author']}: {r['note']}" for r in undone[:20])
    undoes = f"This undoes {len(undone)} revision(s): {names}" + (" …" if len(undone) > 20 else "")
    await apply_or_offer(context, chat_id, who, change, "rollback", f"Rollback to revision {old_id}. {undoes}",
                         lambda rev: f"Revision {rev} is now live, with the content of revision {old_id}. {undoes}",
                         "Try /rollback again.")


@admin_only
async def unanswered(update: Update, context: ContextTypes.DEFAULT_TYPE, who: int) -> None:
    """The questions not answered confidently, most frequent first, each with up to three entries to
    teach it to, and "none of these"."""
    svc = services(context)
    rows = svc.query_log.unanswered(10)
    chat_id = update.effective_chat.id
    if not rows:
        await send_text(context, chat_id, "No unanswered questions. 🎉")
        return
    base = svc.live.served.id if svc.live.served else 0
    matcher = svc.assistant.matcher  # the index of the served revision, `base`
    store = pending(context)
    for row in rows:
        candidates = matcher.match(row["question"]).matches[:TEACH_CANDIDATES]
        lines = [f"{row['count']}× [{row['language']}] {row['question']}"]
        buttons = []
        for rank, match in enumerate(candidates, 1):
            token = store.remember(store.teach, (row["question"], match.entry.id, row["language"], base, rank))
            lines.append(f"{rank}. {match.entry.id}: {match.entry.title['en']}")
            buttons.append([InlineKeyboardButton(f"➕ {rank}. {button_label(match.entry, 'en')}",
                                                 callback_data=f"adm:teach:{token}")])
        if candidates:
            lines.append("Teach it to one of these entries, or:")
        none = store.remember(store.teach, (row["question"], "", row["language"], base, 0))
        buttons.append([InlineKeyboardButton("🚫 None of these (dismiss)", callback_data=f"adm:dismiss:{none}")])
        await send_text(context, chat_id, "\n".join(lines), InlineKeyboardMarkup(buttons))


async def teach_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Attach an unanswered question to the chosen entry as an alternate question, or dismiss it."""
    taken = await take_pending(update, context, pending(context).teach, "This question is no longer pending.")
    if taken is None:
        return
    who, action, (question, entry_id, lang, base_id, rank) = taken
    query = update.callback_query
    svc = services(context)
    if action == "dismiss":
        svc.query_log.dismiss(question)
        svc.audit.record(str(who), "teach: none of these", question[:200])
        await query.edit_message_text(f"Dismissed (none of these entries): {question}")
        return
    try:
        base = svc.live.revisions.get(base_id, content=False)
        kb = await svc.live.knowledge_async(base)
        taught = add_question(kb, entry_id, lang, question)
        if taught is None:
            await query.edit_message_text("That entry no longer exists.")
            return
        change = await asyncio.to_thread(svc.live.prepare, taught, f"taught {question[:80]!r} -> {entry_id}", base,
                                         old=kb)
        rev = await apply_change(svc, change, who, "teach", detail=f"; candidate {rank} of the list")
    except (RevisionConflict, RevisionNotFound) as exc:
        detail = conflict_text(exc, "Run /unanswered again.") if isinstance(exc, RevisionConflict) else str(exc)
        await query.edit_message_text(f"Not taught: “{question}”. {detail}")
        return
    except NoChange:
        await query.edit_message_text(f"“{question}” is already a question of {entry_id}: nothing to teach.")
        return
    except StorageUnavailable as exc:  # the question stays in /unanswered
        await query.edit_message_text(f"Not taught: “{question}”. "
                                      + not_saved_text(exc, "Run /unanswered again in a minute."))
        return
    svc.query_log.dismiss(question)
    token = pending(context).remember(pending(context).undo,
                                      (question, entry_id, lang, rev.id, time.monotonic() + UNDO_SECONDS))
    await query.edit_message_text(
        f"Taught: “{question}” now leads to {entry_id} (revision {rev.id}). "
        f"Undo is possible for {UNDO_SECONDS // 60} minutes.",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("↩ Undo", callback_data=f"adm:undo:{token}")]]))
    if context.job_queue is not None:
        context.job_queue.run_once(expire_undo, UNDO_SECONDS, data=(query.message.chat_id,
                                                                    query.message.message_id, token))


async def expire_undo(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Remove an Undo button whose time is up."""
    chat_id, message_id, token = context.job.data
    if pending(context).undo.pop(token, None) is None:
        return
    try:
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
    except BadRequest as exc:  # the message was deleted or already edited
        log.info("could not remove an Undo button: %s", exc)


async def undo_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Undo a teach: remove the taught question from its entry (a new revision)."""
    taken = await take_pending(update, context, pending(context).undo,
                               "Too late to undo here (or already undone): use /history and /rollback.")
    if taken is None:
        return
    who, _, (question, entry_id, lang, rev_id, deadline) = taken
    query = update.callback_query
    if time.monotonic() > deadline:
        await query.edit_message_text("Too late to undo here: use /history and /rollback.")
        return
    svc = services(context)
    current = svc.live.revisions.current(content=False)
    try:
        kb = await svc.live.knowledge_async(current)
        untaught = remove_question(kb, entry_id, lang, question)
        if untaught is None:
            raise NoChange
        change = await asyncio.to_thread(
            svc.live.prepare, untaught, f"undo teach of {question[:80]!r} -> {entry_id} (revision {rev_id})", current,
            old=kb)
        rev = await apply_change(svc, change, who, "teach undone")
    except NoChange:
        await query.edit_message_text(f"Nothing to undo: “{question}” is no longer a question of {entry_id}.")
        return
    except RevisionConflict as exc:
        await query.edit_message_text(conflict_text(exc, "Use /history and /rollback."))
        return
    except StorageUnavailable as exc:  # still possible: the same button tries again
        token = pending(context).remember(pending(context).undo, (question, entry_id, lang, rev_id, deadline))
        await query.edit_message_text(
            f"Not undone: “{question}” still leads to {entry_id}. " + not_saved_text(exc, "Tap Undo again in a minute."),
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("↩ Undo", callback_data=f"adm:undo:{token}")]]))
        return
    svc.query_log.undismiss(question)
    await query.edit_message_text(f"Undone: “{question}” no longer leads to {entry_id} (revision {rev.id}); "
                                  "it is back in /unanswered.")


def _teach_lang(lang: str) -> str:
    return lang if lang in LANGS else "en"


def add_question(kb: KnowledgeBase, entry_id: str, lang: str, question: str) -> KnowledgeBase | None:
    """A copy of `kb` where `entry_id` has `question` as an alternate question in `lang`."""
    entry = kb.get(entry_id)
    if entry is None:
        return None
    data = entry.to_data()
    qs = data.setdefault("questions", {}).setdefault(_teach_lang(lang), [])
    if question not in qs:
        qs.append(question)
    return with_entry(kb, data, "teach")


def remove_question(kb: KnowledgeBase, entry_id: str, lang: str, question: str) -> KnowledgeBase | None:
    """A copy of `kb` without `question` among `entry_id`'s questions in `lang`; None if it is not there."""
    entry = kb.get(entry_id)
    data = entry.to_data() if entry is not None else {}
    qs = data.get("questions", {}).get(_teach_lang(lang), [])
    if question not in qs:
        return None
    qs.remove(question)
    return with_entry(kb, data, "undo")


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
    """Read the YAML folder from disk again; a new revision when it differs from the current one."""
    svc = services(context)
    chat_id = update.effective_chat.id
    path = svc.live.kb_path
    try:
        kb = await asyncio.to_thread(load_path, path)
        change = await asyncio.to_thread(svc.live.prepare, kb, f"reloaded from {path}", svc.live.revisions.current(),
                                         True)
    except KnowledgeBaseInvalid as exc:
        svc.audit.record(str(who), "reload refused", f"{len(exc.problems)} problem(s)")
        await send_text(context, chat_id, problems_text(exc))
        return
    except NoChange as exc:
        await send_text(context, chat_id, f"No change: the files in {path} match the current revision ({exc}). "
                                          "No revision was made.")
        return
    except RemovesEverything as exc:
        await send_text(context, chat_id, f"Refused: {exc}. Nothing was changed.")
        return
    await apply_or_offer(context, chat_id, who, change, "reload", f"Reload from {path}:",
                         lambda rev: f"Revision {rev} is now live (reloaded from {path}).", "Try /reload again.")


ADMIN_COMMANDS = {"export": export, "history": history, "rollback": rollback, "unanswered": unanswered,
                  "stats": stats, "reload": reload}


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any command the bot does not have: the same reply a non-admin gets for an admin command."""
    await refuse(update, context)


def register(app: Application) -> None:
    for name, callback in ADMIN_COMMANDS.items():
        app.add_handler(CommandHandler(name, callback))
    app.add_handler(CallbackQueryHandler(upload_button, pattern=r"^adm:(apply|force|cancel):"))
    app.add_handler(CallbackQueryHandler(teach_button, pattern=r"^adm:(teach|dismiss):"))
    app.add_handler(CallbackQueryHandler(undo_button, pattern=r"^adm:undo:"))
    if app.job_queue is not None:  # picks up revisions made by `kb import`, `kb rollback`, another bot
        app.job_queue.run_repeating(follow_revisions, interval=FOLLOW_SECONDS, first=FOLLOW_SECONDS,
                                    name="kb-follow")
    app.add_handler(MessageHandler(filters.Document.ALL & filters.ChatType.PRIVATE, upload))


def register_fallbacks(app: Application) -> None:
    """Registered last: unknown commands and stray callback data get the generic reply."""
    app.add_handler(MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, unknown_command))
    app.add_handler(CallbackQueryHandler(unknown_command))
