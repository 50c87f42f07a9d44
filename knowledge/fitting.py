"""Fit the confidence model for the real cost of each mistake, and measure it honestly.

A confident wrong answer costs a worker more than "I don't know" or "did you mean": it is acted
on. The model is a weighted logistic regression of "the top entry is right" on the matcher's
signals; the answer threshold is then the one that minimises the total cost on the training
questions, with a wrong answer costing WRONG_COST refusals. Figures are reported by k-fold
cross-validation: every question is decided by a model fitted without it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .calibration import Calibration
from .matcher import MatchResult, Reading, decide

WRONG_COST = 7.0  # a confident wrong answer costs as much as seven unanswered questions
NEGATIVE_WEIGHT = 2.0  # in the fit, a wrong top entry weighs twice a right one
L2 = 0.01


@dataclass(frozen=True)
class Case:
    """A question with its reading, and whether an entry answers it (None: out of scope)."""

    reading: Reading
    correct: Callable[[object], bool] | None  # entry -> is it a right answer; None when out of scope
    allowed: frozenset[str] = frozenset()  # out of scope, yet these entries may answer (one that says so)


def _rows(cases: Sequence[Case]) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for case in cases:
        if not case.reading.candidates or case.reading.candidates[0].conflict or case.reading.vague:
            continue  # a scope conflict or a vague question is never answered, whatever its signals
        top = case.reading.candidates[0]
        xs.append(top.signals)
        ys.append(1.0 if case.correct is not None and case.correct(top.entry) else 0.0)
    return np.array(xs, dtype=float), np.array(ys, dtype=float)


def fit_weights(x: np.ndarray, y: np.ndarray, steps: int = 3000, lr: float = 0.5) -> np.ndarray:
    """Weighted logistic regression by gradient descent (bias first)."""
    x1 = np.hstack([np.ones((len(x), 1)), x])
    sample = np.where(y > 0, 1.0, NEGATIVE_WEIGHT)
    w = np.zeros(x1.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(x1 @ w, -30, 30)))
        grad = x1.T @ (sample * (p - y)) / sample.sum()
        grad[1:] += L2 * w[1:]
        w -= lr * grad
    return w


def outcome(case: Case, result: MatchResult) -> str:
    """'right', 'wrong' (a confident wrong answer), 'refused' (right not to answer) or 'missed'."""
    if case.correct is None:
        return "wrong" if result.answered and result.best.entry.id not in case.allowed else "refused"
    if result.answered:
        return "right" if case.correct(result.best.entry) else "wrong"
    return "missed"


def cost(outcomes: Sequence[str]) -> float:
    return sum(WRONG_COST if o == "wrong" else 1.0 if o == "missed" else 0.0 for o in outcomes)


def fit(cases: Sequence[Case]) -> Calibration:
    """Weights, then the answer threshold of least cost on the same cases."""
    x, y = _rows(cases)
    w = tuple(float(v) for v in fit_weights(x, y))
    costs = {}
    for answer_at in range(20, 96):
        cal = Calibration(w, float(answer_at))
        costs[answer_at] = cost([outcome(case, decide(case.reading, cal)) for case in cases])
    # The middle of the thresholds of least cost: the cost is flat around its minimum, and its
    # edges are where a few questions tip the choice.
    best = min(costs.values())
    at = sorted(t for t, c in costs.items() if c <= best)
    return Calibration(w, float(at[len(at) // 2]))


def folds(questions: Sequence[str], k: int) -> list[int]:
    """A fold number per question, stable across runs (a hash of the question)."""
    return [int(hashlib.sha256(q.encode("utf-8")).hexdigest(), 16) % k for q in questions]


def cross_validate(cases: Sequence[Case], k: int = 5) -> list[MatchResult]:
    """Each case decided by a calibration fitted on the other folds."""
    fold_of = folds([c.reading.query for c in cases], k)
    results: list[MatchResult | None] = [None] * len(cases)
    for f in range(k):
        cal = fit([c for c, g in zip(cases, fold_of) if g != f])
        for i, (case, g) in enumerate(zip(cases, fold_of)):
            if g == f:
                results[i] = decide(case.reading, cal)
    return results
