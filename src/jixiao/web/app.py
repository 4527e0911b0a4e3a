"""The web face: `create_app(db)` gives a FastAPI app with the pages (Jinja2 + htmx) and
the JSON API under /api/v1, over the same store and library as the CLI."""

from __future__ import annotations

import contextlib
import os
import threading
from collections import OrderedDict
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

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
from sqlalchemy import select
from starlette.exceptions import HTTPException as StarletteHTTPException

from jixiao import formatting, store
from jixiao.audit import AuditReport
from jixiao.limits import DEFAULT as DEFAULT_LIMITS
from jixiao.model import Document
from jixiao.store.accounts import AccountError
from jixiao.store.cycle import CycleError
from jixiao.store.schema import documents
from jixiao.web.auth import WebError, caller
from jixiao.web.limits import BodyLimit, heavy

HERE = Path(__file__).parent
CHINA = ZoneInfo("Asia/Shanghai")
UPLOAD_LIMIT = DEFAULT_LIMITS.upload_bytes  # bytes; the largest real tables are a few MB


def money(value: Decimal | None) -> str:
    """万元 the Chinese way: thousands separated, two decimals (jixiao.formatting)."""
    return formatting.money(value)


def chinese_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(CHINA).strftime("%Y年%m月%d日 %H:%M")


def span_text(span: Any) -> str:
    """Where a field came from: "第2页 第504–505行" (a PDF has pages only)."""
    if span is None:
        return ""
    parts = []
    if span.page is not None:
        parts.append(f"第{span.page}页")
    if span.first_line is not None:
        last = span.last_line if span.last_line is not None else span.first_line
        parts.append(f"第{span.first_line}行" if last == span.first_line
                     else f"第{span.first_line}–{last}行")
    return " ".join(parts)


def _vendor_dir() -> Path | None:
    """node_modules, where `make` (npm ci) puts the front-end libraries of package.json."""
    for base in (Path(os.environ.get("JIXIAO_NODE_MODULES", "")), Path.cwd() / "node_modules",
                 HERE.parents[2] / "node_modules"):
        if (base / "htmx.org" / "dist" / "htmx.min.js").exists():
            return base
    return None


Loaded = tuple[Document, AuditReport, dict[int, str]]


def weight(doc: Document) -> int:
    """What a cached document costs, counted in the objects that make its memory: its
    projects and indicators (about 2 KB each once read back with spans and findings)."""
    return len(doc.projects) + sum(len(p.indicators) for p in doc.projects)


class Workspace:
    """The store as the pages and the API see it, with stored documents cached: they never
    change once stored, so each request only asks whether its document still exists (a
    document deleted through another server process must not be shown).

    The cache is bounded by count and by weight (projects + indicators held): a document
    heavier than the whole budget is served but not kept. Requests load documents in the
    heavy pool's threads, so the cache is guarded by a lock."""

    SIZE = 64
    WEIGHT = 200_000

    def __init__(self, engine: Any, size: int = SIZE, max_weight: int = WEIGHT) -> None:
        self.engine = engine
        self.size, self.max_weight = size, max_weight
        self._cache: OrderedDict[int, Loaded] = OrderedDict()
        self._weights: dict[int, int] = {}
        self._lock = threading.Lock()

    @property
    def held(self) -> tuple[int, int]:
        """(documents cached, their weight)."""
        with self._lock:
            return len(self._cache), sum(self._weights.values())

    def cached(self, doc_id: int) -> bool:
        with self._lock:
            return doc_id in self._cache

    def _exists(self, doc_id: int) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(documents.c.id).where(documents.c.id == doc_id)
                                ).first() is not None

    def document(self, doc_id: int) -> Loaded:
        if not self._exists(doc_id):
            self.forget(doc_id)
            raise WebError(404, "not-found", "没有找到 (no such document)")
        with self._lock:
            if doc_id in self._cache:
                self._cache.move_to_end(doc_id)
                return self._cache[doc_id]
        doc = store.load_document(self.engine, doc_id)  # outside the lock: it takes a while
        report = AuditReport("default", store.load_findings(self.engine, doc_id),
                             [p.seq for p in doc.projects])
        loaded = (doc, report, report.verdicts())
        cost = weight(doc)
        if cost > self.max_weight:
            return loaded  # not kept: it alone is over the budget
        with self._lock:
            self._cache[doc_id] = loaded
            self._weights[doc_id] = cost
            while len(self._cache) > self.size or sum(self._weights.values()) > self.max_weight:
                old, _ = self._cache.popitem(last=False)
                self._weights.pop(old, None)
        return loaded

    def forget(self, doc_id: int) -> None:
        with self._lock:
            self._cache.pop(doc_id, None)
            self._weights.pop(doc_id, None)


