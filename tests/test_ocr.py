"""Scanned tables (issue 19): the published sample and a real form rendered to pictures,
made into scans for real (grey paper, a red stamp, noise, a slight turn, JPEG; tests/scans.py),
put back into PDFs with no text layer, and read by the real OCR (rapidocr, on the CPU).
Renders are kept to a few pages: each page costs OCR seconds."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from fields import field_mismatches
from jixiao.cli import app
from jixiao.errors import ReadError
from jixiao.interchange import to_dict
from jixiao.model import Document
from jixiao.readers import read_bytes
from jixiao.readers.ocr import (
    OcrChar,
    OcrOptions,
    OcrSettings,
    _clean,
    _garbage,
    _mend,
    pages_to_ocr,
)
from jixiao.writers.publish import render_pdf
from scans import first_pages, scan_pdf
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


def test_each_miss_is_on_a_page_with_an_ocr_warning(read200: tuple[Document, list],
                                                    gold_json: dict) -> None:
    doc, _ = read200
    gold, got = _gold_of(gold_json, doc)
    warned = {w.span.page for w in doc.warnings if w.code in ("ocr-uncertain", "ocr-amount")}
    pages = {p["seq"]: p for p in got["projects"]}
    for miss in field_mismatches(gold, got)[1]:
        seq = int(miss.split()[1].split(".")[0])
        project = next(p for p in doc.projects if p.seq == seq)
        assert project.span.page in warned, (miss, pages[seq]["name"])
    info = next(w for w in doc.warnings if w.code == "ocr-pages")
    assert "200 dpi" in info.message and "OCR" in info.message
    for w in doc.warnings:
        if w.code in ("ocr-uncertain", "ocr-amount") and "框" in w.message:
            assert w.span.page in (1, 2) and "pt" in w.message  # page and box named


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
    # 0.84 today at 150 dpi (1.0 from the text layer): the misses are small print (①–④,
    # a cut 况, empty 得分 cells), and the amounts it doubts are said with their boxes
    assert score >= 0.8, misses[:10]
    assert any(w.code == "ocr-amount" for w in doc.warnings)
    assert any(w.code == "target-pages" for w in doc.warnings)
    assert any(w.code == "ocr-pages" for w in doc.warnings)


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
    growth = _chars("收入增长率；年度指标值：250%")  # a growth rate may pass 100 %
    _mend(growth)
    assert "".join(c.text for c in growth) == "收入增长率；年度指标值：250%"
    # a colon a half character wide is `:`, one a whole character wide `：`
    narrow = _chars("指标值：提高", [10, 10, 10, 3, 10, 10])
    wide = _chars("指标值:提高", [10, 10, 10, 10, 10, 10])
    _mend(narrow)
    _mend(wide)
    assert "".join(c.text for c in narrow) == "指标值:提高"
    assert "".join(c.text for c in wide) == "指标值：提高"
