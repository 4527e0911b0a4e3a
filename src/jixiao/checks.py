"""Cross-checks of a reading, the same for every reader (issue 13, item 6: never silently
wrong). Each check is a small pure function of the `Document`; a failed check is a
`ReadWarning` that names the project or row and its source span. `judge` adds the verdict:
a reading with any failed check is *doubtful*; one where most projects fail is *refused*.

The sums of a row, of a unit's projects and of the units are also what the review's
arithmetic rules (audit rules A1–A3) compare: they call the functions here, each with its
own tolerance, so that the reading and the review never disagree about what a sum is.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise
from typing import NamedTuple

from jixiao.messages import say
from jixiao.model import (
    AMOUNT_COLUMNS,
    AMOUNT_LABELS,
    Amounts,
    Document,
    Indicator,
    Project,
    ReadWarning,
    Severity,
    SourceSpan,
)

ZERO = Decimal(0)
CENT = Decimal("0.01")  # a table prints 0.01 of its unit: each summed figure may be off by it

# ---- sums shared with the review (jixiao.audit.rules A1–A3) ---------------------------


def row_gap(a: Amounts) -> tuple[Decimal, int] | None:
    """总计 − (财政拨款 + 财政专户拨款 + 其他资金), with the number of funding figures summed;
    None when the row gives no 总计 or no funding figure (nothing to compare)."""
    parts = sum(x is not None for x in (a.fiscal, a.special_account, a.other))
    if a.total is None or not parts:
        return None
    return a.total - a.funding_sum(), parts


def column_sums(rows: Iterable[Amounts]) -> dict[str, Decimal]:
    """Each amount column summed over the rows, empty cells counting as 0."""
    rows = list(rows)
    return {c: sum((getattr(a, c) or ZERO for a in rows), ZERO) for c in AMOUNT_COLUMNS}


def unit_rows(doc: Document) -> list[Amounts]:
    """What each unit adds to 合计: its subtotal row, or the sum of its projects when the
    table prints none."""
    return [u.subtotal if u.subtotal is not None else Amounts(**column_sums(
        p.amounts for p in u.projects)) for u in doc.units]


def within(diff: Decimal, terms: int) -> bool:
    """A gap the rounding of `terms` printed figures explains (0.01 of the unit each)."""
    return abs(diff) <= CENT * max(terms, 1)


# ---- the checks -----------------------------------------------------------------------


class Failed(NamedTuple):
    """One check's outcome: its warning (INFO when within rounding: a note, not a
    failure), the project it concerns (seq; None for a unit or the whole table) and
    what kind of check it is, for the verdict."""

    warning: ReadWarning
    project: int | None
    check: str  # arithmetic, indicators, numbering, cells, scores, totals


def _m(value: Decimal) -> str:
    return f"{value:,}"


def _who(p: Project) -> str:
    return say("consistency.who", seq=p.seq, name=p.name[:40])


def _warn(code: str, message: str, span: SourceSpan, project: int | None, check: str,
          severity: Severity = Severity.WARNING) -> Failed:
    return Failed(ReadWarning(code, message, span, severity), project, check)


def _amount_span(p: Project) -> SourceSpan:
    return p.field_spans.get("amounts") or p.span


def row_sums(doc: Document) -> Iterator[Failed]:
    """总计 = 财政拨款 + 财政专户拨款 + 其他资金 on the 合计 row, every unit row and every
    project row that gives its sources (a form's project is `funding_sums`' business)."""
    unit = doc.amount_unit
    rows: list[tuple[str, Amounts, SourceSpan, int | None]] = []
    first = doc.units[0].span if doc.units else SourceSpan(doc.source.file)
    if doc.grand_total is not None:
        rows.append((say("consistency.grand-total-row"), doc.grand_total, first, None))
    rows += [(say("consistency.subtotal-row", unit_name=u.name), u.subtotal, u.span, None)
             for u in doc.units if u.subtotal is not None]
    rows += [(_who(p), p.amounts, _amount_span(p), p.seq) for p in doc.projects
             if not (p.form and p.form.funding)]
    for label, amounts, span, seq in rows:
        gap = row_gap(amounts)
        if gap is None or within(*gap):
            continue
        diff, _ = gap
        yield _warn("row-sum", say("consistency.row-sum", label=label,
                                   total=_m(amounts.total or ZERO), unit=unit,
                                   sum=_m(amounts.funding_sum()), diff=_m(diff)),
                    span, seq, "arithmetic")


SOURCES = ("fiscal", "special_account", "other")
# a form's money lines that are sources of its total: the three columns and 上年结转
FORM_SOURCES = (*SOURCES, "carryover")


def _form_sources(p: Project) -> tuple[dict[str, list[tuple[str, Decimal]]], bool] | None:
    """A form's funding lines that are sources of its total, by kind (the annual lines of
    a kind when the form also prints a multi-year one), and whether an 其他资金 line is
    printed (then the sources are the whole of the money)."""
    from jixiao.forms.vocabulary import normal, vocabulary  # only forms have funding lines

    vocab = vocabulary()
    if p.form and (periods := vocab.periods(p.form.funding)) is not None:
        # two periods side by side: the sources of the total's own period only
        own = periods[0][periods[1]]
        return {k: [(f.label, f.amount)] for k, f in own.items()
                if k in FORM_SOURCES and f.amount is not None}, "other" in own
    lines: dict[str, list[tuple[str, Decimal | None, bool]]] = {}
    other_printed = False
    for f in p.form.funding if p.form else []:
        m = vocab.label(f.label)
        if m is None or m.kind != "money" or m.key not in FORM_SOURCES:
            continue
        other_printed = other_printed or m.key == "other"
        lines.setdefault(m.key, []).append((f.label, f.amount, normal(f.label) in vocab.annual))
    if not lines:
        return None
    chosen: dict[str, list[tuple[str, Decimal]]] = {}
    for key, found in lines.items():
        annual = [x for x in found if x[2]]
        chosen[key] = [(label, a) for label, a, _ in (annual or found) if a is not None]
    return chosen, other_printed


def funding_sums(doc: Document) -> Iterator[Failed]:
    """A form's funding lines against its total, where they are sources of it: more than
    the total is always wrong; less only when the form prints an 其他资金 line too (else
    "其中" lists part of the money)."""
    unit = doc.amount_unit
    for p in doc.projects:
        if not (p.form and p.form.funding) or p.amounts.total is None:
            continue
        found = _form_sources(p)
        if found is None:
            continue
        chosen, complete = found
        figures = [x for lines in chosen.values() for x in lines]
        if not figures:
            continue
        summed = sum((a for _, a in figures), ZERO)
        diff = p.amounts.total - summed
        if within(diff, len(figures)) or (diff > 0 and not complete):
            continue
        labels = say("consistency.list-separator").join(
            say("consistency.funding-figure", label=label, amount=_m(a)) for label, a in figures)
        key = "consistency.funding-sum-over" if diff < 0 else "consistency.funding-sum-under"
        yield _warn("funding-sum", say(key, who=_who(p), labels=labels, sum=_m(summed),
                                       unit=unit, total=_m(p.amounts.total),
                                       diff=_m(abs(diff))),
                    _amount_span(p), p.seq, "arithmetic")


def unit_subtotals(doc: Document) -> Iterator[Failed]:
    """Each unit's projects against its subtotal row, column by column, where printed; a
    gap within the rounding of the rows is a note that gives the figures."""
    unit = doc.amount_unit
    for u in doc.units:
        if u.subtotal is None or not u.projects:
            continue
        sums = column_sums(p.amounts for p in u.projects)
        n = len(u.projects)
        gaps, notes = [], []
        for c in AMOUNT_COLUMNS:
            stated = getattr(u.subtotal, c) or ZERO
            diff = sums[c] - stated
            if diff:
                text = say("consistency.gap-more" if diff > 0 else "consistency.gap-less",
                           column=AMOUNT_LABELS[c], sum=_m(sums[c]), unit=unit,
                           stated=_m(stated), diff=_m(abs(diff)))
                (notes if within(diff, n) else gaps).append(text)
        if gaps:
            yield _warn("unit-subtotal", say("consistency.unit-subtotal", unit_name=u.name, n=n,
                                             gaps=say("consistency.separator").join(
                                                 gaps + notes)), u.span, None, "totals")
        elif notes:
            yield _warn("unit-subtotal", say("consistency.unit-subtotal-within",
                                             unit_name=u.name, n=n,
                                             gaps=say("consistency.separator").join(notes),
                                             bound=_m(CENT * n)),
                        u.span, None, "totals", Severity.INFO)


def grand_total(doc: Document) -> Iterator[Failed]:
    """合计 against the sum of the units (their subtotals, or their projects where a unit
    prints none), where the table prints a 合计."""
    g = doc.grand_total
    if g is None or g.total is None or not doc.units:
        return
    unit = doc.amount_unit
    sums = column_sums(unit_rows(doc))
    carried = column_sums(p.amounts for p in doc.projects)
    n = len(doc.units)
    diff = g.total - sums["total"]
    if within(diff, n):
        return
    what = say("consistency.only-unit") if n == 1 and doc.units[0].subtotal is not None else \
        say("consistency.units", n=n) if n > 1 else say("consistency.projects")
    message = say("consistency.grand-total-more" if diff > 0 else "consistency.grand-total-less",
                  total=_m(g.total), unit=unit, what=what, sum=_m(sums["total"]),
                  diff=_m(abs(diff)))
    orphans = [say("consistency.orphan", column=AMOUNT_LABELS[c], amount=_m(getattr(g, c)),
                   unit=unit) for c in SOURCES
               if (getattr(g, c) or ZERO) > 0 and carried[c] == 0]
    if orphans:
        message += say("consistency.orphans",
                       orphans=say("consistency.list-separator").join(orphans))
    message += say("consistency.grand-total-partial" if diff > 0
                   else "consistency.grand-total-excess")
    span = doc.units[0].span  # the row 合计 is compared with (a form prints no unit row)
    if span.first_line is None:
        span = SourceSpan(doc.source.file or doc.projects[0].span.file) if doc.projects \
            else span
    yield _warn("grand-total", message, span, None, "totals")


def numbering(doc: Document) -> Iterator[Failed]:
    """A project's items numbered 1, 2, 3 … as printed."""
    for p in doc.projects:
        seqs = [i.seq for i in p.indicators]
        if seqs and seqs != list(range(1, len(seqs) + 1)):
            yield _warn("indicator-numbering", say(
                "consistency.indicator-numbering", who=_who(p),
                seqs=say("consistency.list-separator").join(map(str, seqs)), n=len(seqs)),
                        cover_spans(i.span for i in p.indicators), p.seq, "numbering")


