"""Logins throttled per name and per address (back-off, then a lockout an admin lifts),
sessions rotated at login, API tokens that expire, are listed, counted and revoked —
through the pages, over a real SQLite file (issue 12)."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from typer.testing import CliRunner

from jixiao.cli import app as cli
from jixiao.store import accounts
from jixiao.store.schema import api_tokens, login_attempts
from jixiao.web import create_app
from webclient import PASSWORD, csrf_of, login


@dataclass
class Site:
    app: Any
    engine: Engine
    db: str

    def __iter__(self) -> Any:
        return iter((self.app, self.engine, self.db))


@pytest.fixture()
def site(tmp_path: Path) -> Site:
    db = str(tmp_path / "web.sqlite")
    app = create_app(db)
    engine = app.state.engine
    accounts.add_user(engine, "admin", PASSWORD, "admin")
    accounts.add_user(engine, "reviewer", PASSWORD, "reviewer")
    accounts.add_user(engine, "psb", PASSWORD, "department", "广州市公安局")
    accounts.add_user(engine, "edu", PASSWORD, "department", "广州市教育局")
    return Site(app, engine, db)


def _client(app: Any, address: str = "192.0.2.1") -> TestClient:
    """A browser at `address` (what the throttle counts per address)."""
    return TestClient(app, base_url="https://testserver", client=(address, 40000))


def _attempt(client: TestClient, username: str, password: str) -> Any:
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf": token}, follow_redirects=False)


def _wait_out(engine: Engine) -> None:
    """As if every back-off had passed (the clock moved on), locks untouched."""
    with engine.begin() as conn:
        conn.execute(update(login_attempts).values(
            blocked_until=datetime.now(UTC) - timedelta(seconds=1)))


def _row(engine: Engine, kind: str, name: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(login_attempts).where(
            login_attempts.c.kind == kind, login_attempts.c.name == name)).first()


# ---- throttling --------------------------------------------------------------------------


def test_after_five_failures_the_right_password_waits_and_then_works(site: Site) -> None:
    app, engine, _ = site
    client = _client(app)
    assert [_attempt(client, "psb", "wrong password").status_code for _ in range(5)] == [401] * 5
    refused = _attempt(client, "psb", PASSWORD)  # the 6th, within the window
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "2"  # 2^1 seconds after the 5th failure
    assert "登录失败次数过多，请 2 秒后再试" in refused.text
    assert _row(engine, "user", "psb").failures == 5  # a refusal is not a failure
    _wait_out(engine)
    assert _attempt(client, "psb", "wrong password").status_code == 401  # the 6th failure
    again = _attempt(client, "psb", PASSWORD)
    assert again.status_code == 429 and again.headers["retry-after"] == "4"  # doubled
    _wait_out(engine)
    ok = _attempt(client, "psb", PASSWORD)
    assert ok.status_code == 303 and "jixiao_session=" in ok.headers["set-cookie"]
    assert _row(engine, "user", "psb") is None  # the name's failures are forgiven
    assert _row(engine, "address", "192.0.2.1").failures == 6  # the address's are not


def test_a_throttled_login_is_refused_without_waiting_for_a_hash(site: Site) -> None:
    """Every hashing slot of the process taken (as by a burst): the refusal still comes,
    at once, because it is decided before any hashing."""
    client = _client(site.app)
    for _ in range(5):
        _attempt(client, "edu", "wrong password")
    answers: list[int] = []
    for _ in range(accounts.HASH_SLOTS):
        accounts._hashing.acquire()
    try:
        asker = threading.Thread(target=lambda: answers.append(
            _attempt(client, "edu", PASSWORD).status_code))
        started = time.monotonic()
        asker.start()
        asker.join(timeout=20)
        elapsed = time.monotonic() - started
    finally:
        for _ in range(accounts.HASH_SLOTS):
            accounts._hashing.release()
        asker.join()
    assert answers == [429] and elapsed < 20


def test_a_burst_of_wrong_logins_hashes_only_until_the_throttle_holds(site: Site) -> None:
    """16 wrong logins at once from one address, 16 names: the address's limit (10) is
    reached and the rest are refused when their turn for a hash comes; /healthz answers
    all the while."""
    app, engine, _ = site
    names = [f"guess{k}" for k in range(16)]
    codes: list[int] = []
    health: list[float] = []
    with _client(app) as client:  # one event loop for every request, as in a server
        page = client.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]

        def guess(name: str) -> None:
            codes.append(client.post("/login", data={"username": name, "password": "x" * 9,
                                                     "csrf": token}).status_code)

        threads = [threading.Thread(target=guess, args=(n,)) for n in names]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            started = time.monotonic()
            assert client.get("/healthz").text == "ok"
            health.append(time.monotonic() - started)
            time.sleep(0.05)
        for t in threads:
            t.join()
    failures = codes.count(401)
    limit = accounts.ADDRESS_THROTTLE.free
    assert sorted(set(codes)) == [401, 429] and len(codes) == 16
    # at most one hash per slot was already under way when the limit was reached
    assert limit <= failures <= limit + accounts.HASH_SLOTS - 1
    assert _row(engine, "address", "192.0.2.1").failures == failures
    assert health and sorted(health)[len(health) // 2] < 0.5  # the median stays short


def test_failures_from_one_address_are_counted_across_names(site: Site) -> None:
    app, engine, _ = site
    client = _client(app, "198.51.100.7")
    for name, times in (("admin", 4), ("reviewer", 4), ("nobody", 2)):
        for _ in range(times):
            assert _attempt(client, name, "wrong password").status_code == 401
    assert _row(engine, "address", "198.51.100.7").failures == 10
    # psb never failed, but this address did ten times
    refused = _attempt(client, "psb", PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) == 2
    elsewhere = _client(app, "203.0.113.9")  # another address is not held back
    assert _attempt(elsewhere, "psb", PASSWORD).status_code == 303


def test_twenty_failures_lock_the_name_until_an_admin_unlocks_it(site: Site) -> None:
    app, engine, db = site
    client = _client(app)
    lockout = accounts.USER_THROTTLE.lockout
    assert lockout == 20
    for k in range(lockout):
        _wait_out(engine)  # each attempt after its wait: only the lockout stops them
        address = f"192.0.2.{k % 3 + 10}"  # from three addresses: the name is what counts
        assert _attempt(_client(app, address), "reviewer", "wrong password"
                        ).status_code == 401, k
    _wait_out(engine)
    locked = _attempt(client, "reviewer", PASSWORD)
    assert locked.status_code == 423 and "retry-after" not in locked.headers
    assert "该账户已锁定，请联系管理员解锁" in locked.text
    assert accounts.locked_names(engine) == {"reviewer"}
    time.sleep(0.01)
    _wait_out(engine)  # waiting does not lift a lock
    assert _attempt(client, "reviewer", PASSWORD).status_code == 423
    log = accounts.list_changes(engine)
    assert (log[0].action, log[0].entity, log[0].username, log[0].after) == (
        "lock-user", "user reviewer", "(login)", {"failures": 20})

    admin = _client(app, "203.0.113.1")
    admin_csrf = login(admin, "admin")
    users = admin.get("/admin/users").text
    assert re.search(r"<td>reviewer</td>.*?已锁定.*?解锁</button>", users, re.S)
    unlocked = admin.post("/admin/users/unlock", data={"csrf": admin_csrf,
                                                       "username": "reviewer"},
                          follow_redirects=False)
    assert unlocked.status_code == 303
    assert accounts.locked_names(engine) == set()
    assert "已锁定" not in admin.get("/admin/users").text
    change = accounts.list_changes(engine)[0]
    assert (change.action, change.username, change.before) == (
        "unlock-user", "admin", {"failures": 20, "locked": True})
    assert _attempt(client, "reviewer", PASSWORD).status_code == 303

    # the CLI lifts a lock too; a name without one says so
    for _ in range(lockout):
        _wait_out(engine)
        accounts.record_failure(engine, "psb", "192.0.2.99")
    assert _attempt(_client(app, "203.0.113.2"), "psb", PASSWORD).status_code == 423
    result = CliRunner().invoke(cli, ["users", "unlock", "psb", "--db", db])
    assert result.exit_code == 0 and "已解除 psb 的锁定" in result.output
    assert _attempt(_client(app, "203.0.113.2"), "psb", PASSWORD).status_code == 303
    result = CliRunner().invoke(cli, ["users", "unlock", "psb", "--db", db])
    assert "psb 没有被锁定" in result.output


def test_only_an_admin_unlocks(site: Site) -> None:
    client = _client(site.app)
    csrf = login(client, "reviewer")
    response = client.post("/admin/users/unlock", data={"csrf": csrf, "username": "psb"})
    assert response.status_code == 403


# ---- sessions ----------------------------------------------------------------------------


def test_a_new_login_ends_the_session_the_browser_held(site: Site) -> None:
    app, engine, _ = site
    client = _client(app)
    login(client, "psb")
    first = client.cookies["jixiao_session"]
    login(client, "psb")  # the browser still presents the first session's cookie
    second = client.cookies["jixiao_session"]
    assert second != first and accounts.session_user(engine, first) is None
    old = _client(app)
    old.cookies.set("jixiao_session", first)
    assert old.get("/api/v1/documents").status_code == 401
    page = old.get("/documents", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert client.get("/api/v1/documents").status_code == 200
    # logout ends the session in the database, not only the cookie
    client.post("/logout", data={"csrf": csrf_of(client)})
    assert accounts.session_user(engine, second) is None
    again = _client(app)
    again.cookies.set("jixiao_session", second)
    assert again.get("/api/v1/documents").status_code == 401


# ---- API tokens --------------------------------------------------------------------------


def _new_token(client: TestClient, csrf: str, name: str, days: int | None = None) -> str:
    data = {"csrf": csrf, "name": name} | ({} if days is None else {"expires_in_days": days})
    page = client.post("/account/tokens", data=data)
    assert page.status_code == 200
    return re.search(r'id="new-token">([^<]+)<', page.text)[1]


def test_tokens_are_listed_without_their_secret_and_each_use_is_recorded(site: Site) -> None:
    app, engine, db = site
    browser = _client(app)
    csrf = login(browser, "psb")
    token = _new_token(browser, csrf, "每月导出", days=30)
    listed = browser.get("/account").text
    assert token not in listed
    assert re.search(r"<td>每月导出</td>.*?从未使用</td><td>0</td>.*?有效", listed, re.S)
    (made,) = accounts.list_api_tokens(engine)
    assert made.expires_at - made.created_at == pytest.approx(timedelta(days=30),
                                                              abs=timedelta(seconds=5))
    api = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    before = datetime.now(UTC)
    assert api.get("/api/v1/documents").status_code == 200
    assert api.get("/api/v1/documents").status_code == 200
    (used,) = accounts.list_api_tokens(engine)
    assert used.uses == 2 and used.last_used_at >= before - timedelta(seconds=1)
    assert re.search(r"<td>每月导出</td>.*?<td>2</td>", browser.get("/account").text, re.S)
    result = CliRunner().invoke(cli, ["users", "tokens", "psb", "--db", db],
                                env={"COLUMNS": "160"})
    assert result.exit_code == 0 and "每月导出" in result.output and "有效" in result.output
    assert token not in result.output and token[3:20] not in result.output
    with engine.connect() as conn:  # only the hash is kept
        assert conn.execute(select(api_tokens.c.token_hash)).scalar() != token
    # the default life, and a life out of bounds refused
    _new_token(browser, csrf, "默认")
    default = accounts.list_api_tokens(engine)[0]
    assert default.expires_at - default.created_at == pytest.approx(
        timedelta(days=accounts.TOKEN_DAYS), abs=timedelta(seconds=5))
    assert browser.post("/account/tokens", data={"csrf": csrf, "name": "x",
                                                 "expires_in_days": 0}).status_code == 422


def test_an_expired_token_is_refused(site: Site) -> None:
    app, engine, _ = site
    user = next(u for u in accounts.list_users(engine) if u.username == "reviewer")
    token = accounts.add_api_token(engine, user, "短期", expires_in_days=1)
    api = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    assert api.get("/api/v1/documents").status_code == 200
    with engine.begin() as conn:  # a day later
        conn.execute(update(api_tokens).values(
            expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    refused = api.get("/api/v1/documents")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "not-signed-in"
    (listed,) = accounts.list_api_tokens(engine, user.id)
    assert listed.state() == "已过期" and listed.uses == 1  # the refused use is not counted
    with pytest.raises(accounts.AccountError, match="1 至 3650 天"):
        accounts.add_api_token(engine, user, "过去", expires_in_days=0)


def test_tokens_are_revoked_by_their_owner_or_an_admin_and_then_refused(site: Site) -> None:
    app, engine, db = site
    owner = _client(app)
    csrf = login(owner, "psb")
    first, second, third = (_new_token(owner, csrf, n) for n in ("一", "二", "三"))
    ids = {t.name: t.id for t in accounts.list_api_tokens(engine)}

    def status(token: str) -> int:
        return TestClient(app, headers={"Authorization": f"Bearer {token}"}).get(
            "/api/v1/documents").status_code

    assert [status(t) for t in (first, second, third)] == [200, 200, 200]
    # the owner revokes on the account page
    response = owner.post(f"/account/tokens/{ids['一']}/revoke", data={"csrf": csrf},
                          follow_redirects=False)
    assert response.status_code == 303 and status(first) == 401
    assert re.search(r"<td>一</td>.*?已撤销", owner.get("/account").text, re.S)
    # another user may not, and is told there is no such token
    other = _client(app)
    other_csrf = login(other, "edu")
    assert other.post(f"/account/tokens/{ids['二']}/revoke",
                      data={"csrf": other_csrf}).status_code == 404
    assert status(second) == 200
    # an admin sees every token on the users page and revokes any
    admin = _client(app)
    admin_csrf = login(admin, "admin")
    users = admin.get("/admin/users").text
    assert all(t not in users for t in (first, second, third))
    assert re.search(r"<td>psb</td><td>二</td>.*?有效", users, re.S)
    assert admin.post(f"/admin/tokens/{ids['二']}/revoke", data={"csrf": admin_csrf},
                      follow_redirects=False).status_code == 303
    assert status(second) == 401
    # and the CLI
    result = CliRunner().invoke(cli, ["users", "revoke-token", str(ids["三"]), "--db", db])
    assert result.exit_code == 0 and "已撤销 psb 的令牌 3（三）" in result.output
    assert status(third) == 401
    assert CliRunner().invoke(cli, ["users", "revoke-token", "99", "--db", db]).exit_code == 1
    log = [(c.username, c.action, c.entity) for c in accounts.list_changes(engine)
           if c.action == "revoke-token"]
    assert log == [("(cli)", "revoke-token", "token 3 三"), ("admin", "revoke-token", "token 2 二"),
                   ("psb", "revoke-token", "token 1 一")]
