"""The `diaspora-bot` command: console chat, one-shot answers, the Telegram bot, evaluation and KB admin."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from knowledge.loader import KnowledgeBaseInvalid, load_path, load_text
from knowledge.schema import KINDS, LANGS, KnowledgeBase

from storage.db import DatabaseUnusable
from storage.users import SecretUnusable

from .config import Config, ConfigError, FatalError

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
# The project's own question sets (in a checkout): what `calibrate` fits on by default.
_TESTS_DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
DEFAULT_QUESTION_SETS = [_TESTS_DATA / "questions.yaml", _TESTS_DATA / "questions_typed.yaml"]


class CliError(Exception):
    """An error the user can fix; printed without a traceback."""


def _bounded_int(low: int, high: int, what: str):
    """An argparse type: a whole number (ASCII digits only) between low and high."""
    def parse(raw: str) -> int:
        text = raw.strip()
        if not (text.isascii() and text.lstrip("-").isdigit()):
            raise argparse.ArgumentTypeError(f"{raw!r} is not a whole number")
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} must be between {low} and {high}, not {text}")
        return value
    return parse


def _listen_address(raw: str) -> str:
    """An argparse type: an IP address or a host name to listen on."""
    import ipaddress
    import re
    try:
        ipaddress.ip_address(raw)
        return raw
    except ValueError:
        pass
    if re.fullmatch(r"[0-9.]+", raw) or not re.fullmatch(r"(?=.{1,253}$)[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})*", raw):
        raise argparse.ArgumentTypeError(f"{raw!r} is not an IP address or host name")
    return raw


def _open_live(config: Config):
    """Database and live knowledge for commands that administer (no matcher index to build)."""
    from storage.db import open_database

    from .live import LiveKnowledge

    db = open_database(config.db_path)
    live = LiveKnowledge(db, config.kb_path)
    return db, live, live.load()[0]


def _open(config: Config, log: bool = True):
    """Database, live knowledge and assistant for commands that answer; the assistant writes the
    query log only when `log` is true (trying the bot is not usage)."""
    from storage.querylog import QueryLog

    from .assistant import Assistant
    from .services import index_cache

    db, live, kb = _open_live(config)
    content_hash = live.served.content_hash if live.served else None
    return db, live, Assistant(kb, QueryLog(db) if log else None, index_cache(config), content_hash)


# --- chat and ask ---------------------------------------------------------------------------

def cmd_chat(args, config: Config) -> int:
    """Console chat with the same engine as the Telegram bot."""
    from . import console
    _, _, assistant = _open(config, log=args.log)
    return console.run(assistant, sys.stdin, sys.stdout, args.lang)


def _ready_to_answer() -> None:
    """Pay once, before the first question, what the first answers would pay otherwise: Babel's
    locale data for each language (the first figure in a language took 3-9 ms), and garbage
    collections walking the index built at start-up (frozen: it lives as long as the process)."""
    import gc

    from knowledge.figures import format_as_of, render_figures
    from knowledge.text import LANGS
    for lang in LANGS:
        render_figures("{2782} {8.76%}", lang)
        format_as_of("2025-08", lang)
    gc.collect()
    gc.freeze()


def cmd_ask(args, config: Config) -> int:
    """Answer one question, or one question per line of standard input."""
    from .render import reply_json, reply_plain
    _, _, assistant = _open(config, log=args.log)
    _ready_to_answer()
    questions = [" ".join(args.question)] if args.question else (line.rstrip("\n") for line in sys.stdin)
    for question in questions:
        reply = assistant.ask(question, preference=args.lang)
        if args.json:
            print(json.dumps(reply_json(reply), ensure_ascii=False), flush=True)
        else:
            print(reply_plain(reply), end="\n\n", flush=True)
    return EXIT_OK


def cmd_link(args, config: Config) -> int:
    """Print the deep link that opens an entry or a topic; write it as a QR code for a poster."""
    from .deeplinks import UnknownTarget, link_for, url
    _, _, assistant = _open(config, log=False)
    try:
        link = link_for(args.target, assistant.kb, args.lang)
    except UnknownTarget:
        raise CliError(f"{args.target!r} is neither an entry id nor a topic (kind) of the knowledge base "
                       f"(see `diaspora-bot kb export`)") from None
    address = url(args.bot or _bot_username(config), link)
    print(address)
    if args.qr:
        import segno
        try:
            segno.make(address, error="m", micro=False).save(args.qr, scale=args.scale, border=4)
        except (OSError, ValueError) as exc:
            raise CliError(f"cannot write {args.qr}: {exc}") from None
        print(f"QR code written to {args.qr}", file=sys.stderr)
    return EXIT_OK


def _bot_username(config: Config) -> str:
    """The bot's @username, asked from the Bot API with the configured token (getMe)."""
    import asyncio

    from telegram import Bot
    from telegram.error import TelegramError

    if not config.token:
        raise CliError("give the bot's username with --bot NAME, or set TELEGRAM_BOT_TOKEN to ask Telegram")
    kwargs = {"base_url": config.api_base_url} if config.api_base_url else {}

    async def get_me() -> str:
        async with Bot(config.token, **kwargs) as bot:
            return bot.username

    try:
        return asyncio.run(get_me())
    except TelegramError as exc:
        raise CliError(f"could not ask Telegram for the bot's username ({exc}); give it with --bot NAME") from None


