"""A covering index for comparing one indicator across documents (issue 8), in place of
0003's index on indicators.name_key.

Revision ID: 0005
Revises: 0004

0001 creates the indicators table from schema.py as it stands, index included; this
revision adds it where an older database lacks it.
"""

from alembic import op
from sqlalchemy import inspect

from jixiao.store.schema import indicators

revision = "0005"
down_revision = "0004"
INDEX = next(i for i in indicators.indexes if i.name == "ix_indicators_compare")


def upgrade() -> None:
    names = {i["name"] for i in inspect(op.get_bind()).get_indexes("indicators")}
    if INDEX.name not in names:
        INDEX.create(op.get_bind())
    if "ix_indicators_name_key" in names:  # the new index starts with name_key
        op.drop_index("ix_indicators_name_key", "indicators")


def downgrade() -> None:
    INDEX.drop(op.get_bind())
    op.create_index("ix_indicators_name_key", "indicators", ["name_key"])
