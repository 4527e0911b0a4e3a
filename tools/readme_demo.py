"""README's `make demo` output, checked against a real run of `make demo`.

    .venv/bin/python tools/readme_demo.py           # run the demo, show what differs
    .venv/bin/python tools/readme_demo.py --write   # … and put today's output into README

The run writes into a temporary directory, named `out/demo` in the output as the README
names it; file sizes in bytes (a font's subset, a zip's compression) and blank lines are not
compared.
tests/test_docs.py runs the check.
"""

from __future__ import annotations

import difflib
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
START = "`make demo` prints:\n\n```\n"
_BYTES = re.compile(r"\(\d[\d,]* bytes\)|（\d[\d,]* 字节）")  # jixiao publish says it so


def run_demo() -> str:
    """The output of `make -s demo` as a newcomer's terminal of 120 columns shows it."""
    with tempfile.TemporaryDirectory(prefix="jixiao-demo-") as tmp:
        demo = f"{tmp}/demo"
        env = {**os.environ, "COLUMNS": "120"}
        done = subprocess.run(["make", "-s", "demo", f"DEMO={demo}"], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=1800)
        if done.returncode != 0:
            raise SystemExit(f"make demo failed ({done.returncode}):\n{done.stderr[-3000:]}")
        return done.stdout.replace(demo, "out/demo")


def normal(text: str) -> list[str]:
    """The lines that say something: blank ones depend on whether a progress bar had a
    terminal to draw on, file sizes on the fonts and zlib of the machine."""
    return [_BYTES.sub("（… 字节）", line.rstrip()) for line in text.splitlines()
            if line.strip()]


def readme_block(readme: str) -> tuple[int, int]:
    """Where the demo's output sits in README (start and end offsets)."""
    start = readme.index(START) + len(START)
    return start, readme.index("\n```\n", start) + 1


def differences(output: str) -> list[str]:
    readme = README.read_text(encoding="utf-8")
    start, end = readme_block(readme)
    return list(difflib.unified_diff(normal(readme[start:end]), normal(output),
                                     "README.md", "make demo", lineterm=""))


def write(output: str) -> None:
    readme = README.read_text(encoding="utf-8")
    start, end = readme_block(readme)
    shown = "\n".join(line.rstrip() for line in output.strip("\n").splitlines()) + "\n"
    README.write_text(readme[:start] + shown + readme[end:], encoding="utf-8")


if __name__ == "__main__":
    output = run_demo()
    diff = differences(output)
    if "--write" in sys.argv:
        write(output)
    print("\n".join(diff) if diff else "README's demo output is today's")
    sys.exit(1 if diff and "--write" not in sys.argv else 0)
