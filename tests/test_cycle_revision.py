"""A revised upload is one transaction: the table, its change-log row and its place in the
review cycle are stored together, or (the step refused) nothing is (issue 15)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from jixiao import library
from jixiao.store import accounts, cycle
from jixiao.store.schema import changes, cycle_events, documents
from test_review_cycle import EXAMPLE, revised_text
from webclient import PASSWORD


def _counts(engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one()
                     for t in (documents, changes, cycle_events))


def test_a_refused_revision_stores_nothing_and_an_accepted_one_everything(db_url: str
                                                                          ) -> None:
    house = library.open_store(db_url)
    first = house.ingest(EXAMPLE.read_bytes(), EXAMPLE.name, year=2023).document_id
    department = house.document(first).doc.department
    psb = accounts.add_user(house.engine, "psb", PASSWORD, "department", department)
    rev = accounts.add_user(house.engine, "rev", PASSWORD, "reviewer")
    house.act_on_document(psb, first, "submit", 0)
    house.act_on_document(rev, first, "return", 1, "请修改")
    revised = revised_text().encode("utf-8")
    before = _counts(house.engine)
    # the revision the department saw is stale (another step came first): refused
    with pytest.raises(cycle.Conflict):
        house.ingest(revised, "psb-v2.txt", year=2023, user=psb, revises=(first, 1))
    assert _counts(house.engine) == before  # neither the table nor its log row
    # a reviewer may not revise a department's table: refused as well, nothing stored
    with pytest.raises(cycle.CycleError):
        house.ingest(revised, "psb-v2.txt", year=2023, user=rev, revises=(first, 2))
    assert _counts(house.engine) == before
    result = house.ingest(revised, "psb-v2.txt", year=2023, user=psb, revises=(first, 2))
    documents_, log, events = _counts(house.engine)
    assert (documents_, log, events) == (before[0] + 1, before[1] + 3, before[2] + 2)
    assert [c.action for c in accounts.list_changes(house.engine, limit=3)] == [
        "cycle-version", "cycle-revise", "upload"]
    new = cycle.document_state(house.engine, result.document_id)
    assert (new.version, new.previous_id, new.state) == (2, first, "draft")
    assert cycle.document_state(house.engine, first).state == "superseded"
