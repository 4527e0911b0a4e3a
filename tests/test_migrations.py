"""Migrations frozen in time: each revision carries the table shapes and functions of its
day, and the chain of them builds exactly the schema jixiao runs on today."""

from __future__ import annotations

import ast

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from jixiao import store
from jixiao.store.migrate import MIGRATIONS, downgrade, upgrade
from jixiao.store.schema import metadata

VERSIONS = sorted((MIGRATIONS / "versions").glob("*.py"))


def _url(db_url: str) -> str:
    return db_url if "://" in db_url else f"sqlite:///{db_url}"


def _outside_schema(diff: tuple) -> bool:
    """Search structures schema.py does not describe: SQLite's FTS5 table (and its shadow
    tables), PostgreSQL's trigram indexes (store/search.py makes both)."""
    kind, thing = diff[0], diff[1]
    name = getattr(thing, "name", "") or ""
    return ((kind == "remove_table" and name.startswith("search_fts"))
            or (kind == "remove_index" and name.endswith("_trgm"))
            # 0011 on PostgreSQL: indicators' key to projects holds the partition key (year),
            # funding's and cycle_projects' point at documents (store/partitions.py)
            or (kind in ("add_fk", "remove_fk")
                and thing.table.name in ("indicators", "funding", "cycle_projects")))


def test_no_revision_imports_live_code() -> None:
    """A later change to schema.py, matching.py or search.py cannot change what an old
    revision does: no revision imports jixiao at all."""
    assert len(VERSIONS) >= 10
    for path in VERSIONS:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import)
                     for a in n.names}
        assert not {m for m in imported if m.split(".")[0] == "jixiao"}, path.name


def test_the_chain_builds_todays_schema(db_url: str) -> None:
    """Up to head on an empty database: no table, column, type, index or key differs from
    schema.py (alembic's own comparison) on SQLite and PostgreSQL."""
    store.connect(db_url)  # upgrades an empty database to head
    engine = create_engine(_url(db_url))
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = [d for d in compare_metadata(context, metadata)
                 if not (isinstance(d, tuple) and _outside_schema(d))]
    engine.dispose()
    assert diffs == []


def test_down_to_nothing_and_up_again(db_url: str) -> None:
    """Every revision's downgrade undoes its upgrade: base and back to head leaves the same
    schema, with the sample stored again afterwards."""
    from conftest import SAMPLE
    from jixiao.readers import read

    engine = store.connect(db_url)
    head = upgrade(engine)
    assert downgrade(engine, "base") is None
    assert upgrade(engine) == head
    result = store.ingest(engine, read(SAMPLE), year=2023)
    assert store.load_document(engine, result.document_id).projects[18].name.startswith("广州市")
