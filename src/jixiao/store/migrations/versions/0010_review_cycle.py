"""The review cycle (issue 17): documents' states and versions, projects' verdicts, and
the history of every step.

Revision ID: 0010
Revises: 0009

The tables as they were on the day of this revision.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
TABLES = ("cycle_documents", "cycle_projects", "cycle_events")


def upgrade() -> None:
    if set(TABLES) <= set(sa.inspect(op.get_bind()).get_table_names()):
        return  # (made already by the jixiao before these revisions were frozen)
    op.create_table(
        "cycle_documents",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("previous_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("opinion", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("document_id"),
        sa.UniqueConstraint("cycle_id", "version", name="uq_cycle_documents_version")
    )
    op.create_table(
        "cycle_projects",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("project_seq", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("opinion", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(["document_id", "project_seq"],
                                ["projects.document_id", "projects.seq"],
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("document_id", "project_seq")
    )
    op.create_table(
        "cycle_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("project_seq", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("before", sa.String(length=16), nullable=True),
        sa.Column("after", sa.String(length=16), nullable=False),
        sa.Column("opinion", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=80), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id")
    )
    op.create_index(op.f("ix_cycle_events_at"),
                    "cycle_events", ["at"], unique=False)
    op.create_index(op.f("ix_cycle_events_cycle_id"),
                    "cycle_events", ["cycle_id"], unique=False)


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
