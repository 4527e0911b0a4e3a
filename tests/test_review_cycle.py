"""The review cycle (issue 17): every transition and refusal, two reviewers at once, the 待办
lists, a revised table compared with the last, the bureau's overview and its exports, a
document's projects filtered, the whole table's sums — on a real SQLite file and the real
PostgreSQL server, the web app driven with httpx."""

from __future__ import annotations

import csv
import io
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, inspect, select

from conftest import REPO
from jixiao import store
from jixiao.audit import audit
from jixiao.readers import read
from jixiao.store import accounts, cycle
from jixiao.store.accounts import User
from jixiao.store.schema import changes, cycle_events
from jixiao.store.store import Store
from jixiao.synthetic import generate_document
from jixiao.web import create_app
from jixiao.web.cycle_pages import router as cycle_router
from webclient import PASSWORD, login

PSB = "广州市公安局"
EDU = "广州市教育局"
EXAMPLE = REPO / "examples" / "guangzhou-psb-targets.txt"
EVIL_TITLE = "=HYPERLINK(\"http://example.invalid\",\"点我\")"


def revised_text() -> str:
    """The sample as a department revises it: project 1's 物业服务合格率 raised from 95% to
    98% and its money from 11,294.10 to 11,394.10 (the unit row and 合计 with it),
    project 2's 辅警队伍规范化 dropped."""
    text = EXAMPLE.read_text(encoding="utf-8")
    edits = [("2、产出指标：物业服务合格率；年度指标值:95%；",
              "2、产出指标：物业服务合格率；年度指标值:98%；"),
             ("业务用房物业管理费 11,294.10 11,294.10", "业务用房物业管理费 11,394.10 11,394.10"),
             ("广州市公安局 247,400.93 247,400.93", "广州市公安局 247,500.93 247,500.93"),
             ("合计 248,530.64 248,053.64 477.00", "合计 248,630.64 248,153.64 477.00"),
             ("4、效益指标：辅警队伍规范化；年度指标值:达标;\n", "")]
    for before, after in edits:
        assert text.count(before) == 1, before
        text = text.replace(before, after)
    return text


def _users(engine) -> dict[str, User]:
    return {"admin": accounts.add_user(engine, "admin", PASSWORD, "admin"),
            "reviewer": accounts.add_user(engine, "reviewer", PASSWORD, "reviewer"),
            "reviewer2": accounts.add_user(engine, "reviewer2", PASSWORD, "reviewer"),
            "psb": accounts.add_user(engine, "psb", PASSWORD, "department", PSB),
            "edu": accounts.add_user(engine, "edu", PASSWORD, "department", EDU)}


def _ingest(engine, doc, year: int | None = 2023) -> int:
    return store.ingest(engine, doc, findings=audit(doc).findings, year=year).document_id


def _act(engine, *args, **kwargs) -> cycle.DocumentState:
    return Store(engine).act_on_document(*args, **kwargs)  # the store's only way to write


def _on(engine, *args, **kwargs) -> cycle.ProjectState:
    return Store(engine).act_on_project(*args, **kwargs)


def _revise(engine, *args) -> cycle.DocumentState:
    return Store(engine).revise(*args)


def _log(engine) -> list[tuple[str, str]]:
    return [(c.action, c.entity) for c in reversed(accounts.list_changes(engine, limit=10_000))
            if c.action.startswith("cycle-")]


# ---- the library, on SQLite and PostgreSQL ---------------------------------------------


@pytest.fixture()
def bureau(db_url: str):
    engine = store.connect(db_url)
    users = _users(engine)
    doc_id = _ingest(engine, read(EXAMPLE))
    return engine, users, doc_id


