#!/usr/bin/env python3
"""Load test: the real `diaspora-bot run` process against the in-process fake Bot API.

Starts tests/fake_bot_api.FakeBotAPI on 127.0.0.1, runs the bot as a subprocess pointed at it
(temporary database and HOME), pushes --messages questions from --users simulated users
(Khmer, English and French; in and out of scope; typos), and measures for every message the
time until the bot's reply reaches the fake. Samples the bot's resident memory meanwhile.

    .venv/bin/python scripts/loadtest.py [--messages 5000] [--users 500] [--rate N] [--rate-limit]
                                         [--voice CLIP.ogg --voice-model MODEL]
                                         [--bot diaspora|echo|echo-httpx] [--json]

With --bot echo, the process under load is scripts/echo_bot.py, a minimal python-telegram-bot echo
bot given the same request backend, concurrency and polling settings as the bot, fed the same
messages: the yardstick of the bot's throughput (echo-httpx: the same echo bot on PTB's default
httpx backend). --json prints the figures as one JSON object instead of text.

With --voice, the bot runs with speech recognition on and one voice note is kept in flight during
the whole text load (the next is sent as soon as the last is answered), to show what transcription
costs the text questions; the voice replies are reported apart and left out of the text figures.

Prints figures only (it is not a test). Exit status 0 when every message was answered, the
fake rejected no request and the bot exited 0 on SIGTERM; 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fake_bot_api import FakeBotAPI  # noqa: E402

TOKEN = "424242:LOADTEST-token-not-secret"
FLOOD_LIMIT = 20  # handlers/flood.py: messages per user per 60 s before the bot drops them
STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
SAMPLE_EVERY = 0.5

# ~20 questions per language: in scope (some misspelt), out of scope, greetings.
QUESTIONS = {
    "en": [
        "passport price", "how much pasport cost", "how long to get a pasport",
        "i want to work in korea how", "boss no pay salary", "my emploier keep my passport what to do",
        "can cambodian have dual citizenship", "can i vote from abroad", "how to send money home",
        "is there app for women migrant workers", "where to get info before going to work abroad",
        "recruitment agency take 2000 dollar is it legal", "stuck in malaysia want go home help",
        "free training after coming back from thailand", "what is the MoU with thailand",
        "remitances to cambodia how much", "weather tomorrow", "who won the champions league",
        "recipe fish amok", "hello",
    ],
    "km": [
        "ធ្វើប៉ាស្ព័រថ្លៃប៉ុន្មាន", "ខ្ញុំចង់ទៅធ្វើការនៅកូរ៉េ", "ធ្វើលិខិតឆ្លងដែនយូរប៉ុន្មានថ្ងៃ",
        "ថៅកែអត់អោយលុយខែ ធ្វើម៉េចបង", "ខ្ញុំជាប់នៅម៉ាឡេស៊ី ចង់មកស្រុកវិញ",
        "ក្រុមហ៊ុនយកលុយខ្ញុំ2000ដុល្លារ ត្រូវច្បាប់អត់", "ផ្ញើលុយមកផ្ទះយ៉ាងម៉េច",
        "នៅបារាំងអាចបោះឆ្នោតបានទេ", "ធ្វើអត្តសញ្ញាណប័ណ្ណខ្មែរ នៅក្រៅប្រទេសបានអត់",
        "ចង់ទៅធ្វើការស្រុកថៃអោយត្រូវច្បាប់", "មេខ្យល់ថាអាចនាំទៅថៃអត់លិខិត",
        "ខ្ញុំទើបមកពីថៃវិញ មានរៀនជំនាញអត់គិតលុយទេ", "ក្រសួងណាចេញប៉ាសព័រ",
        "សួរព័ត៌មានមុនចេញទៅធ្វើការក្រៅស្រុកនៅណា", "សញ្ជាតិពីរបានទេ", "ថ្ងៃស្អែកភ្នំពេញភ្លៀងអត់",
        "របៀបធ្វើសម្លកកូរ", "យប់នេះបាល់ទាត់ទាត់ម៉ោងប៉ុន្មាន", "សួស្តី", "អរគុណ",
    ],
    "fr": [
        "double nationalité ?", "double nationalite france cambodge c possible ?",
        "c combien le passeport cambodgien ?", "combien de temps pour avoir un paseport",
        "jpeux voter depuis la france aux elections cambodgiennes ?",
        "mon cousin veut bosser en coree du sud, comment il fait",
        "mon frere est bloque en malaisie, qui peut l'aider ?",
        "ma tante veut partir travailler en thailande, c legal ?", "mon patron paye pas mon salaire",
        "une appli pour les femmes qui partent travailler a l'etranger ?",
        "qui controle les agences de recrutement au cambodge",
        "carte d'identite khmere pour ceux qui vivent a l'etranger",
        "combien d'argent les migrants envoient au cambodge",
        "je suis medecin, comment aider le cambodge depuis la france ?",
        "météo demain à paris", "recette du lok lak", "qui a gagné la coupe du monde",
        "bonjour", "merci bcp", "c quoi le MoU avec la thailande",
    ],
}
LANG_WEIGHTS = {"km": 0.4, "en": 0.35, "fr": 0.25}  # users' Telegram language_code
OTHER_LANGUAGE_SHARE = 0.15  # share of a user's messages written in another language


class TimedFakeBotAPI(FakeBotAPI):
    """The fake Bot API that also notes when each accepted sendMessage arrives, per chat."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.reply_times: dict[int, list[float]] = defaultdict(list)
        self.replies = 0
        self.polls = 0
        self.voice_chats: set[int] = set()  # their replies are not text replies

    def _finish(self, method, params, result, injected=False):
        now = time.monotonic()
        with self._cond:
            if method == "sendMessage" and isinstance(result, dict):
                self.reply_times[params.get("chat_id")].append(now)
                self.replies += params.get("chat_id") not in self.voice_chats
            elif method == "getUpdates" and isinstance(result, list):
                self.polls += 1
            return super()._finish(method, params, result, injected)


