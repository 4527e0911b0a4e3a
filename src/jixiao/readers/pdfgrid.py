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
import itertools
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from jixiao.errors import ReadError
from jixiao.limits import DEFAULT, Limits
from jixiao.messages import say
from jixiao.model import ReadWarning, Severity, SourceSpan
from jixiao.readers.grid import Cell, Grid, check_size

# words that mark a page holding an indicator table; a page continues one when it starts
# with indicator rows (a first or second level) and the page before held one
# what reading a page doubts: its warning code, the page (1-based) and the message
Doubt = tuple[str, int, str]

_HEADINGS = re.compile(r"[一二三][级級]指[标標]|指[标標]内容|[绩績]效指[标標]|指[标標]名[称稱]|"
                       r"一[级級]二[级級]三[级級]")
# the levels as the vocabulary writes them: 产出指标, 產出指標 (traditional), 产出值 (临邑)
_LEVELS = re.compile(r"(产出|產出|效益|满意度|滿意度|成本|数量|數量|质量|質量|时效|時效)"
                     r"(指[标標]|值)")
_FORM_START = re.compile(r"绩效目标(申报)?表")
# what a glyph without a Unicode mapping becomes: U+FFFD (pdfium) or (cid:123) (pdfminer)
_UNMAPPED = re.compile(r"\ufffd|\(cid:\d+\)")
_PAGE_NUMBER = re.compile(r"^[-—–\s]*(第\s*\d+\s*页.*|\d{1,4}(\s*/\s*\d{1,4})?)[-—–\s]*$")


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
    # --- unruled tables (no lattice on a page that holds an indicator table) ---
    # characters of one line further apart than this share of their height are in
    # different cells (CJK boxes abut, a word space is a quarter of an em; two cells keep
    # their padding apart, so an unruled table needs half an em of it)
    cell_gap: float = 0.5
    # a character that begins within this of a heading cell's first character, after a
    # gap of at least `start_gap`, begins a cell of that column: cells whose padding is
    # less than `cell_gap` (a wrapped label filling its cell) abut the next one
    start_snap: float = 0.3
    start_gap: float = 1.0
    # two lines are in different rows when the space between them exceeds the page's
    # smallest space between lines (a cell's own line pitch) by more than this
    row_gap: float = 1.0
    # a cell's wrapped lines stand one character height apart (a line's loose box); a
    # page whose smallest pitch exceeds this many heights wraps no cell: its lines are rows
    line_pitch: float = 1.5
    # a column starts this far left of its heading's first character (cells left-aligned
    # as Word, LibreOffice and browsers draw them)
    column_pad: float = 1.0
    # a cell's text starting lower than its row's top by more than this share of a line
    # height is centred vertically: the rows of a merged level label are not certain (a
    # glyph from a fallback font, ≥ in WenQuanYi, lowers a top-aligned line by half a line)
    align: float = 0.6
    # a 一级 / 二级 label set at the middle or the foot of the rows it merges (no rules)
    # lines up with their middle or foot within this share of its line's height
    label_slack: float = 0.3
    # the lines under an unruled heading whose cells' starts split heading labels that abut
    head_body: int = 6
    # horizontal rules without vertical ones (a table ruled between rows only) set the rows
    # when they stand between at least this share of the rows the text alone finds (a
    # three-line table or a frame has none inside: its rows come from the text)
    row_rules: float = 0.5
    # --- what breaks extractors ---
    # a table's header repeated on the next page is found among its first rows
    head_rows: int = 6
    # and its first row names this many columns at least
    head_cells: int = 5
    # the same character drawn again within this distance (simulated bold) is one
    double: float = 1.5
    # a fill colour with every channel at least this is white: text nobody sees
    white: int = 250
    # a character whose middle lies this far outside its clip box is drawn clipped
    clip_slack: float = 0.5
    # a cell's text run on below a table's foot goes on line by line: one line below the
    # next by up to this share of a character's height (more: the next row's text)
    run_on: float = 1.8
    # --- boxes ---
    # a cell's characters lie inside its box up to this (the test over the real PDFs)
    box_slack: float = 1.0


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
    members: dict[int, list[tuple[int, int]]] = {}
    for r in range(rows):
        for c in range(cols):
            members.setdefault(find(r * cols + c), []).append((r, c))
    out: list[tuple[int, int, int, int]] = []
    for cells in members.values():
        r0, r1 = min(r for r, _ in cells), max(r for r, _ in cells)
        c0, c1 = min(c for _, c in cells), max(c for _, c in cells)
        if len(cells) == (r1 - r0 + 1) * (c1 - c0 + 1):
            out.append((r0, c0, r1 - r0 + 1, c1 - c0 + 1))
            continue
        # not a rectangle: no merged cell but the blank beside rows of fewer cells (an
        # HTML row of four cells under one of five); its box would take in the drawn
        # cells it wraps round (`得分` and `9` read as one), so each row's run is its own
        for r in range(r0, r1 + 1):
            row = sorted(c for rr, c in cells if rr == r)
            start = row[0]
            for a, b in itertools.pairwise([*row, None]):
                if b is None or b != a + 1:
                    out.append((r, start, 1, a - start + 1))
                    if b is not None:
                        start = b
    return sorted(out)


Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in PDF points


def _clip_boxes(textpage: Any, chars: list[Any]) -> dict[int, Box]:
    """The box each character's text object is clipped to (the intersection of its clip
    paths' boxes), by the character's index in the text page."""
    import pypdfium2.raw as raw

    out: dict[int, Box] = {}
    seen: dict[int, Box | None] = {}
    x, y = ctypes.c_float(), ctypes.c_float()
    for ch in chars:
        obj = raw.FPDFText_GetTextObject(textpage.raw, ch.index)
        if not obj:
            continue
        key = ctypes.cast(obj, ctypes.c_void_p).value or 0
        if key not in seen:
            seen[key] = None
            clip = raw.FPDFPageObj_GetClipPath(obj)
            box: list[float] | None = None
            for path in range(raw.FPDFClipPath_CountPaths(clip) if clip else 0):
                xs, ys = [], []
                for k in range(raw.FPDFClipPath_CountPathSegments(clip, path)):
                    seg = raw.FPDFClipPath_GetPathSegment(clip, path, k)
                    if raw.FPDFPathSegment_GetPoint(seg, ctypes.byref(x), ctypes.byref(y)):
                        xs.append(x.value)
                        ys.append(y.value)
                if xs:
                    here = [min(xs), min(ys), max(xs), max(ys)]
                    box = here if box is None else [max(box[0], here[0]), max(box[1], here[1]),
                                                    min(box[2], here[2]), min(box[3], here[3])]
            if box is not None:
                seen[key] = (box[0], box[1], box[2], box[3])
        if seen[key] is not None:
            out[ch.index] = seen[key]  # type: ignore[assignment]
    return out