def test_every_transition_with_its_history_and_change_log(bureau) -> None:
    engine, u, d = bureau
    assert cycle.document_state(engine, d) == cycle.DocumentState(d, d, 1, None, "draft", 0)
    s = _act(engine, u["psb"], d, "submit", 0)
    assert (s.state, s.revision, s.updated_by) == ("submitted", 1, "psb")
    p3 = _on(engine, u["reviewer"], d, 3, "return", 0, "故障排除时效应量化")
    assert (p3.state, p3.revision, p3.opinion) == ("returned", 1, "故障排除时效应量化")
    p5 = _on(engine, u["reviewer"], d, 5, "pass", 0)
    p5 = _on(engine, u["reviewer"], d, 5, "return", p5.revision, "目标过低")
    p5 = _on(engine, u["reviewer"], d, 5, "pass", p5.revision)  # changed mind
    assert (p5.state, p5.revision) == ("passed", 3)
    s = _act(engine, u["reviewer"], d, "return", s.revision, "请修改第3项")
    assert (s.state, s.opinion) == ("returned", "请修改第3项")
    assert {k: v.state for k, v in cycle.project_states(engine, d).items()} == {
        3: "returned", 5: "passed"}

    # the revision: a new document, version 2 of the same cycle
    new = store.ingest(engine, read_text(revised_text()), findings=[], year=2023).document_id
    v2 = _revise(engine, u["psb"], d, new, s.revision)
    assert (v2.document_id, v2.cycle_id, v2.version, v2.previous_id, v2.state) == (
        new, d, 2, d, "draft")
    assert cycle.document_state(engine, d).state == "superseded"
    v2 = _act(engine, u["psb"], new, "submit", v2.revision)
    assert cycle.project_states(engine, new) == {}  # a fresh review: every project pending
    approved = _act(engine, u["admin"], new, "approve", v2.revision)
    assert approved.state == "approved"
    states = cycle.project_states(engine, new)
    assert len(states) == 142 and {p.state for p in states.values()} == {"passed"}
    assert [v.state for v in cycle.versions(engine, d)] == ["superseded", "approved"]

    steps = [(e.document_id, e.project_seq, e.action, e.before, e.after)
             for e in cycle.history(engine, d)]
    assert steps[:8] == [
        (d, None, "submit", "draft", "submitted"), (d, 3, "return", "pending", "returned"),
        (d, 5, "pass", "pending", "passed"), (d, 5, "return", "passed", "returned"),
        (d, 5, "pass", "returned", "passed"), (d, None, "return", "submitted", "returned"),
        (d, None, "revise", "returned", "superseded"), (new, None, "version", None, "draft")]
    assert steps[8:10] == [(new, None, "submit", "draft", "submitted"),
                           (new, None, "approve", "submitted", "approved")]
    assert len(steps) == 10 + 142  # approving passes every pending project, each a step
    # every step is a change-log row too, written in the same transaction
    log = _log(engine)
    assert len(log) == len(steps)
    assert log[:3] == [("cycle-submit", f"document {d}"), ("cycle-return", f"project {d}/3"),
                       ("cycle-pass", f"project {d}/5")]
    last = accounts.list_changes(engine, limit=200)
    approve = next(c for c in last if c.action == "cycle-approve")
    assert (approve.username, approve.before, approve.after) == (
        "admin", {"state": "submitted"}, {"state": "approved", "opinion": None})


def read_text(text: str):
    from jixiao.readers import read_bytes

    return read_bytes(text.encode("utf-8"), "guangzhou-psb-targets-v2.txt")


