"""The review's counts stored with each document (migration 0013): its findings and its
projects graded 优/良/中/差. What the overview counts in SQL must equal what grading the
stored findings by the verdict rule gives — for a document stored by the library, one
stored without a grader, one corrected (its findings replaced), and a store taken up to
0013 from 0012 — on a real SQLite file and the real PostgreSQL server."""

from __future__ import annotations

import json
from collections import Counter

from sqlalchemy import inspect, select

from conftest import REPO
from jixiao import library, store
from jixiao.audit import AuditReport, audit
from jixiao.readers import read
from jixiao.store import cycle
from jixiao.store.migrate import downgrade, upgrade
from jixiao.store.schema import GRADE_COLUMNS, documents
from jixiao.store.store import Store
from jixiao.synthetic import generate_document

EXAMPLE = REPO / "examples" / "guangzhou-psb-targets.txt"


def _graded(engine, doc_id: int) -> tuple[Counter[str], int, Counter[str]]:
    """The projects of each grade, the findings and the findings by rule, by grading the
    stored findings."""
    doc = store.load_document(engine, doc_id)
    found = store.load_findings(engine, doc_id)
    report = AuditReport("stored", found, [p.seq for p in doc.projects])
    return Counter(report.verdicts().values()), len(found), report.counts()


def _stored(engine, doc_id: int) -> tuple[Counter[str], int, Counter[str]]:
    with engine.connect() as conn:
        row = conn.execute(select(documents).where(documents.c.id == doc_id)).one()
    return (Counter({g: row._mapping[c] for g, c in GRADE_COLUMNS.items()}),
            row.n_findings, Counter(json.loads(row.rule_counts)))


def _house(db_url: str) -> tuple[Store, list[int]]:
    """The sample and three generated tables (various grades), stored by the library."""
    house = library.open_store(db_url)
    sample = read(EXAMPLE)
    ids = [house.ingest_document(sample, year=2023).document_id]
    for seed in (3, 4, 5):
        doc = generate_document(sample, seed=seed, projects=30)
        ids.append(house.ingest_document(doc, year=2024).document_id)
    return house, ids


def test_counts_stored_with_the_findings_equal_grading(db_url: str) -> None:
    house, ids = _house(db_url)
    grades = Counter[str]()
    for doc_id in ids:
        want = _graded(house.engine, doc_id)
        assert _stored(house.engine, doc_id) == want
        grades += want[0]
    # the store holds more than one grade, or the test would prove little
    assert len(+grades) >= 3, grades
    rows = {r.document_id: r for r in library.overview(house)}
    for doc_id in ids:
        assert rows[doc_id].graded and rows[doc_id].project_findings == {}
        assert rows[doc_id].verdicts == _graded(house.engine, doc_id)[0]
        assert rows[doc_id].findings == _graded(house.engine, doc_id)[1]
        assert rows[doc_id].rules == _graded(house.engine, doc_id)[2]


def test_a_document_stored_without_a_grader_is_graded_by_the_overview(db_url: str) -> None:
    engine = store.connect(db_url)
    doc = generate_document(read(EXAMPLE), seed=7, projects=40)
    found = audit(doc).findings
    doc_id = store.ingest(engine, doc, findings=found, year=2024).document_id
    counts, n, rules = _stored(engine, doc_id)
    assert n == len(found) and set(counts.values()) == {None}
    [row] = library.overview(library.store_of(engine))
    assert not row.graded and row.verdicts == _graded(engine, doc_id)[0]
    assert row.rules == rules == _graded(engine, doc_id)[2]
    assert sum(row.verdicts.values()) == 40 and row.findings == len(found)


def test_a_correction_recounts_with_the_findings_it_replaces(db_url: str) -> None:
    house = library.open_store(db_url)
    doc_id = house.ingest_document(read(EXAMPLE), year=2023).document_id
    before = _stored(house.engine, doc_id)
    # project 1's 财政拨款 raised by 1,000 万元: its row no longer sums (A1-row-sum, an error)
    project = house.document(doc_id).doc.projects[0]
    raised = project.amounts.fiscal + 1000
    house.correct(None, doc_id, project.seq, "fiscal", None, "correct", format(raised, "f"))
    after = _stored(house.engine, doc_id)
    assert after == _graded(house.engine, doc_id) and after != before
    [row] = library.overview(house)
    assert row.verdicts == after[0] and row.findings == after[1] and row.rules == after[2]
    assert after[2]["A1-row-sum"] == before[2]["A1-row-sum"] + 1


def test_upgrade_to_0013_counts_the_stored_documents(db_url: str) -> None:
    house, ids = _house(db_url)
    want = {doc_id: _graded(house.engine, doc_id) for doc_id in ids}
    assert downgrade(house.engine, "0012") == "0012"
    assert "n_poor" not in {c["name"] for c in inspect(house.engine).get_columns("documents")}
    assert upgrade(house.engine) == "0013"
    assert {doc_id: _stored(house.engine, doc_id) for doc_id in ids} == want
    # (Counters compare missing grades as zero)
    assert {r.document_id: r.verdicts for r in cycle.overview_rows(house.engine)} == {
        doc_id: w[0] for doc_id, w in want.items()}


def test_a_bulk_load_stores_the_counts_too(db_url: str, tmp_path) -> None:
    """Workers review and grade; on PostgreSQL the rows go in by COPY (store.load)."""
    from jixiao import bulk
    from test_bulk import write_corpus

    engine = store.connect(db_url)
    paths = write_corpus(tmp_path / "in", 3)
    outcomes = bulk.ingest_files(engine, paths, workers=1)
    ids = [o.result.document_id for o in outcomes if o.result is not None]
    assert len(ids) == 3
    for doc_id in ids:
        assert _stored(engine, doc_id) == _graded(engine, doc_id)
