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
from jixiao.model import ReadWarning, Severity, SourceSpan
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
        self.hidden: list[int] = []  # rows placed only to be closed up (a hidden <tr>)

    def add_row(self, row: Iterable[tuple[str, int, int, int | None]], hidden: bool = False,
                **where: Any) -> None:
        if hidden:
            self.hidden.append(self.row)
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

    def visible(self) -> list[Cell]:
        """The cells with the hidden rows taken out and the rows below closed up: a
        rowspan over a hidden row spans what of it is visible, as in a sheet."""
        if not self.hidden:
            return self.cells
        hidden = _Hidden(self.hidden, [])
        out = []
        for cell in self.cells:
            placed = hidden.place((cell.row, cell.col, cell.text, cell.rowspan, cell.colspan))
            if placed is not None:
                r, c, text, rs, cs = placed
                out.append(Cell(r, c, text, rs, cs, sheet=cell.sheet, page=cell.page,
                                line=cell.line, box=cell.box))
        return out


# --- HTML ---------------------------------------------------------------------------------


# what hides an element from whoever reads the page: inline CSS, Word's mso-hide:all (its
# hidden text), the `hidden` attribute, or a rule of the page's <style> naming its class
_HIDING = (("display", "none"), ("visibility", "hidden"), ("visibility", "collapse"),
           ("mso-hide", "all"))
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_CSS_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
# a simple selector: a tag, a tag.class, a .class or an #id (no combinators, no pseudo)
_CSS_SIMPLE = re.compile(r"^([a-z][a-z0-9]*)?(?:\.([\w-]+)|#([\w-]+))?$", re.I)


def _hides(declarations: str) -> str | None:
    """`display`, `visibility` … when the declarations hide what they style, else None."""
    found = None
    low = declarations.lower()
    if "none" not in low and "hidden" not in low and "collapse" not in low and \
            "mso-hide" not in low:
        return None  # most styles (Word's on every paragraph) hide nothing: not parsed
    for declaration in low.split(";"):
        name, _, value = declaration.partition(":")
        name, value = name.strip(), value.replace("!important", "").strip()
        if (name, value) in _HIDING:
            found = name
        elif name in ("display", "visibility") and found == name:
            found = None  # a later declaration of the same property shows it again
    return found


def _hiding_rules(root: Any) -> list[tuple[str | None, str | None, str | None, str]]:
    """The page's <style> rules that hide: (tag, class, id, property) per simple selector
    (Word's save-as-HTML and CMSes hide a draft with a class; a cascade is not computed)."""
    rules = []
    for style in root.iter("style"):
        css = _CSS_COMMENT.sub("", "".join(style.itertext()))
        for selectors, declarations in _CSS_RULE.findall(css):
            hides = _hides(declarations)
            if hides is None:
                continue
            for selector in selectors.split(","):
                if m := _CSS_SIMPLE.match(selector.strip()):
                    tag, cls, ident = m.groups()
                    if tag or cls or ident:
                        rules.append((tag and tag.lower(), cls, ident, hides))
    return rules


def _hidden_by(element: Any, rules: list[tuple[str | None, str | None, str | None, str]]
               ) -> str | None:
    """What hides an element (`display`, `visibility`, `mso-hide`, `hidden`), or None."""
    if "hidden" in element.attrib:
        return "hidden"
    if (inline := element.get("style")) and (hides := _hides(inline)) is not None:
        return hides
    if rules:
        classes = set((element.get("class") or "").split())
        ident = element.get("id")
        for tag, cls, rule_id, hides in rules:
            if (tag is None or tag == element.tag) and (cls is None or cls in classes) and \
                    (rule_id is None or rule_id == ident):
                return hides
    return None


