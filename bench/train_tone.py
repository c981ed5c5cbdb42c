"""Train the shipped tone model on the shared calibration data and write it to the package.

    .venv/bin/python bench/train_tone.py [--data ../shared/data]

Needs scikit-learn (dev only). Trains on every labelled incivility comment plus the first
(older) half of the Gitter normal chat; the toxicity set and the second half of Gitter are
never trained on, so `bench/quality.py` can use them as held-out test sets.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.quality.train import gitter_split, train_tone  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"
OUT = ROOT / "bot" / "core" / "models_data" / "tone.json"


def read_jsonl(path: Path) -> list[dict]:
    """Every JSON object of a JSONL file."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def main() -> None:
    """Train on the full labelled set and write `bot/core/models_data/tone.json`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    incivility = read_jsonl(args.data / "incivility-github" / "dev.jsonl")
    chat_train, _ = gitter_split(read_jsonl(args.data / "gitter-chat" / "docker.jsonl"))
    model = train_tone(
        incivility,
        chat_train,
        meta={"trained_on": "incivility-github/dev.jsonl (all), gitter-chat/docker.jsonl (first half)"},
    )
    args.out.write_text(json.dumps(model.to_json(), separators=(",", ":"), sort_keys=True) + "\n")
    size = args.out.stat().st_size
    print(f"wrote {args.out} ({len(model.word_weights)} word + {len(model.char_weights)} char "
          f"weights, {size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
