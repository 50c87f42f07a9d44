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


def _open(config: Config):
    """Database, live knowledge and assistant for commands that answer or administer."""
    from storage.db import open_database
    from storage.querylog import QueryLog

    from .assistant import Assistant
    from .live import LiveKnowledge

    db = open_database(config.db_path)
    live = LiveKnowledge(db, config.kb_path)
    kb, _ = live.load()
    return db, live, Assistant(kb, QueryLog(db))


# --- chat and ask ---------------------------------------------------------------------------

def cmd_chat(args, config: Config) -> int:
    """Console chat with the same engine as the Telegram bot."""
    from . import console
    _, _, assistant = _open(config)
    return console.run(assistant, sys.stdin, sys.stdout, args.lang)


def cmd_ask(args, config: Config) -> int:
    """Answer one question, or one question per line of standard input."""
    from .render import reply_json, reply_plain
    _, _, assistant = _open(config)
    questions = [" ".join(args.question)] if args.question else (line.rstrip("\n") for line in sys.stdin)
    for question in questions:
        reply = assistant.ask(question, preference=args.lang)
        if args.json:
            print(json.dumps(reply_json(reply), ensure_ascii=False), flush=True)
        else:
            print(reply_plain(reply), end="\n\n", flush=True)
    return EXIT_OK


def cmd_run(args, config: Config) -> int:
    """Run the Telegram bot."""
    from .app import run
    config.require_token()
    return run(config, webhook_url=args.webhook, listen=args.listen, port=args.port,
               secret_token=args.secret_token)


def cmd_eval(args, config: Config) -> int:
    """Score the matcher on a question set."""
    from storage.db import open_database

    from .assistant import Assistant
    from .evaluate import evaluate, format_report
    from .live import LiveKnowledge

    kb = load_path(args.kb) if args.kb else LiveKnowledge(open_database(config.db_path), config.kb_path).load()[0]
    report = evaluate(Assistant(kb), Path(args.questions))
    print(format_report(report, show_failures=not args.quiet))
    return EXIT_OK if report["accuracy"] >= args.min else EXIT_ERROR


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
        lines.append(f"{lang}: {titled}/{len(kb)} translated, {reviewed} reviewed by a person, "
                     f"{with_q} with alternate questions")
    profile_only = [e.id for e in kb.entries if all("diasporafordevelopment.eu" in s.url for s in e.sources)]
    lines.append(f"entries citing only the profile (no footnote URL): {len(profile_only)}"
                 + (f" ({', '.join(profile_only)})" if profile_only else ""))
    return "\n".join(lines)


def cmd_kb_validate(args, config: Config) -> int:
    path = Path(args.path) if args.path else (config.kb_path or None)
    from knowledge.loader import bundled_path
    kb = load_path(path or bundled_path())
    print(f"OK: {path or bundled_path()}")
    print(coverage_summary(kb))
    return EXIT_OK


def cmd_kb_import(args, config: Config) -> int:
    path = Path(args.path)
    kb = load_path(path) if path.is_dir() else _load_file(path)
    db, live, _ = _open(config)
    from .diff import diff_kb, format_diff
    before = live.load()[0]
    rev = live.commit(kb, author="cli", note=args.note or f"imported {path}")
    _audit(db, "cli", "kb import", f"revision {rev.id} from {path}")
    print(f"revision {rev.id} is now current")
    print(format_diff(diff_kb(before, kb), "en"))
    return EXIT_OK


def _load_file(path: Path) -> KnowledgeBase:
    if not path.exists():
        raise CliError(f"{path}: no such file")
    if path.suffix == ".json":
        from knowledge.loader import load_data
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise CliError(f"{path}: not valid JSON ({exc})") from None
        return load_data(data, str(path))
    return load_text(path.read_bytes(), str(path))


def cmd_kb_export(args, config: Config) -> int:
    from .yamlio import dump_yaml
    _, live, assistant = _open(config)
    data = assistant.kb.to_data()
    if args.format == "json":
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(dump_yaml(data))
    return EXIT_OK


def cmd_kb_history(args, config: Config) -> int:
    _, live, _ = _open(config)
    for row in live.revisions.history(args.limit):
        print(f"{row['id']:>4}  {row['created_at']}  {row['author']:<12} {row['content_hash'][:12]}  {row['note']}")
    return EXIT_OK


def cmd_kb_rollback(args, config: Config) -> int:
    from storage.revisions import RevisionNotFound
    db, live, _ = _open(config)
    try:
        _, rev = live.rollback(args.revision, author="cli")
    except RevisionNotFound:
        raise CliError(f"there is no revision {args.revision} (see `diaspora-bot kb history`)") from None
    _audit(db, "cli", "kb rollback", f"to revision {args.revision} as revision {rev.id}")
    print(f"revision {rev.id} is now current (content of revision {args.revision})")
    return EXIT_OK


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
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("ask", help="answer one question, or one per line of standard input")
    p.add_argument("--lang", choices=LANGS, help="reply language (default: from each question)")
    p.add_argument("--json", action="store_true", help="print one JSON object per question")
    p.add_argument("question", nargs="*", help="the question (default: read lines from standard input)")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("run", help="run the Telegram bot (needs TELEGRAM_BOT_TOKEN)")
    p.add_argument("--webhook", metavar="URL", help="use a webhook at this public URL instead of long polling")
    p.add_argument("--listen", type=_listen_address, default="127.0.0.1",
                   help="webhook: address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=_bounded_int(1, 65535, "the port"), default=8443,
                   help="webhook: port to listen on (default 8443)")
    p.add_argument("--secret-token", help="webhook: secret token Telegram must send "
                                           "(default: TELEGRAM_WEBHOOK_SECRET, else generated)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("eval", help="score the matcher on a question set (YAML)")
    p.add_argument("questions", help="question set, e.g. tests/data/questions.yaml")
    p.add_argument("--kb", help="knowledge folder or file to use instead of the live one")
    p.add_argument("--min", type=float, default=0.0, help="exit 1 when accuracy is below this")
    p.add_argument("--quiet", action="store_true", help="do not list the failures")
    p.set_defaults(func=cmd_eval)

    kb = sub.add_parser("kb", help="validate, import, export and roll back the knowledge base")
    kb_sub = kb.add_subparsers(dest="kb_command", metavar="KB_COMMAND", required=True)
    p = kb_sub.add_parser("validate", help="check a knowledge folder or file; print a coverage summary")
    p.add_argument("path", nargs="?", help="folder or YAML file (default: DIASPORA_BOT_KB or the bundled one)")
    p.set_defaults(func=cmd_kb_validate)
    p = kb_sub.add_parser("import", help="make a YAML/JSON file or folder the new current revision")
    p.add_argument("path")
    p.add_argument("--note", help="why (kept in the history)")
    p.set_defaults(func=cmd_kb_import)
    p = kb_sub.add_parser("export", help="print the current knowledge base")
    p.add_argument("--format", choices=("yaml", "json"), default="yaml")
    p.set_defaults(func=cmd_kb_export)
    p = kb_sub.add_parser("history", help="list recent revisions")
    p.add_argument("--limit", type=_bounded_int(1, 10_000, "the limit"), default=20)
    p.set_defaults(func=cmd_kb_history)
    p = kb_sub.add_parser("rollback", help="make revision N's content the new current revision")
    p.add_argument("revision", type=_bounded_int(1, 2**63 - 1, "a revision number"), metavar="N")
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
        print(f"knowledge base invalid ({len(exc.problems)} problem(s)):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_ERROR
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
