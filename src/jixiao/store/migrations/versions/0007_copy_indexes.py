"""Indexes on (goal_key, name_key) and (indicator_set_key, name_key) in place of 0003's
single-column ones: finding copied goals groups and counts from the index alone.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
NEW = {"ix_projects_goal_key_name": ["goal_key", "name_key"],
       "ix_projects_set_key_name": ["indicator_set_key", "name_key"]}
OLD = {"ix_projects_goal_key": "goal_key", "ix_projects_indicator_set_key": "indicator_set_key"}


def upgrade() -> None:
    # guarded: a store made by a jixiao whose 0001 created today's tables has them already
    names = {i["name"] for i in sa.inspect(op.get_bind()).get_indexes("projects")}
    for name, columns in NEW.items():
        if name not in names:
            op.create_index(name, "projects", columns)
    for name in OLD:
        if name in names:
            op.drop_index(name, "projects")


def downgrade() -> None:
    for name, column in OLD.items():
        op.create_index(name, "projects", [column])
    for name in NEW:
        op.drop_index(name, "projects")