def test_refusals_by_role_and_state_write_nothing(bureau) -> None:
    engine, u, d = bureau

    def refused(kind: type, call, *args) -> str:
        before = _log(engine)
        with pytest.raises(kind) as caught:
            call(*args)
        assert _log(engine) == before  # a refused step leaves no trace
        return caught.value.message

    act, on = _act, _on
    assert "只有" in refused(cycle.Forbidden, act, engine, u["reviewer"], d, "submit", 0)
    assert refused(cycle.Forbidden, act, engine, u["edu"], d, "submit", 0) == \
        f"这张表属于“{PSB}”，不是您的部门"
    assert "草稿" in refused(cycle.CycleError, act, engine, u["reviewer"], d, "approve", 0)
    assert "提交审核后" in refused(cycle.CycleError, on, engine, u["reviewer"], d, 1, "pass", 0)
    _act(engine, u["psb"], d, "submit", 0)
    assert refused(cycle.Conflict, act, engine, u["psb"], d, "submit", 0).startswith(
        "这张表已由 psb 于 ")  # the state it saw is gone
    assert "待审核" in refused(cycle.CycleError, act, engine, u["psb"], d, "submit", 1)
    assert "部门用户不能审核通过" in refused(cycle.Forbidden, act, engine, u["psb"], d,
                                             "approve", 1)
    assert "部门用户不能通过项目" in refused(cycle.Forbidden, on, engine, u["psb"], d, 1, "pass", 0)
    assert "需要写明审核意见" in refused(cycle.Invalid, on, engine, u["reviewer"], d, 1, "return",
                                         0, "  ")
    assert "没有第999个项目" in refused(cycle.Invalid, on, engine, u["reviewer"], d, 999, "pass", 0)
    assert "先退回至少一个项目" in refused(cycle.Invalid, act, engine, u["reviewer"], d,
                                           "return", 1)
    _on(engine, u["reviewer"], d, 7, "return", 0, "指标不可衡量")
    message = refused(cycle.CycleError, act, engine, u["reviewer"], d, "approve", 1)
    assert message.startswith("有 1 个项目被退回（序号 7），不能通过整张表")
    assert "只能在" in refused(cycle.CycleError, _revise, engine, u["psb"], d, d + 1, 1)
    assert "内容相同" in refused(cycle.Invalid, _revise, engine, u["psb"], d, d, 1)
    # a project's stale revision: refused, the opinion quoted back, nothing overwritten
    message = refused(cycle.Conflict, on, engine, u["reviewer2"], d, 7, "pass", 0, "可以通过")
    assert message.startswith("第7个项目已由 reviewer 于") and "原文：可以通过" in message
    assert cycle.project_states(engine, d)[7].opinion == "指标不可衡量"


def _race(calls: list) -> tuple[list, list[BaseException]]:
    """Run the calls in threads that leave a barrier together; their results and errors."""
    start = threading.Barrier(len(calls))
    results: list = []
    errors: list[BaseException] = []

    def run(call) -> None:
        start.wait()
        try:
            results.append(call())
        except BaseException as exc:  # counted below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def test_two_reviewers_on_one_project_one_wins_the_other_is_told(bureau) -> None:
    engine, u, d = bureau
    _act(engine, u["psb"], d, "submit", 0)
    for seq in range(1, 9):  # eight rounds, each a fresh project seen at revision 0
        results, errors = _race([
            lambda seq=seq: _on(engine, u["reviewer"], d, seq, "pass", 0),
            lambda seq=seq: _on(engine, u["reviewer2"], d, seq, "return", 0,
                                                 f"第{seq}项应退回")])
        assert len(results) == 1 and len(errors) == 1, errors
        assert isinstance(errors[0], cycle.Conflict), errors[0]
        winner = results[0]
        stored = cycle.project_states(engine, d)[seq]
        assert (stored.state, stored.revision) == (winner.state, 1)
        assert f"已由 {stored.updated_by} 于" in errors[0].message
        if winner.state == "passed":  # the loser's opinion comes back to them
            assert f"原文：第{seq}项应退回" in errors[0].message
    with engine.connect() as conn:
        per_project = dict(conn.execute(
            select(cycle_events.c.project_seq, func.count()).where(
                cycle_events.c.project_seq.is_not(None)).group_by(cycle_events.c.project_seq))
            .all())
        logged = conn.execute(select(func.count()).select_from(changes).where(
            changes.c.entity.like(f"project {d}/%"))).scalar()
    assert per_project == dict.fromkeys(range(1, 9), 1) and logged == 8


def test_an_approval_and_a_return_at_once_never_approve_a_returned_project(bureau) -> None:
    engine, u, d = bureau
    _act(engine, u["psb"], d, "submit", 0)
    results, errors = _race([
        lambda: _act(engine, u["reviewer"], d, "approve", 1),
        lambda: _on(engine, u["reviewer2"], d, 9, "return", 0, "不通过")])
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], cycle.CycleError)
    state = cycle.document_state(engine, d).state
    project = cycle.project_states(engine, d)[9].state
    assert (state, project) in (("approved", "passed"), ("submitted", "returned"))


