"""The forms other offices publish, in the store (issue 13): every real text that reads is
given back whole by load_document, on SQLite and PostgreSQL, by ingest and by the bulk
load; a 元 table's amounts are kept in 万元; migration 0009 from a 0008 database."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select, text

from conftest import DATA, SAMPLE
from jixiao import bulk, store
from jixiao.errors import ReadError
from jixiao.interchange import to_dict
from jixiao.model import Document
from jixiao.readers import read
from jixiao.store.schema import documents, funding, indicators, projects

REAL = DATA / "real"
# the real texts the form reader reads today (the others are refused with a ReadError)
READABLE = ("01", "05", "06", "08", "11", "13", "19", "23")
MATA = REAL / "13-jingyan-mata-2023-multiproject-yuan.txt"  # amounts in 元
QINGSHEN = REAL / "19-qingshen-fagai-2023-ziping-cellperline.txt"  # a 自评表


def _readings() -> dict[str, Document]:
    out = {}
    for path in sorted(REAL.glob("*.txt")):
        try:
            out[path.name] = read(path)
        except ReadError:
            continue
    return out


def _same(loaded: Document, doc: Document) -> None:
    """Equal as the interchange JSON says, and field by field where a form adds them."""
    assert to_dict(loaded) == to_dict(doc)
    assert (loaded.year, loaded.kind, loaded.amount_unit, loaded.doubtful) == (
        doc.year, doc.kind, doc.amount_unit, doc.doubtful)
    for a, b in zip(loaded.projects, doc.projects, strict=True):
        assert a.form == b.form  # an empty form stays a form: has_form
        assert [i.form for i in a.indicators] == [i.form for i in b.indicators]


@pytest.fixture()
def engine(db_url: str):
    return store.connect(db_url)


def test_every_real_form_that_reads_comes_back_whole(engine) -> None:
    readings = _readings()
    assert {name[:2] for name in readings} >= set(READABLE)
    for name, doc in readings.items():
        result = store.ingest(engine, doc)
        assert result.status == "new", name
        _same(store.load_document(engine, result.document_id), doc)
    assert len(store.list_documents(engine)) == len(readings)


def test_a_yuan_table_is_stored_in_wan_and_given_back_as_published(engine) -> None:
    doc = read(MATA)
    assert doc.amount_unit == "元" and doc.grand_total is not None
    assert doc.grand_total.total == Decimal("8827620.53")
    first = doc.projects[0]
    assert (first.name, str(first.amounts.total)) == ("村组干部报酬", "3309840.00")
    result = store.ingest(engine, doc)
    # the sum of the projects' totals, in 万元, every digit of the 元 figures kept
    assert str(result.total) == format(sum((p.amounts.total or Decimal(0)
                                            for p in doc.projects), Decimal(0))
                                       .scaleb(-4), "f")
    with engine.connect() as conn:
        row = conn.execute(text("select amount_unit, grand_total, kind, stated_year, year "
                                "from documents")).one()
        totals = conn.execute(select(projects.c.total).order_by(projects.c.seq)).scalars()
        stored = [str(t) for t in totals]
    assert tuple(row) == ("元", "882.762053", "targets", 2023, 2023)
    assert stored[0] == "330.984000"
    loaded = store.load_document(engine, result.document_id)
    assert loaded.grand_total is not None and str(loaded.grand_total.total) == "8827620.53"
    assert str(loaded.projects[0].amounts.total) == "3309840.00"
    # the store's lists are in 万元 whatever each table printed
    [summary] = store.list_documents(engine)
    assert summary.total == result.total


def test_a_self_evaluation_keeps_its_form_columns_and_money_lines(engine) -> None:
    doc = read(QINGSHEN)
    p = doc.projects[0]
    assert p.form is not None and p.form.adjusted == Decimal("251.89")
    result = store.ingest(engine, doc)
    with engine.connect() as conn:
        lines = conn.execute(select(funding.c.position, funding.c.label, funding.c.amount)
                             .where(funding.c.project_seq == 1)
                             .order_by(funding.c.position)).all()
        budget = conn.execute(select(projects.c.has_form, projects.c.planned,
                                     projects.c.adjusted, projects.c.executed,
                                     projects.c.department).where(projects.c.seq == 1)).one()
        first = conn.execute(select(indicators.c.has_form, indicators.c.level2,
                                    indicators.c.weight, indicators.c.target)
                             .where(indicators.c.project_seq == 1,
                                    indicators.c.position == 0)).one()
    assert [(r.position, r.label, r.amount) for r in lines] == [
        (k, f.label, f.amount) for k, f in enumerate(p.form.funding)]
    assert lines[1].label == "其中:财政资金" and lines[-1].amount is None
    assert tuple(budget) == (True, Decimal("238.93"), Decimal("251.89"), Decimal("251.89"),
                             "青神县发展和改革局本级")
    assert tuple(first) == (True, "数量指标", Decimal("60"), "=100%")
    loaded = store.load_document(engine, result.document_id)
    assert loaded.kind == "self-evaluation" and loaded.projects[0].form == p.form
    # deleting the document takes its money lines with it
    store.delete_document(engine, result.document_id)
    with engine.connect() as conn:
        assert conn.execute(select(funding)).all() == []


def test_a_form_field_changes_the_content_hash_but_the_sample_keeps_its_own(engine) -> None:
    doc = read(QINGSHEN)
    other = read(QINGSHEN)
    assert other.projects[0].indicators[0].form is not None
    other.projects[0].indicators[0].form.score = Decimal("59")  # another self-evaluation
    assert store.content_hash(doc) != store.content_hash(other)
    sample = read(SAMPLE)
    assert (sample.kind, sample.year) == (None, None)
    # the hash the sample had before forms were stored (documents stored earlier stay found)
    assert store.content_hash(sample) == \
        "7758b1b413c38ac215d631357b9a7fc5a775b68a1f751ebc00f94d481df05456"


def test_the_bulk_load_carries_the_forms(db_url: str, tmp_path: Path) -> None:
    """jixiao.bulk: worker processes prepare the rows, COPY writes them on PostgreSQL."""
    folder = tmp_path / "in"
    folder.mkdir()
    readings = _readings()
    for name in readings:
        shutil.copy(REAL / name, folder / name)
    engine = store.connect(db_url)
    outcomes = bulk.ingest_files(engine, sorted(folder.iterdir()), workers=2)
    assert sorted(o.path.name for o in outcomes if o.result and o.result.status == "new") \
        == sorted(readings)
    for name, doc in readings.items():
        _same(store.load_document(engine, store.resolve_document(engine, name)), doc)


def test_migration_0009_from_a_0008_database_holding_forms(db_url: str) -> None:
    """Down to 0008 the 元 amounts are in 元 again and the form columns gone, as a 0008
    database holds them; up again they are 万元 and the tables are what ingest makes."""
    from jixiao.store.migrate import current, downgrade, upgrade

    engine = store.connect(db_url)
    mata, qingshen = read(MATA), read(QINGSHEN)
    ids = [store.ingest(engine, d).document_id for d in (mata, qingshen)]
    assert downgrade(engine, "0008") == "0008"
    look = inspect(engine)
    assert "funding" not in look.get_table_names()
    assert not {"kind", "stated_year"} & {c["name"] for c in look.get_columns("documents")}
    assert "level2" not in {c["name"] for c in look.get_columns("indicators")}
    with engine.connect() as conn:
        published = conn.execute(text("select grand_total, project_total from documents "
                                      "where amount_unit = '元'")).one()
        first = conn.execute(text(f"select total from projects where document_id = {ids[0]} "
                                  "and seq = 1")).scalar()
    # what a 0008 store wrote for a 元 table: the published figures
    assert (published[0], first) == ("8827620.53", "3309840.00")
    assert Decimal(published[1]) == mata.project_total

    assert upgrade(engine) == "0013"
    with engine.connect() as conn:
        shifted = conn.execute(select(documents.c.grand_total, documents.c.project_total,
                                      documents.c.kind).where(documents.c.id == ids[0])).one()
        forms = conn.execute(select(indicators.c.has_form)).scalars().all()
    assert (str(shifted.grand_total), shifted.kind) == ("882.762053", None)
    assert shifted.project_total == mata.project_total.scaleb(-4)
    assert set(forms) == {False}  # stored before 0009: no form columns to give back
    loaded = store.load_document(engine, ids[0])
    assert loaded.grand_total is not None and str(loaded.grand_total.total) == "8827620.53"
    assert [str(p.amounts.total) for p in loaded.projects] == \
        [str(p.amounts.total) for p in mata.projects]
    assert loaded.projects[0].form is None and loaded.kind is None
    # upgrading again shifts nothing twice; a form stored now comes back whole
    assert upgrade(engine) == "0013" and current(engine) == "0013"
    assert str(store.load_document(engine, ids[0]).projects[0].amounts.total) == "3309840.00"
    again = store.ingest(engine, read(REAL / "06-dongguan-zhanlanguan-2022-mubiaobiao-"
                                               "twoperiod.txt"))
    _same(store.load_document(engine, again.document_id),
          read(REAL / "06-dongguan-zhanlanguan-2022-mubiaobiao-twoperiod.txt"))


def test_a_0008_database_made_from_the_current_schema_is_not_shifted(db_url: str) -> None:
    """Before the revisions were frozen, 0001 created the tables from schema.py as it
    stood: rows a current ingest wrote into such a store at 0008 are in 万元 already, and
    0009 leaves them."""
    from alembic import command

    from jixiao.store.migrate import _config, upgrade
    from jixiao.store.schema import metadata
    from jixiao.store.search import create_search_index

    engine = store.connect(db_url, migrate=False)
    later = {"funding", "cycle_documents", "cycle_projects", "cycle_events", "sources",
             "span_boxes", "corrections"}
    with engine.begin() as conn:  # what that jixiao's 0001–0008 made
        metadata.create_all(conn, tables=[t for n, t in metadata.tables.items()
                                          if n not in later])
        create_search_index(conn)
        command.stamp(_config(conn), "0008")
    doc = read(MATA)
    result = store.ingest(engine, doc)
    assert upgrade(engine) == "0013"
    _same(store.load_document(engine, result.document_id), doc)


def test_show_prints_a_stored_forms_columns_in_its_unit(tmp_path: Path) -> None:
    """`jixiao show` of stored forms: the unit in the money headers, the money lines, the
    自评表 budget block and the form's indicator columns that have values."""
    from typer.testing import CliRunner

    from jixiao.cli import app

    db = str(tmp_path / "jixiao.sqlite")
    engine = store.connect(db)
    ids = {path.name[:2]: store.ingest(engine, read(path)).document_id
           for path in (MATA, QINGSHEN, REAL / "23-langfang-shipin-2019-ziping-cellperline.txt",
                        REAL / "08-wuhan-qingshan-jiaoyu-2020-longterm-annual-cells.txt")}
    runner = CliRunner()

    def show(*args: str) -> str:
        result = runner.invoke(app, ["show", *args, "--db", db], env={"COLUMNS": "250"})
        assert result.exit_code == 0, result.output
        return result.output

    listing = show(str(ids["13"]))
    assert "总计（元）" in listing and "8,827,620.53" in listing and "3,309,840.00" in listing
    first = show(str(ids["13"]), "1")
    assert "总计 3,309,840.00  财政拨款   财政专户拨款   其他资金  元" in first
    assert "二级指标（原文）" in first and "社会效益指标" in first and "正向指标" in first
    assert "指标方向" in first and "指标性质" in first and "实际完成值" not in first
    qingshen = show(str(ids["19"]), "1")
    assert "主管部门：青神县发展和改革局本级" in qingshen
    assert "资金来源：总额 251.89  其中:财政资金 251.89" in qingshen
    assert "年初预算数 238.93  全年预算数 251.89  全年执行数 251.89 万元" in qingshen
    langfang = show(str(ids["23"]), "1")
    project = read(REAL / "23-langfang-shipin-2019-ziping-cellperline.txt").projects[0]
    first = project.indicators[0].form
    assert project.form is not None and first is not None and first.reason is not None
    for words in ("实际完成值", "得分", "偏差原因", f"{first.actual}",
                  f"预算执行得分 {project.form.execution_score}", first.reason[:10]):
        assert words in langfang, words
    wuhan = show(str(ids["08"]), "1")
    assert "中长期目标：优化教育布局" in wuhan and "项目期：202001-202012" in wuhan
    assert "资金来源：资金总额 10,000.00  当年资金总额 10,000.00" in wuhan


