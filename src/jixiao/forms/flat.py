"""Text copies with no cell separators at all: the cells rebuilt where the vocabulary
makes the split certain, and nothing guessed where it does not.

Some offices' tables reach us as text with every cell boundary lost: one table row per
line (`产出指标数量指标农村义务教育学校改造覆盖率100%`), a whole form on one line, an .xls
pasted as text with labels broken one word per line. `rebuild(grid)` takes the "lines"
grid of such a text (`readers.grid.text_grid`) and makes the cells again:

* **Labels.** Every label of `data/forms.toml` (field, money, budget-block heading, group,
  closing row, and the `[flat]` boundaries) is found by longest match, compared as the form
  reader compares them (simplified characters, no white space, a unit `（万元）`, a points
  suffix `（20分）` or a colon after it). A label of four characters or more is found
  anywhere; a shorter one (`得分`, `分值`, `总额`) only where a cell must begin: at the
  start of a line, after white space, or right after another label. The text between two
  labels is the first one's value. A goal's text runs on to the indicator headings.
* **Headings.** A run of indicator column headings (一级指标 二级指标 三级指标 … 指标值)
  starts the table and fixes the columns of its rows.
* **Rows.** A row is its 一级 / 二级 labels, its name, then one cell per column; the
  cells after the name must have the shape their column asks for — a target as the target
  grammar reads it (`targets.parse`: a comparator, a number and a unit, a percentage, or a
  qualitative word like 稳步提高 / 达标), a figure for 分值 and 得分. A number is never cut
  between the name and the first cell, a comparator stays with its number, and where
  figures are fused (`20100%100%20`) only a split that is the only one left by the form's
  own arithmetic (得分 ≤ 分值 ≤ 100) is taken. A row with no such split, or with more than
  one, is left out with an `unsplit-row` warning that names it.
* **Budget block.** Fused figures under the 自评表's headings (`202010100.00%10`) are split
  only when one split alone agrees with the block (执行率 = 执行数 / 预算数, sub-lines
  within the total line).
* **Copy artifacts.** Pinyin a document-sharing site inserted after characters
  (`項(xiàng)目`) and its page-chunk markers (`1、` `2、` at the start of long lines) are
  removed, with a `copy-artifacts` note.

A text whose indicator rows cannot be rebuilt (none at all, or fewer than half of them)
is refused with `no-separators`, naming the rows. `read(grid)` is the whole path: rebuild,
then the form reader, with the rebuild's warnings first.
"""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from importlib import resources
from typing import NamedTuple

from jixiao.errors import ReadError
from jixiao.forms.reader import read_grid
from jixiao.forms.vocabulary import PINYIN, Vocabulary, normal, simplified, vocabulary
from jixiao.messages import say
from jixiao.model import Document, ReadWarning, Severity, SourceSpan
from jixiao.readers.grid import Cell, Grid
from jixiao.targets import PREFIX_COMPARATORS, QUALIFIERS, STATES, Kind, parse

_CHUNK = re.compile(r"^(\d{1,2})、")
_CHUNK_LINE = 80  # a page chunk of a flattened copy is a long line
_BROKEN_PART = 4  # a label broken one word per line: parts of at most this many characters
_SUFFIX = re.compile(r"（(?:万元|元|万|%|百分比|盖章|签章)）"
                     r"|（\d+(?:\.\d+)?(?:[-－~]\d+(?:\.\d+)?)?分）"
                     r"|（\d+(?:\.\d+)?(?:[-－~]\d+(?:\.\d+)?)?）分"
                     r"|（\d{4}年?[-—~至－]+\d{4}年?）|：")
_LEAD = re.compile(r"(?:其中|包括)：?")
# a form's heading: 绩效 … 表, perhaps after the year and the project, perhaps with the year
_TITLE = re.compile(r"(?:\d{4}年度)?[^\s\d,，。:：;；、年月日()（）]{0,16}?[绩績]效"
                    r"[^\s,，。:：;；]{0,12}?表(?:[(（]\d{4}年度?[)）])?")
_PLACEHOLDER = re.compile(r"(?:…+|\.{3,}|—{2,})")
_NUMBER_END = "0123456789.%"
_DIGITS = "0123456789."
_COMPARATOR_CHARS = "≥≤><=＞＜＝≧≦"
# comparator words that also end names ("覆盖率达", "提高"): not taken as the target's start
_NOT_COMPARATORS = {"为", "达", "提升", "提高", "增加", "增长", "上升", "下降", "减少",
                    "降低", "缩短"}
