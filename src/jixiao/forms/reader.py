"""The form reader: a cell grid (any container) → `Document`.

A form is read as a walk over its cells in reading order, each cell classified by the
vocabulary (data/forms.toml): a field label takes the value after it (in the same cell
after a colon, or the next cell); a money label takes an amount; the row of column
headings of the indicator table fixes the roles of the cells under it; in that table a
category or second-level label sets the level for the rows below it until another is
written (a merged cell), and the other cells fill the row's roles in order. Positioned
grids (xlsx, xls, docx, HTML) place each cell by its column; text copies, whose columns
are lost, by the order of their cells.

Every reading is checked before it is returned (`checks.py`); what fails is a warning
that names the row, and a reading with no indicator at all is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from jixiao.errors import ReadError
from jixiao.forms import layout
from jixiao.forms.packed import split_packed
from jixiao.forms.vocabulary import (
    FORM_TITLE,
    PINYIN,
    Match,
    Vocabulary,
    normal,
    split_points,
    vocabulary,
)
from jixiao.messages import say
from jixiao.model import (
    AMOUNT_COLUMNS,
    Amounts,
    Document,
    FormFields,
    Funding,
    Indicator,
    Project,
    ProjectForm,
    ReadWarning,
    Severity,
    SourceInfo,
    SourceSpan,
    Unit,
    union_box,
)
from jixiao.readers.grid import Cell, Grid
from jixiao.readers.rows import GRAND_TOTAL_NAMES, row_kind  # the sample's row builder's

_SIGNED = re.compile(r"[-+]?\d+(\.\d+)?")  # a figure _decimal takes
_AMOUNT = re.compile(r"^[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")
_AMOUNT_UNIT = re.compile(r"(万元|万|元)$")
_AMOUNT_NOTE = re.compile(r"^([\d.,]+(?:万元|万|元))[（(][^（()）]*[)）]$")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_DECLARED_UNIT = re.compile(r"(?:金额)?单位[:：]\s*(万元|元)|[（(]\s*(万元|元)\s*[)）]")
_PERIOD = re.compile(r"[（(](长期|年度|中期|实施期|当年)[)）]$")
_COMPARATOR = re.compile(r"^(≥|≤|=|＝|>|<|＞|＜|≧|≦|大于等于|小于等于|不低于|不高于|不少于|不超过)")
# a placeholder row of the template left unfilled ("指标2", "……")
_TITLE = FORM_TITLE
_PINYIN_CUT = re.compile(r"(?<=[\u3400-\u9fff])\([a-zü\u0100-\u01dc]*\s*$")
_YEAR_LINE = re.compile(r"^[（(]?\d{4}年度?[)）]?$")
_NOTICE_YEAR = re.compile(r"^关于.{0,20}?((?:19|20)\d{2})年.{0,60}的(通知|公示|批复|公告)$")
# (50分) alone: a category's points whose label the copy lost
_PLACEHOLDER = re.compile(r"^(指标\d*([:：][/／]*)?|…+|\.{3,}|—+|-+|/|无"
                          r"|[（(]\d+(\.\d+)?分[)）]|[（(]\d+(\.\d+)?[-－~]\d+(\.\d+)?分?[)）]分?)$")
# a label's words: Chinese characters (and brackets), no sentence punctuation or figure
_LABEL_WORDS = re.compile(r"^[\u4e00-\u9fff（）()]{2,10}$")
_FOOTNOTE = re.compile(r"^(注|备注|说明)\s*[:：]")  # the form's footnote: the table has ended
# a line that goes on a cut row begins with a value: a figure, a sign, or a short word (有效)
CUT_PIECE_CHARS = 4
UNIT_CHARS = 6  # a 度量单位 is short (%, 人次, 元/人·月); a longer text is another column's
VALUE_ROLES = ("nature", "value", "measure", "value_long", "weight", "direction", "actual",
               "score", "reason", "standard", "name", "name_long")


@dataclass(frozen=True)
class FormSettings:
    """What the reader may change; the defaults read every layout seen so far."""

    vocabulary: Vocabulary = field(default_factory=vocabulary)
    # adjacent short cells joined when together they make a known label (年度 / 指标值)
    join_label_parts: int = 3
    # a cell of at most this many characters may be half of a broken label
    label_part_chars: int = 8


def amount(text: str) -> Decimal | None:
    """A money cell in the published unit: `8,827,620.53`, `250万`, `164万元`, `16`."""
    s = "".join(text.split()).rstrip("。")
    # a figure with its unit, then a note on it (岳阳: 854万(高标准农田建设400万元,…))
    s = _AMOUNT_NOTE.sub(r"\1", s)
    s = _AMOUNT_UNIT.sub("", s)
    if not _AMOUNT.match(s):
        return None
    try:
        return Decimal(s.replace(",", ""))
    except InvalidOperation:
        return None


def spans_union(file: str | None, spans: list[SourceSpan]) -> SourceSpan:
    """One span over several (an indicator's cells, a row's figures): the first's page,
    its first line to the last's, the boxes on that page joined (none when none has one)."""
    out = SourceSpan(file, spans[0].first_line, spans[-1].last_line, spans[0].page,
                     spans[0].box)
    for s in spans[1:]:
        if s.page == out.page:
            out = out._replace(box=union_box(out, s))
    return out


def cells_span(file: str | None, cells: list[Cell]) -> SourceSpan:
    return spans_union(file, [c.span(file) for c in cells])


def _decimal(text: str | None) -> Decimal | None:
    if text is None:
        return None
    s = "".join(text.split()).rstrip("%分")
    try:
        return Decimal(s) if _SIGNED.fullmatch(s) else None
    except InvalidOperation:
        return None


@dataclass
class _Token:
    cell: Cell
    row: int  # the row it was read in (a filled row when merged)
    text: str  # the cell's text, possibly joined from a broken label
    carried: bool = False  # a merged cell repeated in a row below its first


@dataclass
class _Project:
    fields: dict[str, str] = field(default_factory=dict)
    spans: dict[str, SourceSpan] = field(default_factory=dict)
    money: dict[str, tuple[Decimal | None, bool]] = field(default_factory=dict)
    funding: list[Funding] = field(default_factory=list)
    budget: dict[str, Decimal | None] = field(default_factory=dict)
    indicators: list[Indicator] = field(default_factory=list)
    first: Cell | None = None
    after_break: bool = False  # begun where the source jumps: it needs its own name


