"""Across documents (jixiao.compare, `jixiao compare`): one indicator everywhere, a project
year by year, copied goals — on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from conftest import SAMPLE
from jixiao import compare, matching, store
from jixiao.cli import app
from jixiao.model import Document
from jixiao.readers import read
from jixiao.synthetic import generate_document, next_year


@pytest.fixture()
def two_years(db_url: str):
    """The sample as 2023, the same department's table a year on as 2024."""
    engine = store.connect(db_url)
    doc = read(SAMPLE)
    later = next_year(doc, seed=7, year=2024)
    store.ingest(engine, doc, year=2023)
    store.ingest(engine, later)  # the year comes from the title
    return engine, doc, later


def test_one_indicator_across_projects_with_its_outlier(db_url: str) -> None:
    engine = store.connect(db_url)
    store.ingest(engine, read(SAMPLE), year=2023)
    result = compare.compare_indicator(engine, "系统故障率")
    assert result.count == 8 and result.projects == 8 and result.departments == 1
    [group] = result.groups
    assert group.unit == "%"
    assert sorted(o.value for o in group.observations) == [
        Decimal(v) for v in ("0.5", "2", "2", "2", "5", "8", "8", "90")]
    assert (group.low, group.q1, group.median, group.q3, group.high) == (
        Decimal("0.5"), Decimal("2"), Decimal("3.5"), Decimal("8"), Decimal("90"))
    assert group.comparators == {"<": 4, "≤": 3, "≥": 1}
    # 达到90% on a failure rate is the direction error the audit also finds (#100)
    assert [(o.project_seq, o.target) for o in group.outliers] == [(100, "达到90%")]
    # names are matched by key: spacing and full-width forms do not matter
    assert compare.compare_indicator(engine, " 系统故障率 ").count == 8
    assert compare.compare_indicator(engine, "no such indicator").count == 0


def test_units_are_converted_before_comparing(db_url: str) -> None:
    engine = store.connect(db_url)
    doc = read(SAMPLE)
    store.ingest(engine, doc, year=2023)
    # the same indicator with its target in minutes in another department's table
    other = generate_document(doc, seed=3, projects=2)
    other.department = "广州市交通运输局"
    p = other.projects[0]
    p.indicators[0] = p.indicators[0].__class__(1, "产出指标", "系统故障排除时效", "≤120分钟",
                                                 "产出指标：系统故障排除时效；年度指标值:≤120分钟;",
                                                 p.indicators[0].span)
    store.ingest(engine, other, year=2023)
    result = compare.compare_indicator(engine, "系统故障排除时效")
    values = {(o.department, o.target): o.value for g in result.groups for o in g.observations}
    assert values == {("广州市交通运输局", "≤120分钟"): Decimal(7200),
                      ("广州市公安局", "系统故障排除用时≤4小时"): Decimal(14400),
                      ("广州市公安局", "＜24小时"): Decimal(86400)}
    assert {g.unit for g in result.groups} == {"s"}
    assert result.departments == 2
    assert compare.compare_indicator(engine, "系统故障排除时效",
                                     department="广州市交通运输局").count == 1


def test_a_project_year_by_year(two_years) -> None:
    engine, doc, later = two_years
    project, moved = doc.projects[99], later.projects[99]  # 2022-2024年…运维项目(2023)
    series = compare.project_series(engine, moved.name)
    assert [y.year for y in series.years] == [2023, 2024]
    assert [y.name for y in series.years] == [project.name, moved.name]
    [step] = series.steps
    # what the generator changed, read off the two documents themselves
    differ = {i.name for i, j in zip(project.indicators, moved.indicators, strict=True)
              if i.target != j.target}
    assert {c.indicator for c in step.changes if c.change != "unchanged"} == differ
    assert step.count("unchanged") == len(project.indicators) - len(differ)
    assert step.goal_unchanged


def test_raised_and_lowered_say_whether_the_target_got_stricter(two_years) -> None:
    engine, _doc, later = two_years
    seen: dict[tuple[str, bool | None], int] = defaultdict(int)
    for p in later.projects:
        for step in compare.project_series(engine, p.name).steps:
            for c in step.changes:
                if c.change in ("raised", "lowered"):
                    seen[(c.change, c.stricter)] += 1
                    before, after = (Decimal(re.search(r"\d+(\.\d+)?", t or "")[0])
                                     for t in (c.before, c.after))
                    assert (after > before) == (c.change == "raised")
    assert seen[("raised", True)] and seen[("lowered", False)]  # ≥ targets moved both ways
    # a ceiling (≤, <, 小于, 不超过) moved down is stricter, a floor (≥, 不低于) moved up
    changes = [c for p in later.projects for s in compare.project_series(engine, p.name).steps
               for c in s.changes if c.change in ("raised", "lowered")]
    ceilings = [c for c in changes if re.search(r"≤|＜|<|小于|不超过|低于", c.before or "")]
    floors = [c for c in changes if re.search(r"≥|不低于|不少于", c.before or "")]
    assert ceilings and floors
    assert all(c.stricter == (c.change == "lowered") for c in ceilings)
    assert all(c.stricter == (c.change == "raised") for c in floors)


