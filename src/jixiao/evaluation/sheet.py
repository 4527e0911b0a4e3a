"""The actuals sheet a department fills in: a template from the table, read back with
row-level errors. Two sheets — 执行情况 (a row per project) and 指标完成情况 (a row per
indicator) — with the table's own columns locked and only the answers open to edit."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from jixiao.errors import ReadError
from jixiao.evaluation.actuals import Actual, Actuals, Execution
from jixiao.evaluation.values import check_actual, check_money
from jixiao.messages import say
from jixiao.model import Document, SourceSpan
from jixiao.writers.cells import append_row

EXECUTION_SHEET = "执行情况"
INDICATOR_SHEET = "指标完成情况"
EXECUTION_HEADER = ("项目序号", "项目名称", "年初预算数", "全年预算数", "全年执行数", "偏差原因")
INDICATOR_HEADER = ("项目序号", "项目名称", "位置", "指标序号", "一级指标", "指标名称",
                    "年度指标值", "实际完成值", "偏差原因分析及改进措施", "自评得分")
EDITABLE = {"全年预算数", "全年执行数", "偏差原因", "实际完成值", "偏差原因分析及改进措施",
            "自评得分"}
CENT = Decimal("0.01")


def write_actuals_sheet(doc: Document, path: str | Path, year: int,
                        actuals: Actuals | None = None, period: str = "全年") -> Path:
    """The template (answers blank), or a filled sheet when `actuals` are given."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter

    book = Workbook()
    execution = book.active
    execution.title = EXECUTION_SHEET
    indicators = book.create_sheet(INDICATOR_SHEET)
    open_fill = PatternFill("solid", fgColor="FFF2CC")
    period = actuals.period if actuals else period
    for sheet, header in ((execution, EXECUTION_HEADER), (indicators, INDICATOR_HEADER)):
        append_row(sheet, ["年度", year, "期间", period,
                           f"{doc.department or ''} {doc.title or ''}"])
        for cell in ("B1", "D1"):  # the year, and 全年 or the date a mid-year report is at
            sheet[cell].protection = Protection(locked=False)
            sheet[cell].fill = open_fill
        append_row(sheet, list(header))
        for cell in sheet[2]:
            cell.font = Font(bold=True)
    for p in doc.projects:
        done = actuals.executions.get(p.seq) if actuals else None
        append_row(execution, [p.seq, p.name, p.amounts.total,
                               done.adjusted_budget if done else None,
                               done.executed if done else None, done.reason if done else None])
        for k, i in enumerate(p.indicators):
            answer = actuals.values.get((p.seq, k)) if actuals else None
            append_row(indicators, [p.seq, p.name, k + 1, i.seq, i.category, i.name, i.target,
                                    answer.value if answer else None,
                                    answer.reason if answer else None,
                                    answer.claimed_score if answer else None])
    for sheet, header in ((execution, EXECUTION_HEADER), (indicators, INDICATOR_HEADER)):
        for k, name in enumerate(header, start=1):
            sheet.column_dimensions[get_column_letter(k)].width = \
                {"项目名称": 36, "指标名称": 26, "偏差原因": 30, "偏差原因分析及改进措施": 36,
                 "实际完成值": 16, "年度指标值": 16}.get(name, 11)
            if name in EDITABLE:  # what the department answers: open, and shaded
                for row in range(3, sheet.max_row + 1):
                    cell = sheet.cell(row, k)
                    cell.protection = Protection(locked=False)
                    cell.fill = open_fill
        sheet.protection.sheet = True  # the table's own columns must not be edited
        sheet.freeze_panes = "C3"
    path = Path(path)
    book.save(path)
    return path


@dataclass(frozen=True, slots=True)
class SheetError:
    sheet: str
    row: int
    column: str
    expected: str

    def __str__(self) -> str:
        return say("sheet.where", sheet=self.sheet, row=self.row, column=self.column,
                   expected=self.expected)


class ActualsError(ReadError):
    """A filled sheet with errors: every one of them, and nothing of the file is used."""

    def __init__(self, file: str | None, errors: list[SheetError]) -> None:
        self.errors = errors
        shown = say("sheet.separator").join(str(e) for e in errors[:8])
        more = say("sheet.more", n=len(errors) - 8) if len(errors) > 8 else ""
        super().__init__("bad-actuals", say("sheet.errors", n=len(errors), shown=shown) + more,
                         SourceSpan(file, errors[0].row if errors else None))


