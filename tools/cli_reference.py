"""docs/cli.md from the commands' own help, so the reference cannot drift from the CLI.

    .venv/bin/python tools/cli_reference.py > docs/cli.md     (or: make docs)

tests/test_docs.py regenerates it and compares, so a changed option or help text without
`make docs` fails `make test`.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import typer
from typer.main import get_command
from typer.testing import CliRunner

WIDTH = "100"


def _help(args: list[str]) -> str:
    from jixiao.cli import app

    result = CliRunner().invoke(app, [*args, "--help"], prog_name="jixiao",
                                env={"COLUMNS": WIDTH, "TERM": "dumb", "NO_COLOR": "1",
                                     "_TYPER_FORCE_DISABLE_TERMINAL": "1"})
    if result.exit_code != 0:
        raise SystemExit(f"jixiao {' '.join(args)} --help: exit {result.exit_code}")
    return "\n".join(line.rstrip() for line in result.output.splitlines()).strip("\n")


def commands(app: typer.Typer) -> list[list[str]]:
    """Every command path, in the order the CLI lists them: ['read'], ['actuals', 'import']."""
    paths: list[list[str]] = []
    root: Any = get_command(app)  # typer's own click group (duck-typed: typer vendors click)
    for name, command in root.commands.items():
        if command.hidden:
            continue
        if hasattr(command, "commands"):
            paths += [[name, sub] for sub, c in command.commands.items() if not c.hidden]
        else:
            paths.append([name])
    return paths


def reference() -> str:
    from jixiao.cli import app

    parts = ["# 命令参考 (CLI reference)", "",
             "Generated from each command's `--help` by `tools/cli_reference.py` "
             "(`make docs`); `make test` checks it is current.", "",
             "```text", _help([]), "```"]
    for path in commands(app):
        parts += ["", f"## jixiao {' '.join(path)}", "", "```text", _help(path), "```"]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    os.environ["COLUMNS"] = WIDTH
    sys.stdout.write(reference())
