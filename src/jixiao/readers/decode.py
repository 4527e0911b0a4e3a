"""Bytes → text for table files: UTF-8 (with or without BOM) or GB18030/GBK, any line ends."""

from __future__ import annotations

import codecs
import re

from jixiao.errors import ReadError
from jixiao.messages import say
from jixiao.model import SourceSpan

# Magic numbers of formats that are certainly not a text table.
_BINARY_MAGIC = {
    b"%PDF": "pdf",  # keys of the catalogue's binary.* (what users are told it is)
    b"PK\x03\x04": "zip",
    b"\xd0\xcf\x11\xe0": "ole",
    b"\x89PNG": "png",
    b"\xff\xd8\xff": "jpeg",
    b"\x1f\x8b": "gzip",
    b"SQLite format 3": "sqlite",
}
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")  # all but \t \n \f \r
_CONTROL_BYTES = bytes([*range(0x09), 0x0B, *range(0x0E, 0x20), 0x7F])  # the same, as bytes
_CONTROL_WINDOW = 65536  # characters looked at for control characters
# encodings in which such a character is one byte and no byte of another character is one
_ASCII_SAFE = ("utf-8", "gb18030")


def decode_text(data: bytes, file: str | None = None) -> tuple[str, str]:
    """Return (text, encoding). Line ends become '\\n'; form feeds are kept (page breaks)."""
    where = SourceSpan(file)
    if not data.strip(b" \t\r\n\f\x00"):
        raise ReadError("empty", say("errors.empty"), where)
    for magic, kind in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise ReadError("not-text", say("errors.not-text", kind=say(f"binary.{kind}")),
                            where)
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        text, encoding = _strict(data, "utf-16", where), "utf-16"
    elif data.startswith(codecs.BOM_UTF8):
        text, encoding = _strict(data, "utf-8-sig", where), "utf-8-sig"
    elif b"\x00" in data[:4096]:
        raise ReadError("not-text", say("errors.binary-nul"), where)
    else:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError as utf8_error:
            # Many government files come in GB18030 (a superset of GBK and GB2312).
            try:
                text, encoding = data.decode("gb18030"), "gb18030"
            except UnicodeDecodeError as gb_error:
                # report where the encoding that got further stopped
                worst = max((utf8_error, gb_error), key=lambda e: e.start)
                raise _undecodable(data, worst.start, worst.encoding.upper(), where) from None
    window = min(len(text), _CONTROL_WINDOW)
    if encoding in _ASCII_SAFE and window == len(text):
        # the whole text is looked at: count the bytes (a C loop, not a regex per character),
        # and only when one is there at all (a memchr for each: most texts hold none)
        controls = len(data) - len(data.translate(None, _CONTROL_BYTES)) \
            if any(byte in data for byte in _CONTROL_BYTES) else 0
    else:
        controls = len(_CONTROL_RE.findall(text, 0, _CONTROL_WINDOW))
    if controls > max(3, window // 200):
        raise ReadError("not-text", say("errors.binary-control"), where)
    if "\r" in text:  # one scan when there is none
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, encoding


# <meta charset="gb2312"> or <meta http-equiv="Content-Type" content="text/html; charset=gbk">
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
# pages that say gb2312 or gbk hold GBK (or GB18030) characters: decode by the superset
_GB_FAMILY = {"gb2312", "gbk", "gb_2312-80", "x-gbk", "gb18030", "cp936", "euc-cn", "hz-gb-2312"}


def decode_html(data: bytes, file: str | None = None) -> tuple[str, str]:
    """An HTML page's text and the encoding it was read in: a BOM, else the charset its
    <meta> declares (the GB family read as GB18030, the superset CMS pages really hold),
    else UTF-8 when the bytes are valid UTF-8, else GB18030 (a page of the GBK era that
    declares nothing). A declared charset the bytes do not fit yields to UTF-8 / GB18030
    rather than to mojibake; bytes that fit none is `bad-encoding` with the line."""
    where = SourceSpan(file)
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return _XML_DECLARATION.sub("", _strict(data, encoding, where)), encoding
    tried: list[str] = []
    if m := _META_CHARSET.search(data[:8192]):
        declared = m.group(1).decode("ascii").lower()
        declared = "gb18030" if declared in _GB_FAMILY else declared
        try:
            codecs.lookup(declared)
            tried.append(declared)
        except LookupError:
            pass
    tried += [e for e in ("utf-8", "gb18030") if e not in tried]
    error: UnicodeDecodeError | None = None
    for encoding in tried:
        try:
            return _XML_DECLARATION.sub("", data.decode(encoding)), encoding
        except UnicodeDecodeError as exc:
            error = exc if error is None or exc.start > error.start else error
    assert error is not None
    raise _undecodable(data, error.start, error.encoding.upper(), where)


def _strict(data: bytes, encoding: str, where: SourceSpan) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise _undecodable(data, exc.start, encoding.upper(), where) from None


def _undecodable(data: bytes, start: int, encoding: str, where: SourceSpan) -> ReadError:
    line = data[:start].count(b"\n") + 1
    return ReadError(
        "bad-encoding",
        say("errors.bad-encoding", start=start, line=line, encoding=encoding),
        SourceSpan(where.file, line, line),
    )
