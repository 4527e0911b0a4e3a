from __future__ import annotations

import subprocess
import sys
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from conftest import SAMPLE, SHARED_SCORER
from fields import field_mismatches
from jixiao.interchange import to_dict
from jixiao.model import Document
from jixiao.readers.text import read_text


def _lines(spec: Any) -> tuple[int, int]:
    parts = str(spec).replace(",", "-").split("-")
    return int(parts[0]), int(parts[-1])


def test_sample_reads_to_the_gold_field_for_field(sample_doc: Document, gold_json: dict) -> None:
    n, misses = field_mismatches(gold_json, to_dict(sample_doc))
    assert misses == []
    assert n == 2477  # 142 × 6 project fields + 540 × 3 indicator fields + 5 document fields


def test_sample_scores_100_percent_by_the_shared_scorer(tmp_path, sample_doc: Document) -> None:
    if not SHARED_SCORER.exists():
        pytest.skip(f"the workplace scorer is not at {SHARED_SCORER} (set JIXIAO_SHARED)")
    pred = tmp_path / "pred.json"
    import json
    pred.write_text(json.dumps(to_dict(sample_doc), ensure_ascii=False), encoding="utf-8")
    run = subprocess.run([sys.executable, str(SHARED_SCORER), str(SAMPLE.with_name(
        "guangzhou-psb-gold.json")), str(pred)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout
    assert run.stdout.strip().splitlines()[-1] == "accuracy: 1.0000 (2478 of 2478 fields)"


def test_raw_items_and_source_lines_match_the_gold(sample_doc: Document, gold_json: dict) -> None:
    for gp, p in zip(gold_json["projects"], sample_doc.projects, strict=True):
        for key in ("name", "amounts", "goal"):
            span = p.field_spans[key]
            assert (span.first_line, span.last_line) == _lines(gp["src_lines"][key]), (p.seq, key)
        for gi, i in zip(gp["indicators"], p.indicators, strict=True):
            assert i.raw == gi["raw"]
            assert (i.span.first_line, i.span.last_line) == _lines(gi["src_lines"])
            assert i.span.file == "guangzhou-psb-targets.txt"


def test_counts_and_totals(sample_doc: Document) -> None:
    assert len(sample_doc.projects) == 142
    categories = Counter(i.category for _, i in sample_doc.iter_indicators())
    assert categories == {"产出指标": 327, "效益指标": 164, "满意度指标": 36, None: 13}
    assert sample_doc.project_total == Decimal("247400.91")
    assert [u.name for u in sample_doc.units] == ["广州市公安局"]
    assert sample_doc.units[0].subtotal.total == Decimal("247400.93")
    g = sample_doc.grand_total
    assert (g.total, g.fiscal, g.special_account, g.other) == (
        Decimal("248530.64"), Decimal("248053.64"), Decimal("477.00"), None)
    assert str(g.special_account) == "477.00"  # scale as published


def test_out_of_order_row_594_is_read_right_with_warnings(sample_doc: Document) -> None:
    p = sample_doc.projects[40]
    assert p.name == "广州市公安局审管处2021年广州公安一体化政务服务平台项目"
    assert p.goal.startswith("通过实施该项目，提高公安服务网办率") and p.goal.endswith("次数。")
    assert p.indicators[3].target == "90%"
    assert p.indicators[3].raw == "产出指标：公安政务服务网办率，年度指标值：90%"
    by_code = {w.code: w for w in sample_doc.warnings if w.span.first_line in range(504, 517)}
    assert (by_code["goal-out-of-order"].span.first_line,
            by_code["goal-out-of-order"].span.last_line) == (514, 516)
    fragment = by_code["displaced-fragment"]
    assert (fragment.span.first_line, fragment.span.last_line) == (512, 516)
    assert "“%”" in fragment.message


def test_each_doubt_is_a_typed_warning_at_its_line(sample_doc: Document) -> None:
    lines: dict[str, list[int]] = {}
    for w in sample_doc.warnings:
        lines.setdefault(w.code, []).append(w.span.first_line)
    assert lines["missing-category"] == [627, 628, 629, 630, 770, 771, 1019, 1020, 1021, 1022,
                                         1417, 1418, 1419]
    assert lines["category-without-colon"] == [1386, 1387]
    assert lines["missing-label"] == [234, 913]
    # 12 truncated labels (：度指标值) and 2 typos (实年度指标值)
    assert sorted(lines["misspelt-label"]) == sorted(
        [884, 1620, 1629, 1638, 1647, 1656, 1665, 1674, 1683, 1692, 1701, 1710, 848, 993])
    assert lines["amount-column-inferred"] == [8, 12]  # the 合计 row, then all project rows
    # #28.2 ends "75％" with no ";"; #41.4 "90" gets its "%" back from line 516 but no ";"
    assert lines["missing-terminator"] == [358, 516]


def test_pages_follow_the_repeated_column_header(sample_doc: Document) -> None:
    assert sample_doc.source.pages == 6
    pages = {p.seq: p.span.page for p in sample_doc.projects}
    assert pages[1] == 1 and pages[42] == 3 and pages[142] == 6


def test_identical_rows_are_kept(sample_doc: Document) -> None:
    names = Counter(p.name for p in sample_doc.projects)
    assert names["辅警补助经费"] == 9
    assert names["外市籍吸毒人员管理服务专项工作经费"] == 11
    a, b = sample_doc.projects[135], sample_doc.projects[141]
    assert (a.name, a.amounts.total) == (b.name, b.amounts.total)


def test_row_without_blank_line_before_it_is_its_own_project(sample_doc: Document) -> None:
    p = sample_doc.projects[127]  # line 1586 ' 辅警补助经费 3,492.80 …'
    assert p.field_spans["amounts"].first_line == 1586
    assert p.amounts.total == Decimal("3492.80")
    assert len(sample_doc.projects[126].indicators) == 4


SPLIT_NUMBER = """项目支出绩效目标表
部门名称：测试局
项目名称（资金使用单位） 总计 财政拨款 财政专户拨款 其他资金 绩效目标 绩效指标
合计 10.00 10.00
测试局 10.00 10.00
测试项目 10.00 10.00
通过实施该项目，保障运行。
1、产出指标：系统可用率；年度指标值:≥9
9.5%;
"""


def test_number_split_by_a_wrap_is_joined_and_noted() -> None:
    doc = read_text(SPLIT_NUMBER, "split.txt")
    assert doc.projects[0].indicators[0].target == "≥99.5%"
    notes = [w for w in doc.warnings if w.code == "number-split-by-wrap"]
    assert [(w.span.first_line, w.span.last_line) for w in notes] == [(8, 9)]


def test_an_item_cut_after_its_number_is_read_with_its_doubts(sample_doc: Document) -> None:
    """`4、` alone on a line (the rest of the item lost): the reading goes on and says so
    at that line instead of failing inside the item parser."""
    lines = SAMPLE.read_text(encoding="utf-8").split("\n")
    no = next(k for k, line in enumerate(lines, 1) if line.startswith("4、效益指标：监所安全事故"))
    lines[no - 1] = "4、"
    doc = read_text("\n".join(lines), "cut.txt")
    cut = next(i for p in doc.projects for i in p.indicators if i.span.first_line == no)
    assert (cut.seq, cut.raw, cut.name, cut.target) == (4, "", "", "")
    assert {w.code for w in doc.warnings if w.span.first_line == no} == {
        "missing-terminator", "missing-category", "missing-target"}
    assert len(doc.projects) == len(sample_doc.projects)


def test_the_last_item_cut_by_a_wrap_without_its_terminator_runs_to_the_end(
        sample_doc: Document) -> None:
    """At the end of the table no name can follow the last item: its wrapped lines are
    its own even without a terminator or a blank line (it was read as text left over)."""
    text = SAMPLE.read_text(encoding="utf-8").rstrip("\n")
    assert text.endswith("\n4、效益指标：社区戒毒社区康复执行率；年度指标值:99%以上;")
    text = text.removesuffix("年度指标值:99%以上;") + "年度\n指标值:9\n9%以上"
    doc = read_text(text, "cut.txt")
    last = doc.projects[-1].indicators[-1]
    assert (last.name, last.target) == ("社区戒毒社区康复执行率", "99%以上")
    n = len(text.split("\n"))
    assert (last.span.first_line, last.span.last_line) == (n - 2, n)
    assert {w.code for w in doc.warnings if w.span.last_line == n} >= {
        "possibly-truncated", "number-split-by-wrap"}
    assert len(doc.projects) == len(sample_doc.projects)


def test_four_figures_need_no_inference() -> None:
    text = SPLIT_NUMBER.replace("10.00 10.00", "10.00 6.00 3.00 1.00")
    doc = read_text(text, "four.txt")
    a = doc.projects[0].amounts
    assert (a.total, a.fiscal, a.special_account, a.other) == (
        Decimal("10.00"), Decimal("6.00"), Decimal("3.00"), Decimal("1.00"))
    assert not a.columns_inferred
    assert not [w for w in doc.warnings if w.code == "amount-column-inferred"]


def test_form_feeds_count_the_pages_when_present(sample_doc: Document) -> None:
    """pdftotext ends each page with a form feed; then the headers do not count twice."""
    lines = SAMPLE.read_text(encoding="utf-8").split("\n")
    for no in (251, 520, 787, 1077, 1351):  # the repeated column headers
        lines[no - 1] = "\f" + lines[no - 1]
    doc = read_text("\n".join(lines) + "\f", "ff.txt")
    assert doc.source.pages == 6
    assert [p.span.page for p in doc.projects] == [p.span.page for p in sample_doc.projects]
    assert doc.projects[40].field_spans["goal"].first_line == 514
