"""Scoring every project of generated documents, on one core: indicators per second.

    .venv/bin/python benchmarks/bench_scoring.py [--docs 1000]

Documents and their actuals are generated first (not timed); then `score_document`
with the central profile.
"""

from __future__ import annotations

import time

from rich.progress import track

from common import SAMPLE, arguments
from jixiao.evaluation import load_profile, score_document
from jixiao.readers import read
from jixiao.synthetic import generate_actuals, generate_document


def main() -> None:
    args = arguments()
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
