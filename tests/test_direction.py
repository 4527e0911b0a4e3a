"""A target pointing the wrong way is scored and read the way its indicator points (issue 16,
item 5): the sample's 系统故障率 `达到90%` (project 100), which the review flags as
Q5-direction-conflict, and a form whose 指标方向性 overrides both."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient

from conftest import SAMPLE
from jixiao import store
from jixiao.audit import audit
from jixiao.evaluation import Actual, Actuals, IndicatorScore, ScoringProfile, load_profile
from jixiao.evaluation.direction import turned
from jixiao.evaluation.scoring import score_project
from jixiao.model import FormFields, Indicator, Project
from jixiao.readers import read
from jixiao.store import accounts
from jixiao.store.store import Store
from jixiao.web import create_app
from webclient import PASSWORD, login

CENTRAL, HUBEI = load_profile("central"), load_profile("hubei")


def _project_100() -> Project:
    doc = read(SAMPLE)
    project = next(p for p in doc.projects if p.seq == 100)
    assert (project.indicators[0].name, project.indicators[0].target) == ("系统故障率", "达到90%")
    # the review says it points the wrong way
    assert any(f.rule == "Q5-direction-conflict" and f.project == 100 and f.indicator == 0
               for f in audit(doc).findings)
    return project


def _failure_score(project: Project, actual: str,
                   profile: ScoringProfile = CENTRAL) -> IndicatorScore:
    actuals = Actuals(2023)
    actuals.values[(100, 0)] = Actual(100, 0, actual, "")
    return score_project(project, actuals, profile).indicators[0]


def test_a_failure_rate_written_as_a_floor_rewards_fewer_failures() -> None:
    project = _project_100()
    low = _failure_score(project, "0.8%")
    assert low.weight == Decimal("22.5") and low.points == low.weight  # full, not 0.20
    assert low.formula.startswith("按指标方向：“系统故障率”越低越好（分类规则 D1-failure-rate），"
                                  "“达到90%”读作“≤10%”：B = 0.8 ≤ A = 10")
    high = _failure_score(project, "99%")  # was full marks
    assert round(high.points, 2) == Decimal("2.27")  # central: w·A/B = 22.5 × 10/99
    assert "w·A/B" in high.formula and "越低越好" in high.formula
    assert _failure_score(project, "99%", HUBEI).points == 0  # Hubei: 0 from 2A
    assert _failure_score(project, "10%").points == low.weight


def test_a_form_direction_wins_over_the_rules_and_the_target() -> None:
    # the form calls the availability 正向 although its target is written as a ceiling
    up = Indicator(1, "产出指标", "系统正常运行率", "≤5%", "≤5%", form=FormFields(direction="正向"))
    turn = turned(up)
    assert turn is not None and turn.target.text == "≥95%"
    assert "表中填写的指标方向" in turn.note
    # a form that says 正向 for a failure rate keeps its floor: the form wins over D1
    assert turned(Indicator(1, "产出指标", "系统故障率", "≥90%", "≥90%",
                            form=FormFields(direction="正向"))) is None
    # and 反向 turns a floor the taxonomy knows nothing about
    down = turned(Indicator(1, "产出指标", "办理时长", "≥3天", "≥3天",
                            form=FormFields(direction="反向")))
    assert down is not None and down.target.text == "≤3天"
    # pointing the right way already: nothing turns
    assert turned(Indicator(1, "产出指标", "系统故障率", "≤2%", "≤2%")) is None


def test_the_project_page_reads_and_scores_it_the_indicators_way(tmp_path: Path) -> None:
    app = create_app(str(tmp_path / "direction.sqlite"))
    engine = app.state.engine
    psb = accounts.add_user(engine, "psb", PASSWORD, "department", "广州市公安局")
    doc_id = store.ingest(engine, read(SAMPLE), year=2023).document_id
    Store(engine).put_actuals(psb, doc_id, 2023, [Actual(100, 0, "0.8%")])
    client = TestClient(app, base_url="https://testserver")
    login(client, "psb")
    page = client.get(f"/documents/{doc_id}/projects/100").text
    row = page[page.index("<td>系统故障率</td>"):]
    row = row[:row.index("</tr>")]
    assert "越高越好" not in row  # was '≥ 90 %，越高越好'
    assert "≤ 10 %，越低越好（按指标方向：“系统故障率”越低越好" in row
    assert '<td class="num">22.50</td>\n    <td class="num">22.50</td>' in page
