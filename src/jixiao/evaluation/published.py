"""Published self-evaluations (自评表): the publisher's arithmetic checked, the scores redone
under every scoring profile, and the targets compared with the approved table.

A 自评表 as the form reader gives it (`Document.kind == "self-evaluation"`): each project's
budget block in `Project.form` (全年预算数, 全年执行数, the execution 得分, 总分, 等级), each
indicator's 分值 / 实际完成值 / 得分 / 偏差原因 in `Indicator.form`. Nothing here reads
files or the store; `jixiao.store.selfeval` keeps a 自评表 as actuals of its target table.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Engine

from jixiao import matching
from jixiao.compare import ProjectYear, TargetChange, _step
from jixiao.evaluation.actuals import Actual, Actuals, Execution
from jixiao.evaluation.direction import turned
from jixiao.evaluation.profiles import BUILT_IN, ScoringProfile, load_profile
from jixiao.evaluation.scoring import score_indicator, score_project, two_decimals
from jixiao.lookup import only
from jixiao.messages import Labels, say
from jixiao.model import Document, Indicator, Project, SourceSpan
from jixiao.store.repository import load_document
from jixiao.store.selfeval import self_evaluation_links, self_evaluations
from jixiao.targets import Status, parse
from jixiao.taxonomy import classify

ZERO, ONE = Decimal(0), Decimal(1)
CENT = Decimal("0.01")
HALF = Decimal("0.5")  # a score printed in whole points may lie this far from 分值 × 执行率

# The finding codes and what each says (docs/selfeval.md has the same table).
CODES = Labels("published.codes", (
    "score-over-weight", "execution-over-weight", "execution-over-rate", "total-not-sum",
    "grade-not-total", "weights-not-100", "full-points-not-met", "reason-missing",
    "target-raised", "target-lowered", "target-rewritten", "target-added", "target-dropped"))
# what a 偏差原因 cell holds when it says nothing
_EMPTY_REASONS = {"", "0", "无", "/", "-", "—", "——", "…", "……", "null", "None"}
_GRADE_WORDS = ("优", "良", "中", "低", "差")


@dataclass(frozen=True, slots=True)
class PublishedFinding:
    """A fault in what the publisher printed, with the cell it is in."""

    code: str  # one of CODES
    message: str  # in Chinese, for the people who read the form
    project: int  # the project's seq
    indicator: int | None  # the indicator's position in the project (0-based); None: project
    cell: str  # 得分, 分值, 总分, 等级, 预算执行得分, 偏差原因, 年度指标值
    span: SourceSpan = field(default_factory=SourceSpan)
    published: str | None = None  # the figure as printed
    expected: str | None = None  # what the arithmetic gives


def _plain(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def scored_indicators(project: Project) -> list[tuple[int, Indicator]]:
    """The indicators a 自评表 scores: those with a 分值, a 得分 or an actual. Placeholder
    rows a reader kept (`指标2` with nothing in it) are left out; positions are the
    project's own."""
    out = []
    for k, i in enumerate(project.indicators):
        f = i.form
        if f is not None and (f.weight is not None or f.score is not None or
                              (f.actual or "").strip()):
            out.append((k, i))
    return out


@functools.cache  # read once: every project and indicator asks
def _central() -> ScoringProfile:
    return load_profile("central")


@functools.cache
def execution_weights() -> frozenset[Decimal]:
    """The execution 分值 of the built-in profiles (10, 20): a form states it in a heading
    the model does not carry, so it is inferred as 100 − Σ 分值 when that is one of them."""
    return frozenset(load_profile(name).execution_weight for name in BUILT_IN)


def execution_weight(project: Project) -> Decimal | None:
    total = sum((i.form.weight for _, i in scored_indicators(project)
                 if i.form and i.form.weight is not None), ZERO)
    left = 100 - total
    return left if left in execution_weights() else None


def _reason_empty(text: str | None) -> bool:
    return (text or "").strip() in _EMPTY_REASONS


def _status(indicator: Indicator) -> tuple[Status, Decimal] | None:
    """Whether the printed actual meets the printed target, and how far (None: it cannot
    be told)."""
    form = indicator.form
    if form is None or not (form.actual or "").strip():
        return None
    target = parse(indicator.target)
    if (turn := turned(indicator, target)) is not None:
        target = turn.target  # pointing the wrong way: read as the scorer reads it
    try:
        share, _, status = score_indicator(target, form.actual or "", ONE,
                                           classify(indicator, target).direction,
                                           _central())
    except ValueError:
        return None
    return status, share


