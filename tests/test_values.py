"""Values checked before they are stored (issue 16, item 2), and numbers shown as the forms
show them (item 3): the library's check itself, then the three ways in — the project
page's form, `PUT /actuals` and the actuals sheet — each over a real SQLite file."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from conftest import SAMPLE
from jixiao import formatting, store
from jixiao.evaluation.sheet import ActualsError, read_actuals_sheet, write_actuals_sheet
from jixiao.evaluation.values import check_actual, check_money
from jixiao.model import Document, Indicator
from jixiao.readers import read
from jixiao.store import accounts
from jixiao.store.store import Store
from jixiao.synthetic import generate_actuals
from jixiao.web import create_app
from webclient import PASSWORD, login

PSB = "广州市公安局"
SATISFACTION = Indicator(1, "满意度指标", "群众满意度", "≥90%", "≥90%")


@pytest.mark.parametrize("value, why", [
    ("abc", "是数值"), ("150%", "超过了 100%"), ("150", "超过了 100%"), ("-5%", "不能为负数"),
    ("1e3", "是数值"), ("达成", "是数值"), ("90分", "无法换算"), ("  ", "不能为空")])
def test_a_rate_takes_a_number_from_0_to_100(value: str, why: str) -> None:
    assert why in (check_actual(SATISFACTION, value) or "")


@pytest.mark.parametrize("value", ["95", "95%", "95.5％", "0", "100%", "5 %", "≥95%"])
def test_a_rate_with_or_without_its_percent_sign_is_stored(value: str) -> None:
    assert check_actual(SATISFACTION, value) is None


def test_a_rate_may_pass_100_when_its_target_does() -> None:
    growth = Indicator(1, "效益指标", "任务完成率", "≥120%", "≥120%")
    assert check_actual(growth, "130%") is None
    assert "不能为负数" in (check_actual(growth, "-1%") or "")


def test_counts_states_and_compound_targets() -> None:
    count = Indicator(1, "产出指标", "设备数量", "≥10台", "≥10台")
    assert check_actual(count, "12台") is None and check_actual(count, "12") is None
    assert "不能为负数" in (check_actual(count, "-1台") or "")
    assert "无法换算" in (check_actual(count, "3个") or "")
    state = Indicator(1, "效益指标", "服务水平", "有所提升", "有所提升")
    for ok in ("达成", "部分达成", "未达成", "提升", "有所提升", "下降"):
        assert check_actual(state, ok) is None, ok
    why = check_actual(state, "abc") or ""
    assert "定性指标" in why and "达成、部分达成、未达成" in why and "“提升”" in why
    both = Indicator(1, "产出指标", "运维", "≥95%；≤4小时", "≥95%；≤4小时")
    assert check_actual(both, "96%；3小时") is None
    assert "有2项" in (check_actual(both, "96%") or "")
    assert "超过了 100%" in (check_actual(both, "196%；3小时") or "")
    cost = Indicator(1, "成本指标", "运维成本", "≤100万元", "≤100万元")
    assert "最多两位小数" in (check_actual(cost, "99.555万元") or "")


def test_money_is_not_negative_and_has_two_decimals_at_most() -> None:
    assert check_money("1,234.5") == (Decimal("1234.5"), None)
    assert check_money(12.3) == (Decimal("12.30"), None)
    assert check_money(16.989000000000001)[1] == "金额“16.989”最多两位小数"
    assert check_money(-1)[1] == "金额不能为负数（-1）"
    assert check_money("九千", "全年执行数")[1] == "全年执行数应为以万元计的数字，不是“九千”"
    assert check_money("") == (None, None)
    assert check_money("九千", "总计", unit="元")[1] == "总计应为以元计的数字，不是“九千”"


def test_money_longer_than_any_budget_is_refused_not_a_crash() -> None:
    # 60 digits made rounding to cents raise InvalidOperation (a 500 on the web)
    assert "超过 16 位整数" in (check_money("1" * 60)[1] or "")
    assert "超过 16 位整数" in (check_money(1e60)[1] or "")
    assert check_money("9" * 15 + ".99") == (Decimal("9" * 15 + ".99"), None)


def test_every_target_of_the_sample_and_a_generated_year_pass() -> None:
    # what departments really write must not be refused: the targets themselves (the
    # web tests enter them) and the generator's results
    doc = read(SAMPLE)
    actuals = generate_actuals(doc, seed=2023)
    by_seq = {p.seq: p for p in doc.projects}
    assert [i.target for p in doc.projects for i in p.indicators
            if check_actual(i, i.target)] == []
    assert [a.value for (seq, k), a in actuals.values.items()
            if check_actual(by_seq[seq].indicators[k], a.value)] == []


def test_the_formatter_of_every_face() -> None:
    assert formatting.score(Decimal("0.2000000000000000000000000000")) == "0.20"
    assert formatting.score(Decimal("21.36315789473684210526315789")) == "21.36"
    assert formatting.score(Decimal("0.125")) == "0.13"  # half up, as the forms round
    assert formatting.money(Decimal("248530.6400")) == "248,530.64"
    assert formatting.money(Decimal("1E+3")) == "1,000.00"
    assert formatting.percent(Decimal("0.95364")) == "95.36%"
    assert formatting.number(Decimal("6E+15")) == "6000000000000000"
    assert formatting.money(None) == formatting.score(None) == ""


# ---- the three ways in -------------------------------------------------------------------


@pytest.fixture()
def site(tmp_path: Path) -> tuple[TestClient, object, int, Document]:
    app = create_app(str(tmp_path / "values.sqlite"))
    engine = app.state.engine
    accounts.add_user(engine, "psb", PASSWORD, "department", PSB)
    doc = read(SAMPLE)
    doc_id = store.ingest(engine, doc, year=2023).document_id
    client = TestClient(app, base_url="https://testserver")
    client.csrf = login(client, "psb")  # type: ignore[attr-defined]
    return client, engine, doc_id, doc


def _satisfaction(doc: Document) -> tuple[int, int, Indicator]:
    """The sample's 用户满意度 (target 95%): project 4, position 2."""
    indicator = doc.projects[3].indicators[2]
    assert (doc.projects[3].seq, indicator.name, indicator.target) == (4, "用户满意度", "95%")
    return 4, 2, indicator


