"""Load on `jixiao serve` over loopback: wrk (Debian's) with 50 connections against the
project page, the search page, an API list, the bureau's overview and a project's year-end
grid, with the sample and 1,000 generated documents stored.

    .venv/bin/python benchmarks/bench_web.py [--docs 1000] [--seconds 20] [--workers 2]
                                             [--rate 200]

Each URL twice: paced near `--rate` requests/s, then flat out. Debian's wrk has no rate
option (wrk2's -R), so the pace is a Lua `delay()`: each connection waits a random
0–2 × connections/rate seconds before its next request (the rate wrk reports is what was
reached; a slow server lowers it, wrk does not correct for coordinated omission). Reports
requests/s and wrk's latency percentiles (p50, p90, p99), and the CPU the server's
processes spent per request (their utime + stime from /proc, over the requests wrk counted):
the latencies are the machine's when others load it, the CPU per request much less so. The
server and wrk share this machine's cores; wrk runs one thread.

    --src DIR   serve from another tree's src (PYTHONPATH), to compare trees in one sitting
    --db FILE   an existing store (the bench user added if missing) instead of the generated
"""

from __future__ import annotations

import os
import re
import shutil
import signal
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


def database(docs: int, workdir: Path, db: Path | None = None) -> tuple[str, str]:
    """A store with the sample (document 1) and `docs` generated tables (or `db` as it is);
    an API token."""
    given = db is not None
    db = db or workdir / f"web-{docs}.sqlite"
    fresh = not db.exists()
    engine = store.connect(str(db), migrate=not given) if given else store.connect(str(db))
    if fresh:
        jixiao = Path(sys.executable).with_name("jixiao")
        subprocess.run([str(jixiao), "ingest", "--db", str(db), str(SAMPLE)], check=True,
                       stdout=subprocess.DEVNULL)
        corpus = workdir / f"corpus-{docs}"
        make_corpus(corpus, docs)
        subprocess.run([str(jixiao), "ingest", "--db", str(db), str(corpus)], check=True,
                       stdout=subprocess.DEVNULL)
        accounts.add_user(engine, "bench", "benchmark-password", "reviewer")
    if not any(u.username == "bench" for u in accounts.list_users(engine)):
        accounts.add_user(engine, "bench", "benchmark-password", "reviewer")
    [user] = [u for u in accounts.list_users(engine) if u.username == "bench"]
    return str(db), accounts.add_api_token(engine, user, "bench_web")


def pacing(workdir: Path, connections: int, rate: float) -> Path:
    """A wrk script that holds each connection to ~connections/rate s between requests."""
    mean_ms = connections * 1000 / rate
    script = workdir / f"pace-{connections}-{rate:g}.lua"
    script.write_text(f"function delay()\n  return math.random(0, {2 * mean_ms:.0f})\nend\n",
                      encoding="utf-8")
    return script


def wrk(url: str, token: str, seconds: int, connections: int,
        script: Path | None = None) -> dict[str, float]:
    paced = ["-s", str(script)] if script else []
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
                          *paced, "-H", f"Authorization: Bearer {token}", url],
                         capture_output=True, text=True, check=True).stdout
    def ms(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    timeouts = re.search(r"timeout (\d+)", out)  # not in the percentiles: counted here
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
            "requests": float(re.search(r"(\d+) requests in", out)[1]),
            "p50": ms("50"), "p90": ms("90"), "p99": ms("99"),
            "errors": (float(non2xx[1]) if non2xx else 0.0)
            + (float(timeouts[1]) if timeouts else 0.0)}


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process and its live descendants (the server and its workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):  # a process gone meanwhile
            continue
    return total


def main() -> None:
    args = arguments(docs=1000, seconds=(int, 20), workers=(int, 2), connections=(int, 50),
                     rate=(float, 200.0), only=(str, ""),
                     workdir=(Path, REPO / "out" / "bench"), src=(Path, None),
                     db=(Path, None))
    os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))  # server and wrk: all cores
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk (make bench does)")
    args.workdir.mkdir(parents=True, exist_ok=True)
    db, token = database(args.docs, args.workdir, args.db)
    port = free_port()
    env = dict(os.environ)
    if args.src is not None:  # another tree's code, before the installed one
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(args.src.resolve()),
                                                          env.get("PYTHONPATH"))))
    server = subprocess.Popen([sys.executable, "-c", "from jixiao.cli import main; main()",
                               "serve", "--port", str(port), "--workers", str(args.workers),
                               "--db", db], stdout=subprocess.DEVNULL, env=env,
                              start_new_session=True)  # its workers stopped with it
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_port(port, 180)  # a loaded machine starts the workers slowly
        time.sleep(1.0)
        urls = {"project page": f"{base}/documents/1/projects/41",
                "search page 故障率": f"{base}/search?q={quote('故障率')}",
                "API document list": f"{base}/api/v1/documents?limit=50",
                "overview page": f"{base}/overview",
                "year-end grid": f"{base}/documents/1/projects/41/yearend"}
        if args.only:  # a comma-separated subset of the names, for a quick look
            urls = {k: v for k, v in urls.items() if any(w in k for w in args.only.split(","))}
        script = pacing(args.workdir, args.connections, args.rate)
        table = Table(title=f"jixiao serve --workers {args.workers}, {args.docs + 1:,} documents,"
                            f" wrk -c{args.connections} -d{args.seconds}s", title_justify="left")
        for col in ("URL", "load", "requests/s", "p50 ms", "p90 ms", "p99 ms", "errors",
                    "server CPU ms/req"):
            table.add_column(col, justify="left" if col in ("URL", "load") else "right")
        for name, url in urls.items():
            wrk(url, token, 3, args.connections)  # warm up: caches, connections
            for load, paced in ((f"~{args.rate:g}/s", script), ("flat out", None)):
                cpu = cpu_seconds(server.pid)
                r = wrk(url, token, args.seconds, args.connections, paced)
                cpu = cpu_seconds(server.pid) - cpu
                table.add_row(name, load, f"{r['rps']:.0f}", f"{r['p50']:.1f}",
                              f"{r['p90']:.1f}", f"{r['p99']:.1f}", f"{r['errors']:.0f}",
                              f"{cpu * 1000 / max(r['requests'], 1):.2f}")
        Console(width=140).print(table)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a worker still busy with a request wrk left
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


if __name__ == "__main__":
    main()
