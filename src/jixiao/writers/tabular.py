"""Documents as flat tables for analysts — one table per entity — written as CSV, xlsx,
Parquet, or a Frictionless Data Package (CSV files and a datapackage.json whose schema
gives every field its type and description).

Money stays exact: CSV and xlsx carry the decimal text ("11294.10"), Parquet a
decimal(24, 2) column; the package says the amounts are 万元 (CNY × 10,000), and the
funding table has the three funding columns unpivoted into a source dimension, as the
Fiscal Data Package suggests.

A form other offices publish adds columns (empty for the sample's tables): on projects its
long-term goal, department, period and 自评表 budget block, on indicators its second level,
long-term target, weight, direction, actual, score and reason, and a funding_lines table of
every money line as printed. Its amounts are in its own `amount_unit` (a form may print 元),
as published: documents and projects say which.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from jixiao.model import AMOUNT_COLUMNS, AMOUNT_LABELS, Amounts, Document
from jixiao.targets import Kind, parse
from jixiao.taxonomy import classify
from jixiao.writers.cells import append_row, safe_csv, text_cell


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    type: str  # Table Schema: integer, number, string, boolean
    description: str


DOC = Field("document", "integer", "the document's number in this export (1, 2 …)")
UNIT = Field("amount_unit", "string", "the unit of the document's amounts: 万元, or 元 on "
                                      "some forms (figures as published)")
PROJECT = Field("project", "integer", "the project's position in its document (1-based)")
MONEY = {c: Field(c, "number", f"{AMOUNT_LABELS[c]} in amount_unit (万元 = CNY × 10,000), "
                                 "as published")
         for c in AMOUNT_COLUMNS}
TABLES: dict[str, tuple[Field, ...]] = {
    "documents": (DOC, Field("title", "string", "the table's title"),
                  Field("department", "string", "部门名称"),
                  Field("source_file", "string", "the file read"),
                  Field("sha256", "string", "sha256 of the source file"),
                  *(Field(f"grand_{c}", "number", f"合计 {AMOUNT_LABELS[c]} (amount_unit)")
                    for c in AMOUNT_COLUMNS),
                  UNIT, Field("year", "integer", "the budget year the document states"),
                  Field("kind", "string", "a form's kind: targets, self-evaluation or "
                                          "department; empty for the sample's table")),
    "units": (DOC, Field("unit", "integer", "the unit's position in its document"),
              Field("name", "string", "资金使用单位"), *MONEY.values()),
    "projects": (DOC, PROJECT, Field("unit", "string", "资金使用单位 of the project"),
                 Field("name", "string", "项目名称 as published"), *MONEY.values(),
                 Field("goal", "string", "绩效目标 as published"),
                 Field("first_line", "integer", "first source line"),
                 Field("page", "integer", "source page"),
                 UNIT,
                 Field("goal_long", "string",
                       description="a form's 中长期 / 实施期 goal as published"),
                 Field("department", "string", "主管部门 as the form prints it"),
                 Field("period", "string", "项目期 as published"),
                 Field("planned", "number", "自评表 年初预算数 (amount_unit)"),
                 Field("adjusted", "number", "自评表 全年预算数 (amount_unit)"),
                 Field("executed", "number", "自评表 全年执行数 (amount_unit)"),
                 Field("execution_score", "number", description="自评表 预算执行 得分"),
                 Field("total_score", "number", "自评表 总分 as published"),
                 Field("grade", "string", "自评表 等级 as published")),
    "indicators": (DOC, PROJECT, Field("seq", "integer", "the number printed before 、"),
                   Field("category", "string", "first-level category as printed"),
                   Field("first_level", "string", "first level, printed or inferred"),
                   Field("second_level", "string", "second level, inferred (taxonomy)"),
                   Field("name", "string", "indicator name as published"),
                   Field("target", "string", "年度指标值 as published"),
                   Field("kind", "string", "quantitative, qualitative, compound, unparsed"),
                   Field("comparator", "string", "≥ > ≤ < = range, or empty"),
                   Field("value", "number", "the target's value, 万/亿 resolved"),
                   Field("unit", "string", "the unit, canonical"),
                   Field("direction", "string", "higher, lower or exact is better"),
                   Field("first_line", "integer", "first source line"),
                   Field("page", "integer", "source page"),
                   Field("category_points", "string", "a form's points of the first level "
                                                      "(产出指标(50分) → 50)"),
                   Field("level2", "string", "a form's 二级指标 as published"),
                   Field("target_long", "string", description="a form's 长期 / 实施周期 target"),
                   Field("weight", "number", "a form's 分值 / 权重"),
                   Field("stated_direction", "string", "a form's 指标方向 as published"),
                   Field("standard", "string", "a form's 绩效标准 / 指标解释 as published"),
                   Field("actual", "string", "a 自评表's 实际完成值 as published"),
                   Field("score", "number", "a 自评表's 得分"),
                   Field("reason", "string", "a 自评表's 偏差原因 as published")),
    "funding": (DOC, PROJECT,
                Field("source", "string", "财政拨款, 财政专户拨款 or 其他资金"),
                Field("amount", "number", "amount_unit (万元 = CNY × 10,000)")),
    "funding_lines": (DOC, PROJECT,
                      Field("line", "integer", "the line's position on the form (1-based)"),
                      Field("label", "string", "the money line's label as printed"),
                      Field("amount", "number", "as published, in amount_unit"), UNIT),
}
# a form's decimals that are points, not money: scale 4 in Parquet (a weight may be 2.5)
_POINTS = frozenset({"weight", "score", "execution_score", "total_score"})


def target_cells(text: str) -> tuple[str, str, str]:
    """A 年度指标值 as a form splits it: 指标性质 (≥ …, or 定性), 指标值, 度量单位 — each
    piece as written; ("", text, "") when it is neither a number nor a state."""
    target = parse(text)
    if target.kind is Kind.QUANTITATIVE:
        value = target.number_text
        if target.upper_text:
            value += f"{target.lower_unit_text}{target.range_text}{target.upper_text}"
        return (target.comparator_text.strip(), value, f"{target.multiplier}{target.unit_text}")
    if target.kind is Kind.QUALITATIVE:
        return ("定性", text, "")
    return ("", text, "")


def document_rows(d: int, doc: Document) -> dict[str, list[list[Any]]]:
    """One document's rows of every table; `d` is its number in the export."""
    out: dict[str, list[list[Any]]] = {name: [] for name in TABLES}

    def money(a: Amounts | None) -> list[Decimal | None]:
        return [getattr(a, c) if a else None for c in AMOUNT_COLUMNS]

    out["documents"].append([d, doc.title, doc.department, doc.source.file,
                             doc.source.sha256, *money(doc.grand_total), doc.amount_unit,
                             doc.year, doc.kind])
    for u, unit in enumerate(doc.units, start=1):
        out["units"].append([d, u, unit.name, *money(unit.subtotal)])
        for p in unit.projects:
            f = p.form
            out["projects"].append([
                d, p.seq, unit.name, p.name, *money(p.amounts), p.goal, p.span.first_line,
                p.span.page, doc.amount_unit,
                *((f.goal_long, f.department, f.period, f.planned, f.adjusted, f.executed,
                   f.execution_score, f.total_score, f.grade) if f else (None,) * 9)])
            for line, m in enumerate(f.funding if f else (), start=1):
                out["funding_lines"].append([d, p.seq, line, m.label, m.amount,
                                             doc.amount_unit])
            for c in ("fiscal", "special_account", "other"):
                amount = getattr(p.amounts, c)
                if amount is not None:
                    out["funding"].append([d, p.seq, AMOUNT_LABELS[c], amount])
            for i in p.indicators:
                t = parse(i.target)
                k = classify(i, t)
                unit_info = t.unit
                out["indicators"].append([
                    d, p.seq, i.seq, i.category, k.first_level, k.second_level, i.name,
                    i.target, str(t.kind), str(t.comparator or ""), t.value,
                    unit_info.canonical if unit_info else None, str(k.direction),
                    i.span.first_line, i.span.page,
                    *((i.form.category_points, i.form.level2, i.form.target_long,
                       i.form.weight, i.form.direction, i.form.standard, i.form.actual,
                       i.form.score, i.form.reason) if i.form else (None,) * 9)])
    return out