# a bare template slot (指标1, ……) or a cell of figures and marks only is no name
_SLOT_RE = re.compile(r"^(指标\s*\d*|[.…。·、\-—_\s]*)$")
_WORDLESS_RE = re.compile(r"^[\d\s.,，、:：;；%％()（）\-—_/…]*$")


def _no_name(i: Indicator) -> bool:
    return _is_no_name(i.name)


def _no_target(i: Indicator) -> bool:
    return _is_no_target(i.target)


# cached by the text: every reading asks it of every indicator, and tables repeat them
@functools.lru_cache(maxsize=16384)
def _is_no_name(text: str) -> bool:
    name = text.strip()
    return not name or bool(_SLOT_RE.match(name) or _WORDLESS_RE.match(name))


@functools.lru_cache(maxsize=16384)
def _is_no_target(text: str) -> bool:
    target = text.strip()
    return not target or bool(_SLOT_RE.match(target))


def indicator_fields(doc: Document) -> Iterator[Failed]:
    """A project with indicators, each with a name and a target."""
    for p in doc.projects:
        if not p.indicators:
            yield _warn("project-without-indicators",
                        say("consistency.project-without-indicators", who=_who(p)),
                        p.span, p.seq, "indicators")
        for i in p.indicators:
            if _no_name(i):
                yield _warn("indicator-without-name", say(
                    "consistency.indicator-without-name", who=_who(p), seq=i.seq, name=i.name),
                    i.span, p.seq, "indicator")
            if _no_target(i):
                yield _warn("indicator-without-target", say(
                    "consistency.indicator-without-target-read" if i.target
                    else "consistency.indicator-without-target",
                    who=_who(p), seq=i.seq, name=i.name[:30], target=i.target),
                    i.span, p.seq, "indicator")