class RssSampler(threading.Thread):
    """Samples VmRSS (kB) of one process every `every` seconds until stopped or the process ends."""

    def __init__(self, pid: int, every: float = SAMPLE_EVERY) -> None:
        super().__init__(name="rss-sampler", daemon=True)
        self.path, self.every = Path(f"/proc/{pid}/status"), every
        self.samples: list[tuple[float, int]] = []
        self.stopped = threading.Event()

    def read(self) -> int | None:
        try:
            for line in self.path.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except (OSError, ValueError, IndexError):
            pass
        return None

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the process so far."""
        try:
            fields = self.path.with_name("stat").read_text().rpartition(")")[2].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None

    def thread_cpu_seconds(self) -> Counter:
        """User + system CPU time so far of the process's main thread (the event loop) and of its
        other threads (database writers, executors) together."""
        out: Counter = Counter()
        try:
            tasks = list(self.path.with_name("task").iterdir())
        except OSError:
            return out
        for task in tasks:
            try:
                fields = (task / "stat").read_text().rpartition(")")[2].split()
                which = "main thread" if task.name == self.path.parent.name else "other threads"
                out[which] += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            except (OSError, ValueError, IndexError):
                continue
        return out

    def run(self) -> None:
        while not self.stopped.is_set():
            kb = self.read()
            if kb is None:
                return
            self.samples.append((time.monotonic(), kb))
            self.stopped.wait(self.every)

    def between(self, start: float, end: float) -> list[int]:
        return [kb for t, kb in list(self.samples) if start <= t <= end]


class VoiceKeeper(threading.Thread):
    """Keeps one voice note in flight: sends the next as soon as the bot answered the last.

    Rotates over a few users so that none passes the flood guard."""

    USERS = tuple(range(690_000_000, 690_000_005))

    def __init__(self, api: TimedFakeBotAPI, audio: bytes, duration: int) -> None:
        super().__init__(name="voice-keeper", daemon=True)
        self.api, self.audio, self.duration = api, audio, duration
        api.voice_chats.update(self.USERS)
        self.latencies: list[float] = []
        self.failed = ""
        self.stopped = threading.Event()

    def one(self, uid: int, timeout: float = 120.0) -> float | None:
        """Send one voice note and wait for its reply; seconds from push to reply."""
        with self.api._cond:
            before = len(self.api.reply_times[uid])
        t0 = time.monotonic()
        self.api.push_voice(self.audio, self.duration, user_id=uid, language_code="km")
        try:
            self.api.wait_for_sync(lambda s: len(s.reply_times[uid]) > before, timeout=timeout)
        except AssertionError:
            self.failed = f"no reply to a voice note within {timeout:.0f} s"
            return None
        return time.monotonic() - t0

    def run(self) -> None:
        i = 0
        while not self.stopped.is_set() and not self.failed:
            took = self.one(self.USERS[i % len(self.USERS)])
            i += 1
            if took is not None:
                self.latencies.append(took)


def build_workload(messages: int, users: int, seed: int) -> list[tuple[int, str, str]]:
    """(user_id, language_code, text) in push order: round-robin over users, so each user's
    messages are spread across the run."""
    rng = random.Random(seed)
    langs = list(LANG_WEIGHTS)
    user_lang = {700_000_000 + i: rng.choices(langs, weights=list(LANG_WEIGHTS.values()))[0]
                 for i in range(users)}
    ids = list(user_lang)
    out = []
    for i in range(messages):
        uid = ids[i % users]
        lang = user_lang[uid]
        written = rng.choice([x for x in langs if x != lang]) if rng.random() < OTHER_LANGUAGE_SHARE else lang
        out.append((uid, lang, rng.choice(QUESTIONS[written])))
    return out


def bot_env(api: FakeBotAPI, tmp: Path, rate_limit: bool = False, voice_model: str | None = None) -> dict[str, str]:
    """The environment of the bot: this one minus bot settings and proxies, plus the fake's."""
    drop = ("TELEGRAM_", "DIASPORA_BOT_", "XDG_")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(drop) and k.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
    env.update({
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": f"{api.base_url}/bot",
        "TELEGRAM_API_BASE_FILE_URL": f"{api.base_url}/file/bot",
        "DIASPORA_BOT_DB": str(tmp / "loadtest.db"),
        # Telegram's flood limiter caps sending at about 30 messages/s by design; without it the
        # figures are the bot's own capacity.
        "DIASPORA_BOT_RATE_LIMIT": "true" if rate_limit else "false",
        "HOME": str(tmp / "home"),
        "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
    })
    if voice_model:
        env["DIASPORA_BOT_VOICE_MODEL"] = voice_model
    (tmp / "home").mkdir(exist_ok=True)
    return env


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def wait_answers(api: TimedFakeBotAPI, proc: subprocess.Popen, expected: int, timeout: float,
                 stall: float) -> str:
    """Wait until `expected` replies arrived; returns why the wait ended."""
    deadline = time.monotonic() + timeout
    last_count, last_progress = -1, time.monotonic()
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return f"timeout after {timeout:.0f} s"
        try:
            api.wait_for_sync(lambda s: s.replies >= expected, timeout=min(1.0, remaining))
            return "all answered"
        except AssertionError:
            pass
        if proc.poll() is not None:
            return f"bot exited early with code {proc.returncode}"
        if api.replies != last_count:
            last_count, last_progress = api.replies, time.monotonic()
        elif time.monotonic() - last_progress > stall:
            return f"no reply for {stall:.0f} s"


