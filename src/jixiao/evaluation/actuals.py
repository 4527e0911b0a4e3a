"""What a department reports: execution per project, an actual value per indicator."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from jixiao.model import SourceSpan


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
    year: int
    period: str = "全年"  # or the date a mid-year report refers to
    executions: dict[int, Execution] = field(default_factory=dict)
    values: dict[tuple[int, int], Actual] = field(default_factory=dict)
