"""Confirm or correct a doubtful value beside the cropped image of its cell (issue 19).

A doubt is a reading warning with a page and a box (an OCR warning, a failed cross-check);
the project page shows, for each of its project's, the cell cropped from the uploaded PDF,
the value as read and a form: 确认无误, or 更正为 a value checked like every value (money
≥ 0 with two decimals at most, a target through the target grammar). The same over
/api/v1/documents/{id}/corrections. The store keeps the published value and applies the
correction where it builds the Document (store.corrections).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from jixiao.evaluation.values import check_money
from jixiao.messages import say
from jixiao.model import AMOUNT_LABELS, Document, Project, ReadWarning, Severity, SourceSpan
from jixiao.store import corrections as kept
from jixiao.store.corrections import FIELDS, MONEY_FIELDS, Correction
from jixiao.store.store import Store
from jixiao.targets import Kind, parse
from jixiao.web import views
from jixiao.web.auth import Caller, WebError, Who
from jixiao.web.limits import heavy
from jixiao.web.params import INT32, DocId, Seq
from jixiao.writers.crop import CropError, crop_png

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1")
Position = Annotated[int, Path(ge=0, le=INT32, description="the warning's position")]
LABELS: dict[str, str] = {**AMOUNT_LABELS, "name": "项目名称", "goal": "绩效目标",
                          "target": "年度指标值"}
TEXT_LIMIT = 4000  # characters of a corrected name, goal or target
MONEY_CHARACTERS = 24  # of an amount typed, separators included
CENT = Decimal("0.01")


class Refused(WebError):
    """A value refused, naming the field (the form shows the message beside it)."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(422, "bad-correction", message)
        self.field = field


# ---- which field a doubt is about --------------------------------------------------------


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]
             ) -> float:
    """The share of the smaller box that lies in both."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return w * h / smaller if smaller > 0 else 0.0


def _spans(p: Project) -> list[tuple[str, int | None, SourceSpan]]:
    """(field, indicator, span) of everything in a project that has a place; the row as a
    whole first (its money: most doubts are about amounts), so that it wins a tie with a
    field as large as itself."""
    out: list[tuple[str, int | None, SourceSpan]] = [("total", None, p.span)]
    for key, span in p.field_spans.items():
        field = key if key in FIELDS else "total" if key == "amounts" else None
        if field is not None:
            out.append((field, None, span))
    out += [("target", k, i.span) for k, i in enumerate(p.indicators)]
    return out


def locate(doc: Document, w: ReadWarning) -> tuple[Project, str, int | None] | None:
    """The project and field a warning's box lies on (the best overlap on its page)."""
    box = w.span.box
    if box is None or w.span.page is None:
        return None
    best: tuple[tuple[float, float], Project, str, int | None] | None = None
    for p in doc.projects:
        for field, indicator, span in _spans(p):
            if span.page != w.span.page or span.box is None:
                continue
            share = _overlap(box, span.box)
            # the most overlap; of equals, the smallest span (an indicator's line rather
            # than the whole row holding it)
            rank = (round(share, 3), -(span.box[2] - span.box[0]) * (span.box[3] - span.box[1]))
            if share > 0 and (best is None or rank > best[0]):
                best = (rank, p, field, indicator)
    return None if best is None else best[1:]


@dataclass(frozen=True, slots=True)
class Doubt:
    position: int  # the warning's, in the document
    warning: ReadWarning
    field: str
    indicator: int | None
    read: str | None  # the value as read
    now: str | None  # the value in force
    answer: Correction | None  # the last word on it

    @property
    def open(self) -> bool:
        return self.warning.severity is Severity.WARNING

    @property
    def choice(self) -> str:
        return choice(self.field, self.indicator)


def choice(field: str, indicator: int | None) -> str:
    """A field as the form's select names it: `total`, `target:3`."""
    return field if indicator is None else f"{field}:{indicator}"


