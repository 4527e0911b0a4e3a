from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from jixiao.model import Document
from jixiao.readers import read

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "guangzhou-psb-targets.txt"
GOLD = DATA / "guangzhou-psb-gold.json"
REPO = Path(__file__).parents[1]
# The workplace's field-by-field scorer lives beside the project, not in it.
SHARED_SCORER = Path(os.environ.get("JIXIAO_SHARED", REPO.parent / "shared")) / "tools" \
    / "score_extraction.py"


@pytest.fixture(scope="session")
def gold_json() -> dict[str, Any]:
    return json.loads(GOLD.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def gold_doc() -> Document:
    return read(GOLD)


@pytest.fixture()
def sample_doc() -> Document:
    return read(SAMPLE)