def _drop_hidden(root: Any, file: str | None) -> tuple[set[Any], ReadWarning | None]:
    """What the page hides is not published: a hidden element is taken out (a cell with
    it, so the cells after it close up as a browser shows them), a cell hidden by
    `visibility` keeps its place empty, and a hidden row is returned to be placed and
    closed up (the rowspans over it). The source lines of hidden text are said."""
    rules = _hiding_rules(root)
    rows: set[Any] = set()
    lines: list[int] = []
    # only elements that can be hidden are looked at, in document order; one inside an
    # element already hidden goes with it
    candidates = root.xpath("//*[@style or @hidden or @class or @id]" if rules
                            else "//*[@style or @hidden]")
    gone: set[Any] = set()
    for element in candidates:
        if element.tag in ("html", "head", "body"):
            continue  # a page hidden whole is still read (a script shows it)
        hides = _hidden_by(element, rules)
        if hides is None or any(a in gone for a in element.iterancestors()):
            continue
        gone.add(element)
        if "".join(element.itertext()).strip():
            lines.append(element.sourceline or 0)
        if element.tag == "tr":
            rows.add(element)
        elif element.tag in ("td", "th") and hides == "visibility":
            element.text = None  # its text goes, its spans stay
            for child in list(element):
                element.remove(child)
        else:
            element.drop_tree()
    if not lines:
        return rows, None
    shown = sorted(set(lines))
    where = "、".join(str(n) for n in shown[:5]) + ("…" if len(shown) > 5 else "")
    return rows, ReadWarning("hidden-cells", say("cells.hidden-html", where=where,
                                                 count=len(lines)),
                             SourceSpan(file, min(lines), max(lines)), Severity.INFO)


# elements that begin a line of a cell's text; <br> is one line break
_BLOCKS = frozenset({"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
                     "table", "tr", "blockquote", "pre", "section", "article"})
_BREAK = "\u2028"  # a line break the markup made, apart from the source's white space
_SOURCE_SPACE = re.compile(r"[ \t\r\n\f]+")  # HTML's white space: ASCII only


def _wide(ch: str) -> bool:
    import unicodedata

    return unicodedata.east_asian_width(ch) in ("W", "F", "H") and not \
        0xAC00 <= ord(ch) <= 0xD7A3


def _collapse(text: str) -> str:
    """White space of the page's source as a browser shows it: a run is one space, and a
    run with a line break between two CJK characters is nothing (CSS Text's segment break
    rule: Word's save-as-HTML wraps its source inside a sentence, 项目\r\n名称)."""
    def one(m: re.Match[str]) -> str:
        a, b = m.start(), m.end()
        if ("\n" in m.group() or "\r" in m.group()) and a > 0 and b < len(text) and \
                _wide(text[a - 1]) and _wide(text[b]):
            return ""
        return " "
    return _SOURCE_SPACE.sub(one, text)


def _html_text(element: Any) -> str:
    """A cell's text as a browser shows it: <br> and block elements (Word's <p> per
    paragraph) as line breaks, the source's white space collapsed, &nbsp; a space, empty
    lines (Word's <p>&nbsp;</p>) dropped. Full-width spaces are text and are kept."""
    from lxml import etree

    parts: list[str] = []
    for event, node in etree.iterwalk(element, events=("start", "end")):
        tag = node.tag if isinstance(node.tag, str) else ""
        if event == "start":
            if tag == "br" or tag in _BLOCKS:
                parts.append(_BREAK)
            if node.text and tag not in ("script", "style"):
                parts.append(node.text)
        else:
            if tag in _BLOCKS:
                parts.append(_BREAK)
            if node is not element and node.tail:
                parts.append(node.tail)
    text = _collapse("".join(parts)).replace("\xa0", " ")
    lines = (line.strip(" ") for line in text.split(_BREAK))
    return "\n".join(line for line in lines if line)


