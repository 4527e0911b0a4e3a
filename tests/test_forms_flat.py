"""Texts with no cell separators (forms/flat.py): the real copies 09, 16, 18 and 21 of
tests/data/real, and those copies altered where a split is not certain."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jixiao.errors import ReadError
from jixiao.forms import flat
from jixiao.model import Document
from jixiao.readers import read, read_bytes
from jixiao.readers.grid import Grid, text_grid

REAL = Path(__file__).parent / "data" / "real"
FLAT = {key: next(REAL.glob(f"{key}-*.txt")) for key in ("09", "16", "18", "21")}


def _text(key: str) -> str:
    return FLAT[key].read_text("utf-8")


def _grid(text: str, name: str = "copy.txt") -> Grid:
    grid = text_grid(text, name)
    assert "lines" in grid.notes  # no separators: the layout the rebuild is for
    return grid


def _rows(grid: Grid) -> list[list[str]]:
    return [[c.text for c in row] for row in grid.rows()]


def test_a_line_is_split_at_its_labels() -> None:
    rebuilt = flat.rebuild(_grid(_text("09"), FLAT["09"].name))
    rows = _rows(rebuilt)
    # 项目主管部门青山区教育局项目执行单位化工区学校 (line 12): two labels, two values
    assert ["项目主管部门", "青山区教育局"] in rows
    assert ["项目执行单位", "化工区学校"] in rows
    assert ["其中 :上级资金", "16"] in rows  # a label with layout spaces, then its figure
    # every rebuilt cell keeps the line it came from
    unit = next(c for c in rebuilt.cells if c.text == "化工区学校")
    assert unit.line == 12 and not rebuilt.positioned


def test_the_target_is_recognised_at_the_end_of_a_row() -> None:
    rows = _rows(flat.rebuild(_grid(_text("09"))))
    header = ["绩效指标", "一级指标", "二级指标", "指标内容", "指标值"]
    body = rows[rows.index(header) + 1:]
    assert body[0] == ["产出指标", "数量指标", "农村义务教育学校改造覆盖率", "100%"]
    assert ["效益指标", "可持续影响指标", "义务教育优质均衡发展情况", "稳步提高"] in body
    assert ["社会公众或服务对象满意度指标", "学生家长满意度", "≥90%"] in body
    doc = read(FLAT["09"])
    p = doc.projects[0]
    assert [i.target for i in p.indicators] == ["100%"] * 6 + ["稳步提高", "≥90%", "≥90%"]
    assert (p.name, doc.units[0].name) == ("农村义务教育薄弱学校改造补助资金", "化工区学校")
    assert str(p.amounts.total) == "16" and str(p.amounts.fiscal) == "16"
    assert [w.code for w in doc.warnings if w.code.startswith(("unsplit", "no-"))] == []


def test_fused_figures_are_split_only_by_the_forms_own_arithmetic() -> None:
    rows = _rows(flat.rebuild(_grid(_text("18"))))
    # 年度资金总额:202010100.00%10 under 全年预算数 · 全年执行数 · 分值 · 执行率 · 得分
    assert ["年度资金总额:", "20", "20", "10", "100.00%", "10"] in rows
    assert ["其中:本年财政拨款", "20", "20"] in rows  # within the total line
    # 分值 before the target: 项目(工程)验收合格率20100%100%20
    assert ["质量指标", "项目(工程)验收合格率", "20", "100%", "100%", "20", ""] in rows
    assert ["成本指标", "项目计划总投资", "10", "20万元", "20万元", "10", ""] in rows
    doc = read(FLAT["18"])
    # the heading after the prose that names the attachment (…绩效自评表) is the form's
    assert (doc.title, doc.kind, doc.year) == ("绩效目标自评表(2022年度)", "self-evaluation", 2022)
    p = doc.projects[0]
    assert p.name == "中江县农业水价综合改革精准补贴和节水奖励项目小型水库水标尺制作安装"
    assert (str(p.form.adjusted), str(p.form.executed), str(p.form.execution_score)) == \
        ("20", "20", "10")
    # 年初设定目标 · 完成情况综述 with one run of text: cut where the second repeats the first
    assert p.goal == ("对农村地区供水计量设施设备进行改进,对项目区农业用水计量,"
                      "为项目区农业生产夯实基础,")
    assert [(i.name, str(i.form.weight), i.target, i.form.actual) for i in p.indicators][6] == \
        ("受益脱贫(含监测对象)户人口数", "10", "≥1000人", "≥1000人")


def test_a_row_that_cannot_be_split_is_left_out_not_invented() -> None:
    # the example: a name, a standard and fused figures, no boundary to be sure of
    text = _text("18").replace("水标尺宽度10≥50厘米≥50厘米10", "水标尺宽度191依据招标文件191191")
    doc = read_bytes(text.encode(), "18-altered.txt")
    names = [i.name for i in doc.projects[0].indicators]
    assert len(names) == 8 and "水标尺宽度" not in names
    assert not any("招标" in n or "191" in n for n in names)
    assert not any(i.target.startswith("191") for i in doc.projects[0].indicators)
    unsplit = [w for w in doc.warnings if w.code == "unsplit-row"]
    assert len(unsplit) == 1 and "水标尺宽度191依据招标文件191191" in unsplit[0].message
    assert unsplit[0].span.first_line == 1
    # the rows after it are found again at the next 二级 label
    assert names[1:3] == ["项目(工程)验收合格率", "及时(按期)开工率"]


def test_figures_that_split_more_than_one_way_are_not_guessed() -> None:
    # 年度资金总额 with 执行率 100% but 20 · 20 fused with no 分值 · 得分 to tell them apart
    text = _text("18").replace("年度资金总额:202010100.00%10", "年度资金总额:2020100.00%")
    doc = read_bytes(text.encode(), "18-altered.txt")
    p = doc.projects[0]
    assert any(w.code == "unsplit-figures" and "2020100.00%" in w.message
               for w in doc.warnings)
    assert p.amounts.total is None and p.form.adjusted is None
    assert str(p.amounts.fiscal) != "2020"


def test_too_little_rebuilt_is_refused_with_what_could_not_be_found() -> None:
    # a column after the target (指标解释 run into it): no row's end is certain
    lines = _text("09").split("\n")
    for n in range(21, 30):  # lines 22–30: the indicator rows
        lines[n] += "依据招标文件"
    with pytest.raises(ReadError) as err:
        read_bytes("\n".join(lines).encode(), "09-altered.txt")
    assert err.value.code == "no-separators"
    message = err.value.message
    assert message.startswith("文本没有单元格分隔符")
    assert "9 行中只有 0 行" in message
    assert "第22行「产出指标数量指标农村义务教育学校改造覆盖率100%依据招标文件」" not in message
    assert "第22行「农村义务教育学校改造覆盖率100%依据招标文件」" in message
    assert err.value.span.first_line == 22


def test_labels_broken_over_lines_and_a_goal_over_four_lines() -> None:
    doc = read(FLAT["16"])
    p = doc.projects[0]
    assert doc.kind == "department" and doc.year == 2019
    assert str(p.amounts.total) == "171.41"  # 年度/预算/安排/(万元) over 资金总额 171.41
    assert p.goal.startswith("目标1:确保本室各人员工资及福利的发放;目标2:")
    assert p.goal.endswith("目标4:保障志鉴地情相关工作开展所需资金,确保完成2019年度任务。")
    assert [i.target for i in p.indicators] == ["100%", "100%", "≥60%", "1", "1", "100%", ""]
    assert p.indicators[6].name == "基本支出" and p.indicators[6].form.level2 == "成本指标"


def test_copy_artifacts_are_removed_and_said() -> None:
    doc = read(FLAT["21"])
    note = next(w for w in doc.warnings if w.code == "copy-artifacts")
    assert "89 处拼音注音" in note.message and "2 段分页标记" in note.message
    inds = doc.projects[0].indicators
    assert [i.name for i in inds] == ["監測數據必須合格", "取得2018-2022監測資料", "整編資料審核",
                                      "監測數據資料整編", "完成年度資料上報"]
    # the name that runs over the page chunk keeps both lines
    assert (inds[1].span.first_line, inds[1].span.last_line) == (4, 5)
    assert (inds[2].category, inds[2].form.level2, str(inds[2].form.score)) == \
        ("滿意度指標", "服務對象滿意度指標", "19.6")
    assert str(doc.projects[0].amounts.total) == "10"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(which=st.sampled_from(sorted(FLAT)), data=st.data())
def test_a_damaged_copy_gives_a_document_or_a_read_error(which: str, data: st.DataObject) -> None:
    text = _text(which)
    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(a, min(len(text), a + 40)))
    damaged = text[:a] + text[b:]
    try:
        doc = read_bytes(damaged.encode(), "damaged.txt")
    except ReadError as exc:
        assert exc.code in ("no-separators", "no-form", "no-table", "empty-table",
                            "truncated")
        return
    assert isinstance(doc, Document)
    source = "".join(damaged.split())
    for p in doc.projects:  # whatever is read is printed in the copy
        for i in p.indicators:
            assert "".join(i.name.split()) in source or which == "21"


