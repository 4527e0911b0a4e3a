"""Published self-evaluations (自评表): the publisher's arithmetic, re-scoring under the
profiles, targets against the approved table, and ingest as actuals (docs/selfeval.md).

The real tables are read by the form reader; the figures asserted here were read off the
tables by hand (tests/data/real/…, the golds beside them).
"""

from __future__ import annotations

import dataclasses
import json
import re
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from conftest import REPO
from jixiao import store
from jixiao.cli import app
from jixiao.evaluation import load_profile, score_document, score_indicator
from jixiao.evaluation.profiles import BUILT_IN, ScoringProfile
from jixiao.evaluation.published import (
    CODES,
    PublishedFinding,
    check_arithmetic,
    check_self_evaluation,
    rescore,
    target_reports,
)
from jixiao.model import Document
from jixiao.readers import read
from jixiao.store.schema import changes
from jixiao.synthetic import generate_actuals
from jixiao.targets import Direction, parse
from jixiao.writers.self_evaluation import write_forms_xlsx

REAL = REPO / "tests" / "data" / "real"
GUOJIA = REAL / "pdf" / "guojia-xinfang-2024-juesuan-xiangmu-ziping.pdf"
NINGDE = REAL / "pdf" / "ningde-zfb-2024-zhengti-zipingbiao.pdf"
LANGFANG = REAL / "23-langfang-shipin-2019-ziping-cellperline.txt"
QINGSHEN = REAL / "19-qingshen-fagai-2023-ziping-cellperline.txt"
CENTRAL = load_profile("central")


def _codes(findings: list[PublishedFinding]) -> list[tuple[str, int, int | None, str]]:
    return [(f.code, f.project, f.indicator, f.cell) for f in findings]


@pytest.fixture(scope="module")
def guojia() -> Document:
    doc = read(GUOJIA)
    # the reader leaves 总分 out of this PDF; the gold has it as printed (98, 94.7, 98, 90.5)
    gold = json.loads(GUOJIA.with_suffix(".gold.json").read_text(encoding="utf-8"))
    for p, g in zip(doc.projects, gold["projects"], strict=True):
        assert p.form is not None
        p.form.total_score = D(g["total_score"])
    return doc


@pytest.fixture(scope="module")
def ningde() -> Document:
    doc = read(NINGDE)
    form = doc.projects[0].form
    assert form is not None
    form.total_score, form.grade = D("92.33"), "优（S≧90）"  # 总分值 and 评价等级 as printed
    return doc


# ---- the real 自评表 ---------------------------------------------------------------------


def test_guojia_arithmetic_holds_total_by_total(guojia: Document) -> None:
    # 总分 = 预算执行得分 + Σ 得分: 10 + 88 = 98, 7.7 + 87 = 94.7, 10 + 88 = 98,
    # 6.3 + 84.2 = 90.5; every 得分 ≤ 分值; 分值 add up to 90 with 10 for execution; each
    # deduction has its reason; execution 7.7 ≤ 10 × 413.57/536.2 = 7.71
    assert check_arithmetic(guojia) == []


def test_guojia_with_errors_injected_finds_each_with_its_cell(guojia: Document) -> None:
    doc = dataclasses.replace(guojia, units=[dataclasses.replace(
        u, projects=[dataclasses.replace(
            p, form=dataclasses.replace(p.form),
            indicators=[dataclasses.replace(i, form=dataclasses.replace(i.form))
                        for i in p.indicators]) for p in u.projects]) for u in guojia.units])
    p1, p2, _, p4 = doc.projects
    assert p1.form and p2.form and p4.form
    p1.form.total_score = D(97)  # printed 98: the parts still add up to 98
    p1.form.grade = "良"  # 97 is 优
    f = p2.indicators[1].form
    assert f is not None
    f.score = D(10)  # 形成的研究成果数: 9 points at most
    p2.form.total_score = D("95.7")  # …and the total follows the wrong score
    p4.form.execution_score = D("9.5")  # 10 × 1032.99/1639.34 = 6.30 at most
    p4.form.total_score = D("93.7")
    reason = p4.indicators[3].form
    assert reason is not None
    reason.reason = ""  # 设备完好率 7.1 of 10 without a reason
    assert _codes(check_arithmetic(doc)) == [
        ("total-not-sum", 1, None, "总分"), ("grade-not-total", 1, None, "等级"),
        ("score-over-weight", 2, 1, "得分"),
        ("execution-over-rate", 4, None, "预算执行得分"), ("reason-missing", 4, 3, "偏差原因")]
    message = next(x for x in check_arithmetic(doc) if x.code == "total-not-sum").message
    assert message == "总分 97 不等于预算执行得分与各指标得分之和 98"


