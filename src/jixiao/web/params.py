"""Path parameters shared by the pages and the API, bounded so that no number reaches
the database that it cannot hold."""

from typing import Annotated

from fastapi import Path

DocId = Annotated[int, Path(ge=1, le=2_147_483_647, description="the document's id")]
Seq = Annotated[int, Path(ge=1, le=100_000, description="the project's number (序号)")]
YearPath = Annotated[int, Path(ge=2000, le=2100, description="the budget year")]
