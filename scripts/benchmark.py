#!/usr/bin/env python3
"""Benchmark the matcher: latency, index build, start-up, memory, baselines, end-to-end throughput.

Run from the checkout with the project installed:
    .venv/bin/python scripts/benchmark.py [--questions FILE ...] [--entries 10000]
                                          [--only matcher throughput bm25s] [--messages 3000]

`--only` runs some parts: `matcher` (latency, build, start-up, memory, accuracy, naive baseline),
`throughput` (messages per second of `diaspora-bot run` against a minimal python-telegram-bot echo
bot, through scripts/loadtest.py), `bm25s` (our per-question latency and accuracy beside bm25s's
top-1 retrieval; needs `pip install -e .[bench]`). Without it, all three.

Prints figures only; it asserts nothing (speed targets live here, not in the tests).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402
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
    """`n` entries: the real ones, and synthetic ones written with the bundled knowledge base's own
    words in English, Khmer and French (titles, questions, keywords and answers in each), so that
    they look alike and the index holds Khmer segmented by khmercut as in production."""
    rng = random.Random(seed)
    vocab = {lang: sorted({w for e in base.entries for text in [*e.questions.get(lang, ()), e.title.get(lang, ""),
                                                              e.answer.get(lang, "")] for w in text.split()})
             for lang in ("en", "km", "fr")}
    entries = list(base.entries)
    for i in range(n - len(entries)):
        def phrase(lang: str, k: int) -> str:
            return " ".join(rng.choice(vocab[lang]) for _ in range(k))
        entries.append(Entry(
            id=f"gen-{i}", kind=rng.choice(["fact", "policy", "institution", "practice"]),
            title={lang: phrase(lang, 5) for lang in vocab},
            answer={"en": phrase("en", 60), "km": phrase("km", 25), "fr": phrase("fr", 40)},
            questions={"en": tuple(phrase("en", rng.randint(3, 8)) for _ in range(4)),
                       "km": tuple(phrase("km", rng.randint(2, 4)) for _ in range(2)),
                       "fr": tuple(phrase("fr", rng.randint(3, 8)) for _ in range(2))},
            keywords={lang: tuple(phrase(lang, 1) for _ in range(2)) for lang in vocab},
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


# `diaspora-bot ask`, reporting its own peak RSS on standard error as it exits. The kernel's
# ru_maxrss of a child counts the image it was forked from until it execs: forked from this
# script, which holds a 10,000-entry matcher by then, it said 285 MB for a process of 140.
# VmHWM belongs to the address space the child execs into.
_ASK_WITH_PEAK = """
import atexit, runpy, sys
def peak():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                sys.stderr.write("peak-kb " + line.split()[1] + "\\n")
atexit.register(peak)
sys.argv = ["diaspora-bot", *sys.argv[1:]]
runpy.run_module("bot.cli", run_name="__main__")
"""


def startup_seconds(kb_dir: Path | None = None) -> tuple[float, float, float, float]:
    """Wall time of `diaspora-bot ask` from process start to the answer: on a new database, then
    warm (best of two); and the peak RSS (MB) of the first run and of the warm runs (the larger).
    With `kb_dir`, the knowledge base is that folder instead of the bundled one."""
    exe = [sys.executable, "-c", _ASK_WITH_PEAK, "ask", "--json", "passport price"]
    with tempfile.TemporaryDirectory() as tmp:
        env = {"DIASPORA_BOT_DB": f"{tmp}/b.db", "HOME": tmp, "PATH": "/usr/bin:/bin"}
        if kb_dir is not None:
            env["DIASPORA_BOT_KB"] = str(kb_dir)
        times, peaks = [], []
        for _ in range(3):
            t0 = time.perf_counter()
            proc = subprocess.run(exe, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            times.append(time.perf_counter() - t0)
            if proc.returncode:
                raise SystemExit(f"`diaspora-bot ask` failed: {proc.stderr[-2000:]}")
            kb = [line.split()[1] for line in proc.stderr.splitlines() if line.startswith("peak-kb ")]
            peaks.append(int(kb[-1]) / 1024 if kb else float("nan"))
    return times[0], min(times[1:]), peaks[0], max(peaks[1:])


def ask_batch_latencies(questions: list[str]) -> list[float]:
    """Milliseconds between consecutive answers of one `diaspora-bot ask --json` reading the
    questions on standard input (the first answer, which includes the start-up, left out)."""
    exe = [sys.executable, "-m", "bot.cli", "ask", "--json"]
    with tempfile.TemporaryDirectory() as tmp:
        env = {"DIASPORA_BOT_DB": f"{tmp}/b.db", "HOME": tmp, "PATH": "/usr/bin:/bin"}
        proc = subprocess.Popen(exe, env=env, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
        proc.stdin.write("".join(q.replace("\n", " ") + "\n" for q in questions))
        proc.stdin.close()
        stamps = []
        for _ in proc.stdout:
            stamps.append(time.perf_counter())
        proc.wait()
    return [(b - a) * 1000 for a, b in zip(stamps, stamps[1:])]


def refusal(matcher: Matcher, cases) -> float:
    """The share of out-of-scope and near-miss questions (expect: none) the matcher does not answer."""
    none = [c for c in cases if c.get("expect") == "none"]
    return sum(not matcher.match(c["q"]).answered for c in none) / max(len(none), 1)


def write_kb(kb: KnowledgeBase, folder: Path, per_file: int = 200) -> None:
    """The knowledge base as a YAML folder, as an admin would keep it (files under the size limit)."""
    data = kb.to_data()
    for n, start in enumerate(range(0, len(data["entries"]), per_file)):
        with (folder / f"entries-{n:03d}.yaml").open("w", encoding="utf-8") as f:
            yaml.dump({"entries": data["entries"][start:start + per_file]}, f, Dumper=yaml.CSafeDumper,
                      allow_unicode=True, sort_keys=False)
    if "synonyms" in data:
        with (folder / "synonyms.yaml").open("w", encoding="utf-8") as f:
            yaml.dump({"synonyms": data["synonyms"]}, f, Dumper=yaml.CSafeDumper, allow_unicode=True)


LOADTEST_RUNS = 3  # each bot; alternated, so that a busy spell of the machine hits both alike


def loadtest(bot: str, messages: int, users: int) -> dict:
    """One run of scripts/loadtest.py against `bot`, its figures as a dict."""
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "loadtest.py"), "--bot", bot, "--json",
                           "--messages", str(messages), "--users", str(users)],
                          cwd=ROOT, capture_output=True, text=True)
    lines = proc.stdout.strip().splitlines()
    if not lines:
        raise SystemExit(f"scripts/loadtest.py --bot {bot} printed nothing: {proc.stderr[-2000:]}")
    result = json.loads(lines[-1])
    if not result["ok"]:
        raise SystemExit(f"scripts/loadtest.py --bot {bot} failed: {result}")
    return result


def throughput(messages: int, users: int) -> None:
    """Messages per second of the bot and of the echo bots (median of LOADTEST_RUNS runs each,
    alternated), and the ratios."""
    from bot.app import CONCURRENT_UPDATES, POLL_TIMEOUT
    bots = ("diaspora", "echo-httpx", "echo")
    runs: dict[str, list[dict]] = {b: [] for b in bots}
    for _ in range(LOADTEST_RUNS):
        for bot in bots:
            runs[bot].append(loadtest(bot, messages, users))

    def median(bot: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[bot])

    def listed(bot: str) -> str:
        return ", ".join(f"{r['msg_per_s']:.0f}" for r in runs[bot])

    ours = median("diaspora", "msg_per_s")
    print(f"end-to-end, {messages} messages from {users} users pushed at once to the fake Bot API on 127.0.0.1, "
          f"medians of {LOADTEST_RUNS} alternated runs; every bot polls {POLL_TIMEOUT} s x 100 updates and "
          f"handles {CONCURRENT_UPDATES} updates at once (concurrent_updates; ours: chats in order):")
    print(f"  diaspora-bot: {ours:.0f} msg/s ({listed('diaspora')}), "
          f"CPU {median('diaspora', 'cpu_ms_per_msg'):.2f} ms a message")
    for bot, what in (("echo-httpx", "minimal echo bot, python-telegram-bot's default HTTP backend (httpx)"),
                      ("echo", "the same echo bot on our HTTP backend (bot/aiohttp_request.py)")):
        theirs = median(bot, "msg_per_s")
        print(f"  {what}: {theirs:.0f} msg/s ({listed(bot)}), "
              f"CPU {median(bot, 'cpu_ms_per_msg'):.2f} ms a message; "
              f"diaspora-bot / echo: {ours / theirs:.2f}x msg/s, "
              f"{median(bot, 'cpu_ms_per_msg') / median('diaspora', 'cpu_ms_per_msg'):.2f}x messages per CPU second")


def bm25s_peer(cases, kb: KnowledgeBase, big: KnowledgeBase, ours: dict[str, tuple[list[float], Matcher]]) -> None:
    """bm25s's top-1 retrieval over the titles and questions, beside our matcher: latency and accuracy."""
    try:
        import bm25s
    except ImportError:
        print("bm25s: not measured: pip install -e .[bench]")
        return
    from knowledge.text import tokenize

    def retriever(base: KnowledgeBase):
        # Our tokenizer (normalisation, khmercut for Khmer, stop words) feeds bm25s: its own splits
        # Khmer, written without spaces, into nonsense, which would make it look worse than it is.
        owners, corpus = [], []
        for e in base.entries:
            for text in [*e.title.values(), *(q for qs in e.questions.values() for q in qs)]:
                owners.append(e)
                corpus.append(tokenize(text) or [""])
        t0 = time.perf_counter()
        model = bm25s.BM25()
        model.index(corpus, show_progress=False)
        build = time.perf_counter() - t0

        def retrieve(q: str):  # the library's own top-k call
            docs, scores = model.retrieve([tokenize(q) or [""]], k=1, show_progress=False)
            return owners[int(docs[0, 0])], float(scores[0, 0])

        def argmax(q: str):  # the same top-1 without its top-k selection (np.argpartition is slow on ties)
            scores = model.get_scores(tokenize(q) or [""])
            best = int(scores.argmax())
            return owners[best], float(scores[best])
        return retrieve, argmax, build, len(corpus)

    def bm25s_answer(top1):
        def answer(case):
            entry, score = top1(case["q"])
            return score > 0, reply_json(entry_reply(case["q"], entry, case["lang"]))
        return answer

    def our_answer(matcher: Matcher):
        def answer(case):
            result = matcher.match(case["q"])
            best = result.best
            return result.answered, reply_json(entry_reply(case["q"], best.entry, case["lang"])) if best else {}
        return answer

    def top1_right(answer) -> float:
        """The share of answerable questions whose first entry is right, answered or not."""
        answerable = [c for c in cases if c.get("expect") != "none"]
        return sum(_hit(data, c["any"]) for c in answerable if (data := answer(c)[1])) / max(len(answerable), 1)

    questions = [c["q"] for c in cases]
    print(f"bm25s {bm25s.__version__} top-1 over each entry's titles and questions beside our matcher "
          "(both fed knowledge.text.tokenize; accuracy on the calibration cases, not cross-validated; "
          "bm25s answers whenever a word is shared):")
    for name, base in (("bundled", kb), (f"{len(big)} entries", big)):
        retrieve, argmax, build, docs = retriever(base)
        repeat = 3 if base is kb else 1
        lat_retrieve = latencies(retrieve, questions, repeat)
        lat_argmax = latencies(argmax, questions, repeat)
        lat_ours, matcher = ours[name]
        acc, refused, wrong = accuracy(cases, bm25s_answer(argmax))
        ours_acc, ours_refused, ours_wrong = accuracy(cases, our_answer(matcher))
        print(f"  {name} ({docs} texts; bm25s index {build:.2f} s): latency p50 / p99 bm25s retrieve(k=1) "
              f"{percentile(lat_retrieve, 50):.2f} / {percentile(lat_retrieve, 99):.2f} ms, bm25s get_scores+argmax "
              f"{percentile(lat_argmax, 50):.2f} / {percentile(lat_argmax, 99):.2f} ms, ours "
              f"{percentile(lat_ours, 50):.2f} / {percentile(lat_ours, 99):.2f} ms; ours / bm25s at p50: "
              f"{percentile(lat_ours, 50) / percentile(lat_retrieve, 50):.1f}x retrieve(k=1), "
              f"{percentile(lat_ours, 50) / percentile(lat_argmax, 50):.1f}x get_scores+argmax")
        print(f"    right first entry {top1_right(bm25s_answer(argmax)):.3f} bm25s, "
              f"{top1_right(our_answer(matcher)):.3f} ours; answered right / out-of-scope refused / "
              f"confident wrong: bm25s {acc:.3f} / {refused:.3f} / {wrong:.3f}, "
              f"ours {ours_acc:.3f} / {ours_refused:.3f} / {ours_wrong:.3f}")


