"""Every limit jixiao applies to what it is given, in one settings object.

Limits apply before the work: a request body is counted while it streams in, a container
(xlsx, docx) is measured from its zip directory before a library opens it, a PDF's pages
are counted before they are read. Each refusal names the limit it hit (`LimitError.limit`),
so a user knows which setting stopped them and an admin which one to raise.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from jixiao.errors import ReadError
from jixiao.model import SourceSpan


@dataclass(frozen=True, slots=True)
class Limits:
    """Defaults fit the largest real tables seen (a few MB, a few thousand projects) with
    room to spare; an admin overrides any of them (`Limits.from_mapping`)."""

    # a file or request body, in bytes
    upload_bytes: int = 20 * 1024 * 1024
    # a zip container (xlsx, docx): everything it unpacks to, one member, the members
    unpacked_bytes: int = 200 * 1024 * 1024
    member_bytes: int = 100 * 1024 * 1024
    members: int = 2_000
    # unpacked ÷ packed size of a member of 1 MB or more: real sheets stay far below 100
    compression_ratio: int = 100
    # a grid read from any container: its cells, rows, columns and the longest cell text
    cells: int = 2_000_000
    rows: int = 200_000
    columns: int = 200
    cell_chars: int = 32_767  # Excel's own limit for one cell
    # a PDF
    pdf_pages: int = 2_000
    # a document once read
    projects: int = 20_000
    indicators_per_project: int = 500
    # the text of a text file, in characters
    text_chars: int = 50 * 1024 * 1024

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> Limits:
        """Defaults overridden by `values` (an admin's settings); unknown names refused."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown limit(s): {', '.join(unknown)}")
        return replace(cls(), **{k: int(v) for k, v in values.items()})


DEFAULT = Limits()


class LimitError(ReadError):
    """Input larger than a limit allows: refused before it is read."""

    def __init__(self, limit: str, allowed: int, found: int | None, message: str,
                 span: SourceSpan | None = None) -> None:
        self.limit = limit
        self.allowed = allowed
        self.found = found
        super().__init__("too-large", message, span)

    def __reduce__(self) -> Any:
        return (_rebuild, (self.limit, self.allowed, self.found, self.message, self.span))


def _rebuild(limit: str, allowed: int, found: int | None, message: str,
             span: SourceSpan) -> LimitError:
    return LimitError(limit, allowed, found, message, span)


def check(limit: str, found: int, limits: Limits = DEFAULT, what: str = "",
          span: SourceSpan | None = None) -> None:
    """Refuse `found` when it is over the named limit."""
    allowed = getattr(limits, limit)
    if found > allowed:
        raise LimitError(limit, allowed, found,
                         f"{what or limit} is {found:,}, over the limit {limit}={allowed:,}",
                         span)