def test_guojia_no_profile_reproduces_it_and_the_differences_are_named(
        guojia: Document, tmp_path: Path) -> None:
    fits = {f.profile: f for f in rescore(guojia)}
    assert not any(f.reproduces for f in fits.values())
    central = fits["central"]
    # 37 得分, 4 预算执行得分 and 4 总分
    assert (central.matched, len(central.cells)) == (29, 45)
    misses = {(c.project, c.indicator, c.cell): (c.published, c.computed)
              for c in central.misses}
    # execution 77.13 % of 10 printed to one decimal
    assert misses[(2, None, "预算执行得分")] == (D("7.7"), D("7.71"))
    # 335 of ≥350篇 earned 4 of 6, the ratio gives 5.74; 85 % of ≥96 % 7.1, the ratio 8.85
    assert misses[(2, 5, "得分")] == (D(4), D("5.74"))
    assert misses[(4, 3, "得分")] == (D("7.1"), D("8.85"))
    # 4 complaints against ≤4次: met, yet 9 of 10
    assert misses[(3, 6, "得分")] == (D(9), D(10))
    # a profile of one's own with execution to one decimal reproduces all four executions
    mine = tmp_path / "guojia.toml"
    text = (REPO / "src" / "jixiao" / "data" / "scoring" / "central.toml").read_text(
        encoding="utf-8").replace('name = "central"', 'name = "mine"')
    mine.write_text(text + "\n[rounding]\nexecution = 0.1\n", encoding="utf-8")
    [fit] = rescore(guojia, [load_profile(str(mine))])
    assert not [c for c in fit.misses if c.cell == "预算执行得分"]
    assert fit.matched == 30


def test_ningde_reproduced_by_the_ningde_profile(ningde: Document) -> None:
    check = check_self_evaluation(ningde)
    # 市政府常务会议场次 ≥30次 against 20: 1.33 of 2, and the 偏差原因 cell is empty
    assert _codes(check.findings) == [("reason-missing", 1, 7, "偏差原因")]
    assert check.best is not None and check.best.profile == "ningde"
    assert (check.best.matched, len(check.best.cells)) == (19, 19)
    central = next(f for f in check.fits if f.profile == "central")
    assert {(c.indicator, c.cell, c.published, c.computed) for c in central.misses} == {
        (None, "预算执行得分", D(7), D("8.87")),  # 88.75 % → 7 (a step), not 8.87
        (3, "得分", D(0), D("3.61")),  # 4262.96 over ≤3843.67 → 0, not 4 × A/B
        (None, "总分", D("92.33"), D("97.81"))}


def test_langfang_reproduced_in_whole_points_by_hebei() -> None:
    check = check_self_evaluation(read(LANGFANG))
    assert check.findings == []  # 9 + 9 + 8 × 10 …, every deduction with its reason
    assert check.best is not None and check.best.profile == "hebei"
    assert (check.best.matched, len(check.best.cells)) == (10, 10)
    central = next(f for f in check.fits if f.profile == "central")
    # 37.24 / 43.2 = 86.2 %: 8.62 by the central formula, printed as 9
    assert {(c.indicator, c.published, c.computed) for c in central.misses} == {
        (None, D(9), D("8.62")), (0, D(9), D("8.62"))}


