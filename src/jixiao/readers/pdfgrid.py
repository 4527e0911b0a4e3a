"""A PDF's ruled tables as a cell grid, for the form reader.

A pipeline of small functions in the spirit of pdfplumber's `table.py`, on pypdfium2:

1. characters with their boxes (`pdf._chars`), ruling segments from the page's path
   objects (thin filled rectangles, stroked lines and stroked rectangles);
2. segments snapped and joined into horizontal and vertical edges;
3. edges grouped into tables (edges that touch), each table's lattice of x and y
   positions, and the lattice's boxes united wherever an edge between them is missing
   (a merged cell) — each region one `Cell` with its spans and box;
4. each cell's characters (by their middle) joined line by line; the text outside tables
   (titles, 单位 lines) as rows of one cell; page numbers dropped.

Only pages that hold an indicator table (and the pages that continue one) are read, so a
whole department budget (收支总表 … 项目支出绩效目标表) gives the form reader the target
tables alone and says which pages they are on. One settings object, `PdfGridSettings`,
holds every tolerance.
"""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass, field
from typing import Any

from jixiao.errors import ReadError
from jixiao.limits import DEFAULT, Limits
from jixiao.model import SourceSpan
from jixiao.readers.grid import Cell, Grid, check_size

# words that mark a page holding an indicator table; a page continues one when it starts
# with indicator rows (a first or second level) and the page before held one
_HEADINGS = re.compile(r"三级指标|指标内容|绩效指标|指标名称")
_LEVELS = re.compile(r"产出指标|效益指标|满意度指标|成本指标|数量指标|质量指标|时效指标")
_FORM_START = re.compile(r"绩效目标(申报)?表")
_PAGE_NUMBER = re.compile(r"^[-—–\s]*(第\s*\d+\s*页.*|\d{1,4})[-—–\s]*$")


@dataclass(frozen=True)
class PdfGridSettings:
    """Tolerances in PDF points (1/72 inch)."""

    # a path thinner than this in one direction is a ruling segment
    rule_thickness: float = 3.0
    # positions closer than this are one edge (a border drawn as two rectangles)
    snap: float = 2.5
    # segments on one line with a gap up to this are one edge
    join: float = 3.0
    # an edge must cover this share of a lattice box's side to separate two boxes
    cover: float = 0.6
    # the smallest lattice step: closer positions are one
    min_step: float = 3.0
    # a table needs at least this many rows and columns of boxes
    min_rows: int = 2
    min_cols: int = 2


@dataclass(slots=True)
class Edge:
    fixed: float  # y of a horizontal edge, x of a vertical one
    start: float
    end: float


@dataclass
class Table:
    page: int
    xs: list[float]
    ys: list[float]  # top to bottom (PDF y decreasing)
    h: list[Edge] = field(default_factory=list)
    v: list[Edge] = field(default_factory=list)

    @property
    def box(self) -> tuple[float, float, float, float]:
        return self.xs[0], self.ys[-1], self.xs[-1], self.ys[0]


def _segments(page: Any, settings: PdfGridSettings) -> tuple[list[Edge], list[Edge]]:
    """Horizontal and vertical ruling segments of a page's path objects."""
    import pypdfium2.raw as raw

    horizontal: list[Edge] = []
    vertical: list[Edge] = []
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    for obj in page.get_objects(max_depth=4):
        if obj.type != raw.FPDF_PAGEOBJ_PATH:
            continue
        x0, y0, x1, y1 = obj.get_bounds()
        w, h = x1 - x0, y1 - y0
        if h <= settings.rule_thickness and w > settings.rule_thickness:
            horizontal.append(Edge((y0 + y1) / 2, x0, x1))
        elif w <= settings.rule_thickness and h > settings.rule_thickness:
            vertical.append(Edge((x0 + x1) / 2, y0, y1))
        elif w > settings.rule_thickness and h > settings.rule_thickness:
            raw.FPDFPath_GetDrawMode(obj.raw, ctypes.byref(fill), ctypes.byref(stroke))
            if stroke.value:  # a stroked rectangle: its four sides
                horizontal += [Edge(y0, x0, x1), Edge(y1, x0, x1)]
                vertical += [Edge(x0, y0, y1), Edge(x1, y0, y1)]
    return horizontal, vertical