def _clip_points(chars: list[Any], clips: dict[int, Box], page_area: float,
                 settings: PdfGridSettings) -> tuple[dict[int, tuple[float, float]], set[int]]:
    """Where characters drawn outside their clip belong: clipped to a box smaller than the
    page (a cell's clip, as WPS and Excel write them), the middle of that box — the text
    overflows its cell and belongs where its clip is; clipped to a larger box (the table's
    body), nowhere: it is cut away (a row's text drawn whole on both pages of a break, the
    part under the repeated header unseen). Returns those points and the characters cut
    away; a character inside its clip stays where it is drawn."""
    points: dict[int, tuple[float, float]] = {}
    cut: set[int] = set()
    tol = settings.clip_slack
    for k, ch in enumerate(chars):
        box = clips.get(ch.index)
        if box is None or (box[0] - tol <= ch.mid_x <= box[2] + tol and
                           box[1] - tol <= ch.mid_y <= box[3] + tol):
            continue
        if (box[2] - box[0]) * (box[3] - box[1]) < page_area / 4:
            points[ch.index] = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        else:
            cut.add(k)
    return points, cut


def _hidden(page: Any, textpage: Any, chars: list[Any], settings: PdfGridSettings
            ) -> set[int]:
    """Characters nobody sees: filled in white, or under a filled rectangle drawn after
    them (an extractor would read both as text)."""
    import pypdfium2.raw as raw

    order: dict[int, int] = {}
    covers: list[tuple[int, tuple[float, float, float, float]]] = []
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    for n, obj in enumerate(page.get_objects(max_depth=4)):
        order[ctypes.cast(obj.raw, ctypes.c_void_p).value or 0] = n
        if obj.type == raw.FPDF_PAGEOBJ_PATH:
            raw.FPDFPath_GetDrawMode(obj.raw, ctypes.byref(fill), ctypes.byref(stroke))
            x0, y0, x1, y1 = obj.get_bounds()
            if fill.value and raw.FPDFPageObj_GetFillColor(
                    obj.raw, *(ctypes.byref(v) for v in (r, g, b, a))) and a.value > 200 and \
                    min(r.value, g.value, b.value) < settings.white and \
                    x1 - x0 > settings.rule_thickness and y1 - y0 > settings.rule_thickness:
                covers.append((n, (x0, y0, x1, y1)))
    out: set[int] = set()
    for k, ch in enumerate(chars):
        if not ch.text.strip():
            continue
        obj = raw.FPDFText_GetTextObject(textpage.raw, ch.index)
        if not obj:
            continue
        if raw.FPDFPageObj_GetFillColor(obj, *(ctypes.byref(v) for v in (r, g, b, a))) and \
                min(r.value, g.value, b.value) >= settings.white:
            out.add(k)
            continue
        n = order.get(ctypes.cast(obj, ctypes.c_void_p).value or 0, -1)
        if any(m > n and x0 <= ch.mid_x <= x1 and y0 <= ch.mid_y <= y1
               for m, (x0, y0, x1, y1) in covers):
            out.add(k)
    return out


def _doubled(chars: list[Any], settings: PdfGridSettings) -> set[int]:
    """Characters drawn again over themselves (simulated bold): the second of each pair."""
    out: set[int] = set()
    last: dict[str, list[Any]] = {}
    for k, ch in enumerate(chars):
        if not ch.text.strip():
            continue
        seen = last.setdefault(ch.text, [])
        if any(abs(o.x0 - ch.x0) <= settings.double and abs(o.y0 - ch.y0) <= settings.double
               for o in seen[-8:]):
            out.add(k)
        else:
            seen.append(ch)
    return out


def _text(chars: list[Any], page: int) -> str:
    """Characters as lines top to bottom; a cell's wrapped lines are joined without a
    break (the published text is one line wrapped by the cell's width)."""
    from jixiao.readers.pdf import _lines

    # characters as drawn: a gap is no space unless the PDF has a space character there
    return "".join("".join(c.text for c in line.chars) for line in _lines(chars, page)).strip()


def _page_cells(page: Any, page_no: int, row0: int, settings: PdfGridSettings,
                doubts: list[Doubt] | None = None, carry: list[_Columns] | None = None,
                cuts: list[tuple[Cell, str]] | None = None, closed: list[bool] | None = None,
                foot: list[list[float]] | None = None) -> tuple[list[Cell], int]:
    """The cells of one page (tables and the text between them), from grid row `row0`;
    what it doubts goes to `doubts`, an unruled table's columns to `carry` for the page
    after, the cells whose text runs on past the table's foot to `cuts` (see `_run_on`),
    to `closed` whether the last table's foot is ruled under some columns only (see
    `_join_split_row`), and to `foot` the columns of a last table that reaches the page's
    foot (`_ruled_goes_on`)."""
    doubts = [] if doubts is None else doubts
    carry = [] if carry is None else carry
    cuts = [] if cuts is None else cuts
    from jixiao.readers.pdf import _chars

    textpage = page.get_textpage()
    chars = _chars(textpage, textpage.count_chars())
    hidden = _hidden(page, textpage, chars, settings)
    if hidden:
        doubts.append(("hidden-text", page_no, say(
            "pdfgrid.hidden-text", page=page_no, n=len(hidden),
            text="".join(chars[k].text for k in sorted(hidden))[:30])))
    doubled = _doubled(chars, settings)
    if doubled:
        doubts.append(("doubled-characters", page_no, say(
            "pdfgrid.doubled-characters", page=page_no, n=len(doubled))))
    chars = [ch for k, ch in enumerate(chars) if k not in hidden and k not in doubled]
    if page.get_rotation():
        doubts.append(("rotated-page", page_no, say(
            "pdfgrid.rotated-page", page=page_no, degrees=page.get_rotation())))
    horizontal, vertical = _segments(page, settings)
    rules = _merge(horizontal, settings)
    tables = _tables(page_no, rules, _merge(vertical, settings), settings)
    width, height = page.get_size()
    boxes = _clip_boxes(textpage, chars) if tables else {}
    clips, cut_away = _clip_points(chars, boxes, width * height, settings)
    points = [clips.get(ch.index, (ch.mid_x, ch.mid_y)) for ch in chars]
    placed: set[int] = set(cut_away)
    blocks: list[tuple[float, list[Cell] | str, tuple[float, float, float, float] | None]] = []
    if tables:
        carry.clear()  # a ruled page: an unruled table before it does not go on
    else:  # no ruling lines: the columns of the indicator table's headings
        blocks += [(y, cells, None) for y, cells in
                   _unruled_page(chars, page_no, settings, doubts, carry, rules)]
        placed = set(range(len(chars)))
    members: list[tuple[Cell, list[int]]] = []  # the last table's cells and characters
    for t in tables:
        regions = _regions(t, settings)
        cells: list[Cell] = []
        members = []
        for r, c, rs, cs in regions:
            x0, x1 = t.xs[c], t.xs[c + cs]
            top, bottom = t.ys[r], t.ys[r + rs]
            inside = [k for k, (px, py) in enumerate(points) if k not in placed and
                      x0 <= px <= x1 and bottom <= py <= top]
            placed.update(inside)
            text = _text([chars[k] for k in inside], page_no)
            cells.append(Cell(r, c, text, rs, cs, page=page_no, box=(x0, top, x1, bottom)))
            members.append((cells[-1], inside))
        blocks.append((t.ys[0], cells, t.box))
    run_on = _run_on(tables[-1], members, chars, placed, boxes, settings, page_no) \
        if tables else []
    if closed is not None and tables:
        t = tables[-1]
        under = [_covered(t.h, t.ys[-1], a, b, settings) for a, b in itertools.pairwise(t.xs)]
        closed.append(any(under) and not all(under))
    elif closed is not None and carry and horizontal:
        # rules between rows only: the lowest one, under the text, ruled under the columns
        # after the first and not under it (a label merged over the break)
        low = min(rules, key=lambda e: e.fixed)
        edges = carry[-1].edges
        text = _body_lines(chars, page_no)
        closed.append(len(edges) > 1 and all(ln.y > low.fixed for ln in text) and
                      low.start > edges[1] - settings.snap - settings.column_pad)
    # text outside the tables, line by line
    from jixiao.readers.pdf import _lines

    for line in _lines([ch for k, ch in enumerate(chars) if k not in placed], page_no):
        text = line.text.strip()
        if text and not _PAGE_NUMBER.match(text):
            blocks.append((line.y, text, None))
    out: list[Cell] = []
    made: dict[int, Cell] = {}
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
                made[id(cell)] = out[-1]
        row += max((c.row + c.rowspan for c in block), default=0)
    cuts += [(made[id(cell)], seen) for cell, seen in run_on if id(cell) in made]
    if foot is not None and tables and not any(
            isinstance(b, str) and y < tables[-1].ys[-1] for y, b, _ in blocks):
        foot.append(tables[-1].xs)  # the last table reaches the page's foot
    return out, row


