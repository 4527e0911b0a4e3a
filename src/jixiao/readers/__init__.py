"""Readers: a source file → `Document`. `read(path)` picks the reader by content."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from jixiao.checks import judge
from jixiao.errors import ReadError
from jixiao.interchange import from_dict
from jixiao.limits import DEFAULT, Limits
from jixiao.messages import say
from jixiao.model import Document, ReadWarning, Severity, SourceInfo, SourceSpan
from jixiao.readers.containers import check_document
from jixiao.readers.text import read_text_bytes

if TYPE_CHECKING:  # numpy and the OCR engine load only for a scan
    from jixiao.readers.ocr import OcrOptions, OcrPage


def sniff(data: bytes) -> str:
    """The format of a file by its first bytes: 'json', 'pdf', 'xlsx', 'docx', 'xls',
    'html' or 'text'."""
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        # a zip: Word keeps its body in word/, Excel its sheets in xl/
        return "docx" if b"word/" in data[:65536] and b"xl/" not in data[:65536] else "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if head.startswith(b"{"):
        return "json"
    start = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html", b"<table", b"<meta", b"<head")) or (
            start.startswith(b"<") and b"<table" in data[:65536].lower()):
        return "html"
    return "text"


PEEK_BYTES = 16 * 1024  # the title and department lines come first, well within this


def peek_department(data: bytes, limits: Limits = DEFAULT) -> str | None:
    """The department a table names, as its reader would find it, from what comes first
    only: a text table's first bytes, a PDF's first page, an xlsx's first rows
    (`readers.peek`); None when that does not tell (another format, the header further
    down): then only a full reading knows."""
    from jixiao.readers.text import DEPARTMENT_RE, HEADER_RE, ITEM_RE, _amount_line

    kind = sniff(data)
    if kind in ("pdf", "xlsx"):
        from jixiao.readers.peek import peek_pdf, peek_xlsx

        return (peek_pdf if kind == "pdf" else peek_xlsx)(data, limits)
    if kind != "text":
        return None
    head = data[:PEEK_BYTES]
    if len(data) > PEEK_BYTES:
        head = head[:head.rfind(b"\n") + 1]  # whole lines: no character cut in two
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = head.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return None
    department = None
    for raw in text.replace("\r", "\n").split("\n"):
        line = raw.replace("\f", "").strip()
        if line.startswith("项目名称") and HEADER_RE.match(line):
            return department
        if _amount_line(line) and not ITEM_RE.match(line):
            return None  # a table without its header: let the reader decide
        if m := DEPARTMENT_RE.match(line):
            department = m.group("name").strip()
    return None


def _read_bytes(data: bytes, file: str | None, limits: Limits,
                ocr: OcrOptions | None = None) -> Document:
    kind = sniff(data)
    if kind == "json":
        try:
            parsed = json.loads(data.decode("utf-8-sig"))
        except (ValueError, RecursionError) as exc:  # bad UTF-8 or JSON, 4,300+ digits, deep
            line = getattr(exc, "lineno", None)
            raise ReadError("bad-json", say("errors.bad-json", line=line or 1),
                            SourceSpan(file, line, line)) from None
        doc = from_dict(parsed, file)
        if doc.source.file is None:  # JSON made by hand: it is its own source
            doc.source.file = file
            doc.source.sha256 = hashlib.sha256(data).hexdigest()
        doc.source.format = doc.source.format or "json"
        return doc
    if kind == "pdf":
        from jixiao.readers.pdf import read_pdf_bytes  # pdfium loads only for PDFs

        if ocr is not None and ocr.mode != "never":  # scanned pages: OCR, then as text
            return _read_scanned(data, file, limits, ocr)
        try:
            return read_pdf_bytes(data, file, limits)
        except ReadError as exc:
            # no header of the sample's table found (overlapping text may be why): another
            # template's forms, perhaps; else the sample's template damaged, or a scan
            if exc.code not in ("no-table", "overlapping-text"):
                raise
            return _read_form(data, file, limits, kind, exc)
    if kind == "xlsx":
        from jixiao.readers.xlsx import read_xlsx_bytes

        try:
            return read_xlsx_bytes(data, file, limits)
        except ReadError as exc:
            if exc.code != "no-header":  # the sample's layout, damaged: say so
                raise
            return _read_form(data, file, limits, kind, exc)
    if kind in ("docx", "xls", "html"):
        return _read_form(data, file, limits, kind)
    try:
        return read_text_bytes(data, file)
    except ReadError as exc:
        if exc.code in ("empty", "not-text", "bad-encoding", "too-large"):
            raise
        return _read_form(data, file, limits, kind, exc)


def _read_scanned(data: bytes, file: str | None, limits: Limits, options: OcrOptions
                  ) -> Document:
    """A PDF whose pages (some or all) are pictures: those OCR'd (`readers/ocr.py`), then
    read by the same readers as a text PDF, and what the OCR was unsure of said."""
    from jixiao.readers.ocr import OcrPdfReader, ocr_pages, ocr_warnings, pages_to_ocr

    indexes = pages_to_ocr(data, options.mode, options.settings, file, limits)
    if not indexes:
        return _read_bytes(data, file, limits)
    scanned = options.pages if options.pages is not None else \
        ocr_pages(data, indexes, options.settings, options.jobs, options.progress)
    try:
        doc = OcrPdfReader(data, file, limits, ocr=scanned).document()
    except ReadError as exc:
        if exc.code != "no-table":
            raise
        doc = _read_form(data, file, limits, "pdf", exc, scanned)
    doc.warnings.extend(ocr_warnings(doc, scanned, file, options.settings))
    return doc


def _ranges(numbers: list[int]) -> str:
    """[28, 29, 30, 46] → "28–30、46"."""
    out: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        out.append(say("readers.page-range", first=start, last=prev) if prev != start
                   else str(start))
        if n is not None:
            start = prev = n
    return say("readers.page-separator").join(out)


def _read_form(data: bytes, file: str | None, limits: Limits, kind: str,
               first: ReadError | None = None, scanned: dict[int, OcrPage] | None = None
               ) -> Document:
    """A container read as a grid of cells, then by the form reader."""
    from jixiao.forms import flat, read_grid
    from jixiao.readers import cells
    from jixiao.readers.decode import decode_text
    from jixiao.readers.grid import text_grid

    if kind == "text":
        text, encoding = decode_text(data, file)
        grid = text_grid(text, file, limits)
    elif kind == "pdf":
        from jixiao.readers.pdfgrid import pdf_grid

        try:
            if scanned:  # OCR'd pages give their cells from the picture
                from jixiao.readers.ocr import ocr_grid

                grid, encoding = ocr_grid(data, file, limits, scanned), None
            else:
                grid, encoding = pdf_grid(data, file, limits), None
        except ReadError as exc:
            if first is None or exc.code != "no-target-table":
                raise
            if first.code == "overlapping-text":  # that is what made it unreadable
                raise first from None
            # neither the sample's table nor any indicator table: say both
            raise ReadError(exc.code, say("readers.both", first=exc.message,
                                          second=first.message), exc.span) from None
    else:
        grid = {"xlsx": cells.xlsx_grid, "xls": cells.xls_grid, "docx": cells.docx_grid,
                "html": cells.html_grid}[kind](data, file, limits)
        encoding = None
    try:
        # a text without separators: its cells rebuilt where the vocabulary is certain
        doc = flat.read(grid) if "lines" in grid.notes else read_grid(grid)
    except ReadError as exc:
        if first is None or exc.code not in ("no-form", "no-target-table"):
            raise
        if first.code not in ("no-table", "overlapping-text"):  # the sample's, damaged
            raise first from None
        # neither the sample's table nor a form: say both
        raise ReadError(first.code, say("readers.both", first=first.message,
                                        second=exc.message), first.span) from None
    doc.source = SourceInfo(file, hashlib.sha256(data).hexdigest(), kind, encoding,
                            None if kind != "text" else data.count(b"\n") + 1)
    pages = [n for n in grid.notes if n.startswith("pages ")]
    if pages:  # a whole budget: say where its target tables are
        numbers = [int(n) for n in pages[0].removeprefix("pages ").split(",")]
        doc.warnings.insert(0, ReadWarning("target-pages", say(
            "readers.target-pages", pages=_ranges(numbers)), SourceSpan(file), Severity.INFO))
    return doc


_ocr_default = "auto"  # what `ocr=None` means: the CLI's `ingest --ocr` sets it


def set_ocr_default(mode: str) -> None:
    """The OCR mode of readings that do not name one (`jixiao ingest --ocr`: its forked
    workers read with it too)."""
    global _ocr_default
    _ocr_default = mode


def read_bytes(data: bytes, file: str | None = None, limits: Limits = DEFAULT,
               ocr: str | OcrOptions | None = None) -> Document:
    """Read a table from a file's bytes, whatever the format; a reading without a project
    or with more than the limits allow is refused here, for every reader alike. `ocr`:
    a PDF's pages without a text layer are OCR'd (`auto`, the default), all are
    (`always`), or none (`never`); an `OcrOptions` also sets the processes and a progress
    callback."""
    if ocr is None:
        ocr = _ocr_default
    if isinstance(ocr, str):
        from jixiao.readers.ocr import MODES, OcrOptions

        if ocr not in MODES:
            raise ReadError("bad-ocr-mode", say("readers.bad-ocr-mode", mode=ocr),
                            SourceSpan(file))
        ocr = OcrOptions(mode=ocr)  # type: ignore[arg-type]
    doc = _read_bytes(data, file, limits, ocr)
    if not doc.projects:
        raise ReadError("empty-table", say("readers.empty-table"), SourceSpan(file))
    check_document(doc, limits)
    # every reading is cross-checked (jixiao.checks), after the limits bound its size
    checked = judge(doc)
    if checked.refuse:
        advice = ""
        if any(w.code == "layout-text" for w in doc.warnings):  # rebuilt from positions
            advice = say("readers.layout-advice")
        raise ReadError("fails-checks", checked.message() + advice, SourceSpan(file))
    doc.warnings.extend(checked.warnings)
    doc.doubtful = doc.doubtful or checked.doubtful
    return doc


def load_bytes(path: str | Path) -> bytes:
    """A file's bytes, or a ReadError that names it."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        why = {FileNotFoundError: "file-missing", PermissionError: "not-permitted",
               IsADirectoryError: "is-directory"}.get(type(exc), "os-error")
        raise ReadError("unreadable", say("errors.unreadable", why=say(f"errors.{why}")),
                        SourceSpan(str(path))) from None


def read(path: str | Path, ocr: str | OcrOptions | None = None) -> Document:
    """Read a table from a file of any supported format."""
    return read_bytes(load_bytes(path), Path(path).name, ocr=ocr)
