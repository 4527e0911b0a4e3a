"""Real PDFs as departments published them (tests/data/real/pdf), read through the PDF
grid and the form reader, against gold readings written by reading the pages."""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path

import pytest

from jixiao.errors import ReadError
from jixiao.interchange import to_dict
from jixiao.readers import read

PDFS = Path(__file__).parent / "data" / "real" / "pdf"
SCORER = Path(__file__).parents[2] / "shared" / "tools"

# Field accuracy each reads to today, by the team's scorer. A gold that covers the first
# projects only is compared with the projects of the reading that it names.
FLOORS = {
    "cas-naoc-2023-yusuan-xiangmu-mubiaobiao": 1.0,
    "guojia-xinfang-2024-juesuan-xiangmu-ziping": 1.0,
    "gz-zwfw-2026-zhengti-shenbaobiao": 1.0,
    "ningde-zfb-2024-zhengti-zipingbiao": 1.0,
    "shanghai-putuo-wanli-2023-yusuan-tianbaobiao": 1.0,
    "yantai-minzheng-2026-yusuan-mubiaobiao": 0.995,
    "fuzhou-yibao-2026-yusuan-mubiaobiao": 0.992,
    "xian-keji-2022-yusuan-mubiaobiao": 1.0,
    "changsha-gongan-2025-yusuan-mubiaobiao": 1.0,
    "beijing-fagai-2026-yusuan-xiangmu-mubiaobiao": 1.0,
    # the sample's own template (read by readers/pdf.py): the table prints no year or kind
    "gz-zwfw-2026-xiangmu-mubiaobiao": 0.99,
}


def _score(gold: dict, doc) -> tuple[float, list[str]]:
    sys.path.insert(0, str(SCORER))
    import score_extraction

    pred = to_dict(doc)
    if len(pred["projects"]) > len(gold["projects"]):  # a gold of the first projects
        names = {"".join((p.get("name") or "").split()) for p in gold["projects"]}
        pred["projects"] = [p for p in pred["projects"]
                            if "".join((p.get("name") or "").split()) in names]
    totals, misses = score_extraction.score(gold, pred)
    return sum(h for h, _ in totals.values()) / sum(n for _, n in totals.values()), misses


@pytest.mark.parametrize("stem", sorted(FLOORS))
def test_real_pdf_reads_to_its_gold(stem: str) -> None:
    gold = json.loads((PDFS / f"{stem}.gold.json").read_text("utf-8"))
    doc = read(PDFS / f"{stem}.pdf")
    score, misses = _score(gold, doc)
    assert score >= FLOORS[stem], misses[:10]
    if doc.kind is None:  # the sample's template: one table, its pages are all pages
        return
    # the pages said are the pages the gold found the target tables on
    said = next(w for w in doc.warnings if w.code == "target-pages").message
    first = min(gold["document"]["pages"])
    assert f"第 {first}" in said or f"第 {first - 1}" in said, said


def test_a_budget_without_a_target_table_is_refused() -> None:
    with pytest.raises(ReadError) as err:
        read(PDFS / "jiangsu-gaoyuan-2019-yusuan-prose-only.pdf")
    assert err.value.code == "no-target-table"
    assert "没有找到绩效目标表" in err.value.message


def test_fields_of_a_self_evaluation_pdf() -> None:
    doc = read(PDFS / "guojia-xinfang-2024-juesuan-xiangmu-ziping.pdf")
    p = doc.projects[0]
    assert doc.kind == "self-evaluation" and doc.year == 2024
    assert (p.name, str(p.form.planned), str(p.form.adjusted), str(p.form.executed)) == \
        ("信访干部培训专项", "180.61", "180.03", "180.03")
    first = p.indicators[0]
    assert (first.category, first.form.level2, first.name, first.target, first.form.actual,
            str(first.form.weight), str(first.form.score)) == \
        ("成本指标", "经济成本指标", "参加培训学员人均培训费", "不超标准", "未超标准", "20", "20")
    assert first.span.page == 30
    # the table inside the prose report on p.46 belongs to no project
    assert any(w.code == "table-without-project" for w in doc.warnings)


@cache
def _xian():
    return read(PDFS / "xian-keji-2022-yusuan-mubiaobiao.pdf")


def test_two_periods_side_by_side_are_not_added_up() -> None:
    # pp.76-78: 实施期资金总额 | 年度资金总额 side by side, each with its 其中：财政拨款 line
    doc = _xian()
    by_name = {p.name: p for p in doc.projects}
    # p.77 prints 1500 in the 实施期 column and 1,500.00 in the 年度 column: the annual
    # total's own fiscal line is the one taken
    talent = by_name["西安市引进海外高层次人才智力项目"]
    assert (str(talent.amounts.total), str(talent.amounts.fiscal)) == ("1500.00", "1500.00")
    assert [f.label for f in talent.form.funding] == [
        "实施期资金总额", "年度资金总额", "其中：财政拨款", "其中：财政拨款"]
    fund = by_name["西安市科技发展专项资金"]
    assert (str(fund.amounts.total), str(fund.amounts.fiscal)) == ("77000.00", "77000.00")
    # no source counted twice
    assert not [w for w in doc.warnings if w.code == "funding-sum"]


