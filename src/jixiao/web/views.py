"""What a page or an API answer shows, computed once for both from the library."""

from __future__ import annotations

import functools
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass
from typing import Any

from jixiao import formatting, store
from jixiao.audit import AuditReport
from jixiao.evaluation import Actuals
from jixiao.evaluation.profiles import ScoringProfile, load_profile
from jixiao.evaluation.scoring import ProjectScore, score_project
from jixiao.lookup import projects_matching
from jixiao.messages import say
from jixiao.model import Document, Finding, Project
from jixiao.store.store import Store
from jixiao.targets import parse
from jixiao.taxonomy import classify
from jixiao.web.auth import Caller, WebError, require_department
from jixiao.writers.tabular import target_cells


@dataclass(frozen=True, slots=True)
class DocumentView:
    id: int
    doc: Document
    report: AuditReport
    verdicts: dict[int, str]

    @property
    def grade_counts(self) -> Counter[str]:
        return Counter(self.verdicts.values())

    def category_counts(self) -> Counter[str]:
        return Counter(classify(i).first_level for p in self.doc.projects
                       for i in p.indicators)


@functools.cache
def central_profile() -> ScoringProfile:
    """The scoring method of the pages and the API (read once per process)."""
    return load_profile("central")


# the view of each document the store handed out lately, by the identity of what it handed
# out (a correction makes a new one): every page of a document graded its 142 projects again
_views: OrderedDict[int, tuple[Any, DocumentView]] = OrderedDict()
_views_lock = threading.Lock()


def document_view(ws: Store, who: Caller, doc_id: int) -> DocumentView:
    loaded = ws.document(doc_id)  # NotFound: a 404 (web.app)
    require_department(who, loaded.doc.department)
    with _views_lock:
        kept = _views.get(id(loaded))
        if kept is not None and kept[0] is loaded and kept[1].id == doc_id:
            _views.move_to_end(id(loaded))
            return kept[1]
    report = AuditReport("default", loaded.findings, [p.seq for p in loaded.doc.projects])
    view = DocumentView(doc_id, loaded.doc, report, report.verdicts())
    if not ws.cached(doc_id):  # too heavy for the store's cache: not held here either
        return view
    with _views_lock:  # (the Loaded held beside it: its id is not reused meanwhile)
        _views[id(loaded)] = (loaded, view)
        while len(_views) > Store.SIZE:
            _views.popitem(last=False)
    return view


def project_of(view: DocumentView, seq: int) -> Project:
    """The project numbered `seq` (lookup.projects_matching, as `jixiao show DOC SEQ`)."""
    for p in projects_matching(view.doc, str(seq)):
        return p
    raise WebError(404, "not-found", say("web.no-project", seq=seq))


# a form's indicator columns the project page shows when one of the rows has a value
# (二级指标 as published goes in the 二级指标 column itself)
FORM_COLUMNS: tuple[tuple[str, str], ...] = (
    ("category_points", "一级指标分值"), ("target_long", "长期指标值"), ("weight", "分值"),
    ("direction", "指标方向"), ("standard", "绩效标准"), ("actual", "实际完成值"),
    ("score", "得分"), ("reason", "偏差原因"))


def form_columns(project: Project) -> list[tuple[str, str]]:
    """(key, 中文 label) of the form columns that have a value in one of the project's rows."""
    return [(key, label) for key, label in FORM_COLUMNS
            if any(i.form is not None and getattr(i.form, key) is not None
                   for i in project.indicators)]


def indicator_rows(project: Project) -> list[dict[str, Any]]:
    """Each indicator with its parse and taxonomy; for a form, the target split as the form
    prints it (指标性质, 指标值, 度量单位) and the values of `form_columns`."""
    columns = form_columns(project)
    is_form = any(i.form is not None for i in project.indicators)
    rows = []
    for k, i in enumerate(project.indicators):
        target = parse(i.target)
        c = classify(i, target)
        form = [getattr(i.form, key) if i.form is not None else None for key, _ in columns]
        rows.append({"position": k, "indicator": i, "target": target,
                     "describe": formatting.describe(target), "first_level": c.first_level,
                     "second_level": c.second_level, "direction": str(c.direction),
                     "level2": i.form.level2 if i.form is not None else None,
                     "split": target_cells(i.target) if is_form else None, "form": form})
    return rows


def project_form_rows(project: Project) -> list[tuple[str, Any, bool]]:
    """A form's project lines beyond the sample's, (中文 label, value, is money), those that
    have a value: department, period, the 自评表 budget block and its scores."""
    form = project.form
    if form is None:
        return []
    rows: list[tuple[str, Any, bool]] = [
        ("主管部门", form.department, False), ("项目期", form.period, False),
        ("年初预算数", form.planned, True), ("全年预算数", form.adjusted, True),
        ("全年执行数", form.executed, True), ("预算执行得分", form.execution_score, False),
        ("总分", form.total_score, False), ("等级", form.grade, False)]
    return [r for r in rows if r[1] is not None]


def project_score(project: Project, actuals: Actuals) -> tuple[ProjectScore, dict[int, Any]]:
    """A project's score by the central method, and its actual values by position."""
    score = score_project(project, actuals, central_profile())
    values = {i: a for (seq, i), a in actuals.values.items() if seq == project.seq}
    return score, values


def project_findings(view: DocumentView, seq: int) -> list[tuple[int, Finding]]:
    """A project's findings with their position in the document's list (their id)."""
    return [(k, f) for k, f in enumerate(view.report.findings) if f.project == seq]


def own_department(who: Caller) -> str | None:
    """The department a caller is limited to; None for those who see everything."""
    # a department user without a department (never made so) must match nothing, not all
    return None if who.user.sees_everything else (who.user.department or "\x00none")


def visible_documents(ws: Store, who: Caller, department: str | None = None,
                      limit: int | None = None, offset: int = 0
                      ) -> tuple[list[store.DocumentSummary], int]:
    """The documents the caller may see (of `department` when given), a page of them and
    how many there are."""
    own = own_department(who)
    if own is not None and department not in (None, own):
        return [], 0
    department = own or department
    return (store.list_documents(ws.engine, department=department, limit=limit,
                                 offset=offset),
            store.count_documents(ws.engine, department=department))


def may_write_actuals(who: Caller, department: str | None) -> bool:
    return who.user.role == "admin" or (who.user.role == "department"
                                        and department == who.user.department)


def may_write_opinion(who: Caller, department: str | None) -> bool:
    return who.user.sees_everything or department == who.user.department

