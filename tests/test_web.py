"""The web app and the API over a real SQLite file: pages, API, roles, CSRF, uploads."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from conftest import SAMPLE
from jixiao import store
from jixiao.audit import audit
from jixiao.compare import copied
from jixiao.interchange import to_dict
from jixiao.readers import read
from jixiao.store import accounts
from jixiao.synthetic import generate_document
from jixiao.web import create_app
from jixiao.web.pages import router as pages_router
from webclient import PASSWORD, csrf_of, login

PSB = "广州市公安局"
EDU = "广州市教育局"


@dataclass
class Site:
    app: object
    engine: object
    psb: int  # the sample's document id
    edu: int  # another department's document

    def client(self, user: str | None = None) -> TestClient:
        client = TestClient(self.app, base_url="https://testserver")
        if user:
            client.csrf = login(client, user)  # type: ignore[attr-defined]
        return client


@pytest.fixture()
def site(tmp_path: Path) -> Site:
    app = create_app(str(tmp_path / "web.sqlite"), upload_limit=2 * 1024 * 1024)
    engine = app.state.engine
    accounts.add_user(engine, "admin", PASSWORD, "admin")
    accounts.add_user(engine, "reviewer", PASSWORD, "reviewer")
    accounts.add_user(engine, "psb", PASSWORD, "department", PSB)
    accounts.add_user(engine, "edu", PASSWORD, "department", EDU)
    doc = read(SAMPLE)
    psb = store.ingest(engine, doc, findings=audit(doc).findings, year=2023).document_id
    other = generate_document(doc, seed=5, projects=12)
    other.department = EDU
    edu = store.ingest(engine, other, findings=audit(other).findings).document_id
    return Site(app, engine, psb, edu)


# ---- nobody gets in without signing in -------------------------------------------------


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_page_and_endpoint_refuses_the_anonymous(site: Site) -> None:
    client = site.client()
    schema = client.get("/api/v1/openapi.json").json()
    api_calls = [(m.upper(), _concrete(p)) for p, ops in schema["paths"].items() for m in ops]
    assert len(api_calls) >= 14
    for method, path in api_calls:
        response = client.request(method, path)
        assert response.status_code == 401, (method, path)
        assert response.json()["error"]["code"] == "not-signed-in"
    pages = [(m, _concrete(r.path)) for r in pages_router.routes for m in r.methods
             if r.path not in ("/login",)]
    assert len(pages) >= 15
    for method, path in pages:
        response = client.request(method, path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith(
            "/login"), (method, path)


def test_login_sets_a_secure_http_only_cookie_and_wrong_passwords_fail(site: Site) -> None:
    client = site.client()
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]
    bad = client.post("/login", data={"username": "psb", "password": "wrong password",
                                      "csrf": token})
    assert bad.status_code == 401 and "用户名或密码错误" in bad.text
    no_csrf = client.post("/login", data={"username": "psb", "password": PASSWORD})
    assert no_csrf.status_code == 403
    ok = client.post("/login", data={"username": "psb", "password": PASSWORD, "csrf": token},
                     follow_redirects=False)
    cookie = ok.headers["set-cookie"]
    assert "jixiao_session=" in cookie and "HttpOnly" in cookie and "Secure" in cookie
    assert "SameSite=lax" in cookie
    assert client.get("/documents").status_code == 200
    client.post("/logout", data={"csrf": csrf_of(client)})
    assert client.get("/documents", follow_redirects=False).status_code == 303


# ---- the pages -------------------------------------------------------------------------


def test_document_page_shows_the_projects_and_totals(site: Site) -> None:
    client = site.client("reviewer")
    page = client.get(f"/documents/{site.psb}")
    assert page.status_code == 200
    assert '<span id="project-count">142</span>' in page.text
    assert '<td class="num" id="grand-total">248,530.64</td>' in page.text
    assert page.text.count('href="/documents/1/projects/') == 142
    assert "<svg" in page.text and "审核结论" in page.text
    listing = client.get("/documents")
    assert PSB in listing.text and EDU in listing.text


def test_project_page_shows_fields_with_their_source_lines(site: Site) -> None:
    client = site.client("reviewer")
    doc = read(SAMPLE)
    project = doc.projects[40]
    page = client.get(f"/documents/{site.psb}/projects/41").text
    assert str(escape(project.name)) in page
    first = project.indicators[0]
    span = first.span
    lines = (f"第{span.first_line}行" if span.first_line == span.last_line
             else f"第{span.first_line}–{span.last_line}行")
    assert lines in page and str(escape(first.raw)) in page
    assert "绩效目标" in page and str(escape(project.goal)) in page


def test_search_page_finds_failure_rates(site: Site) -> None:
    page = site.client("reviewer").get("/search", params={"q": "故障率"}).text
    count = sum("故障率" in i.name for p in read(SAMPLE).projects for i in p.indicators)
    assert f"共找到 {count} 处" in page
    # a department user searches its own department only
    assert "共找到 0 处" in site.client("edu").get("/search", params={"q": "故障率"}).text


def test_compare_and_rules_pages(site: Site) -> None:
    client = site.client("reviewer")
    page = client.get("/compare", params={"name": "系统故障率"}).text
    assert page.count('class="outlier"') == 1 and "达到90%" in page and "<svg" in page
    rules = client.get("/rules").text
    assert rules.count("<code>") == 23


def test_a_department_user_enters_an_actual_and_the_score_changes(site: Site) -> None:
    client = site.client("psb")
    url = f"/documents/{site.psb}/projects/1"
    before = re.search(r'id="score-total">([\d.]+)<', client.get(url).text)[1]
    project = read(SAMPLE).projects[0]
    for k, indicator in enumerate(project.indicators):
        response = client.post(f"{url}/actuals", data={
            "csrf": client.csrf, "year": 2023, "position": k, "value": indicator.target,
            "reason": ""}, follow_redirects=False)
        assert response.status_code == 303
    after = re.search(r'id="score-total">([\d.]+)<', client.get(url).text)[1]
    assert Decimal(after) > Decimal(before)
    changes = accounts.list_changes(site.engine)
    assert changes[0].action == "put-actual" and changes[0].username == "psb"
    assert changes[0].after["value"] == project.indicators[-1].target


def test_reviewers_write_opinions_but_not_actuals(site: Site) -> None:
    client = site.client("reviewer")
    url = f"/documents/{site.psb}/projects/100"
    response = client.post(f"{url}/opinions", data={"csrf": client.csrf, "text": "方向写反了",
                                                     "finding": ""})
    assert response.status_code == 200 and "方向写反了" in response.text
    refused = client.post(f"{url}/actuals", data={"csrf": client.csrf, "year": 2023,
                                                  "position": 0, "value": "1%"})
    assert refused.status_code == 403


def test_forms_need_the_csrf_token(site: Site) -> None:
    client = site.client("psb")
    url = f"/documents/{site.psb}/projects/1"
    for data in ({}, {"csrf": "forged"}):
        response = client.post(f"{url}/actuals", data={"year": 2023, "position": 0,
                                                       "value": "1", **data})
        assert response.status_code == 403 and 'data-code="csrf"' in response.text \
            and "表单已过期" in response.text
    assert store.load_actuals(site.engine, site.psb, 2023).values == {}


def test_script_tags_and_sql_are_stored_and_shown_as_text(site: Site) -> None:
    client = site.client("psb")
    url = f"/documents/{site.psb}/projects/2"
    evil = "<script>alert(1)</script>'; DROP TABLE users; --"
    client.post(f"{url}/opinions", data={"csrf": client.csrf, "text": evil})
    # as a value it is refused (not a number), and shown back as text beside the field
    refused = client.post(f"{url}/actuals", data={
        "csrf": client.csrf, "year": 2023, "position": 0, "value": evil[:200], "reason": evil})
    assert refused.status_code == 422 and "<script>alert(1)</script>" not in refused.text
    assert str(escape(evil)) in refused.text
    assert (2, 0) not in store.load_actuals(site.engine, site.psb, 2023).values
    target = read(SAMPLE).projects[1].indicators[0].target
    client.post(f"{url}/actuals", data={"csrf": client.csrf, "year": 2023, "position": 0,
                                        "value": target, "reason": evil})
    page = client.get(url).text
    assert "<script>alert(1)</script>" not in page
    assert str(escape(evil)) in page
    assert [o.text for o in accounts.list_opinions(site.engine, site.psb, 2)] == [evil]
    assert store.load_actuals(site.engine, site.psb, 2023).values[(2, 0)].reason == evil
    assert len(accounts.list_users(site.engine)) == 4  # the table is still there
    hits = client.get("/api/v1/search", params={"q": "'; DROP"}).json()
    assert hits["total"] == 0


# ---- departments stay in their own house -----------------------------------------------


def test_a_department_user_cannot_reach_another_departments_document(site: Site) -> None:
    client = site.client("edu")
    doc = site.psb
    for path in (f"/documents/{doc}", f"/documents/{doc}/projects/1"):
        assert client.get(path).status_code == 404, path
    for path in (f"/documents/{doc}/projects/1/actuals", f"/documents/{doc}/projects/1/opinions",
                 f"/documents/{doc}/delete"):
        response = client.post(path, data={"csrf": client.csrf, "year": 2023, "position": 0,
                                           "value": "1", "text": "x"})
        assert response.status_code in (403, 404), path
    headers = {"X-CSRF-Token": client.csrf}
    schema = client.get("/api/v1/openapi.json").json()
    tried = 0
    for path, ops in schema["paths"].items():
        if "{doc_id}" not in path:
            continue
        concrete = path.replace("{doc_id}", str(doc)).replace("{seq}", "1").replace(
            "{year}", "2023")
        for method in ops:
            body = ({"values": [{"project": 1, "indicator": 0, "value": "1"}]}
                    if method == "put" else {"text": "x"} if method == "post" else None)
            response = client.request(method.upper(), concrete, json=body, headers=headers)
            assert response.status_code == 404, (method, concrete, response.text)
            tried += 1
    assert tried >= 10
    listing = client.get("/api/v1/documents").json()
    assert [d["department"] for d in listing["items"]] == [EDU]
    assert store.load_actuals(site.engine, doc, 2023).values == {}
    assert accounts.list_opinions(site.engine, doc) == []
    # and their own document is theirs
    assert client.get(f"/documents/{site.edu}").status_code == 200


def test_a_department_user_cannot_upload_another_departments_table(site: Site) -> None:
    client = site.client("edu")
    response = client.post("/api/v1/documents", headers={"X-CSRF-Token": client.csrf},
                           files={"file": ("psb.txt", SAMPLE.read_bytes(), "text/plain")})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "other-department"


# ---- uploads ---------------------------------------------------------------------------


def test_upload_through_the_page_then_its_summary(tmp_path: Path) -> None:
    app = create_app(str(tmp_path / "u.sqlite"))
    accounts.add_user(app.state.engine, "admin", PASSWORD, "admin")
    client = TestClient(app, base_url="https://testserver")
    csrf = login(client, "admin")
    response = client.post("/documents", data={"csrf": csrf},
                           files={"file": ("targets.txt", SAMPLE.read_bytes(), "text/plain")},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/documents/1"
    assert '<span id="project-count">142</span>' in client.get("/documents/1").text
    htmx = client.post("/documents", data={"csrf": csrf}, headers={"HX-Request": "true"},
                       files={"file": ("again.txt", SAMPLE.read_bytes(), "text/plain")})
    assert htmx.status_code == 204 and htmx.headers["HX-Redirect"] == "/documents/1"
    assert accounts.list_changes(app.state.engine)[0].action == "upload"


def test_upload_limits_are_enforced_with_a_clear_message(site: Site) -> None:
    client = site.client("admin")
    headers = {"X-CSRF-Token": client.csrf}

    def upload(name: str, data: bytes):
        return client.post("/api/v1/documents", headers=headers,
                           files={"file": (name, data, "application/octet-stream")})

    big = upload("big.txt", b"x" * (2 * 1024 * 1024 + 1))
    assert big.status_code == 413 and "2 MB" in big.json()["error"]["message"]
    png = upload("scan.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    assert png.status_code == 415 and png.json()["error"]["code"] == "unsupported-type"
    assert upload("empty.txt", b"").status_code == 400
    broken = upload("bad.txt", "项目名称\n什么也没有\n".encode())
    assert broken.status_code == 422 and broken.json()["error"]["code"] == "no-table"
    assert len(store.list_documents(site.engine)) == 2  # nothing half-stored
    page = client.post("/documents", data={"csrf": client.csrf}, headers={"HX-Request": "1"},
                       files={"file": ("big.txt", b"x" * (2 * 1024 * 1024 + 1), "text/plain")})
    assert page.status_code == 413 and page.text.startswith("文件超过 2 MB")


# ---- the API ---------------------------------------------------------------------------


def test_api_with_a_token_lists_pages_and_filters(site: Site) -> None:
    browser = site.client("reviewer")
    page = browser.post("/account/tokens", data={"csrf": browser.csrf, "name": "script"})
    token = re.search(r'id="new-token">([^<]+)<', page.text)[1]
    api = TestClient(site.app, headers={"Authorization": f"Bearer {token}"})
    docs = api.get("/api/v1/documents", params={"limit": 1}).json()
    assert docs["total"] == 2 and len(docs["items"]) == 1
    detail = api.get(f"/api/v1/documents/{site.psb}").json()
    assert detail["grand_total"] == "248530.64" and detail["projects"] == 142
    assert sum(detail["verdicts"].values()) == 142
    projects = api.get(f"/api/v1/documents/{site.psb}/projects",
                       params={"limit": 10, "offset": 140}).json()
    assert projects["total"] == 142 and [p["seq"] for p in projects["items"]] == [141, 142]
    project = api.get(f"/api/v1/documents/{site.psb}/projects/100").json()
    assert any(i["target"] == "达到90%" for i in project["indicators"])
    findings = api.get(f"/api/v1/documents/{site.psb}/findings",
                       params={"rule": "Q3-few-indicators"}).json()
    assert findings["total"] == 5 == sum(f.rule == "Q3-few-indicators"
                                         for f in audit(read(SAMPLE)).findings)
    indicators = api.get(f"/api/v1/documents/{site.psb}/indicators",
                         params={"name": "故障率", "limit": 500}).json()
    assert indicators["total"] == sum("故障率" in i.name for p in read(SAMPLE).projects
                                      for i in p.indicators)
    hits = api.get("/api/v1/search", params={"q": "故障率", "limit": 3}).json()
    assert hits["total"] > 3 and len(hits["items"]) == 3
    comparison = api.get("/api/v1/compare/indicator", params={"name": "系统故障率"}).json()
    assert comparison["groups"][0]["median"] == "3.5"
    series = api.get("/api/v1/compare/project",
                     params={"name": read(SAMPLE).projects[99].name}).json()
    assert [y["year"] for y in series["years"]] == [2023] and series["undated"] == 0
    copies = api.get("/api/v1/compare/copies", params={"what": "goal", "limit": 100}).json()
    expected = copied(site.engine, what="goal", limit=100)  # tested in test_compare.py
    assert [c["text"] for c in copies] == [g.text for g in expected]
    assert all(len(c["projects"]) >= 2 for c in copies)
    assert api.get("/api/v1/compare/copies", params={"what": "x"}).status_code == 422
    missing = api.get("/api/v1/documents/999")
    assert missing.status_code == 404 and missing.json() == {
        "error": {"code": "not-found", "message": "没有找到这份文件"}}
    bad = api.get("/api/v1/documents", params={"limit": 0})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid"


def test_api_actuals_and_scores_for_the_departments_own_project(site: Site) -> None:
    client = site.client("psb")
    headers = {"X-CSRF-Token": client.csrf}
    url = f"/api/v1/documents/{site.psb}"
    before = {s["project"]: s for s in client.get(f"{url}/scores/2023").json()}
    project = read(SAMPLE).projects[2]
    body = {"values": [{"project": 3, "indicator": k, "value": i.target}
                       for k, i in enumerate(project.indicators)]}
    assert client.put(f"{url}/actuals/2023", json=body).status_code == 403  # no CSRF header
    put = client.put(f"{url}/actuals/2023", json=body, headers=headers)
    assert put.status_code == 200 and len(put.json()["values"]) == len(project.indicators)
    after = {s["project"]: s for s in client.get(f"{url}/scores/2023").json()}
    assert Decimal(after[3]["total"]) > Decimal(before[3]["total"])
    assert after[1] == before[1]
    wrong = client.put(f"{url}/actuals/2023", headers=headers,
                       json={"values": [{"project": 3, "indicator": 99, "value": "1"}]})
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "no-indicator"


def test_deleting_a_document_is_for_reviewers_and_recorded(site: Site) -> None:
    psb = site.client("psb")
    assert psb.delete(f"/api/v1/documents/{site.psb}",
                      headers={"X-CSRF-Token": psb.csrf}).status_code == 403
    reviewer = site.client("reviewer")
    assert reviewer.delete(f"/api/v1/documents/{site.psb}",
                           headers={"X-CSRF-Token": reviewer.csrf}).status_code == 204
    assert reviewer.get(f"/api/v1/documents/{site.psb}").status_code == 404
    change = accounts.list_changes(site.engine)[0]
    assert change.action == "delete" and change.before["projects"] == 142


def test_admin_pages_are_for_admins(site: Site) -> None:
    assert site.client("reviewer").get("/admin/users").status_code == 403
    admin = site.client("admin")
    response = admin.post("/admin/users", data={"csrf": admin.csrf, "username": "new",
                                                 "password": "short", "role": "reviewer"})
    assert response.status_code == 400 and "8" in response.text
    admin.post("/admin/users", data={"csrf": admin.csrf, "username": "new",
                                     "password": PASSWORD, "role": "reviewer"})
    assert "new" in [u.username for u in accounts.list_users(site.engine)]
    assert "add-user" in admin.get("/admin/changes").text
    accounts.add_user(site.engine, "typo", PASSWORD, "department", "广州市公安")
    departments = admin.get("/admin/departments").text
    assert re.search(r"<td>广州市公安局</td><td class=\"num\">1</td><td>psb</td>", departments)
    assert "广州市公安：typo" in departments
    assert site.client("reviewer").get("/admin/departments").status_code == 403


def test_an_admin_keeps_a_rule_profile_that_reviews_every_upload(site: Site) -> None:
    admin = site.client("admin")
    bad = admin.post("/admin/rules", data={"csrf": admin.csrf,
                                           "toml": '[rules.NOPE]\nenabled = false'})
    assert bad.status_code == 400 and "不是任何规则" in bad.text
    toml = 'name = "本局方案"\n[rules.Q4-vague-target]\nenabled = false\n'
    assert admin.post("/admin/rules", data={"csrf": admin.csrf, "toml": toml},
                      follow_redirects=False).status_code == 303
    assert admin.post("/admin/rules/active", data={"csrf": admin.csrf, "name": "本局方案"},
                      follow_redirects=False).status_code == 303
    rules = admin.get("/rules").text
    assert '<strong id="profile">本局方案</strong>' in rules and rules.count('class="off"') == 1
    doc = read(SAMPLE)
    doc.department = "广州市司法局"  # a new table: reviewed at upload by the active profile

    upload = admin.post("/api/v1/documents", headers={"X-CSRF-Token": admin.csrf}, files={
        "file": ("sfj.json", json.dumps(to_dict(doc), ensure_ascii=False).encode(),
                 "application/json")})
    assert upload.status_code == 201, upload.text
    stored = store.load_findings(site.engine, upload.json()["id"])
    default = audit(doc).findings
    assert sum(f.rule == "Q4-vague-target" for f in default) == 34
    assert [f for f in default if f.rule != "Q4-vague-target"] == stored
    assert site.client("reviewer").get("/admin/rules").status_code == 403
    assert accounts.list_changes(site.engine)[1].action == "activate-profile"


def test_a_document_deleted_through_another_server_process_is_gone(site: Site) -> None:
    other = create_app(str(site.engine.url.database))  # a second worker on the same file
    reader = TestClient(other, base_url="https://testserver")
    login(reader, "reviewer")
    assert reader.get(f"/documents/{site.psb}").status_code == 200  # now in its cache
    reviewer = site.client("reviewer")
    assert reviewer.delete(f"/api/v1/documents/{site.psb}",
                           headers={"X-CSRF-Token": reviewer.csrf}).status_code == 204
    assert reader.get(f"/documents/{site.psb}").status_code == 404
    assert reader.get(f"/api/v1/documents/{site.psb}/projects/1").status_code == 404


# ---- compare by part of a name, with year and department; a project's years -------------


def test_compare_finds_part_of_a_name_with_year_and_department(site: Site) -> None:
    client = site.client("reviewer")
    count = sum("满意度" in i.name for p in read(SAMPLE).projects for i in p.indicators)
    every = client.get("/api/v1/compare/indicator", params={"name": "满意度"}).json()["count"]
    assert every > count  # the other department's table has some too
    page = client.get("/compare", params={"name": "满意度"}).text
    assert "没有名为“满意度”的指标；下面比较名称中含有“满意度”的" in page
    assert f"{every} 个目标值" in page and 'href="/compare?name=%E7%94%A8' in page
    psb = client.get("/compare", params={"name": "满意度", "department": PSB}).text
    assert f"{count} 个目标值" in psb and f'<option selected>{PSB}</option>' in psb
    assert '<option value="2023">2023</option>' in page  # the years stored
    assert f"<option>{PSB}</option>" in page  # a reviewer chooses the department
    later = client.get("/compare", params={"name": "系统故障率", "year": "2031"}).text
    assert "没有 2031 年的文档；已存年度：2023。" in later and "您是否要找" in later
    other = client.get("/compare", params={"name": "满意度", "department": EDU}).text
    assert f"{every - count} 个目标值" in other
    # a department user compares in its own department only, whatever it asks
    edu = site.client("edu").get("/compare", params={"name": "满意度", "department": PSB})
    assert "个目标值" not in edu.text and "<option>" not in edu.text
    api = client.get("/api/v1/compare/indicator",
                     params={"name": "满意度", "department": PSB}).json()
    assert api["matched"] == "partial" and api["count"] == count
    assert sum(n["count"] for n in api["names"]) == count
    missing = client.get("/api/v1/compare/indicator",
                         params={"name": "系统故障率", "year": 2031}).json()
    assert missing["missing_year"] and missing["years"] == [2023] and missing["count"] == 0
    assert "系统故障率" in missing["suggestions"]
    theirs = site.client("edu").get("/api/v1/compare/indicator",
                                    params={"name": "系统故障率", "department": PSB}).json()
    assert theirs["count"] == 0


def test_a_projects_years_side_by_side(site: Site) -> None:
    from jixiao.synthetic import next_year

    doc = read(SAMPLE)
    store.ingest(site.engine, next_year(doc, seed=7, year=2024))
    client = site.client("psb")
    project = doc.projects[99]
    page = client.get(f"/documents/{site.psb}/projects/100").text
    assert 'id="project-years"' in page
    side = client.get("/compare/project", params={"name": project.name}).text
    header = re.search(r"<thead>(.*?)</thead>", side, re.S)[1]
    assert header.index("2023 年") < header.index("2024 年")
    assert "系统故障率" in side and "达到90%" in side
    none = client.get("/compare/project", params={"name": "指挥调度"}).text
    assert "没有找到有年度的项目“指挥调度”" in none and "您是否要找" in none
