"""The export's tables written from Arrow record batches (jixiao.store.columnar): CSV,
Parquet, the Data Package (CSV and its datapackage.json) and xlsx, the same tables and
fields as `tabular.export` writes from Documents (tabular.TABLES), without a Document.

CSV: Arrow's writer, every text quoted, each text cell escaped as `cells.safe_csv` does
(a text a spreadsheet would take for a formula gets its apostrophe); amounts as their exact
decimal text. Parquet: amounts and points as decimals of the scale `tabular` gives them,
rounded half-even as Decimal.quantize does, a row group per ~64k rows of a table.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from jixiao.writers.cells import APOSTROPHE, FORMULA_STARTS
from jixiao.writers.tabular import TABLES, _XlsxSink, parquet_schema, write_datapackage

Batches = Iterable[tuple[str, pa.RecordBatch]]

# cells.safe_csv as a pattern: any apostrophes, then a character that starts a formula
_FORMULA = "^" + APOSTROPHE + "*[" + "".join("\\" + c if c in "-\\]^" else c
                                             for c in FORMULA_STARTS) + "]"
_STARTS = pa.array([APOSTROPHE, *FORMULA_STARTS], pa.string())  # a first character to test


def export_batches(batches: Batches, output: Path, format: str) -> list[Path]:
    """Write the (table, batch) pairs to `output` (a folder; a file for xlsx) as `format`;
    the batches of a table come in its row order."""
    if format not in ("csv", "xlsx", "parquet", "datapackage"):
        raise ValueError(f"format must be csv, xlsx, parquet or datapackage, not {format!r}")
    if format == "xlsx":
        output.parent.mkdir(parents=True, exist_ok=True)
        return _xlsx(batches, output)
    output.mkdir(parents=True, exist_ok=True)
    if format == "parquet":
        return _parquet(batches, output)
    paths = _csv(batches, output)
    return [write_datapackage(output)] if format == "datapackage" else paths


def safe_csv_texts(column: pa.Array) -> pa.Array:
    """`cells.safe_csv` over a string column: a leading apostrophe where a spreadsheet
    would read a formula."""
    # the pattern only on the few texts whose first character could start one: a test of
    # one character per cell is ~20× cheaper than a regex match over every cell
    maybe = pc.fill_null(pc.is_in(pc.utf8_slice_codeunits(column, 0, 1), value_set=_STARTS),
                         False)
    if not pc.any(maybe).as_py():
        return column
    some = column.filter(maybe)
    formula = pc.match_substring_regex(some, _FORMULA)
    if not pc.any(formula).as_py():
        return column
    mask = pc.replace_with_mask(maybe, maybe, formula)  # the texts that get the apostrophe
    return pc.replace_with_mask(column, mask, pc.binary_join_element_wise(
        APOSTROPHE, some.filter(formula), ""))


def _texts(table: str) -> set[str]:
    return {f.name for f in TABLES[table] if f.type == "string"}


def _csv(batches: Batches, folder: Path) -> list[Path]:
    import pyarrow.csv as csv

    paths = {name: folder / f"{name}.csv" for name in TABLES}
    options = csv.WriteOptions(quoting_style="needed", eol="\r\n")  # as Python's csv module
    writers: dict[str, Any] = {}
    try:
        for name in TABLES:  # every file with its header, even a table without rows
            writers[name] = csv.CSVWriter(paths[name], batch_schema(name), write_options=options)
        for name, batch in batches:
            texts = _texts(name)
            writers[name].write_batch(pa.RecordBatch.from_arrays(
                [safe_csv_texts(batch.column(k)) if f.name in texts else batch.column(k)
                 for k, f in enumerate(batch.schema)], schema=batch.schema))
    finally:
        for writer in writers.values():
            writer.close()
    return list(paths.values())


def batch_schema(name: str) -> pa.Schema:
    """The schema of a table's batches: integers as int64, every other field (amounts and
    points included) as text."""
    return pa.schema([pa.field(f.name, pa.int64() if f.type == "integer" else pa.string())
                      for f in TABLES[name]])


def _parquet(batches: Batches, folder: Path) -> list[Path]:
    import pyarrow.parquet as pq

    group = 65_536  # rows per row group: small batches gathered, memory still bounded
    schemas = {name: parquet_schema(name) for name in TABLES}
    paths = {name: folder / f"{name}.parquet" for name in TABLES}
    writers = {name: pq.ParquetWriter(paths[name], schemas[name]) for name in TABLES}
    pending: dict[str, list[pa.RecordBatch]] = {name: [] for name in TABLES}

    def flush(name: str) -> None:
        if pending[name]:
            table = pa.Table.from_batches(pending[name])
            writers[name].write_table(pa.table(
                [_decimal(table.column(f.name), f.type) if pa.types.is_decimal(f.type)
                 else table.column(f.name) for f in schemas[name]], schema=schemas[name]))
            pending[name] = []

    try:
        for name, batch in batches:
            pending[name].append(batch)
            if sum(b.num_rows for b in pending[name]) >= group:
                flush(name)
        for name in TABLES:
            flush(name)
    finally:
        for writer in writers.values():
            writer.close()  # a table without rows is still a file with its schema
    return list(paths.values())


def _decimal(column: pa.ChunkedArray, type: pa.Decimal128Type) -> pa.ChunkedArray:
    """Decimal text → a decimal of `type`'s scale, rounded half-even (Decimal.quantize);
    a text of more places than Arrow's cast takes is quantized by Decimal."""
    try:
        wide = pc.cast(column, pa.decimal128(38, 12))
        return pc.cast(pc.round(wide, ndigits=type.scale, round_mode="half_to_even"), type)
    except pa.ArrowInvalid:
        quantum = Decimal(10) ** -type.scale
        return pa.chunked_array([pa.array(
            [None if v is None else Decimal(v).quantize(quantum) for v in column.to_pylist()],
            type)])


def _xlsx(batches: Batches, path: Path) -> list[Path]:
    sink = _XlsxSink(path)
    for name, batch in batches:
        numbers = {f.name for f in TABLES[name] if f.type == "number"}
        columns = [[None if v is None else Decimal(v) for v in batch.column(k).to_pylist()]
                   if f.name in numbers else batch.column(k).to_pylist()
                   for k, f in enumerate(batch.schema)]
        sink.write(name, [list(row) for row in zip(*columns, strict=True)])
    return sink.close()