def test_todo_lists_of_each_role(bureau) -> None:
    engine, u, d = bureau
    other = generate_document(read(EXAMPLE), seed=5, projects=6)
    other.department = EDU
    e = _ingest(engine, other, year=2024)
    old = generate_document(read(EXAMPLE), seed=9, projects=4)
    old.department = EDU
    o = _ingest(engine, old, year=2022)
    t = cycle.todo(engine, u["psb"])
    assert ([i.document_id for i in t.drafts], t.mine, t.others) == ([d], [], [])
    _act(engine, u["psb"], d, "submit", 0)
    _act(engine, u["edu"], e, "submit", 0)
    _act(engine, u["edu"], o, "submit", 0)
    assert [i.document_id for i in cycle.todo(engine, u["reviewer"]).mine] == [d, e, o]
    _on(engine, u["reviewer"], d, 2, "return", 0, "缺少产出指标")
    _on(engine, u["reviewer"], d, 4, "return", 0, "目标不明确")
    _act(engine, u["reviewer"], d, "return", 1)
    last_week = datetime.now(UTC) - timedelta(days=8)
    _act(engine, u["reviewer"], o, "approve", 1, now=last_week)
    _act(engine, u["reviewer"], e, "approve", 1)
    mine = cycle.todo(engine, u["psb"]).mine
    assert [(i.document_id, i.state, i.returned) for i in mine] == [(d, "returned", 2)]
    reviewer = cycle.todo(engine, u["reviewer"])
    assert reviewer.mine == [] and [i.document_id for i in reviewer.others] == [d]
    assert [i.document_id for i in reviewer.approved] == [e]  # o was approved last week
    assert [i.document_id for i in cycle.todo(engine, u["edu"]).approved] == [e]
    assert cycle.todo(engine, u["edu"]).mine == []


def test_migration_0010_from_a_0009_database(db_url: str) -> None:
    from jixiao.store.migrate import current, downgrade, upgrade

    engine = store.connect(db_url)
    doc_id = _ingest(engine, read(EXAMPLE))  # today's ingest, then the store taken to 0009
    assert downgrade(engine, "0009") == "0009"
    assert "cycle_documents" not in inspect(engine).get_table_names()
    assert upgrade(engine) == "0013" and current(engine) == "0013"
    assert {"cycle_documents", "cycle_projects", "cycle_events"} <= set(
        inspect(engine).get_table_names())
    user = accounts.add_user(engine, "psb", PASSWORD, "department", PSB)
    assert _act(engine, user, doc_id, "submit", 0).state == "submitted"
    assert downgrade(engine, "0009") == "0009"
    assert "cycle_events" not in inspect(engine).get_table_names()
    assert upgrade(engine) == "0013" and upgrade(engine) == "0013"  # again: nothing to do
    assert cycle.document_state(engine, doc_id).state == "draft"


# ---- the web app -------------------------------------------------------------------------


@dataclass
class Site:
    app: object
    engine: object
    psb: int
    edu: int

    def client(self, user: str) -> TestClient:
        client = TestClient(self.app, base_url="https://testserver")
        client.csrf = login(client, user)  # type: ignore[attr-defined]
        return client


@pytest.fixture()
def site(tmp_path: Path) -> Site:
    app = create_app(str(tmp_path / "cycle.sqlite"))
    engine = app.state.engine
    _users(engine)
    psb = _ingest(engine, read(EXAMPLE))
    other = generate_document(read(EXAMPLE), seed=5, projects=12)
    other.department, other.title = EDU, EVIL_TITLE
    edu = _ingest(engine, other, year=2024)
    return Site(app, engine, psb, edu)


def _post(client: TestClient, url: str, **data) -> object:
    return client.post(url, data={"csrf": client.csrf, **data}, follow_redirects=False)


