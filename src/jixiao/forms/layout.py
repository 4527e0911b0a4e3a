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

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from jixiao.forms.vocabulary import FORM_TITLE as _TITLE
from jixiao.readers.grid import Cell

if TYPE_CHECKING:
    from jixiao.forms.reader import FormReader, _Levels, _Project, _Token

# the columns whose text anchors a row: a figure or a short value on the row's middle line
ANCHORS = frozenset({"value", "value_long", "actual", "nature", "measure", "weight", "score",
                     "direction"})
SCORES = frozenset({"weight", "score"})
LEVELS = ("category", "level2")
_PAGE_NO = re.compile(r"^[—–\-－\s]*\d{1,4}[—–\-－\s]*$")  # — 32—: a page's number
_POINTS = re.compile(r"^[（(]\d+(\.\d+)?分?[)）]$")  # （90）: a heading's points, under it
# a space pdftotext put beside a CJK character: a gap between glyphs, no character
_CJK = "\u3000-\u9fff\uff00-\uffef"
_GAP = re.compile(rf"(?<=[{_CJK}]) (?=\S)|(?<=\S) (?=[{_CJK}])")
FAR = 1e6  # the cost of a label printed outside the rows given to it
MISFIT = 1.0  # the cost of a row whose 二级 is of another family than its 一级 label
EMPTY = 3.0  # the cost of a label over no row (an empty 二级 slot: 经济效益指标 alone)


@dataclass
class _Piece:
    role: str
    text: str
    line: float  # the grid row (a line of the text); a wrapped label's middle
    col: int
    token: _Token
    group: bool = False  # a heading of the whole table (绩效指标), kept to end a label


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
    """Each heading's column, left to right. The rows' text stands in runs of characters
    with blank gaps between them (the gaps every line shares); each run belongs to the
    heading over it, or to the nearest one (a heading centred over a wide column may
    stand beside its short texts). Between two headings with runs of their own the
    boundary is the middle of the gap; where one run spans both (texts that overflow
    their cell), it is the place between the headings the text covers least."""
    used: dict[int, int] = {}
    for c in cells:
        for x in range(c.col, c.col + c.colspan):
            used[x] = used.get(x, 0) + 1
    runs: list[tuple[int, int]] = []  # [start, end) of occupied characters
    for x in sorted(used):
        if runs and x == runs[-1][1]:
            runs[-1] = (runs[-1][0], x + 1)
        else:
            runs.append((x, x + 1))
    owner: dict[int, list[tuple[int, int]]] = {k: [] for k in range(len(heads))}
    for run in runs:
        overlap = [max(0, min(run[1], h.col + h.colspan) - max(run[0], h.col)) for h in heads]
        if max(overlap) > 0:
            k = max(range(len(heads)), key=lambda n: (overlap[n], -n))
        else:
            k = min(range(len(heads)), key=lambda n: max(heads[n].col - run[1] + 1,
                                                         run[0] - heads[n].col - heads[n].colspan
                                                         + 1))
        owner[k].append(run)
    edges: list[float] = []
    for k, (a, b) in enumerate(itertools.pairwise(heads)):
        right = max([r[1] for r in owner[k]] + [a.col + a.colspan])
        left = min([r[0] for r in owner[k + 1]] + [b.col])
        shared = any(r[0] < a.col + a.colspan and r[1] > b.col for r in runs)
        if right <= left and not shared:
            edges.append((right + left) / 2)
            continue
        edges.append(_least(used, a.col + a.colspan, b.col, a, b))
    left_edges = [float("-inf"), *edges]
    right_edges = [*edges, float("inf")]
    return list(zip(left_edges, right_edges, strict=True))


def _least(used: dict[int, int], lo: int, hi: int, a: Cell, b: Cell) -> float:
    """The middle of the longest run of least-covered places between two headings."""
    if hi <= lo:
        return (a.col + a.colspan + b.col) / 2
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
    return (best[0] + best[1]) / 2


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
                before.strip() and (reader._level_label(before) is not None or
                                    reader.vocab.label(before) is not None)):
            if before.strip():
                parts.append((before, x0 + start))
            start = k + 1
    if text[start:].strip():
        parts.append((text[start:], x0 + start))
    return parts