def _text(value: Any) -> Any:
    """A CSV field: an amount as its exact decimal text, a text escaped (writers/cells.py)
    so that no spreadsheet takes it for a formula; a negative amount is a number, kept."""
    return format(value, "f") if isinstance(value, Decimal) else safe_csv(value)


class _Sink:
    """Where the rows of one format go, document after document: nothing but the current
    document's rows (and, for Parquet, one row group) is held in memory."""

    def write(self, table: str, rows: list[list[Any]]) -> None:
        raise NotImplementedError

    def close(self) -> list[Path]:
        raise NotImplementedError


class _CsvSink(_Sink):
    def __init__(self, folder: Path) -> None:
        self.paths = [folder / f"{name}.csv" for name in TABLES]
        self.files = {name: path.open("w", encoding="utf-8", newline="")
                      for name, path in zip(TABLES, self.paths, strict=True)}
        self.writers = {name: csv.writer(fh) for name, fh in self.files.items()}
        for name, fields in TABLES.items():
            self.writers[name].writerow([f.name for f in fields])

    def write(self, table: str, rows: list[list[Any]]) -> None:
        self.writers[table].writerows([_text(v) for v in row] for row in rows)

    def close(self) -> list[Path]:
        for fh in self.files.values():
            fh.close()
        return self.paths


