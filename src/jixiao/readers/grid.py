"""The cell grid: what every container reader gives the form reader.

A `Grid` is a list of `Cell`s, each with its text as published, its row and column, its
spans, and where it came from (sheet or page, row or line, box). Containers that know
their columns (xlsx, xls, docx, HTML) give positioned cells; text gives rows of cells
whose columns are unknown (`Grid.positioned` is False), or — when the text has no row
boundaries at all, one cell per line — a single stream of cells (`Grid.rowless`).

This module also reads the text forms: cells separated by `|`, one cell per line ending
in ` |` (rows between lines of bare bars), or one cell per line followed by a blank line.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from jixiao.limits import DEFAULT, Limits, check
from jixiao.model import ReadWarning, SourceSpan


@dataclass(slots=True)
class Cell:
    row: int  # 0-based row of the grid
    col: int  # 0-based column; for text without columns, the position within its row
    text: str  # as published (inner line breaks kept)
    rowspan: int = 1
    colspan: int = 1
    sheet: str | None = None
    page: int | None = None
    line: int | None = None  # 1-based source line or spreadsheet row
    box: tuple[float, float, float, float] | None = None  # x0, top, x1, bottom on the page

    @property
    def clean(self) -> str:
        """The text without white space: labels broken over lines compare as one word."""
        return "".join(self.text.split())

    def span(self, file: str | None) -> SourceSpan:
        # a PDF cell's box (x0, top, x1, bottom, y up) as the span's (x0, y0, x1, y1); a
        # text grid's box counts characters and lines, no place on a page
        box = self.box
        return SourceSpan(file, self.line, self.line, self.page,
                          None if box is None or self.page is None
                          else (box[0], min(box[1], box[3]), box[2], max(box[1], box[3])))


@dataclass(slots=True)
class Grid:
    cells: list[Cell]
    file: str | None = None
    format: str = "text"  # text, html, xlsx, xls, docx, pdf
    positioned: bool = True  # columns are real (merged cells known)
    rowless: bool = False  # one stream of cells: the source kept no row boundaries
    sheet: str | None = None
    notes: list[str] = field(default_factory=list)
    # rows where the source jumps (a PDF's pages not following the last): what comes
    # after belongs to no form before it
    breaks: set[int] = field(default_factory=set)
    # what the container reader noticed that the reading should say (hidden cells, a
    # PDF's doubtful pages): the form reader puts these first among its warnings
    page_warnings: list[ReadWarning] = field(default_factory=list)

    def rows(self) -> list[list[Cell]]:
        """Cells grouped by row, in column order (a merged cell appears in its first row)."""
        by_row: dict[int, list[Cell]] = {}
        for cell in self.cells:
            by_row.setdefault(cell.row, []).append(cell)
        return [sorted(by_row[r], key=lambda c: c.col) for r in sorted(by_row)]

    def filled_rows(self) -> list[list[Cell]]:
        """Rows with each vertically merged cell repeated in every row it covers, so a
        merged 一级 / 二级 label reaches each indicator row (horizontal merges stay one
        cell: a goal spanning five columns is one text, not five)."""
        if not self.positioned:
            return self.rows()
        carried: dict[int, list[Cell]] = {}
        for cell in self.cells:
            for r in range(cell.row, cell.row + max(cell.rowspan, 1)):
                carried.setdefault(r, []).append(cell)
        return [sorted(carried[r], key=lambda c: c.col) for r in sorted(carried)]


def check_size(grid: Grid, limits: Limits = DEFAULT) -> Grid:
    """A grid within the limits on cells, rows, columns and cell length."""
    span = SourceSpan(grid.file)
    check("cells", len(grid.cells), limits, "cells in the table", span)
    if grid.cells:
        check("rows", max(c.row for c in grid.cells) + 1, limits, "rows in the table", span)
        # a stream's positions are no columns, nor a -layout line's characters
        if not grid.rowless and "columns" not in grid.notes:
            check("columns", max(c.col for c in grid.cells) + 1, limits,
                  "columns in the table", span)
        longest = max(grid.cells, key=lambda c: len(c.text))
        check("cell_chars", len(longest.text), limits, "characters in one cell",
              longest.span(grid.file))
    return grid


# --- text -------------------------------------------------------------------------------

_BARS = re.compile(r"^\s*\|[|\s]*$")  # a line of bare bars: a row boundary in a copy
_CELL_LINE = re.compile(r"\s\|\s*$")  # "text |": one cell per line
# "text | |||": a cell, then the empty cells that close its row (a web page's copy)
_CELL_LINE_RUN = re.compile(r"\s\|[|\s]*$")
_ROW_END = re.compile(r"^\s*\|\s*\|[|\s]*$")  # a line of two or more bars ends a row
# two figures side by side, one space apart ("880 880", "1 1 10 10"): cells a web page's
# copy set apart by single spaces; a text without separators fuses them ("191191")
_SPACED_FIGURES = re.compile(r"(?<!\S)[-+]?\d[\d.,]*%?(?= [-+]?\d[\d.,]*%?(?:\s|$))")
_SIDE_BY_SIDE = re.compile(r"\S {3,}\S")  # cells apart by runs of spaces (pdftotext -layout)
SPACED_MIN_PAIRS = 3
# a spaced copy of fewer lines than this is the whole form on a line or two: a stream
SPACED_ROW_LINES = 10
# pdftotext -layout: cells side by side on many lines, each at its place on the page
LAYOUT_MIN_LINES = 5
LAYOUT_SHARE = 0.2
_RUN = re.compile(r"\S+(?: \S+)*")  # a -layout cell: words apart by one space at most


def text_layout(lines: list[str]) -> str:
    """How a text keeps its cells: 'pipes' (cells separated by | on one line),
    'cell-lines' (one cell per line ending in ' |'), 'blank-lines' (a cell per line,
    a blank line after each), 'spaced' (a row per line, its cells apart by single
    spaces: a web page copied as text), 'columns' (each cell at its place on the page,
    columns apart by runs of spaces: pdftotext -layout), or 'lines' (no separators: a
    row per line at best)."""
    content = [s for s in lines if s.strip()]
    if not content:
        return "lines"
    bars = sum(1 for s in content if "|" in s)
    cell_lines = sum(1 for s in content if _is_cell_line(s))
    bare = sum(1 for s in content if _BARS.match(s))
    # prose above the form (a notice the table is attached to) has no bars at all
    # lines of several cells: a pipe copy (whose one-cell rows also end in " |")
    several = sum(1 for s in content if "|" in s.strip().rstrip("|").strip() and
                  not _BARS.match(s) and not _is_cell_line(s))
    if cell_lines + bare >= 0.6 * max(bars, 1) and cell_lines >= 5 and \
            cell_lines + bare >= 0.4 * len(content) and several <= 0.1 * max(bars, 1):
        return "cell-lines"
    if bars >= 0.3 * len(content) and bars >= 3:
        return "pipes"
    blanks = sum(1 for a, b in itertools.pairwise(lines) if a.strip() and not b.strip())
    if len(content) >= 10 and blanks >= 0.7 * len(content):
        return "blank-lines"
    side = sum(1 for s in content if _SIDE_BY_SIDE.search(s.strip()))
    if side >= LAYOUT_MIN_LINES and side >= LAYOUT_SHARE * len(content):
        return "columns"
    if side < 3 and sum(len(_SPACED_FIGURES.findall(s)) for s in content) >= SPACED_MIN_PAIRS:
        return "spaced"
    return "lines"


def _is_cell_line(line: str) -> bool:
    """`text |` or `text | |||`: one cell on its line (bars inside the text: pipe rows)."""
    m = _CELL_LINE_RUN.search(line)
    return m is not None and "|" not in line[:m.start()] and bool(line[:m.start()].strip())


def text_grid(text: str, file: str | None = None, limits: Limits = DEFAULT) -> Grid:
    """The cells of a text copy of a table, in whichever of the layouts it uses."""
    lines = text.split("\n")
    layout = text_layout(lines)
    cells: list[Cell] = []
    if layout == "pipes":
        for n, line in enumerate(lines, 1):
            if not line.strip() or _BARS.match(line):
                continue
            parts = line.split("|")
            # a leading | (markdown) or a trailing run of empty cells carries nothing
            texts = [p.strip() for p in parts]
            while texts and not texts[-1]:
                texts.pop()
            if texts and not texts[0] and line.lstrip().startswith("|"):
                texts.pop(0)
            row = len({c.row for c in cells})
            cells += [Cell(row, k, t, line=n) for k, t in enumerate(texts)]
        grid = Grid(cells, file, "text", positioned=False)
    elif layout == "cell-lines":
        # "text |" is a cell and a bare "|" an empty one; a line of two or more bars ends
        # a row (with the "|" after it). Without such lines the rows are not known.
        # a lone line of bars is a merged row's empty cells, no row boundary
        has_rows = sum(1 for s in lines if _ROW_END.match(s)) >= 3
        multi = _ROW_END
        row, col, after_end = 0, 0, False
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            if has_rows and multi.match(line):
                if col:
                    row, col = row + 1, 0
                after_end = True
                continue
            if _BARS.match(line) and after_end:
                continue
            after_end = False
            # the bars after a cell are its row's empty cells: they carry nothing
            text = "" if _BARS.match(line) else _CELL_LINE_RUN.sub("", line).strip()
            cells.append(Cell(row, col, text, line=n))
            col += 1
        grid = Grid(cells, file, "text", positioned=False, rowless=not has_rows)
    elif layout == "blank-lines":
        # a cell per line, a blank line after each: a line of spaces is an empty cell
        k = 0
        for n, line in enumerate(lines, 1):
            if line == "":
                continue
            cells.append(Cell(0, k, line.strip(), line=n))
            k += 1
        grid = Grid(cells, file, "text", positioned=False, rowless=True)
    elif layout == "columns":
        return check_size(layout_grid(lines, file), limits)
    elif layout == "spaced":
        # every run of white space parts two cells (empty cells leave no trace); a label
        # wrapped in its cell goes on to the next line (the form reader joins it)
        content = [n for n, line in enumerate(lines, 1) if line.strip()]
        rowless = len(content) < SPACED_ROW_LINES
        for row, n in enumerate(content):
            for k, word in enumerate(lines[n - 1].split()):
                cells.append(Cell(0 if rowless else row, len(cells) if rowless else k, word,
                                  line=n))
        grid = Grid(cells, file, "text", positioned=False, rowless=rowless)
        grid.notes.append("spaced")
    else:
        row = 0
        for n, line in enumerate(lines, 1):
            if line.strip():
                cells.append(Cell(row, 0, line.strip(), line=n))
                row += 1
        grid = Grid(cells, file, "text", positioned=False)
        grid.notes.append("lines")
    return check_size(grid, limits)


def layout_grid(lines: list[str], file: str | None = None) -> Grid:
    """The cells of pdftotext -layout text: each run of words (apart by one space at most)
    a cell, placed by its characters on the line (pdftotext gives every glyph one
    character's place, CJK or not, so a column is a range of characters): `col` and
    `box` = (first character, line, past the last, line + 1), the line its row, a form
    feed a new page. A word printed one character a line (年 / 度 / 目 / 标, a vertical
    label) is one cell over those lines. Where the columns of a table are — the gaps the
    heading and its rows share — is the form reader's to find (forms/layout.py)."""
    cells: list[Cell] = []
    page = 1
    for row, raw in enumerate(lines):
        page += raw.count("\f")
        line = raw.replace("\f", "")
        for m in _RUN.finditer(line):
            # (a space next to a CJK character may be pdftotext's gap between glyphs or
            # the gap between two cells: the form reader tells them by their words)
            cells.append(Cell(row, m.start(), m.group(), 1, m.end() - m.start(), page=page,
                              line=row + 1, box=(m.start(), row, m.end(), row + 1)))
    grid = Grid(_vertical_words(cells), file, "text", positioned=True)
    grid.notes.append("columns")
    return grid


def _vertical_words(cells: list[Cell]) -> list[Cell]:
    """Single characters on consecutive lines at one place, alone there: one word."""
    by_row: dict[int, list[Cell]] = {}
    for c in cells:
        by_row.setdefault(c.row, []).append(c)
    used: set[int] = set()
    out: list[Cell] = []
    for c in cells:
        if id(c) in used:
            continue
        run = [c]
        if len(c.text) == 1 and not c.text.isascii():
            while True:  # the next line, or the one after (a row's text may part them,
                below = []  # once the word has begun: 无 / 无 of two rows is no word)
                for step in ((1, 2) if len(run) >= 2 else (1,)):
                    below = [d for d in by_row.get(run[-1].row + step, [])
                             if len(d.text) == 1 and abs(d.col - c.col) <= 1 and
                             not d.text.isascii() and id(d) not in used]
                    if below:
                        break
                if len(below) != 1:
                    break
                run.append(below[0])
        if len(run) >= 2:
            used.update(id(d) for d in run)
            box = (min(d.col for d in run), c.row, max(d.col for d in run) + 1, run[-1].row + 1)
            out.append(Cell(c.row, box[0], "".join(d.text for d in run), len(run), 1,
                            page=c.page, line=c.line, box=box))
        else:
            out.append(c)
    return out


def iter_texts(rows: list[list[Cell]]) -> Iterator[str]:
    for row in rows:
        for cell in row:
            yield cell.text