def test_the_cycle_through_the_pages_with_a_revised_upload(site: Site, tmp_path: Path) -> None:
    psb, rev = site.client("psb"), site.client("reviewer")
    d = site.psb
    page = psb.get(f"/documents/{d}").text
    assert 'id="cycle-state">草稿<' in page and 'id="cycle-submit"' in page
    assert _post(psb, f"/documents/{d}/cycle", action="submit", revision=0).status_code == 303
    assert "待我审核（<span id=\"mine-count\">1</span>）" in rev.get("/todo").text
    for seq, why in ((3, "故障排除时效应写明小时数"), (41, "满意度指标缺少调查方式")):
        assert _post(rev, f"/documents/{d}/projects/{seq}/cycle", action="return", revision=0,
                     opinion=why).status_code == 303
    # a second click on a stale page: 409, told who did what, the text not lost
    stale = _post(rev, f"/documents/{d}/projects/3/cycle", action="pass", revision=0,
                  opinion="再看一遍")
    assert stale.status_code == 409 and "已由 reviewer 于" in stale.text
    assert "再看一遍" in stale.text
    assert _post(rev, f"/documents/{d}/cycle", action="return", revision=1,
                 opinion="两个项目需修改").status_code == 303
    # the department sees what was returned and why
    todo = psb.get("/todo").text
    assert "退回给我的（<span id=\"mine-count\">1</span>）" in todo and "两个项目需修改" in todo
    page = psb.get(f"/documents/{d}").text
    assert "退回的项目（2）" in page and "故障排除时效应写明小时数" in page
    assert psb.get(f"/documents/{d}", params={"state": "returned"}).text.count(
        'class="state-returned"') == 2
    assert "满意度指标缺少调查方式" in psb.get(f"/documents/{d}/projects/41").text
    # the revised table, uploaded as the next version
    revised = revised_text().encode("utf-8")
    response = psb.post(f"/documents/{d}/versions", data={"csrf": psb.csrf, "revision": 2},
                        files={"file": ("psb-2023-v2.txt", revised, "text/plain")},
                        follow_redirects=False)
    assert response.status_code == 303
    new = int(response.headers["location"].split("/")[2])
    diff = psb.get(f"/documents/{new}/revision").text
    for key, n in (("n-changed", 2), ("n-added", 0), ("n-dropped", 0), ("n-money", 1),
                   ("t-raised", 1), ("t-dropped", 1), ("t-lowered", 0), ("t-rewritten", 0)):
        assert f'id="{key}">{n}<' in diff, key
    assert "<del>95%</del> → <ins>98%</ins>" in diff and "辅警队伍规范化" in diff
    assert "11,294.10 → 11,394.10" in diff
    api = psb.get(f"/api/v1/documents/{new}/revision").json()
    changed = {p["project"]: p for p in api["projects"]}
    assert changed[1]["total_before"] == "11294.10" and changed[1]["total_after"] == "11394.10"
    assert changed[1]["targets"] == [{"indicator": "物业服务合格率", "before": "95%",
                                      "after": "98%", "change": "raised"}]
    assert changed[2]["targets"] == [{"indicator": "辅警队伍规范化", "before": "达标",
                                      "after": None, "change": "dropped"}]
    assert (api["total_before"], api["total_after"]) == ("247400.91", "247500.91")
    # the returned version is superseded; the new one is submitted and approved
    assert 'id="cycle-state">已修订<' in psb.get(f"/documents/{d}").text
    assert _post(psb, f"/documents/{new}/cycle", action="submit", revision=1).status_code == 303
    assert _post(rev, f"/documents/{new}/cycle", action="approve", revision=2).status_code == 303
    cycle_json = rev.get(f"/api/v1/documents/{new}/cycle").json()
    assert (cycle_json["state"], cycle_json["version"], cycle_json["cycle_id"]) == (
        "approved", 2, d)
    assert [v["state"] for v in cycle_json["versions"]] == ["superseded", "approved"]
    assert "本周通过（1）" in psb.get("/todo").text