def rounding_slack(weight: Decimal | None) -> Decimal:
    """How far a score may move because its 分值 is printed rounded: a 分值 with two
    decimals or more (28.13 for 28.125) moves it by up to 0.01; a whole one not at all."""
    if weight is None:
        return ZERO
    exponent = weight.normalize().as_tuple().exponent
    return CENT if isinstance(exponent, int) and exponent <= -2 else ZERO


def grade_word(text: str | None) -> str | None:
    """'优（S≧90）' → '优'; None when the cell names no grade."""
    for ch in (text or "").strip()[:2]:
        if ch in _GRADE_WORDS:
            return ch
    return None


def check_arithmetic(doc: Document, profile: ScoringProfile | None = None
                     ) -> list[PublishedFinding]:
    """The publisher's own arithmetic, cell by cell; `profile` gives the grade bounds
    (central by default)."""
    grades = profile or _central()
    out: list[PublishedFinding] = []
    for p in doc.projects:
        form = p.form
        indicators = scored_indicators(p)
        if form is None and not indicators:
            continue

        def add(code: str, message: str, cell: str, k: int | None = None,
                published: Decimal | str | None = None, expected: Decimal | str | None = None,
                p: Project = p) -> None:
            span = p.indicators[k].span if k is not None else p.span
            out.append(PublishedFinding(
                code, message, p.seq, k, cell, span,
                published if isinstance(published, str | None) else _plain(published),
                expected if isinstance(expected, str | None) else _plain(expected)))

        weights_sum = ZERO
        for k, i in indicators:
            f = i.form
            assert f is not None  # scored_indicators keeps only those with a form
            label = say("published.indicator", seq=i.seq, name=i.name)
            if f.weight is not None:
                weights_sum += f.weight
            if f.score is not None and f.weight is not None and f.score > f.weight:
                add("score-over-weight", say("published.score-over-weight", label=label,
                                             score=_plain(f.score), weight=_plain(f.weight)),
                    "得分", k, f.score, f.weight)
            done = _status(i)
            status = done[0] if done else None
            # short of the target (not merely at the edge of a strict `<`) with full points
            if f.score is not None and f.weight is not None and f.score >= f.weight \
                    and done is not None and done[1] < 1:
                add("full-points-not-met", say("published.full-points-not-met", label=label,
                                               actual=f.actual, target=i.target,
                                               score=_plain(f.score)),
                    "得分", k, f.score, f"< {_plain(f.weight)}")
            deducted = f.score is not None and f.weight is not None and f.score < f.weight
            if (deducted or status in (Status.PARTLY, Status.NOT_MET)) and \
                    _reason_empty(f.reason):
                why = say("published.deducted", score=_plain(f.score),
                          weight=_plain(f.weight)) if deducted else say("published.not-met")
                add("reason-missing", say("published.reason-missing", label=label, why=why),
                    "偏差原因", k)
        execution = form.execution_score if form else None
        allowed = {100 - w for w in execution_weights()}
        if execution is None:
            allowed.add(Decimal(100))  # a form without an execution block may give 100
        # each 分值 printed to two decimals may be off by half a cent
        slack = sum((rounding_slack(i.form.weight) / 2 for _, i in indicators if i.form),
                    ZERO)
        if indicators and any(i.form and i.form.weight is not None for _, i in indicators) \
                and all(abs(weights_sum - a) > slack for a in allowed):
            add("weights-not-100", say("published.weights-not-100", total=_plain(weights_sum)),
                "分值", None, weights_sum,
                say("published.or").join(_plain(a) for a in sorted(allowed)))
        ew = execution_weight(p)
        if form is not None and execution is not None and ew is not None:
            if execution > ew:
                add("execution-over-weight", say("published.execution-over-weight",
                                                 score=_plain(execution), weight=_plain(ew)),
                    "预算执行得分", None, execution, ew)
            elif form.adjusted and form.executed is not None:
                most = ew * min(ONE, form.executed / form.adjusted)
                if execution > most + HALF:
                    add("execution-over-rate", say(
                        "published.execution-over-rate", score=_plain(execution),
                        weight=_plain(ew), executed=_plain(form.executed),
                        adjusted=_plain(form.adjusted), most=_plain(two_decimals(most))),
                        "预算执行得分", None, execution, two_decimals(most))
        parts = (execution or ZERO) + sum((i.form.score for _, i in indicators
                                           if i.form and i.form.score is not None), ZERO)
        total = form.total_score if form else None
        if total is not None and abs(total - parts) > CENT / 2:
            add("total-not-sum", say("published.total-not-sum", total=_plain(total),
                                     sum=_plain(parts)), "总分", None, total, parts)
        word = grade_word(form.grade if form else None)
        if word is not None:
            basis = total if total is not None else parts
            expected = grades.grade(basis)
            if word != expected:
                add("grade-not-total", say("published.grade-not-total",
                                           grade=form.grade if form else "",
                                           total=_plain(basis), scheme=grades.name,
                                           expected=expected), "等级", None, word, expected)
    out.sort(key=lambda f: (f.project, -1 if f.indicator is None else f.indicator))
    return out


