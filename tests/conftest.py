from __future__ import annotations

import glob
import itertools
import json
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from jixiao.model import Document
from jixiao.readers import read

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "guangzhou-psb-targets.txt"
GOLD = DATA / "guangzhou-psb-gold.json"
REPO = Path(__file__).parents[1]
# The workplace's field-by-field scorer lives beside the project, not in it: $JIXIAO_SHARED,
# ../shared, or the workplace's /work/shared (a CI clone may sit elsewhere).
_SHARED = [Path(os.environ["JIXIAO_SHARED"])] if "JIXIAO_SHARED" in os.environ else []
SHARED_SCORER = next(
    (p / "tools" / "score_extraction.py" for p in [*_SHARED, REPO.parent / "shared",
                                                   Path("/work/shared")]
     if (p / "tools" / "score_extraction.py").exists()),
    REPO.parent / "shared" / "tools" / "score_extraction.py",
)


@pytest.fixture(scope="session")
def gold_json() -> dict[str, Any]:
    return json.loads(GOLD.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def gold_doc() -> Document:
    return read(GOLD)


@pytest.fixture()
def sample_doc() -> Document:
    return read(SAMPLE)


# ---- a real PostgreSQL server, started by the test session itself ----------------------


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_server():
    """initdb into a temporary directory, pg_ctl start on a free loopback port, stop after.
    Without Debian's postgresql package: skipped locally, a failure in CI (CI=true)."""
    bindir = _postgres_bin()
    if bindir is None:
        message = "PostgreSQL is not installed (make test installs Debian's postgresql)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    base = Path(tempfile.mkdtemp(prefix="jixiao-pg-"))
    data, port = base / "data", _free_port()
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        shutil.chown(base, "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*as_postgres, str(bindir / "initdb"), "-D", str(data), "-U", "jixiao",
                    "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
                   check=True, capture_output=True)
    subprocess.run([*as_postgres, str(bindir / "pg_ctl"), "-D", str(data), "-l",
                    str(base / "server.log"), "-w", "-o",
                    f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off",
                    "start"], check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://jixiao@127.0.0.1:{port}"
    finally:
        subprocess.run([*as_postgres, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast",
                        "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


_databases = itertools.count(1)


@pytest.fixture()
def postgres_url(postgres_server: str) -> str:
    """A new, empty database on the session's server."""
    import psycopg

    name = f"test_{os.getpid()}_{next(_databases)}"
    server = postgres_server.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{postgres_server}/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store test runs on a SQLite file and on the real PostgreSQL server."""
    if request.param == "sqlite":
        return str(tmp_path / "jixiao.sqlite")
    return request.getfixturevalue("postgres_url")
