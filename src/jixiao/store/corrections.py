"""A person's word on a doubtful value (issue 19): confirmed as read, or corrected.

Three things are kept for it (migration 0012):

- `sources`: the bytes of an uploaded PDF by their sha256 (the name `document_files`
  gives them), so that the cell a doubt points at can be shown cropped from its page;
- `span_boxes`: the box on its page of every span that has one (SourceSpan.box) — the
  warnings', the projects' rows and fields', the indicators' — beside the rows;
- `corrections`: one row per confirmation or correction, the published value kept in it.

The overlay applies in ONE place: when the store builds a Document (`Store.document`,
through `apply`). Every face, export, review and score takes its document there, so they
all see the corrected value; the rows of the reading stay as published. A doubt answered
is kept in `doc.warnings` at its position (the page's images are addressed by it) as an
info that says who answered it — no longer a warning.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, delete, exists, func, insert, select, update

from jixiao.limits import DEFAULT
from jixiao.messages import say
from jixiao.model import AMOUNT_COLUMNS, Document, Project, ReadWarning, Severity, SourceSpan
from jixiao.store.accounts import User, record
from jixiao.store.schema import corrections as corrections_table
from jixiao.store.schema import documents, opinions, sources, span_boxes
from jixiao.store.schema import findings as findings_table

# the fields a person may confirm or correct: a project's money, its name and goal, and an
# indicator's 年度指标值 ("target", with the indicator's position)
MONEY_FIELDS: tuple[str, ...] = AMOUNT_COLUMNS
FIELDS: tuple[str, ...] = (*MONEY_FIELDS, "name", "goal", "target")
ACTIONS: tuple[str, ...] = ("confirm", "correct")
KEEP_FORMATS = frozenset({"pdf"})  # the only sources a cell is cropped from


@dataclass(frozen=True, slots=True)
class Correction:
    id: int
    document_id: int
    project: int  # the project's seq
    field: str  # one of FIELDS
    indicator: int | None  # the indicator's position in its project, for "target"
    warning: int | None  # the position of the doubt it answers
    action: str  # confirm, correct
    published: str | None  # the value as read
    value: str | None  # the corrected value; None when confirmed
    username: str | None
    at: datetime

    @property
    def key(self) -> tuple[int, str, int | None]:
        return (self.project, self.field, self.indicator)


# ---- kept at ingest, in the ingest's transaction ---------------------------------------


def box_rows(doc: Document) -> list[dict[str, Any]]:
    """The span_boxes rows of `doc`: every span with a page and a box."""
    rows: list[dict[str, Any]] = []

    def add(kind: str, seq: int, position: int, key: str, span: SourceSpan) -> None:
        if span.box is not None and span.page is not None and len(key) <= 20:
            x0, y0, x1, y1 = span.box
            rows.append(dict(kind=kind, project_seq=seq, position=position, field=key,
                             page=span.page, x0=x0, y0=y0, x1=x1, y1=y1))

    for k, w in enumerate(doc.warnings):
        add("warning", 0, k, "", w.span)
    for p in doc.projects:
        add("project", p.seq, 0, "", p.span)
        for key, span in p.field_spans.items():
            add("field", p.seq, 0, key, span)
        for k, i in enumerate(p.indicators):
            add("indicator", p.seq, k, "", i.span)
    return rows


def keep(conn: Connection, doc_id: int, doc: Document, sha256: str, format: str | None,
         data: bytes | None) -> None:
    """After an ingest (new, or a file already stored): the document's boxes unless kept
    already, and the PDF's bytes unless kept already (an upload of a file stored before
    0012 fills them in)."""
    has_boxes = conn.execute(select(exists().where(span_boxes.c.document_id == doc_id))
                             ).scalar()
    if not has_boxes and (rows := box_rows(doc)):
        conn.execute(insert(span_boxes), [{"document_id": doc_id, **r} for r in rows])
    if data is None or format not in KEEP_FORMATS or len(data) > DEFAULT.upload_bytes:
        return  # (the CLI reads files of any size: the web's limit bounds a row here too)
    if conn.execute(select(exists().where(sources.c.sha256 == sha256))).scalar():
        return
    conn.execute(insert(sources).values(sha256=sha256, format=format, size=len(data),
                                        data=data))


def has_source(engine: Engine, sha256: str | None) -> bool:
    if sha256 is None:
        return False
    with engine.connect() as conn:
        return bool(conn.execute(select(exists().where(sources.c.sha256 == sha256))).scalar())


def source(engine: Engine, sha256: str | None) -> bytes | None:
    """The bytes kept for a file, if any."""
    if sha256 is None:
        return None
    with engine.connect() as conn:
        data = conn.execute(select(sources.c.data).where(sources.c.sha256 == sha256)).scalar()
    return bytes(data) if data is not None else None


# ---- read back: the boxes and the overlay ----------------------------------------------


def attach_boxes(conn: Connection, doc_id: int, doc: Document) -> None:
    """Put the kept boxes back on `doc`'s spans (the rows hold no box)."""
    found = conn.execute(select(span_boxes).where(span_boxes.c.document_id == doc_id)).all()
    if not found:
        return
    by = {(r.kind, r.project_seq, r.position, r.field): (r.page, (r.x0, r.y0, r.x1, r.y1))
          for r in found}

    def boxed(span: SourceSpan, kind: str, seq: int, position: int, key: str) -> SourceSpan:
        hit = by.get((kind, seq, position, key))
        return span if hit is None else span._replace(page=hit[0], box=hit[1])

    doc.warnings = [replace(w, span=boxed(w.span, "warning", 0, k, ""))
                    for k, w in enumerate(doc.warnings)]
    for p in doc.projects:
        p.span = boxed(p.span, "project", p.seq, 0, "")
        p.field_spans = {key: boxed(s, "field", p.seq, 0, key)
                         for key, s in p.field_spans.items()}
        for k, i in enumerate(p.indicators):
            i.span = boxed(i.span, "indicator", p.seq, k, "")


