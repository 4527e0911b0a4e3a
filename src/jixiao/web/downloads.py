"""Downloads of a document (issue 16, item 4): the 自评表 and the 监控表 (PDF, xlsx), the
review sheet with the opinions written on the web, the published table, and the list of
projects being shown (CSV, xlsx); and the monitoring lights the pages show. Every route
goes through `views.document_view`, so another department's document is a 404 here too."""

from __future__ import annotations

import asyncio
import csv
import io
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from jixiao import formatting, store
from jixiao.evaluation import Actuals
from jixiao.evaluation.monitoring import ProjectMonitor, monitor_document
from jixiao.evaluation.scoring import ProjectScore, score_project
from jixiao.messages import say
from jixiao.model import Document
from jixiao.store import accounts, cycle
from jixiao.web import cycle as cycle_views
from jixiao.web import views
from jixiao.web.auth import WebError, Who
from jixiao.web.params import DocId
from jixiao.writers import outputs
from jixiao.writers.cells import append_row, safe_csv

router = APIRouter(include_in_schema=False)
Year = Annotated[int | None, Query(ge=2000, le=2100)]
Day = Annotated[str | None, Query(max_length=10, alias="date")]
OneProject = Annotated[int | None, Query(ge=1, le=100_000)]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA = {"pdf": "application/pdf", "xlsx": XLSX, "csv": "text/csv; charset=utf-8"}
LIGHT_LABELS = {"green": "绿", "yellow": "黄", "red": "红"}


def attachment(kind: str, name: str, suffix: str) -> dict[str, str]:
    """Content-Disposition with the Chinese name (RFC 5987 `filename*`) and an ASCII
    `filename` for clients that read only that one."""
    return {"Content-Disposition": f'attachment; filename="{kind}.{suffix}"; '
                                   f"filename*=UTF-8''{quote(f'{name}.{suffix}', safe='')}"}


def _file(data: bytes, kind: str, name: str, suffix: str) -> Response:
    return Response(data, media_type=MEDIA[suffix], headers=attachment(kind, name, suffix))


def _title(doc: Document, what: str, year: int | None = None) -> str:
    """A file name as a person would give it: 广州市公安局-2023年-项目支出绩效自评表."""
    # a name is a path segment: no separators or characters a file system refuses
    parts = [doc.department or doc.title or say("downloads.table-form"),
             say("downloads.year", year=year) if year else None, what]
    name = "-".join(p for p in parts if p)
    return "".join("_" if c in '/\\:*?"<>|\r\n\t' else c for c in name)[:150]


def _written(write: Callable[[Path], Any], suffix: str) -> bytes:
    """The bytes a path-taking writer produces (the writers of the CLI take paths)."""
    with tempfile.TemporaryDirectory(prefix="jixiao-download-") as folder:
        path = Path(folder) / f"out.{suffix}"
        write(path)
        return path.read_bytes()


def default_year(doc: Document) -> int:
    """The year the downloads and lights answer for unless asked: the table's own, else
    the project page's default."""
    return doc.year if doc.year is not None and 2000 <= doc.year <= 2100 else 2023


def monitoring_day(year: int, raw: str | None = None, today: date | None = None) -> date:
    """The day reported on: the one asked for (ISO) within the year; by default today in
    the current year, the year's last day for a past one."""
    if raw:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise WebError(422, "invalid", say("downloads.bad-day", raw=raw[:10])) from None
        if day.year != year:
            raise WebError(422, "invalid", say("downloads.day-not-in-year", day=day, year=year))
        return day
    today = today or date.today()
    return today if today.year == year else date(year, 12, 31)


@dataclass(frozen=True, slots=True)
class Lights:
    """The monitoring lights (红黄绿) of a document's projects for a year, at a day; empty
    when nothing of the year was reported (a light then says nothing)."""
    year: int
    day: date
    reported: bool
    monitors: dict[int, ProjectMonitor]

    @property
    def counts(self) -> Counter[str]:
        return Counter(m.light for m in self.monitors.values())

    @property
    def time_progress(self) -> str:
        return formatting.percent(next(iter(self.monitors.values())).time_progress) \
            if self.monitors else ""

    def of(self, seq: int) -> ProjectMonitor | None:
        return self.monitors.get(seq)


def year_answers(ws: Any, doc_id: int, year: int) -> Actuals:
    return store.load_actuals(ws.engine, doc_id, year)