def doubts(doc: Document, found: list[Correction], seq: int | None = None) -> list[Doubt]:
    """The warnings with a box, each on the field it lies on (of project `seq` only)."""
    by_warning = {c.warning: c for c in found if c.warning is not None}
    out = []
    for k, w in enumerate(doc.warnings):
        if (where := locate(doc, w)) is None or (seq is not None and where[0].seq != seq):
            continue
        p, field, indicator = where
        answer = by_warning.get(k)
        if answer is not None:  # the field it was answered on
            field, indicator = answer.field, answer.indicator
        now = kept.value_of(p, field, indicator)
        read = answer.published if answer is not None else now
        out.append(Doubt(k, w, field, indicator, read, now, answer))
    return out


# ---- a value checked like every value ----------------------------------------------------


def check(p: Project, field: str, indicator: int | None, action: str,
          value: str | None, unit: str = "万元") -> str | None:
    """The value to store (None when confirmed); Refused with a Chinese message if not."""
    if field not in FIELDS:
        raise Refused(say("corrections.no-field", field=field[:40]), "field")
    if field == "target" and (indicator is None or not 0 <= indicator < len(p.indicators)):
        raise Refused(say("web.no-indicator", project=p.seq, indicator=indicator), "indicator")
    if action not in kept.ACTIONS:
        raise Refused(say("corrections.no-action", action=action[:20]), "action")
    if action == "confirm":
        return None
    text = (value or "").strip()
    if not text:
        raise Refused(say("corrections.empty", label=LABELS[field]), "value")
    if field in MONEY_FIELDS:
        if len(text) > MONEY_CHARACTERS:  # (more digits than a Decimal's context holds)
            raise Refused(say("corrections.too-long", label=LABELS[field],
                              limit=MONEY_CHARACTERS), "value")
        amount, why = check_money(text, LABELS[field], unit)
        if why is not None or amount is None:
            raise Refused(why or say("corrections.empty", label=LABELS[field]), "value")
        # as the tables print money: two decimals (a whole 10903043 is 10903043.00)
        return format(abs(amount).quantize(CENT), "f")
    if len(text) > TEXT_LIMIT:
        raise Refused(say("corrections.too-long", label=LABELS[field], limit=TEXT_LIMIT),
                      "value")
    if field == "target" and parse(text).kind is Kind.UNPARSED:
        raise Refused(say("corrections.bad-target", value=text[:80]), "value")
    return text


def correct(ws: Store, who: Caller, view: views.DocumentView, seq: int, field: str,
            indicator: int | None, action: str, value: str | None,
            warning: int | None) -> Correction:
    """Check the caller and the value, then store it (one transaction, its log row)."""
    if not views.may_write_opinion(who, view.doc.department):
        raise WebError(403, "forbidden", say("corrections.forbidden"))
    p = views.project_of(view, seq)
    if warning is not None and warning not in {d.position for d in
                                               doubts(view.doc, ws.corrections(view.id), seq)}:
        raise Refused(say("corrections.no-warning", raw=warning), "warning")
    checked = check(p, field, indicator, action, value, view.doc.amount_unit)
    return ws.correct(who.user, view.id, seq, field, indicator, action, checked, warning)


# ---- the project page's panel ------------------------------------------------------------


def panel(request: Request, who: Caller, view: views.DocumentView, project: Project
          ) -> dict[str, Any]:
    """What the panel of `project` shows (a Jinja global: project.html includes it)."""
    ws: Store = request.app.state.store
    found = ws.corrections(view.id)
    in_force = [c for c in kept.latest(found).values()
                if c.project == project.seq and c.action == "correct"]
    fields = [(choice(f, None), LABELS[f]) for f in (*MONEY_FIELDS, "name", "goal")]
    fields += [(choice("target", k), f"{LABELS['target']}：{i.name}")
               for k, i in enumerate(project.indicators)]
    shown = doubts(view.doc, found, project.seq)
    return {"doubts": shown, "corrected": in_force, "fields": fields, "labels": LABELS,
            # (asked only when a doubt would show its cell)
            "images": bool(shown) and ws.has_source(view.doc.source.sha256),
            "may_answer": views.may_write_opinion(who, view.doc.department),
            "refused": getattr(request.state, "correction_refused", None)}


