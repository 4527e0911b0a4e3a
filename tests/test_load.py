"""The bulk load written like a database load (store.load): binary COPY from the workers on
PostgreSQL, indexes dropped before a large load and built after, on both databases — the
same documents and findings as the one-writer load, whole documents after a kill."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from jixiao import bulk, store
from jixiao.interchange import to_dict
from jixiao.store import load
from jixiao.store.schema import document_files, documents
from test_bulk import whole_documents, write_corpus


def _by_file(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(select(document_files.c.file_name,
                                        document_files.c.document_id)).all())


@pytest.mark.parametrize("large", [True, False], ids=["indexes-rebuilt", "indexes-kept"])
def test_the_copy_load_stores_what_the_one_writer_load_stores(
        db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, large: bool) -> None:
    paths = write_corpus(tmp_path / "in", 10)
    (tmp_path / "in" / "again.txt").write_bytes(paths[4].read_bytes())  # a second name
    paths = sorted((tmp_path / "in").iterdir())
    old = store.connect(str(tmp_path / "old.sqlite"))
    bulk.ingest_files(old, paths, workers=2, method="insert")
    new = store.connect(db_url)
    monkeypatch.setenv(load.ENV_LARGE_LOAD, "5" if large else "0")
    plans: list[load.Plan] = []
    outcomes = bulk.ingest_files(new, paths, workers=2, on_plan=plans.append)
    assert [p.rebuild for p in plans] == [large]
    assert "先删除二级索引" in plans[0].describe() if large else "保留索引" in plans[0].describe()
    assert sorted(o.result.status for o in outcomes if o.result) == \
        ["new"] * 10 + ["same-document"]
    old_ids, new_ids = _by_file(old), _by_file(new)
    assert set(old_ids) == set(new_ids) == {p.name for p in paths}
    reviewed = 0
    for name, old_id in old_ids.items():
        findings = store.load_findings(new, new_ids[name])
        assert findings == store.load_findings(old, old_id)
        reviewed += len(findings)
        assert to_dict(store.load_document(new, new_ids[name])) == \
            to_dict(store.load_document(old, old_id))
    assert reviewed > 0  # the review ran and found things to store
    assert load.plan(new, 1).missing == 0  # every index and key back


def _others_connected(engine: Engine) -> int:
    """Sessions on the database besides ours (a killed load's workers, still committing?)."""
    if engine.dialect.name != "postgresql":
        return 0
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                 "current_database() AND pid <> pg_backend_pid()")).scalar()


def test_a_large_copy_load_killed_halfway_leaves_whole_documents_and_a_rerun_finishes(
        db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    paths = write_corpus(folder, 150)
    engine = store.connect(db_url)  # migrated before the load starts
    env = {**os.environ, "COLUMNS": "200", load.ENV_LARGE_LOAD: "100"}
    jixiao = Path(sys.executable).with_name("jixiao")
    command = [str(jixiao), "ingest", "--no-audit", "--db", db_url, str(folder)]
    started = subprocess.Popen([*command, "-j", "2"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env=env)
    stored_before_kill = 0
    while started.poll() is None and stored_before_kill == 0:
        time.sleep(0.02)
        with engine.connect() as conn:
            stored_before_kill = conn.execute(select(func.count()).select_from(documents)
                                              ).scalar()
    started.send_signal(signal.SIGKILL)
    started.wait()
    if started.returncode == 0:
        pytest.fail("the load finished before it could be killed: give it more files")
    deadline = time.monotonic() + 30
    while _others_connected(engine) and time.monotonic() < deadline:
        time.sleep(0.05)  # the workers die with the load: their sessions end
    assert _others_connected(engine) == 0
    halfway = whole_documents(engine)
    assert 0 < len(halfway) < len(paths)
    assert all(said == got and isaid == igot for _, said, got, isaid, igot in halfway)
    assert load.plan(engine, 1).missing > 0  # killed with its indexes dropped
    result = subprocess.run([*command, "-j", "2"], capture_output=True, text=True,
                            check=True, env=env)
    # fewer files left than the store holds, or not: either way the missing indexes say so
    assert "索引" in result.stdout
    assert f"{len(halfway)} 未变（已存储）" in result.stdout  # the summary row
    assert f"{len(paths) - len(halfway)} 新增" in result.stdout
    finished = whole_documents(engine)
    assert len(finished) == len(paths)
    assert all(said == got and isaid == igot for _, said, got, isaid, igot in finished)
    assert load.plan(engine, 1).missing == 0  # the rerun built them
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(document_files)).scalar() == 150


def _keys_and_indexes(engine: Engine) -> dict[str, str]:
    """Every constraint and index of the tables a large load changes, by name: its
    definition as the catalogue gives it (the parent's; not those a partition inherits)."""
    tables = ["projects", "indicators", "units", "read_warnings", "findings"]
    with engine.connect() as conn:
        keys = conn.execute(text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = ANY(CAST(:t AS regclass[])) AND conparentid = 0"),
            {"t": tables}).all()
        indexes = conn.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(:t)"),
            {"t": tables}).all()
    return dict(keys) | dict(indexes)


