"""Whether a reported value may be stored: the one check of the web form, the API and the
actuals sheet. A value is refused when it could not be scored against its target or could
not have happened — `abc` or `150%` for a satisfaction rate, a negative count, an unknown
state, an amount with a third decimal — and the refusal says why, in Chinese."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from jixiao.evaluation.assessment import assess, comparable
from jixiao.model import Indicator
from jixiao.targets import ACHIEVEMENT, Kind, Target, parse

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
_HALF = str.maketrans("０１２３４５６７８９．％－", "0123456789.%-")
# a minus sign before a digit that does not follow one: "-5", "−3台" (not the range 90-95)
_NEGATIVE = re.compile(r"(?<![\d.])[-−]\s*\d")
_DIGIT = re.compile(r"\d")
_TIERS = "、".join(("达成", "部分达成", "未达成"))


def _shown(target: Target) -> str:
    return target.text.strip() or "（空）"


def check_actual(indicator: Indicator, value: str) -> str | None:
    """None when `value` may be stored as the 实际完成值 of `indicator`, else why not."""
    text = value.strip()
    if not text:
        return "实际完成值不能为空"
    return _check(parse(indicator.target), text, indicator.name)


def _check(target: Target, text: str, name: str) -> str | None:
    if target.kind is Kind.COMPOUND:
        actual = parse(text)
        answers = actual.parts if actual.kind is Kind.COMPOUND else (actual,)
        if len(answers) != len(target.parts):
            return (f"“{name}”的目标“{target.text}”有{len(target.parts)}项，实际完成值也应"
                    f"写{len(target.parts)}项（用逗号或分号隔开），不是“{text}”")
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
        own = f"，或目标自己的说法（如“{target.state_text}”）" if target.state_text else ""
        return (f"“{name}”的目标“{_shown(target)}”是定性指标，实际完成值应为{_TIERS}"
                f"{own}，不是“{text}”")
    return None


def _quantity(target: Target, text: str, name: str) -> str | None:
    half = text.translate(_HALF)
    unit = target.unit
    is_rate = unit is not None and unit.canonical == "%"
    wanted = "0–100 之间的百分数（可带 %）" if is_rate else "不小于 0 的数值" + (
        f"（单位 {target.unit_text}）" if target.unit_text else "")
    # the words the target itself starts with (its subject) are no sign of the figure
    subject = (target.subject or "").translate(_HALF)
    bare = half[len(subject):] if subject and half.startswith(subject) else half
    if _NEGATIVE.search(bare):
        return f"“{name}”的实际完成值不能为负数：应为{wanted}，不是“{text}”"
    actual = parse(half)
    # digits around the number are another number ("1e3"), unless they repeat the
    # target's own words ("月度考核60分以上率为100%")
    stray = [t for t, own in ((actual.subject, target.subject),
                              (actual.trailing, target.trailing))
             if _DIGIT.search(t) and t.strip() != own.strip()]
    if actual.kind is not Kind.QUANTITATIVE or actual.value is None or stray or any(
            w in half for w in ACHIEVEMENT):
        return f"“{name}”的目标“{target.text}”是数值，实际完成值应为{wanted}，不是“{text}”"
    if actual.unit is None and actual.trailing.strip() and not target.trailing:
        # "5 %" reads its % as trailing text: a unit all the same
        trailing = actual.trailing.strip()
        if trailing not in ("%", target.unit_text):
            return f"“{name}”的实际完成值“{text}”带有无法识别的单位“{trailing}”：应为{wanted}"
    try:
        got = comparable(target, actual)
    except ValueError:
        return (f"“{name}”的目标以“{target.unit_text}”计，实际完成值“{text}”的单位"
                f"“{actual.unit_text}”无法换算：应为{wanted}")
    if is_rate and not target.change:
        ceiling = max((v for v in (target.value, target.upper) if v is not None),
                      default=HUNDRED)
        if ceiling <= HUNDRED and got > HUNDRED:  # "unless the target allows more"
            return f"“{name}”是百分比，实际完成值应为{wanted}，“{text}”超过了 100%"
    if unit is not None and unit.dimension == "money":
        return _money_places(actual.value, f"“{name}”的实际完成值“{text}”")
    return None


# more whole digits than any budget prints (10¹⁵ 万元), and below the 28 digits of Decimal's
# context, so that rounding to cents cannot fail (it raised InvalidOperation: a 500)
MONEY_DIGITS = 16


def _money_places(value: Decimal, what: str) -> str | None:
    if value.adjusted() >= MONEY_DIGITS:
        return f"{what}超过 {MONEY_DIGITS} 位整数，不是预算表中的金额"
    if value != value.quantize(CENT):
        return f"{what}最多两位小数"
    return None


def check_money(value: Any, what: str = "金额", unit: str = "万元"
                ) -> tuple[Decimal | None, str | None]:
    """An amount (in `unit`, as the table prints it) as typed or as a sheet cell holds it:
    (the Decimal, None), or (None, why not) — a number ≥ 0 with at most two decimals;
    blank is (None, None)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, bool):
        return None, f"{what}应为数字，不是“{value}”"
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
        return None, f"{what}应为以{unit}计的数字，不是“{value}”"
    if not number.is_finite():
        return None, f"{what}应为以{unit}计的数字，不是“{value}”"
    if number < 0:
        return None, f"{what}不能为负数（{value}）"
    if (why := _money_places(number, f"{what}“{value}”")) is not None:
        return None, why
    return number, None
