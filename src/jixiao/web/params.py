"""Path parameters shared by the pages and the API, bounded so that no number reaches
the database that it cannot hold; and the checks of numbers that name something inside a
document (a finding, an indicator), which must name something that exists."""

from collections.abc import Collection
from typing import Annotated

from fastapi import Path

from jixiao.messages import say
from jixiao.web.auth import WebError

INT32 = 2_147_483_647  # what an Integer column holds on every backend

DocId = Annotated[int, Path(ge=1, le=INT32, description="the document's id")]
Seq = Annotated[int, Path(ge=1, le=100_000, description="the project's number (序号)")]
YearPath = Annotated[int, Path(ge=2000, le=2100, description="the budget year")]


def finding_position(raw: str | int | None, findings: Collection[int]) -> int | None:
    """The finding an opinion is about: none (empty), or one of `findings` (the positions
    of the project's own findings). A form sends text: only ASCII digits are a number
    ("²" is a digit to Python, not to int)."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 10):
            raise WebError(422, "invalid", say("web.finding-not-number", raw=raw[:20]))
        raw = int(raw)
    if raw not in findings:
        raise WebError(422, "no-finding", say("web.no-finding", raw=raw))
    return raw
