"""Where the store is when --db names none: $JIXIAO_DB, else the default SQLite file.

Apart from jixiao.store so that the CLI can name them in its --help without importing the
database layer (SQLAlchemy is most of a command's start-up)."""

from __future__ import annotations

from pathlib import Path

ENV_VAR = "JIXIAO_DB"


def default_db_path() -> Path:
    """~/.local/share/jixiao/jixiao.sqlite on Linux (platformdirs' user data dir)."""
    from platformdirs import user_data_path

    return user_data_path("jixiao") / "jixiao.sqlite"
