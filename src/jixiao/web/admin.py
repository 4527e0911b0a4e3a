"""Administration a bureau can run (issue 17): users changed, reset and disabled, one's own
password, API tokens, review profiles as a form, the change log in Chinese."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
