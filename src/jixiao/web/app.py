"""The web face: `create_app(db)` gives a FastAPI app with the pages (Jinja2 + htmx) and
the JSON API under /api/v1, over the same store and library as the CLI."""

from __future__ import annotations

import contextlib
import gc
import os
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from jixiao import formatting, library, messages, store
from jixiao.limits import DEFAULT as DEFAULT_LIMITS
from jixiao.store import memo
from jixiao.store.accounts import ROLE_LABELS, AccountError
from jixiao.store.cycle import CycleError
from jixiao.store.store import NotFound, Store
from jixiao.web import kept
from jixiao.web.auth import WebError, caller
from jixiao.web.limits import BodyLimit, heavy

HERE = Path(__file__).parent
UPLOAD_LIMIT = DEFAULT_LIMITS.upload_bytes  # bytes; the largest real tables are a few MB


def _field(name: object) -> str:
    """A form field as the refusal names it: its Chinese label, else its name."""
    key = f"form.{name}"
    return messages.say(key) if messages.has(key) else str(name)


def _vendor_dir() -> Path | None:
    """node_modules, where `make` (npm ci) puts the front-end libraries of package.json."""
    for base in (Path(os.environ.get("JIXIAO_NODE_MODULES", "")), Path.cwd() / "node_modules",
                 HERE.parents[2] / "node_modules"):
        if (base / "htmx.org" / "dist" / "htmx.min.js").exists():
            return base
    return None


async def preload_document(request: Request) -> None:
    """Load the request's document into the cache in the heavy pool, before the handler
    (which reads it from the cache on the event loop) runs: the first view of a large
    document then stalls nobody. Only for a signed-in caller: the anonymous load nothing."""
    raw = request.path_params.get("doc_id")
    if raw is None or not str(raw).isascii() or not str(raw).isdigit():
        return
    doc_id = int(raw)
    house: Store = request.app.state.store
    if not 1 <= doc_id <= 2_147_483_647 or house.cached(doc_id) or caller(request) is None:
        return
    with contextlib.suppress(NotFound):  # the handler answers it (404), after who asks
        await heavy(house.document, doc_id)


