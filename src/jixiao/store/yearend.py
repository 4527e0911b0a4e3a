"""Year-end (and mid-year) entry as people do it (issue 17): a project's indicators and its
money saved at once from one grid, and how far each document's results have come.

A grid names the revision it was read at: a digest of what was stored for the project
then. Saving takes the document's write lock first, reads the project's answers again and
refuses (`GridConflict`) when they changed meanwhile — of two people saving the same
grid at once one wins and the other is told who saved and when; nothing of either is
lost (the refused answers go back to the form). Every value and the money are written
with their change-log rows in the one transaction of the save.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, or_, select

from jixiao.formatting import when
from jixiao.messages import say
from jixiao.model import Actual, Actuals, Execution, SourceSpan
from jixiao.store import memo
from jixiao.store.accounts import (
    AccountError,
    User,
    _execution_state,
    _write_actuals,
    record,
)
from jixiao.store.cycle import Conflict, _document_row
from jixiao.store.schema import (
    actual_values,
    changes,
    documents,
    executions,
    indicators,
    projects,
)

FULL_YEAR = "全年"


@dataclass(frozen=True, slots=True)
class ProjectAnswers:
    """What is stored for one project, year and period: each indicator's value (by
    position) and the project's money; `revision` the digest a grid is read at."""

    seq: int
    values: dict[int, Actual]
    execution: Execution | None

    @property
    def revision(self) -> str:
        state = {"values": sorted([k, a.value, a.reason] for k, a in self.values.items()),
                 "money": None if self.execution is None else _execution_state(self.execution)}
        return hashlib.sha256(json.dumps(state, ensure_ascii=False, sort_keys=True)
                              .encode()).hexdigest()[:16]

    def as_actuals(self, year: int, period: str) -> Actuals:
        """The project's answers as the document's Actuals hold them (what a project is
        scored from), without reading the rest of the document's year."""
        found = Actuals(year, period, values={(self.seq, k): a for k, a in self.values.items()})
        if self.execution is not None:
            found.executions[self.seq] = self.execution
        return found


@dataclass(frozen=True, slots=True)
class LastSave:
    username: str | None
    at: datetime | None

    @property
    def text(self) -> str:
        return say("yearend.saved-by", name=self.username or say("yearend.someone"),
                   when=when(self.at))


class GridConflict(Conflict):
    """The project's answers changed since the grid was read: nothing of this save stored."""

    def __init__(self, seq: int, current: ProjectAnswers, last: LastSave) -> None:
        super().__init__(say("yearend.conflict", seq=seq, saved=last.text))
        self.current, self.last = current, last


def _entity_prefix(doc_id: int, year: int, period: str, seq: int) -> tuple[str, str]:
    # the change log's names of a project's values and money (store.accounts)
    return (f"actual {doc_id}/{year}/{period}/{seq}/", f"execution {doc_id}/{year}/{period}/{seq}")


def _answers(conn: Connection, doc_id: int, year: int, period: str, seq: int
             ) -> ProjectAnswers:
    values = {r.position: Actual(seq, r.position, r.value, r.reason, r.claimed_score,
                                 SourceSpan(r.source_file, r.source_row, r.source_row))
              for r in conn.execute(select(actual_values).where(
                  actual_values.c.document_id == doc_id, actual_values.c.year == year,
                  actual_values.c.period == period, actual_values.c.project_seq == seq))}
    row = conn.execute(select(executions).where(
        executions.c.document_id == doc_id, executions.c.year == year,
        executions.c.period == period, executions.c.project_seq == seq)).first()
    money = None if row is None else Execution(
        seq, row.adjusted_budget, row.executed, row.reason or "",
        SourceSpan(row.source_file, row.source_row, row.source_row))
    return ProjectAnswers(seq, values, money)


def project_answers(engine: Engine, doc_id: int, year: int, seq: int,
                    period: str = FULL_YEAR) -> ProjectAnswers:
    with engine.connect() as conn:
        return _answers(conn, doc_id, year, period, seq)


