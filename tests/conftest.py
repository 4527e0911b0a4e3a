from __future__ import annotations

import itertools
import json
import os
from pathlib import Path
from typing import Any

import pytest

from jixiao.model import Document
from jixiao.readers import read
from pgserver import MISSING, create_database, postgres_bin, temporary_server

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


@pytest.fixture(scope="session")
def postgres_server():
    """A real server for the session (tests/pgserver.py). Without Debian's postgresql
    package: skipped locally, a failure in CI (CI=true)."""
    if postgres_bin() is None:
        if os.environ.get("CI"):
            pytest.fail(MISSING)
        pytest.skip(MISSING)
    with temporary_server() as url:
        yield url


_databases = itertools.count(1)


@pytest.fixture()
def postgres_url(postgres_server: str) -> str:
    """A new, empty database on the session's server."""
    return create_database(postgres_server, f"test_{os.getpid()}_{next(_databases)}")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store test runs on a SQLite file and on the real PostgreSQL server."""
    if request.param == "sqlite":
        return str(tmp_path / "jixiao.sqlite")
    return request.getfixturevalue("postgres_url")
