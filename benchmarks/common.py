"""What every benchmark starts with: the sample, one core, and a --docs argument."""

from __future__ import annotations

import argparse
import os
import random
from collections.abc import Callable
from pathlib import Path

from jixiao.model import Document

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


def write_corpus(folder: Path, count: int, make: Callable[[Document, int], Document],
                 prefix: str) -> tuple[int, int]:
    """Write `count` tables, `make(sample, seed)` each, as PDF-to-text output of varied
    layouts (kept between runs: only missing files are written); (projects, indicators)."""
    from rich.progress import track

    from jixiao.readers import read
    from jixiao.writers.text import TextLayout, render_text

    folder.mkdir(parents=True, exist_ok=True)
    pool = read(SAMPLE)
    projects = indicators = 0
    for seed in track(range(count), description=f"generating {count} documents"):
        doc = make(pool, seed)
        projects += len(doc.projects)
        indicators += sum(len(p.indicators) for p in doc.projects)
        path = folder / f"{prefix}{seed:05d}.txt"
        if not path.exists():
            rng = random.Random(seed)
            layout = TextLayout(name_width=rng.randint(14, 22), goal_width=rng.randint(22, 30),
                                item_width=rng.choice((None, 40, 60)),
                                lines_per_page=rng.randint(200, 300))
            path.write_text(render_text(doc, layout), encoding="utf-8")
    return projects, indicators
