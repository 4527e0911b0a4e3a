"""Reader for the 项目支出绩效目标表 as a PDF with a text layer, from character boxes.

A small pipeline of plain functions over one object model — page → chars → lines →
columns → rows — every value keeping its page:

1. characters with their boxes (pypdfium2; characters pdfium generated are dropped);
2. the column-header row on each page names the columns; the boundaries between them
   are the widest strip of no text between neighbouring header labels (so ruling
   lines are not needed, and a table without them reads the same);
3. a row starts at each figure in the 总计 column (cells are top-aligned); lines above
   the first such figure on a page continue the last row of the page before;
4. each cell's lines are joined with nothing inserted; the indicator cell splits at
   lines that start with `N、`; items are parsed like every other reader's.

Amounts go to the column they stand in: nothing is inferred.
"""

from __future__ import annotations

import bisect
import gc
import hashlib
import itertools
import operator
import re
import threading
import unicodedata
import zlib
from array import array
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from jixiao.errors import ReadError
from jixiao.limits import DEFAULT, Limits
from jixiao.messages import say
from jixiao.model import (
    AMOUNT_COLUMNS,
    Document,
    ReadWarning,
    Severity,
    SourceInfo,
    SourceSpan,
)
from jixiao.readers.containers import refuse
from jixiao.readers.rows import AMOUNT, ITEM_START, RowBuilder, RowCells, heading

HEADER_LABELS = ("项目名称", "总计", "财政拨款", "财政专户拨款", "其他资金", "绩效目标", "绩效指标")
COLUMNS = ("name", *AMOUNT_COLUMNS, "goal", "items")
FOOTER = re.compile(r"^(第\s*\d+\s*页.*|-?\s*\d+\s*-?|\d+\s*/\s*\d+|page\s*\d+.*)$", re.I)
# the start of one (a column one character wide wraps `248,530.64` as `2` / `4` / `8` / `,` …)
AMOUNT_START = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})*(?:,\d{0,3})?|\d+)(?:\.\d*)?$")
# a stream's body starts after `stream` + EOL (not the `stream` of `endstream`); its
# dictionary names the filter. Damage is judged on Flate streams: deflate checks itself.
STREAM_START = re.compile(rb"(?<!end)stream\r?\n")
FLATE_FIRST = re.compile(rb"/Filter\s*\[?\s*/FlateDecode\b")
INFLATE_STEP = 1024 * 1024


@dataclass(slots=True, init=False)
class Char:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    mid_x: float  # the box's middle, fixed when made (the OCR widens a box, not its place)
    mid_y: float
    index: int  # in the text page (pdfgrid finds the char's text object by it), or -1

    def __init__(self, text: str, x0: float, y0: float, x1: float, y1: float,
                 index: int = -1) -> None:
        # one store a statement: a six-item tuple packed and unpacked costs more, once a
        # character
        self.text = text
        self.x0 = x0
        self.y0 = y0
        self.x1 = x1
        self.y1 = y1
        self.index = index
        self.mid_x = (x0 + x1) / 2
        self.mid_y = (y0 + y1) / 2


# WPS sets a gap beside curly quotes in justified CJK lines (`通过“穗智管”运营` shows gaps
# of 0.3 and 0.2 of the line's height, and no space glyph): a gap there is no space. Beside
# other punctuation it may be one (LibreOffice draws no glyph for `， 最终`).
CURLY_QUOTES = "“”‘’"


# Writer, Word and WPS set a gap of about a quarter em between CJK and Western text with
# no glyph (`534.16 公里` drawn for 534.16公里): such a gap is a space only when it is wider
# than that autospace can be (as a share of the line's height)
AUTOSPACE = 0.45


def _wide(text: str) -> bool:
    return unicodedata.east_asian_width(text) in "WF"


def _autospace(a: Char, b: Char) -> bool:
    """The gap between a and b is the autospace between CJK and Western text."""
    return _wide(a.text) != _wide(b.text) and b.x0 - a.x1 <= (b.y1 - b.y0) * AUTOSPACE


def _joined(chars: list[Char]) -> str:
    """The characters left to right; a visible gap (a quarter of the line's height or
    more) between two of them is a space the producer did not draw as a glyph."""
    out: list[str] = []
    previous: Char | None = None
    for c in chars:
        text = c.text
        # the gap first: it is the test that mostly fails
        if previous is not None and c.x0 - previous.x1 > (c.y1 - c.y0) * 0.25 and \
                text != " " and previous.text != " " and \
                previous.text not in CURLY_QUOTES and text not in CURLY_QUOTES and \
                not _autospace(previous, c):
            out.append(" ")
        out.append(text)
        previous = c
    return "".join(out)


Box = tuple[float, float, float, float]
X0, Y0, X1, Y1 = (operator.attrgetter(a) for a in ("x0", "y0", "x1", "y1"))


@dataclass(slots=True)
class Line:
    """Characters of one column on one baseline, left to right."""

    page: int
    y: float  # the middle of the line (PDF units, up is larger)
    chars: list[Char]
    # the text, joined once when first asked for (a line is read by many steps; its
    # characters are not changed once it is made)
    joined: str | None = field(default=None, repr=False, compare=False)
    boxed: Box | None = field(default=None, repr=False, compare=False)  # `box`, once

    @property
    def text(self) -> str:
        """The characters left to right, a visible gap read as a space (`_joined`)."""
        if self.joined is None:
            self.joined = _joined(self.chars)
        return self.joined

    def box(self) -> Box:
        """The box of its characters (x0, y0, x1, y1 in points, y up), found once; a space
        at either end left out (its box may reach past the text)."""
        if self.boxed is None:
            chars = self.chars
            if chars[0].text == " " or chars[-1].text == " ":
                chars = [c for c in chars if c.text != " "] or chars
            self.boxed = (min(map(X0, chars)), min(map(Y0, chars)), max(map(X1, chars)),
                          max(map(Y1, chars)))
        return self.boxed


def lines_box(lines: Iterable[Line], page: int) -> Box | None:
    """The box holding the characters of those of `lines` that are on `page`: where a
    value was read, so a person can check it against the cell (SourceSpan.box)."""
    boxes = [line.box() for line in lines if line.page == page and line.chars]
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
            max(b[3] for b in boxes))


@dataclass(slots=True)
class Row:
    page: int
    cells: dict[str, list[Line]] = field(default_factory=lambda: {c: [] for c in COLUMNS})
    open: bool = False  # a ruled row cut by the page break: the next page's top band goes on

    def text(self, column: str) -> str:
        return "".join(line.text for line in self.cells[column])


_PDFIUM: Any = None  # pdfium's per-character and per-object functions (`_pdfium`)


def _pdfium() -> Any:
    """The pdfium functions called once per character or page object, as pointers to the
    very functions pypdfium2 loaded, taking plain addresses: `map` calls them from C, each
    writing into its own place in one array (a Python loop reading an FS_RECTF per
    character was most of the characters' cost). Through cffi's backend a call costs half
    a ctypes one; its types are built directly, as `cffi.FFI` would parse them from C
    declarations with pycparser (0.1 s of CPU a process, more than a long read gains).
    Without cffi, ctypes calls the same functions."""
    global _PDFIUM
    if _PDFIUM is None:
        import ctypes
        from types import SimpleNamespace

        import pypdfium2.raw as pdfium_c

        def address(name: str) -> int:
            return ctypes.cast(getattr(pdfium_c, name), ctypes.c_void_p).value or 0

        try:
            import _cffi_backend as backend

            word, number = backend.new_primitive_type("intptr_t"), \
                backend.new_primitive_type("int")

            def fn(name: str, result: Any, *args: Any) -> Any:
                return backend.cast(backend.new_function_type(args, result, False),
                                    address(name))
        except (ImportError, AttributeError):  # no cffi, or another backend: ctypes
            word, number = ctypes.c_ssize_t, ctypes.c_int

            def fn(name: str, result: Any, *args: Any) -> Any:
                return ctypes.CFUNCTYPE(result, *args)(address(name))

        _PDFIUM = SimpleNamespace(
            loose_box=fn("FPDFText_GetLooseCharBox", number, word, number, word),
            is_generated=fn("FPDFText_IsGenerated", number, word, number),
            get_object=fn("FPDFPage_GetObject", word, word, number),
            object_type=fn("FPDFPageObj_GetType", number, word),
            bounds=fn("FPDFPageObj_GetBounds", number, word, word, word, word, word))
    return _PDFIUM


