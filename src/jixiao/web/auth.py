"""Who is asking, and may they: the session cookie (pages) or a bearer token (scripts),
CSRF on every unsafe request made with a cookie, and the department boundary."""

from __future__ import annotations

import asyncio
import hmac
import weakref
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from jixiao.messages import say
from jixiao.store import accounts
from jixiao.store.accounts import User

SESSION_COOKIE = "jixiao_session"
LOGIN_CSRF_COOKIE = "jixiao_login_csrf"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class WebError(Exception):
    """An error the pages show as a page and the API as {"error": {code, message}}."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True, slots=True)
class Caller:
    user: User
    csrf: str | None  # the session's token; None when the caller came with an API token


_CALLER = "jixiao.caller"  # in the request's state: looked up once a request


def caller(request: Request) -> Caller | None:
    """Who sent the request, looked up once a request (the kept answers' middleware, the
    preload of a document and the handler's dependency all ask)."""
    state = request.scope.setdefault("state", {})
    if _CALLER not in state:
        state[_CALLER] = _look_up(request)
    return state[_CALLER]


def _look_up(request: Request) -> Caller | None:
    engine = request.app.state.engine
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = accounts.token_user(engine, header[7:].strip())
        return Caller(user, None) if user else None
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        found = accounts.session_user(engine, token)
        if found:
            return Caller(*found)
    return None


async def require(request: Request) -> Caller:
    """The signed-in caller; CSRF checked for unsafe methods when signed in by cookie."""
    who = caller(request)
    if who is None:
        raise WebError(401, "not-signed-in", say("web.not-signed-in"))
    if request.method in UNSAFE and who.csrf is not None:
        sent = request.headers.get("x-csrf-token")
        if sent is None and request.headers.get("content-type", "").startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")):
            sent = (await request.form()).get("csrf")
        if not isinstance(sent, str) or not hmac.compare_digest(sent, who.csrf):
            raise WebError(403, "csrf", say("web.csrf"))
    return who


# an endpoint's signed-in caller (`who: Who`), the same in every face module
Who = Annotated[Caller, Depends(require)]

_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = \
    weakref.WeakKeyDictionary()


def hashing_gate() -> asyncio.Semaphore:
    """Logins wait here, on the event loop, for one of the process's hashing slots: a burst
    of them neither fills the thread pool nor keeps the loop from answering (/healthz)."""
    loop = asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = asyncio.Semaphore(accounts.HASH_SLOTS)
    return gate


def require_role(who: Caller, *roles: str) -> None:
    if who.user.role not in roles:
        raise WebError(403, "forbidden", say("web.role-forbidden"))


def require_department(who: Caller, department: str | None) -> None:
    """A department user reaches only its own department's documents: others are
    answered as if they did not exist."""
    if not who.user.may_see(department):
        raise WebError(404, "not-found", say("web.no-document"))