async def preload_document(request: Request) -> None:
    """Load the request's document into the cache in the heavy pool, before the handler
    (which reads it from the cache on the event loop) runs: the first view of a large
    document then stalls nobody. Only for a signed-in caller: the anonymous load nothing."""
    raw = request.path_params.get("doc_id")
    if raw is None or not str(raw).isascii() or not str(raw).isdigit():
        return
    doc_id = int(raw)
    ws: Workspace = request.app.state.workspace
    if not 1 <= doc_id <= 2_147_483_647 or ws.cached(doc_id) or caller(request) is None:
        return
    with contextlib.suppress(WebError):  # the handler answers it (404), after who asks
        await heavy(ws.document, doc_id)


def create_app(db: str | None = None, upload_limit: int = UPLOAD_LIMIT) -> FastAPI:
    from jixiao.web import admin, api, cycle_api, cycle_pages, pages, yearend

    app = FastAPI(title="jixiao", version="1", description="项目支出绩效目标: read, review, "
                  "score and compare — the JSON API of jixiao.", docs_url=None,
                  openapi_url="/api/v1/openapi.json", redoc_url=None)
    app.state.engine = store.connect(db)
    app.state.workspace = Workspace(app.state.engine)
    app.state.upload_limit = upload_limit
    # counted while the body streams in, before anything reads it (jixiao.web.limits)
    app.add_middleware(BodyLimit, limit=upload_limit)
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.filters.update(money=money, when=chinese_datetime, span=span_text,
                                 score=formatting.score, percent=formatting.percent,
                                 number=formatting.number)
    templates.env.globals.update(vendor=_vendor_dir() is not None)
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
        return await web_error(request, WebError(exc.status_code, code, str(exc.detail)))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        where = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                          for e in exc.errors())
        return await web_error(request, WebError(422, "invalid", f"请求无效 ({where})"))

    @app.exception_handler(AccountError)
    async def refused(request: Request, exc: AccountError) -> Response:
        # a write the store refuses (an indicator that does not exist, say): the request's
        # fault, not the server's
        return await web_error(request, WebError(422, "invalid", f"请求无效 ({exc})"))

    @app.exception_handler(CycleError)
    async def cycle_refused(request: Request, exc: CycleError) -> Response:
        # a step of the review cycle refused (role, state, or another user acted first)
        return await web_error(request, WebError(exc.status, exc.code, exc.message))

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        # still logged by the server; the client gets the usual error shape, no traceback
        return await web_error(request, WebError(500, "internal",
                                                 "服务器内部错误 (internal error)"))

    preload = [Depends(preload_document)]
    app.include_router(api.router, dependencies=preload)
    app.include_router(pages.router, dependencies=preload)
    app.include_router(cycle_api.router, dependencies=preload)  # the review cycle (issue 17)
    app.include_router(cycle_pages.router, dependencies=preload)
    app.include_router(yearend.router, dependencies=preload)  # year-end entry (17.3)
    app.include_router(admin.router, dependencies=preload)  # administration (17.4)

    @app.get("/", include_in_schema=False)
    async def home() -> Response:
        return RedirectResponse("/documents", status_code=303)

    @app.get("/api/docs", include_in_schema=False)
    async def api_docs() -> HTMLResponse:
        # Swagger UI from npm (package.json), served here: FastAPI's default loads it
        # from a CDN, which leaves the page blank on a bureau's network without internet
        swagger = "/vendor/swagger-ui-dist"
        if vendor is None or not (vendor / "swagger-ui-dist" / "swagger-ui-bundle.js").exists():
            return HTMLResponse(
                "<!doctype html><meta charset=utf-8><title>jixiao API</title><p>接口说明需要 "
                "Swagger UI（npm 包 swagger-ui-dist）：请运行 make（npm ci）。接口定义见 "
                '<a href="/api/v1/openapi.json">/api/v1/openapi.json</a>。</p>')
        return get_swagger_ui_html(openapi_url="/api/v1/openapi.json", title="jixiao API",
                                   swagger_js_url=f"{swagger}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{swagger}/swagger-ui.css",
                                   swagger_favicon_url=f"{swagger}/favicon-32x32.png")

    @app.get("/healthz", include_in_schema=False)
    async def health() -> HTMLResponse:
        return HTMLResponse("ok")

    return app


def app_from_environment() -> FastAPI:
    """For `uvicorn --factory` (jixiao serve): the database of $JIXIAO_DB."""
    return create_app(os.environ.get(store.ENV_VAR))
