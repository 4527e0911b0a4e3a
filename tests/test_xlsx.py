"""Excel both ways (wide and long forms), and a PDF from another producer: the xlsx
converted by LibreOffice (Debian's package, which make installs)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from fields import field_mismatches
from jixiao.cli import app
from jixiao.errors import ReadError
from jixiao.interchange import to_dict
from jixiao.model import Document
from jixiao.readers import read
from jixiao.synthetic import generate_document
from jixiao.writers.xlsx import write_xlsx

runner = CliRunner()


@pytest.mark.parametrize(("form", "merged"), [("wide", False), ("long", False), ("long", True)])
def test_the_gold_round_trips_through_excel(tmp_path: Path, gold_doc: Document,
                                            gold_json: dict, form: str, merged: bool) -> None:
    path = write_xlsx(gold_doc, tmp_path / f"{form}.xlsx", form=form, merge_projects=merged)
    doc = read(path)
    assert field_mismatches(gold_json, to_dict(doc)) == (2477, [])
    assert [i.raw for _, i in doc.iter_indicators()] == [i.raw for _, i in
                                                          gold_doc.iter_indicators()]
    assert doc.units[0].subtotal == gold_doc.units[0].subtotal
    assert doc.source.format == "xlsx"
    first = doc.projects[0].indicators[0].span
    assert first.file == path.name and first.first_line and first.first_line > 3  # a row


@pytest.mark.parametrize("form", ["wide", "long"])
def test_generated_tables_round_trip_through_excel(tmp_path: Path, gold_doc: Document,
                                                   form: str) -> None:
    doc = generate_document(gold_doc, 11, projects=20, units=3,
                            mixes=("fiscal", "special", "all"), max_indicators=8)
    got = read(write_xlsx(doc, tmp_path / "g.xlsx", form=form))
    assert field_mismatches(to_dict(doc), to_dict(got))[1] == []
    assert [(u.name, u.subtotal) for u in got.units] == [(u.name, u.subtotal) for u in doc.units]
    assert got.grand_total == doc.grand_total


def test_a_missing_column_is_named(tmp_path: Path, gold_doc: Document) -> None:
    path = write_xlsx(gold_doc, tmp_path / "t.xlsx")
    book = load_workbook(path)
    sheet = book.active
    sheet.delete_cols(3)  # 财政拨款
    book.save(path)
    with pytest.raises(ReadError) as info:
        read(path)
    assert info.value.code == "missing-column"
    assert "缺少 “财政拨款” 列" in info.value.message and info.value.span.first_line == 3
    result = runner.invoke(app, ["ingest", "--db", str(tmp_path / "s.sqlite"), str(path)])
    assert result.exit_code == 2 and "missing-column" in result.stderr


def test_a_merged_header_is_refused(tmp_path: Path, gold_doc: Document) -> None:
    path = write_xlsx(gold_doc, tmp_path / "t.xlsx")
    book = load_workbook(path)
    book.active.merge_cells("C3:E3")
    book.save(path)
    with pytest.raises(ReadError) as info:
        read(path)
    assert info.value.code == "merged-header" and "C3:E3" in info.value.message


def test_a_damaged_workbook_is_refused(tmp_path: Path, gold_doc: Document) -> None:
    path = write_xlsx(gold_doc, tmp_path / "t.xlsx")
    path.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(ReadError) as info:
        read(path)
    assert info.value.code == "bad-xlsx"


LIBREOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def libreoffice_pdf(sheet: Path, export: str) -> Path:
    """The sheet converted to PDF by LibreOffice (`export` is its filter and options)."""
    assert LIBREOFFICE is not None, "CI needs LibreOffice: make test installs it"
    subprocess.run([LIBREOFFICE, "--headless",
                    f"-env:UserInstallation=file://{sheet.parent}/lo-profile",
                    "--convert-to", export, "--outdir", str(sheet.parent), str(sheet)],
                   check=True, capture_output=True, timeout=300)
    return sheet.with_suffix(".pdf")


NEEDS_LIBREOFFICE = pytest.mark.skipif(
    LIBREOFFICE is None and not os.environ.get("CI"),
    reason="LibreOffice is not installed (make test installs libreoffice-calc-nogui)")


# Locally a missing LibreOffice skips; in CI (CI=true) make has installed it, so it must run.
@NEEDS_LIBREOFFICE
def test_a_pdf_made_by_libreoffice_from_the_sheet_reads_back(tmp_path: Path, gold_doc: Document,
                                                             gold_json: dict) -> None:
    doc = read(libreoffice_pdf(write_xlsx(gold_doc, tmp_path / "table.xlsx"), "pdf"))
    assert doc.source.format == "pdf"
    assert field_mismatches(gold_json, to_dict(doc)) == (2477, [])


def test_cli_publishes_excel(tmp_path: Path, gold_json: dict) -> None:
    gold = Path(__file__).parent / "data" / "guangzhou-psb-gold.json"
    out = tmp_path / "long.xlsx"
    result = runner.invoke(app, ["publish", str(gold), "-o", str(out), "--form", "long"])
    assert result.exit_code == 0
    assert field_mismatches(gold_json, to_dict(read(out))) == (2477, [])


ENCRYPTED = ('pdf:calc_pdf_Export:{"EncryptFile":{"type":"boolean","value":"true"},'
             '"DocumentOpenPassword":{"type":"string","value":"secret"}}')


@NEEDS_LIBREOFFICE
def test_an_encrypted_pdf_is_refused(tmp_path: Path, gold_doc: Document) -> None:
    doc = generate_document(gold_doc, 5, projects=3, units=1)
    path = libreoffice_pdf(write_xlsx(doc, tmp_path / "locked.xlsx"), ENCRYPTED)
    with pytest.raises(ReadError) as info:
        read(path)
    assert info.value.code == "encrypted-pdf" and info.value.span.file == "locked.pdf"


@pytest.mark.parametrize("form", ["wide", "long"])
def test_what_the_sheet_hides_is_not_read(tmp_path: Path, gold_doc: Document,
                                          gold_json: dict, form: str) -> None:
    # a working copy: a draft project in a hidden row under the header, a hidden column
    # of last year's totals headed 总计 beside the table, a hidden sheet first — not
    # published, so not read (the draft was a project, the column the total), and said
    path = write_xlsx(gold_doc, tmp_path / f"{form}.xlsx", form=form)
    book = load_workbook(path)
    sheet = book.worksheets[0]
    name = next(c for r in sheet.iter_rows() for c in r
                if str(c.value or "").startswith("项目名称"))
    header = name.row
    first = next(c.row for c in sheet[name.column_letter] if c.value == "业务用房物业管理费")
    sheet.insert_rows(header + 1)
    for col in range(1, sheet.max_column + 1):  # the first project's (first) row, copied
        sheet.cell(header + 1, col).value = sheet.cell(first + 1, col).value
    sheet.cell(header + 1, name.column).value = "（草稿）业务用房物业管理费"
    sheet.row_dimensions[header + 1].hidden = True
    extra = sheet.max_column + 1
    sheet.cell(header, extra).value = "总计"
    sheet.cell(header + 2, extra).value = 9999
    sheet.column_dimensions[sheet.cell(1, extra).column_letter].hidden = True
    draft = book.create_sheet("草稿", 0)
    draft["A1"] = "内部草稿"
    draft.sheet_state = "hidden"
    book.save(path)
    doc = read(path)
    assert field_mismatches(gold_json, to_dict(doc)) == (2477, [])
    hidden = [w for w in doc.warnings if w.code == "hidden-cells"]
    assert len(hidden) == 1 and f"{name.column_letter}{header + 1}" in hidden[0].message
    assert hidden[0].span.first_line == header + 1


def test_a_formula_saved_without_its_value_is_said(tmp_path: Path, gold_doc: Document) -> None:
    # the sample template with the first project's 总计 as =SUM(…) of its sources,
    # saved by openpyxl (which calculates nothing and stores no value): the cell reads
    # empty, and that is said with the sheet, the cell and its row — as the form reader
    # says it — not left to look like an unstated total
    path = write_xlsx(gold_doc, tmp_path / "t.xlsx")
    book = load_workbook(path)
    sheet = book.worksheets[0]
    heads = {str(c.value or "").replace("\n", ""): c for r in sheet.iter_rows(max_row=15)
             for c in r}
    total, fiscal, other = heads["总计"], heads["财政拨款"], heads["其他资金"]
    row = next(c.row for c in sheet[heads["项目名称（资金使用单位）"].column_letter]
               if c.value == "业务用房物业管理费")
    sheet.cell(row, total.column).value = \
        f"=SUM({sheet.cell(row, fiscal.column).coordinate}:" \
        f"{sheet.cell(row, other.column).coordinate})"
    book.save(path)
    doc = read(path)
    [said] = [w for w in doc.warnings if w.code == "formula-without-value"]
    assert sheet.title in said.message
    assert sheet.cell(row, total.column).coordinate in said.message
    assert (said.span.first_line, said.span.last_line) == (row, row)
    project = next(p for p in doc.projects if p.name == "业务用房物业管理费")
    assert project.amounts.total is None  # read as the empty cell it is, not as 0
    # the same workbook with its values saved (what Excel writes) says nothing
    sheet.cell(row, total.column).value = gold_doc.projects[0].amounts.total
    book.save(path)
    assert "formula-without-value" not in [w.code for w in read(path).warnings]
