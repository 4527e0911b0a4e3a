"""Whole answers kept per server process (web.kept): a write through one app instance is
seen by another instance's next GET, a department never gets another's kept page, a
session never gets another session's, If-None-Match is answered 304, and the kept bytes
stay under their bound — on a real SQLite file and the real PostgreSQL server, two app
instances over the same store as two server workers are."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import insert

from conftest import REPO
from jixiao import store
from jixiao.audit import audit
from jixiao.readers import read
from jixiao.store import accounts, memo
from jixiao.store.schema import changes
from jixiao.synthetic import generate_document
from jixiao.web import create_app
from webclient import PASSWORD, login

PSB = "广州市公安局"
EDU = "广州市教育局"
EXAMPLE = REPO / "examples" / "guangzhou-psb-targets.txt"


def _store(db_url: str) -> tuple[object, dict[str, str], int, int]:
    """Users of three kinds, each with an API token; the sample (PSB) and a generated
    table of EDU."""
    engine = store.connect(db_url)
    tokens = {}
    for name, role, department in (("reviewer", "reviewer", None),
                                   ("psb", "department", PSB), ("edu", "department", EDU)):
        user = accounts.add_user(engine, name, PASSWORD, role, department)
        tokens[name] = accounts.add_api_token(engine, user, "kept")
    sample = read(EXAMPLE)
    psb = store.ingest(engine, sample, findings=audit(sample).findings, year=2023).document_id
    other = generate_document(sample, seed=5, projects=12)
    other.department = EDU
    edu = store.ingest(engine, other, findings=audit(other).findings, year=2024).document_id
    return engine, tokens, psb, edu


def _client(app: object, token: str) -> TestClient:
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})


def _states(client: TestClient) -> dict[int, str]:
    return {r["document_id"]: r["state"] for r in client.get("/api/v1/overview").json()["items"]}


def test_a_write_through_one_app_is_seen_at_the_next_get_of_another(db_url: str) -> None:
    _, tokens, psb, edu = _store(db_url)
    first, second = create_app(db_url), create_app(db_url)  # two workers' apps
    reviewer, department = _client(first, tokens["reviewer"]), _client(second, tokens["psb"])
    assert _states(reviewer) == {psb: "draft", edu: "draft"}
    once = reviewer.get("/api/v1/overview")
    again = reviewer.get("/api/v1/overview")
    assert again.content == once.content and again.headers["etag"] == once.headers["etag"]
    assert again.headers["cache-control"] == "private, no-cache"
    assert len(first.state.kept) == 1  # the overview's answer, kept once for both GETs
    unchanged = reviewer.get("/api/v1/overview", headers={"If-None-Match": once.headers["etag"]})
    assert unchanged.status_code == 304 and unchanged.content == b""
    page = reviewer.get("/overview")
    assert page.status_code == 200 and '"dstate dstate-submitted"' not in page.text
    # the department submits through the other app: the first one's next GET sees it
    done = department.post(f"/api/v1/documents/{psb}/cycle",
                           json={"action": "submit", "revision": 0})
    assert done.status_code == 200, done.text
    assert _states(reviewer) == {psb: "submitted", edu: "draft"}
    after = reviewer.get("/api/v1/overview", headers={"If-None-Match": once.headers["etag"]})
    assert after.status_code == 200 and after.headers["etag"] != once.headers["etag"]
    shown = reviewer.get("/overview")
    assert '<span class="dstate dstate-submitted">待审核</span>' in shown.text
    assert shown.headers["etag"] != page.headers["etag"]
    # and a write through the first app is seen by the second
    returned = reviewer.post(f"/api/v1/documents/{psb}/projects/3/cycle",
                             json={"action": "return", "revision": 0, "opinion": "需修改"})
    assert returned.status_code == 200, returned.text
    rows = {r["document_id"]: r for r in department.get("/api/v1/overview").json()["items"]}
    assert rows[psb]["returned"] == 1


def test_a_department_never_gets_another_departments_kept_answer(db_url: str) -> None:
    _, tokens, psb, edu = _store(db_url)
    app = create_app(db_url)
    clients = {name: _client(app, token) for name, token in tokens.items()}
    seen = {psb: "psb", edu: "edu"}
    for _ in range(2):  # the second round from what is kept
        for name, client in clients.items():
            ids = set(_states(client))
            assert ids == ({psb, edu} if name == "reviewer" else
                           {d for d, who in seen.items() if who == name})
            listed = client.get("/api/v1/documents").json()
            assert listed["total"] == len(ids)
            assert {d["id"] for d in listed["items"]} == ids
            page = client.get("/overview").text
            assert {int(i) for i in re.findall(r'data-id="(\d+)"', page)} == ids
    # each caller's answers kept apart: 3 callers × (overview, list, page)
    assert len(app.state.kept) == 9
    # another department's ETag is no way in: the answer is this caller's own
    theirs = clients["psb"].get("/api/v1/overview").headers["etag"]
    mine = clients["edu"].get("/api/v1/overview", headers={"If-None-Match": theirs})
    assert mine.status_code == 200 and [r["document_id"] for r in mine.json()["items"]] == [edu]
    # a department asking for another's document: refused, not served from anything kept
    assert clients["reviewer"].get(f"/api/v1/documents/{edu}").status_code == 200
    assert clients["psb"].get(f"/api/v1/documents/{edu}").status_code == 404


def test_a_session_never_gets_another_sessions_page(tmp_path) -> None:
    db = str(tmp_path / "kept.sqlite")
    _store(db)
    app = create_app(db)
    one, two = TestClient(app, base_url="https://testserver"), \
        TestClient(app, base_url="https://testserver")
    csrf_one, csrf_two = login(one, "reviewer"), login(two, "reviewer")
    assert csrf_one != csrf_two
    for client, own, other in ((one, csrf_one, csrf_two), (two, csrf_two, csrf_one),
                               (one, csrf_one, csrf_two)):
        page = client.get("/overview")
        assert own in page.text and other not in page.text
    # signed out: the kept page is not sent to the cookie any more
    one.post("/logout", data={"csrf": csrf_one}, follow_redirects=False)
    gone = one.get("/overview", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"].startswith("/login")


def test_kept_answers_stay_within_their_bytes(tmp_path) -> None:
    db = str(tmp_path / "kept.sqlite")
    _, tokens, psb, _ = _store(db)
    limit = 60_000  # about seven project pages
    app = create_app(db, kept_bytes=limit)
    client = _client(app, tokens["reviewer"])
    sizes = {}
    for seq in range(1, 41):
        response = client.get(f"/documents/{psb}/projects/{seq}")
        assert response.status_code == 200 and "etag" in response.headers
        sizes[seq] = len(response.content)
        assert app.state.kept.held <= limit
    # far more was asked than fits: the oldest went, the latest are kept
    assert sum(sizes.values()) > 3 * limit
    assert 0 < len(app.state.kept) < 40
    latest = client.get(f"/documents/{psb}/projects/40")
    oldest = client.get(f"/documents/{psb}/projects/1")
    assert latest.headers["etag"] and oldest.headers["etag"]
    kept_keys = [key[-3] for key in app.state.kept.in_use_order()]  # the path, least used first
    assert kept_keys[-1] == f"/documents/{psb}/projects/1"
    assert f"/documents/{psb}/projects/2" not in kept_keys
    # nothing kept at all: no ETag either
    none = create_app(db, kept_bytes=0)
    plain = _client(none, tokens["reviewer"]).get("/overview")
    assert plain.status_code == 200 and "etag" not in plain.headers
    assert len(none.state.kept) == 0


def test_a_change_committed_out_of_id_order_is_a_new_state(postgres_url: str) -> None:
    """PostgreSQL gives ids at insert: the write holding the lower id may commit last."""
    engine = store.connect(postgres_url)
    row = {"username": "(cli)", "action": "test", "entity": "x", "before": None,
           "after": None}
    with engine.connect() as early, engine.connect() as late:
        early.execute(insert(changes).values(**row))  # takes the lower id, not committed
        late.execute(insert(changes).values(**row))
        late.commit()
        before = memo.last_change(engine)
        early.commit()
    assert memo.last_change(engine) != before


def test_a_document_stored_without_a_change_row_is_a_new_state(tmp_path) -> None:
    """The bare repository functions (scripts, tests) store a document with no change-log
    row: the highest document id is part of the state, so the list shows it at once."""
    db = str(tmp_path / "kept.sqlite")
    engine, tokens, psb, edu = _store(db)
    client = _client(create_app(db), tokens["reviewer"])
    assert client.get("/api/v1/documents").json()["total"] == 2
    again = generate_document(read(EXAMPLE), seed=9, projects=5)
    added = store.ingest(engine, again, year=2025).document_id  # no log
    listed = client.get("/api/v1/documents").json()
    assert listed["total"] == 3 and [d["id"] for d in listed["items"]] == [psb, edu, added]