def test_a_large_load_gives_back_the_keys_the_chain_made_and_drops_no_orphan(
        postgres_url: str, sample_doc, monkeypatch: pytest.MonkeyPatch) -> None:
    """The keys of rows to their document, dropped for a large load, come back as the
    migrations made them; a document deleted while they were away takes its rows along
    when they come back (nothing cascaded at its delete)."""
    from jixiao.synthetic import generate_document

    engine = store.connect(postgres_url)
    made = _keys_and_indexes(engine)
    assert {i.name for i in load.DOCUMENT_FKEYS} <= set(made)
    monkeypatch.setenv(load.ENV_LARGE_LOAD, "2")
    chosen = load.plan(engine, 3)
    assert chosen.rebuild
    load.prepare(engine, chosen)
    assert not {i.name for i in load.DOCUMENT_FKEYS} & set(_keys_and_indexes(engine))
    ids = [store.ingest(engine, generate_document(sample_doc, seed, projects=4)).document_id
           for seed in range(3)]
    store.delete_document(engine, ids[1])
    with engine.connect() as conn:
        left = conn.execute(text("SELECT count(*) FROM projects WHERE document_id = :d"),
                            {"d": ids[1]}).scalar()
    assert left == 4  # the delete did not reach them: the key was dropped
    assert "projects_document_id_fkey1" in load.finish(engine)
    assert _keys_and_indexes(engine) == made
    with engine.connect() as conn:
        for table in ("projects", "indicators", "units", "read_warnings"):
            orphans = conn.execute(text(f"SELECT count(*) FROM {table} "
                                        "WHERE document_id = :d"), {"d": ids[1]}).scalar()
            assert orphans == 0, table
            kept = conn.execute(text(f"SELECT count(*) FROM {table} "
                                     "WHERE document_id = :d"), {"d": ids[0]}).scalar()
            assert kept > 0 or table == "read_warnings", table


