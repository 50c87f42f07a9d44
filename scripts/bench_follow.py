#!/usr/bin/env python3
"""Benchmark how a running bot follows revisions made by another process (issue 13).

Run from the checkout with the project installed:
    .venv/bin/python scripts/bench_follow.py [--revisions 200]

Prints figures only; it asserts nothing:
- the cost of the poll the bot makes every second (`select max(id)` on the revisions table);
- how long the event loop is held up while a new revision is picked up: `LiveKnowledge.follow`
  (validation and index build in a worker thread) against the same switch done on the loop.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.assistant import Assistant  # noqa: E402
from bot.live import LiveKnowledge  # noqa: E402
from knowledge.loader import load_data  # noqa: E402
from storage.db import open_database  # noqa: E402


def edited(kb, n: int):
    data = kb.to_data()
    data["entries"][0]["answer"]["en"] += f" (edit {n})"
    return load_data(data)


async def max_loop_lag(work, tick: float = 0.005) -> float:
    """The longest a 5 ms ticker was late while `work()` ran on the same loop."""
    worst, done = 0.0, asyncio.Event()

    async def ticker():
        nonlocal worst
        while not done.is_set():
            start = time.perf_counter()
            await asyncio.sleep(tick)
            worst = max(worst, time.perf_counter() - start - tick)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(tick * 2)
    await work()
    done.set()
    await task
    return worst


async def main_async(args) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(Path(tmp) / "bench.db")
        live = LiveKnowledge(db)
        kb, _ = live.load()
        for n in range(args.revisions):
            live.commit(edited(kb, n), author="bench")
        calls = 10_000
        start = time.perf_counter()
        for _ in range(calls):
            live.revisions.current_id()
        poll_us = (time.perf_counter() - start) / calls * 1e6
        print(f"poll (current revision id, {args.revisions + 1} revisions): {poll_us:.1f} µs per call")

        assistant = Assistant(kb)
        live.served = live.revisions.current()
        lags_thread, lags_loop, builds = [], [], []
        for n in range(3):
            live.commit(edited(kb, 1000 + n), author="other process")
            start = time.perf_counter()
            lags_thread.append(await max_loop_lag(lambda: live.follow(assistant)))
            builds.append(time.perf_counter() - start)
            new = edited(kb, 2000 + n)

            async def on_loop(new=new):
                assistant.switch(new)

            lags_loop.append(await max_loop_lag(on_loop))
        print(f"pick-up of a new revision (validate + index build): {min(builds) * 1000:.0f} ms")
        print(f"longest event-loop stall during the pick-up: {max(lags_thread) * 1000:.1f} ms with follow() "
              f"(worker thread), {max(lags_loop) * 1000:.0f} ms when built on the loop")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--revisions", type=int, default=200, help="revisions in the database (default 200)")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
