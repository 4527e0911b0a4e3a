"""Account security (issue 12): failed logins kept per name and per address
(login_attempts); API tokens with an id, an expiry, their last use and revocation.

Revision ID: 0008
Revises: 0007

The tables as they were on the day of this revision. api_tokens is rebuilt (its primary key
changes from the token's hash to an id, which neither SQLite nor a plain ALTER can do in
place) unless it has the new shape already (a store made by a jixiao whose 0004 created
today's table). Tokens made before it expire 90 days after the upgrade rather than at once.
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op
from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    insert,
    inspect,
    literal,
    select,
)
from sqlalchemy import MetaData as _MetaData

revision = "0008"
down_revision = "0007"
TOKEN_DAYS = 90
OLD = "api_tokens_0007"


def upgrade() -> None:
    conn = op.get_bind()
    tables = set(inspect(conn).get_table_names())
    if "login_attempts" not in tables:
        _create_login_attempts()
    if "id" not in {c["name"] for c in inspect(conn).get_columns("api_tokens")}:
        _rebuild_tokens()


def _rebuild_tokens() -> None:
    """The old rows into a table of the new shape, under the old name."""
    conn = op.get_bind()
    if "ix_api_tokens_user_id" in {i["name"] for i in inspect(conn).get_indexes("api_tokens")}:
        op.drop_index("ix_api_tokens_user_id", "api_tokens")  # its name is the new table's
    op.rename_table("api_tokens", OLD)
    old = Table(OLD, _MetaData(), autoload_with=conn)
    if conn.dialect.name == "postgresql":  # constraint names are the new table's too
        op.execute(f"ALTER TABLE {OLD} RENAME CONSTRAINT api_tokens_pkey TO {OLD}_pkey")
    new = _create_tokens()
    expires = datetime.now(UTC) + timedelta(days=TOKEN_DAYS)
    conn.execute(insert(new).from_select(
        ["token_hash", "user_id", "name", "created_at", "expires_at", "uses"],
        select(old.c.token_hash, old.c.user_id, old.c.name, old.c.created_at,
               literal(expires, DateTime(timezone=True)), literal(0, Integer))
        .order_by(old.c.created_at)))
    op.drop_table(OLD)


def _create_login_attempts() -> None:
    op.create_table(
        "login_attempts",
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kind", "name")
    )
    op.create_index(op.f("ix_login_attempts_last_failure_at"),
                    "login_attempts", ["last_failure_at"], unique=False)


def _create_tokens() -> sa.Table:
    new = op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash")
    )
    op.create_index(op.f("ix_api_tokens_user_id"),
                    "api_tokens", ["user_id"], unique=False)
    return new


def downgrade() -> None:
    """Back to tokens keyed by their hash (expiry, use and revocation are lost; revoked
    tokens are dropped rather than brought back to life)."""
    conn = op.get_bind()
    op.drop_table("login_attempts")
    op.drop_index("ix_api_tokens_user_id", "api_tokens")
    op.rename_table("api_tokens", OLD)
    if conn.dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {OLD} RENAME CONSTRAINT api_tokens_pkey TO {OLD}_pkey")
        op.execute(f"ALTER TABLE {OLD} RENAME CONSTRAINT api_tokens_token_hash_key "
                   f"TO {OLD}_token_hash_key")
    shapes = _MetaData()
    Table("users", shapes, autoload_with=conn)  # for the foreign key
    moved = Table(OLD, shapes, autoload_with=conn)
    old = Table(
        "api_tokens", shapes,
        Column("token_hash", String(64), primary_key=True),
        Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
               index=True),
        Column("name", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
    )
    old.create(conn)
    conn.execute(insert(old).from_select(
        ["token_hash", "user_id", "name", "created_at"],
        select(moved.c.token_hash, moved.c.user_id, moved.c.name, moved.c.created_at)
        .where(moved.c.revoked_at.is_(None))))
    op.drop_table(OLD)