def reply_kinds(api: FakeBotAPI) -> Counter:
    """Replies by kind, from their buttons: an entry (feedback buttons), 'did you mean', other."""
    kinds: Counter = Counter()
    for call in api.calls_to("sendMessage"):
        if not (call.response and call.response.get("ok")) or call.params.get("chat_id") in api.voice_chats:
            continue
        data = [b.get("callback_data", "") for row in (call.params.get("reply_markup") or {})
                .get("inline_keyboard", []) for b in row]
        if any(d.startswith("fb:") for d in data):
            kinds["entry"] += 1
        elif any(d.startswith("e:") for d in data):
            kinds["did you mean"] += 1
        else:
            kinds["no entry (out of scope, greeting, ...)"] += 1
    return kinds


def mb(kb: float) -> str:
    return f"{kb / 1024:.1f} MB"


def stop_bot(proc: subprocess.Popen) -> tuple[int | None, float]:
    """SIGTERM, wait; SIGKILL if it does not stop. Returns (exit code or None if killed, seconds)."""
    t0 = time.monotonic()
    if proc.poll() is not None:
        return proc.returncode, 0.0
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=STOP_TIMEOUT), time.monotonic() - t0
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None, time.monotonic() - t0


BOT_COMMANDS = {
    "diaspora": [sys.executable, "-m", "bot.cli", "run"],
    "echo": [sys.executable, str(ROOT / "scripts" / "echo_bot.py")],
    "echo-httpx": [sys.executable, str(ROOT / "scripts" / "echo_bot.py"), "--http", "httpx"],
}


