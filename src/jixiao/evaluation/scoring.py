"""The self-evaluation score (绩效自评) of a project, by a scoring profile.

Every score carries the formula and the inputs that produced it, so a reviewer can redo
the arithmetic from the form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from jixiao.evaluation.actuals import Actual, Actuals, Execution
from jixiao.evaluation.assessment import assess, comparable
from jixiao.evaluation.direction import turned
from jixiao.evaluation.profiles import CATEGORIES, ScoringProfile
from jixiao.messages import say
from jixiao.model import Document, Indicator, Project
from jixiao.targets import (
    ACHIEVEMENT,
    Comparator,
    Direction,
    Kind,
    Status,
    Target,
    parse,
)
from jixiao.taxonomy import classify

ZERO, ONE = Decimal(0), Decimal(1)
_TIER_WORDS = re.compile("|".join(sorted(ACHIEVEMENT, key=len, reverse=True)))
CENT = Decimal("0.01")


def two_decimals(value: Decimal) -> Decimal:
    """Two decimals, as the forms print them (the vendor SQL rounds the same way)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


_r = two_decimals  # short, inside the formulas


def to_step(value: Decimal, step: Decimal) -> Decimal:
    """`value` rounded half up to a multiple of `step` (0.01, 0.1, 1), as a publisher
    prints it; 0.01 is two_decimals."""
    if step == CENT:
        return two_decimals(value)
    return ((value / step).quantize(ONE, rounding=ROUND_HALF_UP) * step).quantize(
        step if step < 1 else ONE)


@dataclass(slots=True)
class Check:
    """Something the department's report lacks or gets wrong."""

    code: str  # unparsed-actual, unit-mismatch, reason-missing, claimed-score, no-actual
    message: str
    indicator: int | None = None


@dataclass(slots=True)
class IndicatorScore:
    position: int
    indicator: Indicator
    category: str  # the group whose weight it shares
    weight: Decimal
    actual: str | None
    points: Decimal
    formula: str  # how the points came about, with the inputs
    status: Status | None


@dataclass(slots=True)
class ProjectScore:
    project: Project
    budget: Decimal | None  # 年初预算数
    adjusted_budget: Decimal | None
    executed: Decimal | None
    execution_rate: Decimal | None
    execution_points: Decimal
    execution_formula: str
    indicators: list[IndicatorScore]
    total: Decimal
    grade: str
    checks: list[Check] = field(default_factory=list)


def weights(project: Project, profile: ScoringProfile) -> dict[int, tuple[str, Decimal]]:
    """Each indicator's group and weight: the 分值 the form states, or else the group's
    weight split evenly; a group the project lacks gives its weight to the others in
    proportion ('redistribute')."""
    stated = [i.form.weight if i.form else None for i in project.indicators]
    if stated and all(w is not None and w > 0 for w in stated):
        # the form states each indicator's 分值: it beats an even split (scaled to the
        # profile's points for indicators, so a form out of 100 and one out of 90 agree)
        budget = sum(profile.category_weights.values(), ZERO)
        total = sum(stated, ZERO)  # type: ignore[arg-type]
        return {k: (profile.groups.get(first := classify(i).first_level, first),
                    w * budget / total)  # type: ignore[operator]
                for k, (i, w) in enumerate(zip(project.indicators, stated, strict=True))}
    groups: dict[str, list[int]] = {c: [] for c in CATEGORIES}
    for k, indicator in enumerate(project.indicators):
        first = classify(indicator).first_level
        groups.setdefault(profile.groups.get(first, first), []).append(k)
    present = {g: ks for g, ks in groups.items() if ks and g in profile.category_weights}
    budget = sum(profile.category_weights.values(), ZERO)
    held = sum((profile.category_weights[g] for g in present), ZERO)
    scale = budget / held if held and profile.missing_category == "redistribute" else ONE
    out: dict[int, tuple[str, Decimal]] = {}
    for group, ks in present.items():
        each = profile.category_weights[group] * scale / len(ks)
        for k in ks:
            out[k] = (group, each)
    return out


