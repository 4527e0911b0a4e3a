"""Users, sessions, API tokens, opinions and the change log (issue 7); Chinese substring
search: an FTS5 trigram index on SQLite, pg_trgm indexes on PostgreSQL.

Revision ID: 0004
Revises: 0003

The tables and the search index as they were on the day of this revision.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
TABLES = ("users", "sessions", "api_tokens", "opinions", "changes")
TRGM_INDEXES = (("projects", "name"), ("projects", "goal"), ("indicators", "name"))


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("department", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username")
    )
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash")
    )
    op.create_index(op.f("ix_sessions_user_id"),
                    "sessions", ["user_id"], unique=False)
    op.create_table(
        "api_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash")
    )
    op.create_index(op.f("ix_api_tokens_user_id"),
                    "api_tokens", ["user_id"], unique=False)
    op.create_table(
        "opinions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("project_seq", sa.Integer(), nullable=False),
        sa.Column("finding_position", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ),
        sa.PrimaryKeyConstraint("id")
    )
    op.create_index(op.f("ix_opinions_document_id"),
                    "opinions", ["document_id"], unique=False)
    op.create_table(
        "changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=80), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("entity", sa.Text(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id")
    )
    _create_search_index(op.get_bind())


def _create_search_index(conn: sa.Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(
            "CREATE VIRTUAL TABLE search_fts USING fts5(text, kind UNINDEXED, "
            "document_id UNINDEXED, project_seq UNINDEXED, position UNINDEXED, "
            "tokenize='trigram')")
        # the texts stored before this revision (later ones are indexed as they are stored)
        conn.exec_driver_sql(
            "INSERT INTO search_fts (text, kind, document_id, project_seq, position) "
            "SELECT name, 'project', document_id, seq, NULL FROM projects "
            "UNION ALL SELECT goal, 'goal', document_id, seq, NULL FROM projects "
            "UNION ALL SELECT name, 'indicator', document_id, project_seq, position "
            "FROM indicators")
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for table, column in TRGM_INDEXES:
            conn.exec_driver_sql(f"CREATE INDEX ix_{table}_{column}_trgm ON {table} "
                                 f"USING gin ({column} gin_trgm_ops)")


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("DROP TABLE search_fts")
    elif conn.dialect.name == "postgresql":
        for table, column in TRGM_INDEXES:
            conn.exec_driver_sql(f"DROP INDEX ix_{table}_{column}_trgm")
    for name in reversed(TABLES):
        op.drop_table(name)
