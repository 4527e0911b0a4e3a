"""Whether a reported value may be stored: the one check of the web form, the API and the
actuals sheet. A value is refused when it could not be scored against its target or could
not have happened — `abc` or `150%` for a satisfaction rate, a negative count, an unknown
state, an amount with a third decimal — and the refusal says why, in Chinese."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from jixiao.evaluation.assessment import assess, comparable
from jixiao.messages import say
from jixiao.model import Indicator
from jixiao.targets import ACHIEVEMENT, Kind, Target, parse

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
_HALF = str.maketrans("０１２３４５６７８９．％－", "0123456789.%-")
# a minus sign before a digit that does not follow one: "-5", "−3台" (not the range 90-95)
_NEGATIVE = re.compile(r"(?<![\d.])[-−]\s*\d")
_DIGIT = re.compile(r"\d")


def _shown(target: Target) -> str:
    return target.text.strip() or say("values.empty-target")


def check_actual(indicator: Indicator, value: str) -> str | None:
    """None when `value` may be stored as the 实际完成值 of `indicator`, else why not."""
    text = value.strip()
    if not text:
        return say("values.empty")
    return _check(parse(indicator.target), text, indicator.name)


def _check(target: Target, text: str, name: str) -> str | None:
    if target.kind is Kind.COMPOUND:
        actual = parse(text)
        answers = actual.parts if actual.kind is Kind.COMPOUND else (actual,)
        if len(answers) != len(target.parts):
            return say("values.parts", name=name, target=target.text, parts=len(target.parts),
                       text=text)
        for part, answer in zip(target.parts, answers, strict=True):
            if (why := _check(part, answer.text.strip(), name)) is not None:
                return why
        return None
    if target.kind is Kind.QUALITATIVE:
        return _qualitative(target, text, name)
    if target.kind is Kind.UNPARSED or target.value is None:
        return None  # a target the grammar cannot read: nothing to hold the value against
    return _quantity(target, text, name)


def _qualitative(target: Target, text: str, name: str) -> str | None:
    try:  # the assessment is the vocabulary: the tiers, the target's states, its scale
        assess(target, text)
    except ValueError:
        own = say("values.own-states", states=target.state_text) if target.state_text else ""
        return say("values.qualitative", name=name, target=_shown(target), own=own, text=text)
    return None


def _quantity(target: Target, text: str, name: str) -> str | None:
    half = text.translate(_HALF)
    unit = target.unit
    is_rate = unit is not None and unit.canonical == "%"
    wanted = say("values.wanted-rate") if is_rate else say("values.wanted-number") + (
        say("values.wanted-unit", unit=target.unit_text) if target.unit_text else "")
    # the words the target itself starts with (its subject) are no sign of the figure
    subject = (target.subject or "").translate(_HALF)
    bare = half[len(subject):] if subject and half.startswith(subject) else half
    if _NEGATIVE.search(bare):
        return say("values.negative", name=name, wanted=wanted, text=text)
    actual = parse(half)
    # digits around the number are another number ("1e3"), unless they repeat the
    # target's own words ("月度考核60分以上率为100%")
    stray = [t for t, own in ((actual.subject, target.subject),
                              (actual.trailing, target.trailing))
             if _DIGIT.search(t) and t.strip() != own.strip()]
    if actual.kind is not Kind.QUANTITATIVE or actual.value is None or stray or any(
            w in half for w in ACHIEVEMENT):
        return say("values.not-a-number", name=name, target=target.text, wanted=wanted,
                   text=text)
    if actual.unit is None and actual.trailing.strip() and not target.trailing:
        # "5 %" reads its % as trailing text: a unit all the same
        trailing = actual.trailing.strip()
        if trailing not in ("%", target.unit_text):
            return say("values.unknown-unit", name=name, text=text, unit=trailing,
                       wanted=wanted)
    try:
        got = comparable(target, actual)
    except ValueError:
        return say("values.unit-mismatch", name=name, unit=target.unit_text, text=text,
                   actual=actual.unit_text, wanted=wanted)
    if is_rate and not target.change:
        ceiling = max((v for v in (target.value, target.upper) if v is not None),
                      default=HUNDRED)
        if ceiling <= HUNDRED and got > HUNDRED:  # "unless the target allows more"
            return say("values.over-100", name=name, wanted=wanted, text=text)
    if unit is not None and unit.dimension == "money":
        return _money_places(actual.value, say("values.the-actual", name=name, text=text))
    return None


# more whole digits than any budget prints (10¹⁵ 万元), and below the 28 digits of Decimal's
# context, so that rounding to cents cannot fail (it raised InvalidOperation: a 500)
MONEY_DIGITS = 16


def _money_places(value: Decimal, what: str) -> str | None:
    if value.adjusted() >= MONEY_DIGITS:
        return say("values.too-many-digits", what=what, digits=MONEY_DIGITS)
    if value != value.quantize(CENT):
        return say("values.places", what=what)
    return None


def check_money(value: Any, what: str = "金额", unit: str = "万元"
                ) -> tuple[Decimal | None, str | None]:
    """An amount (in `unit`, as the table prints it) as typed or as a sheet cell holds it:
    (the Decimal, None), or (None, why not) — a number ≥ 0 with at most two decimals;
    blank is (None, None)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, bool):
        return None, say("values.money-not-a-number", what=what, value=value)
    try:
        if isinstance(value, float):
            number = Decimal(repr(value))
            if number.is_finite() and number.adjusted() < MONEY_DIGITS:
                rounded = number.quantize(CENT)
                # a float carries binary noise (16.989000000000001): two decimals within it
                number = rounded if abs(number - rounded) < Decimal("1e-9") else number
        else:
            number = Decimal(str(value).translate(_HALF).replace(",", "").strip())
    except InvalidOperation:
        return None, say("values.money-in-unit", what=what, unit=unit, value=value)
    if not number.is_finite():
        return None, say("values.money-in-unit", what=what, unit=unit, value=value)
    if number < 0:
        return None, say("values.money-negative", what=what, value=value)
    if (why := _money_places(number, say("values.the-money", what=what, value=value))
            ) is not None:
        return None, why
    return number, None
