"""The container readers on what producers' files hold (tests/containerstyles.py): every
gold that reads rendered as .xlsx, .xls, .docx and HTML in random producer styles and read
back; a reading below 100 % of fields is listed with its style. Not part of the test
suite (tests/test_forms.py runs a seeded few of each container).

    .venv/bin/python benchmarks/container_sweep.py [--seeds 3] [--seed 26] [--out FILE]

A reading is `full` (100 % of fields, but for what the gold's own text reads wrong too:
the form reader's, not the container's), `refused` (a ReadError: said), `doubtful` (below
100 %, the reading marked doubtful by its cross-checks), `warned` (below 100 %, every
missed field in an indicator a warning names) or `silent` (below 100 % and nothing said:
the worst a reader can do).
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import re
import sys
import time
from pathlib import Path
from typing import Any

from jixiao.errors import ReadError
from jixiao.readers import read_bytes

REPO = Path(__file__).parents[1]
sys.path.insert(0, str(REPO / "tests"))
from containerstyles import CONTAINERS, Style, render  # noqa: E402
from test_forms import accuracy, container_golds, container_misses  # noqa: E402

KINDS = ("full", "refused", "doubtful", "warned", "silent")
MISS = re.compile(r"^\[project (\d+) .*?\] indicator (\d+) ")


def _said(doc: Any, miss: str) -> bool:
    """A missed indicator field that a warning names the indicator of (the reader said
    that row may be wrong)."""
    m = MISS.match(miss)
    if not m:
        return False
    p, k = int(m.group(1)) - 1, int(m.group(2)) - 1
    if p >= len(doc.projects) or k >= len(doc.projects[p].indicators):
        return False
    name = doc.projects[p].indicators[k].name
    return bool(name) and any(name in w.message for w in doc.warnings)


def sweep(seeds: int, base: int, out: Any) -> collections.Counter[str]:
    counts: collections.Counter[str] = collections.Counter()
    for name, gold in container_golds():
        for container in CONTAINERS:
            for k in range(seeds):
                seed = base * 1000 + k
                rnd = random.Random(f"{name}/{container}/{seed}")
                style = Style.draw(rnd, container)
                line: dict[str, Any] = {"gold": name, "container": container, "seed": seed,
                                        "style": style.changed()}
                start = time.perf_counter()
                try:
                    doc = read_bytes(render(gold, style, seed), f"form.{container}")
                    score, _ = accuracy(gold, doc)
                    misses = container_misses(name, gold, doc)
                    line["score"] = round(score, 4)
                    if not misses:
                        kind = "full"
                    else:
                        line["misses"] = misses[:5]
                        line["codes"] = sorted({w.code for w in doc.warnings})
                        kind = "doubtful" if doc.doubtful else \
                            "warned" if all(_said(doc, m) for m in misses) else "silent"
                except ReadError as exc:
                    kind, line["error"] = "refused", f"{exc.code}: {exc.message[:120]}"
                line["kind"] = kind
                line["seconds"] = round(time.perf_counter() - start, 2)
                counts[kind] += 1
                counts[f"{container} {kind}"] += 1
                if kind != "full":
                    print(json.dumps(line, ensure_ascii=False), file=out, flush=True)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=26)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    out = args.out.open("w", encoding="utf-8") if args.out else sys.stdout
    start = time.perf_counter()
    counts = sweep(args.seeds, args.seed, out)
    total = sum(v for k, v in counts.items() if " " not in k)
    print(f"{total} renderings in {time.perf_counter() - start:.0f} s: "
          + ", ".join(f"{k} {counts[k]}" for k in KINDS))
    for container in CONTAINERS:
        print(container, ", ".join(f"{k} {counts[f'{container} {k}']}"
                                   for k in KINDS))


if __name__ == "__main__":
    main()
