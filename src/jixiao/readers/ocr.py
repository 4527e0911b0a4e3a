"""Scanned tables: pages without a text layer read by OCR on this machine.

A scan has neither characters nor ruling paths, so both are made from the picture, and
the same two pipelines as for a text PDF read them (`readers/pdf.py` for the sample's
template, `readers/pdfgrid.py` + `forms` for the other forms):

1. the page is rendered by pypdfium2 at the scan's own resolution (finer adds no detail;
   capped, and refused below a floor where digits cannot be told apart);
2. the picture is cleaned: its brightest channel (a red stamp or blue ink is bright in
   one channel, printed black in none), deskewed by the angle that makes the long lines
   sharpest (a projection profile of the dark pixels);
3. ruling lines are the long runs of dark pixels in rows and columns → `Edge`s (and the
   sample reader's `Ruling`);
4. RapidOCR (PP-OCR models inside its wheel, onnxruntime on the CPU) gives text boxes
   with a box and a confidence per character → `Char`s in PDF coordinates;
5. common confusions are mended only where the context makes them certain (`O`/`0`,
   `l`/`1` in a box that is otherwise an amount; `≥` read as `2` before a rate over 100 %;
   full- and half-width punctuation by the width the character takes) and each mend is
   said; a character read with a confidence under the setting is a warning that names
   the page and the box.

Pages are OCR'd in parallel over processes (`jobs`); `progress(done, total)` is called
after each page.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cache
from typing import Any, Literal

from jixiao.errors import ReadError
from jixiao.limits import DEFAULT, Limits
from jixiao.messages import say
from jixiao.model import Document, ReadWarning, Severity, SourceSpan
from jixiao.readers.grid import Cell, Grid, check_size
from jixiao.readers.pdf import (
    AMOUNT,
    RULE_TOLERANCE,
    Char,
    PdfReader,
    Ruling,
    _lines,
)
from jixiao.readers.pdfgrid import (
    _FORM_START,
    _HEADINGS,
    _LEVELS,
    _PAGE_NUMBER,
    Edge,
    PdfGridSettings,
    _join_split_row,
    _merge,
    _page_cells,
    _regions,
    _tables,
    _text,
)

OcrMode = Literal["auto", "always", "never"]
MODES: tuple[str, ...] = ("auto", "always", "never")


@dataclass(frozen=True)
class OcrSettings:
    """Every threshold of the OCR path in one place."""

    # the resolution a page is rendered at: the scan's own, within these bounds (dpi)
    max_dpi: float = 300.0
    min_dpi: float = 100.0  # coarser, digits of 9-point text are a few pixels: refused
    default_dpi: float = 200.0  # a page without a picture (vector art only)
    # a character read with less confidence than this is a warning
    min_confidence: float = 0.9
    # a ruling line is a run of dark pixels at least this long (points)
    rule_length: float = 18.0
    # skew searched within ± this many degrees
    max_skew: float = 3.0
    # a page's text layer is garbage when this share of its characters is unmapped
    garbage_share: float = 0.3
    # a page with fewer characters than this over a page-sized picture is a scan
    few_chars: int = 20


@dataclass(frozen=True)
class OcrOptions:
    """How `read_bytes` uses OCR: when (`mode`), on how many processes, and a callback
    `progress(done, total)` after each page."""

    mode: OcrMode = "auto"
    jobs: int = 1
    progress: Callable[[int, int], None] | None = None
    settings: OcrSettings = field(default_factory=OcrSettings)
    # pages OCR'd already (`ocr_pages`'s): read again without OCR-ing them a second time
    pages: dict[int, OcrPage] | None = None


@dataclass(slots=True)
class OcrChar:
    text: str
    x0: float  # PDF points, y up, in the deskewed page
    y0: float
    x1: float
    y1: float
    confidence: float
    reach: float | None = None  # where the next character may start without a space


@dataclass(slots=True)
class OcrBox:
    text: str
    confidence: float  # the least of its characters'
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 (points, y up)
    chars: list[OcrChar]


Box = tuple[float, float, float, float]  # x0, y0, x1, y1 (points, y up)


@dataclass(frozen=True, slots=True)
class OcrMend:
    """A confusion mended: `a → b`, in the box it was read in; `value` when it changes a
    value (a figure, an item's number, `≥`), not only a mark's width."""

    text: str
    box: Box
    value: bool = True
    reread: bool = False  # `text` is the whole message: a character read again, not mended
    doubt: bool = False  # a second reading taken (`ocr-reread`): a warning, not a mend


@dataclass(frozen=True, slots=True)
class OcrGap:
    """Room for a character the OCR did not read: between two characters of a box, at a
    box's end, or ink beside a box that no box covers. `text` is the box's text with `□`
    where the character seems lost; `box` is the box read (points)."""

    text: str
    box: Box
    where: Box  # the room itself (points)


@dataclass(slots=True)
class OcrPage:
    index: int  # 0-based
    width: float
    height: float
    dpi: float
    skew: float  # degrees the picture was turned back
    boxes: list[OcrBox]
    horizontal: list[Edge]
    vertical: list[Edge]
    mends: list[OcrMend] = field(default_factory=list)  # confusions mended
    gaps: list[OcrGap] = field(default_factory=list)  # where a character seems lost

    @property
    def text(self) -> str:
        return "".join(b.text for b in self.boxes)

    def chars(self) -> list[Char]:
        out = []
        for b in self.boxes:
            for c in b.chars:
                char = Char(c.text, c.x0, c.y0, c.x1, c.y1)
                if c.reach is not None:  # its middle stays: only the gap after it closes
                    char.x1 = max(char.x1, c.reach)
                out.append(char)
        return out


# ---- which pages ------------------------------------------------------------------------

_CID = re.compile(r"\(cid:\d+\)")


def _garbage(text: str) -> bool:
    """Unmapped glyphs: `(cid:NNN)` as some producers write them, U+FFFD, private-use
    code points, control characters."""
    body = "".join(text.split())
    if not body:
        return False
    cid = sum(len(m) for m in _CID.findall(body))
    odd = sum(1 for ch in _CID.sub("", body)
              if ch == "\ufffd" or "\ue000" <= ch <= "\uf8ff" or ord(ch) < 32)
    return (cid + odd) / len(body) >= OcrSettings.garbage_share


def _picture_share(page: Any) -> float:
    """The share of the page the largest picture covers."""
    import pypdfium2.raw as raw

    width, height = page.get_size()
    best = 0.0
    for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=4):
        x0, y0, x1, y1 = obj.get_bounds()
        best = max(best, (x1 - x0) * (y1 - y0) / (width * height))
    return best


def pages_to_ocr(data: bytes, mode: str, settings: OcrSettings | None = None,
                 file: str | None = None, limits: Limits = DEFAULT) -> list[int]:
    """0-based pages to OCR: all (`always`), none (`never`), or (`auto`) those without a
    text layer, with garbage for text, or with a few characters over a page-sized picture
    (a scan with a stamped page number). The page limit holds before any page is read."""
    import pypdfium2 as pdfium

    from jixiao.readers.containers import refuse

    if mode not in MODES:
        raise ReadError("bad-ocr-mode", say("readers.bad-ocr-mode", mode=mode),
                        SourceSpan(None))
    if mode == "never":
        return []
    settings = settings or OcrSettings()
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return []  # the PDF reader says what is wrong with it
    try:
        if len(pdf) > limits.pdf_pages:
            raise refuse("pdf_pages", len(pdf), say("containers.pdf-pages"), limits, file)
        out = []
        for index in range(len(pdf)):
            try:
                page = pdf[index]
                text = page.get_textpage().get_text_range()
            except pdfium.PdfiumError:
                continue  # a page pdfium cannot load: damage, said by the reader
            body = "".join(text.split())
            # a page without text is a scan only when it holds a picture: a blank page of
            # a damaged file is damage, which the PDF reader refuses
            pictured = _picture_share(page) > 0.5
            if mode == "always" or (not body and pictured) or _garbage(body) or (
                    len(body) < settings.few_chars and pictured):
                _check_resolution(page, index, settings, file)
                out.append(index)
        return out
    finally:
        pdf.close()


# ---- the picture --------------------------------------------------------------------------


def _resolution(page: Any, settings: OcrSettings) -> float:
    """The scan's own resolution: the largest picture's pixels per inch as placed."""
    import pypdfium2.raw as raw

    best_area, dpi = 0.0, settings.default_dpi
    for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=4):
        x0, y0, x1, y1 = obj.get_bounds()
        if (x1 - x0) * (y1 - y0) <= best_area:
            continue
        try:
            px_w, px_h = obj.get_px_size()
        except Exception:  # a picture pdfium cannot decode tells nothing
            continue
        best_area = (x1 - x0) * (y1 - y0)
        dpi = max(px_w / max(x1 - x0, 1e-6), px_h / max(y1 - y0, 1e-6)) * 72
    return dpi


def _check_resolution(page: Any, index: int, settings: OcrSettings, file: str | None
                      ) -> float:
    """The dpi a page is read at; a scan too coarse to tell digits apart is refused
    before any OCR (a page without text is what the PDF reader refuses, `no-text-layer`)."""
    dpi = min(_resolution(page, settings), settings.max_dpi)
    if dpi < settings.min_dpi:
        raise ReadError("no-text-layer", say("ocr.too-coarse", page=index + 1, dpi=f"{dpi:.0f}",
                                             least=f"{settings.min_dpi:.0f}"),
                        SourceSpan(file, None, None, index + 1))
    return dpi


def _otsu(values: Any) -> int:
    """The grey level that best splits a picture into ink and paper."""
    import numpy as np

    hist = np.bincount(values.ravel(), minlength=256).astype(np.float64)
    total = hist.sum()
    levels = np.arange(256)
    weight = np.cumsum(hist)
    mean = np.cumsum(hist * levels)
    between = (mean[-1] * weight / total - mean) ** 2 / np.maximum(weight * (total - weight),
                                                                    1e-9)
    return int(np.argmax(between))


def _skew(dark: Any, settings: OcrSettings) -> float:
    """The angle (degrees, counter-clockwise positive in the picture) that makes the rows of
    dark pixels sharpest: long rules and text lines pile into few rows when level."""
    import numpy as np

    ys, xs = np.nonzero(dark[::2, ::2])  # every other pixel is enough for an angle
    if len(xs) < 100:
        return 0.0
    if len(xs) > 400_000:
        pick = np.random.default_rng(0).choice(len(xs), 400_000, replace=False)
        ys, xs = ys[pick], xs[pick]
    ys, xs = ys.astype(np.float64), xs.astype(np.float64)

    def sharpness(angle: float) -> float:
        t = math.tan(math.radians(angle))
        rows = np.round(ys + xs * t).astype(np.int64)
        rows -= rows.min()
        counts = np.bincount(rows)
        return float((counts.astype(np.float64) ** 2).sum())

    best = max(np.arange(-settings.max_skew, settings.max_skew + 1e-9, 0.1), key=sharpness)
    fine = max(np.arange(best - 0.1, best + 0.1 + 1e-9, 0.02), key=sharpness)
    return float(fine)


def _runs(mask: Any, min_length: int) -> list[tuple[int, int, int]]:
    """(row, start, end) of the runs of True at least `min_length` long in each row; gaps
    of up to two pixels (noise on a rule) are bridged."""
    import numpy as np

    closed = mask.copy()
    closed[:, 1:-1] |= mask[:, :-2] & mask[:, 2:]
    closed[:, 2:-2] |= mask[:, :-4] & mask[:, 4:]
    padded = np.zeros((closed.shape[0], closed.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = closed
    step = np.diff(padded, axis=1)
    r0, starts = np.nonzero(step == 1)
    _, ends = np.nonzero(step == -1)
    keep = ends - starts >= min_length
    return list(zip(r0[keep].tolist(), starts[keep].tolist(), ends[keep].tolist(), strict=True))


def _rules(mask: Any, min_length: int) -> list[tuple[float, float, float]]:
    """Runs on neighbouring rows that overlap joined into one rule: (middle row, start,
    end), in pixels."""
    groups: list[list[float]] = []  # first row, last row, start, end, sum of rows, count
    open_: list[list[float]] = []
    for row, start, end in sorted(_runs(mask, min_length)):
        still = [g for g in open_ if row - g[1] <= 1]
        for g in open_:
            if g not in still:
                groups.append(g)
        open_ = still
        for g in open_:
            if start < g[3] and end > g[2] and row - g[1] <= 1:
                g[1], g[2], g[3] = row, min(g[2], start), max(g[3], end)
                g[4] += row
                g[5] += 1
                break
        else:
            open_.append([row, row, start, end, row, 1])
    groups += open_
    # a rule is thin: a block of text is no rule however long its run
    return [(g[4] / g[5], g[2], g[3]) for g in groups if g[1] - g[0] <= 8]


def _grow(mask: Any, by: int) -> Any:
    """A mask grown by `by` pixels in every direction (a square's reach)."""
    out = mask.copy()
    for _ in range(by):
        grown = out.copy()
        grown[1:, :] |= out[:-1, :]
        grown[:-1, :] |= out[1:, :]
        grown[:, 1:] |= out[:, :-1]
        grown[:, :-1] |= out[:, 1:]
        out = grown
    return out


def _unstamp(value: Any, spread: Any, saturated: Any) -> Any:
    """The grey picture with a coloured stamp taken out and the print under it kept. A
    stamp's pixel is the darker the more saturated it is: each saturated pixel is lifted by
    the shade the stamp alone has at its saturation (the median brightest channel of the
    pixels as saturated), so the stamp becomes paper while print under it, darker than
    the stamp alone, keeps its edges (set to paper, strokes under a seal lost them: `常`
    was read `案`; lifted by one shade for all, a stroke's dense middle stayed grey and the
    OCR read `财务专用章` over a score). Pixels within two pixels of the stamp are lifted by
    the least saturated's shade: a JPEG keeps colour at half the resolution, so a stroke's
    edge has the stamp's darkness without its colour; print's black there stays black."""
    import numpy as np

    paper = float(np.median(value[::4, ::4]))
    bins = np.clip(spread // 16, 0, 15).astype(np.int64)
    shade = np.full(16, paper)
    for k in range(16):
        inside = value[saturated & (bins == k)]
        if inside.size >= 20:
            shade[k] = float(np.median(inside))
    # denser is darker: the shade never rises with the saturation
    shade = np.minimum.accumulate(np.minimum(shade, paper))
    factor = paper / np.maximum(shade, 1.0)
    out = value.astype(np.float64)
    out[saturated] *= factor[bins[saturated]]
    first = int(np.argmax(shade < paper)) if (shade < paper).any() else 0
    ring = _grow(saturated, 2) & ~saturated & (value > 0.3 * paper)
    out[ring] *= factor[first]
    return np.clip(out, 0, 255).astype(np.uint8)


def _clean(rgb: Any, settings: OcrSettings) -> tuple[Any, float]:
    """The picture as grey (its brightest channel: coloured stamps and ink vanish, black
    print stays), turned level; and the angle it was turned by."""
    import numpy as np
    from PIL import Image

    value = rgb.max(axis=2).astype(np.uint8)
    # a stamp's red (or a pen's blue) is saturated; print is grey, and so is print under
    # the stamp (black times red is black). Saturated pixels are lifted by the stamp's own
    # shade (its brightest channel over paper's): the stamp becomes paper, while the edges
    # of print under it keep their darkness (set to paper, strokes lose their edges: 常
    # under a seal was read 案)
    spread = value.astype(np.int16) - rgb.min(axis=2)
    saturated = spread > 60
    if int(saturated.sum()) >= 50:
        value = _unstamp(value, spread, saturated)
    angle = _skew(value < _otsu(value), settings)
    if abs(angle) >= 0.05:
        paper = int(np.median(value))
        # the picture's rows sloped by `angle`: turning it by that much levels them
        value = np.asarray(Image.fromarray(value).rotate(
            -angle, resample=Image.Resampling.BICUBIC, fillcolor=paper))
    return value, angle


# ---- OCR ------------------------------------------------------------------------------------


@cache
def _engine(threads: int) -> Any:
    from rapidocr_onnxruntime import RapidOCR

    # its default shrinks a page over 2,000 pixels (an A4 landscape at 200 dpi is 2,339)
    # before detection, and crops the lines to recognise from the shrunk picture: the
    # characters lose an eighth of their pixels. The page is given at the resolution chosen
    return RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1, print_verbose=False,
                    max_side_len=4000)


_FULL = {",": "，", ";": "；", ":": "：", "(": "（", ")": "）"}
_HALF = {v: k for k, v in _FULL.items()}
_AMOUNT_LIKE = re.compile(r"^-?[\dOoIlS|，,.．。]+$")
_AMOUNT_MENDS = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1", "S": "5",
                               "，": ",", "．": ".", "。": "."})
