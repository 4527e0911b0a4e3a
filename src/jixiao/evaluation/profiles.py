"""Scoring profiles as data: the central method and its documented variants (TOML)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from jixiao.errors import JixiaoError
from jixiao.messages import say

CATEGORIES = ("产出指标", "效益指标", "满意度指标")
TIERS = ("达成", "部分达成", "未达成")


class ScoringProfileError(JixiaoError):
    """A scoring profile that cannot be used: the file, the key and what was expected."""


def _dec(value: Any) -> Decimal:
    return Decimal(str(value))


@dataclass(frozen=True, slots=True)
class ScoringProfile:
    name: str
    description: str
    execution_weight: Decimal
    category_weights: dict[str, Decimal]
    groups: dict[str, str]  # a first level scored with another's weight (成本 → 产出)
    reverse: str  # "ratio" or "linear"
    missing_category: str  # "redistribute" or "drop"
    tier_shares: dict[str, Decimal]  # the share of w each qualitative tier earns
    bands: tuple[Decimal, Decimal]  # lower bounds of 达成 and 部分达成
    grades: tuple[tuple[Decimal, str], ...]  # (lower bound, grade), best first
    over_achievement: Decimal
    execution_below: Decimal
    yellow: Decimal
    red: Decimal
    # how a publisher rounds (docs/selfeval.md): the step each score is rounded to, half
    # up — 0.01 (two decimals, the default), 0.1, or 1 (whole points)
    indicator_step: Decimal = Decimal("0.01")
    execution_step: Decimal = Decimal("0.01")
    # the execution score by steps instead of 分值 × 执行率: (lowest rate, share of 分值),
    # highest first; below the last step the score is proportional again
    execution_steps: tuple[tuple[Decimal, Decimal], ...] = ()

    @classmethod
    def from_toml(cls, text: str, where: str = "<profile>") -> ScoringProfile:
        try:
            data = tomllib.loads(text)
            weights = data["weights"]
            scoring = data.get("scoring", {})
            qualitative = data["qualitative"]
            profile = cls(
                name=str(data.get("name", where)),
                description=str(data.get("description", "")),
                execution_weight=_dec(weights["execution"]),
                category_weights={c: _dec(weights[c]) for c in CATEGORIES},
                groups={str(k): str(v) for k, v in data.get("groups", {}).items()},
                reverse=str(scoring.get("reverse", "ratio")),
                missing_category=str(scoring.get("missing_category", "redistribute")),
                tier_shares={t: _dec(qualitative[t]) for t in TIERS},
                bands=(_dec(qualitative["bands"][0]), _dec(qualitative["bands"][1])),
                grades=tuple(sorted(((_dec(v), str(k)) for k, v in data["grades"].items()),
                                    reverse=True)),
                over_achievement=_dec(data.get("explanations", {}).get("over_achievement",
                                                                       "1.3")),
                execution_below=_dec(data.get("explanations", {}).get("execution_below",
                                                                      "0.9")),
                yellow=_dec(data.get("monitoring", {}).get("yellow", "0.1")),
                red=_dec(data.get("monitoring", {}).get("red", "0.2")),
                indicator_step=_dec(data.get("rounding", {}).get("indicators", "0.01")),
                execution_step=_dec(data.get("rounding", {}).get("execution", "0.01")),
                execution_steps=tuple(
                    (_dec(bound), _dec(share))
                    for bound, share in data.get("execution", {}).get("steps", ())),
            )
        except (KeyError, IndexError, ValueError, ArithmeticError,
                tomllib.TOMLDecodeError) as exc:
            raise ScoringProfileError(say("scoring_profile.invalid", where=where,
                                          error=_why(exc))) from None
        profile.check(where)
        return profile

    def check(self, where: str) -> None:
        if self.reverse not in ("ratio", "linear", "zero"):
            raise ScoringProfileError(say("scoring_profile.reverse", where=where))
        for step in (self.indicator_step, self.execution_step):
            if step <= 0:
                raise ScoringProfileError(say("scoring_profile.step", where=where, step=step))
        bounds = [b for b, _ in self.execution_steps]
        if bounds != sorted(bounds, reverse=True) or any(
                not 0 <= share <= 1 for _, share in self.execution_steps):
            raise ScoringProfileError(say("scoring_profile.steps", where=where))
        if self.missing_category not in ("redistribute", "drop"):
            raise ScoringProfileError(say("scoring_profile.missing_category", where=where))
        total = self.execution_weight + sum(self.category_weights.values())
        if total != 100:
            raise ScoringProfileError(say("scoring_profile.weights", where=where, total=total))
        high, low = self.bands
        shares = self.tier_shares
        if not (high <= shares["达成"] <= 1 and low <= shares["部分达成"] < high
                and 0 <= shares["未达成"] < low):
            raise ScoringProfileError(say("scoring_profile.bands", where=where, high=high,
                                          low=low))

    def grade(self, total: Decimal) -> str:
        return next(g for bound, g in self.grades if total >= bound)


def _why(exc: Exception) -> str:
    """What is wrong with a profile's TOML, in the user's words (not Python's)."""
    if isinstance(exc, KeyError):
        return say("scoring_profile.missing_key", key=exc.args[0])
    if isinstance(exc, tomllib.TOMLDecodeError) and (
            at := re.search(r"line (\d+), column (\d+)", str(exc))):
        return say("scoring_profile.not_toml", line=at[1], column=at[2])
    return say("scoring_profile.bad_value")


BUILT_IN = ("central", "hubei", "hebei", "ningde")


def load_profile(name_or_path: str | Path | None = None) -> ScoringProfile:
    """A built-in profile by name ('central', 'hubei') or a TOML file of one's own."""
    name = str(name_or_path or "central")
    if name in BUILT_IN:
        text = resources.files("jixiao").joinpath(f"data/scoring/{name}.toml").read_text(
            encoding="utf-8")
        return ScoringProfile.from_toml(text, name)
    path = Path(name)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        key = "missing" if isinstance(exc, FileNotFoundError) else "unreadable"
        raise ScoringProfileError(say(f"scoring_profile.{key}", path=path,
                                      built_in="、".join(BUILT_IN))) from None
    return ScoringProfile.from_toml(text, str(path))
