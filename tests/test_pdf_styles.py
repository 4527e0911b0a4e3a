"""The sample's table as other producers print it (tests/pdfstyles.py): every house style
reads back to the gold at 100 % of its fields, each value on its page."""

from __future__ import annotations

import os
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pypdfium2 as pdfium
import pytest
from hypothesis import HealthCheck, given, note, settings

from fields import field_mismatches
from jixiao.errors import ReadError
from jixiao.interchange import to_dict
from jixiao.model import Document
from jixiao.readers import read_bytes
from pdfstyles import (
    LIBREOFFICE,
    MIN_CONTENT_MM,
    DocStyle,
    HtmlStyle,
    SheetStyle,
    amount_content_mm,
    any_html_styles,
    doc_styles,
    expected,
    first_projects,
    html_styles,
    render,
    render_doc_pdf,
    render_html_pdf,
    render_sheet_pdf,
    sheet_styles,
    unit_mismatches,
)

PROJECTS = 25  # the first 25 of the sample's 142: small PDFs, every kind of row
FIELDS = 25 * 6 + 93 * 3 + 5  # projects × 6, their 93 indicators × 3, department and 合计 × 4

N = 4.0  # a very narrow amount column (percent of the table): `248,530.64` wraps
STYLES = [
    HtmlStyle("a4-portrait-serif", page="A4 portrait", font="Noto Serif CJK SC", size_pt=9),
    HtmlStyle("a3-landscape-12pt", page="A3 landscape", size_pt=12, font="Noto Sans CJK SC"),
    HtmlStyle("7pt-zenhei", size_pt=7, font="WenQuanYi Zen Hei"),
    HtmlStyle("narrow-amounts-wrap", widths=(18, N, N, N, N, 26, 40)),
    HtmlStyle("narrow-no-thousands", widths=(18, N, N, N, N, 26, 40), thousands=False),
    HtmlStyle("header-label-wraps", widths=(16, 6, 6, 4.5, 6, 25, 36.5), size_pt=10),
    HtmlStyle("unruled", ruled=False),
    HtmlStyle("unruled-narrow", ruled=False, widths=(18, N, N, N, N, 26, 40), padding_mm=1),
    HtmlStyle("middle-aligned", valign="middle"),
    HtmlStyle("unruled-middle-aligned", valign="middle", ruled=False, page="A4 portrait"),
    HtmlStyle("unruled-bottom-running-head-header-once", valign="bottom", ruled=False,
              repeat_header=False, page_header="广州市公安局 2023 年部门预算", footer="N"),
    HtmlStyle("bottom-aligned", valign="bottom", page="A4 portrait"),
    HtmlStyle("wide-padding", padding_mm=3, size_pt=10),
    HtmlStyle("tight-padding", padding_mm=0.5, size_pt=11, widths=(18, 5, 5, 5, 5, 26, 36)),
    HtmlStyle("header-once", repeat_header=False, page="A4 portrait", size_pt=10),
    HtmlStyle("rows-split-over-pages", split_rows=True, page="A4 portrait", size_pt=12),
    HtmlStyle("split-rows-header-once-unruled", split_rows=True, repeat_header=False,
              ruled=False, page="A4 portrait", size_pt=11),
    HtmlStyle("footer-page-numbers", footer="- N -", page_header="广州市公安局 2023 年部门预算"),
    HtmlStyle("footer-n-of-m", footer="N / M", ruled=False, page="A4 portrait"),
    HtmlStyle("no-title", title=False, footer=""),
    # found by the random styles, each named for what it tests
    HtmlStyle("labels-one-character-a-line", page="A4 portrait", margin_mm=8,
              font="Noto Serif CJK SC", size_pt=10, widths=(12, 3.5, 3.5, 3.5, 3.5, 31.08, 42.92),
              ruled=False, valign="middle", padding_mm=2, footer="N"),
    HtmlStyle("running-head-close-to-the-table", margin_mm=8, size_pt=7,
              widths=(12, 3.5, 3.5, 3.5, 3.5, 31.08, 42.92), ruled=False, padding_mm=0.5,
              repeat_header=False, thousands=False, page_header="广州市公安局 2023 年部门预算"),
    HtmlStyle("ruled-bottom-aligned-figure-below-the-cut", page="A4 portrait", margin_mm=8,
              size_pt=11, widths=(20, 4.5, 4.5, 4.5, 4.5, 26.04, 35.96), valign="bottom",
              padding_mm=2, repeat_header=False, split_rows=True, thousands=False,
              footer="N / M"),
    HtmlStyle("ruled-middle-aligned-rows-split", margin_mm=18, font="Noto Sans CJK SC",
              size_pt=7, widths=(20, 3.5, 3.5, 3.5, 3.5, 27.72, 38.28), valign="middle",
              padding_mm=3, split_rows=True, thousands=False, footer="第 N 页"),
    HtmlStyle("unruled-amount-cut-at-the-page-foot", page="A4 portrait", margin_mm=18,
              font="Noto Sans CJK SC", size_pt=12, widths=(12, 4.5, 4.5, 4.5, 4.5, 29.4, 40.6),
              ruled=False, padding_mm=2, repeat_header=False, split_rows=True,
              thousands=False, footer="第 N 页", page_header="广州市公安局 2023 年部门预算"),
    HtmlStyle("unruled-figure-moved-to-the-next-page", size_pt=12,
              widths=(12, 6, 6, 6, 6, 26.88, 37.12), ruled=False, padding_mm=2, split_rows=True,
              thousands=False, footer="N", page_header="广州市公安局 2023 年部门预算"),
    HtmlStyle("unruled-indicator-alone-at-the-page-foot", font="Noto Serif CJK SC", size_pt=12,
              widths=(16, 3.5, 3.5, 3.5, 3.5, 29.4, 40.6), ruled=False, padding_mm=0.5,
              split_rows=True, thousands=False, footer="第 N 页 共 M 页"),
    HtmlStyle("unruled-figure-lines-held-back-to-the-next-page", page="A3 portrait",
              font="Noto Serif CJK SC", size_pt=7, widths=(16, 3.5, 3.5, 3.5, 3.5, 29.4, 40.6),
              ruled=False, padding_mm=3, repeat_header=False, split_rows=True,
              thousands=False, footer="N"),
    # centred and bottom-aligned rows split over a page, without rules
    HtmlStyle("unruled-middle-rows-split", valign="middle", ruled=False, split_rows=True,
              page="A4 portrait", size_pt=12),
    HtmlStyle("unruled-bottom-rows-split", valign="bottom", ruled=False, split_rows=True,
              page="A4 portrait", size_pt=12),
    HtmlStyle("unruled-middle-row-cut-before-its-figure", page="A3 portrait",
              font="WenQuanYi Micro Hei Mono", size_pt=8, widths=(12, 6, 6, 6, 6, 26.88, 37.12),
              ruled=False, valign="middle", padding_mm=3, repeat_header=False, split_rows=True,
              thousands=False, footer="N"),
    HtmlStyle("unruled-middle-indicators-above-the-cut-row", page="A3 landscape",
              font="WenQuanYi Micro Hei Mono", size_pt=7,
              widths=(20, 4.5, 4.5, 4.5, 4.5, 26.04, 35.96), ruled=False, valign="middle",
              padding_mm=1, repeat_header=False, split_rows=True, thousands=False,
              footer="- N -"),
    HtmlStyle("unruled-bottom-figure-cut-over-a-page", page="A4 portrait", margin_mm=18,
              size_pt=12, widths=(16, 3.5, 3.5, 3.5, 3.5, 29.4, 40.6), ruled=False,
              valign="bottom", padding_mm=0.5, split_rows=True, thousands=False,
              footer="第 N 页"),
    HtmlStyle("unruled-bottom-figure-above-its-row", page="A3 portrait", margin_mm=18,
              font="Noto Sans CJK SC", size_pt=12, widths=(16, 3.5, 3.5, 3.5, 3.5, 29.4, 40.6),
              ruled=False, valign="bottom", padding_mm=3, split_rows=True,
              footer="第 N 页", page_header="广州市公安局 2023 年部门预算"),
    HtmlStyle("unruled-bottom-12pt-first-page-figures-only", margin_mm=18,
              font="WenQuanYi Zen Hei", size_pt=12, widths=(16, 3.5, 3.5, 3.5, 3.5, 29.4, 40.6),
              ruled=False, valign="bottom", padding_mm=3, repeat_header=False,
              thousands=False, footer="- N -", page_header="广州市公安局 2023 年部门预算"),
    # the variations of the private generator's list (issue 14): a two-row header with a
    # 资金 group, partial rules, the lines above the table arranged otherwise
    HtmlStyle("two-row-header-funds-group", group="资金"),
    HtmlStyle("two-row-header-unruled-narrow", group="资金来源", ruled=False,
              widths=(18, N, N, N, N, 26, 40), valign="middle"),
    HtmlStyle("horizontal-rules-only", rules="horizontal", page="A4 portrait"),
    HtmlStyle("outer-frame-only", rules="frame", valign="bottom", split_rows=True),
    HtmlStyle("three-line-table-header-once", rules="three-line", repeat_header=False,
              group="资金", page="A4 portrait", size_pt=10),
    HtmlStyle("department-and-unit-stacked", meta="stacked", title=False),
    # found by the random styles: `资金` centred over its four columns lies over the gap
    # between 财政拨款 and 财政专户拨款 and joined them into one label
    HtmlStyle("funds-group-over-the-labels-gap", page="A3 portrait", margin_mm=8,
              font="WenQuanYi Zen Hei", size_pt=11, widths=(16, 10, 10, 10, 10, 18.48, 25.52),
              ruled=False, valign="bottom", padding_mm=0.5, group="资金", rules="horizontal"),
]
SHEETS = [
    SheetStyle("calc-a4-landscape"),
    SheetStyle("calc-a4-portrait-narrow-serif", landscape=False, font="Noto Serif CJK SC",
               widths=(20, 12, 12, 12, 12, 30, 40), size_pt=10),
    SheetStyle("calc-a3-unruled-centred", paper="A3", ruled=False, valign="center",
               widths=(30, 9, 9, 9, 9, 40, 60), thousands=False, repeat_header=False),
    SheetStyle("calc-funds-group-amounts-as-wrapping-text", group="资金", wrap_money=True,
               widths=(24, 5, 5, 5, 5, 36, 48)),
]


