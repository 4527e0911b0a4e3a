"""A stored 自评表 kept as that year's actuals of its target table.

At ingest (`repository.ingest_prepared`, in the transaction that stores the 自评表) each
of its projects is matched with a stored target table of the same year by the project's
name key (jixiao.matching.project_key); its 全年预算数 / 全年执行数 become the project's
execution, each indicator's 实际完成值 / 偏差原因 the actual of the target indicator of the
same name key, and the printed 得分 its claimed score — the published figure kept beside
the one `jixiao score` computes. A project without a target table is kept as actuals of
the 自评表 itself. Every row written has its line in the change log, in that transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, insert, or_, select

from jixiao import matching
from jixiao.store.schema import (
    UNIT_SHIFT,
    actual_values,
    changes,
    documents,
    indicators,
    projects,
    shift,
)
from jixiao.store.schema import executions as money_rows

PERIOD = "全年"  # a 自评表 reports the whole year
SELF_EVALUATION = "self-evaluation"


@dataclass(frozen=True, slots=True)
class Link:
    """Where one 自评表 project's figures went."""

    project: int  # seq in the 自评表
    target_document: int  # the target table's id (the 自评表's own when none matched)
    target_project: int
    year: int
    values: int  # actual values written
    unmatched: int  # 自评表 indicators with no indicator of that name in the target table
    on_its_own: bool  # no target table matched: the 自评表's own indicators hold them


def _state(row: dict[str, Any]) -> dict[str, Any]:
    return {k: format(v, "f") if isinstance(v, Decimal) else v for k, v in row.items()}


def _target_project(conn: Connection, doc: Any, key: str, name: str, seq: int
                    ) -> tuple[int, int] | None:
    """The target table's project of the same name key and year: the same name as written
    first (the key drops a unit and year prefix, so several may share it), then the same
    department, the same place in the table, the latest stored."""
    rows = conn.execute(
        select(projects.c.document_id, projects.c.seq, projects.c.name,
               documents.c.department)
        .join(documents, documents.c.id == projects.c.document_id)
        .where(projects.c.name_key == key, documents.c.year == doc.year,
               documents.c.id != doc.id,
               or_(documents.c.kind.is_(None), documents.c.kind != SELF_EVALUATION))
        .order_by(documents.c.id.desc(), projects.c.seq)).all()
    if not rows:
        return None
    mine, written = matching.text_key(doc.department or ""), matching.text_key(name)
    best = min(rows, key=lambda r: (matching.text_key(r.name) != written,
                                    matching.text_key(r.department or "") != mine,
                                    r.seq != seq, -r.document_id))
    return best.document_id, best.seq


def link_self_evaluation(conn: Connection, doc_id: int, actor: str = "(ingest)"
                         ) -> list[Link]:
    """Write the stored 自评表 `doc_id` as actuals (see the module); [] for another kind
    of document or one without a year. Runs in the caller's transaction."""
    doc = conn.execute(select(documents.c.id, documents.c.year, documents.c.department,
                              documents.c.kind, documents.c.source_file)
                       .where(documents.c.id == doc_id)).one()
    if doc.kind != SELF_EVALUATION or doc.year is None:
        return []
    links: list[Link] = []
    log: list[tuple[str, str, Any, Any]] = []
    for p in conn.execute(select(projects).where(projects.c.document_id == doc_id)
                          .order_by(projects.c.seq)).all():
        own = conn.execute(select(indicators).where(
            indicators.c.document_id == doc_id, indicators.c.project_seq == p.seq)
            .order_by(indicators.c.position)).all()
        scored = [i for i in own if i.has_form and (
            i.weight is not None or i.score is not None or (i.actual or "").strip())]
        found = _target_project(conn, doc, p.name_key, p.name, p.seq)
        target_doc, target_seq = found or (doc_id, p.seq)
        if found:
            positions: dict[str, int] = {}
            for r in conn.execute(select(indicators.c.name_key, indicators.c.position).where(
                    indicators.c.document_id == target_doc,
                    indicators.c.project_seq == target_seq).order_by(indicators.c.position)):
                positions.setdefault(r.name_key, r.position)
        else:
            positions = {}
            for i in own:
                positions.setdefault(i.name_key, i.position)
        rows = []
        for i in scored:
            k = positions.get(i.name_key)
            if k is None:
                continue
            rows.append({"document_id": target_doc, "year": doc.year, "period": PERIOD,
                         "project_seq": target_seq, "position": k,
                         "value": (i.actual or "").strip(), "reason": i.reason or "",
                         "claimed_score": i.score, "source_file": doc.source_file,
                         "source_row": i.first_line})
        rows = list({r["position"]: r for r in rows}.values())  # a name twice: the last
        _replace(conn, target_doc, doc.year, target_seq, rows, log)
        if p.has_form and (p.adjusted is not None or p.executed is not None):
            # stored in 万元; an execution is in its table's published unit
            unit = conn.execute(select(documents.c.amount_unit)
                                .where(documents.c.id == target_doc)).scalar()
            back = -UNIT_SHIFT.get(unit or "万元", 0)
            _replace_execution(conn, target_doc, doc.year, target_seq, {
                "adjusted_budget": shift(p.adjusted if p.adjusted is not None else p.total,
                                         back),
                "executed": shift(p.executed, back), "reason": "",
                "source_file": doc.source_file, "source_row": p.first_line}, log)
        links.append(Link(p.seq, target_doc, target_seq, doc.year, len(rows),
                          len(scored) - len(rows), found is None))
    if log:
        now = datetime.now(UTC)
        conn.execute(insert(changes), [
            {"at": now, "user_id": None, "username": actor, "action": action,
             "entity": entity, "before": before, "after": after}
            for action, entity, before, after in log])
    return links


