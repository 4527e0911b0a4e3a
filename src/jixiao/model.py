"""The typed model of a 项目支出绩效目标表: Document → Unit → Project → Indicator.

Plain data, no I/O. Money is `Decimal` (万元, scale as published); text is kept exactly
as published. Every project and indicator carries a `SourceSpan` back to the source.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from jixiao.messages import say

# The four amount columns, in table order. `special_account` is 财政专户拨款.
AMOUNT_COLUMNS: tuple[str, ...] = ("total", "fiscal", "special_account", "other")
AMOUNT_LABELS: dict[str, str] = {
    "total": "总计",
    "fiscal": "财政拨款",
    "special_account": "财政专户拨款",
    "other": "其他资金",
}
CATEGORIES: tuple[str, ...] = ("产出指标", "效益指标", "满意度指标", "成本指标")


class SourceSpan(NamedTuple):
    """Where a value came from: file, 1-based line range, page when known, and on a PDF
    page (text or scan) the box of its cell.

    A NamedTuple rather than a frozen dataclass: just as immutable, and a reading makes
    one for every field of every row, where the dataclass's __init__ costs three times more.
    """

    file: str | None = None
    first_line: int | None = None
    last_line: int | None = None
    page: int | None = None
    # (x0, y0, x1, y1) in PDF points on `page`, origin at its bottom left (pdfium's), so
    # x0 < x1 and y0 < y1: the cell a person checks the value against (store.corrections)
    box: tuple[float, float, float, float] | None = None

    def __str__(self) -> str:
        where = self.file or "<input>"
        if self.first_line is not None:
            where += f":{self.first_line}"
            if self.last_line not in (None, self.first_line):
                where += f"-{self.last_line}"
        if self.page is not None:
            where += say("place.in-page", page=self.page)
        return where

    def cover(self, other: SourceSpan | None) -> SourceSpan:
        """The smallest span holding both."""
        if other is None or other.first_line is None:
            return self
        if self.first_line is None:
            return other
        return SourceSpan(
            self.file,
            min(self.first_line, other.first_line),
            max(self.last_line or self.first_line, other.last_line or other.first_line),
            self.page if self.page is not None else other.page,
            union_box(self, other),
        )


def union_box(a: SourceSpan, b: SourceSpan) -> tuple[float, float, float, float] | None:
    """The box holding both spans' boxes when they are on one page; else the first's."""
    if a.box is None or b.box is None or a.page != b.page:
        return a.box if a.box is not None else (b.box if a.page in (None, b.page) else None)
    return (min(a.box[0], b.box[0]), min(a.box[1], b.box[1]),
            max(a.box[2], b.box[2]), max(a.box[3], b.box[3]))


@dataclass(slots=True)
class Amounts:
    """One row's money in 万元. `None` is an empty cell, distinct from 0."""

    total: Decimal | None = None
    fiscal: Decimal | None = None
    special_account: Decimal | None = None
    other: Decimal | None = None
    # True when the text did not show which column a figure stands in (see DESIGN.md)
    columns_inferred: bool = False

    def funding_sum(self) -> Decimal:
        """财政拨款 + 财政专户拨款 + 其他资金, empty cells counting as 0."""
        return sum(
            (x for x in (self.fiscal, self.special_account, self.other) if x is not None),
            Decimal(0),
        )

    def as_dict(self) -> dict[str, Decimal | None]:
        return {c: getattr(self, c) for c in AMOUNT_COLUMNS}


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class ReadWarning:
    """A doubt the reader had about the source, kept with the document."""

    code: str
    message: str
    span: SourceSpan
    severity: Severity = Severity.WARNING


