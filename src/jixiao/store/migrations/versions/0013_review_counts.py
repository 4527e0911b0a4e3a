"""The review's counts kept on each document (issue 17): its findings, and its projects
graded 优/良/中/差, so that the bureau's overview counts in SQL instead of grading every
document's findings after each change.

Revision ID: 0013
Revises: 0012

The stored documents are counted here from their stored findings by the verdict rule as it
was on the day of this revision (财预〔2015〕88号, domain.md §5): two errors or more, or a
finding of a blocking rule (no goal, no indicators) → 差; one error or three warnings or
more → 中; a warning or two → 良; else 优 (a project without findings among them).
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
COLUMNS = ("n_findings", "n_excellent", "n_good", "n_fair", "n_poor")
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
            op.add_column("documents", sa.Column(name, sa.Integer(), nullable=True))
    # every stored document counted: none findings, every project 优, then the graded ones
    counts = {doc_id: {"n_findings": 0, "n_excellent": n_projects, "n_good": 0, "n_fair": 0,
                       "n_poor": 0}
              for doc_id, n_projects in conn.execute(sa.text(
                  "SELECT id, n_projects FROM documents"))}
    for doc_id, n in conn.execute(sa.text(
            "SELECT document_id, COUNT(*) FROM findings GROUP BY document_id")):
        counts[doc_id]["n_findings"] = n
    for doc_id, grade, n in conn.execute(sa.text(GRADED)):
        if grade != "n_excellent":  # (notes only: 优, counted already)
            counts[doc_id][grade] += n
            counts[doc_id]["n_excellent"] -= n
    if counts:
        conn.execute(sa.text(
            "UPDATE documents SET n_findings = :n_findings, n_excellent = :n_excellent, "
            "n_good = :n_good, n_fair = :n_fair, n_poor = :n_poor WHERE id = :id"),
            [{"id": doc_id, **c} for doc_id, c in counts.items()])


def downgrade() -> None:
    # plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35), as 0009: a batch rebuild of documents
    # would cascade to every row of the documents under foreign_keys=ON
    for name in COLUMNS:
        op.drop_column("documents", name)
