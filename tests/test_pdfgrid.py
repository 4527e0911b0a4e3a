"""Forms as PDFs from other producers, read back through the PDF grid: the renderer's
(tests/formrender.py) .xlsx and .docx printed by LibreOffice, its HTML by WeasyPrint, with
ruling lines and without; and the PDFs that break extractors (white or covered text,
simulated bold, rotated pages, fonts without a ToUnicode map), said, never stored."""

from __future__ import annotations

import io
import json
import random
import shutil
import subprocess
import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from jixiao.errors import ReadError
from jixiao.model import Document
from jixiao.readers import read_bytes

sys.path.insert(0, str(Path(__file__).parent))
from formrender import WRITERS, Choices, form_rows
from test_forms import GOLDS, _rendered_gold, accuracy

FONT = "WenQuanYi Micro Hei"  # Debian's fonts-wqy-microhei, which `make` installs
# a handful of golds of different shapes: a 申报表, a 批复表 over two pages, the 产出值
# vocabulary, two projects on a page with split targets, a 自评表 in traditional characters
PICKED = ["01", "05", "11", "13", "21"]
KINDS = ["docx", "docx-ruled", "html", "html-ruled"]


def _gold(key: str) -> dict:
    return _rendered_gold(next(g for g in GOLDS if g.name.startswith(key)))


def _styled_form(key: str, choices: Choices, style: Any, gold: dict | None = None) -> Document:
    """A gold's form printed by WeasyPrint in one of formrender's house styles, read back."""
    from formrender import render_form_pdf

    rows = form_rows(gold if gold is not None else _gold(key), choices)
    return read_bytes(render_form_pdf(rows, style), f"{key}.pdf")


def _levels(doc: Document) -> list[tuple[str | None, str | None]]:
    """The first project's indicators by their 一级 and 二级 labels."""
    return [(i.category, i.form.level2 if i.form else None) for i in doc.projects[0].indicators]

def _rows(key: str, kind: str) -> list:
    path = next(g for g in GOLDS if g.name.startswith(key))
    return form_rows(_gold(key), Choices.draw(random.Random(path.name + kind)))


def _html_pdf(html: str) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=html).write_pdf()  # type: ignore[no-any-return]


def _styled(rows: list, ruled: bool) -> str:
    """The renderer's HTML without its border attribute, ruled (or not) by CSS; cells
    top-aligned with some padding, as an office's stylesheet draws them."""
    css = (f"body {{font-family: '{FONT}'}} table {{border-collapse: collapse}} "
           "td {vertical-align: top; padding: 2px 6px}")
    if ruled:
        css += " td {border: 1px solid}"
    html = WRITERS["html"](rows).decode("utf-8")
    return html.replace('<table border="1">', "<table>").replace(
        "</head>", f"<style>{css}</style></head>")


