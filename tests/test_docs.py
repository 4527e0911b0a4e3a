"""The docs name every command and every warning and error code (as datasette does)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

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


def _routes(routes: list[Any], prefix: str = "") -> list[tuple[str, str]]:
    """(method, path) of every endpoint, through included routers and mounts."""
    found: list[tuple[str, str]] = []
    for route in routes:
        if hasattr(route, "original_router"):  # an included router
            found += _routes(route.original_router.routes,
                             prefix + (route.include_context.prefix or ""))
        elif hasattr(route, "endpoint") and getattr(route, "methods", None):
            found += [(m, prefix + route.path) for m in route.methods if m != "HEAD"]
    return found


def test_every_route_of_the_app_is_in_the_web_docs(tmp_path: Path) -> None:
    """A route added without a line in docs/web.md fails here: pages anywhere in it, the
    API's under its section (paths without /api/v1, `{doc_id}` written `{id}`)."""
    from jixiao.web.app import create_app

    web = (REPO / "docs" / "web.md").read_text(encoding="utf-8")
    api_section = web[web.index("\n## API"):]
    routes = _routes(create_app(str(tmp_path / "routes.sqlite")).routes)
    assert len(routes) > 60
    missing = []
    for method, path in sorted(set(routes)):
        if path in ("/", "/healthz", "/api/v1/openapi.json"):
            continue  # named in the prose of docs/web.md's API and limits sections
        shown = path.replace("{doc_id}", "{id}").replace("{token_id}", "{id}")
        text = web
        if shown.startswith("/api/v1/"):
            shown, text = shown.removeprefix("/api/v1"), api_section
        if not re.search(re.escape(shown) + r"(?=[`?\s,|)])", text):
            missing.append(f"{method} {path}")
    assert missing == []


def _tool(name: str) -> Any:
    """A script of tools/ (not a package) loaded as a module."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, REPO / "tools" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def test_the_cli_reference_is_generated_from_the_help() -> None:
    """docs/cli.md is what tools/cli_reference.py makes from every command's --help now:
    a changed option or help text without `make docs` fails here."""
    tool = _tool("cli_reference")
    written = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert {f"## jixiao {' '.join(p)}" for p in tool.commands(app)} <= set(written.splitlines())
    assert written == tool.reference(), "docs/cli.md is stale: run `make docs`"


def test_the_readme_shows_what_make_demo_prints() -> None:
    """README's demo output is a real run's: `make demo` (into a temporary directory) prints
    what README says it prints, file sizes aside (tools/readme_demo.py --write updates it)."""
    tool = _tool("readme_demo")
    output = tool.run_demo()
    assert "142 个项目" in output and "out/demo/jixiao.sqlite" in output
    assert tool.differences(output) == []
