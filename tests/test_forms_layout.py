"""pdftotext -layout text of the real PDFs (tests/data/real/pdf), made by poppler's
pdftotext at test time (the Makefile installs poppler-utils), read by the text grid's
'columns' layout and forms/layout.py, against the PDFs' own golds (written by reading the
pages)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from jixiao.errors import ReadError
from jixiao.readers import read_bytes
from jixiao.readers.grid import text_grid, text_layout

PDFS = Path(__file__).parent / "data" / "real" / "pdf"


def _score(gold: dict, doc) -> tuple[float, list[str]]:
    """The PDF tests' score (a gold of the first projects compares those only)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from test_forms_pdf import _score as score

    return score(gold, doc)

# Fields right by the team's scorer, as read from the layout text today (the PDF itself
# reads better: its cells are known; tests/test_forms_pdf.py).
FLOORS = {
    "ningde-zfb-2024-zhengti-zipingbiao": 1.0,
    "gz-zwfw-2026-zhengti-shenbaobiao": 1.0,
    "cas-naoc-2023-yusuan-xiangmu-mubiaobiao": 1.0,
    "shanghai-putuo-wanli-2023-yusuan-tianbaobiao": 0.96,
    "xian-keji-2022-yusuan-mubiaobiao": 0.95,
    "yantai-minzheng-2026-yusuan-mubiaobiao": 0.99,
    # forms that begin at a page's foot, their names cut over the break (…补助资 / 24 /
    # 金), titles wrapped over two lines, labels stacked in their cells (项目名 / 称)
    "fuzhou-yibao-2026-yusuan-mubiaobiao": 0.95,
}
# refused, and the advice to read the PDF itself given
REFUSED = {
    # a project list (项目名称 | 项目总额 | 绩效目标 | 一级 …) whose rows run over pages
    "beijing-fagai-2026-yusuan-xiangmu-mubiaobiao": "fails-checks",
    # headings wrapped over three lines (一级指 / 标, 偏差原因分析 / 及 / 改进措施)
    "guojia-xinfang-2024-juesuan-xiangmu-ziping": "fails-checks",
    # the sample's own template: its text reader refuses side-by-side cells
    "gz-zwfw-2026-xiangmu-mubiaobiao": "interleaved-columns",
    # a 部门整体 table among the project forms, its columns apart by less than a character
    "changsha-gongan-2025-yusuan-mubiaobiao": "fails-checks",
    # no target table at all (a paragraph about its targets)
    "jiangsu-gaoyuan-2019-yusuan-prose-only": "interleaved-columns",
}


@cache
def layout_text(stem: str) -> bytes:
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext (poppler-utils) is missing: run make, which installs it"
    done = subprocess.run([tool, "-layout", "-enc", "UTF-8", str(PDFS / f"{stem}.pdf"), "-"],
                          capture_output=True, check=True, timeout=120)
    return done.stdout


@pytest.mark.parametrize("stem", sorted(FLOORS))
def test_layout_text_reads_to_the_pdf_gold(stem: str) -> None:
    gold = json.loads((PDFS / f"{stem}.gold.json").read_text("utf-8"))
    doc = read_bytes(layout_text(stem), f"{stem}.txt")
    score, misses = _score(gold, doc)
    assert score >= FLOORS[stem], misses[:10]
    # a reading from layout text says so, and is marked doubtful
    assert doc.warnings[0].code == "layout-text" and doc.doubtful


@pytest.mark.parametrize("stem", sorted(REFUSED))
def test_layout_text_refused_with_advice(stem: str) -> None:
    with pytest.raises(ReadError) as err:
        read_bytes(layout_text(stem), f"{stem}.txt")
    assert err.value.code == REFUSED[stem]
    assert "PDF" in err.value.message  # the advice to read the PDF itself


def test_layout_text_is_its_own_layout() -> None:
    text = layout_text("ningde-zfb-2024-zhengti-zipingbiao").decode("utf-8")
    assert text_layout(text.split("\n")) == "columns"
    grid = text_grid(text, "x.txt")
    cell = next(c for c in grid.cells if c.text == "三级指标")
    # placed by its characters on its line
    line = text.split("\n")[cell.row]
    assert line[cell.col:cell.col + cell.colspan] == "三级指标" and cell.line == cell.row + 1


def test_layout_rows_and_merged_labels_of_a_real_table() -> None:
    doc = read_bytes(layout_text("ningde-zfb-2024-zhengti-zipingbiao"), "ningde.txt")
    first = doc.projects[0].indicators
    # 社会效益指标 一个空格 每日实现热线服务小时数: two cells one space apart, split
    row = next(i for i in first if i.name == "每日实现热线服务小时数")
    assert (row.category, row.form.level2, row.target, row.form.actual,
            str(row.form.weight), str(row.form.score)) == (
        "效益指标", "社会效益指标", "=24小时", "24", "30", "30")
    # the centred 产出指标 / 数量指标 labels cover every row of their cells
    output = [i for i in first if i.category == "产出指标"]
    assert [i.form.level2 for i in output].count("数量指标") == 6 and len(output) == 10


def test_a_whole_budget_gives_its_first_form_nothing_of_the_tables_before() -> None:
    # 西安's layout text holds the budget's other tables before p.62's first form: their
    # 预算数 936,647,884.33 is not that form's total, and p.75's 整体支出 table (no 项目名称)
    # is no part of p.74's project
    doc = read_bytes(layout_text("xian-keji-2022-yusuan-mubiaobiao"), "xian.txt")
    first = doc.projects[0]
    assert first.name.startswith("“魅力中国") and str(first.amounts.total) == "70.00"
    assert [f.label for f in first.form.funding] == ["实施期资金总额", "其中：财政拨款"]
    p74 = next(p for p in doc.projects if p.name.startswith("科研单位运行保障费"))
    assert not any(i.name == "科技服务对象满意率" for i in p74.indicators)
    assert any(w.code == "table-without-project" for w in doc.warnings)