# `≥90%` read `290%`: a rate (…率) cannot pass 100 %, a growth rate can; nor can a
# satisfaction (…满意度: the share of those asked who are satisfied)
_RATE_TWO = re.compile(r"(?:(?<![增长提高提升])率|满意度)(?:[；;]?\s*年度指标值[：:])?\s*(2)"
                       r"(100|\d{2}(?:\.\d+)?)%")


# an item's number before its level, its `、` read as a dot or comma (at 150 dpi), or
# not read at all (`4产出指标`: a figure glued to a level is an item number all the same)
_LEVEL = r"(?:产出|效益|满意度|成本)指标"
_ITEM_DOT = re.compile(rf"^(\d{{1,2}})([.,，．])(?={_LEVEL})")
_ITEM_BARE = re.compile(rf"^(\d{{1,2}})(?={_LEVEL})")
# a box holding only an item's number (its level is the next box on the line)
_ITEM_ALONE = re.compile(r"^(\d{1,2})([.,，．、]?)$")
_LEVEL_START = re.compile(rf"^{_LEVEL}")


# a formula of single terms closing a heading (`5-④/③`, `6=3-④`): digits 1–9 or circled
_CIRCLED_TAIL = re.compile(r"(?<![\d.])[1-9①-⑨][=\-][1-9①-⑨](?:[+\-/][1-9①-⑨])*$")


def _is_circled(ch: str) -> bool:
    return "①" <= ch <= "⑨"


def _circled(ch: str) -> str:
    return chr(ord("①") + int(ch) - 1) if "1" <= ch <= "9" else ch


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def _wide(ch: str) -> bool:
    """A Chinese character or a full-width mark (`、`, `，`, `（` …)."""
    return _is_cjk(ch) or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef"


def _mend(chars: list[OcrChar]) -> list[str]:
    """Mend the confusions the context makes certain, in place; what was mended."""
    return _mend_values(chars) + _mend_marks(chars)


def _mend_values(chars: list[OcrChar]) -> list[str]:
    """The mends that change a value: letters in an amount, an item's number, `≥`."""
    text = "".join(c.text for c in chars)
    mends: list[str] = []
    digits = sum(ch.isdigit() for ch in text)
    if digits >= 2 and _AMOUNT_LIKE.match(text) and not AMOUNT.match(text):
        mended = text.translate(_AMOUNT_MENDS)
        if AMOUNT.match(mended):
            for c, ch in zip(chars, mended, strict=True):
                c.text = ch
            mends.append(f"{text} → {mended}")
            text = mended
    if len(text) > 1 and text[0] in "-－—–−‐_~" and _is_cjk(text[1]):
        # a dash before Chinese at a line's start is `一` (the recogniser reads its one
        # stroke as a dash alone): never a value, a minus or a list mark in these cells
        chars[0].text = _ONE
        mends.append(f"{text[:3]} → {_ONE}{text[1:3]}")
        text = _ONE + text[1:]
    if m := _ITEM_DOT.match(text):  # `1.效益指标`: a figure then a level is no decimal
        chars[m.start(2)].text = "、"
        mends.append(f"{m.group(0)} → {m.group(1)}、")
    elif m := _ITEM_BARE.match(text):  # `4产出指标`: the `、` between them lost
        before, after = chars[m.end(1) - 1], chars[m.end(1)]
        chars.insert(m.end(1), OcrChar("、", before.x1, before.y0, after.x0, before.y1,
                                       min(before.confidence, after.confidence)))
        mends.append(f"{m.group(1)}{text[m.end(1):m.end(1) + 4]} → "
                     f"{m.group(1)}、{text[m.end(1):m.end(1) + 4]}")
        text = "".join(c.text for c in chars)
    if (m := _CIRCLED_TAIL.search(text)) and any(_is_circled(ch) for ch in m.group(0)):
        # a heading's formula of circled numbers (`⑤=④/③`) read with plain digits and
        # `=` as `-` (`5-④/③`): in such a tail every term is circled, the first mark `=`
        head = m.group(0)
        mended = "".join(_circled(ch) for ch in head)
        if "=" not in head:
            mended = mended[0] + "=" + mended[2:]
        if mended != head:
            for c, ch in zip(chars[m.start():m.end()], mended, strict=True):
                c.text = ch
            mends.append(f"{head} → {mended}")
            text = "".join(c.text for c in chars)
    for m in _RATE_TWO.finditer(text):
        if Decimal(m.group(2)) <= 100:
            chars[m.start(1)].text = "≥"
            mends.append(f"{m.group(0)} → {m.group(0)[:m.start(1) - m.start()]}≥{m.group(2)}%")
    return mends


def _mend_marks(chars: list[OcrChar]) -> list[str]:
    """Full- and half-width marks by the room they take (said per page: they are many)."""
    mends: list[str] = []
    # punctuation: a full-width mark takes a whole character's width, a half-width one half
    widths = [c.x1 - c.x0 for c in chars if _is_cjk(c.text)]
    if widths:
        em = statistics.median(widths)
        for k in range(1, len(chars) - 1):
            c = chars[k]
            if c.text not in _FULL and c.text not in _HALF:
                continue
            prev, nxt = chars[k - 1], chars[k + 1]
            if not (_is_cjk(prev.text) or _is_cjk(nxt.text)):
                continue  # between figures (`1,426.86`, `1:2`) a mark is what it reads
            # measured on the sample: half-width marks take 0.26–0.52 of a character,
            # full-width ones 0.8–1.3; between, the mark stays as read
            slot = nxt.x0 - prev.x1
            if slot >= 0.8 * em and c.text in _FULL:
                mends.append(f"{c.text} → {_FULL[c.text]}")
                c.text = _FULL[c.text]
            elif slot <= 0.6 * em and c.text in _HALF:
                mends.append(f"{c.text} → {_HALF[c.text]}")
                c.text = _HALF[c.text]
    return mends


