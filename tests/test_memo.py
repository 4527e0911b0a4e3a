"""Answers kept while the store has not changed (store.memo): the overview and the
completion counts are computed again only after a write."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from conftest import SAMPLE
from jixiao import library, store
from jixiao.readers import read
from jixiao.store import accounts, memo


def test_the_overview_is_kept_until_a_write(db_url: str) -> None:
    house = library.open_store(db_url)
    first = house.ingest_document(read(SAMPLE), year=2023).document_id
    rows = library.overview(house)
    assert [r.document_id for r in rows] == [first]
    assert rows[0].verdicts == {"优": 61, "良": 71, "中": 10}  # docs/rules.md's verdicts
    again = library.overview(house)
    assert again[0] is rows[0]  # kept: nothing was written since
    assert library.overview(house, department="另一个部门") == []  # its own key

    psb = accounts.add_user(house.engine, "psb", "a-long-password-1", "department",
                            rows[0].department)
    house.act_on_document(psb, first, "submit", 0)  # a write, logged
    after = library.overview(house)
    assert after[0] is not rows[0] and after[0].state == "submitted"
    assert rows[0].state == "draft"  # what was handed out before is left as it was


def test_requests_arriving_while_an_answer_is_computed_wait_for_it(tmp_path: Path) -> None:
    """Eight at once ask for an answer nobody has yet: it is computed once, and all eight
    get that one."""
    engine = store.connect(str(tmp_path / "j.sqlite"))
    calls: list[int] = []

    def slow() -> list[int]:
        calls.append(1)
        time.sleep(0.3)
        return [len(calls)]

    got: list[list[int]] = []
    threads = [threading.Thread(target=lambda: got.append(memo.kept(engine, "slow", slow)))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(got) == 8 and all(g is got[0] for g in got)


def test_the_overview_page_is_rendered_once_until_a_write(tmp_path: Path) -> None:
    """The overview's content is kept per filter and page; a write shows at the next view,
    and a department user's view is its own."""
    from fastapi.testclient import TestClient

    from jixiao.web import create_app
    from webclient import PASSWORD

    app = create_app(str(tmp_path / "web.sqlite"))
    house = app.state.store
    doc = read(SAMPLE)
    first = house.ingest_document(doc, year=2023).document_id
    reviewer = accounts.add_user(house.engine, "rev", PASSWORD, "reviewer")
    psb = accounts.add_user(house.engine, "psb", PASSWORD, "department", doc.department)
    other = accounts.add_user(house.engine, "edu", PASSWORD, "department", "另一个部门")

    def page(user: accounts.User, **params: str) -> str:
        token = accounts.add_api_token(house.engine, user, "t")
        client = TestClient(app, headers={"Authorization": f"Bearer {token}"})
        response = client.get("/overview", params=params)
        assert response.status_code == 200
        return response.text

    before = page(reviewer)
    assert f'<tr data-id="{first}">' in before and "dstate-draft" in before
    assert page(reviewer) == before
    assert f'<tr data-id="{first}">' not in page(other)  # not the reviewer's kept page
    assert "没有符合条件的目标表" in page(reviewer, state="submitted")
    house.act_on_document(psb, first, "submit", 0)
    after = page(reviewer)
    assert "dstate-submitted" in after and "dstate-draft" not in after
    assert f'<tr data-id="{first}">' in page(reviewer, state="submitted")
