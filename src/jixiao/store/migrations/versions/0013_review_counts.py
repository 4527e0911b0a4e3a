"""The review's counts kept on each document (issue 17): its findings, its findings by rule
(JSON text, rule → count) and its projects graded 优/良/中/差, so that the bureau's overview
reads them instead of grading every document's findings after each change.

Revision ID: 0013
Revises: 0012

The stored documents are counted here from their stored findings by the verdict rule as it
was on the day of this revision (财预〔2015〕88号, domain.md §5): two errors or more, or a
finding of a blocking rule (no goal, no indicators) → 差; one error or three warnings or
more → 中; a warning or two → 良; else 优 (a project without findings among them).
"""

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
COLUMNS = ("n_findings", "rule_counts", "n_excellent", "n_good", "n_fair", "n_poor")
BLOCKING = ("S1-missing-goal", "S2-no-indicators")

# each project with findings graded; a project without findings is 优 (counted after)
GRADED = f"""
SELECT document_id, CASE
         WHEN errors >= 2 OR blocking > 0 THEN 'n_poor'
         WHEN errors = 1 OR warnings >= 3 THEN 'n_fair'
         WHEN warnings > 0 THEN 'n_good'
         ELSE 'n_excellent' END AS grade, COUNT(*) AS n
FROM (SELECT document_id, project_seq,
             SUM(CASE WHEN severity = 'error' THEN 1 ELSE 0 END) AS errors,
             SUM(CASE WHEN severity = 'warning' THEN 1 ELSE 0 END) AS warnings,
             SUM(CASE WHEN rule IN ('{BLOCKING[0]}', '{BLOCKING[1]}') THEN 1 ELSE 0 END)
               AS blocking
      FROM findings WHERE project_seq IS NOT NULL
      GROUP BY document_id, project_seq) AS per_project
GROUP BY document_id, grade
"""


def upgrade() -> None:
    conn = op.get_bind()
    present = {c["name"] for c in sa.inspect(conn).get_columns("documents")}
    for name in COLUMNS:
        if name not in present:
            kind = sa.Text() if name == "rule_counts" else sa.Integer()
            op.add_column("documents", sa.Column(name, kind, nullable=True))
    # every stored document counted: no findings, every project 优, then the graded ones
    counts: dict[int, dict[str, Any]] = {
        doc_id: {"n_findings": 0, "n_excellent": n_projects, "n_good": 0, "n_fair": 0,
                 "n_poor": 0}
        for doc_id, n_projects in conn.execute(sa.text("SELECT id, n_projects FROM documents"))}
    rules: dict[int, dict[str, int]] = {doc_id: {} for doc_id in counts}
    for doc_id, rule, n in conn.execute(sa.text(
            "SELECT document_id, rule, COUNT(*) FROM findings GROUP BY document_id, rule")):
        rules[doc_id][rule] = n
        counts[doc_id]["n_findings"] += n
    for doc_id, found in rules.items():
        counts[doc_id]["rule_counts"] = json.dumps(dict(sorted(found.items())),
                                                   ensure_ascii=False)
    for doc_id, grade, n in conn.execute(sa.text(GRADED)):
        if grade != "n_excellent":  # (notes only: 优, counted already)
            counts[doc_id][grade] += n
            counts[doc_id]["n_excellent"] -= n
    if counts:
        conn.execute(sa.text(
            "UPDATE documents SET n_findings = :n_findings, rule_counts = :rule_counts, "
            "n_excellent = :n_excellent, "
            "n_good = :n_good, n_fair = :n_fair, n_poor = :n_poor WHERE id = :id"),
            [{"id": doc_id, **c} for doc_id, c in counts.items()])


def downgrade() -> None:
    # plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35), as 0009: a batch rebuild of documents
    # would cascade to every row of the documents under foreign_keys=ON
    present = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("documents")}
    for name in COLUMNS:
        if name in present:
            op.drop_column("documents", name)
