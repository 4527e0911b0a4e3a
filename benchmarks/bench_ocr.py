"""Scanned tables: seconds per page at 150 and 200 dpi on one core and on two, and field
accuracy of the OCR reading against the text-layer reading of the same PDF.

    .venv/bin/python benchmarks/bench_ocr.py [--pages 2] [--accuracy-pages 15] [--seeds 1]
    .venv/bin/python benchmarks/bench_ocr.py --form [--no-timing]

The sample is published (jixiao.writers.publish) and scanned as tests/scans.py does
(grey paper, a red stamp, noise, a turn within ±1.5°, JPEG). Timing runs OCR `--pages`
pages; one core is one process pinned to one CPU, two cores two processes. Accuracy reads
the first `--accuracy-pages` pages (all 15 by default) at each dpi on every core there
is, against the reading of the text PDF cut to the same pages (the last project read may
go on over the page break, so it is left out of both), once per scan seed (`--seeds`: the
stamp, the noise and the turn differ); a miss no OCR doubt's box meets is counted silent.
`--form` reads the real 自评表 (ningde, one ruled page) scanned at 150 and 200 dpi against
its gold, and its CPU seconds against the text layer's reading of the same page.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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
from scans import DOUBTS, first_pages, scan_pdf, silent, silent_scored  # noqa: E402
from test_forms_pdf import PDFS, _score  # noqa: E402

SAMPLE = REPO / "examples" / "guangzhou-psb-targets.txt"
FORM = "ningde-zfb-2024-zhengti-zipingbiao"


def _cpu() -> float:
    """CPU seconds of this process and of its children that have ended (the pool's)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def seconds_per_page(scan: bytes, pages: int, cores: int) -> tuple[float, float]:
    """(wall, CPU) seconds per page of the OCR of `pages` pages on `cores` processes."""
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if cpus and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(cpus[-cores:]))
    try:
        start, cpu = time.perf_counter(), _cpu()
        ocr_pages(scan, list(range(pages)), jobs=cores)
        return (time.perf_counter() - start) / pages, (_cpu() - cpu) / pages
    finally:
        if cpus:
            os.sched_setaffinity(0, set(cpus))


def form(dpis: tuple[int, ...], timing: bool) -> None:
    """The real 自评表 (one ruled page) scanned at each dpi: its fields by the team's
    scorer against its gold, the silent misses, and the seconds of its reading against
    the text layer's reading of the same page (CPU seconds: the machine is shared)."""
    gold = json.loads((PDFS / f"{FORM}.gold.json").read_text("utf-8"))
    pdf = (PDFS / f"{FORM}.pdf").read_bytes()
    cpu = _cpu()
    for _ in range(5):
        read_bytes(pdf, f"{FORM}.pdf")
    text = (_cpu() - cpu) / 5
    print(f"{FORM}: text layer {text:.2f} s CPU a reading (one page, five readings)")
    for dpi in dpis:
        scan = scan_pdf(pdf, dpi, seed=3)
        cpu = _cpu()
        doc = read_bytes(scan, f"{FORM}-scan.pdf", ocr=OcrOptions(jobs=1))
        spent = _cpu() - cpu
        score, misses = _score(gold, doc)
        quiet = silent_scored(doc, misses)
        print(f"{dpi} dpi: {score:.2%} of the gold's fields ({len(misses)} misses, "
              f"{len(quiet)} silent); {spent:.1f} s CPU the page, "
              f"{spent / max(text, 1e-6):.0f}× the text layer's")
        for miss in misses:
            print("   ", "silent" if miss in quiet else "said  ", miss[:140])
        if timing:
            twice = scan_pdf(pdf, dpi, seed=3, pages=[0, 0])
            one = seconds_per_page(twice, 2, 1)
            two = seconds_per_page(twice, 2, 2)
            print(f"    OCR of two pages: one core {one[0]:.1f} s wall / {one[1]:.1f} s CPU "
                  f"a page; two cores {two[0]:.1f} s wall / {two[1]:.1f} s CPU a page")


def accuracy(pdf: bytes, scan: bytes, name: str) -> tuple[float, int, list[str], int, int]:
    """(share of fields, fields, misses, silent misses, warnings of the OCR) against the
    text reading."""
    expected = to_dict(read_bytes(pdf, f"{name}.pdf"))
    doc = read_bytes(scan, f"{name}-scan.pdf", ocr=OcrOptions(jobs=os.cpu_count() or 1))
    got = to_dict(doc)
    n = min(len(expected["projects"]), len(got["projects"])) - 1
    total, misses = field_mismatches(dict(expected, projects=expected["projects"][:n]),
                                     dict(got, projects=got["projects"][:n]))
    warned = sum(w.code in DOUBTS for w in doc.warnings)
    return 1 - len(misses) / total, total, misses, len(silent(doc, misses)), warned


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=2)
    parser.add_argument("--accuracy-pages", type=int, default=15)
    parser.add_argument("--seeds", type=int, default=1, help="scans per dpi for accuracy")
    parser.add_argument("--no-timing", action="store_true")
    parser.add_argument("--form", action="store_true",
                        help=f"the real 自评表 {FORM} only, at 150 and 200 dpi")
    args = parser.parse_args()
    if args.form:
        form((150, 200), not args.no_timing)
        return
    published = render_pdf(read(SAMPLE))
    print(f"sample: {SAMPLE.name}, scans of {args.pages} pages for timing, "
          f"{args.accuracy_pages} for accuracy; {os.cpu_count()} cores")
    for dpi in () if args.no_timing else (150, 200):
        scan = scan_pdf(first_pages(published, args.pages), dpi, seed=dpi)
        one, one_cpu = seconds_per_page(scan, args.pages, 1)
        two, two_cpu = seconds_per_page(scan, args.pages, 2)
        print(f"{dpi} dpi: {one:.1f} s/page on one core ({one_cpu:.1f} s CPU), {two:.1f} "
              f"s/page on two ({two_cpu:.1f} s CPU; {one / two:.2f}×)")
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
