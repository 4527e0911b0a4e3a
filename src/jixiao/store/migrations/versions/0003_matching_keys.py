"""Keys for comparison across documents (issue 8): documents.year, projects.name_key,
goal_key, indicator_set_key, indicators.name_key — added and filled for stored rows.

Revision ID: 0003
Revises: 0002

0001 and 0002 create their tables from schema.py as it stands, so on a new database the
columns exist already; this revision adds only what an older database lacks.
"""

from alembic import op
from sqlalchemy import Column, Connection, bindparam, inspect, select, update

from jixiao import matching
from jixiao.store.schema import documents, indicators, metadata, projects

revision = "0003"
down_revision = "0002"
ADDED = {"documents": ("year",),
         "projects": ("name_key", "goal_key", "indicator_set_key"),
         "indicators": ("name_key",)}


def upgrade() -> None:
    conn = op.get_bind()
    look = inspect(conn)
    for table_name, columns in ADDED.items():
        table = metadata.tables[table_name]
        present = {c["name"] for c in look.get_columns(table_name)}
        indexes = {i["name"] for i in look.get_indexes(table_name)}
        for name in columns:
            if name not in present:
                op.add_column(table_name, Column(name, table.c[name].type))
            index = f"ix_{table_name}_{name}"
            if index not in indexes:  # (0005 replaces the one on indicators.name_key)
                op.create_index(index, table_name, [name])
    _fill(conn)


def _fill(conn: Connection) -> None:
    """Keys for the rows stored before this revision, in executemany batches."""
    b = bindparam
    rows = [{"d_id": d.id, "y": matching.year_of(d.title, d.source_file)}
            for d in conn.execute(select(documents.c.id, documents.c.title,
                                         documents.c.source_file)
                                  .where(documents.c.year.is_(None)))]
    if rows:
        conn.execute(update(documents).where(documents.c.id == b("d_id")).values(year=b("y")),
                     rows)
    sets: dict[tuple[int, int], list[tuple[str, str]]] = {}
    rows: list[dict[str, object]] = []
    for i in conn.execute(select(indicators.c.document_id, indicators.c.project_seq,
                                 indicators.c.position, indicators.c.name,
                                 indicators.c.target).where(indicators.c.name_key.is_(None))):
        sets.setdefault((i.document_id, i.project_seq), []).append((i.name, i.target))
        rows.append({"d_id": i.document_id, "p_seq": i.project_seq, "pos": i.position,
                     "key": matching.indicator_key(i.name)})
    if rows:
        conn.execute(update(indicators).where(
            indicators.c.document_id == b("d_id"), indicators.c.project_seq == b("p_seq"),
            indicators.c.position == b("pos")).values(name_key=b("key")), rows)
    rows = [{"d_id": p.document_id, "p_seq": p.seq, "nk": matching.project_key(p.name),
             "gk": matching.goal_key(p.goal),
             "sk": matching.indicator_set_key(sets.get((p.document_id, p.seq), []))}
            for p in conn.execute(select(projects.c.document_id, projects.c.seq,
                                         projects.c.name, projects.c.goal)
                                  .where(projects.c.name_key.is_(None)))]
    if rows:
        conn.execute(update(projects).where(
            projects.c.document_id == b("d_id"), projects.c.seq == b("p_seq")).values(
            name_key=b("nk"), goal_key=b("gk"), indicator_set_key=b("sk")), rows)


def downgrade() -> None:
    # plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): a batch rebuild of projects would
    # cascade to the indicators under foreign_keys=ON
    look = inspect(op.get_bind())
    for table_name, columns in ADDED.items():
        indexes = {i["name"] for i in look.get_indexes(table_name)}
        for name in columns:
            if f"ix_{table_name}_{name}" in indexes:
                op.drop_index(f"ix_{table_name}_{name}", table_name)
            op.drop_column(table_name, name)