@pytest.fixture(scope="module")
def subset(gold_doc: Document, gold_json: dict[str, Any]) -> tuple[Document, dict[str, Any]]:
    gold = dict(gold_json, projects=gold_json["projects"][:PROJECTS])
    return first_projects(gold_doc, PROJECTS), gold


def _reads_back(pdf: bytes, name: str, subset: tuple[Document, dict[str, Any]]) -> Document:
    gold = subset[1]
    got = read_bytes(pdf, f"{name}.pdf")
    assert field_mismatches(gold, to_dict(got)) == (FIELDS, [])
    pages = len(pdfium.PdfDocument(pdf))
    assert got.source.pages == pages
    spans = [p.span.page for p in got.projects]
    assert spans == sorted(spans) and spans[0] >= 1 and spans[-1] <= pages
    assert all(1 <= (i.span.page or 0) <= pages for _, i in got.iter_indicators())
    return got


@pytest.mark.parametrize("style", STYLES, ids=[s.name for s in STYLES])
def test_house_style_reads_back_to_the_gold(style: HtmlStyle, subset: Any) -> None:
    _reads_back(render_html_pdf(subset[0], style), style.name, subset)


@pytest.mark.skipif(LIBREOFFICE is None and not os.environ.get("CI"),
                    reason="LibreOffice is not installed (make test-tools installs it)")
