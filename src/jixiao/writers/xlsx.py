"""The table as departments fill it in Excel, in two forms:

* wide: one row per project, its indicators in one cell (one `N、…` per line);
* long: one row per indicator, the project's columns repeated (or, with
  `merge_projects=True`, merged down the project's rows as many departments do).

Amounts are numbers in 万元 shown with two decimals; text is written exactly.
"""

from __future__ import annotations

import math
import unicodedata
from pathlib import Path
from typing import Any

from jixiao.model import AMOUNT_COLUMNS, AMOUNT_LABELS, Amounts, Document
from jixiao.writers.cells import append_row

WIDE_HEADER = ("项目名称（资金使用单位）", *(AMOUNT_LABELS[c] for c in AMOUNT_COLUMNS),
               "绩效目标", "绩效指标")
LONG_HEADER = ("资金使用单位", "项目序号", "项目名称", *(AMOUNT_LABELS[c] for c in AMOUNT_COLUMNS),
               "绩效目标", "指标序号", "指标类别", "指标名称", "年度指标值", "指标原文")
MONEY_FORMAT = "#,##0.00"


def _units(text: str) -> int:
    """Column-width units a text takes: 2 for a wide (CJK) character, 1 for others."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _amount_values(a: Amounts | None) -> list[Any]:
    return [getattr(a, c) if a else None for c in AMOUNT_COLUMNS]


def write_xlsx(doc: Document, path: str | Path, form: str = "wide",
               merge_projects: bool = False) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    if form not in ("wide", "long"):
        raise ValueError(f"form must be 'wide' or 'long', not {form!r}")
    header = WIDE_HEADER if form == "wide" else LONG_HEADER
    book = Workbook()
    sheet = book.active
    sheet.title = "项目支出绩效目标表"
    append_row(sheet, [doc.title or "项目支出绩效目标表"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    append_row(sheet, [f"部门名称：{doc.department or ''}", *[None] * (len(header) - 2),
                       f"单位：{doc.amount_unit}"])
    append_row(sheet, list(header))
    header_row = sheet.max_row
    money_columns = [k + 1 for k, name in enumerate(header) if name in AMOUNT_LABELS.values()]
    if form == "wide":
        if doc.grand_total:
            append_row(sheet, ["合计", *_amount_values(doc.grand_total), None, None])
        for unit in doc.units:
            if unit.subtotal:
                append_row(sheet, [unit.name, *_amount_values(unit.subtotal), None, None])
            for p in unit.projects:
                items = "\n".join(f"{i.seq}、{i.raw}" for i in p.indicators)
                append_row(sheet, [p.name, *_amount_values(p.amounts), p.goal, items])
    else:
        if doc.grand_total:
            append_row(sheet, [None, None, "合计", *_amount_values(doc.grand_total)])
        for unit in doc.units:
            if unit.subtotal:
                append_row(sheet, [unit.name, None, None, *_amount_values(unit.subtotal)])
            for p in unit.projects:
                first = sheet.max_row + 1
                project = [unit.name, p.seq, p.name, *_amount_values(p.amounts), p.goal]
                for i in p.indicators or [None]:
                    item = [i.seq, i.category, i.name, i.target, i.raw] if i else [None] * 5
                    append_row(sheet, [*project, *item])
                last = sheet.max_row
                if merge_projects and last > first:
                    for column in range(1, len(project) + 1):
                        sheet.merge_cells(start_row=first, start_column=column, end_row=last,
                                          end_column=column)
    for row in sheet.iter_rows(min_row=header_row + 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if cell.column in money_columns:
                cell.number_format = MONEY_FORMAT
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    widths = {"项目名称（资金使用单位）": 30, "项目名称": 30, "资金使用单位": 16, "绩效目标": 40,
              "绩效指标": 50, "指标名称": 24, "年度指标值": 16, "指标原文": 40}
    from openpyxl.utils import get_column_letter

    for k, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(k)].width = widths.get(name, 12)
    # Excel and LibreOffice do not grow a row for wrapped text on opening: set each height
    # from the lines its fullest cell needs (a CJK character is two width units wide)
    for row in sheet.iter_rows(min_row=header_row):
        lines = 1
        for cell in row:
            if isinstance(cell.value, str):
                width = widths.get(header[cell.column - 1], 12)
                lines = max(lines, sum(math.ceil(_units(part) / (width - 1)) or 1
                                       for part in cell.value.split("\n")))
        sheet.row_dimensions[row[0].row].height = 15 * lines + 2
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    # printed (or converted to PDF): A4 landscape, one page wide, the header on every page
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    path = Path(path)
    book.save(path)
    return path
