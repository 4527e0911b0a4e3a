"""Scoring every project of generated documents, on one core: indicators per second.

    .venv/bin/python benchmarks/bench_scoring.py [--docs 1000]

Documents and their actuals are generated first (not timed); then `score_document`
with the central profile.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from rich.progress import track

from jixiao.evaluation import load_profile, score_document
from jixiao.readers import read
from jixiao.synthetic import generate_actuals, generate_document

SAMPLE = Path(__file__).parents[1] / "examples" / "guangzhou-psb-targets.txt"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=1000)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})
    pool = read(SAMPLE)
    pairs = []
    for seed in track(range(args.docs), description="generating"):
        doc = generate_document(pool, seed)
        pairs.append((doc, generate_actuals(doc, seed)))
    profile = load_profile("central")
    score_document(*pairs[0], profile)  # warm the caches
    start = time.perf_counter()
    indicators = 0
    for doc, actuals in pairs:
        for s in score_document(doc, actuals, profile):
            indicators += len(s.indicators)
    seconds = time.perf_counter() - start
    print(f"{args.docs} documents, {indicators:,} indicators scored, one core")
    print(f"scoring  {indicators / seconds:10,.0f} indicators/s  ({args.docs / seconds:.0f} "
          "documents/s)")


if __name__ == "__main__":
    main()
