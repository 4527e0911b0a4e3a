"""A table whose texts start with = + - @ or a tab (formula injection, CWE-1236) comes out
of every writer as the same text: never a formula in a workbook, an apostrophe-escaped
field in CSV, and the actuals sheet made from it reads back."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from conftest import REPO
from jixiao.cli import app
from jixiao.evaluation.sheet import read_actuals_sheet
from jixiao.interchange import to_dict
from jixiao.model import Document
from jixiao.readers import read
from jixiao.writers.cells import FORMULA_STARTS, append_row, restore_csv, safe_csv
from jixiao.writers.tabular import TABLES, export

CMD = "=cmd|' /C calc'!A0"
LINK = '=HYPERLINK("http://x","y")'
PLUS, MINUS, AT, TAB = "+1+1", "-2+3", "@SUM(A1)", "\t=1"
HOSTILE = {CMD, LINK, PLUS, MINUS, AT, TAB}
NEGATIVE = Decimal("-1.50")  # an amount below zero (the readers refuse one; a writer keeps it)
runner = CliRunner()


def hostile_document() -> Document:
    """The bundled sample with its first three projects, their unit and some of their
    indicators renamed to texts a spreadsheet would evaluate."""
    doc = read(REPO / "examples" / "guangzhou-psb-targets.txt")
    first, second, third = doc.projects[:3]
    first.name, first.goal = CMD, LINK
    first.indicators[0].name, first.indicators[0].target = PLUS, MINUS
    first.indicators[1].name, first.indicators[1].target = AT, TAB
    second.name, second.goal = TAB, LINK  # the same goal: a group for compare copies
    second.indicators[0].name, second.indicators[0].target = MINUS, CMD
    third.name = PLUS
    failures = next(i for i in third.indicators if i.name == "系统故障率")
    failures.target = AT  # shown by compare indicator 系统故障率
    for p in (first, second, third):
        for i in p.indicators[:2]:
            i.raw = i.name + i.target
    doc.units[0].name = AT
    return doc


@dataclass(frozen=True, slots=True)
class Outputs:
    folder: Path
    doc: Document
    env: dict[str, str]

    def __getitem__(self, name: str) -> Path:
        return self.folder / name


def _run(args: list[str], env: dict[str, str]) -> str:
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Outputs:
    """Every writer run once through the CLI on the hostile table, stored in SQLite."""
    folder = tmp_path_factory.mktemp("injection")
    doc = hostile_document()
    source = folder / "hostile.json"
    source.write_text(json.dumps(to_dict(doc), ensure_ascii=False), encoding="utf-8")
    env = {"COLUMNS": "200", "JIXIAO_DB": str(folder / "store.sqlite")}
    _run(["ingest", str(source), "--year", "2023"], env)
    o = str(folder)
    for args in (["export", "-f", "csv", "-o", f"{o}/csv"],
                 ["export", "-f", "xlsx", "-o", f"{o}/export.xlsx"],
                 ["audit", "1", "-f", "xlsx", "-o", f"{o}/review.xlsx"],
                 ["publish", "1", "-o", f"{o}/wide.xlsx"],
                 ["publish", "1", "-o", f"{o}/long.xlsx", "--form", "long"],
                 ["actuals", "template", "1", "-o", f"{o}/template.xlsx"],
                 ["actuals", "template", "1", "-o", f"{o}/filled.xlsx", "--generate", "7"],
                 ["actuals", "import", f"{o}/filled.xlsx", "--doc", "1"],
                 ["score", "1", "--year", "2023", "-o", f"{o}/forms.xlsx"],
                 ["monitor", "1", "--actuals", f"{o}/filled.xlsx", "--date", "2023-07-31",
                  "-o", f"{o}/monitoring.xlsx"],
                 ["compare", "indicator", "系统故障率", "--xlsx", f"{o}/indicator.xlsx"],
                 ["compare", "project", CMD, "--xlsx", f"{o}/project.xlsx"],
                 ["compare", "copies", "--xlsx", f"{o}/copies.xlsx"]):
        _run(args, env)
    return Outputs(folder, doc, env)


# what each workbook must show word for word (the texts it carries of the table)
WORKBOOKS = {
    "export.xlsx": HOSTILE,
    "review.xlsx": {CMD, TAB, PLUS, AT},  # verdicts name every project; findings the unit
    "wide.xlsx": {CMD, LINK, TAB, PLUS, AT},  # indicators sit in one cell, numbered
    "long.xlsx": HOSTILE,
    "template.xlsx": {CMD, TAB, PLUS, MINUS, AT},
    "filled.xlsx": {CMD, TAB, PLUS, MINUS, AT},
    "forms.xlsx": HOSTILE,
    "monitoring.xlsx": {CMD, TAB, PLUS, MINUS, AT},
    "indicator.xlsx": {PLUS, AT},
    "project.xlsx": {CMD},
    "copies.xlsx": {CMD, TAB, LINK},
}


def _cells(path: Path) -> list[Any]:
    return [c for ws in load_workbook(path) for row in ws.iter_rows() for c in row]


@pytest.mark.parametrize("name", sorted(WORKBOOKS))
def test_no_cell_is_a_formula_and_the_text_is_exact(outputs: Outputs, name: str) -> None:
    cells = _cells(outputs[name])
    # jixiao writes no formula on purpose: no cell of any workbook may be one
    assert [(c.coordinate, c.value) for c in cells if c.data_type == "f"] == []
    texts = {c.value for c in cells if c.data_type == "s"}
    assert WORKBOOKS[name] <= texts, WORKBOOKS[name] - texts
    # …and the hostile texts are strings, nothing else (no error cell, no number)
    assert {c.data_type for c in cells if c.value in HOSTILE} == {"s"}


def test_published_rows_keep_every_field_in_place(outputs: Outputs) -> None:
    ws = load_workbook(outputs["long.xlsx"]).active
    header = [c.value for c in ws[3]]
    rows = [dict(zip(header, (c.value for c in row), strict=True))
            for row in ws.iter_rows(min_row=4)]
    first = [r for r in rows if r["项目名称"] == CMD]
    assert [(r["资金使用单位"], r["绩效目标"]) for r in first[:1]] == [(AT, LINK)]
    assert [(r["指标名称"], r["年度指标值"], r["指标原文"]) for r in first[:2]] == [
        (PLUS, MINUS, PLUS + MINUS), (AT, TAB, AT + TAB)]
    wide = load_workbook(outputs["wide.xlsx"]).active
    row = next(r for r in wide.iter_rows(min_row=4) if r[0].value == CMD)
    assert row[-2].value == LINK
    assert row[-1].value.split("\n")[:2] == [f"1、{PLUS}{MINUS}", f"2、{AT}{TAB}"]
    assert (row[1].data_type, row[1].value) == ("n", 11294.1)  # amounts stay numbers


def test_export_amounts_stay_numbers_a_negative_one_too(tmp_path: Path) -> None:
    """The exporter itself (the store refuses a negative amount before it gets there)."""
    doc = hostile_document()
    doc.projects[2].amounts.other = NEGATIVE
    export([doc], tmp_path / "export.xlsx", "xlsx")
    ws = load_workbook(tmp_path / "export.xlsx")["funding"]
    amounts = [(r[2].value, r[3]) for r in ws.iter_rows(min_row=2) if r[1].value == 3]
    assert [(s, c.data_type, c.value) for s, c in amounts] == [
        ("财政拨款", "n", 23.33), ("其他资金", "n", -1.5)]
    export([doc], tmp_path / "csv", "csv")
    projects = _csv_rows(tmp_path / "csv" / "projects.csv")
    assert [(p["name"], p["other"]) for p in projects[:3]] == [
        ("'" + CMD, ""), ("'" + TAB, ""), ("'" + PLUS, "-1.50")]  # the amount: no apostrophe
    funding = _csv_rows(tmp_path / "csv" / "funding.csv")
    assert [f["amount"] for f in funding if f["project"] == "3"] == ["23.33", "-1.50"]


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


@pytest.mark.parametrize("table", sorted(TABLES))
def test_csv_fields_follow_the_apostrophe_rule(outputs: Outputs, table: str) -> None:
    numeric = {f.name for f in TABLES[table] if f.type in ("number", "integer")}
    for row in _csv_rows(outputs["csv"] / f"{table}.csv"):
        for column, field in row.items():
            if column in numeric:
                assert field == "" or _is_number(field), (column, field)  # never escaped
            else:
                assert not field.startswith(FORMULA_STARTS), (column, field)
                assert restore_csv(field) == field or (
                    field.startswith("'") and restore_csv(field) == field[1:])


def test_csv_restores_the_exact_text(outputs: Outputs) -> None:
    projects = _csv_rows(outputs["csv"] / "projects.csv")
    assert [(p["unit"], p["name"], p["goal"]) for p in projects[:2]] == [
        ("'" + AT, "'" + CMD, "'" + LINK), ("'" + AT, "'" + TAB, "'" + LINK)]
    restored = [{k: restore_csv(v) for k, v in p.items()} for p in projects]
    assert [(p["unit"], p["name"], p["goal"]) for p in restored[:3]] == [
        (AT, CMD, LINK), (AT, TAB, LINK), (AT, PLUS, outputs.doc.projects[2].goal)]
    assert [p["name"] for p in restored] == [p.name for p in outputs.doc.projects]
    indicators = [{k: restore_csv(v) for k, v in i.items()}
                  for i in _csv_rows(outputs["csv"] / "indicators.csv")]
    assert [(i["name"], i["target"]) for i in indicators] == [
        (i.name, i.target) for p in outputs.doc.projects for i in p.indicators]


def test_the_actuals_sheet_of_such_a_table_reads_back(outputs: Outputs) -> None:
    checked = _run(["actuals", "check", str(outputs["template.xlsx"]), "--doc", "1"],
                   outputs.env)
    assert "142 个项目，540 个指标中已填 0 个；没有错误" in checked
    blank = read_actuals_sheet(outputs["template.xlsx"].read_bytes(), outputs.doc)
    assert (blank.year, len(blank.executions), len(blank.values)) == (2023, 142, 540)
    assert {a.value for a in blank.values.values()} == {""}  # every indicator, unanswered
    filled = read_actuals_sheet(outputs["filled.xlsx"].read_bytes(), outputs.doc)
    assert len(filled.values) == 540
    ws = load_workbook(outputs["template.xlsx"])["指标完成情况"]
    names = [(r[1].value, r[5].value, r[6].value) for r in ws.iter_rows(min_row=3, max_row=5)]
    assert names[:2] == [(CMD, PLUS, MINUS), (CMD, AT, TAB)]
    forms = load_workbook(outputs["forms.xlsx"])["1"]
    assert [forms["B2"].value, forms["B6"].value] == [CMD, LINK]


@pytest.mark.parametrize("text", ["", "abc", "项目", CMD, LINK, PLUS, MINUS, AT, TAB, "\r=1",
                                  "'", "'abc", "'=x", "''@y", "'''+1"])
def test_the_csv_escape_is_reversible(text: str) -> None:
    written = safe_csv(text)
    assert restore_csv(written) == text
    assert not written.startswith(FORMULA_STARTS)
    assert written == ("'" + text if text.lstrip("'").startswith(FORMULA_STARTS) else text)


def test_numbers_are_not_escaped(tmp_path: Path) -> None:
    assert [safe_csv(v) for v in (NEGATIVE, -3, -0.5, None)] == [NEGATIVE, -3, -0.5, None]
    book = Workbook()
    append_row(book.active, [NEGATIVE, -3, CMD, "#N/A"])  # '#N/A' would be an error cell
    book.save(tmp_path / "row.xlsx")
    cells = next(load_workbook(tmp_path / "row.xlsx").active.iter_rows())
    assert [(c.data_type, c.value) for c in cells] == [("n", -1.5), ("n", -3), ("s", CMD),
                                                      ("s", "#N/A")]