def _address(handle: Any) -> int:
    """A pypdfium2 handle (a ctypes pointer) as a plain address."""
    import ctypes

    return ctypes.cast(handle, ctypes.c_void_p).value or 0


def _boxes(textpage: Any, count: int) -> array:
    """The loose boxes of a text page's first `count` characters, four floats each (an
    FS_RECTF: left, top, right, bottom), written by pdfium into one array whose slices
    are C copies (a ctypes array's slice makes its floats one by one)."""
    boxes = array("f", bytes(16 * count))
    base = boxes.buffer_info()[0]
    deque(map(_pdfium().loose_box, itertools.repeat(_address(textpage.raw), count),
              range(count), range(base, base + 16 * count, 16)), 0)
    return boxes


def _chars(textpage: Any, count: int) -> list[Char]:
    """The page's characters with their loose boxes, without those pdfium generated."""
    if count <= 0:
        return []
    text = textpage.get_text_range(0, count)[:count]
    if len(text) < count:  # (a text page shorter than its count: the boxes of those read)
        count = len(text)
    boxes = _boxes(textpage, count)
    columns = (text.replace("\u00a0", " "), boxes[0::4], boxes[3::4], boxes[2::4],
               boxes[1::4], range(count))
    # pdfium adds only line breaks and spaces of its own: those are left out before any
    # Char is made
    handle, is_generated = _address(textpage.raw), _pdfium().is_generated
    drop = [m.start() for m in PDFIUM_ADDS.finditer(text)
            if m.group() != " " or is_generated(handle, m.start())]
    if not drop:
        return list(map(Char, *columns))
    keep = bytearray(b"\x01") * count
    for k in drop:
        keep[k] = 0
    return list(map(Char, *(itertools.compress(column, keep) for column in columns)))


PDFIUM_ADDS = re.compile(r"[\r\n ]")  # what pdfium may add to a page's text


MID_Y = operator.attrgetter("mid_y")


def _lines(chars: list[Char], page: int) -> list[Line]:
    """Group characters into lines by their vertical middle, top to bottom."""
    lines: list[Line] = []
    current: list[Char] = []
    y = height = 0.0  # the current line's middle and tallest box: punctuation boxes are small
    for c in sorted(chars, key=MID_Y, reverse=True):  # stable, as a key of -mid_y
        h = c.y1 - c.y0
        if current and abs(y - c.mid_y) < (height if height > h else h) * 0.45:
            current.append(c)
            if h > height:
                height = h
        else:
            current = [c]
            y, height = c.mid_y, h
            lines.append(Line(page, y, current))
    for line in lines:
        line.chars.sort(key=X0)
    return lines


HEADER_LINES = 16  # the most lines a header row's labels take
# a two-row header's label over the four amount columns (its row's other cells merged down)
GROUP_LABELS = ("资金", "资金来源", "项目资金", "年度资金", "资金构成")
HEADER_CHARS = frozenset("".join(HEADER_LABELS) + "".join(GROUP_LABELS) + "（资金使用单位）()")


def _without_group(window: list[Line]) -> list[Line]:
    """The header lines without a group label (`资金` over 总计 … 其他资金): the runs of
    touching characters on a line that spell one."""
    out = []
    for line in window:
        chars = [c for c in line.chars if c.text.strip()]
        keep: list[Char] = []
        run: list[Char] = []
        for c in [*chars, None]:
            if c is not None and run and c.x0 <= run[-1].x1 + 0.1 * (c.y1 - c.y0):
                run.append(c)
                continue
            if "".join(x.text for x in run) not in GROUP_LABELS:
                keep += run
            run = [c] if c is not None else []
        out.append(Line(line.page, line.y, keep))
    return [line for line in out if line.chars]


def _label_groups(window: list[Line]) -> list[tuple[float, float, str]] | None:
    """The header cells in a few lines: characters side by side with no gap between them
    (a label's lines overlap as they wrap in its cell) are one label, read line by line."""
    chars = sorted(((k, c) for k, line in enumerate(window) for c in line.chars
                    if c.text.strip()), key=lambda kc: kc[1].x0)
    if not chars:
        return None
    touch = 0.1 * max(c.y1 - c.y0 for _, c in chars)  # CJK boxes abut; cells keep padding
    spans: list[list[Any]] = []
    for k, c in chars:
        if spans and c.x0 <= spans[-1][1] + touch:
            spans[-1][1] = max(spans[-1][1], c.x1)
            spans[-1][2].append((k, c))
        else:
            spans.append([c.x0, c.x1, [(k, c)]])
    if len(spans) != len(HEADER_LABELS):
        return None
    return [(x0, x1, "".join(c.text for _, c in sorted(members, key=lambda kc: (kc[0], kc[1].x0))))
            for x0, x1, members in spans]


def _header_cells(window: list[Line]) -> list[tuple[float, float, str]] | None:
    """The header cells of the window when they spell the column labels, a two-row
    header's group label left out if it joins two labels (lying over their gap)."""
    for lines in (window, None):
        groups = _label_groups(lines if lines is not None else _without_group(window))
        texts = [text for _, _, text in groups or ()]
        if groups and texts[0].startswith(HEADER_LABELS[0]) and \
                texts[1:] == list(HEADER_LABELS[1:]):
            return groups
    return None


def _header(lines: list[Line]) -> tuple[Line, Line, list[tuple[float, float]]] | None:
    """The column-header lines (first and last: a label may wrap in a narrow cell, as
    `财政专户` / `拨款`) and the horizontal extent of each label in them."""
    for i, line in enumerate(lines):
        if not _header_like(line):
            continue  # every character of a header line belongs to a label
        # labels one character a line in narrow cells (`财` / `政` / `专` / `户` …), centred
        # in cells of other heights, interleave: the header may take a dozen lines
        for k in range(i, min(i + HEADER_LINES, len(lines))):
            if k > i and not _header_like(lines[k]):
                break
            groups = _header_cells(lines[i:k + 1])
            if groups is not None:
                found = (line, lines[k], [(x0, x1) for x0, x1, _ in groups])
                # the name label may go on below (`项目名称（资金使` / `用单位）`)
                for m in range(k + 1, min(k + 4, len(lines))):
                    more = _header_cells(lines[i:m + 1]) if _header_like(lines[m]) else None
                    if more is None:
                        break
                    found = (line, lines[m], [(x0, x1) for x0, x1, _ in more])
                return found
    return None


def _overlapping(line: Line) -> str | None:
    """The line's text when it is the table's header with two of its characters drawn
    over each other (text wider than its cell spilling into the next one:
    `财政拨财款政专其户他拨资款金`), else None. Other overlapping lines (prose in a whole
    budget) say nothing about this table."""
    chars = [c for c in line.chars if c.text.strip()]
    if not chars or sum(c.text in HEADER_CHARS for c in chars) < 0.6 * len(chars):
        return None
    for a, b in itertools.pairwise(chars):
        if a.text != b.text and b.x0 < a.x1 - 0.5 * min(a.x1 - a.x0, b.x1 - b.x0):
            return line.text
    return None


