"""The budget year in the keys of projects and indicators (issue 20); on PostgreSQL both
tables partitioned by it (declarative LIST partitioning, one partition a year).

Revision ID: 0011
Revises: 0010

Self-contained: the tables are rebuilt from what the database holds (CREATE TABLE … LIKE
the old one, its indexes from pg_indexes), not from schema.py. Year 0 stands for a
document whose year is unknown (a partition key cannot be NULL). On PostgreSQL the old
tables are renamed, the partitioned ones made, every row copied with its document's year,
the indexes made again, the old tables dropped. The foreign keys of funding and
cycle_projects to projects become keys to documents (a partitioned table's unique keys
must hold the year, which those rows do not carry); deleting a document still removes
them. On SQLite only the column is added and filled.
"""

from alembic import op
from sqlalchemy import Column, Connection, Integer, inspect, text

revision = "0011"
down_revision = "0010"
# table: (primary key without the year, its foreign key's columns, what it references)
KEYS = {"projects": (("document_id", "seq"), ("document_id",), "documents (id)"),
        "indicators": (("document_id", "project_seq", "position"),
                       ("document_id", "project_seq"), "projects (document_id, seq)")}
OLD = "_v10"  # the tables being moved, while both exist
NEW_FKEY = "_document_fkey_0011"  # the keys to documents that replace those to projects


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        for table in KEYS:
            if "year" not in {c["name"] for c in inspect(conn).get_columns(table)}:
                op.add_column(table, Column("year", Integer, nullable=False,
                                            server_default=text("0")))
            conn.execute(text(f"UPDATE {table} SET year = coalesce((SELECT year FROM documents"
                              f" WHERE documents.id = {table}.document_id), 0)"))
        return
    if _partitioned(conn):
        return
    indexes = {t: _take_indexes(conn, t) for t in KEYS}
    referring = _foreign_keys_to(conn, "projects", but="indicators")
    for table in KEYS:
        _set_aside(conn, table)
    for table, (key, fkey, target) in KEYS.items():
        has_year = "year" in _columns(conn, table + OLD)
        year = "" if has_year else ", year integer NOT NULL DEFAULT 0"
        conn.execute(text(f"CREATE TABLE {table} (LIKE {table}{OLD} INCLUDING DEFAULTS"
                          f"{year}) PARTITION BY LIST (year)"))
        conn.execute(text(f"ALTER TABLE {table} ALTER COLUMN year SET DEFAULT 0"))
        conn.execute(text(f"ALTER TABLE {table} ADD PRIMARY KEY ({', '.join(key)}, year)"))
        target = target.replace(")", ", year)") if table == "indicators" else target
        fkey_year = ", year" if table == "indicators" else ""
        conn.execute(text(f"ALTER TABLE {table} ADD FOREIGN KEY ({', '.join(fkey)}{fkey_year})"
                          f" REFERENCES {target} ON DELETE CASCADE"))
    years = conn.execute(text("SELECT DISTINCT coalesce(year, 0) FROM documents")).scalars()
    for year in sorted(years):
        for table in KEYS:
            conn.execute(text(f"CREATE TABLE {table}_y{year:04d} PARTITION OF {table} "
                              f"FOR VALUES IN ({year})"))
    for table in KEYS:
        columns = [c for c in _columns(conn, table + OLD) if c != "year"]
        names = ", ".join(columns)
        conn.execute(text(
            f"INSERT INTO {table} ({names}, year) SELECT {', '.join('t.' + c for c in columns)}"
            f", coalesce(d.year, 0) FROM {table}{OLD} t JOIN documents d ON d.id = t.document_id"))
        for definition in indexes[table]:
            conn.execute(text(definition))
    conn.execute(text(f"DROP TABLE indicators{OLD}"))
    conn.execute(text(f"DROP TABLE projects{OLD} CASCADE"))  # and funding's, cycle's keys
    for table in referring:
        conn.execute(text(f"ALTER TABLE {table} ADD CONSTRAINT {table}{NEW_FKEY} FOREIGN KEY "
                          "(document_id) REFERENCES documents (id) ON DELETE CASCADE"))
    conn.execute(text("ANALYZE projects, indicators"))


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        for table in reversed(KEYS):
            op.drop_column(table, "year")
        return
    if not _partitioned(conn):
        return
    indexes = {t: _take_indexes(conn, t) for t in KEYS}
    referring = [r[0] for r in conn.execute(text(
        "SELECT conrelid::regclass::text FROM pg_constraint WHERE conname LIKE :name"),
        {"name": f"%{NEW_FKEY}"})]
    for table in referring:
        conn.execute(text(f"ALTER TABLE {table} DROP CONSTRAINT {table}{NEW_FKEY}"))
    for table in KEYS:
        _set_aside(conn, table)
    for table, (key, fkey, target) in KEYS.items():
        conn.execute(text(f"CREATE TABLE {table} (LIKE {table}{OLD} INCLUDING DEFAULTS)"))
        conn.execute(text(f"ALTER TABLE {table} DROP COLUMN year"))
        conn.execute(text(f"ALTER TABLE {table} ADD PRIMARY KEY ({', '.join(key)})"))
        conn.execute(text(f"ALTER TABLE {table} ADD FOREIGN KEY ({', '.join(fkey)}) "
                          f"REFERENCES {target} ON DELETE CASCADE"))
        names = ", ".join(_columns(conn, table))
        conn.execute(text(f"INSERT INTO {table} ({names}) SELECT {names} FROM {table}{OLD}"))
        for definition in indexes[table]:
            conn.execute(text(definition.replace(" ON ONLY ", " ON ")))
    conn.execute(text(f"DROP TABLE indicators{OLD}"))
    conn.execute(text(f"DROP TABLE projects{OLD} CASCADE"))
    for table in referring:
        conn.execute(text(f"ALTER TABLE {table} ADD FOREIGN KEY (document_id, project_seq) "
                          "REFERENCES projects (document_id, seq) ON DELETE CASCADE"))


