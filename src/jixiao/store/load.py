"""Bulk writes the way a database is loaded (issue 20).

`copy_prepared` stores a batch of prepared documents in one transaction on PostgreSQL:
ids for the whole batch taken from the documents sequence at once (each worker process
gets its own, so writers never collide), then one binary COPY per table for every row of
the batch. A document already stored (these bytes, or this table under another name) goes
the one-by-one way of `repository.ingest_prepared`, after.

`plan` decides whether a load keeps the secondary indexes (trigram GIN, the compare index,
the matching keys) or drops them first and builds them after: building an index once over
every row costs less than keeping it at every insert when the load brings at least as many
documents as the store holds (a first load). `finish` builds whatever index is missing —
also after a load that was killed with its indexes dropped: the rerun builds them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, Table, insert, select

from jixiao.messages import say
from jixiao.store import partitions, repository, search
from jixiao.store.repository import IngestLog, IngestResult, PreparedDocument
from jixiao.store.schema import (
    document_files,
    documents,
    funding,
    indicators,
    projects,
    read_warnings,
    units,
)
from jixiao.store.schema import findings as findings_table

# a load of at least this many files into a store holding fewer documents than it brings
# rebuilds the indexes; $JIXIAO_LARGE_LOAD changes it (0: never)
LARGE_LOAD = 100
ENV_LARGE_LOAD = "JIXIAO_LARGE_LOAD"
_ROW_TABLES: tuple[tuple[Table, str], ...] = (
    (units, "units"), (projects, "projects"), (indicators, "indicators"),
    (funding, "funding"), (read_warnings, "warnings"), (findings_table, "findings"))
# catalogue type → the binary format COPY sends (json and varchar travel as text: their
# binary forms are the text itself)
_COPY_TYPES = {"integer": "int4", "boolean": "bool", "text": "text", "json": "text",
               "character varying": "text", "timestamp with time zone": "timestamptz"}


@dataclass(frozen=True, slots=True)
class Index:
    name: str
    table: str
    using: str  # "btree", "gin"; "fkey": a foreign key; "fts": SQLite's search table
    columns: str  # the column list as SQL, operator classes included (fkey: its definition)


# 0011: checked row by row, the key of indicators to the partitioned projects costs more
# than every index together; added after a large load, it is checked in one join
INDICATORS_FKEY = Index("indicators_document_id_project_seq_year_fkey", "indicators", "fkey",
                        "FOREIGN KEY (document_id, project_seq, year) REFERENCES projects "
                        "(document_id, seq, year) ON DELETE CASCADE")


# checked row by row, each row's key to its document costs the COPY of projects and of the
# read warnings about a third; the rows are written with their document in one transaction,
# so a large load adds these keys after, each checked in one join (names as 0001–0011 made
# them)
DOCUMENT_FKEYS = tuple(
    Index(name, table, "fkey", "FOREIGN KEY (document_id) REFERENCES documents (id) "
          "ON DELETE CASCADE")
    for name, table in (("projects_document_id_fkey1", "projects"),
                        ("units_document_id_fkey", "units"),
                        ("read_warnings_document_id_fkey", "read_warnings"),
                        ("findings_document_id_fkey", "findings")))
_KEYED = ("projects", "indicators", "units", "read_warnings", "findings")


def secondary_indexes(dialect: str) -> list[Index]:
    """What a large load drops and builds after: schema.py's indexes on projects and
    indicators; on PostgreSQL also search's trigram indexes and the foreign key of the
    indicators to their projects."""
    found = [Index(str(i.name), t.name, "btree", ", ".join(c.name for c in i.columns))
             for t in (projects, indicators) for i in sorted(t.indexes, key=lambda i: str(i.name))]
    if dialect == "postgresql":
        found += [Index(f"ix_{t}_{c}_trgm", t, "gin", f"{c} gin_trgm_ops")
                  for t, c in search.TRGM_INDEXES]
        found += [*DOCUMENT_FKEYS, INDICATORS_FKEY]
    return found


@dataclass(frozen=True, slots=True)
class Plan:
    files: int  # files given to the load that the store does not hold under their name
    stored: int  # documents in the store before it
    rebuild: bool  # indexes dropped before, built after
    missing: int  # indexes missing before it (a load killed with its indexes dropped)

    def describe(self) -> str:
        """The plan in the words the load prints."""
        if self.rebuild:
            return say("load.bulk", files=self.files, stored=self.stored)
        said = say("load.few", files=self.files, stored=self.stored)
        if self.missing:
            said += say("load.missing", n=self.missing)
        return said


def large_load() -> int:
    return int(os.environ.get(ENV_LARGE_LOAD, LARGE_LOAD))


def plan(engine: Engine, files: int) -> Plan:
    """Keep the indexes, or drop and rebuild them: by the size of the load against the
    store's."""
    stored = repository.count_documents(engine)
    threshold = large_load()
    rebuild = bool(threshold) and files >= threshold and files >= stored
    return Plan(files, stored, rebuild, len(_missing(engine)))


