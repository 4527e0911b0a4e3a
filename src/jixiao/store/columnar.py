"""The stored documents as Arrow record batches, straight from SQL: the tables an analyst
exports (documents, units, projects, indicators, funding, funding_lines; their columns are
jixiao.writers.tabular.TABLES), with no Document or Project built on the way.

SQLite and PostgreSQL are read through ADBC, which turns a query's rows into Arrow columns
in C (PostgreSQL by binary COPY): no Python object per value. Other databases go through
the SQLAlchemy driver's cursor. A few hundred documents are read at a time (one query per
table), so a store of any size is exported in the memory of one chunk.

Amounts leave the store as their exact decimal text in the published unit (the store keeps
万元, schema.UNIT_SHIFT): a writer turns the text into a CSV field or a Parquet decimal
without a float in between. The columns computed from an indicator's text (its parsed
target, its taxonomy) come from the same functions as `tabular.document_rows`, once per
distinct indicator (tables repeat theirs).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Engine, Select, String, and_, select, type_coerce

from jixiao.model import AMOUNT_COLUMNS, AMOUNT_LABELS
from jixiao.store.schema import (
    UNIT_SHIFT,
    document_files,
    documents,
    funding,
    indicators,
    projects,
    shift,
    units,
)
from jixiao.targets import parse
from jixiao.taxonomy import classify_fields

CHUNK = 200  # documents per round of queries: ~100k indicator rows of generated tables

# Every exported column is an int64 or a string (amounts and points as decimal text).
_INTEGERS = frozenset({"document", "project", "seq", "first_line", "page", "year", "line"})
COLUMNS: dict[str, tuple[str, ...]] = {
    "documents": ("document", "title", "department", "source_file", "sha256",
                  *(f"grand_{c}" for c in AMOUNT_COLUMNS), "amount_unit", "year", "kind"),
    "units": ("document", "unit", "name", *AMOUNT_COLUMNS),
    "projects": ("document", "project", "unit", "name", *AMOUNT_COLUMNS, "goal", "first_line",
                 "page", "amount_unit", "goal_long", "department", "period", "planned",
                 "adjusted", "executed", "execution_score", "total_score", "grade"),
    "indicators": ("document", "project", "seq", "category", "first_level", "second_level",
                   "name", "target", "kind", "comparator", "value", "unit", "direction",
                   "first_line", "page", "category_points", "level2", "target_long", "weight",
                   "stated_direction", "standard", "actual", "score", "reason"),
    "funding": ("document", "project", "source", "amount"),
    "funding_lines": ("document", "project", "line", "label", "amount", "amount_unit"),
}
# amounts in the store's 万元, shifted back to the published unit (not the points)
_MONEY = frozenset({*AMOUNT_COLUMNS, *(f"grand_{c}" for c in AMOUNT_COLUMNS), "planned",
                    "adjusted", "executed", "amount"})


def schema(table: str) -> pa.Schema:
    def integer(column: str) -> bool:  # a unit is a position in units, a name elsewhere
        return column in _INTEGERS or (table, column) == ("units", "unit")

    return pa.schema([pa.field(c, pa.int64() if integer(c) else pa.string())
                      for c in COLUMNS[table]])


def document_ids(engine: Engine, *, year: int | None = None,
                 department: str | None = None) -> list[int]:
    """The ids of the documents an export takes, in id order (the export numbers them
    1, 2 … in this order): of one budget year (documents.year) and/or one department."""
    query = select(documents.c.id).order_by(documents.c.id)
    if year is not None:
        query = query.where(documents.c.year == year)
    if department is not None:
        query = query.where(documents.c.department == department)
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())


def record_batches(engine: Engine, ids: Sequence[int],
                   chunk: int = CHUNK) -> Iterator[tuple[str, pa.RecordBatch]]:
    """(table, batch) for the documents `ids`, numbered 1, 2 … in that order, `chunk`
    documents at a time, in one read transaction (a snapshot on PostgreSQL). The next
    chunk is read in a thread while the caller writes this one: ADBC and Arrow's writers
    release the GIL, so the two use two cores."""
    def produce() -> Iterator[tuple[str, pa.RecordBatch]]:
        with _reader(engine) as read:
            for start in range(0, len(ids), chunk):
                yield from _chunk(read, list(ids[start:start + chunk]), start)

    yield from _ahead(produce(), len(COLUMNS))  # at most one chunk's tables waiting


_END = object()


def _ahead(items: Iterator[Any], size: int) -> Iterator[Any]:
    """`items` produced in a thread of their own, at most `size` ahead of the consumer;
    the producer's error raised in the consumer; the producer stopped (and its connection
    closed, in its own thread) when the consumer stops early."""
    import queue
    import threading

    waiting: queue.Queue[tuple[Any, BaseException | None]] = queue.Queue(size)
    stop = threading.Event()

    def put(item: Any, error: BaseException | None = None) -> bool:
        while not stop.is_set():
            try:
                waiting.put((item, error), timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(_END)
        except BaseException as exc:  # handed to the consumer, raised there
            put(_END, exc)
        finally:
            items.close()  # type: ignore[attr-defined]

    thread = threading.Thread(target=run, name="export-reader", daemon=True)
    thread.start()
    try:
        while True:
            item, error = waiting.get()
            if item is _END:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        thread.join()


class _Read(Protocol):
    def __call__(self, query: Select[Any]) -> pa.Table: ...


@contextlib.contextmanager
def _reader(engine: Engine) -> Iterator[_Read]:
    """A function from a query to its rows as an Arrow table, on one connection."""
    dialect = engine.dialect

    def sql(query: Select[Any]) -> str:  # its only parameters are document ids: integers
        return str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))

    if dialect.name in ("sqlite", "postgresql"):
        if dialect.name == "sqlite":
            import adbc_driver_sqlite.dbapi as adbc

            conn = adbc.connect(engine.url.database or ":memory:")
        else:
            import adbc_driver_postgresql.dbapi as adbc  # type: ignore[no-redef]

            conn = adbc.connect(engine.url.set(drivername="postgresql")
                                .render_as_string(hide_password=False))
        try:
            if dialect.name == "postgresql":
                with conn.cursor() as cursor:  # every chunk sees the same store
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")

            def read(query: Select[Any]) -> pa.Table:
                with conn.cursor() as cursor:
                    if dialect.name == "sqlite":
                        # ADBC's SQLite driver types a column by its first batch of rows (a
                        # column null there would be int64): one batch holds the chunk
                        cursor.adbc_statement.set_options(
                            **{"adbc.sqlite.query.batch_rows": str(2**30)})
                    cursor.execute(sql(query))
                    return cursor.fetch_arrow_table()

            yield read
        finally:
            conn.rollback()
            conn.close()
        return
    with engine.connect() as sa_conn:
        def read_rows(query: Select[Any]) -> pa.Table:
            result = sa_conn.exec_driver_sql(sql(query))
            names = list(result.keys())
            return pa.Table.from_pylist([dict(zip(names, r, strict=True)) for r in result])

        yield read_rows


def _text(column: Any, name: str | None = None) -> Any:
    """A Money column read as the text it stores (no Decimal made per value)."""
    return type_coerce(column, String).label(name or column.name)


def _chunk(read: _Read, ids: list[int],
           start: int) -> Iterator[tuple[str, pa.RecordBatch]]:
    first_file = (select(document_files.c.sha256)
                  .where(document_files.c.document_id == documents.c.id)
                  .order_by(document_files.c.ingested_at).limit(1)
                  .scalar_subquery())
    d = documents.c
    docs = read(
        select(d.id, d.title, d.department, d.source_file, first_file.label("sha256"),
               *(_text(d[f"grand_{c}"]) for c in AMOUNT_COLUMNS), d.amount_unit,
               d.stated_year.label("year"), d.kind, d.has_grand_total)
        .where(d.id.in_(ids)).order_by(d.id))
    id_list = docs.column("id").to_pylist()
    unit_of = dict(zip(id_list, docs.column("amount_unit").to_pylist(), strict=True))
    places = {doc_id: -UNIT_SHIFT.get(unit, 0) for doc_id, unit in unit_of.items()}
    value_set = pa.array(ids, pa.int64())
    doc_set, units_of = _whole(docs.column("id")), _whole(docs.column("amount_unit"))

    def finish(table: str, t: pa.Table, doc_column: str = "document_id",
               **extra: pa.Array) -> pa.RecordBatch:
        """The export's columns of `t`: documents numbered, amounts in the published unit,
        every column typed as `schema` says."""
        doc_ids = t.column(doc_column)
        number = pc.add(pc.index_in(doc_ids, value_set=value_set).cast(pa.int64()), start + 1)
        out = []
        for f in schema(table):
            if f.name == "document":
                column = number
            elif f.name == "amount_unit":
                column = units_of.take(pc.index_in(doc_ids, value_set=doc_set))
            else:
                column = extra[f.name] if f.name in extra else t.column(f.name)
                if f.name in _MONEY and any(places.values()):
                    column = _shifted(doc_ids, column, places)
            out.append(pc.cast(column, f.type))
        return pa.RecordBatch.from_arrays([_whole(c) for c in out], schema=schema(table))

    grand = docs.column("has_grand_total").cast(pa.bool_())
    yield "documents", finish("documents", docs, "id", **{
        f"grand_{c}": pc.if_else(grand, docs.column(f"grand_{c}").cast(pa.string()), None)
        for c in AMOUNT_COLUMNS})

    u = units.c
    unit_rows = read(select(u.document_id, (u.position + 1).label("unit"), u.name, u.stated,
                            *(_text(u[c]) for c in AMOUNT_COLUMNS))
                     .where(u.document_id.in_(ids)).order_by(u.document_id, u.position))
    stated = unit_rows.column("stated").cast(pa.bool_())
    yield "units", finish("units", unit_rows, **{
        c: pc.if_else(stated, unit_rows.column(c).cast(pa.string()), None)
        for c in AMOUNT_COLUMNS})

    p = projects.c
    # read in primary-key order (no join, no sort in SQL), put in the export's order (by
    # unit, then seq) here; when that moved nothing — a table numbers its projects in unit
    # order — the indicators and money lines are read in their primary key's order too
    pr = read(select(p.document_id, p.seq.label("project"), p.unit_position, p.name,
                     *(_text(p[c]) for c in AMOUNT_COLUMNS), p.goal, p.first_line, p.page,
                     p.goal_long, p.department, p.period,
                     *(_text(p[c]) for c in ("planned", "adjusted", "executed",
                                             "execution_score", "total_score")), p.grade)
              .where(p.document_id.in_(ids)).order_by(p.document_id, p.seq))
    in_order = _in_unit_order(pr)
    if not in_order:
        pr = pr.sort_by([("document_id", "ascending"), ("unit_position", "ascending"),
                         ("project", "ascending")])
    project_batch = finish("projects", pr, unit=_unit_names(pr, unit_rows))
    yield "projects", project_batch
    yield "funding", _funding(project_batch)

    def by_project(table: Any, columns: Any, position: Any) -> Select[Any]:
        """The rows of `table` under each project, in the export's order."""
        query = select(*columns).where(table.c.document_id.in_(ids))
        if in_order:
            return query.order_by(table.c.document_id, table.c.project_seq, position)
        return (query.select_from(table.join(projects, and_(
                    p.document_id == table.c.document_id, p.seq == table.c.project_seq)))
                .order_by(p.document_id, p.unit_position, p.seq, position))

    i = indicators.c
    ind = read(by_project(indicators, (
        i.document_id, i.project_seq.label("project"), i.seq, i.category, i.name, i.target,
        i.first_line, i.page, i.has_form, i.category_points, i.level2, i.target_long,
        _text(i.weight), i.direction, i.standard, i.actual, _text(i.score), i.reason),
        i.position))
    yield "indicators", finish("indicators", ind, stated_direction=ind.column("direction"),
                               **_derived_columns(ind))

    f = funding.c
    lines = read(by_project(funding, (
        f.document_id, f.project_seq.label("project"), (f.position + 1).label("line"),
        f.label, _text(f.amount)), f.position))
    yield "funding_lines", finish("funding_lines", lines)


