"""Exports for analysts: CSV, xlsx, Parquet and a Frictionless Data Package."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
from openpyxl import load_workbook
from typer.testing import CliRunner

from conftest import GOLD, SAMPLE
from jixiao.cli import app
from jixiao.writers.tabular import TABLES

runner = CliRunner()


def _export(tmp_path: Path, fmt: str, *sources: str) -> Path:
    out = tmp_path / ("t.xlsx" if fmt == "xlsx" else fmt)
    args = ["export", *sources, "-f", fmt, "-o", str(out)]
    result = runner.invoke(app, args, env={"JIXIAO_DB": str(tmp_path / "s.sqlite")})
    assert result.exit_code == 0, result.output
    return out


def test_csv_keeps_money_exact(tmp_path: Path) -> None:
    out = _export(tmp_path, "csv", str(SAMPLE), str(GOLD))
    projects = list(csv.DictReader((out / "projects.csv").open(encoding="utf-8")))
    assert len(projects) == 284
    first = [p for p in projects if p["document"] == "1"]
    assert sum(Decimal(p["total"]) for p in first) == Decimal("247400.91")
    assert first[0]["total"] == "11294.10" and first[0]["special_account"] == ""
    indicators = list(csv.DictReader((out / "indicators.csv").open(encoding="utf-8")))
    assert len(indicators) == 1080
    conflict = next(i for i in indicators if i["document"] == "1" and i["project"] == "100"
                    and i["seq"] == "1")
    assert (conflict["name"], conflict["comparator"], conflict["value"],
            conflict["direction"]) == ("系统故障率", "≥", "90", "lower")
    funding = list(csv.DictReader((out / "funding.csv").open(encoding="utf-8")))
    assert {f["source"] for f in funding} == {"财政拨款"} and len(funding) == 284


def test_datapackage_describes_every_field(tmp_path: Path) -> None:
    package = json.loads((_export(tmp_path, "datapackage", str(SAMPLE)) /
                          "datapackage.json").read_text(encoding="utf-8"))
    assert package["x-currency"] == "CNY" and package["x-factor"] == 10000
    assert [r["name"] for r in package["resources"]] == list(TABLES)
    for resource in package["resources"]:
        assert (tmp_path / "datapackage" / resource["path"]).exists()
        for f in resource["schema"]["fields"]:
            assert f["type"] in ("integer", "number", "string", "boolean") and f["description"]


def test_parquet_has_decimal_money(tmp_path: Path) -> None:
    out = _export(tmp_path, "parquet", str(SAMPLE))
    table = pq.read_table(out / "projects.parquet")
    assert str(table.schema.field("total").type) == "decimal128(24, 2)"
    assert sum(table.column("total").to_pylist()) == Decimal("247400.91")


def test_xlsx_and_the_stored_documents(tmp_path: Path) -> None:
    assert runner.invoke(app, ["ingest", str(SAMPLE)],
                         env={"JIXIAO_DB": str(tmp_path / "s.sqlite")}).exit_code == 0
    book = load_workbook(_export(tmp_path, "xlsx"))  # no sources: every stored document
    assert book.sheetnames == list(TABLES)
    assert book["projects"].max_row == 143 and book["indicators"].max_row == 541
