"""Hostile input: whatever users, uploaders and forgers send, the bot stays correct and bounded.

1. Any Unicode text (controls, bidi marks, zero-width, emoji, lone Khmer marks, HTML/Markdown,
   huge words): the matcher never raises, answers in bounded time with scores in 0..100, and every
   rendered reply is HTML Telegram accepts, within its length limit, and JSON-serialisable.
2. Any YAML document (random text and bytes, wrong types, deep nesting, aliases, oversized): the
   loader returns a KnowledgeBase or raises KnowledgeBaseInvalid, in bounded time and memory, with
   located problems.
3. Forged callback data from a non-admin against the running bot: no side effect, no invalid call.
4. The bot token never reaches logs, error messages or the Config's str/repr.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import random
import re
import subprocess
import sys
import textwrap
import time
import tracemalloc
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from bot.assistant import Assistant
from bot.config import Config
from bot.render import esc, reply_html, reply_json, reply_plain
from bot.texts import KIND_NAMES, t
from bot.yamlio import dump_yaml
from handlers.flood import FloodGuard
from knowledge.loader import (
    MAX_FILE_BYTES,
    KnowledgeBaseInvalid,
    Problem,
    load_bundled,
    load_text,
)
from knowledge.schema import KINDS, LANGS, KnowledgeBase
from tests.conftest import ADMIN, USER
from tests.fake_bot_api import parse_html, utf16_len

ROOT = Path(__file__).resolve().parent.parent
HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
          HealthCheck.filter_too_much]


@functools.cache
def assistant() -> Assistant:
    """One assistant (and matcher) over the bundled knowledge base, built once for the module."""
    return Assistant(load_bundled())


@functools.cache
def kb_phrases() -> tuple[str, ...]:
    """Titles, questions and keywords of the bundled knowledge base, in every language."""
    out = []
    for e in assistant().kb.entries:
        out += list(e.title.values())
        out += [q for qs in e.questions.values() for q in qs]
        out += [k for ks in e.keywords.values() for k in ks]
    return tuple(out)


# --- 1. any text ------------------------------------------------------------------------------

CONTROL = [chr(c) for c in range(0x20)] + ["\x7f"] + [chr(c) for c in range(0x80, 0xA0)]
BIDI = ["\u200e", "\u200f", "\u061c"] + [chr(c) for c in range(0x202A, 0x202F)] + [chr(c) for c in range(0x2066, 0x206A)]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u034f"]
EMOJI = ["😀", "👍", "👎", "🙏🏽", "🇰🇭", "❤️", "👨‍👩‍👧‍👦", "🧑‍🌾", "\U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F"]
KHMER_MARKS = [chr(c) for c in range(0x17B4, 0x17D4)] + ["\u17DD"]
KHMER_LETTERS = [chr(c) for c in range(0x1780, 0x17B4)] + [chr(c) for c in range(0x17E0, 0x17EA)]
MARKUP = ["<b>", "</b>", "</a>", '<a href="javascript:x">', "<i>", "<tg-spoiler>", "<script>", "<", ">", "&",
          "&amp;", "&lt;", "&gt;", "&quot;", "&#0;", "&#xD800;", "&nbsp;", "*", "**", "_", "__", "`", "```",
          "[x](y)", "[a](tg://user?id=1)", "~", "||", "\\", "\"", "'", "{", "}", "%s", "{0}", "${x}"]
SPACES = [" ", "\n", "\t", "\r\n", "\u00a0", "\u2028", "\u3000"]
ATOMS = CONTROL + BIDI + ZERO_WIDTH + EMOJI + KHMER_MARKS + KHMER_LETTERS + MARKUP + SPACES

atom = st.sampled_from(ATOMS)


def joined(pool: list[str], max_size: int) -> st.SearchStrategy[str]:
    """Strings made of the pool's items (some are several code points: ZWJ emoji, CRLF)."""
    return st.lists(st.sampled_from(pool), max_size=max_size).map("".join)


# Targeted alphabets, alone (combining marks with nothing to combine with, bidi soup, ...).
targeted_text = st.one_of(
    joined(CONTROL + BIDI + ZERO_WIDTH + SPACES, 4096),
    st.text(alphabet=st.sampled_from(KHMER_MARKS), max_size=4096),
    st.text(alphabet=st.sampled_from(KHMER_LETTERS + KHMER_MARKS + ZERO_WIDTH), max_size=4096),
    joined(EMOJI + ZERO_WIDTH + [" "], 2000),
    joined(ATOMS, 1500),
)
# Real questions mixed with hostile characters: these reach the answer path in every language.
noisy_question = st.lists(st.one_of(st.deferred(lambda: st.sampled_from(kb_phrases())), atom, st.text(max_size=12)),
                          min_size=1, max_size=60).map(" ".join)
