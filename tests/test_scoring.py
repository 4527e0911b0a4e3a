"""The self-evaluation: hand-computed scores for each formula and profile, properties,
the actuals sheet, and a full year of the sample."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.evaluation import (
    Actual,
    Actuals,
    Execution,
    ScoringProfile,
    ScoringProfileError,
    load_profile,
    score_document,
    score_indicator,
    score_project,
    weights,
)
from jixiao.evaluation.sheet import ActualsError, read_actuals_sheet, write_actuals_sheet
from jixiao.model import Amounts, Document, Indicator, Project
from jixiao.readers.pdf import read_self_evaluation_pdf
from jixiao.synthetic import generate_actuals
from jixiao.targets import Direction, parse
from jixiao.writers.self_evaluation import write_forms_pdf, write_forms_xlsx

CENTRAL, HUBEI = load_profile("central"), load_profile("hubei")
W = D(10)
runner = CliRunner()


def points(target: str, actual: str, profile: ScoringProfile = CENTRAL,
           direction: Direction = Direction.HIGHER) -> D:
    return score_indicator(parse(target), actual, W, direction, profile)[0]


@pytest.mark.parametrize(("target", "actual", "expected"), [
    ("≥95%", "96%", "10"), ("≥95%", "95%", "10"), ("≥95%", "76%", "8"),  # w·B/A, capped
    ("≥95%", "0%", "0"),  # actual 0
    ("≥0", "3", "10"),  # A = 0
    ("≥100个", "150个", "10"),  # over-achievement is capped at w
    ("=100%", "90%", "9"), ("=0", "0", "10"), ("=0", "1", "0"),  # '=' like positive; A = 0
    ("≤2%", "1%", "10"), ("≤2%", "2%", "10"), ("≤2%", "4%", "5"),  # reverse by ratio
    ("≤4小时", "300分钟", "8"),  # units converted: 4 h / 5 h
    ("90%-95%", "92%", "10"),
])
def test_central_quantitative(target: str, actual: str, expected: str) -> None:
    assert points(target, actual) == D(expected)


@pytest.mark.parametrize(("actual", "expected"), [("1%", "10"), ("2%", "10"), ("3%", "5"),
                                                   ("4%", "0"), ("9%", "0")])
def test_hubei_reverse_is_a_linear_penalty(actual: str, expected: str) -> None:
    assert points("≤2%", actual, HUBEI) == D(expected)


def test_reverse_with_a_zero_target() -> None:
    assert points("0次", "0", direction=Direction.LOWER) == W
    assert points("0次", "1次", direction=Direction.LOWER) == 0


@pytest.mark.parametrize(("actual", "central", "hubei"), [
    ("达成", "10", "10"), ("部分达成", "7", "6.5"), ("未达成", "3", "2.5"),
    ("提升", "10", "10"),  # the expected state itself
])
def test_qualitative_tiers(actual: str, central: str, hubei: str) -> None:
    assert points("提升", actual) == D(central)
    assert points("提升", actual, HUBEI) == D(hubei)


def test_qualitative_shares_must_lie_in_their_bands(tmp_path: Path) -> None:
    text = (Path(__file__).parents[1] / "src/jixiao/data/scoring/central.toml").read_text(
        encoding="utf-8").replace('"部分达成" = 0.7', '"部分达成" = 0.85')
    with pytest.raises(ScoringProfileError, match="定性指标的得分比例应在各自档次内"):
        ScoringProfile.from_toml(text, "bad.toml")
    heavy = text.replace('"部分达成" = 0.85', '"部分达成" = 0.7').replace("execution = 10",
                                                                       "execution = 20")
    with pytest.raises(ScoringProfileError, match="各项权重相加为 110"):
        ScoringProfile.from_toml(heavy, "heavy.toml")


def test_a_compound_target_needs_every_part() -> None:
    target = "迁移数据≥1000万条 存储量≥5TB"
    assert points(target, "迁移数据1200万条 存储量6TB") == W
    assert points(target, "迁移数据1200万条 存储量2.5TB") == D(5)  # the weakest part


def project(items: list[tuple[str, str, str]], total: str = "100.00") -> Project:
    return Project(1, "测试项目", Amounts(D(total), D(total)), "通过实施该项目，测试。",
                   [Indicator(k + 1, c, n, t, "") for k, (c, n, t) in enumerate(items)])


FULL = [("产出指标", "完成率", "≥95%"), ("产出指标", "合格率", "100%"),
        ("效益指标", "办案效率", "提升"), ("满意度指标", "用户满意度", "≥90%")]


def test_weights_split_evenly_and_a_missing_category_is_redistributed() -> None:
    assert {k: w for k, (_, w) in weights(project(FULL), CENTRAL).items()} == {
        0: D(25), 1: D(25), 2: D(30), 3: D(10)}
    without = {k: w for k, (_, w) in weights(project(FULL[:3]), CENTRAL).items()}
    assert without == {0: D("28.125"), 1: D("28.125"), 2: D("33.75")}  # 90 × 50/80 …
    assert sum(without.values()) == 90
    drop = ScoringProfile.from_toml((Path(__file__).parents[1] / "src/jixiao/data/scoring/"
                                     "central.toml").read_text(encoding="utf-8").replace(
        'missing_category = "redistribute"', 'missing_category = "drop"'), "drop")
    assert sum(w for _, w in weights(project(FULL[:3]), drop).values()) == 80


def answers(values: list[str], executed: str = "90.00", reason: str = "",
            claimed: D | None = None) -> Actuals:
    a = Actuals(2023)
    a.executions[1] = Execution(1, D("100.00"), D(executed), reason)
    for k, v in enumerate(values):
        a.values[(1, k)] = Actual(1, k, v, reason, claimed)
    return a


def test_a_project_total_and_grade() -> None:
    s = score_project(project(FULL), answers(["95%", "100%", "达成", "81%"]), CENTRAL)
    assert s.execution_points == D(9)  # 10 × 90/100
    assert [ind.points for ind in s.indicators] == [D(25), D(25), D(30), D(9)]
    assert s.total == D(98) and s.grade == "优"
    assert "10 × min(1, 90.00/100.00) = 9.00" in s.execution_formula
    assert "10.00 × min(1, 81/90) = 9.00" in s.indicators[3].formula


@pytest.mark.parametrize(("total", "grade"), [("90", "优"), ("89.99", "良"), ("80", "良"),
                                              ("60", "中"), ("59.99", "差")])
def test_grade_bands(total: str, grade: str) -> None:
    assert CENTRAL.grade(D(total)) == grade


def test_checks_on_what_was_reported() -> None:
    s = score_project(project(FULL), answers(["见附件", "100%", "部分达成", "小时"],
                                             executed="80.00", claimed=D(20)), CENTRAL)
    codes = [(c.code, c.indicator) for c in s.checks]
    assert ("reason-missing", None) in codes  # execution 80 % < 90 % without a reason
    assert ("unparsed-actual", 0) in codes and s.indicators[0].points == 0
    assert ("reason-missing", 2) in codes  # 部分达成 without 偏差原因
    assert ("claimed-score", 1) in codes  # 20 claimed, 25 computed
    over = score_project(project([("产出指标", "维修数量", "≥100个")]),
                         answers(["140个"]), CENTRAL)
    assert [c.code for c in over.checks] == ["reason-missing"]  # ≥ 130 %: explain
    units = score_project(project([("产出指标", "处理用时", "≤4小时")]),
                          answers(["200分钟"], reason="-"), CENTRAL)
    assert [c.code for c in units.checks] == ["unit-mismatch"]


@settings(max_examples=200, deadline=None)
@given(a=st.integers(1, 1000), b1=st.integers(0, 3000), b2=st.integers(0, 3000),
       comparator=st.sampled_from(["≥", "≤", "", "=", ">", "<"]),
       profile=st.sampled_from([CENTRAL, HUBEI]), direction=st.sampled_from(list(Direction)))
def test_a_score_stays_in_its_weight_and_moves_the_right_way(
        a: int, b1: int, b2: int, comparator: str, profile: ScoringProfile,
        direction: Direction) -> None:
    target = parse(f"{comparator}{a}个")
    low, high = sorted((b1, b2))
    p_low = score_indicator(target, f"{low}个", W, direction, profile)[0]
    p_high = score_indicator(target, f"{high}个", W, direction, profile)[0]
    assert 0 <= p_low <= W and 0 <= p_high <= W
    if (target.direction or direction) is Direction.LOWER:
        assert p_low >= p_high
    else:
        assert p_low <= p_high


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Document, Actuals]:
    from jixiao.readers import read

    doc = read(Path(__file__).parent / "data" / "guangzhou-psb-targets.txt")
    folder = tmp_path_factory.mktemp("year")
    sheet = write_actuals_sheet(doc, folder / "actuals.xlsx", 2023, generate_actuals(doc, 7))
    return folder, doc, read_actuals_sheet(sheet.read_bytes(), doc, sheet.name)


def test_a_full_year_of_the_sample(year: tuple[Path, Document, Actuals]) -> None:
    folder, doc, actuals = year
    assert len(actuals.values) == 540 and len(actuals.executions) == 142
    scores = score_document(doc, actuals, CENTRAL)
    for s in scores:  # the total is the sum of its parts, the grade follows the total
        assert s.total == s.execution_points + sum(
            (ind.points.quantize(D("0.01"), rounding="ROUND_HALF_UP") for ind in s.indicators),
            D(0))
        assert s.grade == CENTRAL.grade(s.total)
        assert all(0 <= ind.points <= ind.weight for ind in s.indicators)
    assert not [c for s in scores for c in s.checks]  # the generated answers are complete
    pdf = write_forms_pdf(doc, scores, actuals, CENTRAL, folder / "forms.pdf")
    assert len(pdfium.PdfDocument(pdf)) == 142
    # read back by the project's own PDF reader: every form states the computed figures
    forms = read_self_evaluation_pdf(pdf.read_bytes(), pdf.name)
    assert [(f.project, f.execution_points, f.total, f.grade) for f in forms] == [
        (s.project.name, s.execution_points, s.total, s.grade) for s in scores]
    book = load_workbook(write_forms_xlsx(doc, scores, actuals, CENTRAL, folder / "f.xlsx"))
    rows = list(book["汇总"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], D(str(r[7])), r[8]) for r in rows] == [
        (s.project.seq, s.total, s.grade) for s in scores]


def test_the_template_locks_the_table_and_opens_the_answers(
        year: tuple[Path, Document, Actuals]) -> None:
    folder, doc, _ = year
    sheet = load_workbook(write_actuals_sheet(doc, folder / "blank.xlsx", 2023))["指标完成情况"]
    assert sheet.protection.sheet
    header = [c.value for c in sheet[2]]
    assert sheet.cell(3, header.index("年度指标值") + 1).protection.locked
    assert not sheet.cell(3, header.index("实际完成值") + 1).protection.locked
    assert sheet.cell(3, header.index("实际完成值") + 1).value is None


def test_a_sheet_with_errors_is_refused_whole(year: tuple[Path, Document, Actuals]) -> None:
    folder, doc, actuals = year
    path = write_actuals_sheet(doc, folder / "bad.xlsx", 2023, actuals)
    book = load_workbook(path)
    book["执行情况"]["E3"] = "九千"  # 全年执行数 of project 1
    book["指标完成情况"]["F5"] = "另一个指标"  # an indicator not in the table
    book.save(path)
    with pytest.raises(ActualsError) as info:
        read_actuals_sheet(path.read_bytes(), doc, path.name)
    assert [(e.sheet, e.row, e.column) for e in info.value.errors] == [
        ("执行情况", 3, "全年执行数"), ("指标完成情况", 5, "位置")]
    table = Path(__file__).parent / "data" / "guangzhou-psb-targets.txt"
    result = runner.invoke(app, ["actuals", "check", str(path), "--doc", str(table)])
    assert result.exit_code == 2 and "执行情况 第3行 全年执行数" in result.stderr


def test_cli_score(year: tuple[Path, Document, Actuals]) -> None:
    folder, _, _ = year
    table = Path(__file__).parent / "data" / "guangzhou-psb-targets.txt"
    result = runner.invoke(app, ["score", str(table), "--actuals", str(folder / "actuals.xlsx"),
                                 "-o", str(folder / "cli.xlsx")], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "等级：优 " in result.output and (folder / "cli.xlsx").exists()


def test_answers_are_stored_and_a_bad_sheet_stores_nothing(
        tmp_path: Path, year: tuple[Path, Document, Actuals]) -> None:
    from sqlalchemy import func, select

    from jixiao import store
    from jixiao.store.schema import actual_values, executions

    folder, doc, actuals = year
    table = Path(__file__).parent / "data" / "guangzhou-psb-targets.txt"
    db = str(tmp_path / "s.sqlite")
    assert runner.invoke(app, ["ingest", "--db", db, str(table)]).exit_code == 0
    good = folder / "actuals.xlsx"
    assert runner.invoke(app, ["actuals", "import", str(good), "--doc", "1", "--db", db]
                         ).exit_code == 0
    engine = store.connect(db)
    stored = store.load_actuals(engine, 1, 2023)
    assert stored.values == actuals.values and len(stored.executions) == 142
    assert [s.total for s in score_document(doc, stored, CENTRAL)] == [
        s.total for s in score_document(doc, actuals, CENTRAL)]
    bad = write_actuals_sheet(doc, tmp_path / "bad.xlsx", 2023, actuals)
    book = load_workbook(bad)
    book["执行情况"]["E4"] = "不详"
    book.save(bad)
    result = runner.invoke(app, ["actuals", "import", str(bad), "--doc", "1", "--db", db])
    assert result.exit_code == 2
    with engine.connect() as conn:  # the earlier answers are untouched
        assert conn.execute(select(func.count()).select_from(actual_values)).scalar() == 540
        assert conn.execute(select(func.count()).select_from(executions)).scalar() == 142
    scored = runner.invoke(app, ["score", "1", "--year", "2023", "--db", db],
                           env={"COLUMNS": "200"})
    assert scored.exit_code == 0 and "等级：优" in scored.output