def _run_on(table: Table, members: list[tuple[Cell, list[int]]], chars: list[Any],
            placed: set[int], clips: dict[int, Box], settings: PdfGridSettings,
            page_no: int) -> list[tuple[Cell, str]]:
    """Cells of the table's last row whose text runs on below the table's foot, clipped
    there (a row cut by a page break whose producer draws each cell's text whole on both
    pages, as report servers do): the text layer holds the whole, which becomes the
    cell's text. Returns each such cell with the text seen above the cut, for the next
    page's copy of the rest (`_drop_repeated_rest`)."""
    bottom, rows = table.ys[-1], len(table.ys) - 1
    in_cells = {k for _, inside in members for k in inside}
    below = [k for k, ch in enumerate(chars) if k not in in_cells and ch.mid_y < bottom and
             table.xs[0] <= ch.mid_x <= table.xs[-1] and ch.text.strip() and
             (box := clips.get(ch.index)) is not None and abs(box[1] - bottom) <= settings.snap]
    out = []
    for cell, inside in members:
        if cell.row + cell.rowspan != rows or cell.box is None:
            continue
        mine = _own_run_on(inside, [k for k in below if
                                    cell.box[0] <= chars[k].mid_x <= cell.box[2]],
                           chars, settings)
        if mine:
            placed.update(mine)
            seen = cell.text
            cell.text = _text([chars[k] for k in sorted({*inside, *mine})], page_no)
            # the box grown over the text drawn below the foot, so that it holds the text
            # (`_drop_repeated_rest` moves it to the next page when all is seen there)
            x0, top, x1, bottom = cell.box
            cell.box = (x0, top, x1, min(bottom, *(chars[k].y0 for k in mine)))
            out.append((cell, seen))
    return out


def _own_run_on(inside: list[int], below: list[int], chars: list[Any],
                settings: PdfGridSettings) -> list[int]:
    """Of the characters drawn below a cell at the table's foot, those that go on with the
    cell's own lines: a line no further below the one before than `run_on` of a character's
    height (the cell's text without lines inside the cell: the first block of such lines,
    a text centred in a cell that spans the break). Lines further down are the next row's,
    drawn below the foot too by some producers (WPS) and seen on the next page."""
    last = min((chars[k].mid_y for k in inside if chars[k].text.strip()), default=None)
    out: list[int] = []
    for line in sorted(_groups_by_line(below, chars), key=lambda g: -g[0]):
        y, members, height = line
        if last is not None and last - y > settings.run_on * height:
            break
        out += members
        last = y
    return out


def _groups_by_line(ks: list[int], chars: list[Any]) -> list[tuple[float, list[int], float]]:
    """Characters (by index) as lines: (middle, indices, tallest box)."""
    from jixiao.readers.pdf import _lines

    at = {id(chars[k]): k for k in ks}
    return [(ln.y, [at[id(c)] for c in ln.chars], max(c.y1 - c.y0 for c in ln.chars))
            for ln in _lines([chars[k] for k in ks], 0)]


def _overlap(whole: str, rest: str) -> int:
    """How many characters the start of `rest` repeats of the end of `whole`."""
    for n in range(min(len(whole), len(rest)), 0, -1):
        if whole.endswith(rest[:n]):
            return n
    return 0


def _drop_repeated_rest(cuts: list[tuple[Cell, str]], page: list[Cell], page_no: int,
                        doubts: list[Doubt]) -> list[Cell]:
    """The page after a row cut by the break draws the cut cells' text again, from a line
    or more above the cut (under the repeated header, unseen) on: the first cell of each
    cut cell's column whose text begins with the end of the cut cell's (two characters
    at least, or all of it) is the rest — what it adds is added and the cell dropped, so
    the row goes on in its other cells. A cut cell whose rest is not found is a doubt."""
    table = sorted((c for c in page if c.box is not None and c.text.strip()),
                   key=lambda c: c.row)
    drop: set[int] = set()
    for cell, _seen in cuts:
        whole = cell.text.strip()
        x0, x1 = cell.box[0], cell.box[2]  # type: ignore[index]
        column = [c for c in table if x0 <= (c.box[0] + c.box[2]) / 2 <= x1]  # type: ignore[index]
        for c in column[:4]:
            rest = c.text.strip()
            n = _overlap(whole, rest)
            if n >= min(2, len(rest)):
                cell.text = whole + rest[n:]
                if n == len(whole):  # all of it is seen here (the cut page's copy is
                    cell.page, cell.box = c.page, c.box  # clipped away): crop it here
                drop.add(id(c))
                break
        else:
            doubts.append(("split-row-uncertain", page_no, say(
                "pdfgrid.split-row-uncertain", page=page_no, text=whole[:20])))
    return [c for c in page if id(c) not in drop]


