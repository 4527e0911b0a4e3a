from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from conftest import SAMPLE
from jixiao import store
from jixiao.cli import app
from jixiao.interchange import to_dict
from jixiao.model import Document
from jixiao.readers import read, read_bytes
from jixiao.store.schema import document_files, documents, indicators, projects, read_warnings
from jixiao.writers.text import TextLayout, render_text


@pytest.fixture()
def engine(db_url: str):
    return store.connect(db_url)


def _count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


def test_ingest_then_load_gives_back_the_document(engine, sample_doc: Document) -> None:
    result = store.ingest(engine, sample_doc)
    assert (result.status, result.projects, result.indicators) == ("new", 142, 540)
    assert result.total == Decimal("247400.91")
    assert result.warnings == len(sample_doc.warnings)
    loaded = store.load_document(engine, result.document_id)
    assert to_dict(loaded) == to_dict(sample_doc)
    assert loaded.projects[40].field_spans["goal"].first_line == 514
    assert loaded.projects[40].span.page == 2
    assert _count(engine, read_warnings) == len(sample_doc.warnings)


def test_money_is_stored_exactly_with_its_published_scale(engine, sample_doc: Document) -> None:
    store.ingest(engine, sample_doc)
    with engine.connect() as conn:
        stored = conn.execute(text("select grand_special_account, grand_total from documents"))
        assert tuple(stored.one()) == ("477.00", "248530.64")
        totals = conn.execute(select(projects.c.total)).scalars().all()
    assert sum(totals, Decimal(0)) == Decimal("247400.91")


def test_same_bytes_again_change_nothing(engine) -> None:
    first = store.ingest(engine, read(SAMPLE))
    before = [_count(engine, t) for t in (documents, document_files, projects, indicators)]
    again = store.ingest(engine, read(SAMPLE))
    assert (again.status, again.document_id) == ("unchanged", first.document_id)
    assert [_count(engine, t) for t in (documents, document_files, projects, indicators)] \
        == before == [1, 1, 142, 540]


def test_same_table_under_another_name_encoding_or_wrapping_is_one_document(engine) -> None:
    data = SAMPLE.read_bytes()
    first = store.ingest(engine, read_bytes(data, "a.txt"))
    renamed = store.ingest(engine, read_bytes(data, "b.txt"))
    gbk = store.ingest(engine, read_bytes(
        data.decode("utf-8").replace("\xa0", "").encode("gb18030"), "c-gbk.txt"))
    rewrapped = store.ingest(engine, read_bytes(
        render_text(read(SAMPLE), TextLayout(name_width=9, goal_width=15, item_width=20))
        .encode("utf-8"), "d.txt"))
    assert [r.status for r in (first, renamed, gbk, rewrapped)] == [
        "new", "same-document", "same-document", "same-document"]
    assert {r.document_id for r in (first, renamed, gbk, rewrapped)} == {first.document_id}
    [summary] = store.list_documents(engine)
    assert (summary.files, summary.projects) == (4, 142)
    assert store.resolve_document(engine, "b.txt") == first.document_id


def test_another_table_is_another_document(engine, sample_doc: Document) -> None:
    store.ingest(engine, sample_doc)
    other = read(SAMPLE)
    other.projects[0].amounts.total = Decimal("11294.11")
    other.source.sha256 = "0" * 64
    assert store.ingest(engine, other).status == "new"
    assert [d.id for d in store.list_documents(engine)] == [1, 2]


def test_a_failing_document_leaves_nothing(engine, sample_doc: Document) -> None:
    unit = sample_doc.units[0]
    unit.projects.append(replace(unit.projects[0]))  # the same seq twice: the insert fails
    with pytest.raises(IntegrityError):
        store.ingest(engine, sample_doc)
    assert [_count(engine, t) for t in (documents, document_files, projects, indicators,
                                        read_warnings)] == [0, 0, 0, 0, 0]