def cover_spans(spans: Iterable[SourceSpan]) -> SourceSpan:
    """The smallest span holding them all; the first's page and file where they give no
    lines (a PDF's)."""
    out: SourceSpan | None = None
    for s in spans:
        out = s if out is None else out.cover(s)
    return out if out is not None else SourceSpan()


def _extent(p: Project) -> tuple[int | None, int, int] | None:
    """The page and the first and last line of everything read into a project."""
    spans = [p.span, *p.field_spans.values(), *[i.span for i in p.indicators]]
    # lists for min and max, not generators: every reading runs this for every project
    firsts = [s.first_line for s in spans if s.first_line is not None]
    if not firsts:
        return None
    lasts = [s.last_line or s.first_line for s in spans if s.first_line is not None]
    return p.span.page, min(firsts), max(lasts)


def cells_apart(doc: Document) -> Iterator[Failed]:
    """One project's cells not running into the next's: the next project starts after
    everything read into this one (on the same page or sheet)."""
    projects = doc.projects
    for a, b in pairwise(projects):
        ea, eb = _extent(a), _extent(b)
        if ea is None or eb is None or ea[0] != eb[0]:
            continue
        # a later start inside this project's lines; a start at or above its first line is
        # a new sheet or table numbered afresh, not a run-on
        if ea[1] < eb[1] <= ea[2]:
            yield _warn("cells-overlap", say(
                "consistency.cells-overlap", who=_who(a), first=ea[1], last=ea[2],
                next_seq=b.seq, next_name=b.name[:40], next_first=eb[1]),
                        SourceSpan(a.span.file, eb[1], ea[2], a.span.page), a.seq, "cells")