def test_export_carries_a_forms_columns_from_the_store(tmp_path: Path) -> None:
    """`jixiao export` of stored forms: the new project and indicator columns and the money
    lines, texts kept exact behind the formula escape, decimals as decimals."""
    import csv

    import pyarrow.parquet as pq
    from openpyxl import load_workbook
    from typer.testing import CliRunner

    from jixiao.cli import app
    from jixiao.writers.cells import restore_csv

    db = str(tmp_path / "jixiao.sqlite")
    engine = store.connect(db)
    langfang = REAL / "23-langfang-shipin-2019-ziping-cellperline.txt"
    docs = [read(p) for p in (MATA, QINGSHEN, langfang)]
    for doc in docs:
        store.ingest(engine, doc)
    runner = CliRunner()
    for fmt, out in (("csv", tmp_path / "csv"), ("xlsx", tmp_path / "t.xlsx"),
                     ("parquet", tmp_path / "pq")):
        result = runner.invoke(app, ["export", "-f", fmt, "-o", str(out), "--db", db])
        assert result.exit_code == 0, result.output

    def table(name: str) -> list[dict[str, str]]:
        with (tmp_path / "csv" / f"{name}.csv").open(encoding="utf-8") as fh:
            return list(csv.DictReader(fh))

    documents_ = table("documents")
    assert [(r["amount_unit"], r["kind"], r["year"]) for r in documents_] == [
        ("元", "targets", "2023"), ("万元", "self-evaluation", "2023"),
        (docs[2].amount_unit, docs[2].kind, str(docs[2].year))]
    assert documents_[0]["grand_total"] == "8827620.53"  # as published, in 元
    projects_ = table("projects")
    assert projects_[0]["total"] == "3309840.00" and projects_[0]["amount_unit"] == "元"
    qingshen = next(r for r in projects_ if r["document"] == "2")
    assert (qingshen["planned"], qingshen["adjusted"], qingshen["executed"],
            qingshen["department"]) == ("238.93", "251.89", "251.89", "青神县发展和改革局本级")
    lines = [r for r in table("funding_lines") if r["document"] == "2"]
    form = docs[1].projects[0].form
    assert form is not None
    assert [(r["line"], r["label"], r["amount"]) for r in lines] == [
        (str(k), f.label, "" if f.amount is None else format(f.amount, "f"))
        for k, f in enumerate(form.funding, start=1)]
    rows = table("indicators")
    keys = ("category_points", "level2", "target_long", "weight", "stated_direction",
            "standard", "actual", "score", "reason")
    expected = [
        [None if v is None else format(v, "f") if isinstance(v, Decimal) else v
         for v in ((i.form.category_points, i.form.level2, i.form.target_long, i.form.weight,
                    i.form.direction, i.form.standard, i.form.actual, i.form.score,
                    i.form.reason) if i.form else (None,) * 9)]
        for doc in docs for _, i in doc.iter_indicators()]
    assert [[restore_csv(r[k]) or None for k in keys] for r in rows] == expected
    assert rows[0]["weight"] == "10" and rows[0]["stated_direction"] == "正向指标"
    # "=100%" is a target, not a formula
    assert next(r for r in rows if r["document"] == "2")["target"] == "'=100%"

    book = load_workbook(tmp_path / "t.xlsx", read_only=True)
    sheet = list(book["indicators"].iter_rows(values_only=True))
    header = list(sheet[0])
    first = dict(zip(header, sheet[1], strict=False))  # (trailing empty cells are cut)
    assert first["weight"] == 10 and first["level2"] == "社会效益指标"
    funding_sheet = list(book["funding_lines"].iter_rows(values_only=True))
    assert funding_sheet[0][:4] == ("document", "project", "line", "label")
    assert len(funding_sheet) - 1 == len(table("funding_lines"))
    parquet = pq.read_table(tmp_path / "pq" / "indicators.parquet")
    assert str(parquet.schema.field("weight").type) == "decimal128(24, 4)"
    assert parquet.column("weight")[0].as_py() == Decimal("10.0000")
    money = pq.read_table(tmp_path / "pq" / "projects.parquet")
    assert str(money.schema.field("executed").type) == "decimal128(24, 2)"
    assert money.column("total")[0].as_py() == Decimal("3309840.00")


