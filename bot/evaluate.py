"""Score the matcher on a question set: accuracy per language, MRR, refusal rate, failures.

The question-set format is the one of shared/eval/dev_questions.yaml: each case has `q`, `lang`
and either `any` (substrings one of which must appear in the answer, its title or a source) or
`expect: none` (the bot must not answer).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from .assistant import Assistant, entry_reply
from .render import reply_json

_KM_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")


def _norm(text: str | None) -> str:
    text = (text or "").translate(_KM_DIGITS).lower()
    return re.sub(r"(?<=\d)[,\u00a0\u202f ](?=\d{3}\b)", "", text)


def _haystack(data: dict) -> str:
    parts = [_norm(data.get("answer")), _norm(data.get("title"))]
    parts += [_norm(s.get("url")) + " " + _norm(s.get("title")) for s in data.get("sources") or []]
    return " ".join(parts)


def _hit(data: dict, any_of: list) -> bool:
    hay = _haystack(data)
    return any(_norm(str(a)) in hay for a in any_of)


def load_cases(path: Path) -> list[dict]:
    """The cases of a question-set file."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]


def evaluate(assistant: Assistant, path: Path) -> dict:
    """Run every case through the assistant (without logging) and collect figures."""
    cases = load_cases(path)
    per_lang: dict[str, list[int]] = {}
    failures = []
    reciprocal = []
    refused = n_none = 0
    for case in cases:
        lang = case["lang"]
        reply = assistant.ask(case["q"], preference=lang, log=False)
        data = reply_json(reply)
        if case.get("expect") == "none":
            n_none += 1
            ok = not data["answered"]
            refused += ok
        else:
            ok = data["answered"] and _hit(data, case["any"])
            stats = per_lang.setdefault(lang, [0, 0])
            stats[0] += ok
            stats[1] += 1
            rank = 0
            for i, match in enumerate(reply.result.matches, 1):
                if _hit(reply_json(entry_reply(case["q"], match.entry, lang)), case["any"]):
                    rank = i
                    break
            reciprocal.append(1 / rank if rank else 0.0)
        if not ok:
            failures.append({"q": case["q"], "lang": lang, "answered": data["answered"],
                             "got": data["entry_id"] or (reply.result.best.entry.id if reply.result.best else None),
                             "score": data["score"], "expect": case.get("expect") or case.get("any")})
    n_ans = sum(v[1] for v in per_lang.values())
    return {
        "cases": len(cases),
        "per_language": {k: {"correct": v[0], "total": v[1], "accuracy": v[0] / v[1]} for k, v in sorted(per_lang.items())},
        "accuracy": sum(v[0] for v in per_lang.values()) / max(n_ans, 1),
        "mrr": sum(reciprocal) / max(len(reciprocal), 1),
        "refusal": refused / n_none if n_none else 1.0,
        "refused": refused, "out_of_scope": n_none,
        "failures": failures,
    }


def format_report(report: dict, show_failures: bool = True) -> str:
    """The report as text."""
    lines = []
    for lang, s in report["per_language"].items():
        lines.append(f"{lang}: accuracy {s['accuracy']:.3f} ({s['correct']}/{s['total']})")
    lines.append(f"mean reciprocal rank: {report['mrr']:.3f}")
    lines.append(f"out-of-scope refused: {report['refusal']:.3f} ({report['refused']}/{report['out_of_scope']})")
    if show_failures and report["failures"]:
        lines.append(f"failures ({len(report['failures'])}):")
        for f in report["failures"]:
            lines.append(f"  [{f['lang']}] {f['q']!r} -> answered={f['answered']} got={f['got']} "
                         f"score={f['score']} expected={f['expect']}")
    lines.append(f"overall accuracy {report['accuracy']:.3f} on {report['cases']} cases")
    return "\n".join(lines)
