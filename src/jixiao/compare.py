"""Across documents: one indicator's targets everywhere, a project's targets year by year,
and goals or indicator sets copied from another project.

Read from the store (store.comparing asks the queries) through the keys of
jixiao.matching (indexed), so a question over ten thousand documents reads only the rows it
needs.
"""

from __future__ import annotations

import functools
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import pairwise

from sqlalchemy import Engine

from jixiao import matching
from jixiao.model import Indicator
from jixiao.store import comparing

# the questions that are queries alone are the store's; offered here as they always were
from jixiao.store.comparing import CopiedProject as CopiedProject
from jixiao.store.comparing import CopyGroup as CopyGroup
from jixiao.store.comparing import copied as copied
from jixiao.store.comparing import stored_departments as stored_departments
from jixiao.store.comparing import stored_years
from jixiao.targets import Comparator, Direction, Kind, Target, parse
from jixiao.taxonomy import classify

# ---- one indicator across projects, departments and years -------------------------------


@dataclass(slots=True)
class Observation:
    """One project's target for the indicator (names filled in by compare_indicator)."""

    document_id: int
    year: int | None
    department: str | None
    unit: str
    project_seq: int
    project: str
    indicator: str  # the name as written there
    target: str  # as written
    value: Decimal | None  # in the group's unit (base units where a conversion means something)
    comparator: str | None  # ≥, ≤, =, range …; None when not quantitative
    outlier: bool = False
    position: int = 0  # the indicator's position in its project


@dataclass(slots=True)
class TargetGroup:
    """The numeric targets that share a unit, with their distribution."""

    unit: str  # "%", "s", "台", "" (a bare number)
    observations: list[Observation]
    low: Decimal | None = None
    q1: Decimal | None = None
    median: Decimal | None = None
    q3: Decimal | None = None
    high: Decimal | None = None
    comparators: Counter[str] = field(default_factory=Counter)

    @property
    def outliers(self) -> list[Observation]:
        return [o for o in self.observations if o.outlier]


@dataclass(slots=True)
class IndicatorComparison:
    name: str  # as asked
    key: str  # jixiao.matching.indicator_key
    groups: list[TargetGroup]  # numeric targets by unit, largest group first
    qualitative: Counter[str]  # non-numeric targets as written, with their counts
    other: list[Observation]  # the non-numeric observations
    departments: int
    projects: int
    # how the name was found: "exact" (its key), "partial" (names containing it, through
    # the search index), "none"
    matched: str = "exact"
    names: list[tuple[str, int]] = field(default_factory=list)  # names compared (partial)
    suggestions: list[str] = field(default_factory=list)  # other names worth a look
    years: list[int] = field(default_factory=list)  # the years stored (in the department)
    missing_year: bool = False  # a year was asked that no stored document has

    @property
    def count(self) -> int:
        return sum(len(g.observations) for g in self.groups) + len(self.other)


def _numeric(target: Target) -> tuple[Decimal, str] | None:
    """A single comparable number and its unit: in base units where they exist."""
    if target.kind is not Kind.QUANTITATIVE or target.value is None or target.change:
        return None
    if target.comparator is Comparator.RANGE:
        return None
    if (base := target.base_value()) is not None:
        return Decimal(format(base[0], "f")), base[1]  # 6PB as 6000000000000000, not 6E+15
    unit = target.unit
    return target.value, unit.canonical if unit else ""


@functools.lru_cache(maxsize=65536)  # a corpus repeats its targets: read each form once
def _reading(text: str) -> tuple[tuple[Decimal, str] | None, str | None]:
    target = parse(text)
    comparator = target.comparator
    return _numeric(target), str(comparator) if comparator else None


