"""Projects and indicators keyed and (on PostgreSQL) partitioned by year (migration 0011):
an existing store moved with every row, and one year's comparison reading one partition."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event, inspect, select, text

from conftest import SAMPLE
from jixiao import compare, store
from jixiao.readers import read
from jixiao.store.migrate import downgrade, upgrade
from jixiao.store.schema import documents, funding, indicators, projects
from jixiao.synthetic import generate_document

YEARS = (2022, 2023, 2023, None)  # the last: a document whose year is unknown


def _fill(engine: Engine) -> list[int]:
    pool = read(SAMPLE)
    ids = []
    for seed, year in enumerate(YEARS):
        doc = generate_document(pool, seed, projects=6, mixes=("fiscal", "all"))
        doc.title = f"区县{seed}项目支出绩效目标表"  # no year in the title: --year decides
        ids.append(store.ingest(engine, doc, year=year).document_id)
    return ids


def _rows(engine: Engine, table: Any) -> list[tuple[Any, ...]]:
    """Every row of `table` without the year columns, sorted."""
    columns = [c for c in table.columns if c.name != "year"]
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(select(*columns)))


def test_a_store_at_0010_is_moved_with_every_row(db_url: str) -> None:
    engine = store.connect(db_url)
    ids = _fill(engine)
    assert downgrade(engine, "0010") == "0010"
    assert "year" not in {c["name"] for c in inspect(engine).get_columns("indicators")}
    before = {t.name: _rows(engine, t) for t in (projects, indicators, funding)}
    assert len(before["indicators"]) > 4 * 6  # every project holds indicators
    assert upgrade(engine) == "0013"
    after = {t.name: _rows(engine, t) for t in (projects, indicators, funding)}
    assert after == before
    with engine.connect() as conn:
        year_of = dict(conn.execute(select(documents.c.id, documents.c.year)).all())
        for table in (projects, indicators):
            stored = conn.execute(select(table.c.document_id, table.c.year)).all()
            assert {(d, year_of[d] or 0) for d, _ in stored} == set(stored)
            assert {d for d, _ in stored} == set(ids)
        if engine.dialect.name == "postgresql":
            held = dict(conn.execute(text(
                "SELECT c.relname, count(*) FROM indicators i "
                "JOIN pg_class c ON c.oid = i.tableoid GROUP BY c.relname")).all())
            assert set(held) == {"indicators_y2022", "indicators_y2023", "indicators_y0000"}
            with_year = conn.execute(select(indicators.c.year, indicators.c.document_id)).all()
            assert held["indicators_y2023"] == sum(1 for y, _ in with_year if y == 2023)
    # deleting a document still takes its rows with it (projects → documents, indicators
    # → projects, funding → documents)
    store.delete_document(engine, ids[1])
    with engine.connect() as conn:
        assert not conn.execute(select(indicators.c.document_id)
                                .where(indicators.c.document_id == ids[1])).first()
    # a new year after the move gets its partition; the migration again changes nothing
    doc = generate_document(read(SAMPLE), 9, projects=3)
    new = store.ingest(engine, doc, year=2031)
    assert upgrade(engine) == "0013"
    assert store.load_document(engine, new.document_id).projects[0].name == \
        doc.projects[0].name


def test_one_years_comparison_reads_one_partition(postgres_url: str) -> None:
    engine = store.connect(postgres_url)
    _fill(engine)
    with engine.connect() as conn:
        name = conn.execute(select(indicators.c.name).where(indicators.c.year == 2023)
                            .limit(1)).scalar()
    statements: list[tuple[str, Any]] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM indicators" in statement and "name_key IN" in statement:
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", seen)
    found = compare.compare_indicator(engine, name, year=2023)
    event.remove(engine, "before_cursor_execute", seen)
    assert found.matched == "exact" and (found.groups or found.other)
    assert {o.year for g in found.groups for o in g.observations} | \
        {o.year for o in found.other} == {2023}
    [(statement, parameters)] = statements
    with engine.connect() as conn:
        plan = "\n".join(conn.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars())
        all_years = "\n".join(conn.exec_driver_sql(
            "EXPLAIN SELECT target FROM indicators WHERE name_key = 'x'").scalars())
    assert "indicators_y2023" in plan
    assert "indicators_y2022" not in plan and "indicators_y0000" not in plan
    # without the year the same look reads every partition
    assert {"indicators_y2022", "indicators_y2023", "indicators_y0000"} <= \
        {w for w in all_years.replace("(", " ").split() if w.startswith("indicators_y")}