# ---- re-scoring under the profiles ------------------------------------------------------


def scored_document(doc: Document) -> tuple[Document, dict[tuple[int, int], int]]:
    """A copy of `doc` with only the scored indicators, and each one's position in the
    original project ((seq, new position) → old position)."""
    positions: dict[tuple[int, int], int] = {}
    units = []
    for unit in doc.units:
        projects = []
        for p in unit.projects:
            kept = scored_indicators(p)
            for new, (old, _) in enumerate(kept):
                positions[(p.seq, new)] = old
            projects.append(dataclasses.replace(p, indicators=[i for _, i in kept]))
        units.append(dataclasses.replace(unit, projects=projects))
    return dataclasses.replace(doc, units=units), positions


def published_actuals(doc: Document, year: int | None = None) -> Actuals:
    """What the 自评表 reports, as actuals of its own (scored) indicators: 全年预算数 and
    全年执行数 per project, 实际完成值 and 偏差原因 per indicator, the printed 得分 as the
    claimed score. Positions are those of `scored_document`."""
    actuals = Actuals(year if year is not None else doc.year or 0)
    for p in doc.projects:
        if p.form is not None and (p.form.adjusted is not None or p.form.executed is not None):
            actuals.executions[p.seq] = Execution(
                p.seq, p.form.adjusted if p.form.adjusted is not None else p.amounts.total,
                p.form.executed, "", p.span)
        for new, (_, i) in enumerate(scored_indicators(p)):
            f = i.form
            assert f is not None
            actuals.values[(p.seq, new)] = Actual(p.seq, new, (f.actual or "").strip(),
                                                  f.reason or "", f.score, i.span)
    return actuals


@dataclass(frozen=True, slots=True)
class CellFit:
    """One printed score against the profile's."""

    project: int
    indicator: int | None  # position in the project; None: the project's own cells
    cell: str  # 得分, 预算执行得分, 总分
    published: Decimal
    computed: Decimal
    formula: str
    slack: Decimal = ZERO  # what a 分值 printed rounded explains (rounding_slack)

    @property
    def difference(self) -> Decimal:
        return self.computed - self.published

    @property
    def matches(self) -> bool:
        return abs(self.difference) <= self.slack


@dataclass(slots=True)
class ProfileFit:
    profile: str
    cells: list[CellFit]

    @property
    def matched(self) -> int:
        return sum(1 for c in self.cells if c.matches)

    @property
    def reproduces(self) -> bool:
        return bool(self.cells) and self.matched == len(self.cells)

    @property
    def distance(self) -> Decimal:
        """The sum of |computed − published| over the indicator and execution cells."""
        return sum((abs(c.difference) for c in self.cells if c.cell != "总分" and
                    not c.matches), ZERO)

    @property
    def misses(self) -> list[CellFit]:
        return [c for c in self.cells if not c.matches]


def rescore(doc: Document, profiles: list[ScoringProfile] | None = None) -> list[ProfileFit]:
    """Every printed score redone under each profile (the built-ins by default), cell by
    cell; the best fit first (most cells matched, then the least distance)."""
    profiles = profiles or [load_profile(n) for n in BUILT_IN]
    table, positions = scored_document(doc)
    actuals = published_actuals(doc)
    fits = []
    for profile in profiles:
        cells: list[CellFit] = []
        for p in table.projects:
            if not p.indicators and p.form is None:
                continue
            s = score_project(p, actuals, profile)
            form = p.form
            if form is not None and form.execution_score is not None:
                cells.append(CellFit(p.seq, None, "预算执行得分", form.execution_score,
                                     s.execution_points, s.execution_formula))
            for ind in s.indicators:
                f = ind.indicator.form
                if f is not None and f.score is not None:
                    # a 分值 printed rounded moves every score of the project a little, as
                    # the stated 分值 are scaled to the profile's points together
                    cells.append(CellFit(p.seq, positions[(p.seq, ind.position)], "得分",
                                         f.score, two_decimals(ind.points), ind.formula,
                                         max((rounding_slack(i.form.weight)
                                              for i in p.indicators if i.form), default=ZERO)))
            if form is not None and form.total_score is not None:
                cells.append(CellFit(p.seq, None, "总分", form.total_score, s.total,
                                     say("published.total-formula"), sum(
                                         (rounding_slack(i.form.weight) for i in p.indicators
                                          if i.form), ZERO)))
        fits.append(ProfileFit(profile.name, cells))
    fits.sort(key=lambda f: (-f.matched, f.distance))
    return fits


