"""绩效运行监控 at a date: time progress against execution progress, the expected completion
of each indicator, and warning lights by the thresholds of the scoring profile."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from jixiao import formatting
from jixiao.evaluation.actuals import Actuals
from jixiao.evaluation.assessment import assess
from jixiao.evaluation.profiles import ScoringProfile
from jixiao.messages import say
from jixiao.model import Document, Indicator, Project
from jixiao.targets import Kind, Status, parse
from jixiao.taxonomy import classify

CAUSES = ("经费保障", "制度保障", "人员保障", "硬件条件保障", "其他")  # 偏差原因 types
LIKELIHOOD = ("确定能", "有可能", "完全不可能")  # 完成目标可能性


def time_progress(on: date) -> Decimal:
    """Elapsed days / days in the year, the day itself counted."""
    days = 366 if calendar.isleap(on.year) else 365
    return (Decimal(on.timetuple().tm_yday) / days)


def light(behind: Decimal, profile: ScoringProfile) -> str:
    """green / yellow / red by how far execution lags time (a share of the year)."""
    if behind >= profile.red:
        return "red"
    return "yellow" if behind >= profile.yellow else "green"


@dataclass(slots=True)
class IndicatorProgress:
    position: int
    indicator: Indicator
    target: str
    current: str  # 当前执行情况: the value reported so far, as written
    expected: str  # 全年预计完成情况
    light: str
    likelihood: str
    cause: str = ""


@dataclass(slots=True)
class ProjectMonitor:
    project: Project
    budget: Decimal | None
    executed: Decimal | None
    execution_progress: Decimal | None
    time_progress: Decimal
    light: str
    indicators: list[IndicatorProgress] = field(default_factory=list)


def monitor_project(project: Project, actuals: Actuals, on: date,
                    profile: ScoringProfile) -> ProjectMonitor:
    progress = time_progress(on)
    execution = actuals.executions.get(project.seq)
    budget = (execution.adjusted_budget if execution and execution.adjusted_budget is not None
              else project.amounts.total)
    executed = execution.executed if execution else None
    rate = executed / budget if budget and executed is not None else None
    lag = progress - rate if rate is not None else progress
    monitor = ProjectMonitor(project, budget, executed, rate, progress,
                             light(max(Decimal(0), lag), profile))
    for k, indicator in enumerate(project.indicators):
        reported = actuals.values.get((project.seq, k))
        target = parse(indicator.target)
        current = reported.value if reported else ""
        status, expected = None, "—"
        if current:
            try:
                assessment = assess(target, current, classify(indicator, target).direction)
                status = assessment.status
                if target.kind is Kind.QUANTITATIVE and not target.range_text:
                    # a count grows with the year; a rate or a state is what it is
                    cumulative = target.unit is not None and target.unit.dimension == "count"
                    share = assessment.ratio / progress if cumulative and progress else \
                        assessment.ratio
                    expected = say("monitoring.expected-share",
                                   share=formatting.percent(min(Decimal(1), share)))
                else:
                    expected = say(f"monitoring.expected-{status.name.lower()}")
            except ValueError:
                expected = say("monitoring.unknown")
        lit = {Status.MET: "green", Status.PARTLY: "yellow", Status.NOT_MET: "red",
               None: "yellow" if not current else "red"}[status]
        likely = dict(zip(("green", "yellow", "red"), LIKELIHOOD, strict=True))[lit]
        cause = (reported.reason if reported and reported.reason else "") if lit != "green" \
            else ""
        monitor.indicators.append(IndicatorProgress(k, indicator, indicator.target, current,
                                                    expected, lit, likely, cause))
    return monitor


def monitor_document(doc: Document, actuals: Actuals, on: date,
                     profile: ScoringProfile) -> list[ProjectMonitor]:
    return [monitor_project(p, actuals, on, profile) for p in doc.projects]
