"""Account security (issue 12): failed logins kept per name and per address
(login_attempts); API tokens with an id, an expiry, their last use and revocation.

Revision ID: 0008
Revises: 0007

0004 creates api_tokens from schema.py as it stands, so on a new database the table has
its new columns already; this revision rebuilds only an older table (its primary key
changes from the token's hash to an id, which neither SQLite nor a plain ALTER can do in
place). Tokens made before it expire 90 days after the upgrade rather than at once.
"""

from datetime import UTC, datetime, timedelta

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

from jixiao.store.schema import metadata

revision = "0008"
down_revision = "0007"
TOKEN_DAYS = 90
OLD = "api_tokens_0007"


def upgrade() -> None:
    conn = op.get_bind()
    tables = set(inspect(conn).get_table_names())
    if "login_attempts" not in tables:
        metadata.tables["login_attempts"].create(conn)
    if "id" not in {c["name"] for c in inspect(conn).get_columns("api_tokens")}:
        _rebuild_tokens()


def _rebuild_tokens() -> None:
    """The old rows into a table of the new shape, under the old name."""
    conn = op.get_bind()
    if "ix_api_tokens_user_id" in {i["name"] for i in inspect(conn).get_indexes("api_tokens")}:
        op.drop_index("ix_api_tokens_user_id", "api_tokens")  # its name is the new table's
    op.rename_table("api_tokens", OLD)
    old = Table(OLD, _MetaData(), autoload_with=conn)
    new = metadata.tables["api_tokens"]
    if conn.dialect.name == "postgresql":  # constraint names are the new table's too
        op.execute(f"ALTER TABLE {OLD} RENAME CONSTRAINT api_tokens_pkey TO {OLD}_pkey")
    new.create(conn)
    expires = datetime.now(UTC) + timedelta(days=TOKEN_DAYS)
    conn.execute(insert(new).from_select(
        ["token_hash", "user_id", "name", "created_at", "expires_at", "uses"],
        select(old.c.token_hash, old.c.user_id, old.c.name, old.c.created_at,
               literal(expires, DateTime(timezone=True)), literal(0, Integer))
        .order_by(old.c.created_at)))
    op.drop_table(OLD)


def downgrade() -> None:
    """Back to tokens keyed by their hash (expiry, use and revocation are lost; revoked
    tokens are dropped rather than brought back to life)."""
    conn = op.get_bind()
    metadata.tables["login_attempts"].drop(conn)
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