_MIN_ANYWHERE = 4  # a label this long is found anywhere in a run of text
_MAX_NAME = 60
_MAX_TARGET = 24
NUMERIC_ROLES = ("weight", "score")
TARGET_ROLES = ("value", "value_long", "actual")
TEXT_ROLES = ("reason", "standard", "direction")
GOAL_KEYS = ("goal", "goal_long", "completion")
HEADER_KINDS = frozenset({"field", "money", "budget", "group", "stop", "boundary"})
LEVEL_KINDS = frozenset({"category", "level2"})
_EVERY = HEADER_KINDS | LEVEL_KINDS | {"column"}  # any label: a line that starts with none is prose
_HEADINGS = frozenset({"column", "group"})
_FIELDS = frozenset({"field"})
_ENDS = frozenset({"stop", "boundary", "budget", "field"})  # labels after the table


# --- the vocabulary as a scanner sees it ----------------------------------------------------


# half-width punctuation as the vocabulary writes it
_CANON_TABLE = str.maketrans({"(": "（", ")": "）", ":": "："})
_NON_SPACE = re.compile(r"\S+")  # (\s is str.isspace's white space)


class _Label(NamedTuple):
    start: int  # canonical positions
    end: int
    word: str  # the vocabulary's word
    kinds: dict[str, str]  # kind → key (field → goal, column → value …)


@dataclass(frozen=True)
class _Lexicon:
    kinds: dict[str, dict[str, str]]
    by_first: dict[str, tuple[str, ...]]
    qualifiers: frozenset[str]
    states: frozenset[str]
    target_first: frozenset[str]  # the characters a target may begin with
    chrome: tuple[str, ...]  # the vocabulary's page furniture, canonical (the table ends)
    starts: frozenset[str]  # the characters a label may begin with (其中 / 包括 before one)

    def at(self, s: str, k: int, allowed: frozenset[str],
           gaps: list[bool] | None = None) -> _Label | None:
        """The longest label of the allowed kinds written at s[k:] (with its suffixes);
        `gaps` marks the positions with white space before them."""
        starts = [k]
        lead = _LEAD.match(s, k) if s.startswith(("其中", "包括"), k) else None
        if lead and lead.end() < len(s):
            starts.insert(0, lead.end())
        for start in starts:
            for word in self.by_first.get(s[start:start + 1], ()):
                if not s.startswith(word, start):
                    continue
                kinds = {kind: key for kind, key in self.kinds[word].items() if kind in allowed}
                if not kinds:
                    continue
                end = start + len(word)
                inner = gaps[start + 1:end] if gaps is not None else []
                if any(inner) and not all(inner):
                    continue  # white space inside a word: two cells (项目 预算执行情况)
                while (m := _SUFFIX.match(s, end)) is not None:
                    end = m.end()
                return _Label(k, end, word, kinds)
        return None


@cache
def _flat_words() -> dict[str, list[str]]:
    text = resources.files("jixiao").joinpath("data/forms.toml").read_text("utf-8")
    return tomllib.loads(text).get("flat", {})


@lru_cache(maxsize=4096)
def _canon(text: str) -> str:
    return normal(text).translate(_CANON_TABLE)


@cache
def lexicon(vocab: Vocabulary | None = None) -> _Lexicon:
    vocab = vocab or vocabulary()
    kinds: dict[str, dict[str, str]] = {}

    def add(words: dict[str, str] | frozenset[str], kind: str) -> None:
        for word in words:
            key = words[word] if isinstance(words, dict) else word
            canon = word.translate(_CANON_TABLE)
            if canon:
                kinds.setdefault(canon, {}).setdefault(kind, key)

    add(vocab.fields, "field")
    add(vocab.money, "money")
    add(vocab.budget, "budget")
    add(vocab.categories, "category")
    add(vocab.level2, "level2")
    add(vocab.columns, "column")
    add(vocab.groups, "group")
    add(vocab.stops, "stop")
    words = _flat_words()
    add(frozenset(_canon(w) for w in words.get("boundaries", [])), "boundary")
    table: dict[str, list[str]] = {}
    for word in sorted(kinds, key=len, reverse=True):
        table.setdefault(word[0], []).append(word)
    qualifiers = frozenset(words.get("qualifiers", []))
    states = frozenset(words.get("states", []))
    first = set("0123456789０１２３４５６７８９" + _COMPARATOR_CHARS)
    for word in (*PREFIX_COMPARATORS, *QUALIFIERS, *qualifiers, *states,
                 *(w for state in STATES for w in state.words)):
        first.add(word[0])
    return _Lexicon(kinds, {k: tuple(v) for k, v in table.items()}, qualifiers, states,
                    frozenset(first), tuple(_canon(c) for c in vocab.chrome),
                    frozenset(table) | {"其", "包"})


# --- the source, as segments of text ----------------------------------------------------------