def _partitioned(conn: Connection) -> bool:
    return conn.execute(text("SELECT 1 FROM pg_partitioned_table "
                             "WHERE partrelid = 'projects'::regclass")).first() is not None


def _columns(conn: Connection, table: str) -> list[str]:
    return list(conn.execute(text(
        "SELECT attname FROM pg_attribute WHERE attrelid = CAST(:t AS regclass) "
        "AND attnum > 0 AND NOT attisdropped ORDER BY attnum"), {"t": table}).scalars())


def _take_indexes(conn: Connection, table: str) -> list[str]:
    """The definitions of `table`'s indexes but its primary key's; the indexes dropped, so
    their names are free for the new table."""
    rows = conn.execute(text(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = "
        "current_schema() AND i.tablename = :t AND i.indexname NOT IN (SELECT conname "
        "FROM pg_constraint WHERE conrelid = CAST(:t AS regclass) AND contype = 'p')"),
        {"t": table}).all()
    for name, _ in rows:
        conn.execute(text(f"DROP INDEX {name}"))
    return [definition for _, definition in rows]


def _foreign_keys_to(conn: Connection, table: str, but: str) -> list[str]:
    """The tables (other than `but`) whose foreign keys reference `table`."""
    return sorted(conn.execute(text(
        "SELECT DISTINCT conrelid::regclass::text FROM pg_constraint WHERE contype = 'f' "
        "AND confrelid = CAST(:t AS regclass) AND conrelid <> CAST(:but AS regclass)"),
        {"t": table, "but": but}).scalars())


def _set_aside(conn: Connection, table: str) -> None:
    """Rename `table` and its primary key out of the way of the new one."""
    conn.execute(text(f"ALTER TABLE {table} RENAME TO {table}{OLD}"))
    conn.execute(text(f"ALTER TABLE {table}{OLD} RENAME CONSTRAINT {table}_pkey "
                      f"TO {table}{OLD}_pkey"))