def _replace(conn: Connection, doc_id: int, year: int, seq: int, rows: list[dict[str, Any]],
             log: list[tuple[str, str, Any, Any]]) -> None:
    """The project's actual values of the year replaced by `rows`, each change logged."""
    key = and_(actual_values.c.document_id == doc_id, actual_values.c.year == year,
               actual_values.c.period == PERIOD, actual_values.c.project_seq == seq)
    fields = ("value", "reason", "claimed_score")
    old = {r.position: {f: getattr(r, f) for f in fields}
           for r in conn.execute(select(actual_values).where(key))}
    new = {r["position"]: {f: r[f] for f in fields} for r in rows}
    for k in sorted(old.keys() | new.keys()):
        entity = f"actual {doc_id}/{year}/{PERIOD}/{seq}/{k}"
        before = _state(old[k]) if k in old else None
        if k in new:
            log.append(("put-actual", entity, before, _state(new[k])))
        else:
            log.append(("delete-actual", entity, before, None))
    conn.execute(delete(actual_values).where(key))
    if rows:
        conn.execute(insert(actual_values), rows)


def _replace_execution(conn: Connection, doc_id: int, year: int, seq: int,
                       row: dict[str, Any], log: list[tuple[str, str, Any, Any]]) -> None:
    key = and_(money_rows.c.document_id == doc_id, money_rows.c.year == year,
               money_rows.c.period == PERIOD, money_rows.c.project_seq == seq)
    fields = ("adjusted_budget", "executed", "reason")
    old = conn.execute(select(money_rows).where(key)).first()
    log.append(("put-execution", f"execution {doc_id}/{year}/{PERIOD}/{seq}",
                None if old is None else _state({f: getattr(old, f) for f in fields}),
                _state({f: row[f] for f in fields})))
    conn.execute(delete(money_rows).where(key))
    conn.execute(insert(money_rows).values(document_id=doc_id, year=year, period=PERIOD,
                                           project_seq=seq, **row))


def self_evaluation_links(engine: Engine, doc_id: int) -> list[tuple[int, int, int]]:
    """(自评表 project seq, target document, target project) for a stored 自评表, by the
    rule ingest used (the target tables stored now)."""
    with engine.connect() as conn:
        doc = conn.execute(select(documents.c.id, documents.c.year, documents.c.department)
                           .where(documents.c.id == doc_id)).one()
        out = []
        for p in conn.execute(select(projects.c.seq, projects.c.name_key, projects.c.name)
                              .where(projects.c.document_id == doc_id)
                              .order_by(projects.c.seq)):
            found = _target_project(conn, doc, p.name_key, p.name, p.seq) \
                if doc.year is not None else None
            if found:
                out.append((p.seq, *found))
        return out


def self_evaluations(engine: Engine, *, department: str | None = None,
                     year: int | None = None) -> list[tuple[int, str | None, int]]:
    """(id, department, year) of the stored 自评表 that name a year (of `department` /
    `year` when given), by department, year and id."""
    query = (select(documents.c.id, documents.c.department, documents.c.year)
             .where(documents.c.kind == SELF_EVALUATION, documents.c.year.is_not(None))
             .order_by(documents.c.department, documents.c.year, documents.c.id))
    if department is not None:
        query = query.where(documents.c.department == department)
    if year is not None:
        query = query.where(documents.c.year == year)
    with engine.connect() as conn:
        return [(r.id, r.department, r.year) for r in conn.execute(query)]