def test_the_api_refuses_in_chinese_with_the_status_of_each_refusal(site: Site) -> None:
    psb, rev = site.client("psb"), site.client("reviewer")
    d = site.psb
    headers = {"X-CSRF-Token": psb.csrf}
    wrong = psb.post(f"/api/v1/documents/{d}/cycle", json={"action": "approve", "revision": 0},
                     headers=headers)
    assert wrong.status_code == 409 and wrong.json()["error"]["code"] == "refused"
    ok = psb.post(f"/api/v1/documents/{d}/cycle", json={"action": "submit", "revision": 0},
                  headers=headers)
    assert ok.status_code == 200 and ok.json()["state"] == "submitted"
    role = psb.post(f"/api/v1/documents/{d}/projects/1/cycle",
                    json={"action": "pass", "revision": 0}, headers=headers)
    assert role.status_code == 403 and "部门用户不能通过项目" in role.json()["error"]["message"]
    empty = rev.post(f"/api/v1/documents/{d}/projects/1/cycle",
                     json={"action": "return", "revision": 0},
                     headers={"X-CSRF-Token": rev.csrf})
    assert empty.status_code == 422 and "审核意见" in empty.json()["error"]["message"]
    passed = rev.post(f"/api/v1/documents/{d}/projects/1/cycle",
                      json={"action": "pass", "revision": 0},
                      headers={"X-CSRF-Token": rev.csrf})
    assert passed.status_code == 200 and passed.json()["state"] == "passed"
    again = rev.post(f"/api/v1/documents/{d}/projects/1/cycle",
                     json={"action": "return", "revision": 0, "opinion": "晚了一步"},
                     headers={"X-CSRF-Token": rev.csrf})
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    # another department's document does not exist, for every cycle endpoint
    edu = site.client("edu")
    for method, url, kwargs in (
            ("GET", f"/api/v1/documents/{d}/cycle", {}),
            ("POST", f"/api/v1/documents/{d}/cycle",
             {"json": {"action": "submit", "revision": 1}}),
            ("POST", f"/api/v1/documents/{d}/projects/1/cycle",
             {"json": {"action": "pass", "revision": 1}}),
            ("GET", f"/api/v1/documents/{d}/revision", {}),
            ("GET", f"/documents/{d}/revision", {}), ("GET", f"/documents/{d}/review.xlsx", {}),
            ("POST", f"/documents/{d}/cycle", {"data": {"csrf": edu.csrf, "action": "submit",
                                                        "revision": 1}})):
        response = edu.request(method, url, headers={"X-CSRF-Token": edu.csrf}, **kwargs)
        assert response.status_code == 404, (method, url)
    assert [r["document_id"] for r in edu.get("/api/v1/overview").json()["items"]] == [site.edu]
    assert cycle.document_state(site.engine, d).revision == 1  # nothing the others did stuck


def test_the_cycle_pages_refuse_the_anonymous(site: Site) -> None:
    client = TestClient(site.app, base_url="https://testserver")
    for route in cycle_router.routes:
        for method in route.methods:
            path = route.path.replace("{doc_id}", "1").replace("{seq}", "1")
            response = client.request(method, path, follow_redirects=False)
            assert response.status_code == 303, (method, path)
            assert response.headers["location"].startswith("/login")


def _expected_overview(site: Site) -> dict[int, dict]:
    """What the overview must say, computed from the store by the library itself."""
    expected = {}
    for summary in store.list_documents(site.engine):
        doc = store.load_document(site.engine, summary.id)
        from jixiao.audit import AuditReport

        report = AuditReport("default", store.load_findings(site.engine, summary.id),
                             [p.seq for p in doc.projects])
        grades = report.verdicts().values()
        expected[summary.id] = {
            "department": doc.department, "projects": len(doc.projects),
            "verdicts": {g: sum(v == g for v in grades) for g in "优良中差"},
            "total": format(summary.total, "f"),
            "findings": dict(report.counts())}
    return expected