class ReadScope:
    """A GET (or HEAD) asks the change log once, however many kept answers its page takes
    (store.memo.request_scope); a write's request is left out: it must see its write."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        with memo.request_scope():
            await self.app(scope, receive, send)


def create_app(db: str | None = None, upload_limit: int = UPLOAD_LIMIT,
               read_db: str | None = None, kept_bytes: int | None = None) -> FastAPI:
    """The app over the store `db` (reads on `read_db`, a replica, if given); at most
    `kept_bytes` of whole answers kept (web.kept; None: $JIXIAO_KEPT_MB or its default)."""
    from jixiao.web import admin, api, corrections, cycle_api, cycle_pages, pages, yearend

    app = FastAPI(title="jixiao", version="1", description="项目支出绩效目标: read, review, "
                  "score and compare — the JSON API of jixiao.", docs_url=None,
                  openapi_url="/api/v1/openapi.json", redoc_url=None)
    # one Store for every request: the engine, the document cache, every write
    app.state.store = library.open_store(db, read=read_db)  # reads on a replica, if given
    app.state.engine = app.state.store.engine
    app.state.workspace = app.state.store  # the name the views have always used
    app.state.upload_limit = upload_limit
    # counted while the body streams in, before anything reads it (jixiao.web.limits)
    app.add_middleware(BodyLimit, limit=upload_limit)
    # a GET's whole answer kept while the store has not changed (inside ReadScope: the
    # change log read once for the key and everything the page keeps)
    app.state.kept = kept.Answers(kept.kept_bytes() if kept_bytes is None else kept_bytes)
    app.add_middleware(kept.KeptResponses, answers=app.state.kept)
    app.add_middleware(ReadScope)
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.filters.update(money=formatting.money, when=formatting.when,
                                 span=formatting.span,
                                 score=formatting.score, percent=formatting.percent,
                                 number=formatting.number)
    templates.env.filters["level"] = messages.level  # error → 错误 (a finding's severity)
    templates.env.globals.update(vendor=_vendor_dir() is not None, say=messages.say)
    templates.env.globals.update(roles=ROLE_LABELS)  # role code → its label, as said
    templates.env.globals.update(corrections_panel=corrections.panel,  # issue 19
                                 corrections_summary=corrections.summary)
    app.state.templates = templates
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    if (vendor := _vendor_dir()) is not None:
        app.mount("/vendor", StaticFiles(directory=vendor), name="vendor")

    @app.exception_handler(WebError)
    async def web_error(request: Request, exc: WebError) -> Response:
        if request.url.path.startswith("/api/"):
            error = {"code": exc.code, "message": exc.message}
            if (field := getattr(exc, "field", None)) is not None:  # a value refused
                error["field"] = field
            return JSONResponse({"error": error}, status_code=exc.status)
        if request.headers.get("hx-request"):  # an htmx form shows the message as text
            return PlainTextResponse(exc.message, status_code=exc.status)
        if exc.status == 401:
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        return templates.TemplateResponse(request, "error.html", {"error": exc, "who": None},
                                          status_code=exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        text = messages.say("web.page-not-found" if code == "not-found" else f"web.{code}")
        return await web_error(request, WebError(exc.status_code, code, text))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        # the fields named as the form names them; pydantic's own wording is English
        where = "；".join(messages.say("web.field-missing" if e["type"] == "missing"
                                      else "web.field-invalid", field=_field(e["loc"][-1]))
                         for e in exc.errors())
        return await web_error(request, WebError(422, "invalid",
                                                 messages.say("web.invalid", where=where)))

    @app.exception_handler(NotFound)
    async def gone(request: Request, exc: NotFound) -> Response:
        # a document deleted (perhaps through another server process) or never stored
        return await web_error(request, WebError(404, "not-found",
                                                 messages.say("web.no-document")))

    @app.exception_handler(AccountError)
    async def refused(request: Request, exc: AccountError) -> Response:
        # a write the store refuses (an indicator that does not exist, say): the request's
        # fault, not the server's
        return await web_error(request, WebError(422, "invalid",
                                                 messages.say("web.store-refused", error=exc)))

    @app.exception_handler(CycleError)
    async def cycle_refused(request: Request, exc: CycleError) -> Response:
        # a step of the review cycle refused (role, state, or another user acted first)
        return await web_error(request, WebError(exc.status, exc.code, exc.message))

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        # still logged by the server; the client gets the usual error shape, no traceback
        return await web_error(request, WebError(500, "internal", messages.say("web.internal")))

    preload = [Depends(preload_document)]
    app.include_router(api.router, dependencies=preload)
    app.include_router(pages.router, dependencies=preload)
    app.include_router(cycle_api.router, dependencies=preload)  # the review cycle (issue 17)
    app.include_router(cycle_pages.router, dependencies=preload)
    app.include_router(yearend.router, dependencies=preload)  # year-end entry (17.3)
    app.include_router(admin.router, dependencies=preload)  # administration (17.4)
    app.include_router(corrections.api, dependencies=preload)  # doubts answered (19)
    app.include_router(corrections.pages, dependencies=preload)

    @app.get("/", include_in_schema=False)
    async def home() -> Response:
        return RedirectResponse("/documents", status_code=303)

    @app.get("/api/docs", include_in_schema=False)
    async def api_docs() -> HTMLResponse:
        # Swagger UI from npm (package.json), served here: FastAPI's default loads it
        # from a CDN, which leaves the page blank on a bureau's network without internet
        swagger = "/vendor/swagger-ui-dist"
        if vendor is None or not (vendor / "swagger-ui-dist" / "swagger-ui-bundle.js").exists():
            link = '<a href="/api/v1/openapi.json">/api/v1/openapi.json</a>'
            return HTMLResponse("<!doctype html><meta charset=utf-8><title>jixiao API</title>"
                                f"<p>{messages.say('web.api-docs-missing', link=link)}</p>")
        return get_swagger_ui_html(openapi_url="/api/v1/openapi.json", title="jixiao API",
                                   swagger_js_url=f"{swagger}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{swagger}/swagger-ui.css",
                                   swagger_favicon_url=f"{swagger}/favicon-32x32.png")

    @app.get("/healthz", include_in_schema=False)
    async def health() -> HTMLResponse:
        return HTMLResponse("ok")

    return app


def app_from_environment() -> FastAPI:
    """For `uvicorn --factory` (jixiao serve): the database of $JIXIAO_DB, read on the
    replica of $JIXIAO_READ_DB if set."""
    from jixiao.store.replica import READ_ENV_VAR

    app = create_app(os.environ.get(store.ENV_VAR), read_db=os.environ.get(READ_ENV_VAR))
    # What the process holds once started (modules, the app, its templates) is never
    # garbage: left out of the collector's full passes, which walked it for ~0.3 s with
    # the event loop stopped (the overview's p99). Only in a served process: a test
    # process making many apps would keep each one's garbage for good.
    gc.collect()
    gc.freeze()
    return app
