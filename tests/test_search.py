"""Chinese substring search (jixiao.store.search): FTS5 trigram on SQLite, pg_trgm on
PostgreSQL, the same answers on both."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import text

from conftest import SAMPLE
from jixiao import store
from jixiao.readers import read
from jixiao.store.search import search


def expected(doc, q: str) -> set[tuple[str, int, int | None]]:
    found = set()
    for p in doc.projects:
        if q in p.name:
            found.add(("project", p.seq, None))
        if q in p.goal:
            found.add(("goal", p.seq, None))
        for k, i in enumerate(p.indicators):
            if q in i.name:
                found.add(("indicator", p.seq, k))
    return found


def test_substring_search_finds_what_the_text_holds(db_url: str) -> None:
    engine = store.connect(db_url)
    doc = read(SAMPLE)
    store.ingest(engine, doc)
    for q in ("故障率", "满意度", "运维项目", "视频", "率"):  # 1-2 characters: a scan
        hits, total = search(engine, q, limit=1000)
        assert {(h.kind, h.project_seq, h.position) for h in hits} == expected(doc, q), q
        assert total == len(expected(doc, q)) > 0
    hits, total = search(engine, "故障率", kinds=("indicator",), limit=5, offset=3)
    assert total == len([x for x in expected(doc, "故障率") if x[0] == "indicator"])
    assert len(hits) == 5 and all(h.kind == "indicator" and "故障率" in h.text for h in hits)
    assert search(engine, "没有这样的文字") == ([], 0)


def test_metacharacters_are_text(db_url: str) -> None:
    engine = store.connect(db_url)
    doc = read(SAMPLE)
    p = doc.projects[0]
    doc.units[0].projects[0] = replace(p, name="100%_完成 ' OR 1=1 -- <script>")
    store.ingest(engine, doc)
    [hit] = search(engine, "%_完成 '")[0]
    assert hit.project == "100%_完成 ' OR 1=1 -- <script>"
    assert search(engine, '"')[1] == 0
    hits, total = search(engine, "%", limit=100)  # a literal %, not a wildcard
    assert {(h.kind, h.project_seq, h.position) for h in hits} == expected(doc, "%")
    assert ("project", 1, None) in expected(doc, "%") and total < 10


def test_deleting_a_document_removes_it_from_search(db_url: str) -> None:
    engine = store.connect(db_url)
    result = store.ingest(engine, read(SAMPLE))
    assert search(engine, "故障率")[1] > 0
    store.delete_document(engine, result.document_id)
    assert search(engine, "故障率") == ([], 0)
    assert store.list_documents(engine) == []


def test_postgresql_has_trigram_indexes(postgres_url: str) -> None:
    engine = store.connect(postgres_url)
    with engine.connect() as conn:
        names = set(conn.execute(text("SELECT indexname FROM pg_indexes WHERE indexname "
                                      "LIKE '%trgm'")).scalars())
        # CJK characters make trigrams in the C.UTF-8 locale: the index can serve the query
        trigrams = conn.execute(text("SELECT show_trgm('系统故障率')")).scalar()
    assert names == {"ix_projects_name_trgm", "ix_projects_goal_trgm", "ix_indicators_name_trgm"}
    assert len(trigrams) >= 3
