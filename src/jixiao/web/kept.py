"""Whole answers kept per server process: a page or API answer that is a pure function of
the store's state, who asks and the URL is rendered once, kept as bytes and sent again with
no routing, no handler, no template and no JSON encoding.

The key is (the change log's last row as this GET read it, store.memo.last_change; the
caller: user, role, department and session's CSRF token; the day; the path and query; the
headers a page answers differently to). Every write adds a change-log row in its own
transaction, so the first GET after a write, in any server process, reads another key:
nothing needs to be told to forget. A handler opts in with `keep(request)`: only what it
marks is kept (a 200 without cookies, whole, not streamed). The answer carries a strong
ETag (a hash of its bytes) and `Cache-Control: private, no-cache`: a browser asks again each
time and gets 304 with no body while its copy is still what it would be sent.

Memory is bounded by bytes, oldest use dropped first (`JIXIAO_KEPT_MB`, default 64 MB per
server process; 0 keeps nothing, and no ETag is sent either).
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request

from jixiao.store import memo
from jixiao.web.auth import caller

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ENV_VAR = "JIXIAO_KEPT_MB"
DEFAULT_MB = 64
_MARK = "jixiao.keep"  # set in the request's state by `keep`
# request headers a handler answers differently to (htmx asks for a fragment)
VARY = (b"hx-request", b"hx-target", b"accept")
# the mounted files (StaticFiles): nobody to look up for them
FILES = ("/static/", "/vendor/")
# what an entry costs beyond its body: the key, the headers, the bookkeeping
OVERHEAD = 512


def keep(request: Request) -> None:
    """Mark this GET's answer as a pure function of the store, the caller and the URL."""
    # the request's state dict, shared by every Request made of this request's scope
    request.scope.setdefault("state", {})[_MARK] = True


def kept_bytes() -> int:
    """The bound from the environment (`JIXIAO_KEPT_MB`, megabytes, may be a fraction)."""
    raw = os.environ.get(ENV_VAR, "").strip()
    return int(float(raw) * 1024 * 1024) if raw else DEFAULT_MB * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: tuple[tuple[bytes, bytes], ...]  # as sent, the ETag and Cache-Control in them
    body: bytes
    etag: bytes

    @property
    def size(self) -> int:
        return len(self.body) + OVERHEAD


class Answers:
    """The kept answers of one app: an LRU bounded by the bytes it holds."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held = 0
        self._answers: OrderedDict[tuple[Any, ...], Answer] = OrderedDict()

    def __len__(self) -> int:
        return len(self._answers)

    def in_use_order(self) -> list[tuple[Any, ...]]:
        """The keys, the least lately used first."""
        return list(self._answers)

    def get(self, key: tuple[Any, ...]) -> Answer | None:
        found = self._answers.get(key)
        if found is not None:
            self._answers.move_to_end(key)
        return found

    def put(self, key: tuple[Any, ...], answer: Answer) -> None:
        if answer.size > self.limit // 4:  # one page must not push out everything else
            return
        old = self._answers.pop(key, None)
        if old is not None:
            self.held -= old.size
        self._answers[key] = answer
        self.held += answer.size
        while self.held > self.limit:
            _, dropped = self._answers.popitem(last=False)
            self.held -= dropped.size


def _etag(body: bytes) -> bytes:
    return b'"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'


def _matches(scope: Scope, etag: bytes) -> bool:
    """If-None-Match names this ETag (weak or strong, or *)."""
    for name, value in scope["headers"]:
        if name == b"if-none-match":
            tags = {t.strip().removeprefix(b"W/") for t in value.split(b",")}
            return etag in tags or b"*" in tags
    return False


async def _send(send: Send, answer: Answer, scope: Scope) -> None:
    if _matches(scope, answer.etag):
        headers = [(k, v) for k, v in answer.headers
                   if k in (b"etag", b"cache-control", b"vary")]
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": answer.status,
                "headers": list(answer.headers)})
    await send({"type": "http.response.body", "body": answer.body})


class KeptResponses:
    """The ASGI middleware (inside ReadScope, whose request scope reads the change log once
    for this GET and every kept answer under it)."""

    def __init__(self, app: ASGIApp, answers: Answers) -> None:
        self.app = app
        self.answers = answers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET" or self.answers.limit <= 0 \
                or scope["path"].startswith(FILES):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        who = caller(request)  # kept in the request's state: the handler asks no more
        if who is None:  # the app answers it (401, the login page)
            await self.app(scope, receive, send)
            return
        engine = scope["app"].state.store.engine
        user = who.user
        key = (memo.last_change(engine), user.id, user.username, user.role, user.department,
               who.csrf, datetime.now(UTC).date().toordinal(), scope["path"],
               scope.get("query_string", b""),
               tuple(v for k, v in scope["headers"] if k in VARY))
        found = self.answers.get(key)
        if found is not None:
            await _send(send, found, scope)
            return
        await self.app(scope, receive, self._keeping(scope, send, key))

    def _keeping(self, scope: Scope, send: Send, key: tuple[Any, ...]) -> Send:
        """`send`, holding back a marked 200 until its body is whole, then keeping it."""
        start: Message | None = None
        parts: list[bytes] = []

        async def keeping(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                state = scope.get("state") or {}
                headers = message.get("headers") or []
                if state.get(_MARK) and message["status"] == 200 \
                        and not any(k.lower() == b"set-cookie" for k, _ in headers):
                    start = message
                    return
                await send(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            parts.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(parts)
            etag = _etag(body)
            sent = [(bytes(k), bytes(v)) for k, v in start.get("headers") or []
                    if k.lower() not in (b"etag", b"cache-control")]
            headers = (*sent, (b"etag", etag), (b"cache-control", b"private, no-cache"))
            answer = Answer(start["status"], headers, body, etag)
            self.answers.put(key, answer)
            await _send(send, answer, scope)

        return keeping
