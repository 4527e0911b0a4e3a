"""Comparisons (jixiao.compare) as an xlsx workbook (their chart: writers/charts.py)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from jixiao.compare import CopyGroup, IndicatorComparison, ProjectSeries
from jixiao.writers.cells import append_row

CHANGE_LABELS = {"unchanged": "未变", "raised": "调高", "lowered": "调低", "changed": "改写",
                 "added": "新增", "dropped": "删除"}


def _sheet(wb: Any, title: str, header: list[str], rows: list[list[Any]],
           widths: list[int]) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    append_row(ws, header)
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
        _sheet(wb, "分布", ["单位", "个数", "最小", "下四分位", "中位数", "上四分位", "最大",
                          "异常值"],
               [[g.unit, len(g.observations), g.low, g.q1, g.median, g.q3, g.high,
                 len(g.outliers)] for g in result.groups]
               + [["（非数值）", len(result.other), "", "", "", "", "", ""]],
               [10, 8, 12, 12, 12, 12, 12, 8])
        rows = [[o.year, o.department, o.unit, o.project_seq, o.project, o.indicator,
                 o.target, o.value, g.unit, "是" if o.outlier else ""]
                for g in result.groups for o in g.observations]
        rows += [[o.year, o.department, o.unit, o.project_seq, o.project, o.indicator,
                  o.target, None, "", ""] for o in result.other]
        _sheet(wb, "明细", ["年度", "部门", "单位", "项目序号", "项目名称", "指标名称",
                          "年度指标值", "数值", "计量单位", "异常值"], rows,
               [6, 20, 24, 8, 40, 24, 16, 12, 8, 6])
    elif isinstance(result, ProjectSeries):
        _sheet(wb, "年度", ["年度", "部门", "项目名称", "总计（万元）", "指标数"],
               [[y.year, y.department, y.name, y.total, len(y.targets)] for y in result.years],
               [6, 20, 50, 14, 8])
        _sheet(wb, "变化", ["上年", "本年", "指标名称", "上年指标值", "本年指标值", "变化",
                          "更严格"],
               [[s.before_year, s.after_year, c.indicator, c.before, c.after,
                 CHANGE_LABELS[c.change],
                 "" if c.stricter is None else ("是" if c.stricter else "否")]
                for s in result.steps for c in s.changes],
               [6, 6, 30, 18, 18, 8, 8])
    else:
        _sheet(wb, "雷同", ["组", "内容", "年度", "部门", "项目序号", "项目名称"],
               [[k, g.text, p.year, p.department, p.seq, p.name]
                for k, g in enumerate(result, start=1) for p in g.projects],
               [5, 60, 6, 20, 8, 50])
    path = Path(path)
    wb.save(path)
    return path