def summary(request: Request, view: views.DocumentView) -> list[dict[str, Any]]:
    """The document page's list: each project with doubts, how many are still open."""
    ws: Store = request.app.state.store
    counts: dict[int, dict[str, Any]] = {}
    for d in doubts(view.doc, ws.corrections(view.id)):
        where = locate(view.doc, d.warning)
        assert where is not None  # a doubt lies on a project
        row = counts.setdefault(where[0].seq, {"seq": where[0].seq, "name": where[0].name,
                                               "open": 0, "answered": 0})
        row["open" if d.open else "answered"] += 1
    return sorted(counts.values(), key=lambda r: r["seq"])


def _field_of(raw: str) -> tuple[str, int | None]:
    """`target:3` → ("target", 3); a field without an indicator as it is."""
    name, _, number = raw.partition(":")
    if not number:
        return name, None
    if not (number.isascii() and number.isdigit() and len(number) <= 6):
        raise Refused(say("corrections.no-field", field=raw[:40]), "field")
    return name, int(number)


@pages.post("/documents/{doc_id}/projects/{seq}/corrections")
async def correction_form(request: Request, who: Who, doc_id: DocId, seq: Seq,
                          field: Annotated[str, Form(max_length=40)],
                          action: Annotated[str, Form(max_length=10)],
                          value: Annotated[str, Form(max_length=TEXT_LIMIT + 100)] = "",
                          warning: Annotated[int | None, Form(ge=0, le=INT32)] = None
                          ) -> Response:
    ws: Store = request.app.state.store
    view = views.document_view(ws, who, doc_id)
    try:
        name, indicator = _field_of(field)
        # the review of the corrected document is CPU work: in the pool, off the loop
        await heavy(correct, ws, who, view, seq, name, indicator, action, value, warning)
    except Refused as exc:  # the project page again, the message beside the field
        from jixiao.web.pages import _project_page

        request.state.correction_refused = {"warning": warning, "field": field,
                                            "value": value, "message": exc.message}
        response = _project_page(request, who, view, seq, 2023)
        response.status_code = 422
        return response
    return RedirectResponse(f"/documents/{doc_id}/projects/{seq}#corrections", status_code=303)


# ---- the cropped cell ------------------------------------------------------------------

_crops: OrderedDict[tuple[str, int, tuple[float, ...]], bytes] = OrderedDict()
_crops_lock = threading.Lock()
CROPS_KEPT = 256  # a few hundred PNGs of a few KB each


def _crop(ws: Store, sha256: str, page: int, box: tuple[float, float, float, float]
          ) -> bytes | None:
    key = (sha256, page, box)
    with _crops_lock:
        if key in _crops:
            _crops.move_to_end(key)
            return _crops[key]
    data = ws.source(sha256)
    if data is None:
        return None
    png = crop_png(data, page, box)
    with _crops_lock:
        _crops[key] = png
        while len(_crops) > CROPS_KEPT:
            _crops.popitem(last=False)
    return png


@pages.get("/documents/{doc_id}/warnings/{position}/cell.png")
async def cell_image(request: Request, who: Who, doc_id: DocId, position: Position
                     ) -> Response:
    """The cell a warning points at, cropped from the uploaded PDF (PNG)."""
    ws: Store = request.app.state.store
    view = views.document_view(ws, who, doc_id)  # another department's: 404
    doc = view.doc
    if position >= len(doc.warnings):
        raise WebError(404, "not-found", say("corrections.no-warning", raw=position))
    span = doc.warnings[position].span
    if span.box is None or span.page is None or doc.source.sha256 is None:
        raise WebError(404, "no-box", say("corrections.no-box"))
    try:
        png = await heavy(_crop, ws, doc.source.sha256, span.page, span.box)
    except CropError:
        raise WebError(404, "no-box", say("corrections.no-box")) from None
    if png is None:
        raise WebError(404, "no-source", say("corrections.no-source"))
    return Response(png, media_type="image/png",
                    headers={"Cache-Control": "private, max-age=86400"})


# ---- the API -----------------------------------------------------------------------------


