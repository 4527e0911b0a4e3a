"""Reader for PDF-to-text output of a 项目支出绩效目标表 (pdftotext and the like).

Text mode has lost the columns, so rows are rebuilt from clues that do not depend on
where lines happen to break:

* a row starts at its *amount line* (`name? 1,234.56 1,234.56 goal?`);
* indicator items start with `N、` and run until the next item or row;
* the text between a row's last item and the next amount line is split into the
  item's wrapped tail (it ends with the item's terminator), a goal printed out of order
  (it opens with 通过实施), and the next row's name;
* blank lines and the column-header line repeated at page breaks carry no meaning
  beyond the page count.

Every doubt becomes a `ReadWarning` with its source lines.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter
from pathlib import Path

from jixiao.errors import ReadError
from jixiao.messages import say
from jixiao.model import (
    Amounts,
    Document,
    ReadWarning,
    Severity,
    SourceInfo,
    SourceSpan,
)
from jixiao.readers.decode import decode_text
from jixiao.readers.items import (
    ITEM_TERMINATORS,
    find_label,
    has_target,
)
from jixiao.readers.rows import DEPARTMENT_LINE, RowBuilder, heading

_AMOUNT = r"-?\d{1,3}(?:,\d{3})*\.\d{2}|-?\d+\.\d{2}"
AMOUNT_LINE_RE = re.compile(
    rf"^(?P<name>.*?)(?:^|\s+)(?P<amounts>(?:{_AMOUNT})(?:\s+(?:{_AMOUNT})){{0,3}})"
    rf"(?:\s+(?P<goal>\S.*?))?\s*$"
)
ITEM_RE = re.compile(r"^(\d{1,3})、")
HEADER_RE = re.compile(r"^项目名称.{0,12}\s*总计")
DEPARTMENT_RE = DEPARTMENT_LINE  # peek_department reads the first lines the same way
GOAL_OPENER = "通过实施"
# cells side by side on one line, apart by a run of spaces (pdftotext -layout); text
# without -layout never has such runs (none in the sample), so a few lines are proof
SIDE_BY_SIDE_RE = re.compile(r"\S {3,}\S")
SIDE_BY_SIDE_LINES = 3


# A line of the table: (1-based line number, its text stripped, page, a blank line comes
# before it). A plain tuple: a reading makes one for every line, and even a NamedTuple
# (tuple.__new__ through its argument parsing) cost more than splitting the whole file.
_Line = tuple[int, str, int, bool]
_new = tuple.__new__  # _new(SourceSpan, (…)): all fields given, no Python-level __new__
# A text has no boxes: a span's fields after its page are None, written out below as one
# literal None (unpacking a tuple of them cost ≈ 1.2 K instructions a span, ~1,000 spans a
# reading). A field added to SourceSpan must be added there too: this says so at once.
if SourceSpan._fields[4:] != ("box",):
    raise ImportError("readers.text makes each SourceSpan with one field after its page")
_line_text = itemgetter(1)  # a line's text, for the row builder


_Item = list[_Line]  # an item's lines, from its `N、` on: its number is read when needed


def _seq(item: _Item) -> int:
    """The number an item's first line starts with (only errors and warnings need it)."""
    m = ITEM_RE.match(item[0][1])
    return int(m.group(1)) if m else 0


@dataclass(slots=True)
class _Row:
    amount_line: _Line
    name: str
    amounts: list[str]  # as printed
    figures: list[str]  # the same without their thousands separators
    name_lines: list[_Line] = field(default_factory=list)
    goal_lines: list[_Line] = field(default_factory=list)
    goal_on_amount_line: str | None = None
    items: list[_Item] = field(default_factory=list)
    restart: int = 0  # the last item numbered 1 after the first item (0: none)

    @property
    def label(self) -> str:
        """The row's name, whether on its amount line or wrapped above it."""
        return self.name or _text(self.name_lines)