def _covered(body: list[Char], before: list[tuple[float, float]] | None = None
             ) -> list[tuple[float, float]]:
    """The union of the characters' horizontal extents (and of `before`'s), left to right."""
    covered: list[list[float]] = []
    for x0, x1 in sorted([*(before or []), *((c.x0, c.x1) for c in body if c.text != " ")]):
        if covered and x0 <= covered[-1][1]:
            covered[-1][1] = max(covered[-1][1], x1)
        else:
            covered.append([x0, x1])
    return [(a, b) for a, b in covered]


def _boundaries(extents: list[tuple[float, float]], covered: list[tuple[float, float]]
                ) -> list[float]:
    """Between each pair of neighbouring labels, the middle of the widest strip that no
    character of the body covers (`_covered`)."""
    cuts = []
    for (_, left), (right, _) in itertools.pairwise(extents):
        best, best_width, x = (left + right) / 2, -1.0, left
        for a, b in [*((a, b) for a, b in covered if b > left and a < right), (right, right)]:
            if a - x > best_width:
                best, best_width = (x + a) / 2, a - x
            x = max(x, b)
        cuts.append(best)
    return cuts


RULE_WIDTH = 2.0  # a ruling line is a path at most this thick (points)
RULE_TOLERANCE = 2.0  # rules this close are one (a double rule, or per-cell segments)


@dataclass(slots=True)
class Ruling:
    """The table's ruling lines on one page: the horizontal rules that cross the whole
    table (top first) and the vertical segments (x, bottom, top)."""

    rows: list[float]
    verticals: list[tuple[float, float, float]]
    # the column rules go on above the first / below the last horizontal rule: a row cut
    # by a page break, its band closed by the column rules' end
    cut_top: bool = False
    cut_bottom: bool = False

    def bands(self) -> list[tuple[float, float]]:
        """(top, bottom) of the strips between neighbouring horizontal rules."""
        return [(a, b) for a, b in itertools.pairwise(self.rows) if a - b > RULE_TOLERANCE]

    def columns(self, top: float, bottom: float) -> list[float]:
        """The x of the vertical rules that cross the band, left to right."""
        middle = (top + bottom) / 2
        xs: list[float] = []
        for x, y0, y1 in sorted(self.verticals):
            if y0 - RULE_TOLERANCE <= middle <= y1 + RULE_TOLERANCE and \
                    (not xs or x - xs[-1] > RULE_TOLERANCE):
                xs.append(x)
        return xs


def _ruling(page: Any) -> Ruling | None:
    """The page's ruling lines from its path objects, or None when it draws no grid (at
    least two horizontal rules across the table). Segments drawn per cell are merged."""
    import pypdfium2.raw as pdfium_c

    fns = _pdfium()
    handle = _address(page.raw)
    n = pdfium_c.FPDFPage_CountObjects(page.raw)
    objects = list(map(fns.get_object, itertools.repeat(handle, n), range(n)))
    paths = list(itertools.compress(objects, map(operator.eq, map(fns.object_type, objects),
                                                 itertools.repeat(pdfium_c.FPDF_PAGEOBJ_PATH))))
    # each path's bounds (left, bottom, right, top) written by pdfium into one array
    bounds = array("f", bytes(16 * len(paths)))
    base = bounds.buffer_info()[0]
    end = base + 16 * len(paths)
    found = list(map(fns.bounds, paths, range(base, end, 16), range(base + 4, end, 16),
                     range(base + 8, end, 16), range(base + 12, end, 16)))
    for k in itertools.compress(range(len(paths)), map(operator.not_, found)):
        # bounds not found: the last path's stand (as one box reused for every path did)
        bounds[4 * k:4 * k + 4] = bounds[4 * k - 4:4 * k] if k else array("f", bytes(16))
    horizontal: list[tuple[float, float, float]] = []  # y, x0, x1
    vertical: list[tuple[float, float, float]] = []  # x, y0, y1
    for x0, y0, x1, y1 in zip(bounds[0::4], bounds[1::4], bounds[2::4], bounds[3::4],
                              strict=True):
        if y1 - y0 <= RULE_WIDTH < x1 - x0:
            horizontal.append(((y0 + y1) / 2, x0, x1))
        elif x1 - x0 <= RULE_WIDTH < y1 - y0:
            vertical.append(((x0 + x1) / 2, y0, y1))
    if not horizontal or not vertical:  # one rule: a cut row's rest above the table's end
        return None
    table_left = min(x for x, _, _ in vertical)
    table_right = max(x for x, _, _ in vertical)
    width = table_right - table_left
    merged: list[list[tuple[float, float, float]]] = []  # segments on one y
    for seg in sorted(horizontal, key=lambda s: -s[0]):
        if merged and merged[-1][0][0] - seg[0] <= RULE_TOLERANCE:
            merged[-1].append(seg)
        else:
            merged.append([seg])
    rows = []
    for segments in merged:
        covered, reach = 0.0, table_left
        for _, x0, x1 in sorted(segments, key=lambda s: s[1]):
            x0, x1 = max(x0, reach), min(x1, table_right)
            if x1 > x0:
                covered += x1 - x0
                reach = x1
        if width > 0 and covered >= 0.9 * width:  # a rule across the table, not a stroke
            rows.append(segments[0][0])
    if not rows:
        return None
    # a row cut by a page break has no rule at the cut: the column rules end there instead
    low, high = min(y0 for _, y0, _ in vertical), max(y1 for _, _, y1 in vertical)
    cut_bottom, cut_top = low < rows[-1] - RULE_TOLERANCE, high > rows[0] + RULE_TOLERANCE
    if cut_bottom:
        rows.append(low)
    if cut_top:
        rows.insert(0, high)
    if len(rows) < 2:
        return None
    return Ruling(rows, vertical, cut_top, cut_bottom)


def _cell_text(chars: list[Char], page: int) -> str:
    return "".join(line.text for line in _lines(chars, page))


def _ruled_header(ruling: Ruling, chars: list[Char], page: int
                  ) -> tuple[int, list[float]] | None:
    """The band of the column-header row (its labels may wrap over several lines, as
    `项目名称（资金使` / `用单位）`) and the x of the rules between its columns."""
    for k, (top, bottom) in enumerate(ruling.bands()):
        xs = ruling.columns(top, bottom)
        if len(xs) != len(HEADER_LABELS) + 1:
            continue
        inside = [c for c in chars if bottom < c.mid_y < top]
        cells: list[list[Char]] = [[] for _ in HEADER_LABELS]
        for c in inside:
            at = bisect.bisect(xs, c.mid_x) - 1
            if 0 <= at < len(cells):
                cells[at].append(c)
        texts = ["".join(_cell_text(cs, page).split()) for cs in cells]
        if all(t.startswith(label) for t, label in zip(texts, HEADER_LABELS, strict=True)):
            return k, xs[1:-1]
    return None


def _is_amount(text: str) -> bool:
    return bool(AMOUNT.match("".join(text.split())))


