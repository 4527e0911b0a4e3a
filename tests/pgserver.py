"""A throwaway PostgreSQL server (Debian's postgresql package): initdb into a temporary
directory, pg_ctl on a free loopback port, stopped and removed after. Used by the tests'
fixtures and by the benchmarks."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ports import free_port

MISSING = "PostgreSQL is not installed (make test installs Debian's postgresql)"


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@contextmanager
def temporary_server(fsync: bool = False) -> Iterator[str]:
    """The server's SQLAlchemy URL without a database name (append '/name'). `fsync=False`
    for tests (nothing to keep); benchmarks measure with it on."""
    bindir = postgres_bin()
    if bindir is None:
        raise FileNotFoundError(MISSING)
    base = Path(tempfile.mkdtemp(prefix="jixiao-pg-"))
    data, port = base / "data", free_port()
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        shutil.chown(base, "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*as_postgres, str(bindir / "initdb"), "-D", str(data), "-U", "jixiao",
                    "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
                   check=True, capture_output=True)
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1"
    if not fsync:
        options += " -c fsync=off"
    subprocess.run([*as_postgres, str(bindir / "pg_ctl"), "-D", str(data), "-l",
                    str(base / "server.log"), "-w", "-o", options, "start"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://jixiao@127.0.0.1:{port}"
    finally:
        subprocess.run([*as_postgres, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast",
                        "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def create_database(server: str, name: str) -> str:
    """A new empty database on `server`; its URL."""
    import psycopg

    plain = server.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(f"{plain}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"
