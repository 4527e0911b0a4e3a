"""A review profile written back as the TOML `Profile.from_text` reads (`jixiao audit
--rules`): what the admin's form sets becomes the same text an admin could have typed."""

from __future__ import annotations

import json
import re
from typing import Any

from jixiao.audit.registry import RULES, Profile

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(key: str) -> str:
    return key if _BARE.match(key) else json.dumps(key, ensure_ascii=False)


def _value(value: Any) -> str:
    # a JSON string is a TOML basic string (json.dumps never writes the one escape, "\/",
    # that TOML lacks); numbers and booleans are written alike
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(str(k))} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"a profile holds no {type(value).__name__}")


def profile_toml(profile: Profile) -> str:
    """The profile as TOML: its name, then each rule it changes, in the registry's order,
    with only the settings that differ from the rule's defaults."""
    lines = [f"name = {_value(profile.name)}"]
    for rule_id, rule in RULES.items():
        settings = profile.overrides.get(rule_id, {})
        changed = {k: v for k, v in settings.items()
                   if not (k == "enabled" and v is True)
                   and not (k == "severity" and v == rule.severity)
                   and not (k in rule.params and v == rule.params[k])}
        if changed:
            lines += ["", f"[rules.{_key(rule_id)}]"]
            lines += [f"{_key(k)} = {_value(v)}" for k, v in changed.items()]
    return "\n".join(lines) + "\n"