def _merge(edges: list[Edge], settings: PdfGridSettings) -> list[Edge]:
    """Edges on the same line (within `snap`) joined where they touch (within `join`)."""
    out: list[Edge] = []
    for e in sorted(edges, key=lambda e: (round(e.fixed / settings.snap), e.start)):
        last = out[-1] if out else None
        if last is not None and abs(last.fixed - e.fixed) <= settings.snap and \
                e.start <= last.end + settings.join:
            last.end = max(last.end, e.end)
        else:
            out.append(Edge(e.fixed, e.start, e.end))
    return out


def _positions(values: list[float], step: float) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > step:
            out.append(v)
    return out


def _tables(page_no: int, horizontal: list[Edge], vertical: list[Edge],
            settings: PdfGridSettings) -> list[Table]:
    """Edges that touch one another, as tables with their lattice."""
    edges = [("h", e) for e in horizontal] + [("v", e) for e in vertical]
    parent = list(range(len(edges)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    tol = settings.join
    hs = [(i, e) for i, (k, e) in enumerate(edges) if k == "h"]
    vs = [(i, e) for i, (k, e) in enumerate(edges) if k == "v"]
    for i, h in hs:
        for j, v in vs:
            if h.start - tol <= v.fixed <= h.end + tol and v.start - tol <= h.fixed <= v.end + tol:
                parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(edges)):
        groups.setdefault(find(i), []).append(i)
    tables = []
    for members in groups.values():
        th = [edges[i][1] for i in members if edges[i][0] == "h"]
        tv = [edges[i][1] for i in members if edges[i][0] == "v"]
        xs = _positions([e.fixed for e in tv], settings.min_step)
        ys = sorted(_positions([e.fixed for e in th], settings.min_step), reverse=True)
        if len(xs) - 1 < settings.min_cols or len(ys) - 1 < settings.min_rows:
            continue
        tables.append(Table(page_no, xs, ys, th, tv))
    return sorted(tables, key=lambda t: -t.ys[0])


def _covered(edges: list[Edge], fixed: float, start: float, end: float,
             settings: PdfGridSettings) -> bool:
    """Whether an edge at `fixed` covers most of the span start–end."""
    need = (end - start) * settings.cover
    got = 0.0
    for e in edges:
        if abs(e.fixed - fixed) <= settings.snap:
            got += max(0.0, min(e.end, end) - max(e.start, start))
    return got >= need


def _regions(table: Table, settings: PdfGridSettings) -> list[tuple[int, int, int, int]]:
    """Merged cells: (row, col, rowspan, colspan) of the lattice's united boxes."""
    rows, cols = len(table.ys) - 1, len(table.xs) - 1
    parent = list(range(rows * cols))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for r in range(rows):
        top, bottom = table.ys[r], table.ys[r + 1]
        for c in range(cols):
            left, right = table.xs[c], table.xs[c + 1]
            if c + 1 < cols and not _covered(table.v, right, bottom, top, settings):
                parent[find(r * cols + c)] = find(r * cols + c + 1)
            if r + 1 < rows and not _covered(table.h, bottom, left, right, settings):
                parent[find(r * cols + c)] = find((r + 1) * cols + c)
    spans: dict[int, list[int]] = {}
    for r in range(rows):
        for c in range(cols):
            root = find(r * cols + c)
            box = spans.setdefault(root, [r, c, r, c])
            box[0], box[1] = min(box[0], r), min(box[1], c)
            box[2], box[3] = max(box[2], r), max(box[3], c)
    return sorted((b[0], b[1], b[2] - b[0] + 1, b[3] - b[1] + 1) for b in spans.values())


def _clip_points(textpage: Any, chars: list[Any], page_area: float
                 ) -> dict[int, tuple[float, float]]:
    """For characters whose text object is clipped to a box smaller than the page (a
    cell's clip, as WPS and Excel write them), the middle of that box: a character that
    overflows its cell is drawn clipped, and belongs where its clip is."""
    import pypdfium2.raw as raw

    out: dict[int, tuple[float, float]] = {}
    seen: dict[int, tuple[float, float] | None] = {}
    x, y = ctypes.c_float(), ctypes.c_float()
    for ch in chars:
        obj = raw.FPDFText_GetTextObject(textpage.raw, ch.index)
        if not obj:
            continue
        key = ctypes.cast(obj, ctypes.c_void_p).value or 0
        if key not in seen:
            seen[key] = None
            clip = raw.FPDFPageObj_GetClipPath(obj)
            paths = raw.FPDFClipPath_CountPaths(clip) if clip else 0
            if paths > 0:
                xs, ys = [], []
                for k in range(raw.FPDFClipPath_CountPathSegments(clip, paths - 1)):
                    seg = raw.FPDFClipPath_GetPathSegment(clip, paths - 1, k)
                    if raw.FPDFPathSegment_GetPoint(seg, ctypes.byref(x), ctypes.byref(y)):
                        xs.append(x.value)
                        ys.append(y.value)
                if xs and (max(xs) - min(xs)) * (max(ys) - min(ys)) < page_area / 4:
                    seen[key] = ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)
        if seen[key] is not None:
            out[ch.index] = seen[key]  # type: ignore[assignment]
    return out


