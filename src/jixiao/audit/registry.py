"""The rule registry and profiles: which rules run, at what severity, with what settings."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jixiao.errors import JixiaoError
from jixiao.model import Finding, Level

if TYPE_CHECKING:
    from jixiao.audit.context import AuditContext


BASES = ("算术", "完整性", "相关性", "适当性", "可行性")

Check = Callable[["AuditContext", "RuleSettings"], Iterator["Finding"]]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: Level  # the default; a profile may change it
    title: str
    basis: str  # which requirement of the review it serves (BASES)
    hint: str  # how to fix what it finds
    check: Check
    params: dict[str, Any] = field(default_factory=dict)  # defaults, re-tunable per profile


@dataclass(frozen=True, slots=True)
class RuleSettings:
    rule: Rule
    severity: Level
    params: dict[str, Any]


RULES: dict[str, Rule] = {}


def rule(id: str, severity: Level, title: str, basis: str, hint: str,
         **params: Any) -> Callable[[Check], Check]:
    """Register a check function as a rule."""
    assert basis in BASES, basis

    def register(check: Check) -> Check:
        assert id not in RULES, f"rule {id} registered twice"
        RULES[id] = Rule(id, severity, title, basis, hint, check, params)
        return check

    return register


class ProfileError(JixiaoError):
    """A rules profile that cannot be used (file, rule id and what was expected)."""


@dataclass(frozen=True, slots=True)
class Profile:
    """Which rules run and how: every registered rule at its defaults, unless a TOML
    profile switches it off or re-tunes it."""

    name: str = "default"
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path) -> Profile:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ProfileError(f"{path}: cannot read the rules profile: {exc}") from None
        return cls.from_text(text, str(path), path.stem)

    @classmethod
    def from_text(cls, text: str, where: str = "<profile>", name: str = "profile") -> Profile:
        """A profile from its TOML; `where` names it in errors, `name` is used when the
        TOML gives none."""
        path = where
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ProfileError(f"{path}: cannot read the rules profile: {exc}") from None
        overrides = data.get("rules", {})
        if not isinstance(overrides, dict) or not all(
                isinstance(v, dict) for v in overrides.values()):
            raise ProfileError(f"{path}: [rules] must hold one table per rule id")
        for rule_id, settings in overrides.items():
            if rule_id not in RULES:
                raise ProfileError(f"{path}: [rules.{rule_id}] names no rule; "
                                   f"see 'jixiao rules' for the ids")
            known = {"enabled", "severity", *RULES[rule_id].params}
            unknown = set(settings) - known
            if unknown:
                raise ProfileError(f"{path}: [rules.{rule_id}] has unknown settings "
                                   f"{sorted(unknown)}; expected {sorted(known)}")
            if "severity" in settings and settings["severity"] not in set(Level):
                raise ProfileError(f"{path}: [rules.{rule_id}] severity must be one of "
                                   f"{[str(x) for x in Level]}")
        return cls(str(data.get("name", name)), overrides)

    def active(self) -> list[RuleSettings]:
        out = []
        for rule_id, r in RULES.items():
            o = self.overrides.get(rule_id, {})
            if not o.get("enabled", True):
                continue
            params = {**r.params, **{k: v for k, v in o.items() if k in r.params}}
            out.append(RuleSettings(r, Level(o.get("severity", r.severity)), params))
        return out