def test_a_two_period_form_whose_annual_sources_disagree_is_named() -> None:
    from dataclasses import replace as copy

    from jixiao.checks import funding_sums
    from jixiao.model import Funding

    doc = _xian()
    fund = next(p for p in doc.projects if p.name == "金融发展专项项目")
    lines = fund.form.funding
    # the annual column's fiscal line made larger than its total: the check must see it
    fund.form = copy(fund.form, funding=[*lines[:3], Funding(lines[3].label,
                                                           lines[3].amount + 1)])
    try:
        failed = [f for f in funding_sums(doc) if "金融发展专项项目" in f.warning.message]
    finally:
        fund.form = copy(fund.form, funding=lines)
    assert len(failed) == 1 and "8,917.00" in failed[0].warning.message


def test_indicators_packed_into_one_cell() -> None:
    doc = _xian()
    p = next(p for p in doc.projects if p.name.startswith("社科普及专项经费"))
    pairs = [(i.form.level2, i.name, i.target) for i in p.indicators]
    # p.70: 天然气日用气量 /供暖天数/锅炉工人数 | ≤600立方/≤120天/2人 — as many names as
    # values: one indicator each
    at = pairs.index(("数量指标", "天然气日用气量", "≤600立方"))
    assert pairs[at + 1:at + 3] == [("数量指标", "供暖天数", "≤120天"),
                                    ("数量指标", "锅炉工人数", "2人")]
    # numbered items whose wrap lost the slash (…基地 5、社科普及…), a value per item
    # with its rate unit after a slash (1-2次/月)
    assert ("数量指标", "市民大讲堂举办频次", "1-2次/月") in pairs
    assert ("数量指标", "社科普及项目资助及奖励", "≥5个") in pairs
    assert [i.seq for i in p.indicators] == list(range(1, len(p.indicators) + 1))
    # 13 numbered names beside 11 values: kept as one, and named with its page
    packed = [w for w in doc.warnings if w.code == "packed-indicators"]
    lost = next(w for w in packed if "13 个指标名称、11 个指标值" in w.message)
    assert lost.span.page == 70 and "第 70 页" in lost.message
    kept = next(i for i in p.indicators if i.name.startswith("1、《领导参阅》"))
    assert kept.target.startswith("≥6期/≥5册")


def test_the_department_and_year_of_a_later_form() -> None:
    # 北京: the project list names no department; the 部门整体 form on p.82 does
    # (部门名称 北京市发展和改革委员会, （2026年度）)
    doc = read(PDFS / "beijing-fagai-2026-yusuan-xiangmu-mubiaobiao.pdf")
    assert (doc.department, doc.year) == ("北京市发展和改革委员会", 2026)


def _boxed_text(pdf: object, span: object, pages: dict[int, object]) -> str:
    """What pdfium finds inside a span's box on its page, white space dropped (`pages`:
    the text pages made so far)."""
    n = span.page - 1  # type: ignore[attr-defined]
    if n not in pages:
        pages[n] = pdf[n].get_textpage()  # type: ignore[index]
    return "".join(pages[n].get_text_bounded(*span.box).split())  # type: ignore


@pytest.mark.parametrize("stem", ["ningde-zfb-2024-zhengti-zipingbiao",
                                  "cas-naoc-2023-yusuan-xiangmu-mubiaobiao",
                                  "fuzhou-yibao-2026-yusuan-mubiaobiao",
                                  "guojia-xinfang-2024-juesuan-xiangmu-ziping"])
def test_every_value_read_carries_its_cells_box(stem: str) -> None:
    """The form reader's values (header fields, money, each indicator) carry the box of
    the cells they were read from, so the web can crop them: what pdfium reads inside each
    box is the value (money in the unit the form prints: 元 or 万元)."""
    import pypdfium2 as pdfium

    from jixiao.forms.reader import amount

    data = (PDFS / f"{stem}.pdf").read_bytes()
    doc = read(PDFS / f"{stem}.pdf")
    pdf = pdfium.PdfDocument(data)
    pages: dict[int, object] = {}
    money = 0
    for p in doc.projects:
        department = p.form.department if p.form else None
        for key, value in (("name", p.name), ("goal", p.goal), ("department", department)):
            span = p.field_spans.get(key)
            if span is not None and value:
                assert span.box is not None, (p.name, key)
                head = "".join(value.split())[:6]
                assert head in _boxed_text(pdf, span, pages), (p.name, key, head)
        for key in ("total", "fiscal", "special_account", "other"):
            value, span = getattr(p.amounts, key), p.field_spans.get(f"{key}_cell")
            if value is None or span is None:
                continue
            read_there = amount(_boxed_text(pdf, span, pages))
            assert read_there in (value, value * 10000), (p.name, key, value, read_there)
            money += 1
            box = p.field_spans["amounts"].box  # the figures together
            assert box[0] <= span.box[0] and span.box[2] <= box[2]
        for i in p.indicators:
            assert i.span.box is not None and i.span.page is not None, i.name
            assert "".join(i.name.split())[:6] in _boxed_text(pdf, i.span, pages), i.name
    assert money >= 1 and all(p.indicators for p in doc.projects)