class FormReader:
    """One reading of one grid. `read()` gives the Document."""

    def __init__(self, grid: Grid, settings: FormSettings | None = None) -> None:
        self.grid = grid
        self.settings = settings or FormSettings()
        self.vocab = self.settings.vocabulary
        self.warnings: list[ReadWarning] = []
        self.projects: list[_Project] = []
        self.doc_fields: dict[str, str] = {}
        self._named: set[int] = set()  # cells already warned of (unknown labels)
        self.tokens = self._tokens()
        # each row's tokens in reading order: looked up for every cell, so not by a scan of
        # all tokens (a 50,000-line upload took minutes)
        self._rows: dict[int, list[int]] = {}
        for k, t in enumerate(self.tokens):
            self._rows.setdefault(t.row, []).append(k)

    # --- reading order -------------------------------------------------------------------

    def _tokens(self) -> list[_Token]:
        rows = self.grid.filled_rows()
        out: list[_Token] = []
        for r, row in enumerate(rows):
            first = min((c.row for c in row if c.rowspan == 1), default=None)
            for cell in row:
                carried = self.grid.positioned and first is not None and cell.row < first
                out.append(_Token(cell, 0 if self.grid.rowless else r, cell.text, carried))
        if "columns" in self.grid.notes:
            return self._join_stacked(self._split_at_labels(out))
        return self._join_broken_labels(out)

    def _split_at_labels(self, tokens: list[_Token]) -> list[_Token]:
        """pdftotext -layout: two cells that nearly touch stand one space apart in one run
        (`0.00 其他资金`, `6,351,000.00 年度资金申请总额`): split where a label of the
        vocabulary begins or ends."""
        by_row: dict[int, list[_Token]] = {}
        for t in tokens:
            by_row.setdefault(t.cell.row, []).append(t)

        def stacked_head(t: _Token, word: str) -> bool:
            """The run's first word is the upper piece of a label stacked in its cell, its
            value beside it (项目名 城乡居民… / 称): the piece below completes a field."""
            if not 0 < len(word) <= 4 or self.vocab.label(word) is not None:
                return False
            below = [u for u in by_row.get(t.cell.row + 1, []) if abs(u.cell.col - t.cell.col)
                     <= 2 and 0 < len(u.cell.clean) <= 2]
            whole = self.vocab.label(word + below[0].cell.clean) if len(below) == 1 else None
            return whole is not None and whole.kind in ("field", "money")

        out: list[_Token] = []
        for t in tokens:
            words = t.text.split(" ")
            if len(words) < 2 or t.carried:
                out.append(t)
                continue
            parts: list[tuple[int, str]] = []
            start, at = 0, 0
            for k, word in enumerate(words):
                if k and (self.vocab.label(word) is not None or
                          self.vocab.label(" ".join(words[start:k])) is not None or
                          (k == 1 and stacked_head(t, words[0]))):
                    parts.append((at, " ".join(words[start:k])))
                    at = sum(len(w) + 1 for w in words[:k])
                    start = k
            parts.append((at, " ".join(words[start:])))
            if len(parts) == 1:
                out.append(t)
                continue
            for offset, text in parts:
                c = t.cell
                cell = Cell(c.row, c.col + offset, text, c.rowspan, len(text), c.sheet, c.page,
                            c.line, (c.col + offset, c.row, c.col + offset + len(text),
                                     c.row + 1))
                out.append(_Token(cell, t.row, text, t.carried))
        return out

    def _join_stacked(self, tokens: list[_Token]) -> list[_Token]:
        """pdftotext -layout: a label wrapped in its cell stands in pieces one above the
        other (一级指 / 标, 成本指 / 标, 年度指 / 标值): joined where the pieces alone are
        no label and together are one."""
        below: dict[int, list[int]] = {}
        for k, t in enumerate(tokens):
            below.setdefault(t.cell.row, []).append(k)
        gone: set[int] = set()
        for k, t in enumerate(tokens):
            if k in gone or t.carried or len(t.cell.clean) > 8 or self._known(t.text):
                continue
            for step in (1, 2):
                near = [n for n in below.get(t.cell.row + step, []) if n not in gone and
                        abs(tokens[n].cell.col - t.cell.col) <= 3 and
                        0 < len(tokens[n].cell.clean) <= 4]
                if len(near) != 1:
                    continue
                joined = t.cell.clean + tokens[near[0]].cell.clean
                lower = tokens[near[0]].text
                whole = self.vocab.label(joined)
                # 实施 / 单位: the lower piece alone a column heading (单位), together a field
                field = whole is not None and whole.kind in ("field", "money") and (
                    self.vocab.label(lower) is None or
                    self.vocab.label(lower).kind not in ("field", "money"))
                if self._known(joined) and (field or not self._known(lower)):
                    tokens[k] = _Token(t.cell, t.row, joined, t.carried)
                    gone.add(near[0])
                    break
        return [t for k, t in enumerate(tokens) if k not in gone]

    def _known(self, text: str) -> bool:
        return self.vocab.label(text) is not None or self._role(text)[0] is not None

    def _join_broken_labels(self, tokens: list[_Token]) -> list[_Token]:
        """`年度` `指标值` → `年度指标值` when the parts alone are no label (a label broken
        over cells in a copy; a grid's cells are cells)."""
        if self.grid.positioned:
            return tokens
        out: list[_Token] = []
        i = 0
        limit = self.settings.label_part_chars
        # a spaced copy wraps a label in its cell onto the next line: the parts of a label
        # may stand in two rows there
        wraps = "spaced" in self.grid.notes
        while i < len(tokens):
            joined = None
            first = tokens[i]
            alone = self.vocab.label(first.text)
            if alone is not None and i + 1 < len(tokens) and (
                    wraps or tokens[i + 1].row == first.row):
                tail = tokens[i + 1].cell.clean
                longer = self.vocab.label(first.cell.clean + tail)
                if 0 < len(tail) <= 4 and (self.vocab.label(tail) is None or tail == "指标") \
                        and longer and \
                        longer.key == alone.key and longer.value is None:
                    out.append(_Token(first.cell, first.row, first.cell.clean + tail))
                    i += 2
                    continue
            if 0 < len(first.cell.clean) <= limit and alone is None and \
                    normal(first.text) not in self.vocab.budget:
                text = first.cell.clean
                for k in range(1, self.settings.join_label_parts):
                    if i + k >= len(tokens):
                        break
                    nxt = tokens[i + k]
                    # (a figure is no part of a label)
                    if (nxt.row != first.row and not wraps) or \
                            not 0 < len(nxt.cell.clean) <= limit or \
                            amount(nxt.cell.clean.rstrip("%")) is not None:
                        break
                    text += nxt.cell.clean
                    parts = [t.cell.clean for t in tokens[i:i + k + 1]]
                    # a heading known by its words only (…预期…值) is broken into short
                    # pieces; two phrases of a row's cells (符合规定 | 达成预期指标) are none
                    guessed = max(map(len, parts)) <= 4 and self.vocab.header_role(text) in (
                        "value", "actual", "value_long") and \
                        not (wraps and self._ends_below(tokens, i))
                    if self.vocab.label(text) or guessed or normal(text) in self.vocab.budget:
                        joined = (k, text)
                        break
            if joined:
                k, text = joined
                out.append(_Token(first.cell, first.row, text))
                i += k + 1
            else:
                out.append(first)
                i += 1
        return out

    def _ends_below(self, tokens: list[_Token], i: int) -> bool:
        """In a spaced copy, token i's heading wrapped in its cell: a short piece on the
        next line completes it to a known heading (绩效 / 目标值, 实际 / 完成值), so it is
        not to be guessed together with its neighbour on its own line (绩效实际)."""
        row = tokens[i].row
        head = tokens[i].cell.clean
        below = (t for t in tokens[i + 1:i + 40] if t.row == row + 1)
        return any(0 < len(t.cell.clean) <= self.settings.label_part_chars and
                   self.vocab.header_role(head + t.cell.clean) is not None and
                   self.vocab.label(head + t.cell.clean) is not None for t in below)

    # --- the walk --------------------------------------------------------------------------

    def read(self) -> Document:
        self._document_facts()
        if self.kind == "monitoring":  # (a 监控表's columns are no target's nor actual's)
            at = next((t for t in self.tokens if t.text.strip() == self.title), None)
            raise ReadError("monitoring-form", say("forms.monitoring-form", title=self.title),
                            at.cell.span(self.grid.file) if at else SourceSpan(self.grid.file))
        i = 0
        current = self._new_project()
        last_title: str | None = None
        while i < len(self.tokens):
            tok = self.tokens[i]
            if tok.cell.row in self.grid.breaks and (i == 0 or self.tokens[i - 1].cell.row
                                                     not in self.grid.breaks):
                current = self._new_project()
                current.after_break = True
            header = self._header_at(i)
            if header is not None:
                roles, end, list_layout = header
                self._name_unknown_headings(roles)
                if list_layout and self.grid.positioned:
                    i = self._list_grid(roles, end)
                    current = self.projects[-1] if self.projects else self._new_project()
                elif list_layout:
                    i = self._list_table(roles, end)
                    current = self.projects[-1] if self.projects else self._new_project()
                elif "columns" in self.grid.notes:  # pdftotext -layout: rows rebuilt
                    i = layout.read_table(self, current, roles, end, _Levels())
                else:
                    i = self._indicator_table(current, roles, end)
                continue
            budget = self._budget_header_at(i)
            if budget is not None:
                i = self._budget_block(current, *budget)
                continue
            if not tok.carried and (k := self._total_score(current, i)):
                i = k
                continue
            title = len(tok.cell.clean) <= 40 and _TITLE.search(normal(tok.text)) is not None
            if title and not current.indicators and "name" not in current.fields and \
                    (current.fields or current.money):
                # a form's title: what was read before it (a budget's other tables, in a
                # text of the whole budget) is no part of its project
                current.fields, current.spans, current.money = {}, {}, {}
                current.funding, current.budget, current.first = [], {}, None
            elif title and current.indicators and last_title is not None and \
                    normal(tok.text) != last_title:
                # another form's title after a project's table (西安 p.75: a 整体支出 form
                # with no 项目名称 of its own): its table is no part of the project before
                current = self._new_project()
                current.after_break = True
            if title:
                last_title = normal(tok.text)
            m = self.vocab.label(tok.text)
            if m is None and not tok.carried:
                self._name_unknown_field(i, "name" in current.fields and
                                         not current.indicators)
            if m is None or tok.carried:  # a merged label was read in its first row
                i += 1
                continue
            if m.kind == "field" and m.key == "name" and (
                    current.indicators or "name" in current.fields):
                current = self._new_project()
            i = self._label(current, m, i)
        return self._document()

    def _total_score(self, p: _Project, i: int) -> int:
        """A 自评表's closing lines: 总分 with the published total (the last figure of its
        row: 分值 then 得分), and 评价等级 with the published grade."""
        key = normal(self.tokens[i].text)
        after = [t for t in self.tokens[i + 1:i + 4] if self.grid.rowless or
                 t.row == self.tokens[i].row]
        if key.startswith(("总分", "评价总分", "自评总分", "自评得分合计")):
            figures = [(n, amount(t.text)) for n, t in enumerate(after)]
            found = [(n, f) for n, f in figures if f is not None]
            if found and "total_score" not in p.budget:
                n, figure = found[-1]
                p.budget["total_score"] = figure
                return i + n + 2
        elif key in ("评价等级", "自评等级", "等级", "绩效等级", "评定等级") and after and \
                after[0].text.strip() and "grade" not in p.fields:
            p.fields["grade"] = after[0].text.strip()
            return i + 2
        return 0

    def _new_project(self) -> _Project:
        p = _Project()
        self.projects.append(p)
        return p

    def _value_after(self, i: int) -> tuple[str | None, int]:
        """The value of the label at token i: the next cell when it is no label (in the same
        row; in a text copy also the first cell of the next row)."""
        tok = self.tokens[i]
        j = i + 1
        if j >= len(self.tokens):
            return None, j
        nxt = self.tokens[j]
        same_row = nxt.row == tok.row
        if "columns" in self.grid.notes and not same_row:
            beside = [k for k in range(j, min(j + 12, len(self.tokens)))
                      if tok.cell.row < self.tokens[k].cell.row < tok.cell.row + tok.cell.rowspan
                      and self.tokens[k].cell.col > tok.cell.col]
            if tok.cell.rowspan > 1 and beside and \
                    self.vocab.label(self.tokens[beside[0]].text) is None:
                # a label printed one character a line (总 / 体 / 目 / 标): its text beside
                # it, on the lines it covers
                return layout.block(self, tok, self.tokens[beside[0]]), beside[0] + 1
            # a label alone on its line at the middle of a tall cell: its text beside it
            # on the lines above and below
            return layout.around(self, tok), j
        last_in_row = j + 1 >= len(self.tokens) or self.tokens[j].row != tok.row
        if not same_row and not (not self.grid.positioned and last_in_row):
            return None, j
        if self.vocab.label(nxt.text) is not None or self._header_at(j) is not None or \
                normal(nxt.text) in self.vocab.budget:
            return None, j
        if "columns" in self.grid.notes and same_row:
            return layout.block(self, tok, nxt), j + 1
        return nxt.text, j + 1

    def _label(self, p: _Project, m: Match, i: int) -> int:
        tok = self.tokens[i]
        if m.kind == "group" and m.key == "总体目标":  # with its text beside it: the goal
            value, nxt = self._value_after(i)
            if value is not None and "goal" not in p.fields:
                p.fields["goal"] = value.strip()
                p.spans["goal"] = self.tokens[nxt - 1].cell.span(self.grid.file)
                return nxt
            return i + 1
        value, nxt = (m.value, i + 1) if m.value else self._value_after(i)
        if m.kind == "field":
            if value is None and self._goal_pair(p, i):
                return self._goal_pair(p, i)
            if value is not None:
                target = self.doc_fields if m.key == "department" and not self.projects[0] \
                    .fields else None
                # the form's own 实施单位 / 执行单位 cell beats a 单位名称 line above the form
                own_unit = m.key == "unit" and any(w in normal(m.label) for w in ("实施", "执行"))
                if m.key not in p.fields or (own_unit and not p.spans.get("unit_own")):
                    p.fields[m.key] = value.strip()
                    # the value's cell (the label's own when `名称：…` shares it)
                    own = tok.cell if m.value else self.tokens[nxt - 1].cell
                    p.spans[m.key] = own.span(self.grid.file)
                    if own_unit:
                        p.spans["unit_own"] = p.spans[m.key]
                if target is not None and m.key not in self.doc_fields:
                    self.doc_fields[m.key] = value.strip()
                p.first = p.first or tok.cell
            return nxt
        if m.kind == "money":
            figure = amount(value) if value is not None else None
            if value is not None and figure is None and re.match(r"\s*\d", value) and \
                    not m.value and (own := self.tokens[nxt - 1]) is not tok:
                # a figure the cell does not state plainly (岳阳: 854万854万(…)): said,
                # not guessed
                self.warn("money-not-amount", say("forms.money-not-amount",
                                                  label=m.label.strip(), value=value.strip()),
                          own.cell)
            label = normal(m.label)
            if value is not None or figure is not None:
                p.funding.append(Funding(m.label.strip().rstrip(":："), figure))
            annual = label in self.vocab.annual
            multi = label in self.vocab.multi_year
            held = p.money.get(m.key)
            # the annual figure wins over a multi-year one; otherwise the first one written
            better = held is None or (annual and not held[1]) or (held[0] is None and figure)
            # (an annual label with no figure of its own, 年度预算安排 over its lines, keeps
            # nothing out)
            if better and not (multi and held is not None and held[1] and held[0] is not None):
                p.money[m.key] = (figure, annual)
                # the figure's cell: the label's own (`合计：250万`) or the one after it
                if figure is not None:
                    own = tok.cell if m.value else self.tokens[nxt - 1].cell
                    p.spans[m.key] = own.span(self.grid.file)
            return nxt if value is not None else i + 1
        return i + 1

    def _goal_pair(self, p: _Project, i: int) -> int:
        """Goal labels on a row of their own (实施周期总目标 | 年度目标) with their texts in the
        next row, in the same order."""
        tok = self.tokens[i]
        row = [self.tokens[k] for k in self._rows[tok.row]]
        labels = [(self.vocab.label(t.text), t) for t in row]
        goals = _goal_slots([(m, t) for m, t in labels if m and m.kind == "field" and
                             m.key in ("goal", "goal_long", "completion")])
        if self.grid.rowless:
            return self._goal_run(p, i)
        if not self.grid.positioned and goals and tok is goals[0][1] and \
                any(m is None for m, _ in labels[labels.index((goals[-1][0], goals[-1][1])):]):
            # a copy that ran the texts into the labels' row (永德: 年度总体目标 | 预期目标 |
            # 实际完成情况 | text | text): the labels, then their texts, as in a stream
            return self._goal_run(p, i)
        if not goals or tok is not goals[0][1]:
            return 0
        # (in a copy, the row's own heading may stand before its goal labels: 大英's
        # 项目基本情况 | 1.项目年度目标完成情况 | 项目年度目标 | 年度目标完成情况)
        start = next(n for n, (_, t) in enumerate(labels) if t is tok) \
            if not self.grid.positioned else 0
        if any(m is None for m, _ in labels[start:]) or \
                not any(m.key != "completion" for m, _ in goals):
            return 0
        if "columns" in self.grid.notes:
            return layout.goal_texts(self, p, [(m.key, t) for m, t in goals], i)
        nxt_row = [t for t in self.tokens if t.row == tok.row + 1]
        texts = [t for t in nxt_row if self.vocab.label(t.text) is None]
        if texts and len(texts) < len(goals) and len(nxt_row) == len(texts) and \
                all(m.key == "completion" for m, _ in goals[len(texts):]):
            # a copy that keeps no empty cell, under 年度目标 | 年度总体目标完成情况 of a
            # form filled before the year (南岳): the 完成情况 cells are the empty ones
            goals = goals[:len(texts)]
        if len(texts) != len(goals):
            return 0
        for (m, _), t in zip(goals, texts, strict=True):
            p.fields.setdefault(m.key, t.text.strip())
            p.spans.setdefault(m.key, t.cell.span(self.grid.file))
        return self.tokens.index(nxt_row[-1]) + 1

    def _goal_run(self, p: _Project, i: int) -> int:
        """In a stream: goal labels one after another (中期目标 年度目标), then their texts."""
        goals: list[str] = []
        k = i
        while k < len(self.tokens):
            m = self.vocab.label(self.tokens[k].text)
            if m is None or m.value:
                break
            if m.kind == "field" and m.key in ("goal", "goal_long", "completion"):
                goals.append(m.key)
            elif m.kind != "group":
                return 0
            k += 1
        goals = [m.key for m, _ in _goal_slots([(Match("field", g, g, None), None)
                                                 for g in goals])]
        if len(goals) < 2:
            return 0
        texts: list[_Token] = []
        while k < len(self.tokens) and len(texts) < len(goals):
            t = self.tokens[k]
            if self.vocab.label(t.text) is not None:
                return 0
            if t.text.strip():
                texts.append(t)
            k += 1
        for key, t in zip(goals, texts, strict=False):
            p.fields.setdefault(key, t.text.strip())
            p.spans.setdefault(key, t.cell.span(self.grid.file))
        return k

    # --- labels the vocabulary does not know --------------------------------------------------

    def _heading_like(self, text: str) -> bool:
        """A cell of a heading row that reads as a heading: short words, no figure, no
        level label, no empty slot."""
        clean = "".join(text.split())
        return 0 < len(clean) <= 16 and amount(clean.rstrip("%")) is None and \
            self._level_label(text) is None and not _PLACEHOLDER.match(clean) and \
            not re.search(r"\d", clean)

    def _name_unknown_headings(self, roles: list[tuple[str, Cell]]) -> None:
        for role, cell in roles:
            if role == "unknown" and id(cell) not in self._named:
                self._named.add(id(cell))
                self.warn("unknown-label", say("forms.unknown-heading", label=cell.clean), cell)

    def _name_unknown_field(self, i: int, in_header: bool = False) -> None:
        """A cell that reads as a field label (…名称, …部门, …资金 at the head of a row, a
        value beside it) but that the vocabulary does not know: named, since its value
        is not read. In a form's header block (after its 项目名称, before its indicator
        table) any short label at the head of a row with a value beside it is one, whatever
        its ending (a grid with cells of its own: a layout text's pieces are not)."""
        tok = self.tokens[i]
        if self.grid.rowless or id(tok.cell) in self._named:
            return
        row = self._row_tokens(i)
        if row[0] != i and not self.grid.positioned:
            return
        if self.grid.positioned and any(self.tokens[k].row == tok.row and
                                        self.tokens[k].cell.col < tok.cell.col and
                                        self.tokens[k].text.strip() and
                                        not self.tokens[k].carried
                                        for k in range(max(0, i - 8), i)):
            return  # not the first cell of its row
        if i + 1 >= len(self.tokens) or self.tokens[i + 1].row != tok.row:
            return
        key = normal(tok.text)
        value = self.tokens[i + 1].text.strip()
        header_label = in_header and "columns" not in self.grid.notes and \
            _LABEL_WORDS.match(key) is not None and self._level_label(tok.text) is None
        if not (0 < len(key) <= 12) or key in self.vocab.ignored or not value or \
                self.vocab.label(value) is not None or re.search(r"\d", key) or \
                not (key.endswith(self.vocab.field_suffixes) or header_label):
            return
        self._named.add(id(tok.cell))
        self.warn("unknown-label", say("forms.unknown-field", label=tok.cell.clean,
                                       value=value[:20]), tok.cell)

    # --- headers ---------------------------------------------------------------------------

    def _row_tokens(self, i: int) -> list[int]:
        if self.grid.rowless:
            return list(range(i, len(self.tokens)))
        return [k for k in self._rows[self.tokens[i].row] if k >= i]

    def _row_rest(self, i: int) -> list[_Token]:
        """Token i and those after it in its row (by the row index: no scan of the rest)."""
        return [self.tokens[k] for k in self._row_tokens(i)]

    def _role(self, text: str) -> tuple[str | None, bool]:
        """The role of a header cell and whether it is the long-term period's column."""
        key = normal(text)
        long = False
        m = _PERIOD.search(key)
        if m:
            long = m.group(1) in ("长期", "中期", "实施期")
            key = key[: m.start()]
        role = self.vocab.header_role(key)
        if role in ("value", "name", "level2") and long:
            role = {"value": "value_long", "name": "name_long", "level2": "level2_long"}[role]
        return role, long

    def _header_at(self, i: int) -> tuple[list[tuple[str, Cell]], int, bool] | None:
        """At token i, the headings of an indicator table: their roles in order, where the
        table's rows start, and whether project columns stand beside them (a list)."""
        role, _ = self._role(self.tokens[i].text)
        if role != "category" and role != "level2":
            return None
        if "columns" in self.grid.notes and not self.tokens[i].carried:
            stacked = self._layout_header(i)
            if stacked is not None:
                return stacked
        if self.grid.positioned and not self.tokens[i].carried:
            listed = self._list_header(i)
            if listed is not None:
                return listed
        roles: list[tuple[str, Cell]] = []
        fields_seen: list[tuple[str, Cell]] = []
        k = i
        # project columns before 一级 in a list layout
        back = i - 1
        while back >= 0 and self.tokens[back].row == self.tokens[i].row and \
                not self.grid.rowless:
            m = self.vocab.label(self.tokens[back].text)
            if m is None or m.kind not in ("field", "money") or \
                    split_points(self.tokens[back].text.strip())[1] is not None:
                # (a label with points, 年度绩效目标(90分), heads the block: no project's
                # column)
                break
            fields_seen.insert(0, (f"project:{m.key}", self.tokens[back].cell))
            back -= 1
        if fields_seen and not any(k == "project:name" for k, _ in fields_seen):
            # a list names its projects; a label alone before 一级指标 with no name column
            # beside it (龙岩: 绩效目标 | 一级指标 | …) is the block's, not a column
            fields_seen = []
        row = self.tokens[i].row
        while k < len(self.tokens):
            tok = self.tokens[k]
            if not (self.grid.rowless or tok.row == row):
                # a copy that put each heading on a line of its own: the next row goes on
                # the header when it is headings only
                nxt = self._row_rest(k)
                if self.grid.positioned or not all(
                        self._role(t.text)[0] is not None for t in nxt if t.text.strip()):
                    break
                if any(self._role(t.text)[0] in ("category",) for t in nxt) or \
                        not any(t.text.strip() for t in nxt):
                    break
                joined = self._wrapped_headings(roles, nxt)
                if joined is not None:  # the unknown headings' ends, wrapped to this line
                    roles = joined
                    k += len(nxt)
                    break
                row = tok.row
            r, _ = self._role(tok.text)
            if r is None and roles and not self.grid.rowless and tok.row == row and \
                    self._heading_like(tok.text):
                # a heading the vocabulary does not know: its column is kept apart (its
                # cells are not read into another's) and named when the table is read
                roles.append(("unknown", tok.cell))
                k += 1
                continue
            if r is None:
                if self.grid.rowless or roles:  # the headings end at the first non-heading
                    break
                k += 1
                continue
            if r != "group":
                roles.append((r, tok.cell))
            k += 1
        roles = _two_periods(self._flattened_first_row(i, roles))
        names = [r for r, _ in roles]
        if "name" not in names and "name_long" not in names:
            return None
        if not any(r in names for r in ("value", "value_long", "actual", "nature", "score")):
            return None
        # a second heading row refining one column (2021年实际实现值 | 预期2022年实现值)
        if not self.grid.rowless and k < len(self.tokens):
            sub_row = self._row_rest(k)
            sub = [self._role(t.text)[0] for t in sub_row]
            if sub and all(s is not None for s in sub) and "category" not in sub:
                at = next((n for n, r in enumerate(names) if r == "value"), None)
                if at is not None and not self.grid.positioned:
                    refined = [(s, t.cell) for s, t in zip(sub, sub_row, strict=True)]
                    if "value" not in sub:
                        refined[-1] = ("value", refined[-1][1])
                    roles[at:at + 1] = refined
                elif self.grid.positioned:
                    for s, t in zip(sub, sub_row, strict=True):
                        roles = [(r, c) for r, c in roles if not (
                            c.col <= t.cell.col < c.col + c.colspan and c.colspan > 1)]
                        roles.append((s, t.cell))
                    roles.sort(key=lambda rc: rc[1].col)
                k += len(sub_row)
        return [*fields_seen, *roles], k, bool(fields_seen)

    def _wrapped_headings(self, roles: list[tuple[str, Cell]],
                          nxt: list[_Token]) -> list[tuple[str, Cell]] | None:
        """A spaced copy whose headings wrapped in their cells (绩效 / 目标值, 实际 / 完成值):
        the next line holds the ends of some headings, in their order, one each; joined,
        each is a heading of the vocabulary, else the line is not their ends."""
        if "spaced" not in self.grid.notes:
            return None
        ends = [t.text.strip() for t in nxt if t.text.strip()]
        joined = list(roles)
        at = 0
        for n, (role, cell) in enumerate(roles):
            if at == len(ends):
                break
            if role in ("category", "level2", "name"):
                continue
            text = cell.text.strip() + ends[at]
            whole, _ = self._role(text)
            if whole not in (None, "unknown", "group", "category") and \
                    self.vocab.label(text) is not None:
                joined[n] = (whole, cell)
                at += 1
        if at != len(ends) or any(r == "unknown" for r, _ in joined):
            return None
        return joined

    def _flattened_first_row(self, i: int,
                             roles: list[tuple[str, Cell]]) -> list[tuple[str, Cell]]:
        """A two-row heading that a web page's copy ran into one row, the upper row first
        (年度指标值 | 实际完成值 | 分值 | 得分 | 偏差原因 | 一级指标 | 二级指标 | 三级指标 |
        指标性质 | 指标值 | 度量单位, 永德): the columns are the lower row's — the levels and
        the parts of the grouped heading — then the upper row's other headings."""
        if self.grid.positioned or self.grid.rowless:
            return roles
        row = self.tokens[i].row
        upper: list[tuple[str, Cell]] = []
        back = i - 1
        while back >= 0 and self.tokens[back].row == row:
            r, _ = self._role(self.tokens[back].text)
            if r is None or r == "group" or r in ("category", "level2", "name"):
                break
            upper.insert(0, (r, self.tokens[back].cell))
            back -= 1
        parts = {r for r, _ in roles} & {"nature", "measure"}
        if len(upper) < 2 or not parts or "value" not in [r for r, _ in upper]:
            return roles
        # the grouped heading (年度指标值) is refined by the parts under it
        rest = [(r, c) for r, c in upper if r != "value"]
        if {r for r, _ in rest} & {r for r, _ in roles}:
            return roles  # a heading twice: no such pair of rows
        return [*roles, *rest]

    def _layout_header(self, i: int) -> tuple[list[tuple[str, Cell]], int, bool] | None:
        """pdftotext -layout: headings wrapped in their cells stand on two to five lines
        (一级指 / 标 beside 二级指标 on the line between): the lines next to token i's that
        hold headings only make one heading row; a piece under or over a heading (及 /
        改进措施 under 偏差原因分析) is part of it."""
        by_row: dict[int, list[int]] = {}
        for k, t in enumerate(self.tokens):
            if not t.carried:
                by_row.setdefault(t.cell.row, []).append(k)
        row0 = self.tokens[i].cell.row

        def kind(k: int) -> str | None:
            t = self.tokens[k]
            m = self.vocab.label(t.text)
            if m is not None and m.kind in ("field", "money") and not m.value:
                return f"project:{m.key}"
            r, _ = self._role(t.text)
            if r is not None:
                return r
            return "unknown" if self._heading_like(t.text) else None

        def headings(row: int) -> bool:
            ks = by_row.get(row, [])
            # a line of short pieces only (改进措施 under 偏差原因分析 / 及) goes on too
            return bool(ks) and all(kind(k) is not None for k in ks) and (
                any(kind(k) not in ("unknown", "group") for k in ks) or
                all(len(self.tokens[k].cell.clean) <= 4 for k in ks))

        if not headings(row0):
            return None
        rows = [row0]
        for step in (-1, 1):
            r = row0 + step
            while abs(r - row0) <= 3 and headings(r):
                rows.append(r)
                r += step
        if len(rows) == 1:
            return None
        ks = sorted(k for r in rows for k in by_row[r])
        known = [(kind(k), self.tokens[k].cell) for k in ks if kind(k) not in ("unknown", "group")]
        roles = list(known)
        for k in ks:
            cell = self.tokens[k].cell
            if kind(k) == "unknown" and not any(
                    abs(c.col - cell.col) <= 3 or c.col <= cell.col < c.col + c.colspan
                    for _, c in known):
                roles.append(("unknown", cell))
        roles.sort(key=lambda rc: rc[1].col)
        names = [r for r, _ in roles]
        if "name" not in names or not any(r in names for r in ("value", "actual", "nature",
                                                                 "score", "value_long")):
            return None
        end = max(ks) + 1
        return roles, end, any(r.startswith("project:") for r in names)

    def _list_header(self, i: int) -> tuple[list[tuple[str, Cell]], int, bool] | None:
        """In a grid, a heading row that also names project columns (项目名称 | 项目总额 |
        绩效目标 | 一级指标 …), with a second row under grouped headings (其中: 财政资金 |
        其他资金): every heading with its cell, so rows are read by position."""
        row = self.tokens[i].row
        heads = [t for t in self.tokens if t.row == row and not t.carried]
        nxt = [t for t in self.tokens if t.row == row + 1 and not t.carried]
        roles: list[tuple[str, Cell]] = []

        def role_of(t: _Token) -> str | None:
            m = self.vocab.label(t.text)
            if m is not None and m.kind in ("field", "money") and not m.value:
                return f"project:{m.key}"
            r, _ = self._role(t.text)
            return r if r not in (None, "group") else None

        for t in heads:
            r = role_of(t)
            if r is not None:
                roles.append((r, t.cell))
            elif self._heading_like(t.text) and roles:
                roles.append(("unknown", t.cell))
        if not any(r.startswith("project:") for r, _ in roles):
            return None
        end_row = row
        if nxt and all(role_of(t) is not None for t in nxt):
            for t in nxt:  # sub-headings take the place of the heading above them
                roles = [(r, c) for r, c in roles if not (
                    c.colspan > 1 and c.col <= t.cell.col < c.col + c.colspan)]
                roles.append((role_of(t), t.cell))  # type: ignore[arg-type]
            end_row = row + 1
        roles.sort(key=lambda rc: rc[1].col)
        k = next((n for n in range(i, len(self.tokens)) if self.tokens[n].row > end_row),
                 len(self.tokens))
        return roles, k, True

    def _budget_header_at(self, i: int) -> tuple[list[str], int] | None:
        """The headings of a 自评表's budget block (年初预算数 | 全年预算数 | 全年执行数 …)."""
        first = normal(self.tokens[i].text)
        if first not in self.vocab.budget:
            return None
        if "columns" in self.grid.notes and not self.tokens[i].carried:
            stacked = self._layout_budget_header(i)
            if stacked is not None:
                return stacked
        cols: list[str] = []
        k = i
        while k < len(self.tokens) and (self.grid.rowless or
                                        self.tokens[k].row == self.tokens[i].row):
            key = normal(self.tokens[k].text)
            if key not in self.vocab.budget:
                break
            cols.append(self.vocab.budget[key])
            k += 1
        if len(cols) < 2 or not {"planned", "adjusted", "executed"} & set(cols):
            return None
        # a heading of no figure (原因) may close the row
        skip = k
        while skip < min(k + 3, len(self.tokens)):
            m = self.vocab.label(self.tokens[skip].text)
            if m is not None and m.kind == "money":
                return cols, skip
            skip += 1
        return cols, k

    def _layout_budget_header(self, i: int) -> tuple[list[str], int] | None:
        """pdftotext -layout: a budget block's headings wrapped over two or three lines
        (年初部门预算安排金额 / （含历年结余结转）① under it, 分值 and 得分 beside): the lines
        next to token i's that hold budget headings, or pieces under or over them, make
        one heading row, read left to right."""
        by_row: dict[int, list[int]] = {}
        for k, t in enumerate(self.tokens):
            if not t.carried:
                by_row.setdefault(t.cell.row, []).append(k)
        row0 = self.tokens[i].cell.row

        def budget(k: int) -> bool:
            return normal(self.tokens[k].text) in self.vocab.budget

        heads: list[int] = []
        rows: list[int] = []
        for r in range(row0 - 2, row0 + 3):
            ks = by_row.get(r, [])
            if ks and any(budget(k) for k in ks) and all(
                    budget(k) or amount(self.tokens[k].text) is None for k in ks):
                heads += [k for k in ks if budget(k)]
                rows.append(r)
        if len(rows) < 2 or row0 not in rows or i != min(heads):
            return None
        heads.sort(key=lambda k: self.tokens[k].cell.col)
        cols = [self.vocab.budget[normal(self.tokens[k].text)] for k in heads]
        if len(cols) < 3 or not {"planned", "adjusted", "executed"} & set(cols):
            return None
        # the pieces under the headings (（含历年结余结转）①) end the heading rows
        starts = [self.tokens[k].cell.col for k in heads]
        for r in (max(rows) + 1, max(rows) + 2):
            ks = by_row.get(r, [])
            if not ks or any(amount(self.tokens[k].text) is not None or
                             min(abs(self.tokens[k].cell.col - x) for x in starts) > 3
                             for k in ks):
                break
            rows.append(r)
        last = max(rows)
        nxt = next((n for n, t in enumerate(self.tokens) if t.cell.row > last), len(self.tokens))
        return cols, nxt

    def _budget_block(self, p: _Project, cols: list[str], i: int) -> int:
        """Rows of the budget block: a money line's label, then one figure per heading
        (a label the vocabulary does not know is kept as a funding line when figures
        follow it)."""
        while i < len(self.tokens):
            while i < len(self.tokens) and self.tokens[i].carried:
                i += 1
            if i >= len(self.tokens):
                break
            head = self.tokens[i]
            if head.text.strip() and not normal(head.text):
                # a heading's formula on a line of its own (③=①+②) or a row's number (①):
                # no label, no figure
                i += 1
                continue
            if "spaced" in self.grid.notes and i + 1 < len(self.tokens) and \
                    self.tokens[i + 1].row == head.row and \
                    normal(head.text + self.tokens[i + 1].text) in ("合计", "总计"):
                i += 1  # a spaced copy's 合 计: the label is the two pieces
                head = _Token(self.tokens[i].cell, head.row, "合计")
            m = self.vocab.label(head.text)
            if m is None and normal(head.text) in ("合计", "总计"):  # the block's total line
                m = Match("money", "total", head.text, None)
            known = m is not None and m.kind == "money"
            if not known and "columns" in self.grid.notes and i + 1 < len(self.tokens) and \
                    self.tokens[i + 1].row == head.row:
                after = self.tokens[i + 1]
                own = self.vocab.label(after.text)
                if normal(after.text) in ("合计", "总计") or (own is not None and
                                                          own.kind == "money"):
                    i += 1  # a piece of the block's side label (财政资 / 金安排 …)
                    continue
            if not known and (m is not None or not head.text.strip() or
                              amount(head.text) is not None):
                break
            figures: list[Decimal | None] = []
            k = i + 1
            row = head.row
            if known and not self.grid.rowless and not self.grid.positioned and \
                    k < len(self.tokens) and self.tokens[k].row != row and \
                    amount(self.tokens[k].text.strip().rstrip("%")) is not None:
                # a web page's copy cut the row after its label (永德: 年度资金总额 ends
                # the headings' line, its figures begin the next)
                row = self.tokens[k].row
            rate_at = None
            while k < len(self.tokens) and len(figures) < len(cols):
                t = self.tokens[k]
                if not self.grid.rowless and t.row != row:
                    break
                if self.vocab.label(t.text) is not None:
                    break
                if t.text.strip().endswith("%") and rate_at is None:
                    rate_at = len(figures)
                text = t.text.strip().rstrip("%")
                figures.append(amount(text) if text and text not in ("--", "—", "/") else None)
                k += 1
            figure_cells = [t.cell for t in self.tokens[i + 1:k]]
            if not known and not any(f is not None for f in figures):
                break  # not a money line: the block has ended
            # the reason cell that may follow the figures is no figure
            while k < len(self.tokens) and self.vocab.label(self.tokens[k].text) is None and \
                    amount(self.tokens[k].text.rstrip("%")) is None and k - i <= len(cols) + 2 \
                    and (self.grid.rowless or self.tokens[k].row == head.row):
                k += 1
            by_col = dict(zip(cols, figures, strict=False))
            if "spaced" in self.grid.notes and cols[-1] == "score" and \
                    4 <= len(figures) < len(cols):
                # a copy that drops empty cells: the last figure is the 得分 (a cell
                # before it was empty, most often the 执行率)
                by_col = dict(zip(cols[:len(figures) - 1], figures[:-1], strict=False))
                by_col["score"] = figures[-1]
                at_col = dict(zip(cols[:len(figures) - 1], figure_cells[:-1], strict=False))
                at_col["score"] = figure_cells[-1]
            elif "rate" in cols and rate_at is not None and len(figures) < len(cols) and \
                    rate_at <= cols.index("rate") and \
                    len(figures) - rate_at <= len(cols) - cols.index("rate"):
                # figures short of the headings, the 执行率 known by its '%': those before
                # it stand in the columns right before it, those after in the ones after
                at = cols.index("rate")
                keys = cols[at - rate_at:at] + cols[at:at + len(figures) - rate_at]
                by_col = dict(zip(keys, figures, strict=True))
                at_col = dict(zip(keys, figure_cells, strict=True))
            else:
                at_col = dict(zip(cols, figure_cells, strict=False))
            label = (m.label if m else head.text).strip().rstrip(":：")
            chosen = "adjusted" if by_col.get("adjusted") is not None else "planned"
            value = by_col.get(chosen)
            p.funding.append(Funding(label, value))
            if m is not None and (m.key not in p.money or p.money[m.key][0] is None):
                p.money[m.key] = (value, True)
                if value is not None and chosen in at_col:
                    p.spans[m.key] = at_col[chosen].span(self.grid.file)
            if m is not None and m.key == "total":
                for key in ("planned", "adjusted", "executed", "score"):
                    if key in by_col:
                        p.budget[key] = by_col[key]
                        p.spans[f"budget_{key}"] = at_col[key].span(self.grid.file)
            i = k
        return i

    # --- indicator tables -----------------------------------------------------------------

    def _is_stop(self, text: str) -> bool:
        key = normal(text)
        if _FOOTNOTE.match(text.strip()):
            return True
        if _TITLE.search(key) or _YEAR_LINE.match(key):  # the next form's title
            return True
        chrome = self.vocab.chrome_pattern
        return key in self.vocab.stops or key.startswith(self.vocab.long_stops) or \
            (chrome is not None and chrome.search(text) is not None)

    def _level_label(self, text: str) -> tuple[str, str, str | None, bool] | None:
        """(kind, family, points, ambiguous) of a category or second-level label."""
        return self.vocab.level(text)

    def _indicator_table(self, p: _Project, roles: list[tuple[str, Cell]], i: int) -> int:
        """Rows under the headings until the table ends; returns the next token."""
        state = _Levels()
        value_roles = [r for r, _ in roles if r not in ("category", "level2", "level2_long")]
        while i < len(self.tokens):
            tok = self.tokens[i]
            if self._is_stop(tok.text):
                break
            header = self._header_at(i)
            if header is not None:
                again = self._repeated_heading(roles, header, i)
                if again is None:
                    break
                i = again  # the labels in force go on under it
                continue
            m = self.vocab.label(tok.text)
            if m is not None and m.kind in ("field", "money") and self._level_label(
                    tok.text) is None:
                break
            i = self._indicator_row(p, roles, value_roles, state, i)
        return i

    def _repeated_heading(self, roles: list[tuple[str, Cell]],
                          header: tuple[list[tuple[str, Cell]], int, bool], i: int) -> int | None:
        """The table's heading row printed again inside it (顶端标题行 on every printed
        page, a copy's heading after each page break): the same roles as the table's, in
        the same columns, and no figure among its cells. It is no indicator and no new
        table: where the rows go on, or None when it heads a table of its own. A merged
        label the page cut goes on under it; a row that differs in its words is said."""
        again, end, listed = header
        if listed or self.tokens[i].cell.row in self.grid.breaks or \
                [r for r, _ in again] != [r for r, _ in roles]:
            return None
        if self.grid.positioned and [c.col for _, c in again] != [c.col for _, c in roles]:
            return None
        if any(amount(t.text.strip().rstrip("%")) is not None for t in self.tokens[i:end]
               if t.text.strip()):
            return None  # a row that carries figures is never dropped
        words = ["".join(c.clean.split()) for _, c in again]
        if words != ["".join(c.clean.split()) for _, c in roles]:
            self.warnings.append(ReadWarning(
                "repeated-heading", say("forms.repeated-heading", heading=" | ".join(
                    c.clean for _, c in again)), self.tokens[i].cell.span(self.grid.file),
                Severity.INFO))
        return end

    def _indicator_row(self, p: _Project, roles: list[tuple[str, Cell]],
                       value_roles: list[str], state: _Levels, i: int) -> int:
        """One indicator row from token i (in a stream: labels, then one cell per role)."""
        if self.grid.rowless:  # a row starts with its label or its name, never empty
            while i < len(self.tokens) - 1 and not self.tokens[i].text.strip():
                i += 1
            if self._is_stop(self.tokens[i].text) or self._header_at(i) is not None:
                return i  # the table ends here: the caller sees the stop
        start = self.tokens[i]
        cells: list[_Token] = []
        k = i
        row_done = False
        while k < len(self.tokens) and not row_done:
            t = self.tokens[k]
            if not self.grid.rowless and t.row != start.row:
                break
            if k > i and (self._is_stop(t.text) or self._header_at(k) is not None):
                break
            if normal(t.text) in self.vocab.groups:
                k += 1
                continue
            level = self._level_label(t.text)
            values_so_far = sum(1 for c in cells if self._level_label(c.text) is None)
            if level is not None and self.grid.rowless and values_so_far >= 1 and \
                    values_so_far >= self._needed(value_roles):
                break
            cells.append(t)
            k += 1
            if self.grid.rowless:
                values = sum(1 for c in cells if self._level_label(c.text) is None)
                if values >= self._needed(value_roles):
                    row_done = True
        if not self.grid.rowless and not self.grid.positioned:
            k = self._cut_row_rest(cells, value_roles, k)
        self._store_row(p, roles, value_roles, state, cells)
        return max(k, i + 1)

    def _cut_label(self, text: str) -> bool:
        """The copy's last words are a level label cut short (奉节: 数量指), no name."""
        key = normal(text)
        return len(key) >= 2 and any(w.startswith(key) and w != key for w in
                                     (*self.vocab.categories, *self.vocab.level2))

    def _cut_row_rest(self, cells: list[_Token], value_roles: list[str], k: int) -> int:
        """A web page's copy cut a row where a cell spans rows (永德: `经济效益 指标 |
        减轻…负担` / `有效` / `有效 | 10 | 10`): a row of its name alone takes the lines
        after it that hold no label, when with them it ends in its 分值 and 得分 (or
        fills every column); otherwise it stays as it is."""
        values = [c for c in cells if self._level_label(c.text) is None and c.text.strip()]
        if len(values) != 1 or not {"weight", "score"} <= set(value_roles):
            return k
        texts = [values[0].text.strip()]
        taken: list[_Token] = []
        at = k
        for _ in range(2):  # the cut pieces of one row, at most two lines more
            if at >= len(self.tokens):
                break
            row = self._row_rest(at)
            if any(self._level_label(t.text) is not None or self._is_stop(t.text) or
                   self.vocab.label(t.text) is not None for t in row):
                break
            lead = row[0].cell.clean
            if len(lead) > CUT_PIECE_CHARS and amount(lead.rstrip("%")) is None and \
                    not _COMPARATOR.match(lead):
                break  # a line that begins with a name is the next indicator's row
            taken += row
            texts += [t.text.strip() for t in row if t.text.strip()]
            at += len(row)
            if _scored_tail(value_roles[1:], texts[1:]) or \
                    len(texts) == len(value_roles):
                cells += taken
                return at
        return k

    def _needed(self, value_roles: list[str]) -> int:
        """How many cells make a row of a stream. A spaced copy keeps no empty cell, and
        the text columns that close a row (偏差原因, 备注) are most often empty: its rows
        end with their last figure column."""
        if "spaced" not in self.grid.notes:
            return len(value_roles)
        n = len(value_roles)
        while n > 1 and value_roles[n - 1] in ("reason", "standard"):
            n -= 1
        return n

    def _store_row(self, p: _Project, roles: list[tuple[str, Cell]], value_roles: list[str],
                   state: _Levels, cells: list[_Token]) -> None:
        values: list[_Token] = []
        by_role: dict[str, str] = {}
        if self.grid.positioned:
            state.in_row = False
            for t in sorted(cells, key=lambda t: _role_under(roles, t.cell) != "category"):
                role = _role_under(roles, t.cell)
                if role is None:
                    continue
                if role in ("category", "level2", "level2_long"):
                    self._apply_level(state, t, role)
                else:
                    by_role.setdefault(role, t.text.strip())
                    values.append(t)
        else:
            while cells and not cells[0].text.strip():  # empty cells before the row's labels
                cells = cells[1:]
            named = self._label_named(cells, value_roles)
            for t in cells:
                level = self._level_label(t.text)
                if level is not None and t is not named:
                    self._apply_level(state, t, None)
                    continue
                values.append(t)
            texts = [t.text.strip() for t in values]
            while len(texts) > len(value_roles) and texts and not texts[-1]:
                texts.pop()
            if len(texts) == len(value_roles):
                by_role = dict(zip(value_roles, texts, strict=True))
            elif len(texts) < len(value_roles) and texts:
                # merged or missing cells: the name first, a lone figure is the target
                rest = value_roles.copy()
                by_role["name" if "name" in rest else rest[0]] = texts[0]
                rest.remove("name" if "name" in rest else rest[0])
                scored = _scored_tail(rest, texts[1:])
                if scored:
                    by_role.update(scored)
                elif len(texts) == 2 and "value" in rest:
                    by_role["value"] = texts[1]
                else:
                    queue = texts[1:]
                    for role in rest:
                        if not queue:
                            break
                        if role == "measure" and not _unit_like(queue[0]):
                            continue  # (岳阳楼区: 按月安排 | 该指标主要考察…: no unit cell)
                        by_role[role] = queue.pop(0)
            elif texts:
                extra = len(texts) - len(value_roles)
                self.warn("unknown-cells", say(
                    "forms.unknown-cells", extra=extra,
                    cells=say("forms.cell-separator").join(texts[:extra])), values[0].cell)
                by_role = dict(zip(value_roles, texts[extra:], strict=True))
        self._indicator(p, state, by_role, cells)

    def _label_named(self, cells: list[_Token], value_roles: list[str]) -> _Token | None:
        """A row whose first cell after its labels is a 指标性质 (定量 / 定性) where the
        name goes: its last label is the name (岳阳楼区: 成本指标 | 社会成本指标 | 定量 | 100),
        since a name is never 定量."""
        if "name" not in value_roles or "nature" not in value_roles or \
                value_roles.index("nature") != value_roles.index("name") + 1:
            return None
        labels = 0
        while labels < len(cells) and self._level_label(cells[labels].text) is not None:
            labels += 1
        if 0 < labels < len(cells) and cells[labels].text.strip() in ("定量", "定性"):
            return cells[labels - 1]
        return None

    def _apply_level(self, state: _Levels, t: _Token, role: str | None) -> None:
        level = self._level_label(t.text)
        written, points = split_points(t.text.strip())
        written = "".join(written.split())
        if level is None:
            if not written:
                return
            # a heading the vocabulary does not know: kept as written, said once
            self.warn("unknown-label", say("forms.unknown-level", level=written), t.cell)
            if role == "category":
                state.set_category(written, None, points)
            else:
                state.level2 = written
            return
        kind, family, _, _ = level
        if role == "category" or kind == "category":
            state.set_category(written, family, points)
            state.in_row = role == "category"
        elif role in ("level2", "level2_long") or kind == "level2":
            if role != "level2_long":
                state.set_level2(written, family)
        else:  # both: a category when a second level follows, else a second level
            state.set_ambiguous(written, family, points)

    def _indicator(self, p: _Project, state: _Levels, by_role: dict[str, str],
                   cells: list[_Token]) -> None:
        name = by_role.get("name") or by_role.get("name_long") or ""
        name = name.strip()
        if not name or _PLACEHOLDER.match("".join(name.split())):
            return  # an empty slot says nothing of the label read before it
        alone = not any(v.strip() for r, v in by_role.items() if r != "name")
        if alone and (_AMOUNT.match("".join(name.split())) or name in state.other_texts):
            # a lone figure where the name goes (霍邱: 生态效益指标 … 0, the empty slot's
            # 得分), or a text the rows above hold in another column (岳阳楼区: 经济效益指标
            # | 未达指标值酌情扣分, the template's 评分标准): an unfilled slot, said
            self.warn("slot-without-name", say("forms.slot-without-name", level=state.level2
                                               or state.category or "", text=name),
                      cells[-1].cell)
            return
        if cells and cells[-1] is self.tokens[-1] and not self.grid.positioned and alone and \
                (self.grid.rowless or self._cut_label(name)):
            # a stream's last cell, a name with nothing after it: the copy is cut, and
            # where a cell of a stream ends is not known (公众满…): not read
            self.warn("cut-row", say("forms.cut-text", name=name), cells[-1].cell)
            return
        state.settle()
        if state.overruled is not None:
            self.warn("category-from-level2", say(
                "forms.category-from-level2", name=name, second=state.level2 or "",
                category=state.category or "", written=state.overruled), cells[0].cell)
            state.overruled = None
        target = _join_target(by_role.get("nature"), by_role.get("value"),
                              by_role.get("measure"))
        form = FormFields(
            category_points=state.points,
            level2=state.level2,
            target_long=_none(by_role.get("value_long")),
            weight=_decimal(by_role.get("weight")),
            direction=_none(by_role.get("direction")),
            standard=_none(by_role.get("standard")),
            actual=_none(by_role.get("actual")),
            score=_decimal(by_role.get("score")),
            reason=_none(by_role.get("reason")),
        )
        span = cells_span(self.grid.file, [t.cell for t in cells])
        indicator = Indicator(len(p.indicators) + 1, state.category, name, target or "",
                              " | ".join(t.text.strip() for t in cells), span, form)
        state.remember(indicator)
        state.other_texts.update(v.strip() for r, v in by_role.items()
                                 if r not in ("name", "name_long") and v and v.strip())
        p.indicators.append(indicator)

    def _list_grid(self, roles: list[tuple[str, Cell]], i: int) -> int:
        """A list of projects in a grid: each row's cells by the heading above them; a
        project starts where its name cell starts (a merged name covers its indicator
        rows); a row with a name and money but no indicator is a unit (or the 合计)."""
        # what the walk began between two pages of the list (a page's title lines) is none
        while self.projects and "name" not in self.projects[-1].fields and \
                not self.projects[-1].indicators:
            self.projects.pop()
        previous = self.projects[-1] if self.projects else None
        current: _Project | None = None
        state = _Levels()
        unit: str | None = previous.fields.get("unit") if previous is not None else None
        first_row = True
        while i < len(self.tokens):
            tok = self.tokens[i]
            if self._header_at(i) is not None or (not tok.carried and self._is_stop(tok.text)
                                                  and normal(tok.text) not in GRAND_TOTAL_NAMES):
                break
            row = self._row_rest(i)
            fields: dict[str, _Token] = {}
            cells: list[_Token] = []
            for t in row:
                role = _role_under(roles, t.cell)
                if role is None:
                    continue
                if role.startswith("project:"):
                    if not t.carried:
                        fields[role.removeprefix("project:")] = t
                else:
                    cells.append(t)
            i += len(row)
            name = fields.get("name")
            label = next((t for t in fields.values() if normal(t.text) in GRAND_TOTAL_NAMES),
                         None)
            if label is not None and not any(t.text.strip() for t in cells):
                if (total := fields.get("total")) is not None:  # the list's 合计 line
                    self.doc_fields.setdefault("department_total", total.text)
                continue
            goal = fields["goal"].text if "goal" in fields else ""
            if name is not None and row_kind(normal(name.text), goal, any(
                    t.text.strip() for t in cells)) != "project":
                total = fields.get("total")
                if normal(name.text) in GRAND_TOTAL_NAMES:
                    if total is not None:
                        self.doc_fields.setdefault("department_total", total.text)
                else:  # a unit's own line: the projects under it are its
                    unit = name.text.strip()
                    if current is None:  # the first, above every project: the department's
                        self.doc_fields.setdefault("department", unit)
                continue
            if name is not None and name.text.strip():
                same = previous is not None and first_row and \
                    previous.fields.get("name") == name.text.strip()
                if same:  # the project goes on from the page before
                    current = previous
                else:
                    current = self._new_project()
                    state = _Levels()
                    current.first = name.cell
                    for key, t in fields.items():
                        if key in ("total", "fiscal", "special_account", "other"):
                            current.money[key] = (amount(t.text), False)
                        else:
                            current.fields[key] = t.text.strip()
                        current.spans[key] = t.cell.span(self.grid.file)
                    if unit is not None and "unit" not in current.fields:
                        current.fields["unit"] = unit
                    previous = current
            first_row = False
            if current is not None and cells:
                self._store_row(current, [(r, c) for r, c in roles
                                          if not r.startswith("project:")], [], state, cells)
        return i

    def _list_table(self, roles: list[tuple[str, Cell]], i: int) -> int:
        """A list of projects (单位名称 | 项目名称 | 预算数 | 年度目标 | 一级 …): a project starts
        on the row that has its name; the other rows carry indicators only."""
        project_roles = [r.removeprefix("project:") for r, _ in roles
                         if r.startswith("project:")]
        ind_roles = roles[len(project_roles):]
        state = _Levels()
        if self.projects and not self.projects[-1].fields and not self.projects[-1].indicators:
            self.projects.pop()
        current: _Project | None = None
        while i < len(self.tokens):
            if self._is_stop(self.tokens[i].text):
                break
            row = self._row_tokens(i)
            cells = [self.tokens[k] for k in row]
            texts = [t.text.strip() for t in cells]
            n_ind = len(ind_roles)
            if len(cells) >= n_ind:
                head, body = cells[: len(cells) - n_ind], cells[len(cells) - n_ind:]
                if len(head) > len(project_roles):  # more than the columns: keep the right
                    head = head[len(head) - len(project_roles):]
                head_roles = project_roles[len(project_roles) - len(head):]
                if "name" in head_roles and head:
                    previous = current
                    current = self._new_project()
                    state = _Levels()
                    if previous is not None:  # a merged 单位名称 covers the next projects
                        for role in ("unit", "department"):
                            if role in previous.fields and role not in head_roles:
                                current.fields[role] = previous.fields[role]
                    for role, t in zip(head_roles, head, strict=True):
                        if role in ("total", "fiscal", "special_account", "other"):
                            current.money[role] = (amount(t.text), False)
                        else:
                            current.fields[role] = t.text.strip()
                        current.spans[role] = t.cell.span(self.grid.file)
                    current.first = head[0].cell
                if current is not None:
                    by_role: dict[str, str] = {}
                    for (role, _), t in zip(ind_roles, body, strict=True):
                        if role in ("category", "level2"):
                            self._apply_level(state, t, role)
                        else:
                            by_role[role] = t.text.strip()
                    self._indicator(current, state, by_role, body)
            elif len(cells) == 2 and amount(texts[1]) is not None and current is None:
                # the department's own line above its units' projects
                self.doc_fields.setdefault("department", texts[0])
                self.doc_fields.setdefault("department_total", texts[1])
            elif current is not None and len(cells) >= 3 and self._level_label(texts[0]):
                # a row cut short (the copy ends): its cells as far as they go
                self.warn("cut-row", say("forms.cut-row", n=len(cells), columns=n_ind),
                          cells[0].cell)
                by_role = {}
                for (role, _), t in zip(ind_roles, cells, strict=False):
                    if role in ("category", "level2"):
                        self._apply_level(state, t, role)
                    else:
                        by_role[role] = t.text.strip()
                self._indicator(current, state, by_role, cells)
            elif current is not None and texts:
                self.warn("short-row", say("forms.short-row", n=len(cells), columns=len(roles),
                                           cells=say("forms.cell-separator").join(texts)),
                          cells[0].cell)
            i = row[-1] + 1
        return i

    # --- the document ------------------------------------------------------------------

    def _document_facts(self) -> None:
        title = None
        for tok in self.tokens[:60]:
            text = tok.cell.clean
            if (("绩效" in text or "績效" in text) and text.endswith(("表", "表(修改)"))) or \
                    (re.search(r"绩效.{0,12}表", normal(text)) and len(text) <= 60 and \
                    self.vocab.label(tok.text) is None and title is None):
                title = tok.text.strip()
                break
        self.title = title
        self.kind = self.vocab.kind_of(title) if title else None
        # every title-like line's kind: a page heading (霍邱: …绩效目标表) may stand above
        # the form's own title (项目支出绩效自评表)
        self._title_kinds = {self.vocab.kind_of(tok.cell.clean) for tok in self.tokens[:60]
                             if _TITLE.search(tok.cell.clean) and len(tok.cell.clean) <= 60}
        year = None
        for tok in self.tokens[:400]:
            if tok.text.strip() in ("(", "（") and tok.row in self._rows:
                # a spaced copy's year line in pieces: ( 2020 年度)
                line = "".join(self.tokens[k].cell.clean for k in self._rows[tok.row])
                if _YEAR_LINE.match(line) and (m := _YEAR.search(line)):
                    year = int(m.group(1))
                    break
            m = _YEAR.search(tok.cell.clean)
            if m and ("年度" in tok.cell.clean or tok.text.strip().startswith(("(", "（"))
                      or (tok is not None and title and tok.text.strip() == title)):
                year = int(m.group(1))
                break
        if year is None:  # a later form's own year line (北京: 部门整体 … （2026年度）)
            year = next((int(m.group(1)) for tok in self.tokens
                         if _YEAR_LINE.match(tok.cell.clean)
                         and (m := _YEAR.search(tok.cell.clean))), None)
        if year is None:  # a form title that begins with its year (福州: 2026 年…项目绩效目标表)
            year = next((int(m.group(1)) for tok in self.tokens
                         if len(tok.cell.clean) <= 60 and _TITLE.search(tok.cell.clean)
                         and (m := _YEAR.match(tok.cell.clean))), None)
        if year is None:  # the heading of the notice the form is attached to (兵团: 关于
            # 下达2021年…资金预算指标的通知): the budget year it sends the form for
            year = next((int(m.group(1)) for tok in self.tokens[:5]
                         if (m := _NOTICE_YEAR.match(tok.cell.clean))), None)
        self.year = year
        unit = None
        for tok in self.tokens[:200]:
            m = _DECLARED_UNIT.search(tok.cell.clean)
            if m:
                unit = m.group(1) or m.group(2)
                break
        self.amount_unit = unit or "万元"

    def _document(self) -> Document:
        for p in self.projects:
            if p.after_break and "name" not in p.fields and p.indicators:
                first = p.indicators[0].span
                self.warnings.append(ReadWarning(
                    "table-without-project", say("forms.table-without-project", page=first.page,
                                                 n=len(p.indicators)), first))
                p.indicators = []
        head = self.projects[0] if self.projects else None
        if head is not None and head.indicators and not head.fields and \
                not any(v for v, _ in head.money.values()) and \
                any("name" in p.fields for p in self.projects[1:]):
            # a copy that begins inside the form before its first one (大英: the last rows
            # of a form whose 项目名称 and money are not in the copy): no project of it
            first = head.indicators[0].span
            key = "forms.table-without-project" if first.page is not None else \
                "forms.table-without-project-line"
            self.warnings.append(ReadWarning("table-without-project", say(
                key, page=first.page, line=first.first_line, n=len(head.indicators)), first))
            head.indicators = []
        projects = [p for p in self.projects if p.indicators or "name" in p.fields]
        if not projects or not any(p.indicators for p in projects):
            raise ReadError("no-form", say("forms.no-form"), SourceSpan(self.grid.file))
        if "columns" in self.grid.notes:  # said once, before the reading's other doubts
            self.warnings.insert(0, ReadWarning(
                "layout-text", say("forms.layout-text"), SourceSpan(self.grid.file)))
        # the document's department: from its first form, else from any form that names
        # one (北京: only the 部门整体 form after the project list says 部门名称)
        department = self.doc_fields.get("department") or next(
            (p.fields["department"].strip() for p in self.projects
             if p.fields.get("department", "").strip()), None)
        dept_total = amount(self.doc_fields.get("department_total", ""))
        grand = Amounts(dept_total) if dept_total is not None else None
        year = self.year
        if year is None and (m := _YEAR.match(projects[0].fields.get("name", "").strip())):
            year = int(m.group(1))  # nothing else says it: the project's name (2018年…项目)
        kind = self.kind
        if kind in (None, "targets") and (kind is None or "self-evaluation" in self._title_kinds) \
                and any(p.budget.get("executed") is not None for p in projects):
            # no title, or a heading that names targets above a form titled 自评表: a
            # budget block with its 全年执行数 is a self-evaluation's (南华, 霍邱)
            kind = "self-evaluation"
        doc = Document(self.title, None, self.amount_unit, grand, [], self.warnings,
                       SourceInfo(self.grid.file, format=self.grid.format), year,
                       kind or "targets")
        units: dict[str, Unit] = {}
        for seq, p in enumerate(projects, 1):
            dept = p.fields.get("department") or department
            doc.department = doc.department or dept
            unit_name = p.fields.get("unit") or dept or ""
            unit = units.get(unit_name)
            if unit is None:
                unit = units[unit_name] = Unit(unit_name, None)
                doc.units.append(unit)
            money = {k: v[0] for k, v in p.money.items()}
            if (periods := self.vocab.periods(p.funding)) is not None:
                # two periods side by side: every source from the total's own period,
                # not the first one written of its kind
                lines, chosen = periods
                money.update({k: f.amount for k, f in lines[chosen].items()})
            sources = [money[k] for k in ("fiscal", "special_account", "other")
                       if money.get(k) is not None]
            if money.get("total") is None and sources:
                # a form that states its sources only: their sum is the project's money
                money["total"] = sum(sources, Decimal(0))
                if p.first is not None:
                    self.warn("total-from-sources", say("forms.total-from-sources",
                                                        total=money["total"]), p.first)
            amounts = Amounts(money.get("total"), money.get("fiscal"),
                              money.get("special_account"), money.get("other"))
            # a department's whole-spending form names the department, not a project
            # (a 部门整体 自评表 too: its kind is the self-evaluation, its subject the
            # department)
            whole = self.kind == "department" or (
                self.title is not None and self.vocab.kind_of(self.title, "department"))
            name = p.fields.get("name") or (dept if whole and dept else self.title or "")
            span = p.first.span(self.grid.file) if p.first else SourceSpan(self.grid.file)
            form = ProjectForm(goal_long=p.fields.get("goal_long"), funding=p.funding,
                               department=p.fields.get("department"),
                               period=p.fields.get("project_period"),
                               planned=p.budget.get("planned"),
                               adjusted=p.budget.get("adjusted"),
                               executed=p.budget.get("executed"),
                               execution_score=p.budget.get("score"),
                               total_score=p.budget.get("total_score"),
                               grade=p.fields.get("grade"))
            # the money's cells as one (`amounts`: what a doubt about the row's money is
            # about), each figure's also as `<key>_cell` (not the field's own name: a doubt
            # about the sum would land on the smallest figure's cell)
            figures = [p.spans[k] for k in AMOUNT_COLUMNS if money.get(k) is not None
                       and k in p.spans]
            spans = {f"{k}_cell" if k in p.money else k: v for k, v in p.spans.items()
                     if k != "unit_own"}
            if figures and "amounts" not in spans:
                spans["amounts"] = spans_union(self.grid.file, figures)
            indicators = split_packed(p.indicators, self._warn_at)
            project = Project(seq, name.strip(), amounts, p.fields.get("goal", ""),
                              indicators, span, spans, form)
            unit.projects.append(project)
        doc.doubtful = doc.doubtful or "columns" in self.grid.notes
        return doc

    def warn(self, code: str, message: str, cell: Cell) -> None:
        self.warnings.append(ReadWarning(code, message, cell.span(self.grid.file)))

    def _warn_at(self, code: str, message: str, span: SourceSpan) -> None:
        self.warnings.append(ReadWarning(code, message, span))