@pytest.mark.parametrize("style", SHEETS, ids=[s.name for s in SHEETS])
def test_libreoffice_sheet_reads_back_to_the_gold(style: SheetStyle, subset: Any) -> None:
    _reads_back(render_sheet_pdf(subset[0], style), style.name, subset)


# LibreOffice Writer from a docx: no padding between rows, the CJK / Western autospace
WRITER = [
    # `534.16 公里` drawn with a gap and no space glyph: 534.16公里
    DocStyle("writer-narrow-bottom-autospace", widths=(18, 4.5, 4.5, 4.5, 4.5, 26, 38),
             valign="bottom"),
    # rows kept whole, no padding: `合计` touches `广州市公安局`, the items of one project
    # the next's; each run of lines goes to the figure it is centred on
    DocStyle("writer-unruled-centred-rows-touch", ruled=False, valign="center",
             landscape=False, split_rows=False),
    DocStyle("writer-unruled-bottom-rows-touch", ruled=False, valign="bottom", size_pt=10,
             split_rows=False),
    # found by the sweep: 7 pt, amounts without separators wrapped in 4.5 % columns, no
    # padding: `248` / `530` / `.64` and `247` / `400` / `.93` one under another; a figure
    # with the column's decimals is whole, and `247` starts the next
    DocStyle("writer-unruled-wrapped-figures-touch", size_pt=7,
             widths=(12, 4.5, 4.5, 4.5, 4.5, 29.4, 40.6), landscape=False, ruled=False,
             repeat_header=False, thousands=False, split_rows=False),
]


@pytest.mark.skipif(LIBREOFFICE is None and not os.environ.get("CI"),
                    reason="LibreOffice is not installed (make test-tools installs it)")
@pytest.mark.parametrize("style", WRITER, ids=[s.name for s in WRITER])
def test_libreoffice_writer_reads_back_to_the_gold(style: DocStyle, subset: Any) -> None:
    _reads_back(render_doc_pdf(subset[0], style), style.name, subset)