def _rows(sheet: Any, header: tuple[str, ...], errors: list[SheetError]) -> list[
        tuple[int, dict[str, Any]]]:
    found = {str(c.value).strip(): c.column for c in sheet[2] if c.value is not None}
    missing = [h for h in header if h not in found]
    if missing:
        errors.append(SheetError(sheet.title, 2, "、".join(missing),
                                 say("sheet.column_missing")))
        return []
    out = []
    for row in sheet.iter_rows(min_row=3):
        values = {h: row[found[h] - 1].value for h in header}
        if all(v is None for v in values.values()):
            continue
        out.append((row[0].row, values))
    return out


def _money(value: Any, sheet: str, row: int, column: str,
           errors: list[SheetError]) -> Decimal | None:
    # the library's one check of an amount (≥ 0, two decimals at most), as the web's
    number, why = check_money(value, column)
    if why is not None:
        errors.append(SheetError(sheet, row, column, why))
    return number


def read_actuals_sheet(data: bytes, doc: Document, file: str | None = None) -> Actuals:
    """The answers of a filled sheet, checked against the table; any error → ActualsError
    listing every one (row, column, what was expected)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:
        raise ReadError("bad-xlsx", say("sheet.bad-xlsx", error=exc.__class__.__name__),
                        SourceSpan(file)) from None
    errors: list[SheetError] = []
    for name in (EXECUTION_SHEET, INDICATOR_SHEET):
        if name not in book.sheetnames:
            errors.append(SheetError(name, 1, "-", say("sheet.sheet_missing", name=name)))
    if errors:
        raise ActualsError(file, errors)
    execution, indicators = book[EXECUTION_SHEET], book[INDICATOR_SHEET]
    year = execution["B1"].value
    if not isinstance(year, int) or not 1990 <= year <= 2100:
        errors.append(SheetError(EXECUTION_SHEET, 1, "年度", say("sheet.year", value=year)))
    period = str(execution["D1"].value or "全年").strip()
    if period != "全年":
        try:
            date.fromisoformat(period[:10])
            period = period[:10]
        except ValueError:
            errors.append(SheetError(EXECUTION_SHEET, 1, "期间",
                                     say("sheet.period", value=period)))
    projects = {p.seq: p for p in doc.projects}
    actuals = Actuals(year if isinstance(year, int) else 0, period)
    for row, v in _rows(execution, EXECUTION_HEADER, errors):
        project = projects.get(v["项目序号"])
        # both sides stripped: a name may itself begin with a tab ('\t=1'), kept as written
        if project is None or project.name.strip() != str(v["项目名称"]).strip():
            errors.append(SheetError(EXECUTION_SHEET, row, "项目序号", say(
                "sheet.project", seq=v["项目序号"], name=v["项目名称"])))
            continue
        actuals.executions[project.seq] = Execution(
            project.seq, _money(v["全年预算数"], EXECUTION_SHEET, row, "全年预算数", errors),
            _money(v["全年执行数"], EXECUTION_SHEET, row, "全年执行数", errors),
            str(v["偏差原因"] or ""), SourceSpan(file, row, row))
    for row, v in _rows(indicators, INDICATOR_HEADER, errors):
        project = projects.get(v["项目序号"])
        position = v["位置"]
        if project is None or not isinstance(position, int) or \
                not 1 <= position <= len(project.indicators) or \
                project.indicators[position - 1].name.strip() != str(v["指标名称"]).strip():
            errors.append(SheetError(INDICATOR_SHEET, row, "位置", say(
                "sheet.indicator", seq=v["项目序号"], position=position, name=v["指标名称"])))
            continue
        claimed = _money(v["自评得分"], INDICATOR_SHEET, row, "自评得分", errors)
        value = "" if v["实际完成值"] is None else str(v["实际完成值"]).strip()
        if value and (why := check_actual(project.indicators[position - 1], value)):
            errors.append(SheetError(INDICATOR_SHEET, row, "实际完成值", why))
        actuals.values[(project.seq, position - 1)] = Actual(
            project.seq, position - 1, value, str(v["偏差原因分析及改进措施"] or ""), claimed,
            SourceSpan(file, row, row))
    if errors:
        raise ActualsError(file, errors)
    return actuals