def cmd_run(args, config: Config) -> int:
    """Run the Telegram bot."""
    from .app import run
    config.require_token()
    return run(config, webhook_url=args.webhook, listen=args.listen, port=args.port,
               secret_token=args.secret_token)


def _eval_kb(args, config: Config) -> KnowledgeBase:
    from storage.db import open_database

    from .live import LiveKnowledge

    return load_path(args.kb) if args.kb else LiveKnowledge(open_database(config.db_path), config.kb_path).load()[0]


def cmd_eval(args, config: Config) -> int:
    """Score the matcher on question sets."""
    from knowledge.matcher import Matcher

    from .evaluate import evaluate, format_report, load_cases

    report = evaluate(Matcher(_eval_kb(args, config)), load_cases(*map(Path, args.questions)), cv=args.cv)
    print(format_report(report, show_failures=not args.quiet))
    return EXIT_OK if report["accuracy"] >= args.min else EXIT_ERROR


def cmd_calibrate(args, config: Config) -> int:
    """Fit the confidence model on question sets and write it where the matcher reads it."""
    from knowledge.calibration import DEFAULT_PATH, FEATURES, Calibration
    from knowledge.fitting import fit
    from knowledge.matcher import Matcher

    from .evaluate import evaluate, fitting_cases, format_report, load_cases

    paths = [Path(p) for p in args.questions] or DEFAULT_QUESTION_SETS
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        print(f"error: no question set at {', '.join(missing)}", file=sys.stderr)
        return EXIT_USAGE
    cases = load_cases(*paths)
    # The calibration in place may be missing or fitted for other signals: this is what replaces it.
    neutral = Calibration((0.0,) * (len(FEATURES) + 1), 100.0)
    matcher = Matcher(_eval_kb(args, config), calibration=neutral)
    fitted = fitting_cases(matcher, cases)  # each question read once, for the fit and the figures
    cal = fit(fitted)
    report = evaluate(matcher, cases, cv=args.cv, fitted=fitted)
    notes = {"fitted_on": [p.name for p in paths], "cases": len(cases),
             f"cv{args.cv}": {"accuracy": round(report["accuracy"], 3), "refusal": round(report["refusal"], 3),
                              "confident_wrong_share": round(report["confident_wrong_share"], 3)}}
    out = Path(args.output) if args.output else DEFAULT_PATH
    type(cal)(cal.weights, cal.answer_at, cal.features, notes).save(out)
    print(f"wrote {out}: answer from {cal.answer_at:.0f}/100, weights {[round(w, 3) for w in cal.weights]}")
    print(format_report(report, show_failures=False))
    return EXIT_OK