def compare_indicator(engine: Engine, name: str, *, department: str | None = None,
                      year: int | None = None, fence: Decimal = Decimal("1.5"),
                      details: int | None = 100) -> IndicatorComparison:
    """Every stored target of the indicator `name` (matched by its normalised key), grouped
    by unit with quartiles; values beyond `fence` × IQR from the quartiles (Tukey) are
    outliers.

    The targets come from one covering index; the names of project, unit and indicator
    as written are looked up afterwards for the first `details` outliers and the first
    `details` other observations (None: for all), so a common indicator over a large
    corpus stays fast.
    """
    key = matching.indicator_key(name)
    years = stored_years(engine, department)
    meta = comparing.document_years(engine, department=department, year=year)
    rows = comparing.targets_named(engine, [key], year)
    matched, names = "exact", []
    # the names containing it: to compare when the name itself is not stored, else (a
    # shorter look) as suggestions beside the comparison
    containing = names_containing(engine, name, department=department, year=year,
                                  hits=_HITS if not any(r[0] in meta for r in rows) else 500)
    if not any(r[0] in meta for r in rows):
        # no indicator of that very name: those whose name contains it (满意度 finds
        # 群众满意度, 服务对象满意度 …), the most frequent names first
        matched = "partial" if containing else "none"
        names = containing.most_common(PARTIAL_NAMES)
        if names:
            rows = comparing.targets_named(
                engine, sorted({matching.indicator_key(n) for n, _ in names}), year)
    groups: dict[str, list[Observation]] = defaultdict(list)
    other: list[Observation] = []
    qualitative: Counter[str] = Counter()
    departments: set[str | None] = set()
    project_ids: set[tuple[int, int]] = set()
    for doc_id, seq, position, target in rows:
        if doc_id not in meta:
            continue
        doc_year, doc_department = meta[doc_id]
        number, comparator = _reading(target)
        departments.add(doc_department)
        project_ids.add((doc_id, seq))
        obs = Observation(doc_id, doc_year, doc_department, "", seq, "", "", target,
                          number[0] if number else None, comparator, position=position)
        if number is None:
            other.append(obs)
            qualitative[target] += 1
        else:
            groups[number[1]].append(obs)
    summaries = [_distribution(unit, obs, fence) for unit, obs in groups.items()]
    summaries.sort(key=lambda g: -len(g.observations))
    shown = [o for g in summaries for o in g.observations] + other
    wanted = shown if details is None else (
        [o for o in shown if o.outlier][:details] + [o for o in shown if not o.outlier][:details])
    _name(engine, wanted)
    if matched == "exact":  # other names that contain it, worth comparing too
        suggestions = [n for n, _ in containing.most_common(SUGGESTIONS + 1)
                       if matching.indicator_key(n) != key][:SUGGESTIONS]
    elif matched == "partial":
        suggestions = [n for n, _ in names[:SUGGESTIONS]]
    else:
        suggestions = suggest_names(engine, name, department=department)
    return IndicatorComparison(name, key, summaries, qualitative, other, len(departments),
                               len(project_ids), matched, names, suggestions, years,
                               year is not None and year not in years)


PARTIAL_NAMES = 200  # the most names one partial match compares together
SUGGESTIONS = 8
_HITS = 5000  # search hits read to find the names containing a text


def names_containing(engine: Engine, text: str, *, department: str | None = None,
                     year: int | None = None, kind: str = "indicator",
                     hits: int = _HITS) -> Counter[str]:
    """Indicator (or project) names containing `text`, each with how often it is stored:
    from the search index (FTS5 trigrams on SQLite, pg_trgm on PostgreSQL)."""
    from jixiao.store.search import search

    text = text.strip()
    if not text:
        return Counter()
    found, _ = search(engine, text, department=department, kinds=(kind,), limit=hits)
    return Counter(h.text.strip() for h in found if year is None or h.year == year)


def suggest_names(engine: Engine, text: str, *, department: str | None = None,
                  kind: str = "indicator", limit: int = SUGGESTIONS) -> list[str]:
    """Stored names like `text` when none contains it: names sharing a piece of it (three
    characters, or two for a short text), the most alike first (difflib's ratio)."""
    import difflib

    text = text.strip()
    size = 3 if len(text) > 3 else 2
    pieces = list(dict.fromkeys(text[k:k + size] for k in range(max(1, len(text) - size + 1))))
    found: Counter[str] = Counter()
    for piece in pieces[:12]:  # a long text: its first dozen pieces are enough
        found.update(names_containing(engine, piece, department=department, kind=kind))
    return sorted(found, key=lambda n: (-difflib.SequenceMatcher(None, text, n).ratio(),
                                        -found[n], n))[:limit]


def _name(engine: Engine, observations: list[Observation]) -> None:
    """Fill in the names as written (project, unit, indicator)."""
    found = comparing.names_as_written(
        engine, [(o.document_id, o.project_seq, o.position) for o in observations])
    for o, (project, unit, indicator) in zip(observations, found, strict=True):
        o.project, o.unit, o.indicator = project, unit, indicator


