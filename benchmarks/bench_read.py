"""Time the text reader on the bundled sample (one core). Prints the median and spread.

    .venv/bin/python benchmarks/bench_read.py [--runs 300]

No peer tool reads this format; as a floor, the same run times what any reader must do
anyway (decode the bytes and split the lines), and reports the reader as a multiple of it.
"""

from __future__ import annotations

import argparse
import statistics
import time

from common import SAMPLE, pin_to_one_core
from jixiao.readers.decode import decode_text
from jixiao.readers.text import read_text_bytes


def timed(fn, runs: int) -> list[float]:
    fn()  # warm up (regex compilation, imports)
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=300)
    args = ap.parse_args()
    pin_to_one_core()
    data = SAMPLE.read_bytes()
    doc = read_text_bytes(data, SAMPLE.name)
    reader = timed(lambda: read_text_bytes(data, SAMPLE.name), args.runs)
    floor = timed(lambda: decode_text(data)[0].split("\n"), args.runs)
    med, floor_med = statistics.median(reader), statistics.median(floor)
    q = statistics.quantiles(reader, n=20)
    print(f"sample: {SAMPLE.name}, {len(data):,} bytes, {len(doc.projects)} projects, "
          f"{sum(len(p.indicators) for p in doc.projects)} indicators; {args.runs} runs, one core")
    print(f"text reader   median {med * 1e3:6.2f} ms   p5 {q[0] * 1e3:6.2f}   p95 "
          f"{q[-1] * 1e3:6.2f}")
    print(f"decode+split  median {floor_med * 1e3:6.2f} ms   reader = {med / floor_med:.0f}× "
          "the floor")


if __name__ == "__main__":
    main()
