"""The PNG of one box of a PDF page: the cell a doubtful value was read from, shown beside
the value so that a person can confirm or correct it (issue 19, web.corrections).

pypdfium2 renders only the box (with a small margin) at a fixed scale; a box larger than
the limit is rendered smaller rather than refused, a box outside its page is an error.
"""

from __future__ import annotations

import io
import math
import threading

SCALE = 3.0  # 216 dpi: a 9-point figure is 27 pixels high, its digits plain to see
MARGIN = 4.0  # points around the box: the cell's rules show where it ends
MAX_SIDE = 1600  # pixels: a whole-page box is shown, smaller
# pdfium is not thread-safe: the web renders in its pool's threads, one at a time here
_pdfium = threading.Lock()


class CropError(ValueError):
    """A page or a box that is not on the PDF."""


def crop_png(data: bytes, page: int, box: tuple[float, float, float, float],
             scale: float = SCALE, margin: float = MARGIN, max_side: int = MAX_SIDE) -> bytes:
    """The box (x0, y0, x1, y1 in points, y up; SourceSpan.box) of 1-based `page`."""
    import pypdfium2 as pdfium

    if not all(math.isfinite(v) for v in box):
        raise CropError(f"box {box} is not a place on a page")
    with _pdfium:
        pdf = pdfium.PdfDocument(data)
        try:
            if not 1 <= page <= len(pdf):
                raise CropError(f"page {page} is not in the PDF ({len(pdf)} pages)")
            sheet = pdf[page - 1]
            width, height = sheet.get_size()
            x0, y0 = max(0.0, min(box[0], box[2]) - margin), max(0.0, min(box[1], box[3]) - margin)
            x1 = min(width, max(box[0], box[2]) + margin)
            y1 = min(height, max(box[1], box[3]) + margin)
            if x1 - x0 < 1 or y1 - y0 < 1:
                raise CropError(f"box {box} is not on page {page} ({width:g} × {height:g})")
            scale = min(scale, max_side / max(x1 - x0, y1 - y0))
            bitmap = sheet.render(scale=scale, crop=(x0, y0, width - x1, height - y1))
            image = bitmap.to_pil()
        finally:
            pdf.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