def last_save(conn: Connection | Engine, doc_id: int, year: int, period: str, seq: int
              ) -> LastSave:
    """Who last wrote the project's values or money, and when (the change log)."""
    values, money = _entity_prefix(doc_id, year, period, seq)
    query = (select(changes.c.username, changes.c.at)
             .where(or_(changes.c.entity.startswith(values, autoescape=True),
                        changes.c.entity == money))
             .order_by(changes.c.id.desc()).limit(1))
    if isinstance(conn, Engine):
        with conn.connect() as c:
            row = c.execute(query).first()
    else:
        row = conn.execute(query).first()
    return LastSave(None, None) if row is None else LastSave(row.username, row.at)


def _save_grid(engine: Engine, user: User, doc_id: int, year: int, seq: int, revision: str,
              values: Iterable[Actual], execution: Execution | None,
              period: str = FULL_YEAR) -> ProjectAnswers:
    """Store a project's grid — its indicators' values and its money — as one change, if
    what is stored is still what the grid was read at (`revision`); else `GridConflict`.
    The values were checked by the caller (jixiao.evaluation.values); a blank value is
    written blank over a stored one (as a sheet's blank cell is) and left out otherwise."""
    with engine.begin() as conn:
        # the first statement a write: SQLite takes its lock at once, PostgreSQL locks the
        # document's row, so a second save waits here and then sees the first one's rows
        _document_row(conn, doc_id)
        if conn.execute(select(projects.c.seq).where(projects.c.document_id == doc_id,
                                                     projects.c.seq == seq)).first() is None:
            raise AccountError(say("yearend.no-project", id=doc_id, seq=seq))
        current = _answers(conn, doc_id, year, period, seq)
        if current.revision != revision:
            raise GridConflict(seq, current, last_save(conn, doc_id, year, period, seq))
        batch = [a for a in values if a.value.strip() or a.reason.strip()
                 or a.indicator in current.values]
        changed = [a for a in batch if (old := current.values.get(a.indicator)) is None
                   or (old.value, old.reason) != (a.value, a.reason)]
        if changed:
            _write_actuals(conn, user, doc_id, year, changed, period)
        if execution is not None and _money_changed(current.execution, execution):
            _put_execution(conn, user, doc_id, year, period, current.execution, execution)
        return _answers(conn, doc_id, year, period, seq)


def _money_changed(old: Execution | None, new: Execution) -> bool:
    if old is None:
        return new.adjusted_budget is not None or new.executed is not None or bool(new.reason)
    return _execution_state(old) != _execution_state(new)


def _put_execution(conn: Connection, user: User, doc_id: int, year: int, period: str,
                   old: Execution | None, new: Execution) -> None:
    key = {"document_id": doc_id, "year": year, "period": period, "project_seq": new.project}
    conn.execute(executions.delete().where(*(executions.c[k] == v for k, v in key.items())))
    conn.execute(insert(executions).values(**key, adjusted_budget=new.adjusted_budget,
                                           executed=new.executed, reason=new.reason))
    record(conn, user, "put-execution", _entity_prefix(doc_id, year, period, new.project)[1],
           None if old is None else _execution_state(old), _execution_state(new))


# ---- how far the results have come -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Completion:
    """A document's results for a year and period: a project is done when every indicator
    has a value and its 全年执行数 is given; begun when something of it is."""

    document_id: int
    year: int
    projects: int
    done: int
    begun: int
    indicators: int
    answered: int

    @property
    def untouched(self) -> int:
        return self.projects - self.done - self.begun

    @property
    def share(self) -> Decimal:
        return Decimal(0) if not self.projects else Decimal(self.done) / self.projects


def completion(engine: Engine, years: Mapping[int, int], period: str = FULL_YEAR
               ) -> dict[int, Completion]:
    """`count_completion`, kept while the change log has no new row (store.memo): the
    overview asks again at every view, and at year end counting reads every value of the
    year."""
    return memo.kept(engine, ("completion", period, tuple(sorted(years.items()))),
                     lambda: count_completion(engine, years, period))


