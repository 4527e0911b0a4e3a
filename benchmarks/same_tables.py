"""Does a change to the load store the same rows? Load files with one `src` tree and digest
every table, then compare the digests of two trees (the old one a copy of an earlier
commit: `git archive <commit> src | tar -x -C /tmp/old`).

    .venv/bin/python benchmarks/same_tables.py --src /tmp/old/src --db /tmp/old.sqlite \\
        --large out/bench/bulk-corpus-300 examples --small tests/data/real > old.txt
    .venv/bin/python benchmarks/same_tables.py --db /tmp/new.sqlite ... > new.txt
    diff old.txt new.txt

`--large` files are loaded first into a fresh SQLite store (a large load: indexes dropped and
built after), then `--small` ones (a small load into it: indexes kept); the review runs on
both. Each table's rows are sorted and digested without the times a write stamps; the
outcomes of the files are digested too. Copy inputs that others may change while both runs
are made (the two runs must read the same files).
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import sys
from pathlib import Path

STAMPED = {"ingested_at", "at", "created_at", "updated_at", "last_used_at"}


def files(folders: list[Path]) -> list[Path]:
    return sorted(p for f in folders for p in ([f] if f.is_file() else f.rglob("*"))
                  if p.is_file() and p.suffix in (".txt", ".pdf", ".json", ".xlsx", ".docx"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--src", type=Path, default=Path(__file__).parents[1] / "src")
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--large", type=Path, nargs="+", required=True)
    parser.add_argument("--small", type=Path, nargs="*", default=[])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    sys.path.insert(0, str(args.src))
    import jixiao
    from jixiao import bulk, store

    assert Path(jixiao.__file__).is_relative_to(args.src.resolve()), jixiao.__file__
    for suffix in ("", "-wal", "-shm"):
        Path(f"{args.db}{suffix}").unlink(missing_ok=True)
    engine = store.connect(str(args.db))
    outcomes = []
    for group in (files(args.large), files(args.small)):
        if group:
            outcomes += bulk.ingest_files(engine, group, workers=args.workers,
                                          on_plan=lambda p: print(p.describe(),
                                                                  file=sys.stderr))
    engine.dispose()
    told = sorted((o.path.name, o.error.code if o.error else None,
                   (o.result.status, o.result.projects, o.result.indicators,
                    str(o.result.total)) if o.result else None) for o in outcomes)
    print("outcomes", len(told), hashlib.sha256(repr(told).encode()).hexdigest()[:16])
    conn = sqlite3.connect(args.db)
    tables = [t for (t,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE 'search_fts_%' ORDER BY name")]
    for table in tables:
        columns = [c for _, c, *_ in conn.execute(f"PRAGMA table_info({table})")
                   if c not in STAMPED]
        rows = sorted(repr(r) for r in conn.execute(f"SELECT {', '.join(columns)} FROM {table}"))
        digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]
        print(f"{table:22s} {len(rows):9,d} {digest}")
    print("indexes", sorted(n for (n,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index'")))


if __name__ == "__main__":
    main()