@dataclass
class _Levels:
    """The category and second level in force: a merged cell covers the rows below it."""

    category: str | None = None
    family: str | None = None
    points: str | None = None
    level2: str | None = None
    pending: tuple[str, str, str | None] | None = None  # an ambiguous label just read
    inferred: list[Indicator] = field(default_factory=list)  # rows whose category is a guess
    guessing: bool = False  # the category in force came from a second level's family
    in_row: bool = False  # the row's own category cell is in force (a grid knows its cells)
    overruled: str | None = None  # a written category a second level's family replaced
    other_texts: set[str] = field(default_factory=set)  # rows' cells other than names

    def set_category(self, written: str, family: str | None, points: str | None) -> None:
        self.settle()
        keep_level2 = None
        if self.inferred and family is not None and family == self.family:
            for ind in self.inferred:  # a merged label surfaced in the middle of its rows
                ind.category = written
                if ind.form is not None:
                    ind.form.category_points = points
            keep_level2 = self.level2
        self.inferred = []
        self.guessing = False
        self.category, self.family, self.points = written, family, points
        self.level2 = keep_level2

    def set_level2(self, written: str, family: str) -> None:
        if self.pending is not None:  # 成本指标 | 经济成本指标: the first was a category
            w, f, pts = self.pending
            self.pending = None
            self.set_category(w, f, pts)
        compatible = {("产出指标", "成本指标"), ("效益指标", "满意度指标")}
        if not self.in_row and (self.family is None or (
                self.family != family and (self.family, family) not in compatible)):
            # a second level of another family: its category, until one is written
            if self.family is not None and not self.guessing:
                # under a category written above it (南华: 经济效益 指标 in the block of
                # 产出指标(50分)): the merged cell may cover it, or the copy lost the
                # label; the row's category is a guess, said at the row
                self.overruled = self.category
            self.inferred = []
            self.category, self.family, self.points = family, family, None
            self.guessing = True
        self.level2 = written

    def set_ambiguous(self, written: str, family: str, points: str | None) -> None:
        if self.pending is not None and self.pending[2] is not None:
            # 满意度指标(10分) | 满意度指标: the first, with its points, was the category
            w, f, pts = self.pending
            self.pending = None
            self.set_category(w, f, pts)
        else:
            self.settle()
        self.pending = (written, family, points)

    def settle(self) -> None:
        """An ambiguous label followed by the row's name was a second level."""
        if self.pending is None:
            return
        written, family, points = self.pending
        self.pending = None
        if self.family is None:
            self.set_category(written, family, points)
            self.level2 = None
        else:
            self.set_level2(written, family)

    def remember(self, indicator: Indicator) -> None:
        if self.guessing:
            self.inferred.append(indicator)