def _in_unit_order(pr: pa.Table) -> bool:
    """Whether projects in (document, seq) order are also in (document, unit) order."""
    doc = pr.column("document_id").to_numpy()
    unit = pr.column("unit_position").to_numpy()
    return not bool(((doc[1:] == doc[:-1]) & (unit[1:] < unit[:-1])).any())


def _unit_names(pr: pa.Table, unit_rows: pa.Table) -> pa.Array:
    """Each project's unit's name, looked up by (document, unit position)."""
    def key(doc: Any, position: Any) -> pa.Array:
        return pc.add(pc.multiply(doc.cast(pa.int64()), 1 << 20), position.cast(pa.int64()))

    at = pc.index_in(key(pr.column("document_id"), pr.column("unit_position")),
                     value_set=_whole(key(unit_rows.column("document_id"),
                                          pc.subtract(unit_rows.column("unit"), 1))))
    return _whole(unit_rows.column("name")).take(_whole(at))


def _whole(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def _shifted(doc_ids: pa.ChunkedArray, column: Any, places: dict[int, int]) -> pa.Array:
    """Stored 万元 text → the published unit's text: only the exponent moves (by Decimal,
    on the rows of the documents whose unit is not 万元 only)."""
    column = _whole(column.cast(pa.string()))
    moved = pa.array([d for d, k in places.items() if k], pa.int64())
    rows = pc.is_in(doc_ids, value_set=moved)
    if not pc.any(rows).as_py():
        return column
    rows = _whole(rows)
    values = column.filter(rows).to_pylist()
    shifts = _whole(doc_ids).filter(rows).to_pylist()
    return pc.replace_with_mask(column, rows, pa.array(
        [v if v is None else format(shift(Decimal(v), places[d]), "f")
         for d, v in zip(shifts, values, strict=True)], pa.string()))


def _funding(projects_batch: pa.RecordBatch) -> pa.RecordBatch:
    """财政拨款 / 财政专户拨款 / 其他资金 of each project, unpivoted (a row per amount
    stated), in the projects' order as tabular.document_rows writes them."""
    parts = []
    row = pa.array(range(projects_batch.num_rows), pa.int64())
    for k, c in enumerate(("fiscal", "special_account", "other")):
        amount = projects_batch.column(c)
        part = pa.table({"row": row, "k": pa.array([k] * len(row), pa.int64()),
                         "document": projects_batch.column("document"),
                         "project": projects_batch.column("project"),
                         "source": pa.array([AMOUNT_LABELS[c]] * len(row), pa.string()),
                         "amount": amount})
        parts.append(part.filter(pc.is_valid(amount)))
    t = pa.concat_tables(parts).sort_by([("row", "ascending"), ("k", "ascending")])
    return pa.RecordBatch.from_arrays([_whole(t.column(c)) for c in COLUMNS["funding"]],
                                      schema=schema("funding"))


_KEY = ("category", "name", "target", "has_form", "level2", "direction")
_SEPARATOR, _NULL = "\x1f", "\x00"  # control characters no table's text keeps


def _derived_columns(ind: pa.Table) -> dict[str, pa.Array]:
    """first_level … direction of every indicator row: computed once per distinct
    (category, name, target, form's 二级 and 方向), then spread over the rows."""
    names = ("first_level", "second_level", "kind", "comparator", "value", "unit", "direction")
    keys = pc.binary_join_element_wise(
        *(ind.column(c).cast(pa.string()) for c in _KEY), _SEPARATOR,
        null_handling="replace", null_replacement=_NULL)
    encoded = _whole(keys).dictionary_encode()
    values = [_derived(*(None if v == _NULL else v for v in key.split(_SEPARATOR)))
              for key in encoded.dictionary.to_pylist()]
    columns = list(zip(*values, strict=True)) if values else [() for _ in names]
    return {name: pa.array(list(column), pa.string()).take(encoded.indices)
            for name, column in zip(names, columns, strict=True)}


@functools.lru_cache(maxsize=65536)
def _derived(category: str | None, name: str, target: str, has_form: str,
             level2: str | None, direction: str | None) -> tuple[str | None, ...]:
    """An indicator's computed columns, as `tabular.document_rows` makes them."""
    t = parse(target)
    k = classify_fields(category, name, t, has_form not in ("0", "false"), level2, direction)
    value = t.value
    return (k.first_level, k.second_level, str(t.kind), str(t.comparator or ""),
            None if value is None else format(value, "f"),
            t.unit.canonical if t.unit else None, str(k.direction))
