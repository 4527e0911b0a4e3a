"""Guards on zip containers (xlsx, docx), run before any library unpacks them.

A workbook of 155 KB can unpack to gigabytes; openpyxl builds every cell (and every cell
of a merged range) in memory before the reader sees the first one. So a container is
measured first, from what costs next to nothing:

1. the zip's central directory (`ZipFile.infolist`): the members, what each unpacks to,
   and its compression ratio — refused before one byte is inflated. `zipfile` never
   inflates a member beyond the size the directory declares (it fails the CRC instead),
   so what passes here bounds what any library can unpack later;
2. the XML members that hold a grid (sheets, shared strings, a docx body) streamed through
   expat in chunks and counted — rows, cells, columns, merged ranges, the longest cell
   text — and stopped the moment a count passes its limit. A `<dimension ref>` may lie;
   counting does not. A DOCTYPE is refused outright: no OOXML part has one, and without
   one no entity (external or a billion laughs) can exist.

Every refusal is a `LimitError` naming the limit, or a `ReadError` naming the damage.
"""

from __future__ import annotations

import fnmatch
import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from xml.parsers import expat

from jixiao.errors import ReadError
from jixiao.limits import DEFAULT, LimitError, Limits
from jixiao.messages import say
from jixiao.model import Document, SourceSpan

# A member this large or larger is judged by its compression ratio; small ones (a theme,
# a styles part) may compress as well as they like.
RATIO_FLOOR_BYTES = 1024 * 1024
CHUNK = 64 * 1024
CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


@dataclass(frozen=True, slots=True)
class Grid:
    """Which elements of a member's XML make a grid (local names, namespaces dropped).
    The characters inside a cell element, whatever their element, are its text."""

    what: str  # the member in messages, a key of [containers.grid]: 工作表, 共享字符串表 …
    cell: str  # an element per cell (xlsx `c`, a shared string `si`, docx `tc`)
    row: str | None = None  # an element per row; None: cells do not count as a grid
    merge: str | None = None  # an element whose `ref="A1:C9"` covers cells (xlsx)
    refs: bool = False  # rows and cells carry `r="3"` / `r="B3"` (xlsx): counted as given


SHEET = Grid("sheet", "c", row="row", merge="mergeCell", refs=True)
SHARED_STRINGS = Grid("shared-strings", "si")
DOCX_BODY = Grid("docx-body", "tc", row="tr")

XLSX_GRIDS: Mapping[str, Grid] = {
    "xl/worksheets/*.xml": SHEET,
    "xl/sharedStrings.xml": SHARED_STRINGS,
}
DOCX_GRIDS: Mapping[str, Grid] = {"word/document.xml": DOCX_BODY, "word/header*.xml": DOCX_BODY}


def refuse(limit: str, found: int, what: str, limits: Limits, file: str | None,
           at_least: bool = False) -> LimitError:
    """A LimitError with a Chinese message that names the limit and what exceeded it."""
    allowed = getattr(limits, limit)
    amount = say("containers.at-least", found=f"{found:,}") if at_least else f"{found:,}"
    return LimitError(limit, allowed, found,
                      say("containers.over-limit", what=what, amount=amount, limit=limit,
                          allowed=f"{allowed:,}"),
                      SourceSpan(file))


def _column(letters: str) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number


@dataclass
class _Totals:
    cells: int = 0  # across every grid of the container: what the library will build


# what an element is to a grid; names are looked up once per distinct name (a cache),
# since the handlers run for every element of a sheet and are most of the guard's cost
OTHER, ROW, CELL, MERGE = range(4)


class _Counter:
    """Counts one member's grid while expat streams it; raises at the first excess."""

    def __init__(self, grid: Grid, member: str, file: str | None, limits: Limits,
                 totals: _Totals) -> None:
        self.grid, self.member, self.file, self.limits = grid, member, file, limits
        self.totals = totals
        self.roles: dict[str, int] = {}
        self.counts_cells = grid.row is not None
        self.rows = self.columns = self.row_cells = 0
        self.cell_depth = self.cell_chars = 0
        self.max_rows, self.max_columns = limits.rows, limits.columns
        self.max_cells, self.max_cell_chars = limits.cells, limits.cell_chars

    def over(self, limit: str, found: int) -> LimitError:
        what = say("containers.grid-count", what=say(f"containers.grid.{self.grid.what}"),
                   member=self.member, count=say(f"containers.count.{limit}"))
        return refuse(limit, found, what, self.limits, self.file, at_least=True)

    def role(self, name: str) -> int:
        local = name.rpartition("}")[2]
        grid = self.grid
        role = {grid.row: ROW, grid.cell: CELL, grid.merge: MERGE}.get(local, OTHER)
        self.roles[name] = role
        return role

    def start(self, name: str, attrs: dict[str, str]) -> None:
        role = self.roles.get(name)
        if role is None:
            role = self.role(name)
        if role == CELL:
            self.cell_depth += 1
            self.cell_chars = 0
            if self.counts_cells:
                self.cell(attrs)
        elif role == ROW:
            self.rows += 1
            self.row_cells = 0
            if self.grid.refs and (number := attrs.get("r", "")).isdigit() and \
                    int(number) > self.rows:
                self.rows = int(number)
            if self.rows > self.max_rows:
                raise self.over("rows", self.rows)
        elif role == MERGE:
            self.merged(attrs.get("ref", ""))

    def cell(self, attrs: dict[str, str]) -> None:
        self.totals.cells += 1
        if self.totals.cells > self.max_cells:
            raise self.over("cells", self.totals.cells)
        self.row_cells += 1
        column = self.row_cells
        if self.grid.refs and (m := CELL_REF.match(attrs.get("r", ""))):
            letters, row = m.groups()
            if len(letters) > 1 or ord(letters.upper()) - 64 > column:
                column = _column(letters)
            if int(row) > self.rows:
                self.rows = int(row)
                if self.rows > self.max_rows:
                    raise self.over("rows", self.rows)
        if column > self.row_cells:
            self.row_cells = column
        if column > self.columns:
            self.columns = column
            if column > self.max_columns:
                raise self.over("columns", column)

    def merged(self, ref: str) -> None:
        """A merged range: the library makes a cell of every position it covers."""
        first, _, last = ref.partition(":")
        a, b = CELL_REF.match(first), CELL_REF.match(last or first)
        if not a or not b:
            return
        top, bottom = sorted((int(a.group(2)), int(b.group(2))))
        left, right = sorted((_column(a.group(1)), _column(b.group(1))))
        if bottom > self.max_rows:
            raise self.over("rows", bottom)
        if right > self.max_columns:
            raise self.over("columns", right)
        self.totals.cells += (bottom - top + 1) * (right - left + 1)
        if self.totals.cells > self.max_cells:
            raise self.over("cells", self.totals.cells)

    def end(self, name: str) -> None:
        if self.roles.get(name) == CELL:
            self.cell_depth -= 1

    def characters(self, data: str) -> None:
        if self.cell_depth:
            self.cell_chars += len(data)
            if self.cell_chars > self.max_cell_chars:
                raise self.over("cell_chars", self.cell_chars)