# ---- targets at evaluation time against the approved table ------------------------------


@dataclass(frozen=True, slots=True)
class ProjectTargets:
    """One project's 自评表 targets against the approved table of the same project."""

    project: int  # seq in the 自评表
    name: str
    approved_document: int | None  # the stored target document (None: in memory)
    approved_project: int  # its seq there
    changes: list[TargetChange]  # before = approved, after = as the 自评表 states

    def count(self, change: str) -> int:
        return sum(1 for c in self.changes if c.change == change)


_CHANGE_CODES = {"raised": "target-raised", "lowered": "target-lowered",
                 "changed": "target-rewritten", "added": "target-added",
                 "dropped": "target-dropped"}


def _project_year(doc: Document, p: Project, doc_id: int) -> ProjectYear:
    targets: dict[str, tuple[str, str, str | None]] = {}
    for _, i in (scored_indicators(p) if doc.kind == "self-evaluation" and p.form
                 else enumerate(p.indicators)):
        targets.setdefault(matching.indicator_key(i.name), (i.name, i.target, i.category))
    return ProjectYear(doc_id, doc.year, doc.department, p.seq, p.name, p.goal,
                       p.amounts.total, targets)


def compare_targets(evaluation: Document, approved: Document,
                    approved_id: int | None = None) -> list[ProjectTargets]:
    """Each 自评表 project against the approved project of the same name key (the year is
    the caller's to match): targets raised, lowered, rewritten, added or dropped — by
    jixiao.compare's own classification (before = approved, after = the 自评表)."""
    by_key: dict[str, list[Project]] = {}
    for q in approved.projects:
        by_key.setdefault(matching.project_key(q.name), []).append(q)
    out = []
    for p in evaluation.projects:
        candidates = by_key.get(matching.project_key(p.name))
        if not candidates:
            continue
        # the key drops a unit and year prefix, so several may share it: the same name
        # as written first, then the same place in the table
        name = matching.text_key(p.name)
        q = min(candidates, key=lambda c: (matching.text_key(c.name) != name, c.seq != p.seq))
        step = _step(_project_year(approved, q, approved_id or 0),
                     _project_year(evaluation, p, 0))
        out.append(ProjectTargets(p.seq, p.name, approved_id, q.seq, step.changes))
    return out


def target_findings(evaluation: Document, comparisons: list[ProjectTargets]
                    ) -> list[PublishedFinding]:
    """A finding per target that is not the approved one."""
    projects = {p.seq: p for p in evaluation.projects}
    out = []
    for c in comparisons:
        p = projects[c.project]
        keys = {matching.indicator_key(i.name): k for k, i in enumerate(p.indicators)}
        for change in c.changes:
            if change.change == "unchanged":
                continue
            k = keys.get(matching.indicator_key(change.indicator)) \
                if change.change != "dropped" else None
            span = p.indicators[k].span if k is not None else p.span
            if change.change == "added":
                text = say("published.target-added", name=change.indicator, after=change.after)
            elif change.change == "dropped":
                text = say("published.target-dropped", name=change.indicator,
                           before=change.before)
            else:
                stricter = "" if change.stricter is None else \
                    say(f"published.{'stricter' if change.stricter else 'looser'}")
                text = say("published.target-changed", name=change.indicator,
                           before=change.before, after=change.after, stricter=stricter,
                           way=say(f"compare.changes.{change.change}"))
            out.append(PublishedFinding(_CHANGE_CODES[change.change], text, c.project, k,
                                        "年度指标值", span, change.after, change.before))
    return out


# ---- the whole check ---------------------------------------------------------------------


@dataclass(slots=True)
class SelfEvaluationCheck:
    document: Document
    findings: list[PublishedFinding]
    fits: list[ProfileFit]
    targets: list[ProjectTargets] = field(default_factory=list)

    @property
    def best(self) -> ProfileFit | None:
        """The profile that reproduces every printed score, if one does."""
        return next((f for f in self.fits if f.reproduces), None)