@dataclass
class _Segment:
    """A line of the source (or lines joined: a page chunk, a label broken over lines),
    each character with its source line."""

    text: str
    lines: list[int]
    broken: bool = False
    # the labels found at a position, by the kinds asked (lexicon.at's answers)
    labels: dict[tuple[int, frozenset[str]], _Label | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        simp = simplified(self.text)
        if len(simp) != len(self.text):  # a phrase conversion changed the length
            simp = "".join(simplified(c) for c in self.text)
        self.simp = simp
        # the text without white space (canonical), each character's position in simp and
        # whether white space stands before it: by runs of non-space, not by character
        runs = [(m.start(), m.end()) for m in _NON_SPACE.finditer(simp)]
        self.s = "".join(simp[a:b] for a, b in runs).translate(_CANON_TABLE)
        self.at: list[int] = [i for a, b in runs for i in range(a, b)]
        self.gap: list[bool] = [i == a for a, b in runs for i in range(a, b)]
        self.titles: list[tuple[int, int]] = []
        for m in _TITLE.finditer(simp):  # form headings, in canonical positions
            a, b = bisect_left(self.at, m.start()), bisect_left(self.at, m.end())
            if a < b:
                self.titles.append((a, b))

    def raw(self, a: int, b: int) -> str:
        """The source text of canonical positions a … b, as published."""
        if a >= b:
            return ""
        return self.text[self.at[a]:self.at[b - 1] + 1].strip()

    def line(self, a: int) -> int:
        return self.lines[self.at[min(a, len(self.at) - 1)]] if self.at else self.lines[0]

    def pieces(self) -> list[tuple[int, int]]:
        """The canonical spans between white space."""
        out: list[tuple[int, int]] = []
        for k in range(len(self.s)):
            if k == 0 or self.gap[k]:
                out.append((k, k + 1))
            else:
                out[-1] = (out[-1][0], k + 1)
        return out


class _Row(NamedTuple):
    cells: list[tuple[str, int]]  # text, source line


@dataclass(slots=True)
class FlatGrid(Grid):
    """A grid rebuilt from a text without separators, with what the rebuild doubted."""

    warnings: list[ReadWarning] = field(default_factory=list)


# --- shapes of a row's cells -------------------------------------------------------------------


_POINTS_FIGURE = re.compile(r"(?:0|[1-9]\d*)(?:\.\d+)?分?")
_FIGURE_RUN = re.compile(r"[\d.]+分?")


@lru_cache(maxsize=65536)
def _is_number(text: str) -> bool:
    return _POINTS_FIGURE.fullmatch(text) is not None


def _leading_zero(number: str) -> bool:
    return len(number) > 1 and number[0] == "0" and number[1] != "."


@lru_cache(maxsize=65536)
def _is_target(text: str, qualifiers: frozenset[str], states: frozenset[str]) -> bool:
    """A whole cell with the shape of a target: nothing before or after the value."""
    t = parse(text)
    if t.kind is Kind.QUANTITATIVE:
        # a unit the grammar does not know (厘米) is the target's trailing word: kept
        unknown_unit = not t.unit_text and re.fullmatch(r"[\u4e00-\u9fff]{1,2}", t.trailing)
        if t.subject or (t.trailing and not unknown_unit) or _leading_zero(t.number_text) or \
                (t.upper_text and _leading_zero(t.upper_text)):
            return False
        comparator = t.comparator_text.strip()
        return comparator not in _NOT_COMPARATORS and (
            not comparator or comparator in PREFIX_COMPARATORS)
    if t.kind is Kind.QUALITATIVE:
        return not t.trailing and (not t.subject or t.subject in qualifiers)
    if t.kind is Kind.UNPARSED:
        return any(text == q + w for w in states for q in ("", *qualifiers))
    return False


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.rstrip("%分"))
    except InvalidOperation:
        return None


# --- the rebuild ---------------------------------------------------------------------------------


