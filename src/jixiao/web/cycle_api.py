"""The review cycle in /api/v1: a document's state, versions and history; submit, return,
approve; pass or return a project; a revised table as the next version and what it changed;
the 待办 lists; the bureau's overview. Every action names the `revision` it saw: when
another user acted first it is refused with 409 `conflict` and nothing is overwritten."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, UploadFile
from pydantic import BaseModel, Field

from jixiao.interchange import money_text
from jixiao.messages import say
from jixiao.store import cycle
from jixiao.store.cycle import DocumentState, ProjectState, TodoItem
from jixiao.web import cycle as cv
from jixiao.web import uploads, views
from jixiao.web.api import ERRORS
from jixiao.web.auth import Caller, WebError, Who
from jixiao.web.kept import keep
from jixiao.web.params import INT32, DocId, Seq

router = APIRouter(prefix="/api/v1", responses={
    **ERRORS, 409: {"description": "refused in this state, or another user acted first "
                                   "(conflict)", "model": None}})


# action and revision are required, but checked after the department boundary: another
# department's document is a 404 whatever the body (so they are optional to the schema)
class ActionIn(BaseModel):
    action: str | None = Field(default=None, pattern="^(submit|return|approve)$",
                               description="required: submit (提交), return (退回) or "
                                           "approve (通过)")
    revision: int | None = Field(default=None, ge=0, le=INT32,
                                 description="required: the document's revision as last read")
    opinion: str = Field(default="", max_length=cycle.OPINION_LIMIT)


class ProjectActionIn(BaseModel):
    action: str | None = Field(default=None, pattern="^(pass|return)$",
                               description="required: pass (通过) or return (退回)")
    revision: int | None = Field(default=None, ge=0, le=INT32,
                                 description="required: the project's revision as last read")
    opinion: str = Field(default="", max_length=cycle.OPINION_LIMIT,
                         description="required to return")


def _required(body: ActionIn | ProjectActionIn) -> tuple[str, int]:
    if body.action is None or body.revision is None:
        missing = [k for k in ("action", "revision") if getattr(body, k) is None]
        raise WebError(422, "invalid", say("web.body-field-required", field=missing[0]))
    return body.action, body.revision


class ProjectStateOut(BaseModel):
    project: int
    state: str = Field(description="pending, passed or returned")
    revision: int
    opinion: str | None
    updated_by: str | None
    updated_at: str | None


class VersionOut(BaseModel):
    document_id: int
    version: int
    state: str


class EventOut(BaseModel):
    document_id: int
    project: int | None
    action: str
    before: str | None
    after: str
    opinion: str | None
    username: str | None
    at: str


class CycleOut(BaseModel):
    document_id: int
    cycle_id: int = Field(description="the first version's document id")
    version: int
    previous_id: int | None
    state: str = Field(description="draft, submitted, returned, approved or superseded")
    revision: int
    opinion: str | None
    updated_by: str | None
    updated_at: str | None
    actions: list[str] = Field(description="what the caller may do with the document now")
    projects: list[ProjectStateOut]
    versions: list[VersionOut]
    history: list[EventOut]


class TargetDiffOut(BaseModel):
    indicator: str
    before: str | None
    after: str | None
    change: str = Field(description="added, dropped, raised, lowered or rewritten")


class ProjectDiffOut(BaseModel):
    project: int | None = Field(description="序号 in the new version (None: dropped)")
    before_project: int | None
    name: str
    change: str = Field(description="added, dropped or changed")
    total_before: str | None
    total_after: str | None
    goal_rewritten: bool
    targets: list[TargetDiffOut]


class RevisionOut(BaseModel):
    before_id: int
    after_id: int
    total_before: str
    total_after: str
    unchanged: int
    projects: list[ProjectDiffOut]


class TodoItemOut(BaseModel):
    document_id: int
    version: int
    department: str | None
    year: int | None
    title: str | None
    state: str
    updated_by: str | None
    updated_at: str | None
    opinion: str | None
    projects: int
    returned: int
    waiting: int


class TodoOut(BaseModel):
    mine: list[TodoItemOut] = Field(description="returned to a department / submitted, for a "
                                                "reviewer")
    drafts: list[TodoItemOut]
    others: list[TodoItemOut] = Field(description="waiting for the other side")
    approved: list[TodoItemOut] = Field(description="approved this week")


class OverviewRowOut(BaseModel):
    document_id: int
    cycle_id: int
    version: int
    department: str | None
    year: int | None
    title: str | None
    state: str
    projects: int
    verdicts: dict[str, int]
    total: str
    grand_total: str | None
    findings: dict[str, int] = Field(description="findings per rule")
    returned: int
    waiting: int


class OverviewOut(BaseModel):
    total: int
    items: list[OverviewRowOut]


def _when(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def _project_state(p: ProjectState) -> ProjectStateOut:
    return ProjectStateOut(project=p.seq, state=p.state, revision=p.revision, opinion=p.opinion,
                           updated_by=p.updated_by, updated_at=_when(p.updated_at))


def _cycle_out(request: Request, who: Caller, doc_id: int) -> CycleOut:
    ws = request.app.state.workspace
    view = views.document_view(ws, who, doc_id)
    c = cv.cycle_view(ws, who, view)
    s: DocumentState = c.state
    return CycleOut(
        document_id=doc_id, cycle_id=s.cycle_id, version=s.version, previous_id=s.previous_id,
        state=s.state, revision=s.revision, opinion=s.opinion, updated_by=s.updated_by,
        updated_at=_when(s.updated_at), actions=[t.action for t in c.actions],
        projects=[_project_state(c.project(p.seq)) for p in view.doc.projects],
        versions=[VersionOut(document_id=v.document_id, version=v.version, state=v.state)
                  for v in c.versions],
        history=[EventOut(document_id=e.document_id, project=e.project_seq, action=e.action,
                          before=e.before, after=e.after, opinion=e.opinion,
                          username=e.username, at=e.at.isoformat()) for e in c.history])


@router.get("/documents/{doc_id}/cycle", response_model=CycleOut)
async def get_cycle(request: Request, who: Who, doc_id: DocId) -> CycleOut:
    return _cycle_out(request, who, doc_id)


@router.post("/documents/{doc_id}/cycle", response_model=CycleOut)
async def document_action(request: Request, who: Who, doc_id: DocId, body: ActionIn
                          ) -> CycleOut:
    ws = request.app.state.workspace
    views.document_view(ws, who, doc_id)
    action, revision = _required(body)
    ws.act_on_document(who.user, doc_id, action, revision, body.opinion)
    return _cycle_out(request, who, doc_id)


@router.post("/documents/{doc_id}/projects/{seq}/cycle", response_model=ProjectStateOut)
async def project_action(request: Request, who: Who, doc_id: DocId, seq: Seq,
                         body: ProjectActionIn) -> ProjectStateOut:
    ws = request.app.state.workspace
    views.project_of(views.document_view(ws, who, doc_id), seq)
    action, revision = _required(body)
    return _project_state(ws.act_on_project(who.user, doc_id, seq, action, revision,
                                            body.opinion))


@router.post("/documents/{doc_id}/versions", response_model=CycleOut, status_code=201,
             responses={413: {"description": "too large"}, 415: {"description": "not a table"}})
async def revised_upload(request: Request, who: Who, doc_id: DocId,
                         file: UploadFile | None = None,
                         revision: Annotated[int | None, Form(ge=0, le=INT32)] = None
                         ) -> CycleOut:
    """A revised table (multipart `file`, and the revision of this document as read):
    stored, and made the next version of this document, which is superseded."""
    ws = request.app.state.workspace
    view = views.document_view(ws, who, doc_id)
    if file is None or revision is None:  # (required; after the boundary, as above)
        raise WebError(422, "invalid", say("web.file-and-revision"))
    cycle.check_revisable(who.user, cycle.document_state(ws.engine, doc_id),
                          view.doc.department)
    # stored as the next version in one transaction: refused, nothing is stored
    result = await uploads.store_upload(request, who, file, revises=(doc_id, revision))
    return _cycle_out(request, who, result.document_id)


@router.get("/documents/{doc_id}/revision", response_model=RevisionOut | None)
async def get_revision(request: Request, who: Who, doc_id: DocId) -> RevisionOut | None:
    """What this version changed against the one it revises (null for a first version)."""
    ws = request.app.state.workspace
    view = views.document_view(ws, who, doc_id)
    found = cv.revision_diff(ws, who, view, cycle.document_state(ws.engine, doc_id))
    if found is None:
        return None
    d = found[1]
    return RevisionOut(
        before_id=d.before_id, after_id=d.after_id, total_before=money_text(d.total_before)
        or "0", total_after=money_text(d.total_after) or "0", unchanged=d.unchanged,
        projects=[ProjectDiffOut(project=p.seq, before_project=p.before_seq, name=p.name,
                                 change=p.change, total_before=money_text(p.total_before),
                                 total_after=money_text(p.total_after),
                                 goal_rewritten=p.goal_rewritten,
                                 targets=[TargetDiffOut(indicator=t.indicator, before=t.before,
                                                        after=t.after, change=t.change)
                                          for t in p.targets]) for p in d.projects])


def _item(i: TodoItem) -> TodoItemOut:
    return TodoItemOut(document_id=i.document_id, version=i.version, department=i.department,
                       year=i.year, title=i.title, state=i.state, updated_by=i.updated_by,
                       updated_at=_when(i.updated_at), opinion=i.opinion, projects=i.projects,
                       returned=i.returned, waiting=i.waiting)


@router.get("/todo", response_model=TodoOut)
async def get_todo(request: Request, who: Who) -> TodoOut:
    t = cycle.todo(request.app.state.engine, who.user)
    return TodoOut(mine=[_item(i) for i in t.mine], drafts=[_item(i) for i in t.drafts],
                   others=[_item(i) for i in t.others], approved=[_item(i) for i in t.approved])


@router.get("/overview", response_model=OverviewOut)
async def get_overview(request: Request, who: Who,
                       department: Annotated[str | None, Query(max_length=200)] = None,
                       year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
                       state: Annotated[str | None, Query(
                           pattern="^(draft|submitted|returned|approved|superseded)$")] = None,
                       rule: Annotated[str | None, Query(max_length=60)] = None,
                       sort: Annotated[str, Query(max_length=20)] = "department",
                       order: Annotated[str, Query(pattern="^(asc|desc)$")] = "asc",
                       all: bool = False) -> OverviewOut:
    """Every department's documents (a department user: its own) by year, with state,
    verdict counts, money, findings by rule and projects returned or waiting."""
    keep(request)
    o = cv.overview(request.app.state.workspace, who,
                    cv.overview_filter(department, year, state, rule, sort, order, all))
    return OverviewOut(total=len(o.rows), items=[OverviewRowOut(
        document_id=r.document_id, cycle_id=r.cycle_id, version=r.version,
        department=r.department, year=r.year, title=r.title, state=r.state,
        projects=r.projects, verdicts={g: r.verdicts.get(g, 0) for g in "优良中差"},
        total=money_text(r.total) or "0", grand_total=money_text(r.grand_total),
        findings=dict(r.rules), returned=r.returned, waiting=r.waiting) for r in o.rows])
