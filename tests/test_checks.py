"""The cross-checks of every reading (jixiao.checks, issue 13 item 6): each check fails on
a real table damaged here (one amount changed, a target dropped, an item renumbered) and
says nothing on the untouched real tables beyond what their gold readings explain; a
reading that fails most checks is refused."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import SAMPLE
from jixiao.audit import audit
from jixiao.checks import CHECKS, judge
from jixiao.errors import ReadError
from jixiao.interchange import from_dict, to_dict
from jixiao.model import Document, ReadWarning, Severity
from jixiao.readers import read, read_bytes

REAL = Path(__file__).parent / "data" / "real"
CHECK_CODES = {"row-sum", "funding-sum", "unit-subtotal", "grand-total", "indicator-numbering",
               "project-without-indicators", "indicator-without-name",
               "indicator-without-target", "cells-overlap", "score-over-weight",
               "execution-over-budget"}
READS = ("01", "05", "06", "08", "11", "13", "19", "23")


def _real(key: str, ext: str = ".txt") -> Path:
    return next(REAL.glob(f"{key}-*{ext}"))


def _damaged(path: Path, old: str, new: str) -> Document:
    """A copy of a real text with one change, read as an upload would be."""
    text = path.read_text("utf-8")
    assert text.count(old) == 1, old
    return read_bytes(text.replace(old, new).encode(), path.name)


def _checks(doc: Document) -> list[ReadWarning]:
    return [w for w in doc.warnings if w.code in CHECK_CODES]


def _json_bytes(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode()


# ---- untouched tables ------------------------------------------------------------------


def test_the_sample_keeps_its_irregularities_as_warnings_with_their_figures() -> None:
    doc = read(SAMPLE)
    unit, grand = _checks(doc)
    assert (unit.code, unit.severity) == ("unit-subtotal", Severity.INFO)
    assert "142 个项目：总计之和 247,400.91万元，小计行 247,400.93万元（少 0.02）" in unit.message
    assert "舍入范围（±1.42）之内" in unit.message
    assert (grand.code, grand.severity) == ("grand-total", Severity.WARNING)
    assert "合计 248,530.64万元比唯一单位的小计 247,400.93万元多 1,129.71万元" in grand.message
    assert "财政专户拨款 477.00万元不见于任何项目行" in grand.message
    assert (grand.span.file, grand.span.first_line) == ("guangzhou-psb-targets.txt", 10)
    assert doc.doubtful and len(doc.warnings) == 46  # the reader's 44 and these two
    assert to_dict(doc)["document"]["doubtful"] is True


@pytest.mark.parametrize("key", READS)
def test_untouched_real_tables_warn_only_where_their_gold_explains(key: str) -> None:
    doc = read(_real(key))
    gold = json.loads(_real(key, ".gold.json").read_text("utf-8"))
    found = {(w.code, w.message) for w in _checks(doc)}
    if key == "06":  # cut inside indicator 4: its target is null in the gold too
        assert gold["projects"][0]["indicators"][3]["target"] is None
        assert found == {("indicator-without-target",
                          "项目 1「物业管理费支出」的指标 4「维修施工验收合格率」：没有指标值")}
    elif key == "13":  # cut after two projects of the department's 8,827,620.53 元
        assert gold["document"]["truncated"] is True
        assert found == {("grand-total", "合计 8,827,620.53元比各项目之和 3,969,840.00元多 "
                                         "4,857,780.53元：表格可能不全，或缺了一个单位")}
    elif key == "23":
        # the reader takes an empty template slot (name 0, target 指标2) for a 10th
        # indicator the gold does not have: the checks say so, naming it
        assert len(gold["projects"][0]["indicators"]) == 9
        assert {code for code, _ in found} <= {"indicator-without-name",
                                               "indicator-without-target"}
        assert all("的指标 10" in message for _, message in found)
    else:
        assert found == set()
    assert doc.doubtful is bool(found)
    assert not judge(doc).refuse


def test_a_reading_read_again_gets_no_warning_twice() -> None:
    doc = read(SAMPLE)
    again = read_bytes(_json_bytes(to_dict(doc)), "sample.json")
    assert again.doubtful and len(again.warnings) == 46
    assert from_dict(to_dict(read(_real("05")))).doubtful is False
    assert "doubtful" not in to_dict(read(_real("05")))["document"]


# ---- each check failing on a damaged copy --------------------------------------------


def test_row_sum_names_the_project_and_its_line() -> None:
    doc = _damaged(SAMPLE, "业务用房物业管理费 11,294.10 11,294.10",
                   "业务用房物业管理费 11,294.10 11,249.10")
    [row] = [w for w in doc.warnings if w.code == "row-sum"]
    assert row.message == ("项目 1「业务用房物业管理费」：总计 11,294.10万元，而财政拨款、"
                           "财政专户拨款、其他资金之和为 11,249.10万元（相差 45.00）")
    assert row.span.first_line == 12
    # the review's A1 computes the very same gap (one function serves both)
    [a1] = [f for f in audit(doc).findings if f.rule == "A1-row-sum"]
    assert a1.project == 1 and "（相差 45.00）" in a1.message
    # the fiscal column no longer adds up to the unit row either
    [unit] = [w for w in doc.warnings if w.code == "unit-subtotal"]
    assert unit.severity is Severity.WARNING
    assert "财政拨款之和 247,355.91万元，小计行 247,400.93万元（少 45.02）" in unit.message


def test_row_sum_on_the_grand_total_row() -> None:
    doc = _damaged(SAMPLE, "合计 248,530.64 248,053.64 477.00", "合计 248,530.64 248,053.64 476.00")
    [row] = [w for w in doc.warnings if w.code == "row-sum"]
    assert row.message.startswith("合计行：总计 248,530.64万元") and "（相差 1.00）" in row.message


def test_unit_subtotal_beyond_rounding() -> None:
    doc = _damaged(SAMPLE, "广州市公安局 247,400.93 247,400.93",
                   "广州市公安局 247,500.93 247,500.93")
    [unit] = [w for w in doc.warnings if w.code == "unit-subtotal"]
    assert unit.severity is Severity.WARNING and unit.span.first_line == 10
    assert "总计之和 247,400.91万元，小计行 247,500.93万元（少 100.02）" in unit.message


def test_grand_total_that_adds_up_is_no_warning() -> None:
    doc = _damaged(SAMPLE, "合计 248,530.64 248,053.64 477.00", "合计 247,400.93 247,400.93")
    assert [w.code for w in _checks(doc)] == ["unit-subtotal"]  # the 0.02 note alone
    assert doc.doubtful is False


def test_funding_lines_above_the_total() -> None:
    doc = _damaged(_real("05"), "132万元", "200万元")
    [w] = _checks(doc)
    assert w.code == "funding-sum" and w.span.first_line == 4  # 项目金额 and its 其中 line
    assert w.message == ("项目 1「主体班」：资金来源（其中:当年市级财政资金 200）之和 200万元"
                         "超过资金总额 164万元（相差 36）")
    assert doc.doubtful
    # 164 with 132 of it from the city, as published, is a partial 其中: no failure
    assert not _checks(read(_real("05")))


def test_funding_lines_below_the_total_when_every_source_is_printed() -> None:
    # 19 prints 财政资金, 财政专户管理资金, 单位资金 and 其他资金: they must make the 总额
    doc = _damaged(_real("19"), "其中:财政资金 |\n238.93 |\n251.89 |",
                   "其中:财政资金 |\n238.93 |\n241.89 |")
    [w] = _checks(doc)
    assert w.code == "funding-sum"
    assert "之和 241.89万元少于资金总额 251.89万元（相差 10.00）" in w.message


def test_indicator_without_target_on_a_form() -> None:
    doc = _damaged(_real("13"), "| 维持时效 | ≥ | 1 | 年 |", "| 维持时效 | | | |")
    [w] = [w for w in doc.warnings if w.code == "indicator-without-target"]
    assert w.message == "项目 1「村组干部报酬」的指标 2「维持时效」：没有指标值"
    assert w.span.first_line == 6


def test_indicator_without_target_in_the_sample() -> None:
    doc = _damaged(SAMPLE, "物业服务合格率；年度指标值:95%；", "物业服务合格率；年度指标值:；")
    [w] = [w for w in doc.warnings if w.code == "indicator-without-target"]
    assert w.message == "项目 1「业务用房物业管理费」的指标 2「物业服务合格率」：没有指标值"
    assert w.span.first_line == 17


def test_indicator_without_name() -> None:
    doc = _damaged(_real("13"), "| 维护社会稳定 |", "| 9 |")
    [w] = [w for w in doc.warnings if w.code == "indicator-without-name"]
    assert w.message == "项目 1「村组干部报酬」的指标 1：没有指标名称（读到「9」）"


def test_renumbered_item_is_said_once() -> None:
    doc = _damaged(SAMPLE, "3、产出指标：绿化保洁工作质量达标率",
                   "4、产出指标：绿化保洁工作质量达标率")
    # the text reader says item-numbering itself; the check counts it without repeating it
    assert [w.code for w in doc.warnings if "numbering" in w.code] == ["item-numbering"]
    checked = judge(doc)
    assert any(w.code == "indicator-numbering" for w in checked.failures)
    # in a JSON reading the reader said nothing: the check names the project
    data = to_dict(read(SAMPLE))
    data["projects"][0]["indicators"][2]["seq"] = 5
    doc = read_bytes(_json_bytes(data), "sample.json")
    [w] = [w for w in doc.warnings if w.code == "indicator-numbering"]
    assert w.message == "项目 1「业务用房物业管理费」：指标编号为 1、2、5，应为 1 至 3 依次编号"
    assert (w.span.first_line, w.span.last_line) == (16, 18)


def test_cells_running_into_the_next_project() -> None:
    data = to_dict(read(SAMPLE))
    # project 1's last item said to come from line 22, inside project 2 (lines 20-28)
    data["projects"][0]["indicators"][2]["source"].update(first_line=22, last_line=22)
    doc = read_bytes(_json_bytes(data), "sample.json")
    [w] = [w for w in doc.warnings if w.code == "cells-overlap"]
    assert w.message == ("项目 1「业务用房物业管理费」读到的内容（第 12–22 行）延伸到下一个项目 2"
                         "「机构运行辅助经费」（自第 20 行起）")
    assert (w.span.first_line, w.span.last_line) == (20, 22)


def test_score_above_its_weight_in_a_self_evaluation() -> None:
    text = _real("23").read_text("utf-8")
    # indicator 1's 得分 9 (of 10), the only "37.24 / 10 / 9" run outside the budget block
    at = text.index("\n37.24\n\n10\n\n9\n", text.index("指标1工程资金金额"))
    damaged = text[:at] + "\n37.24\n\n10\n\n12\n" + text[at + len("\n37.24\n\n10\n\n9\n"):]
    doc = read_bytes(damaged.encode(), "23.txt")
    [w] = [w for w in doc.warnings if w.code == "score-over-weight"]
    assert w.message == ("项目 1「办公宿舍楼、食堂及餐厅暖通改造经费」的指标 1「指标1工程资金金额」"
                         "：得分 12 高于分值 10")


def test_execution_above_the_budget_in_a_self_evaluation() -> None:
    # the gold reading of 23 (planned 43.2, adjusted 43.2, executed 37.24) with 53.24 spent
    data = json.loads(_real("23", ".gold.json").read_text("utf-8"))
    assert not _checks(read_bytes(_json_bytes(data), "23.json"))
    data["projects"][0]["executed"] = "53.24"
    doc = read_bytes(_json_bytes(data), "23.json")
    [w] = _checks(doc)
    assert w.code == "execution-over-budget"
    assert w.message == ("项目 1「办公宿舍楼、食堂及餐厅暖通改造经费」：全年执行数 53.24万元"
                         "高于预算数 43.2万元（执行率 123.2%）")


# ---- the verdict ------------------------------------------------------------------------

FISCAL_RE = r"(?<![\d,.])([\d,]+\.\d\d) \1 "  # 总计 and an equal 财政拨款 on a row


def test_a_reading_that_fails_most_checks_is_refused() -> None:
    # every project row's 财政拨款 changed to 1.00: 142 rows that no longer add up
    text = SAMPLE.read_text("utf-8")
    damaged, n = re.subn(FISCAL_RE, r"\1 1.00 ", text)
    assert n == 143  # the unit row and the 142 projects
    with pytest.raises(ReadError) as err:
        read_bytes(damaged.encode(), SAMPLE.name)
    assert err.value.code == "fails-checks"
    assert err.value.message.startswith("读取结果未通过核对，不予存储：142 个项目中 142 个")
    assert "项目 1「业务用房物业管理费」：总计 11,294.10万元" in err.value.message


def test_a_minority_of_failing_projects_is_doubtful_not_refused() -> None:
    text = SAMPLE.read_text("utf-8")
    damaged, n = re.subn(FISCAL_RE, r"\1 1.00 ", text, count=60)
    doc = read_bytes(damaged.encode(), SAMPLE.name)
    assert n == 60 and doc.doubtful
    assert len([w for w in doc.warnings if w.code == "row-sum"]) == 60  # unit row + 59


def test_one_project_is_refused_only_when_it_fails_two_core_checks() -> None:
    data = json.loads(_real("05", ".gold.json").read_text("utf-8"))
    data["projects"][0]["funding"][0]["amount"] = "200"  # above the 164 of 项目金额
    assert read_bytes(_json_bytes(data), "05.json").doubtful
    data["projects"][0]["indicators"] = []
    with pytest.raises(ReadError) as err:
        read_bytes(_json_bytes(data), "05.json")
    assert err.value.code == "fails-checks"
    assert "1 个项目中 1 个" in err.value.message


def test_every_check_is_a_pure_function_of_the_document() -> None:
    doc = read(SAMPLE)
    before = to_dict(doc)
    for check in CHECKS:
        list(check(doc))
    assert to_dict(doc) == before
