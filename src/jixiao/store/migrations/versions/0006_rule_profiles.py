"""Review profiles kept in the database (issue 7).

Revision ID: 0006
Revises: 0005

The table as it was on the day of this revision.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.create_table(
        "rule_profiles",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("toml", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name")
    )


def downgrade() -> None:
    op.drop_table("rule_profiles")
