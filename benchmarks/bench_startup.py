"""The CLI's start-up: `jixiao --help` and `jixiao read <sample>` (wall, best of `--runs`),
`-X importtime` of `jixiao.cli` (best of 5) and the modules it imports, beside the floor
(`python -c pass`) and, with `--against SRC`, another tree's src (a copy of an older
commit: `git archive <commit> src | tar -x -C /tmp/old`) in the same run.

    .venv/bin/python benchmarks/bench_startup.py [--runs 10] [--against /tmp/old/src]

Each child runs with bytecode written and read (the first runs, not timed, write it), as
an installed jixiao starts; the machine's speed swings, so the ratios are what count.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

REPO = Path(__file__).parents[1]
SAMPLE = REPO / "examples" / "guangzhou-psb-targets.txt"
CLI = [sys.executable, "-c", "import sys; from jixiao.cli import main; sys.argv[0] = 'jixiao'; "
       "main()"]


def _env(src: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return env | {"PYTHONPATH": str(src), "COLUMNS": "200"}


def best_wall(command: list[str], env: dict[str, str], runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=True)
        best = min(best, time.perf_counter() - start)
    return best


def import_figures(env: dict[str, str]) -> tuple[float, int, bool]:
    """Milliseconds `import jixiao.cli` takes by -X importtime (best of 5), the modules it
    leaves imported, and whether SQLAlchemy is among them."""
    best = float("inf")
    for _ in range(5):
        done = subprocess.run([sys.executable, "-X", "importtime", "-c", "import jixiao.cli"],
                              env=env, capture_output=True, text=True, check=True)
        best = min(best, int(done.stderr.strip().splitlines()[-1].split("|")[1]) / 1000)
    count = subprocess.run(
        [sys.executable, "-c", "import sys, jixiao.cli; "
         "print(len(sys.modules), 'sqlalchemy' in sys.modules)"],
        env=env, capture_output=True, text=True, check=True).stdout.split()
    return best, int(count[0]), count[1] == "True"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--against", type=Path, default=None)
    args = parser.parse_args()
    trees = [("this tree", REPO / "src")]
    if args.against is not None:
        trees.insert(0, (f"against ({args.against})", args.against))
    table = Table(title=f"CLI start-up, wall seconds best of {args.runs}", title_justify="left")
    for col in ("src", "python -c pass", "--help", "× floor", "read sample", "× floor",
                "import jixiao.cli ms", "modules", "SQLAlchemy imported"):
        table.add_column(col, justify="left" if col == "src" else "right")
    for name, src in trees:
        env = _env(src)
        for command in ([*CLI, "--help"], [*CLI, "read", str(SAMPLE)]):  # bytecode written
            subprocess.run(command, env=env, capture_output=True, check=True)
        floor = best_wall([sys.executable, "-c", "pass"], env, args.runs)
        helped = best_wall([*CLI, "--help"], env, args.runs)
        read = best_wall([*CLI, "read", str(SAMPLE)], env, args.runs)
        ms, modules, sqlalchemy = import_figures(env)
        table.add_row(name, f"{floor:.3f}", f"{helped:.3f}", f"{helped / floor:.1f}",
                      f"{read:.3f}", f"{read / floor:.1f}", f"{ms:.0f}", str(modules),
                      "yes" if sqlalchemy else "no")
    Console(width=170).print(table)


if __name__ == "__main__":
    main()
