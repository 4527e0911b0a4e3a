"""How far an actual value meets its target (实际完成值 against 年度指标值): a ratio in
[0, 1] and met / partly / not met. The one judgement monitoring, scoring, the value checks
and the generated results share; jixiao.targets keeps the grammar it reads them with.
Compound targets are judged by their weakest part (docs/scoring.md)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from jixiao.messages import say
from jixiao.targets import (
    ACHIEVEMENT,
    PARTLY_RATIO,
    TIER_SCALES,
    Comparator,
    Direction,
    Kind,
    Status,
    Target,
    parse,
)

__all__ = ["Assessment", "Status", "assess", "comparable"]


@dataclass(frozen=True, slots=True)
class Assessment:
    ratio: Decimal  # 0 … 1: how far the actual meets the target
    status: Status
    rule: str  # how the ratio was computed, in words


def assess(target: Target, actual: str | Decimal | int | Target,
           direction: Direction | None = None,
           partly_from: Decimal = Decimal("0.6")) -> Assessment:
    """How far `actual` meets `target`: a ratio in [0, 1] (capped) and a status.

    `direction` decides for a target that names no comparator (from the indicator's
    name); without it such a target counts as higher-is-better.
    """
    if not isinstance(actual, Target):
        actual = parse(str(actual))
    if target.kind is Kind.COMPOUND:
        return _assess_compound(target, actual, direction, partly_from)
    if target.kind is Kind.QUALITATIVE:
        return _assess_qualitative(target, actual)
    if target.kind is Kind.UNPARSED or target.value is None:
        raise ValueError(say("targets.unparsed", target=target.text))
    got = comparable(target, actual)
    return _assess_number(target, got, direction, partly_from)


def _assess_compound(target: Target, actual: Target, direction: Direction | None,
                     partly_from: Decimal) -> Assessment:
    answers = actual.parts if actual.kind is Kind.COMPOUND else (actual,)
    if len(answers) != len(target.parts):
        raise ValueError(say("targets.parts", n=len(target.parts), got=len(answers),
                             actual=actual.text))
    each = [assess(p, a, direction, partly_from) for p, a in zip(target.parts, answers,
                                                                strict=True)]
    # every part must be met: the weakest counts (docs/scoring.md), as in scoring
    ratio = min(a.ratio for a in each)
    status = Status.MET if all(a.status is Status.MET for a in each) else (
        Status.PARTLY if ratio >= partly_from else Status.NOT_MET)
    return Assessment(ratio, status, say("assess.weakest", parts=say(
        "assess.part_separator").join(a.rule for a in each)))


def comparable(target: Target, actual: Target) -> Decimal:
    """The actual value in the target's unit (converted when both have physical units)."""
    if actual.kind is not Kind.QUANTITATIVE or actual.value is None:
        raise ValueError(say("targets.number_expected", actual=actual.text))
    tu, au = target.unit, actual.unit
    if tu and au and tu.canonical != au.canonical:
        t_base, a_base = target.base_value(), actual.base_value()
        if t_base is None or a_base is None or t_base[1] != a_base[1]:
            raise ValueError(say("targets.unit_incomparable", actual=actual.text,
                                 target=target.text))
        return a_base[0] / t_base[0] * target.value  # type: ignore[operator]
    return actual.value


def _assess_number(target: Target, got: Decimal, direction: Direction | None,
                   partly_from: Decimal) -> Assessment:
    want = target.value
    assert want is not None
    comparator = target.comparator
    way = target.direction or direction or Direction.HIGHER
    one, zero = Decimal(1), Decimal(0)
    if comparator is Comparator.RANGE:
        upper = target.upper
        assert upper is not None
        if want <= got <= upper:
            return Assessment(one, Status.MET, say("assess.within", got=got, want=want,
                                                   upper=upper))
        ratio = got / want if got < want else (upper / got if got > 0 else zero)
        rule = say("assess.outside_low" if got < want else "assess.outside_high", want=want,
                   upper=upper)
    elif way is Direction.LOWER:
        met = got < want if comparator is Comparator.LT else got <= want
        if got <= want:
            ratio, rule = one, say("assess.at_most", got=got, want=want)
        elif want <= 0:
            ratio, rule = zero, say("assess.none_allowed", got=got)
        else:
            ratio, rule = want / got, say("assess.lower_better")
        return _status(ratio, met, partly_from, rule)
    else:  # higher is better; '=' is scored like it (domain.md §3)
        met = got > want if comparator is Comparator.GT else got >= want
        if want <= 0:
            ratio, rule = (one if got >= want else zero), say("assess.zero_target", want=want)
        else:
            ratio, rule = max(zero, min(one, got / want)), say("assess.higher_better")
        return _status(ratio, met, partly_from, rule)
    return _status(max(zero, min(one, ratio)), False, partly_from, rule)


def _status(ratio: Decimal, met: bool, partly_from: Decimal, rule: str) -> Assessment:
    ratio = max(Decimal(0), min(Decimal(1), ratio))
    status = Status.MET if met else (Status.PARTLY if ratio >= partly_from else Status.NOT_MET)
    return Assessment(ratio, status, rule)


def _assess_tier(target: Target, actual: Target) -> Assessment | None:
    """An actual tier against a target tier of a common scale: met at the target's tier or
    better, else the share of the scale between the actual and the worst tier (优 expected,
    良 on 优/良/中/低/差: 3/4). None when they share no scale."""
    if target.kind is not Kind.QUALITATIVE or actual.kind is not Kind.QUALITATIVE:
        return None
    want, got = target.state_text, actual.state_text
    scale = next((s for s in TIER_SCALES if want in s and got in s), None)
    if scale is None or target.tier is None or actual.tier is None:
        return None
    w, g, worst = scale.index(want), scale.index(got), len(scale) - 1
    if g <= w:
        return Assessment(Decimal(1), Status.MET, say("assess.tier", got=got, want=want))
    ratio = Decimal(worst - g) / Decimal(worst - w)
    status = Status.PARTLY if ratio >= Decimal("0.6") else Status.NOT_MET
    return Assessment(ratio, status, say("assess.tier_share", got=got, want=want,
                                         share=worst - g, of=worst - w))


def _assess_qualitative(target: Target, actual: Target) -> Assessment:
    tiered = _assess_tier(target, actual)
    if tiered is not None:
        return tiered
    text = actual.text.strip()
    for word, status in sorted(ACHIEVEMENT.items(), key=lambda x: -len(x[0])):
        if word in text:
            ratio = {Status.MET: Decimal(1), Status.PARTLY: PARTLY_RATIO,
                     Status.NOT_MET: Decimal(0)}[status]
            return Assessment(ratio, status, say("assess.word", word=word))
    if actual.kind is Kind.QUALITATIVE and target.state and actual.state:
        if actual.state.key == target.state.key:
            return Assessment(Decimal(1), Status.MET,
                              say("assess.state_met", state=actual.state.key))
        return Assessment(Decimal(0), Status.NOT_MET, say(
            "assess.state_not_met", state=actual.state.key, wanted=target.state.key))
    if actual.kind is Kind.QUANTITATIVE and actual.change and target.state:
        wanted = "increase" if target.state.direction is Direction.HIGHER else "decrease"
        ok = actual.change == wanted and (actual.value or 0) > 0
        return Assessment(Decimal(int(ok)), Status.MET if ok else Status.NOT_MET,
                          say("assess.change", change=say(f"assess.{actual.change}"),
                              number=actual.number_text))
    raise ValueError(say("targets.undecided", actual=actual.text, target=target.text))
