"""The comparisons' queries (jixiao.compare asks them): stored years and departments, an
indicator's stored targets by its name key, the names as written, a project's years, and
goals or indicator sets copied word for word. Rows, not judgements: reading a target and
its change is the comparison's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, bindparam, func, select

from jixiao.store.schema import documents, indicators, projects
from jixiao.store.schema import units as units_table


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


def document_years(engine: Engine, *, department: str | None = None,
                   year: int | None = None) -> dict[int, tuple[int | None, str | None]]:
    """(year, department) of each stored document (of `department`, of `year`)."""
    scope = select(documents.c.id, documents.c.year, documents.c.department)
    if department is not None:
        scope = scope.where(documents.c.department == department)
    if year is not None:
        scope = scope.where(documents.c.year == year)
    with engine.connect() as conn:
        return {r.id: (r.year, r.department) for r in conn.execute(scope)}


def targets_named(engine: Engine, keys: Sequence[str], year: int | None = None
                  ) -> list[tuple[int, int, int, str]]:
    """(document, project seq, position, target) of every indicator whose name key is one
    of `keys`, from one covering index."""
    query = (select(indicators.c.document_id, indicators.c.project_seq,
                    indicators.c.position, indicators.c.target)
             .where(indicators.c.name_key.in_(list(keys)))
             .order_by(indicators.c.document_id, indicators.c.project_seq,
                       indicators.c.position))
    if year is not None:  # the year is the partition key (0011): one partition read
        query = query.where(indicators.c.year == year)
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(query)]  # type: ignore[misc]


def names_as_written(engine: Engine, where: Sequence[tuple[int, int, int]]
                     ) -> list[tuple[str, str, str]]:
    """(project, unit, indicator) as written for each (document, seq, position): one
    primary-key lookup each, which every database answers at once (a row-value IN list
    is not)."""
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
        return [tuple(conn.execute(query, {"d": d, "s": s, "p": p}).one())  # type: ignore[misc]
                for d, s, p in where]


def projects_named(engine: Engine, key: str, *, department: str | None = None) -> list[Any]:
    """The stored projects of a name key (id, year, department, seq, name, goal, total), by
    year, document and seq."""
    query = (select(documents.c.id, documents.c.year, documents.c.department, projects.c.seq,
                    projects.c.name, projects.c.goal, projects.c.total)
             .join(documents, documents.c.id == projects.c.document_id)
             .where(projects.c.name_key == key)
             .order_by(documents.c.year, documents.c.id, projects.c.seq))
    if department is not None:
        query = query.where(documents.c.department == department)
    with engine.connect() as conn:
        return list(conn.execute(query).all())


def indicators_of(engine: Engine, which: Sequence[tuple[int, int]]
                  ) -> dict[tuple[int, int], list[tuple[str, str, str | None, str]]]:
    """(name, target, category, name key) of each (document, seq)'s indicators, in order."""
    out: dict[tuple[int, int], list[tuple[str, str, str | None, str]]] = {}
    with engine.connect() as conn:
        for doc_id, seq in which:
            out[doc_id, seq] = [tuple(r) for r in conn.execute(  # type: ignore[misc]
                select(indicators.c.name, indicators.c.target, indicators.c.category,
                       indicators.c.name_key)
                .where(indicators.c.document_id == doc_id, indicators.c.project_seq == seq)
                .order_by(indicators.c.position))]
    return out


# ---- goals and indicator sets copied word for word ---------------------------------------


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
