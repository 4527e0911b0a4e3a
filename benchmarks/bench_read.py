"""Each reader beside its floor, in one run on one core: what any reader of the same file
must do anyway, and the reader as a multiple of it.

    .venv/bin/python benchmarks/bench_read.py [--runs 300] [--pdf-runs 3] [--form-runs 20]

* the text reader on the bundled sample — floor: decode the bytes and split the lines;
  twice: as a process reads again and again (items and targets already parsed are taken
  from their caches, as in a bulk load whose tables share items), and cold (those caches
  emptied before each reading: a table whose items this process has never seen);
* the PDF reader on a real PDF in the sample's template (tests/data/real/pdf, another
  Guangzhou bureau's 2026 table, 12 pages) — floor: pypdfium2 opening it and giving every
  character with its box, page by page (what `readers/pdf.py` starts from);
* the form reader on the twelve real texts (tests/data/real/*.txt, `read_bytes` as an
  upload goes: the sample's reader refuses them first) — floor: decode and split them.

Times are the CPU time this process got (time.process_time): on the shared 2-core machine
wall-clock medians swung by 5× in one afternoon while other sessions ran. CPU time swings
less but still some (caches, a sibling hyperthread); the ratios are what to compare, and
the instruction counts in docs/benchmarks.md (valgrind) do not swing at all.
"""

from __future__ import annotations

import argparse
import ctypes
import statistics
import time
from collections.abc import Callable

from common import REPO, SAMPLE, pin_to_one_core
from jixiao.readers import read_bytes
from jixiao.readers.decode import decode_text
from jixiao.readers.items import clear_caches
from jixiao.readers.pdf import read_pdf_bytes
from jixiao.readers.text import read_text_bytes
from jixiao.targets import parse as parse_target

PDF = REPO / "tests" / "data" / "real" / "pdf" / "gz-zwfw-2026-xiangmu-mubiaobiao.pdf"
FORMS = sorted((REPO / "tests" / "data" / "real").glob("*.txt"))


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    fn()  # warm up (regex compilation, imports, caches of the target grammar)
    out = []
    for _ in range(runs):
        start = time.process_time()
        fn()
        out.append(time.process_time() - start)
    return out


def cold_text(data: bytes, name: str) -> None:
    """A reading of text whose items and targets this process has not parsed before."""
    clear_caches()
    parse_target.cache_clear()
    read_text_bytes(data, name)


def pdf_chars(data: bytes) -> int:
    """pypdfium2 alone: every page's characters with their loose boxes."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    pdf = pdfium.PdfDocument(data)
    rect, count = raw.FS_RECTF(), 0
    for index in range(len(pdf)):
        textpage = pdf[index].get_textpage()
        n = textpage.count_chars()
        textpage.get_text_range(0, n)
        for i in range(n):
            raw.FPDFText_GetLooseCharBox(textpage.raw, i, ctypes.byref(rect))
        count += n
    return count


def line(name: str, reader: list[float], floor: list[float], what: str) -> None:
    med, floor_med = statistics.median(reader), statistics.median(floor)
    spread = f"p5 {min(reader) * 1e3:8.2f}" if len(reader) < 20 else \
        f"p5 {statistics.quantiles(reader, n=20)[0] * 1e3:8.2f}"
    print(f"{name:13} median {med * 1e3:8.2f} ms  {spread}   {what:26} median "
          f"{floor_med * 1e3:8.2f} ms   reader = {med / floor_med:5.1f}× the floor")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--pdf-runs", type=int, default=3)
    ap.add_argument("--form-runs", type=int, default=20)
    args = ap.parse_args()
    pin_to_one_core()

    data = SAMPLE.read_bytes()
    doc = read_text_bytes(data, SAMPLE.name)
    print(f"sample: {SAMPLE.name}, {len(data):,} bytes, {len(doc.projects)} projects, "
          f"{sum(len(p.indicators) for p in doc.projects)} indicators; {args.runs} runs")
    floor = timed(lambda: decode_text(data)[0].split("\n"), args.runs)
    line("text reader", timed(lambda: read_text_bytes(data, SAMPLE.name), args.runs),
         floor, "decode+split")
    line("  cold", timed(lambda: cold_text(data, SAMPLE.name), args.runs), floor,
         "decode+split")

    pdf = PDF.read_bytes()
    doc = read_pdf_bytes(pdf, PDF.name)
    print(f"pdf: {PDF.name}, {doc.source.pages} pages, {len(doc.projects)} projects, "
          f"{pdf_chars(pdf):,} characters; {args.pdf_runs} runs")
    line("pdf reader", timed(lambda: read_pdf_bytes(pdf, PDF.name), args.pdf_runs),
         timed(lambda: pdf_chars(pdf), args.pdf_runs), "pypdfium2 characters")

    forms = [(p.name, p.read_bytes()) for p in FORMS]
    projects = sum(len(read_bytes(b, n).projects) for n, b in forms)
    print(f"forms: {len(forms)} real texts (tests/data/real), {projects} projects; "
          f"{args.form_runs} runs of all")
    line("form reader", timed(lambda: [read_bytes(b, n) for n, b in forms], args.form_runs),
         timed(lambda: [decode_text(b)[0].split("\n") for _, b in forms], args.form_runs),
         "decode+split")


if __name__ == "__main__":
    main()