def test_the_overview_against_the_store_and_its_exports(site: Site) -> None:
    rev = site.client("reviewer")
    psb = site.client("psb")
    _post(psb, f"/documents/{site.psb}/cycle", action="submit", revision=0)
    _post(rev, f"/documents/{site.psb}/projects/3/cycle", action="return", revision=0,
          opinion="需修改")
    expected = _expected_overview(site)
    items = {r["document_id"]: r for r in rev.get("/api/v1/overview").json()["items"]}
    assert set(items) == {site.psb, site.edu}
    for doc_id, want in expected.items():
        got = items[doc_id]
        assert {k: got[k] for k in want} == want
    assert expected[site.psb]["verdicts"] == {"优": 61, "良": 71, "中": 10, "差": 0}
    assert (items[site.psb]["state"], items[site.psb]["returned"], items[site.psb]["waiting"]) \
        == ("submitted", 1, 141)
    assert items[site.psb]["grand_total"] == "248530.64"
    # filters and sort, on the page and in the exports
    page = rev.get("/overview", params={"rule": "A3-grand-total"}).text
    assert 'id="row-count">1<' in page and "/overview.csv?rule=A3-grand-total" in page
    assert f'data-id="{site.edu}"' not in page
    table = rev.get("/overview.csv", params={"sort": "total", "order": "desc"})
    assert table.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert rows[0][:7] == ["编号", "部门", "年度", "标题", "版本", "状态", "项目数"]
    larger_first = sorted(expected, key=lambda k: -Decimal(expected[k]["total"]))
    assert [int(r[0]) for r in rows[1:]] == larger_first
    first = dict(zip(rows[0], next(r for r in rows if r[0] == str(site.psb)), strict=True))
    assert (first["部门"], first["状态"], first["优"], first["总计（万元）"], first["合计（万元）"],
            first["退回项目"]) == (PSB, "待审核", "61", "247400.91", "248530.64", "1")
    assert next(r for r in rows if r[0] == str(site.edu))[3] == "'" + EVIL_TITLE  # as text
    only_edu = list(csv.reader(io.StringIO(rev.get("/overview.csv", params={
        "department": EDU}).content.decode("utf-8-sig"))))
    assert [r[0] for r in only_edu[1:]] == [str(site.edu)]
    book = load_workbook(io.BytesIO(rev.get("/overview.xlsx", params={
        "state": "submitted"}).content))
    sheet = book["总览"]
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 2 and values[1][0] == site.psb
    assert values[1][11] == pytest.approx(247400.91) and values[1][12] == pytest.approx(248530.64)
    assert dict(book["筛选条件"].iter_rows(values_only=True))["状态"] == "待审核"
    all_rows = load_workbook(io.BytesIO(rev.get("/overview.xlsx").content))["总览"]
    cell = next(c for c in all_rows["D"] if c.value == EVIL_TITLE)
    assert cell.data_type == "s"  # text, not a formula
    # a department sees only its own in the overview
    assert [r["document_id"] for r in psb.get("/api/v1/overview").json()["items"]] == [site.psb]