# Writer without rules or padding, rows that may break over a page: the centred style
# was refused (unplaced-cell) until 2026-12-02; the bottom-aligned one was found refused by
# benchmarks/pdf_style_sweep.py (seed 15). Each is a LibreOffice rendering (~25 s).
WRITER_SPLIT = [
    DocStyle("writer-unruled-centred-split", ruled=False, valign="center", landscape=False),
    DocStyle("writer-unruled-bottom-split-a3", font="WenQuanYi Micro Hei Mono", size_pt=7.0,
             widths=(12.0, 6.0, 6.0, 6.0, 6.0, 26.88, 37.12), landscape=True, paper="A3",
             valign="bottom", ruled=False, repeat_header=False, thousands=True),
]


@pytest.mark.skipif(LIBREOFFICE is None and not os.environ.get("CI"),
                    reason="LibreOffice is not installed (make test-tools installs it)")
@pytest.mark.parametrize("style", WRITER_SPLIT, ids=[s.name for s in WRITER_SPLIT])
def test_writer_unruled_touching_rows_split_over_a_page_read_back(style: DocStyle,
                                                                   subset: Any) -> None:
    """Writer sets a row split over the page at its top on page 1 (its figure's top) and
    its rest at page 2's top, and every row's items touch the next row's: the items'
    block is cut into runs that line up with a figure each, a first run above every
    figure (the rest; the runs after it then begin with `1、`) and a last run beginning at
    the last figure's top (the split row's part)."""
    _reads_back(render_doc_pdf(subset[0], style), style.name, subset)


def _short_rows(doc: Document) -> Document:
    """The table with one indicator and a short goal a project: its narrow figures are
    the tallest cells, so a page break cuts a row inside its figure."""
    return replace(doc, units=[replace(u, projects=[
        replace(p, indicators=p.indicators[:1], goal=p.goal[:8]) for p in u.projects])
        for u in doc.units])


def _cut_style(size_pt: float, padding_mm: float) -> HtmlStyle:
    return HtmlStyle("unruled-short-rows-split", page="A4 portrait", size_pt=size_pt,
                     ruled=False, split_rows=True, thousands=False, padding_mm=padding_mm,
                     widths=(20, 3.5, 3.5, 3.5, 3.5, 28, 38))


def test_unruled_row_cut_before_its_name_reads_back(subset: Any) -> None:
    """A row whose goal's first line stands alone at a page's foot (its name and figure
    moved whole to the next page) is a row of its own, its figure the next page's first."""
    doc = _short_rows(subset[0])
    got = read_bytes(render_html_pdf(doc, _cut_style(11, 1.0)), "cut.pdf")
    assert field_mismatches(to_dict(doc), to_dict(got)) == (25 * 6 + 25 * 3 + 5, [])


def test_unruled_figure_cut_at_the_page_foot_is_refused(subset: Any) -> None:
    """`17` at a page's foot and `7.34` at the next page's top, no indicator beside it:
    177.34, or 17 and a new row's 7.34? The pages cannot tell, and the reading is refused."""
    pdf = render_html_pdf(_short_rows(subset[0]), _cut_style(9, 2.0))
    with pytest.raises(ReadError) as refused:
        read_bytes(pdf, "cut.pdf")
    assert refused.value.code == "cut-figure" and refused.value.span.page == 2
    assert "'17'" in refused.value.message and "'7.34'" in refused.value.message


def _aligned_cut_style(valign: str, size_pt: float, padding_mm: float) -> HtmlStyle:
    return replace(_cut_style(size_pt, padding_mm), name=f"unruled-{valign}-short-rows-split",
                   valign=valign)


@pytest.mark.parametrize("valign", ["middle", "bottom"])
def test_unruled_aligned_figure_cut_alone_reads_back(valign: str, subset: Any) -> None:
    """`142` at a page's foot, `6.86` alone at the next page's top: both are amounts, but
    a new row's name would line up with its figure, and the row of `142` shows its figure
    set at its top like a cell that runs over the break. So it is 1426.86."""
    doc = _short_rows(subset[0])
    got = read_bytes(render_html_pdf(doc, _aligned_cut_style(valign, 12, 1.0)), "cut.pdf")
    assert field_mismatches(to_dict(doc), to_dict(got)) == (25 * 6 + 25 * 3 + 5, [])
    assert Decimal("1426.86") in {p.amounts.total for p in got.projects}


@pytest.mark.parametrize(("valign", "size_pt", "padding_mm", "foot", "top"),
                         [("middle", 9, 2.0, "337", "48.70"), ("bottom", 10, 3.0, "46", "7.27")])
