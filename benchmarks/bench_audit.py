"""The audit of generated documents, on one core: documents per second.

    .venv/bin/python benchmarks/bench_audit.py [--docs 1000]

The documents (jixiao.synthetic) borrow their indicators from the sample; making them
and reading is not timed, only `audit(doc)` with the default profile.
"""

from __future__ import annotations

import time

from rich.progress import track

from common import SAMPLE, arguments
from jixiao.audit import audit
from jixiao.readers import read
from jixiao.synthetic import generate_document


def main() -> None:
    args = arguments()
    pool = read(SAMPLE)
    docs = [generate_document(pool, seed, mixes=("fiscal", "special", "all"))
            for seed in track(range(args.docs), description="generating")]
    audit(docs[0])  # warm the caches of the grammar and the taxonomy
    findings = 0
    start = time.perf_counter()
    for doc in docs:
        findings += len(audit(doc).findings)
    seconds = time.perf_counter() - start
    projects = sum(len(d.projects) for d in docs)
    print(f"{args.docs} documents, {projects:,} projects, {findings:,} findings, one core")
    print(f"audit  {args.docs / seconds:8.0f} documents/s  ({seconds / args.docs * 1e3:.1f} ms "
          f"each, {projects / seconds:,.0f} projects/s)")


if __name__ == "__main__":
    main()
