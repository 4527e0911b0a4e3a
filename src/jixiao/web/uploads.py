"""Storing an uploaded table and deleting a document: the same for the pages and the API."""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import Request, UploadFile
from sqlalchemy import Connection, Engine

from jixiao import store
from jixiao.audit import audit
from jixiao.errors import ReadError
from jixiao.limits import LimitError
from jixiao.model import Document, SourceInfo
from jixiao.readers import peek_department, read_bytes, sniff
from jixiao.store import accounts
from jixiao.store.profiles import active_profile
from jixiao.web.auth import Caller, WebError, require_department, require_role
from jixiao.web.limits import heavy


def _other_department(who: Caller, department: str | None) -> None:
    if who.user.role == "department" and department != who.user.department:
        raise WebError(403, "other-department",
                       f"这张表属于“{department}”，不是您的部门“{who.user.department}”")


async def store_upload(request: Request, who: Caller, file: UploadFile) -> store.IngestResult:
    """Read the upload (refusing what is too large or not a table), review it, store it."""
    limit = request.app.state.upload_limit
    data = await file.read(limit + 1)
    name = (file.filename or "upload").rsplit("/", 1)[-1][:200]
    if len(data) > limit:
        raise WebError(413, "too-large", f"文件超过 {limit // (1024 * 1024)} MB 的上限 "
                                         f"({name}: more than {limit} bytes)")
    if not data:
        raise WebError(400, "empty", f"文件为空 ({name} is empty)")
    if who.user.role == "department":
        # a text table's head is a few KB on the loop; a PDF's first page or an xlsx's first
        # rows are pdfium and zip work, so in the pool like the reading they spare
        peeked = peek_department(data) if sniff(data) == "text" else \
            await heavy(peek_department, data)
        if peeked is not None:
            _other_department(who, peeked)  # another department's table: refused unread
    # reading, reviewing and storing are CPU work: in the bounded pool, off the event loop,
    # so that other requests are served meanwhile and two uploads at most run at once
    return await heavy(_read_and_store, request.app.state.engine, who, data, name)


def _read_and_store(engine: Engine, who: Caller, data: bytes, name: str
                    ) -> store.IngestResult:
    try:
        doc: Document = read_bytes(data, name)
    except ReadError as exc:
        if exc.code == "not-text":  # an image, archive or other binary file
            raise WebError(415, "unsupported-type", f"不支持的文件类型 ({name}): 请上传 "
                                                    "PDF、Excel (.xlsx)、文本或 JSON") from None
        if isinstance(exc, LimitError):  # too large inside (cells, pages, projects …)
            raise WebError(413, "too-large", f"{name} 超过上限 {exc.limit} = {exc.allowed:,}: "
                                             f"{exc.message}") from None
        raise WebError(422, exc.code, f"{name} 无法读取: {exc}") from None
    _other_department(who, doc.department)
    findings = audit(doc, active_profile(engine)).findings

    def log(conn: Connection, result: store.IngestResult) -> None:
        # in the transaction that stores the document: stored and logged, or neither
        if result.status == "new":
            accounts.record(conn, who.user, "upload", f"document {result.document_id}", None,
                            {"file": name, "projects": result.projects,
                             "total": result.total})

    return store.ingest(engine, doc, SourceInfo(name, hashlib.sha256(data).hexdigest(),
                                                sniff(data)), findings, log=log)


def delete(request: Request, who: Caller, doc_id: int) -> None:
    ws = request.app.state.workspace
    doc, _, _ = ws.document(doc_id)
    require_department(who, doc.department)  # first: another department's is not there
    require_role(who, "admin", "reviewer")
    before: dict[str, Any] = {"title": doc.title, "department": doc.department,
                              "projects": len(doc.projects)}
    store.delete_document(ws.engine, doc_id, log=lambda conn: accounts.record(
        conn, who.user, "delete", f"document {doc_id}", before, None))
    ws.forget(doc_id)