def html_grid(data: bytes, file: str | None = None, limits: Limits = DEFAULT) -> Grid:
    """The cells of an HTML page: every leaf <table> (a table holding no table), and the
    page's headings, paragraphs and leaf <div>s outside tables as rows of one cell (a
    form's title and unit line often stand above it; CMSes set the title in a div)."""
    import lxml.html
    from lxml import etree

    from jixiao.readers.decode import decode_html

    text, _ = decode_html(data, file)  # lxml guesses a page without <meta> as Latin-1
    parser = lxml.html.HTMLParser(remove_comments=True, no_network=True)
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError):
        raise ReadError("bad-html", say("errors.bad-html"), SourceSpan(file)) from None
    hidden_rows, hidden_said = _drop_hidden(root, file)
    for bad in list(root.iter("script", "style", "noscript")):
        if bad.getparent() is not None:
            bad.drop_tree()
    Row = list[tuple[str, int, int, int | None]]
    # rows, a table's: has a form label, the rows' indexes that are hidden
    blocks: list[tuple[list[Row], bool | None, set[int]]] = []
    leaf: dict[Any, bool] = {}
    for element in root.iter("table", "h1", "h2", "h3", "h4", "p", "caption", "div"):
        if element.tag == "div" and any(isinstance(d.tag, str) and d.tag in _BLOCKS
                                        for d in element.iterdescendants()):
            continue  # a div of blocks: its blocks are read (a leaf div is a paragraph)
        if element.tag == "table":
            if element.find(".//table") is not None:
                continue  # a layout table: its leaf tables hold the cells
            rows: list[Row] = []
            hidden: set[int] = set()
            for tr in element.iter("tr"):
                if tr.getparent() is not None and tr.getparent().tag not in (
                        "table", "tbody", "thead", "tfoot"):
                    continue
                if tr in hidden_rows:
                    hidden.add(len(rows))
                rows.append([(_html_text(td), _span(td.get("rowspan")), _span(td.get("colspan")),
                              td.sourceline) for td in tr
                             if isinstance(td.tag, str) and td.tag in ("td", "th")])
            blocks.append((rows, _has_form_label(
                [row for k, row in enumerate(rows) if k not in hidden]), hidden))
        elif element.getparent() is not None and _inside_leaf_table(element, leaf):
            continue  # a cell's own text: its table reads it
        else:
            text = _html_text(element)
            if text and len(text) <= 200:
                blocks.append(([[(text, 1, 1, element.sourceline)]], None, set()))
    tables = [has for _, has, _ in blocks if has is not None]
    if not tables:
        raise ReadError("no-form", say("errors.no-html-table"), SourceSpan(file))
    placer = _Placer()
    for rows, has, hidden in blocks:
        # a page's other tables (links, 索引号 / 发布机构, the site's footer) hold no label
        # of a form: only the form's tables are read, when the page has one
        if has is False and any(tables):
            continue
        for k, row in enumerate(rows):
            placer.add_row(row, hidden=k in hidden)
    grid = Grid(placer.visible(), file, "html")
    if hidden_said is not None:
        grid.page_warnings = [hidden_said]
    return check_size(grid, limits)


def _has_form_label(rows: list[list[tuple[str, int, int, int | None]]]) -> bool:
    """A table with a cell the forms' vocabulary knows (项目名称, 一级指标, 产出指标 …)."""
    from jixiao.forms.vocabulary import vocabulary

    words = vocabulary()
    return any(words.label(text) is not None or words.header_role(text) is not None
               for row in rows for text, _, _, _ in row if text and len(text) <= 40)