# --- kb ---------------------------------------------------------------------------------------

def coverage_summary(kb: KnowledgeBase) -> str:
    """Entries by kind, translations present and reviewed, entries without a footnote source."""
    lines = [f"{len(kb)} entries"]
    counts = {k: len(kb.by_kind(k)) for k in KINDS}
    lines.append("by kind: " + ", ".join(f"{k} {n}" for k, n in counts.items() if n))
    for lang in LANGS:
        titled = sum(1 for e in kb.entries if lang in e.title and lang in e.answer)
        reviewed = sum(1 for e in kb.entries if lang in e.answer and (lang == "en" or e.reviewed.get(lang)))
        with_q = sum(1 for e in kb.entries if e.questions.get(lang))
        with_short = sum(1 for e in kb.entries if lang in e.short)
        lines.append(f"{lang}: {titled}/{len(kb)} translated, {reviewed} reviewed by a person, "
                     f"{with_q} with alternate questions, {with_short} with a short answer")
    with_evidence = sum(1 for e in kb.entries if e.evidence)
    lines.append(f"entries with evidence (quotes or footnotes): {with_evidence}/{len(kb)}")
    profile_only = [e.id for e in kb.entries if all("diasporafordevelopment.eu" in s.url for s in e.sources)]
    lines.append(f"entries citing only the profile (no footnote URL): {len(profile_only)}"
                 + (f" ({', '.join(profile_only)})" if profile_only else ""))
    return "\n".join(lines)


def _kb_folder(args, config: Config) -> Path:
    """The knowledge folder or file a `kb` command reads: the argument, DIASPORA_BOT_KB or the bundled one."""
    from knowledge.loader import bundled_path
    return Path(args.path) if args.path else (config.kb_path or bundled_path())


def _read_source(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"{path}: cannot read the source text ({exc})") from None


def cmd_kb_validate(args, config: Config) -> int:
    path = _kb_folder(args, config)
    kb = load_path(path) if path.is_dir() else _load_file(path)
    if args.source:
        from knowledge.evidence import validate
        problems = validate(path, _read_source(args.source))
        if problems:
            print(f"{len(problems)} evidence problem(s) against {args.source}:", file=sys.stderr)
            for problem in problems:
                print(f"  {problem}", file=sys.stderr)
            return EXIT_ERROR
        print(f"OK: {path}; every entry's quotes and numbers occur in {args.source}")
    else:
        print(f"OK: {path}")
    print(coverage_summary(kb))
    return EXIT_OK


def cmd_kb_check_source(args, config: Config) -> int:
    from knowledge.evidence import stale_entries
    path = _kb_folder(args, config)
    stale = stale_entries(path, _read_source(args.new_profile))
    if not stale:
        print(f"every entry's evidence still occurs in {args.new_profile}")
        return EXIT_OK
    for problems in stale.values():
        for problem in problems:
            print(problem)
    print(f"{len(stale)} entr{'y' if len(stale) == 1 else 'ies'} to re-check: {', '.join(stale)}")
    return EXIT_ERROR


def _load_file(path: Path) -> KnowledgeBase:
    """A knowledge base from a folder, a YAML, JSON or .xlsx file."""
    if not path.exists():
        raise CliError(f"{path}: no such file")
    if path.is_dir():
        return load_path(path)
    if path.suffix == ".json":
        from knowledge.loader import load_data
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise CliError(f"{path}: not valid JSON ({exc})") from None
        if not isinstance(data, dict):
            raise CliError(f"{path}: a knowledge file must be a JSON object with 'entries'")
        return load_data(data, str(path))
    if path.suffix == ".xlsx":
        from knowledge.xlsx import load_xlsx
        return load_xlsx(path.read_bytes(), str(path))
    return load_text(path.read_bytes(), str(path))


def _confirm(args, question: str) -> bool:
    """Ask on the terminal; --yes answers for the admin; with no terminal, refuse rather than hang."""
    if args.yes:
        return True
    if not sys.stdin.isatty():
        raise CliError("not applied: confirmation needed, but standard input is not a terminal. "
                       "Add --yes to apply without asking, or --dry-run to only show the changes.")
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        answer = ""
    return answer.strip().lower() in ("y", "yes")