def _weight(ch: str) -> float:
    """A character's share of a box's width when the OCR gives no box of its own."""
    return 1.0 if _is_cjk(ch) or ch in _HALF or ord(ch) > 0x2000 else 0.55


def _split(text: str, x0: float, x1: float) -> list[tuple[float, float]]:
    weights = [_weight(ch) for ch in text]
    total = sum(weights) or 1.0
    out, x = [], x0
    for w in weights:
        step = (x1 - x0) * w / total
        out.append((x, x + step))
        x += step
    return out


def _box_chars(text: str, quad: Sequence[Sequence[float]], words: Any,
               scale: float, height: float) -> list[OcrChar]:
    """A box's characters in points (y up): each at its own box where the OCR gives one
    (one per character), else spread over the box by width; every character as tall as
    the box, and each reaching to the next (a gap inside a box is no space)."""
    xs = [p[0] for p in quad]
    ys = [p[1] for p in quad]
    top, bottom = height - min(ys) / scale, height - max(ys) / scale
    spans: list[tuple[str, float, float, float]] = []  # char, x0, x1 (px), confidence
    if words is not None:
        boxes, texts, confs = words
        for word_box, word, conf in zip(boxes, texts, confs, strict=False):
            wx = [p[0] for p in word_box]
            for ch, (a, b) in zip(word, _split(word, min(wx), max(wx)), strict=True):
                spans.append((ch, a, b, float(conf)))
    if "".join(s[0] for s in spans) != text.replace(" ", "") or not spans:
        spans = [(ch, a, b, 1.0) for ch, (a, b) in
                 zip(text, _split(text, min(xs), max(xs)), strict=True) if ch != " "]
    chars: list[OcrChar] = []
    for ch, a, b, conf in spans:
        chars.append(OcrChar(ch, a / scale, bottom, b / scale, top, conf))
    for k in range(len(chars) - 1):  # a gap inside a box is no space
        chars[k].reach = chars[k + 1].x0
    chars[-1].reach = max(xs) / scale
    # a space the OCR read stays: its own character between its neighbours
    if " " in text.strip():
        out: list[OcrChar] = []
        k = 0
        for ch in text.strip():
            if ch == " " and out:
                out.append(OcrChar(" ", out[-1].x1, bottom, out[-1].x1, top, 1.0))
            elif k < len(chars):
                out.append(chars[k])
                k += 1
        chars = out + chars[k:]
    return chars


def _same_line(a: OcrBox, b: OcrBox) -> bool:
    overlap = min(a.box[3], b.box[3]) - max(a.box[1], b.box[1])
    return overlap > 0.5 * min(a.box[3] - a.box[1], b.box[3] - b.box[1])


def _join_boxes(boxes: list[OcrBox]) -> list[OcrMend]:
    """Neighbouring boxes on one line: a character the detector put in both (`2、交` then
    `效益指标…`: the `交` is the `效` cut in half) is dropped from the first, a box that is
    only an item's number before a box that starts with a level has its `、` (`3.` then
    `效益指标…`), and a gap of less than a character beside Chinese is no space (`3、`
    `产出指标` is one item)."""
    mends: list[OcrMend] = []
    ordered = sorted(boxes, key=lambda b: b.box[0])
    for k, a in enumerate(ordered):
        b = next((x for x in ordered[k + 1:] if _same_line(a, x) and x.box[0] >= a.box[0]),
                 None)
        if b is None or not a.chars or not b.chars:
            continue
        dup = [c for c in a.chars if (c.x0 + c.x1) / 2 > b.box[0] + 0.5]
        if dup and len(dup) < len(a.chars) and b.box[0] < a.box[2]:
            mends.append(OcrMend(say("ocr.overlap", first=a.text, second=b.text,
                                     dropped="".join(c.text for c in dup)), a.box))
            a.chars = [c for c in a.chars if c not in dup]
            a.text = "".join(c.text for c in a.chars)
        if (m := _ITEM_ALONE.match(a.text)) and m.group(2) != "、" and \
                _LEVEL_START.match(b.text):
            if m.group(2):
                a.chars[-1].text = "、"
            else:
                c = a.chars[-1]
                a.chars.append(OcrChar("、", c.x1, c.y0, max(c.x1, b.box[0]), c.y1,
                                       c.confidence))
            mends.append(OcrMend(f"{a.text} {b.text[:4]} → {m.group(1)}、{b.text[:4]}",
                                 (a.box[0], a.box[1], b.box[2], b.box[3])))
            a.text = "".join(c.text for c in a.chars)
        last, first = a.chars[-1], b.chars[0]
        em = a.box[3] - a.box[1]
        if (_wide(last.text) or _wide(first.text)) and \
                first.x0 - last.x1 < em:
            last.reach = first.x0
    return mends


def _tighten(boxes: list[OcrBox], dark: Any, scale: float, height: float) -> None:
    """A box the detector drew over two lines of a cell, of which one was read (`经济成本指`
    over `标`, changsha p.39), held in its characters the height of both: the next
    line's `标` then sat inside that line and was read `经标济成本指`. Such a box (taller
    than 1.6 of its Chinese characters' width, overlapped by another box) takes the rows of
    the band of ink outside the other boxes that spans its characters widest."""
    import numpy as np

    for b in boxes:
        widths = [c.x1 - c.x0 for c in b.chars if _is_cjk(c.text)]
        em = statistics.median(widths) if widths else 0.0
        if not widths or b.box[3] - b.box[1] <= 1.6 * em:
            continue
        r0, r1 = round((height - b.box[3]) * scale), round((height - b.box[1]) * scale)
        c0, c1 = round(b.chars[0].x0 * scale), round(b.chars[-1].x1 * scale)
        # only where another box overlaps it (the other line's, read there), whose ink is
        # then not this box's line
        others = [o for o in boxes if o is not b and o.box[0] < b.box[2] and
                  b.box[0] < o.box[2] and o.box[1] < b.box[3] and b.box[1] < o.box[3]]
        ink = _unruled(dark[r0:r1, c0:c1])
        if ink.size == 0 or not others:
            continue
        for o in others:
            ink[max(round((height - o.box[3]) * scale) - r0, 0):
                max(round((height - o.box[1]) * scale) - r0, 0),
                max(round(o.box[0] * scale) - c0, 0):max(round(o.box[2] * scale) - c0, 0)] = False
        rows = np.nonzero(ink.sum(axis=1) >= 2)[0]
        if len(rows) == 0:
            continue
        cuts = np.nonzero(np.diff(rows) > 1)[0]
        # lines of text, not the strokes of one line apart (`二`, a `：`)
        bands = [r for r in np.split(rows, cuts + 1) if len(r) >= 0.5 * em * scale]
        if not bands:
            continue
        best = max(bands, key=lambda r: (int(ink[r[0]:r[-1] + 1].any(axis=0).sum()),
                                         len(r)))
        if len(best) > 1.6 * em * scale:
            continue
        top = height - (r0 + int(best[0]) - 1) / scale
        bottom = height - (r0 + int(best[-1]) + 2) / scale
        for c in b.chars:
            c.y0, c.y1 = bottom, top
        b.box = (b.box[0], bottom, b.box[2], top)


def _heading_levels(boxes: list[OcrBox]) -> list[OcrMend]:
    """A heading `级指标` before `二级指标` on its line is `一级指标`: the recogniser drops
    the thin `一` alone (changsha p.40), and the heading then matches no page's before it,
    so the page's rows were read as no project's. Next to `二级指标` only `一` fits."""
    mends: list[OcrMend] = []
    for a in boxes:
        if a.text != _LEVEL_TAIL or not a.chars:
            continue
        if not any(b is not a and _same_line(a, b) and b.box[0] > (a.box[0] + a.box[2]) / 2 and
                   b.text.startswith(_SECOND_LEVEL) for b in boxes):
            continue
        c = a.chars[0]
        a.chars.insert(0, OcrChar(_ONE, c.x0 - (c.x1 - c.x0), c.y0, c.x0, c.y1, c.confidence))
        a.text = _ONE + a.text
        a.box = (min(a.box[0], a.chars[0].x0), a.box[1], a.box[2], a.box[3])
        mends.append(OcrMend(f"{_LEVEL_TAIL} {_SECOND_LEVEL} → {_ONE}{_LEVEL_TAIL} {_SECOND_LEVEL}",
                             a.box))
    return mends


def ocr_page(data: bytes, index: int, settings: OcrSettings | None = None,
             threads: int = 1) -> OcrPage:
    """One page rendered, cleaned, its rules found and its text read."""
    import numpy as np
    import pypdfium2 as pdfium

    settings = settings or OcrSettings()
    pdf = pdfium.PdfDocument(data)
    try:
        page = pdf[index]
        width, height = page.get_size()
        dpi = _check_resolution(page, index, settings, None)
        scale = dpi / 72
        rgb = page.render(scale=scale, rev_byteorder=True).to_numpy()[:, :, :3]
    finally:
        pdf.close()
    value, angle = _clean(rgb, settings)
    level = _otsu(value)
    dark = value < level
    length = max(10, round(settings.rule_length * scale))
    horizontal = [Edge(height - y / scale, x0 / scale, x1 / scale)
                  for y, x0, x1 in _rules(dark, length)]
    vertical = [Edge(x / scale, height - y1 / scale, height - y0 / scale)
                for x, y0, y1 in _rules(np.ascontiguousarray(dark.T), length)]
    result, _ = _engine(threads)(np.dstack([value] * 3), use_cls=False, return_word_box=True)
    boxes: list[OcrBox] = []
    mends: list[OcrMend] = []
    for item in result or []:
        quad, text, conf = item[0], str(item[1]), float(item[2])
        words = item[3:6] if len(item) >= 6 else None
        chars = _box_chars(text, quad, words, scale, height)
        if not chars:
            continue
        xs, ys = [p[0] for p in quad], [p[1] for p in quad]
        whole = (min(xs) / scale, height - max(ys) / scale, max(xs) / scale,
                 height - min(ys) / scale)
        for part, box in _split_at_rules(chars, whole, vertical):
            mends += [OcrMend(m, box) for m in _mend_values(part)]
            mends += [OcrMend(m, box, value=False) for m in _mend_marks(part)]
            least = min([conf, *(c.confidence for c in part)])
            boxes.append(OcrBox("".join(c.text for c in part), least, box, part))
    stamp = _stamped(rgb, angle)
    faint = value < (int(np.median(value[::16, ::16])) + level) / 2
    boxes, stamped = _unstamped_boxes(boxes, faint, stamp, scale, height)
    _tighten(boxes, dark, scale, height)
    mends += _join_boxes(boxes)
    mends += _heading_levels(boxes)
    lost_mends, lost_gaps = _lost_numbers(boxes, value, dark, scale, height, vertical,
                                          _engine(threads))
    mends += lost_mends
    cell_mends, clipped = _reread_cells(boxes, value, dark, scale, height, horizontal,
                                        vertical, _engine(threads), stamp)
    mends += cell_mends
    # ink beside a box looked for halfway to the paper: a closing `。` at 200 dpi is all
    # grey, under the page's ink level, and was lost with nothing said
    gaps = stamped + lost_gaps + clipped + _gaps(boxes, dark, scale, height, vertical, faint)
    return OcrPage(index, width, height, dpi, angle, boxes, horizontal, vertical, mends, gaps)