class _Rebuild:
    def __init__(self, grid: Grid) -> None:
        self.grid = grid
        self.lex = lexicon()
        self.vocab = vocabulary()
        self.rows: list[_Row] = []
        self.warnings: list[ReadWarning] = []
        self.header_found = False
        self.attempted = 0
        self.rebuilt = 0
        self.unsplit: list[tuple[int, str]] = []
        # the indicator table in force: the roles after the name, and how rows are laid out
        self.roles: list[str] = []
        self.layout = ""
        # the budget block in force: its columns, and the total line's figures
        self.budget: list[str] = []
        self.budget_total: dict[str, Decimal] = {}
        self.budget_weight: Decimal | None = None
        self.pending_goal: list[_Segment] | None = None

    # --- segments ------------------------------------------------------------------------

    def segments(self) -> list[_Segment]:
        cells = [c for c in self.grid.cells if c.text.strip()]
        texts: list[tuple[str, int]] = []
        pinyin = 0
        for c in cells:
            text, n = PINYIN.subn("", c.text)
            pinyin += n
            texts.append((text, c.line or 0))
        out: list[_Segment] = []
        chunks: list[int] = []
        expected = 1
        for text, line in texts:
            m = _CHUNK.match(text)
            if m and len(text) >= _CHUNK_LINE and int(m.group(1)) == expected and (
                    expected == 1 or (chunks and chunks[-1] == len(out) - 1)):
                body = text[m.end():]
                if expected == 1:
                    out.append(_Segment(body, [line] * len(body)))
                else:  # the next page chunk goes on where the last one stopped
                    last = out[-1]
                    out[-1] = _Segment(last.text + body, last.lines + [line] * len(body))
                chunks.append(len(out) - 1)
                expected += 1
                continue
            out.append(_Segment(text, [line] * len(text)))
        if pinyin or expected > 2:
            first = cells[0].line if cells else None
            self.warnings.append(ReadWarning(
                "copy-artifacts", say("forms.copy-artifacts", pinyin=pinyin, breaks=say(
                    "forms.copy-page-breaks", n=expected - 1) if expected > 2 else ""),
                SourceSpan(self.grid.file, first, first), Severity.INFO))
        return self._join_broken(out)

    def _join_broken(self, segments: list[_Segment]) -> list[_Segment]:
        """`年度` `预算` `安排` `(万元)`, one per line: one label."""
        out: list[_Segment] = []
        run: list[_Segment] = []

        def flush() -> None:
            if len(run) >= 2:
                out.append(_Segment("".join(s.text for s in run),
                                    [n for s in run for n in s.lines], broken=True))
            else:
                out.extend(run)
            run.clear()

        for seg in segments:
            if 0 < len(seg.s) <= _BROKEN_PART and not any(c.isdigit() for c in seg.s):
                run.append(seg)
                continue
            flush()
            out.append(seg)
        flush()
        return out

    # --- the walk --------------------------------------------------------------------------

    def run(self) -> FlatGrid:
        segments = self.segments()
        first = next((n for n, seg in enumerate(segments) if self._title(seg, 0)), None)
        for n, seg in enumerate(segments):
            if first is not None and n < first:  # page furniture before the form's heading
                self._emit([(seg.text.strip(), seg.lines[0])])
                continue
            start = 0
            if n == first:
                a, b = self._heading_title(seg)
                if a:
                    self._emit([(seg.raw(0, a), seg.line(0))])
                self._emit([(seg.raw(a, b), seg.line(a))])
                start = b
            self._segment(seg, start)
        self._flush_goal()
        self._check()
        cells = [Cell(r, k, text, line=line) for r, row in enumerate(self.rows)
                 for k, (text, line) in enumerate(row.cells)]
        notes = [*self.grid.notes, "rebuilt"]
        return FlatGrid(cells, self.grid.file, self.grid.format, positioned=False,
                        sheet=self.grid.sheet, notes=notes, warnings=self.warnings)

    def _heading_title(self, seg: _Segment) -> tuple[int, int]:
        """The form's heading: of the headings a line of prose runs into (附件：…绩效自评表
        …绩效目标自评表(2022年度)), the last one before the form's first field label."""
        a, b = seg.titles[0]
        for c, d in seg.titles[1:]:
            if any(self._at(seg, k, _FIELDS) for k in range(b, c)):
                break
            a, b = c, d
        return a, b

    def _emit(self, cells: list[tuple[str, int]]) -> None:
        if cells:
            self.rows.append(_Row(cells))

    def _title(self, seg: _Segment, k: int) -> tuple[int, int] | None:
        """The canonical span of a form heading (绩效 … 表) at or after k."""
        return next((t for t in seg.titles if t[0] >= k), None)

    def _segment(self, seg: _Segment, k: int) -> None:
        if k >= len(seg.s):
            return
        if self.pending_goal is not None:
            if k == 0 and not seg.broken and self._plain(seg):
                self.pending_goal.append(seg)
                return
            self._flush_goal()
        if self.layout:
            k = self._table(seg, k)
            if k >= len(seg.s):
                return
        if k == 0 and self._spaced(seg):
            self._spaced_row(seg)
            return
        self._header_block(seg, k)

    def _at(self, seg: _Segment, k: int, kinds: frozenset[str]) -> _Label | None:
        # asked of the same position again and again (a heading, a label, the table's end)
        key = (k, kinds)
        if key not in seg.labels:
            seg.labels[key] = self.lex.at(seg.s, k, kinds, seg.gap)
        return seg.labels[key]

    def _plain(self, seg: _Segment) -> bool:
        """A line of running text: no label, heading or level at its start."""
        return self._at(seg, 0, _EVERY) is None and self._title(seg, 0) != (0, len(seg.s))

    def _flush_goal(self) -> None:
        """A goal label alone on its line, then its text over the lines below: one cell."""
        if not self.pending_goal:
            self.pending_goal = None
            return
        segs = self.pending_goal
        self.pending_goal = None
        self._emit([("".join(s.text.strip() for s in segs), segs[0].lines[0])])

    # --- lines whose cells are separated by white space (an .xls pasted as text) ---------

    def _whole(self, seg: _Segment, a: int, b: int, kinds: frozenset[str]) -> _Label | None:
        lab = self._at(seg, a, kinds)
        return lab if lab is not None and lab.end == b else None

    def _spaced(self, seg: _Segment) -> bool:
        pieces = seg.pieces()
        return len(pieces) >= 2 and any(self._whole(seg, a, b, _EVERY) for a, b in pieces)

    def _spaced_row(self, seg: _Segment) -> None:
        pieces = seg.pieces()
        roles = [self._heading(seg, a, b) for a, b in pieces]
        if all(r is not None for r in roles) and self._is_header([r for r in roles if r]):
            self._start_table([r for r in roles if r], "space")
            self._emit([(seg.raw(a, b), seg.line(a)) for a, b in pieces])
            return
        self._emit([(seg.raw(a, b), seg.line(a)) for a, b in pieces])
        last = pieces[-1]
        lab = self._whole(seg, *last, HEADER_KINDS)
        if lab is not None and set(lab.kinds.items()) & {("field", g) for g in GOAL_KEYS}:
            self.pending_goal = []

    # --- the header block: labels and their values ------------------------------------------

    def _heading(self, seg: _Segment, a: int, b: int) -> str | None:
        """The role of a whole indicator column heading at a … b (group for 绩效指标)."""
        lab = self._at(seg, a, _HEADINGS)
        if lab is None or lab.end != b:
            return None
        if "group" in lab.kinds and "column" not in lab.kinds:
            return "group"
        return self.vocab.header_role(seg.raw(a, b))

    def _header_run(self, seg: _Segment,
                    k: int) -> tuple[list[str], int, list[tuple[int, int]]] | None:
        """Indicator column headings written one after another from k."""
        spans: list[tuple[int, int]] = []
        roles: list[str] = []
        i = k
        while i < len(seg.s):
            lab = self._at(seg, i, _HEADINGS)
            if lab is None:
                break
            role = self._heading(seg, i, lab.end)
            if role is None:
                break
            spans.append((i, lab.end))
            roles.append(role)
            i = lab.end
        if not self._is_header(roles):
            return None
        return roles, i, spans

    @staticmethod
    def _is_header(roles: list[str]) -> bool:
        return ("category" in roles or "level2" in roles) and "name" in roles and any(
            r in roles for r in ("value", "value_long", "actual", "score"))

    def _start_table(self, roles: list[str], layout: str) -> None:
        self.header_found = True
        self.budget = []
        after = [r for r in roles if r not in ("category", "level2", "group")]
        self.roles = after[after.index("name") + 1:] if "name" in after else after
        self.layout = layout

    def _header_block(self, seg: _Segment, k: int) -> None:
        s = seg.s
        n = len(s)
        row: list[tuple[str, int]] = []
        labels: list[_Label] = []  # the labels since the last value
        value_from = k
        anchored = True
        goal: list[_Label] = []  # goal labels whose text is being read
        i = k

        def flush_value(upto: int) -> None:
            nonlocal row, goal
            text = seg.raw(value_from, upto)
            if goal:
                self._goal_cells(seg, goal, text, value_from)
                goal = []
                row = []
                return
            if text:
                money = labels[-1] if labels and "money" in labels[-1].kinds else None
                if money is not None and self.budget:
                    row += self._figures(seg, money, text, value_from)
                else:
                    row.append((text, seg.line(value_from)))
            if row:
                self._emit(row)
            row = []

        while i < n:
            title = self._title(seg, i)
            if title is not None and title[0] == i and not goal:
                flush_value(i)
                labels = []
                self._emit([(seg.raw(*title), seg.line(i))])
                i = value_from = title[1]
                anchored = True
                continue
            if s[i] not in self.lex.starts:  # no label begins here, so no heading run
                if not (goal and i > value_from):
                    anchored = False
                i += 1
                continue
            header = self._header_run(seg, i)
            if header is not None:
                flush_value(i)
                roles, end, spans = header
                self._emit([(seg.raw(a, b), seg.line(a)) for a, b in spans])
                self._start_table(roles, "line" if end >= n else "flat")
                if end < n:
                    self._segment(seg, end)
                return
            if goal and i > value_from:  # a goal's text runs on to the headings
                i += 1
                continue
            lab = self._at(seg, i, HEADER_KINDS)
            if lab is not None and (anchored or seg.gap[i] or len(lab.word) >= _MIN_ANYWHERE):
                budget_run = "budget" in lab.kinds and labels and "budget" in labels[-1].kinds \
                    and i == value_from
                if ("budget" in lab.kinds and "money" not in lab.kinds) or budget_run:
                    if not budget_run:
                        flush_value(i)
                        self.budget = []
                        self.budget_weight = None
                    self.budget.append(lab.kinds["budget"])
                    # 得分(20分*执行率): the heading states the 分值 the score is out of
                    if (w := re.search(r"（(\d+(?:\.\d+)?)分\*", s[i:lab.end])) is not None:
                        self.budget_weight = Decimal(w.group(1))
                    row.append((seg.raw(i, lab.end), seg.line(i)))
                elif goal and i == value_from and lab.kinds.get("field") in GOAL_KEYS:
                    # goal labels one after another: 年度总体目标 年初设定目标 完成情况综述
                    goal.append(lab)
                else:
                    flush_value(i)
                    if not ("money" in lab.kinds or "budget" in lab.kinds):
                        self.budget = [] if "field" in lab.kinds else self.budget
                    if "field" in lab.kinds and lab.kinds["field"] in GOAL_KEYS:
                        goal = [lab]
                    else:
                        row = [(seg.raw(i, lab.end), seg.line(i))]
                labels.append(lab)
                i = value_from = lab.end
                anchored = True
                continue
            anchored = False
            i += 1
        if goal and value_from >= n:  # a goal label with its text on the lines below
            self._goal_cells(seg, goal, "", value_from)
            self.pending_goal = []
            return
        flush_value(n)

    def _goal_cells(self, seg: _Segment, goal: list[_Label], text: str, at: int) -> None:
        """Goal labels and their text. Two slots (年初设定目标 · 完成情况综述) with one run of
        text are split only where the second repeats the end of the first."""
        cells = [(seg.raw(g.start, g.end), seg.line(g.start)) for g in goal]
        line = seg.line(at)
        split = None
        if text and len(goal) >= 2 and goal[-1].kinds.get("field") == "completion" and \
                goal[-2].kinds.get("field") in ("goal", "goal_long"):
            split = _repeated_tail(text)
        for cell in cells[:-2] if split else cells[:-1]:
            self._emit([cell])
        if split:
            self._emit([cells[-2], (split[0], line)])
            self._emit([cells[-1], (split[1], line)])
        else:
            self._emit([cells[-1], *([(text, line)] if text else [])])

    def _figures(self, seg: _Segment, money: _Label, text: str, at: int) -> list[tuple[str, int]]:
        """Figures under the budget block's headings, split where only one split fits."""
        line = seg.line(at)
        compact = "".join(text.split())
        if not re.fullmatch(r"[\d.%]+", compact):
            return [(text, line)]
        total = money.kinds.get("money") == "total"
        cols = self.budget if total else [c for c in self.budget
                                          if c in ("planned", "adjusted", "executed")]
        found = [split for n in range(1, len(cols) + 1)
                 for split in _cuts(compact, n)
                 if self._budget_fits(dict(zip(cols, split, strict=False)), total)]
        if len(found) != 1:
            self.warnings.append(ReadWarning(
                "unsplit-figures", say("forms.unsplit-figures-many" if found
                                       else "forms.unsplit-figures-none",
                                       line=line, text=f"{money.word}{compact}"),
                SourceSpan(self.grid.file, line, line)))
            return []  # as one cell the run would read as one (invented) amount
        if total:
            self.budget_total = {c: d for c, f in zip(cols, found[0], strict=False)
                                 if (d := _decimal(f)) is not None}
        return [(f, line) for f in found[0]]

    def _budget_fits(self, by_col: dict[str, str], total: bool) -> bool:
        values = {c: _decimal(f) for c, f in by_col.items()}
        if any(v is None for v in values.values()):
            return False
        for col, f in by_col.items():
            if (col == "rate") != f.endswith("%"):
                return False
        got = {c: v for c, v in values.items() if v is not None}
        if "weight" not in got and self.budget_weight is not None and "score" in got:
            got["weight"] = self.budget_weight
            by_col = {**by_col, "weight": str(self.budget_weight)}
        if any(got.get(c, 0) > 100 for c in ("weight", "score")):
            return False
        if "rate" in got:
            # 执行率 = 执行数 / 预算数, to the decimals printed
            base = got.get("adjusted", got.get("planned"))
            done = got.get("executed")
            if base is None or done is None or base == 0:
                return False
            if abs(done / base * 100 - got["rate"]) > _half_unit(by_col["rate"]):
                return False
            # 得分 = 分值 × 执行率 (at most the 分值)
            if "weight" in got and "score" in got and abs(
                    got["weight"] * min(got["rate"], Decimal(100)) / 100 - got["score"]) > \
                    _half_unit(by_col["score"]) + Decimal("0.01"):
                return False
        if "score" in got and "weight" in got and got["score"] > got["weight"]:
            return False
        if not total:  # a line under the total: never more than the total line
            for col, v in got.items():
                held = self.budget_total.get(col)
                if held is None or v > held:
                    return False
        return True

    # --- the indicator table ---------------------------------------------------------------

    def _table(self, seg: _Segment, k: int) -> int:
        """Indicator rows from k; returns where the table ends (len when it goes on)."""
        if self.layout == "space":
            return self._spaced_table_row(seg, k)
        s = seg.s
        n = len(s)
        p = k
        while p < n:
            levels: list[tuple[str, int]] = []
            while (lab := self._level_at(seg, p)) is not None:
                levels.append((seg.raw(p, lab.end), seg.line(p)))
                p = lab.end
            if p < n and (m := _PLACEHOLDER.match(s, p)):
                self._emit([*levels, (seg.raw(p, m.end()), seg.line(p))])
                p = m.end()
                continue
            if p >= n or self._ends_table(seg, p):
                if levels:
                    self._emit(levels)
                if p < n:
                    self.layout = ""
                    self.roles = []
                return p
            parsed = self._row(seg, p, n if self.layout == "line" else None)
            self.attempted += 1
            if parsed is None:
                # in a flattened line the next 一级 / 二级 label is where a row surely
                # begins again; what lies before it is left out
                end = n if self.layout == "line" else self._next_level(seg, p + 1)
                text = seg.raw(p, end)
                self.unsplit.append((seg.line(p), text))
                self.warnings.append(ReadWarning(
                    "unsplit-row", say("forms.unsplit-row", line=seg.line(p), text=text),
                    SourceSpan(self.grid.file, seg.line(p), seg.line(end - 1))))
                if levels:
                    self._emit(levels)  # the levels still cover the rows below
                p = end
                continue
            self.rebuilt += 1
            spans, end = parsed
            cells = [(seg.raw(a, b), seg.line(a)) for a, b in spans]
            cells += [("", seg.line(end - 1))] * self._trailing_text()
            self._emit([*levels, *cells])
            p = end
        return p

    def _next_level(self, seg: _Segment, p: int, upto: int | None = None) -> int:
        """The next 一级 / 二级 label or end of the table from p (len, or upto, when none)."""
        upto = len(seg.s) if upto is None else upto
        for r in range(p, upto):
            if self._level_at(seg, r) is not None or self._ends_table(seg, r):
                return r
        return upto

    def _spaced_table_row(self, seg: _Segment, k: int) -> int:
        pieces = _bracketed([(a, b) for a, b in seg.pieces() if a >= k], seg)
        if not pieces:
            return len(seg.s)
        if self._ends_table(seg, pieces[0][0]):
            self.layout = ""
            self.roles = []
            return pieces[0][0]
        cells = [(seg.raw(a, b), seg.line(a)) for a, b in pieces]
        levels = [self._level_at(seg, a) for a, _ in pieces]
        if any(lab is None or lab.end != b for lab, (_, b) in zip(levels, pieces, strict=True)):
            self.attempted += 1
            self.rebuilt += 1
        self._emit(cells)
        return len(seg.s)

    def _trailing_text(self) -> int:
        n = 0
        for role in reversed(self.roles):
            if role not in TEXT_ROLES:
                break
            n += 1
        return n

    def _level_at(self, seg: _Segment, p: int) -> _Label | None:
        """A 一级 / 二级 label at p: only the full forms (…指标, …值), never a bare
        产出 / 满意度 that may begin a name."""
        lab = self._at(seg, p, LEVEL_KINDS)
        if lab is None or not lab.word.endswith(("指标", "值")) or len(lab.word) < 3:
            return None
        return lab

    def _ends_table(self, seg: _Segment, p: int) -> bool:
        s = seg.s
        if s.startswith(self.lex.chrome, p):
            return True
        if self._header_run(seg, p) is not None:
            return True
        title = self._title(seg, p)
        if title is not None and title[0] == p:
            return True
        lab = self._at(seg, p, _ENDS)
        return lab is not None and not ("field" in lab.kinds and len(lab.word) < _MIN_ANYWHERE)

    def _row(self, seg: _Segment, p: int,
             end: int | None) -> tuple[list[tuple[int, int]], int] | None:
        """The name and the cells of one row from p: the shortest name after which the
        cells take their columns' shapes in exactly one way."""
        s = seg.s
        shapes = self.roles[:len(self.roles) - self._trailing_text()]
        if not shapes or any(r not in NUMERIC_ROLES + TARGET_ROLES for r in shapes):
            return None  # a column whose cells have no shape of their own: no boundary
        limit = end if end is not None else min(len(s), p + _MAX_NAME)
        if end is None:  # a name never runs over a 一级 / 二级 label: a row begins there
            limit = min(limit, self._next_level(seg, p + 1, limit))
        for q in range(p + 1, limit):
            if s[q - 1] in _COMPARATOR_CHARS or (s[q - 1] in _DIGITS and s[q].isdigit()):
                continue  # a number or a comparator is never cut from its value
            found = list(self._tails(s, q, shapes, end))
            if not found:
                continue
            if len(found) > 1:
                return None
            return [(p, q), *found[0]], found[0][-1][1]
        return None

    def _tails(self, s: str, q: int, shapes: list[str],
               end: int | None) -> Iterator[list[tuple[int, int]]]:
        """Every way the cells after the name fit their shapes from q."""
        lex = self.lex

        def ends(role: str, pos: int, last: bool) -> list[int]:
            if pos >= len(s):
                return []
            if role in NUMERIC_ROLES:
                m = _FIGURE_RUN.match(s[pos:pos + 12])
                if m is None:
                    return []
                return [pos + e for e in range(1, len(m.group(0)) + 1)
                        if _is_number(s[pos:pos + e])]
            if s[pos] not in lex.target_first:
                return []  # no target begins so: no need to ask the grammar
            if last and end is not None:  # the row's last cell ends with the line
                spans = [end] if end - pos <= _MAX_TARGET else []
            else:
                spans = list(range(pos + 1, min(len(s) if end is None else end,
                                                pos + _MAX_TARGET) + 1))
            return [e for e in spans if _is_target(s[pos:e], lex.qualifiers, lex.states)]

        def walk(i: int, pos: int, acc: list[tuple[int, int]]) -> Iterator[list[tuple[int, int]]]:
            if i == len(shapes):
                if end is not None and pos != end:
                    return
                if end is None and pos < len(s) and s[pos] in _NUMBER_END:
                    return  # a number runs on into the next row: not its end
                values = {role: _decimal(s[a:b]) for role, (a, b) in zip(shapes, acc, strict=True)
                          if role in NUMERIC_ROLES}
                w, sc = values.get("weight"), values.get("score")
                if (w is not None and w > 100) or (sc is not None and sc > 100) or (
                        w is not None and sc is not None and sc > w):
                    return
                yield list(acc)
                return
            if acc and shapes[i - 1] not in NUMERIC_ROLES and s[pos - 1] in _DIGITS \
                    and pos < len(s) and s[pos].isdigit():
                return  # a target's number is never cut; only a bare figure may be fused
            for e in ends(shapes[i], pos, i == len(shapes) - 1):
                yield from walk(i + 1, e, [*acc, (pos, e)])

        yield from walk(0, q, [])

    # --- the verdict -------------------------------------------------------------------------

    def _check(self) -> None:
        if not self.header_found:
            return  # no indicator table at all: the form reader says what is missing
        if self.rebuilt and self.rebuilt * 2 >= self.attempted:
            return
        where = say("forms.unsplit-separator").join(
            say("forms.unsplit-where", line=n, text=t) for n, t in self.unsplit[:5])
        raise ReadError(
            "no-separators",
            say("forms.no-separators", attempted=self.attempted, rebuilt=self.rebuilt,
                where=say("forms.no-separators-where", where=where) if where else ""),
            SourceSpan(self.grid.file, self.unsplit[0][0] if self.unsplit else None))


