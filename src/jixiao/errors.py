"""Errors as typed objects with a code and a location (file, line or page)."""

from __future__ import annotations

from jixiao.model import SourceSpan


class JixiaoError(Exception):
    """Base of every error jixiao raises on purpose."""


class ReadError(JixiaoError):
    """Input that cannot be read as a target table. Nothing of it may be stored."""

    def __init__(self, code: str, message: str, span: SourceSpan | None = None) -> None:
        self.code = code
        self.message = message
        self.span = span or SourceSpan()
        super().__init__(f"{self.span}: {message} [{code}]")

    def __reduce__(self) -> tuple[type[ReadError], tuple[str, str, SourceSpan]]:
        # whole across a process boundary (bulk ingest reads in worker processes)
        return (type(self), (self.code, self.message, self.span))
