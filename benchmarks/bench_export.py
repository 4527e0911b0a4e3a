"""`jixiao export` of a store: the columnar path (SQL → Arrow record batches, store/columnar.py)
against the path through Documents (load_document, then tabular.export), in one run.

    .venv/bin/python benchmarks/bench_export.py [--docs 1000] [--formats parquet,csv]

The store is bench_web.py's (the sample and `--docs` generated tables, kept between runs).
Both paths run in this process, pinned to one core, after pint and the taxonomy are loaded
(a cost both pay once); then the CLI's export runs as a child process, as a user runs it,
with its wall time (imports included) and peak memory.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench_web import database
from common import REPO, arguments, pin_to_one_core
from jixiao import store
from jixiao.store import columnar
from jixiao.targets import parse
from jixiao.taxonomy import classify_fields
from jixiao.writers.columnar import export_batches
from jixiao.writers.tabular import export


def main() -> None:
    args = arguments(docs=1000, formats=(str, "parquet,csv"),
                     workdir=(Path, REPO / "out" / "bench"))
    args.workdir.mkdir(parents=True, exist_ok=True)
    db, _token = database(args.docs, args.workdir)
    engine = store.connect(db)
    ids = columnar.document_ids(engine)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("select count(*) from indicators").scalar()
    print(f"{len(ids):,} documents, {rows:,} indicators (SQLite), one core")
    classify_fields(None, "响应时间", parse("≤30分钟"))  # loads pint: not timed on either path
    out = args.workdir / "export"
    for fmt in args.formats.split(","):
        shutil.rmtree(out, ignore_errors=True)
        start = time.perf_counter()
        export((store.load_document(engine, i) for i in ids), out / "old", fmt)
        old = time.perf_counter() - start
        start = time.perf_counter()
        export_batches(columnar.record_batches(engine, ids), out / "new", fmt)
        new = time.perf_counter() - start
        print(f"{fmt:<8} through Documents {old:6.1f} s   columnar {new:5.2f} s   "
              f"{old / new:5.1f}× faster")
    jixiao = Path(sys.executable).with_name("jixiao")
    for fmt in args.formats.split(","):
        start = time.perf_counter()
        subprocess.run([str(jixiao), "export", "--db", db, "-f", fmt, "-o", str(out / "cli")],
                       check=True, stdout=subprocess.DEVNULL, preexec_fn=pin_to_one_core)
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"jixiao export -f {fmt:<8} {seconds:5.2f} s wall (imports included), "
              f"peak of the CLI runs so far {peak:.0f} MB")


if __name__ == "__main__":
    main()
