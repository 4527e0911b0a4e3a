"""Chinese substring search over project names, goals and indicator names.

Chinese has no spaces to split words on, so both databases index character trigrams: an
FTS5 table with the trigram tokenizer on SQLite, pg_trgm GIN indexes on PostgreSQL. A query
shorter than three characters cannot use a trigram index and is answered by a scan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    literal,
    select,
    text,
    union_all,
)

from jixiao.store.schema import documents, indicators, projects

KINDS = {"project": "项目名称", "goal": "绩效目标", "indicator": "指标名称"}
_TRGM_INDEXES = (("projects", "name"), ("projects", "goal"), ("indicators", "name"))
TRGM_INDEXES = _TRGM_INDEXES  # (table, column): a large load drops them (store.load)


def create_search_index(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(
            "CREATE VIRTUAL TABLE search_fts USING fts5(text, kind UNINDEXED, "
            "document_id UNINDEXED, project_seq UNINDEXED, position UNINDEXED, "
            "tokenize='trigram')")
        for doc_id in conn.execute(select(documents.c.id)).scalars().all():
            index_document(conn, doc_id)
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for table, column in _TRGM_INDEXES:
            conn.exec_driver_sql(f"CREATE INDEX ix_{table}_{column}_trgm ON {table} "
                                 f"USING gin ({column} gin_trgm_ops)")


def drop_search_index(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("DROP TABLE search_fts")
    elif conn.dialect.name == "postgresql":
        for table, column in _TRGM_INDEXES:
            conn.exec_driver_sql(f"DROP INDEX ix_{table}_{column}_trgm")


def index_document(conn: Connection, doc_id: int) -> None:
    """Add a stored document's texts to the SQLite FTS table (PostgreSQL indexes itself)."""
    if conn.dialect.name != "sqlite" or not _has_fts(conn):
        return
    conn.exec_driver_sql(
        "INSERT INTO search_fts (text, kind, document_id, project_seq, position) "
        "SELECT name, 'project', document_id, seq, NULL FROM projects WHERE document_id = ? "
        "UNION ALL SELECT goal, 'goal', document_id, seq, NULL FROM projects "
        "WHERE document_id = ? "
        "UNION ALL SELECT name, 'indicator', document_id, project_seq, position "
        "FROM indicators WHERE document_id = ?", (doc_id, doc_id, doc_id))


def _has_fts(conn: Connection) -> bool:
    """False on a database not yet at revision 0004."""
    return conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'search_fts'"
                                ).first() is not None


def unindex_document(conn: Connection, doc_id: int) -> None:
    if conn.dialect.name == "sqlite" and _has_fts(conn):
        conn.exec_driver_sql("DELETE FROM search_fts WHERE document_id = ?", (doc_id,))


@dataclass(frozen=True, slots=True)
class Hit:
    kind: str  # project, goal, indicator
    document_id: int
    department: str | None
    year: int | None
    project_seq: int
    project: str
    position: int | None  # the indicator's position in its project
    text: str  # the matching text, as published


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _like(q: str) -> str:
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search(engine: Engine, q: str, *, department: str | None = None,
           kinds: tuple[str, ...] = tuple(KINDS), limit: int = 50, offset: int = 0
           ) -> tuple[list[Hit], int]:
    """Texts containing `q` (a substring, as typed), newest documents first; and how many
    there are in all."""
    # control characters (NUL ends an FTS5 string) are in no stored text: they match nothing
    q = _CONTROL.sub("", q).strip()
    if not q:
        return [], 0
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite" and len(q) >= 3:
            return _search_fts(conn, q, kinds, department, limit, offset)
        found = _scan(q, kinds).subquery()
        query = (select(found.c.kind, found.c.document_id, documents.c.department,
                        documents.c.year, found.c.project_seq, projects.c.name.label("project"),
                        found.c.position, found.c.text)
                 .join(documents, documents.c.id == found.c.document_id)
                 .join(projects, (projects.c.document_id == found.c.document_id)
                       & (projects.c.seq == found.c.project_seq)))
        if department is not None:
            query = query.where(documents.c.department == department)
        total = conn.execute(select(text("count(*)")).select_from(query.subquery())).scalar()
        rows = conn.execute(query.order_by(found.c.document_id.desc(), found.c.project_seq,
                                           found.c.kind, found.c.position)
                            .limit(limit).offset(offset))
        return [Hit(r.kind, r.document_id, r.department, r.year, r.project_seq, r.project,
                    r.position, r.text) for r in rows], int(total or 0)


def _search_fts(conn: Connection, q: str, kinds: tuple[str, ...], department: str | None,
                limit: int, offset: int) -> tuple[list[Hit], int]:
    """The FTS5 index alone counts and pages the hits (newest rows first, in the index's
    own order, so a page never sorts every hit); names are looked up for the page only."""
    where = "search_fts MATCH :phrase"
    if set(kinds) != set(KINDS):  # a filter on a column costs a read of every hit's row
        where += " AND kind IN ({})".format(", ".join(f"'{k}'" for k in kinds if k in KINDS))
    params: dict[str, Any] = {"phrase": '"' + q.replace('"', '""') + '"'}
    if department is not None:
        where += " AND document_id IN (SELECT id FROM documents WHERE department = :dept)"
        params["dept"] = department
    total = conn.execute(text(f"SELECT count(*) FROM search_fts WHERE {where}"), params
                         ).scalar()
    rows = conn.execute(text(
        "SELECT kind, document_id, project_seq, position, text FROM search_fts "
        f"WHERE {where} ORDER BY rowid DESC LIMIT :limit OFFSET :offset"),
        {**params, "limit": limit, "offset": offset}).all()
    doc_ids = {int(r[1]) for r in rows}
    seqs = {int(r[2]) for r in rows}
    meta = {(r.document_id, r.seq): r for r in conn.execute(  # the page's names, one query
        select(projects.c.document_id, projects.c.seq, projects.c.name, documents.c.department,
               documents.c.year)
        .join(documents, documents.c.id == projects.c.document_id)
        .where(projects.c.document_id.in_(doc_ids), projects.c.seq.in_(seqs)))}
    hits = []
    for kind, doc_id, seq, position, found in rows:
        m = meta[(int(doc_id), int(seq))]
        hits.append(Hit(kind, int(doc_id), m.department, m.year, int(seq), m.name,
                        None if position is None else int(position), found))
    return hits, int(total or 0)


def _scan(q: str, kinds: tuple[str, ...]) -> Any:
    """A LIKE over each text column asked for (served by pg_trgm on PostgreSQL)."""
    pattern = _like(q)
    no_position = literal(None, type_=indicators.c.position.type)
    columns = {  # kind: (document, project, position, text)
        "project": (projects.c.document_id, projects.c.seq, no_position, projects.c.name),
        "goal": (projects.c.document_id, projects.c.seq, no_position, projects.c.goal),
        "indicator": (indicators.c.document_id, indicators.c.project_seq,
                      indicators.c.position, indicators.c.name),
    }
    return union_all(*(
        select(literal(kind).label("kind"), doc.label("document_id"),
               seq.label("project_seq"), position.label("position"), found.label("text"))
        .where(found.like(pattern, escape="\\"))
        for kind, (doc, seq, position, found) in columns.items() if kind in kinds))