def _boxes(doc: Document) -> list[tuple[str, tuple[float, ...] | None]]:
    out = []
    for p in doc.projects:
        out += [(f"{p.seq}.{key}", s.box) for key, s in sorted(p.field_spans.items())]
        out += [(f"{p.seq}.{i.seq}", i.span.box) for i in p.indicators]
    return out


def _rounded(boxes: list[tuple[str, tuple[float, ...] | None]]) -> list[tuple[str, Any]]:
    return [(k, None if b is None else tuple(round(v, 2) for v in b)) for k, b in boxes]


def test_a_pdf_forms_boxes_go_through_the_interchange_and_the_store(engine) -> None:
    """A real PDF 自评表: the boxes of its fields and indicators are written in the
    interchange JSON (`box`, optional), read back from it, and kept by the store with the
    spans of the fields; JSON without boxes reads as before, a box off any page is refused."""
    import json

    from jixiao.interchange import from_dict

    doc = read(REAL / "pdf" / "ningde-zfb-2024-zhengti-zipingbiao.pdf")
    boxes = _boxes(doc)
    assert boxes and all(b is not None for _, b in boxes)
    data = json.loads(json.dumps(to_dict(doc), ensure_ascii=False))
    total = data["projects"][0]["field_sources"]["total_cell"]
    assert total["page"] == 1 and len(total["box"]) == 4
    assert _boxes(from_dict(data)) == _rounded(boxes)
    # without the key: the same reading, no box
    for p in data["projects"]:
        for s in [p["source"], *p["field_sources"].values(),
                  *(i["source"] for i in p["indicators"])]:
            s.pop("box", None)
    assert all(b is None for _, b in _boxes(from_dict(data)))
    data["projects"][0]["source"] = {"box": [1, 2, 3, 4]}  # no page
    with pytest.raises(ReadError) as info:
        from_dict(data)
    assert info.value.code == "bad-json" and "projects[0].source" in info.value.message
    # the store keeps a field's box with its span (the rows' boxes: store.corrections)
    loaded = store.load_document(engine, store.ingest(engine, doc).document_id)
    fields = [(k, b) for k, b in boxes if not k.split(".")[1].isdigit()]
    assert [(k, b) for k, b in _boxes(loaded) if not k.split(".")[1].isdigit()] == fields
