"""Year-end entry (issue 17, item 3): a project's grid checked as a whole and saved at once
with its change-log rows; two people saving the same grid at once (one wins, the other is
told, nothing lost); the actuals sheet uploaded on the web, checked as `jixiao actuals
import` checks it; completion per document and per department — on a real SQLite file and
the real PostgreSQL server."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from jixiao import store
from jixiao.evaluation.actuals import Actual, Execution
from jixiao.evaluation.values import check_actual
from jixiao.readers import read
from jixiao.store import accounts, yearend
from jixiao.store.schema import changes
from jixiao.store.store import Store
from jixiao.synthetic import generate_document
from jixiao.web import create_app
from test_review_cycle import EDU, EXAMPLE, PSB, _ingest, _race, _users
from webclient import login

YEAR = 2023
# project 1 of the sample as printed: 办公效率 提高; 物业服务合格率 95%; 绿化保洁工作质量达标率 100
GOOD = {"value-0": "达成", "value-1": "97%", "value-2": "100", "budget": "11294.10",
        "executed": "11,200.5", "money_reason": "年底部分合同未结算"}


def _changes(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(changes)).scalar()


@pytest.fixture()
def bureau(db_url: str):
    engine = store.connect(db_url)
    users = _users(engine)
    doc_id = _ingest(engine, read(EXAMPLE), year=YEAR)
    return engine, users, doc_id


def _values(*pairs: tuple[int, str]) -> list[Actual]:
    return [Actual(1, k, v) for k, v in pairs]


# ---- the store --------------------------------------------------------------------------


def test_grid_saved_at_once_with_its_change_log(bureau) -> None:
    engine, u, d = bureau
    empty = yearend.project_answers(engine, d, YEAR, 1)
    before = _changes(engine)
    saved = Store(engine).save_grid(u["psb"], d, YEAR, 1, empty.revision,
                              _values((0, "达成"), (1, "97%"), (2, "")),
                              Execution(1, Decimal("11294.10"), Decimal("11200.50"), "未结算"))
    # two values (the blank one never stored is left out) and the money: three log rows
    assert _changes(engine) == before + 3
    assert {k: a.value for k, a in saved.values.items()} == {0: "达成", 1: "97%"}
    assert saved.execution.executed == Decimal("11200.50")
    assert saved.revision != empty.revision
    log = accounts.list_changes(engine, limit=3)
    assert {c.action for c in log} == {"put-actual", "put-execution"}
    assert all(c.username == "psb" for c in log)
    money = next(c for c in log if c.action == "put-execution")
    assert money.before is None and money.after["executed"] == "11200.50"
    # the same grid again: nothing changed, nothing logged
    again = Store(engine).save_grid(u["psb"], d, YEAR, 1, saved.revision,
                              _values((0, "达成"), (1, "97%"), (2, "")),
                              Execution(1, Decimal("11294.10"), Decimal("11200.50"), "未结算"))
    assert _changes(engine) == before + 3 and again.revision == saved.revision
    # a stored value cleared is written blank (as a sheet's blank cell), with before → after
    cleared = Store(engine).save_grid(u["psb"], d, YEAR, 1, saved.revision,
                                _values((0, "达成"), (1, ""), (2, "")), None)
    assert cleared.values[1].value == ""
    last = accounts.list_changes(engine, limit=1)[0]
    assert (last.before["value"], last.after["value"]) == ("97%", "")


def test_a_stale_grid_is_refused_and_nothing_is_written(bureau) -> None:
    engine, u, d = bureau
    seen = yearend.project_answers(engine, d, YEAR, 1).revision
    Store(engine).save_grid(u["psb"], d, YEAR, 1, seen, _values((1, "96%")), None)
    before = _changes(engine)
    with pytest.raises(yearend.GridConflict) as caught:
        Store(engine).save_grid(u["admin"], d, YEAR, 1, seen, _values((1, "90%")), None)
    assert caught.value.message.startswith("第1个项目的完成情况已由 psb 于")
    assert caught.value.current.values[1].value == "96%"
    assert _changes(engine) == before
    assert yearend.project_answers(engine, d, YEAR, 1).values[1].value == "96%"


def test_two_people_saving_one_grid_at_once_one_wins_the_other_is_told(bureau) -> None:
    engine, u, d = bureau
    for seq in (1, 2, 3, 4):  # four rounds, each on a fresh project read at the same moment
        seen = yearend.project_answers(engine, d, YEAR, seq).revision
        results, errors = _race([
            lambda seq=seq, seen=seen: Store(engine).save_grid(
                u["psb"], d, YEAR, seq, seen, [Actual(seq, 0, "达成")], None),
            lambda seq=seq, seen=seen: Store(engine).save_grid(
                u["admin"], d, YEAR, seq, seen, [Actual(seq, 0, "未达成", "经费未到位")],
                None)])
        assert len(results) == 1 and len(errors) == 1, errors
        assert isinstance(errors[0], yearend.GridConflict), errors[0]
        stored = yearend.project_answers(engine, d, YEAR, seq)
        assert stored.values[0].value == results[0].values[0].value  # the winner's, whole
        assert errors[0].current.revision == stored.revision  # the loser sees what won
        writes = [c for c in accounts.list_changes(engine, limit=10_000)
                  if c.entity == f"actual {d}/{YEAR}/全年/{seq}/0"]
        assert len(writes) == 1  # the loser wrote nothing


def test_completion_counts_projects_with_results(bureau) -> None:
    engine, u, d = bureau
    doc = store.load_document(engine, d)
    first = doc.projects[0]
    # project 1 complete (every indicator and 全年执行数), project 2 begun (money only)
    Store(engine).save_grid(u["psb"], d, YEAR, first.seq, yearend.project_answers(
        engine, d, YEAR, first.seq).revision,
        [Actual(first.seq, k, "达成" if k == 0 else "100") for k in
         range(len(first.indicators))], Execution(first.seq, None, Decimal("1.00"), ""))
    Store(engine).save_grid(u["psb"], d, YEAR, 2, yearend.project_answers(
        engine, d, YEAR, 2).revision, [], Execution(2, Decimal("5.00"), None, ""))
    c = yearend.completion(engine, {d: YEAR})[d]
    assert (c.projects, c.done, c.begun) == (len(doc.projects), 1, 1)
    assert c.untouched == len(doc.projects) - 2
    assert c.indicators == sum(len(p.indicators) for p in doc.projects)
    assert c.answered == len(first.indicators)
    # counted again once something is written (the count is kept until the log grows)
    third = doc.projects[2]
    Store(engine).save_grid(u["psb"], d, YEAR, third.seq, yearend.project_answers(
        engine, d, YEAR, third.seq).revision, [Actual(third.seq, k, "1") for k in range(
            len(third.indicators))], Execution(third.seq, None, Decimal("2.00"), ""))
    assert yearend.completion(engine, {d: YEAR})[d].done == 2
    assert yearend.count_completion(engine, {d: YEAR})[d].done == 2
    # another year's results are not this year's
    assert yearend.completion(engine, {d: YEAR + 1})[d].done == 0
    rows = yearend.by_department([(PSB, c)])
    assert rows[0]["department"] == PSB and rows[0]["done"] == 1


# ---- the web: the grid ------------------------------------------------------------------


@pytest.fixture()
def web(bureau, db_url: str):
    engine, u, d = bureau
    return engine, u, d, create_app(db_url)


def _signed_in(app, user: str) -> tuple[TestClient, str]:
    client = TestClient(app)
    return client, login(client, user)


def _grid(client: TestClient, d: int, seq: int = 1) -> dict[str, str]:
    page = client.get(f"/documents/{d}/projects/{seq}/yearend?year={YEAR}")
    assert page.status_code == 200, page.text
    return {"revision": re.search(r'name="revision" value="([^"]*)"', page.text)[1],
            "year": str(YEAR), "period": "全年"}


def _field_errors(html: str) -> dict[str, str]:
    return dict(re.findall(r'id="error-([\w-]+)" role="alert">([^<]*)<', html))


def test_grid_checked_as_a_whole_refusals_beside_their_fields(web) -> None:
    engine, _, d, app = web
    client, csrf = _signed_in(app, "psb")
    project = store.load_document(engine, d).projects[0]
    before = _changes(engine)
    bad = {**GOOD, "value-1": "150%", "value-2": "很好", "executed": "-3", "budget": "1.234"}
    page = client.post(f"/documents/{d}/projects/1/yearend",
                       data={"csrf": csrf, **_grid(client, d), **bad})
    assert page.status_code == 422
    errors = _field_errors(page.text)
    # each refused field says why, as the library's one check says it; the good ones don't
    assert errors["value-1"] == check_actual(project.indicators[1], "150%")
    assert errors["value-2"] == check_actual(project.indicators[2], "很好")
    assert "不能为负数" in errors["executed"] and "最多两位小数" in errors["budget"]
    assert set(errors) == {"value-1", "value-2", "executed", "budget"}
    assert 'value="150%"' in page.text  # what was typed stays, to be corrected
    assert _changes(engine) == before and not store.load_actuals(engine, d, YEAR).values
    # corrected: all stored at once, graded with the money
    saved = client.post(f"/documents/{d}/projects/1/yearend",
                        data={"csrf": csrf, **_grid(client, d), **GOOD}, follow_redirects=False)
    assert saved.status_code == 303
    stored = store.load_actuals(engine, d, YEAR)
    assert [stored.values[(1, k)].value for k in range(3)] == ["达成", "97%", "100"]
    assert stored.executions[1].executed == Decimal("11200.50")
    assert stored.executions[1].reason == "年底部分合同未结算"
    assert _changes(engine) == before + 4
    page = client.get(saved.headers["location"])
    assert 'id="grid-saved"' in page.text
    assert re.search(r'id="grid-grade">([^<]+)<', page.text)[1] != "差"


def test_grid_of_another_department_or_a_reviewer_is_not_written(web) -> None:
    engine, _, d, app = web
    client, csrf = _signed_in(app, "edu")
    assert client.get(f"/documents/{d}/projects/1/yearend").status_code == 404
    reviewer, csrf = _signed_in(app, "reviewer")
    page = reviewer.post(f"/documents/{d}/projects/1/yearend",
                         data={"csrf": csrf, **_grid(reviewer, d), **GOOD})
    assert page.status_code == 403 and not store.load_actuals(engine, d, YEAR).values


def test_two_saving_one_grid_the_second_is_told_and_keeps_what_they_typed(web) -> None:
    engine, _, d, app = web
    first, csrf1 = _signed_in(app, "psb")
    second, csrf2 = _signed_in(app, "admin")
    seen1, seen2 = _grid(first, d), _grid(second, d)  # both open the grid
    assert first.post(f"/documents/{d}/projects/1/yearend", data={
        "csrf": csrf1, **seen1, **GOOD}, follow_redirects=False).status_code == 303
    late = {**GOOD, "value-1": "96%", "executed": "11000"}
    page = second.post(f"/documents/{d}/projects/1/yearend", data={"csrf": csrf2, **seen2,
                                                                    **late})
    assert page.status_code == 409
    assert re.search(r'id="grid-conflict" role="alert">第1个项目的完成情况已由 psb 于', page.text)
    assert 'value="96%"' in page.text and "最新保存：97%" in page.text
    stored = store.load_actuals(engine, d, YEAR)
    assert stored.values[(1, 1)].value == "97%"  # the first save stands whole
    # saved again, knowingly, at the revision the refusal showed: now it stands
    again = re.search(r'name="revision" value="([^"]*)"', page.text)[1]
    assert second.post(f"/documents/{d}/projects/1/yearend", data={
        "csrf": csrf2, "revision": again, "year": str(YEAR), "period": "全年", **late},
        follow_redirects=False).status_code == 303
    assert store.load_actuals(engine, d, YEAR).values[(1, 1)].value == "96%"


# ---- the web: the actuals sheet ---------------------------------------------------------


def _sheet(client: TestClient, d: int, fill) -> bytes:
    """The sheet the document page offers, filled in by `fill(book)`."""
    got = client.get(f"/documents/{d}/download/actuals.xlsx?year={YEAR}")
    assert got.status_code == 200
    book = load_workbook(io.BytesIO(got.content))
    fill(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _row_of(sheet, seq: int, position: int | None = None) -> int:
    for row in range(3, sheet.max_row + 1):
        if sheet.cell(row, 1).value == seq and (position is None
                                                or sheet.cell(row, 3).value == position):
            return row
    raise AssertionError((seq, position))


def test_actuals_sheet_refused_whole_with_every_error_then_stored(web) -> None:
    engine, _, d, app = web
    client, csrf = _signed_in(app, "psb")

    def filled(bad: bool):
        def fill(book) -> None:
            money, values = book["执行情况"], book["指标完成情况"]
            for seq, executed in ((1, "-5" if bad else 11200.5), (2, 60000)):
                money.cell(_row_of(money, seq), 5).value = executed
            for position, value in ((1, "达成"), (2, "150%" if bad else "97%"), (3, "100")):
                values.cell(_row_of(values, 1, position), 8).value = value
        return fill

    before = _changes(engine)
    page = client.post(f"/documents/{d}/actuals/sheet", data={"csrf": csrf},
                       files={"file": ("实际完成情况.xlsx", _sheet(client, d, filled(True)))})
    assert page.status_code == 422
    errors = re.findall(r'<tr><td>([^<]+)</td><td class="num">(\d+)</td><td>([^<]+)</td>'
                        r'<td>([^<]+)</td></tr>', page.text)
    row_money = _row_of(load_workbook(io.BytesIO(_sheet(client, d, lambda b: None)))["执行情况"], 1)
    assert [(s, int(r), c) for s, r, c, _ in errors] == [
        ("执行情况", row_money, "全年执行数"),
        ("指标完成情况", _row_of(load_workbook(io.BytesIO(_sheet(
            client, d, lambda b: None)))["指标完成情况"], 1, 2), "实际完成值")]
    assert "不能为负数" in errors[0][3]
    assert re.search(r'id="sheet-error-count">2<', page.text)
    assert _changes(engine) == before and not store.load_actuals(engine, d, YEAR).values
    # corrected and uploaded again: stored whole, as `jixiao actuals import` stores it
    done = client.post(f"/documents/{d}/actuals/sheet", data={"csrf": csrf},
                       files={"file": ("实际完成情况.xlsx", _sheet(client, d, filled(False)))},
                       follow_redirects=False)
    assert done.status_code == 303
    stored = store.load_actuals(engine, d, YEAR)
    assert stored.values[(1, 1)].value == "97%"
    assert stored.executions[1].executed == Decimal("11200.50")
    page = client.get(done.headers["location"])
    assert re.search(r'id="done-count">1<', page.text)  # project 1 complete, 2 only begun
    assert re.search(r"部分填报 (\d+) ·", page.text)[1] == "1"  # the blank rows are not begun
    assert 'id="sheet-stored"' in page.text
    # the document page counts it too
    page = client.get(f"/documents/{d}")
    assert re.search(r'id="yearend-done">1<', page.text)


def test_a_file_that_is_no_workbook_is_refused_and_nothing_stored(web) -> None:
    engine, _, d, app = web
    client, csrf = _signed_in(app, "psb")
    page = client.post(f"/documents/{d}/actuals/sheet", data={"csrf": csrf},
                       files={"file": ("表.xlsx", "不是表格".encode())})
    assert page.status_code == 422 and 'id="sheet-problem"' in page.text
    assert not store.load_actuals(engine, d, YEAR).values


def test_the_bureau_sees_every_departments_completion(web) -> None:
    engine, u, _, app = web
    doc = generate_document(read(EXAMPLE), seed=5, projects=6)
    doc.department = EDU
    edu = _ingest(engine, doc, year=YEAR)
    project = doc.projects[0]
    Store(engine).save_grid(u["edu"], edu, YEAR, project.seq,
                      yearend.project_answers(engine, edu, YEAR, project.seq).revision,
                      [Actual(project.seq, k, "100") for k in range(len(project.indicators))],
                      Execution(project.seq, None, Decimal("1"), ""))
    reviewer, _ = _signed_in(app, "reviewer")
    page = reviewer.get("/overview")
    rows = dict(re.findall(r'<tr class="completion" data-department="([^"]+)">.*?'
                           r'<td class="num done">(\d+)</td>', page.text, re.S))
    assert rows == {PSB: "0", EDU: "1"}
    psb, _ = _signed_in(app, "psb")
    page = psb.get("/overview")
    assert re.findall(r'data-department="([^"]+)"', page.text) == [PSB]


def test_a_sheet_with_blanks_logs_only_what_it_changes(web) -> None:
    """A sheet leaves most projects blank: those are neither written nor logged, the same
    sheet again changes nothing, and the change log shows the money as the pages do."""
    engine, _, d, app = web
    client, csrf = _signed_in(app, "psb")

    def filled(money_of_2: object):
        def fill(book) -> None:
            money, values = book["执行情况"], book["指标完成情况"]
            money.cell(_row_of(money, 1), 5).value = 11200.5
            money.cell(_row_of(money, 2), 5).value = money_of_2
            for position, value in ((1, "达成"), (2, "97%"), (3, "100")):
                values.cell(_row_of(values, 1, position), 8).value = value
        return fill

    def upload(fill) -> list[tuple[str, str]]:
        """The change-log rows the upload added: (action, entity)."""
        before = _changes(engine)
        done = client.post(f"/documents/{d}/actuals/sheet", data={"csrf": csrf},
                           files={"file": ("实际完成情况.xlsx", _sheet(client, d, fill))},
                           follow_redirects=False)
        assert done.status_code == 303, done.text
        with engine.connect() as conn:
            return [(r.action, r.entity) for r in conn.execute(
                select(changes).where(changes.c.id > 0).order_by(changes.c.id)
                .offset(before))]

    sheet = load_workbook(io.BytesIO(_sheet(client, d, lambda b: None)))
    blank_projects = {sheet["执行情况"].cell(r, 1).value
                      for r in range(3, sheet["执行情况"].max_row + 1)} - {None, 1, 2}
    assert len(blank_projects) == 140  # the sample's other projects, left blank
    first = upload(filled(60000))
    assert sorted(first) == sorted(
        [("put-execution", f"execution {d}/{YEAR}/全年/{seq}") for seq in (1, 2)]
        + [("put-actual", f"actual {d}/{YEAR}/全年/1/{k}") for k in (0, 1, 2)])  # from 0
    assert upload(filled(60000)) == []  # the same sheet again: nothing changed
    assert upload(filled(None)) == [("delete-execution", f"execution {d}/{YEAR}/全年/2")]
    stored = store.load_actuals(engine, d, YEAR)
    assert set(stored.executions) == {1} and len(stored.values) == 3
    # the change log as a reviewer reads it: 全年执行数 as money is shown everywhere
    reviewer, _ = _signed_in(app, "reviewer")
    page = reviewer.get("/admin/changes", params={"kind": "actuals"}).text
    assert "<ins>11,200.50</ins>" in page and "<del>60,000.00</del>" in page
    assert "11200.50" not in page and "（空）" not in page
