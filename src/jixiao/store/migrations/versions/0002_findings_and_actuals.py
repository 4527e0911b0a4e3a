"""The review's findings (issue 5) and the actuals a department reports (issue 6).

Revision ID: 0002
Revises: 0001

The tables as they were on the day of this revision.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
MONEY = sa.String(length=40)  # schema.Money: a Decimal kept exactly, as text
TABLES = ("findings", "executions", "actual_values")


def upgrade() -> None:
    op.create_table(
        "findings",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("project_seq", sa.Integer(), nullable=True),
        sa.Column("indicator_position", sa.Integer(), nullable=True),
        sa.Column("first_line", sa.Integer(), nullable=True),
        sa.Column("last_line", sa.Integer(), nullable=True),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("document_id", "position")
    )
    op.create_index(op.f("ix_findings_rule"),
                    "findings", ["rule"], unique=False)
    op.create_table(
        "executions",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("project_seq", sa.Integer(), nullable=False),
        sa.Column("adjusted_budget", MONEY, nullable=True),
        sa.Column("executed", MONEY, nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=True),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("document_id", "year", "period", "project_seq")
    )
    op.create_table(
        "actual_values",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("project_seq", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("claimed_score", MONEY, nullable=True),
        sa.Column("source_file", sa.Text(), nullable=True),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("document_id", "year", "period", "project_seq", "position")
    )


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
