"""Review profiles kept in the database (issue 7).

Revision ID: 0006
Revises: 0005
"""

from alembic import op

from jixiao.store.schema import metadata

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    metadata.tables["rule_profiles"].create(op.get_bind())


def downgrade() -> None:
    metadata.tables["rule_profiles"].drop(op.get_bind())
