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
# The workplace's field-by-field scorer lives beside the project, not in it: $JIXIAO_SHARED,
# ../shared, or the workplace's /work/shared (a CI clone may sit elsewhere).
_SHARED = [Path(os.environ["JIXIAO_SHARED"])] if "JIXIAO_SHARED" in os.environ else []
SHARED_SCORER = next(
    (p / "tools" / "score_extraction.py" for p in [*_SHARED, REPO.parent / "shared",
                                                   Path("/work/shared")]
     if (p / "tools" / "score_extraction.py").exists()),
    REPO.parent / "shared" / "tools" / "score_extraction.py",
)


@pytest.fixture(scope="session")
def gold_json() -> dict[str, Any]:
    return json.loads(GOLD.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def gold_doc() -> Document:
    return read(GOLD)


@pytest.fixture()
def sample_doc() -> Document:
    return read(SAMPLE)
