"""The container readers on what producers' files hold (tests/containerstyles.py): every
gold that reads rendered as .xlsx, .xls, .docx and HTML in random producer styles and read
back; a reading below 100 % of fields is listed with its style. Not part of the test
suite (tests/test_forms.py runs a seeded few of each container).

    .venv/bin/python benchmarks/container_sweep.py [--seeds 3] [--seed 26] [--out FILE]

A reading is `full` (100 % of fields), `refused` (a ReadError: said), `doubtful` (below
100 %, the reading marked doubtful or warned about row by row) or `silent` (below 100 %
and nothing said: the worst a reader can do).
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

from jixiao.errors import ReadError
from jixiao.readers import read_bytes

REPO = Path(__file__).parents[1]
sys.path.insert(0, str(REPO / "tests"))
from containerstyles import CONTAINERS, Style, render  # noqa: E402
from test_forms import accuracy, container_golds  # noqa: E402


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
                    score, misses = accuracy(gold, doc)
                    line["score"] = round(score, 4)
                    if score >= 1:
                        kind = "full"
                    else:
                        line["misses"] = misses[:5]
                        kind = "doubtful" if doc.doubtful else "silent"
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
          + ", ".join(f"{k} {counts[k]}" for k in ("full", "refused", "doubtful", "silent")))
    for container in CONTAINERS:
        print(container, ", ".join(f"{k} {counts[f'{container} {k}']}"
                                   for k in ("full", "refused", "doubtful", "silent")))


if __name__ == "__main__":
    main()