class Level(StrEnum):
    """The severity of a review finding."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Finding:
    """What a review rule found (jixiao.audit), pointing at a project, an indicator, or
    the whole document, and at the source lines."""

    rule: str
    severity: Level
    message: str
    project: int | None = None  # the project's seq; None for the whole document
    indicator: int | None = None  # the indicator's position in its project (0-based)
    span: SourceSpan = field(default_factory=SourceSpan)

    def at(self, severity: Level) -> Finding:
        """The same finding at another severity (a sum within rounding is only an info)."""
        return Finding(self.rule, severity, self.message, self.project, self.indicator,
                       self.span)


@dataclass(slots=True)
class Indicator:
    seq: int  # the number printed before 、 (may repeat or skip in a faulty table)
    category: str | None  # first-level category as written; None when the table gives none
    name: str
    target: str  # 年度指标值 as written, without the item's terminator
    raw: str  # the whole item as written, joined across wraps, without its number
    span: SourceSpan = field(default_factory=SourceSpan)
    # what a form adds (None where the form has no such column): see FormFields
    form: FormFields | None = None


@dataclass(slots=True)
class FormFields:
    """An indicator's columns beyond the sample's: second level, points, two periods,
    weight, direction, and in a 自评表 the actual, the score and the reason — as written."""

    category_points: str | None = None  # `产出指标(50分)` → "50"
    level2: str | None = None  # 二级指标 as written
    target_long: str | None = None  # the 长期 / 实施周期 value
    weight: Decimal | None = None  # 分值 / 权重
    direction: str | None = None  # 指标方向性 as written
    standard: str | None = None  # 绩效标准 / 指标解释 / 备注 as written
    actual: str | None = None  # 实际完成值 as written
    score: Decimal | None = None  # 得分
    reason: str | None = None  # 偏差原因 as written


@dataclass(slots=True)
class Project:
    seq: int  # 1-based position in the document
    name: str
    amounts: Amounts
    goal: str
    indicators: list[Indicator] = field(default_factory=list)
    span: SourceSpan = field(default_factory=SourceSpan)
    # where each field came from: "name", "amounts", "goal"
    field_spans: dict[str, SourceSpan] = field(default_factory=dict)
    form: ProjectForm | None = None  # what a form adds


@dataclass(slots=True)
class Funding:
    """One money line of a form as published: its label and amount (published unit)."""

    label: str
    amount: Decimal | None


@dataclass(slots=True)
class ProjectForm:
    """A project's lines beyond the sample's: the long-term goal, every funding line, and
    in a 自评表 the budget block (年初预算数 / 全年预算数 / 全年执行数 / 得分)."""

    goal_long: str | None = None
    funding: list[Funding] = field(default_factory=list)
    department: str | None = None  # 主管部门 as written on this form
    period: str | None = None  # 项目期 as written
    planned: Decimal | None = None
    adjusted: Decimal | None = None
    executed: Decimal | None = None
    execution_score: Decimal | None = None
    total_score: Decimal | None = None  # the published 总分
    grade: str | None = None  # the published 等级


@dataclass(slots=True)
class Unit:
    """资金使用单位 with its subtotal row (None when the table prints no such row)."""

    name: str
    subtotal: Amounts | None
    projects: list[Project] = field(default_factory=list)
    span: SourceSpan = field(default_factory=SourceSpan)


@dataclass(slots=True)
class SourceInfo:
    file: str | None = None
    sha256: str | None = None
    format: str | None = None  # "text", "json", …
    encoding: str | None = None
    lines: int | None = None
    pages: int | None = None


@dataclass(slots=True)
class Document:
    title: str | None
    department: str | None
    amount_unit: str = "万元"
    grand_total: Amounts | None = None
    units: list[Unit] = field(default_factory=list)
    warnings: list[ReadWarning] = field(default_factory=list)
    source: SourceInfo = field(default_factory=SourceInfo)
    year: int | None = None  # the budget year, as the title or header says
    kind: str | None = None  # targets, self-evaluation, department (None: the sample's table)
    doubtful: bool = False  # a cross-check of the reading failed (jixiao.checks)

    def current_unit(self) -> Unit:
        """The unit the next project row belongs to: the last unit row read, or (for a
        table that prints none) an implicit unit named for the department."""
        if not self.units:
            self.units.append(Unit(self.department or "", None))
        return self.units[-1]

    @property
    def projects(self) -> list[Project]:
        return [p for u in self.units for p in u.projects]

    def iter_indicators(self) -> Iterator[tuple[Project, Indicator]]:
        for unit in self.units:
            for project in unit.projects:
                for indicator in project.indicators:
                    yield project, indicator

    @property
    def project_total(self) -> Decimal:
        """Sum of the projects' 总计 (empty counting as 0)."""
        return sum((p.amounts.total or Decimal(0) for p in self.projects), Decimal(0))


# ---- what a department reports (the actuals sheet, the web's grid) ---------------------


@dataclass(slots=True)
class Execution:
    """One project's money in the year (万元). 年初预算数 is the table's 总计."""

    project: int  # seq
    adjusted_budget: Decimal | None  # 全年预算数 (after adjustment)
    executed: Decimal | None  # 全年执行数
    reason: str = ""
    span: SourceSpan = field(default_factory=SourceSpan)


@dataclass(slots=True)
class Actual:
    """实际完成值 of one indicator, as written, with the reason for a deviation."""

    project: int  # seq
    indicator: int  # position in the project (0-based)
    value: str  # as written; parsed with the target grammar
    reason: str = ""  # 偏差原因分析及改进措施
    claimed_score: Decimal | None = None  # a score the department put in its own form
    span: SourceSpan = field(default_factory=SourceSpan)


@dataclass(slots=True)
class Actuals:
    """A year's (or a mid-year period's) answers for one document."""

    year: int
    period: str = "全年"  # or the date a mid-year report refers to
    executions: dict[int, Execution] = field(default_factory=dict)
    values: dict[tuple[int, int], Actual] = field(default_factory=dict)