def _quantitative(target: Target, actual: Target, w: Decimal, direction: Direction,
                  profile: ScoringProfile) -> tuple[Decimal, str, Status]:
    a = target.value
    if a is None:  # an unparsed target: said in words, not an AssertionError without any
        raise ValueError(say("targets.unparsed", target=target.text))
    b = comparable(target, actual)  # in the target's unit; raises when it cannot be
    assessment = assess(target, actual, direction)  # ranges and statuses
    way = target.direction or direction
    if target.comparator is Comparator.EQ and a == 0:
        points = w if b <= 0 else ZERO
        return points, say("formula.zero_exact", points=_r(points)), assessment.status
    if way is Direction.LOWER and target.comparator is not Comparator.RANGE:
        if b <= a:
            return w, say("formula.lower_met", a=a, b=b, w=_r(w)), assessment.status
        if profile.reverse == "zero":  # over a ceiling earns nothing (ningde)
            return ZERO, say("formula.lower_over", a=a, b=b), assessment.status
        if profile.reverse == "linear":
            if a <= 0 or b >= 2 * a:
                return ZERO, say("formula.lower_double", b=b, double=2 * a), assessment.status
            points = w * (1 - (b - a) / a)
            return points, (f"w·(1 − (B−A)/A) = {_r(w)} × (1 − ({b} − {a})/{a}) = "
                            f"{_r(points)}"), assessment.status
        if a <= 0:
            return ZERO, say("formula.zero_floor", b=b), assessment.status
        points = w * a / b
        return points, f"w·A/B = {_r(w)} × {a}/{b} = {_r(points)}", assessment.status
    if target.comparator is Comparator.RANGE:
        points = w * assessment.ratio
        return points, f"w × ({assessment.rule}) = {_r(w)} × {_r(assessment.ratio)} = " \
            f"{_r(points)}", assessment.status
    if a <= 0:
        points = w if b >= a else ZERO
        return points, say("formula.higher_zero", a=a, points=_r(points)), assessment.status
    points = w * min(ONE, max(ZERO, b / a))
    return points, f"w·min(1, B/A) = {_r(w)} × min(1, {b}/{a}) = {_r(points)}", \
        assessment.status


def _qualitative(target: Target, actual: Target, w: Decimal,
                 profile: ScoringProfile) -> tuple[Decimal, str, Status]:
    assessment = assess(target, actual)
    tier = {Status.MET: "达成", Status.PARTLY: "部分达成", Status.NOT_MET: "未达成"}[
        assessment.status]
    share = profile.tier_shares[tier]
    points = w * share
    return points, f"{tier}: w × {share} = {_r(w)} × {share} = {_r(points)}", assessment.status


def score_indicator(target: Target, actual_text: str, w: Decimal, direction: Direction,
                    profile: ScoringProfile) -> tuple[Decimal, str, Status]:
    """Points (0 … w), the formula with its inputs, and the status."""
    actual = parse(actual_text)
    if target.kind is Kind.COMPOUND:
        answers = actual.parts if actual.kind is Kind.COMPOUND else (actual,)
        if len(answers) != len(target.parts):
            raise ValueError(say("checks.parts", n=len(target.parts), actual=actual_text))
        parts = [score_indicator(t, a.text, w, direction, profile)
                 for t, a in zip(target.parts, answers, strict=True)]
        points = min(p for p, _, _ in parts)  # every part must be met
        status = Status.MET if all(s is Status.MET for _, _, s in parts) else (
            Status.PARTLY if points >= w * profile.bands[1] else Status.NOT_MET)
        return points, say("formula.weakest", parts=say("formula.part_separator").join(
            f for _, f, _ in parts)), status
    if target.kind is Kind.QUALITATIVE:
        return _qualitative(target, actual, w, profile)
    if _TIER_WORDS.search(actual_text):  # a tier (达成 …) where a number was expected
        return _qualitative(parse("完成"), actual, w, profile)
    return _quantitative(target, actual, w, direction, profile)


