"""A target that points the wrong way, turned the way its indicator points.

The review finds them (Q5-direction-conflict): `系统故障率 达到90%` sets a floor on a
lower-is-better rate. Scored as written, a higher failure rate would earn more. Here the
indicator's direction wins — a form's stated 指标方向性 first, else the taxonomy's
`lower_is_better` rules — and the target is read again that way:

* a percentage on the wrong side of 50 % is the rate's complement, the share that was
  meant (`达到90%` of a failure rate is at most 10 % failing; `≤5%` of an availability a
  form calls 正向 is at least 95 %);
* otherwise the comparator turns and the number stays (`≥3起` of incidents is `≤3起`).

Scoring and the project page's reading use the turned target and say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from jixiao.messages import say
from jixiao.model import Indicator
from jixiao.targets import Comparator, Direction, Kind, Target, parse
from jixiao.taxonomy import classify

FIFTY, HUNDRED = Decimal(50), Decimal(100)
_FLOORS = {Comparator.GE: "≤", Comparator.GT: "<"}  # turned to a ceiling
_CEILINGS = {Comparator.LE: "≥", Comparator.LT: ">"}  # turned to a floor
_WAY = (Direction.LOWER, Direction.HIGHER)  # the ways a target is turned


@dataclass(frozen=True, slots=True)
class Turn:
    target: Target  # the target as scored
    note: str  # why, for the formula and the page: '按指标方向（…越低越好）…读作 ≤ 10%'


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _turn_leaf(t: Target, way: Direction) -> Target | None:
    if t.kind is not Kind.QUANTITATIVE or t.change or t.value is None or t.upper is not None:
        return None
    if not (t.comparator_text or t.suffix_text):
        return None  # no comparator written: the direction already decides
    turns = _FLOORS if way is Direction.LOWER else _CEILINGS
    comparator = t.comparator
    if comparator not in turns:
        return None
    unit = t.unit
    value = t.value
    wrong_side = value > FIFTY if way is Direction.LOWER else value < FIFTY
    number = t.number_text
    if unit is not None and unit.canonical == "%" and not t.multiplier and wrong_side \
            and value <= HUNDRED:
        number = _plain(HUNDRED - value)  # the complement: the share that was meant
    return t._replace(comparator_text=turns[comparator], suffix_text="", number_text=number)


def turned(indicator: Indicator, target: Target | None = None) -> Turn | None:
    """The target turned the way the indicator points, with the reason; None when it
    points that way already (or no direction stands above the target's own)."""
    target = target or parse(indicator.target)
    kind = classify(indicator, target)
    if kind.direction_rule == "form":
        source = say("direction.form")
    elif kind.direction is Direction.LOWER and kind.direction_rule.startswith("D"):
        source = say("direction.rule", rule=kind.direction_rule)  # the rule Q5 names
    else:
        return None
    way = kind.direction
    if way not in _WAY:
        return None
    if target.kind is Kind.COMPOUND:
        parts = [_turn_leaf(p, way) for p in target.parts]
        if not any(parts):
            return None
        new = target._replace(parts=tuple(n or p for n, p in zip(parts, target.parts,
                                                                 strict=True)))
    else:
        leaf = _turn_leaf(target, way)
        if leaf is None:
            return None
        new = leaf
    note = say("direction.note", name=indicator.name, way=say(f"direction.{way.value}"),
               source=source, target=target.text.strip(), turned=new.text.strip())
    return Turn(new, note)
