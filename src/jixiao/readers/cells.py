"""Container readers that give a cell grid: HTML pages, .xlsx and .xls workbooks, .docx.

Each places every cell by its row and column with its spans (merged cells, rowspan /
colspan, gridSpan / vMerge), keeps its text as published, and says where it came from
(sheet and row, or the line of the page). Zip containers are measured by
`containers.check_zip` before a library opens them; no parser resolves entities or
reaches the network.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from jixiao.errors import ReadError
from jixiao.limits import DEFAULT, Limits
from jixiao.messages import say
from jixiao.model import SourceSpan
from jixiao.readers.grid import Cell, Grid, check_size

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DECIMALS = re.compile(r"0\.(0+)")


class _Placer:
    """Rows of cells with spans → positioned cells: each cell takes the first column its
    row has free (cells of rows above may reach down into it)."""

    def __init__(self) -> None:
        self.taken: set[tuple[int, int]] = set()
        self.cells: list[Cell] = []
        self.row = 0

    def add_row(self, row: Iterable[tuple[str, int, int, int | None]], **where: Any) -> None:
        col = 0
        any_cell = False
        for text, rowspan, colspan, line in row:
            while (self.row, col) in self.taken:
                col += 1
            rowspan, colspan = max(rowspan, 1), max(colspan, 1)
            for r in range(self.row, self.row + rowspan):
                for c in range(col, col + colspan):
                    self.taken.add((r, c))
            self.cells.append(Cell(self.row, col, text, rowspan, colspan, line=line, **where))
            col += colspan
            any_cell = True
        if any_cell:
            self.row += 1


# --- HTML ---------------------------------------------------------------------------------


def _html_text(element: Any) -> str:
    """A cell's text with <br> and block breaks as line breaks, spaces collapsed."""
    parts: list[str] = []
    for node in element.iter():
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in ("br", "p", "div") and parts:
            parts.append("\n")
        if node.text and tag not in ("script", "style"):
            parts.append(node.text)
        if node is not element and node.tail:
            parts.append(node.tail)
    text = "".join(parts).replace("\xa0", " ")
    return "\n".join(" ".join(line.split()) for line in text.split("\n")).strip()


def html_grid(data: bytes, file: str | None = None, limits: Limits = DEFAULT) -> Grid:
    """The cells of an HTML page: every leaf <table> (a table holding no table), and the
    page's headings and paragraphs outside tables as rows of one cell (a form's title and
    unit line often stand above it)."""
    import lxml.html
    from lxml import etree

    parser = lxml.html.HTMLParser(remove_comments=True, no_network=True)
    try:
        root = lxml.html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError):
        raise ReadError("bad-html", say("errors.bad-html"), SourceSpan(file)) from None
    for bad in root.iter("script", "style", "noscript"):
        bad.drop_tree() if bad.getparent() is not None else None
    placer = _Placer()
    seen_table = False
    for element in root.iter("table", "h1", "h2", "h3", "h4", "p", "caption"):
        if element.tag == "table":
            if element.find(".//table") is not None:
                continue  # a layout table: its leaf tables hold the cells
            seen_table = True
            for tr in element.iter("tr"):
                if tr.getparent() is not None and tr.getparent().tag not in (
                        "table", "tbody", "thead", "tfoot"):
                    continue
                cells = []
                for td in tr:
                    if not isinstance(td.tag, str) or td.tag not in ("td", "th"):
                        continue
                    cells.append((_html_text(td), _span(td.get("rowspan")),
                                  _span(td.get("colspan")), td.sourceline))
                placer.add_row(cells)
        elif element.getparent() is not None and _inside_table(element):
            continue
        else:
            text = _html_text(element)
            if text and len(text) <= 200:
                placer.add_row([(text, 1, 1, element.sourceline)])
    if not seen_table:
        raise ReadError("no-form", say("errors.no-html-table"), SourceSpan(file))
    return check_size(Grid(placer.cells, file, "html"), limits)


def _inside_table(element: Any) -> bool:
    parent = element.getparent()
    while parent is not None:
        if parent.tag == "table":
            return True
        parent = parent.getparent()
    return False


def _span(value: str | None) -> int:
    try:
        return min(max(int(value or 1), 1), 1000)
    except ValueError:
        return 1


# --- spreadsheets ---------------------------------------------------------------------------


