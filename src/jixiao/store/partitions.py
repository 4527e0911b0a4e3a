"""Projects and indicators partitioned by budget year on PostgreSQL (migration 0011).

Each year has its partition of both tables, made when the first document of that year is
stored (in a short transaction of its own, before the rows are written); year 0 holds the
documents whose year is unknown. There is no default partition: a write that did not make
its year's partition first fails whole, rather than filling a partition no query prunes to.
On SQLite the tables are not partitioned: they only carry the year.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, Engine

PARTITIONED = ("projects", "indicators")
UNKNOWN_YEAR = 0  # the partition key cannot be NULL: documents.year NULL is stored as 0
_LOCK = 0x6A69_7861  # pg_advisory_xact_lock key: one session creates partitions at a time


def row_year(year: int | None) -> int:
    """The year a document's projects and indicators carry (their partition key)."""
    return UNKNOWN_YEAR if year is None else year


def partition_name(table: str, year: int) -> str:
    return f"{table}_y{year:04d}"


def is_partitioned(conn: Connection) -> bool:
    if conn.dialect.name != "postgresql":
        return False
    return conn.exec_driver_sql(
        "SELECT 1 FROM pg_partitioned_table WHERE partrelid = 'projects'::regclass"
    ).first() is not None


def existing_years(conn: Connection) -> set[int]:
    """The years that have their own partition (of projects; indicators follow)."""
    rows = conn.exec_driver_sql(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'projects'::regclass")
    return {int(name.rsplit("_y", 1)[1]) for (name,) in rows if "_y" in name}


def ensure_years(engine: Engine, years: Iterable[int | None]) -> None:
    """Make the partitions `years` lack, each in its own committed transaction (creating
    a partition locks its parent: it must not wait inside a load's transaction)."""
    if engine.dialect.name != "postgresql":
        return
    wanted = {row_year(y) for y in years}
    with engine.connect() as conn:
        if not is_partitioned(conn):
            return
        missing = wanted - existing_years(conn)
    for year in sorted(missing):
        with engine.begin() as conn:
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_LOCK})")
            if year in existing_years(conn):  # another process made it while we waited
                continue
            for table in PARTITIONED:
                conn.exec_driver_sql(f"CREATE TABLE {partition_name(table, year)} "
                                     f"PARTITION OF {table} FOR VALUES IN ({year})")
