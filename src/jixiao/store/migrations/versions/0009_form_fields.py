"""What the forms other offices publish add (issue 13): documents.kind, stated_year and
doubtful (a cross-check of the reading failed); a form's project lines and indicator
columns; the funding table of every money line; and amounts kept in 万元 whatever unit
the table printed.

Revision ID: 0009
Revises: 0008

The columns, the table and the unit shift as they were on the day of this revision. Where
it adds the columns, the rows were stored before 0009, with the amounts of a 元 table in
元: those are shifted to 万元 (exactly, every digit kept). Where the columns were there
already (a store made by a jixiao whose 0001 created today's tables), the rows were stored
in 万元 and nothing is shifted: running it twice changes nothing.
"""

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Connection, bindparam, false, select, update

revision = "0009"
down_revision = "0008"
MONEY = sa.String(length=40)  # schema.Money: a Decimal kept exactly, as text
FLAG = {"type_": sa.Boolean(), "nullable": False, "server_default": false()}
ADDED: dict[str, dict[str, dict[str, Any]]] = {
    "documents": {"kind": {"type_": sa.String(length=20)}, "stated_year": {"type_": sa.Integer()},
                  "doubtful": FLAG},
    "projects": {"has_form": FLAG, "goal_long": {"type_": sa.Text()},
                 "department": {"type_": sa.Text()}, "period": {"type_": sa.Text()},
                 **{n: {"type_": MONEY} for n in ("planned", "adjusted", "executed",
                                                  "execution_score", "total_score")},
                 "grade": {"type_": sa.Text()}},
    "indicators": {"has_form": FLAG,
                   **{n: {"type_": sa.Text()} for n in ("category_points", "level2",
                                                        "target_long")},
                   "weight": {"type_": MONEY}, "direction": {"type_": sa.Text()},
                   "standard": {"type_": sa.Text()}, "actual": {"type_": sa.Text()},
                   "score": {"type_": MONEY}, "reason": {"type_": sa.Text()}}}
AMOUNTS = ("total", "fiscal", "special_account", "other")
UNIT_SHIFT: dict[str, int] = {"元": -4, "千元": -1, "万元": 0, "亿元": 4}
documents = sa.table("documents", sa.column("id"), sa.column("amount_unit"),
                     *(sa.column(f"grand_{c}") for c in AMOUNTS), sa.column("project_total"))
units = sa.table("units", sa.column("document_id"), sa.column("position"),
                 *(sa.column(c) for c in AMOUNTS))
projects = sa.table("projects", sa.column("document_id"), sa.column("seq"),
                    *(sa.column(c) for c in AMOUNTS))


def shift(text: str | None, places: int) -> str | None:
    """The stored amount × 10^places, exactly: only the exponent moves, every digit kept."""
    if text is None:
        return None
    value = Decimal(text)
    if not value.is_finite():
        return text
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    return format(Decimal((sign, digits, exponent + places)), "f")


def upgrade() -> None:
    conn = op.get_bind()
    look = sa.inspect(conn)
    stored_before = "kind" not in {c["name"] for c in look.get_columns("documents")}
    for table_name, columns in ADDED.items():
        present = {c["name"] for c in look.get_columns(table_name)}
        for name, shape in columns.items():
            if name not in present:
                op.add_column(table_name, sa.Column(name, **shape))
    if "funding" not in look.get_table_names():
        _create_funding()
    if stored_before:
        _shift_amounts(conn, 1)


def _create_funding() -> None:
    op.create_table(
        "funding",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("project_seq", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("amount", MONEY, nullable=True),
        sa.ForeignKeyConstraint(["document_id", "project_seq"],
                                ["projects.document_id", "projects.seq"],
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("document_id", "project_seq", "position")
    )


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


def _shift_rows(conn: Connection, table: Any, key: list[Any], names: list[str],
                ids: list[int], k: int) -> None:
    """`names` of the rows of documents `ids` × 10^k, in one executemany."""
    doc_column = key[0]
    rows: list[dict[str, Any]] = []
    for r in conn.execute(select(*key, *(table.c[n] for n in names))
                          .where(doc_column.in_(ids))):
        values: dict[str, Any] = {f"k_{c.name}": getattr(r, c.name) for c in key}
        for n in names:
            values[f"v_{n}"] = shift(getattr(r, n), k)
        rows.append(values)
    if rows:
        conn.execute(update(table).where(*(c == bindparam(f"k_{c.name}") for c in key))
                     .values({n: bindparam(f"v_{n}") for n in names}),
                     rows)


def downgrade() -> None:
    """Back to 0008: the amounts of a 元 table in 元 again; a form's columns, its money
    lines, kind and stated year are lost."""
    conn = op.get_bind()
    _shift_amounts(conn, -1)
    op.drop_table("funding")
    # plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35), as 0003: a batch rebuild of projects
    # would cascade to the indicators under foreign_keys=ON
    for table_name, columns in ADDED.items():
        for name in columns:
            op.drop_column(table_name, name)
