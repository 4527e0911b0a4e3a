"""Across documents: one indicator's targets everywhere, a project's targets year by year,
and goals or indicator sets copied from another project.

Read from the store through the keys of jixiao.matching (indexed), so a question over ten
thousand documents reads only the rows it needs.
"""

from __future__ import annotations

import functools
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import pairwise
from typing import Any

from sqlalchemy import Engine, and_, bindparam, func, select

from jixiao import matching
from jixiao.model import Indicator
from jixiao.store.schema import documents, indicators, projects
from jixiao.store.schema import units as units_table
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
    scope = select(documents.c.id, documents.c.year, documents.c.department)
    if department is not None:
        scope = scope.where(documents.c.department == department)
    years = stored_years(engine, department)
    if year is not None:
        scope = scope.where(documents.c.year == year)

    def targets(keys: list[str]) -> Any:
        query = (select(indicators.c.document_id, indicators.c.project_seq,
                        indicators.c.position, indicators.c.target)
                 .where(indicators.c.name_key.in_(keys))
                 .order_by(indicators.c.document_id, indicators.c.project_seq,
                           indicators.c.position))
        # the year is the partition key (0011): one year's comparison reads one partition
        return query if year is None else query.where(indicators.c.year == year)

    with engine.connect() as conn:
        meta = {r.id: (r.year, r.department) for r in conn.execute(scope)}
        rows = conn.execute(targets([key])).all()
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
            with engine.connect() as conn:
                rows = conn.execute(targets(sorted({matching.indicator_key(n)
                                                    for n, _ in names}))).all()
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


def stored_years(engine: Engine, department: str | None = None) -> list[int]:
    """The budget years of the stored documents (of one department)."""
    query = select(documents.c.year).where(documents.c.year.is_not(None)).distinct()
    if department is not None:
        query = query.where(documents.c.department == department)
    with engine.connect() as conn:
        return sorted(conn.execute(query).scalars().all())


def stored_departments(engine: Engine) -> list[str]:
    """The departments the stored documents name, for a filter to choose from."""
    query = select(documents.c.department).where(documents.c.department.is_not(None))
    with engine.connect() as conn:
        return sorted(set(conn.execute(query.distinct()).scalars().all()))


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
    """Fill in the names as written (project, unit, indicator): one primary-key lookup
    each, which every database answers at once (a row-value IN list is not)."""
    query = (select(projects.c.name, units_table.c.name.label("unit"),
                    indicators.c.name.label("indicator"))
             .select_from(indicators)
             .join(projects, and_(projects.c.document_id == indicators.c.document_id,
                                  projects.c.seq == indicators.c.project_seq))
             .join(units_table, and_(units_table.c.document_id == projects.c.document_id,
                                     units_table.c.position == projects.c.unit_position))
             .where(indicators.c.document_id == bindparam("d"),
                    indicators.c.project_seq == bindparam("s"),
                    indicators.c.position == bindparam("p")))
    with engine.connect() as conn:
        for o in observations:
            o.project, o.unit, o.indicator = conn.execute(
                query, {"d": o.document_id, "s": o.project_seq, "p": o.position}).one()


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
    query = (select(documents.c.id, documents.c.year, documents.c.department, projects.c.seq,
                    projects.c.name, projects.c.goal, projects.c.total)
             .join(documents, documents.c.id == projects.c.document_id)
             .where(projects.c.name_key == key)
             .order_by(documents.c.year, documents.c.id, projects.c.seq))
    if department is not None:
        query = query.where(documents.c.department == department)
    years: list[ProjectYear] = []
    undated = repeated = 0
    with engine.connect() as conn:
        for r in conn.execute(query).all():
            if r.year is None:
                undated += 1
                continue
            if years and years[-1].year == r.year:
                repeated += 1
                continue
            targets = {}
            for i in conn.execute(select(indicators.c.name, indicators.c.target,
                                         indicators.c.category, indicators.c.name_key)
                                  .where(indicators.c.document_id == r.id,
                                         indicators.c.project_seq == r.seq)
                                  .order_by(indicators.c.position)):
                targets.setdefault(i.name_key, (i.name, i.target, i.category))
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


@dataclass(frozen=True, slots=True)
class CopiedProject:
    document_id: int
    year: int | None
    department: str | None
    seq: int
    name: str


@dataclass(frozen=True, slots=True)
class CopyGroup:
    what: str  # "goal" or "indicators"
    key: str
    text: str  # the goal, or the indicators as "name=target; …", of the first project
    names: int  # how many differently named projects share it
    projects: list[CopiedProject]  # the first of them (`members` at most)


def copied(engine: Engine, *, what: str = "goal", department: str | None = None,
           year: int | None = None, limit: int = 50, members: int = 50) -> list[CopyGroup]:
    """Goals (or whole indicator sets with their targets) shared word for word by projects
    of different names: the groups with the most names first, each with its first
    `members` projects."""
    column = projects.c.goal_key if what == "goal" else projects.c.indicator_set_key
    names = func.count(func.distinct(projects.c.name_key))
    shared = (select(column, names.label("names")).group_by(column).having(names > 1)
              .order_by(names.desc(), column).limit(limit))
    rows = (select(projects.c.document_id, projects.c.seq, projects.c.name, projects.c.goal,
                   documents.c.year, documents.c.department)
            .join(documents, documents.c.id == projects.c.document_id)
            .order_by(projects.c.name_key).limit(members))  # the index order: no sort
    if department is not None or year is not None:
        # only then a join in the grouping; unfiltered, it reads the (key, name_key) index
        shared = shared.join(documents, documents.c.id == projects.c.document_id)
        for query_filter in ((documents.c.department == department) if department else None,
                             (documents.c.year == year) if year else None):
            if query_filter is not None:
                shared = shared.where(query_filter)
                rows = rows.where(query_filter)
    groups = []
    with engine.connect() as conn:
        for key, n in conn.execute(shared).all():
            found = conn.execute(rows.where(column == key)).all()
            first = found[0]
            text = first.goal if what == "goal" else _indicator_text(conn, first.document_id,
                                                                       first.seq)
            groups.append(CopyGroup(what, key, text, n, [
                CopiedProject(r.document_id, r.year, r.department, r.seq, r.name)
                for r in found]))
    return groups


def _indicator_text(conn: Any, document_id: int, seq: int) -> str:
    return "；".join(f"{r.name}={r.target}" for r in conn.execute(
        select(indicators.c.name, indicators.c.target)
        .where(indicators.c.document_id == document_id, indicators.c.project_seq == seq)
        .order_by(indicators.c.position)))
