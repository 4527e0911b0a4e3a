from __future__ import annotations

from decimal import Decimal

import pytest

from jixiao.errors import ReadError
from jixiao.interchange import from_dict, to_dict
from jixiao.model import Document

FIXED_PROJECT_KEYS = ["seq", "name", "total", "fiscal", "special_account", "other", "goal",
                      "indicators"]


def test_model_to_json_and_back_is_lossless(sample_doc: Document) -> None:
    data = to_dict(sample_doc)
    assert from_dict(data) == sample_doc


def test_the_keys_design_md_fixes(sample_doc: Document, gold_json: dict) -> None:
    data = to_dict(sample_doc)
    assert list(data) == ["document", "projects"]
    d = data["document"]
    for key in ("title", "department", "amount_unit"):
        assert d[key] == gold_json["document"][key]
    amounts = ("total", "fiscal", "special_account", "other")
    for ours, gold in [(d["grand_total"], gold_json["document"]["grand_total"]),
                       *zip(d["units"], gold_json["document"]["units"], strict=True)]:
        assert {k: ours[k] for k in amounts} == {k: gold[k] for k in amounts}
    # text shows no empty cells, so the column of the second figure was a reading
    assert d["grand_total"]["columns_inferred"] is True
    project = data["projects"][0]
    assert list(project)[:8] == FIXED_PROJECT_KEYS
    assert project["total"] == "11294.10" and project["special_account"] is None
    indicator = project["indicators"][0]
    assert {k: indicator[k] for k in ("seq", "category", "name", "target", "raw")} == {
        k: gold_json["projects"][0]["indicators"][0][k]
        for k in ("seq", "category", "name", "target", "raw")}


def test_gold_json_reads_as_a_document(gold_doc: Document) -> None:
    assert len(gold_doc.projects) == 142
    assert gold_doc.grand_total.special_account == Decimal("477.00")
    assert gold_doc.units[0].subtotal.total == Decimal("247400.93")
    assert all(p in gold_doc.units[0].projects for p in gold_doc.projects)


def test_bad_amount_names_the_field() -> None:
    data = {"document": {"units": []}, "projects": [{"name": "x", "total": "12,3a"}]}
    with pytest.raises(ReadError, match=r"projects\[0\]\.total"):
        from_dict(data, "bad.json")