def _printable_docx(data: bytes, ruled: bool) -> bytes:
    """python-docx's table has no borders (Word's 'Normal Table'); 'Table Grid' rules it."""
    import docx

    document = docx.Document(io.BytesIO(data))
    if ruled:
        for table in document.tables:
            table.style = "Table Grid"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _printable_xlsx(data: bytes) -> bytes:
    """A workbook as an office prints it: cells ruled and wrapped, rows as high as their
    text, the sheet fitted to the page's width (LibreOffice prints what a cell shows)."""
    from openpyxl import load_workbook
    from openpyxl.styles import Alignment, Border, Side
    from openpyxl.utils import get_column_letter

    book = load_workbook(io.BytesIO(data))
    sheet = book.active
    side = Side(style="thin")
    width = 18  # characters
    lines: dict[int, int] = {}
    spans = {(m.min_row, m.min_col): m.max_col - m.min_col + 1 for m in sheet.merged_cells}
    for row in sheet.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.border = Border(left=side, right=side, top=side, bottom=side)
            if isinstance(cell.value, str) and cell.value:
                cols = spans.get((cell.row, cell.column), 1)
                need = -(-len(cell.value) // (width * cols // 2))  # CJK: 2 widths a char
                lines[cell.row] = max(lines.get(cell.row, 1), need)
    for k in range(1, sheet.max_column + 1):
        sheet.column_dimensions[get_column_letter(k)].width = width
    for r, n in lines.items():
        sheet.row_dimensions[r].height = 15 * n
    sheet.page_setup.orientation = "landscape"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture(scope="session")
def office(tmp_path_factory: pytest.TempPathFactory):
    """LibreOffice converting a file to PDF (once per file: it is slow), in a profile of
    its own so that it never waits for another instance."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.fail("LibreOffice (soffice) is missing: run `make test-tools`")
    root = tmp_path_factory.mktemp("office")
    cache: dict[str, bytes] = {}

    def convert(name: str, data: bytes) -> bytes:
        if name not in cache:
            source = root / name
            source.write_bytes(data)
            done = subprocess.run(
                [soffice, f"-env:UserInstallation=file://{root}/profile", "--headless",
                 "--convert-to", "pdf", "--outdir", str(root), str(source)],
                capture_output=True, timeout=180, check=False)
            pdf = source.with_suffix(".pdf")
            if not pdf.exists():
                pytest.fail(f"LibreOffice could not convert {name} (Writer for .docx is "
                            f"libreoffice-writer-nogui): {done.stderr.decode()[-300:]}")
            cache[name] = pdf.read_bytes()
        return cache[name]

    return convert


def _pdf(key: str, kind: str, office) -> bytes:
    rows = _rows(key, kind)
    ruled = kind.endswith("-ruled")
    if kind.startswith("html"):
        return _html_pdf(_styled(rows, ruled))
    if kind.startswith("docx"):
        return office(f"{key}-{kind}.docx", _printable_docx(WRITERS["docx"](rows), ruled))
    return office(f"{key}-{kind}.xlsx", _printable_xlsx(WRITERS["xlsx"](rows)))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("key", PICKED)
def test_forms_printed_by_other_producers_read_back(key: str, kind: str, office) -> None:
    data = _pdf(key, kind, office)
    doc = read_bytes(data, f"{key}-{kind}.pdf")
    score, misses = accuracy(_gold(key), doc)
    assert score >= 0.99, misses[:10]
    # an unruled table of top-aligned cells is certain: nothing said about it
    assert not [w for w in doc.warnings if w.code == "unruled-uncertain"]


def test_a_workbook_printed_by_libreoffice_reads_back(office) -> None:
    doc = read_bytes(_pdf("23", "xlsx", office), "23.pdf")
    score, misses = accuracy(_gold("23"), doc)
    assert score >= 0.99, misses[:10]


def test_an_unruled_table_continues_on_the_next_page(office) -> None:
    # 05's 批复表 printed by LibreOffice without borders: its 满意度 row, wrapped in every
    # column, is alone on page 2 and is read with page 1's columns and line pitch
    doc = read_bytes(_pdf("05", "docx", office), "05.pdf")
    last = doc.projects[0].indicators[-1]
    assert (last.category, last.form.level2, last.name, last.target, last.span.page) == \
        ("满意度指标", "服务对象满意度指标", "培训学员对培训效果满意度", "≥95%", 2)


def test_centred_unruled_cells_are_said_with_their_page() -> None:
    # a browser's default: cells centred vertically, no borders, 1 px padding
    rows = _rows("13", "html")
    html = WRITERS["html"](rows).decode("utf-8").replace('<table border="1">', "<table>")
    html = html.replace("</head>", f"<style>body {{font-family: '{FONT}'}} td {{padding: 1px 6px}}"
                        "</style></head>")
    try:
        doc = read_bytes(_html_pdf(html), "centred.pdf")
    except ReadError as err:  # or refused: the rows it would give fail the cross-checks
        assert err.code == "fails-checks"
        return
    said = [w for w in doc.warnings if w.code == "unruled-uncertain"]
    assert said and said[0].span.page == 1 and "第 1 页" in said[0].message


# --- what breaks extractors -------------------------------------------------------------


def _small_form(extra_css: str = "", extra_html: str = "", cell: str = "市民满意度") -> str:
    rows = form_rows(_gold("01"), Choices(False, False, {
        "name": "项目名称", "department": "主管部门", "unit": "实施单位", "total": "资金总额",
        "goal": "年度目标", "goal_long": "长期目标", "category": "一级指标",
        "level2": "二级指标", "iname": "三级指标", "value": "指标值"}))
    html = _styled(rows, True).replace("市民满意度", cell, 1)
    return html.replace("</head>", f"<style>{extra_css}</style></head>").replace(
        "</body>", f"{extra_html}</body>")


def test_white_text_is_left_out_and_said() -> None:
    html = _small_form(cell='市民满意度<span style="color: white">（已删除的旧指标）</span>')
    doc = read_bytes(_html_pdf(html), "white.pdf")
    names = [i.name for i in doc.projects[0].indicators]
    assert "市民满意度" in names and not any("旧指标" in n for n in names)
    said = next(w for w in doc.warnings if w.code == "hidden-text")
    assert said.span.page == 1 and "已删除的旧指标" in said.message


def test_text_under_a_filled_rectangle_is_left_out_and_said() -> None:
    # a black box drawn over words after them (a redaction that kept the text)
    html = _small_form(cell='市民满意度<span style="position: relative">（旧稿）<span style='
                       '"position: absolute; left: 0; top: 0; width: 4em; height: 1.3em; '
                       'background: black"></span></span>')
    doc = read_bytes(_html_pdf(html), "covered.pdf")
    names = [i.name for i in doc.projects[0].indicators]
    assert "市民满意度" in names and not any("旧稿" in n for n in names)
    said = next(w for w in doc.warnings if w.code == "hidden-text")
    assert said.span.page == 1 and "旧稿" in said.message


def test_simulated_bold_is_read_once() -> None:
    # the same characters drawn twice, 0.4 pt apart: how a producer fakes bold
    html = _small_form(cell='<span style="position: relative">市民满意度<span style="position:'
                       ' absolute; left: 0.4pt; top: 0; white-space: nowrap">市民满意度'
                       '</span></span>')
    doc = read_bytes(_html_pdf(html), "bold.pdf")
    names = [i.name for i in doc.projects[0].indicators]
    # pdfium's text page drops a text object drawn again over itself; what it keeps
    # (characters drawn one by one) pdfgrid drops and says (`doubled-characters`)
    assert "市民满意度" in names and "市民满意度市民满意度" not in names, names


def test_a_rotated_page_is_read_and_said() -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(_html_pdf(_small_form("@page { size: A4 landscape }")))
    pdf[0].set_rotation(90)
    out = io.BytesIO()
    pdf.save(out)
    pdf.close()
    doc = read_bytes(out.getvalue(), "rotated.pdf")
    score, misses = accuracy(_gold("01"), doc)
    assert score >= 0.99, misses[:10]
    said = next(w for w in doc.warnings if w.code == "rotated-page")
    assert said.span.page == 1 and "90°" in said.message


def test_gold_files_are_untouched() -> None:
    # the golds are readings by eye: the tests read them, never write them
    for path in GOLDS:
        assert json.loads(path.read_text("utf-8"))["projects"]


def test_blank_beside_shorter_rows_takes_no_drawn_cell() -> None:
    """23's 自评表 printed under CSS rules: the row of 项目主管部门 has four cells, the
    budget rows below it five (得分, 9). The blank right of the short row joins the blanks
    beside the others in no rectangle; read as one merged cell its box took in 得分 and 9
    (`得分9`, the execution score lost). Found by benchmarks/pdf_style_sweep.py --forms."""
    from formrender import FormStyle

    choices = Choices(True, True, {
        "name": "项目名称", "department": "项目主管部门", "unit": "预算单位",
        "total": "年度资金总额", "goal": "本年度绩效目标", "goal_long": "长期目标",
        "category": "一级", "level2": "二级指标", "iname": "三级", "value": "目标值"})
    style = FormStyle(font="Noto Serif CJK SC", size_pt=9, page="A3 portrait", rules="all",
                      valign="middle", label_width=12)
    doc = _styled_form("23", choices, style)
    assert doc.projects[0].form.execution_score == Decimal("9")
    assert accuracy(_gold("23"), doc) == (1.0, [])


def test_unruled_wrapped_label_beside_the_next_row_keeps_the_rows_apart() -> None:
    """09's form without rules: the merged 二级 label `社会公众或服务对象满意度` / `指标`
    wraps, its second line four points above the next row's `学校满意度`, so one page line
    held both, at the label's height: one pitch below `学生家长满意度`, the two rows read as
    one (`学生家长满意度学校满意度`, `≥90%≥90%`). Each column's part of a line now stands
    at its own height. Found by benchmarks/pdf_style_sweep.py --forms."""
    from formrender import FormStyle

    choices = Choices(True, True, {
        "name": "项目(政策)名称", "department": "项目主管部门", "unit": "项目执行单位",
        "total": "年度资金总额", "goal": "本年度绩效目标", "goal_long": "实施期目标",
        "category": "一级指标", "level2": "二级", "iname": "指标内容", "value": "年度指标值"})
    style = FormStyle(font="WenQuanYi Zen Hei", size_pt=10, page="A3 portrait", rules="none")
    doc = _styled_form("09", choices, style)
    assert [i.name for i in doc.projects[0].indicators][-2:] == ["学生家长满意度", "学校满意度"]
    assert accuracy(_gold("09"), doc) == (1.0, [])


def test_unruled_cells_that_abut_split_at_their_columns_starts() -> None:
    """21's form with horizontal rules only and 0.3 mm padding: a wrapped label filling
    its narrow cell ends 5.8 pt before the next cell (`服務對象滿意` / `整編資料審核`), under
    half an em, so one segment crossed the 二级 / 指标内容 edge, the table ended there and
    its last rows were read as loose text one column off; above it `黃岡市水利和` ran into
    `项目执行单位` and the project's name was the title. A character after a gap that begins
    where a heading cell's text begins starts that column's cell. Found by
    benchmarks/pdf_style_sweep.py --forms (seed 14: 0.49 of fields, no warning)."""
    from formrender import FormStyle

    choices = Choices(True, False, {
        "name": "项目支出名称", "department": "部门名称", "unit": "项目执行单位",
        "total": "项目资金总额", "goal": "年度绩效目标", "goal_long": "实施期目标",
        "category": "一级指标", "level2": "二级", "iname": "指标内容", "value": "年度指标值"})
    style = FormStyle(font="Noto Serif CJK SC", size_pt=9.0, page="A4 portrait",
                      rules="horizontal", valign="top", padding_mm=0.3, label_width=12.0)
    doc = _styled_form("21", choices, style)
    assert [(i.form.level2 if i.form else None, i.name)
            for i in doc.projects[0].indicators][2:4] == [
        ("服務對象滿意度指標", "整編資料審核"), ("質量指標", "監測數據資料整編")]
    assert accuracy(_gold("21"), doc) == (1.0, [])


def test_unruled_labels_at_the_foot_of_merged_cells_are_doubted() -> None:
    """16's form with horizontal rules only, cells bottom-aligned, labels merged: `数量指标`
    stands at the last of its three rows and `产出指标` at the table's last, so read as
    top-aligned they named the rows after them (0.86 of fields, no warning but one about
    a target). A fresh table whose first row has no 一级 / 二级 label is doubted at its
    page (`unruled-uncertain`). Found by benchmarks/pdf_style_sweep.py --forms (seed 15)."""
    from formrender import FormStyle

    choices = Choices(True, True, {
        "name": "项目支出名称", "department": "主管部门", "unit": "项目执行单位",
        "total": "年度资金总额", "goal": "年度绩效目标", "goal_long": "中期目标",
        "category": "一级指标", "level2": "二级指标", "iname": "三级指标", "value": "指标值"})
    style = FormStyle(font="Noto Sans CJK SC", size_pt=7.0, page="A3 portrait",
                      rules="none", valign="bottom", padding_mm=0.8, label_width=25.0)
    doc = _styled_form("16", choices, style)
    score, _ = accuracy(_gold("16"), doc)
    doubted = [w for w in doc.warnings if w.code == "unruled-uncertain"]
    assert score < 1.0 and [w.span.page for w in doubted if w.span] == [1]
    # with the rules between rows the labels' extents are certain (no rule under 一级 /
    # 二级 between the rows of a merged label): read right, nothing doubted
    ruled = _styled_form("16", choices, replace(style, rules="horizontal"))
    assert accuracy(_gold("16"), ruled) == (1.0, [])
    assert not [w for w in ruled.warnings if w.code.endswith("-uncertain")]


def test_partial_rules_give_centred_merged_labels_their_rows() -> None:
    """05's 批复表 with horizontal rules only, cells centred: `产出指标` and `数量指标`
    stand in the middle of their rows, so read by where they begin they
    named the rows below their middle and the first rows had none (0.90 of fields, said
    `unruled-uncertain`). WeasyPrint draws each cell's top and bottom rule, so a merged
    label's column has no rule between its rows: its cell runs from the rule above it in
    its column to the next one there. Found by benchmarks/pdf_style_sweep.py --forms
    (seed 15)."""
    from formrender import FormStyle

    choices = Choices(True, False, {
        "name": "项目名称", "department": "项目主管部门", "unit": "项目执行单位",
        "total": "年度资金总额", "goal": "年度绩效目标", "goal_long": "长期目标",
        "category": "一级指标", "level2": "二级指标", "iname": "三级", "value": "目标值"})
    style = FormStyle(font="Noto Serif CJK SC", size_pt=10.0, page="A4 portrait",
                      rules="horizontal", valign="middle", padding_mm=2.5, label_width=25.0)
    doc = _styled_form("05", choices, style)
    levels = _levels(doc)
    assert levels[:2] == [("产出指标", "数量指标")] * 2
    assert levels[5] == ("产出指标", "质量指标")
    assert accuracy(_gold("05"), doc) == (1.0, [])
    assert not [w for w in doc.warnings if w.code.endswith("-uncertain")]


def test_partial_rules_keep_a_centred_wrapped_field_in_one_row() -> None:
    """13's 申报表 with horizontal rules only, cells centred, a 12 % label column: the
    label `本年度绩效目` / `标` and its goal's two lines stand at pitches of their own, so
    the text alone cut the row in two and the second project's goal was lost among the
    pieces. Lines between the same two rules are one row. Found by
    benchmarks/pdf_style_sweep.py --forms (seed 14)."""
    from formrender import FormStyle

    choices = Choices(True, True, {
        "name": "项目名称", "department": "部门名称", "unit": "实施单位",
        "total": "年度资金总额", "goal": "本年度绩效目标", "goal_long": "实施期目标",
        "category": "一级", "level2": "二级", "iname": "三级指标", "value": "年度指标值"})
    style = FormStyle(font="WenQuanYi Zen Hei", size_pt=11.0, page="A3 portrait",
                      rules="horizontal", valign="middle", padding_mm=2.5, label_width=12.0)
    gold = _gold("13")
    doc = _styled_form("13", choices, style, gold)
    assert [p.goal for p in doc.projects] == [p["goal"] for p in gold["projects"]]
    assert accuracy(gold, doc) == (1.0, [])


def test_unruled_page_without_a_wrapped_cell_reads_each_line_as_a_row() -> None:
    """19's form with horizontal rules only, 12 pt and 1.5 mm of padding: no cell wraps, so
    the page's smallest line pitch (1.64 character heights) was its rows' and the heading
    band took the two indicator rows under it (`一级产出指标效益指标`): no table found.
    A pitch wider than `line_pitch` heights is no cell's own. Found by
    benchmarks/pdf_style_sweep.py --forms (seed 14, refused `no-table`)."""
    from formrender import FormStyle

    choices = Choices(False, False, {
        "name": "项目支出名称", "department": "主管部门", "unit": "实施单位",
        "total": "资金总额", "goal": "年度目标", "goal_long": "中期目标",
        "category": "一级", "level2": "二级", "iname": "指标内容", "value": "目标值"})
    style = FormStyle(font="WenQuanYi Micro Hei", size_pt=12.0, page="A3 portrait",
                      rules="horizontal", valign="top", padding_mm=1.5, label_width=18.0)
    doc = _styled_form("19", choices, style)
    assert [i.category for i in doc.projects[0].indicators][:2] == ["产出指标", "效益指标"]
    assert accuracy(_gold("19"), doc) == (1.0, [])


def test_a_merged_label_over_a_page_break_leaves_the_next_row_its_own() -> None:
    """08's form, ruled, cells centred, 12 pt on A4 landscape: `效益指标` merges two rows
    and the page breaks between them. WeasyPrint rules page 1's foot under the other
    columns only, so the row above the break is whole; the next page's first row, with
    no 一级 cell (the label goes on over the break), was read as that row's rest
    (`可持续影响指标社会效益指标`, 0.76 of fields, nothing said). A table foot ruled
    under some columns only ends its last row. Found by benchmarks/pdf_style_sweep.py
    --forms (seed 16)."""
    from formrender import FormStyle

    choices = Choices(True, False, {
        "name": "项目名称", "department": "部门名称", "unit": "预算单位", "total": "资金总额",
        "goal": "本年度绩效目标", "goal_long": "实施期目标", "category": "一级指标",
        "level2": "二级指标", "iname": "指标内容", "value": "指标值"})
    style = FormStyle(font="WenQuanYi Micro Hei", size_pt=12.0, page="A4 landscape",
                      rules="all", valign="middle", padding_mm=2.5, label_width=25.0,
                      footer="第 N 页 共 M 页")
    doc = _styled_form("08", choices, style)
    levels = [(i.category, i.form.level2 if i.form else None, i.span.page)
              for i in doc.projects[0].indicators]
    assert levels[4:6] == [("效益指标", "可持续影响指标", 1), ("效益指标", "社会效益指标", 2)]
    assert accuracy(_gold("08"), doc) == (1.0, [])


def test_unruled_centred_heading_labels_wrapped_above_its_line() -> None:
    """23's 自评表 with horizontal rules only, cells centred, 0.3 mm of padding: `分值`,
    `实际完成值` and `得分` wrap in their narrow cells, so their first lines stand half a
    line above the line that names 一级 / 二级 and their last lines half a line below;
    the first were read as a row above the heading and the columns 分值 … 得分 had no
    heading of their own (their figures lost, 0.65 of fields, nothing said). Lines just
    above a heading's band whose cells begin where the band's do are the heading's.
    Found by benchmarks/pdf_style_sweep.py --forms (seed 16)."""
    from formrender import FormStyle

    choices = Choices(True, False, {
        "name": "项目名称", "department": "部门名称", "unit": "实施单位",
        "total": "项目资金总额", "goal": "年度目标", "goal_long": "实施期目标",
        "category": "一级指标", "level2": "二级指标", "iname": "三级指标", "value": "指标值"})
    style = FormStyle(font="WenQuanYi Zen Hei", size_pt=9.0, page="A4 landscape",
                      rules="horizontal", valign="middle", padding_mm=0.3, label_width=18.0,
                      footer="第 N 页 共 M 页")
    doc = _styled_form("23", choices, style)
    first = doc.projects[0].indicators[0].form
    assert first is not None
    assert (first.weight, first.actual, first.score) == (Decimal("10"), "37.24", Decimal("9"))
    assert accuracy(_gold("23"), doc) == (1.0, [])


@pytest.mark.parametrize("rules,valign", [("all", "top"), ("horizontal", "middle")])
def test_a_table_goes_on_to_a_page_that_names_no_level(rules: str, valign: str) -> None:
    """06's form over two pages, `产出指标` merged over the break: page 2 names no level,
    so `target_pages` left it out and its two indicators were lost (0.72 of fields, the
    `target-pages` note the only sign). A table at the page's foot goes on to the next
    page whose first table has its columns (ruled) or whose first lines are cells at its
    columns' starts (unruled); with rules between rows the last row before the break is
    closed by its rule, so page 2's first row is a row of its own. Found by
    benchmarks/pdf_style_sweep.py --forms (seed 16, frame only)."""
    from formrender import FormStyle

    choices = Choices(True, True, {
        "name": "项目(政策)名称", "department": "部门名称", "unit": "项目执行单位",
        "total": "年度资金总额", "goal": "本年度绩效目标", "goal_long": "实施期目标",
        "category": "一级", "level2": "二级", "iname": "指标内容", "value": "目标值"})
    style = FormStyle(font="Noto Sans CJK SC", size_pt=11.0, page="A4 landscape",
                      rules=rules, valign=valign, padding_mm=2.5, label_width=18.0)
    doc = _styled_form("06", choices, style)
    assert [(i.name, i.span.page) for i in doc.projects[0].indicators][-2:] == [
        ("物业管理各项任务完成达标率", 2), ("维修施工验收合格率", 2)]
    assert accuracy(_gold("06"), doc) == (1.0, [])


def test_unruled_labels_at_the_foot_take_the_rows_their_foot_meets() -> None:
    """05's 批复表 without rules, cells bottom-aligned: `数量指标` stands at the foot of its
    five rows, `产出指标` of its nine, so read by where they begin the first rows had no
    label (0.80 of fields, said `unruled-uncertain`). The rows whose other cells differ
    in height show the alignment (their feet meet); label after label, each one's foot
    meets exactly one row's foot after the last label's rows, and the last ends at the
    table's last row: the labels tile the rows (the page is still said: its other rows
    are set by the text alone). Found by benchmarks/pdf_style_sweep.py --forms (seed 15)."""
    from formrender import FormStyle

    choices = Choices(True, False, {
        "name": "项目名称", "department": "项目主管部门", "unit": "项目执行单位",
        "total": "资金总额", "goal": "本年度绩效目标", "goal_long": "实施期目标",
        "category": "一级", "level2": "二级指标", "iname": "三级", "value": "年度指标值"})
    style = FormStyle(font="Noto Serif CJK SC", size_pt=10.0, page="A4 portrait",
                      rules="none", valign="bottom", padding_mm=1.5, label_width=18.0)
    doc = _styled_form("05", choices, style)
    levels = _levels(doc)
    assert levels[0] == ("产出指标", "数量指标") and levels[5] == ("产出指标", "质量指标")
    assert accuracy(_gold("05"), doc) == (1.0, [])
