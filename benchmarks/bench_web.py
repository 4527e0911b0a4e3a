"""Load on `jixiao serve` over loopback: wrk (Debian's) with 50 connections against the
project page, the search page and an API list, with the sample and 1,000 generated
documents stored.

    .venv/bin/python benchmarks/bench_web.py [--docs 1000] [--seconds 20] [--workers 2]

Reports requests/s and the latency percentiles wrk measures (p50, p90, p99) per URL.
The server and wrk share this machine's cores; wrk runs one thread.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from rich.console import Console
from rich.table import Table

from bench_ingest import make_corpus
from common import REPO, SAMPLE, arguments
from jixiao import store
from jixiao.store import accounts

sys.path.insert(0, str(REPO / "tests"))
from ports import free_port, wait_for_port


def database(docs: int, workdir: Path) -> tuple[str, str]:
    """A store with the sample (document 1) and `docs` generated tables; an API token."""
    db = workdir / f"web-{docs}.sqlite"
    fresh = not db.exists()
    engine = store.connect(str(db))
    if fresh:
        jixiao = Path(sys.executable).with_name("jixiao")
        subprocess.run([str(jixiao), "ingest", "--db", str(db), str(SAMPLE)], check=True,
                       stdout=subprocess.DEVNULL)
        corpus = workdir / f"corpus-{docs}"
        make_corpus(corpus, docs)
        subprocess.run([str(jixiao), "ingest", "--db", str(db), str(corpus)], check=True,
                       stdout=subprocess.DEVNULL)
        accounts.add_user(engine, "bench", "benchmark-password", "reviewer")
    [user] = [u for u in accounts.list_users(engine) if u.username == "bench"]
    return str(db), accounts.add_api_token(engine, user, "bench_web")


def wrk(url: str, token: str, seconds: int, connections: int) -> dict[str, float]:
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
                          "-H", f"Authorization: Bearer {token}", url],
                         capture_output=True, text=True, check=True).stdout
    def ms(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
            "p50": ms("50"), "p90": ms("90"), "p99": ms("99"),
            "errors": float(non2xx[1]) if non2xx else 0.0}


def main() -> None:
    args = arguments(docs=1000, seconds=(int, 20), workers=(int, 2), connections=(int, 50),
                     workdir=(Path, REPO / "out" / "bench"))
    os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))  # server and wrk: all cores
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk (make bench does)")
    args.workdir.mkdir(parents=True, exist_ok=True)
    db, token = database(args.docs, args.workdir)
    port = free_port()
    jixiao = Path(sys.executable).with_name("jixiao")
    server = subprocess.Popen([str(jixiao), "serve", "--port", str(port), "--workers",
                               str(args.workers), "--db", db], stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_port(port)
        time.sleep(1.0)
        urls = {"project page": f"{base}/documents/1/projects/41",
                "search page 故障率": f"{base}/search?q={quote('故障率')}",
                "API document list": f"{base}/api/v1/documents?limit=50"}
        table = Table(title=f"jixiao serve --workers {args.workers}, {args.docs + 1:,} documents,"
                            f" wrk -c{args.connections} -d{args.seconds}s", title_justify="left")
        for col in ("URL", "requests/s", "p50 ms", "p90 ms", "p99 ms", "errors"):
            table.add_column(col, justify="left" if col == "URL" else "right")
        for name, url in urls.items():
            wrk(url, token, 3, args.connections)  # warm up: caches, connections
            r = wrk(url, token, args.seconds, args.connections)
            table.add_row(name, f"{r['rps']:.0f}", f"{r['p50']:.1f}", f"{r['p90']:.1f}",
                          f"{r['p99']:.1f}", f"{r['errors']:.0f}")
        Console().print(table)
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