# Very long single words (no separator for the tokenizer or the renderer to cut at).
long_word = st.builds(lambda unit, n: unit * n,
                      st.one_of(st.text(min_size=1, max_size=9), st.sampled_from(["a", "passport", "ក", "ប៉ាស្ព័រ",
                                                                                  "\u17b4", "<b>", "&amp;", "é"])),
                      st.integers(min_value=1, max_value=4096))
markup_text = joined(MARKUP + ["passport", "visa", "vote", " "], 1500)


def _sprinkle(phrase: str, inserts: list[tuple[int, str]]) -> str:
    """A knowledge-base phrase with hostile characters inserted at some positions."""
    chars = list(phrase)
    for at, junk in inserts:
        chars.insert(at % (len(chars) + 1), junk)
    return "".join(chars)


sprinkled_question = st.builds(_sprinkle, st.deferred(lambda: st.sampled_from(kb_phrases())),
                               st.lists(st.tuples(st.integers(0, 200), atom), max_size=6))
short_text = st.one_of(st.text(max_size=200), targeted_text, noisy_question, sprinkled_question, markup_text)
# Hypothesis favours small inputs; these reach the 4096-character limit on purpose.
long_text = st.one_of(
    st.text(min_size=1000, max_size=4096),
    long_word,
    st.builds(lambda chunk, size: (chunk * (size // len(chunk) + 1))[:size],
              short_text.filter(bool), st.integers(2000, 4096)),
)
hostile_text = st.one_of(short_text, long_text).map(lambda s: s[:4096])

INTENTS = {"answer", "choose", "unknown", "help", "greeting", "thanks", "empty"}
MATCH_BOUND_S = 0.5


def check_rendered(reply) -> None:
    """Every message parses as Telegram HTML and fits Telegram's limit once parsed and trimmed."""
    messages = reply_html(reply)
    assert messages, "a reply renders to at least one message"
    for message in messages:
        plain, _ = parse_html(message)  # raises ApiError(400) where Telegram would
        plain = plain.strip()
        assert plain, "Telegram refuses an empty message"
        assert utf16_len(plain) <= 4096
    data = reply_json(reply)
    json.dumps(data, ensure_ascii=False, allow_nan=False).encode("utf-8")
    assert isinstance(reply_plain(reply), str)


@settings(max_examples=500, deadline=None, database=None, suppress_health_check=HEALTH)
@given(text=hostile_text)
@example(text="")
@example(text="a" * 4096)
@example(text="\u17b4" * 4096)
@example(text="\u17d2" * 4096)  # COENG alone
@example(text="\u202e" + "How much does a passport cost?" + "\u202c")
@example(text="pass\u200bport pr\u00adice")
@example(text="<b>passport</b> &amp; <a href='x'>visa</a> *vote* _x_ `y` [x](y)")
@example(text="&" * 4096)
@example(text="😀" * 4096)  # 8192 UTF-16 units
@example(text="passport " * 455)
@example(text=" ".join(["ប៉ាស្ព័រ"] * 500)[:4096])
@example(text="\x00\x01\x1f\x7f\x85" * 800)
def test_any_text_is_matched_and_rendered_safely(text):
    asst = assistant()
    started = time.perf_counter()
    result = asst.matcher.match(text)
    elapsed = time.perf_counter() - started
    assert elapsed < MATCH_BOUND_S, f"match took {elapsed:.2f}s"
    assert result.intent in INTENTS
    event(f"intent: {result.intent}")
    event(f"length: {'>=3000' if len(text) >= 3000 else '>=500' if len(text) >= 500 else '<500'}")
    for m in result.matches:
        assert math.isfinite(m.score) and 0.0 <= m.score <= 100.0
        assert math.isfinite(m.relevance) and 0.0 <= m.relevance <= 100.0
    for lang in LANGS:
        reply = asst.ask(text, preference=lang, log=False)
        assert reply.language == lang
        check_rendered(reply)


def test_every_entry_renders_in_every_language():
    """The answer path over the whole knowledge base (titles, answers and URLs are escaped)."""
    asst = assistant()
    for entry in asst.kb.entries:
        for lang in LANGS:
            check_rendered(asst.show(entry.id, lang))


# --- 2. any YAML document ---------------------------------------------------------------------

LOAD_BOUND_S = 2.0
MEMORY_BOUND = 50 * 1024 * 1024
NAME = "upload.yaml"
_YAML_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")

VALID_ENTRY = {
    "id": "hostile-test", "kind": "fact",
    "title": {"en": "Zebra crossing", "km": "ផ្លូវថ្មើរជើង", "fr": "Passage piéton"},
    "answer": {"en": "Look both ways.", "fr": "Regardez des deux côtés."},
    "questions": {"en": ["where is the zebra crossing"]},
    "keywords": {"en": ["zebra"]},
    "sources": [{"title": "Test", "url": "https://example.org/"}],
    "year": 2009, "related": [], "reviewed": {"en": True},
}
VALID_YAML = dump_yaml({"entries": [VALID_ENTRY], "synonyms": {"en": [["zebra", "crosswalk"]]}})
SCHEMA_KEYS = sorted({"entries", "synonyms", *VALID_ENTRY, "period", "country", "title", "url", *LANGS})

scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20),
                   st.sampled_from(SCHEMA_KEYS + list(KINDS) + ["https://example.org/", "hostile-test", ""]))