def _role_under(roles: list[tuple[str, Cell]], cell: Cell) -> str | None:
    """The heading a cell stands under: the one whose columns hold the cell's middle (a
    PDF's lattice may split a heading's columns differently from its rows')."""
    if cell.box is not None and all(head.box is not None for _, head in roles):
        # on a page: by position, so a table continued on the next page (whose lattice
        # may differ) still falls under its headings
        mid = (cell.box[0] + cell.box[2]) / 2
        for role, head in roles:
            if head.box[0] <= mid < head.box[2]:  # type: ignore[index]
                return role
        return None
    middle = cell.col + cell.colspan / 2
    for role, head in roles:
        if head.col <= middle < head.col + head.colspan:
            return role
    return None


def _two_periods(roles: list[tuple[str, Cell]]) -> list[tuple[str, Cell]]:
    """Two groups of 三级 · 指标值 side by side whose values name no period (东莞's 批复表:
    指标值 · 计划指标值 under 中期滚动目标 | 年度目标): the first group is the long period,
    as the goals above them are written, so its value is the long target."""
    names = [r for r, _ in roles]
    if names.count("name") != 2 or names.count("value") != 2 or "value_long" in names:
        return roles
    first = names.index("value")
    if first > names.index("name", names.index("name") + 1):
        return roles  # both values after the second name: one group, not two
    return [("value_long" if n == first else r, c) for n, (r, c) in enumerate(roles)]


