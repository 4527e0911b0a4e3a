"""Indexes on (goal_key, name_key) and (indicator_set_key, name_key) in place of 0003's
single-column ones: finding copied goals groups and counts from the index alone.

Revision ID: 0007
Revises: 0006

0001 creates the projects table from schema.py as it stands, these indexes included; this
revision changes only a database that has the older ones.
"""

from alembic import op
from sqlalchemy import inspect

from jixiao.store.schema import projects

revision = "0007"
down_revision = "0006"
NEW = [i for i in projects.indexes if i.name in ("ix_projects_goal_key_name",
                                                 "ix_projects_set_key_name")]
OLD = {"ix_projects_goal_key": "goal_key", "ix_projects_indicator_set_key": "indicator_set_key"}


def upgrade() -> None:
    names = {i["name"] for i in inspect(op.get_bind()).get_indexes("projects")}
    for index in NEW:
        if index.name not in names:
            index.create(op.get_bind())
    for name in OLD:
        if name in names:
            op.drop_index(name, "projects")


def downgrade() -> None:
    for name, column in OLD.items():
        op.create_index(name, "projects", [column])
    for index in NEW:
        index.drop(op.get_bind())
