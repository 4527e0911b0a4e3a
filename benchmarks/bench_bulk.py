"""Bulk load and comparison at scale: N generated documents loaded with `-j 2` into SQLite
and into a real PostgreSQL server (fsync on) by the one-writer path of before (`insert`)
and by the database-load path (`copy`: binary COPY from the workers, indexes rebuilt after
a large first load), each in one run so their ratio is what counts; then `compare` over
the corpus.

    .venv/bin/python benchmarks/bench_bulk.py [--docs 1000] [--workers 2] [--only sqlite]
                                             [--write 200]

Reports documents/s, the CPU a document costs (the load's processes, and on PostgreSQL the
server's sessions: on a shared machine the steadier figure), the peak resident memory of
any one process of the load (the writer or a worker), the database's size, and the time of
three comparisons (one indicator everywhere, one project series, copied goals). A second
table times the writes alone:
`--write` documents read and prepared first (not timed), then stored by each path (the
copy path in `--workers` processes, with its index rebuild). Two thirds of the corpus are
the sample's department a year on (jixiao.synthetic.next_year), so series and copies have
something to find. Making the corpus is not timed; it is kept in out/bench between runs.
"""

from __future__ import annotations

import contextlib
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


def children_cpu() -> float:
    """CPU seconds of this process's ended children (a load's child and its workers)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def server_cpu(engine) -> float:
    """CPU seconds of the PostgreSQL server's ended processes (the load's sessions and
    index builders once they disconnect), from the postmaster's /proc entry; 0 elsewhere."""
    if engine.dialect.name != "postgresql":
        return 0.0
    with engine.connect() as conn:
        data = conn.execute(text("SHOW data_directory")).scalar()
    pid = int(Path(data, "postmaster.pid").read_text().split()[0])
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def load(db: str, corpus: Path, workers: int, method: str) -> tuple[float, float, str]:
    """Seconds, peak MB (the largest single process) and the plan of a load in a child
    process (its memory apart from this one's)."""
    code = ("import sys; from pathlib import Path; from jixiao import bulk, store; "
            "files = sorted(Path(sys.argv[2]).iterdir()); "
            "bulk.ingest_files(store.connect(sys.argv[1]), files, workers=int(sys.argv[3]), "
            "review=False, method=sys.argv[4], on_plan=lambda p: print(p.describe()))")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, db, str(corpus), str(workers), method],
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"the {method} load failed:\n{done.stderr}")
    seconds = time.perf_counter() - start
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    return seconds, peak, done.stdout.strip()


def prepared(corpus: Path, count: int) -> tuple[list[store.PreparedDocument], dict[str, float]]:
    """The first `count` files read and turned into rows, as a load's workers do (on this
    process's one core), and the CPU seconds of each stage: reading (the file's bytes, its
    sha256, the reader), its rows and keys (`store.prepare`), and passing them to another
    process (a pickle both ways: SQLite's workers hand their rows to the one writer)."""
    import hashlib
    import pickle

    from jixiao import bulk, library
    from jixiao.model import SourceInfo
    from jixiao.readers import load_bytes, read_bytes, sniff

    bulk.tune_collector()  # as a load's worker has it
    rows = []
    cpu = dict.fromkeys(("read", "prepare", "pickle"), 0.0)
    for path in sorted(corpus.iterdir())[:count]:
        t0 = time.process_time()
        data = load_bytes(path)
        sha = hashlib.sha256(data).hexdigest()
        doc = read_bytes(data, path.name)
        t1 = time.process_time()
        rows.append(store.prepare(doc, SourceInfo(path.name, sha, sniff(data)), (), None,
                                  library.verdict))
        t2 = time.process_time()
        pickle.loads(pickle.dumps(rows[-1], protocol=pickle.HIGHEST_PROTOCOL))
        t3 = time.process_time()
        cpu["read"] += t1 - t0
        cpu["prepare"] += t2 - t1
        cpu["pickle"] += t3 - t2
    return rows, cpu


