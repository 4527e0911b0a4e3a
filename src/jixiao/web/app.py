"""The web face: `create_app(db)` gives a FastAPI app with the pages (Jinja2 + htmx) and
the JSON API under /api/v1, over the same store and library as the CLI."""

from __future__ import annotations

import os
from collections import OrderedDict
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
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

from jixiao import store
from jixiao.audit import AuditReport
from jixiao.model import Document
from jixiao.store.schema import documents
from jixiao.web.auth import WebError

HERE = Path(__file__).parent
CHINA = ZoneInfo("Asia/Shanghai")
UPLOAD_LIMIT = 20 * 1024 * 1024  # bytes; the largest real tables are a few MB


def money(value: Decimal | None) -> str:
    """万元 the Chinese way: thousands separated, two decimals."""
    return "" if value is None else f"{value:,.2f}"


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


class Workspace:
    """The store as the pages and the API see it, with stored documents cached: they never
    change once stored, so each request only asks whether its document still exists (a
    document deleted through another server process must not be shown)."""

    SIZE = 64

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self._cache: OrderedDict[int, tuple[Document, AuditReport, dict[int, str]]] = \
            OrderedDict()

    def _exists(self, doc_id: int) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(documents.c.id).where(documents.c.id == doc_id)
                                ).first() is not None

    def document(self, doc_id: int) -> tuple[Document, AuditReport, dict[int, str]]:
        if not self._exists(doc_id):
            self._cache.pop(doc_id, None)
            raise WebError(404, "not-found", "没有找到 (no such document)")
        if doc_id in self._cache:
            self._cache.move_to_end(doc_id)
            return self._cache[doc_id]
        doc = store.load_document(self.engine, doc_id)
        report = AuditReport("default", store.load_findings(self.engine, doc_id),
                             [p.seq for p in doc.projects])
        self._cache[doc_id] = loaded = (doc, report, report.verdicts())
        while len(self._cache) > self.SIZE:
            self._cache.popitem(last=False)
        return loaded

    def forget(self, doc_id: int) -> None:
        self._cache.pop(doc_id, None)


def create_app(db: str | None = None, upload_limit: int = UPLOAD_LIMIT) -> FastAPI:
    from jixiao.web import api, pages

    app = FastAPI(title="jixiao", version="1", description="项目支出绩效目标: read, review, "
                  "score and compare — the JSON API of jixiao.", docs_url="/api/docs",
                  openapi_url="/api/v1/openapi.json", redoc_url=None)
    app.state.engine = store.connect(db)
    app.state.workspace = Workspace(app.state.engine)
    app.state.upload_limit = upload_limit
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.filters.update(money=money, when=chinese_datetime, span=span_text)
    templates.env.globals.update(vendor=_vendor_dir() is not None)
    app.state.templates = templates
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    if (vendor := _vendor_dir()) is not None:
        app.mount("/vendor", StaticFiles(directory=vendor), name="vendor")

    @app.exception_handler(WebError)
    async def web_error(request: Request, exc: WebError) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": {"code": exc.code, "message": exc.message}},
                                status_code=exc.status)
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

    app.include_router(api.router)
    app.include_router(pages.router)

    @app.get("/", include_in_schema=False)
    async def home() -> Response:
        return RedirectResponse("/documents", status_code=303)

    @app.get("/healthz", include_in_schema=False)
    async def health() -> HTMLResponse:
        return HTMLResponse("ok")

    return app


def app_from_environment() -> FastAPI:
    """For `uvicorn --factory` (jixiao serve): the database of $JIXIAO_DB."""
    return create_app(os.environ.get(store.ENV_VAR))