def _apply(args, config: Config, db, live, change, action: str, detail: str) -> int:
    """Show a prepared change, check the removal limit, confirm, store it; one path for import and rollback."""
    from .diff import format_diff
    from .live import RevisionConflict
    print(format_diff(change.diff, full=True))
    limit = config.max_removals
    too_many = change.removals > limit and not args.allow_removals
    if args.dry_run:
        print(f"dry run: nothing was changed (current revision {change.base.id})")
        if too_many:
            print(f"note: this removes {change.removals} entries (more than {limit}): "
                  "applying it needs --allow-removals")
        return EXIT_OK
    if too_many:
        raise CliError(f"not applied: this removes {change.removals} entries (more than {limit}). "
                       "Check the list above; add --allow-removals to apply it.")
    if not _confirm(args, f"Apply this as a new revision (on revision {change.base.id})?"):
        print("not applied: nothing was changed")
        return EXIT_ERROR
    try:
        rev = live.apply(change, author="cli", max_removals=None)
    except RevisionConflict as exc:
        raise CliError(f"not applied: {exc}. Run the command again to see the new difference.") from None
    _audit(db, "cli", action, f"revision {rev.id}: {detail}")
    print(f"revision {rev.id} is now current ({len(change.kb)} entries)")
    return EXIT_OK


def cmd_kb_import(args, config: Config) -> int:
    from .live import NoChange, RemovesEverything
    path = Path(args.path)
    kb = _load_file(path)
    db, live, _ = _open_live(config)
    try:
        change = live.prepare(kb, args.note or f"imported {path}")
    except NoChange as exc:
        print(f"no change: {exc}; no revision was made")
        return EXIT_OK
    except RemovesEverything as exc:
        raise CliError(f"refused: {exc}. Nothing was changed.") from None
    return _apply(args, config, db, live, change, "kb import", f"from {path}")


def cmd_kb_export(args, config: Config) -> int:
    from .yamlio import dump_yaml
    _, _, kb = _open_live(config)
    if args.format == "xlsx":
        from knowledge.xlsx import to_xlsx
        blob = to_xlsx(kb)
        if args.output:
            Path(args.output).write_bytes(blob)
        elif sys.stdout.isatty():
            raise CliError("a spreadsheet is a binary file: use --output FILE.xlsx (or redirect to a file)")
        else:
            sys.stdout.buffer.write(blob)
            sys.stdout.flush()
        return EXIT_OK
    data = kb.to_data()
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n" if args.format == "json" else dump_yaml(data)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_kb_history(args, config: Config) -> int:
    _, live, _ = _open_live(config)
    for row in live.revisions.history(args.limit):
        print(f"{row['id']:>4}  {row['created_at']}  {row['author']:<12} {row['content_hash'][:12]}  {row['note']}")
    return EXIT_OK


def cmd_kb_rollback(args, config: Config) -> int:
    from storage.revisions import RevisionNotFound

    from .live import NoChange, RemovesEverything
    db, live, _ = _open_live(config)
    try:
        change, undone = live.prepare_rollback(args.revision)
    except RevisionNotFound:
        raise CliError(f"there is no revision {args.revision} (see `diaspora-bot kb history`)") from None
    except NoChange as exc:
        print(f"no change: {exc}; no revision was made")
        return EXIT_OK
    except RemovesEverything as exc:
        raise CliError(f"refused: {exc}. Nothing was changed.") from None
    print(f"rolling back to revision {args.revision} undoes {len(undone)} revision(s):")
    for row in undone:
        print(f"  #{row['id']} {row['created_at'][:16]} by {row['author']}: {row['note']}")
    return _apply(args, config, db, live, change, "kb rollback", f"content of revision {args.revision}")


