"""One view per resource (datasette's pattern): the data of the document list, a document,
a project and a search is built once here, behind the department boundary; the page
renders it as HTML (web/pages.py) and the API as JSON (web/api.py). The bureau's overview
is built once in web/cycle.py (`overview`) the same way.

A project's and an indicator's JSON are the interchange JSON's pieces
(jixiao.interchange.project_dict / indicator_dict), with what the API adds beside them
(the verdict, the cycle state, the findings, the indicator's position)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Generic, TypeVar

from jixiao import store
from jixiao.interchange import indicator_dict, project_dict
from jixiao.model import Finding, Indicator, Project
from jixiao.store import cycle
from jixiao.store.cycle import ProjectState
from jixiao.store.search import Hit, search
from jixiao.store.store import Store
from jixiao.web import cycle as cycle_views
from jixiao.web import views
from jixiao.web.auth import Caller

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Listing(Generic[T]):
    """A page of a list and how many there are in all."""

    items: list[T]
    total: int
    limit: int
    offset: int

    @property
    def page(self) -> int:
        return self.offset // self.limit + 1

    @property
    def pages(self) -> int:
        return (self.total + self.limit - 1) // self.limit


def documents(ws: Store, who: Caller, department: str | None = None, limit: int = 50,
              offset: int = 0) -> Listing[store.DocumentSummary]:
    """The documents the caller may see (of `department` when given), a page of them."""
    found, total = views.visible_documents(ws, who, department, limit, offset)
    return Listing(found, total, limit, offset)


def hits(ws: Store, who: Caller, q: str, limit: int = 50, offset: int = 0) -> Listing[Hit]:
    """The stored texts containing `q` the caller may see, a page of them."""
    found, total = search(ws.engine, q, department=views.own_department(who), limit=limit,
                          offset=offset) if q.strip() else ([], 0)
    return Listing(found, total, limit, offset)


class DocumentResource:
    """A stored document as the caller sees it: what both faces show is computed on first
    use and kept for the request (the page asks for more of it than the API)."""

    def __init__(self, ws: Store, who: Caller, view: views.DocumentView,
                 chosen: cycle_views.ProjectFilter) -> None:
        self.ws, self.who, self.view, self.chosen = ws, who, view, chosen

    @property
    def id(self) -> int:
        return self.view.id

    @cached_property
    def summary(self) -> store.DocumentSummary:
        [summary] = store.list_documents(self.ws.engine, ids=[self.id])
        return summary

    @cached_property
    def cycle(self) -> cycle_views.CycleView:
        return cycle_views.cycle_view(self.ws, self.who, self.view)

    @cached_property
    def states(self) -> dict[int, ProjectState]:
        if "cycle" in self.__dict__:  # the page read them with the rest of the cycle
            return self.cycle.projects
        return cycle.project_states(self.ws.engine, self.id)

    @cached_property
    def rows(self) -> list[cycle_views.ProjectRow]:
        """The projects that pass the filter, in its order, with their state."""
        return cycle_views.project_rows(self.view, self.states, self.chosen)

    @cached_property
    def checks(self) -> cycle_views.TotalsCheck:
        return cycle_views.totals_check(self.view)

    def project_json(self, row: cycle_views.ProjectRow) -> dict[str, Any]:
        """A listed project: the interchange project (no indicators), its verdict, state."""
        return {**project_dict(row.project, row.unit, indicators=False),
                "verdict": row.verdict, "state": row.state.state}


def document(ws: Store, who: Caller, doc_id: int,
             chosen: cycle_views.ProjectFilter | None = None) -> DocumentResource:
    """The document `doc_id` (NotFound, or WebError 404 when not the caller's), its project
    list filtered by `chosen`."""
    return DocumentResource(ws, who, views.document_view(ws, who, doc_id),
                            chosen or cycle_views.ProjectFilter())


@dataclass(frozen=True, slots=True)
class ProjectResource:
    view: views.DocumentView
    project: Project
    unit: str
    findings: list[tuple[int, Finding]]  # with their position in the document's list

    @property
    def verdict(self) -> str:
        return self.view.verdicts.get(self.project.seq, "")

    def indicators_json(self) -> list[dict[str, Any]]:
        """The indicators as the interchange JSON writes them, with their project and
        position (the id an actual value or an opinion names)."""
        return [indicator_json(self.project, k, i)
                for k, i in enumerate(self.project.indicators)]

    def json(self) -> dict[str, Any]:
        return {**project_dict(self.project, self.unit, indicators=False),
                "verdict": self.verdict, "indicators": self.indicators_json(),
                "findings": [finding_json(k, f) for k, f in self.findings]}


def project_in(view: views.DocumentView, seq: int) -> ProjectResource:
    """The project numbered `seq` of a document already looked up (WebError 404: none)."""
    p = views.project_of(view, seq)
    unit = next(u.name for u in view.doc.units if any(q is p for q in u.projects))
    return ProjectResource(view, p, unit, views.project_findings(view, seq))


def project(ws: Store, who: Caller, doc_id: int, seq: int) -> ProjectResource:
    return project_in(views.document_view(ws, who, doc_id), seq)


def indicator_json(p: Project, position: int, i: Indicator) -> dict[str, Any]:
    """An indicator as the interchange JSON writes it, with its project and position."""
    return {"project": p.seq, "position": position, **indicator_dict(i)}


def finding_json(k: int, f: Finding) -> dict[str, Any]:
    return {"id": k, "rule": f.rule, "severity": str(f.severity), "message": f.message,
            "project": f.project, "indicator": f.indicator}