def _pitch(column_lines: dict[str, list[Line]]) -> float:
    """The distance between two lines of one cell: the usual distance between neighbouring
    lines of a column (the lower quartile; rows further apart add their padding)."""
    steps = sorted(a.y - b.y for lines in column_lines.values()
                   for a, b in itertools.pairwise(sorted(lines, key=lambda line: -line.y)))
    height = max((line.chars[0].y1 - line.chars[0].y0 for lines in column_lines.values()
                  for line in lines[:1]), default=10.0)
    steps = [d for d in steps if d > 0.6 * height]
    return steps[len(steps) // 4] if steps else height


def _amount_groups(lines: list[Line], pitch: float, page: int) -> list[list[Line]]:
    """The figures of an amount column, top first: an amount wider than its column wraps at
    any character (`248,530` / `.64`), so lines one pitch apart whose joined text is still
    an amount are one figure; a line further down, or one that would make the joined text
    no amount (`10393.43` over `80.00`), starts the next. Each figure must be an amount."""
    groups: list[list[Line]] = []
    # the decimals the column shows on one line at most: a figure that has them all is
    # whole, and digits below it start the next (no padding between rows: `248530.64`
    # wrapped as `248` / `530` / `.64`, then `247` …)
    decimals = max(2, max((len(m.group(1)) for line in lines
                           if (m := DECIMALS.search(line.text))), default=0))
    for line in sorted(lines, key=lambda line: -line.y):
        if groups:
            previous = groups[-1]
            text = "".join(x.text for x in previous)
            near = previous[-1].y - line.y <= pitch * 1.08 + 0.5
            whole = (m := DECIMALS.search(text)) is not None and len(m.group(1)) >= decimals
            if near and (not _is_amount(text) or (
                    not whole and AMOUNT_START.match("".join((text + line.text).split())))):
                previous.append(line)
                continue
        groups.append([line])
    return groups


DECIMALS = re.compile(r"\.(\d+)\s*$")


def _figure_goes_on(row: Row, head: list[Line], column_lines: dict[str, list[Line]],
                    pitch: float) -> bool | None:
    """Whether a page's first figure in 总计 is the rest of the last row's, an amount the
    page break cut (`13.` / `52`, `33` / `748.70`): True, False, or None when the pages
    cannot tell. Certain when either part is no amount alone; when both are, only if this
    one stands at the top of this page, and then the cells beside it say: a new row's
    indicators start with `1、`; no name beside it (the last row had one) is the rest of
    that row's; else, if the last figure reached the foot of its page, a later item or an
    item's wrapped line beside it is the rest of the row's."""
    before = "".join(row.text("total").split())
    text = "".join("".join(x.text for x in head).split())
    top = max(line.y for lines in column_lines.values() for line in lines)
    if row.open and not before:  # a row cut at the page's foot before its figure
        return True if head[0].y >= top - 0.3 * pitch else None
    if not before or not _is_amount(before + text):
        return False
    if not _is_amount(text) or not _is_amount(before):
        return True
    slack = 0.3 * pitch
    if head[0].y < top - slack:
        return False  # the rest of the row above stands above the figure: it starts a row
    items, names = ([line for line in column_lines[c] if abs(line.y - head[0].y) <= slack]
                    for c in ("items", "name"))
    m = ITEM_START.match(items[0].text) if items else None
    if m and int(m.group(1)) == 1:
        return False  # a new row's first indicator
    if not names and row.text("name"):
        # top-aligned, a row begins with its name: a figure with none beside it is the
        # rest of the named row's (the break moved its last lines on, as widows do)
        return True
    last = max(row.cells["total"], key=lambda line: (line.page, -line.y))
    foot = min(line.y for lines in row.cells.values() for line in lines
               if line.page == last.page)
    if last.y > foot + slack:
        return False  # the last row's figure ended above the page break: it is whole
    return True if items else None


def _place_top_aligned(column_lines: dict[str, list[Line]], page: int, rows: list[Row],
                       pitch: float | None = None, fail: Any = None) -> None:
    """Rows start at each figure in the 总计 column (cells are top-aligned); lines above
    the first figure continue the last row read, and so does a first figure that is only
    the end of the last row's (an amount wrapped over the page break). When the pages
    cannot tell whether it is (`fail` given: a table without rules), the reading is
    refused."""
    pitch = _pitch(column_lines) if pitch is None else pitch
    groups = _amount_groups(column_lines["total"], pitch, page)
    goes_on = _figure_goes_on(rows[-1], groups[0], column_lines, pitch) \
        if groups and rows else False
    if goes_on is None and fail is not None:
        before = "".join(rows[-1].text("total").split())
        text = "".join("".join(x.text for x in groups[0]).split())
        cut = say("pdf.cut-after", before=before, text=text) if before else \
            say("pdf.cut-no-total", text=text)
        raise fail("cut-figure", say("pdf.cut-figure", cut=cut), page)
    if rows:
        rows[-1].open = False
    if goes_on:
        groups = groups[1:]
    starts = [-g[0].y for g in groups]  # top first
    page_rows = [Row(page) for _ in starts]
    for name, lines in column_lines.items():
        for line in lines:
            # the row it falls in: top-aligned cells share the first line's height,
            # give or take the difference between glyph shapes (half a line)
            slack = (line.chars[0].y1 - line.chars[0].y0) / 2
            k = bisect.bisect(starts, -line.y + slack) - 1
            if k >= 0:
                page_rows[k].cells[name].append(line)
            elif rows:  # above the first row of the page: the last row continues
                rows[-1].cells[name].append(line)
    placed = ([rows[-1]] if rows else []) + page_rows
    rows += page_rows
    if fail is not None:
        for k, row in enumerate(placed):
            foot = _foot_row(row, page, pitch, fail, last=k == len(placed) - 1)
            if foot is not None:
                rows.append(foot)


def _foot_row(row: Row, page: int, pitch: float, fail: Any, last: bool) -> Row | None:
    """A top-aligned row's cells on a page are each one block of lines. Second blocks in
    the page's last row that start on one line and reach the page's foot are the next
    row, cut by the page break before its figure (WeasyPrint may move a cell's lines
    whole to the next page, the figure's or the name's): they are returned as a row of
    their own, open for the rest of its cells and its figure. Any other second block is
    two rows' cells run together, and the reading is refused."""
    slack = 0.3 * pitch
    tops: dict[str, float] = {}
    for name in COLUMNS:
        blocks = _blocks([line for line in row.cells[name] if line.page == page], pitch)
        if len(blocks) == 2 and name not in AMOUNT_COLUMNS:
            tops[name] = blocks[1][0].y
        elif len(blocks) > 1:
            tops.clear()
            break
    else:
        if not tops:
            return None
        y = max(tops.values())
        foot = min(x.y for lines in row.cells.values() for x in lines if x.page == page)
        reach = min(x.y for name in tops for x in row.cells[name] if x.page == page)
        if last and abs(reach - foot) <= slack and \
                all(abs(t - y) <= slack for t in tops.values()):
            foot = Row(page, open=True)
            for name in COLUMNS:
                moved = {id(x) for x in row.cells[name] if x.page == page and x.y <= y + slack}
                foot.cells[name] = [x for x in row.cells[name] if id(x) in moved]
                row.cells[name] = [x for x in row.cells[name] if id(x) not in moved]
            return foot
    text = row.text("name")[:30]
    raise fail("unplaced-cell", say("pdf.unplaced-split", text=text), page)


def _blocks(lines: list[Line], pitch: float) -> list[list[Line]]:
    """A column's lines in blocks, top first: lines one pitch apart are one cell's."""
    blocks: list[list[Line]] = []
    for line in sorted(lines, key=lambda line: -line.y):
        if blocks and blocks[-1][-1].y - line.y <= pitch * 1.08 + 0.5:
            blocks[-1].append(line)
        else:
            blocks.append([line])
    return blocks


ANCHORS = {"top": lambda b: b[0].y, "middle": lambda b: (b[0].y + b[-1].y) / 2,
           "bottom": lambda b: b[-1].y}


def _place_unruled(column_lines: dict[str, list[Line]], page: int, rows: list[Row],
                   fail: Any, aligned: str | None) -> str | None:
    """Place a page of a table without ruling lines. Cells are top-aligned (rows start at
    the figures in 总计) unless the cells say otherwise: when more blocks of lines share
    their middle (or bottom) than their top with a figure, each block goes to the row
    whose figure has the same middle (bottom), and the parts of a row split over a page
    are placed by the rules of `_place_aligned`. The alignment the first page that tells
    them apart shows holds for the pages after; it is returned."""
    pitch = _pitch(column_lines)
    groups = _amount_groups(column_lines["total"], pitch, page)
    slack = 0.3 * pitch
    if aligned is None:
        blocks = [b for name, lines in column_lines.items() if name != "total"
                  for b in _blocks(lines, pitch)]

        def matches(anchor: Any) -> int:
            marks = [anchor(g) for g in groups]
            return sum(1 for b in blocks if marks and
                       min(abs(anchor(b) - m) for m in marks) <= slack)

        score = {name: matches(anchor) for name, anchor in ANCHORS.items()}
        best = max(score, key=lambda name: (score[name], name == "top"))
        if score[best] > min(score.values()):  # single-line cells tell nothing
            aligned = best
    if aligned in (None, "top"):
        _place_top_aligned(column_lines, page, rows, pitch, fail)
        return aligned
    _place_aligned(column_lines, page, rows, fail, ANCHORS[aligned], pitch, groups,
                   say("pdf.middle" if aligned == "middle" else "pdf.bottom"))
    return aligned


def _place_aligned(column_lines: dict[str, list[Line]], page: int, rows: list[Row], fail: Any,
                   anchor: Any, pitch: float, groups: list[list[Line]], how: str) -> None:
    """Centred or bottom-aligned cells: each block of lines goes to the row whose figure
    it lines up with. A row split over a page lines up only in part: a cell that runs over
    the break fills its part from the row's top down to the page's foot, the others are
    aligned in the part of the row on the page, and on the next page the rests are aligned
    among themselves, beside the rest of the figure if it was cut. So a block that lines
    up with no figure goes to the one row whose lines it overlaps (none of its own in that
    column), or stands just above the page's last row; above every row of the page, it is
    the rest of the last row read; below the last, a row cut before its figure (whose
    figure is the next page's first) unless the last row goes on over the break. Anywhere
    else (overlapping two rows, between rows) it cannot be placed and the reading is
    refused; so is a figure at a page's top that may be the rest of the last one or a row
    of its own (`_aligned_goes_on`)."""
    slack = 0.3 * pitch
    unplaced: list[tuple[str, list[Line]]] = []
    goes_on: bool | None = False
    if rows and groups:
        goes_on = _aligned_goes_on(rows[-1], groups[0], column_lines, anchor, pitch)
        if goes_on is None:
            before = "".join(rows[-1].text("total").split())
            text = "".join("".join(x.text for x in groups[0]).split())
            raise fail("cut-figure", say("pdf.cut-figure",
                                         cut=say("pdf.cut-after", before=before, text=text)),
                       page)
    marks = [anchor(g) for g in groups]
    page_rows = [Row(page) for _ in groups]
    every = [x.y for lines in column_lines.values() for x in lines]
    # the page's top and foot lines, each figure's top, and whether a row came before
    edges = (max(every), min(every), [g[0].y for g in groups], bool(rows)) if every else None
    for name, lines in column_lines.items():
        # figures one under another are each a figure (rows without padding touch)
        blocks = groups if name == "total" else _amount_groups(lines, pitch, page) \
            if name in AMOUNT_COLUMNS else _blocks(lines, pitch)
        for block in blocks:
            at = min(range(len(marks)), key=lambda k: abs(marks[k] - anchor(block)),
                     default=None)
            if at is None or abs(marks[at] - anchor(block)) > slack or \
                    len(_beside(block, marks, slack)) > 1:  # two rows' cells that touch
                parts = _aligned_parts(block, marks, anchor, slack, edges, name == "items")
                if parts is None:
                    unplaced.append((name, block))
                for k, run in parts or ():  # -1: the rest of the row the break cut
                    (page_rows[k] if k >= 0 else rows[-1]).cells[name].extend(run)
            else:
                page_rows[at].cells[name].extend(block)
    extents = [[max(x.y for cell in row.cells.values() for x in cell),
                min(x.y for cell in row.cells.values() for x in cell)] for row in page_rows]
    # a cell that runs over the break fills its part from the row's top down, the others
    # keep their alignment in the little of the row on this page, below it: a block that
    # overlaps a row's lines is that row's, and so is one just above the page's last row
    # (rows keep their padding apart); the row then reaches as far as the block, where
    # the next such block may meet it
    foot = Row(page, open=True)  # a row cut before its figure: its first lines
    last = len(extents) - 1
    placed = True
    while placed:
        placed = False
        for name, block in list(unplaced):
            top, bottom = block[0].y, block[-1].y
            hits = [k for k, (t, b) in enumerate(extents)
                    if bottom <= t + slack and top >= b - slack]
            if not hits and last >= 0 and extents[last][1] - slack <= top and \
                    bottom - extents[last][0] <= pitch * 1.08 + 0.5 and \
                    all(b - slack > top for _, b in extents[:last]):
                hits = [last]
            if len(hits) == 1 and not page_rows[hits[0]].cells[name]:
                page_rows[hits[0]].cells[name].extend(block)
                extents[hits[0]] = [max(extents[hits[0]][0], top),
                                    min(extents[hits[0]][1], bottom)]
                unplaced.remove((name, block))
                placed = True
    # below the page's last row: a row cut before its figure, unless the last row goes on
    # over the break (its figure cut, no amount alone; or the figure alone, set at the
    # top of the row as a cell that runs over, its name aligned below it): a row cannot
    # start below one that goes on, so they are its
    merged = bool(rows) and bool(page_rows) and bool(goes_on or rows[-1].open)
    named = bool(page_rows) and bool(page_rows[-1].cells["name"] or (
        merged and len(page_rows) == 1 and rows[-1].cells["name"]))
    ends = page_rows[-1] if page_rows and (
        not _is_amount(page_rows[-1].text("total")) or not named) else foot
    for name, block in unplaced:
        top = block[0].y
        # it overlaps no row: the rows wholly above it (0 when it is above them all)
        above = sum(1 for _, b in extents if b - slack > top)
        if above == 0 and rows and all(block[-1].y > t + slack for t, _ in extents):
            rows[-1].cells[name].extend(block)  # the rest of a row the page break cut
        elif extents and above == len(extents) and (ends is foot or not ends.cells[name]):
            ends.cells[name].extend(block)
        else:
            text = "".join(x.text for x in block)[:30]
            raise fail("unplaced-cell", say("pdf.unplaced-aligned", how=how, text=text), page)
    if merged:
        # the rest of the last row, its figure's too; or the row cut before its figure
        # goes on in this page's first (every row has one)
        rows[-1].open = False
        for name, cell in page_rows.pop(0).cells.items():
            rows[-1].cells[name].extend(cell)
    rows += page_rows
    if any(foot.cells.values()):
        rows.append(foot)


def _beside(block: list[Line], marks: list[float], slack: float) -> list[int]:
    """The figures (their anchors' indexes) that stand beside the block's lines: a cell
    lies within its row, beside its own figure and no other."""
    return [k for k, m in enumerate(marks) if block[-1].y - slack < m < block[0].y + slack]


def _aligned_parts(block: list[Line], marks: list[float], anchor: Any, slack: float,
                   edges: tuple[float, float, list[float], bool] | None = None,
                   numbered: bool = False) -> list[tuple[int, list[Line]]] | None:
    """A block of lines beside several figures, cut into runs that each line up with a
    figure of their own and stand beside no other, top to bottom (rows without padding:
    one row's last line touches the next row's first, `合计` over `广州市公安局`), when
    exactly one such cut takes every line; else None (such a block is refused, not
    guessed). A row split over a page break does not line up (Writer sets the part on
    the first page at the row's top and the rest at the next page's): with `edges` (the
    page's top and foot lines, each figure's top, whether a page came before) a last run
    beside the last figure only, beginning at its top, is that row's first part; and in
    a `numbered` column (the indicators) whose first line is no first indicator (`1、`),
    a first run from the page's top beside no figure is the rest of the row before the
    page (index -1), every later run beginning with a first indicator."""
    found: list[list[tuple[int, list[Line]]]] = []
    last = len(marks) - 1
    # indicators that begin with no first one begin with the rest of a row before
    rest = numbered and not _first_item(block[0])

    def split(run: list[Line], start: int, end: int, after: int) -> int | None:
        """Where a run that lines up with no figure belongs, if a split row's part."""
        if edges is None:
            return None
        top, _foot, tops, before = edges
        inside = _beside(run, marks, slack)
        if rest and before and start == 0 and not inside and abs(run[0].y - top) <= slack and \
                all(m < run[-1].y for m in marks):
            return -1
        # (an unsplit row cannot begin a cell at its figure's top that lines up with no
        # figure: a centred or bottom-aligned figure of one line would be beside its end)
        if end == len(block) and last > after and inside in ([], [last]) and \
                abs(run[0].y - tops[last]) <= slack:
            return last
        return None

    def cut(start: int, after: int, parts: list[tuple[int, list[Line]]]) -> None:
        if start == len(block):
            found.append(parts)
            return
        for end in range(start + 1, len(block) + 1):
            if len(found) > 1:
                return
            run = block[start:end]
            inside = _beside(run, marks, slack)
            if len(inside) > 1:
                break  # a cell lies within its row: beside one figure, not two
            at = next((k for k in range(after + 1, len(marks))
                       if abs(marks[k] - anchor(run)) <= slack), None)
            if rest and start and not _first_item(run[0]):
                return  # after a rest, a row's run starts with its first indicator
            if at is not None and inside == [at] and not (rest and not start):
                cut(end, at, [*parts, (at, run)])
            elif (k := split(run, start, end, after)) is not None:
                cut(end, max(k, after), [*parts, (k, run)])

    cut(0, -1, [])
    return found[0] if len(found) == 1 and len(found[0]) > 1 else None


def _first_item(line: Line) -> bool:
    """Whether the line begins a row's indicators (`1、`)."""
    m = ITEM_START.match(line.text)
    return m is not None and int(m.group(1)) == 1


def _aligned_goes_on(row: Row, head: list[Line], column_lines: dict[str, list[Line]],
                     anchor: Any, pitch: float) -> bool | None:
    """Whether a page's first figure in 总计 of a centred or bottom-aligned table is the
    rest of the last row's, cut by the page break (the rests of a row's cells are aligned
    among themselves like a row): True, False, or None when the pages cannot tell. It is
    when the two parts join into an amount and either is no amount alone (`11,2` /
    `94.10`); when both are (`17` / `7.34`), when the last row has no name yet (the break
    moved its name whole), or else when the indicators beside it say so: a rest goes on
    with a later item or a wrapped line, a new row starts with `1、`."""
    before = "".join(row.text("total").split())
    text = "".join("".join(x.text for x in head).split())
    if not before or not _is_amount(before + text):
        return False
    if not _is_amount(text) or not _is_amount(before) or not row.cells["name"]:
        return True  # a row has a name: one still without goes on here, its name moved
    slack = 0.3 * pitch
    # a figure that lines up with none of its row's text cells on its page was set at the
    # row's top, as a cell that runs over the break is (the other figures may be cut too)
    page = row.cells["total"][-1].page
    figure = sorted((x for x in row.cells["total"] if x.page == page), key=lambda x: -x.y)
    others = [b for name in ("name", "goal", "items")
              for b in _blocks([x for x in row.cells[name] if x.page == page], pitch)]
    if others and all(abs(anchor(b) - anchor(figure)) > slack for b in others):
        return True
    items = [b for b in _blocks(column_lines["items"], pitch)
             if abs(anchor(b) - anchor(head)) <= slack]
    if not items:
        return None
    m = ITEM_START.match(items[0][0].text)
    if m and int(m.group(1)) == 1:
        return False if row.cells["items"] else None  # a row's items start once
    return True


def _masked(line: Line) -> tuple[float, str]:
    """A line's height on the page and its text without figures (page numbers change)."""
    return round(line.y), re.sub(r"\d+", "#", line.text.strip())


def _furniture(lines: list[Line], first: tuple[tuple[float, str], tuple[float, str]] | None
               ) -> list[Line]:
    """The page's running head and foot, never rows: its top or bottom line when it stands
    apart (more than a line's height from the next) and is a page number (`第 N 页 共 M
    页`, `- N -`, `N / M`) or repeats page 1's top or bottom line at the same height."""
    out = []
    for line, neighbour, edge in ((lines[0], lines[1:2], first and first[0]),
                                  (lines[-1], lines[-2:-1], first and first[1])):
        if not neighbour or line in out:
            continue
        height = max(c.y1 - c.y0 for c in line.chars)
        gap = abs(line.y - neighbour[0].y)
        key = _masked(line)
        repeated = edge is not None and abs(key[0] - edge[0]) <= 1 and key[1] == edge[1] \
            and len(key[1]) > 1
        if repeated and line is lines[0] and not _header_like(line) and \
                gap > max(height, *(c.y1 - c.y0 for c in neighbour[0].chars)):
            # page 1's top line again at its height (a running head in a narrow top
            # margin stands closer to the table than 1.5 lines): page 1's top line is the
            # title or a running head, never a row, so its not touching the next suffices
            out.append(line)
            continue
        if gap <= 1.5 * height:
            continue
        if FOOTER.match(line.text.strip()) or repeated:
            out.append(line)
    return out


def _header_like(line: Line) -> bool:
    """Every character of the line belongs to a column-header label."""
    return all(c.text in HEADER_CHARS or not c.text.strip() for c in line.chars)


def _place_ruled(ruling: Ruling, chars: list[Char], page_lines: list[Line], page: int,
                 rows: list[Row], before: list[str],
                 grid: tuple[float, list[float], float] | None
                 ) -> tuple[float, list[float], float] | None:
    """Place a ruled page's text in rows: one row per band between two rules, whatever the
    vertical alignment of its cells (WPS centres them: the figures are no row starts). A
    row cut by a page break goes on in the next page's first band, whether its figure
    stands above the cut (top-aligned cells) or below it (middle or bottom); a band cut at
    the page's foot is a row of its own even without a figure. Any other band without a
    figure in 总计 continues the row before it; one with several is split at its figures.
    Returns the table's columns (left, cuts, right), or None when the page shows no header
    row and none was seen before."""
    bands = ruling.bands()
    header = _ruled_header(ruling, chars, page)
    start = 0
    if header is not None:
        k, cuts = header
        xs = ruling.columns(*bands[k])
        grid, start = (xs[0], cuts, xs[-1]), k + 1
        if not rows:
            before += [line.text for line in page_lines if line.y > bands[k][0]]
    if grid is None:
        return None
    left, cuts, right = grid
    body = bands[start:]
    tops = [-top for top, _ in body]  # ascending
    per_band: list[dict[str, list[Char]]] = [{c: [] for c in COLUMNS} for _ in body]
    for c in chars:
        k = bisect.bisect(tops, -c.mid_y) - 1
        if k < 0 or c.mid_y <= body[k][1] or not left < c.mid_x < right:
            continue  # outside the table: title, department line, page footer
        per_band[k][COLUMNS[bisect.bisect(cuts, c.mid_x)]].append(c)
    band_lines = [{name: _lines(cs, page) for name, cs in cells.items()} for cells in per_band]
    pitch = _pitch({f"{k}{name}": lines for k, cells in enumerate(band_lines)
                    for name, lines in cells.items()})
    for k, lines in enumerate(band_lines):
        groups = _amount_groups(lines["total"], pitch, page)
        first = "".join(x.text for x in groups[0]) if groups else ""
        last = k == len(band_lines) - 1
        if k == 0 and rows and (rows[-1].open or (ruling.cut_top and start == 0)):
            rows[-1].open = False  # the rest of the row the page break cut
            for name, cell in lines.items():
                rows[-1].cells[name].extend(cell)
        elif (len(groups) == 1 and (_is_amount(first) or not rows)) or \
                (not groups and last and ruling.cut_bottom and any(lines.values())):
            row = Row(page)
            row.cells = lines
            rows.append(row)
        elif any(lines.values()):  # several rows in one band, or the rest of a cut row
            _place_top_aligned(lines, page, rows, pitch)
        if last and rows:
            rows[-1].open = ruling.cut_bottom and any(lines.values())
    return grid


def damaged_streams(data: bytes, file: str | None = None,
                    limits: Limits = DEFAULT) -> list[int]:
    """The byte offsets of the Flate streams that do not inflate (random bytes written
    over a stream break its deflate data or its checksum); pdfium would render what comes
    before the damage and drop the rest without a word. Streams are inflated a step at a
    time and counted, so a PDF that unpacks to more than `unpacked_bytes` is refused
    (a deflate bomb inside a PDF) before pdfium inflates it."""
    damaged: list[int] = []
    total, position = 0, 0
    while match := STREAM_START.search(data, position):
        start = match.end()
        end = data.find(b"endstream", start)
        end = len(data) if end < 0 else end
        position = end
        head = data[max(0, match.start() - 4096):match.start()]
        if not FLATE_FIRST.search(head[head.rfind(b"obj"):]):
            continue
        inflater = zlib.decompressobj()
        try:
            total += len(inflater.decompress(data[start:end], INFLATE_STEP))
            while inflater.unconsumed_tail and not inflater.eof:
                if total > limits.unpacked_bytes:
                    break
                total += len(inflater.decompress(inflater.unconsumed_tail, INFLATE_STEP))
        except zlib.error:
            damaged.append(match.start())
        if total > limits.unpacked_bytes:
            raise refuse("unpacked_bytes", total, say("containers.pdf-unpacked-bytes"), limits,
                         file, at_least=True)
    return damaged


STARTXREF = re.compile(rb"startxref\s+(\d+)\s*%%EOF\s*$")
XREF_ROW = re.compile(rb"(\d{10}) (\d{5}) ([nf])")
XREF_SUBSECTION = re.compile(rb"(\d+) (\d+)\s*$")


def _xref_offsets(data: bytes) -> dict[int, int]:
    """Object number → byte offset from the last cross-reference section (a table or an
    uncompressed-object row of an xref stream); empty when it cannot be parsed."""
    found = STARTXREF.search(data[-1024:])
    if not found or int(found.group(1)) >= len(data):
        return {}
    at = int(found.group(1))
    offsets: dict[int, int] = {}
    if data.startswith(b"xref", at):
        number = 0
        for line in data[at + 4:data.find(b"trailer", at)].splitlines():
            if m := XREF_SUBSECTION.match(line.strip()):
                number = int(m.group(1))
            elif m := XREF_ROW.match(line.strip()):
                if m.group(3) == b"n":
                    offsets[number] = int(m.group(1))
                number += 1
        return offsets
    head = data[at:at + 2048]
    width = re.search(rb"/W\s*\[\s*(\d)\s+(\d)\s+(\d)\s*\]", head)
    body = STREAM_START.search(head)
    if not width or not body or not FLATE_FIRST.search(head[:body.start()]):
        return {}
    index = re.search(rb"/Index\s*\[([\d\s]+)\]", head[:body.start()])
    size = re.search(rb"/Size\s+(\d+)", head[:body.start()])
    ranges = [int(x) for x in index.group(1).split()] if index else \
        [0, int(size.group(1)) if size else 0]
    try:
        rows = zlib.decompressobj().decompress(data[at + body.end():at + body.end() + (1 << 20)],
                                               16 << 20)
    except zlib.error:
        return {}
    w = [int(x) for x in width.groups()]
    step, position = sum(w), 0
    if step == 0:
        return {}
    for first, count in zip(ranges[::2], ranges[1::2], strict=False):
        for number in range(first, first + count):
            row = rows[position:position + step]
            position += step
            if len(row) < step:
                return offsets
            kind = int.from_bytes(row[:w[0]], "big") if w[0] else 1
            if kind == 1:
                offsets[number] = int.from_bytes(row[w[0]:w[0] + w[1]], "big")
    return offsets


def misplaced_objects(data: bytes) -> list[int]:
    """Objects the cross-reference section places where no `N G obj` begins: bytes
    written over an object's head (pdfium then rebuilds the table and loses the object).
    Some producers write offsets a few bytes off, so a short window is searched."""
    out = []
    for number, offset in _xref_offsets(data).items():
        window = data[max(0, offset - 16):offset + 48]
        if not re.search(rb"(?<!\d)%d\s+\d+\s+obj\b" % number, window):
            out.append(number)
    return out


def _page_list(pages: list[int]) -> str:
    """1, 2, 3, 5 → 第 1–3、5 页"""
    runs: list[list[int]] = []
    for page in pages:
        if runs and page == runs[-1][-1] + 1:
            runs[-1].append(page)
        else:
            runs.append([page])
    return say("pdf.pages", pages="、".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else f"{r[0]}"
                                             for r in runs))