def _goal_slots(goals: list[tuple[Match, _Token | None]]) -> list[tuple[Match, _Token | None]]:
    """The goal labels that head a text each: a first label over two that follow it
    (年度总体目标 | 预期目标 | 实际完成情况, 年度总体目标完成情况 | 预期目标 | …) heads the
    pair and holds no text of its own."""
    if len(goals) >= 3 and goals[0][0].key in ("goal", "completion") and \
            goals[1][0].key == "goal":
        return goals[1:]
    return goals


def _scored_tail(roles: list[str], texts: list[str]) -> dict[str, str]:
    """A 自评表 row short of cells (a copy that drops empty cells): its last two figures
    are its 分值 and 得分 — the scoring columns every scored row fills — and the cells
    before them the target and the actual in order; {} when the row is not such a row."""
    if not {"weight", "score", "actual"} <= set(roles) or len(texts) < 2:
        return {}
    if roles.index("weight") > roles.index("score"):
        return {}
    slots = [r for r in roles if r not in ("reason", "standard")]
    if len(texts) >= len(slots) or any(_decimal(t) is None for t in texts[-2:]):
        return {}
    head = [r for r in slots if r not in ("weight", "score")]
    if len(texts) - 2 > len(head):
        return {}
    found = dict(zip(head, texts[:-2], strict=False))
    parts = [r for r in head if r in ("nature", "value", "measure")]
    if "actual" in head and len(parts) > 1 and 2 <= len(texts) - 2 < len(head):
        # the target's parts short of cells (有效 with no sign, no unit): the cell before
        # the scores is the actual, the ones before it the target's — a sign first
        before = texts[:-3]
        if before and not _COMPARATOR.fullmatch(before[0]) and "nature" in parts:
            parts.remove("nature")
        found = dict(zip(parts, before, strict=False))
        found["actual"] = texts[-3]
    found["weight"], found["score"] = texts[-2], texts[-1]
    return found


