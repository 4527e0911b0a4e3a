"""Bulk load and comparison at scale: `jixiao ingest -j 2` of N generated documents into
SQLite and into a real PostgreSQL server (fsync on), then `compare` over the corpus.

    .venv/bin/python benchmarks/bench_bulk.py [--docs 1000] [--workers 2] [--only sqlite]

Reports documents/s, the peak resident memory of any one process of the load (the writer
or a worker), the database's size, and the time of three comparisons (one indicator
everywhere, one project series, copied goals). Two thirds of the corpus are the sample's
department a year on (jixiao.synthetic.next_year), so series and copies have something to
find. Making the corpus is not timed; it is kept in out/bench between runs.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import text

from common import REPO, arguments, write_corpus
from jixiao import compare, store
from jixiao.model import Document
from jixiao.synthetic import generate_document, next_year

sys.path.insert(0, str(REPO / "tests"))
from pgserver import create_database, temporary_server


def make_corpus(folder: Path, count: int) -> tuple[int, int]:
    """`count` tables: generated departments, and every third the sample a year on."""
    def make(pool: Document, seed: int) -> Document:
        if seed % 3:
            return generate_document(pool, seed, mixes=("fiscal", "fiscal", "special", "all"))
        doc = next_year(pool, seed, year=2010 + seed // 3 % 15)
        doc.department = f"{pool.department}{seed // 45:03d}"  # 15 years per department
        return doc

    return write_corpus(folder, count, make, "table-")


def load(db: str, corpus: Path, workers: int) -> tuple[float, float]:
    """Seconds and peak MB (the largest single process) of the real CLI's load."""
    jixiao = Path(sys.executable).with_name("jixiao")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run([str(jixiao), "ingest", "--no-audit", "-j", str(workers), "--db", db,
                    str(corpus)], check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    return seconds, peak


def size_mb(engine, sqlite_file: Path | None) -> float:
    if sqlite_file is not None:
        return sum(Path(f"{sqlite_file}{s}").stat().st_size for s in ("", "-wal")
                   if Path(f"{sqlite_file}{s}").exists()) / 1e6
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_database_size(current_database())")).scalar() / 1e6


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def main() -> None:
    args = arguments(docs=1000, workers=(int, 2), only=(str, ""), workdir=(Path,
                                                                           REPO / "out/bench"))
    corpus = args.workdir / f"bulk-corpus-{args.docs}"
    projects, indicators = make_corpus(corpus, args.docs)
    console = Console()
    console.print(f"{args.docs:,} documents, {projects:,} projects, {indicators:,} indicators,"
                  f" {sum(p.stat().st_size for p in corpus.iterdir()) / 1e6:,.0f} MB of text; "
                  f"ingest -j {args.workers} --no-audit")
    table = Table(title=f"bulk load of {args.docs:,} documents", title_justify="left")
    for col in ("database", "seconds", "docs/s", "indicators/s", "peak MB", "size MB",
                "compare indicator s", "project series s", "copied goals s"):
        table.add_column(col, justify="left" if col == "database" else "right")
    # the load runs on every core: only the setup was pinned
    os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
    for kind in ("sqlite", "postgresql"):
        if args.only and kind != args.only:
            continue
        if kind == "sqlite":
            file = args.workdir / f"bulk-{args.docs}.sqlite"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{file}{suffix}").unlink(missing_ok=True)
            results = _run(str(file), file, corpus, args.workers)
        else:
            with temporary_server(fsync=True) as server:
                url = create_database(server, "bench")
                results = _run(url, None, corpus, args.workers)
        seconds, peak, size, times = results
        table.add_row(kind, f"{seconds:.1f}", f"{args.docs / seconds:.0f}",
                      f"{indicators / seconds:,.0f}", f"{peak:.0f}", f"{size:,.0f}",
                      *(f"{t:.3f}" for t in times))
        console.print(table)


def _run(db: str, sqlite_file: Path | None, corpus: Path, workers: int
         ) -> tuple[float, float, float, list[float]]:
    engine = store.connect(db)  # migrated before the clock starts
    seconds, peak = load(db, corpus, workers)
    with engine.begin() as conn:  # planner statistics, as autovacuum would gather
        conn.execute(text("ANALYZE"))
    times = []
    for fn, arg in ((compare.compare_indicator, "系统故障率"),
                    (compare.project_series, "指挥调度系统运维项目（2022）")):
        fn(engine, arg)  # warm the cache once, as a server answering questions has it
        t, _ = timed(fn, engine, arg)
        times.append(t)
    compare.copied(engine)
    t, _ = timed(compare.copied, engine)
    times.append(t)
    return seconds, peak, size_mb(engine, sqlite_file), times


if __name__ == "__main__":
    main()