@dataclass
class PdfReader:
    data: bytes
    file: str | None
    limits: Limits = DEFAULT
    warnings: list[ReadWarning] = field(default_factory=list)

    def span(self, page: int) -> SourceSpan:
        return SourceSpan(self.file, None, None, page)

    def fail(self, code: str, message: str, page: int | None = None) -> ReadError:
        return ReadError(code, message, SourceSpan(self.file, None, None, page))

    def open(self) -> object:
        import pypdfium2 as pdfium

        try:
            return pdfium.PdfDocument(self.data)
        except pdfium.PdfiumError as exc:
            text = str(exc).lower()
            if "password" in text:
                raise self.fail("encrypted-pdf", say("errors.encrypted-pdf")) from None
            raise self.fail("bad-pdf", say("errors.bad-pdf")) from None

    def page_text(self, pdf: Any, index: int) -> tuple[list[Char], Ruling | None]:
        """The characters of a page and its ruling lines: here from the text layer and
        the path objects (the OCR reader gives a scanned page's from its picture)."""
        page = pdf[index]
        textpage = page.get_textpage()
        return _chars(textpage, textpage.count_chars()), _ruling(page)

    def rows(self) -> tuple[list[str], list[Row], int]:
        """Lines above the first header (title, department), the rows, and the pages."""
        import pypdfium2 as pdfium

        pdf = self.open()
        before: list[str] = []
        rows: list[Row] = []
        pages = len(pdf)  # type: ignore[arg-type]
        if pages > self.limits.pdf_pages:  # counted from the page tree, before any page
            raise refuse("pdf_pages", pages, say("containers.pdf-pages"), self.limits, self.file)
        damaged = damaged_streams(self.data, self.file, self.limits)
        text_seen = False
        failed: list[int] = []  # pages pdfium could not load
        blank: list[int] = []  # pages without a character of text
        cuts: list[float] = []
        extents: list[tuple[float, float]] | None = None  # the last header's labels
        covered: list[tuple[float, float]] = []  # the text under it, across pages
        grid: tuple[float, list[float], float] | None = None  # a ruled table's columns
        aligned: str | None = None  # an unruled table's cells: top, middle or bottom
        edges: tuple[tuple[float, str], tuple[float, str]] | None = None  # page 1's
        running_head = False  # page 1's top line comes again on later pages
        first_top = ""
        overlapped: tuple[int, str] | None = None  # text drawn over text before the table
        for index in range(pages):
            page_no = index + 1
            try:
                chars, ruling = self.page_text(pdf, index)
            except pdfium.PdfiumError:
                failed.append(page_no)
                continue
            has_text = any(c.text.strip() for c in chars)
            text_seen = text_seen or has_text
            if not has_text:
                blank.append(page_no)
            page_lines = _lines(chars, page_no)
            if page_lines:
                edges = edges or (_masked(page_lines[0]), _masked(page_lines[-1]))
                first_top = first_top or page_lines[0].text
                furniture = _furniture(page_lines, edges if page_no > 1 else None)
                if furniture and page_no > 1 and furniture[0] is page_lines[0]:
                    running_head = True
                page_lines = [line for line in page_lines if line not in furniture]
            if ruling is not None:
                placed = _place_ruled(ruling, chars, page_lines, page_no, rows, before, grid)
                if placed is not None:  # a ruled table page: rows are the bands between rules
                    grid = placed
                    continue
            elif grid is not None:  # no rule on the page: a row taller than a page goes on
                cuts, extents = grid[1], None
            header = _header(page_lines)
            if header is None:
                if not rows:
                    before += [line.text for line in page_lines]
                    overlapped = overlapped or next(
                        ((page_no, t) for line in page_lines if (t := _overlapping(line))), None)
                    continue
                # a page without the header row: the table goes on in the same columns
                # (a producer may print the header once, or drop it over a very tall row)
                top = float("inf")
            else:
                head_line, last_line, extents = header
                top = last_line.y - 0.5
                if not rows:
                    before += [line.text for line in page_lines if line.y > head_line.y]
            below = [line for line in page_lines if line.y < top]
            body = [c for line in below for c in line.chars]
            if header is not None:
                covered = _covered(body)
                cuts = _boundaries(extents, covered)
            elif extents is not None:
                # the header printed once: the gaps between columns are those no page's
                # text covers so far (a first page of figures only shows none of the
                # goal's left edge)
                covered = _covered(body, covered)
                cuts = _boundaries(extents, covered)
            columns: dict[str, list[Char]] = {c: [] for c in COLUMNS}
            for c in body:
                columns[COLUMNS[bisect.bisect(cuts, c.mid_x)]].append(c)
            aligned = _place_unruled({name: _lines(cs, page_no)
                                      for name, cs in columns.items()},
                                     page_no, rows, self.fail, aligned)
        self.check_damage(damaged, failed, blank if text_seen else [], pages)
        if not text_seen:
            raise self.fail("no-text-layer", say("errors.no-text-layer", pages=pages), 1)
        if not rows and overlapped:
            raise self.fail("overlapping-text", say("pdf.overlapping", page=overlapped[0],
                                                    text=overlapped[1][:40]), overlapped[0])
        if not rows:
            raise self.fail("no-table", say("errors.no-pdf-header"), 1)
        if running_head and before and before[0] == first_top:
            before = before[1:]
        return before, rows, pages

    def check_damage(self, damaged: list[int], failed: list[int], blank: list[int],
                     pages: int) -> None:
        """A damaged PDF is refused: what pdfium reads of it is partial, and which rows
        are missing no one can tell. A blank page in an undamaged file is only noted."""
        misplaced = misplaced_objects(self.data) if blank and not damaged else []
        if damaged or failed or misplaced:
            where = [say("pdf.streams", n=len(damaged),
                         offsets="、".join(f"{o:,}" for o in damaged[:5]),
                         more=" …" if len(damaged) > 5 else "")] if damaged else []
            if misplaced:
                where.append(say("pdf.objects", n=len(misplaced),
                                 objects="、".join(map(str, misplaced[:5]))))
            if failed:
                where.append(say("pdf.cannot-open", pages=_page_list(failed)))
            if blank:
                where.append(say("pdf.no-text", pages=_page_list(blank)))
            raise self.fail("damaged-pdf", say("pdf.damaged", where="；".join(where),
                                               pages=pages), (failed or blank or [None])[0])
        if blank:
            self.warnings.append(ReadWarning(
                "page-without-text", say("pdf.blank", pages=_page_list(blank), total=pages),
                self.span(blank[0]), Severity.WARNING))

    def line_span(self, lines: Sequence[Line]) -> SourceSpan:
        """Where some lines of a cell are: the page of the first (a PDF reading has pages,
        not lines) and the box of their characters on it."""
        if not lines:
            return self.span(None)
        page = lines[0].page
        return SourceSpan(self.file, None, None, page, lines_box(lines, page))

    def row_span(self, row: Row) -> SourceSpan:
        """The row's page and the box of all its cells' characters there."""
        return SourceSpan(self.file, None, None, row.page,
                          lines_box((x for lines in row.cells.values() for x in lines),
                                    row.page))

    def document(self) -> Document:
        before, rows, pages = self.rows()
        doc = Document(*heading(before))
        # the rows' cells, located on the pages, become 合计, units and projects there
        builder = RowBuilder(doc, self.line_span, self.warnings)
        for row in rows:
            span = self.row_span(row)
            # each field the box of its own characters (the page its first line is on);
            # a field with none has the row's
            money = self.line_span([x for c in AMOUNT_COLUMNS for x in row.cells[c]])
            money = money if money.page is not None else span
            spans = {key: self.line_span(row.cells[key]) if row.cells[key] else span
                     for key in ("name", "goal")}
            builder.add(RowCells(
                row.text("name"), builder.amounts({c: row.text(c) for c in AMOUNT_COLUMNS},
                                                  money),
                row.text("goal"), builder.items(row.cells["items"]), span,
                {"name": spans["name"], "amounts": money, "goal": spans["goal"]}))
        builder.finish()
        doc.warnings = self.warnings
        doc.source = SourceInfo(self.file, hashlib.sha256(self.data).hexdigest(), "pdf", None,
                                None, pages)
        return doc


