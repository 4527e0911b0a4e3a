"""Documents, their files, units, projects, indicators and reading warnings (issue 2).

Revision ID: 0001
"""

from alembic import op

from jixiao.store.schema import metadata

revision = "0001"
down_revision = None
TABLES = ("documents", "document_files", "units", "projects", "indicators", "read_warnings")


def upgrade() -> None:
    # created from schema.py as it stands; a later change to these tables must come as an
    # alteration in a revision of its own
    for name in TABLES:
        metadata.tables[name].create(op.get_bind())


def downgrade() -> None:
    for name in reversed(TABLES):
        metadata.tables[name].drop(op.get_bind())
