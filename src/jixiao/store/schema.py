"""The SQLAlchemy schema: documents, their files, units, projects, indicators, warnings.

Rows of a document are keyed by (document_id, position) so that a whole document is
written with plain bulk inserts and no round trip per row.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.types import TypeDecorator


class Money(TypeDecorator[Decimal]):
    """Decimal stored as its exact text ("477.00"): the same on every backend, scale kept."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else format(value, "f")

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


# 0009: amounts are stored in 万元 whatever unit the table printed; a published figure in
# 元 is shifted by 10^-4 (its digits kept, so the shift back gives the published text)
UNIT_SHIFT: dict[str, int] = {"元": -4, "千元": -1, "万元": 0, "亿元": 4}


def shift(value: Decimal | None, places: int) -> Decimal | None:
    """`value` × 10^places, exactly: only the exponent moves, every digit is kept."""
    if value is None or places == 0 or not value.is_finite():
        return value
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    return Decimal((sign, digits, exponent + places))


def _now() -> datetime:
    return datetime.now(UTC)


def _amount_columns(prefix: str = "") -> list[Column[Any]]:
    return [Column(f"{prefix}{c}", Money) for c in ("total", "fiscal", "special_account", "other")]


def _span_columns() -> list[Column[Any]]:
    return [Column("first_line", Integer), Column("last_line", Integer), Column("page", Integer)]


metadata = MetaData()

# 0013: the review grades (jixiao.audit.GRADES) and the documents column counting each
GRADE_COLUMNS = {"优": "n_excellent", "良": "n_good", "中": "n_fair", "差": "n_poor"}

documents = Table(
    "documents", metadata,
    Column("id", Integer, primary_key=True),
    Column("content_hash", String(64), nullable=False, unique=True),
    Column("title", Text),
    Column("department", Text),
    Column("amount_unit", String(8), nullable=False),
    Column("has_grand_total", Boolean, nullable=False),
    *_amount_columns("grand_"),
    Column("grand_columns_inferred", Boolean, nullable=False, default=False),
    Column("source_file", Text),
    Column("source_format", String(16)),
    Column("source_encoding", String(16)),
    Column("source_lines", Integer),
    Column("source_pages", Integer),
    Column("n_units", Integer, nullable=False),
    Column("n_projects", Integer, nullable=False),
    Column("n_indicators", Integer, nullable=False),
    Column("n_warnings", Integer, nullable=False),
    Column("project_total", Money, nullable=False),
    Column("ingested_at", DateTime(timezone=True), nullable=False, default=_now),
    # 0003: the budget year, from --year, the title or the file name (None when unknown)
    Column("year", Integer, index=True),
    # 0009: what a form says of itself: targets, self-evaluation or department (None: the
    # sample's table), and the year it states (Document.year; `year` above may come from
    # --year or the file name)
    Column("kind", String(20)),
    Column("stated_year", Integer),
    # 0009: a cross-check of the reading failed (jixiao.checks; Document.doubtful)
    Column("doubtful", Boolean, nullable=False, default=False, server_default=false()),
    # 0013: the review's counts, stored with the findings (and replaced with them): findings,
    # findings by rule (a JSON object, rule → count), and projects graded 优/良/中/差 by the
    # verdict rule — the overview reads them instead of every document's findings after each
    # change. Grades NULL: stored without a grader (jixiao.library wires
    # jixiao.audit.verdict); the overview grades those itself
    Column("n_findings", Integer),
    Column("rule_counts", Text),
    *(Column(name, Integer) for name in GRADE_COLUMNS.values()),
)

# Every file seen for a document: the same bytes under another name, or another
# encoding or line wrapping of the same table, all point to one document.
document_files = Table(
    "document_files", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("file_name", String(400), primary_key=True),  # "" when read from stdin
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("format", String(16)),
    Column("ingested_at", DateTime(timezone=True), nullable=False, default=_now),
)

units = Table(
    "units", metadata,
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("stated", Boolean, nullable=False),
    *_amount_columns(),
    Column("columns_inferred", Boolean, nullable=False, default=False),
    *_span_columns(),
)

projects = Table(
    "projects", metadata,
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("unit_position", Integer, nullable=False),
    Column("name", Text, nullable=False),
    *_amount_columns(),
    Column("columns_inferred", Boolean, nullable=False, default=False),
    Column("goal", Text, nullable=False),
    *_span_columns(),
    Column("field_spans", JSON, nullable=False),
    # 0009: a form's project lines (ProjectForm); has_form tells an empty form from none
    # (before the matching keys: a row's tuple ends with its keys, as before 0009).
    # planned, adjusted and executed are money (万元, like the amounts)
    Column("has_form", Boolean, nullable=False, default=False, server_default=false()),
    Column("goal_long", Text),
    Column("department", Text),
    Column("period", Text),
    Column("planned", Money),
    Column("adjusted", Money),
    Column("executed", Money),
    Column("execution_score", Money),
    Column("total_score", Money),
    Column("grade", Text),
    # 0011: the document's year (0: unknown), the partition key on PostgreSQL, where it
    # ends the primary key (document_id, seq, year) (jixiao.store.partitions)
    Column("year", Integer, nullable=False, server_default=text("0")),
    # 0003: keys of jixiao.matching, to meet the same project, goal or indicator set
    # in other documents
    Column("name_key", Text, index=True),
    Column("goal_key", String(16)),
    Column("indicator_set_key", String(16)),
    # 0007: copies are found by grouping these keys and counting names: read from the
    # index alone (they replace 0003's single-column indexes)
    Index("ix_projects_goal_key_name", "goal_key", "name_key"),
    Index("ix_projects_set_key_name", "indicator_set_key", "name_key"),
)

