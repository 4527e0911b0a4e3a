"""Indicator tables of pdftotext -layout text (readers/grid.py `layout_grid`).

Such text keeps each cell at its place on the page but no cell boundaries: a cell's text
wraps over several lines, a merged 一级 / 二级 cell prints its label once, near the middle
of the rows it covers, and a short figure stands on the middle line of its row. So the
table is rebuilt in three steps:

1. columns: between two headings, the boundary is where the heading and the rows under
   it leave the page blank most often (the vertical gap they share); a cell is in the
   column that holds most of it, and one that straddles a boundary at a space is split
   there (pdftotext leaves one space between cells that nearly touch);
2. rows: blank lines part rows; within a block of lines, each line that holds a figure
   column's text (指标值, 权重, 得分 …) anchors a row, and every other line goes to the
   nearest anchor (the earlier one on a tie);
3. merged labels: the 一级 and the 二级 labels, in order, take the runs of consecutive
   rows whose middle is nearest to where each is printed (a small dynamic programme:
   the runs cover the rows in order, one run per label).

Every reading from such text says so (`layout-text`): rows and merged labels are
rebuilt from where the words stand, which a PDF's own cells say better.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from jixiao.readers.grid import Cell

if TYPE_CHECKING:
    from jixiao.forms.reader import FormReader, _Levels, _Project, _Token

# the columns whose text anchors a row: a figure or a short value on the row's middle line
ANCHORS = frozenset({"value", "value_long", "actual", "nature", "measure", "weight", "score",
                     "direction"})
LEVELS = ("category", "level2")
FAR = 1e6  # the cost of a label printed outside the rows given to it


@dataclass
class _Piece:
    role: str
    text: str
    line: float  # the grid row (a line of the text); a wrapped label's middle
    col: int
    token: _Token


@dataclass
class _Row:
    lines: list[float] = field(default_factory=list)
    pieces: list[_Piece] = field(default_factory=list)

    @property
    def top(self) -> float:
        return min(self.lines)

    @property
    def bottom(self) -> float:
        return max(self.lines)


def bounds(heads: list[Cell], cells: list[Cell]) -> list[tuple[float, float]]:
    """Each heading's column, left to right: from the boundary with the heading before
    to the boundary with the one after; a boundary is the place between two headings
    that the cells cover least (the middle of the longest such run)."""
    used: dict[int, int] = {}
    for c in cells:
        for x in range(c.col, c.col + c.colspan):
            used[x] = used.get(x, 0) + 1
    edges: list[float] = []
    for a, b in zip(heads, heads[1:], strict=False):
        lo, hi = a.col + a.colspan, b.col
        if hi <= lo:
            edges.append((a.col + a.colspan + b.col) / 2)
            continue
        least = min(used.get(x, 0) for x in range(lo, hi + 1))
        best: tuple[int, int] = (lo, lo)
        start = None
        for x in range(lo, hi + 2):
            free = x <= hi and used.get(x, 0) == least
            if free and start is None:
                start = x
            if not free and start is not None:
                if x - start > best[1] - best[0]:
                    best = (start, x)
                start = None
        edges.append((best[0] + best[1]) / 2)
    left = [float("-inf"), *edges]
    right = [*edges, float("inf")]
    return list(zip(left, right, strict=True))


def _column(spans: list[tuple[float, float]], x0: int, x1: int) -> int:
    """The column holding most of the characters x0 … x1 − 1 (the first on a tie)."""
    overlap = [max(0.0, min(x1, r) - max(x0, left)) for left, r in spans]
    return max(range(len(spans)), key=lambda k: (overlap[k], -k))


def _split(reader: FormReader, text: str, x0: int,
           edges: list[float]) -> list[tuple[str, int]]:
    """A cell that holds two cells apart by one space (pdftotext leaves one space between
    cells that nearly touch): split where a level label ends (社会效益指标 每日…) or where
    the space stands on a column boundary."""
    parts: list[tuple[str, int]] = []
    start = 0
    for k, ch in enumerate(text):
        if ch != " ":
            continue
        before = text[start:k]
        if any(abs(x0 + k - e) <= 1.5 for e in edges) or (
                before.strip() and reader._level_label(before) is not None):
            if before.strip():
                parts.append((before, x0 + start))
            start = k + 1
    if text[start:].strip():
        parts.append((text[start:], x0 + start))
    return parts


def _assign(rows: list[_Row], labels: list[_Piece]) -> list[str | None]:
    """The label of each row: runs of consecutive rows, one per label in order, whose
    middles are nearest to where the labels stand (rows before the first run keep none)."""
    n, m = len(rows), len(labels)
    out: list[str | None] = [None] * n
    if not m or not n:
        return out
    if m > n:  # more labels than rows: each row the label nearest it
        for k, row in enumerate(rows):
            nearest = min(labels, key=lambda p: abs(p.line - (row.top + row.bottom) / 2))
            out[k] = nearest.text
        return out

    def cost(j: int, a: int, b: int) -> float:  # label j over rows a … b − 1
        top, bottom = rows[a].top, rows[b - 1].bottom
        line = labels[j].line
        far = FAR if line < top - 1.5 or line > bottom + 1.5 else 0.0
        return abs((top + bottom) / 2 - line) + far

    inf = float("inf")
    best = [[inf] * (n + 1) for _ in range(m + 1)]
    back = [[0] * (n + 1) for _ in range(m + 1)]
    best[0][0] = 0.0
    for j in range(1, m + 1):
        for b in range(j, n + 1):
            for a in range(j - 1, b):
                if best[j - 1][a] == inf:
                    continue
                c = best[j - 1][a] + cost(j - 1, a, b)
                if c < best[j][b]:
                    best[j][b], back[j][b] = c, a
    b = n
    for j in range(m, 0, -1):
        a = back[j][b]
        for k in range(a, b):
            out[k] = labels[j - 1].text
        b = a
    return out


def read_table(reader: FormReader, p: _Project, roles: list[tuple[str, Cell]], i: int,
               state: _Levels) -> int:
    """The indicator table whose headings are `roles`, from token i; returns where the
    table ends."""
    tokens = reader.tokens
    end = i
    while end < len(tokens):
        tok = tokens[end]
        if reader._is_stop(tok.text) or reader._header_at(end) is not None:
            break
        m = reader.vocab.label(tok.text)
        if m is not None and m.kind in ("field", "money") and \
                reader._level_label(tok.text) is None:
            break
        end += 1
    body = [t for t in tokens[i:end] if not t.carried]
    ordered = sorted(roles, key=lambda rc: rc[1].col)
    spans = bounds([c for _, c in ordered], [t.cell for t in body] + [c for _, c in ordered])
    edges = [left for left, _ in spans[1:]]
    cut = [(text, x0, t) for t in body for text, x0 in _split(reader, t.text, t.cell.col, edges)]
    spans = _name_edge(reader, ordered, spans, cut)
    pieces: list[_Piece] = []
    for text, x0, t in cut:
        role = ordered[_column(spans, x0, x0 + len(text))][0]
        found = reader.vocab.label(text)
        if role in LEVELS and found is not None and found.kind == "group":
            continue  # 绩效指标 beside the table: a heading of the whole, no level
        pieces.append(_Piece(role, text.strip(), t.cell.row, x0, t))
    labels = {level: _labels(reader, [q for q in pieces if q.role == level]) for level in LEVELS}
    rows = _rows([q for q in pieces if q.role not in LEVELS and q.role != "unknown"])
    written = {level: _assign(rows, labels[level]) for level in LEVELS}
    for k, row in enumerate(rows):
        state.in_row = False
        cells: list[_Token] = []
        for level in LEVELS:
            label = written[level][k]
            if label is not None:
                first = next(q.token for q in labels[level] if q.text == label)
                tok = _token(first, label)
                reader._apply_level(state, tok, level)
                cells.append(tok)
        by_role: dict[str, str] = {}
        for q in sorted(row.pieces, key=lambda q: (q.line, q.col)):
            by_role[q.role] = by_role.get(q.role, "") + q.text
        cells += [q.token for q in row.pieces]
        if cells:
            reader._indicator(p, state, by_role, cells)
    return end


def _name_edge(reader: FormReader, ordered: list[tuple[str, Cell]],
               spans: list[tuple[float, float]],
               cut: list[tuple[str, int, _Token]]) -> list[tuple[float, float]]:
    """The boundary between the 二级 and the 三级 column: where the names start. A name
    is the last cell before the figures on a line that has figures (a level label
    beside it is known by the vocabulary); the headings, centred over wide columns,
    do not tell it (short names leave a gap under the 三级 heading itself)."""
    names = [k for k, (r, _) in enumerate(ordered) if r in ("name", "name_long")]
    if not names or names[0] == 0 or ordered[names[0] - 1][0] not in LEVELS:
        return spans
    at = names[0]
    by_line: dict[int, list[tuple[str, int]]] = {}
    for text, x0, t in cut:
        by_line.setdefault(t.cell.row, []).append((text, x0))
    starts: list[int] = []
    for parts in by_line.values():
        parts.sort(key=lambda p: p[1])
        cols = [_column(spans, x0, x0 + len(text)) for text, x0 in parts]
        if not any(c > at and ordered[c][0] in ANCHORS for c in cols):
            continue
        left = [(text, x0) for (text, x0), c in zip(parts, cols, strict=True)
                if c <= at and reader._level_label(text) is None]
        if left:
            starts.append(left[-1][1])
    if not starts:
        return spans
    edge = min(starts) - 0.5
    out = list(spans)
    out[at - 1] = (out[at - 1][0], edge)
    out[at] = (edge, out[at][1])
    return out


def _token(like: _Token, text: str) -> _Token:
    from jixiao.forms.reader import _Token

    return _Token(like.cell, like.row, text)


def _labels(reader: FormReader, pieces: list[_Piece]) -> list[_Piece]:
    """A level's labels in line order; a label wrapped over lines (服务对象满意 / 度指标)
    is one label standing at its middle line."""
    runs: list[list[_Piece]] = []
    for q in sorted(pieces, key=lambda q: q.line):
        if runs and q.line == runs[-1][-1].line + 1 and (
                reader._level_label("".join(x.text for x in runs[-1])) is None or
                reader._level_label(q.text) is None):
            runs[-1].append(q)
        else:
            runs.append([q])
    return [_Piece(r[0].role, "".join(x.text for x in r), (r[0].line + r[-1].line) / 2,
                   r[0].col, r[0].token) for r in runs if "".join(x.text for x in r)]


def _rows(pieces: list[_Piece]) -> list[_Row]:
    """Lines into rows: blank lines part them; in a block, a line with an anchor column's
    text starts a row and the other lines join the nearest such line."""
    by_line: dict[float, list[_Piece]] = {}
    for q in pieces:
        by_line.setdefault(q.line, []).append(q)
    lines = sorted(by_line)
    blocks: list[list[float]] = []
    for line in lines:
        if blocks and line == blocks[-1][-1] + 1:
            blocks[-1].append(line)
        else:
            blocks.append([line])
    rows: list[_Row] = []
    for block in blocks:
        anchors = [n for n in block if any(q.role in ANCHORS for q in by_line[n])]
        if not anchors:
            rows.append(_Row(block, [q for n in block for q in by_line[n]]))
            continue
        group = {a: _Row([a], list(by_line[a])) for a in anchors}
        for n in block:
            if n in group:
                continue
            nearest = min(anchors, key=lambda a: (abs(a - n), a))
            group[nearest].lines.append(n)
            group[nearest].pieces += by_line[n]
        rows += [group[a] for a in anchors]
    return rows