# --- unruled tables -------------------------------------------------------------------

# a line that holds the headings of an indicator table: 一级 and 二级 / 三级 / 指标内容 …
_HEAD_LINE = re.compile(r"一[级級].*([二三][级級]|指[标標](内容|名[称稱]))")
_LEVEL_HEAD = re.compile(r"^[一二][级級](指[标標])?$")
# what a heading label never holds: a sentence's punctuation or a figure
_SENTENCE = re.compile(r"[。，,；;：:、\d]")


@dataclass(slots=True)
class _Run:
    """One cell's lines in one column of an unruled table: lines one under another with
    no more than a cell's own line pitch between them."""

    col: int
    lines: list[Any]

    @property
    def top(self) -> float:
        return max(c.y1 for c in self.lines[0].chars)

    @property
    def bottom(self) -> float:
        return min(c.y0 for c in self.lines[-1].chars)

    @property
    def height(self) -> float:
        return max(c.y1 - c.y0 for c in self.lines[0].chars)


def _segments_of(line: Any, settings: PdfGridSettings,
                 starts: Sequence[float] = ()) -> list[list[Any]]:
    """A line's characters split where the gap between two is a gap between cells, or
    where a character after a smaller gap begins at one of the columns' `starts`."""
    out: list[list[Any]] = []
    for c in sorted(line.chars, key=lambda c: c.x0):
        gap = c.x0 - out[-1][-1].x1 if out else 0.0
        if out and gap <= settings.cell_gap * (c.y1 - c.y0) and not (
                gap >= settings.start_gap and
                any(abs(c.x0 - x) <= settings.start_snap for x in starts)):
            out[-1].append(c)
        else:
            out.append([c])
    return out


def _gap(upper: Any, lower: Any) -> float:
    """The pitch from one line to the next (middles: boxes of one font vary in height)."""
    return float(upper.y - lower.y)


def _overlap_x(a: Any, b: Any) -> bool:
    return _boxes_overlap((a.chars[0].x0, a.chars[-1].x1), (b.chars[0].x0, b.chars[-1].x1))


def _least_pitch(lines: list[Any]) -> float | None:
    """A cell's own line pitch: the smallest between two lines one under the other."""
    pitches = [_gap(a, b) for a, b in itertools.pairwise(lines) if _overlap_x(a, b)]
    return min(pitches) if pitches else None


def _line_text(lines: list[Any]) -> str:
    return "".join("".join(c.text for c in line.chars) for line in lines).strip()


def _boxes_overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _loose_cells(lines: list[Any], page_no: int, settings: PdfGridSettings,
                 starts: Sequence[float] = ()) -> list[Cell]:
    """The cells of one row outside an indicator table: the row's segments, those one
    under another (a label wrapped in its cell) joined, left to right."""
    groups: list[tuple[list[float], list[tuple[int, list[Any]]]]] = []
    for k, line in enumerate(lines):
        for seg in _segments_of(line, settings, starts):
            span = (seg[0].x0, seg[-1].x1)
            into = [g for g in groups if _boxes_overlap((g[0][0], g[0][1]), span)]
            if into:
                g = into[0]
                for other in into[1:]:  # a segment that bridges two groups joins them
                    g[1].extend(other[1])
                    g[0][0], g[0][1] = min(g[0][0], other[0][0]), max(g[0][1], other[0][1])
                    groups.remove(other)
                g[0][0], g[0][1] = min(g[0][0], span[0]), max(g[0][1], span[1])
                g[1].append((k, seg))
            else:
                groups.append(([span[0], span[1]], [(k, seg)]))
    top = max(c.y1 for line in lines for c in line.chars)
    bottom = min(c.y0 for line in lines for c in line.chars)
    cells = []
    for col, (span, segs) in enumerate(sorted(groups, key=lambda g: g[0][0])):
        text = "".join("".join(c.text for c in seg) for _, seg in sorted(
            segs, key=lambda ks: (ks[0], ks[1][0].x0))).strip()
        cells.append(Cell(0, col, text, page=page_no, box=(span[0], top, span[1], bottom)))
    return cells


def _bands(lines: list[Any], settings: PdfGridSettings, least: float | None = None
           ) -> list[list[Any]]:
    """Lines grouped into rows: a row ends where the space to the next line is larger than
    the smallest on the page (a cell's line pitch); when every space is alike, every line
    is a row (cells of one line)."""
    if not lines:
        return []
    gaps = [_gap(a, b) for a, b in itertools.pairwise(lines)]
    if least is None:  # the page's own pitch, when the caller knows it
        least = _least_pitch(lines) or 0.0
    apart = any(g > least + settings.row_gap for g in gaps) or len(lines) < 4
    bands = [[lines[0]]]
    for g, line in zip(gaps, lines[1:], strict=True):
        if g > least + settings.row_gap or not apart:
            bands.append([line])
        else:
            bands[-1].append(line)
    return bands


def _columns(heading: list[Any], settings: PdfGridSettings, body: Sequence[Any] = ()
             ) -> list[tuple[float, str]]:
    """The left edge and text of each heading cell (labels wrapped over lines joined).
    Heading cells whose padding is less than `cell_gap` abut: a heading character after
    a gap of `start_gap` that begins where a character of the rows under it begins after
    such a gap (left-aligned cells of one column) starts a cell."""
    starts = {round(c.x0, 1) for ln in body for c in _after_gaps(ln, settings)}
    cells = _loose_cells(heading, 0, settings, sorted(
        c.x0 for ln in heading for c in _after_gaps(ln, settings)
        if any(abs(c.x0 - x) <= settings.start_snap for x in starts)))
    return [(c.box[0] - settings.column_pad, c.text) for c in cells]  # type: ignore[index]


def _after_gaps(line: Any, settings: PdfGridSettings) -> list[Any]:
    """A line's characters that begin it or follow a gap of `start_gap` or more."""
    chars = sorted(line.chars, key=lambda c: c.x0)
    return [c for k, c in enumerate(chars)
            if k == 0 or c.x0 - chars[k - 1].x1 >= settings.start_gap]


@dataclass
class _Columns:
    """The columns of an unruled indicator table, kept for the page that continues it."""

    edges: list[float]
    levels: set[int]
    right: float
    pitch: float | None = None  # a cell's line pitch, once the table has shown it


def _starts(edges: list[float], settings: PdfGridSettings) -> list[float]:
    """Where a column's left-aligned text begins (its heading's first character)."""
    return [e + settings.column_pad for e in edges]


