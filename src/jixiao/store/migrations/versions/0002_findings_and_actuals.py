"""The review's findings (issue 5) and the actuals a department reports (issue 6).

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from jixiao.store.schema import metadata

revision = "0002"
down_revision = "0001"
TABLES = ("findings", "executions", "actual_values")


def upgrade() -> None:
    for name in TABLES:
        metadata.tables[name].create(op.get_bind())


def downgrade() -> None:
    for name in reversed(TABLES):
        metadata.tables[name].drop(op.get_bind())