def score_project(project: Project, actuals: Actuals, profile: ScoringProfile) -> ProjectScore:
    checks: list[Check] = []
    execution = actuals.executions.get(project.seq) or Execution(project.seq, None, None)
    budget = project.amounts.total
    adjusted = execution.adjusted_budget if execution.adjusted_budget is not None else budget
    rate: Decimal | None = None
    if adjusted and execution.executed is not None:
        rate = execution.executed / adjusted
        step = next(((bound, share) for bound, share in profile.execution_steps
                     if rate >= bound), None)
        if step is not None:  # a publisher's steps: a share of 分值 from a rate on
            exec_points = to_step(profile.execution_weight * step[1], profile.execution_step)
            higher = [b for b, _ in profile.execution_steps if b > step[0]]
            where = f"< {min(higher) * 100:.0f}%" if higher else f"≥ {step[0] * 100:.0f}%"
            exec_formula = say("formula.execution_step", rate=_r(rate * 100), where=where,
                               share=step[1], weight=profile.execution_weight,
                               points=exec_points)
        else:
            exec_points = to_step(profile.execution_weight * min(ONE, rate),
                                  profile.execution_step)
            exec_formula = say("formula.execution_rate", weight=profile.execution_weight,
                               executed=execution.executed, budget=adjusted, points=exec_points)
        if rate < profile.execution_below and not execution.reason.strip():
            checks.append(Check("reason-missing", say(
                "checks.reason-missing", rate=_r(rate * 100),
                below=f"{profile.execution_below * 100:.0f}")))
    else:
        exec_points, exec_formula = ZERO, say("formula.no_execution")
        checks.append(Check("no-execution", say("checks.no-execution")))
    scored: list[IndicatorScore] = []
    for k, (group, w) in sorted(weights(project, profile).items()):
        indicator = project.indicators[k]
        target = parse(indicator.target)
        reported: Actual | None = actuals.values.get((project.seq, k))
        if reported is None or not reported.value.strip():
            checks.append(Check("no-actual", say("checks.no-actual", seq=indicator.seq,
                                                 name=indicator.name), k))
            scored.append(IndicatorScore(k, indicator, group, w, None, ZERO,
                                         say("formula.no_actual"), None))
            continue
        direction = classify(indicator, target).direction
        # a target pointing the wrong way (Q5) is scored the way its indicator points
        if (turn := turned(indicator, target)) is not None:
            target = turn.target
        try:
            points, formula, status = score_indicator(target, reported.value, w, direction,
                                                      profile)
            if turn is not None:
                formula = f"{turn.note}：{formula}"
        except ValueError as exc:
            checks.append(Check("unparsed-actual", say(
                "checks.unparsed-actual", seq=indicator.seq, name=indicator.name,
                value=reported.value, target=indicator.target, why=exc), k))
            scored.append(IndicatorScore(k, indicator, group, w, reported.value, ZERO,
                                         say("formula.unscored", why=exc), None))
            continue
        actual = parse(reported.value)
        if actual.kind is Kind.QUANTITATIVE and target.kind is Kind.QUANTITATIVE:
            unit, got_unit = target.unit, actual.unit
            if unit and got_unit and got_unit.canonical != unit.canonical:
                checks.append(Check("unit-mismatch", say(
                    "checks.unit-mismatch", seq=indicator.seq, actual=actual.unit_text,
                    target=target.unit_text), k))
            want, got = target.value, actual.value
            if want and got is not None and direction is not Direction.LOWER \
                    and target.direction is not Direction.LOWER \
                    and got >= want * profile.over_achievement and not reported.reason.strip():
                checks.append(Check("reason-missing", say(
                    "checks.over-achievement", seq=indicator.seq, got=got, want=want,
                    share=f"{profile.over_achievement * 100:.0f}"), k))
        if status is not Status.MET and not reported.reason.strip():
            checks.append(Check("reason-missing", say("checks.not-met", seq=indicator.seq), k))
        if profile.indicator_step != CENT:  # a coarser step is the score itself (9 of 10);
            points = to_step(points, profile.indicator_step)  # two decimals only print it
            formula += f" → {points}"
        if reported.claimed_score is not None and _r(reported.claimed_score) != _r(points):
            checks.append(Check("claimed-score", say(
                "checks.claimed-score", seq=indicator.seq, claimed=reported.claimed_score,
                computed=_r(points)), k))
        scored.append(IndicatorScore(k, indicator, group, w, reported.value, points, formula,
                                     status))
    total = _r(exec_points) + sum((_r(s.points) for s in scored), ZERO)
    return ProjectScore(project, budget, adjusted, execution.executed, rate, _r(exec_points),
                        exec_formula, scored, total, profile.grade(total), checks)


def score_document(doc: Document, actuals: Actuals,
                   profile: ScoringProfile) -> list[ProjectScore]:
    return [score_project(p, actuals, profile) for p in doc.projects]