def load(conn: Connection, doc_id: int) -> list[Correction]:
    """A document's corrections and confirmations, oldest first."""
    c = corrections_table.c
    return [Correction(r.id, r.document_id, r.project_seq, r.field, r.indicator_position,
                       r.warning_position, r.action, r.published, r.value, r.username, r.at)
            for r in conn.execute(select(corrections_table).where(c.document_id == doc_id)
                                  .order_by(c.id))]


def list_corrections(engine: Engine, doc_id: int) -> list[Correction]:
    with engine.connect() as conn:
        return load(conn, doc_id)


def version(engine: Engine, doc_id: int) -> int | None:
    """None when there is no such document; else the id of its last correction (0: none),
    in one query: what a cached Document is checked against."""
    last = (select(func.coalesce(func.max(corrections_table.c.id), 0))
            .where(corrections_table.c.document_id == doc_id).scalar_subquery())
    with engine.connect() as conn:
        row = conn.execute(select(last).select_from(documents)
                           .where(documents.c.id == doc_id)).first()
    return None if row is None else int(row[0])


def latest(found: Iterable[Correction]) -> dict[tuple[int, str, int | None], Correction]:
    """The correction in force for each field: the last one made."""
    return {c.key: c for c in found}


def apply(engine: Engine, doc_id: int, doc: Document) -> Document:
    """`doc` as read from the rows, with its boxes and its corrections (the one place the
    overlay applies)."""
    with engine.connect() as conn:
        attach_boxes(conn, doc_id, doc)
        found = load(conn, doc_id)
    return overlay(doc, found)