def test_qingshen_prints_no_scores_and_nothing_is_found() -> None:
    check = check_self_evaluation(read(QINGSHEN))
    assert check.findings == []  # 60 + 30 = 90 with 10 for execution
    assert all(f.cells == [] for f in check.fits) and check.best is None


# ---- generated self-evaluations ----------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Document, Document]:
    sample = read(REPO / "tests" / "data" / "guangzhou-psb-targets.txt")
    actuals = generate_actuals(sample, 7)
    path = tmp_path_factory.mktemp("selfeval") / "forms.xlsx"
    write_forms_xlsx(sample, score_document(sample, actuals, CENTRAL), actuals, CENTRAL, path)
    return sample, read(path)


def test_generated_forms_are_reproduced_by_their_profile(
        generated: tuple[Document, Document]) -> None:
    sample, back = generated
    check = check_self_evaluation(back, approved=sample)
    assert check.findings == []  # none on the clean forms, targets included
    assert check.best is not None and check.best.profile == "central"
    # every execution score, indicator score and 总分 (read from the form's 总分 row)
    assert len(check.best.cells) == 142 + 540 + 142
    assert sum(t.count("unchanged") for t in check.targets) == 540


@pytest.mark.parametrize("container", ["html", "docx"])
def test_generated_forms_in_a_second_layout_are_reproduced_too(
        generated: tuple[Document, Document], container: str) -> None:
    """The same self-evaluations written by another writer (the tests' form renderer: one
    form per project, a budget block, merged or repeated labels) read back to the same
    figures and the same fit."""
    import random
    import sys

    from jixiao.interchange import to_dict
    from jixiao.readers import read_bytes

    sys.path.insert(0, str(REPO / "tests"))
    from formrender import WRITERS, Choices, form_rows

    sample, back = generated
    first = dataclasses.replace(back, units=[dataclasses.replace(
        back.units[0], projects=back.projects[:12])])  # a dozen forms keep the test quick
    data = WRITERS[container](form_rows(to_dict(first), Choices.draw(random.Random(3))))
    again = read_bytes(data, f"forms.{container}")
    assert [p.name for p in again.projects] == [p.name for p in first.projects]
    for p, q in zip(first.projects, again.projects, strict=True):
        assert (p.form.planned, p.form.adjusted, p.form.executed, p.form.execution_score) \
            == (q.form.planned, q.form.adjusted, q.form.executed, q.form.execution_score)
        assert [(i.target, i.form.actual, i.form.weight, i.form.score) for i in p.indicators] \
            == [(i.target, i.form.actual, i.form.weight, i.form.score) for i in q.indicators]
    check = check_self_evaluation(again, approved=sample)
    assert check.findings == []
    assert check.best is not None and check.best.profile == "central"
    indicators = sum(len(p.indicators) for p in first.projects)
    assert len(check.best.cells) == 12 + indicators  # no 总分 row in this layout