def _assign(rows: list[_Row], labels: list[_Piece],
            cuts: frozenset[int] = frozenset(),
            fits: Callable[[str, int], bool] | None = None) -> list[str | None]:
    """The label of each row: runs of consecutive rows, one per label in order, whose
    middles are nearest to where the labels stand; a label between two rows may cover
    none (an empty slot). A row's height reaches halfway to its neighbours (a tall row
    leaves blank lines). `cuts`: where a run had better end (the
    runs of the level below: a 一级 cell covers whole 二级 cells). `fits(label, row)`:
    whether the label's family is the row's 二级's; a row it does not fit costs a little,
    which settles a label standing as near to two runs (时效指标 under 产出, not 效益)."""
    n, m = len(rows), len(labels)
    out: list[str | None] = [None] * n
    if not m or not n:
        return out
    if m > n:  # more labels than rows: each row the label nearest it
        for k, row in enumerate(rows):
            nearest = min(labels, key=lambda p: abs(p.line - (row.top + row.bottom) / 2))
            out[k] = nearest.text
        return out
    tops = [rows[0].top - 0.5] + [(rows[k - 1].bottom + rows[k].top) / 2 + 0.5
                                  for k in range(1, n)]
    bottoms = [(rows[k].bottom + rows[k + 1].top) / 2 - 0.5 for k in range(n - 1)] + \
        [rows[-1].bottom + 0.5]

    def cost(j: int, a: int, b: int) -> float:  # label j over rows a … b − 1
        line = labels[j].line
        far = FAR if line < rows[a].top - 1.5 or line > rows[b - 1].bottom + 1.5 else 0.0
        off = 0.0 if b == n or b in cuts or not cuts else 0.25
        misfit = 0.0 if fits is None else MISFIT * sum(
            not fits(labels[j].text, k) for k in range(a, b))
        return abs((tops[a] + bottoms[b - 1]) / 2 - line) + far + off + misfit

    def empty(j: int, a: int) -> float:  # label j over no row: an empty slot between rows
        line = labels[j].line
        above = rows[a - 1].bottom if a > 0 else float("-inf")
        below = rows[a].top if a < n else float("inf")
        return EMPTY if above < line < below else FAR

    inf = float("inf")
    best = [[inf] * (n + 1) for _ in range(m + 1)]
    back = [[0] * (n + 1) for _ in range(m + 1)]
    best[0][0] = 0.0
    for j in range(1, m + 1):
        for b in range(0, n + 1):
            for a in range(0, b + 1):
                if best[j - 1][a] == inf:
                    continue
                c = best[j - 1][a] + (cost(j - 1, a, b) if a < b else empty(j - 1, a))
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
    left = min(c.col for _, c in roles)

    def side(tok: _Token) -> bool:
        """Text left of the table's first column, the rows' figures beside it: the label
        of the whole table at its side (绩效目标 / 指标), no row's, no field's."""
        return tok.cell.col + tok.cell.colspan <= left and any(
            tok.cell.row <= t.cell.row <= tok.cell.row + 2 and t.cell.col > left
            for t in tokens[end + 1:end + 12])  # (stacked: 绩效 / 目标 / 指标)

    end = i
    while end < len(tokens):
        tok = tokens[end]
        if reader._is_stop(tok.text) or reader._header_at(end) is not None:
            break
        m = reader.vocab.label(tok.text)
        if m is not None and m.kind in ("field", "money") and \
                reader._level_label(tok.text) is None and not (m.key == "goal" and side(tok)):
            break
        nxt = tokens[end + 1] if end + 1 < len(tokens) else None
        if nxt is not None and nxt.cell.row == tok.cell.row + 1 and len(nxt.cell.clean) <= 2 \
                and _TITLE.search("".join((tok.text + nxt.text).split())):
            break  # the next form's title wrapped over two lines (…项目绩效目标 / 表)
        end += 1
    body = [t for t in tokens[i:end] if not t.carried]
    ordered = sorted(roles, key=lambda rc: rc[1].col)
    spans = bounds([c for _, c in ordered], [t.cell for t in body])
    edges = [left for left, _ in spans[1:]]
    cut = [(text, x0, t) for t in body for text, x0 in _split(reader, t.text, t.cell.col, edges)]
    spans = _name_edge(reader, ordered, spans, cut)
    pieces: list[_Piece] = []
    for text, x0, t in cut:
        role = ordered[_column(spans, x0, x0 + len(text))][0]
        found = reader.vocab.label(text)
        group = role in LEVELS and found is not None and found.kind == "group"
        # (绩效指标 beside the table: a heading of the whole, no level — unless it ends a
        # label wrapped over lines: 满意度 / 指标)
        if _POINTS.match(text.strip()) or (x0 + len(text) <= left and
                                           reader._level_label(text) is None):
            continue  # a heading's points; the table's side label (绩效目标 / 指标)
        if _PAGE_NO.match(text) and len([c for c in body if c.row == t.row]) == 1 and \
                role not in SCORES and (not text.strip().isdigit() or role in ("name",
                                                                              "name_long")):
            continue  # a page number at the foot
        pieces.append(_Piece(role, _GAP.sub("", text.strip()), t.cell.row, x0, t, group))
    labels = {level: _labels(reader, [q for q in pieces if q.role == level]) for level in LEVELS}
    rows = _rows([q for q in pieces if q.role not in LEVELS and q.role != "unknown"])
    level2 = _assign(rows, labels["level2"])
    ends = frozenset(k for k in range(1, len(rows)) if level2[k] != level2[k - 1])
    def fits(label: str, k: int) -> bool:
        below = reader._level_label(level2[k]) if level2[k] else None
        found = reader._level_label(label)
        # (成本指标 stood under 产出指标 in the templates before 2021: it fits both)
        return below is None or found is None or below[1] == found[1] or (
            below[1] == "成本指标" and found[1] == "产出指标")

    written = {"category": _assign(rows, labels["category"], ends, fits), "level2": level2}
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
    side = ordered[0][1].col  # text left of the first heading: the table's side label
    by_line: dict[int, list[tuple[str, int]]] = {}
    for text, x0, t in cut:
        by_line.setdefault(t.cell.row, []).append((text, x0))
    beside: list[int] = []  # on lines with figures
    alone: list[int] = []  # on the other lines (a name over two lines, its figures between)
    for parts in by_line.values():
        parts.sort(key=lambda p: p[1])
        cols = [_column(spans, x0, x0 + len(text)) for text, x0 in parts]
        left = [(text, x0) for (text, x0), c in zip(parts, cols, strict=True)
                if c <= at and reader._level_label(text) is None and
                reader.vocab.label(text) is None and x0 + len(text) > side]
        if left:
            figures = any(c > at and ordered[c][0] in ANCHORS for c in cols)
            (beside if figures else alone).append(left[-1][1])
    if len(beside) >= 3:
        edge = min(beside) - 0.5
    elif alone:
        # an unknown level label alone on its line starts further left: the names' own
        # start is where most of them start
        alone.sort()
        middle = alone[len(alone) // 2]
        edge = min(x for x in alone if x >= middle - 6) - 0.5
    else:
        return spans
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
        held = "".join(x.text for x in runs[-1]) if runs else ""
        if runs and q.line - runs[-1][-1].line <= 2 and (
                reader._level_label(held + q.text) is not None or
                (reader._level_label(held) is None and reader._level_label(q.text) is None
                 and not q.group)):
            runs[-1].append(q)
        else:
            runs.append([q])
    runs = [[x for x in r if not x.group] if reader._level_label(
        "".join(x.text for x in r)) is None else r for r in runs]
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
        # a score column's short figures stand on one line; a target may wrap
        for kinds in (SCORES, ANCHORS):
            anchors = [n for n in block if any(q.role in kinds for q in by_line[n])]
            if anchors:
                break
        if not anchors:
            rows.append(_Row(block, [q for n in block for q in by_line[n]]))
            continue
        group = {a: _Row([a], list(by_line[a])) for a in anchors}
        for n in block:
            if n in group:
                continue
            roles = {q.role for q in by_line[n]}
            # on a tie, the row whose own line has no text of this line's columns yet
            nearest = min(anchors, key=lambda a: (abs(a - n), bool(roles & {
                q.role for q in by_line[a]}), a))
            group[nearest].lines.append(n)
            group[nearest].pieces += by_line[n]
        rows += _named([group[a] for a in anchors])
    return rows


def _named(rows: list[_Row]) -> list[_Row]:
    """A block's rows without a name are the wrapped rest of a neighbour's figures (a
    target over two lines, both beside one name): each joins the nearest named row."""
    named = [k for k, r in enumerate(rows) if any(q.role in ("name", "name_long")
                                                  for q in r.pieces)]
    if not named or len(named) == len(rows):
        return rows
    for k, r in enumerate(rows):
        if k in named:
            continue
        to = min(named, key=lambda n: (abs(n - k), n))
        rows[to].lines += r.lines
        rows[to].pieces += r.pieces
    return [rows[k] for k in named]


def block(reader: FormReader, label: _Token, value: _Token, reach: int = 40,
          above: bool = True, below: bool = True) -> str:
    """A field's text beside its label, with the lines it wraps onto above and below
    (the label stands at the middle of a tall cell): the lines next to it whose text
    starts under the value's and that hold nothing else — no label, nothing at the
    label's side — up to a blank line."""
    by_row: dict[int, list[Cell]] = {}
    # cells whose token is a label (a stacked label's upper piece holds the whole: 实施单)
    labelled: set[int] = set()
    for t in reader.tokens:
        if not t.carried:
            by_row.setdefault(t.cell.row, []).append(t.cell)
            if t.text != t.cell.text and reader.vocab.label(t.text) is not None:
                labelled.add(id(t.cell))
    x0, x1 = value.cell.col, value.cell.col + value.cell.colspan
    # a text among others side by side (two goals in two columns): its lines may hold
    # the other column's text too
    among = any(c is not value.cell and c is not label.cell and c.col > x1 and
                len(c.text) >= 10 for c in by_row.get(value.cell.row, []))

    def part(row: int) -> str | None:
        cells = by_row.get(row)
        if not cells:
            return None
        inside = [c for c in cells if x0 - 4 <= c.col <= x1]
        if not inside and len(value.text) <= 20 and abs(row - value.cell.row) == 1 and \
                all(c.col + c.colspan < x0 - 4 for c in cells):
            return ""  # a short value over a line of the next label's: its rest below
        others = [c for c in cells if c not in inside]
        if not inside or (others and not among) or any(
                reader.vocab.label(c.text) is not None or x0 - 4 <= c.col + c.colspan <= x0
                or id(c) in labelled for c in others):  # text of other columns: not its cell
            return None
        if any(reader.vocab.label(c.text) is not None or id(c) in labelled for c in inside):
            return None
        return "".join(c.text for c in sorted(inside, key=lambda c: c.col))

    def title_end(r: int) -> bool:
        """The line ends a form title wrapped over two lines (…项目绩 / 效目标表)."""
        here = "".join(c.text for c in by_row.get(r, []))
        over = "".join(c.text for c in by_row.get(r - 1, []))
        return "".join(here.split()).endswith("表") and \
            _TITLE.search("".join((over + here).split())) is not None

    def over_page_break(r: int) -> int | None:
        """The first line of the next page when only blank lines and the page's number
        part line r from it (a value cut by the page's foot goes on there: …补助资 /
        24 / 金); None otherwise."""
        for k in range(r, r + 8):
            cells = by_row.get(k, [])
            if any(not _PAGE_NO.match(c.text) for c in cells):
                return k if cells[0].page > value.cell.page else None
        return None

    row = value.cell.row
    before: list[str] = []
    for r in range(row - 1, row - reach if above else row, -1):
        text = part(r)
        if text is None or text == "" or title_end(r):
            break
        before.insert(0, text)
    after: list[str] = []
    r = row + 1
    while below and r < row + reach:
        text = part(r)
        if text is None and (nxt := over_page_break(r)) is not None and \
                len(rest := by_row[nxt]) == 1 and len(rest[0].text) <= 4 and \
                x0 - 4 <= rest[0].col <= x1 + 20 and reader.vocab.label(rest[0].text) is None:
            # (a short rest alone on its line: a longer text is the next page's own)
            after.append(rest[0].text)
            break
        if text is None and r == row + 1 and not by_row.get(r) and label.text != label.cell.text:
            r += 1  # the line of a stacked label's lower piece (项目名 / 称), joined into it
            continue
        if text is None or (text == "" and r > row + 1):
            break
        after.append(text)
        r += 1
    return ungap("".join([*before, value.text, *after]))


def around(reader: FormReader, label: _Token) -> str | None:
    """The text to the right of a label alone on its line (or last on it): its cell's
    lines above and below (a two-line value centred on its label: 中国科学院 / 实施单位 /
    国家天文台本级); None when there is none, or it is a label."""
    end = label.cell.col + label.cell.colspan
    found: list[_Token] = []
    for row in (label.cell.row - 1, label.cell.row + 1):
        cells = [t for t in reader.tokens if t.cell.row == row and not t.carried]
        right = [t for t in cells if t.cell.col >= end - 6]
        # (pieces of a label stacked at the row's head, 主管部 / 门, are no other text)
        heads = [t for t in cells if t.cell.col + t.cell.colspan < label.cell.col - 2]
        if right and len(right) + len(heads) == len(cells) and all(
                reader.vocab.label(t.text) is None for t in right):
            found.append(min(right, key=lambda t: t.cell.col))
    if len(found) == 2 and abs(found[0].cell.col - found[1].cell.col) > 4 and not (
            len(found[1].cell.clean) <= 4 < len(found[0].cell.clean)):
        found = found[1:]  # (but a long text above, its short rest below, is one: …财政补 / 助）)
    if not found:
        return None
    if len(found) == 1:
        return block(reader, label, found[0])  # (block drops the glyph gaps)
    up = block(reader, label, found[0], below=False)
    down = block(reader, label, found[1], above=False)
    return up + down


def ungap(text: str) -> str:
    """A value's text without the spaces pdftotext put beside CJK characters (gaps between
    glyphs: 2.16 米, FAST 观测, 费用 ，实报)."""
    return _GAP.sub("", text)


def goal_texts(reader: FormReader, p: _Project, goals: list[tuple[str, _Token]],
               i: int) -> int:
    """Goal labels side by side on a line (项目总目标 | 年度总体目标), their texts on the
    lines below, each under its label: the first line below with text gives each label
    the cell nearest it."""
    row = goals[0][1].cell.row
    # a label at the side of the block (项目 / 绩效 / 目标) is no goal's text
    side = min(label.cell.col for _, label in goals) - 8
    for r in range(row + 1, row + 9):
        cells = [t for t in reader.tokens if t.cell.row == r and not t.carried and
                 reader.vocab.label(t.text) is None and
                 (t.cell.col >= side or len(t.cell.clean) > 4)]
        if not cells:
            continue
        taken: set[int] = set()
        for key, label in goals:
            middle = label.cell.col + label.cell.colspan / 2
            near = min((t for t in cells if id(t) not in taken),
                       key=lambda t: abs(t.cell.col + t.cell.colspan / 2 - middle), default=None)
            if near is None:
                break
            taken.add(id(near))
            p.fields.setdefault(key, block(reader, label, near))
            p.spans.setdefault(key, near.cell.span(reader.grid.file))
        return i + 1
    return 0