def _refuse_doctype(file: str | None, member: str, kind: str) -> Any:
    def handler(*_args: Any) -> None:
        raise ReadError(f"bad-{kind}", say("containers.doctype", member=member, kind=kind),
                        SourceSpan(file))
    return handler


def _stream(book: zipfile.ZipFile, info: zipfile.ZipInfo, counter: _Counter,
            kind: str) -> None:
    parser = expat.ParserCreate(namespace_separator="}")
    # no external entity is ever fetched, no parameter entity parsed; a DOCTYPE is refused
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    refuse_dtd = _refuse_doctype(counter.file, info.filename, kind)
    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    parser.ExternalEntityRefHandler = refuse_dtd
    parser.buffer_text = True  # one callback per run of characters, not per line
    parser.buffer_size = CHUNK
    parser.StartElementHandler = counter.start
    parser.EndElementHandler = counter.end
    parser.CharacterDataHandler = counter.characters
    with book.open(info) as member:
        while chunk := member.read(CHUNK):
            parser.Parse(chunk, False)
    parser.Parse(b"", True)


def check_zip(data: bytes, file: str | None = None, limits: Limits = DEFAULT, *,
              kind: str = "xlsx", grids: Mapping[str, Grid] = XLSX_GRIDS) -> None:
    """Refuse a zip container that unpacks to more than the limits allow, before any
    library opens it. `grids` maps member name patterns (fnmatch) to the grid their XML
    holds; those members are streamed and counted. `kind` names the format in error codes
    (`bad-xlsx`, `bad-docx`) and messages."""
    bad = f"bad-{kind}"
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        members = book.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ReadError(bad, say("containers.bad-zip", kind=kind, why=exc), SourceSpan(file)) \
            from None
    if len(members) > limits.members:
        raise refuse("members", len(members), say("containers.members"), limits, file)
    total = 0
    for info in members:
        what = say("containers.member-bytes", member=info.filename)
        if info.file_size > limits.member_bytes:
            raise refuse("member_bytes", info.file_size, what, limits, file)
        if info.file_size >= RATIO_FLOOR_BYTES and \
                info.file_size > limits.compression_ratio * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise refuse("compression_ratio", ratio, say(
                "containers.compression-ratio", member=info.filename,
                packed=f"{info.compress_size:,}", unpacked=f"{info.file_size:,}"), limits, file)
        total += info.file_size
        if total > limits.unpacked_bytes:
            raise refuse("unpacked_bytes", total, say("containers.unpacked-bytes"), limits, file,
                         at_least=True)
    totals = _Totals()
    for info in members:
        grid = next((g for pattern, g in grids.items()
                     if fnmatch.fnmatchcase(info.filename, pattern)), None)
        if grid is None:
            continue
        counter = _Counter(grid, info.filename, file, limits, totals)
        try:
            _stream(book, info, counter, kind)
        except ReadError:
            raise
        except expat.ExpatError as exc:
            raise ReadError(bad, say("containers.bad-xml", what=say(f"containers.grid.{grid.what}"),
                                     member=info.filename, why=exc),
                            SourceSpan(file)) from None
        except Exception as exc:  # zipfile and zlib raise many kinds for a damaged member
            raise ReadError(bad, say("containers.bad-member", member=info.filename,
                                     kind=exc.__class__.__name__, why=exc),
                            SourceSpan(file)) from None


def check_document(doc: Document, limits: Limits = DEFAULT) -> None:
    """Refuse a reading with more projects, or a project with more indicators, than the
    limits allow (whatever the reader; a reading is already in memory, but not stored)."""
    file = doc.source.file
    if len(doc.projects) > limits.projects:
        raise refuse("projects", len(doc.projects), say("containers.projects"), limits, file)
    for project in doc.projects:
        if len(project.indicators) > limits.indicators_per_project:
            raise refuse("indicators_per_project", len(project.indicators),
                         say("containers.indicators", name=project.name[:40]), limits, file)
