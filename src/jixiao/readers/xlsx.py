"""Reader for the table in Excel, in the wide form (one row per project, indicators in one
cell) or the long form (one row per indicator, project columns repeated or merged down).

Headers are found by name, not position; a missing column is an error that names it and
the header row. Spans point at spreadsheet rows (`first_line`/`last_line` are row numbers).
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from jixiao.errors import ReadError
from jixiao.limits import DEFAULT, Limits
from jixiao.messages import say
from jixiao.model import (
    AMOUNT_COLUMNS,
    AMOUNT_LABELS,
    Document,
    ReadWarning,
    SourceInfo,
    SourceSpan,
)
from jixiao.readers.cells import (
    hidden_cells_warning,
    hidden_rows_and_columns,
    uncalculated_formulas,
)
from jixiao.readers.containers import check_zip
from jixiao.readers.rows import GRAND_TOTAL_NAMES, Piece, RowBuilder, RowCells, heading, piece_span

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
        except Exception:  # openpyxl raises many kinds for a damaged file
            raise self.fail("bad-xlsx", say("errors.bad-xlsx")) from None
        # the first sheet a reader of the workbook sees (a hidden one is not published)
        return next((ws for ws in book.worksheets if ws.sheet_state == "visible"),
                    book.worksheets[0])

    def header(self, sheet: Any, hidden_cols: frozenset[int] | set[int] = frozenset()
               ) -> tuple[int, dict[str, int]]:
        """The header row and the column (1-based) of each heading found in it."""
        for row in sheet.iter_rows(min_row=1, max_row=min(sheet.max_row, 15)):
            found: dict[str, int] = {}
            for cell in row:
                if cell.column in hidden_cols:
                    continue
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
                    labels = "、".join(f"“{ALIASES[k][0]}”" for k in missing)
                    seen = "、".join(f"“{c.value}”" for c in row if c.value is not None)
                    raise self.fail("missing-column", say("errors.missing-column", row=number,
                                                          labels=labels, seen=seen), number)
                return number, found
        raise self.fail("no-header", say("errors.no-header"), 1)

    def refuse_merged_header(self, sheet: Any, number: int) -> None:
        for merged in sheet.merged_cells.ranges:
            if merged.min_row <= number <= merged.max_row and merged.min_col != merged.max_col:
                raise self.fail("merged-header", say("errors.merged-header", row=number,
                                                     cells=merged.coord), number)

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

    def row_span(self, pieces: Sequence[Piece]) -> SourceSpan:
        return piece_span(pieces)

    def document(self) -> Document:
        sheet = self.sheet()
        # an amount written as a formula with no value saved reads as empty: said first
        self.warnings += uncalculated_formulas(self.data, self.file, [sheet.title])
        hidden_rows, hidden_cols = hidden_rows_and_columns(sheet, self.limits)
        number, columns = self.header(sheet, hidden_cols)
        self.unmerge(sheet, number)
        above = [str(value) for row in sheet.iter_rows(min_row=1, max_row=number - 1,
                                                      values_only=True)
                 for value in row if value is not None]
        doc = Document(*heading(above))
        builder: RowBuilder[Piece] = RowBuilder(doc, self.row_span, self.warnings)
        long = "item_name" in columns
        rows = []
        skipped = [c.coordinate for r in sheet.iter_rows(min_row=number + 1) for c in r
                   if c.value is not None and (c.row in hidden_rows or c.column in hidden_cols)]
        if skipped:
            self.warnings.append(hidden_cells_warning(sheet.title, skipped, SourceSpan(
                self.file, min(hidden_rows or {number}), max(hidden_rows or {number}))))
        for r in sheet.iter_rows(min_row=number + 1):
            if r and r[0].row in hidden_rows:
                continue
            cells = {key: r[col - 1].value if col - 1 < len(r) else None
                     for key, col in columns.items()}
            if all(v is None or str(v).strip() == "" for v in cells.values()):
                continue
            rows.append((r[0].row, cells))
        (self.read_long if long else self.read_wide)(builder, rows)
        builder.finish()
        doc.warnings = self.warnings
        doc.source = SourceInfo(self.file, hashlib.sha256(self.data).hexdigest(), "xlsx", None,
                                sheet.max_row, None)
        return doc

    def cells(self, builder: RowBuilder[Piece], row: int, cells: dict[str, Any],
              items: list[list[Piece]]) -> RowCells[Piece]:
        span = self.span(row)
        return RowCells(str(cells["name"] or "").strip(), builder.amounts(cells, span),
                        str(cells["goal"] or ""), items, span,
                        {"name": span, "amounts": span, "goal": span})

    def read_wide(self, builder: RowBuilder[Piece], rows: list[tuple[int, dict[str, Any]]]
                  ) -> None:
        """One row per project, its items one or more lines each in one cell."""
        for row, cells in rows:
            span = self.span(row)
            lines = [Piece(x, span) for x in str(cells["items"] or "").splitlines() if x.strip()]
            builder.add(self.cells(builder, row, cells, builder.items(lines)))

    def read_long(self, builder: RowBuilder[Piece], rows: list[tuple[int, dict[str, Any]]]
                  ) -> None:
        """One row per indicator: a project's rows share its columns (repeated, or merged
        and filled in); its subtotal row names the unit in the unit column."""
        groups: list[tuple[str | None, list[tuple[int, dict[str, Any]]]]] = []
        last_key: tuple[Any, ...] | None = None
        for row, cells in rows:
            name = str(cells["name"] or "").strip()
            unit = str(cells["unit"]).strip() if cells.get("unit") else None
            if name in GRAND_TOTAL_NAMES or (not name and cells.get("item_name") is None):
                self.flush(builder, groups)
                span = self.span(row)
                builder.rows += 1
                if name:
                    builder.grand_total(builder.amounts(cells, span), span)
                else:
                    builder.unit(unit or "", builder.amounts(cells, span), span, by_name=True)
                last_key = None
                continue
            key = (unit, cells.get("seq"), name, cells["total"], cells["goal"])
            if key != last_key:
                self.flush(builder, groups)
                groups.append((unit, []))
                last_key = key
            groups[-1][1].append((row, cells))
        self.flush(builder, groups)

    def flush(self, builder: RowBuilder[Piece],
              groups: list[tuple[str | None, list[tuple[int, dict[str, Any]]]]]) -> None:
        """The project whose rows were gathered last, made."""
        if not groups:
            return
        unit, rows = groups.pop()
        first, head = rows[0]
        indicators = []
        for row, cells in rows:
            if cells.get("item_name") is None and cells.get("target") is None:
                continue
            item_seq = int(cells["item_seq"]) if cells.get("item_seq") else len(indicators) + 1
            raw = cells.get("raw")
            if raw is None:  # no 指标原文 column: the item as it would be printed
                category = cells.get("category")
                raw = f"{category + '：' if category else ''}{cells['item_name'] or ''}；" \
                      f"年度指标值:{cells['target'] if cells['target'] is not None else ''};"
            indicators.append(builder.indicator(item_seq, str(raw), [Piece(str(raw),
                                                                           self.span(row))]))
        builder.rows += 1
        project = builder.project(self.cells(builder, first, head, []), unit, indicators)
        project.span = SourceSpan(self.file, first, rows[-1][0])


def read_xlsx_bytes(data: bytes, file: str | None = None,
                    limits: Limits = DEFAULT) -> Document:
    return XlsxReader(data, file, limits).document()