def cmd_kb_stats(args, config: Config) -> int:
    from storage.querylog import QueryLog
    db, _, _ = _open(config)
    stats = QueryLog(db).stats()
    total = stats["total"]
    share = f"{100 * stats['answered'] / total:.0f}%" if total else "-"
    print(f"questions: {total}, answered: {stats['answered']} ({share})")
    for row in stats["per_day"]:
        print(f"  {row['day']}  {row['language']}  {row['n']:>5} asked  {row['answered'] or 0:>5} answered")
    if stats["top_entries"]:
        print("top entries:")
        for row in stats["top_entries"]:
            print(f"  {row['n']:>5}  {row['entry_id']}")
    return EXIT_OK


def cmd_kb_unanswered(args, config: Config) -> int:
    from storage.querylog import QueryLog
    db, _, _ = _open(config)
    rows = QueryLog(db).unanswered(args.limit)
    if not rows:
        print("no unanswered questions")
    for row in rows:
        hint = f"  (closest: {row['entry_id']})" if row["entry_id"] else ""
        print(f"{row['count']:>4}  [{row['language']}] {row['question']}{hint}")
    return EXIT_OK


def _audit(db, actor: str, action: str, detail: str) -> None:
    from storage.audit import AuditLog
    AuditLog(db).record(actor, action, detail)


# --- parser ---------------------------------------------------------------------------------

def _change_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--yes", "-y", action="store_true", help="apply without asking")
    p.add_argument("--dry-run", action="store_true", help="only show what would change")
    p.add_argument("--allow-removals", action="store_true",
                   help="allow removing more entries than DIASPORA_BOT_MAX_REMOVALS (default 5)")


