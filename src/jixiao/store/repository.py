"""Store functions: open a database, ingest a Document (one transaction), read it back."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    Dialect,
    Engine,
    Table,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError

from jixiao import matching
from jixiao.dbfile import ENV_VAR, default_db_path
from jixiao.errors import JixiaoError
from jixiao.interchange import money_text
from jixiao.messages import say
from jixiao.model import (
    AMOUNT_COLUMNS,
    Actual,
    Actuals,
    Amounts,
    Document,
    Execution,
    Finding,
    FormFields,
    Funding,
    Indicator,
    Level,
    Project,
    ProjectForm,
    ReadWarning,
    Severity,
    SourceInfo,
    SourceSpan,
    Unit,
)
from jixiao.store import partitions, search
from jixiao.store.migrate import upgrade
from jixiao.store.schema import (
    GRADE_COLUMNS,
    UNIT_SHIFT,
    actual_values,
    document_files,
    documents,
    executions,
    funding,
    indicators,
    projects,
    read_warnings,
    shift,
    units,
)
from jixiao.store.schema import findings as findings_table


class StoreError(JixiaoError):
    """A request the store cannot answer (unknown document, ambiguous reference …)."""


def database_url(db: str | None = None) -> str:
    """`db` (a URL or a file path), else $JIXIAO_DB, else the default SQLite file."""
    db = db or os.environ.get(ENV_VAR) or str(default_db_path())
    if "://" in db:
        return db
    path = Path(db).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def connect(db: str | None = None, migrate: bool = True) -> Engine:
    """An engine on the database, brought to the current schema (migrations) unless
    `migrate` is false."""
    url = database_url(db)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if migrate:
        upgrade(engine)
    return engine


# sqlite3 binds an exact int, float or str directly, but looks for an adapter for any
# other value — None and bool among them — by a slower path: half of a row's columns are
# None or a flag, and that search cost the writer more than the insert itself. These two
# (both C callables: no Python frame a value) bind what sqlite3 binds without them: NULL,
# and the flag as its integer.
sqlite3.register_adapter(type(None), {}.get)
sqlite3.register_adapter(bool, int)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA cache_size=-65536")  # 64 MB: index inserts of a large store
    cursor.close()


def content_hash(doc: Document) -> str:
    """A fingerprint of what the table says, blind to file name, encoding and line breaks."""
    amounts = _money_list
    return _content_digest(doc, [
        [u.name, amounts(u.subtotal),
         [[p.name, amounts(p.amounts), p.goal,
           [[i.seq, i.category, i.name, i.target] for i in p.indicators]]
          for p in u.projects]]
        for u in doc.units])


def _content_digest(doc: Document, units: list[Any]) -> str:
    """content_hash of `doc` whose units' content is `units` (prepare builds them in its
    pass over the rows)."""
    content = [doc.title, doc.department, doc.amount_unit, _money_list(doc.grand_total),
               units]
    form = _form_content(doc)
    if form is not None:  # only a form's: the sample's tables keep the hash they had
        content.append(form)
    return hashlib.sha256(_HASH_JSON.encode(content).encode("utf-8")).hexdigest()


# the content's JSON (one encoder for every document, not one a call)
_HASH_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _money_list(a: Amounts | None) -> list[str | None] | None:
    """The four amounts as their text (AMOUNT_COLUMNS' order), None without amounts."""
    if a is None:
        return None
    return [money_text(a.total), money_text(a.fiscal), money_text(a.special_account),
            money_text(a.other)]


def _form_content(doc: Document) -> list[Any] | None:
    """What a form adds to the table's content (kind, year, form columns and money lines),
    None when it adds nothing. Values, not flags: a form field left empty counts as none,
    so a JSON reading of a form hashes as its text does."""
    def values(form: Any, keys: tuple[str, ...]) -> dict[str, Any]:
        if form is None:
            return {}
        return {k: money_text(v) if isinstance(v, Decimal) else v
                for k in keys if (v := getattr(form, k)) is not None}

    if doc.kind is None and doc.year is None and all(
            p.form is None and all(i.form is None for i in p.indicators) for p in doc.projects):
        return None  # what the loop below finds without building it (most tables)
    projects = []
    for p in doc.projects:
        lines = [[f.label, money_text(f.amount)] for f in p.form.funding] if p.form else []
        projects.append([values(p.form, PROJECT_FORM_COLUMNS), lines,
                         [values(i.form, INDICATOR_FORM_COLUMNS) for i in p.indicators]])
    if doc.kind is None and doc.year is None and not any(
            p[0] or p[1] or any(p[2]) for p in projects):
        return None
    return [doc.kind, doc.year, projects]


# a form's columns, in the order of the tables' columns (schema.py, 0009)
INDICATOR_FORM_COLUMNS = ("category_points", "level2", "target_long", "weight", "direction",
                          "standard", "actual", "score", "reason")
PROJECT_FORM_COLUMNS = ("goal_long", "department", "period", "planned", "adjusted",
                        "executed", "execution_score", "total_score", "grade")
_PROJECT_FORM_MONEY = ("planned", "adjusted", "executed")  # in the published unit
_NO_INDICATOR_FORM = (False, *(None,) * len(INDICATOR_FORM_COLUMNS))
assert len(_NO_INDICATOR_FORM) == 10  # prepare writes it out in its common row
_NO_PROJECT_FORM = (False, *(None,) * len(PROJECT_FORM_COLUMNS))


@dataclass(frozen=True, slots=True)
class IngestResult:
    document_id: int
    status: str  # "new"; "unchanged" (these bytes, this name); "same-document" (alias added)
    projects: int
    indicators: int
    total: Decimal
    warnings: int


@dataclass(frozen=True, slots=True)
class PreparedDocument:
    """A document turned into rows, all but the document id: built where the document was
    read (a worker process in a bulk load), written by `ingest_prepared`."""

    sha256: str
    file_name: str
    format: str | None
    content_hash: str
    values: dict[str, Any]  # the documents row
    units: list[tuple[Any, ...]]
    projects: list[tuple[Any, ...]]
    indicators: list[tuple[Any, ...]]
    warnings: list[tuple[Any, ...]]
    findings: list[tuple[Any, ...]]
    funding: list[tuple[Any, ...]] = field(default_factory=list)  # a form's money lines


# the review's verdict rule (jixiao.audit.verdict, handed in by jixiao.library): a
# project's findings → 优/良/中/差; the store grades nothing itself
Grader = Callable[[list[Finding]], str]


def review_counts(n_projects: int, findings: Sequence[Finding], grade: Grader | None
                  ) -> dict[str, int | str | None]:
    """The documents columns of the review's counts (0013): the findings, the findings by
    rule (JSON), and the projects `grade` gives each grade — a project without findings
    is 优. Without a grader the grades are NULL (the overview grades such a document from
    its findings)."""
    counts: dict[str, int | str | None] = {
        "n_findings": len(findings), "rule_counts": rule_counts_text(f.rule for f in findings),
        **dict.fromkeys(GRADE_COLUMNS.values())}
    if grade is None:
        return counts
    by_project: dict[int, list[Finding]] = {}
    for f in findings:
        if f.project is not None:
            by_project.setdefault(f.project, []).append(f)
    graded = Counter(grade(fs) for fs in by_project.values())
    graded["优"] = n_projects - sum(n for g, n in graded.items() if g != "优")
    counts.update({column: graded[g] for g, column in GRADE_COLUMNS.items()})
    return counts


def rule_counts_text(rules: Iterable[str]) -> str:
    """documents.rule_counts: rule → findings, as JSON text (a COPY sends it as it is)."""
    return json.dumps(dict(sorted(Counter(rules).items())), ensure_ascii=False)


def prepare(doc: Document, file: SourceInfo | None = None, findings: Sequence[Finding] = (),
            year: int | None = None, grade: Grader | None = None) -> PreparedDocument:
    """The rows of `doc`. `file` describes the file ingested (name, sha256, format); by
    default the document's own source. They differ when a JSON reading of a text table is
    ingested. `year` defaults to the year the document states, else the one its title or
    file name names. Amounts are stored in 万元 (see schema.UNIT_SHIFT). `grade`: the
    verdict rule the projects' findings are counted by (review_counts)."""
    file = file or doc.source
    s = doc.source
    n_indicators = sum(len(p.indicators) for p in doc.projects)
    places = UNIT_SHIFT.get(doc.amount_unit, 0)  # an unknown unit is kept as published
    if year is None:
        year = doc.year if doc.year is not None else matching.year_of(doc.title, file.file,
                                                                      s.file)
    part_year = partitions.row_year(year)  # the rows' partition key (0011)
    unit_rows: list[tuple[Any, ...]] = []
    project_rows: list[tuple[Any, ...]] = []
    indicator_rows: list[tuple[Any, ...]] = []
    funding_rows: list[tuple[Any, ...]] = []
    content_units: list[Any] = []  # content_hash's units, built in the same pass
    # names and targets repeat across projects: one normalisation each, and one string
    # object each in the rows (a pickle sends a repeated object once), as for the
    # categories and the raw items (`one`)
    names: dict[str, tuple[str, str]] = {}
    targets: dict[str, tuple[str, str]] = {}
    one: dict[str, str] = {}
    text_key, indicator_key, form_row = matching.text_key, matching.indicator_key, \
        _indicator_form_row
    # a SourceSpan is a tuple: [1:4] is (first_line, last_line, page), the rows' columns
    for u_pos, unit in enumerate(doc.units):
        money = _money_row(unit.subtotal, places)
        unit_rows.append((u_pos, unit.name, unit.subtotal is not None, *money,
                          *unit.span[1:4]))
        content_projects: list[Any] = []
        content_units.append([unit.name, _content_money(unit.subtotal, money, places),
                              content_projects])
        for p in unit.projects:
            seq = p.seq
            pairs = []  # the indicators' keys and targets' keys: the project's set key
            content_indicators = []
            for position, i in enumerate(p.indicators):
                named = names.get(i.name)
                if named is None:
                    named = names[i.name] = (i.name, indicator_key(i.name))
                name, key = named
                aimed = targets.get(i.target)
                if aimed is None:
                    aimed = targets[i.target] = (i.target, text_key(i.target))
                target = aimed[0]
                pairs.append(f"{key}={aimed[1]}")
                category = i.category
                if category is not None:
                    category = one.setdefault(category, category)
                raw = one.setdefault(i.raw, i.raw)
                span = i.span
                content_indicators.append([i.seq, category, name, target])
                if i.form is None:  # the common row, as a plain tuple (_NO_INDICATOR_FORM)
                    indicator_rows.append((
                        seq, position, i.seq, category, name, target, raw, span[1], span[2],
                        span[3], False, None, None, None, None, None, None, None, None, None,
                        part_year, key))
                else:
                    indicator_rows.append((
                        seq, position, i.seq, category, name, target, raw, span[1], span[2],
                        span[3], *form_row(i.form), part_year, key))
            money = _money_row(p.amounts, places)
            project_rows.append((
                seq, u_pos, p.name, *money, p.goal, *p.span[1:4],
                _spans_json(p.field_spans), *_project_form_row(p.form, places), part_year,
                matching.project_key(p.name), matching.goal_key(p.goal),
                matching.set_key(pairs)))
            content_projects.append([p.name, _content_money(p.amounts, money, places), p.goal,
                                     content_indicators])
            if p.form is not None:
                funding_rows.extend((seq, position, f.label, money_text(shift(f.amount, places)))
                                    for position, f in enumerate(p.form.funding))
    chash = _content_digest(doc, content_units)
    values = dict(
        content_hash=chash, title=doc.title, department=doc.department,
        amount_unit=doc.amount_unit, has_grand_total=doc.grand_total is not None,
        **_amount_values(doc.grand_total, "grand_", places),
        source_file=s.file, source_format=s.format, source_encoding=s.encoding,
        source_lines=s.lines, source_pages=s.pages, n_units=len(doc.units),
        n_projects=len(doc.projects), n_indicators=n_indicators,
        n_warnings=len(doc.warnings), project_total=shift(doc.project_total, places),
        year=year, kind=doc.kind, stated_year=doc.year, doubtful=doc.doubtful,
        **review_counts(len(doc.projects), findings, grade),
    )
    return PreparedDocument(
        sha256=file.sha256 or chash, file_name=file.file or "", format=file.format,
        content_hash=chash, values=values, units=unit_rows, projects=project_rows,
        indicators=indicator_rows,
        warnings=[(k, w.code, str(w.severity), w.message, *w.span[1:4])
                  for k, w in enumerate(doc.warnings)],
        findings=[(k, f.rule, str(f.severity), f.message, f.project, f.indicator,
                   *f.span[1:4]) for k, f in enumerate(findings)],
        funding=funding_rows,
    )


def _content_money(a: Amounts | None, row: tuple[str | None, ...], places: int
                   ) -> list[str | None] | None:
    """_money_list(a), from the row's texts when they are the published ones."""
    if a is None:
        return None
    return list(row[:4]) if not places else _money_list(a)


def _indicator_form_row(form: FormFields | None) -> tuple[Any, ...]:
    """has_form and the form's columns as stored (decimals as their text)."""
    if form is None:
        return _NO_INDICATOR_FORM
    return (True, form.category_points, form.level2, form.target_long,
            money_text(form.weight), form.direction, form.standard, form.actual,
            money_text(form.score), form.reason)


def _project_form_row(form: ProjectForm | None, k: int) -> tuple[Any, ...]:
    """has_form and the form's lines as stored: the budget block in 万元, scores as they are."""
    if form is None:
        return _NO_PROJECT_FORM
    return (True, form.goal_long, form.department, form.period,
            money_text(shift(form.planned, k)), money_text(shift(form.adjusted, k)),
            money_text(shift(form.executed, k)), money_text(form.execution_score),
            money_text(form.total_score), form.grade)


# records a stored document in the change log, in the transaction that stores it: the
# connection, the result, and what was stored (its file name among the rest)
IngestLog = Callable[[Connection, "IngestResult", "PreparedDocument"], None]


def ingest(engine: Engine, doc: Document, file: SourceInfo | None = None,
           findings: Sequence[Finding] = (), year: int | None = None,
           log: IngestLog | None = None, grade: Grader | None = None) -> IngestResult:
    """Store a document in one transaction. The same bytes again change nothing; the same
    table under another name, encoding or wrapping is recorded as a file of the same document.
    `findings` (of jixiao.audit) are stored with a new document; see `prepare` for the rest.
    `log(conn, result, prepared)` runs inside that transaction: if it fails, nothing is
    stored.
    """
    return ingest_prepared(engine, [prepare(doc, file, findings, year, grade)], log)[0]


def ingest_prepared(engine: Engine, batch: Sequence[PreparedDocument],
                    log: IngestLog | None = None) -> list[IngestResult]:
    """Store prepared documents in one transaction (COPY on PostgreSQL): all or none, the
    change-log rows `log` writes for them included."""
    def store_all(conn: Connection, batch: Sequence[PreparedDocument]) -> list[IngestResult]:
        results = [_ingest_one(conn, d) for d in batch]
        for d, result in zip(batch, results, strict=True):
            if result.status == "new" and d.values.get("kind") == "self-evaluation":
                # a 自评表 is also that year's actuals of its target table (store.selfeval)
                from jixiao.store.selfeval import link_self_evaluation
                link_self_evaluation(conn, result.document_id)
        if log is not None:
            for d, result in zip(batch, results, strict=True):
                log(conn, result, d)
        return results

    partitions.ensure_years(engine, (d.values["year"] for d in batch))
    try:
        with engine.begin() as conn:
            return store_all(conn, batch)
    except IntegrityError:
        if len(batch) > 1:  # the caller decides: one by one (jixiao.bulk does)
            raise
        # another writer stored the same table (or file) between our look and our insert;
        # its transaction won, ours left nothing: look again, and find theirs
        with engine.begin() as conn:
            return store_all(conn, batch)


def _ingest_one(conn: Connection, d: PreparedDocument) -> IngestResult:
    seen = conn.execute(
        select(document_files.c.document_id, document_files.c.file_name)
        .where(document_files.c.sha256 == d.sha256)
    ).all()
    if any(r.file_name == d.file_name for r in seen):
        return _result(conn, seen[0].document_id, "unchanged")
    doc_id = seen[0].document_id if seen else conn.execute(
        select(documents.c.id).where(documents.c.content_hash == d.content_hash)
    ).scalar()
    if doc_id is not None:
        _add_file(conn, doc_id, d)
        return _result(conn, doc_id, "same-document")
    doc_id = conn.execute(insert(documents).values(**d.values)).inserted_primary_key[0]
    _add_file(conn, doc_id, d)
    for table, rows in ((units, d.units), (projects, d.projects),
                        (indicators, d.indicators), (funding, d.funding),
                        (read_warnings, d.warnings), (findings_table, d.findings)):
        _insert_many(conn, table, [(doc_id, *r) for r in rows])
    search.index_document(conn, doc_id)
    v = d.values
    return IngestResult(doc_id, "new", v["n_projects"], v["n_indicators"], v["project_total"],
                        v["n_warnings"])


def delete_document(engine: Engine, doc_id: int,
                    log: Callable[[Connection], None] | None = None) -> None:
    """Remove a document with everything stored for it (files, rows, findings, actuals,
    opinions). `log(conn)` records it in the same transaction: if it fails, nothing is
    removed."""
    with engine.begin() as conn:
        if conn.execute(delete(documents).where(documents.c.id == doc_id)).rowcount == 0:
            raise StoreError(say("store.no-document-id", id=doc_id))
        search.unindex_document(conn, doc_id)
        if log is not None:
            log(conn)


def known_files(engine: Engine) -> set[tuple[str, str]]:
    """(sha256, file name) of every file stored: a bulk load skips these unread."""
    with engine.connect() as conn:
        return {(r.sha256, r.file_name) for r in conn.execute(
            select(document_files.c.sha256, document_files.c.file_name))}


def stored_file(engine: Engine, sha256: str, file_name: str) -> IngestResult:
    """The document a stored file belongs to, as an 'unchanged' result."""
    with engine.connect() as conn:
        doc_id = conn.execute(select(document_files.c.document_id).where(
            document_files.c.sha256 == sha256, document_files.c.file_name == file_name)).scalar()
        if doc_id is None:
            raise StoreError(f"no stored file {file_name} ({sha256[:12]})")
        return _result(conn, doc_id, "unchanged")


def _add_file(conn: Connection, doc_id: int, d: PreparedDocument) -> None:
    conn.execute(insert(document_files).values(
        sha256=d.sha256, file_name=d.file_name, document_id=doc_id, format=d.format))


def _result(conn: Connection, doc_id: int, status: str) -> IngestResult:
    row = conn.execute(select(documents).where(documents.c.id == doc_id)).one()
    return IngestResult(doc_id, status, row.n_projects, row.n_indicators, row.project_total,
                        row.n_warnings)


def _span(span: SourceSpan) -> dict[str, Any]:
    out: dict[str, Any] = {"first_line": span.first_line, "last_line": span.last_line,
                           "page": span.page}
    if span.box is not None and span.page is not None:  # a field's cell on its page
        out["box"] = list(span.box)
    return out


def _spans_json(spans: dict[str, SourceSpan]) -> str:
    """projects.field_spans: the text json.dumps gives of {field: _span(span)}, written
    directly (the encoder's dicts cost more than the rest of a project's row); a span with
    a box goes through json.dumps, for its floats."""
    parts = []
    for k, v in spans.items():
        _, first, last, page, box = v
        if box is not None and page is not None:
            return json.dumps({k: _span(v) for k, v in spans.items()})
        name = _JSON_KEYS.get(k)
        if name is None:
            name = _JSON_KEYS[k] = json.dumps(k)
        parts.append(f'{name}: {{"first_line": {_json_int(first)}, '
                     f'"last_line": {_json_int(last)}, "page": {_json_int(page)}}}')
    return "{" + ", ".join(parts) + "}"


_JSON_KEYS: dict[str, str] = {}  # a field's name as a JSON key (a few dozen names)


def _json_int(n: int | None) -> str:
    return "null" if n is None else int.__repr__(n)


def _amount_values(a: Amounts | None, prefix: str = "", k: int = 0) -> dict[str, Any]:
    values: dict[str, Any] = {f"{prefix}{c}": shift(getattr(a, c), k) if a else None
                              for c in AMOUNT_COLUMNS}
    values[f"{prefix}columns_inferred"] = bool(a and a.columns_inferred)
    return values


def _money_row(a: Amounts | None, k: int = 0) -> tuple[str | None, ...]:
    """The four amounts as Money stores them (× 10^k: in 万元), then the columns_inferred
    flag."""
    if a is None:
        return (None, None, None, None, False)
    if k:
        return (money_text(shift(a.total, k)), money_text(shift(a.fiscal, k)),
                money_text(shift(a.special_account, k)), money_text(shift(a.other, k)),
                a.columns_inferred)
    return (money_text(a.total), money_text(a.fiscal), money_text(a.special_account),
            money_text(a.other), a.columns_inferred)


def _insert_many(conn: Connection, table: Table, rows: list[tuple[Any, ...]]) -> None:
    """Rows already in stored form and in the table's column order, straight to the driver
    (SQLAlchemy's per-row processing costs more than the insert): COPY on PostgreSQL,
    executemany elsewhere."""
    if not rows:
        return
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        columns = ", ".join(c.name for c in table.columns)
        statement = f"COPY {table.name} ({columns}) FROM STDIN"
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        except conn.dialect.loaded_dbapi.IntegrityError as exc:
            raise IntegrityError(statement, None, exc) from exc  # as an INSERT would
        return
    sql, keys = _insert_sql(conn.dialect, table)
    if keys is None:
        conn.exec_driver_sql(sql, rows)
    else:
        conn.exec_driver_sql(sql, [dict(zip(keys, r, strict=True)) for r in rows])


@functools.cache
def _insert_sql(dialect: Dialect, table: Table) -> tuple[str, list[str] | None]:
    """The driver's INSERT for every column of `table`, and the parameter names when the
    driver takes named parameters (None: positional, in column order)."""
    keys = [c.name for c in table.columns]
    compiled = insert(table).compile(dialect=dialect, column_keys=keys)
    if compiled.positional:
        assert list(compiled.positiontup or []) == keys
        return str(compiled), None
    return str(compiled), keys


# ---- reading back --------------------------------------------------------------------


class DocumentSummary(NamedTuple):
    """A row of the document list: a plain tuple, built without per-row objects of the
    database layer (the API list reads 50 a request)."""

    id: int
    title: str | None
    department: str | None
    source_file: str | None
    files: int
    projects: int
    indicators: int
    total: Decimal
    warnings: int
    ingested_at: Any


def list_documents(engine: Engine, *, department: str | None = None,
                   ids: Sequence[int] | None = None, limit: int | None = None,
                   offset: int = 0) -> list[DocumentSummary]:
    """Stored documents by id, optionally of one department or of the given ids, paged."""
    # counted for the rows of the page only, not grouped over every file of the store
    files = (select(func.count()).where(document_files.c.document_id == documents.c.id)
             .scalar_subquery().label("n"))
    d = documents.c
    query = (select(d.id, d.title, d.department, d.source_file, files, d.n_projects,
                    d.n_indicators, d.project_total, d.n_warnings, d.ingested_at)
             .order_by(d.id).limit(limit).offset(offset))
    if department is not None:
        query = query.where(d.department == department)
    if ids is not None:
        query = query.where(d.id.in_(ids))
    with engine.connect() as conn:
        return [DocumentSummary._make(r) for r in conn.execute(query)]


def count_documents(engine: Engine, *, department: str | None = None) -> int:
    query = select(func.count()).select_from(documents)
    if department is not None:
        query = query.where(documents.c.department == department)
    with engine.connect() as conn:
        return int(conn.execute(query).scalar() or 0)


def resolve_document(engine: Engine, ref: str) -> int:
    """A document id from an id, a file name seen at ingest, or a sha256 prefix (≥ 6)."""
    with engine.connect() as conn:
        if ref.isdigit():
            found = conn.execute(select(documents.c.id).where(documents.c.id == int(ref))).scalar()
            if found is not None:
                return int(found)
        ids = set(conn.execute(select(document_files.c.document_id)
                               .where(document_files.c.file_name == ref)).scalars())
        if not ids and len(ref) >= 6:
            ids = set(conn.execute(select(document_files.c.document_id)
                                   .where(document_files.c.sha256.startswith(ref.lower())))
                      .scalars())
    if len(ids) == 1:
        return ids.pop()
    if not ids:
        raise StoreError(say("store.no-document", ref=ref))
    raise StoreError(say("store.ambiguous", ref=ref, n=len(ids), ids=sorted(ids)))


def _amounts(row: Any, prefix: str = "", k: int = 0) -> Amounts:
    """The stored amounts of a row, × 10^-k: back in the published unit."""
    return Amounts(*(shift(getattr(row, f"{prefix}{c}"), -k) for c in AMOUNT_COLUMNS),
                   columns_inferred=getattr(row, f"{prefix}columns_inferred"))


def _indicator_form(r: Any) -> FormFields | None:
    if not r.has_form:
        return None
    return FormFields(*(getattr(r, c) for c in INDICATOR_FORM_COLUMNS))


def _project_form(r: Any, k: int, lines: list[Funding]) -> ProjectForm | None:
    if not r.has_form:
        return None
    values = {c: getattr(r, c) for c in PROJECT_FORM_COLUMNS}
    for c in _PROJECT_FORM_MONEY:
        values[c] = shift(values[c], -k)
    return ProjectForm(funding=lines, **values)


def load_document(engine: Engine, doc_id: int) -> Document:
    """The Document as it was ingested."""
    with engine.connect() as conn:
        d = conn.execute(select(documents).where(documents.c.id == doc_id)).one_or_none()
        if d is None:
            raise StoreError(say("store.no-document-id", id=doc_id))
        sha = conn.execute(select(document_files.c.sha256)
                           .where(document_files.c.document_id == doc_id)
                           .order_by(document_files.c.ingested_at).limit(1)).scalar()
        file = d.source_file

        def span(r: Any) -> SourceSpan:
            return SourceSpan(file, r.first_line, r.last_line, r.page)

        places = UNIT_SHIFT.get(d.amount_unit, 0)
        doc = Document(
            d.title, d.department, d.amount_unit,
            _amounts(d, "grand_", places) if d.has_grand_total else None,
            source=SourceInfo(file, sha, d.source_format, d.source_encoding, d.source_lines,
                              d.source_pages),
            year=d.stated_year, kind=d.kind, doubtful=d.doubtful,
        )
        unit_list = [
            Unit(r.name, _amounts(r, "", places) if r.stated else None, span=span(r))
            for r in conn.execute(select(units).where(units.c.document_id == doc_id)
                                  .order_by(units.c.position))
        ]
        by_project: dict[int, list[Indicator]] = {}
        for r in conn.execute(select(indicators).where(indicators.c.document_id == doc_id)
                              .order_by(indicators.c.project_seq, indicators.c.position)):
            by_project.setdefault(r.project_seq, []).append(
                Indicator(r.seq, r.category, r.name, r.target, r.raw, span(r),
                          _indicator_form(r)))
        lines: dict[int, list[Funding]] = {}
        for r in conn.execute(select(funding).where(funding.c.document_id == doc_id)
                              .order_by(funding.c.project_seq, funding.c.position)):
            lines.setdefault(r.project_seq, []).append(Funding(r.label, shift(r.amount, -places)))
        for r in conn.execute(select(projects).where(projects.c.document_id == doc_id)
                              .order_by(projects.c.seq)):
            unit_list[r.unit_position].projects.append(Project(
                r.seq, r.name, _amounts(r, "", places), r.goal, by_project.get(r.seq, []), span(r),
                {key: SourceSpan(file, v["first_line"], v["last_line"], v["page"],
                                 tuple(v["box"]) if v.get("box") else None)
                 for key, v in r.field_spans.items()},
                _project_form(r, places, lines.get(r.seq, [])),
            ))
        doc.units = unit_list
        doc.warnings = [
            ReadWarning(r.code, r.message, span(r), Severity(r.severity))
            for r in conn.execute(select(read_warnings).where(read_warnings.c.document_id
                                                              == doc_id)
                                  .order_by(read_warnings.c.position))
        ]
    return doc


def load_findings(engine: Engine, doc_id: int) -> list[Finding]:
    """The review findings stored when the document was ingested."""
    with engine.connect() as conn:
        file = conn.execute(select(documents.c.source_file)
                            .where(documents.c.id == doc_id)).scalar()
        rows = conn.execute(select(findings_table).where(findings_table.c.document_id == doc_id)
                            .order_by(findings_table.c.position))
        return [Finding(r.rule, Level(r.severity), r.message, r.project_seq,
                        r.indicator_position, SourceSpan(file, r.first_line, r.last_line,
                                                         r.page))
                for r in rows]


def store_actuals(engine: Engine, doc_id: int, actuals: Actuals) -> int:
    """Keep a year's (or a period's) answers for a document, replacing what was stored for
    the same year and period, in one transaction. Returns the number of values stored."""
    with engine.begin() as conn:
        if conn.execute(select(documents.c.id).where(documents.c.id == doc_id)).scalar() \
                is None:
            raise StoreError(say("store.no-document-id", id=doc_id))
        for table in (executions, actual_values):
            conn.execute(delete(table).where(table.c.document_id == doc_id,
                                             table.c.year == actuals.year,
                                             table.c.period == actuals.period))
        _insert_many(conn, executions, [
            (doc_id, actuals.year, actuals.period, e.project, money_text(e.adjusted_budget),
             money_text(e.executed), e.reason, e.span.file, e.span.first_line)
            for e in actuals.executions.values()])
        _insert_many(conn, actual_values, [
            (doc_id, actuals.year, actuals.period, a.project, a.indicator, a.value, a.reason,
             money_text(a.claimed_score), a.span.file, a.span.first_line)
            for a in actuals.values.values()])
    return len(actuals.values)


def load_actuals(engine: Engine, doc_id: int, year: int, period: str = "全年") -> Actuals:
    """The stored answers of a year and period (empty when nothing was imported)."""
    result = Actuals(year, period)
    with engine.connect() as conn:
        for r in conn.execute(select(executions).where(
                executions.c.document_id == doc_id, executions.c.year == year,
                executions.c.period == period)):
            result.executions[r.project_seq] = Execution(
                r.project_seq, r.adjusted_budget, r.executed, r.reason,
                SourceSpan(r.source_file, r.source_row, r.source_row))
        for r in conn.execute(select(actual_values).where(
                actual_values.c.document_id == doc_id, actual_values.c.year == year,
                actual_values.c.period == period)):
            result.values[(r.project_seq, r.position)] = Actual(
                r.project_seq, r.position, r.value, r.reason, r.claimed_score,
                SourceSpan(r.source_file, r.source_row, r.source_row))
    return result