def _in_columns(line: Any, edges: list[float], settings: PdfGridSettings,
                least: int = 3) -> bool:
    """A line of `least` cells or more, each beginning where a heading cell's text does."""
    starts = _starts(edges, settings)
    segs = _segments_of(line, settings, starts)
    return len(segs) >= least and all(any(abs(seg[0].x0 - x) <= settings.start_snap
                                          for x in starts) for seg in segs)


def _body_lines(chars: list[Any], page_no: int) -> list[Any]:
    """A page's lines of text, page numbers left out."""
    from jixiao.readers.pdf import _lines

    return [ln for ln in _lines(chars, page_no)
            if ln.text.strip() and not _PAGE_NUMBER.match(ln.text.strip())]


def _spans_columns(line: Any, edges: list[float], settings: PdfGridSettings) -> bool:
    return any(len({_column_of(c.mid_x, edges) for c in seg}) > 1
               for seg in _segments_of(line, settings, _starts(edges, settings)))


def _unruled_page(chars: list[Any], page_no: int, settings: PdfGridSettings,
                  doubts: list[Doubt], carry: list[_Columns], rules: Sequence[Edge] = ()
                  ) -> list[tuple[float, list[Cell]]]:
    """Blocks (top, cells) of a page whose tables draw no vertical rules: the rows outside
    an indicator table by the segments of their lines, the indicator table by the columns
    of its headings (or of the page before, which it continues), each column's wrapped
    lines joined into cells, rows where the columns other than 一级 / 二级 begin a cell —
    or, where horizontal `rules` run between the rows, the bands between them (a merged
    label's cell reaching down to the next rule under its column). `carry` holds the
    columns of a table that reaches the page's foot."""
    lines = _body_lines(chars, page_no)

    def compact(n: int) -> str:
        return "".join(lines[n].text.split())

    least = _least_pitch(lines) or 0.0
    if lines and least > settings.line_pitch * statistics.median(
            max(c.y1 - c.y0 for c in ln.chars) for ln in lines):
        least = 0.0  # the pitch of rows, not of a cell's lines: every line is a row
    blocks: list[tuple[float, list[Cell]]] = []
    table = carry.pop() if carry and lines and not _spans_columns(
        lines[0], carry[-1].edges, settings) else None
    carry.clear()
    k = 0
    while k < len(lines):
        start = k
        fresh = table is None
        if table is None:
            head = next((j for j in range(k, len(lines)) if _HEAD_LINE.search(compact(j))),
                        None)
            while head is not None and head > k and _wraps_into(
                    lines[head - 1], _bands(lines[head:], settings, least)[0], least, settings):
                head -= 1  # a heading label's first line above (labels centred, at the foot)
            above = lines[k:head] if head is not None else lines[k:]
            # the heading band: its first line and the lines wrapped under it
            heading = _bands(lines[head:], settings, least)[0] if head is not None else []
            body = lines[head + len(heading):head + len(heading) + settings.head_body] \
                if head is not None else []
            columns = _columns(heading, settings, body) if heading else []
            edges = [x for x, _ in columns]
            # the form's fields above share the table's columns when one table holds both
            starts = _starts(edges, settings)
            for band in _ruled_bands(above, rules, settings) or _bands(above, settings, least):
                blocks.append((band[0].y, _loose_cells(band, page_no, settings, starts)))
            if head is None:
                break
            right = max(c.x1 for ln in lines[head:] for c in ln.chars)  # the last column's
            table = _Columns(edges, {n for n, (_, t) in enumerate(columns)
                                     if _LEVEL_HEAD.match(t)}, right)
            blocks.append((heading[0].y, [Cell(0, n, t, page=page_no, box=(
                x, heading[0].y, (edges[n + 1] if n + 1 < len(edges) else right),
                heading[-1].y)) for n, (x, t) in enumerate(columns)]))
            start = head + len(heading)
        # the table's lines: up to a line whose text crosses a column's edge (a title or a
        # field of the next form), a new heading or a form's title
        end = start
        while end < len(lines) and not _HEAD_LINE.search(compact(end)) and \
                not _FORM_START.search(compact(end)) and \
                not _spans_columns(lines[end], table.edges, settings):
            end += 1
        crossed = end < len(lines) and not _HEAD_LINE.search(compact(end)) and \
            not _FORM_START.search(compact(end))
        # a crossing line right under the heading, or one the table's rows go on after (a
        # line of cells at the columns' starts within two lines): not the table's end
        if crossed and (end == start or any(_in_columns(lines[j], table.edges, settings)
                                            for j in range(end + 1, min(end + 3, len(lines))))):
            doubts.append(("unruled-uncertain", page_no,
                           say("pdfgrid.unruled-columns", page=page_no)))
        if end > start:
            # the rules that may bound the table's rows: below the line above its first
            # (the heading's last) and above the line after its last
            window = (lines[start - 1].y if start else float("inf"),
                      lines[end].y if end < len(lines) else float("-inf"))
            blocks.append((lines[start].y, _unruled_rows(
                lines[start:end], table, page_no, settings, doubts, fresh,
                [e for e in rules if window[1] < e.fixed < window[0]])))
        if end == len(lines):
            carry.append(table)
        table = None
        k = end
    return blocks


def _wraps_into(upper: Any, band: list[Any], least: float, settings: PdfGridSettings
                ) -> bool:
    """Whether `upper` holds the first lines of heading labels that go on in the heading's
    band (cells set at the middle or the foot): one cell's line pitch above it, every
    segment beginning where one of the band's begins and ending before the next one does,
    no sentence's punctuation in it (a goal's last line above a heading)."""
    if _gap(upper, band[0]) > least + settings.row_gap or _SENTENCE.search(upper.text):
        return False
    starts = sorted({seg[0].x0 for ln in band for seg in _segments_of(ln, settings)})
    for seg in _segments_of(upper, settings, starts):
        at = [n for n, x in enumerate(starts) if abs(seg[0].x0 - x) <= settings.start_snap]
        if not at or (at[0] + 1 < len(starts) and seg[-1].x1 > starts[at[0] + 1]):
            return False
    return True


def _column_of(x: float, edges: list[float]) -> int:
    n = 0
    for k, e in enumerate(edges):
        if x >= e:
            n = k
    return n