def _bracketed(pieces: list[tuple[int, int]], seg: _Segment) -> list[tuple[int, int]]:
    """Pieces apart by white space, joined where a bracket is open over the gap: a cell
    of a template's hint written with spaces (南岳: `开发数量( ≥**个 )`) is one cell."""
    out: list[tuple[int, int]] = []
    depth = 0
    for a, b in pieces:
        if depth > 0 and out:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
        text = seg.raw(a, b)
        depth = max(0, depth + sum(text.count(c) for c in "(（") -
                    sum(text.count(c) for c in ")）"))
    return out


def _half_unit(figure: str) -> Decimal:
    """Half the last printed digit: `100.00%` is exact to 0.005, `100%` to 0.5."""
    body = figure.rstrip("%分")
    decimals = len(body.partition(".")[2])
    return Decimal(5) / Decimal(10) ** (decimals + 1)


_FIGURE = re.compile(r"(?:0|[1-9]\d*)(?:\.\d+)?")


@lru_cache(maxsize=4096)
def _cuts(text: str, n: int) -> tuple[tuple[str, ...], ...]:
    """Every cut of fused figures into one figure for each of n columns (no leading
    zeros); cached, since the same tails recur for every count of columns tried."""
    if not n:
        return ((),) if not text else ()
    out: list[tuple[str, ...]] = []
    for e in range(1, len(text) + 1):
        head = text[:e]
        body = head.removesuffix("%")
        if not _FIGURE.fullmatch(body) or head.count("%") > 1:
            continue
        out += [(head, *rest) for rest in _cuts(text[e:], n - 1)]
    return tuple(out)


def _repeated_tail(text: str) -> tuple[str, str] | None:
    """`A，B，B，` → (`A，B，`, `B，`): the one cut at a punctuation mark after which the
    text repeats the end of what comes before it."""
    found = []
    for k in range(1, len(text)):
        head, tail = text[:k], text[k:]
        if head[-1] in ",，;；。" and len(tail) >= 4 and head.endswith(tail):
            found.append((head, tail))
    return found[0] if len(found) == 1 else None


def rebuild(grid: Grid) -> FlatGrid:
    """The cells of a text without separators, where the vocabulary makes them certain
    (one row per line; a line holding several rows of the form split into them)."""
    return _Rebuild(grid).run()


def read(grid: Grid) -> Document:
    """A text without separators: rebuilt, then read by the form reader."""
    rebuilt = rebuild(grid)
    doc = read_grid(rebuilt)
    doc.warnings[:0] = rebuilt.warnings
    return doc
