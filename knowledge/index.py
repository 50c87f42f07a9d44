"""Typo candidates from a precomputed index instead of a scan of the vocabulary per word.

`SimilarWords.extract(token, cutoff, limit)` returns exactly what
`rapidfuzz.process.extract(token, words, scorer=fuzz.ratio, score_cutoff=cutoff, limit=limit)`
returns, but compares the token with the few words that can reach the cutoff rather than with
all of them.

The filter is the q-gram lemma (Ukkonen 1992): two strings within edit distance d share at least
max(|a|, |b|) - q + 1 - d*q of their q-grams (counted with repetition). fuzz.ratio is the Indel
similarity, 100 * (1 - indel / (|a| + |b|)), and the Indel distance is at least the edit distance,
so a ratio >= cutoff bounds d, hence a least number of shared bigrams and a range of lengths.
Only words that pass both bounds are scored, by rapidfuzz, in the vocabulary's order (which is how
rapidfuzz breaks ties), so the candidates and their similarities are the same; no candidate is
lost, long Khmer words included. When the bound says nothing (never for the cutoffs the matcher
uses, but kept for any caller), every word of the length range is scored.

The index is three numpy arrays (bigram keys in one CSR posting array), built once per revision.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
from collections import Counter

import numpy as np
from rapidfuzz import fuzz, process

from .building import paused_gc

Q = 2


def _grams(word: str) -> list[str]:
    """The word's bigrams, the k-th repetition of a bigram kept apart ("ab", "ab\x001") so that
    counting shared keys counts shared bigrams with repetition."""
    seen: dict[str, int] = {}
    out = []
    for i in range(len(word) - Q + 1):
        g = word[i:i + Q]
        k = seen.get(g, 0)
        seen[g] = k + 1
        out.append(g if not k else f"{g}\0{k}")
    return out


def narrow(values: np.ndarray) -> np.ndarray:
    """Non-negative integers in the smallest unsigned type that holds the largest of them (int64
    past uint32, which numpy takes wherever an index is expected without an unsafe cast).

    Arithmetic on the result stays in its type (uint16 + uint16 wraps): callers index with these
    values or compare them, and cast before any sum or difference that could leave the range."""
    top = int(values.max()) if len(values) else 0
    for dtype in (np.uint8, np.uint16, np.uint32):
        if top <= np.iinfo(dtype).max:
            return values.astype(dtype, copy=False)
    return values.astype(np.int64, copy=False)


def _pointers(counts: np.ndarray) -> np.ndarray:
    """The CSR offsets of rows of the given lengths (one more than rows, starting at 0), narrow."""
    out = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=out[1:])
    return narrow(out)


class SimilarWords:
    """A bigram index over a sorted list of words, for `fuzz.ratio` look-ups with a cutoff."""

    def __init__(self, words: list[str], stored: tuple[dict[str, np.ndarray], list[str]] | None = None):
        self.words = words
        if stored is not None:  # (arrays, keys) as `stored()` gave them
            arrays, grams = stored
            self.lengths, self._ids, self._indptr = arrays["sim_lengths"], arrays["sim_ids"], arrays["sim_indptr"]
            self._keys = {g: i for i, g in enumerate(grams)}
            if not (len(self.lengths) == len(words) and len(self._indptr) == len(grams) + 1
                    and self._indptr[-1] == len(self._ids) and (not len(self._ids) or self._ids.max() < len(words))):
                raise IndexUnreadable("the stored typo index does not fit its words")
            return
        self.lengths = narrow(np.fromiter((len(w) for w in words), dtype=np.int64, count=len(words)))
        keys: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        for i, word in enumerate(words):
            for g in _grams(word):
                rows.append(keys.setdefault(g, len(keys)))
                cols.append(i)
        rows_a = np.array(rows, dtype=np.int32)
        order = np.argsort(rows_a, kind="stable")  # word ids stay ascending within a key
        self._keys = keys
        self._ids = narrow(np.array(cols, dtype=np.int64)[order])
        self._indptr = _pointers(np.bincount(rows_a, minlength=len(keys)))

    def stored(self) -> tuple[dict[str, np.ndarray], list[str]]:
        """The arrays and bigram keys to store (see the `stored` argument)."""
        return {"sim_lengths": self.lengths, "sim_ids": self._ids, "sim_indptr": self._indptr}, list(self._keys)

    def candidates(self, token: str, cutoff: float) -> np.ndarray:
        """Ids (ascending) of the words whose fuzz.ratio with `token` may reach `cutoff`."""
        n = len(token)
        if not len(self.words):
            return np.zeros(0, dtype=np.int32)
        slack = 1.0 - cutoff / 100.0
        # |n - m| <= indel <= slack * (n + m)
        lo = math.ceil(n * (1 - slack) / (1 + slack) - 1e-9) if slack < 1 else 0
        hi = math.floor(n * (1 + slack) / (1 - slack) + 1e-9) if slack < 1 else max(int(self.lengths.max()), n)
        m = np.arange(lo, hi + 1)
        d = np.floor(slack * (n + m) + 1e-9)
        need = np.maximum(n, m) - Q + 1 - d * Q  # shared bigrams needed, by word length
        parts = [self._ids[self._indptr[k]:self._indptr[k + 1]]
                 for k in (self._keys.get(g) for g in _grams(token)) if k is not None]
        shared = np.bincount(np.concatenate(parts), minlength=len(self.words)) if parts else \
            np.zeros(len(self.words), dtype=np.int64)
        lengths = self.lengths
        in_range = (lengths >= lo) & (lengths <= hi)
        need_of = np.full(len(self.words), 1 << 30, dtype=np.int64)
        need_of[in_range] = need[lengths[in_range].astype(np.int64) - lo]  # narrow: lo may exceed its type
        ok = in_range & (shared >= need_of)
        # A bound of zero or less filters nothing: every word of such a length may qualify.
        ok |= in_range & (need_of <= 0)
        return np.flatnonzero(ok)

    def extract(self, token: str, cutoff: float, limit: int) -> list[tuple[str, float]]:
        """The words with fuzz.ratio >= cutoff, best first (ties in the words' order), at most `limit`."""
        ids = self.candidates(token, cutoff)
        if not len(ids):
            return []
        choices = [self.words[i] for i in ids.tolist()]
        return [(w, s) for w, s, _ in process.extract(token, choices, scorer=fuzz.ratio,
                                                       score_cutoff=cutoff, limit=limit)]


K1, B = 1.2, 0.75  # BM25


BLOCK = 1 << 16  # pairs per step of the build's vectorised passes (bounded temporaries)


class _Spilled:
    """Integers gathered in an array.array and moved, a block at a time, into narrow numpy parts:
    a build holds 1 or 2 bytes per token id or count instead of 4."""

    def __init__(self, code: str):
        from array import array
        self.buffer = array(code)
        self.parts: list[np.ndarray] = []
        self.spilled = 0  # values moved to parts

    def spill(self) -> None:
        self.parts.append(narrow(np.frombuffer(self.buffer, dtype=np.dtype(self.buffer.typecode))))
        self.spilled += len(self.buffer)
        del self.buffer[:]

    def take(self, remap: np.ndarray | None = None) -> np.ndarray:
        """All the values (through `remap`, where given) in one narrow array; the parts let go."""
        self.spill()
        parts, self.parts = self.parts, []
        if remap is not None:
            for i, part in enumerate(parts):
                parts[i] = remap[part]
        return narrow(np.concatenate(parts))


def _grouped(keys: np.ndarray, n_keys: int, *columns: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """The CSR offsets of `keys` (each below n_keys) and each column reordered by key, stably: what
    indexing with np.argsort(keys, kind="stable") gives, made a block at a time, so that no
    permutation of the full length (at 10,000 entries, 16 MB of int64) is ever held."""
    counts = np.bincount(keys, minlength=n_keys)
    ptr = _pointers(counts)
    cursor = ptr[:-1].astype(np.int64)  # the next free place of each key
    out = [np.empty(len(keys), dtype=c.dtype) for c in columns]
    for a in range(0, len(keys), BLOCK):
        order = np.argsort(keys[a:a + BLOCK], kind="stable")
        block = keys[a:a + BLOCK][order]
        here = np.bincount(block, minlength=n_keys)
        first = np.cumsum(here) - here  # where each key's run starts in the sorted block
        to = cursor[block] + (np.arange(len(block)) - first[block])
        for column, grouped in zip(columns, out):
            grouped[to] = column[a:a + BLOCK][order]
        cursor += here
    return ptr, out


def _phrasing_weights(idf: np.ndarray, toks: np.ndarray, ptr: np.ndarray) -> np.ndarray:
    """Each phrasing's summed IDF, added position by position: the same additions, in the same
    order, as sum() over each phrasing (float64, like the IDFs). A block of phrasings at a time,
    so that loading an index holds no temporary of all the phrasings' length."""
    weights = np.zeros(len(ptr) - 1, dtype=np.float64)
    for a in range(0, len(weights), BLOCK):
        starts = ptr[a:a + BLOCK + 1]
        sizes = np.diff(starts)
        block = weights[a:a + BLOCK]
        for pos in range(int(sizes.max()) if len(sizes) else 0):
            longer = np.flatnonzero(sizes > pos)
            block[longer] += idf[toks[starts[longer] + pos]]  # a position inside the array: no wrap
    return weights


class EntryIndex:
    """The index of one knowledge-base revision, in a few flat numpy arrays.

    Tokens are interned as ids into `vocab` (sorted). Per token: its IDF, its postings over all
    fields (entry ids and BM25 weights in one CSR array, the entries that have it in a title,
    question or keyword first, then the others, each part in entry order), and the phrasings that
    contain it. Per entry: its token ids with their counts and its range of phrasings; per
    phrasing: its token ids and the index of its factor in `factors` (titles, names, questions
    and keywords have a handful of factors). Each integer array has the narrowest unsigned type its
    values fit (at 10,000 entries, entry and token ids are 16 bits). What is cheap to derive is not
    stored: each phrasing's entry and IDF weight, the words of short fields. A 10,000-entry index
    holds about 20,000 strings and about 25 MB of numbers instead of a million Python objects.
    """

    ARRAYS = ("idf", "post_ptr", "post_ids", "post_w", "post_nshort", "ent_ptr", "ent_toks", "ent_tf",
              "phr_entry_ptr", "phr_tok_ptr", "phr_toks", "phr_kind", "factors", "tp_ptr", "tp_ids")

    def __init__(self, arrays: dict[str, np.ndarray], vocab: list[str]):
        self.arrays = {name: arrays[name] for name in self.ARRAYS}
        self.vocab = vocab
        for name, value in self.arrays.items():
            setattr(self, name, value)
        self.n_entries = len(self.ent_ptr) - 1
        self._check_structure()
        self.ids = {w: i for i, w in enumerate(vocab)}
        self.idf_list: list[float] = self.idf.tolist()
        self.phr_entry = np.repeat(narrow(np.arange(self.n_entries)), np.diff(self.phr_entry_ptr))
        self.phr_weight = _phrasing_weights(self.idf, self.phr_toks, self.phr_tok_ptr)

    def _check_structure(self) -> None:
        """Raise IndexUnreadable unless the arrays fit together (so that deriving from them is safe)."""
        v, p, n = len(self.vocab), len(self.phr_tok_ptr) - 1, self.n_entries

        def below(a: np.ndarray, bound: int) -> bool:
            return a.dtype.kind in "ui" and (not len(a) or (int(a.min()) >= 0 and int(a.max()) < bound))

        def pointers(ptr: np.ndarray, rows: int, total: int) -> bool:
            return (ptr.dtype.kind in "ui" and len(ptr) == rows + 1 and int(ptr[0]) == 0
                    and int(ptr[-1]) == total and bool((ptr[1:] >= ptr[:-1]).all()))
        ok = (n >= 0 and p >= 0 and len(self.idf) == v
              and pointers(self.post_ptr, v, len(self.post_ids)) and len(self.post_w) == len(self.post_ids)
              and len(self.post_nshort) == v and bool((self.post_nshort <= np.diff(self.post_ptr)).all())
              and pointers(self.ent_ptr, n, len(self.ent_toks)) and len(self.ent_tf) == len(self.ent_toks)
              and pointers(self.phr_entry_ptr, n, p) and pointers(self.phr_tok_ptr, p, len(self.phr_toks))
              and pointers(self.tp_ptr, v, len(self.tp_ids)) and len(self.phr_kind) == p
              and below(self.post_ids, n) and below(self.ent_toks, v) and below(self.phr_toks, v)
              and below(self.tp_ids, p) and below(self.phr_kind, len(self.factors)))
        if not ok:
            raise IndexUnreadable("the stored index does not fit together")

    def check(self, n_entries: int) -> None:
        """Raise IndexUnreadable unless the index is of `n_entries` entries (a stored index read back)."""
        if self.n_entries != n_entries:
            raise IndexUnreadable("the stored index is of another number of entries")

    @classmethod
    def build(cls, entries) -> "EntryIndex":
        """From, per entry, (phrasings as (tokens, factor), tokens of the answers)."""
        with paused_gc():  # `entries` is often a generator that tokenises as it goes
            return cls._build(entries)

    @classmethod
    def _build(cls, entries) -> "EntryIndex":
        from array import array
        ids: dict[str, int] = {}
        # Per (entry, token) pair: the token, its count, whether a phrasing has it; entries in order.
        toks, tfs, shorts, words = _Spilled("i"), _Spilled("i"), _Spilled("b"), _Spilled("i")
        pair_tok, pair_tf, pair_short, phr_toks = toks.buffer, tfs.buffer, shorts.buffer, words.buffer
        ent_ptr, ent_length = array("q", [0]), array("q")
        phr_entry_ptr, phr_tok_ptr, phr_factor = array("q", [0]), array("q", [0]), array("d")
        for phrasings, answer in entries:
            counts: dict[int, int] = {}
            short: set[int] = set()
            for tokens, factor in phrasings:
                ks = [ids.setdefault(t, len(ids)) for t in tokens]
                phr_toks.extend(ks)
                for k in ks:
                    counts[k] = counts.get(k, 0) + 1
                short.update(ks)
                phr_tok_ptr.append(words.spilled + len(phr_toks))
                phr_factor.append(factor)
            for t, tf in Counter(answer).items():  # counted in C; first occurrences keep their order
                k = ids.setdefault(t, len(ids))
                counts[k] = counts.get(k, 0) + tf
            pair_tok.extend(counts.keys())
            pair_tf.extend(counts.values())
            pair_short.extend(map(short.__contains__, counts))
            ent_ptr.append(toks.spilled + len(pair_tok))
            ent_length.append(sum(counts.values()))
            phr_entry_ptr.append(len(phr_factor))
            if len(pair_tok) >= BLOCK:
                toks.spill(), tfs.spill(), shorts.spill()
            if len(phr_toks) >= BLOCK:
                words.spill()
        n = len(ent_length)
        vocab = sorted(ids)
        remap = np.empty(len(ids), dtype=np.int64)
        remap[[ids[w] for w in vocab]] = np.arange(len(vocab))
        remap = narrow(remap)
        del ids
        ent_ptr_a = narrow(np.array(ent_ptr, dtype=np.int64))
        del ent_ptr
        p_tok, p_tf, p_short, ph_toks = toks.take(remap), tfs.take(), shorts.take().view(bool), words.take(remap)
        ph_tok_ptr = narrow(np.array(phr_tok_ptr, dtype=np.int64))
        del phr_tok_ptr
        p_entry = np.repeat(narrow(np.arange(n)), np.diff(ent_ptr_a))
        df = np.bincount(p_tok, minlength=len(vocab)).tolist()
        n_ = max(n, 1)
        idf_list = [math.log(1 + n_ / d) for d in df]
        idf = np.array(idf_list, dtype=np.float64)
        # By token, the entries with it in a short field first (a slice, where a mask would cost a
        # byte per posting), then the others, each part in entry order: grouped by token * 2 + 1
        # for a posting outside short fields.
        key = p_tok.astype(narrow(np.array([2 * len(vocab)])).dtype)
        key *= 2
        key += ~p_short
        del p_short
        key_ptr, (post_ids, post_tf) = _grouped(key, 2 * len(vocab), p_entry, p_tf)
        del key, p_entry
        post_ptr = key_ptr[0::2].copy()
        post_nshort = narrow(np.diff(key_ptr)[0::2])
        # BM25 weights, as idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / average length)),
        # in the same order of operations (the same float results), a block of postings at a time.
        lengths = ent_length.tolist()
        avg = sum(lengths) / n_ if lengths else 1.0
        norm = np.array([K1 * (1 - B + B * length / avg) for length in lengths], dtype=np.float64)
        post_tok = np.repeat(narrow(np.arange(len(vocab))), np.diff(post_ptr))
        post_w = np.empty(len(post_ids), dtype=np.float32)
        for a in range(0, len(post_ids), BLOCK):
            tf = post_tf[a:a + BLOCK].astype(np.float64)
            weight64 = idf[post_tok[a:a + BLOCK]]
            weight64 *= tf
            weight64 *= K1 + 1
            denominator = norm[post_ids[a:a + BLOCK]]
            denominator += tf
            weight64 /= denominator
            post_w[a:a + BLOCK] = weight64
        del post_tok, post_tf
        # The phrasings containing each token (ascending).
        phr_of = np.repeat(narrow(np.arange(len(ph_tok_ptr) - 1)), np.diff(ph_tok_ptr))
        tp_ptr, (tp_ids,) = _grouped(ph_toks, len(vocab), phr_of)
        del phr_of
        factors, phr_kind = np.unique(np.frombuffer(phr_factor, dtype=np.float64), return_inverse=True)
        arrays = {
            "idf": idf, "post_ptr": post_ptr, "post_ids": post_ids, "post_w": post_w, "post_nshort": post_nshort,
            "ent_ptr": ent_ptr_a, "ent_toks": p_tok, "ent_tf": p_tf,
            "phr_entry_ptr": narrow(np.frombuffer(phr_entry_ptr, dtype=np.int64)).copy(),
            "phr_tok_ptr": ph_tok_ptr, "phr_toks": ph_toks, "phr_kind": narrow(phr_kind.reshape(-1)),
            "factors": factors, "tp_ptr": tp_ptr, "tp_ids": tp_ids,
        }
        return cls(arrays, vocab)

    def row(self, e: int) -> tuple[list[tuple[tuple[str, ...], float]], list[str]]:
        """Entry e's (phrasings, answer tokens) such that `build` makes the same index of them as
        of the row it was given: the phrasings as they were, the answer's tokens in the order of
        their first occurrence, each as often as it occurred (a new revision re-uses the rows of
        its unchanged entries instead of tokenising them again)."""
        e = int(e)
        vocab = self.vocab
        phrasings = []
        seen: Counter = Counter()
        for k in range(int(self.phr_entry_ptr[e]), int(self.phr_entry_ptr[e + 1])):
            toks = self.phrasing(k)
            seen.update(toks)
            phrasings.append((tuple(vocab[t] for t in toks), self.factor(k)))
        a, b = self.ent_ptr[e], self.ent_ptr[e + 1]
        answer: list[str] = []
        for t, tf in zip(self.ent_toks[a:b].tolist(), self.ent_tf[a:b].tolist()):
            answer.extend([vocab[t]] * (tf - seen[t]))
        return phrasings, answer

    def postings(self, t: int) -> tuple[np.ndarray, np.ndarray, slice]:
        """Entry ids and BM25 weights of token id t, and the part of them (a slice) where the entry
        has the token in a title, question or keyword."""
        t = int(t)  # a numpy id of a narrow type would wrap at t + 1
        a, b = int(self.post_ptr[t]), int(self.post_ptr[t + 1])
        return self.post_ids[a:b], self.post_w[a:b], slice(0, int(self.post_nshort[t]))

    def words_of(self, e: int) -> set[str]:
        """The words of entry e (all fields)."""
        e = int(e)
        return {self.vocab[t] for t in self.ent_toks[self.ent_ptr[e]:self.ent_ptr[e + 1]].tolist()}

    def topic_words(self) -> list[str]:
        """The words of titles, questions and keywords, sorted."""
        return [self.vocab[t] for t in np.flatnonzero(self.post_nshort).tolist()]

    def phrasings_with(self, tokens, entries: np.ndarray) -> dict[int, list[int]]:
        """For each of `entries` (a boolean mask), the ids of its phrasings that contain any of `tokens`."""
        parts = [self.tp_ids[self.tp_ptr[t]:self.tp_ptr[t + 1]] for t in tokens]
        if not parts:
            return {}
        phr = np.concatenate(parts)
        phr = np.sort(phr[entries[self.phr_entry[phr]]])
        out: dict[int, list[int]] = {}
        last = -1
        for k, e in zip(phr.tolist(), self.phr_entry[phr].tolist()):
            if k != last:  # a phrasing with several of the tokens comes once
                out.setdefault(e, []).append(k)
                last = k
        return out

    def phrasing(self, k: int) -> list[int]:
        k = int(k)
        return self.phr_toks[self.phr_tok_ptr[k]:self.phr_tok_ptr[k + 1]].tolist()

    def factor(self, k: int) -> float:
        """Phrasing k's factor (a title's, a name's, a question's or a keyword's)."""
        return float(self.factors[self.phr_kind[k]])


# --- persistence -----------------------------------------------------------------------------

FORMAT_VERSION = "diaspora-bot-index-3"
KEEP_CACHED = 3  # index files kept in a cache folder (the newest by use)
_CODE = ("text.py", "index.py", "matcher.py", "romanize.py", "scope.py")


class IndexUnreadable(Exception):
    """A stored index cannot be used (missing, corrupt, or of another format)."""


def _code_digest() -> bytes:
    """What the index depends on besides the data: this code and the segmenter's version."""
    import khmercut
    from pathlib import Path
    digest = hashlib.sha256(FORMAT_VERSION.encode())
    here = Path(__file__).parent
    for name in _CODE:
        digest.update((here / name).read_bytes())
    digest.update(str(getattr(khmercut, "__version__", "")).encode())
    digest.update(np.__version__.encode())
    return digest.digest()


def index_key(content_hash: str, synonyms, calibration) -> str:
    """The name of a revision's stored index: its content, synonyms, calibration and the code."""
    digest = hashlib.sha256(_code_digest())
    digest.update(content_hash.encode())
    digest.update(json.dumps(synonyms, sort_keys=True, ensure_ascii=False, default=list).encode())
    digest.update(repr(calibration).encode())
    return digest.hexdigest()[:32]


def _pack_words(words) -> np.ndarray:
    return np.frombuffer("\n".join(words).encode("utf-8"), dtype=np.uint8)


def _unpack_words(data: np.ndarray) -> list[str]:
    text = data.tobytes().decode("utf-8")
    return text.split("\n") if text else []


def _write_npz(f, data: dict[str, np.ndarray]) -> None:
    """What np.savez writes (np.load reads it), without its copy of each array of up to 16 MB on the
    way to the file: each array's bytes are written from its own memory, a megabyte at a time."""
    import zipfile
    with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, value in data.items():
            value = np.ascontiguousarray(value)
            with zf.open(f"{name}.npy", "w", force_zip64=True) as out:
                np.lib.format.write_array_header_1_0(out, np.lib.format.header_data_from_array_1_0(value))
                raw = memoryview(value.reshape(-1).view(np.uint8))
                for at in range(0, len(raw), 1 << 20):
                    out.write(raw[at:at + (1 << 20)])


def save_arrays(path, arrays: dict[str, np.ndarray], words: dict[str, list[str]]) -> None:
    """Write arrays and word lists to one .npz file, atomically (a reader never sees half a file)."""
    import os
    import tempfile
    from pathlib import Path
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = dict(arrays)
    data.update({f"words.{name}": _pack_words(w) for name, w in words.items()})
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as f:
            _write_npz(f, data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def load_arrays(path) -> tuple[dict[str, np.ndarray], dict[str, list[str]]]:
    """The arrays and word lists of a .npz file written by save_arrays (no pickles are read)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except Exception as exc:  # a missing, truncated or foreign file: rebuilt by the caller
        raise IndexUnreadable(f"{path}: {exc}") from exc
    words = {name[6:]: _unpack_words(arrays.pop(name)) for name in list(arrays) if name.startswith("words.")}
    return arrays, words


def prune(folder, keep: int = KEEP_CACHED) -> None:
    """Delete all but the `keep` most recently used index files of a cache folder."""
    from pathlib import Path
    files = sorted(Path(folder).glob("*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[keep:]:
        with contextlib.suppress(OSError):
            old.unlink()
