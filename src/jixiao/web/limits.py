"""What one request may cost the server: its body is counted while it streams in (before
anyone reads or spools it), a body without a signed-in caller is refused before a byte of
it is read, and the heavy work of a request (reading, reviewing and storing a table,
writing many values, loading a large document) runs in a small pool of threads so that the
event loop keeps answering everyone else.

`BodyLimit` is a pure ASGI middleware: it sees the raw `receive`/`send` of the server, so
the body limit holds whatever the app later does with the body (multipart parsing spools
files to disk; a JSON body is read whole into memory).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

from starlette.requests import Request

from jixiao.messages import say
from jixiao.web.auth import caller

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# multipart framing around the file (boundary, part headers, the csrf field): small
MULTIPART_SLACK = 64 * 1024
# paths whose bodies need no signed-in caller: the login form
OPEN_PATHS = ("/login",)

# Two threads for the heavy work of all requests together: with two cores, more would only
# slow each other and the event loop down; a third upload waits its turn.
HEAVY_WORKERS = 2
_POOL = ThreadPoolExecutor(max_workers=HEAVY_WORKERS, thread_name_prefix="jixiao-heavy")

P = ParamSpec("P")
T = TypeVar("T")


async def heavy(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run `fn` in the bounded pool, off the event loop."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_POOL, lambda: fn(*args, **kwargs))


class BodyTooLarge(Exception):
    """Raised into the app from `receive` once the body passes the limit."""


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB"


async def _refuse(scope: Scope, send: Send, status: int, code: str, message: str) -> None:
    """The error as the app itself would answer it: JSON for /api, text for htmx, a page
    (or, for 401, the login form) otherwise."""
    path: str = scope.get("path", "")
    headers = {k.decode("latin-1").lower(): v.decode("latin-1")
               for k, v in scope.get("headers", [])}
    extra: list[tuple[bytes, bytes]] = [(b"connection", b"close")]
    if path.startswith("/api/"):
        body = json.dumps({"error": {"code": code, "message": message}},
                          ensure_ascii=False).encode()
        kind = b"application/json"
    elif headers.get("hx-request"):
        body, kind = message.encode(), b"text/plain; charset=utf-8"
    elif status == 401:
        status, body, kind = 303, b"", b"text/plain; charset=utf-8"
        extra.append((b"location", f"/login?next={path}".encode()))
    else:
        body = (f"<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\">"
                f"<title>{status}</title><h1>{status}</h1><p>{message}</p></html>").encode()
        kind = b"text/html; charset=utf-8"
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", kind),
                            (b"content-length", str(len(body)).encode()), *extra]})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuse (413) a request body over `limit` bytes, by its Content-Length before it is
    read, or by counting a chunked body as it arrives; refuse (401) a body sent without a
    valid session or token before reading it."""

    def __init__(self, app: ASGIApp, limit: int, slack: int = MULTIPART_SLACK) -> None:
        self.app = app
        self.limit = limit
        self.allowed = limit + slack

    def _too_large_message(self) -> str:
        return say("web.request-too-large", size=_megabytes(self.limit),
                   limit=f"{self.limit:,}")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        length_header = headers.get(b"content-length")
        chunked = b"chunked" in headers.get(b"transfer-encoding", b"").lower()
        try:
            length = int(length_header) if length_header is not None else None
        except ValueError:
            length = None  # the server refuses a malformed length itself
        if length is not None and length > self.allowed:
            await _refuse(scope, send, 413, "too-large", self._too_large_message())
            return
        has_body = chunked or bool(length)
        # who is asking, before a byte of the body is read: an anonymous or bad-token
        # upload is refused without being received, spooled or parsed
        if (has_body and not scope.get("path", "").startswith(OPEN_PATHS)
                and "app" in scope and caller(Request(scope)) is None):
            await _refuse(scope, send, 401, "not-signed-in", say("web.not-signed-in"))
            return
        if not chunked and length is not None:
            await self.app(scope, receive, send)  # the server delivers no more than stated
            return
        await self._counted(scope, receive, send)

    async def _counted(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A body of unstated length: count it, stop the app when it passes the limit and
        answer 413 in place of whatever the app makes of the interruption."""
        received = 0
        over = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.allowed:
                    over = True
                    raise BodyTooLarge(received)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if over:
                return  # the app's answer to the interruption (a 400, say) is replaced
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not over:
                raise
        if over and not started:
            await _refuse(scope, send, 413, "too-large", self._too_large_message())
