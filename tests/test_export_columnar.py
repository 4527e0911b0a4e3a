"""The columnar export (SQL → Arrow → CSV / Parquet / Data Package / xlsx, issue 20 item 4)
writes what the export through Documents writes (tabular.export of load_document), row for
row and column for column, on SQLite and PostgreSQL: the sample, every real form that reads
(a 元 table, form columns, money lines, a 自评表) and generated tables of two departments
and two years; and `--year` / `--department` take the documents they name."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from conftest import DATA, SAMPLE
from jixiao import store
from jixiao.cli import app
from jixiao.errors import ReadError
from jixiao.readers import read
from jixiao.store import columnar
from jixiao.synthetic import generate_document
from jixiao.writers.cells import restore_csv
from jixiao.writers.columnar import batch_schema, export_batches, safe_csv_texts
from jixiao.writers.tabular import TABLES, export

runner = CliRunner()


@pytest.fixture()
def stored(db_url: str) -> tuple[str, dict[int, tuple[str | None, int | None]]]:
    """A store of the sample, the real forms and four generated tables; {id: (department,
    year)} as each was stored."""
    engine = store.connect(db_url)
    pool = read(SAMPLE)
    docs = [(pool, None)]
    for path in sorted((DATA / "real").glob("*.txt")):
        try:
            docs.append((read(path), None))
        except ReadError:
            continue  # a text the form reader refuses today
    for seed, year, department in ((1, 2024, "甲局"), (2, 2025, "甲局"), (3, 2024, "乙局"),
                                   (4, 2025, "乙局")):
        doc = generate_document(pool, seed, projects=12, mixes=("all", "special"))
        doc.department = department
        docs.append((doc, year))
    known = {}
    for doc, year in docs:
        result = store.ingest(engine, doc, year=year)
        assert result.status == "new"
        with engine.connect() as conn:
            from sqlalchemy import select

            from jixiao.store.schema import documents
            known[result.document_id] = (doc.department, conn.execute(
                select(documents.c.year).where(documents.c.id == result.document_id)).scalar())
    assert any(doc.amount_unit == "元" for doc, _ in docs)  # a shift back to 元 is exercised
    return db_url, known


def _old(engine, ids: list[int], out: Path, fmt: str) -> Path:
    export((store.load_document(engine, i) for i in ids), out, fmt)
    return out


def _new(engine, ids: list[int], out: Path, fmt: str) -> Path:
    export_batches(columnar.record_batches(engine, ids, chunk=3), out, fmt)  # several chunks
    return out


def _csv_rows(folder: Path, name: str) -> list[list[str]]:
    with (folder / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_csv_and_parquet_equal_the_export_through_documents(stored, tmp_path: Path) -> None:
    db, known = stored
    engine = store.connect(db)
    ids = columnar.document_ids(engine)
    assert ids == sorted(known)
    for fmt in ("csv", "parquet"):
        old = _old(engine, ids, tmp_path / f"old-{fmt}", fmt)
        new = _new(engine, ids, tmp_path / f"new-{fmt}", fmt)
        for name in TABLES:
            if fmt == "csv":
                a, b = _csv_rows(old, name), _csv_rows(new, name)
            else:
                ta, tb = pq.read_table(old / f"{name}.parquet"), \
                    pq.read_table(new / f"{name}.parquet")
                assert ta.schema == tb.schema, name
                a, b = ta.to_pylist(), tb.to_pylist()
            assert len(a) == len(b), (fmt, name)
            for k, (x, y) in enumerate(zip(a, b, strict=True)):
                assert x == y, (fmt, name, k)
    # what the comparison covered: every table has rows, a 元 table's amounts are as printed
    assert all(len(_csv_rows(tmp_path / "new-csv", name)) > 1 for name in TABLES)
    header, *rows = _csv_rows(tmp_path / "new-csv", "projects")
    yuan = {p["name"]: p for p in (dict(zip(header, r, strict=True)) for r in rows)
            if p["amount_unit"] == "元"}
    assert Decimal(yuan["村组干部报酬"]["total"]) == Decimal("3309840.00")  # as printed


def test_datapackage_and_xlsx_equal_the_export_through_documents(stored,
                                                                 tmp_path: Path) -> None:
    db, known = stored
    engine = store.connect(db)
    ids = sorted(known)
    old = _old(engine, ids, tmp_path / "old", "datapackage")
    new = _new(engine, ids, tmp_path / "new", "datapackage")
    assert (old / "datapackage.json").read_text(encoding="utf-8") == \
        (new / "datapackage.json").read_text(encoding="utf-8")
    for name in TABLES:
        assert _csv_rows(old, name) == _csv_rows(new, name)
    a = load_workbook(_old(engine, ids, tmp_path / "old.xlsx", "xlsx"), read_only=True)
    b = load_workbook(_new(engine, ids, tmp_path / "new.xlsx", "xlsx"), read_only=True)
    assert a.sheetnames == b.sheetnames == list(TABLES)
    for name in TABLES:
        assert list(a[name].values) == list(b[name].values), name


def test_year_and_department_filters(stored, tmp_path: Path) -> None:
    db, known = stored
    engine = store.connect(db)
    for year, dept in ((2024, None), (None, "甲局"), (2025, "甲局")):
        ids = [i for i, (d, y) in sorted(known.items())
               if (year is None or y == year) and (dept is None or d == dept)]
        assert ids and len(ids) < len(known)
        args = ["export", "--db", db, "-f", "csv", "-o", str(tmp_path / "cli")]
        args += ["--year", str(year)] if year is not None else []
        args += ["--department", dept] if dept is not None else []
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        old = _old(engine, ids, tmp_path / "old", "csv")
        for name in TABLES:
            assert _csv_rows(tmp_path / "cli", name) == _csv_rows(old, name), (year, dept)


def test_formula_cells_are_escaped_as_cells_safe_csv_does() -> None:
    import pyarrow as pa

    texts = ["=1+1", "+86", "-5", "@SUM(A1)", "\tx", "'=x", "''+y", "普通", "", None, "a=b"]
    escaped = safe_csv_texts(pa.array(texts, pa.string())).to_pylist()
    from jixiao.writers.cells import safe_csv
    assert escaped == [safe_csv(t) for t in texts]
    assert [None if e is None else restore_csv(e) for e in escaped] == texts


def test_batches_have_the_schema_the_writers_expect() -> None:
    assert {name: columnar.schema(name) for name in TABLES} == \
        {name: batch_schema(name) for name in TABLES}


def test_projects_numbered_out_of_unit_order_export_in_unit_order(db_url: str,
                                                                  tmp_path: Path) -> None:
    """A table whose 序号 do not follow its units (numbered backwards here): the columnar
    path sorts projects by unit as the path through Documents writes them, and takes the
    indicators and money lines by project in that order."""
    engine = store.connect(db_url)
    doc = generate_document(read(SAMPLE), 7, projects=9, units=3, mixes=("all", "special"))
    assert len(doc.units) > 1
    for number, project in enumerate(reversed(doc.projects), start=1):
        project.seq = number
    store.ingest(engine, doc)
    ids = columnar.document_ids(engine)
    old = _old(engine, ids, tmp_path / "old", "csv")
    new = _new(engine, ids, tmp_path / "new", "csv")
    for name in TABLES:
        assert _csv_rows(old, name) == _csv_rows(new, name), name
    header, *rows = _csv_rows(new, "projects")
    seqs = [int(r[header.index("project")]) for r in rows]
    assert seqs[0] > seqs[-1]  # the first unit's numbers are the last: units come first


def test_batches_read_ahead_stop_with_the_reader_and_raise_its_error(db_url: str) -> None:
    """The chunk read ahead in a thread: the caller that stops early ends the reading (and
    its connection: a second export of the same store runs), a reading error reaches the
    caller."""
    import threading

    engine = store.connect(db_url)
    store.ingest(engine, read(SAMPLE))
    ids = columnar.document_ids(engine)
    batches = columnar.record_batches(engine, ids)
    assert next(batches)[0] == "documents"
    batches.close()
    assert not any(t.name == "export-reader" for t in threading.enumerate())
    assert sorted(name for name, _ in columnar.record_batches(engine, ids)) == \
        sorted(columnar.COLUMNS)
    closed = []

    def failing():
        try:
            yield 1
            raise ReadError("bad-table", "坏表", None)
        finally:
            closed.append(True)

    got = []
    with pytest.raises(ReadError, match="坏表"):
        for item in columnar._ahead(failing(), 2):
            got.append(item)
    assert got == [1] and closed == [True]