# project, field and action are required, but checked after the department boundary:
# another department's document is a 404 whatever the body (so optional to the schema)
class CorrectionIn(BaseModel):
    project: int | None = Field(None, ge=1, le=100_000,
                                description="required: the project's number (序号)")
    field: str | None = Field(None, max_length=20, description="required: total, fiscal, "
                              "special_account, other, name, goal, or target (with indicator)")
    indicator: int | None = Field(None, ge=0, le=100_000,
                                  description="the indicator's position, for target")
    action: str | None = Field(None, pattern="^(confirm|correct)$",
                               description="required: confirm or correct")
    value: str | None = Field(None, max_length=TEXT_LIMIT,
                              description="the corrected value (money in the table's unit)")
    warning: int | None = Field(None, ge=0, le=INT32, description="the doubt it answers")


class CorrectionOut(BaseModel):
    id: int
    project: int
    field: str
    indicator: int | None
    warning: int | None
    action: str
    published: str | None = Field(description="the value as read")
    value: str | None = Field(description="the corrected value; null when confirmed")
    username: str | None
    at: str


class DoubtOut(BaseModel):
    warning: int
    code: str
    message: str
    page: int
    box: list[float] = Field(description="x0, y0, x1, y1 in PDF points, y up")
    project: int
    field: str
    indicator: int | None
    read: str | None = Field(description="the value as read")
    value: str | None = Field(description="the value in force")
    open: bool = Field(description="not yet confirmed or corrected")
    image: str | None = Field(description="the cropped cell (PNG), when the PDF was kept")


class CorrectedOut(BaseModel):
    field: str
    indicator: int | None
    value: str | None = Field(description="the value in force")
    published: str | None = Field(description="the value as published (read)")
    username: str | None
    at: str


def corrected(ws: Store, doc_id: int, seq: int) -> list[CorrectedOut]:
    """The corrections in force on project `seq` (after the caller's department check)."""
    return [CorrectedOut(field=c.field, indicator=c.indicator, value=c.value,
                         published=c.published, username=c.username, at=c.at.isoformat())
            for c in kept.latest(ws.corrections(doc_id)).values()
            if c.project == seq and c.action == "correct"]


class CorrectionsOut(BaseModel):
    doubts: list[DoubtOut]
    corrections: list[CorrectionOut]


def _out(c: Correction) -> CorrectionOut:
    return CorrectionOut(id=c.id, project=c.project, field=c.field, indicator=c.indicator,
                         warning=c.warning, action=c.action, published=c.published,
                         value=c.value, username=c.username, at=c.at.isoformat())


@api.get("/documents/{doc_id}/corrections", response_model=CorrectionsOut)
async def get_corrections(request: Request, who: Who, doc_id: DocId) -> CorrectionsOut:
    ws: Store = request.app.state.store
    view = views.document_view(ws, who, doc_id)
    found = ws.corrections(doc_id)
    images = ws.has_source(view.doc.source.sha256)
    out = []
    for d in doubts(view.doc, found):
        span = d.warning.span
        assert span.box is not None and span.page is not None  # doubts have both
        project = locate(view.doc, d.warning)
        out.append(DoubtOut(
            warning=d.position, code=d.warning.code, message=d.warning.message,
            page=span.page, box=list(span.box), project=project[0].seq if project else 0,
            field=d.field, indicator=d.indicator, read=d.read, value=d.now, open=d.open,
            image=f"/documents/{doc_id}/warnings/{d.position}/cell.png" if images else None))
    return CorrectionsOut(doubts=out, corrections=[_out(c) for c in found])


@api.post("/documents/{doc_id}/corrections", response_model=CorrectionOut, status_code=201)
async def post_correction(request: Request, who: Who, doc_id: DocId, body: CorrectionIn
                          ) -> CorrectionOut:
    ws: Store = request.app.state.store
    view = views.document_view(ws, who, doc_id)
    for key in ("project", "field", "action"):
        if getattr(body, key) is None:
            raise Refused(say("web.field-missing", field=key), key)
    assert body.project is not None and body.field is not None and body.action is not None
    return _out(await heavy(correct, ws, who, view, body.project, body.field, body.indicator,
                            body.action, body.value, body.warning))