def write_only(engine, docs: list[store.PreparedDocument], workers: int, method: str
               ) -> tuple[float, tuple[float, float], tuple[float, float]]:
    """Seconds to store `docs` already prepared: one writer (insert), or `workers` forked
    writers of binary COPY batches with the plan's index work around them (copy); and the
    CPU seconds (the writers', the PostgreSQL server's sessions': 0 on SQLite) of the rows
    and, apart, of the indexes built after (a fixed cost a larger load spreads thinner)."""
    from jixiao.store import load

    def cpu() -> tuple[float, float]:
        engine.dispose()
        time.sleep(0.5)  # the sessions' processes reaped, their CPU counted (not timed)
        return time.process_time() + children_cpu(), server_cpu(engine)

    def spent(before: tuple[float, float]) -> tuple[float, float]:
        after = cpu()
        return after[0] - before[0], after[1] - before[1]

    before = cpu()  # the migration's session ended before the count
    seconds = _write(engine, docs, workers, method)
    rows = spent(before)
    if method == "insert":
        return seconds, rows, (0.0, 0.0)
    before = cpu()
    start = time.perf_counter()
    load.finish(engine)
    seconds += time.perf_counter() - start
    return seconds, rows, spent(before)


def _write(engine, docs: list[store.PreparedDocument], workers: int, method: str) -> float:
    from jixiao import bulk
    from jixiao.store import load

    batches, batch, rows = [], [], 0
    for d in docs:
        batch.append(d)
        rows += len(d.indicators) + len(d.projects)
        if rows >= bulk.BATCH_ROWS:
            batches.append(batch)
            batch, rows = [], 0
    batches.append(batch)
    start = time.perf_counter()
    if method == "insert":
        for batch in batches:
            store.ingest_prepared(engine, batch)
        return time.perf_counter() - start
    chosen = load.plan(engine, len(docs))
    load.prepare(engine, chosen)
    if engine.dialect.name != "postgresql":  # SQLite has one writer
        for batch in batches:
            load.copy_prepared(engine, batch)
        return time.perf_counter() - start  # the index build after: write_only
    children = []
    for k in range(workers):
        pid = os.fork()
        if pid == 0:  # a writer: its share of the batches, on connections of its own
            engine.dispose(close=False)
            for batch in batches[k::workers]:
                load.copy_prepared(engine, batch)
            os._exit(0)
        children.append(pid)
    for pid in children:
        _, status = os.waitpid(pid, 0)
        assert status == 0, "a writer failed"
    return time.perf_counter() - start


