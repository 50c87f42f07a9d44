"""Score the matcher on question sets: accuracy per language and kind, refusals, confident wrong
answers, mean reciprocal rank; in-sample or by cross-validation.

The question-set format is the one of shared/eval/dev_questions.yaml: each case has `q`, `lang`,
optionally `kind` (romanized, km-misspelt, near-miss, plain, ...) and either `any` (substrings one
of which must appear in the answer, its title or a source) or `expect: none` (the bot must not
answer; `allow: [ENTRY-ID]` lets an entry that says the knowledge base has no answer reply).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import yaml

from knowledge.fitting import Case, cross_validate, outcome
from knowledge.matcher import Matcher, decide
from knowledge.text import KHMER_RE

from .assistant import entry_reply
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


def load_cases(*paths: Path) -> list[dict]:
    """The cases of one or more question-set files."""
    cases = []
    for path in paths:
        cases += yaml.safe_load(Path(path).read_text(encoding="utf-8"))["cases"]
    return cases


def fitting_cases(matcher: Matcher, cases: Sequence[dict]) -> list[Case]:
    """Each question read by the matcher, with a check of whether an entry answers it."""
    out = []
    for case in cases:
        correct = None
        if case.get("expect") != "none":
            def correct(entry, case=case) -> bool:
                return _hit(reply_json(entry_reply(case["q"], entry, case["lang"])), case["any"])
        out.append(Case(matcher.read(case["q"]), correct, frozenset(case.get("allow") or ())))
    return out


def evaluate(matcher: Matcher, cases: Sequence[dict], cv: int = 0, fitted: Sequence[Case] | None = None) -> dict:
    """Decide every case (with the matcher's calibration, or by cv-fold cross-validation) and collect
    figures; `fitted` is the cases already read by the matcher, if the caller has them."""
    fitted = fitted if fitted is not None else fitting_cases(matcher, cases)
    if cv > 1:
        results = cross_validate(fitted, cv)
    else:
        results = [decide(c.reading, matcher.calibration) for c in fitted]
    per_lang: dict[str, list[int]] = {}
    per_kind: dict[str, list[int]] = {}
    script = [0, 0]  # questions with an answer typed in Khmer letters (any kind)
    counts = {"right": 0, "wrong": 0, "refused": 0, "missed": 0}
    failures = []
    reciprocal = []
    for case, fc, result in zip(cases, fitted, results):
        out = outcome(fc, result)
        counts[out] += 1
        ok = out in ("right", "refused")
        if fc.correct is not None:
            stats = per_lang.setdefault(case["lang"], [0, 0])
            stats[0] += ok
            stats[1] += 1
            if KHMER_RE.search(case["q"]):
                script[0] += ok
                script[1] += 1
            rank = next((i for i, m in enumerate(result.matches, 1) if fc.correct(m.entry)), 0)
            reciprocal.append(1 / rank if rank else 0.0)
        kind = per_kind.setdefault(case.get("kind") or ("out-of-scope" if fc.correct is None else "other"), [0, 0])
        kind[0] += ok
        kind[1] += 1
        if not ok:
            best = result.best
            failures.append({"q": case["q"], "lang": case["lang"], "outcome": out, "intent": result.intent,
                             "got": best.entry.id if best else None, "score": best.score if best else 0.0,
                             "expect": case.get("expect") or case.get("any")})
    n_ans = sum(v[1] for v in per_lang.values())
    n_none = sum(1 for c in fitted if c.correct is None)
    return {
        "cases": len(cases),
        "cv": cv if cv > 1 else 0,
        "per_language": {k: {"correct": v[0], "total": v[1], "accuracy": v[0] / v[1]} for k, v in sorted(per_lang.items())},
        "per_kind": {k: {"correct": v[0], "total": v[1], "rate": v[0] / v[1]} for k, v in sorted(per_kind.items())},
        "khmer_script": {"correct": script[0], "total": script[1], "accuracy": script[0] / max(script[1], 1)},
        "accuracy": counts["right"] / max(n_ans, 1),
        "mrr": sum(reciprocal) / max(len(reciprocal), 1),
        "refusal": counts["refused"] / n_none if n_none else 1.0,
        "refused": counts["refused"], "out_of_scope": n_none,
        "confident_wrong": counts["wrong"], "confident_wrong_share": counts["wrong"] / max(len(cases), 1),
        "failures": failures,
    }


def format_report(report: dict, show_failures: bool = True) -> str:
    """The report as text."""
    how = f"{report['cv']}-fold cross-validation" if report["cv"] else "the bundled calibration (in-sample)"
    lines = [f"decided by {how}"]
    for lang, s in report["per_language"].items():
        lines.append(f"{lang}: accuracy {s['accuracy']:.3f} ({s['correct']}/{s['total']})")
    for kind, s in report["per_kind"].items():
        lines.append(f"kind {kind}: {s['rate']:.3f} ({s['correct']}/{s['total']}) right or rightly refused")
    ks = report["khmer_script"]
    if ks["total"]:
        lines.append(f"Khmer script (questions in Khmer letters, any kind): accuracy {ks['accuracy']:.3f} "
                     f"({ks['correct']}/{ks['total']})")
    lines.append(f"mean reciprocal rank: {report['mrr']:.3f}")
    lines.append(f"out-of-scope refused: {report['refusal']:.3f} ({report['refused']}/{report['out_of_scope']})")
    lines.append(f"confident wrong answers: {report['confident_wrong_share']:.3f} "
                 f"({report['confident_wrong']}/{report['cases']} questions)")
    if show_failures and report["failures"]:
        lines.append(f"failures ({len(report['failures'])}):")
        for f in report["failures"]:
            lines.append(f"  [{f['lang']}] {f['q']!r} -> {f['outcome']} ({f['intent']}) got={f['got']} "
                         f"score={f['score']} expected={f['expect']}")
    lines.append(f"overall accuracy {report['accuracy']:.3f} on {report['cases']} cases")
    return "\n".join(lines)