_PAUSE = threading.Lock()
_paused = 0  # readings under way in `_collector_paused`
_resume = False  # the collector was on when the first of them began


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while a PDF is read. A reading makes some 100,000
    small objects (a `Char` per character, its lines and rows) that form no cycles, and
    each collection of the older generations while they are alive walks all of them and
    the rest of the process's heap: measured 0.13–0.30 s of a 1.2 s read in the bench's
    process. Reference counting frees everything as before; any cycle waits for the next
    collection. Readings in several threads share one pause: the last to end resumes it."""
    global _paused, _resume
    with _PAUSE:
        if _paused == 0:
            _resume = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _PAUSE:
            _paused -= 1
            if _paused == 0 and _resume:
                gc.enable()


def read_pdf_bytes(data: bytes, file: str | None = None,
                   limits: Limits = DEFAULT) -> Document:
    with _collector_paused():
        return PdfReader(data, file, limits).document()


def read_pdf_file(path: str | Path) -> Document:
    path = Path(path)
    return read_pdf_bytes(path.read_bytes(), path.name)


@dataclass(frozen=True, slots=True)
class FormFigures:
    """What a 项目支出绩效自评表 page states: enough to check it against a computation."""

    page: int
    project: str
    execution_points: Decimal | None
    total: Decimal | None
    grade: str | None


SCORE_LINE = re.compile(r"^总分.*?100\s*(?P<total>\d+(?:\.\d+)?)\s*评价等级[：:]\s*(?P<grade>\S)")
FUNDS_LINE = re.compile(r"^年度资金总额.*?(?P<points>\d+(?:\.\d+)?)$")


def read_self_evaluation_pdf(data: bytes, file: str | None = None) -> list[FormFigures]:
    """The project, execution score, total and grade of each 自评表 in a PDF, read from
    character boxes like the tables (one form per page; a form may run over pages)."""
    reader = PdfReader(data, file)
    pdf: Any = reader.open()
    forms: list[FormFigures] = []
    for index in range(len(pdf)):
        textpage = pdf[index].get_textpage()
        lines = [line.text.strip() for line in
                 _lines(_chars(textpage, textpage.count_chars()), index + 1)]
        name = next((t[len("项目名称"):].strip() for t in lines if t.startswith("项目名称")), None)
        if name is None and forms:  # a form running over a page: its figures may be here
            name = forms[-1].project
        funds = next((m for t in lines if (m := FUNDS_LINE.match(t))), None)
        score = next((m for t in lines if (m := SCORE_LINE.match(t))), None)
        if name is None:
            continue
        figures = FormFigures(index + 1, name,
                              Decimal(funds.group("points")) if funds else None,
                              Decimal(score.group("total")) if score else None,
                              score.group("grade") if score else None)
        if forms and forms[-1].project == name and forms[-1].total is None:
            forms[-1] = FormFigures(forms[-1].page, name,
                                    forms[-1].execution_points or figures.execution_points,
                                    figures.total, figures.grade)
        else:
            forms.append(figures)
    return forms