def _text(chars: list[Any], page: int) -> str:
    """Characters as lines top to bottom; a cell's wrapped lines are joined without a
    break (the published text is one line wrapped by the cell's width)."""
    from jixiao.readers.pdf import _lines

    # characters as drawn: a gap is no space unless the PDF has a space character there
    return "".join("".join(c.text for c in line.chars) for line in _lines(chars, page)).strip()


def _page_cells(page: Any, page_no: int, row0: int, settings: PdfGridSettings
                ) -> tuple[list[Cell], int]:
    """The cells of one page (tables and the text between them), from grid row `row0`."""
    from jixiao.readers.pdf import _chars

    textpage = page.get_textpage()
    chars = _chars(textpage, textpage.count_chars())
    horizontal, vertical = _segments(page, settings)
    tables = _tables(page_no, _merge(horizontal, settings), _merge(vertical, settings),
                     settings)
    width, height = page.get_size()
    clips = _clip_points(textpage, chars, width * height) if tables else {}
    points = [clips.get(ch.index, (ch.mid_x, ch.mid_y)) for ch in chars]
    placed: set[int] = set()
    blocks: list[tuple[float, list[Cell] | str, tuple[float, float, float, float] | None]] = []
    for t in tables:
        regions = _regions(t, settings)
        cells: list[Cell] = []
        for r, c, rs, cs in regions:
            x0, x1 = t.xs[c], t.xs[c + cs]
            top, bottom = t.ys[r], t.ys[r + rs]
            inside = [k for k, (px, py) in enumerate(points) if k not in placed and
                      x0 <= px <= x1 and bottom <= py <= top]
            placed.update(inside)
            text = _text([chars[k] for k in inside], page_no)
            cells.append(Cell(r, c, text, rs, cs, page=page_no, box=(x0, top, x1, bottom)))
        blocks.append((t.ys[0], cells, t.box))
    # text outside the tables, line by line
    from jixiao.readers.pdf import _lines

    for line in _lines([ch for k, ch in enumerate(chars) if k not in placed], page_no):
        text = line.text.strip()
        if text and not _PAGE_NUMBER.match(text):
            blocks.append((line.y, text, None))
    out: list[Cell] = []
    row = row0
    for _, block, _box in sorted(blocks, key=lambda b: -b[0]):
        if isinstance(block, str):
            out.append(Cell(row, 0, block, page=page_no))
            row += 1
            continue
        for cell in block:
            if cell.text or cell.rowspan > 1:
                out.append(Cell(row + cell.row, cell.col, cell.text, cell.rowspan,
                                cell.colspan, page=page_no, box=cell.box))
        row += max((c.row + c.rowspan for c in block), default=0)
    return out, row