class _Parser(argparse.ArgumentParser):
    """argparse, with a bad argument reported on one line (and exit status 2)."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="diaspora-bot",
        description="Answers Cambodian migrant workers' and diaspora members' questions, with sources.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("chat", help="chat with the bot in the console (no Telegram token needed)")
    p.add_argument("--lang", choices=LANGS, help="reply language (default: from each question)")
    p.add_argument("--log", action="store_true", help="write the questions to the query log (default: not)")
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("ask", help="answer one question, or one per line of standard input")
    p.add_argument("--lang", choices=LANGS, help="reply language (default: from each question)")
    p.add_argument("--json", action="store_true", help="print one JSON object per question")
    p.add_argument("--log", action="store_true", help="write the questions to the query log (default: not)")
    p.add_argument("question", nargs="*", help="the question (default: read lines from standard input)")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("link", help="print the t.me link that opens an entry or topic; --qr writes a QR code")
    p.add_argument("target", metavar="ENTRY", help="an entry id (e.g. subdecree-68-2009) or a topic (e.g. policy)")
    p.add_argument("--lang", choices=LANGS, help="open it in this language (default: the reader's)")
    p.add_argument("--qr", metavar="FILE.png", help="also write the link as a QR code (PNG, or SVG/PDF by extension)")
    p.add_argument("--scale", type=int, default=10, help="QR code: pixels per module (default 10)")
    p.add_argument("--bot", metavar="NAME", help="the bot's username (default: asked from Telegram with the token)")
    p.set_defaults(func=cmd_link)

    p = sub.add_parser("run", help="run the Telegram bot (needs TELEGRAM_BOT_TOKEN)")
    p.add_argument("--webhook", metavar="URL", help="use a webhook at this public URL instead of long polling")
    p.add_argument("--listen", type=_listen_address, default="127.0.0.1",
                   help="webhook: address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=_bounded_int(1, 65535, "the port"), default=8443,
                   help="webhook: port to listen on (default 8443)")
    p.add_argument("--secret-token", help="webhook: secret token Telegram must send "
                                           "(default: TELEGRAM_WEBHOOK_SECRET, else generated)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("eval", help="score the matcher on question sets (YAML)")
    p.add_argument("questions", nargs="+", help="question sets, e.g. tests/data/questions.yaml")
    p.add_argument("--kb", help="knowledge folder or file to use instead of the live one")
    p.add_argument("--cv", type=int, default=0, metavar="K",
                   help="decide each question by a calibration fitted on the others (K folds)")
    p.add_argument("--min", type=float, default=0.0, help="exit 1 when accuracy is below this")
    p.add_argument("--quiet", action="store_true", help="do not list the failures")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("calibrate", help="fit the answer confidence on question sets; write calibration.json")
    p.add_argument("questions", nargs="*", help="question sets (default: the project's own, tests/data)")
    p.add_argument("--kb", help="knowledge folder or file to use instead of the live one")
    p.add_argument("--cv", type=int, default=5, metavar="K", help="folds for the cross-validated figures (default 5)")
    p.add_argument("--output", help="where to write (default: knowledge/calibration.json)")
    p.set_defaults(func=cmd_calibrate)

    kb = sub.add_parser("kb", help="validate, import, export and roll back the knowledge base")
    kb_sub = kb.add_subparsers(dest="kb_command", metavar="KB_COMMAND", required=True)
    p = kb_sub.add_parser("validate", help="check a knowledge folder or file; print a coverage summary")
    p.add_argument("path", nargs="?", help="folder, YAML, JSON or .xlsx file "
                                           "(default: DIASPORA_BOT_KB or the bundled one)")
    p.add_argument("--source", metavar="PROFILE", help="also check every entry's quotes and numbers "
                                                       "against this text (the profile)")
    p.set_defaults(func=cmd_kb_validate)
    p = kb_sub.add_parser("check-source", help="list the entries whose evidence is no longer in a new profile")
    p.add_argument("new_profile", metavar="NEW_PROFILE", help="the new version of the profile (text)")
    p.add_argument("--kb", dest="path", help="folder or YAML file (default: DIASPORA_BOT_KB or the bundled one)")
    p.set_defaults(func=cmd_kb_check_source)
    p = kb_sub.add_parser("import", help="show what a YAML/JSON/.xlsx file or folder changes; "
                                         "on confirmation, make it the new current revision")
    p.add_argument("path")
    p.add_argument("--note", help="why (kept in the history)")
    _change_options(p)
    p.set_defaults(func=cmd_kb_import)
    p = kb_sub.add_parser("export", help="print (or write) the current knowledge base")
    p.add_argument("--format", choices=("yaml", "json", "xlsx"), default="yaml")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(func=cmd_kb_export)
    p = kb_sub.add_parser("history", help="list recent revisions")
    p.add_argument("--limit", type=_bounded_int(1, 10_000, "the limit"), default=20)
    p.set_defaults(func=cmd_kb_history)
    p = kb_sub.add_parser("rollback", help="make revision N's content the new current revision "
                                           "(shows the revisions it undoes and asks)")
    p.add_argument("revision", type=_bounded_int(1, 2**63 - 1, "a revision number"), metavar="N")
    _change_options(p)
    p.set_defaults(func=cmd_kb_rollback)
    p = kb_sub.add_parser("stats", help="questions per day and language, share answered, top entries")
    p.set_defaults(func=cmd_kb_stats)
    p = kb_sub.add_parser("unanswered", help="questions the bot could not answer, most frequent first")
    p.add_argument("--limit", type=_bounded_int(1, 10_000, "the limit"), default=30)
    p.set_defaults(func=cmd_kb_unanswered)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args, Config.from_env())
    except KnowledgeBaseInvalid as exc:
        if len(exc.problems) == 1:  # e.g. an unreadable file: one line
            print(f"error: knowledge base invalid: {exc.problems[0]}", file=sys.stderr)
        else:
            print(f"knowledge base invalid ({len(exc.problems)} problem(s)):", file=sys.stderr)
            for problem in exc.problems:
                print(f"  {problem}", file=sys.stderr)
        # A bot that has no knowledge base to serve is misconfigured: a supervisor must not restart it.
        return EXIT_USAGE if args.func is cmd_run else EXIT_ERROR
    except (ConfigError, CliError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, ConfigError) else EXIT_ERROR
    except (FatalError, DatabaseUnusable, SecretUnusable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # a file named in the configuration cannot be read
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
