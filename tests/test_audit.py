"""The review (绩效目标审核): what it finds on the sample, and every rule on small cases."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from conftest import SAMPLE
from jixiao import store
from jixiao.audit import RULES, Level, Profile, ProfileError, audit, verdict
from jixiao.cli import app
from jixiao.model import Amounts, Document, Finding, Indicator, Project, Unit

runner = CliRunner()

# Looked at one by one (docs/rules.md says why the borderline ones are right).
SAMPLE_COUNTS = {
    "A2-unit-subtotal": 1, "A3-grand-total": 1, "S5-identical-rows": 1,
    "S6-misspelt-label": 14, "S7-missing-category": 13, "Q1-no-output": 2,
    "Q2-no-effect": 29, "Q3-few-indicators": 5, "Q4-vague-target": 34,
    "Q5-direction-conflict": 1, "Q6-category-mismatch": 22, "Q8-missing-unit": 2,
    "Q9-input-as-output": 13, "Q10-compound-target": 3, "Q11-joined-name": 13,
    "Q12-copied-goal": 9, "Q13-copied-indicators": 6,
}


@pytest.fixture(scope="module")
def report():
    from jixiao.readers import read
    return audit(read(SAMPLE))


def _of(report, rule: str) -> list[Finding]:
    return [f for f in report.findings if f.rule == rule]


def test_counts_on_the_sample(report) -> None:
    assert dict(report.counts()) == SAMPLE_COUNTS
    assert Counter(report.verdicts().values()) == {"优": 61, "良": 71, "中": 10}


def test_arithmetic_on_the_sample(report) -> None:
    [subtotal] = _of(report, "A2-unit-subtotal")
    assert subtotal.severity is Level.INFO  # 0.02 over 142 rows is rounding
    assert "总计 247,400.91，小计为 247,400.93（相差 0.02）" in subtotal.message
    [grand] = _of(report, "A3-grand-total")
    assert grand.severity is Level.WARNING
    assert "比唯一单位（247,400.93）多 1,129.71" in grand.message
    assert "财政专户拨款 477.00 不在任何项目行中" in grand.message
    assert "表不完整或缺少单位" in grand.message
    assert not _of(report, "A1-row-sum")


def test_target_quality_on_the_sample(report) -> None:
    [conflict] = _of(report, "Q5-direction-conflict")
    assert (conflict.project, conflict.indicator, conflict.severity) == (100, 0, Level.ERROR)
    assert "“系统故障率”越低越好" in conflict.message and "达到90%" in conflict.message
    assert conflict.span.first_line == 1273
    mismatches = {(f.project, f.indicator) for f in _of(report, "Q6-category-mismatch")}
    assert (65, 1) in mismatches  # 项目维修维护面积数 under 效益指标
    assert (67, 0) in mismatches  # 响应速度 under 满意度指标
    assert sorted((f.project, f.indicator) for f in _of(report, "S7-missing-category")) == [
        (50, 0), (50, 1), (50, 2), (50, 3), (62, 0), (62, 1), (81, 0), (81, 1), (81, 2),
        (81, 3), (110, 1), (110, 2), (110, 3)]
    assert sorted(f.project for f in _of(report, "Q3-few-indicators")) == [8, 29, 42, 59, 62]
    assert sorted((f.project, f.indicator) for f in _of(report, "Q8-missing-unit")) == [
        (1, 2), (58, 3)]
    assert [f.project for f in _of(report, "S5-identical-rows")] == [142]
    assert {f.message.split("”")[0].lstrip("“") for f in _of(report, "Q4-vague-target")} == {
        "提高", "提升", "增强", "有所提高", "同比下降", "同比上升", "有所改善", "增加", "及时",
        "高效", "上升", "下降"}


def test_verdict_rule() -> None:
    def f(rule: str, level: Level) -> Finding:
        return Finding(rule, level, "")
    assert verdict([f("Q11-joined-name", Level.INFO)]) == "优"
    assert verdict([f("Q4-vague-target", Level.WARNING)] * 2) == "良"
    assert verdict([f("Q4-vague-target", Level.WARNING)] * 3) == "中"
    assert verdict([f("Q5-direction-conflict", Level.ERROR)]) == "中"
    assert verdict([f("Q5-direction-conflict", Level.ERROR)] * 2) == "差"
    assert verdict([f("S2-no-indicators", Level.ERROR)]) == "差"


# ---- every rule: a small failing case and a passing one ---------------------------------

GOOD = [("产出指标", "系统可用率", "≥99%"), ("效益指标", "办案效率", "提高10%"),
        ("满意度指标", "用户满意度", "≥95%")]


def doc(*projects: tuple, unit: Amounts | None = None, grand: Amounts | None = None) -> Document:
    """A document from (name, total, goal, [(category, name, target), …], amounts?)."""
    built = []
    for k, spec in enumerate(projects, start=1):
        name, total, goal, items = spec[:4]
        amounts = spec[4] if len(spec) > 4 else Amounts(Decimal(total), Decimal(total))
        built.append(Project(k, name, amounts, goal, [
            Indicator(n, c, i, t, f"{c or ''}：{i}；年度指标值:{t};")
            for n, (c, i, t) in enumerate(items, start=1)]))
    return Document("表", "测试局", grand_total=grand, units=[Unit("测试局", unit, built)])


def one(name: str = "运维项目", total: str = "10.00", goal: str = "通过实施该项目，保障运行。",
        items: list | None = None, amounts: Amounts | None = None) -> tuple:
    spec = (name, total, goal, GOOD if items is None else items)
    return (*spec, amounts) if amounts is not None else spec


D = Decimal
CASES = {
    "A1-row-sum": (doc(one(amounts=Amounts(D("10.00"), D("6.00"), D("3.00")))),
                   doc(one(amounts=Amounts(D("10.00"), D("6.00"), D("4.00"))))),
    "A2-unit-subtotal": (doc(one(), one(total="5.00"), unit=Amounts(D("16.00"), D("16.00"))),
                         doc(one(), one(total="5.00"), unit=Amounts(D("15.00"), D("15.00")))),
    "A3-grand-total": (doc(one(), unit=Amounts(D("10.00"), D("10.00")),
                           grand=Amounts(D("12.00"), D("12.00"))),
                       doc(one(), unit=Amounts(D("10.00"), D("10.00")),
                           grand=Amounts(D("10.00"), D("10.00")))),
    "S1-missing-goal": (doc(one(goal="")), doc(one())),
    "S2-no-indicators": (doc(one(items=[])), doc(one())),
    "S4-duplicate-indicator": (doc(one(items=[*GOOD, GOOD[0]])), doc(one())),
    "S5-identical-rows": (doc(one(), one()), doc(one(), one(total="11.00"))),
    "S7-missing-category": (doc(one(items=[(None, "系统可用率", "≥99%"), *GOOD[1:]])),
                            doc(one())),
    "Q1-no-output": (doc(one(items=GOOD[1:] * 2)), doc(one())),
    "Q2-no-effect": (doc(one(items=[GOOD[0], GOOD[2], GOOD[0]])), doc(one())),
    "Q3-few-indicators": (doc(one(items=GOOD[:2])), doc(one())),
    "Q4-vague-target": (doc(one(items=[*GOOD, ("效益指标", "工作效能", "提升")])), doc(one())),
    "Q5-direction-conflict": (doc(one(items=[*GOOD, ("产出指标", "系统故障率", "达到90%")])),
                              doc(one(items=[*GOOD, ("产出指标", "系统故障率", "≤1%")]))),
    "Q6-category-mismatch": (doc(one(items=[*GOOD, ("效益指标", "维修面积数", "≥70平方米")])),
                             doc(one(items=[*GOOD, ("产出指标", "维修面积数", "≥70平方米")]))),
    "Q7-rate-over-100": (doc(one(items=[*GOOD, ("产出指标", "完成率", "≥120%")])),
                         doc(one(items=[*GOOD, ("产出指标", "完成率", "≥100%")]))),
    "Q8-missing-unit": (doc(one(items=[*GOOD, ("产出指标", "设备完好率", "≥95")])),
                        doc(one(items=[*GOOD, ("产出指标", "设备完好率", "≥95%")]))),
    "Q9-input-as-output": (doc(one(items=[*GOOD, ("产出指标", "资金到位率", "100%")])),
                           doc(one())),
    "Q10-compound-target": (doc(one(items=[*GOOD, ("产出指标", "数据迁移", "≥5TB，≥100万条")])),
                            doc(one())),
    "Q11-joined-name": (doc(one(items=[*GOOD, ("产出指标", "安全感和满意度", "≥90%")])),
                        doc(one(items=[*GOOD, ("产出指标", "故障响应及时率", "≥90%")]))),
    "Q12-copied-goal": (doc(one(), one(name="另一项目")),
                        doc(one(), one(name="另一项目", goal="通过实施该项目，另有目标。"))),
    "Q13-copied-indicators": (doc(one(), one(name="另一项目")),
                              doc(one(), one(name="另一项目", items=GOOD[::-1]))),
}
CASES["S3-numbering"] = (doc(one()), doc(one()))
CASES["S3-numbering"][0].projects[0].indicators[2].seq = 4
CASES["S6-misspelt-label"] = (doc(one()), doc(one()))
CASES["S6-misspelt-label"][0].projects[0].indicators[0].raw = "产出指标：系统可用率；度指标值:≥99%;"


def test_every_rule_has_a_case() -> None:
    assert set(CASES) == set(RULES)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fails_and_passes(rule_id: str) -> None:
    failing, passing = CASES[rule_id]
    found = [f for f in audit(failing).findings if f.rule == rule_id]
    assert found, f"{rule_id} found nothing in its failing case"
    assert not [f for f in audit(passing).findings if f.rule == rule_id]


def test_a_sum_within_rounding_is_only_an_info() -> None:
    within = doc(one(), one(total="5.00"), unit=Amounts(D("15.01"), D("15.01")))
    [f] = [f for f in audit(within).findings if f.rule == "A2-unit-subtotal"]
    assert f.severity is Level.INFO
    beyond = doc(one(), one(total="5.00"), unit=Amounts(D("15.02"), D("15.02")))
    [f] = [f for f in audit(beyond).findings if f.rule == "A2-unit-subtotal"]
    assert f.severity is Level.ERROR


# ---- profiles -------------------------------------------------------------------------------


def test_a_profile_switches_off_and_retunes(tmp_path: Path) -> None:
    path = tmp_path / "lenient.toml"
    path.write_text('name = "lenient"\n[rules.Q4-vague-target]\nenabled = false\n'
                    '[rules.Q3-few-indicators]\nmin_indicators = 2\nseverity = "info"\n',
                    encoding="utf-8")
    profile = Profile.load(path)
    case = doc(one(items=[GOOD[0], ("效益指标", "工作效能", "提升")]))
    default = Counter(f.rule for f in audit(case).findings)
    lenient = audit(case, profile)
    assert default["Q4-vague-target"] == 1 and default["Q3-few-indicators"] == 1
    assert not [f for f in lenient.findings if f.rule in ("Q4-vague-target",
                                                           "Q3-few-indicators")]
    assert lenient.profile == "lenient"
    three_rule = doc(one(items=[GOOD[0]]))
    [few] = [f for f in audit(three_rule, profile).findings if f.rule == "Q3-few-indicators"]
    assert few.severity is Level.INFO


@pytest.mark.parametrize(("text", "error"), [
    ("[rules.Z1-nothing]\nenabled = false\n", "不是任何规则"),
    ("[rules.Q3-few-indicators]\nminimum = 2\n", "有未知的设置"),
    ("[rules.Q3-few-indicators]\nseverity = \"fatal\"\n", "的 severity 应是"),
    ("[rules\n", "第1行第7列不是有效的 TOML"),
])
def test_a_bad_profile_is_refused(tmp_path: Path, text: str, error: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError, match=error):
        Profile.load(path)
    result = runner.invoke(app, ["audit", str(SAMPLE), "--rules", str(path)])
    assert result.exit_code == 2 and "bad.toml" in result.stderr


# ---- faces and the store --------------------------------------------------------------------


def test_cli_audit_table_json_xlsx(tmp_path: Path) -> None:
    table = runner.invoke(app, ["audit", str(SAMPLE)], env={"COLUMNS": "200"})
    assert table.exit_code == 0
    assert "结论：优 61  良 71  中 10  差 0（共 169 条审核发现" in table.output
    data = json.loads(runner.invoke(app, ["audit", str(SAMPLE), "-f", "json"]).output)
    assert len(data["findings"]) == 169 and data["counts"] == SAMPLE_COUNTS
    conflict = next(f for f in data["findings"] if f["rule"] == "Q5-direction-conflict")
    assert (conflict["project"], conflict["indicator"], conflict["indicator_name"],
            conflict["target"]) == (100, 1, "系统故障率", "达到90%")
    sheet = tmp_path / "review.xlsx"
    assert runner.invoke(app, ["audit", str(SAMPLE), "-f", "xlsx", "-o", str(sheet)]).exit_code \
        == 0
    book = load_workbook(sheet)
    rows = list(book["审核意见"].iter_rows(values_only=True))
    assert rows[0][-1] == "审核意见" and len(rows) == 170
    assert all(r[-1] is None for r in rows[1:])  # left blank for the reviewer
    assert len(list(book["项目结论"].iter_rows())) == 143


def test_cli_rules_lists_every_rule() -> None:
    result = runner.invoke(app, ["rules"], env={"COLUMNS": "250"})
    assert result.exit_code == 0
    for rule_id in RULES:
        assert rule_id in result.output


def test_findings_are_stored_at_ingest(tmp_path: Path) -> None:
    db = tmp_path / "a.sqlite"
    assert runner.invoke(app, ["ingest", "--db", str(db), str(SAMPLE)]).exit_code == 0
    engine = store.connect(str(db))
    stored = store.load_findings(engine, 1)
    assert Counter(f.rule for f in stored) == SAMPLE_COUNTS
    [conflict] = [f for f in stored if f.rule == "Q5-direction-conflict"]
    assert (conflict.project, conflict.indicator, conflict.span.first_line) == (100, 0, 1273)


def _rule_by_rule(document: Document, profile: Profile) -> list[Finding]:
    """Every active rule's own `check`, one after another, sorted as audit() sorts: the
    findings audit() gives without looking an indicator's verdicts up by its texts."""
    from jixiao.audit.context import AuditContext

    ctx = AuditContext(document)
    found = [f for s in profile.active() for f in s.rule.check(ctx, s)]
    found.sort(key=lambda f: (f.project is not None, f.project or 0, f.indicator or -1))
    return found


def test_item_verdicts_looked_up_by_text_equal_each_rules_own_check() -> None:
    from jixiao.readers import read

    real = sorted((Path(__file__).parent / "data" / "real").glob("*.txt"))
    documents = [read(SAMPLE), *map(read, real)]
    # a profile that re-words what two item rules say and one that changes a severity:
    # the verdicts said under one must not be given under another
    retuned = Profile.from_text('[rules.Q9-input-as-output]\ninputs = ["到位率"]\n'
                                '[rules.Q4-vague-target]\nseverity = "info"\n')
    item_rules = {r.id for r in RULES.values() if r.judge is not None}
    assert {"S6-misspelt-label", "Q4-vague-target", "Q9-input-as-output"} <= item_rules
    for profile in (Profile(), retuned, Profile()):
        for document in documents:
            assert audit(document, profile).findings == _rule_by_rule(document, profile)
    q9 = [f for f in audit(documents[0], retuned).findings if f.rule == "Q9-input-as-output"]
    assert q9 and all("到位率" in f.message for f in q9)
    assert {f.severity for f in audit(documents[0], retuned).findings
            if f.rule == "Q4-vague-target"} == {Level.INFO}