def lights(ws: Any, view: views.DocumentView, year: int | None = None,
           raw_day: str | None = None, answers: Actuals | None = None) -> Lights:
    """The monitoring lights of a document's projects; `answers`: the year's actuals, when
    the caller has loaded them already (the project page scores with them too)."""
    year = year or default_year(view.doc)
    day = monitoring_day(year, raw_day)
    answers = answers if answers is not None else year_answers(ws, view.id, year)
    if not answers.values and not answers.executions:
        return Lights(year, day, False, {})
    monitors = monitor_document(view.doc, answers, day, views.central_profile())
    return Lights(year, day, True, {m.project.seq: m for m in monitors})


def _scores(view: views.DocumentView, answers: Actuals, seq: int | None
            ) -> list[ProjectScore]:
    # the pages' own scoring (views.project_score): the central method, project by project
    projects = [views.project_of(view, seq)] if seq is not None else view.doc.projects
    return [score_project(p, answers, views.central_profile()) for p in projects]


def _only(doc: Document, seq: int | None) -> Document:
    """The document, or a copy holding just one project (a project page's download)."""
    if seq is None:
        return doc
    units = [replace(u, projects=[p for p in u.projects if p.seq == seq]) for u in doc.units]
    return replace(doc, units=[u for u in units if u.projects])


def _writer(product: str, suffix: str, label: str) -> Callable[..., Any]:
    """The writer of a download, by the suffix its URL names (writers.outputs, as the
    CLI's -o); 404 for another."""
    try:
        return outputs.writer(product, suffix)
    except outputs.UnknownFormat as exc:
        shown = "、".join(s.lstrip(".") for s in exc.allowed if s.lstrip(".") in MEDIA)
        raise WebError(404, "not-found",
                       say("downloads.no-format", what=label, shown=shown)) from None


# ---- the routes ------------------------------------------------------------------------


@router.get("/documents/{doc_id}/download/self-evaluation.{suffix}")
async def self_evaluation_download(request: Request, who: Who, doc_id: DocId, suffix: str,
                                   year: Year = None, seq: OneProject = None) -> Response:
    """The 项目支出绩效自评表 of every project (or of `seq`), scored as the pages score."""
    ws = request.app.state.workspace
    view = views.document_view(ws, who, doc_id)
    writer = _writer("self-evaluation", suffix, "自评表")
    year = year or default_year(view.doc)
    answers = year_answers(ws, doc_id, year)
    scores = _scores(view, answers, seq)
    data = await asyncio.to_thread(_written, lambda path: writer(
        view.doc, scores, answers, views.central_profile(), path), suffix)
    what = say("downloads.self-evaluation") if seq is None else \
        say("downloads.project-self-evaluation", seq=seq)
    return _file(data, "self-evaluation", _title(view.doc, what, year), suffix)


@router.get("/documents/{doc_id}/download/monitoring.{suffix}")
async def monitoring_download(request: Request, who: Who, doc_id: DocId, suffix: str,
                              year: Year = None, day: Day = None, seq: OneProject = None
                              ) -> Response:
    """The 绩效运行监控表 at a day (by default today, or a past year's last day)."""
    ws = request.app.state.workspace
    view = views.document_view(ws, who, doc_id)
    writer = _writer("monitoring", suffix, say("downloads.monitoring-form"))
    if seq is not None:
        views.project_of(view, seq)
    year = year or default_year(view.doc)
    on = monitoring_day(year, day)
    doc = _only(view.doc, seq)
    monitors = monitor_document(doc, year_answers(ws, doc_id, year), on, views.central_profile())
    data = await asyncio.to_thread(_written, lambda path: writer(doc, monitors, on, path),
                                   suffix)
    what = say("downloads.monitoring") if seq is None else \
        say("downloads.project-monitoring", seq=seq)
    return _file(data, "monitoring", _title(view.doc, f"{what}-{on}", year), suffix)


