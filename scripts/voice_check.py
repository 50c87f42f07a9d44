#!/usr/bin/env python3
"""Transcribe audio files with the bot's speech settings: text, time, real-time factor, memory.

    .venv/bin/python scripts/voice_check.py [--model NAME_OR_FOLDER] FILE...

For admins to judge a model on their own recordings (OGG/Opus voice notes, MP3, WAV...) before
turning voice notes on. The model defaults to DIASPORA_BOT_VOICE_MODEL; the settings (Khmer,
int8, CPU threads, beam, token cap) are the bot's own, from bot/voice.py. The real-time factor is
transcription time / audio length (below 1: faster than real time). Prints figures only.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import voice  # noqa: E402
from bot.config import Config, ConfigError  # noqa: E402


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path, help="audio files")
    parser.add_argument("--model", help="model name or folder (default: DIASPORA_BOT_VOICE_MODEL)")
    args = parser.parse_args(argv)
    try:
        model = args.model or Config.from_env().voice_model
        if not model:
            raise ConfigError("no model: pass --model or set DIASPORA_BOT_VOICE_MODEL")
        if voice.looks_like_folder(model):
            voice.check_model_folder(Path(model).expanduser())
        if not voice.voice_extra_installed():
            raise ConfigError('the voice extra is not installed: pip install "diaspora-bot[voice]"')
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    t0 = time.perf_counter()
    import faster_whisper  # noqa: F401 - timed apart from the model load
    imported = time.perf_counter() - t0
    transcriber = voice.WhisperTranscriber(model)
    t0 = time.perf_counter()
    transcriber.load()
    print(f"model:    {model} (loaded in {time.perf_counter() - t0:.2f} s after {imported:.2f} s importing "
          f"faster-whisper; {voice.COMPUTE_TYPE}, {voice.CPU_THREADS} CPU threads, beam {voice.BEAM_SIZE}, "
          f"language {voice.LANGUAGE})")
    failed = 0
    for path in args.files:
        try:
            data = path.read_bytes()
            seconds = voice.decode_audio(data).size / voice.SAMPLE_RATE
            t0 = time.perf_counter()
            text = transcriber.transcribe(data)
            took = time.perf_counter() - t0
        except (OSError, voice.AudioUnreadable, voice.VoiceTooLong) as exc:
            print(f"{path}: cannot transcribe: {exc or type(exc).__doc__}")
            failed += 1
            continue
        print(f"{path}: {seconds:.1f} s of audio, transcribed in {took:.2f} s "
              f"(real-time factor {took / seconds:.2f})\n    {text or '(no words heard)'}")
    print(f"peak RSS: {peak_rss_mb():.0f} MB")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