def test_unruled_aligned_figure_cut_is_refused_where_nothing_tells(
        valign: str, size_pt: float, padding_mm: float, foot: str, top: str,
        subset: Any) -> None:
    """`337` at a page's foot and `48.70` at the next page's top, each an amount, aligned
    with the row's other cells on both pages, no indicator beside the
    second: 33748.70, or 337 and a new row's 48.70? Refused, the page named."""
    pdf = render_html_pdf(_short_rows(subset[0]), _aligned_cut_style(valign, size_pt,
                                                                      padding_mm))
    with pytest.raises(ReadError) as refused:
        read_bytes(pdf, "cut.pdf")
    assert refused.value.code == "cut-figure" and refused.value.span.page == 3
    assert f"'{foot}'" in refused.value.message and f"'{top}'" in refused.value.message


def test_text_overflowing_its_cells_is_refused(subset: Any) -> None:
    """Amount cells whose content box is a tenth of a millimetre wide: WeasyPrint sets
    their text on one line over the neighbouring cells, and no one can read the header or
    the figures (`24853204.86045437.76.400`). Refused, the page named; random styles leave
    such widths out."""
    style = HtmlStyle("overflowing-cells", page="A4 portrait", margin_mm=18, size_pt=7,
                      widths=(12, 3.5, 3.5, 3.5, 3.5, 31.08, 42.92), padding_mm=3,
                      repeat_header=False, thousands=False)
    assert amount_content_mm(style) < MIN_CONTENT_MM
    with pytest.raises(ReadError) as refused:
        read_bytes(render_html_pdf(subset[0], style), "overflow.pdf")
    assert refused.value.code == "overlapping-text" and refused.value.span.page == 1
    assert "财政拨财款政专其户他拨资款金" in refused.value.message


# derandomized: the same 60 styles every run, so CI repeats (the style they found reading
# wrong, its figure's last lines held back to the next page, is named above); 200 of them
# and 150 of another seed read back too (2026-12-01)
@settings(max_examples=int(os.environ.get("JIXIAO_STYLE_EXAMPLES", "60")), deadline=None,
          derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(style=html_styles)
def test_any_house_style_reads_back_to_the_gold(style: HtmlStyle, subset: Any) -> None:
    note(repr(style))  # the fixture's repr is too large for hypothesis to print the style
    _reads_back(render_html_pdf(subset[0], style), "random", subset)


# the variations added for issue 14 (partial rules, a 资金 group over a two-row header, the
# lines above arranged otherwise) over the styles above, and LibreOffice's sheets and
# Writer documents: a few each in CI (LibreOffice takes 5–20 s a rendering); the wide run
# is benchmarks/pdf_style_sweep.py (2026-12-01: see docs/reading.md)
@settings(max_examples=int(os.environ.get("JIXIAO_VARIATION_EXAMPLES", "12")), deadline=None,
          derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(style=any_html_styles)
def test_any_variation_reads_back_to_the_gold(style: HtmlStyle, subset: Any) -> None:
    note(repr(style))
    got = read_bytes(render_html_pdf(subset[0], style), "random.pdf")
    want = expected(subset[1], style)
    assert field_mismatches(want, to_dict(got)) == (FIELDS, [])
    assert unit_mismatches(want, to_dict(got)) == []


def test_a_table_printed_in_yuan_reads_in_yuan(subset: Any) -> None:
    """The table in 元 (its unit line says so): every figure as printed, ten thousand
    times the gold's 万元, and the document's unit 元."""
    style = HtmlStyle("yuan-stacked", yuan=True, meta="stacked", widths=(20, 6, 6, 6, 6, 24, 32))
    got = read_bytes(render_html_pdf(subset[0], style), "yuan.pdf")
    want = expected(subset[1], style)
    assert field_mismatches(want, to_dict(got)) == (FIELDS, [])
    assert got.amount_unit == "元"
    assert got.grand_total is not None and got.grand_total.total == \
        Decimal(subset[1]["document"]["grand_total"]["total"]) * 10000


@pytest.mark.skipif(LIBREOFFICE is None and not os.environ.get("CI"),
                    reason="LibreOffice is not installed (make test-tools installs it)")
@settings(max_examples=int(os.environ.get("JIXIAO_OFFICE_EXAMPLES", "2")), deadline=None,
          derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(style=sheet_styles | doc_styles)
def test_any_office_style_reads_back_to_the_gold(style: Any, subset: Any) -> None:
    note(repr(style))
    got = read_bytes(render(subset[0], style), "office.pdf")
    assert field_mismatches(expected(subset[1], style), to_dict(got)) == (FIELDS, [])
