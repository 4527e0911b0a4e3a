"""Reader for the table in Excel, in the wide form (one row per project, indicators in one
cell) or the long form (one row per indicator, project columns repeated or merged down).

Headers are found by name, not position; a missing column is an error that names it and
the header row. Spans point at spreadsheet rows (`first_line`/`last_line` are row numbers).
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from jixiao.errors import ReadError
from jixiao.limits import DEFAULT, Limits
from jixiao.model import (
    AMOUNT_COLUMNS,
    AMOUNT_LABELS,
    Amounts,
    Document,
    Indicator,
    Project,
    ReadWarning,
    Severity,
    SourceInfo,
    SourceSpan,
    Unit,
)
from jixiao.readers.containers import check_zip
from jixiao.readers.items import parse_item

ITEM_START = re.compile(r"^(\d{1,3})、")
# The names a heading may carry (compared without spaces and line breaks).
ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("项目名称（资金使用单位）", "项目名称(资金使用单位)", "项目名称"),
    "unit": ("资金使用单位",),
    "seq": ("项目序号",),
    **{c: (AMOUNT_LABELS[c],) for c in AMOUNT_COLUMNS},
    "goal": ("绩效目标", "年度绩效目标"),
    "items": ("绩效指标",),
    "item_seq": ("指标序号",),
    "category": ("指标类别", "一级指标"),
    "item_name": ("指标名称", "三级指标"),
    "target": ("年度指标值", "指标值"),
    "raw": ("指标原文",),
}
WIDE_NEEDS = ("name", "total", "fiscal", "special_account", "other", "goal", "items")
LONG_NEEDS = ("name", "total", "fiscal", "special_account", "other", "goal", "item_name",
              "target")
CENT = Decimal("0.01")


def _norm(value: Any) -> str:
    return re.sub(r"\s+", "", str(value)) if value is not None else ""


@dataclass
class XlsxReader:
    data: bytes
    file: str | None
    limits: Limits = DEFAULT
    warnings: list[ReadWarning] = field(default_factory=list)

    def fail(self, code: str, message: str, row: int | None = None) -> ReadError:
        return ReadError(code, message, SourceSpan(self.file, row, row))

    def span(self, first: int, last: int | None = None) -> SourceSpan:
        return SourceSpan(self.file, first, last or first)

    def sheet(self) -> Any:
        from openpyxl import load_workbook

        # measured from the zip directory and streamed XML before openpyxl builds a cell
        check_zip(self.data, self.file, self.limits, kind="xlsx")
        try:
            book = load_workbook(io.BytesIO(self.data), data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise self.fail("bad-xlsx", f"not a readable xlsx workbook ({exc.__class__.__name__}"
                            f": {exc}): expected an Excel 2007+ file") from None
        return book.worksheets[0]

    def header(self, sheet: Any) -> tuple[int, dict[str, int]]:
        """The header row and the column (1-based) of each heading found in it."""
        for row in sheet.iter_rows(min_row=1, max_row=min(sheet.max_row, 15)):
            found: dict[str, int] = {}
            for cell in row:
                text = _norm(cell.value)
                for key, names in ALIASES.items():
                    if key not in found and text in {_norm(n) for n in names}:
                        found[key] = cell.column
            if "name" in found and "total" in found:
                number = row[0].row
                self.refuse_merged_header(sheet, number)
                needs = LONG_NEEDS if "item_name" in found or "target" in found else WIDE_NEEDS
                missing = [k for k in needs if k not in found]
                if missing:
                    labels = ", ".join(f"'{ALIASES[k][0]}'" for k in missing)
                    seen = ", ".join(f"'{c.value}'" for c in row if c.value is not None)
                    raise self.fail("missing-column", f"the header row {number} has no column "
                                    f"{labels}; it has {seen}", number)
                return number, found
        raise self.fail("no-header", "no header row with '项目名称' and '总计' in the first 15 "
                        "rows: expected the column headings of a 项目支出绩效目标表", 1)

    def refuse_merged_header(self, sheet: Any, number: int) -> None:
        for merged in sheet.merged_cells.ranges:
            if merged.min_row <= number <= merged.max_row and merged.min_col != merged.max_col:
                raise self.fail("merged-header", f"the header row {number} has cells merged "
                                f"across {merged.coord}: expected one heading per column "
                                "(unmerge the headings first)", number)

    @staticmethod
    def unmerge(sheet: Any, below: int) -> None:
        """Cells merged down a project's rows: every row gets the value."""
        for merged in list(sheet.merged_cells.ranges):
            if merged.min_row <= below:
                continue
            value = sheet.cell(merged.min_row, merged.min_col).value
            sheet.unmerge_cells(str(merged))
            for r in range(merged.min_row, merged.max_row + 1):
                for c in range(merged.min_col, merged.max_col + 1):
                    sheet.cell(r, c).value = value

    def money(self, value: Any, row: int, column: str) -> Decimal | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, float):
            exact = Decimal(repr(value))
            cents = exact.quantize(CENT)
            if cents != exact:
                self.warnings.append(ReadWarning(
                    "amount-precision", f"row {row}: {AMOUNT_LABELS[column]} {value} has more "
                    "than two decimals; kept as is", self.span(row), Severity.INFO))
                return exact
            return cents  # 万元 with two decimals, as the sheet shows them
        try:
            return Decimal(str(value).replace(",", "").strip())
        except InvalidOperation:
            raise self.fail("bad-amount", f"row {row}: {AMOUNT_LABELS[column]} '{value}' is not "
                            "an amount in 万元", row) from None

    def amounts(self, cells: dict[str, Any], row: int) -> Amounts:
        return Amounts(*(self.money(cells.get(c), row, c) for c in AMOUNT_COLUMNS))

    def indicator(self, seq: int, raw: str, row: int) -> Indicator:
        parsed = parse_item(seq, raw)
        span = self.span(row)
        for code, message, severity, _where in parsed.doubts:
            self.warnings.append(ReadWarning(code, f"row {row}: {message}", span, severity))
        return Indicator(seq, parsed.category, parsed.name, parsed.target, raw, span)

    def document(self) -> Document:
        sheet = self.sheet()
        number, columns = self.header(sheet)
        self.unmerge(sheet, number)
        title = department = None
        amount_unit = "万元"
        for row in sheet.iter_rows(min_row=1, max_row=number - 1, values_only=True):
            for value in row:
                text = str(value).strip() if value is not None else ""
                if m := re.match(r"^(?:部门|单位)名称[：:]\s*(.+)$", text):
                    department = m.group(1).strip()
                elif m := re.match(r"^(?:金额)?单位[：:]\s*(万元|元|千元|亿元)$", text):
                    amount_unit = m.group(1)
                elif text and title is None:
                    title = text
        doc = Document(title, department, amount_unit)
        long = "item_name" in columns
        rows = []
        for r in sheet.iter_rows(min_row=number + 1):
            cells = {key: r[col - 1].value if col - 1 < len(r) else None
                     for key, col in columns.items()}
            if all(v is None or str(v).strip() == "" for v in cells.values()):
                continue
            rows.append((r[0].row, cells))
        (self.read_long if long else self.read_wide)(doc, rows)
        doc.warnings = self.warnings
        doc.source = SourceInfo(self.file, hashlib.sha256(self.data).hexdigest(), "xlsx", None,
                                sheet.max_row, None)
        return doc

    def _unit(self, doc: Document, name: str | None) -> Unit:
        if name is not None:
            for unit in doc.units:
                if unit.name == name:
                    return unit
            doc.units.append(Unit(name, None))
            return doc.units[-1]
        return doc.current_unit()

    def read_wide(self, doc: Document, rows: list[tuple[int, dict[str, Any]]]) -> None:
        seq = 0
        for row, cells in rows:
            name = str(cells["name"] or "").strip()
            goal = str(cells["goal"] or "")
            items = str(cells["items"] or "")
            if name in ("合计", "总计") and not items and doc.grand_total is None:
                doc.grand_total = self.amounts(cells, row)
                continue
            if not goal.strip() and not items.strip():
                doc.units.append(Unit(name, self.amounts(cells, row), span=self.span(row)))
                continue
            seq += 1
            indicators = []
            for k, line in enumerate(x for x in items.splitlines() if x.strip()):
                m = ITEM_START.match(line)
                if m:
                    indicators.append(self.indicator(int(m.group(1)), line[m.end():], row))
                elif indicators:  # a wrapped item typed over two lines
                    last = indicators.pop()
                    indicators.append(self.indicator(last.seq, last.raw + line, row))
                else:
                    indicators.append(self.indicator(k + 1, line, row))
            span = self.span(row)
            self._unit(doc, None).projects.append(Project(
                seq, name, self.amounts(cells, row), goal, indicators, span,
                {"name": span, "amounts": span, "goal": span}))

    def read_long(self, doc: Document, rows: list[tuple[int, dict[str, Any]]]) -> None:
        last_key: tuple[Any, ...] | None = None
        project: Project | None = None
        seq = 0
        for row, cells in rows:
            name = str(cells["name"] or "").strip()
            unit_name = str(cells["unit"]).strip() if cells.get("unit") else None
            if name in ("合计", "总计") and doc.grand_total is None:
                doc.grand_total = self.amounts(cells, row)
                continue
            if not name and cells.get("item_name") is None:
                unit = self._unit(doc, unit_name)
                unit.subtotal, unit.span = self.amounts(cells, row), self.span(row)
                continue
            # rows of one project share its columns (repeated, or merged and filled in)
            key = (unit_name, cells.get("seq"), name, cells["total"], cells["goal"])
            if project is None or key != last_key:
                seq += 1
                span = self.span(row)
                project = Project(seq, name, self.amounts(cells, row), str(cells["goal"] or ""),
                                  [], span, {"name": span, "amounts": span, "goal": span})
                self._unit(doc, unit_name).projects.append(project)
                last_key = key
            else:
                project.span = SourceSpan(self.file, project.span.first_line, row)
            if cells.get("item_name") is None and cells.get("target") is None:
                continue
            item_seq = int(cells["item_seq"]) if cells.get("item_seq") else \
                len(project.indicators) + 1
            raw = cells.get("raw")
            if raw is None:  # no 指标原文 column: the item as it would be printed
                category = cells.get("category")
                raw = f"{category + '：' if category else ''}{cells['item_name'] or ''}；" \
                      f"年度指标值:{cells['target'] if cells['target'] is not None else ''};"
            project.indicators.append(self.indicator(item_seq, str(raw), row))


def read_xlsx_bytes(data: bytes, file: str | None = None,
                    limits: Limits = DEFAULT) -> Document:
    return XlsxReader(data, file, limits).document()