indicators = Table(
    "indicators", metadata,
    Column("document_id", Integer, primary_key=True),
    Column("project_seq", Integer, primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("category", String(16)),
    Column("name", Text, nullable=False),
    Column("target", Text, nullable=False),
    Column("raw", Text, nullable=False),
    *_span_columns(),
    # 0009: a form's indicator columns (FormFields), as written; weight and score as decimals
    Column("has_form", Boolean, nullable=False, default=False, server_default=false()),
    Column("category_points", Text),
    Column("level2", Text),
    Column("target_long", Text),
    Column("weight", Money),
    Column("direction", Text),
    Column("standard", Text),
    Column("actual", Text),
    Column("score", Money),
    Column("reason", Text),
    # 0011: the document's year (0: unknown), as in projects; on PostgreSQL the partition
    # key, in the primary key and in the foreign key to projects
    Column("year", Integer, nullable=False, server_default=text("0")),
    Column("name_key", Text),  # 0003: jixiao.matching.indicator_key(name); indexed below
    ForeignKeyConstraint(["document_id", "project_seq"], ["projects.document_id", "projects.seq"],
                         ondelete="CASCADE"),
    # 0005: one indicator across every document is a range scan of this index alone (it
    # replaces 0003's index on name_key: one index less to keep at every insert)
    Index("ix_indicators_compare", "name_key", "target", "document_id", "project_seq",
          "position"),
)

# 0009: every money line a form prints under a project's total, label as written, amount
# in 万元 like the other amounts
funding = Table(
    "funding", metadata,
    Column("document_id", Integer, primary_key=True),
    Column("project_seq", Integer, primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("label", Text, nullable=False),
    Column("amount", Money),
    ForeignKeyConstraint(["document_id", "project_seq"], ["projects.document_id", "projects.seq"],
                         ondelete="CASCADE"),
)

read_warnings = Table(
    "read_warnings", metadata,
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("code", String(40), nullable=False, index=True),
    Column("severity", String(8), nullable=False),
    Column("message", Text, nullable=False),
    *_span_columns(),
)

# What the review (jixiao.audit, default profile) found when the document was ingested.
findings = Table(
    "findings", metadata,
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("rule", String(40), nullable=False, index=True),
    Column("severity", String(8), nullable=False),
    Column("message", Text, nullable=False),
    Column("project_seq", Integer),
    Column("indicator_position", Integer),
    *_span_columns(),
)

# What a department reported for a year (jixiao.evaluation): money per project …
executions = Table(
    "executions", metadata,
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("period", String(20), primary_key=True),  # 全年, or the date of a mid-year report
    Column("project_seq", Integer, primary_key=True),
    Column("adjusted_budget", Money),
    Column("executed", Money),
    Column("reason", Text, nullable=False),
    Column("source_file", Text),
    Column("source_row", Integer),
)

# … and an actual value per indicator.
actual_values = Table(
    "actual_values", metadata,
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("period", String(20), primary_key=True),
    Column("project_seq", Integer, primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("value", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("claimed_score", Money),
    Column("source_file", Text),
    Column("source_row", Integer),
)

# ---- people and what they write (issue 7) ----------------------------------------------

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(80), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),  # argon2id
    Column("role", String(16), nullable=False),  # admin, reviewer, department
    Column("department", Text),  # a department user's 部门名称, as the tables print it
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False, default=_now),
)

# a browser's login: the cookie holds the token, the database only its hash
sessions = Table(
    "sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("csrf", String(64), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

api_tokens = Table(
    "api_tokens", metadata,
    # 0008: a number to list and revoke a token by (the table is rebuilt around it)
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, default=_now),
    # 0008: every token expires; each use is counted; a revoked one stays listed
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True)),
    Column("uses", Integer, nullable=False, default=0),
    Column("revoked_at", DateTime(timezone=True)),
)

