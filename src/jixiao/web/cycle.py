"""What the pages and the API show of the review cycle (jixiao.store.cycle): a document's
state, versions and history, its project list filtered and sorted, its whole-table
findings, the comparison of a revised version, the 待办 lists and the bureau's overview —
computed once here for both, each behind the department boundary."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import Query

from jixiao import library
from jixiao.audit import RULES
from jixiao.formatting import CHINA
from jixiao.messages import has, say
from jixiao.model import Finding, ReadWarning
from jixiao.store import cycle, memo
from jixiao.store.cycle import (
    DOCUMENT_STATES,
    DOCUMENT_TRANSITIONS,
    PROJECT_STATES,
    PROJECT_TRANSITIONS,
    DocumentState,
    Event,
    OverviewRow,
    ProjectState,
    Transition,
)
from jixiao.store.store import NotFound, Store
from jixiao.taxonomy import classify
from jixiao.versions import VersionDiff, compare_versions
from jixiao.web.auth import Caller, WebError
from jixiao.web.views import DocumentView, document_view, own_department
from jixiao.writers.cells import append_row, safe_csv

# ---- a document in the cycle -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CycleView:
    state: DocumentState
    projects: dict[int, ProjectState]  # those with a verdict; the others are pending
    versions: list[DocumentState]
    history: list[Event]
    actions: list[Transition]  # what the caller may do with the whole document
    project_actions: list[str]  # "pass" / "return", when the caller may act on projects

    def project(self, seq: int) -> ProjectState:
        return self.projects.get(seq) or ProjectState(seq, "pending", 0)

    @property
    def may_revise(self) -> bool:
        return any(t.action == "revise" for t in self.actions)

    @property
    def latest(self) -> DocumentState:
        return self.versions[-1] if self.versions else self.state

    def returned(self) -> list[ProjectState]:
        return sorted((p for p in self.projects.values() if p.state == "returned"),
                      key=lambda p: p.seq)


def cycle_view(ws: Store, who: Caller, view: DocumentView) -> CycleView:
    found = cycle.of_document(ws.engine, view.id)  # one connection, 1–3 statements
    state = found.state
    actions = [t for t in cycle.allowed(who.user, DOCUMENT_TRANSITIONS, state.state)
               if t.action != "revise" or state.state in ("returned", "draft")]
    if who.user.role == "department" and who.user.department != view.doc.department:
        actions = []
    project_actions = sorted({t.action for t in PROJECT_TRANSITIONS if who.user.role in t.roles}
                             ) if state.state == "submitted" else []
    return CycleView(state, found.projects, found.versions, found.history, actions,
                     project_actions)


# ---- a document's projects, filtered and sorted ----------------------------------------

PROJECT_SORTS = ("seq", "name", "total", "indicators", "verdict", "state", "findings")
GRADE_ORDER = {"优": 0, "良": 1, "中": 2, "差": 3, "": 4}
STATE_ORDER = {"returned": 0, "pending": 1, "passed": 2}


@dataclass(frozen=True, slots=True)
class ProjectFilter:
    verdict: str | None = None
    rule: str | None = None
    category: str | None = None  # 一级指标 (产出指标 …): a project with one such indicator
    state: str | None = None  # pending, passed, returned
    low: Decimal | None = None  # 总计 at least (万元)
    high: Decimal | None = None  # 总计 at most
    sort: str = "seq"
    desc: bool = False

    def query(self) -> dict[str, str]:
        """The filter as query parameters (links keep it)."""
        values = {"verdict": self.verdict, "rule": self.rule, "category": self.category,
                  "state": self.state, "min": None if self.low is None else str(self.low),
                  "max": None if self.high is None else str(self.high)}
        return {k: v for k, v in values.items() if v}


def money_bound(text: str | None, name: str) -> Decimal | None:
    if text is None or not text.strip():
        return None
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise WebError(422, "invalid", say("overview.not-money", text=text[:20], name=name)
                       ) from None
    if not value.is_finite() or abs(value) > Decimal("1e12"):
        raise WebError(422, "invalid", say("overview.money-out-of-range", text=text[:20],
                                           name=name))
    return value


def project_filter_query(
        verdict: Annotated[str | None, Query(max_length=4)] = None,
        rule: Annotated[str | None, Query(max_length=60)] = None,
        category: Annotated[str | None, Query(max_length=40)] = None,
        state: Annotated[str | None, Query(max_length=20)] = None,
        min: Annotated[str | None, Query(max_length=30)] = None,
        max: Annotated[str | None, Query(max_length=30)] = None,
        sort: Annotated[str, Query(max_length=20)] = "seq",
        order: Annotated[str, Query(pattern="^(asc|desc)$")] = "asc") -> ProjectFilter:
    """The project list's filter from the query string: one dependency for the document
    page and the list's download, so both show the same rows in the same order."""
    return project_filter(verdict, rule, category, state, min, max, sort, order)


