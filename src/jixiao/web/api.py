"""The JSON API, /api/v1: the capabilities of the pages for scripts. Money is a decimal
string ("11294.10", 万元); lists are paged with limit/offset and say their total; errors
are {"error": {"code", "message"}} with the HTTP status."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from jixiao import formatting, store
from jixiao.compare import compare_indicator, copied, project_series
from jixiao.evaluation.actuals import Actual
from jixiao.evaluation.scoring import score_document
from jixiao.evaluation.values import check_actual
from jixiao.interchange import money_text
from jixiao.messages import say
from jixiao.store import accounts
from jixiao.web import corrections, resources, uploads, views
from jixiao.web import cycle as cycle_views
from jixiao.web import selfeval as selfeval_views
from jixiao.web.auth import WebError, Who
from jixiao.web.kept import keep
from jixiao.web.limits import heavy
from jixiao.web.pages import compare_scope
from jixiao.web.params import INT32, DocId, Seq, YearPath, finding_position

Department = Annotated[str | None, Query(max_length=200, description="only this department "
                                        "(a department user: its own only)")]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "model": None} for code, text in
    ((401, "not signed in"), (403, "forbidden, or CSRF token missing"),
     (404, "not found (or not yours)"), (422, "invalid request"))}

router = APIRouter(prefix="/api/v1", responses=ERRORS)


class FieldError(WebError):
    """A refused value: the error names the field (`values[3].value`) beside the message."""

    def __init__(self, status: int, code: str, message: str, field: str) -> None:
        super().__init__(status, code, message)
        self.field = field


class Page(BaseModel):
    total: int
    limit: int
    offset: int


class DocumentOut(BaseModel):
    id: int
    title: str | None
    department: str | None
    source_file: str | None
    files: int
    projects: int
    indicators: int
    total: str = Field(description="the projects' 总计 summed, 万元")
    warnings: int
    ingested_at: str


class DocumentPage(Page):
    items: list[DocumentOut]


class UnitOut(BaseModel):
    name: str
    projects: int
    subtotal: str | None


class DocumentDetail(DocumentOut):
    amount_unit: str
    grand_total: str | None
    units: list[UnitOut]
    verdicts: dict[str, int] = Field(description="projects per audit verdict 优/良/中/差")
    findings: int


class SourceOut(BaseModel):
    """Where in the published file a piece was read: lines (text) or a page."""

    first_line: int | None = None
    last_line: int | None = None
    page: int | None = None


class IndicatorOut(BaseModel):
    """An indicator as the interchange JSON writes it, with its project and position."""

    project: int
    position: int = Field(description="the indicator's position in its project, 0-based")
    seq: Seq
    category: str | None
    name: str
    target: str
    category_points: str | None = Field(default=None, description="a form's 一级指标分值")
    level2: str | None = Field(default=None, description="a form's 二级指标 as published")
    target_long: str | None = None
    weight: str | None = None
    direction: str | None = None
    standard: str | None = None
    actual: str | None = None
    score: str | None = None
    reason: str | None = None
    raw: str
    source: SourceOut
    parsed_target: dict[str, Any] = Field(description="the target parsed (its kind first)")
    taxonomy: dict[str, Any] = Field(description="一级/二级指标 and direction, inferred")


class FindingOut(BaseModel):
    id: int
    rule: str
    severity: str
    message: str
    project: int | None
    indicator: int | None


class FundingOut(BaseModel):
    label: str
    amount: str | None


class ProjectOut(BaseModel):
    """A project as the interchange JSON writes it (its indicators aside), with its
    verdict and, in lists, its state in the review cycle."""

    seq: Seq
    name: str
    total: str | None
    fiscal: str | None
    special_account: str | None
    other: str | None
    goal: str
    goal_long: str | None = None
    department: str | None = None
    period: str | None = None
    planned: str | None = None
    adjusted: str | None = None
    executed: str | None = None
    execution_score: str | None = None
    total_score: str | None = None
    grade: str | None = None
    funding: list[FundingOut] | None = None
    unit: str
    columns_inferred: bool
    source: SourceOut
    field_sources: dict[str, SourceOut]
    verdict: str
    state: str | None = Field(default=None, description="in the review cycle: pending, "
                              "passed or returned (in lists)")


class ProjectPage(Page):
    items: list[ProjectOut]


class ProjectDetail(ProjectOut):
    indicators: list[IndicatorOut]
    findings: list[FindingOut]
    corrected: list[corrections.CorrectedOut] = Field(
        default_factory=list, description="the fields a person corrected (issue 19): the "
        "values above are the corrected ones, the published value is beside each here")


class IndicatorPage(Page):
    items: list[IndicatorOut]


class FindingPage(Page):
    items: list[FindingOut]


class ActualIn(BaseModel):
    project: int = Field(ge=1, le=100_000)
    indicator: int = Field(ge=0, le=10_000,
                           description="the indicator's position in its project, 0-based")
    value: str = Field(min_length=1, max_length=200)
    reason: str = Field(default="", max_length=2000)


class ActualsIn(BaseModel):
    values: list[ActualIn] = Field(max_length=5000)


class ActualsOut(BaseModel):
    year: int
    values: list[ActualIn]


class ScoreOut(BaseModel):
    project: int
    total: str
    grade: str


class OpinionIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)
    finding: int | None = Field(default=None, ge=0, le=INT32,
                                description="the id of one of the project's findings")


class OpinionOut(BaseModel):
    id: int
    project: int
    finding: int | None
    username: str
    role: str
    text: str
    created_at: str


class HitOut(BaseModel):
    kind: str
    document_id: int
    department: str | None
    year: int | None
    project: int
    project_name: str
    indicator: int | None
    text: str


class HitPage(Page):
    items: list[HitOut]


class GroupOut(BaseModel):
    unit: str
    count: int
    low: str | None
    q1: str | None
    median: str | None
    q3: str | None
    high: str | None
    outliers: list[dict[str, Any]]


class ComparisonOut(BaseModel):
    name: str
    count: int
    projects: int
    departments: int
    groups: list[GroupOut]
    not_numeric: dict[str, int]
    matched: str = Field(description="exact (the name itself), partial (the names containing "
                                     "it, compared together) or none")
    names: list[dict[str, Any]] = Field(description="partial: the names compared, with "
                                                    "their counts")
    suggestions: list[str] = Field(description="other stored names worth comparing")
    years: list[int] = Field(description="the years stored (in the department)")
    missing_year: bool = Field(description="the year asked has no stored document")


def _document_out(d: store.DocumentSummary) -> DocumentOut:
    return DocumentOut(id=d.id, title=d.title, department=d.department,
                       source_file=d.source_file, files=d.files, projects=d.projects,
                       indicators=d.indicators, total=money_text(d.total) or "0",
                       warnings=d.warnings, ingested_at=str(d.ingested_at))


# ---- documents -------------------------------------------------------------------------


@router.get("/documents", response_model=DocumentPage)
async def list_documents(request: Request, who: Who, limit: Limit = 50, offset: Offset = 0,
                   department: str | None = None) -> DocumentPage:
    keep(request)
    found = resources.documents(request.app.state.workspace, who, department, limit, offset)
    return DocumentPage(total=found.total, limit=limit, offset=offset,
                        items=[_document_out(d) for d in found.items])


@router.post("/documents", response_model=DocumentOut, status_code=201,
             responses={413: {"description": "too large"}, 415: {"description": "not a table"}})
async def upload_document(request: Request, who: Who, file: UploadFile) -> DocumentOut:
    result = await uploads.store_upload(request, who, file)
    [summary] = store.list_documents(request.app.state.engine, ids=[result.document_id])
    return _document_out(summary)


@router.get("/documents/{doc_id}", response_model=DocumentDetail)
async def get_document(request: Request, who: Who, doc_id: DocId) -> DocumentDetail:
    keep(request)
    r = resources.document(request.app.state.workspace, who, doc_id)
    doc = r.view.doc
    return DocumentDetail(
        **_document_out(r.summary).model_dump(), amount_unit=doc.amount_unit,
        grand_total=money_text(doc.grand_total.total) if doc.grand_total else None,
        units=[UnitOut(name=u.name, projects=len(u.projects),
                       subtotal=money_text(u.subtotal.total) if u.subtotal else None)
               for u in doc.units],
        verdicts=dict(r.view.grade_counts), findings=len(r.view.report.findings))


@router.delete("/documents/{doc_id}", status_code=204, response_class=Response)
async def delete_document(request: Request, who: Who, doc_id: DocId) -> Response:
    uploads.delete(request, who, doc_id)
    return Response(status_code=204)


# ---- projects, indicators, findings: the interchange JSON's pieces (web/resources.py) --


@router.get("/documents/{doc_id}/projects", response_model=ProjectPage)
async def list_projects(
        request: Request, who: Who, doc_id: DocId, limit: Limit = 50, offset: Offset = 0,
        verdict: Annotated[str | None, Query(max_length=4)] = None,
        rule: Annotated[str | None, Query(max_length=60)] = None,
        category: Annotated[str | None, Query(max_length=40, description="一级指标")] = None,
        state: Annotated[str | None, Query(pattern="^(pending|passed|returned)$")] = None,
        min: Annotated[str | None, Query(max_length=30, description="总计 at least")] = None,
        max: Annotated[str | None, Query(max_length=30, description="总计 at most")] = None,
        sort: Annotated[str, Query(pattern="^(seq|name|total|indicators|verdict|state|"
                                           "findings)$")] = "seq",
        order: Annotated[str, Query(pattern="^(asc|desc)$")] = "asc") -> ProjectPage:
    # filtered and sorted as the document page does it, with the cycle state
    r = resources.document(request.app.state.workspace, who, doc_id, cycle_views.project_filter(
        verdict, rule, category, state, min, max, sort, order))
    return ProjectPage(total=len(r.rows), limit=limit, offset=offset,
                       items=[r.project_json(row) for row in r.rows[offset:offset + limit]])


@router.get("/documents/{doc_id}/projects/{seq}", response_model=ProjectDetail)
async def get_project(request: Request, who: Who, doc_id: DocId, seq: Seq) -> ProjectDetail:
    ws = request.app.state.workspace
    return ProjectDetail(**resources.project(ws, who, doc_id, seq).json(),
                         corrected=corrections.corrected(ws, doc_id, seq))


@router.get("/documents/{doc_id}/indicators", response_model=IndicatorPage)
async def list_indicators(request: Request, who: Who, doc_id: DocId, limit: Limit = 100,
                    offset: Offset = 0, name: str | None = None) -> IndicatorPage:
    view = views.document_view(request.app.state.workspace, who, doc_id)
    found = [(p, k, i) for p in view.doc.projects for k, i in enumerate(p.indicators)
             if name is None or name in i.name]
    return IndicatorPage(total=len(found), limit=limit, offset=offset, items=[
        resources.indicator_json(p, k, i) for p, k, i in found[offset:offset + limit]])


@router.get("/documents/{doc_id}/findings", response_model=FindingPage)
async def list_findings(request: Request, who: Who, doc_id: DocId, limit: Limit = 100,
                  offset: Offset = 0, rule: str | None = None) -> FindingPage:
    view = views.document_view(request.app.state.workspace, who, doc_id)
    found = [(k, f) for k, f in enumerate(view.report.findings)
             if rule is None or f.rule == rule]
    return FindingPage(total=len(found), limit=limit, offset=offset, items=[
        resources.finding_json(k, f) for k, f in found[offset:offset + limit]])


# ---- actuals, scores, opinions ---------------------------------------------------------

@router.get("/documents/{doc_id}/actuals/{year}", response_model=ActualsOut)
async def get_actuals(request: Request, who: Who, doc_id: DocId, year: YearPath) -> ActualsOut:
    views.document_view(request.app.state.workspace, who, doc_id)
    actuals = store.load_actuals(request.app.state.engine, doc_id, year)
    return ActualsOut(year=year, values=[
        ActualIn(project=a.project, indicator=a.indicator, value=a.value, reason=a.reason)
        for a in sorted(actuals.values.values(), key=lambda a: (a.project, a.indicator))])


@router.put("/documents/{doc_id}/actuals/{year}", response_model=ActualsOut)
async def put_actuals(request: Request, who: Who, doc_id: DocId, year: YearPath,
                body: ActualsIn) -> ActualsOut:
    view = views.document_view(request.app.state.workspace, who, doc_id)
    if not views.may_write_actuals(who, view.doc.department):
        raise WebError(403, "forbidden", say("web.department-actuals-only"))
    projects = {p.seq: p for p in view.doc.projects}
    refused: list[str] = []
    for k, v in enumerate(body.values):  # all checked before any is written
        project = projects.get(v.project)
        if project is None or not 0 <= v.indicator < len(project.indicators):
            raise WebError(422, "no-indicator",
                           say("web.no-indicator", project=v.project, indicator=v.indicator))
        if (why := check_actual(project.indicators[v.indicator], v.value)) is not None:
            refused.append(f"values[{k}].value: {why}")
    if refused:  # every wrong value named, none written
        more = say("web.more-refused", n=len(refused) - 20) if len(refused) > 20 else ""
        raise FieldError(422, "bad-value", "；".join(refused[:20]) + more,
                         refused[0].split(":", 1)[0])
    batch = [Actual(v.project, v.indicator, v.value.strip(), v.reason.strip())
             for v in body.values]
    # one transaction with a change-log row per value, all or nothing; database work of
    # up to 5,000 rows, so in the pool, off the event loop
    await heavy(request.app.state.store.put_actuals, who.user, doc_id, year, batch)
    return await get_actuals(request, who, doc_id, year)


@router.get("/documents/{doc_id}/scores/{year}", response_model=list[ScoreOut])
async def get_scores(request: Request, who: Who, doc_id: DocId, year: YearPath) -> list[ScoreOut]:
    view = views.document_view(request.app.state.workspace, who, doc_id)
    actuals = store.load_actuals(request.app.state.engine, doc_id, year)
    return [ScoreOut(project=s.project.seq, total=money_text(s.total) or "0", grade=s.grade)
            for s in score_document(view.doc, actuals, views.central_profile())]


@router.get("/documents/{doc_id}/projects/{seq}/opinions", response_model=list[OpinionOut])
async def get_opinions(request: Request, who: Who, doc_id: DocId, seq: Seq) -> list[OpinionOut]:
    view = views.document_view(request.app.state.workspace, who, doc_id)
    views.project_of(view, seq)
    return [OpinionOut(id=o.id, project=o.project_seq, finding=o.finding_position,
                       username=o.username, role=o.role, text=o.text,
                       created_at=str(o.created_at))
            for o in accounts.list_opinions(request.app.state.engine, doc_id, seq)]


@router.post("/documents/{doc_id}/projects/{seq}/opinions", response_model=list[OpinionOut],
             status_code=201)
async def post_opinion(request: Request, who: Who, doc_id: DocId, seq: Seq,
                 body: OpinionIn) -> list[OpinionOut]:
    view = views.document_view(request.app.state.workspace, who, doc_id)
    views.project_of(view, seq)
    if not views.may_write_opinion(who, view.doc.department):
        raise WebError(403, "forbidden", say("web.forbidden"))
    finding = finding_position(body.finding, [k for k, _ in views.project_findings(view, seq)])
    request.app.state.store.add_opinion(who.user, doc_id, seq, body.text, finding)
    return await get_opinions(request, who, doc_id, seq)


# ---- across documents ------------------------------------------------------------------


@router.get("/search", response_model=HitPage)
async def search_texts(request: Request, who: Who, q: Annotated[str, Query(max_length=200)] = "",
                 limit: Limit = 50, offset: Offset = 0) -> HitPage:
    keep(request)
    found = resources.hits(request.app.state.workspace, who, q, limit, offset)
    return HitPage(total=found.total, limit=limit, offset=offset, items=[
        HitOut(kind=h.kind, document_id=h.document_id, department=h.department, year=h.year,
               project=h.project_seq, project_name=h.project, indicator=h.position,
               text=h.text) for h in found.items])


@router.get("/compare/indicator", response_model=ComparisonOut)
async def compare(request: Request, who: Who, name: Annotated[str, Query(max_length=200)],
            year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
            department: Department = None) -> ComparisonOut:
    result = await asyncio.to_thread(  # up to a second over a large store: off the loop
        compare_indicator, request.app.state.engine, name,
        department=compare_scope(who, department), year=year)
    return ComparisonOut(
        name=name, count=result.count, projects=result.projects,
        departments=result.departments, not_numeric=dict(result.qualitative),
        matched=result.matched, names=[{"name": n, "count": k} for n, k in result.names],
        suggestions=result.suggestions, years=result.years,
        missing_year=result.missing_year,
        groups=[GroupOut(unit=g.unit, count=len(g.observations),
                         **{k: money_text(getattr(g, k)) for k in ("low", "q1", "median", "q3",
                                                                    "high")},
                         outliers=[{"document_id": o.document_id, "project": o.project_seq,
                                    "target": o.target} for o in g.outliers])
                for g in result.groups])


class ChangeOut(BaseModel):
    indicator: str
    before: str | None
    after: str | None
    change: str = Field(description="unchanged, raised, lowered, changed, added, dropped")
    stricter: bool | None


class YearOut(BaseModel):
    year: int
    document_id: int
    department: str | None
    project: int
    name: str
    total: str | None
    indicators: int
    changes: list[ChangeOut] = Field(description="against the year before (empty for the "
                                                 "first)")
    goal_unchanged: bool | None


class SeriesOut(BaseModel):
    key: str
    years: list[YearOut]
    undated: int


class CopyOut(BaseModel):
    what: str
    text: str
    names: int = Field(description="how many differently named projects share it")
    projects: list[dict[str, Any]] = Field(description="the first 50 of them")


@router.get("/compare/project", response_model=SeriesOut)
async def compare_project(request: Request, who: Who,
                    name: Annotated[str, Query(min_length=1, max_length=200)],
                    department: Department = None) -> SeriesOut:
    series = await asyncio.to_thread(project_series, request.app.state.engine, name,
                                     department=compare_scope(who, department))
    steps = [None, *series.steps][:len(series.years)]  # no step before the first year
    return SeriesOut(key=series.key, undated=series.undated, years=[
        YearOut(year=y.year or 0, document_id=y.document_id, department=y.department,
                project=y.seq, name=y.name, total=money_text(y.total),
                indicators=len(y.targets),
                changes=[ChangeOut(indicator=c.indicator, before=c.before, after=c.after,
                                   change=c.change, stricter=c.stricter)
                         for c in (step.changes if step else [])],
                goal_unchanged=step.goal_unchanged if step else None)
        for y, step in zip(series.years, steps, strict=True)])


@router.get("/compare/copies", response_model=list[CopyOut])
async def compare_copies(request: Request, who: Who,
                   what: Annotated[str, Query(pattern="^(goal|indicators)$")] = "goal",
                   year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
                   limit: Annotated[int, Query(ge=1, le=200)] = 20,
                   department: Department = None) -> list[CopyOut]:
    groups = await asyncio.to_thread(copied, request.app.state.engine, what=what,
                                     department=compare_scope(who, department), year=year,
                                     limit=limit)
    return [CopyOut(what=g.what, text=g.text, names=g.names, projects=[
        {"document_id": p.document_id, "year": p.year, "department": p.department,
         "project": p.seq, "name": p.name} for p in g.projects]) for g in groups]


# ---- a self-evaluation (自评表, issue 18) --------------------------------------------------


class ProfileFitOut(BaseModel):
    profile: str
    matched: int = Field(description="printed cells (得分, 预算执行得分, 总分) it reproduces")
    cells: int
    distance: str = Field(description="Σ |recomputed − published| over the cells it misses "
                                      "(总分 aside)")
    reproduces: bool


class PublishedFindingOut(BaseModel):
    code: str = Field(description="one of docs/selfeval.md's codes: total-not-sum, "
                                  "score-over-weight, target-raised …")
    message: str
    project: int
    indicator: int | None = Field(description="the indicator's position (0-based); null: "
                                              "the project's own cell")
    row: int | None = Field(description="the indicator's 序号 in its project")
    indicator_name: str | None
    cell: str = Field(description="得分, 分值, 总分, 等级, 预算执行得分, 偏差原因, 年度指标值")
    published: str | None
    expected: str | None
    page: int | None
    first_line: int | None
    last_line: int | None


class SelfEvaluationProjectOut(BaseModel):
    seq: int
    name: str
    planned: str | None = Field(description="年初预算数 (the table's unit)")
    adjusted: str | None = Field(description="全年预算数")
    executed: str | None = Field(description="全年执行数")
    execution_rate: str | None = Field(description="全年执行数 / 全年预算数, a ratio")
    execution_weight: str | None
    execution_score: str | None = Field(description="预算执行得分 as printed")
    execution_computed: str
    execution_matches: bool | None
    execution_formula: str
    total: str | None = Field(description="总分 as printed")
    total_computed: str
    total_matches: bool | None
    grade: str | None = Field(description="等级 as printed")
    grade_computed: str
    profile: str = Field(description="the profile the recomputed figures are under: the "
                                     "one nearest the project's printed scores")
    reproduced: bool
    profiles: list[ProfileFitOut] = Field(description="every profile on this project, "
                                                      "best first")
    findings: int
    approved_document: int | None = Field(description="the approved target table linked")
    approved_project: int | None
    page: int | None


class SelfEvaluationIndicatorOut(BaseModel):
    position: int
    seq: int
    name: str
    level2: str | None
    target: str = Field(description="年度指标值 as the 自评表 states it")
    approved: str | None = Field(description="the approved table's target")
    change: str | None = Field(description="against the approved target: unchanged, raised, "
                                           "lowered, changed, added; null: no table linked")
    stricter: bool | None
    actual: str | None
    weight: str | None
    score: str | None = Field(description="得分 as printed")
    computed: str | None
    matches: bool | None
    formula: str | None
    reason: str | None
    scored: bool = Field(description="false: a placeholder row, not scored")
    page: int | None
    first_line: int | None
    last_line: int | None


class SelfEvaluationProjectDetail(SelfEvaluationProjectOut):
    indicators: list[SelfEvaluationIndicatorOut]
    dropped: list[ChangeOut] = Field(description="approved indicators the 自评表 leaves out")
    published_findings: list[PublishedFindingOut]


class SelfEvaluationOut(BaseModel):
    id: int
    title: str | None
    department: str | None
    year: int | None
    reproduced_by: str | None = Field(description="the profile reproducing every printed "
                                                  "cell, if one does")
    profiles: list[ProfileFitOut]
    findings: list[PublishedFindingOut]
    projects: list[SelfEvaluationProjectOut]


def _figure(value: Any) -> str | None:
    """A score to two decimals (jixiao.formatting), None for none."""
    return None if value is None else formatting.score(value)


def _fits_out(distances: list[Any]) -> list[ProfileFitOut]:
    return [ProfileFitOut(profile=d.profile, matched=d.matched, cells=d.cells,
                          distance=formatting.score(d.distance), reproduces=d.reproduces)
            for d in distances]


def _published_finding_out(w: Any) -> PublishedFindingOut:
    f = w.finding
    return PublishedFindingOut(code=f.code, message=f.message, project=f.project,
                               indicator=f.indicator, row=w.row, indicator_name=w.indicator,
                               cell=f.cell, published=f.published, expected=f.expected,
                               page=f.span.page, first_line=f.span.first_line,
                               last_line=f.span.last_line)


def _selfeval_project_out(p: Any) -> dict[str, Any]:
    rate = None if p.rate is None else format(round(p.rate, 4), "f")
    return dict(
        seq=p.seq, name=p.name, planned=money_text(p.planned), adjusted=money_text(p.adjusted),
        executed=money_text(p.executed), execution_rate=rate,
        execution_weight=_figure(p.execution_weight),
        execution_score=_figure(p.execution_score),
        execution_computed=formatting.score(p.execution_computed),
        execution_matches=p.execution_matches, execution_formula=p.execution_formula,
        total=_figure(p.total), total_computed=formatting.score(p.total_computed),
        total_matches=p.total_matches, grade=p.grade, grade_computed=p.grade_computed,
        profile=p.profile, reproduced=p.reproduced, profiles=_fits_out(p.distances),
        findings=len(p.findings), approved_document=p.approved_document,
        approved_project=p.approved_project, page=p.span.page)


@router.get("/documents/{doc_id}/self-evaluation", response_model=SelfEvaluationOut,
            responses={404: {"description": "not found, or not a self-evaluation "
                                            "(not-self-evaluation)"}})
async def get_self_evaluation(request: Request, who: Who, doc_id: DocId) -> SelfEvaluationOut:
    """A stored 自评表: each project's published scores beside the recomputed, the profiles'
    fits, the publisher's arithmetic findings with their cells."""
    ws = request.app.state.workspace
    view = views.document_view(ws, who, doc_id)
    se = await heavy(selfeval_views.selfeval_view, ws, who, view)
    doc = view.doc
    return SelfEvaluationOut(
        id=doc_id, title=doc.title, department=doc.department, year=doc.year,
        reproduced_by=se.reproduced_by, profiles=_fits_out(se.distances),
        findings=[_published_finding_out(w) for w in se.findings],
        projects=[SelfEvaluationProjectOut(**_selfeval_project_out(p)) for p in se.projects])


