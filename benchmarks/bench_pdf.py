"""Our PDF reader against pdfplumber's extract_tables on one generated ~40-page table:
pages per second on one core, and field accuracy, side by side in one run.

    .venv/bin/python benchmarks/bench_pdf.py [--projects 420]

The table is a generated document (jixiao.synthetic: several units, all funding columns,
1–8 indicators) published by jixiao.writers.publish. pdfplumber returns cells, not a
Document; the adapter below gives it the same help our reader has (a row without 总计
continues the one before, items split at `N、`, the same item parser), so the accuracy
compares table extraction, not the domain logic.

The first table also times pypdfium2's floor on the same file: opening it and every
page's characters with their boxes, the least any reader built on pdfium's characters
does (`floor`); our reader's CPU time is given as a multiple of it.

The second table reads the sample's table (its first 60 projects) in several house styles
of other producers (tests/pdfstyles.py: WeasyPrint under other CSS, LibreOffice from an xlsx or a
docx): each style by both readers, accuracy and pages per second side by side.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

from common import pin_to_one_core
from jixiao.interchange import to_dict
from jixiao.readers import read
from jixiao.readers.items import parse_item
from jixiao.readers.pdf import read_pdf_bytes
from jixiao.synthetic import generate_document
from jixiao.writers.publish import render_pdf

REPO = Path(__file__).parents[1]
sys.path.insert(0, str(REPO / "tests"))
from fields import field_mismatches  # noqa: E402
from pdfstyles import (  # noqa: E402
    DocStyle,
    HtmlStyle,
    SheetStyle,
    first_projects,
    render,
)

N = 4.0  # a very narrow amount column: `248,530.64` wraps
HOUSE_STYLES: list[HtmlStyle | SheetStyle | DocStyle] = [
    HtmlStyle("a4-portrait-serif", page="A4 portrait", font="Noto Serif CJK SC", size_pt=9),
    HtmlStyle("narrow-amounts-wrap", widths=(18, N, N, N, N, 26, 40)),
    HtmlStyle("header-label-wraps", widths=(16, 6, 6, 4.5, 6, 25, 36.5), size_pt=10),
    HtmlStyle("bottom-aligned", valign="bottom", page="A4 portrait"),
    HtmlStyle("rows-split-header-once", split_rows=True, repeat_header=False,
              page="A4 portrait", size_pt=12),
    HtmlStyle("unruled", ruled=False),
    HtmlStyle("unruled-narrow-middle", ruled=False, valign="middle",
              widths=(18, N, N, N, N, 26, 40)),
    SheetStyle("calc-a4-landscape"),
    SheetStyle("calc-a3-unruled-centred", paper="A3", ruled=False, valign="center",
               widths=(30, 9, 9, 9, 9, 40, 60), thousands=False, repeat_header=False),
    # issue 14's further variations: a two-row header with a 资金 group, partial rules,
    # LibreOffice Writer from a docx
    HtmlStyle("funds-group-three-line", group="资金", rules="three-line"),
    HtmlStyle("horizontal-rules-group", rules="horizontal", group="资金来源",
              page="A3 portrait", size_pt=11),
    SheetStyle("calc-funds-group-text", group="资金", wrap_money=True,
               widths=(24, 5, 5, 5, 5, 36, 48)),
    DocStyle("writer-ruled"),
    DocStyle("writer-unruled-centred", ruled=False, valign="center", split_rows=False),
]


def plumber(data: bytes) -> dict:
    import io
    import re

    import pdfplumber

    rows: list[list[str]] = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            for table in page.extract_tables():
                for cells in table:
                    cells = [(c or "").replace("\n", "") for c in cells]
                    if len(cells) != 7 or cells[1] == "总计":
                        continue
                    if not cells[1] and rows:  # a row split over pages goes on
                        rows[-1] = [a + b for a, b in zip(rows[-1], cells, strict=True)]
                    else:
                        rows.append(cells)
    projects = []
    grand = None
    for cells in rows:
        money = [str(Decimal(c.replace(",", ""))) if c else None for c in cells[1:5]]
        if cells[0] == "合计":
            grand = dict(zip(("total", "fiscal", "special_account", "other"), money,
                             strict=True))
            continue
        if not cells[5] and not cells[6]:
            continue  # a unit row
        items = [m for m in re.split(r"(?=(?<![\d.])\d{1,3}、)", cells[6]) if m]
        indicators = []
        for item in items:
            m = re.match(r"(\d{1,3})、", item)
            seq = int(m.group(1)) if m else len(indicators) + 1
            p = parse_item(seq, item[m.end():] if m else item)
            indicators.append({"seq": seq, "category": p.category, "name": p.name,
                               "target": p.target})
        projects.append({"seq": len(projects) + 1, "name": cells[0],
                         **dict(zip(("total", "fiscal", "special_account", "other"), money,
                                    strict=True)),
                         "goal": cells[5], "indicators": indicators})
    return {"document": {"department": None, "grand_total": grand}, "projects": projects}


def floor(data: bytes) -> int:
    """pypdfium2 alone: every page loaded with its text page, its text and every
    character's loose box (the reader's own `_boxes`, so the floor moves with it)."""
    import pypdfium2 as pdfium

    from jixiao.readers.pdf import _boxes

    pdf = pdfium.PdfDocument(data)
    count = 0
    for index in range(len(pdf)):
        textpage = pdf[index].get_textpage()
        n = textpage.count_chars()
        textpage.get_text_range(0, n)
        _boxes(textpage, n)
        count += n
    return count


def timed(fn, runs: int) -> tuple[float, float, object]:
    """(median wall-clock seconds, least CPU seconds, the last result) of `runs` calls:
    the CPU time is the steadier figure when other processes share the core."""
    times, cpu, result = [], [], None
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(times), min(cpu), result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--projects", type=int, default=420)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    pin_to_one_core()
    pool = read(REPO / "examples" / "guangzhou-psb-targets.txt")
    doc = generate_document(pool, 40, projects=args.projects, units=3,
                            mixes=("fiscal", "special", "all"), max_indicators=8)
    cache = REPO / "out" / "bench" / f"table-{args.projects}.pdf"
    cache.parent.mkdir(parents=True, exist_ok=True)
    if not cache.exists():
        cache.write_bytes(render_pdf(doc))
    data = cache.read_bytes()
    expected = to_dict(doc)
    ours_s, ours_cpu, ours = timed(lambda: read_pdf_bytes(data, cache.name), args.runs)
    pages = ours.source.pages  # type: ignore[attr-defined]
    theirs_s, theirs_cpu, theirs = timed(lambda: plumber(data), 1)
    floor_s, floor_cpu, _ = timed(lambda: floor(data), args.runs)
    print(f"{cache.name}: {pages} pages, {len(doc.projects)} projects, "
          f"{sum(len(p.indicators) for p in doc.projects)} indicators; one core")
    print(f"{'reader':<28}{'pages/s':>10}{'CPU pages/s':>13}{'fields right':>16}")
    for name, seconds, cpu, got in (
            ("jixiao.readers.pdf", ours_s, ours_cpu, to_dict(ours)),  # type: ignore[attr-defined]
            ("pdfplumber extract_tables", theirs_s, theirs_cpu, theirs)):
        n, misses = field_mismatches(expected, got)  # type: ignore[arg-type]
        print(f"{name:<28}{pages / seconds:>10.1f}{pages / cpu:>13.1f}"
              f"{(n - len(misses)) / n:>15.2%} ")
    print(f"{'pypdfium2 characters (floor)':<28}{pages / floor_s:>10.1f}"
          f"{pages / floor_cpu:>13.1f}")
    print(f"ratio: jixiao is {theirs_s / ours_s:.1f}× pdfplumber's speed "
          f"({theirs_cpu / ours_cpu:.1f}× by CPU time); it takes {ours_cpu / floor_cpu:.2f}× "
          "the floor's CPU time")
    house_styles(pool, args.runs)


def _accuracy(expected: dict, fn) -> tuple[float, float | None, str]:
    """(seconds, share of fields right or None, the error) of one reading."""
    start = time.perf_counter()
    try:
        got = fn()
    except Exception as exc:  # a reader's failure is a figure here, not the end of the run
        return time.perf_counter() - start, None, type(exc).__name__
    seconds = time.perf_counter() - start
    n, misses = field_mismatches(expected, got)
    return seconds, (n - len(misses)) / n, ""


def house_styles(pool, runs: int) -> None:
    """The sample's first 60 projects in other producers' house styles, both readers."""
    import pypdfium2 as pdfium

    gold = REPO / "tests" / "data" / "guangzhou-psb-gold.json"
    doc = first_projects(read(gold), 60)
    expected = to_dict(doc)
    print("\nhouse styles: the sample's first 60 projects; one core")
    print(f"{'style':<26}{'pages':>6}{'jixiao p/s':>12}{'fields':>9}"
          f"{'pdfplumber p/s':>16}{'fields':>9}")
    for style in HOUSE_STYLES:
        cache = REPO / "out" / "bench" / f"style-{style.name}.pdf"
        if not cache.exists():
            cache.write_bytes(render(doc, style))
        data = cache.read_bytes()
        pages = len(pdfium.PdfDocument(data))
        ours = min((_accuracy(expected, lambda d=data: to_dict(read_pdf_bytes(d, "s.pdf")))
                    for _ in range(runs)), key=lambda r: r[0])
        theirs = _accuracy(expected, lambda d=data: plumber(d))

        cells = []
        for seconds, share, error in (ours, theirs):
            cells += [f"{pages / seconds:.1f}", f"{share:.2%}" if share is not None else error]
        print(f"{style.name:<26}{pages:>6}{cells[0]:>12}{cells[1]:>9}{cells[2]:>16}"
              f"{cells[3]:>9}")


if __name__ == "__main__":
    main()
