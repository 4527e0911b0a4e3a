"""Users, sessions, API tokens, opinions and the change log (issue 7); Chinese substring
search: an FTS5 trigram index on SQLite, pg_trgm indexes on PostgreSQL.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

from jixiao.store.schema import metadata
from jixiao.store.search import create_search_index, drop_search_index

revision = "0004"
down_revision = "0003"
TABLES = ("users", "sessions", "api_tokens", "opinions", "changes")


def upgrade() -> None:
    for name in TABLES:
        metadata.tables[name].create(op.get_bind())
    create_search_index(op.get_bind())


def downgrade() -> None:
    drop_search_index(op.get_bind())
    for name in reversed(TABLES):
        metadata.tables[name].drop(op.get_bind())
