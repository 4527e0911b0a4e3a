"""Documents as flat tables for analysts — one table per entity — written as CSV, xlsx,
Parquet, or a Frictionless Data Package (CSV files and a datapackage.json whose schema
gives every field its type and description).

Money stays exact: CSV and xlsx carry the decimal text ("11294.10"), Parquet a
decimal(18, 2) column; the package says the amounts are 万元 (CNY × 10,000), and the
funding table has the three funding columns unpivoted into a source dimension, as the
Fiscal Data Package suggests.
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
from jixiao.targets import parse
from jixiao.taxonomy import classify


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    type: str  # Table Schema: integer, number, string, boolean
    description: str


DOC = Field("document", "integer", "the document's number in this export (1, 2 …)")
PROJECT = Field("project", "integer", "the project's position in its document (1-based)")
MONEY = {c: Field(c, "number", f"{AMOUNT_LABELS[c]} in 万元 (CNY × 10,000), as published")
         for c in AMOUNT_COLUMNS}
TABLES: dict[str, tuple[Field, ...]] = {
    "documents": (DOC, Field("title", "string", "the table's title"),
                  Field("department", "string", "部门名称"),
                  Field("source_file", "string", "the file read"),
                  Field("sha256", "string", "sha256 of the source file"),
                  *(Field(f"grand_{c}", "number", f"合计 {AMOUNT_LABELS[c]} (万元)")
                    for c in AMOUNT_COLUMNS)),
    "units": (DOC, Field("unit", "integer", "the unit's position in its document"),
              Field("name", "string", "资金使用单位"), *MONEY.values()),
    "projects": (DOC, PROJECT, Field("unit", "string", "资金使用单位 of the project"),
                 Field("name", "string", "项目名称 as published"), *MONEY.values(),
                 Field("goal", "string", "绩效目标 as published"),
                 Field("first_line", "integer", "first source line"),
                 Field("page", "integer", "source page")),
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
                   Field("page", "integer", "source page")),
    "funding": (DOC, PROJECT,
                Field("source", "string", "财政拨款, 财政专户拨款 or 其他资金"),
                Field("amount", "number", "万元 (CNY × 10,000)")),
}


def rows(docs: Iterable[Document]) -> dict[str, list[list[Any]]]:
    """Every table's rows, documents numbered from 1 in the order given."""
    out: dict[str, list[list[Any]]] = {name: [] for name in TABLES}

    def money(a: Amounts | None) -> list[Decimal | None]:
        return [getattr(a, c) if a else None for c in AMOUNT_COLUMNS]

    for d, doc in enumerate(docs, start=1):
        out["documents"].append([d, doc.title, doc.department, doc.source.file,
                                 doc.source.sha256, *money(doc.grand_total)])
        for u, unit in enumerate(doc.units, start=1):
            out["units"].append([d, u, unit.name, *money(unit.subtotal)])
            for p in unit.projects:
                out["projects"].append([d, p.seq, unit.name, p.name, *money(p.amounts),
                                        p.goal, p.span.first_line, p.span.page])
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
                        i.span.first_line, i.span.page])
    return out


def _text(value: Any) -> Any:
    return format(value, "f") if isinstance(value, Decimal) else value


def write_csv(tables: dict[str, list[list[Any]]], folder: Path) -> list[Path]:
    paths = []
    for name, fields in TABLES.items():
        path = folder / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow([f.name for f in fields])
            writer.writerows([_text(v) for v in row] for row in tables[name])
        paths.append(path)
    return paths


def write_datapackage(tables: dict[str, list[list[Any]]], folder: Path) -> Path:
    write_csv(tables, folder)
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


def write_xlsx(tables: dict[str, list[list[Any]]], path: Path) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, fields in TABLES.items():
        sheet = book.create_sheet(name)
        sheet.append([f.name for f in fields])
        for row in tables[name]:
            sheet.append(row)
        for k, f in enumerate(fields, start=1):
            if f.type == "number" and f.name != "value":
                for cell in sheet.iter_cols(min_col=k, max_col=k, min_row=2):
                    for c in cell:
                        c.number_format = "#,##0.00"
    book.save(path)
    return path


def write_parquet(tables: dict[str, list[list[Any]]], folder: Path) -> list[Path]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    kinds = {"integer": pa.int64(), "string": pa.string(), "boolean": pa.bool_()}
    paths = []
    for name, fields in TABLES.items():
        columns = list(zip(*tables[name], strict=True)) if tables[name] else \
            [() for _ in fields]
        arrays = []
        for f, values in zip(fields, columns, strict=True):
            if f.type == "number":
                scale = 2 if f.name != "value" else 6
                kind = pa.decimal128(24, scale)
                values = [None if v is None else Decimal(v).quantize(Decimal(10) ** -scale)
                          for v in values]
            else:
                kind = kinds[f.type]
            arrays.append(pa.array(list(values), type=kind))
        table = pa.Table.from_arrays(arrays, names=[f.name for f in fields])
        path = folder / f"{name}.parquet"
        pq.write_table(table, path)
        paths.append(path)
    return paths


def export(docs: Iterable[Document], output: Path, format: str) -> list[Path]:
    """Write the tables of `docs` to `output` (a folder; a file for xlsx)."""
    tables = rows(docs)
    if format == "xlsx":
        output.parent.mkdir(parents=True, exist_ok=True)
        return [write_xlsx(tables, output)]
    output.mkdir(parents=True, exist_ok=True)
    if format == "csv":
        return write_csv(tables, output)
    if format == "parquet":
        return write_parquet(tables, output)
    if format == "datapackage":
        return [write_datapackage(tables, output)]
    raise ValueError(f"format must be csv, xlsx, parquet or datapackage, not {format!r}")
