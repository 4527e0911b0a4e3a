"""A covering index for comparing one indicator across documents (issue 8), in place of
0003's index on indicators.name_key.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
COLUMNS = ["name_key", "target", "document_id", "project_seq", "position"]


def upgrade() -> None:
    # guarded: a store made by a jixiao whose 0001 created today's tables has them already
    names = {i["name"] for i in sa.inspect(op.get_bind()).get_indexes("indicators")}
    if "ix_indicators_compare" not in names:
        op.create_index("ix_indicators_compare", "indicators", COLUMNS)
    if "ix_indicators_name_key" in names:  # the new index starts with name_key
        op.drop_index("ix_indicators_name_key", "indicators")


def downgrade() -> None:
    op.drop_index("ix_indicators_compare", "indicators")
    op.create_index("ix_indicators_name_key", "indicators", ["name_key"])