def _none(text: str | None) -> str | None:
    return text.strip() if text is not None and text.strip() else None


def _unit_like(text: str) -> bool:
    """What a 度量单位 cell may hold: a short unit (%, 个, 元/人, 万元), no sentence."""
    t = "".join(text.split())
    return len(t) <= UNIT_CHARS and not re.search(r"[，,。；;：:]|指标", t)


def _join_target(nature: str | None, value: str | None, measure: str | None) -> str:
    """指标性质 + 指标值 + 度量单位 without spaces (`≥` `95` `%` → `≥95%`; 定性 + 优 → 优)."""
    nature = (nature or "").strip()
    value = (value or "").strip()
    measure = (measure or "").strip()
    if _COMPARATOR.fullmatch(measure) and nature and not _COMPARATOR.match(nature) and \
            nature not in ("定性", "定量") and len(nature) <= 4 and not re.search(r"\d", nature):
        # the comparator typed in the unit's cell and the unit in the comparator's (长沙
        # p.33: % | 90 | ≥): a target reads comparator, figure, unit
        nature, measure = measure, nature
    if nature in ("定性", "定量") or _COMPARATOR.match(value):
        nature = ""
    if measure and value.endswith(measure):
        measure = ""
    return f"{nature}{value}{measure}"


def _without_pinyin(grid: Grid) -> tuple[Grid, ReadWarning | None]:
    """A document site's copy with pinyin after its characters (岳阳楼区: 區(qū)): the cells
    without it, and what was taken out said (the same for any layout)."""
    if not any(PINYIN.search(c.text) for c in grid.cells):
        return grid, None
    n = 0
    cells = []
    last = max((k for k, c in enumerate(grid.cells) if c.text.strip()), default=-1)
    for at, c in enumerate(grid.cells):
        text, k = PINYIN.subn("", c.text)
        if at == last:  # the copy ends inside an insertion (生態(t)
            text, cut = _PINYIN_CUT.subn("", text)
            k += cut
        n += k
        cells.append(replace(c, text=text) if k else c)
    first = next((c.line for c in grid.cells if c.text.strip()), None)
    return replace(grid, cells=cells), ReadWarning(
        "copy-artifacts", say("forms.copy-artifacts", pinyin=n, breaks=""),
        SourceSpan(grid.file, first, first), Severity.INFO)


def read_grid(grid: Grid, settings: FormSettings | None = None) -> Document:
    """Read the forms of a grid into a Document (refused when it holds no form)."""
    grid, said = _without_pinyin(grid)
    doc = FormReader(grid, settings).read()
    if said is not None:
        doc.warnings.insert(0, said)
    doc.warnings[:0] = getattr(grid, "page_warnings", [])  # what a PDF's pages doubted
    return doc
