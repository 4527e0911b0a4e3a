"""Time `jixiao ingest` of generated documents into a fresh SQLite file, on one core.

    .venv/bin/python benchmarks/bench_ingest.py [--docs 1000] [--workdir out/bench]

The documents borrow goals and indicators from the bundled sample with new names,
amounts and units (jixiao.synthetic), and are rendered as PDF-to-text output with
varied layouts (jixiao.writers.text); making them is not timed. The ingest runs as a
child process (the real CLI, as a user runs it) pinned to one core; its wall time and
peak resident memory are reported.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

from common import REPO, pin_to_one_core, write_corpus
from jixiao.synthetic import generate_document


def make_corpus(folder: Path, count: int) -> tuple[int, int]:
    """Write `count` generated tables (kept between runs); return (projects, indicators)."""
    return write_corpus(folder, count, lambda pool, seed: generate_document(
        pool, seed, mixes=("fiscal", "fiscal", "special", "all")), "generated-")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--workdir", type=Path, default=REPO / "out" / "bench")
    args = ap.parse_args()
    corpus = args.workdir / f"corpus-{args.docs}"
    projects, indicators = make_corpus(corpus, args.docs)
    print(f"{args.docs} documents, {projects:,} projects, {indicators:,} indicators "
          f"→ SQLite, one core")
    jixiao = Path(sys.executable).with_name("jixiao")
    for flag in ("--no-audit", "--audit"):
        db = args.workdir / f"ingest-{args.docs}{flag}.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        start = time.perf_counter()
        subprocess.run([str(jixiao), "ingest", flag, "--db", str(db), str(corpus)], check=True,
                       stdout=subprocess.DEVNULL, preexec_fn=pin_to_one_core)
        seconds = time.perf_counter() - start
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        size_mb = sum(Path(f"{db}{s}").stat().st_size for s in ("", "-wal")
                      if Path(f"{db}{s}").exists()) / 1e6
        print(f"ingest {flag:<11} {seconds:6.1f} s  ({args.docs / seconds:.0f} documents/s, "
              f"{projects / seconds:,.0f} projects/s), peak {peak_mb:.0f} MB, "
              f"database {size_mb:.0f} MB")


if __name__ == "__main__":
    main()