def stage_table(stage_cpu: dict[str, float],
                write_cpu: dict[str, tuple[float, float, float]],
                count: int, measured: dict[str, float], cores: int) -> Table:
    """CPU milliseconds a document costs at each stage of the copy load, each stage's
    share, and what the sum allows on this machine's cores against what the load did. The
    index build after the load is a fixed cost, shown apart and left out of the sum."""
    table = Table(title=f"where a document's CPU goes ({count:,} documents; reading and "
                  "rows on one core, writes as in the table above)", title_justify="left")
    table.add_column("stage")
    for kind in write_cpu:
        table.add_column(f"{kind} ms/doc", justify="right")
        table.add_column("share", justify="right")
    ms = {kind: {"reading (bytes, sha256, reader)": stage_cpu["read"],
                 "rows and keys (store.prepare)": stage_cpu["prepare"],
                 # PostgreSQL's workers write their own batches: no rows cross processes
                 "to the writer (pickle both ways)": stage_cpu["pickle"]
                 if kind == "sqlite" else 0.0,
                 "writing rows (copy path, as the plan says)": client,
                 "database server": server}
          for kind, (client, server, _) in write_cpu.items()}
    totals = {kind: sum(stages.values()) for kind, stages in ms.items()}
    for stage in next(iter(ms.values()), {}):
        cells = []
        for kind in ms:
            value = ms[kind][stage]
            cells += [f"{value / count * 1000:.1f}", f"{value / totals[kind]:.0%}"]
        table.add_row(stage, *cells)
    table.add_row("total", *(c for kind in ms
                             for c in (f"{totals[kind] / count * 1000:.1f}", "100%")))
    table.add_row("indexes built after (fixed: left out)", *(
        c for kind, (_, _, build) in write_cpu.items()
        for c in (f"{build / count * 1000:.1f}", "")))
    table.add_row(f"documents/s {cores} cores allow", *(
        c for kind in ms for c in (f"{cores * count / totals[kind]:.0f}", "")))
    table.add_row("documents/s the copy load did", *(
        c for kind in ms for c in (f"{measured.get(kind, 0):.1f}", "")))
    return table


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
    args = arguments(docs=1000, workers=(int, 2), only=(str, ""), write=(int, 200),
                     workdir=(Path, REPO / "out/bench"))
    corpus = args.workdir / f"bulk-corpus-{args.docs}"
    projects, indicators = make_corpus(corpus, args.docs)
    console = Console(width=170)
    console.print(f"{args.docs:,} documents, {projects:,} projects, {indicators:,} indicators,"
                  f" {sum(p.stat().st_size for p in corpus.iterdir()) / 1e6:,.0f} MB of text; "
                  f"ingest -j {args.workers} --no-audit")
    table = Table(title=f"bulk load of {args.docs:,} documents", title_justify="left")
    for col in ("database", "path", "seconds", "docs/s", "× insert", "CPU ms/doc",
                "× insert CPU", "indicators/s", "peak MB", "size MB", "compare indicator s",
                "project series s", "copied goals s"):
        table.add_column(col, justify="left" if col in ("database", "path") else "right")
    writes = Table(title=f"writes alone: {args.write:,} documents prepared beforehand",
                   title_justify="left")
    for col in ("database", "path", "seconds", "docs/s", "× insert"):
        writes.add_column(col, justify="left" if col in ("database", "path") else "right")
    docs, stage_cpu = prepared(corpus, args.write)
    # the copy path's writes: client, server, the index build after (both)
    write_cpu: dict[str, tuple[float, float, float]] = {}
    # the load runs on every core: only the setup was pinned
    os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
    plans = []
    measured: dict[str, float] = {}  # the copy load's documents/s
    for kind in ("sqlite", "postgresql"):
        if args.only and kind != args.only:
            continue
        with contextlib.ExitStack() as stack:
            server = stack.enter_context(temporary_server(fsync=True)) \
                if kind == "postgresql" else None
            base = {}
            for method in ("insert", "copy"):
                url, file = _new_store(args.workdir, kind, server, f"load_{method}")
                seconds, cpu, peak, said, size, times = _run(url, file, corpus,
                                                             args.workers, method)
                base.setdefault("load", seconds)
                base[method] = seconds
                base.setdefault("cpu", cpu)
                plans.append(f"{kind} {method}: {said}" if said else f"{kind} {method}")
                table.add_row(kind, method, f"{seconds:.1f}", f"{args.docs / seconds:.1f}",
                              f"{base['load'] / seconds:.2f}",
                              f"{cpu / args.docs * 1000:.1f}", f"{base['cpu'] / cpu:.2f}",
                              f"{indicators / seconds:,.0f}",
                              f"{peak:.0f}", f"{size:,.0f}", *(f"{t:.3f}" for t in times))
                url, _ = _new_store(args.workdir, kind, server, f"write_{method}")
                engine = store.connect(url)
                seconds, rows_cpu, build_cpu = write_only(engine, docs, args.workers, method)
                engine.dispose()
                if method == "copy":
                    write_cpu[kind] = (*rows_cpu, sum(build_cpu))
                    measured[kind] = args.docs / base["copy"]
                base.setdefault("write", seconds)
                writes.add_row(kind, method, f"{seconds:.1f}", f"{len(docs) / seconds:.1f}",
                               f"{base['write'] / seconds:.2f}")
    console.print(table)
    console.print(writes)
    console.print(stage_table(stage_cpu, write_cpu, len(docs), measured,
                              os.cpu_count() or 1))
    for said in plans:
        console.print(said)


def _new_store(workdir: Path, kind: str, server: str | None, name: str
               ) -> tuple[str, Path | None]:
    if kind == "sqlite":
        file = workdir / f"bulk-{name}.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{file}{suffix}").unlink(missing_ok=True)
        return str(file), file
    assert server is not None
    return create_database(server, name), None


def _run(db: str, sqlite_file: Path | None, corpus: Path, workers: int, method: str
         ) -> tuple[float, float, float, str, float, list[float]]:
    """Seconds, CPU seconds (the load's processes and, on PostgreSQL, the server's: the
    figure a busy machine disturbs least), peak MB, plan, size MB, comparison seconds."""
    engine = store.connect(db)  # migrated before the clock starts
    engine.dispose()  # this session's CPU is not the load's
    before = children_cpu() + server_cpu(engine)
    seconds, peak, said = load(db, corpus, workers, method)
    engine.dispose()
    cpu = children_cpu() + server_cpu(engine) - before
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
    size = size_mb(engine, sqlite_file)
    engine.dispose()
    return seconds, cpu, peak, said, size, times


if __name__ == "__main__":
    main()
