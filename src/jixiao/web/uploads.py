"""Storing an uploaded table and deleting a document: the same for the pages and the API."""

from __future__ import annotations

from fastapi import Request, UploadFile

from jixiao import store
from jixiao.errors import ReadError
from jixiao.limits import LimitError
from jixiao.messages import say
from jixiao.readers import peek_department, sniff
from jixiao.store.store import Store
from jixiao.web.auth import Caller, WebError, require_department, require_role
from jixiao.web.limits import heavy


def _other_department(who: Caller, department: str | None) -> None:
    if who.user.role == "department" and department != who.user.department:
        raise WebError(403, "other-department",
                       say("web.other-department", theirs=department,
                           yours=who.user.department))


async def store_upload(request: Request, who: Caller, file: UploadFile,
                       revises: tuple[int, int] | None = None) -> store.IngestResult:
    """Read the upload (refusing what is too large or not a table), review it, store it;
    `revises` (document id, revision): as that document's next version, in the same
    transaction (Store.ingest)."""
    limit = request.app.state.upload_limit
    data = await file.read(limit + 1)
    name = (file.filename or "upload").rsplit("/", 1)[-1][:200]
    if len(data) > limit:
        raise WebError(413, "too-large", say("web.upload-too-large", name=name,
                                             mb=limit // (1024 * 1024), limit=f"{limit:,}"))
    if not data:
        raise WebError(400, "empty", say("web.upload-empty", name=name))
    if who.user.role == "department":
        # a text table's head is a few KB on the loop; a PDF's first page or an xlsx's first
        # rows are pdfium and zip work, so in the pool like the reading they spare
        peeked = peek_department(data) if sniff(data) == "text" else \
            await heavy(peek_department, data)
        if peeked is not None:
            _other_department(who, peeked)  # another department's table: refused unread
    # reading, reviewing and storing are CPU work: in the bounded pool, off the event loop,
    # so that other requests are served meanwhile and two uploads at most run at once
    return await heavy(_read_and_store, request.app.state.store, who, data, name, revises)


def _read_and_store(house: Store, who: Caller, data: bytes, name: str,
                    revises: tuple[int, int] | None = None) -> store.IngestResult:
    """Read, review by the active profile and store, with its change-log row, in one
    transaction (Store.ingest, as the CLI's ingest); the reader's refusals as HTTP."""
    try:
        return house.ingest(data, name, user=who.user, revises=revises,
                            check=lambda doc: _other_department(who, doc.department))
    except ReadError as exc:
        if exc.code == "not-text":  # an image, archive or other binary file
            raise WebError(415, "unsupported-type",
                           say("web.upload-unsupported", name=name)) from None
        if isinstance(exc, LimitError):  # too large inside (cells, pages, projects …)
            raise WebError(413, "too-large", say("web.upload-over-limit", name=name,
                                                 limit=exc.limit, allowed=f"{exc.allowed:,}",
                                                 message=exc.message)) from None
        raise WebError(422, exc.code, say("web.upload-unreadable", name=name,
                                          error=exc)) from None


def delete(request: Request, who: Caller, doc_id: int) -> None:
    house: Store = request.app.state.store
    doc, _ = house.document(doc_id)
    require_department(who, doc.department)  # first: another department's is not there
    require_role(who, "admin", "reviewer")
    house.delete(doc_id, who.user)  # logged in the same transaction
