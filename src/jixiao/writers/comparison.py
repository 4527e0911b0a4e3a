"""Comparisons (jixiao.compare) as an xlsx workbook (their chart: writers/charts.py)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from jixiao.compare import CopyGroup, IndicatorComparison, ProjectSeries
from jixiao.messages import Labels, say
from jixiao.writers.cells import append_row

CHANGE_LABELS = Labels("compare.changes",
                       ("unchanged", "raised", "lowered", "changed", "added", "dropped"))


def _sheet(wb: Any, title: str, header: list[str], rows: list[list[Any]],
           widths: list[int]) -> None:
    """A sheet `title` (compare.sheets.<title>) with the columns `header`
    (compare.columns.<code>) and `rows`."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(say(f"compare.sheets.{title}"))
    append_row(ws, [say(f"compare.columns.{code}") for code in header])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        append_row(ws, [str(v) if isinstance(v, Decimal) else v for v in row])
    for k, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(k)].width = width
    ws.freeze_panes = "A2"


def write_comparison_xlsx(result: IndicatorComparison | ProjectSeries | list[CopyGroup],
                          path: str | Path) -> Path:
    """One workbook per comparison: a summary sheet and the rows behind it. Numbers are
    written as exact decimal text, as everywhere in jixiao."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    if isinstance(result, IndicatorComparison):
        _sheet(wb, "spread", ["unit", "count", "low", "q1", "median", "q3", "high",
                              "outliers"],
               [[g.unit, len(g.observations), g.low, g.q1, g.median, g.q3, g.high,
                 len(g.outliers)] for g in result.groups]
               + [[say("compare.cells.not-numeric"), len(result.other), "", "", "", "", "", ""]],
               [10, 8, 12, 12, 12, 12, 12, 8])
        rows = [[o.year, o.department, o.unit, o.project_seq, o.project, o.indicator,
                 o.target, o.value, g.unit, say("compare.cells.yes") if o.outlier else ""]
                for g in result.groups for o in g.observations]
        rows += [[o.year, o.department, o.unit, o.project_seq, o.project, o.indicator,
                  o.target, None, "", ""] for o in result.other]
        _sheet(wb, "detail", ["year", "department", "unit", "project_seq", "project",
                              "indicator", "target", "value", "measure", "outlier"], rows,
               [6, 20, 24, 8, 40, 24, 16, 12, 8, 6])
    elif isinstance(result, ProjectSeries):
        _sheet(wb, "years", ["year", "department", "project", "total", "indicators"],
               [[y.year, y.department, y.name, y.total, len(y.targets)] for y in result.years],
               [6, 20, 50, 14, 8])
        _sheet(wb, "changes", ["before_year", "after_year", "indicator", "before", "after",
                               "change", "stricter"],
               [[s.before_year, s.after_year, c.indicator, c.before, c.after,
                 CHANGE_LABELS[c.change],
                 "" if c.stricter is None
                 else say(f"compare.cells.{'yes' if c.stricter else 'no'}")]
                for s in result.steps for c in s.changes],
               [6, 6, 30, 18, 18, 8, 8])
    else:
        _sheet(wb, "copies", ["group", "text", "year", "department", "project_seq", "project"],
               [[k, g.text, p.year, p.department, p.seq, p.name]
                for k, g in enumerate(result, start=1) for p in g.projects],
               [5, 60, 6, 20, 8, 50])
    path = Path(path)
    wb.save(path)
    return path