# 0008: failed logins per name typed and per peer address, kept in the database so that
# every server process throttles alike; a row is forgotten a while after its last failure
# unless it locked the name (then only an admin's unlock removes it)
login_attempts = Table(
    "login_attempts", metadata,
    Column("kind", String(8), primary_key=True),  # "user" or "address"
    Column("name", String(200), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", DateTime(timezone=True), nullable=False, index=True),
    Column("blocked_until", DateTime(timezone=True)),
    Column("locked_at", DateTime(timezone=True)),
)

# a review opinion (审核意见) on a project or one of its findings, or a department's reply
opinions = Table(
    "opinions", metadata,
    Column("id", Integer, primary_key=True),
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("project_seq", Integer, nullable=False),
    Column("finding_position", Integer),
    Column("user_id", ForeignKey("users.id"), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, default=_now),
)

# every change made through the web or the API: who, when, what before, what after
changes = Table(
    "changes", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, default=_now),
    Column("user_id", Integer),
    Column("username", String(80)),
    Column("action", String(40), nullable=False),
    Column("entity", Text, nullable=False),  # "document 3", "actual 3/2023/全年/12/0" …
    Column("before", JSON),
    Column("after", JSON),
)

# review profiles (TOML, as `jixiao audit --rules` reads them) an admin keeps for the
# bureau; the active one reviews every upload
rule_profiles = Table(
    "rule_profiles", metadata,
    Column("name", String(80), primary_key=True),
    Column("toml", Text, nullable=False),
    Column("active", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False, default=_now),
)

# ---- the review cycle (issue 17) -------------------------------------------------------

# 0010: a document's place in the cycle: which version of which submission it is (cycle_id:
# the first version's document id) and its state (jixiao.store.cycle). A document without
# a row is a draft, version 1 of its own cycle. `revision` grows at every change: an action
# names the revision its maker saw, and is refused when another got there first.
cycle_documents = Table(
    "cycle_documents", metadata,
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("cycle_id", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("previous_id", Integer),  # the version this one revises
    Column("state", String(16), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("opinion", Text),  # the last opinion on the whole document
    Column("updated_at", DateTime(timezone=True), nullable=False, default=_now),
    Column("updated_by", String(80)),
    UniqueConstraint("cycle_id", "version", name="uq_cycle_documents_version"),
)

# 0010: a project's verdict in the cycle (pending when it has no row), with its opinion
cycle_projects = Table(
    "cycle_projects", metadata,
    Column("document_id", Integer, primary_key=True),
    Column("project_seq", Integer, primary_key=True),
    Column("state", String(16), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("opinion", Text),
    Column("updated_at", DateTime(timezone=True), nullable=False, default=_now),
    Column("updated_by", String(80)),
    ForeignKeyConstraint(["document_id", "project_seq"], ["projects.document_id", "projects.seq"],
                         ondelete="CASCADE"),
)

# 0010: every step of the cycle, for the history and the 待办 lists (the change log has
# each one too, in the same transaction)
cycle_events = Table(
    "cycle_events", metadata,
    Column("id", Integer, primary_key=True),
    Column("cycle_id", Integer, nullable=False, index=True),
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("project_seq", Integer),  # None: the whole document
    Column("action", String(16), nullable=False),
    Column("before", String(16)),
    Column("after", String(16), nullable=False),
    Column("opinion", Text),
    Column("user_id", Integer),
    Column("username", String(80)),
    Column("at", DateTime(timezone=True), nullable=False, default=_now, index=True),
)

# ---- what a person checks against the source (issue 19, store.corrections) -------------

# 0012: the bytes of a PDF uploaded, by their sha256 (document_files.sha256 names them): the
# cropped image of a doubtful cell is rendered from them
sources = Table(
    "sources", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("format", String(16)),
    Column("size", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("stored_at", DateTime(timezone=True), nullable=False, default=_now),
)

# 0012: the box on its PDF page of a span that has one (SourceSpan.box), beside the rows so
# that their tuples and the bulk COPY stay as they were: kind "warning" (position: the
# warning's), "project" (the row), "field" (field: a field_spans key), "indicator"
span_boxes = Table(
    "span_boxes", metadata,
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(12), primary_key=True),
    Column("project_seq", Integer, primary_key=True),  # 0 for a warning
    Column("position", Integer, primary_key=True),  # the warning's or indicator's; else 0
    Column("field", String(20), primary_key=True),  # a field_spans key; else ""
    Column("page", Integer, nullable=False),
    Column("x0", Float, nullable=False),
    Column("y0", Float, nullable=False),
    Column("x1", Float, nullable=False),
    Column("y1", Float, nullable=False),
)

# 0012: a person's word on a doubtful value: confirmed as read, or corrected (the published
# value kept beside it); the last one per field applies (store.corrections.overlay)
corrections = Table(
    "corrections", metadata,
    Column("id", Integer, primary_key=True),
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("project_seq", Integer, nullable=False),
    Column("field", String(20), nullable=False),  # total … other, name, goal, target
    Column("indicator_position", Integer),  # for a target
    Column("warning_position", Integer),  # the doubt it answers
    Column("action", String(8), nullable=False),  # confirm, correct
    Column("published", Text),  # the value as read
    Column("value", Text),  # the corrected value; None when confirmed
    Column("user_id", Integer),
    Column("username", String(80)),
    Column("at", DateTime(timezone=True), nullable=False, default=_now),
)
