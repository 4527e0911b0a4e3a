"""Answers kept while the store has not changed (store.memo): the overview and the
completion counts are computed again only after a write."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from conftest import SAMPLE
from jixiao import library, store
from jixiao.readers import read
from jixiao.store import accounts, cycle, memo


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
    cycle.act_on_document(house.engine, psb, first, "submit", 0)  # a write, logged
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