def _unruled_rows(lines: list[Any], table: _Columns, page_no: int,
                  settings: PdfGridSettings, doubts: list[Doubt], fresh: bool = True,
                  rules: Sequence[Edge] = ()) -> list[Cell]:
    """The indicator rows of an unruled table, as cells of the heading's columns (`fresh`:
    rows right under its heading, not a table continued from the page before; `rules`:
    the horizontal rules about its lines, see `_ruled_rows`)."""
    from jixiao.readers.pdf import Line

    edges, levels = table.edges, table.levels

    if not lines:
        return []
    # a cell's own line pitch: the smallest space between two lines on the table
    columns: list[list[Any]] = []
    for col in range(len(edges)):
        mine = [[c for c in ln.chars if _column_of(c.mid_x, edges) == col] for ln in lines]
        # each column's part of a page line at its own height: a page line may join two
        # columns' lines a few points apart (a wrapped label's second line beside the
        # next row's first), and the page line's height would set the row's one pitch off
        columns.append([Line(page_no, sum(c.mid_y for c in cs) / len(cs), cs)
                        for cs in mine if cs])
    pitches = [p for col in columns if (p := _least_pitch(col)) is not None]
    if table.pitch is not None:  # learnt on the page before (a page of two lines cannot)
        pitches.append(table.pitch)
    least = min(pitches) if pitches else 0.0
    # when no cell outside the level columns has a line pitch apart from the others, the
    # cells are one line each: every line is a row
    one_line = table.pitch is None and not any(_gap(a, b) > least + settings.row_gap
                       for n, col in enumerate(columns) if n not in levels
                       for a, b in itertools.pairwise(col))
    if not one_line:
        table.pitch = least
    runs: list[_Run] = []
    for col, mine in enumerate(columns):
        for ln in mine:
            if runs and runs[-1].col == col and not one_line and \
                    _gap(runs[-1].lines[-1], ln) <= least + settings.row_gap:
                runs[-1].lines.append(ln)
            else:
                runs.append(_Run(col, [ln]))
    # rows: the spans of the cells outside the level columns, overlapping ones one row
    spans: list[list[float]] = []
    for r in sorted((r for r in runs if r.col not in levels), key=lambda r: -r.top):
        if spans and r.top > spans[-1][1]:
            spans[-1][1] = min(spans[-1][1], r.bottom)
        else:
            spans.append([r.top, r.bottom])
    if not spans:
        return []
    ruled = _ruled_rows(columns, table, rules, len(spans), page_no, settings)
    if ruled is not None:  # the rules say where each row and each merged label ends
        return ruled
    cells: list[Cell] = []
    centred = False
    merged = _aligned_labels(runs, spans, levels, settings) if fresh else None
    for r in runs:
        # the row the cell begins in (a centred label may begin between two)
        row = next((n for n, (top, bottom) in enumerate(spans)
                    if bottom < r.top <= top + r.height * settings.align), None)
        if row is None:
            row = min(range(len(spans)), key=lambda n: abs(spans[n][0] - r.top))
        if abs(spans[row][0] - r.top) > r.height * settings.align:
            centred = True
        row, rowspan = merged.get(id(r), (row, 1)) if merged else (row, 1)
        right = edges[r.col + 1] if r.col + 1 < len(edges) else max(
            table.right, *(c.x1 for ln in r.lines for c in ln.chars))
        cells.append(Cell(row, r.col, _line_text(r.lines), rowspan, page=page_no, box=(
            edges[r.col], spans[row][0], right, spans[row + rowspan - 1][1])))
    # labels placed by their alignment (`merged`) are still said: a centred page's other
    # rows (the fields above the table) may have run together as the text alone sets them
    if centred:
        doubts.append(("unruled-uncertain", page_no,
                       say("pdfgrid.unruled-centred", page=page_no)))
    elif merged is None and fresh and any(c.col == n for c in cells for n in levels) and not all(
            any(c.row == 0 and c.col == n for c in cells) for n in levels):
        # a table's first row holds its 一级 / 二级 labels when they are top-aligned; one
        # without them has labels set at the foot (or middle) of merged cells, whose rows
        # the text alone cannot tell
        doubts.append(("unruled-uncertain", page_no,
                       say("pdfgrid.unruled-label-below", page=page_no)))
    return sorted(cells, key=lambda c: (c.row, c.col))


def _row_rules(rules: Sequence[Edge], x0: float, x1: float, top: float, bottom: float,
               settings: PdfGridSettings) -> list[float]:
    """The heights (top to bottom) of the rules strictly between `top` and `bottom` that
    run under most of x0–x1."""
    ys = [e.fixed for e in rules if bottom < e.fixed < top and
          _covered(rules, e.fixed, x0, x1, settings)]
    return sorted(_positions(ys, settings.min_step), reverse=True)


def _ruled_bands(lines: list[Any], rules: Sequence[Edge], settings: PdfGridSettings
                 ) -> list[list[Any]] | None:
    """Lines outside the indicator table grouped by the horizontal rules between them
    (a table ruled between rows only): each band the lines between two rules. None when
    rules stand between fewer than `row_rules` of the rows the text finds (no rules, a
    frame or a three-line table), or a line crosses a rule."""
    if len(lines) < 2 or not rules:
        return None
    x0 = min(c.x0 for ln in lines for c in ln.chars)
    x1 = max(c.x1 for ln in lines for c in ln.chars)
    ys = _row_rules(rules, x0, x0 + (x1 - x0) * settings.cover, lines[0].y, lines[-1].y,
                    settings)
    if not ys or len(ys) < settings.row_rules * (len(_bands(lines, settings)) - 1):
        return None
    if any(min(c.y0 for c in ln.chars) < y < max(c.y1 for c in ln.chars)
           for ln in lines for y in ys):
        return None  # a rule through a line's text is no row boundary
    bands: dict[int, list[Any]] = {}
    for ln in lines:
        bands.setdefault(sum(1 for y in ys if y > ln.y), []).append(ln)
    return [bands[k] for k in sorted(bands)]


