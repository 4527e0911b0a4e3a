"""The docs name every command and every warning and error code (as datasette does)."""

from __future__ import annotations

import re

from conftest import REPO
from jixiao.cli import app

README = (REPO / "README.md").read_text(encoding="utf-8")
READING = (REPO / "docs" / "reading.md").read_text(encoding="utf-8")
CODE_RE = re.compile(
    r'(?:warn|fail|ReadError|ReadWarning|_undecodable|doubts\.append)\(\(?\s*"([a-z][a-z-]+)"')


def _codes_in_source() -> set[str]:
    codes: set[str] = set()
    for path in (REPO / "src" / "jixiao").rglob("*.py"):
        codes |= set(CODE_RE.findall(path.read_text(encoding="utf-8")))
    return codes


def test_every_command_is_in_the_readme() -> None:
    commands = {c.name for c in app.registered_commands}
    assert commands == {"read", "ingest", "list", "show", "targets", "audit", "rules",
                        "publish", "score", "monitor", "export", "serve"}
    for name in commands:
        assert f"jixiao {name}" in README, name
    for group in app.registered_groups:  # jixiao actuals template …, jixiao db upgrade
        for command in group.typer_instance.registered_commands:
            assert f"jixiao {group.name} {command.name}" in README, command.name


def test_every_warning_and_error_code_is_documented() -> None:
    codes = _codes_in_source()
    assert {"truncated", "goal-out-of-order", "misspelt-label", "bad-encoding"} <= codes
    documented = set(re.findall(r"^\| `([a-z-]+)` \|", READING, flags=re.MULTILINE))
    assert codes - documented == set(), "undocumented codes"
    assert documented - codes == set(), "documented codes nothing raises"


def test_every_review_rule_is_in_the_catalogue() -> None:
    from jixiao.audit import RULES

    catalogue = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    for rule_id, r in RULES.items():  # the code beside its Chinese title
        assert f"| `{rule_id}` | {r.title} |" in catalogue, rule_id