def test_generated_forms_with_errors_injected_are_all_found(
        generated: tuple[Document, Document]) -> None:
    sample, clean = generated
    back = dataclasses.replace(clean, units=[dataclasses.replace(u, projects=[
        dataclasses.replace(p, form=dataclasses.replace(p.form), indicators=[
            dataclasses.replace(i, form=dataclasses.replace(i.form)) for i in p.indicators])
        for p in u.projects]) for u in clean.units])
    projects = back.projects
    over = projects[4].indicators[0].form
    assert over is not None and over.weight is not None
    over.score = over.weight + 5  # a score over its weight
    first = projects[0].form
    assert first is not None and first.execution_score is not None
    parts = first.execution_score + sum((i.form.score for i in projects[0].indicators
                                         if i.form and i.form.score is not None), D(0))
    first.total_score = parts + 1  # a wrong total
    seq, k, changed = next((p.seq, k, i) for p in projects[9:] for k, i in
                           enumerate(p.indicators) if parse(i.target).value)
    before = changed.target
    changed.target = changed.target.replace(changed.target.lstrip("≥≤<>=")[:1], "9", 1) \
        if not changed.target.lstrip("≥≤<>=").startswith("9") else changed.target + "0"
    check = check_self_evaluation(back, approved=sample)
    # the changed target is found, and so is what follows from it: the actual no longer
    # meets it, yet keeps its full points without a reason; the score over its weight
    # also leaves project 5's printed 总分 short of its parts (the reader reads 总分)
    assert _codes(check.findings) == [
        ("total-not-sum", 1, None, "总分"), ("total-not-sum", 5, None, "总分"),
        ("score-over-weight", 5, 0, "得分"),
        ("full-points-not-met", seq, k, "得分"), ("reason-missing", seq, k, "偏差原因"),
        ("target-raised", seq, k, "年度指标值")]
    assert check.findings[-1].expected == before and check.findings[-1].published == \
        changed.target
    central = next(f for f in check.fits if f.profile == "central")
    assert [(c.project, c.indicator, c.cell) for c in central.misses][:2] == [
        (1, None, "总分"), (5, 0, "得分")]


# ---- the two scoring bugs ----------------------------------------------------------------


def test_a_tier_target_you_against_you_scores_instead_of_raising() -> None:
    w = D(10)
    assert score_indicator(parse("优"), "优", w, Direction.HIGHER, CENTRAL)[0] == w
    # 良 of 优/良/中/低/差 is 3/4 of the scale: partly achieved, 0.7 × w under central
    points, formula, _ = score_indicator(parse("优"), "良", w, Direction.HIGHER, CENTRAL)
    assert points == D(7) and formula.startswith("部分达成")
    assert score_indicator(parse("良好"), "优秀", w, Direction.HIGHER, CENTRAL)[0] == w
    assert score_indicator(parse("良"), "差", w, Direction.HIGHER, CENTRAL)[0] == D(3)
    # an unparsed target says so in words (it was an AssertionError with no message)
    with pytest.raises(ValueError, match="未能解析，无法评估"):
        score_indicator(parse("接待工作顺利开展"), "100", w, Direction.HIGHER, CENTRAL)


def test_a_unit_in_words_percent_hundred_against_100_scores_full() -> None:
    target = parse("≥100百分比")  # was 10000 分 (百 as a multiplier), scoring 0.08 of 8
    assert (target.value, target.unit and target.unit.canonical) == (D(100), "%")
    assert score_indicator(target, "100", D(8), Direction.HIGHER, CENTRAL)[0] == D(8)
    assert score_indicator(target, "95%", D(8), Direction.HIGHER, CENTRAL)[0] == D("7.6")
    points = parse("提高2个百分点")
    assert (points.value, points.unit and points.unit.canonical, points.trailing) == (
        D(2), "百分点", "")
    visits = parse("≥5万人次")
    assert score_indicator(visits, "48000人次", D(10), Direction.HIGHER, CENTRAL)[0] == D("9.6")


def test_profiles_take_rounding_and_execution_steps(tmp_path: Path) -> None:
    assert BUILT_IN == ("central", "hubei", "hebei", "ningde")
    hebei, ningde = load_profile("hebei"), load_profile("ningde")
    assert (hebei.indicator_step, hebei.execution_step) == (D(1), D(1))
    assert ningde.execution_steps == ((D("0.9"), D("1.0")), (D("0.0"), D("0.7")))
    bad = tmp_path / "bad.toml"
    bad.write_text((REPO / "src" / "jixiao" / "data" / "scoring" / "central.toml").read_text(
        encoding="utf-8") + "\n[execution]\nsteps = [[0.5, 0.7], [0.9, 1.0]]\n",
        encoding="utf-8")
    with pytest.raises(Exception, match="执行率从高到低"):
        load_profile(str(bad))
    assert isinstance(CENTRAL, ScoringProfile) and CENTRAL.indicator_step == D("0.01")