def check_self_evaluation(doc: Document, profiles: list[ScoringProfile] | None = None,
                          approved: Document | None = None, approved_id: int | None = None
                          ) -> SelfEvaluationCheck:
    """Arithmetic, re-scoring under `profiles` (the built-ins by default) and, given the
    approved table, the targets that changed."""
    profiles = profiles or [load_profile(n) for n in BUILT_IN]
    findings = check_arithmetic(doc, profiles[0] if profiles else None)
    comparisons = compare_targets(doc, approved, approved_id) if approved is not None else []
    findings += target_findings(doc, comparisons)
    findings.sort(key=lambda f: (f.project, -1 if f.indicator is None else f.indicator))
    return SelfEvaluationCheck(doc, findings, rescore(doc, profiles), comparisons)


# ---- faces: plain data and a workbook ----------------------------------------------------


def check_dict(check: SelfEvaluationCheck) -> dict[str, object]:
    """The check as plain data (JSON): findings, and each profile's fit cell by cell."""
    doc = check.document
    return {
        "file": doc.source.file, "title": doc.title, "department": doc.department,
        "year": doc.year, "kind": doc.kind,
        "findings": [{"code": f.code, "message": f.message, "project": f.project,
                      "indicator": f.indicator, "cell": f.cell, "published": f.published,
                      "expected": f.expected, "source": str(f.span)} for f in check.findings],
        "reproduced_by": check.best.profile if check.best else None,
        "profiles": [{"profile": fit.profile, "cells": len(fit.cells), "matched": fit.matched,
                      "reproduces": fit.reproduces, "distance": _plain(fit.distance),
                      "misses": [{"project": c.project, "indicator": c.indicator,
                                  "cell": c.cell, "published": _plain(c.published),
                                  "computed": _plain(c.computed), "formula": c.formula}
                                 for c in fit.misses]} for fit in check.fits],
        "targets": [{"project": t.project, "approved_document": t.approved_document,
                     "approved_project": t.approved_project,
                     "changes": [{"indicator": c.indicator, "approved": c.before,
                                  "evaluated": c.after, "change": c.change,
                                  "stricter": c.stricter} for c in t.changes
                                 if c.change != "unchanged"]} for t in check.targets],
    }


def write_checks_xlsx(checks: list[SelfEvaluationCheck], path: str) -> None:
    """Two sheets: 发现 (a row per finding) and 重算 (a row per printed score and profile)."""
    from openpyxl import Workbook

    from jixiao.writers.cells import append_row

    book = Workbook()
    sheet = book.active
    sheet.title = say("published.findings-sheet")
    append_row(sheet, [say(f"published.findings-columns.{c}") for c in (
        "file", "project", "indicator", "cell", "code", "message", "published", "expected")])
    for c in checks:
        for f in c.findings:
            append_row(sheet, [c.document.source.file, f.project,
                               None if f.indicator is None else f.indicator + 1, f.cell,
                               f.code, f.message, f.published, f.expected])
    fits = book.create_sheet(say("published.fits-sheet"))
    append_row(fits, [say(f"published.fits-columns.{c}") for c in (
        "file", "profile", "project", "indicator", "cell", "published", "recomputed",
        "difference", "formula")])
    for c in checks:
        for fit in c.fits:
            for cell in fit.cells:
                append_row(fits, [c.document.source.file, fit.profile, cell.project,
                                  None if cell.indicator is None else cell.indicator + 1,
                                  cell.cell, cell.published, cell.computed,
                                  cell.difference, cell.formula])
    book.save(path)


@dataclass(frozen=True, slots=True)
class TargetReport:
    """A department's year: each stored 自评表 project against its approved target table."""

    department: str | None
    year: int
    document: int  # the 自评表
    comparisons: list[ProjectTargets]

    def count(self, change: str) -> int:
        return sum(c.count(change) for c in self.comparisons)


def target_reports(engine: Engine, *, department: str | None = None,
                   year: int | None = None) -> list[TargetReport]:
    """Targets at evaluation time against the approved ones, per department and year: the
    stored 自评表 (of `department` / `year` when given), each project matched as ingest
    matches it (store.selfeval's links)."""
    out = []
    for doc_id, dept, doc_year in self_evaluations(engine, department=department, year=year):
        evaluation = load_document(engine, doc_id)
        comparisons: list[ProjectTargets] = []
        for seq, target_doc, target_seq in self_evaluation_links(engine, doc_id):
            approved = load_document(engine, target_doc)
            project = next(p for p in evaluation.projects if p.seq == seq)
            wanted = next(p for p in approved.projects if p.seq == target_seq)
            comparisons += compare_targets(only(evaluation, project), only(approved, wanted),
                                           target_doc)
        out.append(TargetReport(dept, doc_year, doc_id, comparisons))
    return out