key = st.one_of(st.sampled_from(SCHEMA_KEYS), st.text(max_size=8), st.integers(-3, 3), st.booleans(), st.none())
tree = st.recursive(scalar, lambda children: st.one_of(st.lists(children, max_size=5),
                                                       st.dictionaries(key, children, max_size=6)),
                    max_leaves=40)


def _dump(data) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _mutated(overrides: dict, dropped: set, top: dict) -> dict:
    entry = {k: v for k, v in VALID_ENTRY.items() if k not in dropped}
    entry.update(overrides)
    return {"entries": [entry, *top.get("more", [])], **{k: v for k, v in top.items() if k != "more"}}


def _splice(doc: str, at: int, cut: int, insert: str) -> str:
    at %= len(doc) + 1
    return doc[:at] + insert + doc[at + cut:]


yaml_documents = st.one_of(
    tree.map(_dump),                                                         # wrong types, any shape
    st.builds(_mutated, st.dictionaries(st.sampled_from(SCHEMA_KEYS + ["extra"]), tree, max_size=3),
              st.sets(st.sampled_from(sorted(VALID_ENTRY))),
              st.fixed_dictionaries({}, optional={"more": st.lists(tree, max_size=2), "synonyms": tree})
              ).map(_dump),                                                  # near-valid entries
    st.text(max_size=400),                                                   # raw text
    st.lists(st.sampled_from(["[", "]", "{", "}", ":", "- ", "? ", ",", "&a ", "*a", "!!", "!!python/object ",
                              "<<: ", "|", ">", "'", '"', "#", "\n", "  ", "\t", "%YAML 1.1\n", "---\n", "...\n",
                              "entries", "id", "0x1f", "1e999", ".nan", "~", "\ufeff", "\x85"]),
             max_size=200).map("".join),                                     # YAML syntax soup
    st.builds(_splice, st.just(VALID_YAML), st.integers(0, 10_000), st.integers(0, 20), st.text(max_size=10)),
    st.binary(max_size=400),                                                 # random bytes
    st.binary(max_size=200).map(lambda b: VALID_YAML.encode() + b),
    st.integers(1, 150).flatmap(lambda n: st.sampled_from(["[" * n, "{a: " * n, "- " * n + "x",
                                                            "[" * n + "]" * n, '{"a":' * n])),
)


def _text_of(doc: str | bytes) -> str:
    return doc.decode("utf-8", "replace") if isinstance(doc, bytes) else doc


def check_problems(exc: KnowledgeBaseInvalid, doc: str | bytes, name: str = NAME) -> None:
    """Every problem names the file and a line (0: the whole file) that exists in it."""
    assert exc.problems, "an invalid knowledge base says what is wrong"
    last_line = len(_YAML_BREAK.findall(_text_of(doc))) + 1
    for p in exc.problems:
        assert isinstance(p, Problem)
        assert p.file == name
        assert isinstance(p.line, int) and not isinstance(p.line, bool)
        assert 0 <= p.line <= last_line, f"line {p.line} of a {last_line}-line document: {p}"
        assert isinstance(p.message, str) and p.message.strip()
        assert str(p).startswith(f"{name}:{p.line}: ")
    assert isinstance(str(exc), str)


def load_outcome(doc: str | bytes, name: str = NAME) -> KnowledgeBase | KnowledgeBaseInvalid:
    """load_text's result or its KnowledgeBaseInvalid; any other exception fails the test."""
    try:
        return load_text(doc, name)
    except KnowledgeBaseInvalid as exc:
        return exc