def cell_text(value: Any, number_format: str = "General") -> str:
    """A spreadsheet value as the sheet shows it: 0.95 in a percent cell is `95%`, 100.0
    is `100`, two decimals where the format has two."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))
        fmt = number_format or "General"
        if "%" in fmt:
            number *= 100
        m = _DECIMALS.search(fmt)
        if m:
            number = number.quantize(Decimal(1).scaleb(-len(m.group(1))))
        elif number == number.to_integral_value():
            number = number.quantize(Decimal(1))
        else:
            number = number.normalize()
        text = format(number, ",f" if "," in fmt else "f")
        return text + "%" if "%" in fmt else text
    return str(value)


def xlsx_grid(data: bytes, file: str | None = None, limits: Limits = DEFAULT) -> Grid:
    """Every sheet of a workbook, one after another, merged ranges as spans."""
    from openpyxl import load_workbook

    from jixiao.readers.containers import check_zip

    check_zip(data, file, limits)
    try:
        book = load_workbook(io.BytesIO(data), data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise ReadError("bad-xlsx", say("errors.bad-xlsx"), SourceSpan(file)) from None
    cells: list[Cell] = []
    offset = 0
    for sheet in book.worksheets:
        anchors: dict[tuple[int, int], tuple[int, int]] = {}
        covered: set[tuple[int, int]] = set()
        for rng in sheet.merged_cells.ranges:
            anchors[(rng.min_row, rng.min_col)] = (rng.max_row - rng.min_row + 1,
                                                   rng.max_col - rng.min_col + 1)
            covered.update((r, c) for r in range(rng.min_row, rng.max_row + 1)
                           for c in range(rng.min_col, rng.max_col + 1))
        last = 0
        for row in sheet.iter_rows():
            for c in row:
                key = (c.row, c.column)
                if key in covered and key not in anchors:
                    continue
                text = cell_text(c.value, c.number_format)
                if not text and key not in anchors:
                    continue
                rs, cs = anchors.get(key, (1, 1))
                cells.append(Cell(offset + c.row - 1, c.column - 1, text, rs, cs,
                                  sheet=sheet.title, line=c.row))
                last = max(last, c.row + rs - 1)
        offset += last
    return check_size(Grid(cells, file, "xlsx"), limits)


def xls_grid(data: bytes, file: str | None = None, limits: Limits = DEFAULT) -> Grid:
    """An Excel 97–2003 workbook (BIFF) through xlrd, merged cells as spans."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    except Exception:  # xlrd raises XLRDError, struct errors … for a damaged file
        raise ReadError("bad-xls", say("errors.bad-xls"), SourceSpan(file)) from None
    cells: list[Cell] = []
    offset = 0
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            if sheet.nrows * max(sheet.ncols, 1) > limits.cells:
                from jixiao.limits import check

                check("cells", sheet.nrows * sheet.ncols, limits, "cells in the sheet",
                      SourceSpan(file))
            anchors = {(r0, c0): (r1 - r0, c1 - c0) for r0, r1, c0, c1 in sheet.merged_cells}
            covered = {(r, c) for r0, r1, c0, c1 in sheet.merged_cells
                       for r in range(r0, r1) for c in range(c0, c1)}
            for r in range(sheet.nrows):
                for c in range(sheet.ncols):
                    if (r, c) in covered and (r, c) not in anchors:
                        continue
                    cell = sheet.cell(r, c)
                    fmt = "General"
                    if cell.ctype == xlrd.XL_CELL_NUMBER:
                        xf = book.xf_list[cell.xf_index]
                        fmt = book.format_map[xf.format_key].format_str
                    value = cell.value
                    if cell.ctype == xlrd.XL_CELL_DATE:
                        value = xlrd.xldate.xldate_as_datetime(value, book.datemode)
                    elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                        value = None
                    text = cell_text(value, fmt)
                    if not text and (r, c) not in anchors:
                        continue
                    rs, cs = anchors.get((r, c), (1, 1))
                    cells.append(Cell(offset + r, c, text, rs, cs, sheet=sheet.name,
                                      line=r + 1))
            offset += sheet.nrows
    finally:
        book.release_resources()
    return check_size(Grid(cells, file, "xls"), limits)


# --- Word ----------------------------------------------------------------------------------


def _w_text(element: Any) -> str:
    """A cell's or paragraph's text: its paragraphs as lines."""
    lines = []
    for p in element.iter(f"{W}p"):
        lines.append("".join(t.text or "" for t in p.iter(f"{W}t", f"{W}tab")))
    return "\n".join(line.strip() for line in lines).strip()


def docx_grid(data: bytes, file: str | None = None, limits: Limits = DEFAULT) -> Grid:
    """The tables of a .docx body (gridSpan and vMerge as spans) and the paragraphs
    between them (titles, unit lines) as rows of one cell."""
    from lxml import etree

    from jixiao.readers.containers import DOCX_GRIDS, check_zip

    check_zip(data, file, limits, kind="docx", grids=DOCX_GRIDS)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            xml = book.read("word/document.xml")
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        root = etree.fromstring(xml, parser)
    except (KeyError, zipfile.BadZipFile, etree.XMLSyntaxError):
        raise ReadError("bad-docx", say("errors.bad-docx"), SourceSpan(file)) from None
    body = root.find(f"{W}body")
    if body is None:
        raise ReadError("bad-docx", say("errors.docx-no-body"), SourceSpan(file))
    cells: list[Cell] = []
    row = 0
    for block in body:
        if block.tag == f"{W}p":
            text = _w_text(block)
            if text:
                cells.append(Cell(row, 0, text, line=row + 1))
                row += 1
        elif block.tag == f"{W}tbl":
            row = _docx_table(block, cells, row)
    return check_size(Grid(cells, file, "docx"), limits)


def _docx_table(table: Any, cells: list[Cell], row: int) -> int:
    """Rows of one table; a vMerge continuation lengthens the cell above it."""
    open_cells: dict[int, Cell] = {}  # grid column → the cell a vertical merge continues
    for tr in table.iter(f"{W}tr"):
        if tr.getparent() is not table:
            continue  # a nested table's rows
        col = 0
        for tc in tr.findall(f"{W}tc"):
            props = tc.find(f"{W}tcPr")
            span = 1
            merge = None
            if props is not None:
                gs = props.find(f"{W}gridSpan")
                if gs is not None:
                    span = _span(gs.get(f"{W}val"))
                vm = props.find(f"{W}vMerge")
                if vm is not None:
                    merge = vm.get(f"{W}val") or "continue"
            if merge == "continue" and col in open_cells:
                open_cells[col].rowspan += 1
            else:
                cell = Cell(row, col, _w_text(tc), 1, span, line=row + 1)
                if cell.text or merge == "restart" or span > 1:  # an empty cell says nothing
                    cells.append(cell)
                if merge == "restart":
                    open_cells[col] = cell
                else:
                    open_cells.pop(col, None)
            col += span
        row += 1
    return row