@router.get("/documents/{doc_id}/self-evaluation/projects/{seq}",
            response_model=SelfEvaluationProjectDetail,
            responses={404: {"description": "not found, or not a self-evaluation"}})
async def get_self_evaluation_project(request: Request, who: Who, doc_id: DocId, seq: Seq
                                      ) -> SelfEvaluationProjectDetail:
    """A 自评表 project: each indicator's target against the approved table's (raised,
    lowered, rewritten, dropped, added), its published actual, weight, score and reason,
    and the score recomputed."""
    ws = request.app.state.workspace
    view = views.document_view(ws, who, doc_id)
    se = await heavy(selfeval_views.selfeval_view, ws, who, view, seq)
    p = se.project(seq)
    return SelfEvaluationProjectDetail(
        **_selfeval_project_out(p),
        indicators=[SelfEvaluationIndicatorOut(
            position=i.position, seq=i.seq, name=i.name, level2=i.level2, target=i.target,
            approved=i.approved, change=i.change, stricter=i.stricter, actual=i.actual,
            weight=_figure(i.weight), score=_figure(i.score), computed=_figure(i.computed),
            matches=i.matches, formula=i.formula, reason=i.reason, scored=i.scored,
            page=i.span.page, first_line=i.span.first_line, last_line=i.span.last_line)
            for i in p.indicators],
        dropped=[ChangeOut(indicator=c.indicator, before=c.before, after=c.after,
                           change=c.change, stricter=c.stricter) for c in p.dropped],
        published_findings=[_published_finding_out(w) for w in p.findings])
