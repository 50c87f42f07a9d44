#!/usr/bin/env python3
"""Fit the matcher's confidence: a logistic model of "the top entry is right" on a question set.

    .venv/bin/python scripts/calibrate.py tests/data/questions.yaml

Prints the coefficients to copy into knowledge/matcher.py (CONFIDENCE_*), and the accuracy and
refusal rate at a few thresholds. Fitted on the project's own question set only.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.assistant import entry_reply  # noqa: E402
from bot.evaluate import _hit, load_cases  # noqa: E402
from bot.render import reply_json  # noqa: E402
from knowledge.loader import load_bundled  # noqa: E402
from knowledge.matcher import Matcher, signals  # noqa: E402


def dataset(matcher: Matcher, cases: list[dict]) -> list[tuple[list[float], int, bool]]:
    rows = []
    for case in cases:
        x, top = signals(matcher, case["q"])
        if x is None:
            rows.append((None, 0, case.get("expect") == "none"))
            continue
        if case.get("expect") == "none":
            label = 0
        else:
            label = int(_hit(reply_json(entry_reply(case["q"], top, case["lang"])), case["any"]))
        rows.append((x, label, case.get("expect") == "none"))
    return rows


OUT_OF_SCOPE_WEIGHT = 3.0  # refusing out-of-scope questions matters as much as answering


def fit(rows, l2: float = 0.01, steps: int = 6000, lr: float = 0.5) -> list[float]:
    data = [(x, y, OUT_OF_SCOPE_WEIGHT if none else 1.0) for x, y, none in rows if x is not None]
    dim = len(data[0][0]) + 1
    w = [0.0] * dim
    for _ in range(steps):
        grad = [0.0] * dim
        for x, y, weight in data:
            z = w[0] + sum(wi * xi for wi, xi in zip(w[1:], x))
            p = 1 / (1 + math.exp(-max(-30, min(30, z))))
            grad[0] += weight * (p - y)
            for j, xi in enumerate(x, 1):
                grad[j] += weight * (p - y) * xi
        for j in range(dim):
            w[j] -= lr * (grad[j] / len(data) + (l2 * w[j] if j else 0))
    return w


def main() -> None:
    cases = load_cases(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "tests" / "data" / "questions.yaml"))
    matcher = Matcher(load_bundled())
    rows = dataset(matcher, cases)
    w = fit(rows)
    print("CONFIDENCE_WEIGHTS =", tuple(round(v, 3) for v in w))
    for threshold in (0.3, 0.4, 0.5, 0.6):
        ok = n = refused = n_none = 0
        for x, y, none in rows:
            p = 0.0 if x is None else 1 / (1 + math.exp(-(w[0] + sum(a * b for a, b in zip(w[1:], x)))))
            if none:
                n_none += 1
                refused += p < threshold
            else:
                n += 1
                ok += y and p >= threshold
        print(f"threshold {threshold}: accuracy {ok / n:.3f}, refused {refused}/{n_none}")


if __name__ == "__main__":
    main()


def show(path: str, w: tuple) -> None:
    """Print out-of-scope cases and wrong answers with their confidence (for inspection)."""
    cases = load_cases(Path(path))
    matcher = Matcher(load_bundled())
    for (x, y, none), case in zip(dataset(matcher, cases), cases):
        if x is None:
            continue
        p = 1 / (1 + math.exp(-(w[0] + sum(a * b for a, b in zip(w[1:], x)))))
        if none or not y:
            print(f"{'OOS ' if none else 'MISS'} p={p:.2f} x={[round(v, 2) for v in x]} {case['q']!r}")
