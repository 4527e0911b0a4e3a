"""Schema migrations (Alembic), for SQLite and PostgreSQL alike."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, Engine, inspect

MIGRATIONS = Path(__file__).parent / "migrations"
# what the schema held at each revision, to recognise a database made before migrations
REVISION_TABLES = {"0001": {"documents", "units", "projects", "indicators"},
                   "0002": {"findings", "executions", "actual_values"}}
# later revisions alter tables; a database made before migrations predates them


def _config(connection: Connection):  # -> alembic.config.Config
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def current(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Bring the database to `revision`; a database made before migrations existed is
    recognised by its tables and stamped first. Returns the revision reached."""
    from alembic import command

    with engine.begin() as conn:
        config = _config(conn)
        tables = set(inspect(conn).get_table_names())
        if "alembic_version" not in tables and "documents" in tables:
            reached = [r for r, names in REVISION_TABLES.items() if names <= tables]
            command.stamp(config, reached[-1])
        command.upgrade(config, revision)
    return current(engine)


def downgrade(engine: Engine, revision: str) -> str | None:
    """Take the database back to `revision` (the data of later columns is lost)."""
    from alembic import command

    with engine.begin() as conn:
        command.downgrade(_config(conn), revision)
    return current(engine)
