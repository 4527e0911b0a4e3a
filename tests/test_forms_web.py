"""A real form uploaded through the web app (a real SQLite file, the pages' own login and
upload forms): its project page shows what the form adds, in Chinese labels."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from conftest import DATA
from jixiao.readers import read
from jixiao.store import accounts
from jixiao.web import create_app
from webclient import PASSWORD, login

REAL = DATA / "real"
QINGSHEN = REAL / "19-qingshen-fagai-2023-ziping-cellperline.txt"  # 自评表, 万元
MATA = REAL / "13-jingyan-mata-2023-multiproject-yuan.txt"  # 目标申报表, 元
LANGFANG = REAL / "23-langfang-shipin-2019-ziping-cellperline.txt"  # actuals, scores, reasons
WUHAN = REAL / "08-wuhan-qingshan-jiaoyu-2020-longterm-annual-cells.txt"  # 中期目标, 项目期


@pytest.fixture()
def client(tmp_path: Path) -> TestClient:
    app = create_app(str(tmp_path / "forms.sqlite"))
    accounts.add_user(app.state.engine, "admin", PASSWORD, "admin")
    client = TestClient(app, base_url="https://testserver")
    client.csrf = login(client, "admin")  # type: ignore[attr-defined]
    return client


def _upload(client: TestClient, path: Path) -> str:
    """Upload through the page; the project page of the document's first project."""
    response = client.post("/documents", data={"csrf": client.csrf},  # type: ignore[attr-defined]
                           files={"file": (path.name, path.read_bytes(), "text/plain")},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    # a 自评表's project page is its self-evaluation; `show=table` shows it as a form
    page = client.get(response.headers["location"] + "/projects/1?show=table")
    assert page.status_code == 200
    return page.text


def _row(page: str, label: str) -> str:
    """The text of the fields row `label` (tags removed)."""
    match = re.search(rf"<tr><th>{label}</th>(.*?)</tr>", page, re.S)
    assert match, label
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match[1])).strip()


def _header(page: str) -> list[str]:
    head = re.search(r'<table class="grid" id="indicators">\s*.*?<thead>(.*?)</thead>', page,
                     re.S)
    assert head
    return re.findall(r"<th[^>]*>(.*?)</th>", head[1])


def test_a_self_evaluation_shows_its_money_lines_and_budget_block(client: TestClient) -> None:
    page = _upload(client, QINGSHEN)
    project = read(QINGSHEN).projects[0]
    assert project.form is not None
    assert str(escape(project.name)) in page
    assert _row(page, "总计").startswith("251.89 万元")
    assert _row(page, "资金来源") == ("总额 251.89 其中:财政资金 251.89 财政专户管理资金 0.00 "
                                   "单位资金 0.00 其他资金 金额单位：万元")
    # the value's own line (line 10 holds its label)
    assert _row(page, "主管部门").startswith("青神县发展和改革局本级 第11行")
    assert _row(page, "年初预算数") == "238.93 万元"
    assert _row(page, "全年预算数") == "251.89 万元"
    assert _row(page, "全年执行数") == "251.89 万元"
    header = _header(page)
    assert header[:8] == ["序号", "一级指标", "二级指标", "指标名称", "年度指标值", "指标性质",
                          "指标值", "度量单位"]
    assert "分值" in header and "实际完成值" not in header  # only columns with values
    assert "<td>数量指标<div class=\"muted\">归类：数量</div></td>" in page
    assert '<td>=</td><td>100</td><td>%</td>' in page
    assert '<td class="num">60</td>' in page


def test_a_yuan_form_says_its_unit_and_its_columns(client: TestClient) -> None:
    page = _upload(client, MATA)
    assert _row(page, "总计").startswith("3,309,840.00 元")
    header = _header(page)
    assert {"分值", "指标方向"} <= set(header) and "得分" not in header
    assert "<td>正向指标</td>" in page and "社会效益指标" in page
    assert "资金来源" not in page  # this form prints no money lines of its own


def test_a_self_evaluation_shows_the_published_actuals_scores_and_reasons(
        client: TestClient) -> None:
    page = _upload(client, LANGFANG)
    project = read(LANGFANG).projects[0]
    first = project.indicators[0]
    assert first.form is not None and first.form.reason is not None
    assert project.form is not None and project.form.execution_score is not None
    header = _header(page)
    assert {"分值", "实际完成值", "得分", "偏差原因"} <= set(header)
    assert f"<td>{escape(first.form.actual)}</td>" in page
    assert str(escape(first.form.reason)) in page
    assert _row(page, "预算执行得分") == str(project.form.execution_score)


def test_a_two_period_form_shows_its_long_term_goal_and_period(client: TestClient) -> None:
    page = _upload(client, WUHAN)
    form = read(WUHAN).projects[0].form
    assert form is not None and form.goal_long is not None
    assert _row(page, "中长期目标").startswith(str(escape(form.goal_long)))
    assert _row(page, "项目期") == "202001-202012"
    assert "资金总额" in _row(page, "资金来源")
