"""Documents, their files, units, projects, indicators and reading warnings (issue 2).

Revision ID: 0001

The tables as they were on the day of this revision (later columns come in the revisions
that added them): a change to schema.py never changes what this revision creates.
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
MONEY = sa.String(length=40)  # schema.Money: a Decimal kept exactly, as text
TABLES = ("documents", "document_files", "units", "projects", "indicators", "read_warnings")


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("department", sa.Text(), nullable=True),
        sa.Column("amount_unit", sa.String(length=8), nullable=False),
        sa.Column("has_grand_total", sa.Boolean(), nullable=False),
        sa.Column("grand_total", MONEY, nullable=True),
        sa.Column("grand_fiscal", MONEY, nullable=True),
        sa.Column("grand_special_account", MONEY, nullable=True),
        sa.Column("grand_other", MONEY, nullable=True),
        sa.Column("grand_columns_inferred", sa.Boolean(), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=True),
        sa.Column("source_format", sa.String(length=16), nullable=True),
        sa.Column("source_encoding", sa.String(length=16), nullable=True),
        sa.Column("source_lines", sa.Integer(), nullable=True),
        sa.Column("source_pages", sa.Integer(), nullable=True),
        sa.Column("n_units", sa.Integer(), nullable=False),
        sa.Column("n_projects", sa.Integer(), nullable=False),
        sa.Column("n_indicators", sa.Integer(), nullable=False),
        sa.Column("n_warnings", sa.Integer(), nullable=False),
        sa.Column("project_total", MONEY, nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("content_hash")
    )
    op.create_table(
        "document_files",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=400), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=True),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("sha256", "file_name")
    )
    op.create_index(op.f("ix_document_files_document_id"),
                    "document_files", ["document_id"], unique=False)
    op.create_table(
        "units",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("stated", sa.Boolean(), nullable=False),
        sa.Column("total", MONEY, nullable=True),
        sa.Column("fiscal", MONEY, nullable=True),
        sa.Column("special_account", MONEY, nullable=True),
        sa.Column("other", MONEY, nullable=True),
        sa.Column("columns_inferred", sa.Boolean(), nullable=False),
        sa.Column("first_line", sa.Integer(), nullable=True),
        sa.Column("last_line", sa.Integer(), nullable=True),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("document_id", "position")
    )
    op.create_table(
        "projects",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("unit_position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("total", MONEY, nullable=True),
        sa.Column("fiscal", MONEY, nullable=True),
        sa.Column("special_account", MONEY, nullable=True),
        sa.Column("other", MONEY, nullable=True),
        sa.Column("columns_inferred", sa.Boolean(), nullable=False),
        sa.Column("goal", sa.Text(), nullable=False),
        sa.Column("first_line", sa.Integer(), nullable=True),
        sa.Column("last_line", sa.Integer(), nullable=True),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("field_spans", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("document_id", "seq")
    )
    op.create_table(
        "indicators",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("project_seq", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("first_line", sa.Integer(), nullable=True),
        sa.Column("last_line", sa.Integer(), nullable=True),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["document_id", "project_seq"],
                                ["projects.document_id", "projects.seq"],
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("document_id", "project_seq", "position")
    )
    op.create_table(
        "read_warnings",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("first_line", sa.Integer(), nullable=True),
        sa.Column("last_line", sa.Integer(), nullable=True),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("document_id", "position")
    )
    op.create_index(op.f("ix_read_warnings_code"),
                    "read_warnings", ["code"], unique=False)


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