def review_sheet_bytes(ws: Any, view: views.DocumentView) -> bytes:
    """The review sheet (jixiao audit -f xlsx) with what was written on the web: an opinion
    on a finding in that finding's 审核意见 cell, one on the whole project (and the review
    cycle's) in the project's 审核意见 cell on 项目结论."""
    from jixiao.writers.review import write_review_xlsx

    states = cycle.project_states(ws.engine, view.id)
    on_finding: dict[int, list[str]] = {}
    on_project: dict[int, list[str]] = {}
    for o in accounts.list_opinions(ws.engine, view.id):
        line = f"{o.username}：{o.text}"
        if o.finding_position is not None:
            on_finding.setdefault(o.finding_position, []).append(line)
        else:
            on_project.setdefault(o.project_seq, []).append(line)
    project_states: dict[int, tuple[str, str | None]] = {}
    for p in view.doc.projects:
        state = states.get(p.seq)
        said = [state.opinion] if state is not None and state.opinion else []
        said += on_project.get(p.seq, [])
        project_states[p.seq] = (state.label if state else cycle.PROJECT_STATES["pending"],
                                 "\n".join(said) or None)
    buffer = io.BytesIO()
    write_review_xlsx(view.report, view.doc, buffer, states=project_states,
                      opinions={k: "\n".join(v) for k, v in on_finding.items()})
    return buffer.getvalue()


@router.get("/documents/{doc_id}/download/review.xlsx")
async def review_download(request: Request, who: Who, doc_id: DocId) -> Response:
    ws = request.app.state.workspace
    view = views.document_view(ws, who, doc_id)
    return _file(await asyncio.to_thread(review_sheet_bytes, ws, view), "review",
                 _title(view.doc, say("downloads.review")), "xlsx")


@router.get("/documents/{doc_id}/download/table.{suffix}")
async def table_download(request: Request, who: Who, doc_id: DocId, suffix: str,
                         form: Annotated[str, Query(pattern="^(wide|long)$")] = "wide"
                         ) -> Response:
    """The published 项目支出绩效目标表: PDF (A4 landscape) or xlsx (wide or long)."""
    view = views.document_view(request.app.state.workspace, who, doc_id)
    if suffix not in MEDIA:  # the web offers PDF and xlsx (an HTML file is the page itself)
        raise WebError(404, "not-found", say("downloads.no-table-format"))
    writer = _writer("table", suffix, say("downloads.table-form"))
    data = await asyncio.to_thread(_written, lambda path: writer(view.doc, path, form=form),
                                   suffix)
    return _file(data, "table", _title(view.doc, say("downloads.table")), suffix)


# the project list's columns (heads: downloads.columns.<code>)
PROJECT_COLUMNS = ("seq", "name", "unit", "total", "fiscal", "special_account", "other",
                   "indicators", "verdict", "findings", "state", "opinion")


def project_header() -> list[str]:
    return [say(f"downloads.columns.{code}") for code in PROJECT_COLUMNS]


def project_list_rows(rows: list[cycle_views.ProjectRow]) -> list[list[Any]]:
    """The document page's project list as rows: the filter and order the page shows."""
    return [[r.project.seq, r.project.name, r.unit, r.project.amounts.total,
             r.project.amounts.fiscal, r.project.amounts.special_account,
             r.project.amounts.other, len(r.project.indicators), r.verdict, r.findings,
             r.state.label, r.state.opinion] for r in rows]


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return safe_csv(value) if isinstance(value, str) else value


def projects_csv(rows: list[list[Any]]) -> bytes:
    """UTF-8 with a BOM (Excel opens it as UTF-8); formula-like texts neutralised."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(project_header())
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return out.getvalue().encode("utf-8")


def projects_xlsx(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = say("downloads.projects-sheet")
    append_row(sheet, project_header())
    for row in rows:
        append_row(sheet, row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for k, width in enumerate((6, 48, 24, 14, 14, 14, 14, 6, 8, 6, 8, 40), start=1):
        sheet.column_dimensions[get_column_letter(k)].width = width
    for cells in sheet.iter_rows(min_row=2, min_col=4, max_col=7):
        for cell in cells:
            cell.number_format = "#,##0.00"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@router.get("/documents/{doc_id}/download/projects.{suffix}")
async def projects_download(request: Request, who: Who, doc_id: DocId, suffix: str,
                            chosen: Annotated[cycle_views.ProjectFilter,
                                              Depends(cycle_views.project_filter_query)]
                            ) -> Response:
    """The document page's project list as shown: the same filter, the same order."""
    if suffix not in ("csv", "xlsx"):
        raise WebError(404, "not-found", say("downloads.no-list-format"))
    ws = request.app.state.workspace
    view = views.document_view(ws, who, doc_id)
    rows = project_list_rows(cycle_views.project_rows(
        view, cycle_views.cycle_view(ws, who, view), chosen))
    data = projects_csv(rows) if suffix == "csv" else projects_xlsx(rows)
    return _file(data, "projects", _title(view.doc, say("downloads.projects")), suffix)
