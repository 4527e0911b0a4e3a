"""What one view costs inside the server process: CPU per request and SQL statements per
request, for the overview (its first view, its first view after a write, kept views), the
document page, the project page, its year-end grid and the API list, on bench_web.py's
store (the sample and 1,000 generated documents), beside `/healthz` in the same run.

    .venv/bin/python benchmarks/bench_views.py [--docs 1000] [--requests 40]

The app called as the server calls it (an ASGI scope, `receive` and `send`, on one event
loop) with an API token, in this process on one core: no server, no network, no test
client (Starlette's cost ~5 ms a request of its own), so the figures are the app's: the
middleware, the framework, the handler. To compare two trees, run it once with each on
copies of the same store (PYTHONPATH=<archive>/src), one after the other; the ratios are
what count on a busy machine.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import event

from bench_web import database
from common import REPO, arguments

URLS = ("/overview", "/overview?sort=total&order=desc&page=3", "/documents/1",
        "/documents/1/projects/41", "/documents/1/projects/41/yearend",
        "/api/v1/documents?limit=50")


def caller_of(app: Any, token: str) -> Any:
    """A function that GETs a URL from `app` as the server would; (status, body bytes)."""
    loop = asyncio.new_event_loop()
    headers = [(b"host", b"bench"), (b"authorization", f"Bearer {token}".encode())]

    def get(url: str) -> tuple[int, int]:
        path, _, query = url.partition("?")
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
                 "query_string": query.encode(), "headers": headers, "root_path": "",
                 "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
        answer = {"status": 0, "size": 0}

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
            else:
                answer["size"] += len(message.get("body", b""))

        loop.run_until_complete(app(scope, receive, send))
        return answer["status"], answer["size"]

    return get


def main() -> None:
    from jixiao.store import accounts
    from jixiao.web import create_app

    args = arguments(docs=1000, requests=(int, 40), workdir=(Path, REPO / "out" / "bench"))
    args.workdir.mkdir(parents=True, exist_ok=True)
    db, token = database(args.docs, args.workdir)
    app = create_app(db)
    engine = app.state.store.engine
    counted = [0]

    def count(*_: object) -> None:
        counted[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    get = caller_of(app, token)

    def one(url: str) -> tuple[float, int]:
        counted[0] = 0
        start = time.process_time()
        status, _ = get(url)
        assert status == 200, (url, status)
        return (time.process_time() - start) * 1000, counted[0]

    def many(url: str) -> tuple[float, int]:
        for _ in range(3):
            one(url)
        runs = [one(url) for _ in range(args.requests)]
        return sum(r[0] for r in runs) / len(runs), runs[-1][1]

    rows: list[tuple[str, float, int]] = []
    rows.append(("/overview, first view", *one("/overview")))
    [user] = [u for u in accounts.list_users(engine) if u.username == "bench"]
    accounts.add_api_token(engine, user, "bench_views")  # a write: every kept answer is old
    rows.append(("/overview, first view after a write", *one("/overview")))
    rows.append(("/healthz (routing to the last route, the caller looked up)",
                 *many("/healthz")))
    rows += [(url, *many(url)) for url in URLS]
    table = Table(title=f"in-process, {args.requests} requests each after 3 "
                        f"(the first views once)")
    for name in ("view", "CPU ms", "statements"):
        table.add_column(name, justify="left" if name == "view" else "right")
    for url, cpu, statements in rows:
        table.add_row(url, f"{cpu:.2f}", str(statements))
    Console(width=130).print(table)


if __name__ == "__main__":
    main()