def _stamped(rgb: Any, angle: float) -> Any:
    """Where the picture is saturated (a stamp's colour, `_clean` lifts it to paper),
    turned level as the page is: print under a stamp is dark in every channel, not
    saturated, while what is left of the stamp's own strokes is."""
    import numpy as np
    from PIL import Image

    mask = (rgb.max(axis=2).astype(np.int16) - rgb.min(axis=2) > 60).astype(np.uint8) * 255
    if abs(angle) >= 0.05:
        mask = np.asarray(Image.fromarray(mask).rotate(-angle, resample=Image.Resampling.NEAREST,
                                                       fillcolor=0))
    return _grow(mask > 0, 1)


def _unstamped_boxes(boxes: list[OcrBox], faint: Any, stamp: Any, scale: float,
                     height: float) -> tuple[list[OcrBox], list[OcrGap]]:
    """The boxes without those read from the stamp itself: most of their ink in the
    stamp's colour (`财务专用章` read at 0.98 and joined to a project's goal, silently).
    Each is said as a gap: the stamp may hide what is printed under it."""
    kept: list[OcrBox] = []
    gaps: list[OcrGap] = []
    for b in boxes:
        r0, r1 = round((height - b.box[3]) * scale), round((height - b.box[1]) * scale)
        c0, c1 = round(b.box[0] * scale), round(b.box[2] * scale)
        ink = faint[r0:r1, c0:c1]
        if ink.size and int((ink & stamp[r0:r1, c0:c1]).sum()) > 0.6 * max(int(ink.sum()), 1):
            gaps.append(OcrGap("□", b.box, b.box))
            continue
        kept.append(b)
    return kept, gaps


def _split_at_rules(chars: list[OcrChar], box: Box, vertical: list[Edge]
                    ) -> list[tuple[list[OcrChar], Box]]:
    """A box the detector drew over a cell's rule (`般性支出情一般性支出情`: two cells read
    as one line) cut at that rule: the characters each side are a box of their own."""
    mid = (box[1] + box[3]) / 2
    walls = sorted(v.fixed for v in vertical if v.start <= mid <= v.end and
                   box[0] + 2 < v.fixed < box[2] - 2)
    if not walls:
        return [(chars, box)]
    out: list[tuple[list[OcrChar], Box]] = []
    for left, right in zip([-math.inf, *walls], [*walls, math.inf], strict=True):
        part = [c for c in chars if left < (c.x0 + c.x1) / 2 < right]
        part = [c for c in part if c.text.strip()]
        if not part:
            continue
        part[-1].reach = min(part[-1].reach or part[-1].x1, right - 0.5)
        out.append((part, (max(part[0].x0, box[0]), box[1], min(part[-1].x1, box[2]),
                           box[3])))
    return out or [(chars, box)]


_NUMBER_ONLY = re.compile(r"^(\d{1,2})[、.,，．]?$")


def _lost_numbers(boxes: list[OcrBox], value: Any, dark: Any, scale: float, height: float,
                  vertical: list[Edge], engine: Any) -> tuple[list[OcrMend], list[OcrGap]]:
    """An item's number the detector left out of every box (`2、` before `满意度指标…`:
    the two items would read as one and the next ones take the wrong numbers): a box that
    starts with a level, with ink on its left that no box covers, has that ink
    recognised alone from the picture, as is and enlarged. An item's number read there is
    put before the level (said, with its confidence); anything else is a gap."""
    widths = [c.x1 - c.x0 for b in boxes for c in b.chars if _is_cjk(c.text)]
    if not widths:
        return [], []
    em = statistics.median(widths)
    walls = sorted(v.fixed for v in vertical)
    import numpy as np

    paper = int(np.median(value[::16, ::16]))
    mends: list[OcrMend] = []
    gaps: list[OcrGap] = []
    for b in boxes:
        if not b.chars or not _LEVEL_START.match(b.text):
            continue
        x0, y0, x1, y1 = b.box
        # the room on its left: up to the cell's wall or the end of a box that starts
        # before it on its line (a `3、` box may overlap the level's: no room then)
        left = max([w + 1.5 for w in walls if w < x0 - 0.5] +
                   [a.box[2] + 0.5 for a in boxes if a is not b and _same_line(a, b) and
                    a.box[0] < x0 - 0.5] + [x0 - 3 * em])
        if x0 - left < 0.5 * em:
            continue
        h = y1 - y0
        rows = slice(round((height - y1 + 0.15 * h) * scale),
                     round((height - y0 - 0.15 * h) * scale))
        cols = dark[rows, round(left * scale):round((x0 - 0.5) * scale)].sum(axis=0) >= 2
        if int(cols.sum()) < max(2.0, 0.1 * em * scale):
            continue  # paper: an item without a number, or a level alone in its cell
        ink = left + float(cols.argmax()) / scale  # where the ink starts
        crop = value[round((height - y1 - 1) * scale):round((height - y0 + 1) * scale),
                     round(left * scale):round(x0 * scale)]
        read = _recognise(crop, engine, paper)
        m = _NUMBER_ONLY.match(read[0]) if read else None
        if read is None or m is None:
            gaps.append(OcrGap("□" + b.text, b.box, (left, y0, x0, y1)))
            continue
        number, confidence = m.group(1), read[1]
        text = f"{number}、"
        new = [OcrChar(ch, a, y0, c, y1, confidence, c)
               for ch, (a, c) in zip(text, _split(text, ink, x0), strict=True)]
        b.chars[:0] = new
        b.text = text + b.text
        b.box = (ink, y0, x1, y1)
        mends.append(OcrMend(say("ocr.lost-number", number=text, text=b.text[len(text):][:8],
                                 confidence=f"{confidence:.2f}"), b.box, reread=True))
    return mends, gaps


def _recognise(crop: Any, engine: Any, paper: int) -> tuple[str, float] | None:
    """A crop's text read by the recogniser alone (no detection), as is and three times
    enlarged: the reading that is an item's number with the higher confidence, else the
    surer reading."""
    import numpy as np
    from PIL import Image

    if crop.size == 0:
        return None
    best: tuple[str, float] | None = None
    for factor in (1, 3):
        image = crop if factor == 1 else np.asarray(Image.fromarray(crop).resize(
            (crop.shape[1] * factor, crop.shape[0] * factor), Image.Resampling.BICUBIC))
        padded = np.pad(image, 8 * factor, constant_values=paper)
        result, _ = engine(np.dstack([padded] * 3), use_det=False, use_cls=False,
                           use_rec=True)
        for text, conf in result or []:
            read = ("".join(str(text).split()), float(conf))
            if best is None or (bool(_NUMBER_ONLY.match(read[0])), read[1]) > \
                    (bool(_NUMBER_ONLY.match(best[0])), best[1]):
                best = read
    return best


def _page_regions(horizontal: list[Edge], vertical: list[Edge]) -> list[Box]:
    """The boxes (points, y up) of the cells of the page's ruled tables, merged cells as
    one: the grid `ocr_page_cells` reads."""
    settings = PdfGridSettings()
    out: list[Box] = []
    for t in _tables(0, _merge([Edge(e.fixed, e.start, e.end) for e in horizontal], settings),
                     _merge([Edge(e.fixed, e.start, e.end) for e in vertical], settings),
                     settings):
        for r, c, rs, cs in _regions(t, settings):
            out.append((t.xs[c], t.ys[r + rs], t.xs[c + cs], t.ys[r]))
    return out


def _despeck(mask: Any) -> Any:
    """A mask without its lone pixels (noise): a pixel stays with two inked neighbours."""
    import numpy as np

    m = mask.astype(np.int8)
    n = np.zeros(m.shape, dtype=np.int8)
    n[1:, :] += m[:-1, :]
    n[:-1, :] += m[1:, :]
    n[:, 1:] += m[:, :-1]
    n[:, :-1] += m[:, 1:]
    return mask & (n >= 2)


def _unruled(crop: Any) -> Any:
    """A cell's crop without its rules: rows and columns dark almost all along are a
    rule's, at its sides or inside a merged region (print beside it keeps its pixels; a
    figure beside a rule is half the cell's height)."""
    out = crop.copy()
    out[crop.mean(axis=1) > 0.85, :] = False
    out[:, crop.mean(axis=0) > 0.85] = False
    return out


# a reading alone under this confidence is no value (junk from a stamp's arc, `0` as `6`)
_REREAD_FLOOR = 0.6


