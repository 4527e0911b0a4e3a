"""Our PDF reader against pdfplumber's extract_tables on one generated ~40-page table:
pages per second on one core, and field accuracy, side by side in one run.

    .venv/bin/python benchmarks/bench_pdf.py [--projects 420]

The table is a generated document (jixiao.synthetic: several units, all funding columns,
1–8 indicators) published by jixiao.writers.publish. pdfplumber returns cells, not a
Document; the adapter below gives it the same help our reader has (a row without 总计
continues the one before, items split at `N、`, the same item parser), so the accuracy
compares table extraction, not the domain logic.
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


def timed(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


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
    ours_s, ours = timed(lambda: read_pdf_bytes(data, cache.name), args.runs)
    pages = ours.source.pages  # type: ignore[attr-defined]
    theirs_s, theirs = timed(lambda: plumber(data), 1)
    print(f"{cache.name}: {pages} pages, {len(doc.projects)} projects, "
          f"{sum(len(p.indicators) for p in doc.projects)} indicators; one core")
    print(f"{'reader':<28}{'pages/s':>10}{'fields right':>16}")
    for name, seconds, got in (("jixiao.readers.pdf", ours_s, to_dict(ours)),  # type: ignore[arg-type]
                               ("pdfplumber extract_tables", theirs_s, theirs)):
        n, misses = field_mismatches(expected, got)  # type: ignore[arg-type]
        print(f"{name:<28}{pages / seconds:>10.1f}{(n - len(misses)) / n:>15.2%} ")
    print(f"ratio: jixiao is {theirs_s / ours_s:.1f}× pdfplumber's speed")


if __name__ == "__main__":
    main()