PARTS = ("matcher", "throughput", "bm25s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", nargs="+", default=[str(ROOT / "tests" / "data" / "questions.yaml"),
                                                           str(ROOT / "tests" / "data" / "questions_typed.yaml")])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS), help="the parts to run (default: all)")
    parser.add_argument("--messages", type=int, default=3000, help="messages per load-test run (default 3000)")
    parser.add_argument("--users", type=int, default=300, help="users per load-test run (default 300)")
    args = parser.parse_args()
    cases = load_cases(*map(Path, args.questions))
    questions = [c["q"] for c in cases]

    if "throughput" in args.only:
        throughput(args.messages, args.users)  # first: nothing else of this script holds the CPU meanwhile
    if not {"matcher", "bm25s"} & set(args.only):
        return

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
    if "bm25s" in args.only:
        bm25s_peer(cases, kb, big, {"bundled": (lat_small, matcher), f"{len(big)} entries": (lat_big, big_matcher)})
    if "matcher" not in args.only:
        return
    refused_small, refused_big = refusal(matcher, cases), refusal(big_matcher, cases)
    del big_matcher

    naive = naive_baseline(kb)

    def baseline(case):
        entry, score = naive(case["q"])
        data = reply_json(entry_reply(case["q"], entry, case["lang"]))
        return score >= 80, data

    report = evaluate(matcher, cases, cv=5)
    base_acc, base_refusal, base_wrong = accuracy(cases, baseline)
    lat_naive = latencies(lambda q: naive(q), questions)
    lat_batch = ask_batch_latencies(questions)
    first, warm, _, _ = startup_seconds()
    with tempfile.TemporaryDirectory() as folder:
        write_kb(big, Path(folder))
        big_first, big_warm, big_rss, big_rss_warm = startup_seconds(Path(folder))

    print(f"questions: {len(questions)} from {', '.join(args.questions)}")
    print(f"bundled KB ({len(kb)} entries): index build {build_small * 1000:.0f} ms, "
          f"latency p50 {percentile(lat_small, 50):.2f} ms, p99 {percentile(lat_small, 99):.2f} ms")
    print(f"`ask --json` reading the questions on stdin (bundled KB): per question p50 "
          f"{percentile(lat_batch, 50):.2f} ms, p99 {percentile(lat_batch, 99):.2f} ms")
    print(f"generated KB ({len(big)} entries): index build {build_big:.1f} s, "
          f"latency p50 {percentile(lat_big, 50):.2f} ms, p99 {percentile(lat_big, 99):.2f} ms")
    print(f"start-up to first answer, bundled KB: {first:.2f} s on a new database, {warm:.2f} s after")
    print(f"start-up to first answer, {len(big)} entries: {big_first:.2f} s on a new database "
          f"(YAML import and index build), {big_warm:.2f} s after (stored index)")
    print(f"peak RSS of `diaspora-bot ask` at {len(big)} entries: {big_rss:.0f} MB on a new database "
          f"(YAML import and index build), {big_rss_warm:.0f} MB after (stored revision and index)")
    print(f"out-of-scope and near-miss questions refused: {refused_small:.3f} on the bundled KB, "
          f"{refused_big:.3f} with {len(big)} look-alike entries")
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
