"""The pages of the review cycle: the actions on a document and its projects, a revised
upload and its comparison, the 待办 lists, the bureau's overview and its exports, and the
review sheet with states and opinions."""

from __future__ import annotations

import io
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from jixiao.store import accounts, cycle, memo
from jixiao.web import cycle as cv
from jixiao.web import uploads, views, yearend
from jixiao.web.auth import Caller, Who
from jixiao.web.kept import keep
from jixiao.web.pages import render
from jixiao.web.params import INT32, DocId, Seq
from jixiao.writers.review import write_review_xlsx

router = APIRouter(include_in_schema=False)
Revision = Annotated[int, Form(ge=0, le=INT32)]
Opinion = Annotated[str, Form(max_length=cycle.OPINION_LIMIT)]


@router.post("/documents/{doc_id}/cycle")
async def document_action(request: Request, who: Who, doc_id: DocId,
                          action: Annotated[str, Form(pattern="^(submit|return|approve)$")],
                          revision: Revision, opinion: Opinion = "") -> Response:
    ws = request.app.state.workspace
    views.document_view(ws, who, doc_id)  # another department's: 404 first
    ws.act_on_document(who.user, doc_id, action, revision, opinion)
    return RedirectResponse(f"/documents/{doc_id}#cycle", status_code=303)


@router.post("/documents/{doc_id}/projects/{seq}/cycle")
async def project_action(request: Request, who: Who, doc_id: DocId, seq: Seq,
                         action: Annotated[str, Form(pattern="^(pass|return)$")],
                         revision: Revision, opinion: Opinion = "",
                         back: Annotated[str, Form(max_length=20)] = "") -> Response:
    ws = request.app.state.workspace
    views.project_of(views.document_view(ws, who, doc_id), seq)
    ws.act_on_project(who.user, doc_id, seq, action, revision, opinion)
    url = f"/documents/{doc_id}#p{seq}" if back == "document" else \
        f"/documents/{doc_id}/projects/{seq}#cycle"
    return RedirectResponse(url, status_code=303)


@router.post("/documents/{doc_id}/versions")
async def revised_upload(request: Request, who: Who, doc_id: DocId, file: UploadFile,
                         revision: Revision) -> Response:
    """A revised table: stored as a document, then made the next version of this one."""
    ws = request.app.state.workspace
    view = views.document_view(ws, who, doc_id)
    state = cycle.document_state(ws.engine, doc_id)
    # refused before the upload is stored when this version cannot be revised at all
    cycle.check_revisable(who.user, state, view.doc.department)
    # stored as the next version in one transaction: refused, nothing is stored
    result = await uploads.store_upload(request, who, file, revises=(doc_id, revision))
    url = f"/documents/{result.document_id}/revision"
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


@router.get("/documents/{doc_id}/revision")
async def revision_page(request: Request, who: Who, doc_id: DocId) -> Response:
    ws = request.app.state.workspace
    view = views.document_view(ws, who, doc_id)
    state = cycle.document_state(ws.engine, doc_id)
    found = cv.revision_diff(ws, who, view, state)
    before = found[0] if found else None
    return render(request, "revision.html", who, view=view, state=state, before=before,
                  diff=found[1] if found else None,
                  returned=cycle.project_states(ws.engine, before.id) if before else {},
                  cycle_view=cv.cycle_view(ws, who, view))


@router.get("/todo")
async def todo_page(request: Request, who: Who) -> Response:
    return render(request, "todo.html", who,
                  todo=cycle.todo(request.app.state.engine, who.user))


class OverviewQuery:
    """The overview's seven query parameters, one dependency for the page and both exports
    (an export is the current view, with its filters)."""

    def __init__(self, department: Annotated[str | None, Query(max_length=200)] = None,
                 year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
                 state: Annotated[str | None, Query(max_length=20)] = None,
                 rule: Annotated[str | None, Query(max_length=60)] = None,
                 sort: Annotated[str, Query(max_length=20)] = "department",
                 order: Annotated[str, Query(pattern="^(asc|desc)$")] = "asc",
                 all: bool = False) -> None:
        self.filter = cv.overview_filter(department, year, state, rule, sort, order, all)

    def overview(self, request: Request, who: Caller) -> cv.Overview:
        return cv.overview(request.app.state.workspace, who, self.filter)


Chosen = Annotated[OverviewQuery, Depends()]
OVERVIEW_PAGE = 100  # rows of the overview page


@router.get("/overview")
async def overview_page(request: Request, who: Who, chosen: Chosen,
                        page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Response:
    keep(request)
    ws = request.app.state.workspace
    o = chosen.overview(request, who)
    # a page of rows at a time (a country's bureau has thousands); counts, filters and the
    # exports cover them all
    pages = max(1, -(-len(o.rows) // OVERVIEW_PAGE))
    page = min(page, pages)
    scope = views.own_department(who)

    def content() -> Markup:
        shown = o.rows[(page - 1) * OVERVIEW_PAGE:page * OVERVIEW_PAGE]
        return Markup(request.app.state.templates.get_template("overview_main.html").render(
            o=o, states=cycle.DOCUMENT_STATES, query=o.filter.query(), shown=shown,
            page=page, pages=pages, per_page=OVERVIEW_PAGE,
            # results entered per department (17.3):
            completion=yearend.overview_completion(ws, o.rows, key=(scope, o.filter))))

    # the page's content kept while the store has not changed (rendering 100 rows was most
    # of a view's cost); only the frame around it is the caller's
    return render(request, "overview.html", who,
                  main=memo.kept(ws.engine, ("overview-page", scope, o.filter, page), content))


@router.get("/overview.csv")
async def overview_csv(request: Request, who: Who, chosen: Chosen) -> Response:
    o = chosen.overview(request, who)
    return Response(cv.overview_csv(o).encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="overview.csv"'})


@router.get("/overview.xlsx")
async def overview_xlsx(request: Request, who: Who, chosen: Chosen) -> Response:
    o = chosen.overview(request, who)
    return Response(cv.overview_xlsx(o), media_type="application/vnd.openxmlformats-"
                    "officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="overview.xlsx"'})


@router.get("/documents/{doc_id}/review.xlsx")
async def review_sheet(request: Request, who: Who, doc_id: DocId) -> Response:
    """The review sheet (jixiao audit -f xlsx) with each project's state and opinions."""
    ws = request.app.state.workspace
    view = views.document_view(ws, who, doc_id)
    states = cycle.project_states(ws.engine, doc_id)
    opinions: dict[int, list[str]] = {}
    for o in accounts.list_opinions(ws.engine, doc_id):
        if o.finding_position is not None:
            opinions.setdefault(o.finding_position, []).append(f"{o.username}：{o.text}")
    buffer = io.BytesIO()
    write_review_xlsx(view.report, view.doc, buffer, states={
        p.seq: (states[p.seq].label if p.seq in states else cycle.PROJECT_STATES["pending"],
                states[p.seq].opinion if p.seq in states else None)
        for p in view.doc.projects},
        opinions={k: "\n".join(v) for k, v in opinions.items()})
    return Response(buffer.getvalue(), media_type="application/vnd.openxmlformats-"
                    "officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="review.xlsx"'})