class _XlsxSink(_Sink):
    def __init__(self, path: Path) -> None:
        from openpyxl import Workbook

        self.path = path
        self.book = Workbook(write_only=True)  # rows streamed to the file as they come
        self.sheets = {}
        for name, fields in TABLES.items():
            sheet = self.book.create_sheet(name)
            append_row(sheet, [f.name for f in fields])
            self.sheets[name] = sheet
        self.money = {name: {k for k, f in enumerate(fields)
                             if f.type == "number" and f.name != "value"}
                      for name, fields in TABLES.items()}

    def write(self, table: str, rows: list[list[Any]]) -> None:
        from openpyxl.cell import WriteOnlyCell

        sheet, money = self.sheets[table], self.money[table]
        for row in rows:
            cells: list[Any] = []
            for k, v in enumerate(row):
                if k in money and v is not None:
                    cell = WriteOnlyCell(sheet, value=v)
                    cell.number_format = "#,##0.00"
                    cells.append(cell)
                else:
                    cells.append(text_cell(sheet, v))  # a text stays text, never a formula
            sheet.append(cells)

    def close(self) -> list[Path]:
        self.book.save(self.path)
        return [self.path]


def parquet_schema(table: str) -> Any:
    """The Parquet schema of one table: a number is a decimal128(24, scale), scale 6 for a
    target's value, 4 for points, 2 for money."""
    import pyarrow as pa

    kinds = {"integer": pa.int64(), "string": pa.string(), "boolean": pa.bool_()}
    return pa.schema([
        pa.field(f.name, pa.decimal128(24, 6 if f.name == "value" else
                                       4 if f.name in _POINTS else 2)
                 if f.type == "number" else kinds[f.type]) for f in TABLES[table]])


class _ParquetSink(_Sink):
    GROUP = 20_000  # rows per row group

    def __init__(self, folder: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.pa = pa
        self.schemas = {name: parquet_schema(name) for name in TABLES}
        self.scales: dict[str, dict[int, int]] = {
            name: {k: f.type.scale for k, f in enumerate(schema)
                   if pa.types.is_decimal(f.type)} for name, schema in self.schemas.items()}
        self.paths = {name: folder / f"{name}.parquet" for name in TABLES}
        self.writers = {name: pq.ParquetWriter(self.paths[name], self.schemas[name])
                        for name in TABLES}
        self.pending: dict[str, list[list[Any]]] = {name: [] for name in TABLES}

    def write(self, table: str, rows: list[list[Any]]) -> None:
        self.pending[table].extend(rows)
        if len(self.pending[table]) >= self.GROUP:
            self._flush(table)

    def _flush(self, table: str) -> None:
        rows, scales = self.pending[table], self.scales[table]
        schema = self.schemas[table]
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
        arrays = []
        for k, values in enumerate(columns):
            if k in scales:
                quantum = Decimal(10) ** -scales[k]
                values = tuple(None if v is None else Decimal(v).quantize(quantum)
                               for v in values)
            arrays.append(self.pa.array(list(values), type=schema.field(k).type))
        self.writers[table].write_table(self.pa.Table.from_arrays(arrays, schema=schema))
        self.pending[table] = []

    def close(self) -> list[Path]:
        for name, writer in self.writers.items():
            if self.pending[name]:
                self._flush(name)
            writer.close()  # a table without rows is still a file with its schema
        return list(self.paths.values())


def write_datapackage(folder: Path) -> Path:
    """The datapackage.json that describes the CSV files of `folder`."""
    package = {
        "name": "jixiao-performance-targets",
        "title": "项目支出绩效目标表 — performance targets of public budgets",
        "profile": "tabular-data-package",
        "x-currency": "CNY", "x-factor": 10000,  # amounts are 万元
        "resources": [{
            "name": name, "path": f"{name}.csv", "profile": "tabular-data-resource",
            "format": "csv", "encoding": "utf-8",
            "schema": {"fields": [{"name": f.name, "type": f.type, "description": f.description}
                                  for f in fields]},
        } for name, fields in TABLES.items()],
    }
    path = folder / "datapackage.json"
    path.write_text(json.dumps(package, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def export(docs: Iterable[Document], output: Path, format: str) -> list[Path]:
    """Write the tables of `docs` to `output` (a folder; a file for xlsx), one document
    at a time: a corpus of any size is exported in the memory of one document."""
    if format not in ("csv", "xlsx", "parquet", "datapackage"):
        raise ValueError(f"format must be csv, xlsx, parquet or datapackage, not {format!r}")
    if format == "xlsx":
        output.parent.mkdir(parents=True, exist_ok=True)
        sink: _Sink = _XlsxSink(output)
    else:
        output.mkdir(parents=True, exist_ok=True)
        sink = _ParquetSink(output) if format == "parquet" else _CsvSink(output)
    for d, doc in enumerate(docs, start=1):
        for table, rows in document_rows(d, doc).items():
            sink.write(table, rows)
    paths = sink.close()
    return [write_datapackage(output)] if format == "datapackage" else paths
