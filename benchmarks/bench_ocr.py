"""Scanned tables: seconds per page at 150 and 200 dpi on one core and on two, and field
accuracy of the OCR reading against the text-layer reading of the same PDF.

    .venv/bin/python benchmarks/bench_ocr.py [--pages 2] [--accuracy-pages 15] [--seeds 1]

The sample is published (jixiao.writers.publish) and scanned as tests/scans.py does
(grey paper, a red stamp, noise, a turn within ±1.5°, JPEG). Timing runs OCR `--pages`
pages; one core is one process pinned to one CPU, two cores two processes. Accuracy reads
the first `--accuracy-pages` pages (all 15 by default) at each dpi on every core there
is, against the reading of the text PDF cut to the same pages (the last project read may
go on over the page break, so it is left out of both), once per scan seed (`--seeds`: the
stamp, the noise and the turn differ); a miss no OCR doubt's box meets is counted silent.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).parents[1]
sys.path.insert(0, str(REPO / "tests"))

from fields import field_mismatches  # noqa: E402
from jixiao.interchange import to_dict  # noqa: E402
from jixiao.readers import read, read_bytes  # noqa: E402
from jixiao.readers.ocr import OcrOptions, ocr_pages  # noqa: E402
from jixiao.writers.publish import render_pdf  # noqa: E402
from scans import first_pages, scan_pdf, silent  # noqa: E402

SAMPLE = REPO / "examples" / "guangzhou-psb-targets.txt"


def seconds_per_page(scan: bytes, pages: int, cores: int) -> float:
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if cpus and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(cpus[-cores:]))
    try:
        start = time.perf_counter()
        ocr_pages(scan, list(range(pages)), jobs=cores)
        return (time.perf_counter() - start) / pages
    finally:
        if cpus:
            os.sched_setaffinity(0, set(cpus))


def accuracy(pdf: bytes, scan: bytes, name: str) -> tuple[float, int, list[str], int, int]:
    """(share of fields, fields, misses, silent misses, warnings of the OCR) against the
    text reading."""
    expected = to_dict(read_bytes(pdf, f"{name}.pdf"))
    doc = read_bytes(scan, f"{name}-scan.pdf", ocr=OcrOptions(jobs=os.cpu_count() or 1))
    got = to_dict(doc)
    n = min(len(expected["projects"]), len(got["projects"])) - 1
    total, misses = field_mismatches(dict(expected, projects=expected["projects"][:n]),
                                     dict(got, projects=got["projects"][:n]))
    warned = sum(w.code in ("ocr-uncertain", "ocr-amount", "ocr-gap") for w in doc.warnings)
    return 1 - len(misses) / total, total, misses, len(silent(doc, misses)), warned


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=2)
    parser.add_argument("--accuracy-pages", type=int, default=15)
    parser.add_argument("--seeds", type=int, default=1, help="scans per dpi for accuracy")
    parser.add_argument("--no-timing", action="store_true")
    args = parser.parse_args()
    published = render_pdf(read(SAMPLE))
    print(f"sample: {SAMPLE.name}, scans of {args.pages} pages for timing, "
          f"{args.accuracy_pages} for accuracy; {os.cpu_count()} cores")
    for dpi in () if args.no_timing else (150, 200):
        scan = scan_pdf(first_pages(published, args.pages), dpi, seed=dpi)
        one = seconds_per_page(scan, args.pages, 1)
        two = seconds_per_page(scan, args.pages, 2)
        print(f"{dpi} dpi: {one:.1f} s/page on one core, {two:.1f} s/page on two "
              f"({one / two:.2f}×)")
    pdf = first_pages(published, args.accuracy_pages)
    for dpi in (150, 200):
        for seed in range(dpi, dpi + args.seeds):
            share, total, misses, quiet, warned = accuracy(pdf, scan_pdf(pdf, dpi, seed=seed),
                                                           f"s{dpi}")
            print(f"{dpi} dpi, seed {seed}: {share:.2%} of {total} fields as the text layer "
                  f"reads them ({len(misses)} misses, {quiet} of them silent; {warned} OCR "
                  "warnings)")
            for miss in misses:
                print("   ", miss[:150])


if __name__ == "__main__":
    main()
