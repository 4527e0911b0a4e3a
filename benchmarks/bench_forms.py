"""Forms per second per container, against the floor: the container library alone
reading the same file's cells (openpyxl / xlrd / lxml / python-docx's XML), side by side
in one run on one core.

    .venv/bin/python benchmarks/bench_forms.py [--repeat 30]

The forms are the twelve real tables' gold readings (tests/data/real) rendered by the
tests' renderer (tests/formrender.py) in each container.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import statistics
import sys
import time
import zipfile
from pathlib import Path

from common import pin_to_one_core
from jixiao.readers import read_bytes

REPO = Path(__file__).parents[1]
sys.path.insert(0, str(REPO / "tests"))
from formrender import WRITERS, Choices, form_rows  # noqa: E402


def floor(container: str, data: bytes) -> int:
    """Every cell's text with the container's own library, and nothing else."""
    if container == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data), data_only=True)
        return sum(1 for s in book.worksheets for row in s.iter_rows() for c in row
                   if c.value is not None)
    if container == "xls":
        import xlrd

        book = xlrd.open_workbook(file_contents=data, formatting_info=True)
        return sum(1 for s in book.sheets() for r in range(s.nrows) for c in range(s.ncols)
                   if s.cell_value(r, c) != "")
    if container == "html":
        import lxml.html

        return sum(1 for _ in lxml.html.document_fromstring(data).iter("td"))
    from lxml import etree

    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    ns = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    return sum(1 for _ in etree.fromstring(xml).iter(f"{ns}tc"))


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()
    pin_to_one_core()
    golds = sorted((REPO / "tests" / "data" / "real").glob("*.gold.json"))
    print(f"{'container':9} {'forms':>5} {'jixiao ms/form':>15} {'floor ms/form':>14} "
          f"{'ratio':>6} {'forms/s':>8}")
    for container, write in sorted(WRITERS.items()):
        files = [write(form_rows(json.loads(g.read_text("utf-8")),
                                 Choices.draw(random.Random(g.name)))) for g in golds]
        ours = best(lambda fs=files, c=container: [read_bytes(f, f"x.{c}") for f in fs],
                    args.repeat) / len(files)
        base = best(lambda fs=files, c=container: [floor(c, f) for f in fs],
                    args.repeat) / len(files)
        print(f"{container:9} {len(files):5} {ours * 1000:15.2f} {base * 1000:14.2f} "
              f"{ours / base:6.1f} {1 / ours:8.0f}")


if __name__ == "__main__":
    main()