def _ruled_rows(columns: list[list[Any]], table: _Columns, rules: Sequence[Edge],
                text_rows: int, page_no: int, settings: PdfGridSettings) -> list[Cell] | None:
    """The indicator rows by the horizontal rules of a table without vertical ones: the
    rows are the bands between rules; in each column a cell runs from a rule under that
    column to the next one there, so a 一级 / 二级 label merged over rows (no rule under
    its column between them) spans them whether it is set at the top, the middle or the
    foot. A table cut by the page (text above its first rule or below its last) is closed
    by its text. None when the rules do not stand between the rows (`row_rules` of the
    `text_rows` the text finds) — the text alone then sets the rows."""
    edges = table.edges
    every = [ln for col in columns for ln in col]
    if not rules or not every:
        return None
    top = max(c.y1 for ln in every for c in ln.chars)
    bottom = min(c.y0 for ln in every for c in ln.chars)
    if any(min(c.y0 for c in ln.chars) < e.fixed < max(c.y1 for c in ln.chars) and
           e.start < ln.chars[-1].x1 and ln.chars[0].x0 < e.end for ln in every for e in rules):
        return None  # a rule through a cell's text is no rule between rows
    rights = [*edges[1:], table.right]
    # the lattice: rules under any column; their inner ones must separate the rows
    lattice = sorted(_positions([e.fixed for e in rules if e.end > edges[0] and
                                 e.start < table.right], settings.min_step), reverse=True)
    inner = [y for y in lattice if bottom < y < top]
    if not inner or len(inner) < settings.row_rules * (text_rows - 1):
        return None
    if not lattice or lattice[0] < top:
        lattice.insert(0, top)  # rows at the page's top whose rule is on the page before
    if lattice[-1] > bottom:
        lattice.append(bottom)  # a table going on over the page's foot
    cells: list[Cell] = []
    for col, mine in enumerate(columns):
        x0, x1 = edges[col], rights[col]
        # this column's boundaries: its own rules, and the lattice's first and last
        bounds = [n for n, y in enumerate(lattice) if n in (0, len(lattice) - 1) or
                  _covered(rules, y, x0, x1, settings)]
        groups: dict[int, list[Any]] = {}
        for ln in mine:
            k = max(n for n in bounds if lattice[n] >= ln.y)
            groups.setdefault(k, []).append(ln)
        for k, lns in sorted(groups.items()):
            end = min(n for n in bounds if n > k)
            right = rights[col] if col + 1 < len(edges) else max(
                x1, *(c.x1 for ln in lns for c in ln.chars))
            cells.append(Cell(k, col, _line_text(lns), end - k, page=page_no,
                              box=(x0, lattice[k], right, lattice[end])))
    return sorted(cells, key=lambda c: (c.row, c.col))


def _aligned_labels(runs: list[_Run], spans: list[list[float]], levels: set[int],
                    settings: PdfGridSettings) -> dict[int, tuple[int, int]] | None:
    """The rows of the 一级 / 二级 labels of a table without rules whose labels are set
    at the middle or the foot of the rows they merge, when that is certain: in each level
    column, label after label from the table's first row, each one's foot (or middle)
    meets the foot (or the middle) of exactly one run of rows from the row after the
    last label's, and the last label ends at the table's last row. Returns (row,
    rowspan) by the run's id, or None (top-aligned labels, or labels that tile no rows:
    the text alone cannot tell)."""
    labels = {col: sorted((r for r in runs if r.col == col), key=lambda r: -r.top)
              for col in levels}
    slack = settings.label_slack
    if not any(labels.values()):
        return None
    anchors: dict[str, Any] = {
        "bottom": (lambda r: r.bottom, lambda a, b: spans[b][1]),
        "middle": (lambda r: (r.top + r.bottom) / 2,
                   lambda a, b: (spans[a][0] + spans[b][1]) / 2)}
    # the cells' alignment, told by rows whose other cells differ in height: their tops,
    # middles or bottoms meet (top-aligned labels are read by where they begin)
    seen: set[str] = set()
    for top, bottom in spans:
        row = [r for r in runs if r.col not in levels and bottom <= r.top <= top]
        if len(row) < 2 or max(r.top - r.bottom for r in row) - min(
                r.top - r.bottom for r in row) <= slack * row[0].height:
            continue
        for name, value in (("top", lambda r: r.top), ("bottom", lambda r: r.bottom),
                            ("middle", lambda r: (r.top + r.bottom) / 2)):
            if max(map(value, row)) - min(map(value, row)) <= slack * row[0].height:
                seen.add(name)
    if len(seen) != 1 or "top" in seen:
        return None
    for at, meets in [anchors[seen.pop()]]:
        out: dict[int, tuple[int, int]] = {}
        for column in labels.values():
            start = 0
            for r in column:
                ends = [k for k in range(start, len(spans))
                        if abs(at(r) - meets(start, k)) <= slack * r.height]
                if len(ends) != 1:
                    break
                out[id(r)] = (start, ends[0] - start + 1)
                start = ends[0] + 1
            if start != len(spans):
                break
        else:
            if any(n > 1 for _, n in out.values()):  # else no merged label to place
                return out
    return None


def _head_rows(page: list[Cell], settings: PdfGridSettings) -> list[list[Cell]]:
    """The first rows of the page's first table, each as its cells."""
    table = [c for c in page if c.box is not None]
    if not table:
        return []
    first = min(c.row for c in table)
    rows: dict[int, list[Cell]] = {}
    for c in table:
        if c.row < first + settings.head_rows:
            rows.setdefault(c.row, []).append(c)
    return [rows[r] for r in sorted(rows)]


def _signature(row: list[Cell]) -> tuple[tuple[int, int, str], ...]:
    return tuple(sorted((c.col, c.colspan, "".join(c.text.split())) for c in row))


def _drop_repeated_head(page: list[Cell], seen: set[tuple[tuple[int, int, str], ...]],
                        settings: PdfGridSettings) -> list[Cell]:
    """A table going on over a page repeats its header rows at the page's top: leading
    rows of the page's first table that are rows the pages before began their first
    table with (the same texts in the same columns, no figure; five columns named at
    least in its first row) are dropped,
    so that the header is read once and the rows under it go on in its columns. A page
    that prints its title or 单位 lines again above the header begins the table anew and
    keeps it."""
    table = [c.row for c in page if c.box is not None]
    if not table or any(c.box is None and c.row < min(table) for c in page):
        return page
    drop: set[int] = set()
    for row in _head_rows(page, settings):
        sig = _signature(row)
        texts = [t for _, _, t in sig if t]
        # a header names columns: no figure in it, and its first row names five or more
        # (a form's field rows, 部门名称 | … | 预算单位 | …, come again in every form)
        if sig not in seen or any(ch.isdigit() for t in texts for ch in t) or \
                (not drop and len(texts) < settings.head_cells):
            break
        drop.update(id(c) for c in row)
    return [c for c in page if id(c) not in drop]


def _join_split_row(before: list[Cell], page: list[Cell], closed: bool = False) -> list[Cell]:
    """A row split by a page break: when the page's first table row has no cell in the
    first column (no label of its own) and the page before ended inside a table, its
    texts are the ends of the texts of that table's last row, column by column — unless
    that table's foot is `closed`: ruled under some columns and not under the others (a
    merged label going on over the break, WeasyPrint), its last row ended there and the
    page's first is a row of its own under the label."""
    table_cells = [c for c in page if c.box is not None]
    if closed or not table_cells or not before or before[-1].box is None:
        return page
    first_row = min(c.row for c in table_cells)
    if any(c.row < first_row for c in page):  # text above the table: a new form
        return page
    head = [c for c in table_cells if c.row == first_row]
    if any(c.col == 0 for c in head):
        return page
    last_row = max(c.row for c in before if c.box is not None)
    tail = [c for c in before if c.row == last_row and c.box is not None]
    # the last row's own first label written again: a row of its own under a label merged
    # over the break (WPS), not the rest of the row (a short label ends on its page)
    first = min((t for t in tail if t.text.strip()), key=lambda t: t.col, default=None)
    if first is not None and len(tail) > 1 and any(
            first.box[0] <= (c.box[0] + c.box[2]) / 2 <= first.box[2] for c in head):  # type: ignore[index]
        return page
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