def _join_split_row(before: list[Cell], page: list[Cell]) -> list[Cell]:
    """A row split by a page break: when the page's first table row has no cell in the
    first column (no label of its own) and the page before ended inside a table, its
    texts are the ends of the texts of that table's last row, column by column."""
    table_cells = [c for c in page if c.box is not None]
    if not table_cells or not before or before[-1].box is None:
        return page
    first_row = min(c.row for c in table_cells)
    if any(c.row < first_row for c in page):  # text above the table: a new form
        return page
    head = [c for c in table_cells if c.row == first_row]
    if any(c.col == 0 for c in head):
        return page
    last_row = max(c.row for c in before if c.box is not None)
    tail = [c for c in before if c.row == last_row and c.box is not None]
    for c in head:
        mid = (c.box[0] + c.box[2]) / 2  # type: ignore[index]
        into = next((t for t in tail if t.box[0] <= mid <= t.box[2]), None)  # type: ignore[index]
        if into is None:
            return page
    for c in head:
        mid = (c.box[0] + c.box[2]) / 2  # type: ignore[index]
        into = next(t for t in tail if t.box[0] <= mid <= t.box[2])  # type: ignore[index]
        into.text += c.text
    return [c for c in page if c not in head]


def target_pages(pdf: Any) -> list[int]:
    """0-based pages that hold an indicator table, or continue one from the page before."""
    pages: list[int] = []
    previous = False
    for index in range(len(pdf)):
        text = pdf[index].get_textpage().get_text_range()
        compact = "".join(text.split())
        holds = bool(_HEADINGS.search(compact)) and bool(_LEVELS.search(compact))
        continues = previous and bool(_LEVELS.search(compact[:400]))
        if holds or continues:
            if not previous and index > 0 and index - 1 not in pages and \
                    _FORM_START.search("".join(pdf[index - 1].get_textpage()
                                               .get_text_range().split())):
                pages.append(index - 1)  # a form that starts at the foot of the page before
            pages.append(index)
        previous = holds or continues
    return pages


def pdf_grid(data: bytes, file: str | None = None, limits: Limits = DEFAULT,
             settings: PdfGridSettings | None = None) -> Grid:
    """The ruled tables of the pages that hold performance targets, as one grid."""
    import pypdfium2 as pdfium

    settings = settings or PdfGridSettings()
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ReadError("bad-pdf", f"not a readable PDF ({exc})", SourceSpan(file)) from None
    try:
        if len(pdf) > limits.pdf_pages:
            from jixiao.readers.containers import refuse

            raise refuse("pdf_pages", len(pdf), "PDF 的页数", limits, file)
        pages = target_pages(pdf)
        if not pages:
            raise ReadError("no-target-table", "没有找到绩效目标表：PDF 的任何一页都没有指标表"
                            "（一级 / 二级 / 三级指标）", SourceSpan(file))
        cells: list[Cell] = []
        row = 0
        breaks: set[int] = set()
        for n, index in enumerate(pages):
            if n and index != pages[n - 1] + 1:
                breaks.add(row)
            page_cells, row = _page_cells(pdf[index], index + 1, row, settings)
            if n and index == pages[n - 1] + 1:
                page_cells = _join_split_row(cells, page_cells)
            cells += page_cells
    finally:
        pdf.close()
    grid = Grid(cells, file, "pdf", breaks=breaks)
    grid.notes.append("pages " + ",".join(str(p + 1) for p in pages))
    return check_size(grid, limits)