def test_database_is_chosen_by_argument_env_or_default(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(store.ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert store.database_url() == f"sqlite:///{tmp_path / 'xdg' / 'jixiao' / 'jixiao.sqlite'}"
    monkeypatch.setenv(store.ENV_VAR, str(tmp_path / "env.sqlite"))
    assert store.database_url() == f"sqlite:///{tmp_path / 'env.sqlite'}"
    assert store.database_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert store.database_url(str(tmp_path / "arg.sqlite")).endswith("arg.sqlite")


def test_resolve_document_refuses_unknown_references(engine, sample_doc: Document) -> None:
    store.ingest(engine, sample_doc)
    assert store.resolve_document(engine, "1") == 1
    assert store.resolve_document(engine, sample_doc.source.sha256[:8]) == 1
    with pytest.raises(store.StoreError, match="没有文档“nope”"):
        store.resolve_document(engine, "nope")


def test_the_gold_json_and_the_text_are_one_document(tmp_path: Path) -> None:
    """The hand-checked JSON reading and the text it reads are the same table."""
    db = tmp_path / "jixiao.sqlite"
    gold = SAMPLE.with_name("guangzhou-psb-gold.json")
    result = CliRunner().invoke(app, ["ingest", "--db", str(db), str(SAMPLE), str(gold)],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    engine = store.connect(str(db))
    [summary] = store.list_documents(engine)
    assert (summary.files, summary.projects, summary.indicators) == (2, 142, 540)
    with engine.connect() as conn:
        files = conn.execute(select(document_files.c.file_name, document_files.c.format)
                             .order_by(document_files.c.file_name)).all()
    assert [tuple(f) for f in files] == [("guangzhou-psb-gold.json", "json"),
                                         ("guangzhou-psb-targets.txt", "text")]


def test_two_ingests_of_the_same_file_at_once_give_one_document(postgres_url: str) -> None:
    """Two writers race on a real PostgreSQL server: one document, both told so."""
    import threading

    engine = store.connect(postgres_url)
    doc = read(SAMPLE)
    barrier = threading.Barrier(2)
    results: list[store.IngestResult] = []

    def writer(name: str) -> None:
        mine = read_bytes(SAMPLE.read_bytes(), name)
        barrier.wait()
        results.append(store.ingest(engine, mine))

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("a.txt", "b.txt")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({r.document_id for r in results}) == 1
    assert sorted(r.status for r in results)[0] in ("new", "same-document")
    assert [d.files for d in store.list_documents(engine)] == [2]
    assert _count(engine, projects) == len(doc.projects)


def test_migrations_from_empty_and_from_the_previous_revision(db_url: str) -> None:
    """Upgrade an empty database; and one at 0001 that already holds a document."""
    from sqlalchemy import inspect

    from jixiao.store.migrate import current, downgrade, upgrade

    engine = store.connect(db_url, migrate=False)
    assert current(engine) is None
    assert upgrade(engine) == "0013"
    doc = read(SAMPLE)
    first = store.ingest(engine, doc)
    assert downgrade(engine, "0001") == "0001"  # the rows stay in 0001's shape
    assert "findings" not in inspect(engine).get_table_names()
    # wide: a PostgreSQL URL with a five-digit port folds the line at 80 columns
    result = CliRunner().invoke(app, ["db", "upgrade", "--db", db_url], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "0001 → 0013" in result.output
    assert {"findings", "executions", "actual_values"} <= set(inspect(engine).get_table_names())
    back, published = to_dict(store.load_document(engine, first.document_id)), to_dict(doc)
    # 0009's doubtful did not exist at 0001: going down lost it, as downgrade says
    assert published["document"].pop("doubtful") is True
    assert "doubtful" not in back["document"] and back == published
    assert store.connect(db_url) is not None and current(engine) == "0013"  # idempotent


def test_migration_0003_adds_and_fills_the_matching_keys(db_url: str) -> None:
    """A database at 0002 holding a document gets the keys jixiao.matching computes."""
    from sqlalchemy import inspect, select

    from jixiao.store.migrate import downgrade, upgrade

    engine = store.connect(db_url)
    doc = read(SAMPLE)
    store.ingest(engine, doc, year=2023)
    expected = store.prepare(doc)
    assert downgrade(engine, "0002") == "0002"
    assert "name_key" not in {c["name"] for c in inspect(engine).get_columns("indicators")}
    assert _count(engine, indicators) == 540  # the rows stay
    assert upgrade(engine) == "0013"
    with engine.connect() as conn:
        keys = conn.execute(select(indicators.c.name_key).order_by(
            indicators.c.project_seq, indicators.c.position)).scalars().all()
        project_keys = conn.execute(select(projects.c.name_key, projects.c.goal_key,
                                           projects.c.indicator_set_key)
                                    .order_by(projects.c.seq)).all()
        year = conn.execute(select(documents.c.year)).scalar()
    assert keys == [row[-1] for row in expected.indicators]
    assert [tuple(r) for r in project_keys] == [row[-3:] for row in expected.projects]
    assert year is None  # --year is not in the table: neither title nor file name has one