def test_a_documents_projects_filtered_and_sorted_and_its_whole_table_findings(
        site: Site) -> None:
    rev = site.client("reviewer")
    d = site.psb
    doc = read(EXAMPLE)
    page = rev.get(f"/documents/{d}").text
    assert 'id="grand-gap">1,129.71<' in page and 'id="unit-gap">0.02<' in page
    assert 'id="check-units">247,400.93<' in page and 'id="check-projects">247,400.91<' in page
    assert "<code>A3-grand-total</code>" in page and "<code>A2-unit-subtotal</code>" in page
    assert "<code>grand-total</code>" in page and "<code>unit-subtotal</code>" in page
    assert "合计 248,530.64万元比唯一单位的小计 247,400.93万元多 1,129.71万元" in page

    def listed(**params) -> list[int]:
        found = rev.get(f"/api/v1/documents/{d}/projects", params={"limit": 500, **params})
        assert found.status_code == 200, found.text
        return [p["seq"] for p in found.json()["items"]]

    assert len(listed(verdict="中")) == 10
    assert listed(rule="Q5-direction-conflict") == [100]
    totals = {p.seq: p.amounts.total for p in doc.projects}
    big = listed(min="10000")
    assert big == sorted(s for s, t in totals.items() if t >= 10000) and big
    assert listed(min="100", max="102.85") == sorted(
        s for s, t in totals.items() if Decimal(100) <= t <= Decimal("102.85"))
    by_money = listed(sort="total", order="desc")
    assert by_money[0] == max(totals, key=lambda s: totals[s])
    satisfaction = listed(category="满意度指标")
    assert 4 in satisfaction and 1 not in satisfaction
    # the page shows the same rows
    shown = rev.get(f"/documents/{d}", params={"verdict": "中"}).text
    assert 'id="shown-count">10<' in shown and shown.count('<tr id="p') == 10
    assert rev.get(f"/documents/{d}", params={"min": "abc"}).status_code == 422
    _post(site.client("psb"), f"/documents/{d}/cycle", action="submit", revision=0)
    _post(rev, f"/documents/{d}/projects/100/cycle", action="return", revision=0,
          opinion="方向写反了")
    assert listed(state="returned") == [100]
    assert len(listed(state="pending")) == 141


def test_review_xlsx_has_the_state_beside_each_opinion(site: Site) -> None:
    psb, rev = site.client("psb"), site.client("reviewer")
    d = site.psb
    _post(psb, f"/documents/{d}/cycle", action="submit", revision=0)
    _post(rev, f"/documents/{d}/projects/100/cycle", action="return", revision=0,
          opinion="系统故障率应为≤")
    findings = rev.get(f"/api/v1/documents/{d}/findings", params={"rule":
                                                                  "Q5-direction-conflict"})
    position = findings.json()["items"][0]["id"]
    _post(rev, f"/documents/{d}/projects/100/opinions", text="方向与指标相反",
          finding=str(position))
    book = load_workbook(io.BytesIO(rev.get(f"/documents/{d}/review.xlsx").content))
    rows = list(book["审核意见"].iter_rows(values_only=True))
    assert rows[0][-2:] == ("状态", "审核意见") and len(rows) == 170
    q5 = next(r for r in rows[1:] if r[5].startswith("Q5-direction-conflict"))
    assert (q5[0], q5[-2], q5[-1]) == (100, "退回", "reviewer：方向与指标相反")
    verdicts = {r[0]: r for r in book["项目结论"].iter_rows(min_row=2, values_only=True)}
    assert verdicts[100][-2:] == ("退回", "系统故障率应为≤")
    assert verdicts[1][-2:] == ("待审核", None)


def test_the_overview_page_shows_a_page_of_rows_and_counts_them_all(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows a page at a time (a bureau's thousands of tables), the count, the filters and
    the exports over all of them; a page past the end shows the last."""
    from jixiao.web import cycle_pages

    monkeypatch.setattr(cycle_pages, "OVERVIEW_PAGE", 1)
    rev = site.client("reviewer")
    first, second = (rev.get("/overview", params={"sort": "total", "order": "desc",
                                                  "page": n}).text for n in (1, 2))
    assert 'id="row-count">2<' in first and 'id="row-count">2<' in second
    rows = list(csv.reader(io.StringIO(rev.get("/overview.csv", params={
        "sort": "total", "order": "desc"}).content.decode("utf-8-sig"))))
    assert len(rows) == 3  # the export is not paged: both, larger first
    order = [r[0] for r in rows[1:]]
    assert sorted(order) == sorted([str(site.psb), str(site.edu)])
    shown = [re.findall(r'<tr data-id="(\d+)"', page) for page in (first, second)]
    assert shown == [order[:1], order[1:]] and "第 2 / 2 页" in second
    assert "page=2" in first and "sort=total" in first  # the next page keeps the order
    last = rev.get("/overview", params={"sort": "total", "order": "desc", "page": 9}).text
    assert re.findall(r'<tr data-id="(\d+)"', last) == order[1:]
