"""Storing an uploaded table and deleting a document: the same for the pages and the API."""

from __future__ import annotations

import asyncio
import hashlib

from fastapi import Request, UploadFile

from jixiao import store
from jixiao.audit import audit
from jixiao.errors import ReadError
from jixiao.model import SourceInfo
from jixiao.readers import read_bytes, sniff
from jixiao.store import accounts
from jixiao.store.profiles import active_profile
from jixiao.web.auth import Caller, WebError, require_department, require_role


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
    try:
        # reading is CPU work: off the event loop, so other requests are served meanwhile
        doc = await asyncio.to_thread(read_bytes, data, name)
    except ReadError as exc:
        if exc.code == "not-text":  # an image, archive or other binary file
            raise WebError(415, "unsupported-type", f"不支持的文件类型 ({name}): 请上传 "
                                                    "PDF、Excel (.xlsx)、文本或 JSON") from None
        raise WebError(422, exc.code, f"{name} 无法读取: {exc}") from None
    if who.user.role == "department" and doc.department != who.user.department:
        raise WebError(403, "other-department",
                       f"这张表属于“{doc.department}”，不是您的部门“{who.user.department}”")
    engine = request.app.state.engine
    findings = audit(doc, active_profile(engine)).findings
    result = store.ingest(engine, doc, SourceInfo(name, hashlib.sha256(data).hexdigest(),
                                                  sniff(data)), findings)
    if result.status == "new":
        with engine.begin() as conn:
            accounts.record(conn, who.user, "upload", f"document {result.document_id}", None,
                            {"file": name, "projects": result.projects,
                             "total": result.total})
    return result


def delete(request: Request, who: Caller, doc_id: int) -> None:
    ws = request.app.state.workspace
    doc, _, _ = ws.document(doc_id)
    require_department(who, doc.department)  # first: another department's is not there
    require_role(who, "admin", "reviewer")
    store.delete_document(ws.engine, doc_id)
    ws.forget(doc_id)
    with ws.engine.begin() as conn:
        accounts.record(conn, who.user, "delete", f"document {doc_id}",
                        {"title": doc.title, "department": doc.department,
                         "projects": len(doc.projects)}, None)