def _inside_leaf_table(element: Any, leaf: dict[Any, bool]) -> bool:
    """Inside a table that holds no table (a cell's text); the cells of a layout table
    (a CMS page's frame, with the title above the form's table) hold paragraphs. `leaf`
    keeps each table's answer (Word's HTML has a <p> in every cell)."""
    parent = element.getparent()
    while parent is not None:
        if parent.tag == "table":
            if parent not in leaf:
                leaf[parent] = parent.find(".//table") is None
            return leaf[parent]
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
    is `100`, two decimals where the format has two — but a format never rounds the value
    away: 438.768 in a `#,##0.00` cell is 438.768 (the sheet shows 438.77, the amount is
    the cell's; a reading must not lose what the office typed)."""
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
        shown = number.quantize(Decimal(1).scaleb(-len(m.group(1)))) if m else None
        if shown is not None and shown == number:
            number = shown  # the format's decimals, padded: 12.5 in 0.00 is 12.50
        elif shown is not None:
            number = number.normalize()  # never rounded away: 438.768 is the amount
        elif number == number.to_integral_value():
            number = number.quantize(Decimal(1))
        else:
            number = number.normalize()
        text = format(number, ",f" if "," in fmt else "f")
        return text + "%" if "%" in fmt else text
    return str(value)


Raw = tuple[int, int, str, int, int]  # a sheet's cell: row, column (0-based), text, spans


class _Hidden:
    """A sheet's hidden rows and columns (0-based): what is hidden is not published, so
    its cells are not read, and the rows and columns that stay close up (a merged cell
    spans what of it is visible). The hidden places that held text are named."""

    def __init__(self, rows: Iterable[int], cols: Iterable[int]) -> None:
        import bisect

        self.rows, self.cols = sorted(set(rows)), sorted(set(cols))
        self._bisect = bisect.bisect_left
        self.skipped: list[tuple[int, int]] = []

    def _before(self, hidden: list[int], n: int) -> int:
        return self._bisect(hidden, n)

    def place(self, cell: Raw) -> Raw | None:
        r, c, text, rs, cs = cell
        if not self.rows and not self.cols:
            return cell
        seen_rs = rs - (self._before(self.rows, r + rs) - self._before(self.rows, r))
        seen_cs = cs - (self._before(self.cols, c + cs) - self._before(self.cols, c))
        if seen_rs <= 0 or seen_cs <= 0:
            if text:
                self.skipped.append((r, c))
            return None
        return (r - self._before(self.rows, r), c - self._before(self.cols, c), text,
                seen_rs, seen_cs)

    def warning(self, file: str | None, sheet: str) -> ReadWarning | None:
        if not self.skipped:
            return None
        rows = sorted({r for r, _ in self.skipped})
        return hidden_cells_warning(
            sheet, [f"{_letters(c + 1)}{r + 1}" for r, c in self.skipped],
            SourceSpan(file, rows[0] + 1, rows[-1] + 1))


def _named(refs: list[str]) -> dict[str, str]:
    """The first five cells of a list by name, and how many there are when more."""
    more = say("cells.hidden-more", count=len(refs)) if len(refs) > 5 else ""
    return {"where": "、".join(refs[:5]), "more": more}


def hidden_cells_warning(sheet: str, refs: list[str], span: SourceSpan) -> ReadWarning:
    """`hidden-cells`: the hidden places of a sheet that held text (A1 names), not read."""
    return ReadWarning("hidden-cells", say("cells.hidden-cells", sheet=sheet, **_named(refs)),
                       span, Severity.INFO)


def hidden_rows_and_columns(sheet: Any, limits: Limits) -> tuple[set[int], set[int]]:
    """An openpyxl sheet's hidden rows and columns (1-based); a range hidden to the sheet's
    edge stops one past the columns a grid may hold."""
    cols: set[int] = set()
    for dim in sheet.column_dimensions.values():
        if dim.hidden and dim.min and dim.max:
            cols.update(range(dim.min, min(dim.max, limits.columns + 1) + 1))
    return {r for r, dim in sheet.row_dimensions.items() if dim.hidden}, cols


def _letters(col: int) -> str:
    out = ""
    while col:
        col, rest = divmod(col - 1, 26)
        out = chr(65 + rest) + out
    return out


def _sheet_cells(raw: Iterable[Raw], hidden: _Hidden, offset: int, sheet: str,
                 cells: list[Cell]) -> int:
    """A sheet's visible cells placed after `offset`; returns the rows they take."""
    last = 0
    for cell in raw:
        line = cell[0] + 1  # where it is in the sheet, whatever is hidden above it
        placed = hidden.place(cell)
        if placed is None:
            continue
        r, c, text, rs, cs = placed
        cells.append(Cell(offset + r, c, text, rs, cs, sheet=sheet, line=line))
        last = max(last, r + rs)
    return last


def xlsx_grid(data: bytes, file: str | None = None, limits: Limits = DEFAULT) -> Grid:
    """Every visible sheet of a workbook, one after another, merged ranges as spans;
    hidden sheets, rows and columns are not read (`hidden-cells` names those with
    text)."""
    from openpyxl import load_workbook

    from jixiao.readers.containers import check_zip

    check_zip(data, file, limits)
    try:
        book = load_workbook(io.BytesIO(data), data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise ReadError("bad-xlsx", say("errors.bad-xlsx"), SourceSpan(file)) from None
    cells: list[Cell] = []
    warnings: list[ReadWarning] = uncalculated_formulas(data, file)
    offset = 0
    for sheet in book.worksheets:
        if sheet.sheet_state != "visible":
            if sheet.max_row > 1 or sheet.max_column > 1 or sheet.cell(1, 1).value is not None:
                warnings.append(ReadWarning("hidden-cells", say(
                    "cells.hidden-sheet", sheet=sheet.title), SourceSpan(file), Severity.INFO))
            continue
        anchors: dict[tuple[int, int], tuple[int, int]] = {}
        covered: set[tuple[int, int]] = set()
        for rng in sheet.merged_cells.ranges:
            anchors[(rng.min_row, rng.min_col)] = (rng.max_row - rng.min_row + 1,
                                                   rng.max_col - rng.min_col + 1)
            covered.update((r, c) for r in range(rng.min_row, rng.max_row + 1)
                           for c in range(rng.min_col, rng.max_col + 1))
        hidden_rows, hidden_cols = hidden_rows_and_columns(sheet, limits)
        hidden = _Hidden((r - 1 for r in hidden_rows), (c - 1 for c in hidden_cols))

        def raw(sheet: Any = sheet, anchors: dict[tuple[int, int], tuple[int, int]] = anchors,
                covered: set[tuple[int, int]] = covered) -> Iterable[Raw]:
            for row in sheet.iter_rows():
                for c in row:
                    key = (c.row, c.column)
                    if key in covered and key not in anchors:
                        continue
                    text = cell_text(c.value, c.number_format)
                    if not text and key not in anchors:
                        continue
                    rs, cs = anchors.get(key, (1, 1))
                    yield c.row - 1, c.column - 1, text, rs, cs

        offset += _sheet_cells(raw(), hidden, offset, sheet.title, cells)
        if (w := hidden.warning(file, sheet.title)) is not None:
            warnings.append(w)
    grid = Grid(cells, file, "xlsx")
    grid.page_warnings = warnings
    return check_size(grid, limits)


_SHEET_REL = re.compile(rb'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_REL = re.compile(rb'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"')
_REL_ALT = re.compile(rb'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')
_CELL = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3}\d{1,7})"[^>]*?(?:/>|>(.*?)</c>)', re.S)
_VALUE = re.compile(rb"<v>[^<]+</v>")


def uncalculated_formulas(data: bytes, file: str | None,
                          sheets: Iterable[str] | None = None) -> list[ReadWarning]:
    """Formulas saved without their values (a workbook written by a program that does
    not calculate: openpyxl, some exporters): their cells read as empty, and that is said
    per sheet (of `sheets` only, when given: the sheets a reader reads) with the rows —
    opening and saving the file in Excel or WPS stores the values. Both xlsx readers (the
    form grid's and the sample template's) say it from here."""
    import html as entities

    with zipfile.ZipFile(io.BytesIO(data)) as book:
        names = set(book.namelist())
        if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
            return []
        rels = book.read("xl/_rels/workbook.xml.rels")
        targets = {i: t for i, t in _REL.findall(rels)} | \
            {i: t for t, i in _REL_ALT.findall(rels)}
        out = []
        wanted = None if sheets is None else set(sheets)
        for name, rid in _SHEET_REL.findall(book.read("xl/workbook.xml")):
            sheet = entities.unescape(name.decode("utf-8", "replace"))
            if wanted is not None and sheet not in wanted:
                continue
            target = targets.get(rid, b"").decode("utf-8", "replace").lstrip("/")
            member = target if target.startswith("xl/") else f"xl/{target}"
            if member not in names:
                continue
            xml = book.read(member)
            if b"<f" not in xml:
                continue
            refs = [ref.decode() for ref, inner in _CELL.findall(xml)
                    if inner and b"<f" in inner and not _VALUE.search(inner)]
            if refs:
                rows = [int(ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) for ref in refs]
                out.append(ReadWarning("formula-without-value", say(
                    "cells.formula-without-value", sheet=sheet, **_named(refs)),
                    SourceSpan(file, min(rows), max(rows)), Severity.WARNING))
        return out


def xls_grid(data: bytes, file: str | None = None, limits: Limits = DEFAULT) -> Grid:
    """An Excel 97–2003 workbook (BIFF) through xlrd, merged cells as spans; hidden
    sheets, rows and columns are not read, as in an .xlsx."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    except Exception:  # xlrd raises XLRDError, struct errors … for a damaged file
        raise ReadError("bad-xls", say("errors.bad-xls"), SourceSpan(file)) from None
    cells: list[Cell] = []
    warnings: list[ReadWarning] = []
    offset = 0
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            if sheet.nrows * max(sheet.ncols, 1) > limits.cells:
                from jixiao.limits import check

                check("cells", sheet.nrows * sheet.ncols, limits, "cells in the sheet",
                      SourceSpan(file))
            if sheet.visibility:  # 1 hidden, 2 very hidden
                if sheet.nrows:
                    warnings.append(ReadWarning("hidden-cells", say(
                        "cells.hidden-sheet", sheet=sheet.name), SourceSpan(file),
                        Severity.INFO))
                continue
            anchors = {(r0, c0): (r1 - r0, c1 - c0) for r0, r1, c0, c1 in sheet.merged_cells}
            covered = {(r, c) for r0, r1, c0, c1 in sheet.merged_cells
                       for r in range(r0, r1) for c in range(c0, c1)}
            hidden = _Hidden((r for r, info in sheet.rowinfo_map.items() if info.hidden),
                             (c for c, info in sheet.colinfo_map.items() if info.hidden))
            raw: list[Raw] = []
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
                    raw.append((r, c, text, rs, cs))
            _sheet_cells(raw, hidden, offset, sheet.name, cells)
            offset += sheet.nrows - len([r for r in hidden.rows if r < sheet.nrows])
            if (w := hidden.warning(file, sheet.name)) is not None:
                warnings.append(w)
    finally:
        book.release_resources()
    grid = Grid(cells, file, "xls")
    grid.page_warnings = warnings
    return check_size(grid, limits)


# --- Word ----------------------------------------------------------------------------------


MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def _own_runs(p: Any) -> str:
    """A paragraph's own text: not a text box's paragraphs inside it (they are lines of
    their own), nor an mc:Fallback (Word writes a text box twice: the DrawingML shape and
    its VML fallback)."""
    out = []
    for t in p.iter(f"{W}t", f"{W}tab"):
        node = t.getparent()
        while node is not None and node is not p:
            if node.tag in (f"{W}p", MC_FALLBACK):
                break
            node = node.getparent()
        if node is p:
            out.append(t.text or "")
    return "".join(out)


def _w_text(element: Any) -> str:
    """A cell's or paragraph's text: its paragraphs as lines, a text box's paragraphs
    after the one that anchors it, each once."""
    lines = []
    for p in element.iter(f"{W}p"):
        node = p.getparent()
        while node is not None and node is not element and node.tag != MC_FALLBACK:
            node = node.getparent()
        if node is not None and node.tag == MC_FALLBACK:
            continue
        lines.append(_own_runs(p))
    return "\n".join(line.strip() for line in lines if line.strip()).strip()


def _header_titles(book: zipfile.ZipFile, root: Any) -> list[str]:
    """The page header's lines of the document's first section (a form's title is often
    set there, above every page): once, before the body."""
    import posixpath

    from lxml import etree

    rels_name = "word/_rels/document.xml.rels"
    if rels_name not in book.namelist():
        return []
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    rels = etree.fromstring(book.read(rels_name), parser)
    targets = {r.get("Id"): r.get("Target") for r in rels}
    sect = root.find(f".//{W}sectPr")
    if sect is None:
        return []
    refs = {ref.get(f"{W}type"): ref.get(R_ID) for ref in sect.findall(f"{W}headerReference")}
    rid = refs.get("first") if root.find(f".//{W}sectPr/{W}titlePg") is not None else None
    rid = rid or refs.get("default")
    target = targets.get(rid or "")
    if not target:
        return []
    name = posixpath.normpath(posixpath.join("word", target))
    if name not in book.namelist() or book.getinfo(name).file_size > HEADER_BYTES:
        return []
    header = etree.fromstring(book.read(name), parser)
    return [text for p in header.iter(f"{W}p") if (text := _own_runs(p).strip())]


R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
HEADER_BYTES = 1024 * 1024  # a page header is a few lines; more is no title


def docx_grid(data: bytes, file: str | None = None, limits: Limits = DEFAULT) -> Grid:
    """The tables of a .docx body (gridSpan and vMerge as spans) and the paragraphs
    between them (titles, unit lines) as rows of one cell; the first page header's lines
    first. A table whose cells hold tables is a layout table: its paragraphs are rows of
    one cell and its inner tables are read as tables."""
    from lxml import etree

    from jixiao.readers.containers import DOCX_GRIDS, check_zip

    check_zip(data, file, limits, kind="docx", grids=DOCX_GRIDS)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            xml = book.read("word/document.xml")
            parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
            root = etree.fromstring(xml, parser)
            header = _header_titles(book, root)
    except (KeyError, zipfile.BadZipFile, etree.XMLSyntaxError):
        raise ReadError("bad-docx", say("errors.bad-docx"), SourceSpan(file)) from None
    body = root.find(f"{W}body")
    if body is None:
        raise ReadError("bad-docx", say("errors.docx-no-body"), SourceSpan(file))
    cells: list[Cell] = []
    row = 0
    for text in header:
        cells.append(Cell(row, 0, text, line=row + 1))
        row += 1
    _docx_blocks(body, cells, row)
    return check_size(Grid(cells, file, "docx"), limits)


def _docx_blocks(parent: Any, cells: list[Cell], row: int,
                 before: list[tuple[int, int, int]] | None = None) -> int:
    """The paragraphs and tables of a body or a layout table's cell, in order. A table
    after one with only empty paragraphs (a page break) between them and the same
    columns goes on with it: its first row, when it repeats a row of the table before
    (the heading printed again), is dropped. `before` holds the last table's (first
    row, next row, columns) across layout tables."""
    if before is None:
        before = []
    for block in parent:
        if block.tag == f"{W}p":
            text = _w_text(block)
            if text:
                cells.append(Cell(row, 0, text, line=row + 1))
                row += 1
                before.clear()
        elif block.tag == f"{W}tbl":
            if block.find(f".//{W}tbl") is not None:  # a layout table around tables
                for tr in block.findall(f"{W}tr"):
                    for tc in tr.findall(f"{W}tc"):
                        row = _docx_blocks(tc, cells, row, before)
                continue
            start, columns = row, len(block.findall(f"{W}tblGrid/{W}gridCol"))
            row = _docx_table(block, cells, row)
            if before and before[0][1] == start and before[0][2] == columns:
                row = _drop_repeated_heading(cells, before[0][0], start, row)
                start = before[0][0]
            before[:] = [(start, row, columns)]
        elif block.tag in (f"{W}sdt", f"{W}customXml"):  # content controls hold blocks
            content = block.find(f"{W}sdtContent")
            row = _docx_blocks(content if content is not None else block, cells, row, before)
    return row


def _drop_repeated_heading(cells: list[Cell], first: int, start: int, end: int) -> int:
    """A continued table's first row (at `start`) dropped when rows `first`…`start - 1`
    hold one with the same texts in the same columns; returns the next free row."""
    rows: dict[int, list[tuple[int, str]]] = {}
    for c in cells:
        if first <= c.row <= start:
            rows.setdefault(c.row, []).append((c.col, c.clean))
    head = sorted(rows.get(start, []))
    if len(head) < 2 or not any(sorted(rows[r]) == head for r in rows if r != start):
        return end
    cells[:] = [c for c in cells if c.row != start]
    for c in cells:
        if c.row > start:
            c.row -= 1
    return end - 1


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
