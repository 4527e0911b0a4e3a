"""Scanned tables (issue 19): the published sample and a real form rendered to pictures,
made into scans for real (grey paper, a red stamp, noise, a slight turn, JPEG; tests/scans.py),
put back into PDFs with no text layer, and read by the real OCR (rapidocr, on the CPU).
Renders are kept to a few pages: each page costs OCR seconds."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from fields import field_mismatches
from jixiao.cli import app
from jixiao.errors import ReadError
from jixiao.interchange import to_dict
from jixiao.limits import DEFAULT
from jixiao.model import Document, SourceSpan
from jixiao.readers import read_bytes
from jixiao.readers.ocr import (
    OcrBox,
    OcrChar,
    OcrOptions,
    OcrPage,
    OcrSettings,
    _clean,
    _gaps,
    _garbage,
    _join_boxes,
    _mend,
    _mend_rates,
    ocr_grid,
    ocr_pages,
    pages_to_ocr,
)
from jixiao.readers.pdfgrid import Edge
from jixiao.writers.publish import render_pdf
from scans import (
    DOUBTS,
    first_pages,
    meets,
    miss_span,
    only_percent,
    scan_pdf,
    silent,
    silent_scored,
)
from test_forms_pdf import PDFS, _score

runner = CliRunner()


@pytest.fixture(scope="module")
def gold_pdf(gold_doc: Document) -> bytes:
    return render_pdf(gold_doc)


@pytest.fixture(scope="module")
def scan200(gold_pdf: bytes) -> bytes:
    return scan_pdf(first_pages(gold_pdf, 2), 200, seed=1)


@pytest.fixture(scope="module")
def read200(scan200: bytes) -> tuple[Document, list[tuple[int, int]]]:
    calls: list[tuple[int, int]] = []
    doc = read_bytes(scan200, "scan200.pdf",
                     ocr=OcrOptions(jobs=2, progress=lambda d, t: calls.append((d, t))))
    return doc, calls


def _gold_of(gold_json: dict, doc: Document) -> tuple[dict, dict]:
    """The gold cut to the projects the pages hold (the last one read may go on over
    the page break), and the reading cut alike."""
    got = to_dict(doc)
    n = len(got["projects"]) - 1
    gold = dict(gold_json, projects=gold_json["projects"][:n])
    return gold, dict(got, projects=got["projects"][:n])


def test_the_200_dpi_scan_reads_to_the_gold(read200: tuple[Document, list], gold_json: dict
                                            ) -> None:
    doc, calls = read200
    gold, got = _gold_of(gold_json, doc)
    assert len(got["projects"]) >= 18  # two landscape pages of the sample
    n, misses = field_mismatches(gold, got)
    assert 1 - len(misses) / n >= 0.98, misses
    # every figure is read exactly: the money is never wrong
    for g, p in zip(gold["projects"], got["projects"], strict=True):
        for key in ("total", "fiscal", "special_account", "other"):
            assert (g.get(key) or None) == (p.get(key) or None), (g["name"], key)
    assert doc.grand_total is not None and str(doc.grand_total.total) == "248530.64"
    assert doc.source.format == "pdf" and doc.source.pages == 2
    # pages on two processes, the bar told after each
    assert calls[0] == (0, 2) and calls[-1] == (2, 2) and len(calls) == 3


def test_each_miss_has_a_warning_on_its_box(read200: tuple[Document, list],
                                           gold_json: dict) -> None:
    """No silent miss: each field read unlike the gold lies in (or meets) the box of an OCR
    doubt on its page; and every field read has its box, as the web shows it."""
    doc, _ = read200
    gold, got = _gold_of(gold_json, doc)
    doubts = [w for w in doc.warnings if w.code in DOUBTS]
    info = next(w for w in doc.warnings if w.code == "ocr-pages")
    misses = field_mismatches(gold, got)[1]
    assert not silent(doc, misses), silent(doc, misses)
    for miss in misses:
        span = miss_span(doc, miss)
        assert span is not None and span.box is not None, miss
        if only_percent(miss):  # said once for the document: `％` and `%` look alike
            assert "％ / %" in info.message
    assert "200 dpi" in info.message and "OCR" in info.message
    for w in doubts:
        assert w.span.page in (1, 2) and w.span.box is not None and "pt" in w.message
    # the reader's doubts about an item (this table has an item without its label) point at
    # the item's box; a value mended is said with its box (`4产出指标` → `4、产出指标`)
    items = [w for w in doc.warnings if w.code == "missing-label"]
    assert items and all(w.span.box is not None for w in items)
    boxes = {i.span.box for p in doc.projects for i in p.indicators}
    assert all(w.span.box in boxes for w in items)
    mended = [w for w in doc.warnings if w.code == "ocr-mended" and w.span.box is not None]
    assert mended and all("→" in w.message and "框" in w.message for w in mended)
    for p in doc.projects[:-1]:  # the last one may go on over the page break
        spans = [p.field_spans.get(k) for k in ("name", "amounts", "goal")]
        spans += [i.span for i in p.indicators]
        assert all(s is not None and s.box is not None and s.page == p.span.page
                   for s in spans), p.name
        # the figures' box holds the total's and is inside the row's
        box, row = p.field_spans["amounts"].box, p.span.box
        assert row[0] <= box[0] < box[2] <= row[2] and row[1] <= box[1] < box[3] <= row[3]


def test_the_150_dpi_scan_through_the_cli(gold_pdf: bytes, gold_json: dict,
                                          tmp_path: Path) -> None:
    scan = tmp_path / "scan150.pdf"
    scan.write_bytes(scan_pdf(first_pages(gold_pdf, 1), 150, seed=7))
    never = runner.invoke(app, ["read", str(scan), "--ocr", "never"])
    assert never.exit_code == 2 and "no-text-layer" in never.output
    result = runner.invoke(app, ["read", str(scan), "-f", "json", "-j", "1"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    n = len(got["projects"]) - 1
    assert n >= 8
    gold = dict(gold_json, projects=gold_json["projects"][:n])
    total, misses = field_mismatches(gold, dict(got, projects=got["projects"][:n]))
    # coarser: a few characters more are lost (a `≤`, a first character), each doubted
    assert 1 - len(misses) / total >= 0.95, misses


def test_a_scanned_form_reads_through_the_grid() -> None:
    """A real 部门整体 自评表 (one page, ruled) scanned at 150 dpi: the rules found in the
    picture make the cell grid the form reader reads."""
    stem = "ningde-zfb-2024-zhengti-zipingbiao"
    gold = json.loads((PDFS / f"{stem}.gold.json").read_text("utf-8"))
    scan = scan_pdf((PDFS / f"{stem}.pdf").read_bytes(), 150, seed=3)
    assert pages_to_ocr(scan, "auto") == [0]
    doc = read_bytes(scan, f"{stem}-scan.pdf")
    score, misses = _score(gold, doc)
    # 0.91 today at 150 dpi (1.0 from the text layer; 0.90 before a faint figure's dark
    # specks were kept, 0.87 before the cells' ink was read again, 0.83 before the budget
    # block's circled headings were mended): the misses are glyphs the published PDF clips
    # (一般性支出情况 printed 一般性支出情, seven fields), a first 一 the recogniser drops,
    # small figures under the stamp, a `=` lost, the goal's grey closing `。`
    assert score >= 0.9, misses[:10]
    # and each is said: a doubt's box meets the field's (its cell, its indicator's row)
    assert not silent_scored(doc, misses), silent_scored(doc, misses)
    # small figures the detector missed, read again alone, are said as such
    again = [w for w in doc.warnings if w.code == "ocr-reread"]
    assert again and all(w.span.box is not None and "置信度" in w.message for w in again)
    assert doc.projects[0].indicators[5].target == "=24小时"  # its `=` read again
    budget = doc.projects[0].form
    assert budget is not None and str(budget.planned) == "9209.55" and \
        str(budget.executed) == "8874.74"
    # the doubtful figures are said with their boxes, inside the page
    figures = [w for w in doc.warnings if w.code in ("ocr-amount", "ocr-uncertain") and
               re.search(r"读作 '[\d.,]+'", w.message)]
    assert figures and all(w.span.page == 1 and w.span.box is not None for w in figures)
    amounts = doc.projects[0].field_spans["amounts"]
    assert amounts.page == 1 and amounts.box is not None  # the form's cell, kept
    assert any(w.code == "target-pages" for w in doc.warnings)
    assert any(w.code == "ocr-pages" for w in doc.warnings)


def test_a_scanned_budget_with_split_projects_reads_or_says() -> None:
    """Two pages (pp.39–40) of a real 长沙 budget's 目标表 scanned at 150 dpi: its rules a
    pixel off (the 一级/二级 rule was lost, merging the 二级 cells), p.40's `一级指标` read
    `级指标` (its rows were then no project's). Scored against the gold's items these
    pages hold: the last six of project 8, all of 9, the first of 10."""
    stem = "changsha-gongan-2025-yusuan-mubiaobiao"
    gold = json.loads((PDFS / f"{stem}.gold.json").read_text("utf-8"))
    held = {8: slice(12, 18), 9: slice(0, 6), 10: slice(0, 1)}
    gold["projects"] = [dict(p, indicators=p["indicators"][held[p["seq"]]])
                        for p in gold["projects"] if p["seq"] in held]
    gold["document"] = {k: gold["document"][k] for k in ("year", "kind")}
    scan = scan_pdf((PDFS / f"{stem}.pdf").read_bytes(), 150, seed=3, pages=[38, 39])
    scanned = ocr_pages(scan, [0, 1])  # once: the reading and the grid below share it
    doc = read_bytes(scan, f"{stem}-p39.pdf", ocr=OcrOptions(pages=scanned))
    assert [(p.name, len(p.indicators)) for p in doc.projects] == [
        ("民警急难险重及群众举报奖励经费", 6), ("民警训练经费", 6), ("派驻纪检监察组办公经费", 1)]
    first = doc.projects[0].indicators
    assert [(i.category, i.form.level2 if i.form else None) for i in first[:3]] == \
        [("效益指标", "社会效益指标")] * 3
    # a two-line cell read in order (`经济成本指` + `标` was read `经标济成本指`)
    assert [i.form.level2 if i.form else None for i in doc.projects[1].indicators[:2]] == \
        ["经济成本指标", "数量指标"]
    score, misses = _score(gold, doc)
    # 0.968 today (0.857 before the lone 指标值类型 glyphs were told by their strokes, 0.19
    # all silent before that): 遏制 read 遇制 twice, each ocr-uncertain
    assert score >= 0.95, misses[:10]
    assert not silent_scored(doc, misses), silent_scored(doc, misses)
    assert any(w.code == "ocr-mended" and "一级指标" in w.message for w in doc.warnings)
    # the `≥ ≤ =` alone in their 指标值类型 cells (5 pt at 150 dpi, read `#` or `K` or not
    # at all) are told by their strokes, each said as a reading to check
    for p, g in zip(doc.projects, gold["projects"], strict=True):
        assert [i.target for i in p.indicators if i.target.startswith(("≥", "≤", "="))] == \
            [i["target"] for i in g["indicators"] if i["target"].startswith(("≥", "≤", "="))]
    symbols = [w for w in doc.warnings if w.code == "ocr-reread" and "按笔画" in w.message]
    assert len(symbols) == sum(i["target"][0] in "≥≤=" for g in gold["projects"]
                               for i in g["indicators"])
    # every weight (备注, at the table's right rule: the gold's remark) is read, and the
    # one-digit ones the detector missed by the rule were read again and said, each
    grid = ocr_grid(scan, "s.pdf", DEFAULT, scanned)
    heads = [c for c in grid.cells if c.text == "备注"]
    assert [c.page for c in heads] == [1, 2]
    column = [c for c in grid.cells for h in heads if c.page == h.page and c.row > h.row and
              c.box is not None and abs(c.box[0] - h.box[0]) < 2 and abs(c.box[2] - h.box[2]) < 2]
    weights = [i["remark"] for g in gold["projects"] for i in g["indicators"]]
    assert [c.text for c in column] == weights
    for cell in column:
        box = (cell.box[0], cell.box[3], cell.box[2], cell.box[1])
        said = [w for w in doc.warnings if w.code == "ocr-reread" and w.span.page == cell.page
                and meets(w.span.box, box)]
        if len(cell.text) == 1:
            assert said and f"“{cell.text}”" in said[0].message, cell


def test_a_text_pdf_is_not_ocrd(gold_pdf: bytes) -> None:
    assert pages_to_ocr(gold_pdf, "auto") == []
    assert pages_to_ocr(gold_pdf, "never") == []
    assert pages_to_ocr(first_pages(gold_pdf, 2), "always") == [0, 1]
    with pytest.raises(ReadError) as info:
        read_bytes(gold_pdf, "t.pdf", ocr="sometimes")
    assert info.value.code == "bad-ocr-mode"


def test_a_coarse_scan_is_refused_before_any_ocr(gold_pdf: bytes) -> None:
    with pytest.raises(ReadError) as info:
        read_bytes(scan_pdf(first_pages(gold_pdf, 1), 72), "coarse.pdf")
    assert info.value.code == "no-text-layer" and "72 dpi" in info.value.message
    assert info.value.span.file == "coarse.pdf" and info.value.span.page == 1


def test_garbage_text_is_a_page_to_ocr() -> None:
    assert _garbage("(cid:12)(cid:345)(cid:6)项目")
    assert _garbage("\ue001\ue002\ue003ab")
    assert not _garbage("项目名称 总计 财政拨款")


def test_the_skew_is_found_and_turned_back(gold_pdf: bytes) -> None:
    import pypdfium2 as pdfium

    page = pdfium.PdfDocument(gold_pdf)[0].render(scale=100 / 72).to_pil().convert("RGB")
    turned = page.rotate(1.2, resample=Image.Resampling.BICUBIC, fillcolor="white")
    _, angle = _clean(np.asarray(turned), OcrSettings())
    assert abs(abs(angle) - 1.2) < 0.1


def _chars(text: str, widths: list[float] | None = None) -> list[OcrChar]:
    out, x = [], 0.0
    for k, ch in enumerate(text):
        w = widths[k] if widths else 10.0
        out.append(OcrChar(ch, x, 0, x + w, 10, 0.99))
        x += w
    return out


def test_confusions_are_mended_only_where_certain() -> None:
    amount = _chars("1O,294.l0")
    assert _mend(amount) and "".join(c.text for c in amount) == "10,294.10"
    word = _chars("OK版本l号")  # not an amount: left as read
    assert not _mend(word) and "".join(c.text for c in word) == "OK版本l号"
    item = _chars("1.效益指标：队伍稳定率")
    _mend(item)
    assert "".join(c.text for c in item) == "1、效益指标：队伍稳定率"
    rate = _chars("设备在线率；年度指标值：290%")
    _mend(rate)
    assert "".join(c.text for c in rate) == "设备在线率；年度指标值：≥90%"
    pleased = _chars("服务对象满意度；年度指标值：290%")  # a share of those asked, too
    _mend(pleased)
    assert "".join(c.text for c in pleased) == "服务对象满意度；年度指标值：≥90%"
    growth = _chars("收入增长率；年度指标值：250%")  # a growth rate may pass 100 %
    _mend(growth)
    assert "".join(c.text for c in growth) == "收入增长率；年度指标值：250%"
    # a heading's formula of circled numbers read with digits (a 自评表's budget block at
    # 150 dpi): circled again, its first mark `=`; figures that are no such formula stay
    for read_as, meant in (("支出实现率5-④/③", "支出实现率⑤=④/③"),
                           ("本年度结余金额6=3-④", "本年度结余金额⑥=③-④"),
                           ("小计③=①+②", "小计③=①+②"), ("金额12=3-4", "金额12=3-4"),
                           ("第3-4页", "第3-4页")):
        formula = _chars(read_as)
        _mend(formula)
        assert "".join(c.text for c in formula) == meant, read_as
    # a colon a half character wide is `:`, one a whole character wide `：`
    narrow = _chars("指标值：提高", [10, 10, 10, 3, 10, 10])
    wide = _chars("指标值:提高", [10, 10, 10, 10, 10, 10])
    _mend(narrow)
    _mend(wide)
    assert "".join(c.text for c in narrow) == "指标值:提高"
    assert "".join(c.text for c in wide) == "指标值：提高"


def _join_pdfs(*parts: bytes) -> bytes:
    import io

    import pypdfium2 as pdfium

    out = pdfium.PdfDocument.new()
    for part in parts:
        src = pdfium.PdfDocument(part)
        out.import_pages(src)
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def test_a_mixed_pdf_reads_as_one_document(gold_pdf: bytes, gold_json: dict) -> None:
    """Page 1 with its text layer, page 2 scanned (150 dpi): only page 2 is OCR'd, and the
    two read as one table, the row cut by the page break joined as in the text PDF."""
    two = first_pages(gold_pdf, 2)
    mixed = _join_pdfs(first_pages(gold_pdf, 1), scan_pdf(two, 150, seed=5, pages=[1]))
    assert pages_to_ocr(mixed, "auto") == [1]
    doc = read_bytes(mixed, "mixed.pdf")
    text = read_bytes(two, "two.pdf")
    assert doc.source.pages == 2 and len(doc.projects) == len(text.projects)
    info = next(w for w in doc.warnings if w.code == "ocr-pages")
    assert "第 2 页" in info.message and info.span.page == 2
    gold, got = _gold_of(gold_json, doc)
    n, misses = field_mismatches(gold, got)
    assert 1 - len(misses) / n >= 0.98, misses  # 0.991 today (修缮 → 修, two ％ → %)
    # page 1 is the text layer's: read exactly, its boxes the text layer's characters' (as
    # in the text PDF's reading), none from the OCR; page 2's fields boxed
    first = [p for p in doc.projects[:-1] if p.span.page == 1]
    assert first and all(p.field_spans["amounts"].box == t.field_spans["amounts"].box
                         is not None for p, t in zip(first, text.projects, strict=False))
    gold_first = {g["name"]: g for g in gold["projects"]}
    for p in first:
        assert p.name in gold_first and str(p.amounts.total) == \
            str(gold_first[p.name]["total"]).replace(",", "")
    second = [p for p in doc.projects[:-1] if p.span.page == 2]
    assert second and all(p.field_spans["amounts"].box is not None for p in second)
    assert all(w.span.page == 2 for w in doc.warnings if w.code in DOUBTS)


def test_an_item_number_and_its_lost_mark() -> None:
    bare = _chars("4产出指标：24小时抢修完成率")
    assert _mend(bare) and "".join(c.text for c in bare) == "4、产出指标：24小时抢修完成率"
    assert bare[1].x0 == bare[0].x1 and bare[1].x1 == bare[2].x0  # in the room between
    figure = _chars("42产出")  # no level after it: left as read
    assert not _mend(figure) and "".join(c.text for c in figure) == "42产出"
    money = _chars("1S4.S0")
    assert _mend(money) and "".join(c.text for c in money) == "154.50"
    # `3.` alone, then `效益指标…` on the same line: the number's mark is `、`
    number = OcrBox("3.", 0.99, (570, 100, 580, 110), _chars("3."))
    words = "效益指标：应急响应能力"
    item = OcrBox(words, 0.99, (582, 100, 700, 110), _chars(words))
    for c in item.chars:
        c.x0, c.x1 = c.x0 + 582, c.x1 + 582
    mends = _join_boxes([number, item])
    assert number.text == "3、" and mends and mends[0].box == (570, 100, 700, 110)


def test_a_lost_character_is_a_gap() -> None:
    """Room for a character between two read, at a box's end, or ink beside the box that
    no box covers: each a gap with its box; a box read whole is none."""
    scale = 2.0
    dark = np.zeros((400, 800), dtype=bool)

    def box(text: str, x: float, y: float, skip: int | None = None) -> OcrBox:
        chars = _chars(text)
        for k, c in enumerate(chars):
            shift = x + (10 if skip is not None and k >= skip else 0)
            c.x0, c.x1, c.y0, c.y1 = c.x0 + shift, c.x1 + shift, y, y + 10
        end = chars[-1].x1
        return OcrBox(text, 0.99, (x, y, end, y + 10), chars)

    whole = box("共同创造安全", 10, 150)
    lost = box("共同创安全", 10, 120, skip=3)  # 造 unread: its room empty
    cut = box("地面修", 10, 90)
    cut.box = (cut.box[0], cut.box[1], cut.box[2] + 9, cut.box[3])  # the box holds 缮
    inked = box("保洁", 10, 60)
    height = 200.0
    # a stroke right of `保洁` (a `、` the detector left out), in picture pixels (y down)
    dark[round((height - 66) * scale):round((height - 63) * scale), 64:70] = True
    gaps = _gaps([whole, lost, cut, inked], dark, scale, height, [])
    assert sorted(g.text for g in gaps) == ["保洁□", "共同创□安全", "地面修□"]
    assert all(g.box in (lost.box, cut.box, inked.box) for g in gaps)


def test_a_rate_read_two_hundred_and_more_is_at_least(gold_doc: Document) -> None:
    """The name and the target in two boxes (a wrapped item): `高清视频在线率` … `295%` is
    `≥95%`, said with the item's box; a growth rate or a count keeps what was read."""
    import copy

    doc = copy.deepcopy(gold_doc)
    rate, growth, count = doc.projects[0].indicators[:3]
    box = (570.0, 100.0, 700.0, 110.0)
    rate.name, rate.target = "高清视频在线率", "295%"
    rate.raw = "产出指标：高清视频在线率；年度指标值:295%"
    growth.name, growth.target = "收入增长率", "250%"
    count.name, count.target = "服务器租赁数", "295%"
    for i in (rate, growth, count):
        i.span = SourceSpan("s.pdf", None, None, 1, box)
    page = OcrPage(0, 842.0, 595.0, 200.0, 0.0, [], [], [])
    said = _mend_rates(doc, {0: page})
    assert rate.target == "≥95%" and rate.raw.endswith("年度指标值:≥95%")
    assert growth.target == "250%" and count.target == "295%"
    assert [w.code for w in said] == ["ocr-mended"] and said[0].span.box == box
    assert "295% → ≥95%" in said[0].message


def test_an_item_number_no_box_holds_is_read_again() -> None:
    """A real scan (the sample's second page at 200 dpi, seed 201) where the detector
    left `2、` out of every box: the level's box starts a number's width right of
    the others. The ink on its left, recognised alone, gives the number, put before the
    level and said with its box; a `3、` in a box of its own overlapping the level's leaves
    no room, and a level with paper on its left is left as read."""
    import pypdfium2 as pdfium

    from jixiao.readers import read
    from jixiao.readers.ocr import _engine, _lost_numbers, _otsu

    published = render_pdf(read(Path(__file__).parents[1] / "examples" /
                                "guangzhou-psb-targets.txt"))
    scan = scan_pdf(first_pages(published, 3), 200, seed=201)
    scale, height = 200 / 72, 595.44
    rgb = pdfium.PdfDocument(scan)[1].render(scale=scale, rev_byteorder=True).to_numpy()
    value, _ = _clean(rgb[:, :, :3], OcrSettings())
    dark = value < _otsu(value)

    def box(text: str, x0: float, y0: float, x1: float, y1: float) -> OcrBox:
        chars = _chars(text, [(x1 - x0) / len(text)] * len(text))
        for c in chars:
            c.x0, c.x1, c.y0, c.y1 = c.x0 + x0, c.x1 + x0, y0, y1
        return OcrBox(text, 0.9, (x0, y0, x1, y1), chars)

    # the detector's boxes on that page, as it gave them (points, y up)
    first = box("1、满意度指标：群众安全感；年度指标值:90%；", 574.2, 379.1, 745.2, 388.4)
    lost = box("满意度指标：市民治安满意度；年度指标值:90%；", 586.8, 369.7, 759.2, 378.0)
    three = box("3、", 574.2, 360.4, 589.3, 369.4)
    level = box("效益指标：视频协助破案率；年度指标值:75%；", 584.6, 360.0, 752.8, 369.4)
    # a level whose left is blank paper (below the table): no number lost there
    blank = box("产出指标：设备图像完好率", 600.0, 20.0, 700.0, 29.0)
    wall = [Edge(570.2, 60.0, 562.0)]
    mends, gaps = _lost_numbers([first, lost, three, level, blank], value, dark, scale,
                                height, wall, _engine(1))
    assert lost.text == "2、满意度指标：市民治安满意度；年度指标值:90%；" and not gaps
    assert lost.chars[0].text == "2" and lost.chars[1].text == "、"
    # in the room between the cell's wall and the level, where the `1、` above starts
    assert 571.7 < lost.chars[0].x0 < lost.chars[1].x1 <= 586.8 and lost.box[0] < 586.8
    assert level.text.startswith("效益指标") and blank.text.startswith("产出指标")
    assert [m.box for m in mends] == [lost.box] and mends[0].reread
    assert "“2、”" in mends[0].text and "置信度" in mends[0].text


def test_a_scan_in_which_the_ocr_finds_nothing_says_so() -> None:
    """A scanned page of blank grey paper with noise: OCR'd, nothing found. That is not
    a missing text layer (the page was OCR'd): its own code, the page named."""
    import io

    rng = np.random.default_rng(4)
    paper = np.clip(rng.normal(222, 9, (1240, 874)), 0, 255).astype(np.uint8)  # A5, 150 dpi
    out = io.BytesIO()
    Image.fromarray(paper).convert("RGB").save(out, "PDF", resolution=150, quality=88)
    assert pages_to_ocr(out.getvalue(), "auto") == [0]
    with pytest.raises(ReadError) as info:
        read_bytes(out.getvalue(), "blank-scan.pdf")
    assert info.value.code == "ocr-no-text"
    assert info.value.span.file == "blank-scan.pdf" and info.value.span.page == 1
    assert "已做 OCR" in info.value.message and "1 页" in info.value.message