def count_completion(engine: Engine, years: Mapping[int, int], period: str = FULL_YEAR
                     ) -> dict[int, Completion]:
    """The completion of each document of `years` (document id → the year its results are
    for). The documents' own counts give the totals; indicators are counted only for the
    documents something was entered for — the overview of a thousand documents before
    year end must not read every indicator row."""
    if not years:
        return {}
    ids = list(years)
    answered: dict[tuple[int, int], int] = {}
    money: set[tuple[int, int]] = set()  # 全年执行数 given
    touched: set[tuple[int, int]] = set()  # any of the money given
    sizes: dict[tuple[int, int], int] = {}
    with engine.connect() as conn:
        totals = {r.id: (r.n_projects, r.n_indicators) for r in conn.execute(
            select(documents.c.id, documents.c.n_projects, documents.c.n_indicators)
            .where(documents.c.id.in_(ids)))}
        for r in conn.execute(
                select(actual_values.c.document_id, actual_values.c.year,
                       actual_values.c.project_seq, func.count())
                .where(actual_values.c.document_id.in_(ids),
                       actual_values.c.period == period,
                       func.trim(actual_values.c.value) != "")
                .group_by(actual_values.c.document_id, actual_values.c.year,
                          actual_values.c.project_seq)):
            if years[r[0]] == r[1]:
                answered[(r[0], r[2])] = r[3]
        for r in conn.execute(select(executions.c.document_id, executions.c.year,
                                     executions.c.project_seq, executions.c.executed,
                                     executions.c.adjusted_budget, executions.c.reason)
                              .where(executions.c.document_id.in_(ids),
                                     executions.c.period == period)):
            # a sheet's blank money row is stored too: only a figure or a reason counts
            if years[r[0]] == r[1] and (r[3] is not None or r[4] is not None or r[5]):
                touched.add((r[0], r[2]))
                if r[3] is not None:
                    money.add((r[0], r[2]))
        # only a project with values and money can be done: its documents' indicators
        # counted (by the key's leading column), none of the others'
        candidates = sorted({d for d, _ in answered.keys() & money})
        if candidates:
            for r in conn.execute(
                    select(indicators.c.document_id, indicators.c.project_seq, func.count())
                    .where(indicators.c.document_id.in_(candidates))
                    .group_by(indicators.c.document_id, indicators.c.project_seq)):
                sizes[(r[0], r[1])] = r[2]
    entered: dict[int, set[int]] = defaultdict(set)  # per document, its projects begun
    for d, seq in answered.keys() | touched:
        entered[d].add(seq)
    values: Counter[int] = Counter()
    for (d, _), n in answered.items():
        values[d] += n
    out = {}
    for doc_id in ids:
        n_projects, n_indicators = totals.get(doc_id, (0, 0))
        begun = entered.get(doc_id, set())
        done = {seq for seq in begun if (doc_id, seq) in money
                and answered.get((doc_id, seq), 0) >= sizes.get((doc_id, seq), 0)}
        out[doc_id] = Completion(doc_id, years[doc_id], n_projects, len(done),
                                 len(begun - done), n_indicators, values[doc_id])
    return out


def by_department(rows: Iterable[tuple[str | None, Completion]]) -> list[dict[str, Any]]:
    """Completions summed per department (the bureau's view of every department)."""
    sums: dict[str | None, dict[str, Any]] = {}
    for department, c in rows:
        s = sums.setdefault(department, {"department": department, "documents": 0,
                                         "projects": 0, "done": 0, "begun": 0,
                                         "indicators": 0, "answered": 0})
        s["documents"] += 1
        for k in ("projects", "done", "begun", "indicators", "answered"):
            s[k] += getattr(c, k)
    for s in sums.values():
        s["untouched"] = s["projects"] - s["done"] - s["begun"]
        s["share"] = Decimal(0) if not s["projects"] else Decimal(s["done"]) / s["projects"]
    return sorted(sums.values(), key=lambda s: (s["share"], s["department"] or ""))