def project_filter(verdict: str | None = None, rule: str | None = None,
                   category: str | None = None, state: str | None = None,
                   low: str | None = None, high: str | None = None, sort: str = "seq",
                   order: str = "asc") -> ProjectFilter:
    if state and state not in PROJECT_STATES:
        raise WebError(422, "invalid", say("overview.no-state", state=state))
    if sort not in PROJECT_SORTS:
        raise WebError(422, "invalid", say("overview.no-sort", sort=sort))
    return ProjectFilter(verdict or None, rule or None, category or None, state or None,
                         money_bound(low, "min"), money_bound(high, "max"), sort,
                         order == "desc")


@dataclass(frozen=True, slots=True)
class ProjectRow:
    project: Any  # jixiao.model.Project
    unit: str
    verdict: str
    state: ProjectState
    rules: Counter[str]
    categories: frozenset[str]

    @property
    def findings(self) -> int:
        return sum(self.rules.values())


def project_rows(view: DocumentView, states: CycleView | dict[int, ProjectState],
                 f: ProjectFilter) -> list[ProjectRow]:
    """The document's projects that pass the filter, in its order."""
    given = states.projects if isinstance(states, CycleView) else states
    by_project: dict[int, Counter[str]] = {}
    for finding in view.report.findings:
        if finding.project is not None:
            by_project.setdefault(finding.project, Counter())[finding.rule] += 1
    rows = []
    for unit in view.doc.units:
        for p in unit.projects:
            state = given.get(p.seq) or ProjectState(p.seq, "pending", 0)
            row = ProjectRow(p, unit.name, view.verdicts.get(p.seq, ""), state,
                             by_project.get(p.seq, Counter()),
                             frozenset(classify(i).first_level for i in p.indicators))
            total = p.amounts.total
            if (f.verdict and row.verdict != f.verdict) or (f.rule and f.rule not in row.rules) \
                    or (f.category and f.category not in row.categories) \
                    or (f.state and state.state != f.state) \
                    or (f.low is not None and (total is None or total < f.low)) \
                    or (f.high is not None and (total is None or total > f.high)):
                continue
            rows.append(row)
    keys = {"seq": lambda r: r.project.seq, "name": lambda r: r.project.name,
            "total": lambda r: r.project.amounts.total or Decimal(0),
            "indicators": lambda r: len(r.project.indicators),
            "verdict": lambda r: GRADE_ORDER.get(r.verdict, 9),
            "state": lambda r: STATE_ORDER[r.state.state], "findings": lambda r: r.findings}
    key = keys[f.sort]
    rows.sort(key=lambda r: (key(r), r.project.seq), reverse=f.desc)
    return rows


def filter_choices(view: DocumentView) -> dict[str, list[str]]:
    """What the filter's lists offer: the verdicts, rules and categories the document has."""
    return {"verdicts": [g for g in GRADE_ORDER if g and g in view.verdicts.values()],
            "rules": sorted({f.rule for f in view.report.findings if f.project is not None}),
            "categories": sorted({classify(i).first_level for p in view.doc.projects
                                  for i in p.indicators})}


# ---- the whole table: 合计 against units and projects ------------------------------------

CHECK_CODES = ("grand-total", "unit-subtotal")  # jixiao.checks' warnings of the sums


@dataclass(frozen=True, slots=True)
class TotalsCheck:
    grand: Decimal | None  # 合计 as printed
    units: Decimal | None  # the unit rows' 小计 summed (None: no unit states one)
    projects: Decimal  # the projects' 总计 summed
    findings: list[Finding]  # the review's document findings (A2, A3 …)
    warnings: list[ReadWarning]  # the reader's grand-total and unit-subtotal warnings

    @property
    def grand_gap(self) -> Decimal | None:
        return None if self.grand is None or self.units is None else self.grand - self.units

    @property
    def unit_gap(self) -> Decimal | None:
        return None if self.units is None else self.units - self.projects


