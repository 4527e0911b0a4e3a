"""Every cell of the PDF grid of every real PDF holds its text: the characters of a cell's
text lie inside the cell's box on the cell's page, so that the web's correction panel,
which crops a cell by its box, shows the text it names. One test per PDF: the 83-page
北京 budget's grid is the slowest (~9 s of CPU), the others a few seconds."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pypdfium2 as pdfium
import pytest

from jixiao.readers.pdfgrid import PdfGridSettings, _clip_boxes, pdf_grid

PDFS = Path(__file__).parent / "data" / "real" / "pdf"
STEMS = sorted(p.stem for p in PDFS.glob("*.pdf") if "prose-only" not in p.stem)


def _places(pdf: pdfium.PdfDocument, page: int) -> list[tuple[str, float, float]]:
    """Each character of a page (pdfium's loose boxes: the font's height, so that a comma
    sits in its line) where its ink is: its box's middle,
    or for a character drawn clipped to a cell (its clip box a cell's, smaller than a
    quarter of the page) the middle of that clip, the only place it can be seen."""
    width, height = pdf[page - 1].get_size()
    textpage = pdf[page - 1].get_textpage()
    n = textpage.count_chars()
    clips = _clip_boxes(textpage, [SimpleNamespace(index=i) for i in range(n)])
    out = []
    for i in range(n):
        x0, y0, x1, y1 = textpage.get_charbox(i, loose=True)
        x, y = (x0 + x1) / 2, (y0 + y1) / 2
        clip = clips.get(i)
        if clip is not None and not (clip[0] <= x <= clip[2] and clip[1] <= y <= clip[3]) \
                and (clip[2] - clip[0]) * (clip[3] - clip[1]) < width * height / 4:
            x, y = (clip[0] + clip[2]) / 2, (clip[1] + clip[3]) / 2
        out.append((textpage.get_text_range(i, 1), x, y))
    return out


@pytest.mark.parametrize("stem", STEMS)
def test_every_cell_holds_its_text(stem: str) -> None:
    data = (PDFS / f"{stem}.pdf").read_bytes()
    slack = PdfGridSettings().box_slack
    grid = pdf_grid(data, f"{stem}.pdf")
    pdf = pdfium.PdfDocument(data)
    pages: dict[int, list[tuple[str, float, float]]] = {}
    boxed = 0
    wrong = []
    for cell in grid.cells:
        if cell.box is None or not cell.clean:
            continue
        assert cell.page is not None
        boxed += 1
        if cell.page not in pages:
            pages[cell.page] = _places(pdf, cell.page)
        x0, top, x1, bottom = cell.box
        assert bottom <= top and x0 <= x1, cell  # y up: the top is the larger y
        inside = Counter(ch for ch, x, y in pages[cell.page]
                         if x0 - slack <= x <= x1 + slack and bottom - slack <= y <= top + slack)
        missing = Counter(cell.clean) - inside
        # the rest of a row cut by the break (joined, the first half's box, which holds
        # the text's start): in its column on the next page
        if missing and inside[cell.clean[0]] and cell.page + 1 <= len(pdf):
            if cell.page + 1 not in pages:
                pages[cell.page + 1] = _places(pdf, cell.page + 1)
            missing -= Counter(ch for ch, x, _y in pages[cell.page + 1] if x0 <= x <= x1)
        if missing:
            wrong.append((cell.page, cell.row, cell.col, cell.text[:20],
                          "".join(missing.elements())[:10]))
    pdf.close()
    assert boxed > 50
    assert not wrong, wrong[:5]
