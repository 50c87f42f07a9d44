"""The confidence model's fitted numbers, kept in a data file that `diaspora-bot calibrate` writes.

The confidence that the top entry answers a question is a logistic model of the matcher's
signals; the bot answers when it reaches `answer_at`. Both come from `calibration.json`, never
from numbers pasted into code.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

DEFAULT_PATH = Path(__file__).parent / "calibration.json"
# The matcher's signals, in the order of the weights after the bias.
FEATURES = ("phrase", "coverage", "bm25", "margin", "unknown_share", "unknown_words", "phrase_x_coverage", "missed",
            "spread", "phrase2", "chance")


@dataclass(frozen=True)
class Calibration:
    """Logistic weights (bias first, then one per feature) and the answer threshold (0-100)."""

    weights: tuple[float, ...]
    answer_at: float
    features: tuple[str, ...] = FEATURES
    notes: dict = field(default_factory=dict, compare=False)

    def confidence(self, signals: tuple[float, ...] | list[float]) -> float:
        """Probability (0-1) that the entry with these signals answers the question."""
        z = self.weights[0] + sum(w * v for w, v in zip(self.weights[1:], signals))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def save(self, path: Path = DEFAULT_PATH) -> None:
        data = asdict(self)
        data["weights"] = [round(w, 4) for w in self.weights]
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


class CalibrationInvalid(ValueError):
    """The calibration file is missing, unreadable or does not fit the matcher's features."""


def read_calibration(path: Path) -> Calibration:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        cal = Calibration(tuple(float(w) for w in data["weights"]), float(data["answer_at"]),
                          tuple(data.get("features", FEATURES)), data.get("notes", {}))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CalibrationInvalid(f"{path}: {exc}") from exc
    if cal.features != FEATURES or len(cal.weights) != len(FEATURES) + 1:
        raise CalibrationInvalid(f"{path}: fitted for other features; run `diaspora-bot calibrate`")
    return cal


@lru_cache(maxsize=1)
def load_calibration() -> Calibration:
    """The bundled calibration."""
    return read_calibration(DEFAULT_PATH)
