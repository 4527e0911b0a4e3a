"""How many SQL statements a page costs (issue 17, issue 20 item 5): the project page, the
document page and the overview each have a budget, counted by sqlite3's own trace
(`set_trace_callback`) on a real store file, so a page that starts asking again for what
it has fails here before it is slow under load.

The document is in the cycle (submitted, a project returned with an opinion) and has an
opinion and actual values, so every block of the pages has something to read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from conftest import SAMPLE
from jixiao.model import Actual
from jixiao.readers import read
from jixiao.store import accounts
from jixiao.synthetic import generate_document
from jixiao.web import create_app
from webclient import PASSWORD, login

# Budgets: statements a signed-in reviewer's warm request costs (its documents cached,
# the overview kept since the last write). Each counted statement is named; raise a budget
# only with a reason written beside it.
PROJECT_PAGE = 6  # the session and its user; the document's last correction (is the cached
# document current); the year's money and its actual values (two tables); the project's
# opinions; the cycle's rows of the document's submission (its state, versions), then
# its projects' verdicts and its history — 1 + 1 + 2 + 1 + 3 = 8 with the cycle in use
PROJECT_PAGE_IN_CYCLE = PROJECT_PAGE + 2
DOCUMENT_PAGE_IN_CYCLE = 8  # the session; the last correction; the cycle (3); the year's
# money and values (2); the change log's last row (the completion kept since then)
OVERVIEW = 2  # the session; the change log's last row (the rendered page kept since then)
GRID = 4  # the session; the last correction; the project's values and money (its score is
# computed from them, not from the whole document's year read again)


class Counted:
    """Every statement SQLite runs on the app's connections, as SQLite reports them."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, sql: str) -> None:
        self.statements.append(sql)

    def during(self, client: TestClient, url: str) -> list[str]:
        self.statements = []
        response = client.get(url)
        assert response.status_code == 200, (url, response.text[:300])
        return self.statements


@pytest.fixture()
def site(tmp_path: Path) -> Iterator[tuple[TestClient, Counted, int]]:
    app = create_app(str(tmp_path / "queries.sqlite"))
    house = app.state.store
    engine = house.engine
    reviewer = accounts.add_user(engine, "reviewer", PASSWORD, "reviewer")
    doc = read(SAMPLE)
    psb = accounts.add_user(engine, "psb", PASSWORD, "department", doc.department)
    doc_id = house.ingest_document(doc, year=2023).document_id
    house.act_on_document(psb, doc_id, "submit", 0)
    house.act_on_project(reviewer, doc_id, 3, "return", 0, "目标值偏低")
    house.add_opinion(reviewer, doc_id, 2, "请补充依据")
    house.put_actuals(reviewer, doc_id, 2023, [Actual(2, 0, "100%", "")])
    engine.dispose()  # every connection from here on is traced
    counted = Counted()
    event.listen(engine, "connect",
                 lambda dbapi, _: dbapi.set_trace_callback(counted))
    client = TestClient(app, base_url="https://testserver")
    login(client, "reviewer")
    yield client, counted, doc_id
    engine.dispose()


def _warm(client: TestClient, counted: Counted, url: str) -> list[str]:
    for _ in range(2):  # the document cached, the kept answers made
        counted.during(client, url)
    return counted.during(client, url)


def test_the_project_page_keeps_to_its_budget(site: tuple[TestClient, Counted, int]) -> None:
    client, counted, doc_id = site
    found = _warm(client, counted, f"/documents/{doc_id}/projects/2?year=2023")
    assert len(found) <= PROJECT_PAGE_IN_CYCLE, "\n".join(found)
    # the page read what it shows (its opinion, the returned project's state comes from the
    # cycle's rows), so the budget is not met by leaving something out
    page = client.get(f"/documents/{doc_id}/projects/2?year=2023").text
    assert "请补充依据" in page


def test_a_document_never_in_the_cycle_costs_two_statements_less(
        site: tuple[TestClient, Counted, int]) -> None:
    client, counted, _ = site
    house = client.app.state.store  # type: ignore[attr-defined]
    doc = generate_document(read(SAMPLE), seed=11, projects=5)
    other = house.ingest_document(doc, year=2024).document_id
    found = _warm(client, counted, f"/documents/{other}/projects/2?year=2023")
    assert len(found) <= PROJECT_PAGE, "\n".join(found)


def test_the_document_page_keeps_to_its_budget(site: tuple[TestClient, Counted, int]) -> None:
    client, counted, doc_id = site
    found = _warm(client, counted, f"/documents/{doc_id}")
    assert len(found) <= DOCUMENT_PAGE_IN_CYCLE, "\n".join(found)
    assert "目标值偏低" in client.get(f"/documents/{doc_id}").text  # the cycle was read


def test_the_overview_keeps_to_its_budget(site: tuple[TestClient, Counted, int]) -> None:
    client, counted, doc_id = site
    found = _warm(client, counted, "/overview")
    assert len(found) <= OVERVIEW, "\n".join(found)
    # after a write the overview is counted again — from the documents' stored counts, in a
    # bounded number of statements whatever the number of findings
    house = client.app.state.store  # type: ignore[attr-defined]
    house.add_opinion(accounts.list_users(house.engine)[0], doc_id, 4, "再看")
    again = counted.during(client, "/overview")
    assert 3 <= len(again) <= 12, "\n".join(again)
    assert not any("FROM findings" in s for s in again), "\n".join(again)


def test_the_year_end_grid_keeps_to_its_budget(site: tuple[TestClient, Counted, int]) -> None:
    client, counted, doc_id = site
    url = f"/documents/{doc_id}/projects/2/yearend?year=2023"
    found = _warm(client, counted, url)
    assert len(found) <= GRID, "\n".join(found)
    assert 'value="100%"' in client.get(url).text  # the stored value was read and shown
