"""What the forms other offices publish add (issue 13): documents.kind, stated_year and
doubtful (a cross-check of the reading failed); a form's project lines and indicator
columns; the funding table of every money line; and amounts kept in 万元 whatever unit
the table printed.

Revision ID: 0009
Revises: 0008

0001 creates documents, projects and indicators from schema.py as it stands, so on a new
database the columns exist already; this revision adds only what an older database lacks.
Where it adds them, the rows were stored before 0009, with the amounts of a 元 table in 元:
those are shifted to 万元 (exactly, every digit kept). Where the columns were there already,
the rows were stored in 万元 and nothing is shifted: running it twice changes nothing.
"""

from decimal import Decimal
from typing import Any

from alembic import op
from sqlalchemy import Column, Connection, Table, bindparam, false, inspect, select, update

from jixiao.store.schema import UNIT_SHIFT, documents, metadata, projects, shift, units

revision = "0009"
down_revision = "0008"
ADDED = {"documents": ("kind", "stated_year", "doubtful"),
         "projects": ("has_form", "goal_long", "department", "period", "planned", "adjusted",
                      "executed", "execution_score", "total_score", "grade"),
         "indicators": ("has_form", "category_points", "level2", "target_long", "weight",
                        "direction", "standard", "actual", "score", "reason")}
AMOUNTS = ("total", "fiscal", "special_account", "other")


def upgrade() -> None:
    conn = op.get_bind()
    look = inspect(conn)
    stored_before = "kind" not in {c["name"] for c in look.get_columns("documents")}
    for table_name, columns in ADDED.items():
        table = metadata.tables[table_name]
        present = {c["name"] for c in look.get_columns(table_name)}
        for name in columns:
            if name not in present:
                column = table.c[name]
                op.add_column(table_name, Column(
                    name, column.type, nullable=column.nullable,
                    server_default=false() if name in ("has_form", "doubtful") else None))
    if "funding" not in look.get_table_names():
        metadata.tables["funding"].create(conn)
    if stored_before:
        _shift_amounts(conn, 1)


def _shift_amounts(conn: Connection, way: int) -> None:
    """The amounts of every document not in 万元: to 万元 (way 1) or back (way -1)."""
    for unit, places in UNIT_SHIFT.items():
        if places == 0:
            continue
        ids = list(conn.execute(select(documents.c.id).where(documents.c.amount_unit == unit))
                   .scalars())
        if not ids:
            continue
        k = places * way
        grand = [f"grand_{c}" for c in AMOUNTS]
        _shift_rows(conn, documents, [documents.c.id], [*grand, "project_total"], ids, k)
        _shift_rows(conn, units, [units.c.document_id, units.c.position], list(AMOUNTS), ids, k)
        # (a form's budget block and money lines are added empty, and dropped going back)
        _shift_rows(conn, projects, [projects.c.document_id, projects.c.seq], list(AMOUNTS),
                    ids, k)


def _shift_rows(conn: Connection, table: Table, key: list[Any], names: list[str],
                ids: list[int], k: int) -> None:
    """`names` of the rows of documents `ids` × 10^k, in one executemany."""
    doc_column = key[0]
    rows: list[dict[str, Any]] = []
    for r in conn.execute(select(*key, *(table.c[n] for n in names))
                          .where(doc_column.in_(ids))):
        values: dict[str, Any] = {f"k_{c.name}": getattr(r, c.name) for c in key}
        for n in names:
            value: Decimal | None = getattr(r, n)
            values[f"v_{n}"] = shift(value, k)
        rows.append(values)
    if rows:
        conn.execute(update(table).where(*(c == bindparam(f"k_{c.name}") for c in key))
                     .values({n: bindparam(f"v_{n}", type_=table.c[n].type) for n in names}),
                     rows)


def downgrade() -> None:
    """Back to 0008: the amounts of a 元 table in 元 again; a form's columns, its money
    lines, kind and stated year are lost."""
    conn = op.get_bind()
    _shift_amounts(conn, -1)
    metadata.tables["funding"].drop(conn)
    # plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35), as 0003: a batch rebuild of projects
    # would cascade to the indicators under foreign_keys=ON
    for table_name, columns in ADDED.items():
        for name in columns:
            op.drop_column(table_name, name)
