"""Year-end and mid-year entry on the web (issue 17): a project's grid — its indicators'
实际完成值 and its money (全年预算数, 全年执行数, 偏差原因) — checked as a whole and saved at
once; the filled actuals sheet (`jixiao actuals template`) downloaded and uploaded on the
document page, checked as `jixiao actuals import` checks it; each document's completion."""

from __future__ import annotations

import tempfile
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from jixiao import store
from jixiao.errors import ReadError
from jixiao.evaluation.actuals import Actual, Execution
from jixiao.evaluation.sheet import (
    ActualsError,
    SheetError,
    read_actuals_sheet,
    write_actuals_sheet,
)
from jixiao.evaluation.values import check_actual, check_money
from jixiao.messages import say
from jixiao.model import Project
from jixiao.store import memo, yearend
from jixiao.store.yearend import FULL_YEAR, GridConflict, ProjectAnswers
from jixiao.web import views
from jixiao.web.auth import Caller, WebError, Who
from jixiao.web.downloads import attachment, default_year
from jixiao.web.kept import keep
from jixiao.web.limits import heavy
from jixiao.web.params import DocId, Seq

router = APIRouter(include_in_schema=False)
YearQuery = Annotated[int | None, Query(ge=2000, le=2100)]
PeriodQuery = Annotated[str, Query(max_length=20)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
VALUE_LIMIT, REASON_LIMIT = 200, 2000  # as the single-value form of the project page


def period_of(raw: str | None) -> str:
    """全年, or the day (ISO) a mid-year report is at — as the actuals sheet names it."""
    text = (raw or "").strip() or FULL_YEAR
    if text == FULL_YEAR:
        return text
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        raise WebError(422, "invalid", say("yearend.bad-period", text=text[:20])) from None


def _may_write(who: Caller, view: views.DocumentView) -> None:
    if not views.may_write_actuals(who, view.doc.department):
        raise WebError(403, "forbidden", say("yearend.forbidden"))


def document_completion(ws: Any, view: views.DocumentView, year: int | None = None,
                        period: str = FULL_YEAR) -> yearend.Completion:
    year = year or default_year(view.doc)
    return yearend.completion(ws.engine, {view.id: year}, period)[view.id]


def panel(ws: Any, view: views.DocumentView) -> yearend.Completion:
    """What the document page shows of its year-end entry (templates/yearend_panel.html)."""
    return document_completion(ws, view)


def overview_completion(ws: Any, rows: list[Any], key: Hashable = None
                        ) -> list[dict[str, Any]]:
    """Every department's completion over the overview's rows (the bureau's view); with a
    `key` naming the rows (the overview's filter), the table is kept while the store has
    not changed (store.memo) instead of summed again at every view."""
    def table() -> list[dict[str, Any]]:
        years = {r.document_id: r.year if r.year and 2000 <= r.year <= 2100 else 2023
                 for r in rows}
        done = yearend.completion(ws.engine, years)
        return yearend.by_department((r.department, done[r.document_id]) for r in rows)

    if key is None:
        return table()
    return memo.kept(ws.engine, ("overview-completion", key), table)


# ---- the document's year-end page: completion, the sheet ---------------------------------


def _yearend_page(request: Request, who: Caller, view: views.DocumentView, year: int,
                  period: str, errors: list[SheetError] | None = None,
                  problem: str | None = None, status: int = 200, file: str | None = None
                  ) -> Response:
    from jixiao.web.pages import render

    engine = request.app.state.engine
    done = document_completion(request.app.state.workspace, view, year, period)
    answers = store.load_actuals(engine, view.id, year, period)
    rows = []
    for p in view.doc.projects:
        answered = sum(1 for (seq, _), a in answers.values.items()
                       if seq == p.seq and a.value.strip())
        money = answers.executions.get(p.seq)
        if money is not None and money.adjusted_budget is None and money.executed is None \
                and not money.reason:
            money = None  # a sheet's blank row: nothing of the money given
        rows.append({"project": p, "answered": answered, "money": money,
                     "done": answered >= len(p.indicators) and money is not None
                     and money.executed is not None})
    return render(request, "yearend.html", who, status=status, view=view, year=year,
                  period=period, done=done, rows=rows, errors=errors, problem=problem,
                  file=file, may_write=views.may_write_actuals(who, view.doc.department))


@router.get("/documents/{doc_id}/yearend")
async def yearend_page(request: Request, who: Who, doc_id: DocId, year: YearQuery = None,
                       period: PeriodQuery = FULL_YEAR) -> Response:
    view = views.document_view(request.app.state.workspace, who, doc_id)
    return _yearend_page(request, who, view, year or default_year(view.doc), period_of(period))


@router.get("/documents/{doc_id}/download/actuals.xlsx")
async def actuals_sheet(request: Request, who: Who, doc_id: DocId, year: YearQuery = None,
                        period: PeriodQuery = FULL_YEAR) -> Response:
    """The sheet `jixiao actuals template` makes, with what is stored already filled in."""
    view = views.document_view(request.app.state.workspace, who, doc_id)
    year, period = year or default_year(view.doc), period_of(period)
    stored = store.load_actuals(request.app.state.engine, doc_id, year, period)

    def written() -> bytes:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "actuals.xlsx"
            write_actuals_sheet(view.doc, path, year, stored, period)
            return path.read_bytes()

    name = say("yearend.sheet-name", department=view.doc.department or "", year=year)
    return Response(await heavy(written), media_type=XLSX,
                    headers=attachment("actuals", name, "xlsx"))


@router.post("/documents/{doc_id}/actuals/sheet")
async def upload_sheet(request: Request, who: Who, doc_id: DocId, file: UploadFile
                       ) -> Response:
    """A filled sheet stored whole (that year's and period's answers replaced, a change-log
    row each) — or refused whole, every error listed by sheet, row and column."""
    ws = request.app.state.workspace
    view = views.document_view(ws, who, doc_id)
    _may_write(who, view)
    limit = request.app.state.upload_limit
    data = await file.read(limit + 1)
    name = (file.filename or "actuals.xlsx").rsplit("/", 1)[-1][:200]
    year = default_year(view.doc)
    if len(data) > limit:
        raise WebError(413, "too-large", say("yearend.too-large", mb=limit // (1024 * 1024)))
    try:
        answers = await heavy(read_actuals_sheet, data, view.doc, name)
    except ActualsError as exc:
        return _yearend_page(request, who, view, year, FULL_YEAR, errors=exc.errors,
                             status=422, file=name)
    except ReadError as exc:
        return _yearend_page(request, who, view, year, FULL_YEAR, status=422, file=name,
                             problem=say("yearend.unreadable", name=name, error=exc))
    if not 2000 <= answers.year <= 2100:
        return _yearend_page(request, who, view, year, FULL_YEAR, status=422, file=name,
                             errors=[SheetError("执行情况", 1, "年度",
                                                say("yearend.bad-year", year=answers.year))])
    # as `jixiao actuals import`: the year's answers replaced whole, in one transaction
    await heavy(ws.put_actuals, who.user, doc_id, answers.year,
                answers.values.values(), answers.period,
                executions=answers.executions.values(), replace=True)
    answered = sum(1 for a in answers.values.values() if a.value.strip())
    return RedirectResponse(f"/documents/{doc_id}/yearend?year={answers.year}&period="
                            f"{answers.period}&stored={answered}", status_code=303)


# ---- a project's grid ---------------------------------------------------------------------


@dataclass(slots=True)
class Grid:
    """A project's grid as shown: what is stored, what the form sent (kept when refused),
    and why each refused field was refused (field name → message)."""

    project: Project
    year: int
    period: str
    revision: str
    stored: ProjectAnswers
    sent: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    conflict: str | None = None
    theirs: ProjectAnswers | None = None  # what another saved meanwhile

    def value(self, name: str) -> str:
        if name in self.sent:
            return self.sent[name]
        return stored_field(self.stored, name)


def stored_field(answers: ProjectAnswers, name: str) -> str:
    """A grid field's text from stored answers (value-3, reason-3, budget, executed,
    money_reason)."""
    kind, _, position = name.partition("-")
    if position:
        a = answers.values.get(int(position))
        return "" if a is None else (a.value if kind == "value" else a.reason)
    e = answers.execution
    if e is None:
        return ""
    amount = {"budget": e.adjusted_budget, "executed": e.executed}.get(kind)
    return e.reason if kind == "money_reason" else "" if amount is None else format(amount, "f")


def check_grid(project: Project, sent: dict[str, str], seq: int
               ) -> tuple[list[Actual], Execution, dict[str, str]]:
    """The whole grid checked at once: every refused field with why (the value checks of
    jixiao.evaluation.values), else the values and money to store."""
    errors: dict[str, str] = {}
    values = []
    for k, indicator in enumerate(project.indicators):
        value, reason = sent.get(f"value-{k}", "").strip(), sent.get(f"reason-{k}", "").strip()
        if len(value) > VALUE_LIMIT:
            errors[f"value-{k}"] = say("yearend.value-too-long", most=VALUE_LIMIT)
        elif value and (why := check_actual(indicator, value)) is not None:
            errors[f"value-{k}"] = why
        elif not value and reason:
            errors[f"value-{k}"] = say("yearend.reason-without-value")
        if len(reason) > REASON_LIMIT:
            errors[f"reason-{k}"] = say("yearend.reason-too-long", most=REASON_LIMIT)
        values.append(Actual(seq, k, value, reason))
    amounts: dict[str, Decimal | None] = {}
    for name, label in (("budget", "全年预算数"), ("executed", "全年执行数")):
        amounts[name], why = check_money(sent.get(name, ""), label)
        if why is not None:
            errors[name] = why
    reason = sent.get("money_reason", "").strip()
    if len(reason) > REASON_LIMIT:
        errors["money_reason"] = say("yearend.reason-too-long", most=REASON_LIMIT)
    return values, Execution(seq, amounts["budget"], amounts["executed"], reason), errors


def _grid_page(request: Request, who: Caller, view: views.DocumentView, grid: Grid,
               status: int = 200, saved: bool = False) -> Response:
    from jixiao.evaluation.scoring import score_project
    from jixiao.web.pages import render

    # scored from what is stored for it (read once a request, with the grid's revision)
    score = score_project(grid.project, grid.stored.as_actuals(grid.year, grid.period),
                          views.central_profile())
    return render(request, "yearend_grid.html", who, status=status, view=view, grid=grid,
                  project=grid.project, score=score, saved=saved,
                  may_write=views.may_write_actuals(who, view.doc.department),
                  stored_field=stored_field)


@router.get("/documents/{doc_id}/projects/{seq}/yearend")
async def grid_page(request: Request, who: Who, doc_id: DocId, seq: Seq,
                    year: YearQuery = None, period: PeriodQuery = FULL_YEAR,
                    saved: bool = False) -> Response:
    keep(request)
    view = views.document_view(request.app.state.workspace, who, doc_id)
    project = views.project_of(view, seq)
    year, period = year or default_year(view.doc), period_of(period)
    stored = yearend.project_answers(request.app.state.engine, doc_id, year, seq, period)
    return _grid_page(request, who, view, Grid(project, year, period, stored.revision, stored),
                      saved=saved)


@router.post("/documents/{doc_id}/projects/{seq}/yearend")
async def grid_save(request: Request, who: Who, doc_id: DocId, seq: Seq) -> Response:
    ws = request.app.state.workspace
    view = views.document_view(ws, who, doc_id)
    _may_write(who, view)
    project = views.project_of(view, seq)
    form = await request.form()
    sent = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf"}
    raw_year = sent.get("year", "")
    if not (raw_year.isascii() and raw_year.isdigit() and 2000 <= int(raw_year) <= 2100):
        raise WebError(422, "invalid", say("yearend.bad-year-text", year=raw_year[:10]))
    year, period = int(raw_year), period_of(sent.get("period"))
    revision = sent.get("revision", "")[:64]
    stored = yearend.project_answers(ws.engine, doc_id, year, seq, period)
    values, money, errors = check_grid(project, sent, seq)
    if errors:  # nothing stored; each refused field says why beside it
        return _grid_page(request, who, view, Grid(project, year, period, revision, stored,
                                                   sent, errors), status=422)
    try:
        await heavy(ws.save_grid, who.user, doc_id, year, seq, revision, values, money,
                    period)
    except GridConflict as exc:
        # the other's save stands; this one's entries stay in the form, to be saved again
        # over the latest once looked at
        return _grid_page(request, who, view, Grid(
            project, year, period, exc.current.revision, exc.current, sent,
            conflict=exc.message, theirs=exc.current), status=409)
    return RedirectResponse(f"/documents/{doc_id}/projects/{seq}/yearend?year={year}&period="
                            f"{period}&saved=true", status_code=303)
