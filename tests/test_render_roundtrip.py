"""Any rendering of a table as PDF-to-text output reads back to the same table."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fields import field_mismatches
from jixiao.interchange import to_dict
from jixiao.model import Amounts, Document
from jixiao.readers.text import read_text
from jixiao.synthetic import generate_document
from jixiao.writers.text import TextLayout, render_text, wrap

layouts = st.builds(
    TextLayout,
    name_width=st.integers(4, 40),
    goal_width=st.integers(4, 60),
    item_width=st.none() | st.integers(6, 70),
    name_on_amount_line=st.booleans(),
    goal_on_amount_line=st.booleans(),
    blank_after_name=st.booleans(),
    blank_after_amounts=st.booleans(),
    blank_after_goal=st.booleans(),
    blank_after_project=st.booleans(),
    lines_per_page=st.none() | st.integers(5, 120),
    thousands=st.booleans(),
    trailing_space=st.booleans(),
    label_colon=st.sampled_from([None, ":", "："]),
    out_of_order=st.frozensets(st.integers(1, 142), max_size=6) | st.just(frozenset({41})),
)
SETTINGS = settings(max_examples=int(os.environ.get("JIXIAO_EXAMPLES", "60")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _roundtrip(doc: Document, layout: TextLayout) -> tuple[dict[str, Any], Document]:
    text = render_text(doc, layout)
    return to_dict(doc), read_text(text, "rendered.txt")


@SETTINGS
@given(layout=layouts)
def test_any_rendering_of_the_gold_reads_back_to_the_gold(gold_doc: Document,
                                                          layout: TextLayout) -> None:
    gold, got = _roundtrip(gold_doc, layout)
    n, misses = field_mismatches(gold, to_dict(got))
    assert misses == []
    assert n == 2477
    if layout.label_colon is None:  # the items' raw text comes back exactly too
        raws = [i.raw for _, i in got.iter_indicators()]
        assert raws == [i.raw for _, i in gold_doc.iter_indicators()]
    assert [u.name for u in got.units] == ["广州市公安局"]


@SETTINGS
@given(layout=layouts, seed=st.integers(0, 10_000),
       mixes=st.sampled_from([("fiscal",), ("special",), ("all",), ("fiscal", "special", "all")]))
def test_generated_documents_read_back_exactly(gold_doc: Document, layout: TextLayout,
                                               seed: int, mixes: tuple[str, ...]) -> None:
    """Several units with subtotals, all funding columns, 1 to 8 indicators."""
    doc = generate_document(gold_doc, seed, projects=12, units=seed % 3 + 1, mixes=mixes,
                            max_indicators=8)
    expected, got = _roundtrip(doc, layout)
    n, misses = field_mismatches(expected, to_dict(got))
    assert misses == []
    assert n == 12 * 6 + 3 * sum(len(p.indicators) for p in doc.projects) + 5
    assert [(u.name, u.subtotal) for u in got.units] == [
        (u.name, _without_flag(u.subtotal)) for u in doc.units]
    assert [len(u.projects) for u in got.units] == [len(u.projects) for u in doc.units]


def _without_flag(amounts: Amounts) -> Amounts:
    """What the text reader makes of these figures: it marks columns it had to guess."""
    return replace(amounts, columns_inferred=amounts.other is None)


@given(text=st.text(alphabet="测试通过实施该项目1、2 ；;年度指标值:%。", max_size=200),
       width=st.integers(2, 30))
def test_wrap_keeps_every_character_and_never_breaks_at_a_space(text: str, width: int) -> None:
    lines = wrap(text, width)
    assert "".join(lines) == text
    for line in lines[1:]:
        assert not line.startswith(" ")
    for line in lines[:-1]:
        assert not line.endswith(" ")