@dataclass(slots=True)
class PdfGrid(Grid):
    """The grid of a PDF's target pages, with what reading the pages doubted (the form
    reader puts these first among its warnings)."""

    page_warnings: list[ReadWarning] = field(default_factory=list)


def _warning(doubt: Doubt, file: str | None) -> ReadWarning:
    """A page's doubt as a warning with its code (the codes are in docs/reading.md)."""
    code, page, message = doubt
    severity = Severity.INFO if code == "doubled-characters" else Severity.WARNING
    return ReadWarning(code, message, SourceSpan(file, None, None, page), severity)


def _new_form_title(cells: list[Cell], last: str | None, breaks: set[int]) -> str | None:
    """The page's form titles (`…绩效目标表`); one unlike the title before begins another
    kind of form (a 部门整体 form after the project forms, with no 项目名称 of its own):
    its row is a break, so that its table is no part of the project before it. The same
    title again (forms of one kind, or a title repeated on a form's next page) is none."""
    for cell in cells:
        text = "".join(cell.text.split())
        if len(text) <= 40 and _FORM_START.search(text):
            if last is not None and text != last:
                breaks.add(cell.row)
            last = text
    return last


def _goes_on(page: Any, table: _Columns, settings: PdfGridSettings) -> bool:
    """Whether an unruled indicator table that reached the page's foot goes on at the top
    of the next one, which names no level (`target_pages` cannot tell: its labels are
    merged over the break): its first line is cells at the table's columns' starts, no
    heading or form title."""
    from jixiao.readers.pdf import _chars

    textpage = page.get_textpage()
    lines = _body_lines(_chars(textpage, textpage.count_chars()), 0)
    for line in lines[:3]:  # a line of centred cells may hold one cell alone
        text = "".join(line.text.split())
        if _HEAD_LINE.search(text) or _FORM_START.search(text):
            return False
        if _in_columns(line, table.edges, settings, least=2):
            return True
    return False


def _ruled_goes_on(page: Any, xs: list[float], settings: PdfGridSettings) -> bool:
    """Whether a ruled indicator table at the page's foot goes on at the top of the next
    page, which names no level: that page's first table has the same columns and no text
    stands above it but page numbers."""
    from jixiao.readers.pdf import _chars

    horizontal, vertical = _segments(page, settings)
    tables = _tables(0, _merge(horizontal, settings), _merge(vertical, settings), settings)
    if not tables or len(tables[0].xs) != len(xs) or any(
            abs(a - b) > settings.snap for a, b in zip(tables[0].xs, xs, strict=True)):
        return False
    textpage = page.get_textpage()
    top = tables[0].ys[0]
    return not any(ln.y > top for ln in _body_lines(_chars(textpage, textpage.count_chars()), 0))


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
        raise ReadError("bad-pdf", say("pdfgrid.bad-pdf", why=exc), SourceSpan(file)) from None
    try:
        if len(pdf) > limits.pdf_pages:
            from jixiao.readers.containers import refuse

            raise refuse("pdf_pages", len(pdf), say("containers.pdf-pages"), limits, file)
        unmapped = [n + 1 for n in range(len(pdf)) if _UNMAPPED.search(
            pdf[n].get_textpage().get_text_range())]
        if unmapped:  # glyphs without Unicode: whatever an extractor reads is no text
            raise ReadError("unmapped-glyphs", say(
                "pdfgrid.unmapped-glyphs",
                pages=say("pdfgrid.page-separator").join(map(str, unmapped[:10]))),
                            SourceSpan(file, None, None, unmapped[0]))
        pages = target_pages(pdf)
        if not pages:
            raise ReadError("no-target-table", say("pdfgrid.no-target-table"), SourceSpan(file))
        cells: list[Cell] = []
        doubts: list[Doubt] = []
        carry: list[_Columns] = []  # an unruled table's columns, for the page after
        row = 0
        closed: list[bool] = []  # whether each page's last table's foot is partly ruled
        at_foot: list[list[float]] = []  # the columns of a ruled table at the page's foot
        breaks: set[int] = set()
        title: str | None = None  # the last form title seen
        cuts: list[tuple[Cell, str]] = []  # the last page's cells cut by its foot
        seen_heads: set[tuple[tuple[int, int, str], ...]] = set()  # rows tables began with
        for n, index in enumerate(pages):
            if n and index != pages[n - 1] + 1:
                breaks.add(row)
            if n and index != pages[n - 1] + 1:
                carry.clear()
                cuts = []
            page_cuts: list[tuple[Cell, str]] = []
            foot = closed[-1] if closed else False  # the page before's
            closed.clear()
            at_foot.clear()
            unruled = bool(carry)  # the page before ended in an unruled table
            page_cells, row = _page_cells(pdf[index], index + 1, row, settings, doubts, carry,
                                          page_cuts, closed, at_foot)
            heads = {_signature(r) for r in _head_rows(page_cells, settings)}
            if n and index == pages[n - 1] + 1:
                page_cells = _drop_repeated_head(page_cells, seen_heads, settings)
            seen_heads = heads if n == 0 or index != pages[n - 1] + 1 else seen_heads | heads
            if cuts:  # the rest of the cut row is drawn again: the row goes on in its cells
                page_cells = _drop_repeated_rest(cuts, page_cells, index + 1, doubts)
            elif n and index == pages[n - 1] + 1:
                joined = _join_split_row(cells, page_cells, foot)
                if unruled and len(joined) < len(page_cells):
                    # without rules nothing tells a row split over the break from a new
                    # row under a 一级 label merged over it: read as the rest, said
                    doubts.append(("unruled-uncertain", index + 1, say(
                        "pdfgrid.unruled-label-below", page=index + 1)))
                page_cells = joined
            cuts = page_cuts
            title = _new_form_title(page_cells, title, breaks)
            cells += page_cells
            if index + 1 < len(pdf) and pages[n + 1:n + 2] != [index + 1] and (
                    _goes_on(pdf[index + 1], carry[-1], settings) if carry else
                    bool(at_foot) and _ruled_goes_on(pdf[index + 1], at_foot[-1], settings)):
                pages.insert(n + 1, index + 1)  # read next: the table goes on there
    finally:
        pdf.close()
    grid = PdfGrid(cells, file, "pdf", breaks=breaks)
    grid.page_warnings += [_warning(d, file) for d in dict.fromkeys(doubts)]
    grid.notes.append("pages " + ",".join(str(p + 1) for p in pages))
    return check_size(grid, limits)