# ---- ingest: a 自评表 as actuals of its target table ---------------------------------------


def _approved(evaluation: Document) -> Document:
    """The approved table of the same projects and year: the targets as the form states
    them, without the 自评表's columns; one target raised at evaluation time."""
    units = [dataclasses.replace(u, projects=[dataclasses.replace(
        p, form=None, indicators=[dataclasses.replace(i, form=None) for i in p.indicators])
        for p in u.projects]) for u in evaluation.units]
    doc = dataclasses.replace(evaluation, units=units, kind="targets",
                              title="2024年项目支出绩效目标表",
                              source=dataclasses.replace(evaluation.source, file="targets.json",
                                                         sha256="0" * 64))
    doc.projects[1].indicators[5].target = "≥330篇"  # approved 330, evaluated against 350
    return doc


def test_ingest_keeps_a_self_evaluation_as_actuals_of_its_target_table(
        db_url: str, guojia: Document) -> None:
    engine = store.connect(db_url)
    approved = store.ingest(engine, _approved(guojia))
    evaluation = store.ingest(engine, guojia)
    actuals = store.load_actuals(engine, approved.document_id, 2024)
    assert (len(actuals.executions), len(actuals.values)) == (4, 37)
    e = actuals.executions[4]
    assert (e.adjusted_budget, e.executed) == (D("1639.34"), D("1032.99"))
    a = actuals.values[(4, 3)]  # 设备完好率: the printed score kept beside the computed one
    assert (a.value, a.claimed_score) == ("85%", D("7.1"))
    table = store.load_document(engine, approved.document_id)
    [scored] = [s for s in score_document(table, actuals, CENTRAL) if s.project.seq == 4]
    assert scored.execution_points == D("6.30")
    assert any(c.code == "claimed-score" and "表上得分为 7.1，计算得 8.85" in c.message
               for c in scored.checks)
    with engine.connect() as conn:
        logged = conn.execute(select(changes.c.action, changes.c.entity)
                              .where(changes.c.entity.like(
                                  f"actual {approved.document_id}/2024/%"))).all()
    assert len(logged) == 37 and {r.action for r in logged} == {"put-actual"}
    [report] = target_reports(engine, year=2024)
    assert report.document == evaluation.document_id
    assert (report.count("unchanged"), report.count("raised")) == (36, 1)


def test_a_self_evaluation_without_a_target_table_is_stored_on_its_own(db_url: str) -> None:
    engine = store.connect(db_url)
    stored = store.ingest(engine, read(NINGDE))
    actuals = store.load_actuals(engine, stored.document_id, 2024)
    assert len(actuals.values) == 17
    assert actuals.values[(1, 7)].claimed_score == D("1.33")
    assert actuals.executions[1].executed == D("8874.74")


# ---- the command line and the docs ---------------------------------------------------------


def test_selfeval_check_on_the_command_line(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["selfeval", "check", str(LANGFANG), str(NINGDE),
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    langfang, ningde = json.loads(result.output)
    assert (langfang["reproduced_by"], ningde["reproduced_by"]) == ("hebei", "ningde")
    assert [f["code"] for f in ningde["findings"]] == ["reason-missing"]
    result = runner.invoke(app, ["selfeval", "check", str(NINGDE), "--format", "xlsx",
                                 "-o", str(tmp_path / "check.xlsx")])
    assert result.exit_code == 0 and (tmp_path / "check.xlsx").stat().st_size > 0
    result = runner.invoke(app, ["selfeval", "check", str(NINGDE)])
    assert "能重现得分的评分办法：ningde" in result.output


def test_every_finding_code_is_documented() -> None:
    doc = (REPO / "docs" / "selfeval.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z0-9-]+)` \|", doc, flags=re.MULTILINE))
    assert documented == set(CODES)
