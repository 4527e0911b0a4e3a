"""What the pages and the API show of a stored self-evaluation (自评表, issue 18): each
project's published scores beside those recomputed under the profile that reproduces them
best, its budget block, the publisher's arithmetic findings with their cells, and each
target against the approved target table of the same project and year. Built once here
from jixiao.evaluation.published; pages.py and api.py render it."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from decimal import Decimal

from jixiao import matching
from jixiao.compare import TargetChange
from jixiao.evaluation.profiles import BUILT_IN, ScoringProfile, load_profile
from jixiao.evaluation.published import (
    ProfileFit,
    ProjectTargets,
    PublishedFinding,
    check_self_evaluation,
    compare_targets,
    execution_weight,
    grade_word,
    published_actuals,
    scored_document,
    target_findings,
)
from jixiao.evaluation.scoring import IndicatorScore, ProjectScore, score_project, two_decimals
from jixiao.lookup import only
from jixiao.messages import say
from jixiao.model import Document, Project, SourceSpan
from jixiao.store.selfeval import SELF_EVALUATION, self_evaluation_links
from jixiao.store.store import NotFound, Store
from jixiao.web.auth import Caller, WebError
from jixiao.web.views import DocumentView, own_department, project_of


@functools.cache
def profiles() -> tuple[ScoringProfile, ...]:
    """The built-in scoring profiles, read once per process (central first)."""
    return tuple(load_profile(name) for name in BUILT_IN)


@dataclass(frozen=True, slots=True)
class Distance:
    """How near one profile comes to the printed scores (of a project or the document)."""

    profile: str
    matched: int
    cells: int
    distance: Decimal  # Σ |recomputed − published| over the cells it misses (but 总分)

    @property
    def reproduces(self) -> bool:
        return self.cells > 0 and self.matched == self.cells


@dataclass(frozen=True, slots=True)
class Where:
    """A finding's cell: the page and lines of its row, the indicator's row number."""

    finding: PublishedFinding
    row: int | None  # the indicator's 序号 in its project (None: the project's own cells)
    indicator: str | None  # its name

    @property
    def span(self) -> SourceSpan:
        return self.finding.span


@dataclass(slots=True)
class IndicatorRow:
    position: int  # in the project, 0-based (as the API's actuals)
    seq: int
    name: str
    level2: str | None
    target: str  # as the 自评表 states it
    actual: str | None
    weight: Decimal | None
    score: Decimal | None  # as printed
    reason: str | None
    span: SourceSpan
    scored: bool  # False: a placeholder row the reader kept, not scored
    computed: Decimal | None = None  # under the project's profile, to two decimals
    formula: str | None = None
    matches: bool | None = None  # the printed 得分 is the recomputed (None: none printed)
    approved: str | None = None  # the approved table's target
    change: str | None = None  # unchanged, raised, lowered, changed, added (None: no table)
    stricter: bool | None = None
    findings: list[Where] = field(default_factory=list)


@dataclass(slots=True)
class ProjectRow:
    seq: int
    name: str
    span: SourceSpan
    planned: Decimal | None  # 年初预算数
    adjusted: Decimal | None  # 全年预算数
    executed: Decimal | None  # 全年执行数
    rate: Decimal | None  # 执行率 = 全年执行数 / 全年预算数 (the model has no printed rate)
    execution_weight: Decimal | None
    execution_score: Decimal | None  # as printed
    execution_computed: Decimal
    execution_formula: str
    execution_matches: bool | None  # None: no execution 得分 printed
    total: Decimal | None  # 总分 as printed
    total_computed: Decimal
    total_matches: bool | None
    grade: str | None  # 等级 as printed
    grade_printed: str | None  # the grade word of it (优（S≧90） → 优)
    grade_computed: str
    profile: str  # the profile the recomputed figures are under
    reproduced: bool  # it matches every printed cell of the project
    distances: list[Distance]  # every profile, best first
    findings: list[Where]  # the project's own cells and its indicators'
    indicators: list[IndicatorRow]
    approved_document: int | None = None  # the approved target table linked
    approved_project: int | None = None
    approved_title: str | None = None
    dropped: list[TargetChange] = field(default_factory=list)  # approved, not in the 自评表

    @property
    def total_parts(self) -> Decimal:
        """预算执行得分 + Σ 得分, as printed."""
        return (self.execution_score or Decimal(0)) + sum(
            (i.score for i in self.indicators if i.score is not None), Decimal(0))


@dataclass(slots=True)
class SelfEvaluationView:
    id: int
    doc: Document
    reproduced_by: str | None  # the profile that reproduces every printed cell
    distances: list[Distance]  # the document's, best first
    findings: list[Where]
    projects: list[ProjectRow]

    def project(self, seq: int) -> ProjectRow:
        for p in self.projects:
            if p.seq == seq:
                return p
        raise WebError(404, "not-found", say("web.no-project", seq=seq))

    def counts(self) -> dict[str, int]:
        """Findings per code."""
        out: dict[str, int] = {}
        for w in self.findings:
            out[w.finding.code] = out.get(w.finding.code, 0) + 1
        return out


def _distance(fit: ProfileFit) -> Distance:
    return Distance(fit.profile, fit.matched, len(fit.cells), fit.distance)


def is_self_evaluation(view: DocumentView) -> bool:
    return view.doc.kind == SELF_EVALUATION


def _approved(ws: Store, who: Caller, doc: Document, doc_id: int
              ) -> tuple[list[ProjectTargets], dict[int, str | None]]:
    """Each project against the target table ingest linked it to — only a table the caller
    may see (a department user: its own department's); their titles by id."""
    own = own_department(who)
    projects = {p.seq: p for p in doc.projects}
    out: list[ProjectTargets] = []
    titles: dict[int, str | None] = {}
    for seq, target_doc, target_seq in self_evaluation_links(ws.engine, doc_id):
        try:
            approved = ws.document(target_doc)[0]
        except NotFound:  # deleted since
            continue
        if own is not None and approved.department != own:
            continue
        wanted = next((q for q in approved.projects if q.seq == target_seq), None)
        if wanted is None or seq not in projects:
            continue
        titles[target_doc] = approved.title
        out += compare_targets(only(doc, projects[seq]), only(approved, wanted), target_doc)
    return out, titles


def _where(doc: Document, finding: PublishedFinding) -> Where:
    p = next(q for q in doc.projects if q.seq == finding.project)
    if finding.indicator is None:
        return Where(finding, None, None)
    i = p.indicators[finding.indicator]
    return Where(finding, i.seq, i.name)


def selfeval_view(ws: Store, who: Caller, view: DocumentView, seq: int | None = None
                  ) -> SelfEvaluationView:
    """The self-evaluation view of a stored 自评表 (the caller may see `view`); of its
    project `seq` alone when given (a project page re-scores one project, not all)."""
    if not is_self_evaluation(view):
        raise WebError(404, "not-self-evaluation", say("web.not-self-evaluation"))
    doc = view.doc if seq is None else only(view.doc, project_of(view, seq))
    chosen = list(profiles())
    check = check_self_evaluation(doc, chosen)
    comparisons, titles = _approved(ws, who, doc, view.id)
    findings = check.findings + target_findings(doc, comparisons)
    findings.sort(key=lambda f: (f.project, -1 if f.indicator is None else f.indicator))
    wheres = [_where(doc, f) for f in findings]
    by_name = {p.name: p for p in chosen}
    table, positions = scored_document(doc)
    actuals = published_actuals(doc)
    scored_projects = {p.seq: p for p in table.projects}
    targets = {t.project: t for t in comparisons}
    rows = []
    for p in doc.projects:
        # each profile's fit to this project's printed cells alone, best first (the
        # document's order breaks ties: central before the others)
        fits = [ProfileFit(f.profile, [c for c in f.cells if c.project == p.seq])
                for f in check.fits]
        fits.sort(key=lambda f: (-f.matched, f.distance))
        best = fits[0] if fits and fits[0].cells else None
        profile = by_name[best.profile] if best else chosen[0]
        score = score_project(scored_projects[p.seq], actuals, profile)
        rows.append(_project_row(p, score, profile.name, best, fits, positions,
                                 [w for w in wheres if w.finding.project == p.seq],
                                 targets.get(p.seq), titles))
    return SelfEvaluationView(view.id, doc, check.best.profile if check.best else None,
                              [_distance(f) for f in check.fits], wheres, rows)


def _project_row(p: Project, score: ProjectScore, profile: str,
                 best: ProfileFit | None, fits: list[ProfileFit],
                 positions: dict[tuple[int, int], int], wheres: list[Where],
                 targets: ProjectTargets | None, titles: dict[int, str | None]
                 ) -> ProjectRow:
    computed: dict[int, IndicatorScore] = {
        positions[(p.seq, s.position)]: s for s in score.indicators}
    changes = {matching.indicator_key(c.indicator): c for c in targets.changes} \
        if targets else {}
    # the best fit's cells say which printed figures it matches (within the rounding of
    # a 分值 printed to two decimals)
    cells = {(c.indicator, c.cell): c.matches for c in (best.cells if best else [])}
    indicators = []
    for k, i in enumerate(p.indicators):
        f = i.form
        s = computed.get(k)
        c = changes.get(matching.indicator_key(i.name)) if s is not None else None
        indicators.append(IndicatorRow(
            k, i.seq, i.name, f.level2 if f else None, i.target, f.actual if f else None,
            f.weight if f else None, f.score if f else None, f.reason if f else None, i.span,
            s is not None, two_decimals(s.points) if s else None, s.formula if s else None,
            cells.get((k, "得分")), c.before if c else None, c.change if c else None,
            c.stricter if c else None,
            [w for w in wheres if w.finding.indicator == k]))
    form = p.form
    rate = form.executed / form.adjusted if form and form.adjusted and \
        form.executed is not None else None
    return ProjectRow(
        p.seq, p.name, p.span, form.planned if form else None,
        form.adjusted if form else None, form.executed if form else None, rate,
        execution_weight(p), form.execution_score if form else None,
        score.execution_points, score.execution_formula, cells.get((None, "预算执行得分")),
        form.total_score if form else None, score.total, cells.get((None, "总分")),
        form.grade if form else None,
        grade_word(form.grade if form else None), score.grade,
        profile, bool(best and best.reproduces),
        [_distance(f) for f in fits], wheres, indicators,
        targets.approved_document if targets else None,
        targets.approved_project if targets else None,
        titles.get(targets.approved_document) if targets and targets.approved_document
        else None,
        [c for c in targets.changes if c.change == "dropped"] if targets else [])
