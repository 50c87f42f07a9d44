#!/usr/bin/env python3
"""Benchmark the matcher: latency, index build, start-up, memory, and a naive baseline.

Run from the checkout with the project installed:
    .venv/bin/python scripts/benchmark.py [--questions FILE ...] [--entries 10000]

Prints figures only; it asserts nothing (speed targets live here, not in the tests).
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz, process  # noqa: E402

from bot.assistant import entry_reply  # noqa: E402
from bot.evaluate import _hit, evaluate, load_cases  # noqa: E402
from bot.render import reply_json  # noqa: E402
from knowledge.loader import load_bundled  # noqa: E402
from knowledge.matcher import Matcher  # noqa: E402
from knowledge.schema import Entry, KnowledgeBase, Source  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def latencies(fn, questions: list[str], repeat: int = 3) -> list[float]:
    out = []
    for _ in range(repeat):
        for q in questions:
            t0 = time.perf_counter()
            fn(q)
            out.append((time.perf_counter() - t0) * 1000)
    return out


def generated_kb(base: KnowledgeBase, n: int, seed: int = 7) -> KnowledgeBase:
    """`n` synthetic entries built from the bundled vocabulary, plus the real ones."""
    rng = random.Random(seed)
    vocab = sorted({w for e in base.entries for qs in e.questions.values() for q in qs for w in q.split()})
    entries = list(base.entries)
    for i in range(n - len(entries)):
        def phrase(k: int) -> str:
            return " ".join(rng.choice(vocab) for _ in range(k))
        entries.append(Entry(
            id=f"gen-{i}", kind=rng.choice(["fact", "policy", "institution", "practice"]),
            title={"en": phrase(5)}, answer={"en": phrase(60)},
            questions={"en": tuple(phrase(rng.randint(3, 8)) for _ in range(8))},
            keywords={"en": tuple(phrase(1) for _ in range(4))},
            sources=(Source("generated", "https://example.org/"),)))
    return KnowledgeBase(tuple(entries), base.synonyms)


def naive_baseline(kb: KnowledgeBase):
    """rapidfuzz process.extractOne over every title and alternate question, all languages."""
    choices, owners = [], []
    for e in kb.entries:
        for text in list(e.title.values()) + [q for qs in e.questions.values() for q in qs]:
            choices.append(text)
            owners.append(e)

    def ask(q: str):
        best = process.extractOne(q, choices, scorer=fuzz.WRatio)
        return owners[best[2]] if best else None, best[1] if best else 0
    return ask


def accuracy(cases, answer_fn) -> tuple[float, float, float]:
    """Accuracy on answerable cases, refusal rate on out-of-scope ones, confident wrong answers
    as a share of all questions."""
    ok = n = refused = n_none = wrong = 0
    for c in cases:
        answered, data = answer_fn(c)
        if c.get("expect") == "none":
            n_none += 1
            refused += not answered
            wrong += answered
        else:
            n += 1
            right = answered and _hit(data, c["any"])
            ok += right
            wrong += answered and not right
    return ok / max(n, 1), refused / max(n_none, 1), wrong / max(len(cases), 1)


def startup_seconds() -> tuple[float, float]:
    """Wall time of `diaspora-bot ask` from process start to the answer: first run, then warm."""
    exe = [sys.executable, "-m", "bot.cli", "ask", "--json", "passport price"]
    with tempfile.TemporaryDirectory() as tmp:
        env = {"DIASPORA_BOT_DB": f"{tmp}/b.db", "HOME": tmp, "PATH": "/usr/bin:/bin"}
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            subprocess.run(exe, env=env, cwd=ROOT, check=True, capture_output=True)
            times.append(time.perf_counter() - t0)
    return times[0], min(times[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", nargs="+", default=[str(ROOT / "tests" / "data" / "questions.yaml"),
                                                           str(ROOT / "tests" / "data" / "questions_typed.yaml")])
    parser.add_argument("--entries", type=int, default=10_000)
    args = parser.parse_args()
    cases = load_cases(*map(Path, args.questions))
    questions = [c["q"] for c in cases]

    kb = load_bundled()
    t0 = time.perf_counter()
    matcher = Matcher(kb)
    build_small = time.perf_counter() - t0
    lat_small = latencies(matcher.match, questions)

    big = generated_kb(kb, args.entries)
    t0 = time.perf_counter()
    big_matcher = Matcher(big)
    build_big = time.perf_counter() - t0
    lat_big = latencies(big_matcher.match, questions, repeat=1)

    naive = naive_baseline(kb)

    def baseline(case):
        entry, score = naive(case["q"])
        data = reply_json(entry_reply(case["q"], entry, case["lang"]))
        return score >= 80, data

    report = evaluate(matcher, cases, cv=5)
    base_acc, base_refusal, base_wrong = accuracy(cases, baseline)
    lat_naive = latencies(lambda q: naive(q), questions)
    first, warm = startup_seconds()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"questions: {len(questions)} from {', '.join(args.questions)}")
    print(f"bundled KB ({len(kb)} entries): index build {build_small * 1000:.0f} ms, "
          f"latency p50 {percentile(lat_small, 50):.2f} ms, p99 {percentile(lat_small, 99):.2f} ms")
    print(f"generated KB ({len(big)} entries): index build {build_big:.1f} s, "
          f"latency p50 {percentile(lat_big, 50):.2f} ms, p99 {percentile(lat_big, 99):.2f} ms")
    print(f"start-up to first answer: {first:.2f} s on a new database, {warm:.2f} s after")
    print(f"peak memory (this process, incl. the {len(big)}-entry index): {peak_mb:.0f} MB")
    print(f"matcher (5-fold cross-validation): accuracy {report['accuracy']:.3f}, out-of-scope refused "
          f"{report['refusal']:.3f}, confident wrong {report['confident_wrong_share']:.3f}, "
          f"latency p50 {percentile(lat_small, 50):.2f} ms")
    print(f"baseline: accuracy {base_acc:.3f}, out-of-scope refused {base_refusal:.3f}, "
          f"confident wrong {base_wrong:.3f}, "
          f"latency p50 {percentile(lat_naive, 50):.2f} ms "
          f"(rapidfuzz extractOne over titles and questions, answered at WRatio >= 80)")
    print(f"mean latency bundled: {statistics.mean(lat_small):.2f} ms")


if __name__ == "__main__":
    main()