class TextReader:
    """One reading of one text; use `read_text()` or `read_text_file()`."""

    def __init__(self, text: str, file: str | None) -> None:
        self.text = text
        self.file = file
        self.warnings: list[ReadWarning] = []
        self.n_lines = 0  # set by `lines`

    # ---- helpers --------------------------------------------------------------------

    def span(self, lines: list[_Line]) -> SourceSpan:
        if not lines:
            return SourceSpan(self.file)
        first = lines[0]
        return _new(SourceSpan, (self.file, first[0], lines[-1][0], first[2], None))

    def warn(self, code: str, message: str, where: list[_Line] | SourceSpan,
             severity: Severity = Severity.WARNING) -> None:
        span = where if isinstance(where, SourceSpan) else self.span(where)
        self.warnings.append(ReadWarning(code, message, span, severity))

    def fail(self, code: str, message: str, lines: list[_Line]) -> ReadError:
        return ReadError(code, message, self.span(lines))

    def join(self, lines: list[_Line], what: Callable[[], str]) -> str:
        """Join wrapped lines with nothing inserted; note numbers cut by a wrap.
        `what` names the field for the note (a callable: most fields never need it)."""
        if len(lines) == 1:
            return lines[0][1]
        for a, b in itertools.pairwise(lines):
            end = a[1][-1:]  # most lines end in no figure: told without a call
            if (end == "." or end.isdigit()) and _numeric_join(end, b[1][:1]):
                self.warn("number-split-by-wrap", say(
                    "warnings.number-split-by-wrap", what=what(), first=a[0], last=b[0],
                    joined=f"{a[1][-6:]}{b[1][:6]!s}"), [a, b], Severity.INFO)
        return _text(lines)

    # ---- one pass: lines and rows -------------------------------------------------

    def lines(self) -> tuple[list[str], list[int] | None]:
        """The text's lines stripped (form feeds taken out) and, when it holds form feeds
        (pdftotext ends each page with one), how many each line holds."""
        raws = self.text.split("\n")
        self.n_lines = len(raws) - self.text.endswith("\n")
        if "\f" not in self.text:
            return list(map(str.strip, raws)), None  # one C loop, no method call a line
        return [raw.replace("\f", "").strip() for raw in raws], [raw.count("\f") for raw in raws]

    def head(self, texts: list[str], feeds: list[int] | None
             ) -> tuple[list[_Line], int, int, bool, int]:
        """The lines above the table: (them, the index of the line the table goes on
        from, its page, a blank line before it, column headers seen). The table starts
        after its column header or, when that was lost, at its first amount line."""
        before: list[_Line] = []
        page, gap = 1, False
        for k, text in enumerate(texts):
            if feeds is not None:
                page += feeds[k]
            if not text:
                gap = True
                continue
            if text.startswith("项目名称") and HEADER_RE.match(text):
                return before, k + 1, page, gap, 1
            if _amount_line(text) and not ITEM_RE.match(text):
                # this line is the table's first: the table's pass counts its feeds again
                return before, k, page - (feeds[k] if feeds is not None else 0), gap, 0
            before.append((k + 1, text, page, gap))
            gap = False
        return before, len(texts), page, gap, 0

    def scan(self, make_rows: bool = True) -> tuple[list[_Line], list[_Row], list[_Line], int]:
        """Split into lines and, in the same pass, the table's lines into rows (one loop:
        a line is made once and settled at once, never listed and walked again). Returns
        (lines before the table, rows, the table's lines when not `make_rows`, pages)."""
        texts, feeds = self.lines()
        before, start, page, gap, headers = self.head(texts, feeds)
        by_formfeed = feeds is not None
        last_page = before[-1][2] if before else 0  # the page of the last line kept
        table: list[_Line] = []
        rows: list[_Row] = []
        row: _Row | None = None
        items: list[_Item] = []  # the last row's
        pending: list[_Line] = []
        bare: _Line | None = None  # the last table line, when it held figures only
        amount_match = AMOUNT_LINE_RE.match
        for no, text in enumerate(texts[start:], start + 1):
            if by_formfeed:
                page += feeds[no - 1]  # type: ignore[index]
            if not text:
                gap = True
                continue
            # each line is an item's start, a row's amount line, a header repeated at a
            # page break, or text between them: an item starts with a digit, an amount
            # line holds a '.' (most lines are neither, and are told so without a regex).
            # An item's start is ITEM_RE's `N、`, found without it: `cut` is where its 、
            # is (-1: no item); most items are numbered 1 to 9, their 、 at 1
            lead = text[0]
            cut = text.find("、", 1, 4) if lead.isdecimal() else -1
            if cut > 1 and not text[1:cut].isdecimal():
                cut = -1
            if lead == "项" and text.startswith("项目名称") and HEADER_RE.match(text):
                headers += 1
                if headers > 1 and not by_formfeed:
                    page += 1
                continue
            line = (no, text, page, gap)
            last_page = page
            gap = False
            if not make_rows:
                table.append(line)
                continue
            if cut > 0:
                bare = None
                if row is None:
                    raise self.fail("item-before-row", say("errors.item-before-row"), [line])
                if items:
                    if pending:
                        items[-1].extend(pending)
                        pending = []
                    last = text[cut - 1]  # the number's last digit: most are no 1
                    if (last == "1" or not last.isascii()) and int(text[:cut]) == 1:
                        row.restart = len(items)  # numbered 1 again
                elif pending:
                    row.goal_lines.extend(pending)
                    pending = []
                items.append([line])
                continue
            m = amount_match(text) if "." in text and not text.startswith(GOAL_OPENER) \
                else None
            if m is None:
                bare = None
                pending.append(line)
                continue
            name, figures, goal = m.group("name", "amounts", "goal")
            name = name.strip()
            if not name and goal is None:  # figures only
                if bare is not None:
                    raise self.interleaved(bare, line)
                bare = line
            else:
                bare = None
            if row is not None and pending:
                pending = self.settle(row, pending, next_has_name=bool(name))
            items = []
            row = _Row(line, name, figures.split(), figures.replace(",", "").split(),
                       pending, [], goal, items)
            rows.append(row)
            pending = []
        pages = last_page or 1
        if make_rows:
            if row is None:  # the table's lines, if any, are all text
                if not pending:
                    raise self.fail("no-table", say("errors.no-table"), before[:1])
                raise self.fail("no-table", say("errors.no-table-row"), pending[:1])
            self.settle_end(row, pending)
        elif not table:
            raise self.fail("no-table", say("errors.no-table"), before[:1])
        return before, rows, table, pages

    def side_by_side(self) -> None:
        """Cells side by side on three lines or more: refused before any row is made."""
        table = self.scan(make_rows=False)[2]
        side_by_side = [line for line in table
                        if "   " in line[1] and SIDE_BY_SIDE_RE.search(line[1])]
        if len(side_by_side) >= SIDE_BY_SIDE_LINES:
            raise self.fail(
                "interleaved-columns",
                say("errors.side-by-side", line=side_by_side[0][0], n=len(side_by_side)),
                side_by_side[:1])

    def interleaved(self, first: _Line, second: _Line) -> ReadError:
        """Figures on lines of their own, one under another, are a column printed after
        the other columns (plain pdftotext of a table whose cells are centred): the rows
        cannot be rebuilt from such text, whatever the reader guesses."""
        return self.fail("interleaved-columns",
                         say("errors.columns-one-after-another", first=first[0],
                             second=second[0], first_text=first[1],
                             second_text=second[1]), [first, second])

    def settle(self, row: _Row, pending: list[_Line], next_has_name: bool,
               at_end: bool = False) -> list[_Line]:
        """Split text before an amount line (or the end: `at_end`) between `row` and the
        next row's name."""
        if not pending:
            return []
        if not row.items:
            if next_has_name or (row.goal_on_amount_line is None and _ends_goal(pending)):
                row.goal_lines.extend(pending)
                return []
            return pending  # a unit row (or a row without goal) followed by a wrapped name
        item = row.items[-1]
        goal_at = None
        if not row.goal_lines and row.goal_on_amount_line is None:
            goal_at = next((k for k, ln in enumerate(pending) if ln[1].startswith(GOAL_OPENER)),
                           None)
        if goal_at is not None:
            # everything before a goal printed out of order is the item's wrapped tail
            item.extend(pending[:goal_at])
            rest = self.displaced_goal(row, pending[goal_at:])
        elif next_has_name:  # the next row's name is on its amount line: nothing is left
            item.extend(pending)
            return []
        else:
            end = _tail_end(item, pending, at_end)
            item.extend(pending[:end])
            rest = pending[end:]
        if next_has_name and rest:
            self.warn("unassigned-text", say("warnings.unassigned-text"), rest)
            row.goal_lines.extend(rest)
            return []
        return rest

    def displaced_goal(self, row: _Row, lines: list[_Line]) -> list[_Line]:
        """A goal printed after the indicators; a stray fragment after its 。 goes back to
        the last indicator when that one lacks its end. Returns the lines after the goal."""
        last = max((k for k, ln in enumerate(lines) if "。" in ln[1]), default=len(lines) - 1)
        goal = lines[: last + 1]
        end_line = goal[-1]
        cut = end_line[1].rfind("。")
        fragment = end_line[1][cut + 1:].strip() if cut >= 0 else ""
        item = row.items[-1]
        self.warn("goal-out-of-order", say("warnings.goal-out-of-order", row=row.amount_line[0],
                                           first=goal[0][0], last=end_line[0]), goal)
        if fragment:
            goal[-1] = (end_line[0], end_line[1][: cut + 1], end_line[2], False)
            item_text = _text(item)
            if item_text[-1:] not in ITEM_TERMINATORS:
                item.append((end_line[0], fragment, end_line[2], False))
                self.warn("displaced-fragment", say(
                    "warnings.displaced-fragment", fragment=fragment, line=end_line[0],
                    seq=_seq(item), item_line=item[0][0]), [item[0], end_line])
            else:
                self.warn("displaced-fragment", say("warnings.displaced-fragment-dropped",
                                                    fragment=fragment, line=end_line[0]),
                          [end_line])
        row.goal_lines = goal
        return lines[last + 1:]

    def settle_end(self, row: _Row, pending: list[_Line]) -> None:
        """The end of the file: what is left must close the last row."""
        if not row.items:
            if pending or row.goal_on_amount_line:
                raise self.fail("truncated", say("errors.truncated-goal", label=row.label),
                                pending or [row.amount_line])
            raise self.fail("truncated", say("errors.truncated-row", label=row.label),
                            [row.amount_line])
        rest = self.settle(row, pending, next_has_name=False, at_end=True)
        if rest:
            raise self.fail("truncated", say("errors.truncated-text"), rest)
        item = row.items[-1]
        text = _text(item)
        unterminated = text[-1] not in ITEM_TERMINATORS
        # without its ';' and without its label, '…；年度' is a cut, not a label-less item
        if not has_target(text) or (unterminated and not find_label(text)):
            raise self.fail("truncated", say("errors.truncated-item", seq=_seq(item),
                                             text=text[:30]), item)
        if unterminated:
            self.warn("possibly-truncated", say("warnings.possibly-truncated", seq=_seq(item)),
                      item[-1:])

    # ---- pass 3: the model ----------------------------------------------------------

    def amounts(self, row: _Row) -> Amounts:
        figures = list(map(Decimal, row.figures))
        where = [row.amount_line]
        if len(figures) == 2:  # most rows: 总计 and 财政拨款
            return Amounts(figures[0], figures[1], None, columns_inferred=True)
        if len(figures) == 4:
            return Amounts(*figures)
        if len(figures) == 1:
            self.warn("amounts-incomplete", say("warnings.amounts-incomplete", label=row.label),
                      where)
            return Amounts(figures[0], columns_inferred=True)
        if len(figures) == 3:
            self.warn("amount-column-inferred", say("warnings.amount-column-inferred",
                                                    label=row.label, figure=row.amounts[2]),
                      where)
        return Amounts(*figures[:3], columns_inferred=True)

    def cells(self, row: _Row, builder: RowBuilder[_Line]) -> None:
        """A row's cells to the row builder: name, amounts, goal, items."""
        figures = row.figures
        amounts = Amounts(Decimal(figures[0]), Decimal(figures[1]), None, None, True) \
            if len(figures) == 2 else self.amounts(row)  # most rows: 总计 and 财政拨款
        amount_line = row.amount_line
        no = amount_line[0]
        amount_span = _new(SourceSpan, (self.file, no, no, amount_line[2], None))
        items = row.items
        if not items and not row.goal_lines and not row.goal_on_amount_line:  # 合计 or a unit
            name = row.name or self.join(row.name_lines, lambda: say("fields.unit-name"))
            span = self.span(row.name_lines or [amount_line]).cover(amount_span)
            builder.add_row(name, amounts, "", [], span, {})
            return
        restart = row.restart
        if restart and not any(find_label(_text(it)) for it in items[:restart]):
            # a goal written as numbered points (`1、全面贯彻…`) before the items, which
            # start again at 1 and carry their 年度指标值: the points are the goal
            row.goal_lines.extend(ln for it in items[:restart] for ln in it)
            items = row.items = items[restart:]
        if row.name:
            name, name_span = row.name, amount_span
            first = amount_line
        else:
            name = self.join(row.name_lines, lambda: say("fields.project-name"))
            name_span = self.span(row.name_lines)
            first = row.name_lines[0] if row.name_lines else amount_line
        goal_lines = row.goal_lines
        if row.goal_on_amount_line:
            goal_lines = [(no, row.goal_on_amount_line, amount_line[2], False),
                          *goal_lines]
        field_spans = {"name": name_span, "amounts": amount_span}
        goal = ""
        if goal_lines:
            goal = goal_lines[0][1] if len(goal_lines) == 1 else \
                self.join(goal_lines, lambda: say("fields.goal", name=name))
            field_spans["goal"] = _new(SourceSpan, (self.file, goal_lines[0][0],
                                                    goal_lines[-1][0], goal_lines[0][2], None))
        # a row starts with its name (or amount line) and ends with its last item or, when
        # printed out of order, its goal; a re-attached fragment may come later still
        last = items[-1][-1][0] if items else no
        if goal_lines and goal_lines[-1][0] > last:
            last = goal_lines[-1][0]
        span = _new(SourceSpan, (self.file, first[0], last, first[2], None))
        builder.add_row(name, amounts, goal, items, span, field_spans)

    def document(self) -> Document:
        if "   " in self.text:  # a run of three spaces (one scan): most texts have none
            self.side_by_side()
        before, rows, _, pages = self.scan()
        doc = Document(*heading([line[1] for line in before]))
        builder = RowBuilder(doc, self.span, self.warnings, self.join, _line_text)
        for row in rows:
            self.cells(row, builder)
        builder.finish()
        two_figure = [p for p in doc.projects
                      if p.amounts.columns_inferred and p.amounts.special_account is None]
        if two_figure:
            first = two_figure[0].field_spans["amounts"]
            self.warnings.append(ReadWarning(
                "amount-column-inferred",
                say("warnings.amount-column-inferred-two", n=len(two_figure)),
                first, Severity.INFO))
        doc.warnings = sorted(self.warnings, key=lambda w: w.span.first_line or 0)
        doc.source = SourceInfo(self.file, None, "text", None, self.n_lines, pages)
        return doc