def prepare(engine: Engine, chosen: Plan) -> None:
    """Before the load: drop the secondary indexes when the plan says so."""
    if not chosen.rebuild:
        return
    with engine.begin() as conn:
        present = _present(conn)
        for index in secondary_indexes(conn.dialect.name):
            if index.name in present and index.using == "fkey":
                conn.exec_driver_sql(f"ALTER TABLE {index.table} DROP CONSTRAINT {index.name}")
            elif index.name in present:
                conn.exec_driver_sql(f"DROP INDEX {index.name}")
        if conn.dialect.name == "sqlite" and _has_fts(conn):
            search.drop_search_index(conn)  # made again and filled in one pass, after


def finish(engine: Engine) -> list[str]:
    """After the load: build every secondary index that is missing (one per statement;
    CONCURRENTLY and with parallel workers on PostgreSQL); the names built."""
    missing = _missing(engine)
    if engine.dialect.name == "postgresql":
        for index in missing:
            if index.using == "fkey":  # after the indexes: it reads projects' primary key
                continue
            _build_postgresql(engine, index)
        for index in missing:
            if index.using == "fkey":
                with engine.begin() as conn:
                    conn.exec_driver_sql(_orphans(index))
                    conn.exec_driver_sql(f"ALTER TABLE {index.table} ADD CONSTRAINT "
                                         f"{index.name} {index.columns}")
        if missing:
            with engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "ANALYZE projects, indicators")
    else:
        with engine.begin() as conn:
            for index in missing:
                if index.using == "fts":
                    search.create_search_index(conn)
                else:
                    conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {index.name} ON "
                                         f"{index.table} ({index.columns})")
    return [i.name for i in missing]


def _orphans(key: Index) -> str:
    """The rows `key` would refuse: left by a document deleted while the key was dropped
    (nothing cascaded to them), gone with their document as the key would have had it."""
    if key == INDICATORS_FKEY:
        parent, on = "projects", ("p.document_id = t.document_id AND p.seq = t.project_seq "
                                  "AND p.year = t.year")
    else:
        parent, on = "documents", "p.id = t.document_id"
    return f"DELETE FROM {key.table} t WHERE NOT EXISTS (SELECT 1 FROM {parent} p WHERE {on})"


def _missing(engine: Engine) -> list[Index]:
    with engine.connect() as conn:
        present = _present(conn)
        missing = [i for i in secondary_indexes(conn.dialect.name) if i.name not in present]
        if conn.dialect.name == "sqlite" and not _has_fts(conn) and _revision(conn) >= "0004":
            missing.append(Index("search_fts", "search_fts", "fts", ""))
        return missing


def _revision(conn: Connection) -> str:
    return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() or ""


def _has_fts(conn: Connection) -> bool:
    return conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE name = 'search_fts'").first() is not None


def _present(conn: Connection) -> set[str]:
    """The names of the valid indexes on projects and indicators (on PostgreSQL: the
    partitioned index with every partition attached) and of the foreign keys a large load
    drops."""
    if conn.dialect.name == "sqlite":
        return set(conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'index' "
            "AND tbl_name IN ('projects', 'indicators')").scalars())
    return set(conn.exec_driver_sql(
        "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid IN ('projects'::regclass, 'indicators'::regclass) "
        "AND i.indisvalid UNION SELECT conname FROM pg_constraint "
        "WHERE conrelid = ANY(CAST(%(t)s AS regclass[])) AND contype = 'f'",
        {"t": list(_KEYED)}).scalars())