def totals_check(view: DocumentView) -> TotalsCheck:
    doc = view.doc
    stated = [u.subtotal.total for u in doc.units if u.subtotal and u.subtotal.total is not None]
    return TotalsCheck(doc.grand_total.total if doc.grand_total else None,
                       sum(stated, Decimal(0)) if stated else None, doc.project_total,
                       view.report.document_findings,
                       [w for w in doc.warnings if w.code in CHECK_CODES])


# ---- a revised version against the one it revises ---------------------------------------


def revision_diff(ws: Store, who: Caller, view: DocumentView, state: DocumentState
                  ) -> tuple[DocumentView, VersionDiff] | None:
    """The previous version and what this one changed; None for a first version."""
    if state.previous_id is None:
        return None
    try:
        before = document_view(ws, who, state.previous_id)
    except (WebError, NotFound):  # the previous version was deleted, or is not theirs
        return None
    return before, compare_versions(before.id, before.doc, view.id, view.doc)


# ---- the bureau's overview ---------------------------------------------------------------

OVERVIEW_SORTS = ("department", "year", "title", "state", "version", "projects", "total",
                  "grand_total", "优", "良", "中", "差", "findings", "returned", "waiting",
                  "updated")
STATE_RANK = {"submitted": 0, "returned": 1, "draft": 2, "approved": 3, "superseded": 4}


@dataclass(frozen=True, slots=True)
class OverviewFilter:
    department: str | None = None
    year: int | None = None
    state: str | None = None
    rule: str | None = None
    sort: str = "department"
    desc: bool = False
    superseded: bool = False  # list the versions a revision replaced too

    def query(self) -> dict[str, str]:
        values = {"department": self.department, "year": self.year, "state": self.state,
                  "rule": self.rule, "sort": self.sort if self.sort != "department" else None,
                  "order": "desc" if self.desc else None,
                  "all": "1" if self.superseded else None}
        return {k: str(v) for k, v in values.items() if v}


def overview_filter(department: str | None = None, year: int | None = None,
                    state: str | None = None, rule: str | None = None,
                    sort: str = "department", order: str = "asc", all: bool = False
                    ) -> OverviewFilter:
    if state and state not in DOCUMENT_STATES:
        raise WebError(422, "invalid", say("overview.no-state", state=state))
    if sort not in OVERVIEW_SORTS:
        raise WebError(422, "invalid", say("overview.no-sort", sort=sort))
    return OverviewFilter(department or None, year, state or None, rule or None, sort,
                          order == "desc", all or state == "superseded")


@dataclass(frozen=True, slots=True)
class Overview:
    rows: list[OverviewRow]
    filter: OverviewFilter
    departments: list[str]
    years: list[int]
    rules: list[str]  # the rules of the rows' findings, most found first
    states: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> Decimal:
        return sum((r.total for r in self.rows), Decimal(0))

    def rule_count(self, rule: str) -> int:
        return sum(r.rules.get(rule, 0) for r in self.rows)


def overview(ws: Store, who: Caller, f: OverviewFilter) -> Overview:
    """Every department's documents (a department user: its own) with the filter applied,
    in its order; the filter's choices come from all the caller may see. Kept, filtered
    and sorted, while the store has not changed (store.memo): a view asked again is a
    slice of it (the page, the API) and the rendering; shared, read only."""
    scope = own_department(who)
    return memo.kept(ws.engine, ("overview-view", scope, f), lambda: _overview(ws, scope, f))


