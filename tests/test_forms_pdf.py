"""Real PDFs as departments published them (tests/data/real/pdf), read through the PDF
grid and the form reader, against gold readings written by reading the pages."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from jixiao.errors import ReadError
from jixiao.interchange import to_dict
from jixiao.readers import read

PDFS = Path(__file__).parent / "data" / "real" / "pdf"
SCORER = Path(__file__).parents[2] / "shared" / "tools"

# Field accuracy each reads to today, by the team's scorer. A gold that covers the first
# projects only is compared with the projects of the reading that it names.
FLOORS = {
    "cas-naoc-2023-yusuan-xiangmu-mubiaobiao": 1.0,
    "guojia-xinfang-2024-juesuan-xiangmu-ziping": 1.0,
    "gz-zwfw-2026-zhengti-shenbaobiao": 1.0,
    "ningde-zfb-2024-zhengti-zipingbiao": 1.0,
    "shanghai-putuo-wanli-2023-yusuan-tianbaobiao": 1.0,
    "yantai-minzheng-2026-yusuan-mubiaobiao": 0.995,
    "fuzhou-yibao-2026-yusuan-mubiaobiao": 0.99,
    "xian-keji-2022-yusuan-mubiaobiao": 1.0,
    "changsha-gongan-2025-yusuan-mubiaobiao": 0.995,
    "beijing-fagai-2026-yusuan-xiangmu-mubiaobiao": 0.99,
    # the sample's own template (read by readers/pdf.py): the table prints no year or kind
    "gz-zwfw-2026-xiangmu-mubiaobiao": 0.99,
}


def _score(gold: dict, doc) -> tuple[float, list[str]]:
    sys.path.insert(0, str(SCORER))
    import score_extraction

    pred = to_dict(doc)
    if len(pred["projects"]) > len(gold["projects"]):  # a gold of the first projects
        names = {"".join((p.get("name") or "").split()) for p in gold["projects"]}
        pred["projects"] = [p for p in pred["projects"]
                            if "".join((p.get("name") or "").split()) in names]
    totals, misses = score_extraction.score(gold, pred)
    return sum(h for h, _ in totals.values()) / sum(n for _, n in totals.values()), misses


@pytest.mark.parametrize("stem", sorted(FLOORS))
def test_real_pdf_reads_to_its_gold(stem: str) -> None:
    gold = json.loads((PDFS / f"{stem}.gold.json").read_text("utf-8"))
    doc = read(PDFS / f"{stem}.pdf")
    score, misses = _score(gold, doc)
    assert score >= FLOORS[stem], misses[:10]
    if doc.kind is None:  # the sample's template: one table, its pages are all pages
        return
    # the pages said are the pages the gold found the target tables on
    said = next(w for w in doc.warnings if w.code == "target-pages").message
    first = min(gold["document"]["pages"])
    assert f"第 {first}" in said or f"第 {first - 1}" in said, said


def test_a_budget_without_a_target_table_is_refused() -> None:
    with pytest.raises(ReadError) as err:
        read(PDFS / "jiangsu-gaoyuan-2019-yusuan-prose-only.pdf")
    assert err.value.code == "no-target-table"
    assert "没有找到绩效目标表" in err.value.message


def test_fields_of_a_self_evaluation_pdf() -> None:
    doc = read(PDFS / "guojia-xinfang-2024-juesuan-xiangmu-ziping.pdf")
    p = doc.projects[0]
    assert doc.kind == "self-evaluation" and doc.year == 2024
    assert (p.name, str(p.form.planned), str(p.form.adjusted), str(p.form.executed)) == \
        ("信访干部培训专项", "180.61", "180.03", "180.03")
    first = p.indicators[0]
    assert (first.category, first.form.level2, first.name, first.target, first.form.actual,
            str(first.form.weight), str(first.form.score)) == \
        ("成本指标", "经济成本指标", "参加培训学员人均培训费", "不超标准", "未超标准", "20", "20")
    assert first.span.page == 30
    # the table inside the prose report on p.46 belongs to no project
    assert any(w.code == "table-without-project" for w in doc.warnings)