def _build_postgresql(engine: Engine, index: Index) -> None:
    """CREATE INDEX CONCURRENTLY cannot build a partitioned index: the parent's index is
    made ON ONLY the parent (invalid, instantly), each partition's concurrently, and
    attaching the last makes the parent's valid. A partition's index left invalid by a
    killed build is dropped and built again."""
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql("SET max_parallel_maintenance_workers = 2")
        conn.exec_driver_sql("SET maintenance_work_mem = '256MB'")
        using = f"USING {index.using} ({index.columns})"
        if not partitions.is_partitioned(conn):
            conn.exec_driver_sql(f"DROP INDEX IF EXISTS {index.name}")
            conn.exec_driver_sql(f"CREATE INDEX CONCURRENTLY {index.name} ON {index.table} "
                                 f"{using}")
            return
        conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {index.name} ON ONLY {index.table} "
                             f"{using}")
        parts = conn.exec_driver_sql(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = CAST(%(t)s AS regclass) ORDER BY 1", {"t": index.table}
        ).scalars().all()
        attached = set(conn.exec_driver_sql(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = CAST(%(n)s AS regclass)", {"n": index.name}).scalars())
        suffix = index.name.removeprefix(f"ix_{index.table}_")
        for part in parts:
            name = f"ix_{part}_{suffix}"
            if name in attached:
                continue
            conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
            conn.exec_driver_sql(f"CREATE INDEX CONCURRENTLY {name} ON {part} {using}")
            conn.exec_driver_sql(f"ALTER INDEX {index.name} ATTACH PARTITION {name}")


# ---- the batch: one transaction, binary COPY -------------------------------------------


def copy_prepared(engine: Engine, batch: Sequence[PreparedDocument],
                  log: IngestLog | None = None) -> list[IngestResult]:
    """Store `batch` as `repository.ingest_prepared` does — all of it or nothing, `log`
    writing each document's change-log row in the same transaction — with one binary COPY
    a table on PostgreSQL (elsewhere: repository.ingest_prepared itself)."""
    if not batch:
        return []
    if engine.dialect.name == "sqlite":
        return _sqlite_batch(engine, batch, log)
    if engine.dialect.name != "postgresql":
        return repository.ingest_prepared(engine, batch, log)
    partitions.ensure_years(engine, (d.values["year"] for d in batch))
    results: dict[int, IngestResult] = {}
    later: list[int] = []  # positions in `batch` stored one by one, after
    with engine.begin() as conn:
        fresh = _fresh(conn, batch)
        later = [k for k in range(len(batch)) if k not in fresh]
        # the batch's ids at once: other workers draw theirs from the same sequence
        ids = conn.exec_driver_sql(
            "SELECT nextval(pg_get_serial_sequence('documents', 'id')) "
            "FROM generate_series(1, %(n)s)", {"n": len(fresh)}).scalars().all()
        now = datetime.now(UTC)
        doc_ids = dict(zip(fresh, ids, strict=True))
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        types = _types(conn)
        _copy(cursor, documents, types, (
            (doc_ids[k], *_document_row(batch[k], now)) for k in fresh))
        _copy(cursor, document_files, types, (
            (batch[k].sha256, batch[k].file_name, doc_ids[k], batch[k].format, now)
            for k in fresh))
        for table, attribute in _ROW_TABLES:
            _copy(cursor, table, types, (
                (doc_ids[k], *row) for k in fresh for row in getattr(batch[k], attribute)))
        for k in fresh:
            d, doc_id = batch[k], doc_ids[k]
            v = d.values
            results[k] = IngestResult(doc_id, "new", v["n_projects"], v["n_indicators"],
                                      v["project_total"], v["n_warnings"])
            if v.get("kind") == "self-evaluation":
                # a 自评表 is also that year's actuals of its target table (store.selfeval)
                from jixiao.store.selfeval import link_self_evaluation
                link_self_evaluation(conn, doc_id)
            if log is not None:
                log(conn, results[k], d)
    for k in later:  # another file of a stored document, or stored twice in this batch
        [results[k]] = repository.ingest_prepared(engine, [batch[k]], log)
    return [results[k] for k in range(len(batch))]


def _sqlite_batch(engine: Engine, batch: Sequence[PreparedDocument],
                  log: IngestLog | None) -> list[IngestResult]:
    """SQLite's one writer: the batch's documents rows one by one (their ids are the
    database's), then one executemany a table for every row of the batch, instead of six
    a document through `repository._ingest_one` (whose per-document statements cost the
    writer about as much as its rows)."""
    results: dict[int, IngestResult] = {}
    with engine.begin() as conn:
        fresh = _fresh(conn, batch)
        now = datetime.now(UTC)
        ids = {k: conn.execute(insert(documents).values(**batch[k].values, ingested_at=now)
                               ).inserted_primary_key[0] for k in fresh}
        conn.execute(insert(document_files), [
            {"sha256": batch[k].sha256, "file_name": batch[k].file_name,
             "document_id": ids[k], "format": batch[k].format, "ingested_at": now}
            for k in fresh])
        for table, attribute in _ROW_TABLES:
            repository._insert_many(conn, table, [
                (ids[k], *row) for k in fresh for row in getattr(batch[k], attribute)])
        indexed = _has_fts(conn)  # kept during a small load: each document's texts added
        for k in fresh:
            v = batch[k].values
            results[k] = IngestResult(ids[k], "new", v["n_projects"], v["n_indicators"],
                                      v["project_total"], v["n_warnings"])
            if indexed:
                search.index_document(conn, ids[k])
        for k in fresh:
            if batch[k].values.get("kind") == "self-evaluation":
                from jixiao.store.selfeval import link_self_evaluation
                link_self_evaluation(conn, ids[k])
        if log is not None:
            for k in fresh:
                log(conn, results[k], batch[k])
    for k in range(len(batch)):  # another file of a stored document, or twice in the batch
        if k not in results:
            [results[k]] = repository.ingest_prepared(engine, [batch[k]], log)
    return [results[k] for k in range(len(batch))]


def _fresh(conn: Connection, batch: Sequence[PreparedDocument]) -> list[int]:
    """Positions of the documents not stored yet (neither these bytes nor this table), the
    first of each table in the batch."""
    shas = {d.sha256 for d in batch}
    hashes = {d.content_hash for d in batch}
    seen = set(conn.execute(select(document_files.c.sha256)
                            .where(document_files.c.sha256.in_(shas))).scalars())
    seen |= set(conn.execute(select(documents.c.content_hash)
                             .where(documents.c.content_hash.in_(hashes))).scalars())
    fresh = []
    for k, d in enumerate(batch):
        if d.sha256 not in seen and d.content_hash not in seen:
            fresh.append(k)
            seen |= {d.sha256, d.content_hash}
    return fresh


def _document_row(d: PreparedDocument, now: datetime) -> tuple[Any, ...]:
    """The documents row but its id, in the table's column order, money as its text."""
    values = {**d.values, "ingested_at": now}
    return tuple(format(v, "f") if isinstance(v, Decimal) else v
                 for v in (values.get(c.name) for c in documents.columns if c.name != "id"))


_TYPES: dict[tuple[str, str], dict[str, list[str]]] = {}  # per database and revision


def _types(conn: Connection) -> dict[str, list[str]]:
    """Each table's binary COPY types, in schema.py's column order (the catalogue read
    once a process: information_schema is slow to ask at every batch)."""
    key = (str(conn.engine.url), _revision(conn))
    if key not in _TYPES:
        _TYPES[key] = _catalogue_types(conn)
    return _TYPES[key]


def _catalogue_types(conn: Connection) -> dict[str, list[str]]:
    names = [t.name for t in (documents, document_files, *(t for t, _ in _ROW_TABLES))]
    found: dict[tuple[str, str], str] = {
        (t, c): kind for t, c, kind in conn.exec_driver_sql(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ANY(%(t)s)", {"t": names})}
    return {t.name: [_COPY_TYPES[found[(t.name, c.name)]] for c in t.columns]
            for t in (documents, document_files, *(t for t, _ in _ROW_TABLES))}


def _copy(cursor: Any, table: Table, types: dict[str, list[str]], rows: Any) -> None:
    columns = ", ".join(c.name for c in table.columns)
    with cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(types[table.name])
        for row in rows:
            copy.write_row(row)