def _overview(ws: Store, scope: str | None, f: OverviewFilter) -> Overview:
    everything = library.overview(ws, scope, superseded=f.superseded)
    rows = [r for r in everything
            if (f.department is None or r.department == f.department)
            and (f.year is None or r.year == f.year)
            and (f.state is None or r.state == f.state)
            and (f.rule is None or r.rules.get(f.rule))]
    keys: dict[str, Any] = {
        "department": lambda r: (r.department or "", r.year or 0, r.cycle_id),
        "year": lambda r: (r.year or 0, r.department or ""), "title": lambda r: r.title or "",
        "state": lambda r: STATE_RANK[r.state], "version": lambda r: r.version,
        "projects": lambda r: r.projects, "total": lambda r: r.total,
        "grand_total": lambda r: r.grand_total or Decimal(0),
        "findings": lambda r: r.findings, "returned": lambda r: r.returned,
        "waiting": lambda r: r.waiting,
        "updated": lambda r: r.updated_at or datetime.min.replace(tzinfo=CHINA)}
    key = keys.get(f.sort) or (lambda r: r.verdicts.get(f.sort, 0))
    rows.sort(key=lambda r: (key(r), r.document_id), reverse=f.desc)
    rules = Counter[str]()
    for r in everything:
        rules.update(r.rules)
    return Overview(rows, f, sorted({r.department for r in everything if r.department}),
                    sorted({r.year for r in everything if r.year}, reverse=True),
                    [rule for rule, _ in rules.most_common()],
                    Counter(r.state for r in rows))


# the export's columns: overview.columns.<code>, the grades (优 良 中 差) their own heads
GRADE_HEADS = ("优", "良", "中", "差")
EXPORT_COLUMNS = ("id", "department", "year", "title", "version", "state", "projects", "优",
                  "良", "中", "差", "total", "grand_total", "findings", "rules", "returned",
                  "waiting", "updated")


def export_header() -> list[str]:
    return [code if code in GRADE_HEADS else say(f"overview.columns.{code}")
            for code in EXPORT_COLUMNS]


def _rules_text(rules: Counter[str]) -> str:
    return "；".join(f"{rule}×{n}" for rule, n in sorted(rules.items(), key=lambda kv: -kv[1]))


def export_rows(o: Overview) -> list[list[Any]]:
    """The overview as rows of EXPORT_COLUMNS: money as Decimal, text as written."""
    return [[r.document_id, r.department or "", r.year, r.title or "", r.version,
             DOCUMENT_STATES[r.state], r.projects, *(r.verdicts.get(g, 0) for g in "优良中差"),
             r.total, r.grand_total, r.findings, _rules_text(r.rules), r.returned, r.waiting,
             r.updated_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if r.updated_at
             else ""] for r in o.rows]


def filter_text(f: OverviewFilter) -> list[tuple[str, str]]:
    """The filter in words, for the export's first sheet."""
    every = say("overview.all")
    shown = [("department", f.department or every),
             ("year", str(f.year) if f.year else every),
             ("state", DOCUMENT_STATES[f.state] if f.state else say("overview.all-current")
              if not f.superseded else every),
             ("rule", f"{f.rule} {RULES[f.rule].title}" if f.rule in RULES
              else f.rule or every),
             ("sort", _sort_label(f.sort) + (say("overview.descending") if f.desc else ""))]
    return [(say(f"overview.filter.{name}"), value) for name, value in shown]


def _sort_label(sort: str) -> str:
    key = f"sort.{sort}"
    return say(key) if has(key) else sort  # 优 良 中 差 are their own labels


def overview_csv(o: Overview) -> str:
    """UTF-8 CSV (with BOM, for Excel) of the current view; a text that a spreadsheet would
    take for a formula is neutralised (writers/cells.py)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(export_header())
    for row in export_rows(o):
        writer.writerow([safe_csv(v) if isinstance(v, str) else
                         "" if v is None else format(v, "f") if isinstance(v, Decimal) else v
                         for v in row])
    return out.getvalue()


def overview_xlsx(o: Overview) -> bytes:
    """The current view as an xlsx: 总览 (the rows) and 筛选条件 (the filter)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = say("overview.sheet")
    append_row(sheet, export_header())
    for row in export_rows(o):
        append_row(sheet, row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for k, width in enumerate((6, 18, 6, 36, 6, 8, 7, 5, 5, 5, 5, 14, 14, 8, 48, 8, 8, 16),
                              start=1):
        sheet.column_dimensions[get_column_letter(k)].width = width
    for row_cells in sheet.iter_rows(min_row=2, min_col=12, max_col=13):
        for cell in row_cells:
            cell.number_format = "#,##0.00"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    filters = book.create_sheet(say("overview.filter-sheet"))
    for name, value in filter_text(o.filter):
        append_row(filters, [name, value])
    append_row(filters, [say("overview.rows"), len(o.rows)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def cycle_error(exc: cycle.CycleError) -> WebError:
    return WebError(exc.status, exc.code, exc.message)
