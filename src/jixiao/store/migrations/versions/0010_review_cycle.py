"""The review cycle (issue 17): documents' states and versions, projects' verdicts, and
the history of every step.

Revision ID: 0010
Revises: 0009

The tables are created from schema.py as it stands, each only when it is not there yet
(a database brought up to date twice, or made by a later schema, is left alone).
"""

from alembic import op
from sqlalchemy import inspect

from jixiao.store.schema import metadata

revision = "0010"
down_revision = "0009"
TABLES = ("cycle_documents", "cycle_projects", "cycle_events")


def upgrade() -> None:
    conn = op.get_bind()
    present = set(inspect(conn).get_table_names())
    for name in TABLES:
        if name not in present:
            metadata.tables[name].create(conn)


def downgrade() -> None:
    conn = op.get_bind()
    present = set(inspect(conn).get_table_names())
    for name in reversed(TABLES):
        if name in present:
            metadata.tables[name].drop(conn)