def scores(doc: Document) -> Iterator[Failed]:
    """What a 自评表's reading can check: 得分 within 0 … 分值 for every indicator, and
    the 执行数 not above the 预算数 (an 执行率 over 100 %)."""
    unit = doc.amount_unit
    for p in doc.projects:
        for i in p.indicators:
            f = i.form
            if f is None or f.score is None:
                continue
            if f.score < 0 or (f.weight is not None and f.score > f.weight):
                yield _warn("score-over-weight", say(
                    "consistency.score-over-weight" if f.score >= 0
                    else "consistency.score-negative",
                    who=_who(p), seq=i.seq, name=i.name[:30], score=f.score, weight=f.weight),
                    i.span, p.seq, "scores")
        form = p.form
        if form is None or form.executed is None:
            continue
        budget = form.adjusted if form.adjusted is not None else form.planned
        if budget is None or budget <= 0:
            continue
        if form.executed - budget > CENT * 2:
            rate = (form.executed / budget * 100).quantize(Decimal("0.1"))
            yield _warn("execution-over-budget", say(
                "consistency.execution-over-budget", who=_who(p), executed=_m(form.executed),
                unit=unit, budget=_m(budget), rate=rate),
                        _amount_span(p), p.seq, "scores")


CHECKS = (row_sums, funding_sums, unit_subtotals, grand_total, numbering, indicator_fields,
          cells_apart, scores)

# a reader warning that already says what a check finds (then the check adds none)
SAID_BY_READER = {"indicator-numbering": "item-numbering",
                  "indicator-without-target": "missing-target"}


# ---- the verdict ----------------------------------------------------------------------


@dataclass(slots=True)
class Checked:
    """The checks of one reading: the warnings to add to it (those the reader has not
    given already), every failed check, and the projects that fail the core checks."""

    projects: int
    warnings: list[ReadWarning] = field(default_factory=list)
    failures: list[ReadWarning] = field(default_factory=list)
    broken: dict[int, list[str]] = field(default_factory=dict)  # seq → what failed

    @property
    def doubtful(self) -> bool:
        return bool(self.failures)

    @property
    def refuse(self) -> bool:
        """More than half of the projects fail their arithmetic, have no indicator, or
        have most indicators without a name or target. A reading of one project is
        refused only when it fails two of these: one figure off is a doubt."""
        if self.projects == 1:
            return any(len(set(why)) >= 2 for why in self.broken.values())
        return len(self.broken) * 2 > self.projects

    def message(self, shown: int = 3) -> str:
        first = say("consistency.separator").join(w.message for w in self.failures[:shown])
        return say("consistency.refused", projects=self.projects, broken=len(self.broken),
                   shown=min(shown, len(self.failures)), first=first)


def _said(doc: Document, w: ReadWarning) -> bool:
    """The document already carries this warning, or the reader's own word for it."""
    same = SAID_BY_READER.get(w.code)
    for old in doc.warnings:
        if old.code == w.code and old.span == w.span and old.message == w.message:
            return True
        if same and old.code == same and _overlap(old.span, w.span):
            return True
    return False


def _overlap(a: SourceSpan, b: SourceSpan) -> bool:
    """Two spans share a line, or (a PDF's spans give pages only) a page."""
    if a.first_line is None or b.first_line is None:
        return a.first_line is None and b.first_line is None and a.page is not None \
            and a.page == b.page
    return a.first_line <= (b.last_line or b.first_line) and \
        b.first_line <= (a.last_line or a.first_line)


def judge(doc: Document) -> Checked:
    """Run every check on a reading and give the verdict."""
    projects = doc.projects
    out = Checked(len(projects))
    incomplete: dict[int, int] = {}
    for check in CHECKS:
        for warning, seq, kind in check(doc):
            if not _said(doc, warning):
                out.warnings.append(warning)
            if warning.severity is Severity.INFO:
                continue
            out.failures.append(warning)
            if seq is None:
                continue
            if kind in ("arithmetic", "indicators"):
                out.broken.setdefault(seq, []).append(kind)
            elif kind == "indicator":
                incomplete[seq] = incomplete.get(seq, 0) + 1
    for p in projects:
        # an indicator without name and target counts once: most of them lacking is broken
        bad = sum(_no_name(i) or _no_target(i) for i in p.indicators) if p.seq in incomplete \
            else 0
        if bad * 2 > len(p.indicators) > 0:
            out.broken.setdefault(p.seq, []).append("indicator")
    return out


def check_reading(doc: Document) -> list[ReadWarning]:
    """The warnings of every failed check (and the notes of gaps within rounding) that the
    reading does not carry already."""
    return judge(doc).warnings