def overlay(doc: Document, found: Sequence[Correction]) -> Document:
    """The corrected values in place of the published ones; each doubt answered becomes an
    info at its position."""
    projects = {p.seq: p for p in doc.projects}
    for c in latest(found).values():
        p = projects.get(c.project)
        if p is not None and c.action == "correct" and c.value is not None:
            set_value(p, c.field, c.indicator, c.value)
    answered = {c.warning: c for c in found if c.warning is not None}
    for k, c in answered.items():
        if 0 <= k < len(doc.warnings) and doc.warnings[k].severity is Severity.WARNING:
            w = doc.warnings[k]
            note = say("corrections.answered-confirm" if c.action == "confirm"
                       else "corrections.answered-correct", user=c.username or "",
                       value=c.value or "")
            doc.warnings[k] = ReadWarning(w.code, f"{w.message}（{note}）", w.span, Severity.INFO)
    return doc


def value_of(p: Project, field: str, indicator: int | None) -> str | None:
    """A field's value as text (money as its Decimal's text, in the document's unit)."""
    if field in MONEY_FIELDS:
        amount = getattr(p.amounts, field)
        return None if amount is None else format(amount, "f")
    if field == "target":
        if indicator is None or not 0 <= indicator < len(p.indicators):
            return None
        return p.indicators[indicator].target
    return str(getattr(p, field))


def set_value(p: Project, field: str, indicator: int | None, value: str) -> None:
    if field in MONEY_FIELDS:
        setattr(p.amounts, field, Decimal(value))
    elif field == "target":
        if indicator is not None and 0 <= indicator < len(p.indicators):
            p.indicators[indicator].target = value
    elif field in ("name", "goal"):
        setattr(p, field, value)


# ---- a correction written --------------------------------------------------------------


def add(conn: Connection, user: User | None, doc_id: int, c: Correction) -> int:
    """One correction and its change-log row, in the caller's transaction."""
    new_id = conn.execute(insert(corrections_table).values(
        document_id=doc_id, project_seq=c.project, field=c.field,
        indicator_position=c.indicator, warning_position=c.warning, action=c.action,
        published=c.published, value=c.value, user_id=user.id if user else None,
        username=user.username if user else c.username)).inserted_primary_key[0]
    where = f"{c.project}/{c.field}" + (f"/{c.indicator}" if c.indicator is not None else "")
    record(conn, user, f"{c.action}-value", f"correction {new_id} on {doc_id}/{where}",
           {"value": c.published, "warning": c.warning},
           {"value": c.value if c.action == "correct" else c.published})
    return int(new_id)


def replace_findings(conn: Connection, doc_id: int, rows: list[dict[str, Any]],
                     counts: dict[str, int | None]) -> None:
    """The review's findings of the corrected document in place of the stored ones, and
    its counts (repository.review_counts) with them; an opinion on a finding follows it to
    its new position (same rule, project, indicator), or is kept on the project when the
    finding is gone."""
    conn.execute(update(documents).where(documents.c.id == doc_id).values(**counts))
    f = findings_table.c
    old = {r.position: (r.rule, r.project_seq, r.indicator_position)
           for r in conn.execute(select(f.position, f.rule, f.project_seq,
                                        f.indicator_position).where(f.document_id == doc_id))}
    new: dict[tuple[Any, ...], int] = {}
    for r in rows:
        new.setdefault((r["rule"], r["project_seq"], r["indicator_position"]), r["position"])
    conn.execute(delete(findings_table).where(f.document_id == doc_id))
    if rows:
        conn.execute(insert(findings_table), [{"document_id": doc_id, **r} for r in rows])
    o = opinions.c
    held = conn.execute(select(o.id, o.finding_position).where(
        o.document_id == doc_id, o.finding_position.is_not(None))).all()
    for opinion_id, position in held:  # by id: a moved opinion is never moved twice
        moved = new.get(old.get(position, ("", None, None)))
        if moved != position:
            conn.execute(opinions.update().where(o.id == opinion_id)
                         .values(finding_position=moved))
