"""One row builder for the sample's template (issue 13, item 4): the text, PDF and xlsx
readers locate a row's cells — name, amounts, goal, indicator items — each in its own
container, and hand them here; what a row *is* (合计, a unit's subtotal, a project), how
items split and parse, how a cell becomes money, and the reader's warnings about them are
decided once, for all three. The cross-checks of a whole reading (row sums, subtotals,
numbering) stay in `jixiao.checks`, which every reading goes through after this.

A reader's lines are anything with a `.text` (a text line, a PDF line, a spreadsheet
line of a cell); the reader gives the function that turns some of them into a
`SourceSpan`, so a warning points at lines, pages or sheet rows as the container has them.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from operator import attrgetter
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

from jixiao.checks import cover_spans
from jixiao.errors import ReadError
from jixiao.messages import language, say
from jixiao.model import (
    AMOUNT_COLUMNS,
    AMOUNT_LABELS,
    Amounts,
    Document,
    FormFields,
    Indicator,
    Project,
    ReadWarning,
    Severity,
    SourceSpan,
    Unit,
)
from jixiao.readers.items import (
    ITEM_START,
    ParsedItem,
    item_pieces,
    numbered_items,
    parsed_item,
    remember_numbered,
)

GRAND_TOTAL_NAMES = ("合计", "总计")
# an amount as printed: thousands grouped by threes or not grouped at all
AMOUNT = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
CENT = Decimal("0.01")
# the lines above a table: its department (perhaps with the amount unit on the same line)
# and the amount unit
DEPARTMENT_LINE = re.compile(r"^(?:部门|单位)名称\s*[：:]\s*(?P<name>.+?)"
                             r"(?:\s*(?:金额)?单位\s*[：:]\s*(?P<unit>万元|元|千元|亿元))?$")
AMOUNT_UNIT = re.compile(r"(?:金额)?单位\s*[：:]\s*(?P<unit>万元|元|千元|亿元)")


def row_kind(name: str, goal: str, has_items: bool) -> str:
    """What a row of a project table is: `grand_total` (合计 / 总计, without items), `unit`
    (a unit's subtotal: no goal, no items) or `project` — one rule for the sample's readers
    and the form reader's project lists."""
    if not has_items and name in GRAND_TOTAL_NAMES:
        return "grand_total"
    if not has_items and not goal.strip():
        return "unit"
    return "project"


class Located(Protocol):
    """A line of a cell as its container gives it."""

    @property
    def text(self) -> str: ...


L = TypeVar("L")  # a reader's line: a `Located`, or what the reader's `text_of` reads
_text_attr = attrgetter("text")


class Piece(NamedTuple):
    """A line of a cell that carries its own span (a spreadsheet cell's line)."""

    text: str
    span: SourceSpan


def piece_span(pieces: Sequence[Piece]) -> SourceSpan:
    """The span of some pieces: from the first's to the last's."""
    if not pieces:
        return SourceSpan()
    return pieces[0].span.cover(pieces[-1].span)


@dataclass(slots=True)
class RowCells(Generic[L]):
    """One row of the template as a reader located it: the name and goal joined, the
    amounts read, the indicator cell split into items (each a list of its lines)."""

    name: str
    amounts: Amounts
    goal: str
    items: list[list[L]]
    span: SourceSpan
    field_spans: dict[str, SourceSpan] = field(default_factory=dict)


def heading(lines: Iterable[str]) -> tuple[str | None, str | None, str]:
    """Title, department and amount unit from the lines above the table: the department
    line, the unit line (or the unit at the department line's end), and the first other
    line as the title."""
    title = department = None
    unit = "万元"
    for raw in lines:
        text = raw.strip()
        if not text:
            continue
        if m := DEPARTMENT_LINE.match(text):
            department = m.group("name").strip()
            unit = m.group("unit") or unit
        elif m := AMOUNT_UNIT.search(text):
            unit = m.group("unit")
        elif title is None:
            title = text
    return title, department, unit


def _plain_join(lines: Sequence[Any], what: Callable[[], str]) -> str:
    return "".join(line.text for line in lines)


class RowBuilder(Generic[L]):
    """Rows → the document's 合计, units and projects, with the warnings about them.

    `span_of` turns a reader's lines into a span; `join` joins a cell's lines (the text
    reader's also notes a number cut by a wrap; `what` names the field for that note);
    `text_of` gives a line's text (its `.text` unless the reader says otherwise: the text
    reader's lines are plain tuples)."""

    def __init__(self, doc: Document, span_of: Callable[[Sequence[L]], SourceSpan],
                 warnings: list[ReadWarning] | None = None,
                 join: Callable[[Sequence[L], Callable[[], str]], str] = _plain_join,
                 text_of: Callable[[L], str] = _text_attr) -> None:
        self.doc = doc
        self.span_of = span_of
        self.join = join
        self.text_of = text_of
        self.warnings: list[ReadWarning] = [] if warnings is None else warnings
        self.rows = 0  # rows seen, of every kind
        self.seq = 0  # projects made
        self.language = language()  # the doubts of cached items are in this language
        self.numbered = numbered_items(self.language)

    def warn(self, code: str, message: str, span: SourceSpan,
             severity: Severity = Severity.WARNING) -> None:
        self.warnings.append(ReadWarning(code, message, span, severity))

    # ---- cells ----------------------------------------------------------------------

    def money(self, value: object, column: str, span: SourceSpan) -> Decimal | None:
        """A cell's amount: an empty cell is None; text must be an amount as printed
        (lines joined back by position still one figure); a spreadsheet's float keeps
        every decimal it has, with a note when it has more than two."""
        if value is None:
            return None
        if isinstance(value, Decimal):
            return value
        if isinstance(value, bool):  # a TRUE in an amount column is no figure
            value = str(value)
        if isinstance(value, int):
            return Decimal(value)
        if isinstance(value, float):
            exact = Decimal(repr(value))
            cents = exact.quantize(CENT)
            if cents != exact:
                self.warn("amount-precision", say("warnings.amount-precision",
                          column=AMOUNT_LABELS[column], value=value), span, Severity.INFO)
                return exact
            return cents  # with two decimals, as the sheet shows them
        text = "".join(str(value).split())
        if not text:
            return None
        if not AMOUNT.match(text):
            raise ReadError("bad-amount", say("errors.bad-amount-cell", column=AMOUNT_LABELS[
                column], value=text, unit=self.doc.amount_unit), span)
        return Decimal(text.replace(",", ""))

    def amounts(self, cells: Mapping[str, object], span: SourceSpan) -> Amounts:
        """The four amount columns of a row whose columns the container shows."""
        return Amounts(*(self.money(cells.get(c), c, span) for c in AMOUNT_COLUMNS))

    @staticmethod
    def items(lines: Iterable[L]) -> list[list[L]]:
        """An indicator cell's lines as items: a new item at each line that starts with
        `N、`; lines before the first such line are an item of their own."""
        out: list[list[L]] = []
        for line in lines:
            if not out or ITEM_START.match(line.text):
                out.append([line])
            else:
                out[-1].append(line)
        return out

    def indicator(self, seq: int, raw: str, parts: Sequence[L]) -> Indicator:
        """One item's text (without its `N、`) → an indicator, its doubts as warnings."""
        return self.made(seq, raw, parsed_item(seq, raw, self.language), parts)

    def made(self, seq: int, raw: str, parsed: ParsedItem, parts: Sequence[L]) -> Indicator:
        """An indicator from its parsed item, the item's doubts as warnings on its lines."""
        span = self.span_of(parts)
        if parsed.doubts:  # most items have none
            for code, message, severity, where in parsed.doubts:
                at = span if where == "all" or len(parts) == 1 else \
                    self.span_of(parts[:1] if where == "first" else parts[-1:])
                self.warnings.append(ReadWarning(code, message, at, severity))
        form = FormFields(level2=parsed.level2, target_long=parsed.target_long) \
            if parsed.level2 is not None or parsed.target_long is not None else None
        return Indicator(seq, parsed.category, parsed.name, parsed.target, raw, span, form)

    def indicators(self, item: Sequence[L], position: int, project: str) -> list[Indicator]:
        """One item (its lines), and the items packed after it into the same paragraph
        (`…。2、1-产出指标；…`: the template that codes its levels packs them so). An item
        without its number takes `position` (1-based)."""
        if len(item) == 1:
            text = self.text_of(item[0])
        else:
            text = self.join(item, lambda: say("fields.indicator", project=project,
                                               position=position))
        pieces = item_pieces(text, position, self.language)
        if len(pieces) == 1:
            seq, raw, _, _, parsed = pieces[0]
            return [self.made(seq, raw, parsed, item)]
        ends = []  # the offset after each line, to find the lines of each packed item
        at = 0
        for line in item:
            at += len(self.text_of(line))
            ends.append(at)
        out = []
        for seq, raw, start, end, parsed in pieces:
            first = min(bisect.bisect_right(ends, start), len(item) - 1)
            last = min(bisect.bisect_left(ends, end), len(item) - 1)
            out.append(self.made(seq, raw, parsed, item[first:last + 1] or item))
        return out

    def project_indicators(self, items: Sequence[Sequence[L]], project: str
                           ) -> list[Indicator]:
        out: list[Indicator] = []
        language, span_of, text_of = self.language, self.span_of, self.text_of
        numbered = self.numbered
        for item in items:
            if len(item) == 1:  # most items: one line, one indicator (`indicators` inlined)
                text = text_of(item[0])
                pieces = numbered.get(text)
                if pieces is None:
                    pieces = item_pieces(text, len(out) + 1, language)
                    remember_numbered(numbered, text, pieces)
                if len(pieces) == 1:
                    seq, raw, _, _, parsed = pieces[0]
                    if parsed.doubts or parsed.level2 is not None or \
                            parsed.target_long is not None:
                        out.append(self.made(seq, raw, parsed, item))
                    else:  # `made` for an item without doubts or form fields: most items
                        out.append(Indicator(seq, parsed.category, parsed.name, parsed.target,
                                             raw, span_of(item)))
                    continue
            out += self.indicators(item, len(out) + 1, project)
        return out

    # ---- rows -----------------------------------------------------------------------

    def add(self, cells: RowCells[L]) -> Project | None:
        """A row in the order printed: 合计, a unit's subtotal, or a project (`row_kind`)."""
        return self.add_row(cells.name, cells.amounts, cells.goal, cells.items, cells.span,
                            cells.field_spans)

    def add_row(self, name: str, amounts: Amounts, goal: str, items: list[list[L]],
                span: SourceSpan, field_spans: dict[str, SourceSpan]) -> Project | None:
        """`add` of a row's cells given one by one (the text reader's: no RowCells made)."""
        self.rows += 1
        kind = row_kind(name, goal, bool(items))
        if kind == "grand_total":
            self.grand_total(amounts, span)
            return None
        if kind == "unit":
            self.unit(name, amounts, span)
            return None
        return self.project_row(name, amounts, goal, span, field_spans,
                                self.project_indicators(items, name))

    def grand_total(self, amounts: Amounts, span: SourceSpan) -> None:
        """The template opens with its 合计; one elsewhere is said, a second is not read."""
        if self.doc.grand_total is not None:
            self.warn("grand-total-position", say("warnings.grand-total-second"), span)
            return
        if self.rows > 1:
            self.warn("grand-total-position", say("warnings.grand-total-position"), span)
        self.doc.grand_total = amounts

    def unit(self, name: str, amounts: Amounts | None, span: SourceSpan,
             by_name: bool = False) -> Unit:
        """A unit's subtotal row. `by_name`: the unit is named in a column of its own
        (its projects may come before its subtotal row), so an existing one is reused."""
        if by_name:
            for unit in self.doc.units:
                if unit.name == name:
                    if amounts is not None:
                        unit.subtotal, unit.span = amounts, span
                    return unit
        self.doc.units.append(Unit(name, amounts, span=span))
        return self.doc.units[-1]

    def project(self, cells: RowCells[L], unit: str | None = None,
                indicators: list[Indicator] | None = None) -> Project:
        """A project row, numbered in order of the document: its items parsed (or its
        `indicators` made already, a sheet with a row for each); it goes to the last unit
        read, or to the unit a column names (`unit`)."""
        if indicators is None:
            indicators = self.project_indicators(cells.items, cells.name)
        return self.project_row(cells.name, cells.amounts, cells.goal, cells.span,
                                cells.field_spans, indicators, unit)

    def project_row(self, name: str, amounts: Amounts, goal: str, span: SourceSpan,
                    field_spans: dict[str, SourceSpan], indicators: list[Indicator],
                    unit: str | None = None) -> Project:
        """`project` of a row's cells given one by one, its indicators made."""
        self.seq += 1
        seqs = [i.seq for i in indicators]
        if seqs != list(range(1, len(seqs) + 1)):
            self.warn("item-numbering", say("warnings.item-numbering", name=name,
                                            seqs=seqs),
                      cover_spans(i.span for i in indicators))
        if not name:
            self.warn("missing-name", say("warnings.missing-name"),
                      field_spans.get("amounts", span))
        project = Project(self.seq, name, amounts, goal, indicators, span, field_spans)
        target = self.unit(unit, None, span, by_name=True) if unit is not None \
            else self.doc.current_unit()
        target.projects.append(project)
        return project

    def finish(self) -> None:
        """What only the whole table shows: a unit row with no projects, a table of
        projects without its 合计."""
        doc = self.doc
        for u in doc.units:
            if u.subtotal is not None and not u.projects:
                self.warn("unit-without-projects", say("warnings.unit-without-projects",
                                                       name=u.name), u.span)
        if doc.grand_total is None and self.seq:
            first = doc.units[0].span if doc.units and doc.units[0].subtotal is not None \
                else doc.projects[0].span
            self.warn("missing-grand-total", say("warnings.missing-grand-total"), first)