def _amount_line(text: str) -> re.Match[str] | None:
    """The parts of a row's amount line; amounts always hold a '.', most lines none."""
    if "." not in text or text.startswith(GOAL_OPENER):
        return None
    return AMOUNT_LINE_RE.match(text)


def _tail_end(item: _Item, lines: list[_Line], at_end: bool = False) -> int:
    """How many of `lines` continue `item`: up to the last one that ends like an item
    (names never end with ;；：。), on until the item has its target, and for an item
    without a terminator on to the next blank line — or, after the table's last item
    (`at_end`: no name can follow), to the end when no blank line comes."""
    end = len(lines)
    while end and lines[end - 1][1][-1] not in ITEM_TERMINATORS:
        end -= 1
    text = _text(item) + _text(lines[:end])
    while end < len(lines) and not has_target(text):
        text += lines[end][1]
        end += 1
    if text[-1] not in ITEM_TERMINATORS:
        # an item without its terminator runs on to the blank line before the next name
        end = next((k for k in range(end, len(lines)) if lines[k][3]),
                   len(lines) if at_end else end)
    return end


def _text(lines: list[_Line]) -> str:
    return "".join([x[1] for x in lines])  # a list: faster to join than a generator


def _numeric_join(a: str, b: str) -> bool:
    return (a.isdigit() and (b.isdigit() or b == ".")) or (a == "." and b.isdigit())


def _ends_goal(lines: list[_Line]) -> bool:
    return lines[-1][1].endswith("。")


def read_text(text: str, file: str | None = None) -> Document:
    """Read the table from text already decoded."""
    return TextReader(text, file).document()


def read_text_bytes(data: bytes, file: str | None = None) -> Document:
    text, encoding = decode_text(data, file)
    doc = read_text(text, file)
    doc.source.sha256 = hashlib.sha256(data).hexdigest()
    doc.source.encoding = encoding
    return doc


def read_text_file(path: str | Path) -> Document:
    path = Path(path)
    return read_text_bytes(path.read_bytes(), path.name)
