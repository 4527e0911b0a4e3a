"""The rule registry and profiles: which rules run, at what severity, with what settings."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jixiao.errors import JixiaoError
from jixiao.messages import say
from jixiao.model import Finding, Level

if TYPE_CHECKING:
    from jixiao.audit.context import AuditContext, Item


BASES = ("算术", "完整性", "相关性", "适当性", "可行性")

Check = Callable[["AuditContext", "RuleSettings"], Iterator["Finding"]]
# a rule that judges one indicator by its own texts: the messages it says of it
Judge = Callable[["Item", "RuleSettings"], Iterator[str]]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: Level  # the default; a profile may change it
    basis: str  # which requirement of the review it serves (BASES)
    check: Check
    params: dict[str, Any] = field(default_factory=dict)  # defaults, re-tunable per profile
    judge: Judge | None = None  # an item rule's verdict on one indicator (item_rule)

    @property
    def title(self) -> str:
        return say(f"rules.{self.id}.title")

    @property
    def hint(self) -> str:
        """How to fix what it finds."""
        return say(f"rules.{self.id}.hint")

    def say(self, key: str, **values: Any) -> str:
        """One of the rule's messages (rules.<id>.<key> in the catalogue)."""
        return say(f"rules.{self.id}.{key}", **values)


@dataclass(frozen=True, slots=True)
class RuleSettings:
    rule: Rule
    severity: Level
    params: dict[str, Any]


RULES: dict[str, Rule] = {}


def rule(id: str, severity: Level, basis: str, **params: Any) -> Callable[[Check], Check]:
    """Register a check function as a rule; its title, hint and messages are in the
    message catalogue under rules.<id>."""
    assert basis in BASES, basis

    def register(check: Check) -> Check:
        assert id not in RULES, f"rule {id} registered twice"
        RULES[id] = Rule(id, severity, basis, check, params)
        return check

    return register


def item_rule(id: str, severity: Level, basis: str, **params: Any) -> Callable[[Judge], Judge]:
    """Register a rule that judges each indicator alone: `judge(item, settings)` says its
    messages from the indicator's texts (category, name, target, raw, form level2 and
    direction), its parsed target and its classification only — never from its project
    or position — so the audit looks the messages up by those texts once a table repeats
    an indicator (AuditContext.judged)."""
    assert basis in BASES, basis

    def register(judge: Judge) -> Judge:
        assert id not in RULES, f"rule {id} registered twice"

        def check(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
            for item in ctx.all_items():
                for message in judge(item, s):
                    yield ctx.item_finding(s, item, message)

        RULES[id] = Rule(id, severity, basis, check, params, judge)
        return judge

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
        except FileNotFoundError:
            raise ProfileError(say("profile.missing", path=path)) from None
        except OSError:
            raise ProfileError(say("profile.unreadable", path=path)) from None
        return cls.from_text(text, str(path), path.stem)

    @classmethod
    def from_text(cls, text: str, where: str = "<profile>", name: str = "profile") -> Profile:
        """A profile from its TOML; `where` names it in errors, `name` is used when the
        TOML gives none."""
        path = where
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            at = re.search(r"line (\d+), column (\d+)", str(exc))
            raise ProfileError(say("profile.not_toml", path=path,
                                   line=at[1] if at else "?", column=at[2] if at else "?")
                               ) from None
        overrides = data.get("rules", {})
        if not isinstance(overrides, dict) or not all(
                isinstance(v, dict) for v in overrides.values()):
            raise ProfileError(say("profile.not_tables", path=path))
        for rule_id, settings in overrides.items():
            if rule_id not in RULES:
                raise ProfileError(say("profile.unknown_rule", path=path, rule=rule_id))
            known = {"enabled", "severity", *RULES[rule_id].params}
            unknown = set(settings) - known
            if unknown:
                raise ProfileError(say("profile.unknown_settings", path=path, rule=rule_id,
                                       unknown="、".join(sorted(unknown)),
                                       known="、".join(sorted(known))))
            if "severity" in settings and settings["severity"] not in set(Level):
                raise ProfileError(say("profile.bad_severity", path=path, rule=rule_id,
                                       levels="、".join(map(str, Level))))
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