def _reread_cells(boxes: list[OcrBox], value: Any, dark: Any, scale: float, height: float,
                  horizontal: list[Edge], vertical: list[Edge], engine: Any,
                  stamp: Any = None) -> tuple[list[OcrMend], list[OcrGap]]:
    """Ink in a ruled cell that no box covers, read again from the picture: the detector
    misses a small figure beside a rule (a 得分 `2`, an actual `0`) and a thin first or last
    glyph (`一` of `一级指标`, `=` before a target, `）`). A cell with no box has its ink
    recognised alone (`_recognise`: as is and enlarged); a box with uncovered ink on its
    line inside its cell has that line read again, and the reading is taken only when it
    holds the box's own text with a character or two more. Each is said (`ocr-mended`,
    with its confidence; `ocr-uncertain` when under the setting). A box whose text runs
    into its cell's right rule may have glyphs the cell clips: a gap, said."""
    import numpy as np

    widths = [c.x1 - c.x0 for b in boxes for c in b.chars if _is_cjk(c.text)]
    if not widths or not vertical or not horizontal:
        return [], []
    em = statistics.median(widths)
    paper = int(np.median(value[::16, ::16]))
    level = _otsu(value)
    mends: list[OcrMend] = []
    gaps: list[OcrGap] = []

    def px(box: Box) -> tuple[int, int, int, int]:  # rows and columns of a box (points)
        return (round((height - box[3]) * scale), round((height - box[1]) * scale),
                round(box[0] * scale), round(box[2] * scale))

    for cell in _page_regions(horizontal, vertical):
        if cell[2] - cell[0] < 0.8 * em or cell[3] - cell[1] < 0.6 * em:
            continue
        inside = [b for b in boxes if _inside(b.box, cell)]
        r0, r1, c0, c1 = px(cell)
        ink = _despeck(_unruled(dark[r0:r1, c0:c1]))
        # the picture without the cell's rules: what the recogniser is shown
        plain = value[r0:r1, c0:c1].copy()
        # a rule's soft edges too: left, they read as a stroke (`0` beside one read `60`)
        plain[_grow(dark[r0:r1, c0:c1] & ~_unruled(dark[r0:r1, c0:c1]), 1) & ~ink] = paper
        for b in inside:  # what the boxes' characters read is covered (not the whole
            # box: the detector's box may hold a glyph the recogniser dropped, `一级指标`)
            br0, br1, _, _ = px(b.box)
            for c in b.chars:
                ink[max(br0 - r0 - 1, 0):max(br1 - r0 + 1, 0),
                    max(round(c.x0 * scale) - c0 - 1, 0):
                    max(round(c.x1 * scale) - c0 + 1, 0)] = False
        cols = ink.sum(axis=0) >= 1  # `一` is a stroke one or two pixels thick
        least = max(3.0, 0.15 * em * scale)
        if not inside:
            # the ink halfway to the paper tells a glyph from a speck: a faint figure's
            # dark pixels are specks apart (a `5` at 150 dpi), a rule's burr is a speck
            # at any level; and a thin light glyph (a 指标值类型 `=`) is all faint
            faint = _no_stubs(_despeck(_unruled(value[r0:r1, c0:c1] < (paper + level) / 2))
                              | ink, em * scale)
            kept = ink & faint
            ink = kept if int((kept.sum(axis=0) >= 1).sum()) >= least else faint
            cols = ink.sum(axis=0) >= 1
        if int(cols.sum()) < least:
            inside.sort(key=lambda b: b.box[0])
            for b in inside:  # a box with room for a character more than it read
                if _roomy(b, em):
                    _reread_line(b, inside, cell, plain, ink, (r0, c0), scale, height, em,
                                 engine, paper, mends, force=True)
            _clipped(inside, cell, em, gaps)
            continue
        if not inside:
            # each line of the ink alone: a rule's stub or a speck beside a figure (the
            # weights `2` at changsha's right rule) made one extent too tall to read,
            # and the figure was lost with nothing said
            stamped = stamp[r0:r1, c0:c1] if stamp is not None else None
            for band in _ink_lines(ink, em * scale):
                _read_lone(band, cell, plain, (r0, c0), scale, height, em, engine, paper,
                           boxes, mends, gaps, stamped)
            continue
        inside.sort(key=lambda b: b.box[0])
        for b in inside:
            _reread_line(b, inside, cell, plain, ink, (r0, c0), scale, height, em, engine,
                         paper, mends, force=_roomy(b, em))
        _clipped(inside, cell, em, gaps)
    return mends, gaps


def _no_stubs(ink: Any, em_px: float) -> Any:
    """A cell's ink without specks (under a fifth of a character both ways: noise, a
    rule's burr), row bands then column bands."""
    import numpy as np

    out = ink.copy()
    for axis in (0, 1):  # bands of rows, then of columns
        m = out if axis == 0 else out.T
        rows = np.nonzero(m.any(axis=1))[0]
        for band in np.split(rows, np.nonzero(np.diff(rows) > 2)[0] + 1) if len(rows) else []:
            part = m[band[0]:band[-1] + 1]
            xs = np.nonzero(part.any(axis=0))[0]
            if len(band) < 0.2 * em_px and xs[-1] - xs[0] < 0.2 * em_px:
                m[band[0]:band[-1] + 1] = False
    return out


def _ink_lines(ink: Any, em_px: float) -> list[Any]:
    """A cell's ink cut into lines where half a character's height of rows is blank (the
    strokes of `=` or `二` are closer): each a mask of the cell's size."""
    import numpy as np

    rows = np.nonzero(ink.any(axis=1))[0]
    if len(rows) == 0:
        return []
    out = []
    for band in np.split(rows, np.nonzero(np.diff(rows) > 0.5 * em_px)[0] + 1):
        line = np.zeros_like(ink)
        line[band[0]:band[-1] + 1] = ink[band[0]:band[-1] + 1]
        out.append(line)
    return out


def _read_lone(ink: Any, cell: Box, plain: Any, at: tuple[int, int], scale: float,
               height: float, em: float, engine: Any, paper: int, boxes: list[OcrBox],
               mends: list[OcrMend], gaps: list[OcrGap], stamped: Any = None) -> None:
    """One line of ink in a cell no box holds, recognised alone: taken as a box when the
    reading is sure enough (said, `ocr-reread`), else said as a gap at the ink; ink most
    of which was the stamp's colour is the stamp's remnant, said, never read."""
    import numpy as np

    r0, c0 = at
    cols = ink.sum(axis=0) >= 1
    xs = np.nonzero(cols)[0]
    ys = np.nonzero(ink[:, xs].sum(axis=1) >= 1)[0]
    if len(ys) == 0:
        return
    if (xs[-1] - xs[0] <= 2 and (xs[0] >= ink.shape[1] - 3 or xs[-1] <= 2)) or \
            (ys[-1] - ys[0] <= 2 and (ys[0] >= ink.shape[0] - 3 or ys[-1] <= 2)):
        return  # a sliver along the cell's side: the rule's soft edge `_unruled` left
    top, bottom = r0 + int(ys[0]), r0 + int(ys[-1]) + 1
    left, right = c0 + int(xs[0]), c0 + int(xs[-1]) + 1
    if (right - left) / scale > 0.6 * (cell[2] - cell[0]) and \
            int(cols.sum()) < 0.3 * (right - left):
        return  # specks across the cell, not a figure
    box = (left / scale, height - bottom / scale, right / scale, height - top / scale)
    if box[3] - box[1] < 0.3 * em and box[2] - box[0] > 1.5 * em:
        return  # a long thin stroke: a rule's stub or a stamp's arc, no glyph
    if box[3] - box[1] > 1.6 * em or (  # lines of ink run together: not read, said
            stamped is not None and int((ink & stamped).sum()) > 0.5 * int(ink.sum())):
        # (or the stamp's strokes, lifted but not gone: `财` of 财务专用章 read in a cell)
        gaps.append(OcrGap("□", box, box))
        return
    # the figure with the room of its line around it: a figure alone, cropped tight, was
    # read as a letter or a Chinese character
    room = round(0.3 * em * scale)
    y0, x0 = max(top - r0 - room, 0), max(left - c0 - room, 0)
    crop = plain[y0:bottom - r0 + room, x0:right - c0 + 2 * room].copy()
    # the room between the figure and a rule beside it on paper: the rule's grey edge
    # there was read as a `1` (a `2` by changsha's right rule read `21`); the figure's
    # own columns kept (cut, a `0` by a rule was read `D`)
    if left - c0 - x0 > 1 and left - c0 < 2 * room:
        crop[:, :left - c0 - x0 - 1] = paper
    if plain.shape[1] - (right - c0) < 2 * room:
        crop[:, right - c0 - x0 + 1:] = paper
    read = _recognise(crop, engine, paper)
    if not read or not read[0] or read[1] < _REREAD_FLOOR or box[3] - box[1] < 0.3 * em:
        # a comparison alone in its cell (a 指标值类型 `≥`, 5 pt at 150 dpi, read `#` or
        # `K`): told by its strokes where they are unambiguous, said as such
        symbol = _symbol(plain, (top - r0, bottom - r0, left - c0, right - c0), em * scale,
                         paper)
        if symbol is not None:
            chars = [OcrChar(symbol, box[0], box[1], box[2], box[3], 0.0)]
            mends.append(OcrMend(say("ocr.symbol-read", text=symbol), box, reread=True,
                                 doubt=True))
            boxes.append(OcrBox(symbol, 0.0, box, chars))
            return
        # a stamp's remnant, a rule's stub, or a glyph the recogniser cannot make out: no
        # value is made up, the ink is said
        gaps.append(OcrGap("□", box, box))
        return
    text, confidence = read
    chars = [OcrChar(ch, a, box[1], c, box[3], confidence)
             for ch, (a, c) in zip(text, _split(text, box[0], box[2]), strict=True)]
    mends.append(OcrMend(say("ocr.cell-read", text=text, confidence=f"{confidence:.2f}"), box,
                         reread=True, doubt=True))
    mends += [OcrMend(m, box) for m in _mend_values(chars)]
    boxes.append(OcrBox("".join(c.text for c in chars), confidence, box, chars))


# a comparison's strokes: (runs down the columns of its left part, of its right part); a
# lone `>` or `<` is not told (a `0` or `)` cut by noise has their strokes)
_SYMBOLS = {(3, 2): "≥", (2, 3): "≤", (2, 2): "="}


