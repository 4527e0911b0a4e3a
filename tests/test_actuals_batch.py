"""A batch of actual values is all or nothing, in one transaction with its change-log rows
(`Store.put_actuals`): through the store, a real `jixiao serve` and `jixiao actuals
import`, on SQLite and on the real PostgreSQL server (issue 12)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from conftest import SAMPLE
from jixiao import store
from jixiao.cli import app
from jixiao.evaluation.actuals import Actual
from jixiao.evaluation.sheet import read_actuals_sheet, write_actuals_sheet
from jixiao.readers import read
from jixiao.store import accounts
from jixiao.store.store import Store
from jixiao.synthetic import generate_actuals, generate_document
from ports import free_port, wait_for_port
from webclient import PASSWORD

PSB = "广州市公安局"
BATCH = 5_000


def _positions(engine: Engine, doc_id: int) -> list[tuple[int, int]]:
    doc = store.load_document(engine, doc_id)
    return [(p.seq, k) for p in doc.projects for k in range(len(p.indicators))]


def _put_actuals_logged(engine: Engine) -> list[accounts.Change]:
    return [c for c in accounts.list_changes(engine, limit=100_000)
            if c.action == "put-actual"]


def _refuse_log_row(engine: Engine, entity: str) -> None:
    """A trigger that refuses one change-log row (as a full disk or a broken constraint
    would), on either backend."""
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse_row BEFORE INSERT ON changes WHEN NEW.entity = "
                f"'{entity}' BEGIN SELECT RAISE(ABORT, 'log refused'); END")
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION refuse_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF NEW.entity = '{entity}' THEN RAISE EXCEPTION 'log refused'; END IF; "
                "RETURN NEW; END $$")
            conn.exec_driver_sql("CREATE TRIGGER refuse_row BEFORE INSERT ON changes "
                                 "FOR EACH ROW EXECUTE FUNCTION refuse_row()")


def test_a_batch_whose_last_value_is_wrong_writes_and_logs_nothing(db_url: str) -> None:
    engine = store.connect(db_url)
    doc_id = store.ingest(engine, read(SAMPLE)).document_id
    psb = accounts.add_user(engine, "psb", PASSWORD, "department", PSB)
    good = [Actual(seq, k, f"{n}%", "按计划") for n, (seq, k) in
            enumerate(_positions(engine, doc_id))]
    assert len(good) == 540
    with pytest.raises(accounts.AccountError, match="项目1第999个指标"):
        Store(engine).put_actuals(psb, doc_id, 2023, [*good, Actual(1, 999, "1")])
    assert store.load_actuals(engine, doc_id, 2023).values == {}
    assert _put_actuals_logged(engine) == []

    # the database fails at the 400th row of the change log: the values go with it
    _refuse_log_row(engine, f"actual {doc_id}/2023/全年/{good[399].project}/"
                            f"{good[399].indicator}")
    with pytest.raises(Exception, match="log refused"):
        Store(engine).put_actuals(psb, doc_id, 2023, good)
    assert store.load_actuals(engine, doc_id, 2023).values == {}
    assert _put_actuals_logged(engine) == []
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER refuse_row" if conn.dialect.name == "sqlite" else
                          "DROP TRIGGER refuse_row ON changes"))

    # the same batch, whole: every value stored, a row for each with what it replaced
    assert Store(engine).put_actuals(psb, doc_id, 2023, good[:2]) == 2
    assert Store(engine).put_actuals(psb, doc_id, 2023, good) == 540
    stored = store.load_actuals(engine, doc_id, 2023).values
    assert {k: (v.value, v.reason) for k, v in stored.items()} == {
        (a.project, a.indicator): (a.value, a.reason) for a in good}
    log = _put_actuals_logged(engine)
    # the two sent again as stored changed nothing: neither written nor logged again
    assert len(log) == 540 and {c.username for c in log} == {"psb"}
    first = f"actual {doc_id}/2023/全年/{good[0].project}/{good[0].indicator}"
    assert [(c.before, c.after) for c in log if c.entity == first] == [
        (None, {"value": "0%", "reason": "按计划"})]
    # the single-value form's function is a batch of one
    Store(engine).put_actuals(psb, doc_id, 2023, [Actual(good[0].project, good[0].indicator,
                                                                "99%", "改")])
    assert store.load_actuals(engine, doc_id, 2023).values[
        (good[0].project, good[0].indicator)].value == "99%"
    assert _put_actuals_logged(engine)[0].after == {"value": "99%", "reason": "改"}


# ---- a real server on either backend ------------------------------------------------------


def _serve(db: str, folder: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    jixiao = str(Path(sys.executable).with_name("jixiao"))
    process = subprocess.Popen([jixiao, "serve", "--port", str(port), "--db", db],
                               env={**os.environ, "TMPDIR": str(folder)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, 60)
        yield f"http://127.0.0.1:{port}", process
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=20)
        print(errors.decode(errors="replace")[-3000:])


def test_a_put_of_5000_values_lands_whole_and_one_wrong_value_lands_nothing(
        db_url: str, tmp_path: Path) -> None:
    engine = store.connect(db_url)
    big = generate_document(read(SAMPLE), seed=7, projects=1_600)
    big.department = PSB
    doc_id = store.ingest(engine, big).document_id
    positions = _positions(engine, doc_id)
    assert len(positions) >= BATCH
    psb = accounts.add_user(engine, "psb", PASSWORD, "department", PSB)
    token = accounts.add_api_token(engine, psb, "batch")
    # values each target accepts (the API checks them): a generated year of results
    results = generate_actuals(big, 7).values
    values = [{"project": seq, "indicator": k, "value": results[(seq, k)].value,
               "reason": "批量"} for seq, k in positions[:BATCH]]
    path = f"/api/v1/documents/{doc_id}/actuals/2023"
    headers = {"Authorization": f"Bearer {token}"}
    for url, _ in _serve(db_url, tmp_path):
        wrong = [*values[:-1], {**values[-1], "indicator": 999}]
        response = httpx.put(url + path, json={"values": wrong}, headers=headers, timeout=120)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "no-indicator"
        assert store.load_actuals(engine, doc_id, 2023).values == {}
        assert _put_actuals_logged(engine) == []

        started = time.perf_counter()
        response = httpx.put(url + path, json={"values": values}, headers=headers, timeout=120)
        took = time.perf_counter() - started
        assert response.status_code == 200, response.text
        assert len(response.json()["values"]) == BATCH
        print(f"PUT of {BATCH:,} actual values on {engine.dialect.name}: {took:.2f} s")
    stored = store.load_actuals(engine, doc_id, 2023).values
    assert len(stored) == BATCH
    assert all(stored[(v["project"], v["indicator"])].value == v["value"] for v in values)
    log = _put_actuals_logged(engine)
    assert len(log) == BATCH and {c.username for c in log} == {"psb"}
    assert {c.entity for c in log} == {
        f"actual {doc_id}/2023/全年/{v['project']}/{v['indicator']}" for v in values}


# ---- jixiao actuals import ---------------------------------------------------------------


def test_actuals_import_is_logged_in_its_transaction(db_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    engine = store.connect(db_url)
    doc = read(SAMPLE)
    doc_id = store.ingest(engine, doc).document_id
    sheet = write_actuals_sheet(doc, tmp_path / "filled.xlsx", 2023,
                                generate_actuals(doc, 3, 2023))
    filled = read_actuals_sheet(sheet.read_bytes(), doc, sheet.name)  # with its sheet rows
    args = ["actuals", "import", str(sheet), "--doc", str(doc_id), "--db", db_url]

    # the log refuses one row: the import fails and nothing of the sheet is stored
    first = min(filled.values)
    _refuse_log_row(engine, f"actual {doc_id}/2023/全年/{first[0]}/{first[1]}")
    result = runner.invoke(app, args)
    assert result.exit_code != 0
    assert store.load_actuals(engine, doc_id, 2023).values == {}
    assert store.load_actuals(engine, doc_id, 2023).executions == {}
    assert accounts.list_changes(engine) == []
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER refuse_row" if conn.dialect.name == "sqlite" else
                          "DROP TRIGGER refuse_row ON changes"))

    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    stored = store.load_actuals(engine, doc_id, 2023)
    assert stored.values == filled.values and len(stored.executions) == 142
    log = accounts.list_changes(engine, limit=10_000)
    assert {c.username for c in log} == {"(cli)"}
    assert sum(c.action == "put-actual" for c in log) == len(filled.values) == 540
    assert sum(c.action == "put-execution" for c in log) == 142
    entry = next(c for c in log if c.entity == f"actual {doc_id}/2023/全年/{first[0]}/{first[1]}")
    assert entry.before is None
    assert entry.after["value"] == filled.values[first].value

    # a web edit, then the sheet imported again: the edit is replaced, and its row says so
    Store(engine).put_actuals(None, doc_id, 2023, [Actual(*first, "手改")])
    assert runner.invoke(app, args).exit_code == 0
    assert store.load_actuals(engine, doc_id, 2023).values == filled.values
    again = [c for c in accounts.list_changes(engine, limit=10_000)
             if c.entity == f"actual {doc_id}/2023/全年/{first[0]}/{first[1]}"]
    assert again[0].before["value"] == "手改"
    assert again[0].after["value"] == filled.values[first].value