def test_copied_goals_and_indicator_sets(db_url: str) -> None:
    engine = store.connect(db_url)
    doc = read(SAMPLE)
    store.ingest(engine, doc, year=2023)
    by_goal: dict[str, set[str]] = defaultdict(set)
    for p in doc.projects:
        by_goal[matching.text_key(p.goal)].add(matching.project_key(p.name))
    expected = sorted(len(names) for names in by_goal.values() if len(names) > 1)
    groups = compare.copied(engine, what="goal", limit=100)
    assert sorted(len({matching.project_key(p.name) for p in g.projects})
                  for g in groups) == expected == sorted(g.names for g in groups)
    assert len(expected) == 7
    for g in groups:
        goals = {doc.projects[p.seq - 1].goal for p in g.projects}
        assert goals == {g.text}
    sets = compare.copied(engine, what="indicators", limit=100)
    assert len(sets) == 5
    for g in sets:
        shown = {tuple((i.name, i.target) for i in doc.projects[p.seq - 1].indicators)
                 for p in g.projects}
        assert len({tuple(sorted(s)) for s in shown}) == 1


def test_cli_compare_writes_tables_workbook_and_chart(tmp_path: Path) -> None:
    db = str(tmp_path / "j.sqlite")
    engine = store.connect(db)
    doc: Document = read(SAMPLE)
    store.ingest(engine, doc, year=2023)
    store.ingest(engine, next_year(doc, seed=7, year=2024))
    runner = CliRunner()
    result = runner.invoke(app, ["compare", "indicator", "系统故障率", "--db", db, "--year",
                                 "2023", "--xlsx", str(tmp_path / "c.xlsx"), "--chart",
                                 str(tmp_path / "c.svg")], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "系统故障率：1 个部门 8 个项目中的 8 个指标值" in result.output
    assert "达到90%" in result.output
    sheet = load_workbook(tmp_path / "c.xlsx")["明细"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 8 and [r[6] for r in rows if r[9] == "是"] == ["达到90%"]
    svg = ET.parse(tmp_path / "c.svg").getroot()
    circles = svg.findall(".//{http://www.w3.org/2000/svg}circle")
    assert len(circles) == 8
    assert sum(c.get("fill") == "#c62828" for c in circles) == 1
    result = runner.invoke(app, ["compare", "project", doc.projects[99].name, "--db", db],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "2023" in result.output and "2024" in result.output
    result = runner.invoke(app, ["compare", "copies", "--db", db, "--year", "2023"],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "通过实施" in result.output
    result = runner.invoke(app, ["compare", "indicator", "没有这个指标", "--db", db])
    assert result.exit_code == 1 and "没有存储名称与" in result.output


# ---- part of a name, suggestions, year and department (issue 16, item 6) ------------------


def test_part_of_a_name_finds_the_indicators_and_suggests(db_url: str) -> None:
    engine = store.connect(db_url)
    doc = read(SAMPLE)
    store.ingest(engine, doc, year=2023)
    named = defaultdict(int)
    for p in doc.projects:
        for i in p.indicators:
            if "满意度" in i.name:
                named[i.name.strip()] += 1
    # no indicator is called 满意度 itself: those whose name contains it, together
    result = compare.compare_indicator(engine, "满意度")
    assert result.matched == "partial" and result.count == sum(named.values()) == 39
    assert dict(result.names) == named
    assert result.suggestions == [n for n, _ in result.names[:8]]
    # the name itself: exact, as before
    exact = compare.compare_indicator(engine, "用户满意度")
    assert exact.matched == "exact" and exact.count == named["用户满意度"]
    # nothing contains it: the names most like it
    typo = compare.compare_indicator(engine, "系统故障频率")
    assert typo.matched == "none" and typo.count == 0
    assert typo.suggestions[0] == "系统故障率"
    # a year no document has: said, with the years there are
    later = compare.compare_indicator(engine, "系统故障率", year=2031)
    assert later.count == 0 and later.missing_year and later.years == [2023]
    assert "系统故障率" in later.suggestions
    # a department filter holds for the partial match too
    assert compare.compare_indicator(engine, "满意度", department="广州市教育局").count == 0
    assert compare.compare_indicator(engine, "满意度", department="广州市公安局").count == \
        result.count


def test_cli_compare_by_part_of_a_name_and_a_missing_year(tmp_path: Path) -> None:
    db = str(tmp_path / "j.sqlite")
    store.ingest(store.connect(db), read(SAMPLE), year=2023)
    runner = CliRunner()
    result = runner.invoke(app, ["compare", "indicator", "满意度", "--db", db],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "没有名为“满意度”的指标" in result.output
    assert re.search(r"满意度：\d+ 个部门 \d+ 个项目中的 \d+ 个指标值", result.output)
    result = runner.invoke(app, ["compare", "indicator", "系统故障率", "--year", "2031",
                                 "--db", db], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "没有存储 2031 年度的文档（已存储的年度：2023）" in result.output
    assert "是不是：系统故障率" in result.output
    result = runner.invoke(app, ["compare", "project", "指挥调度", "--db", db],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 1 and "是不是：" in result.output
    assert "指挥调度系统运维项目" in result.output