def run(args: argparse.Namespace) -> int:
    per_user = math.ceil(args.messages / args.users)
    if per_user > FLOOD_LIMIT:
        print(f"warning: {per_user} messages per user exceeds the flood guard ({FLOOD_LIMIT}/60 s); "
              "the bot will drop some", file=sys.stderr)
    workload = build_workload(args.messages, args.users, args.seed)
    api = TimedFakeBotAPI(token=TOKEN).start()
    tmpdir = tempfile.TemporaryDirectory(prefix="diaspora-loadtest-")
    tmp = Path(tmpdir.name)
    log_path = tmp / "bot.log"
    log_file = log_path.open("w")
    command = BOT_COMMANDS[args.bot]
    if args.profile:  # cProfile writes its file when the process ends (SIGTERM stops it cleanly)
        command = [command[0], "-m", "cProfile", "-o", str(args.profile.resolve()), *command[1:]]
    proc = subprocess.Popen(command, cwd=ROOT,
                            env=bot_env(api, tmp, args.rate_limit, args.voice_model),
                            stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT)
    sampler = RssSampler(proc.pid)
    sampler.start()
    exit_code, stop_seconds = None, 0.0
    keeper, warmup = None, 0.0
    try:
        t_launch = time.monotonic()
        api.wait_for_sync(lambda s: s.polls > 0 or proc.poll() is not None, timeout=STARTUP_TIMEOUT)
        if proc.poll() is not None:
            print(f"the bot exited during start-up with code {proc.returncode}; its log:", file=sys.stderr)
            print(log_path.read_text()[-4000:], file=sys.stderr)
            return 1
        t_ready = time.monotonic()
        if args.voice:
            keeper = VoiceKeeper(api, args.voice.read_bytes(), args.voice_seconds)
            warmup = keeper.one(keeper.USERS[0], timeout=STARTUP_TIMEOUT)  # waits for the model to load
            if warmup is None:
                print(f"the bot did not answer a voice note within {STARTUP_TIMEOUT:.0f} s", file=sys.stderr)
                return 1
            keeper.start()
        rss_start = sampler.read() or 0
        cpu_start = sampler.cpu_seconds() or 0.0
        threads_start = sampler.thread_cpu_seconds()
        driver_start = time.process_time()

        pushes: dict[int, list[float]] = defaultdict(list)
        langs = Counter()
        t_first = time.monotonic()
        for i, (uid, lang, text) in enumerate(workload):
            if args.rate:
                delay = t_first + i / args.rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            t_push = time.monotonic()
            api.push_message(text, user_id=uid, language_code=lang)
            pushes[uid].append(t_push)
            langs[lang] += 1
        t_pushed = time.monotonic()

        outcome = wait_answers(api, proc, len(workload), args.timeout, args.stall)
        t_done = time.monotonic()
        if keeper is not None:
            keeper.stopped.set()
            keeper.join(STOP_TIMEOUT)
        rss_end = sampler.read() or 0
        cpu_load = (sampler.cpu_seconds() or 0.0) - cpu_start
        threads_load = sampler.thread_cpu_seconds()
        threads_load.subtract(threads_start)
        driver_load = time.process_time() - driver_start

        with api._cond:
            replies = {chat: list(times) for chat, times in api.reply_times.items()}
        latencies, unanswered, extra = [], 0, 0
        for chat, sent in pushes.items():
            got = replies.get(chat, [])
            latencies += [(r - s) * 1000 for s, r in zip(sent, got)]
            unanswered += max(0, len(sent) - len(got))
            extra += max(0, len(got) - len(sent))
        extra += sum(len(v) for c, v in replies.items() if c not in pushes and c not in api.voice_chats)
        answered = len(latencies)
        t_last = max((t for v in replies.values() for t in v), default=t_done)
        span = max(t_last - t_first, 1e-9)

        window = sampler.between(t_first, t_last)
        quarter = max(1, len(window) // 4)
        rejected = api.errors
    finally:
        exit_code, stop_seconds = stop_bot(proc)
        sampler.stopped.set()
        sampler.join(2)
        api.stop()
        log_file.close()

    all_rss = [kb for _, kb in sampler.samples]
    log_text = log_path.read_text(errors="replace")
    bad_lines = [ln for ln in log_text.splitlines() if any(w in ln for w in ("ERROR", "WARNING", "Traceback"))]
    tmpdir.cleanup()
    ok = answered == len(workload) and not rejected and not unanswered and exit_code == 0 \
        and not (keeper is not None and keeper.failed)

    if args.json:
        print(json.dumps({
            "bot": args.bot, "ok": ok, "outcome": outcome, "messages": len(workload), "answered": answered,
            "rejected": len(rejected), "unanswered": unanswered, "extra": extra,
            "startup_s": round(t_ready - t_launch, 3), "span_s": round(span, 3),
            "msg_per_s": round(answered / span, 1), "cpu_s": round(cpu_load, 3),
            "cpu_ms_per_msg": round(1000 * cpu_load / max(answered, 1), 3),
            "driver_cpu_s": round(driver_load, 3),
            "p50_ms": round(percentile(latencies, 50)) if latencies else None,
            "p99_ms": round(percentile(latencies, 99)) if latencies else None,
            "peak_rss_mb": round(max(all_rss) / 1024, 1) if all_rss else None,
            "log_problems": len(bad_lines), "exit_code": exit_code}))
        return 0 if ok else 1

    print(f"bot under load:      {args.bot} ({' '.join(Path(a).name for a in BOT_COMMANDS[args.bot][1:])})")
    print(f"bot start-up:        {t_ready - t_launch:.2f} s to the first getUpdates")
    print(f"messages sent:       {len(workload)} from {args.users} users "
          f"(language_code {', '.join(f'{k} {v}' for k, v in sorted(langs.items()))}; "
          f"rate {'max' if not args.rate else f'{args.rate:g}/s'}, pushed in {t_pushed - t_first:.2f} s)")
    print(f"messages answered:   {answered} ({outcome})")
    print(f"errors:              {len(rejected) + unanswered} "
          f"(rejected by the fake Bot API: {len(rejected)}, unanswered: {unanswered}; "
          f"extra replies: {extra})")
    for (method, desc), n in Counter((r.method, r.description) for r in rejected).most_common(5):
        print(f"  {n} x {method}: {desc[:160]}")
    print(f"total time:          {span:.2f} s (first push to last reply)")
    print(f"throughput:          {answered / span:.1f} messages/s")
    if latencies:
        print(f"latency p50 / p99:   {percentile(latencies, 50):.0f} ms / {percentile(latencies, 99):.0f} ms "
              f"(min {min(latencies):.0f} ms, mean {statistics.fmean(latencies):.0f} ms, "
              f"max {max(latencies):.0f} ms)")
    print(f"bot CPU time:        {cpu_load:.1f} s during the load ({100 * cpu_load / span:.0f}% of one core; "
          f"{1000 * cpu_load / max(answered, 1):.2f} ms a message, so one core sustains about "
          f"{answered / max(cpu_load, 1e-9):.0f} messages/s)"
          + ("; includes the voice notes' transcription" if keeper is not None else ""))
    print("bot CPU by thread:   " + ", ".join(f"{name} {1000 * sec / max(answered, 1):.2f} ms"
                                              for name, sec in threads_load.most_common() if sec > 0)
          + " a message")
    print(f"driver CPU time:     {driver_load:.1f} s ({100 * driver_load / span:.0f}% of one core: the fake Bot API "
          "and this script, in one process)")
    if keeper is not None:
        lat = keeper.latencies
        print(f"voice notes:         {len(lat)} answered while the text load ran, one in flight at a time "
              f"({args.voice.name}, {args.voice_seconds} s; push to reply mean "
              f"{statistics.fmean(lat) if lat else 0:.2f} s, max {max(lat, default=0):.2f} s; after a "
              f"warm-up note of {warmup:.2f} s that waited for the model to load)"
              + (f"; {keeper.failed}" if keeper.failed else ""))
    print("replies by kind:     " + ", ".join(f"{k} {v}" for k, v in reply_kinds(api).most_common()))
    if all_rss:
        print(f"peak RSS:            {mb(max(all_rss))}")
    print(f"RSS start / end:     {mb(rss_start)} / {mb(rss_end)}", end="")
    if window:
        print(f" (load-window average: first quarter {mb(statistics.fmean(window[:quarter]))}, "
              f"last quarter {mb(statistics.fmean(window[-quarter:]))}; {len(window)} samples)")
    else:
        print()
    print(f"bot log:             {len(bad_lines)} WARNING/ERROR/Traceback line(s)"
          + ("; token leaked into the log!" if TOKEN in log_text else ""))
    for ln in bad_lines[:5]:
        print(f"  {ln[:200]}")
    print(f"bot exit code:       {exit_code if exit_code is not None else 'killed (did not stop)'} "
          f"(SIGTERM, stopped in {stop_seconds:.2f} s)")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=5000, help="messages to push (default 5000)")
    parser.add_argument("--users", type=int, default=500, help="simulated users (default 500)")
    parser.add_argument("--rate", type=float, default=0,
                        help="messages per second to push (default: all at once, as fast as possible)")
    parser.add_argument("--timeout", type=float, default=300,
                        help="seconds to wait for the replies after the last push (default 300)")
    parser.add_argument("--stall", type=float, default=60,
                        help="give up when no reply arrived for this many seconds (default 60)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the workload (default 1)")
    parser.add_argument("--rate-limit", action="store_true",
                        help="keep Telegram's flood limits on (about 30 messages/s): measures the limiter, "
                             "not the bot")
    parser.add_argument("--voice", type=Path, metavar="CLIP",
                        help="keep one voice note (this audio file) in flight during the load; needs --voice-model")
    parser.add_argument("--voice-model", help="DIASPORA_BOT_VOICE_MODEL for the bot (a model name or folder)")
    parser.add_argument("--bot", choices=list(BOT_COMMANDS), default="diaspora",
                        help="the process under load: diaspora-bot (default), or the minimal echo bot "
                             "(scripts/echo_bot.py) on the same backend (echo) or on httpx (echo-httpx)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--profile", type=Path, metavar="FILE",
                        help="run the bot under cProfile and write its statistics to FILE (slows it down)")
    args = parser.parse_args(argv)
    if bool(args.voice) != bool(args.voice_model):
        parser.error("--voice and --voice-model go together")
    if args.voice and args.bot != "diaspora":
        parser.error("--voice needs --bot diaspora (the echo bot answers text only)")
    if args.voice:
        from bot.voice import SAMPLE_RATE, decode_audio
        args.voice_seconds = max(1, round(decode_audio(args.voice.read_bytes()).size / SAMPLE_RATE))
    if args.messages < 1 or args.users < 1 or args.rate < 0:
        parser.error("--messages and --users must be positive, --rate not negative")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