def _distribution(unit: str, observations: list[Observation], fence: Decimal) -> TargetGroup:
    values = sorted(o.value for o in observations if o.value is not None)
    group = TargetGroup(unit, observations, low=values[0], high=values[-1],
                        median=statistics.median(values),
                        comparators=Counter(o.comparator or "" for o in observations))
    if len(values) >= 4:
        q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
        group.q1, group.q3 = q1, q3
        reach = (q3 - q1) * fence
        group.observations = [
            o if o.value is None or q1 - reach <= o.value <= q3 + reach
            else replace(o, outlier=True)
            for o in observations]
    return group


# ---- one project year by year ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TargetChange:
    indicator: str
    before: str | None  # the earlier year's target as written; None: added
    after: str | None  # None: dropped
    change: str  # unchanged, raised, lowered, changed, added, dropped
    stricter: bool | None  # raised where higher is better, lowered where lower is better


@dataclass(frozen=True, slots=True)
class YearStep:
    before_year: int | None
    after_year: int | None
    before_project: str
    after_project: str
    changes: list[TargetChange]
    goal_unchanged: bool

    def count(self, change: str) -> int:
        return sum(1 for c in self.changes if c.change == change)


@dataclass(frozen=True, slots=True)
class ProjectYear:
    document_id: int
    year: int | None
    department: str | None
    seq: int
    name: str
    goal: str
    total: Decimal | None
    targets: dict[str, tuple[str, str, str | None]]  # key → (name, target, category)


@dataclass(frozen=True, slots=True)
class ProjectSeries:
    key: str
    years: list[ProjectYear]  # one per year: the first match of the year
    steps: list[YearStep]
    undated: int  # matches in documents without a year (ingest them with --year)
    repeated: int  # further matches in a year already held


def project_series(engine: Engine, project: str, *, department: str | None = None
                   ) -> ProjectSeries:
    """The project named `project` (its name without unit and year prefix) in every stored
    year, and what changed in its targets from one year to the next."""
    key = matching.project_key(project)
    kept, undated, repeated = [], 0, 0
    for r in comparing.projects_named(engine, key, department=department):
        if r.year is None:
            undated += 1
        elif kept and kept[-1].year == r.year:
            repeated += 1  # a year's first project stands for it
        else:
            kept.append(r)
    indicators = comparing.indicators_of(engine, [(r.id, r.seq) for r in kept])
    years: list[ProjectYear] = []
    for r in kept:
        targets: dict[str, tuple[str, str, str | None]] = {}
        for name, target, category, name_key in indicators[r.id, r.seq]:
            targets.setdefault(name_key, (name, target, category))
        years.append(ProjectYear(r.id, r.year, r.department, r.seq, r.name, r.goal, r.total,
                                 targets))
    steps = [_step(a, b) for a, b in pairwise(years)]
    return ProjectSeries(key, years, steps, undated, repeated)


def _step(a: ProjectYear, b: ProjectYear) -> YearStep:
    changes = []
    for k in [*a.targets, *(k for k in b.targets if k not in a.targets)]:
        before, after = a.targets.get(k), b.targets.get(k)
        name = (after or before)[0]  # type: ignore[index]
        if before is None or after is None:
            changes.append(TargetChange(name, before and before[1], after and after[1],
                                        "added" if before is None else "dropped", None))
        else:
            changes.append(_target_change(name, before[1], after[1], after[2]))
    return YearStep(a.year, b.year, a.name, b.name, changes,
                    matching.text_key(a.goal) == matching.text_key(b.goal))


def _target_change(name: str, before: str, after: str, category: str | None) -> TargetChange:
    if matching.text_key(before) == matching.text_key(after):
        return TargetChange(name, before, after, "unchanged", None)
    t0, t1 = parse(before), parse(after)
    n0, n1 = _numeric(t0), _numeric(t1)
    if n0 and n1 and n0[1] == n1[1] and n0[0] != n1[0] and t0.comparator == t1.comparator:
        raised = n1[0] > n0[0]
        # the target's comparator, else the indicator's name says which way is better
        direction = classify(Indicator(0, category, name, after, after), t1).direction
        stricter = None if direction is Direction.EXACT \
            else raised == (direction is Direction.HIGHER)
        return TargetChange(name, before, after, "raised" if raised else "lowered", stricter)
    return TargetChange(name, before, after, "changed", None)


# ---- copied goals and indicator sets ---------------------------------------------------
