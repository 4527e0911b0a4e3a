"""Scans made for real: a PDF's pages rendered (pypdfium2), printed on grey paper, stamped
in red, turned a little, speckled with noise, JPEG-compressed and put back into a PDF
with no text layer (Pillow) — what a department's scanner gives."""

from __future__ import annotations

import io
import random
import re
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from jixiao.model import Document, Severity, SourceSpan

FONT = next((p for p in ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
                         "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc") if Path(p).exists()),
            None)


def _stamp(size: int) -> Image.Image:
    """A round red seal: ring, star and a line of characters, on white."""
    seal = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(seal)
    red = (210, 35, 40)
    draw.ellipse((4, 4, size - 4, size - 4), outline=red, width=max(4, size // 40))
    c, r = size / 2, size / 9
    star = [(c + (r if k % 2 == 0 else r / 2.4) * np.sin(k * np.pi / 5),
             c - (r if k % 2 == 0 else r / 2.4) * np.cos(k * np.pi / 5)) for k in range(10)]
    draw.polygon(star, fill=red)
    if FONT:
        font = ImageFont.truetype(FONT, size // 9)
        draw.text((size * 0.2, size * 0.66), "财务专用章", fill=red, font=font)
    return seal


def scan_page(picture: Image.Image, dpi: int, rng: random.Random) -> Image.Image:
    """One page as a scanner gives it."""
    w, h = picture.size
    page = np.asarray(picture.convert("RGB"), dtype=np.float32)
    paper = np.array([226, 224, 218], dtype=np.float32)  # grey, slightly warm
    page = page / 255.0 * paper
    seal = _stamp(int(dpi * 1.4))
    x = rng.randint(int(w * 0.55), int(w * 0.8))
    y = rng.randint(int(h * 0.15), int(h * 0.6))
    ink = np.asarray(seal, dtype=np.float32) / 255.0
    region = page[y:y + ink.shape[0], x:x + ink.shape[1]]
    region *= ink[:region.shape[0], :region.shape[1]] * 0.85 + 0.15 * (ink[:region.shape[0],
                                                                        :region.shape[1]] > 0.9)
    noise = np.random.default_rng(rng.randrange(1 << 30)).normal(0, 9, page.shape[:2])
    page += noise[:, :, None]
    image = Image.fromarray(np.clip(page, 0, 255).astype(np.uint8))
    image = image.filter(ImageFilter.GaussianBlur(0.6))
    angle = rng.uniform(-1.5, 1.5)
    return image.rotate(angle, resample=Image.Resampling.BICUBIC,
                        fillcolor=tuple(int(v) for v in paper))


def scan_pdf(pdf_bytes: bytes, dpi: int, seed: int = 0, pages: list[int] | None = None
             ) -> bytes:
    """The PDF (the pages named, 0-based, or all) scanned at `dpi`, as a PDF of pictures."""
    rng = random.Random(seed)
    pdf = pdfium.PdfDocument(pdf_bytes)
    try:
        images = [scan_page(pdf[i].render(scale=dpi / 72).to_pil(), dpi, rng)
                  for i in (pages if pages is not None else range(len(pdf)))]
    finally:
        pdf.close()
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=dpi,
                   quality=88)
    return out.getvalue()


def first_pages(pdf_bytes: bytes, count: int) -> bytes:
    """The first `count` pages of a PDF, as a PDF (text layer kept)."""
    src = pdfium.PdfDocument(pdf_bytes)
    dst = pdfium.PdfDocument.new()
    dst.import_pages(src, list(range(min(count, len(src)))))
    out = io.BytesIO()
    dst.save(out)
    return out.getvalue()


# ---- what a reading of a scan missed, and whether it said so ---------------------------

DOUBTS = ("ocr-uncertain", "ocr-amount", "ocr-gap", "ocr-reread")
_MISS = re.compile(r"^project (\d+)(?:\.(\d+))? ?(\w*)")
_AMOUNT_KEYS = ("total", "fiscal", "special_account", "other")


def meets(a: tuple[float, ...] | None, b: tuple[float, ...] | None) -> bool:
    """Whether two boxes (x0, y0, x1, y1) overlap or touch."""
    return a is not None and b is not None and a[0] <= b[2] and b[0] <= a[2] and \
        a[1] <= b[3] and b[1] <= a[3]


def miss_span(doc: Document, miss: str) -> SourceSpan | None:
    """The span of the field a mismatch of `fields.field_mismatches` names (`project 3.2
    target: …` → the indicator's, `project 6 goal: …` → the goal's, `project 2: 4
    indicators …` → the project's); None for a document field."""
    m = _MISS.match(miss)
    if not m:
        return None
    project = next(p for p in doc.projects if p.seq == int(m.group(1)))
    if m.group(2):  # an item the reading numbered otherwise: the project's
        return next((i.span for i in project.indicators if i.seq == int(m.group(2))),
                    project.span)
    key = "amounts" if m.group(3) in _AMOUNT_KEYS else m.group(3)
    return project.field_spans.get(key) or project.span


def only_percent(miss: str) -> bool:
    """A mismatch that is only `％` read as `%` (said once, in `ocr-pages`)."""
    m = re.search(r"expected (.*), got (.*)$", miss)
    return bool(m) and m.group(1).replace("％", "%") == m.group(2)


def silent(doc: Document, misses: list[str]) -> list[str]:
    """The misses no warning's box meets on their page (`％` for `%` aside): an OCR doubt,
    or the reader's own about the item (`missing-target` …, boxed on an OCR'd page)."""
    doubts = [w for w in doc.warnings if w.code in DOUBTS or (
        w.severity is Severity.WARNING and w.span.box is not None)]
    out = []
    for miss in misses:
        if only_percent(miss):
            continue
        span = miss_span(doc, miss)
        if span is None or span.box is None or not any(
                w.span.page == span.page and meets(w.span.box, span.box) for w in doubts):
            out.append(miss)
    return out


# the team scorer's misses (`[project 1 '…'] indicator 3 indicator.score: gold=…`)
_SCORED = re.compile(
    r"^\[project (\d+) '(.*?)'\](?: indicator (\d+))? (project|indicator)\.(\w+)")
_FORM_SPANS = {"total": "total_cell", "fiscal": "fiscal_cell", "other": "other_cell",
               "special_account": "special_account_cell", "planned": "budget_planned",
               "adjusted": "budget_adjusted", "executed": "budget_executed",
               "execution_score": "budget_score"}


def scored_span(doc: Document, miss: str) -> SourceSpan | None:
    """The span of the field a miss of the team's scorer names: an indicator's (its cells
    joined), a project field's cell, else the project's; None for a document field."""
    m = _SCORED.match(miss)
    if not m:
        return None
    seq, name = int(m.group(1)), "".join(m.group(2).split())
    # the gold's seq is the whole table's; a scan of some of its pages numbers from its
    # first project, so the project is found by its name (the seq telling twins apart)
    named = [p for p in doc.projects if "".join(p.name.split()) == name]
    project = next((p for p in named if p.seq == seq), named[0] if named else None)
    if project is None:
        return None
    if m.group(3):
        k = int(m.group(3)) - 1
        return project.indicators[k].span if k < len(project.indicators) else project.span
    field = m.group(5)
    return project.field_spans.get(_FORM_SPANS.get(field, field)) or \
        project.field_spans.get(field) or project.span


def silent_scored(doc: Document, misses: list[str]) -> list[str]:
    """`silent` for the team scorer's misses of a form: those no doubt's box meets."""
    doubts = [w for w in doc.warnings if w.code in DOUBTS or (
        w.severity is Severity.WARNING and w.span.box is not None)]
    out = []
    for miss in misses:
        span = scored_span(doc, miss)
        if span is None or span.box is None or not any(
                w.span.page == span.page and meets(w.span.box, span.box) for w in doubts):
            out.append(miss)
    return out
