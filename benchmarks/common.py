"""What every benchmark starts with: the sample, one core, and a --docs argument."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

REPO = Path(__file__).parents[1]
SAMPLE = REPO / "examples" / "guangzhou-psb-targets.txt"


def pin_to_one_core() -> None:
    """Run on one core (the last: the first takes more of the machine's interrupts)."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})


def arguments(docs: int = 1000, **more: tuple[type, object]) -> argparse.Namespace:
    """`--docs N` and any further `--name` options, parsed; pins the process to one core."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=docs)
    for name, (kind, default) in more.items():
        parser.add_argument(f"--{name}", type=kind, default=default)
    args = parser.parse_args()
    pin_to_one_core()
    return args