@settings(max_examples=1000, deadline=None, database=None, suppress_health_check=HEALTH)
@given(doc=yaml_documents)
@example(doc=VALID_YAML)
@example(doc=VALID_YAML.encode("utf-8-sig"))
@example(doc=VALID_YAML.encode("utf-16"))
@example(doc="")
@example(doc=b"\xff\xfe\x00")
@example(doc="!!python/object/apply:os.system ['echo pwned']")
@example(doc="entries: !!binary aGVsbG8=")
@example(doc="!!set {a, b}")
@example(doc="? [a, b]\n: c")
@example(doc="{.nan: 1, .nan: 2}")
@example(doc="entries:\n- id: x\n  id: y\n")
@example(doc="year: 0x" + "f" * 5000)
@example(doc="a: \x00")
@example(doc="---\na: 1\n---\nb: 2\n")
def test_any_yaml_document_is_a_knowledge_base_or_located_problems(doc):
    started = time.perf_counter()
    outcome = load_outcome(doc)
    elapsed = time.perf_counter() - started
    assert elapsed < LOAD_BOUND_S, f"load_text took {elapsed:.2f}s"
    event(f"outcome: {type(outcome).__name__}")
    if isinstance(outcome, KnowledgeBaseInvalid):
        check_problems(outcome, doc)
    else:
        assert isinstance(outcome, KnowledgeBase)
        # A loaded knowledge base survives its own round trip (what a revision stores).
        again = load_text(dump_yaml(outcome.to_data()), "again.yaml")
        assert again.content_hash() == outcome.content_hash()


