"""`readers.peek_department` on PDF and xlsx: from the first page or rows it finds what the
whole reading finds, or says it cannot tell (None) — never another department, which would
refuse a department user's own table (issue 12)."""

from __future__ import annotations

import io
import json
import random
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import SAMPLE
from jixiao.errors import ReadError
from jixiao.readers import peek, peek_department, read, read_bytes
from jixiao.writers.publish import publish
from jixiao.writers.xlsx import write_xlsx

sys.path.insert(0, str(Path(__file__).parent))
from formrender import Choices, form_rows, to_xlsx

REAL = Path(__file__).parent / "data" / "real"


def _department(data: bytes) -> str | None:
    try:
        return read_bytes(data, "f").department
    except ReadError:
        return None


def test_the_sample_published_as_pdf_and_xlsx_peeks_to_its_department(tmp_path: Path) -> None:
    doc = read(SAMPLE)
    for path in (publish(doc, tmp_path / "psb.pdf"), write_xlsx(doc, tmp_path / "psb.xlsx")):
        data = path.read_bytes()
        loaded = peek.pages_loaded
        assert peek_department(data) == _department(data) == "广州市公安局"
        assert peek.pages_loaded - loaded == (1 if path.suffix == ".pdf" else 0)
    for form in ("long",):  # one row per indicator: the same head
        data = write_xlsx(doc, tmp_path / f"{form}.xlsx", form=form).read_bytes()
        assert peek_department(data) == _department(data) == "广州市公安局"


def test_forms_of_other_templates_as_xlsx_peek_to_what_the_form_reader_reads() -> None:
    """The 12 real forms rendered as workbooks (merged or repeated labels, synonyms of
    主管部门): the peek is the form reader's department, or None; never another."""
    same = none = 0
    for gold_path in sorted(REAL.glob("*.gold.json")):
        gold = json.loads(gold_path.read_text("utf-8"))
        for seed in range(3):
            data = to_xlsx(form_rows(gold, Choices.draw(random.Random(seed))))
            peeked, read_as = peek_department(data), _department(data)
            assert peeked is None or peeked == read_as, (gold_path.name, seed)
            same += peeked is not None
            none += peeked is None
    print(f"form workbooks: {same} peeked to the reading's department, {none} could not tell")
    assert same >= 24  # most forms name their department in their first rows


@pytest.mark.parametrize("pdf", sorted((REAL / "pdf").glob("*.pdf")), ids=lambda p: p.stem)
def test_real_pdfs_never_peek_to_another_department(pdf: Path) -> None:
    """Published PDFs of other templates (read by the form reader): page 1 alone does not
    tell, so None: the reading decides, as before."""
    data = pdf.read_bytes()
    peeked = peek_department(data)
    assert peeked is None or peeked == _department(data)


def test_what_a_reader_would_refuse_peeks_to_none(tmp_path: Path) -> None:
    pdf = publish(read(SAMPLE), tmp_path / "psb.pdf").read_bytes()
    assert peek_department(pdf[:2000]) is None  # truncated
    assert peek_department(b"%PDF-1.7\n" + bytes(5000)) is None
    book = io.BytesIO()  # a zip bomb dressed as a workbook: check_zip refuses it first
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"<worksheet>" + b" " * (20 << 20))  # ratio ~1000
    assert peek_department(book.getvalue()) is None
    xlsx = write_xlsx(read(SAMPLE), tmp_path / "psb.xlsx").read_bytes()
    assert peek_department(xlsx[: len(xlsx) // 2]) is None
