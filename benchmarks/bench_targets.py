"""Targets parsed per second on one core, over every target of generated documents.

    .venv/bin/python benchmarks/bench_targets.py [--docs 1000]

Generated documents borrow their indicators from the sample, so their ≈ 530,000 targets
repeat the sample's 173 forms. `parse` keeps a cache (tables repeat targets, across
documents too), so two figures are reported: the grammar itself (cache bypassed, every
target parsed from scratch) and `parse` as the library calls it.
"""

from __future__ import annotations

import time

from common import SAMPLE, arguments
from jixiao.readers import read
from jixiao.synthetic import generate_document
from jixiao.targets import parse


def main() -> None:
    args = arguments()
    pool = read(SAMPLE)
    targets = [i.target for seed in range(args.docs)
               for _, i in generate_document(pool, seed).iter_indicators()]
    uncached = parse.__wrapped__
    start = time.perf_counter()
    for text in targets:
        uncached(text)
    grammar = time.perf_counter() - start
    parse.cache_clear()
    start = time.perf_counter()
    for text in targets:
        parse(text)
    cached = time.perf_counter() - start
    print(f"{len(targets):,} targets of {args.docs} generated documents "
          f"({len(set(targets))} distinct), one core")
    print(f"grammar, no cache   {len(targets) / grammar:12,.0f} targets/s "
          f"({grammar / len(targets) * 1e6:.1f} µs each)")
    print(f"parse(), cached     {len(targets) / cached:12,.0f} targets/s")


if __name__ == "__main__":
    main()