def _symbol(plain: Any, ink: tuple[int, int, int, int], em_px: float, paper: int
            ) -> str | None:
    """A lone small symbol told by its strokes: the strokes a column down its left and its
    right part crosses (`≥` and `⩾`: arm, arm, bar on the left, apex and bar on the right;
    `=` two bars everywhere). None unless most columns of
    each part agree, the middle is as the symbol draws it, and the ink is a symbol's size
    (under a character, over a third of one)."""
    import numpy as np

    top, bottom, left, right = ink
    # the dark pixels found may be part of its strokes only: its faint rest around them
    grow = max(2, round(em_px / 2))
    y0, x0 = max(top - grow, 3), max(left - grow, 3)
    crop = plain[y0:min(bottom + grow, plain.shape[0] - 3),
                 x0:min(right + grow, plain.shape[1] - 3)].astype(np.int16)
    if crop.size == 0 or int(crop.min()) > paper - 40:
        return None  # too faint to tell strokes
    mask = crop < (paper + int(crop.min())) / 2
    # a rule's grey edge runs down (or across) the whole crop; a symbol's strokes do not
    mask[:, mask.mean(axis=0) > 0.7] = False
    mask[mask.mean(axis=1) > 0.7, :] = False
    # a pixel with no inked neighbour of eight is noise (a thin stroke keeps its pixels)
    padded = np.pad(mask, 1)
    near = sum(np.roll(np.roll(padded, dy, 0), dx, 1) for dy in (-1, 0, 1)
               for dx in (-1, 0, 1) if dy or dx)[1:-1, 1:-1]
    mask &= near > 0
    ys, xs = np.nonzero(mask)
    if len(ys) == 0:
        return None
    mask = mask[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    h, w = mask.shape
    if not (0.3 * em_px <= h <= 0.9 * em_px and 0.3 * em_px <= w <= 0.9 * em_px) or w < 6:
        return None

    def runs(col: Any) -> int:
        return int(col[0]) + int(np.count_nonzero(col[1:] & ~col[:-1]))

    # the columns between an eighth and a third in from each side: the outermost ones
    # hold an arm's or the apex's tip only
    inner = [x for x in range(w) if 0.12 * w <= x <= 0.34 * w]
    outer = [x for x in range(w) if 0.66 * w <= x <= 0.88 * w]
    sides = []
    for cols in (inner, outer):
        counts = [runs(mask[:, x]) for x in cols]
        most = max(set(counts), key=counts.count) if counts else 0
        if counts.count(most) < 0.6 * len(counts):
            return None  # the columns disagree: noise or another glyph
        sides.append(most)
    symbol = _SYMBOLS.get((sides[0], sides[1]))
    middle = {runs(mask[:, x]) for x in range(w) if 0.4 * w <= x <= 0.6 * w}
    if symbol == "=" and (middle != {2} or h > 0.9 * w):
        return None  # two bars all along, wider than tall, or it is no `=`
    if symbol in ("≥", "≤") and h > 1.3 * w:
        return None  # as tall as wide: a figure (`0`, `8`) is taller
    return symbol


def _clipped(inside: list[OcrBox], cell: Box, em: float, gaps: list[OcrGap]) -> None:
    """A line whose last Chinese character ends at its cell's right rule: the cell may clip
    the glyphs after it (a published PDF draws text past a narrow cell: `一般性支出情况`
    printed `一般性支出情`)."""
    for b in inside:
        if not b.chars or not _is_cjk(b.chars[-1].text):
            continue
        if any(o is not b and _same_line(o, b) and o.box[0] > b.box[0] for o in inside):
            continue
        if cell[2] - b.chars[-1].x1 < 0.3 * em and b.box[0] - cell[0] < 0.6 * em:
            gaps.append(OcrGap(b.text + "□", b.box, (b.box[2], b.box[1], cell[2], b.box[3])))


# what a line read again may gain besides Chinese: a comparison before a target, marks
# that close or part (never a figure, a letter, an opening bracket or a bar: a rule's stub)
_ADDABLE = set("=≥≤<>＝。，、；：）》”’%％")
# ideographs that are one stroke: a rule's stub beside a line reads as one (`丨广州市…`, a
# project's name at 150 dpi), never taken as a glyph the line lost
_STROKE_LIKE = ("丨", "亅", "丿", "乀", "乁", "乚", "丶")


def _roomy(b: OcrBox, em: float) -> bool:
    """A box of Chinese wider than its characters by most of one: the detector saw a glyph
    the recogniser dropped (`一级指标` read `级指标` in the box of four)."""
    text = b.text.strip()
    if not text or not all(_is_cjk(ch) for ch in text):
        return False
    return b.box[2] - b.box[0] - len(text) * em >= 0.7 * em


def _reread_line(b: OcrBox, inside: list[OcrBox], cell: Box, plain: Any, ink: Any,
                 at: tuple[int, int], scale: float, height: float, em: float, engine: Any,
                 paper: int, mends: list[OcrMend], force: bool = False) -> None:
    """A box's line inside its cell read again when ink no box covers lies on it, left of
    the box (up to the box before it or the cell's rule) or right of it (up to the next);
    taken when the reading holds the box's text with one or two characters more."""
    import numpy as np

    r0, c0 = at
    line = [o for o in inside if _same_line(o, b)]
    k = line.index(b)
    left = line[k - 1].box[2] if k else cell[0]
    right = line[k + 1].box[0] if k + 1 < len(line) else cell[2]
    h = b.box[3] - b.box[1]
    rows = slice(max(round((height - b.box[3] + 0.1 * h) * scale) - r0, 0),
                 max(round((height - b.box[1] - 0.1 * h) * scale) - r0, 0))
    band = ink[rows, max(round(left * scale) - c0, 0):max(round(right * scale) - c0, 0)]
    inked = band.size > 0 and int((band.sum(axis=0) >= 1).sum()) >= max(2.0,
                                                                       0.1 * em * scale)
    if not inked and not force:
        return
    cols = np.nonzero(band.sum(axis=0) >= 1)[0] if inked else np.array([])
    x0 = min(b.box[0], left + float(cols[0]) / scale) if inked else b.box[0]
    x1 = max(b.box[2], left + float(cols[-1] + 1) / scale) if inked else b.box[2]
    crop = plain[max(round((height - b.box[3]) * scale) - 2 - r0, 0):
                 max(round((height - b.box[1]) * scale) + 2 - r0, 0),
                 max(round(x0 * scale) - 2 - c0, 0):max(round(x1 * scale) + 2 - c0, 0)]
    read = _recognise(crop, engine, paper)
    if not read:
        return
    text, confidence = read
    old = "".join(b.text.split())
    at_ = text.find(old)
    if at_ < 0 or not 0 < len(text) - len(old) <= 2:
        return  # not the same line with a glyph more: the gaps say the ink
    head, tail = text[:at_], text[at_ + len(old):]
    if AMOUNT.match(_compact(old)) or any((not _is_cjk(ch) and ch not in _ADDABLE) or
                                          ch in _STROKE_LIKE for ch in head + tail):
        # a figure, a letter or a bracket more is a rule's stub as often (`74.00` read
        # `174.00`, `26.00` read `[26.00`): an amount is never lengthened
        return
    end = b.chars[-1].reach or b.chars[-1].x1
    if not inked:  # the box's own room: its characters spread over it again
        if len(text) * em > b.box[2] - b.box[0] + 0.5 * em:
            return
        b.chars = [OcrChar(ch, a, b.box[1], c, b.box[3], confidence, c) for ch, (a, c) in
                   zip(text, _split(text, b.box[0], b.box[2]), strict=True)]
        head = tail = ""
    # a Chinese character takes its room: a mark's ink (`。`) read as one is not taken
    for part, room in ((head, b.chars[0].x0 - x0), (tail, x1 - max(end, b.box[2]))):
        if sum(_is_cjk(ch) for ch in part) * 0.6 * em > room + 0.1 * em:
            return
    new_head = [OcrChar(ch, a, b.box[1], c, b.box[3], confidence)
                for ch, (a, c) in zip(head, _split(head, x0, b.chars[0].x0), strict=True)]
    new_tail = [OcrChar(ch, a, b.box[1], c, b.box[3], confidence)
                for ch, (a, c) in zip(tail, _split(tail, max(end, b.box[2]), x1),
                                      strict=True)]
    for c in new_head:
        c.reach = c.x1
    if new_head:
        new_head[-1].reach = b.chars[0].x0
    b.chars[:0] = new_head
    b.chars += new_tail
    b.text = "".join(c.text for c in b.chars)
    b.box = (x0, b.box[1], x1, b.box[3])
    b.confidence = min(b.confidence, confidence)
    mends.append(OcrMend(say("ocr.line-read", read=old, text=b.text,
                             confidence=f"{confidence:.2f}"), b.box, reread=True,
                         doubt=True))
    mends += [OcrMend(m, b.box) for m in _mend_values(b.chars)]
    b.text = "".join(c.text for c in b.chars)


_STOPS = set("、，。；：！？）》”’,.;:!?)")  # marks whose ink sits at one side of their room


def _gaps(boxes: list[OcrBox], dark: Any, scale: float, height: float,
          vertical: list[Edge], faint: Any = None) -> list[OcrGap]:
    """Where a character seems lost (the recogniser drops a glyph it is unsure of rather
    than say so): a character's room empty between two Chinese characters of a box, or at
    a box's end after one, or ink beside a box on its line that no box covers (dark, or
    in `faint`, the ink halfway to the paper, a closing mark's ring low after Chinese).
    The character's width is the page's median for Chinese."""
    widths = [c.x1 - c.x0 for b in boxes for c in b.chars if _is_cjk(c.text)]
    if not widths:
        return []
    em = statistics.median(widths)
    out: list[OcrGap] = []
    walls = sorted(v.fixed for v in vertical)
    for b in boxes:
        cs = b.chars
        for k in range(len(cs) - 1):
            a, c = cs[k], cs[k + 1]
            if _is_cjk(a.text) and _is_cjk(c.text) and c.x0 - a.x1 >= 0.7 * em:
                out.append(OcrGap(b.text[:k + 1] + "□" + b.text[k + 1:], b.box,
                                  (a.x1, b.box[1], c.x0, b.box[3])))
        if cs and _is_cjk(cs[-1].text) and b.box[2] - cs[-1].x1 >= 0.8 * em:
            out.append(OcrGap(b.text + "□", b.box, (cs[-1].x1, b.box[1], b.box[2], b.box[3])))
            continue
        # ink right of the box, up to the next box on its line or the next rule
        right = min([x.box[0] for x in boxes if x is not b and x.box[0] > b.box[0]
                     and _same_line(b, x)] +
                    [w - 1.5 for w in walls if w > b.box[2] - 0.5] + [b.box[2] + 2 * em])
        # from the last character read: a box may hold part of the glyph it did not read
        start = min(b.box[2] + 1, cs[-1].x1 + 0.15 * em) if cs else b.box[2] + 1
        x0, x1 = round(start * scale), round((right - 1.5) * scale)
        h = b.box[3] - b.box[1]
        y0 = round((height - b.box[3] + 0.15 * h) * scale)  # `、` sits low: most of the line
        y1 = round((height - b.box[1] - 0.15 * h) * scale)
        if x1 - x0 < 3 or y1 <= y0:
            continue
        inked = int((dark[y0:y1, x0:x1].sum(axis=0) >= 2).sum())
        # a mark's stroke at least (noise is specks), or a grey closing mark
        if inked >= max(2.0, 0.1 * em * scale) or (
                faint is not None and _is_cjk(cs[-1].text) and
                _trailing_mark(faint, cs[-1].x1, right, b.box, em, scale, height)):
            out.append(OcrGap(b.text + "□", b.box, (start, b.box[1], right, b.box[3])))
    return out


def _trailing_mark(faint: Any, end: float, right: float, box: Box, em: float, scale: float,
                   height: float) -> bool:
    """Grey ink in the lower half of a line, within a character after its last one and
    clear of what follows: a closing `。` or `，` the detector left out and the page's ink
    level does not see (the 自评表's goal at 200 dpi lost its `。` silently)."""
    import numpy as np

    h = box[3] - box[1]
    x0, x1 = round((end + 0.05 * em) * scale), round(min(right - 1.5, end + em) * scale)
    y0, y1 = round((height - (box[1] + box[3]) / 2) * scale), round((height - box[1] + 0.1 * h)
                                                                    * scale)
    if x1 - x0 < 3 or y1 <= y0:
        return False
    ys, xs = np.nonzero(_despeck(faint[y0:y1, x0:x1]))
    if len(xs) < 6 or xs.max() >= x1 - x0 - 1:
        return False  # noise, or ink running on past the room (the next word, a rule)
    size = 0.6 * em * scale
    return bool(xs.max() - xs.min() <= size and ys.max() - ys.min() <= size and
                xs.max() - xs.min() >= 2 and ys.max() - ys.min() >= 2)


def _ocr_one(args: tuple[bytes, int, OcrSettings]) -> OcrPage:
    return ocr_page(*args)


def ocr_pages(data: bytes, indexes: list[int], settings: OcrSettings | None = None,
              jobs: int = 1, progress: Callable[[int, int], None] | None = None
              ) -> dict[int, OcrPage]:
    """The pages OCR'd, one process each over `jobs` processes (one thread each: the
    cores are the pages'); `progress(done, total)` after each."""
    settings = settings or OcrSettings()
    out: dict[int, OcrPage] = {}
    if progress:
        progress(0, len(indexes))
    if jobs <= 1 or len(indexes) <= 1:
        for index in indexes:
            out[index] = ocr_page(data, index, settings)
            if progress:
                progress(len(out), len(indexes))
        return out
    import multiprocessing

    # fork: a worker needs no re-import of the caller's script (spawn would run a script
    # without a `__main__` guard again); the engine runs on one thread, so a copy of the
    # parent's is safe to use
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(min(jobs, len(indexes)),
                             mp_context=multiprocessing.get_context(method)) as pool:
        futures = [pool.submit(_ocr_one, (data, index, settings)) for index in indexes]
        for future in as_completed(futures):
            page = future.result()
            out[page.index] = page
            if progress:
                progress(len(out), len(indexes))
    return out


# ---- the sample's template ------------------------------------------------------------------


def ocr_ruling(page: OcrPage) -> Ruling | None:
    """The sample reader's `Ruling` from the rules found in the picture: the horizontal
    ones that cross the table (top first) and the vertical segments."""
    if len(page.horizontal) < 2 or not page.vertical:
        return None
    settings = PdfGridSettings()
    vertical = _merge(page.vertical, settings)
    vertical = [v for v in vertical if v.end - v.start > 10]
    if not vertical:
        return None
    left, right = min(v.fixed for v in vertical), max(v.fixed for v in vertical)
    width = right - left
    rows = []
    for h in sorted(_merge(page.horizontal, settings), key=lambda e: -e.fixed):
        covered = min(h.end, right) - max(h.start, left)
        if width > 0 and covered >= 0.9 * width and \
                (not rows or rows[-1] - h.fixed > RULE_TOLERANCE):
            rows.append(h.fixed)
    return Ruling(rows, [(v.fixed, v.start, v.end) for v in vertical]) \
        if len(rows) >= 2 else None


@dataclass
class OcrPdfReader(PdfReader):
    """The sample reader, where the OCR'd pages give the characters and the rules."""

    ocr: dict[int, OcrPage] = field(default_factory=dict)

    def page_text(self, pdf: Any, index: int) -> tuple[list[Char], Ruling | None]:
        if index in self.ocr:
            return self.ocr[index].chars(), ocr_ruling(self.ocr[index])
        return super().page_text(pdf, index)

    def document(self) -> Document:
        try:
            return super().document()
        except ReadError as exc:
            # no text on any page, the scanned ones OCR'd: not a missing text layer but
            # pictures in which the OCR found nothing
            if exc.code != "no-text-layer" or not self.ocr or any(
                    p.boxes for p in self.ocr.values()):
                raise
            pages = sorted(self.ocr)
            raise ReadError("ocr-no-text", say("ocr.no-text", pages="、".join(
                str(i + 1) for i in pages)), SourceSpan(self.file, None, None, pages[0] + 1)
                            ) from None


# ---- the other forms: cells from (chars, tables) ----------------------------------------------


def _snapped(edges: list[Edge], settings: PdfGridSettings) -> list[Edge]:
    """A picture's rule found in pieces a pixel apart, each piece at the longest one's
    place: `pdfgrid._merge` joins pieces by rounding their place, and a piece rounded into
    the bin before, starting higher, cut the rule short (changsha p.39: the rule between
    一级 and 二级 lost, their cells read as one)."""
    out: list[Edge] = []
    group: list[Edge] = []
    for e in [*sorted(edges, key=lambda e: e.fixed), None]:
        if e is not None and (not group or e.fixed - group[0].fixed <= settings.snap):
            group.append(e)
            continue
        if group:
            at = max(group, key=lambda g: g.end - g.start).fixed
            out += [Edge(at, g.start, g.end) for g in group]
        group = [e] if e is not None else []
    return out


def ocr_page_cells(page: OcrPage, row0: int, settings: PdfGridSettings | None = None
                   ) -> tuple[list[Cell], int]:
    """`pdfgrid._page_cells` for an OCR'd page: its tables from the rules in the picture,
    its characters placed by their middle."""
    settings = settings or PdfGridSettings()
    page_no = page.index + 1
    chars = page.chars()
    tables = _tables(page_no, _merge(_snapped(page.horizontal, settings), settings),
                     _merge(_snapped(page.vertical, settings), settings), settings)
    placed: set[int] = set()
    blocks: list[tuple[float, list[Cell] | str]] = []
    for t in tables:
        cells: list[Cell] = []
        for r, c, rs, cs in _regions(t, settings):
            x0, x1 = t.xs[c], t.xs[c + cs]
            top, bottom = t.ys[r], t.ys[r + rs]
            inside = [k for k, ch in enumerate(chars) if k not in placed and
                      x0 <= ch.mid_x <= x1 and bottom <= ch.mid_y <= top]
            placed.update(inside)
            cells.append(Cell(r, c, _text([chars[k] for k in inside], page_no), rs, cs,
                              page=page_no, box=(x0, top, x1, bottom)))
        blocks.append((t.ys[0], cells))
    for line in _lines([ch for k, ch in enumerate(chars) if k not in placed], page_no):
        text = line.text.strip()
        if text and not _PAGE_NUMBER.match(text):
            blocks.append((line.y, text))
    out: list[Cell] = []
    row = row0
    for _, block in sorted(blocks, key=lambda b: -b[0]):
        if isinstance(block, str):
            out.append(Cell(row, 0, block, page=page_no))
            row += 1
            continue
        for cell in block:
            if cell.text or cell.rowspan > 1:
                out.append(replace(cell, row=row + cell.row))
        row += max((c.row + c.rowspan for c in block), default=0)
    return out, row


def _target_pages(texts: list[str]) -> list[int]:
    """`pdfgrid.target_pages` over the pages' texts (OCR'd or not)."""
    pages: list[int] = []
    previous = False
    for index, text in enumerate(texts):
        compact = "".join(text.split())
        holds = bool(_HEADINGS.search(compact)) and bool(_LEVELS.search(compact))
        continues = previous and bool(_LEVELS.search(compact[:400]))
        if holds or continues:
            if not previous and index > 0 and index - 1 not in pages and \
                    _FORM_START.search("".join(texts[index - 1].split())):
                pages.append(index - 1)
            pages.append(index)
        previous = holds or continues
    return pages


def ocr_grid(data: bytes, file: str | None, limits: Limits, ocr: dict[int, OcrPage],
             settings: PdfGridSettings | None = None) -> Grid:
    """`pdfgrid.pdf_grid` where the OCR'd pages give their cells from the picture."""
    import pypdfium2 as pdfium

    settings = settings or PdfGridSettings()
    pdf = pdfium.PdfDocument(data)
    try:
        texts = [ocr[i].text if i in ocr else pdf[i].get_textpage().get_text_range()
                 for i in range(len(pdf))]
        pages = _target_pages(texts)
        if not pages:
            raise ReadError("no-target-table", say("ocr.no-target-table"), SourceSpan(file))
        cells: list[Cell] = []
        row = 0
        breaks: set[int] = set()
        for n, index in enumerate(pages):
            if n and index != pages[n - 1] + 1:
                breaks.add(row)
            if index in ocr:
                page_cells, row = ocr_page_cells(ocr[index], row, settings)
            else:
                page_cells, row = _page_cells(pdf[index], index + 1, row, settings)
            if n and index == pages[n - 1] + 1:
                page_cells = _join_split_row(cells, page_cells)
            cells += page_cells
    finally:
        pdf.close()
    grid = Grid(cells, file, "pdf", breaks=breaks)
    grid.notes.append("pages " + ",".join(str(p + 1) for p in pages))
    return check_size(grid, limits)


# ---- what the reading says about the OCR --------------------------------------------------------


def _where(page: OcrPage, box: Box) -> str:
    x0, y0, x1, y1 = box
    # from the page's top-left, as a person measures a printed page
    return say("ocr.where", page=page.index + 1, left=f"{x0:.0f}",
               top=f"{page.height - y1:.0f}", right=f"{x1:.0f}",
               bottom=f"{page.height - y0:.0f}")


_MARKS = set("；;、，,。：:（）()“”‘’《》")


def _matters(box: OcrBox, c: OcrChar) -> bool:
    """Whether an uncertain character can change a value: any in an amount, and any but
    the marks between words elsewhere (`；` or `;` ends an item either way)."""
    return c.text not in _MARKS or bool(AMOUNT.match(_compact(box.text)))


def _compact(text: str) -> str:
    return "".join(text.split()).replace(",", "")


def _union(boxes: Sequence[Box]) -> Box | None:
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


def _inside(box: Box, cell: Box) -> bool:
    x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return cell[0] <= x <= cell[2] and cell[1] <= y <= cell[3]


def _span(file: str | None, page: int, box: Box | None) -> SourceSpan:
    return SourceSpan(file, None, None, page, box)


_ITEM_HEAD = re.compile(r"^\d{1,2}[、.,，．]?")


def _holds(text: str, box: OcrBox) -> bool:
    """Whether `text` (a field as read) holds what the box read: its number and the mark
    that ends an item aside, a box of one item or one wrapped line is inside its field."""
    part = _ITEM_HEAD.sub("", _compact(box.text)).rstrip("；;")
    return bool(part) and part in _compact(text)


@dataclass
class _Row:
    """An OCR'd row of the sample's table: its figures' boxes, left to right, and the band
    of the page it takes (its first line's top down to the next row's)."""

    thing: Any  # a Unit (its subtotal row) or a Project
    page: OcrPage
    figures: list[OcrBox | None]
    top: float
    bottom: float = 0.0


def _rows(doc: Document, ocr: dict[int, OcrPage]) -> list[_Row]:
    """Each OCR'd row's figures found on its page: the boxes reading exactly its total,
    then its sources on the same line to the right, the rows taken top to bottom (two rows
    with the same figures are told apart by their order)."""
    out: list[_Row] = []
    below: dict[int, float] = {}  # per page: the last row's line, the next is under it
    for unit in doc.units:
        for thing in [unit, *unit.projects]:
            amounts = thing.subtotal if thing is unit else thing.amounts  # type: ignore[attr-defined]
            page_no = thing.span.page if thing.span else None
            if amounts is None or page_no is None or page_no - 1 not in ocr:
                continue
            page = ocr[page_no - 1]
            values = [amounts.total, amounts.fiscal, amounts.special_account, amounts.other]
            ceiling = below.get(page.index, math.inf)
            first = next((v for v in values if v is not None), None)
            if first is None:
                continue
            placed = thing.field_spans.get("amounts") if hasattr(thing, "field_spans") \
                else None
            if placed is not None and placed.box is not None:  # the reader's cell: inside it
                inside = [b for b in page.boxes if _inside(b.box, placed.box)]
                found: list[OcrBox | None] = []
                for v in values:
                    found.append(None if v is None else next(
                        (b for b in inside if _compact(b.text) == f"{v}" and b not in found),
                        None))
                out.append(_Row(thing, page, found, math.nan))
                continue
            start = max((b for b in page.boxes if _compact(b.text) == f"{first}" and
                         b.box[3] <= ceiling + 1.0), key=lambda b: b.box[3], default=None)
            if start is None:  # its figures are not boxes of their own: no band, sum kept
                out.append(_Row(thing, page, [None] * 4, math.nan))
                continue
            line = sorted((b for b in page.boxes if b is start or (
                _same_line(start, b) and b.box[0] > start.box[0])), key=lambda b: b.box[0])
            figures: list[OcrBox | None] = []
            at = 0
            for v in values:
                if v is None:
                    figures.append(None)
                    continue
                hit = next((k for k in range(at, len(line))
                            if _compact(line[k].text) == f"{v}"), None)
                figures.append(line[hit] if hit is not None else None)
                if hit is not None:
                    at = hit + 1
            if sum(f is not None for f in figures) == 1:  # a form's figures one under another
                for k, v in enumerate(values):
                    if v is not None and figures[k] is None:
                        figures[k] = max((b for b in page.boxes if _compact(b.text) == f"{v}"
                                          and b.box[3] <= ceiling + 1.0 and b not in figures),
                                         key=lambda b: b.box[3], default=None)
            below[page.index] = start.box[1]
            out.append(_Row(thing, page, figures, start.box[3] + 0.5 * (start.box[3] -
                                                                        start.box[1])))
    for k, row in enumerate(out):  # a row ends where the next one on its page starts
        nxt = next((r for r in out[k + 1:] if r.page is row.page and not math.isnan(r.top)),
                   None)
        row.bottom = nxt.top if nxt is not None else 0.0
    return out


def _unboxed(span: SourceSpan | None) -> bool:
    return span is None or span.box is None


def _place(doc: Document, rows: list[_Row], file: str | None) -> None:
    """Each OCR'd field's span gets the box it was read from (the web shows that cell
    beside the value): the figures', and the boxes in the row's band the field holds."""
    for row in rows:
        if math.isnan(row.top):
            continue
        page_no = row.page.index + 1
        band = [b for b in row.page.boxes if row.bottom <= (b.box[1] + b.box[3]) / 2 <=
                row.top]
        figures = _union([b.box for b in row.figures if b is not None])
        thing = row.thing
        if not hasattr(thing, "indicators"):  # a unit's subtotal row
            if thing.span.box is None:
                thing.span = _span(file, page_no, figures)
            continue
        taken = {id(b) for b in row.figures if b is not None}
        # a span the reader gave a box (a form's cell) keeps it
        if figures is not None and _unboxed(thing.field_spans.get("amounts")):
            thing.field_spans["amounts"] = _span(file, page_no, figures)
        for key, text in (("name", thing.name), ("goal", thing.goal)):
            inside = [b for b in band if id(b) not in taken and _holds(text, b)]
            if inside and _unboxed(thing.field_spans.get(key)):
                thing.field_spans[key] = _span(file, page_no, _union([b.box for b in inside]))
                taken.update(id(b) for b in inside)
        for indicator in thing.indicators:
            inside = [b for b in band if id(b) not in taken and _holds(indicator.raw, b)]
            if inside and _unboxed(indicator.span):
                indicator.span = _span(file, page_no, _union([b.box for b in inside]))
        everything = _union([b.box for b in band])
        if everything is not None and _unboxed(thing.span):
            thing.span = _span(file, page_no, everything)


def _percent_note(chars: list[OcrChar]) -> str:
    """The recogniser reads `％` and `%` alike, and the picture cannot tell them either
    (at 200 dpi the full-width one is a pixel wider): said once, not guessed."""
    count = sum(c.text in "%％" for c in chars)
    return say("ocr.percent-signs", n=count) if count else ""


_ITEM_DOUBT = re.compile(r"^第(\d+)个指标")


def _doubt_is_about(w: ReadWarning, item: Any) -> bool:
    """Whether the reader's doubt `w` (`第N个指标…`) can only be about `item`: its number,
    and what the doubt says of it (the target named, no label, no target)."""
    m = _ITEM_DOUBT.match(w.message)
    if not m or int(m.group(1)) != item.seq or item.span.page != w.span.page:
        return False
    if w.code == "unparsed-target":
        return bool(item.target) and f"“{item.target}”" in w.message
    if w.code == "missing-label":
        return "指标值" not in item.raw
    if w.code == "missing-target":
        return not item.target
    return False


# a rate's target alone, its `≥` read `2` (the name and the target wrapped into two boxes)
_TWO_RATE = re.compile(r"^2(100|\d{2}(?:\.\d+)?)%$")
_GROWTH = ("增长率", "提高率", "提升率", "增率")
_SATISFACTION = "满意度"
# the first-level heading as printed, and the one stroke the recogniser drops from it
_ONE = "一"
_LEVEL_TAIL = "级指标"
_SECOND_LEVEL = "二级指标"


def _mend_rates(doc: Document, ocr: dict[int, OcrPage]) -> list[ReadWarning]:
    """`_RATE_TWO` for an item whose name and target the OCR read in different boxes: a
    rate (`…率`, not a growth rate) or a satisfaction (`…满意度`) whose target reads `2NN%`
    with NN ≤ 100 is `≥NN%`."""
    out: list[ReadWarning] = []
    for p in doc.projects:
        for i in p.indicators:
            page = i.span.page
            m = _TWO_RATE.match(i.target)
            if page is None or page - 1 not in ocr or not m or \
                    not i.name.endswith(("率", _SATISFACTION)) or \
                    i.name.endswith(_GROWTH) or Decimal(m.group(1)) > 100:
                continue
            mended = f"≥{m.group(1)}%"
            at = i.raw.rfind(i.target)
            if at >= 0:
                i.raw = i.raw[:at] + mended + i.raw[at + len(i.target):]
            where = _where(ocr[page - 1], i.span.box) if i.span.box else \
                say("ocr.page", page=page)
            out.append(ReadWarning(
                "ocr-mended", say("ocr.rate-mended", where=where, name=i.name, target=i.target,
                                  mended=mended), i.span, Severity.INFO))
            i.target = mended
    return out


def _box_item_doubts(doc: Document, ocr: dict[int, OcrPage]) -> None:
    """The reader's doubts about an item of an OCR'd page get the item's box, where the
    doubt fits one item only (a doubt that could be about several keeps its page)."""
    items = [i for p in doc.projects for i in p.indicators
             if i.span.page is not None and i.span.page - 1 in ocr and i.span.box is not None]
    for n, w in enumerate(doc.warnings):
        if w.span.box is not None or w.span.page is None or w.span.page - 1 not in ocr:
            continue
        fits = [i for i in items if _doubt_is_about(w, i)]
        if len(fits) == 1:
            doc.warnings[n] = replace(w, span=w.span._replace(box=fits[0].span.box))


def ocr_warnings(doc: Document, ocr: dict[int, OcrPage], file: str | None,
                 settings: OcrSettings) -> list[ReadWarning]:
    """What a reading of OCR'd pages must say, each doubt with its page and box (in its
    span, as the fields read get theirs): which pages and how sure (info); each box with an
    uncertain character; each place a character seems lost (`ocr-gap`); each amount of an
    OCR'd row that is uncertain or breaks its row's sum; each mend of a value (info, with
    its box) and the marks' widths mended (info, per page)."""
    out: list[ReadWarning] = []
    pages = sorted(ocr)
    chars = [c for i in pages for b in ocr[i].boxes for c in b.chars]
    mean = sum(c.confidence for c in chars) / len(chars) if chars else 0.0
    dpis = sorted({round(ocr[i].dpi) for i in pages})
    skews = [abs(ocr[i].skew) for i in pages]
    out.append(ReadWarning(
        "ocr-pages", say("ocr.pages", n=len(pages),
                         pages="、".join(str(i + 1) for i in pages[:20]),
                         more=" …" if len(pages) > 20 else "", dpis="、".join(map(str, dpis)),
                         skew=f"{max(skews, default=0):.1f}", chars=len(chars),
                         confidence=f"{mean:.3f}", note=_percent_note(chars)),
        SourceSpan(file, None, None, pages[0] + 1 if pages else None), Severity.INFO))
    rows = _rows(doc, ocr)
    _place(doc, rows, file)
    _box_item_doubts(doc, ocr)
    out += _mend_rates(doc, ocr)
    figures = {id(b) for row in rows for b in row.figures if b is not None}
    for i in pages:
        page = ocr[i]
        for box in page.boxes:
            if id(box) in figures:
                continue  # an amount is said with its row (`ocr-amount`)
            weak = [c for c in box.chars if c.confidence < settings.min_confidence and
                    _matters(box, c)]
            if weak:
                out.append(ReadWarning(
                    "ocr-uncertain", say("ocr.uncertain", where=_where(page, box.box),
                                         text=box.text, chars="、".join(
                                             say("ocr.uncertain-char", char=c.text,
                                                 confidence=f"{c.confidence:.2f}")
                                             for c in weak[:5])),
                    _span(file, i + 1, box.box), Severity.WARNING))
        for gap in page.gaps:
            out.append(ReadWarning(
                "ocr-gap", say("ocr.gap", where=_where(page, gap.box),
                               read=gap.text.replace("□", ""), text=gap.text),
                _span(file, i + 1, _union([gap.box, gap.where])),
                Severity.WARNING))
        for mend in page.mends:
            if mend.doubt:  # read again from the picture: a second opinion, to be checked
                out.append(ReadWarning("ocr-reread", say("ocr.mended-at", said=mend.text,
                                                         where=_where(page, mend.box)),
                                       _span(file, i + 1, mend.box), Severity.WARNING))
            elif mend.value:
                said = mend.text if mend.reread else say("ocr.mended", text=mend.text)
                out.append(ReadWarning("ocr-mended", say("ocr.mended-at", said=said,
                                                         where=_where(page, mend.box)),
                                       _span(file, i + 1, mend.box), Severity.INFO))
        marks = [m for m in page.mends if not m.value]
        if marks:
            out.append(ReadWarning(
                "ocr-mended", say("ocr.marks", page=i + 1, n=len(marks),
                                  marks="；".join(m.text for m in marks[:8]),
                                  more=" …" if len(marks) > 8 else ""),
                SourceSpan(file, None, None, i + 1), Severity.INFO))
    # amounts: each OCR'd figure's box, its confidence, and its row's sum
    for row in rows:
        thing, page = row.thing, row.page
        page_no = page.index + 1
        amounts = thing.subtotal if hasattr(thing, "subtotal") else thing.amounts
        values = [amounts.total, amounts.fiscal, amounts.special_account, amounts.other]
        for v, box in zip(values, row.figures, strict=True):
            # a thousands comma the OCR doubts changes nothing: `1.426.86` is no amount
            weak = [c for c in box.chars if c.confidence < settings.min_confidence and
                    c.text != ","] if box is not None else []
            if v is not None and box is not None and weak:
                out.append(ReadWarning(
                    "ocr-amount", say("ocr.weak-amount", where=_where(page, box.box),
                                      name=thing.name, value=v,
                                      chars="、".join(repr(c.text) for c in weak),
                                      confidence=f"{min(c.confidence for c in weak):.2f}"),
                    _span(file, page_no, box.box), Severity.WARNING))
        parts = [v for v in values[1:] if v is not None]
        if values[0] is not None and parts and sum(parts, Decimal(0)) != values[0]:
            found = [b.box for b in row.figures if b is not None]
            boxes = "；".join(_where(page, b) for b in found)
            out.append(ReadWarning(
                "ocr-amount", say("ocr.amounts-not-sum", name=thing.name, total=values[0],
                                  sum=sum(parts, Decimal(0)),
                                  boxes=boxes or say("ocr.page", page=page_no)),
                _span(file, page_no, _union(found)),
                Severity.WARNING))
    return out
