"""Publish a table as PDF (real WeasyPrint, real CJK font) and read it back (real pdfium)."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from typer.testing import CliRunner

from fields import field_mismatches
from jixiao.cli import app
from jixiao.errors import ReadError
from jixiao.interchange import to_dict
from jixiao.model import Document, SourceSpan
from jixiao.readers import read, read_bytes
from jixiao.synthetic import generate_document
from jixiao.writers.publish import render_html, render_pdf

runner = CliRunner()


@pytest.fixture(scope="module")
def gold_pdf(gold_doc: Document) -> bytes:
    return render_pdf(gold_doc)


def test_the_published_gold_reads_back_to_the_gold(gold_pdf: bytes, gold_json: dict) -> None:
    doc = read_bytes(gold_pdf, "gold.pdf")
    assert field_mismatches(gold_json, to_dict(doc)) == (2477, [])
    assert doc.source.format == "pdf" and doc.source.pages == len(pdfium.PdfDocument(gold_pdf))
    assert [u.name for u in doc.units] == ["广州市公安局"]
    assert not any(p.amounts.columns_inferred for p in doc.projects)  # columns were seen
    pages = [p.span.page for p in doc.projects]
    assert pages[0] == 1 and pages == sorted(pages) and pages[-1] == doc.source.pages
    assert all(i.span.page for _, i in doc.iter_indicators())
    assert [i.raw for _, i in doc.iter_indicators()] == [
        i["raw"] for p in gold_json["projects"] for i in p["indicators"]]


def test_a_table_without_ruling_lines_reads_the_same(gold_doc: Document,
                                                     gold_json: dict) -> None:
    html = render_html(gold_doc, ruled=False)
    assert 'class="plain"' in html
    doc = read_bytes(render_pdf(gold_doc, ruled=False), "plain.pdf")
    assert field_mismatches(gold_json, to_dict(doc)) == (2477, [])


def test_every_field_has_the_box_of_its_characters(gold_pdf: bytes) -> None:
    """Each field's box (page points, y up) holds the characters its value was read from,
    as pdfium's own text-in-a-rectangle reads them: the amounts box exactly the row's
    figures, the name, goal and each indicator's text (its target too) within theirs."""
    doc = read_bytes(gold_pdf, "gold.pdf")
    pdf = pdfium.PdfDocument(gold_pdf)
    textpages: dict[int, pdfium.PdfTextPage] = {}

    def inside(span: SourceSpan) -> str:
        assert span.page is not None and span.box is not None
        x0, y0, x1, y1 = span.box
        assert x0 < x1 and y0 < y1
        page = textpages.setdefault(span.page, pdf[span.page - 1].get_textpage())
        return "".join(page.get_text_bounded(x0, y0, x1, y1).split())

    def squeezed(text: str) -> str:
        return "".join(text.split())

    for p in doc.projects:
        figures = [v for v in p.amounts.as_dict().values() if v is not None]
        assert figures
        assert inside(p.field_spans["amounts"]).replace(",", "") == \
            "".join(str(v) for v in figures), p.seq
        row = inside(p.span)
        for key, value in (("name", p.name), ("goal", p.goal)):
            assert squeezed(value) in inside(p.field_spans[key]), (p.seq, key)
            assert squeezed(value) in row
        for i in p.indicators:
            text = inside(i.span)
            assert i.target and squeezed(i.target) in text and squeezed(i.raw) in text, \
                (p.seq, i.seq)
        # the fields lie inside the row's box
        assert all(p.span.box[0] <= s.box[0] and s.box[2] <= p.span.box[2] and  # type: ignore[index]
                   p.span.box[1] <= s.box[1] and s.box[3] <= p.span.box[3]  # type: ignore[index]
                   for s in [*p.field_spans.values(), *(i.span for i in p.indicators)]
                   if s.page == p.span.page)


@pytest.mark.parametrize("seed", [3, 17, 2024])
def test_generated_tables_round_trip(gold_doc: Document, seed: int) -> None:
    """财政专户拨款 and 其他资金 filled, several units, 1 to 8 indicators, a row long
    taller than a page (so a page follows without the header row)."""
    doc = generate_document(gold_doc, seed, projects=14, units=3,
                            mixes=("fiscal", "special", "all"), max_indicators=8)
    long = doc.units[1].projects[0]
    doc.units[1].projects[0] = replace(long, name=long.name * 6, goal=long.goal * 40)
    got = read_bytes(render_pdf(doc), f"generated-{seed}.pdf")
    expected = to_dict(doc)
    _n, misses = field_mismatches(expected, to_dict(got))
    assert misses == []
    assert [(u.name, u.subtotal) for u in got.units] == [(u.name, u.subtotal) for u in doc.units]
    assert got.grand_total == doc.grand_total
    assert {p.seq: p.amounts for p in got.projects} == {p.seq: p.amounts for p in doc.projects}
    assert got.projects[long.seq - 1].span.page < (got.source.pages or 0)  # not the last


def _scanned(pdf_bytes: bytes) -> bytes:
    """A 'scan' of the first page: the page as a picture in a PDF, without text."""
    picture = pdfium.PdfDocument(pdf_bytes)[0].render(scale=1.0)
    pdf = pdfium.PdfDocument.new()
    page = pdf.new_page(842, 595)
    image = pdfium.PdfImage.new(pdf)
    image.set_bitmap(picture)
    image.set_matrix(pdfium.PdfMatrix().scale(842, 595))
    page.insert_obj(image)
    page.gen_content()
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


def test_a_scanned_pdf_says_it_has_no_text_layer(gold_pdf: bytes) -> None:
    with pytest.raises(ReadError) as info:
        read_bytes(_scanned(gold_pdf), "scan.pdf")
    assert info.value.code == "no-text-layer"
    assert "OCR" in info.value.message and info.value.span.file == "scan.pdf"


def test_a_truncated_pdf_is_refused(gold_pdf: bytes) -> None:
    with pytest.raises(ReadError) as info:
        read_bytes(gold_pdf[: len(gold_pdf) // 3], "cut.pdf")
    assert info.value.code == "bad-pdf"


def test_a_pdf_without_the_table_is_refused() -> None:
    from weasyprint import HTML

    with pytest.raises(ReadError) as info:
        read_bytes(HTML(string="<p>部门预算说明：本表另附。</p>").write_pdf(), "note.pdf")
    # neither the sample's table nor any form's indicator table: both are said
    assert info.value.code == "no-target-table" and "项目名称" in info.value.message
    assert "没有找到绩效目标表" in info.value.message


def test_cli_publish_then_read(tmp_path: Path, gold_json: dict) -> None:
    gold = Path(__file__).parent / "data" / "guangzhou-psb-gold.json"
    html = tmp_path / "table.html"
    assert runner.invoke(app, ["publish", str(gold), "-o", str(html)]).exit_code == 0
    assert "<thead>" in html.read_text(encoding="utf-8")
    pdf = tmp_path / "table.pdf"
    result = runner.invoke(app, ["publish", str(gold), "-o", str(pdf)])
    assert result.exit_code == 0 and pdf.read_bytes().startswith(b"%PDF")
    data = json.loads(runner.invoke(app, ["read", str(pdf), "-f", "json"]).output)
    assert field_mismatches(gold_json, data) == (2477, [])
    assert read(pdf).source.format == "pdf"
