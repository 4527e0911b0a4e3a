"""The taxonomy rules against the hand-labelled indicators of the sample."""

from __future__ import annotations

import csv
import re
import tomllib
from importlib import resources

import pytest

from conftest import DATA, REPO
from jixiao.model import Document, Indicator
from jixiao.targets import Direction, parse
from jixiao.taxonomy import SECOND_LEVEL_PARENT, Rules, classify, default_rules

DOCS = (REPO / "docs" / "targets.md").read_text(encoding="utf-8")


def _agreement(doc: Document, labels: str) -> tuple[int, int, list[str]]:
    by_ref = {f"{p.seq}.{i.seq}": i for p in doc.projects for i in p.indicators}
    rows = list(csv.DictReader((DATA / labels).open(encoding="utf-8")))
    misses = [r["ref"] for r in rows if classify(by_ref[r["ref"]]).second_level
              != r["second_level"]]
    return len(rows) - len(misses), len(rows), misses


def _documented_misses(section: str) -> list[str]:
    """The refs listed in the docs' disagreement table of `section`."""
    block = DOCS.split(f"<!-- {section} -->")[1].split("<!--")[0]
    return re.findall(r"^\| (\d+\.\d+) \|", block, flags=re.MULTILINE)


def test_second_level_agrees_with_the_hand_labels(sample_doc: Document) -> None:
    agree, total, misses = _agreement(sample_doc, "second-level-labels.csv")
    assert total == 173
    assert agree / total >= 0.95
    assert misses == _documented_misses("labelled-misses")  # the docs tell the truth
    assert f"{agree} of {total}" in DOCS


def test_second_level_on_the_held_out_labels(sample_doc: Document) -> None:
    agree, total, misses = _agreement(sample_doc, "second-level-heldout.csv")
    assert total == 58
    assert agree / total >= 0.9
    assert misses == _documented_misses("heldout-misses")
    assert f"{agree} of {total}" in DOCS


def test_first_level_is_inferred_only_where_none_is_printed(sample_doc: Document) -> None:
    inferred = {f"{p.seq}.{i.seq}": classify(i) for p in sample_doc.projects
                for i in p.indicators if i.category is None}
    assert {ref: (c.first_level, c.first_level_rule) for ref, c in inferred.items()} == {
        "50.1": ("产出指标", "F9-default-output"), "50.2": ("满意度指标", "F1-satisfaction"),
        "50.3": ("产出指标", "F9-default-output"), "50.4": ("产出指标", "F9-default-output"),
        "62.1": ("产出指标", "F9-default-output"), "62.2": ("满意度指标", "F1-satisfaction"),
        "81.1": ("产出指标", "F9-default-output"), "81.2": ("产出指标", "F9-default-output"),
        "81.3": ("产出指标", "F9-default-output"), "81.4": ("产出指标", "F9-default-output"),
        "110.2": ("满意度指标", "F1-satisfaction"), "110.3": ("效益指标", "F2-effect"),
        "110.4": ("产出指标", "F9-default-output"),
    }
    printed = [classify(i) for _, i in sample_doc.iter_indicators() if i.category]
    assert all(c.first_level_rule is None for c in printed)


@pytest.mark.parametrize(("name", "target", "direction", "rule"), [
    ("系统故障率", "小于2%", Direction.LOWER, "D1-failure-rate"),
    ("系统故障率", "90%", Direction.LOWER, "D1-failure-rate"),  # the name decides
    ("辅警流失率", "≤30%", Direction.LOWER, "D3-churn-and-complaints"),
    ("在册流动吸毒人员复吸率", "≤20%", Direction.LOWER, "D3-churn-and-complaints"),
    ("市第二看守所逃脱事故", "0", Direction.LOWER, "D2-incidents"),
    ("现场勘查响应时间", "小于30分钟", Direction.LOWER, "D4-durations"),
    ("故障、事故响应率", "99.80%", Direction.HIGHER, "default-higher"),  # a response rate
    ("主干网络故障解决率", "95%以上", Direction.HIGHER, "target"),
    ("核心业务页面响应速度", "≤3s", Direction.LOWER, "target"),
    ("物业服务合格率", "95%", Direction.HIGHER, "default-higher"),
])
def test_direction(name: str, target: str, direction: Direction, rule: str) -> None:
    c = classify(Indicator(1, "产出指标", name, target, ""))
    assert (c.direction, c.direction_rule) == (direction, rule)


def test_a_category_that_does_not_fit_is_visible() -> None:
    c = classify(Indicator(1, "效益指标", "项目维修维护面积数", "≥1500平方米", ""))
    assert (c.second_level, c.fits) == ("数量", False)
    c = classify(Indicator(1, "满意度指标", "用户满意度", "95%", ""))
    assert (c.second_level, c.fits) == ("服务对象满意度", True)


def test_the_rule_table_is_sound() -> None:
    data = tomllib.loads(resources.files("jixiao").joinpath("data/taxonomy.toml")
                         .read_text(encoding="utf-8"))
    ids = [r["id"] for section in data.values() for r in section]
    assert len(ids) == len(set(ids)), "rule ids are unique"
    conditions = {"first_level", "name_any", "name_none", "name_ends", "target_any",
                  "target_dimensions", "target_max_seconds"}
    for section in ("first_level", "second_level"):
        assert not conditions & set(data[section][-1]), f"{section} ends with a default"
    results = {r.result for r in default_rules().second_level} - {"未分类"}
    assert results <= set(SECOND_LEVEL_PARENT)
    for rule_id in ids:  # every rule is documented
        assert f"`{rule_id}`" in DOCS, rule_id


def test_rules_can_be_replaced_by_a_users_table() -> None:
    mine = Rules.from_toml("""
[[first_level]]
id = "mine-default"
category = "产出指标"
[[second_level]]
id = "mine-all-quality"
second = "质量"
[[lower_is_better]]
id = "mine-cost"
name_any = ["成本"]
""")
    c = classify(Indicator(1, None, "单位成本", "≤5万元", ""), parse("≤5万元"), mine)
    assert (c.first_level_rule, c.second_level_rule, c.direction_rule) == (
        "mine-default", "mine-all-quality", "mine-cost")
