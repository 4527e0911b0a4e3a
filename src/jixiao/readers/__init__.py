"""Readers: a source file → `Document`. `read(path)` picks the reader by content."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from jixiao.errors import ReadError
from jixiao.interchange import from_dict
from jixiao.model import Document, SourceSpan
from jixiao.readers.text import read_text_bytes


def sniff(data: bytes) -> str:
    """The format of a file by its first bytes: 'json', 'pdf', 'xlsx' or 'text'."""
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"{"):
        return "json"
    return "text"


def read_bytes(data: bytes, file: str | None = None) -> Document:
    kind = sniff(data)
    if kind == "json":
        try:
            parsed = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            line = getattr(exc, "lineno", None)
            raise ReadError("bad-json", f"not valid JSON: {exc}", SourceSpan(file, line, line)) \
                from None
        doc = from_dict(parsed, file)
        if doc.source.file is None:  # JSON made by hand: it is its own source
            doc.source.file = file
            doc.source.sha256 = hashlib.sha256(data).hexdigest()
        doc.source.format = doc.source.format or "json"
        return doc
    if kind == "pdf":
        from jixiao.readers.pdf import read_pdf_bytes  # pdfium loads only for PDFs

        return read_pdf_bytes(data, file)
    if kind == "xlsx":
        from jixiao.readers.xlsx import read_xlsx_bytes

        return read_xlsx_bytes(data, file)
    return read_text_bytes(data, file)


def load_bytes(path: str | Path) -> bytes:
    """A file's bytes, or a ReadError that names it."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ReadError("unreadable", f"cannot open: {exc.strerror}", SourceSpan(str(path))) \
            from None


def read(path: str | Path) -> Document:
    """Read a table from a file of any supported format."""
    return read_bytes(load_bytes(path), Path(path).name)