def _lol(levels: int = 10, width: int = 10) -> str:
    lines = ['lol0: &lol0 "lol"']
    for i in range(1, levels):
        lines.append(f"lol{i}: &lol{i} [" + ", ".join([f"*lol{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


BILLION_LAUGHS = {
    "billion-laughs": _lol(),
    "billion-laughs-inside-an-entry": "entries:\n- id: x\n  title:\n    en: &a [" + ", ".join(["lol"] * 10) + "]\n"
                                      "  answer: {en: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]}\n",
    "merge-key": "base: &b {id: x, kind: fact}\nentries:\n- <<: *b\n  title: {en: t}\n",
    "alias-as-key": "a: &k x\n? *k\n: 1\n",
    "self-reference": "a: &a [*a]\n",
    "flow-aliases": "[&a lol, [*a, *a, *a, *a], " + ", ".join(["*a"] * 5000) + "]",
}


@pytest.mark.parametrize("doc", BILLION_LAUGHS.values(), ids=BILLION_LAUGHS.keys())
def test_alias_expansion_is_refused_in_bounded_time_and_memory(doc):
    tracemalloc.start()
    try:
        started = time.perf_counter()
        outcome = load_outcome(doc)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(outcome, KnowledgeBaseInvalid)
    check_problems(outcome, doc)
    assert any("aliases" in p.message for p in outcome.problems)
    assert elapsed < LOAD_BOUND_S
    assert peak < MEMORY_BOUND, f"peak {peak / 2**20:.1f} MiB"


_MEASURE = textwrap.dedent("""
    import json, sys, time
    from knowledge.loader import KnowledgeBaseInvalid, load_text

    def status(field):  # KiB, from the kernel's accounting of this process's own address space
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))

    doc = eval(sys.argv[1])
    try:  # reset the peak resident size (VmHWM) to the current size, where the kernel allows it
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    before = status("VmRSS")
    started = time.process_time()  # CPU time: the bound is on the work, not on the machine's load
    try:
        load_text(doc, "deep.yaml")
        outcome, problems = "KnowledgeBase", []
    except KnowledgeBaseInvalid as exc:
        outcome, problems = "KnowledgeBaseInvalid", [[p.file, p.line, p.message] for p in exc.problems]
    except BaseException as exc:
        outcome, problems = type(exc).__name__, [str(exc)[:300]]
    elapsed = time.process_time() - started
    grown = max(0, status("VmHWM") - before) * 1024  # peak growth (an upper bound if the reset failed)
    print(json.dumps({"outcome": outcome, "problems": problems, "elapsed": elapsed, "grown": grown}))
""")

DEEP = {
    "open-brackets": '"[" * 10000',
    "balanced-brackets": '"[" * 10000 + "]" * 10000',
    "flow-mappings": '"{a: " * 10000',
    "json-mappings": '\'{"a":\' * 10000 + "1" + "}" * 10000',
    "block-sequences": '"- " * 10000 + "x"',
    "indented-mappings": '"".join(" " * i + "a:\\n" for i in range(1000))',
}


@pytest.mark.parametrize("expr", DEEP.values(), ids=DEEP.keys())
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the resident size from /proc")
def test_deep_nesting_is_refused_in_bounded_time_and_memory(expr):
    """Measured in a fresh interpreter: the peak resident size (VmHWM) sees C-stack and allocator
    growth that tracemalloc would not, and tracemalloc slows PyYAML's scanner tenfold here."""
    run = subprocess.run([sys.executable, "-c", _MEASURE, expr], cwd=ROOT, capture_output=True, text=True,
                         check=False, timeout=60)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["outcome"] == "KnowledgeBaseInvalid", out
    assert any("nested too deeply" in p[2] for p in out["problems"]), out
    doc = eval(expr)
    check_problems(KnowledgeBaseInvalid([Problem(*p) for p in out["problems"]]), doc, "deep.yaml")
    assert out["elapsed"] < LOAD_BOUND_S, out
    assert out["grown"] < MEMORY_BOUND, out


OVERSIZED = {
    "bytes": ("entries: []\n#" + "a" * MAX_FILE_BYTES).encode(),
    "ascii-text": "entries: []\n#" + "a" * MAX_FILE_BYTES,
    "khmer-bytes": ("entries: []\n#" + "ក" * (MAX_FILE_BYTES // 3 + 1)).encode(),
    "huge-garbage-bytes": bytes(range(256)) * (MAX_FILE_BYTES // 256 + 1),
}


@pytest.mark.parametrize("doc", OVERSIZED.values(), ids=OVERSIZED.keys())
def test_oversized_document_is_refused_before_parsing(doc):
    assert len(doc.encode() if isinstance(doc, str) else doc) > MAX_FILE_BYTES
    started = time.perf_counter()
    outcome = load_outcome(doc)
    assert time.perf_counter() - started < LOAD_BOUND_S
    assert isinstance(outcome, KnowledgeBaseInvalid)
    check_problems(outcome, doc)
    assert [p.message for p in outcome.problems] == [f"file too large (over {MAX_FILE_BYTES // 1024} KiB)"]


def test_oversized_multibyte_text_is_refused_before_parsing():
    doc = "entries: []\n#" + "ក" * (MAX_FILE_BYTES // 3 + 1)  # 2 MiB + a few bytes in UTF-8, 0.7 M characters
    assert len(doc.encode("utf-8")) > MAX_FILE_BYTES
    outcome = load_outcome(doc)
    assert isinstance(outcome, KnowledgeBaseInvalid)
    assert "file too large" in outcome.problems[0].message


@pytest.mark.parametrize("doc", [b"year: " + b"9" * 4301,
                                 b"entries:\n- id: x\n  year: " + b"1" * 5000 + b"\n"], ids=["top", "in-entry"])
def test_huge_integer_is_a_located_problem_not_a_crash(doc):
    outcome = load_outcome(doc)
    assert isinstance(outcome, KnowledgeBaseInvalid)
    check_problems(outcome, doc)


# --- 3. forged callback data ------------------------------------------------------------------

def svc(app):
    return app.bot_data["services"]


def buttons(msg: dict) -> list[str]:
    return [b["callback_data"] for row in (msg.get("reply_markup") or {}).get("inline_keyboard", [])
            for b in row if "callback_data" in b]


def _cut(text: str, max_bytes: int = 64) -> str:
    """At most `max_bytes` of UTF-8 (Telegram's callback_data limit), never splitting a character."""
    return text.encode("utf-8")[:max_bytes].decode("utf-8", "ignore")


_POOLS = [
    "abcdefghijklmnopqrstuvwxyz0123456789-_:",
    "".join(map(chr, range(0x21, 0x7F))),
    ":::::::::0123456789-",
    "0123456789²³¹٣۴०๑１",  # str.isdigit() but not all int()-able
    "".join(KHMER_LETTERS + KHMER_MARKS + ZERO_WIDTH + BIDI),
    "".join(EMOJI) + "\x00\x01\x7f\u0085\u2028",
]


def _random_text(rng: random.Random, max_bytes: int) -> str:
    size = rng.randint(0, max_bytes)
    pool = rng.choice(_POOLS + ["any"])
    if pool == "any":
        chars = [chr(rng.choice([rng.randint(0x20, 0x7E), rng.randint(0xA0, 0xD7FF), rng.randint(0xE000, 0x10FFFF)]))
                 for _ in range(size)]
    else:
        chars = [rng.choice(pool) for _ in range(size)]
    return _cut("".join(chars), max_bytes)


def forged_callback_data(rng: random.Random, entry_ids: list[str], tokens: list[str], n: int = 200) -> list[str]:
    """~n deterministic forgeries: random 1-64-byte data, then every known prefix (evenly) with random
    or borrowed suffixes (real entry ids, other users' admin tokens), then every admin action on
    every real token."""
    def rand() -> str:
        return _random_text(rng, 60)

    def entry_id() -> str:
        return rng.choice([rng.choice(entry_ids), rng.choice(entry_ids).upper(), rng.choice(entry_ids) + "\u200b",
                           rng.choice(entry_ids)[:-1], rng.choice(entry_ids) + ":" + rand()])

    def token() -> str:
        return rng.choice([rng.choice(tokens), rng.choice(tokens) + rng.choice([":", "x", " ", ":apply", "\x00"]),
                           rng.choice(tokens).upper(), rng.choice(tokens)[:-1]])

    def page() -> str:
        return rng.choice(["0", "1", "-1", "99999999999999999999", "٣", "²", "1.5", "", "x", "0:0"])

    kinds = list(KIND_NAMES) + ["nosuchkind", "FACT", ""]
    families = {
        "lang": lambda: "lang:" + rng.choice(["km", "en", "fr", "xx", "KM", "km ", "", "en:fr", "../../etc/passwd",
                                              "%00", rand()]),
        "e": lambda: "e:" + rng.choice([entry_id, token, rand])(),
        "fb": lambda: "fb:" + rng.choice([
            lambda: f"{rng.choice(entry_ids)}:{rng.choice(['1', '-1', '0', '2', '+1', '1:1', '', '-1 ', '١', '¹'])}",
            lambda: f"{entry_id()}:{rng.choice(['1', '-1'])}", lambda: f"{token()}:1", rand])(),
        "t": lambda: "t:" + rng.choice([lambda: f"{rng.choice(kinds)}:{page()}", rand, lambda: ""])(),
        "h": lambda: "h:" + rng.choice(["ask", "yes", "no", "yes:1", "YES", "ask ", "", rand()]),
        "adm": lambda: (f"adm:{rng.choice(['apply', 'cancel', 'teach', 'dismiss', 'export', 'reload', ''])}:"
                        + rng.choice([token, entry_id, rand, lambda: ""])()),
        "odd": lambda: rng.choice(["ADM:apply:", " adm:apply:", "adm:apply", "adm:apply:adm:apply:", "adm::",
                                   "e", "fb", "t", "lang", "h:ask:", "E:", "\ufeffe:", ""]) + rng.choice([token, rand])(),
    }
    out: list[str] = []
    while len(out) < n // 4:
        data = _random_text(rng, 64)
        if data:
            out.append(data)
    names = sorted(families)
    while len(out) < n:
        data = _cut(families[names[len(out) % len(names)]]())
        if data:
            out.append(data)
    out += [f"adm:{action}:{token}" for token in tokens for action in ("apply", "cancel", "teach", "dismiss")]
    return out


def _state(app, api) -> dict:
    s = svc(app)
    return {
        "revision": s.live.revisions.current().id,
        "revision_hash": s.live.revisions.current().content_hash,
        "kb_hash": s.assistant.kb.content_hash(),
        "audit": s.audit.table.count,
        "dismissed": s.db["dismissed_questions"].count,
        "handover": s.db["handover"].count,
        "to_admin": len(api.sent_messages(ADMIN)),
        "documents": len(api.calls_to("sendDocument")),
    }


def _new_messages(api, chat_id: int) -> list[dict]:
    """Messages the bot sent (not edits) to a chat that Telegram accepted."""
    return [{**c.params, "message_id": c.response["result"]["message_id"]} for c in api.calls_to("sendMessage")
            if c.response and c.response.get("ok") and c.params.get("chat_id") == chat_id]


async def _send(api, user_id: int, text: str) -> dict:
    """Send a message or command; return the bot's next new message in that chat."""
    n = len(_new_messages(api, user_id))
    if text.startswith("/"):
        api.push_command(text, user_id=user_id)
    else:
        api.push_message(text, user_id=user_id)
    await api.wait_for(lambda s: len(_new_messages(s, user_id)) > n)
    return _new_messages(api, user_id)[n]


async def test_forged_callback_data_from_a_non_admin_has_no_side_effect(api, running):
    s = svc(running)
    # Lift the per-user flood limit so that every forgery reaches the handlers (the guard would
    # otherwise answer all but the first 20 without looking at them).
    running.bot_data["flood_guard"] = FloodGuard(max_messages=10**6)
    # Real pending admin work whose tokens the forger borrows: an upload, unanswered questions.
    await _send(api, USER, "How do I climb Mount Everest with a pizza?")
    data = s.assistant.kb.to_data()
    data["entries"].append(VALID_ENTRY)
    n = len(api.sent_messages(ADMIN))
    api.push_document("kb.yaml", dump_yaml(data).encode(), user_id=ADMIN)
    await api.wait_for(lambda a: len(a.sent_messages(ADMIN)) > n)
    upload_msg = api.sent_messages(ADMIN)[-1]
    assert "valid" in upload_msg["text"], upload_msg["text"]
    n = len(api.sent_messages(ADMIN))
    api.push_command("/unanswered", user_id=ADMIN)
    await api.wait_for(lambda a: any(b.startswith("adm:dismiss:") for m in a.sent_messages(ADMIN)[n:]
                                     for b in buttons(m)))
    admin_buttons = [b for m in api.sent_messages(ADMIN) for b in buttons(m) if b.startswith("adm:")]
    assert {b.split(":")[1] for b in admin_buttons} >= {"apply", "cancel", "dismiss"}, admin_buttons
    tokens = sorted({b.split(":")[2] for b in admin_buttons})
    pending = running.bot_data["admin_pending"]
    pending_before = (dict(pending.uploads), dict(pending.teach))

    before = _state(running, api)
    entry_ids = [e.id for e in s.assistant.kb.entries]
    forged = forged_callback_data(random.Random(1234), entry_ids, tokens)
    assert all(1 <= len(d.encode("utf-8")) <= 64 for d in forged)
    answered = len(api.calls_to("answerCallbackQuery"))
    user_sent = len(api.sent_messages(USER))
    # Each press is on its own bot message: pressing the same topics button twice on one message
    # is a (separate) known bug, see test_pressing_a_topics_button_twice_makes_no_invalid_call.
    for i, data in enumerate(forged):
        api.push_callback(data, user_id=USER, message_id=10_000 + i)
    await api.wait_for(lambda a: len(a.calls_to("answerCallbackQuery")) >= answered + len(forged), timeout=60)
    # Updates are handled one at a time: once /privacy (which no button leads to) is answered, every
    # press has been handled. Its language is whatever a forged "lang:" press chose.
    privacy = {esc(t("privacy", lang, days=s.config.retention_days)) for lang in LANGS}
    n = len(_new_messages(api, USER))
    api.push_command("/privacy", user_id=USER)
    await api.wait_for(lambda a: any(m["text"] in privacy for m in _new_messages(a, USER)[n:]))

    assert len(api.calls_to("answerCallbackQuery")) == answered + len(forged), "each press answered once"
    assert _state(running, api) == before
    assert (pending.uploads, pending.teach) == pending_before, "a non-admin consumed an admin's pending work"
    assert s.assistant.kb.get(VALID_ENTRY["id"]) is None
    valid = set(entry_ids)
    for row in s.db["feedback"].rows:
        assert row["entry_id"] in valid and row["vote"] in (1, -1), row
    # The user's own well-formed votes on real entries are the one allowed effect (and show that
    # the presses did reach the handlers).
    well_formed = {m[1] for d in forged if (m := re.fullmatch(r"fb:([a-z0-9-]+):(1|-1)", d)) and m[1] in valid}
    assert well_formed, "the forgeries include well-formed votes"
    assert well_formed <= {row["entry_id"] for row in s.db["feedback"].rows}
    for row in s.db["user_prefs"].rows:
        assert row["language"] in LANGS, row
    admin_words = ("Applied", "Cancelled", "Taught", "Dismissed", "revision", "no longer pending")
    for msg in api.sent_messages(USER)[user_sent:]:
        assert not any(w in msg["text"] for w in admin_words), msg["text"]
    assert api.errors == [], api.errors


async def _press(api, data: str, message_id: int, then: str | None = None) -> None:
    """Press a button; wait until the bot has answered it (and made one more `then` call)."""
    answered, after = len(api.calls_to("answerCallbackQuery")), len(api.calls_to(then)) if then else 0
    api.push_callback(data, user_id=USER, message_id=message_id)
    await api.wait_for(lambda a: len(a.calls_to("answerCallbackQuery")) > answered
                       and (then is None or len(a.calls_to(then)) > after))


async def test_pressing_a_topics_button_twice_makes_no_invalid_call(api, running):
    menu = await _send(api, USER, "/topics")
    first_kind = buttons(menu)[0]  # "t:<kind>:0"
    await _press(api, first_kind, menu["message_id"], then="editMessageText")
    edits = len(api.calls_to("editMessageText"))
    await _press(api, first_kind, menu["message_id"])  # the double tap: nothing to change
    await _send(api, USER, "visa")  # a later update, so the press has been handled
    assert len(api.calls_to("editMessageText")) == edits
    assert api.errors == [], api.errors


async def test_forged_page_number_does_not_crash_the_handler(api, running, caplog):
    caplog.set_level(logging.ERROR, logger="handlers.errors")
    await _press(api, "t:fact:²", 777)
    await _send(api, USER, "visa")  # updates are handled in order: the press is fully processed
    crashes = [r for r in caplog.records if r.name == "handlers.errors" and r.levelno >= logging.ERROR]
    assert crashes == [], crashes[0].exc_info[1] if crashes else None


# --- 4. the token stays secret ----------------------------------------------------------------

def test_config_str_and_repr_hide_the_token():
    token = "987654:AAH-very-SECRET_token_value"
    config = Config.from_env({"TELEGRAM_BOT_TOKEN": token, "HOME": "/tmp/x",
                              "DIASPORA_BOT_SECRET": "hmac-secret", "TELEGRAM_WEBHOOK_SECRET": "wh-secret"})
    assert config.require_token() == token
    for shown in (str(config), repr(config), f"{config}", f"{config!r}", str([config]), str({"c": config})):
        for secret in (token, token.split(":", 1)[1], "hmac-secret", "wh-secret"):
            assert secret not in shown


@pytest.fixture
def cli_logging():
    """The logging configuration of `diaspora-bot run`: bot.app.run() quiets httpx, whose INFO lines
    carry request URLs (and so the token); restored afterwards."""
    httpx_logger = logging.getLogger("httpx")
    level = httpx_logger.level
    httpx_logger.setLevel(logging.WARNING)
    yield
    httpx_logger.setLevel(level)


def test_run_quiets_the_loggers_that_would_print_the_token(api, tmp_path, monkeypatch):
    """What cli_logging assumes: bot.app.run() itself sets httpx to WARNING before serving."""
    from bot.app import run
    from tests.conftest import bot_env

    httpx_logger = logging.getLogger("httpx")
    level = httpx_logger.level
    httpx_logger.setLevel(logging.NOTSET)
    async def serve(*args, **kwargs):  # instead of polling until a signal
        return None
    monkeypatch.setattr("bot.app.serve", serve)
    try:
        assert run(Config.from_env(bot_env(api, tmp_path))) == 0
        assert httpx_logger.getEffectiveLevel() >= logging.WARNING
    finally:
        httpx_logger.setLevel(level)


async def test_bot_token_never_reaches_logs_or_messages(api, running, caplog, cli_logging):
    caplog.set_level(logging.DEBUG)  # the root logger: every library's debug output
    secret = api.token.split(":", 1)[1]
    await _send(api, USER, "How much does a passport cost for a migrant worker?")
    await _send(api, USER, "/nosuchcommand")
    api.fail_next("sendMessage", status=502)
    await _send(api, USER, "passport price")
    api.fail_next("getUpdates", status=500)
    await _send(api, USER, "Does Cambodia allow dual citizenship?")
    api.fail_next("getUpdates", status=502, times=2)
    await _send(api, USER, "/help")
    api.fail_next("sendMessage", drop=True)
    await _send(api, USER, "passport price")
    api.fail_next("answerCallbackQuery", status=400, description="Bad Request: query is too old")
    api.push_callback("t:", user_id=USER)
    api.fail_next("sendMessage", status=403, description="Forbidden: bot was blocked by the user")
    api.push_message("passport price", user_id=USER)
    await api.wait_for(lambda a: any((c.response or {}).get("error_code") == 403 for c in a.calls_to("sendMessage")))
    await _send(api, USER, "visa")
    assert any(r.levelno <= logging.DEBUG for r in caplog.records), "debug output was captured"
    assert any(r.levelno >= logging.WARNING for r in caplog.records), "the failures were logged"
    logged = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert api.token not in logged and secret not in logged
    for msg in api.sent_messages():
        assert secret not in msg["text"]
    assert api.errors == []


async def test_bot_token_is_redacted_without_the_cli_logging_setup(api, running, caplog):
    caplog.set_level(logging.INFO)
    await _send(api, USER, "passport price")
    assert api.token.split(":", 1)[1] not in caplog.text