def test_put_refuses_abc_and_150_percent_with_the_field_and_stores_nothing(site) -> None:
    client, engine, doc_id, doc = site
    seq, k, _ = _satisfaction(doc)
    url = f"/api/v1/documents/{doc_id}/actuals/2023"
    headers = {"X-CSRF-Token": client.csrf}
    for value, why in (("abc", "不是“abc”"), ("150%", "“150%”超过了 100%")):
        response = client.put(url, headers=headers, json={"values": [
            {"project": 1, "indicator": 0, "value": "达成"},  # a good one before: not written
            {"project": seq, "indicator": k, "value": value}]})
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["code"] == "bad-value" and error["field"] == "values[1].value"
        assert error["message"].startswith("values[1].value: “用户满意度”") and why in \
            error["message"]
        assert store.load_actuals(engine, doc_id, 2023).values == {}
        assert [c for c in accounts.list_changes(engine) if c.action == "put-actual"] == []
    ok = client.put(url, headers=headers,
                    json={"values": [{"project": seq, "indicator": k, "value": "96%"}]})
    assert ok.status_code == 200 and ok.json()["values"][0]["value"] == "96%"


def test_the_project_form_shows_why_beside_the_field(site) -> None:
    client, engine, doc_id, doc = site
    seq, k, _ = _satisfaction(doc)
    url = f"/documents/{doc_id}/projects/{seq}"
    page = client.post(f"{url}/actuals", data={"csrf": client.csrf, "year": 2023,
                                               "position": k, "value": "150%", "reason": "多"})
    assert page.status_code == 422
    row = re.search(r'<input type="hidden" name="position" value="2">(.*?)</form>', page.text,
                    re.S)[1]
    assert 'value="150%"' in row and 'aria-invalid="true"' in row
    assert "未保存：“用户满意度”是百分比" in row and "超过了 100%" in row
    assert store.load_actuals(engine, doc_id, 2023).values == {}
    done = client.post(f"{url}/actuals", data={"csrf": client.csrf, "year": 2023,
                                               "position": k, "value": "96%"},
                       follow_redirects=False)
    assert done.status_code == 303
    assert store.load_actuals(engine, doc_id, 2023).values[(seq, k)].value == "96%"


def test_the_project_page_shows_scores_to_two_decimals(site) -> None:
    client, engine, doc_id, doc = site
    psb = accounts.authenticate(engine, "psb", PASSWORD)
    assert psb is not None
    Store(engine).put_actuals(psb, doc_id, 2023, [
        a for a in generate_actuals(doc, seed=7).values.values() if a.project == 100])
    page = client.get(f"/documents/{doc_id}/projects/100").text
    table = re.search(r'<table class="grid" id="actual-table">(.*?)</table>', page, re.S)[1]
    figures = re.findall(r'<td class="num">([^<]*)</td>', table)
    assert len(figures) == 2 * len(doc.projects[99].indicators)
    assert all(re.fullmatch(r"\d+\.\d\d", f) for f in figures), figures
    assert "22.50" in figures  # 90 points over 4 indicators, not 22.5000000000…
    assert re.search(r'id="score-total">\d+\.\d\d<', page)


def test_the_sheet_refuses_a_bad_value_with_its_row(site, tmp_path: Path) -> None:
    _, _, _, doc = site
    seq, k, _ = _satisfaction(doc)
    path = write_actuals_sheet(doc, tmp_path / "filled.xlsx", 2023, generate_actuals(doc, 2023))
    book = load_workbook(path)
    sheet = book["指标完成情况"]
    header = [c.value for c in sheet[2]]
    row = next(r for r in range(3, sheet.max_row + 1)
               if sheet.cell(r, 1).value == seq and sheet.cell(r, 3).value == k + 1)
    sheet.cell(row, header.index("实际完成值") + 1).value = "150%"
    book["执行情况"]["E3"] = 12.345  # 全年执行数 with three decimals
    book.save(path)
    with pytest.raises(ActualsError) as info:
        read_actuals_sheet(path.read_bytes(), doc, path.name)
    assert [(e.sheet, e.row, e.column) for e in info.value.errors] == [
        ("执行情况", 3, "全年执行数"), ("指标完成情况", row, "实际完成值")]
    assert "超过了 100%" in info.value.errors[1].expected
    assert info.value.errors[0].expected == "全年执行数“12.345”最多两位小数"