def test_prepare_hashes_what_content_hash_hashes_and_rows_keep_the_texts() -> None:
    """prepare builds the content hash in its pass over the rows: the same hash as
    store.content_hash, on the sample, the forms and the real tables (元 and 万元, with
    and without categories); each indicator row keeps its texts as published."""
    from jixiao.readers import read
    from jixiao.store.repository import INDICATOR_FORM_COLUMNS
    from jixiao.store.schema import UNIT_SHIFT, indicators

    here = Path(__file__).parent
    paths = [here.parent / "examples" / "guangzhou-psb-targets.txt",
             *sorted((here.parent / "examples" / "forms").glob("*.txt")),
             *sorted((here / "data" / "real").glob("*.txt"))]
    docs = [read(p) for p in paths]
    assert any(UNIT_SHIFT.get(d.amount_unit) for d in docs)  # a table in 元 among them
    assert any(i.form is not None for d in docs for p in d.projects for i in p.indicators)
    columns = [c.name for c in indicators.columns][1:]  # the rows carry no document id
    for doc in docs:
        prepared = store.prepare(doc)
        assert prepared.content_hash == store.content_hash(doc)
        published = [(p.seq, k, i) for p in doc.projects for k, i in enumerate(p.indicators)]
        assert len(prepared.indicators) == len(published)
        for row, (seq, k, i) in zip(prepared.indicators, published, strict=True):
            stored = dict(zip(columns, row, strict=True))
            assert (stored["project_seq"], stored["position"], stored["seq"]) == (seq, k, i.seq)
            assert (stored["category"], stored["name"], stored["target"], stored["raw"]) == \
                (i.category, i.name, i.target, i.raw)
            assert stored["has_form"] is (i.form is not None)
            if i.form is None:
                assert all(stored[c] is None for c in INDICATOR_FORM_COLUMNS)


def _rows(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table but the FTS shadow tables, sorted, without the times a
    write stamps (ingested_at, a change's at): what two loads of the same files share."""
    stamped = {"ingested_at", "at", "created_at", "updated_at"}
    found: dict[str, list[tuple[object, ...]]] = {}
    with engine.connect() as conn:
        tables = conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'search_fts_%'").scalars().all()
        for table in tables:
            columns = [c for _, c, *_ in conn.exec_driver_sql(f"PRAGMA table_info({table})")
                       if c not in stamped]
            found[table] = sorted(
                (tuple(r) for r in conn.exec_driver_sql(
                    f"SELECT {', '.join(columns)} FROM {table}")), key=repr)
    return found


@pytest.mark.parametrize("large", [True, False], ids=["indexes-rebuilt", "indexes-kept"])
def test_sqlites_batch_writes_the_rows_one_document_at_a_time_writes(
        tmp_path: Path, large: bool) -> None:
    """SQLite's writer stores a batch with one executemany a table (load._sqlite_batch):
    row for row what storing each document alone stores, in every table — the real
    tables (自评表 among them: their actuals linked to their target table, their money
    lines), a generated one, a second name of one file and the same table twice in the
    batch — with the search index kept (a small load) or dropped and built after."""
    from jixiao import library
    from jixiao.model import SourceInfo
    from jixiao.readers import load_bytes, read_bytes, sniff

    here = Path(__file__).parent
    paths = [*sorted((here / "data" / "real").glob("*.txt")),
             here.parent / "examples" / "generated-2024-targets.txt",
             *sorted((here.parent / "examples" / "forms").glob("*.txt"))]
    batch = []
    for path in paths:
        data = load_bytes(path)
        doc = read_bytes(data, path.name)
        batch.append(store.prepare(doc, SourceInfo(path.name, hashlib.sha256(data).hexdigest(),
                                                   sniff(data)),
                                   library.review(doc, None), None, library.verdict))
    again = batch[3]  # the same bytes under another name, and the same table twice
    batch += [dataclasses.replace(again, file_name="again.txt"), again]
    assert any(d.values.get("kind") == "self-evaluation" for d in batch)
    assert any(d.funding for d in batch) and any(d.findings for d in batch)
    alone, together = (store.connect(str(tmp_path / f"{n}.sqlite")) for n in ("a", "b"))
    one = [store.ingest_prepared(alone, [d])[0] for d in batch]
    if large:
        load.prepare(together, load.Plan(len(batch), 0, True, 0))
    told = load.copy_prepared(together, batch)
    load.finish(together)
    assert [r.status for r in told] == [r.status for r in one]
    assert [r.status for r in told][-2:] == ["same-document", "unchanged"]
    rows = _rows(together)
    assert rows == _rows(alone)
    # every project's name and goal and every indicator's name searchable
    assert len(rows["search_fts"]) == 2 * len(rows["projects"]) + len(rows["indicators"])
