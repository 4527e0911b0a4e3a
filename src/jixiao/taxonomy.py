"""The indicator taxonomy: first level (as printed, or inferred), second level, direction.

The rules are data (`data/taxonomy.toml`); this module only applies them, and every
inference names the rule that made it.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

from jixiao.model import Indicator
from jixiao.targets import Direction, Kind, Target, parse

SECOND_LEVEL_PARENT: dict[str, str] = {
    "数量": "产出指标", "质量": "产出指标", "时效": "产出指标", "成本": "产出指标",
    "经济效益": "效益指标", "社会效益": "效益指标", "生态效益": "效益指标",
    "可持续影响": "效益指标", "服务对象满意度": "满意度指标", "经济成本": "成本指标",
    "社会成本": "成本指标", "生态环境成本": "成本指标",
}
_TRAILING_NOTE = re.compile(r"(?:[（(][^）)]*[）)]|%)+$")


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    result: str  # the category, or "lower" for a direction rule
    first_level: tuple[str, ...] = ()
    name_any: tuple[str, ...] = ()
    name_none: tuple[str, ...] = ()
    name_ends: tuple[str, ...] = ()
    target_any: tuple[str, ...] = ()
    target_dimensions: tuple[str, ...] = ()
    target_max_seconds: int | None = None

    def matches(self, first_level: str | None, name: str, target: Target) -> bool:
        if self.first_level and first_level not in self.first_level:
            return False
        if self.name_any and not any(w in name for w in self.name_any):
            return False
        if any(w in name for w in self.name_none):
            return False
        if self.name_ends and not _TRAILING_NOTE.sub("", name).endswith(self.name_ends):
            return False
        if self.target_any and not any(w in target.text for w in self.target_any):
            return False
        if self.target_dimensions:
            unit = _single(target).unit
            if unit is None or unit.dimension not in self.target_dimensions:
                return False
        if self.target_max_seconds is not None:
            unit = _single(target).unit
            if unit is None or unit.dimension != "time":
                return False
            base = _single(target).base_value()
            if base is None or base[0] > self.target_max_seconds:
                return False
        return True


@dataclass(frozen=True, slots=True)
class Classification:
    """What an indicator is, and which rule said so."""

    first_level: str
    first_level_rule: str | None  # None: printed in the table
    second_level: str
    second_level_rule: str
    direction: Direction
    direction_rule: str

    @property
    def fits(self) -> bool:
        """Whether the second level belongs under the first (else: a wrong category)."""
        return SECOND_LEVEL_PARENT.get(self.second_level) == self.first_level

    def as_dict(self) -> dict[str, Any]:
        return {
            "first_level": self.first_level,
            "first_level_inferred": self.first_level_rule is not None,
            "first_level_rule": self.first_level_rule,
            "second_level": self.second_level,
            "second_level_rule": self.second_level_rule,
            "category_fits": self.fits,
            "direction": str(self.direction),
            "direction_rule": self.direction_rule,
        }


def _single(target: Target) -> Target:
    """The part that speaks for a compound target (its first)."""
    return target.parts[0] if target.kind is Kind.COMPOUND and target.parts else target


def _rules(raw: list[dict[str, Any]], result_key: str | None) -> tuple[Rule, ...]:
    return tuple(
        Rule(id=r["id"], result=r[result_key] if result_key else "lower",
             first_level=tuple(r.get("first_level", ())), name_any=tuple(r.get("name_any", ())),
             name_none=tuple(r.get("name_none", ())), name_ends=tuple(r.get("name_ends", ())),
             target_any=tuple(r.get("target_any", ())),
             target_dimensions=tuple(r.get("target_dimensions", ())),
             target_max_seconds=r.get("target_max_seconds"))
        for r in raw)


@dataclass(frozen=True, slots=True, eq=False)  # hashed by identity: a cache key, cheaply
class Rules:
    first_level: tuple[Rule, ...]
    second_level: tuple[Rule, ...]
    lower_is_better: tuple[Rule, ...]

    @classmethod
    def from_toml(cls, text: str) -> Rules:
        data = tomllib.loads(text)
        return cls(_rules(data["first_level"], "category"),
                   _rules(data["second_level"], "second"),
                   _rules(data["lower_is_better"], None))


@functools.cache
def default_rules() -> Rules:
    return Rules.from_toml(resources.files("jixiao").joinpath("data/taxonomy.toml")
                           .read_text(encoding="utf-8"))


def classify(indicator: Indicator, target: Target | None = None,
             rules: Rules | None = None) -> Classification:
    """First level, second level and direction of one indicator."""
    form = indicator.form
    return classify_fields(indicator.category, indicator.name, target or parse(indicator.target),
                           form is not None, form.level2 if form else None,
                           form.direction if form else None, rules)


def classify_fields(category: str | None, name: str, target: Target, has_form: bool = False,
                    level2: str | None = None, direction: str | None = None,
                    rules: Rules | None = None) -> Classification:
    """`classify` of an indicator given as its stored columns (a columnar export reads
    rows, not Indicators): a form's written 二级 and 指标方向 count when `has_form`."""
    if not has_form:
        return _classify(category, name, target, rules or default_rules())
    return _classify_form(category, name, target, level2, direction, rules or default_rules())


@functools.lru_cache(maxsize=65536)
def _classify_form(category: str | None, name: str, target: Target, level2: str | None,
                   direction: str | None, rules: Rules) -> Classification:
    """A form's indicator: its written 一级 taken by family (产出值, 预期产出指标 → 产出指标),
    its written 二级 as the second level, and its 指标方向性 over the rules' guess."""
    from jixiao.forms.vocabulary import family  # the forms' vocabulary of labels

    first = family(category) if category else None
    base = _classify(first or category, name, target, rules)
    out = base
    if level2 and family(level2, second_level=True) is not None:
        out = replace(out, second_level=_second_name(level2), second_level_rule="form")
    if direction:
        way = Direction.LOWER if "反" in direction or "逆" in direction else \
            Direction.HIGHER if "正" in direction else None
        if way is not None:
            out = replace(out, direction=way, direction_rule="form")
    return out


def _second_name(level2: str) -> str:
    """A written second level in the taxonomy's words (数量值 → 数量, 社会公众或服务对象满意度
    指标 → 服务对象满意度)."""
    from jixiao.forms.vocabulary import normal

    key = normal(level2).removesuffix("指标").removesuffix("值")
    if key not in SECOND_LEVEL_PARENT and "满意度" in key:
        return "服务对象满意度"
    return key


@functools.lru_cache(maxsize=65536)  # tables repeat their indicators, across documents too
def _classify(category: str | None, name: str, target: Target, rules: Rules) -> Classification:
    first, first_rule = category, None
    if first is None:
        rule = _first(rules.first_level, None, name, target)
        first, first_rule = rule.result, rule.id
    second = _first(rules.second_level, first, name, target)
    lower = next((r for r in rules.lower_is_better if r.matches(first, name, target)), None)
    if lower is not None:
        direction, direction_rule = Direction.LOWER, lower.id
    elif target.direction is not None:
        direction, direction_rule = target.direction, "target"
    else:
        direction, direction_rule = Direction.HIGHER, "default-higher"
    return Classification(first, first_rule, second.result, second.id, direction,
                          direction_rule)


def _first(rules: tuple[Rule, ...], first_level: str | None, name: str,
           target: Target) -> Rule:
    for rule in rules:
        if rule.matches(first_level, name, target):
            return rule
    raise LookupError(f"no rule matches {name!r}: the rule table needs a default")
