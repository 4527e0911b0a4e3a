"""Administration (issue 17, item 4): users changed, reset, disabled and enabled; one's
own password; token expiry; review profiles as a form; the change log in Chinese — every
state change on a real SQLite file and the real PostgreSQL server, the pages driven with
httpx through their own forms."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from jixiao import store
from jixiao.audit import RULES, Profile
from jixiao.audit.profile_text import profile_toml
from jixiao.evaluation.actuals import Actual
from jixiao.readers import read
from jixiao.store import accounts, profiles
from jixiao.store import admin as admin_store
from jixiao.store.accounts import AccountError
from jixiao.store.store import Store
from jixiao.web import create_app
from test_review_cycle import EXAMPLE, PSB, _ingest, _users
from webclient import PASSWORD, csrf_of, login

NEW_PASSWORD = "a new password 2026"


@pytest.fixture()
def site(db_url: str):
    engine = store.connect(db_url)
    users = _users(engine)
    return engine, users, create_app(db_url)


def _client(app, user: str, password: str = PASSWORD) -> tuple[TestClient, str]:
    client = TestClient(app)
    return client, login(client, user, password)


def _signed_in(client: TestClient) -> bool:
    return client.get("/account", follow_redirects=False).status_code == 200


def _last(engine) -> accounts.Change:
    return accounts.list_changes(engine, limit=1)[0]


# ---- users --------------------------------------------------------------------------------


def test_role_and_department_changed_with_their_log(site) -> None:
    engine, u, _ = site
    changed = Store(engine).update_user(u["admin"], "reviewer2", "department",
                                      " 广州市教育局 ")
    assert (changed.role, changed.department) == ("department", "广州市教育局")
    log = _last(engine)
    assert (log.action, log.entity, log.username) == ("update-user", "user reviewer2", "admin")
    assert log.before == {"role": "reviewer", "department": None}
    assert log.after == {"role": "department", "department": "广州市教育局"}
    # a department user sees only that department from now on
    user = admin_store.user_of(engine, "reviewer2")
    assert user.may_see("广州市教育局") and not user.may_see(PSB)
    with pytest.raises(AccountError, match="需要填写部门"):
        Store(engine).update_user(u["admin"], "psb", "department", "")
    with pytest.raises(AccountError, match="唯一启用的管理员"):
        Store(engine).update_user(u["admin"], "admin", "reviewer", None)
    with pytest.raises(AccountError, match="没有用户"):
        Store(engine).update_user(u["admin"], "nobody", "reviewer", None)
    assert _last(engine).entity == "user reviewer2"  # the refusals wrote nothing


def test_a_disabled_user_cannot_sign_in_nor_use_a_token_and_its_sessions_end(site) -> None:
    engine, u, app = site
    browser, _ = _client(app, "psb")
    token = accounts.add_api_token(engine, u["psb"], "导出")
    assert accounts.token_user(engine, token).username == "psb"
    admin, csrf = _client(app, "admin")
    response = admin.post("/admin/users/disable", data={"csrf": csrf, "username": "psb"},
                          follow_redirects=False)
    assert response.status_code == 303
    assert not _signed_in(browser)  # the session ended at once
    assert accounts.token_user(engine, token) is None
    assert accounts.login(engine, "psb", PASSWORD, "10.0.0.1") is None
    api = TestClient(app).get("/api/v1/documents", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401
    listed = admin.get("/admin/users").text
    assert re.search(r'<tr data-user="psb" class="disabled">.*?已停用', listed, re.S)
    log = _last(engine)
    assert (log.action, log.before, log.after) == ("disable-user", {"active": True},
                                                   {"active": False, "sessions_ended": 1})
    # enabled again: the password and the (unrevoked) token work again
    admin.post("/admin/users/enable", data={"csrf": csrf, "username": "psb"})
    assert accounts.token_user(engine, token).username == "psb"
    assert _signed_in(_client(app, "psb")[0])
    # nobody disables themselves, nor the last admin
    page = admin.post("/admin/users/disable", data={"csrf": csrf, "username": "admin"})
    assert page.status_code == 400 and "不能停用自己的账户" in page.text
    with pytest.raises(AccountError, match="唯一启用的管理员"):
        Store(engine).set_active(None, "admin", False)


def test_only_an_admin_changes_users(site) -> None:
    engine, _, app = site
    reviewer, csrf = _client(app, "reviewer")
    for path, data in (("/admin/users/edit", {"role": "admin"}),
                       ("/admin/users/password", {"password": NEW_PASSWORD}),
                       ("/admin/users/disable", {})):
        response = reviewer.post(path, data={"csrf": csrf, "username": "reviewer", **data})
        assert response.status_code == 403
    assert admin_store.user_of(engine, "reviewer").role == "reviewer"
    assert accounts.authenticate(engine, "reviewer", PASSWORD) is not None


def test_a_password_reset_by_an_admin_ends_the_users_sessions(site) -> None:
    engine, _, app = site
    browser, _ = _client(app, "psb")
    admin, csrf = _client(app, "admin")
    short = admin.post("/admin/users/password", data={"csrf": csrf, "username": "psb",
                                                       "password": "short"})
    assert short.status_code == 400 and "至少需要 8 个字符" in short.text
    assert _signed_in(browser)
    admin.post("/admin/users/password", data={"csrf": csrf, "username": "psb",
                                              "password": NEW_PASSWORD})
    assert not _signed_in(browser)
    assert accounts.authenticate(engine, "psb", PASSWORD) is None
    assert accounts.authenticate(engine, "psb", NEW_PASSWORD).username == "psb"
    log = _last(engine)
    assert (log.action, log.after) == ("reset-password", {"sessions_ended": 1})
    assert NEW_PASSWORD not in str(log.before) + str(log.after)


def test_ones_own_password_needs_the_old_one_and_rotates_the_sessions(site) -> None:
    engine, _, app = site
    here, csrf = _client(app, "psb")
    elsewhere, _ = _client(app, "psb")
    old_cookie = here.cookies.get("jixiao_session")
    wrong = here.post("/account/password", data={"csrf": csrf, "old": "not my password",
                                                 "new": NEW_PASSWORD, "again": NEW_PASSWORD})
    assert wrong.status_code == 400 and "原密码不正确" in wrong.text
    typo = here.post("/account/password", data={"csrf": csrf, "old": PASSWORD,
                                                "new": NEW_PASSWORD, "again": NEW_PASSWORD + "x"})
    assert typo.status_code == 400 and "两次输入的新密码不一致" in typo.text
    assert accounts.authenticate(engine, "psb", PASSWORD) is not None  # nothing changed yet
    done = here.post("/account/password", data={"csrf": csrf, "old": PASSWORD,
                                                "new": NEW_PASSWORD, "again": NEW_PASSWORD},
                     follow_redirects=False)
    assert done.status_code == 303
    assert here.cookies.get("jixiao_session") != old_cookie  # a new session id
    assert _signed_in(here) and not _signed_in(elsewhere)
    old = TestClient(app)
    old.cookies.set("jixiao_session", old_cookie)
    assert not _signed_in(old)
    assert "密码已修改" in here.get("/account?password=changed").text
    assert csrf_of(here) != csrf
    assert accounts.authenticate(engine, "psb", NEW_PASSWORD) is not None
    assert _last(engine).action == "change-password"


# ---- tokens -----------------------------------------------------------------------------


def test_a_token_given_another_expiry_by_its_owner_or_an_admin(site) -> None:
    engine, u, app = site
    accounts.add_api_token(engine, u["psb"], "每月导出", expires_in_days=5)
    token = accounts.list_api_tokens(engine, u["psb"].id)[0]
    owner, csrf = _client(app, "psb")
    response = owner.post(f"/account/tokens/{token.id}/expiry", data={"csrf": csrf,
                                                                      "days": "365"},
                          follow_redirects=False)
    assert response.status_code == 303
    now = datetime.now(UTC)
    expires = accounts.list_api_tokens(engine, u["psb"].id)[0].expires_at
    assert timedelta(days=364) < expires - now <= timedelta(days=365)
    log = _last(engine)
    assert log.action == "token-expiry" and log.before["expires_at"] != log.after["expires_at"]
    # another user's token is answered as none; an admin may change it
    other, other_csrf = _client(app, "edu")
    assert other.post(f"/account/tokens/{token.id}/expiry",
                      data={"csrf": other_csrf, "days": "1"}).status_code == 404
    admin, admin_csrf = _client(app, "admin")
    admin.post(f"/admin/tokens/{token.id}/expiry", data={"csrf": admin_csrf, "days": "2"})
    expires = accounts.list_api_tokens(engine, u["psb"].id)[0].expires_at
    assert expires - datetime.now(UTC) <= timedelta(days=2)
    accounts.revoke_api_token(engine, token.id, u["psb"])
    with pytest.raises(AccountError, match="已撤销"):
        Store(engine).set_token_expiry(u["admin"], token.id, 30)


# ---- review profiles as a form ---------------------------------------------------------


def _form_of(page: str) -> dict[str, str]:
    """What the profile form would send as the page shows it (checked boxes, selections,
    inputs and textareas)."""
    sent: dict[str, str] = {}
    for name in re.findall(r'<input type="checkbox" name="([^"]+)"[^>]* checked', page):
        sent[name] = "on"
    for name, options in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        sent[name] = re.search(r'<option value="([^"]+)" selected', options)[1]
    for name, value in re.findall(r'<input name="([^"]+\.[^"]+)" value="([^"]*)"', page):
        sent[name] = value
    for name, value in re.findall(r'<textarea name="([^"]+\.[^"]+)"[^>]*>(.*?)</textarea>',
                                  page, re.S):
        sent[name] = value
    return sent


def test_a_profile_edited_as_a_form_is_checked_and_kept_as_toml(site) -> None:
    engine, _, app = site
    admin, csrf = _client(app, "admin")
    blank = admin.get("/admin/rules/edit")
    sent = _form_of(blank.text)
    assert set(sent) >= {f"{r}.severity" for r in RULES}  # every rule on the form
    sent.pop("Q4-vague-target.enabled")  # switched off
    sent["Q3-few-indicators.severity"] = "error"
    sent["Q3-few-indicators.min_indicators"] = "4"
    sent["Q9-input-as-output.inputs"] = "资金到位率\n预算执行率"
    bad = {**sent, "Q3-few-indicators.min_indicators": "四"}
    refused = admin.post("/admin/rules/edit", data={"csrf": csrf, "name": "本局方案", **bad})
    assert refused.status_code == 400 and "应为整数，不是“四”" in refused.text
    assert 'value="四"' in refused.text  # the typed value stays
    assert profiles.list_profiles(engine) == []
    saved = admin.post("/admin/rules/edit", data={"csrf": csrf, "name": "本局方案", **sent},
                       follow_redirects=False)
    assert saved.status_code == 303
    stored = profiles.list_profiles(engine)[0]
    profile = Profile.from_text(stored.toml)
    assert profile.name == "本局方案"
    assert profile.overrides == {
        "Q3-few-indicators": {"severity": "error", "min_indicators": 4},
        "Q4-vague-target": {"enabled": False},
        "Q9-input-as-output": {"inputs": ["资金到位率", "预算执行率"]}}
    active = {s.rule.id: s for s in profile.active()}
    assert "Q4-vague-target" not in active and active["Q3-few-indicators"].params == {
        "min_indicators": 4}
    # the form shows what is stored; sent back unchanged it stores the same TOML
    again = admin.get("/admin/rules/edit?name=本局方案").text
    assert 'name="Q4-vague-target.enabled"' in again
    assert _form_of(again)["Q3-few-indicators.min_indicators"] == "4"
    admin.post("/admin/rules/edit", data={"csrf": csrf, "name": "本局方案", **_form_of(again)})
    assert profiles.list_profiles(engine)[0].toml == stored.toml == profile_toml(profile)
    log = _last(engine)
    assert log.action == "save-profile" and log.before == {"toml": stored.toml}


# ---- the change log in Chinese -----------------------------------------------------------


def test_the_change_log_reads_in_chinese_filtered_and_paged(site) -> None:
    engine, u, app = site
    d = _ingest(engine, read(EXAMPLE), year=2023)
    doc = store.load_document(engine, d)
    values = [Actual(p.seq, k, "达成") for p in doc.projects[:20]
              for k in range(len(p.indicators))]
    Store(engine).put_actuals(u["psb"], d, 2023, values)
    Store(engine).put_actuals(u["admin"], d, 2023, [Actual(1, 1, "97%", "按合同")])
    Store(engine).update_user(u["admin"], "reviewer2", "department", "广州市教育局")
    admin, _ = _client(app, "admin")
    page = admin.get("/admin/changes").text
    total = int(re.search(r'id="change-count">(\d+)<', page)[1])
    assert total == len(accounts.list_changes(engine, limit=100_000))
    rows = re.findall(r'<tr data-action="([^"]+)">(.*?)</tr>', page, re.S)
    assert len(rows) == 50  # a page
    action, newest = rows[0]
    assert action == "update-user" and "修改用户" in newest and "用户 reviewer2" in newest
    assert "<del>审核人员</del> → <ins>部门用户</ins>" in newest
    assert "{" not in newest  # no raw JSON
    one = admin.get(f"/admin/changes?user=admin&kind=actuals&document={d}").text
    rows = re.findall(r'<tr data-action="([^"]+)">(.*?)</tr>', one, re.S)
    assert len(rows) == 1
    assert f"目标表 {d}（{PSB}" in rows[0][1] and "2023 年全年 · 项目 1 · 第 2 个指标" in rows[0][1]
    assert "<del>达成</del> → <ins>97%</ins>" in rows[0][1]
    assert "偏差原因" in rows[0][1] and "<ins>按合同</ins>" in rows[0][1]
    # the department's own batch, paged: every row once over the pages
    shown = []
    for n in range(1, 10):
        part = admin.get(f"/admin/changes?user=psb&page={n}").text
        shown += re.findall(r'<tr data-action="put-actual">', part)
        if 'rel="next"' not in part:
            break
    assert len(shown) == len(values)
    assert admin.get("/admin/changes?kind=nonsense").status_code == 422
    department, _ = _client(app, "psb")
    assert department.get("/admin/changes").status_code == 403
