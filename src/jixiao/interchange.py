"""The interchange JSON of DESIGN.md: Document ↔ plain dict.

The keys DESIGN.md fixes are written exactly; the extra keys (unit, source spans,
warnings, columns_inferred) are ours and are read back, so that
`from_dict(to_dict(doc)) == doc`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from jixiao.errors import ReadError
from jixiao.messages import say
from jixiao.model import (
    AMOUNT_COLUMNS,
    Amounts,
    Document,
    FormFields,
    Funding,
    Indicator,
    Project,
    ProjectForm,
    ReadWarning,
    Severity,
    SourceInfo,
    SourceSpan,
    Unit,
)
from jixiao.targets import parse
from jixiao.taxonomy import classify

FORMAT_VERSION = 1


def money_text(value: Decimal | None) -> str | None:
    """A Decimal as a plain decimal string, scale kept ("477.00"), never exponent form."""
    return None if value is None else format(value, "f")


def _amounts_dict(amounts: Amounts | None, flag: bool = True) -> dict[str, Any]:
    if amounts is None:
        return dict.fromkeys(AMOUNT_COLUMNS)
    out: dict[str, Any] = {c: money_text(getattr(amounts, c)) for c in AMOUNT_COLUMNS}
    if flag and amounts.columns_inferred:
        out["columns_inferred"] = True
    return out


def _span_dict(span: SourceSpan) -> dict[str, Any]:
    out: dict[str, Any] = {k: v for k, v in (("first_line", span.first_line),
                                             ("last_line", span.last_line),
                                             ("page", span.page)) if v is not None}
    if span.box is not None and span.page is not None:  # where on its page (points, y up)
        out["box"] = [round(v, 2) for v in span.box]
    return out


# A form's keys (DESIGN.md, "the other templates"), written only where the form has them.
INDICATOR_FORM_KEYS = ("category_points", "level2", "target_long", "weight", "direction",
                       "standard", "actual", "score", "reason")
PROJECT_FORM_KEYS = ("goal_long", "department", "period", "planned", "adjusted", "executed",
                     "execution_score", "total_score", "grade")
_FORM_DECIMALS = {"weight", "score", "planned", "adjusted", "executed", "execution_score",
                  "total_score"}


def _form_dict(form: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    if form is None:
        return {}
    out: dict[str, Any] = {}
    for key in keys:
        value = getattr(form, key)
        if value is not None:
            out[key] = money_text(value) if isinstance(value, Decimal) else value
    return out


def indicator_dict(i: Indicator) -> dict[str, Any]:
    """An indicator as the interchange JSON writes it (the API's indicators too): the
    fixed keys, a form's keys, then ours: where it came from, the parsed target, the
    taxonomy. (The last two are derived, so reading them back ignores them.)"""
    target = parse(i.target)
    return {"seq": i.seq, "category": i.category, "name": i.name, "target": i.target,
            **_form_dict(i.form, INDICATOR_FORM_KEYS),
            "raw": i.raw, "source": _span_dict(i.span), "parsed_target": target.as_dict(),
            "taxonomy": classify(i, target).as_dict()}


def _project_form_dict(p: Project) -> dict[str, Any]:
    if p.form is None:
        return {}
    out = _form_dict(p.form, PROJECT_FORM_KEYS)
    if p.form.funding:
        out["funding"] = [{"label": f.label, "amount": money_text(f.amount)}
                          for f in p.form.funding]
    return out


def _form_from(d: dict[str, Any], keys: tuple[str, ...], kind: type, where: str) -> Any:
    present = {k: d[k] for k in keys if d.get(k) is not None}
    if not present:
        return None
    values = {k: _money(v, f"{where}.{k}") if k in _FORM_DECIMALS else str(v)
              for k, v in present.items()}
    return kind(**values)


def project_dict(p: Project, unit: str, indicators: bool = True) -> dict[str, Any]:
    """A project as the interchange JSON writes it (the API's projects too); `indicators`
    false: without them (a list of projects)."""
    return {
        "seq": p.seq,
        "name": p.name,
        **_amounts_dict(p.amounts, flag=False),
        "goal": p.goal,
        **_project_form_dict(p),
        **({"indicators": [indicator_dict(i) for i in p.indicators]} if indicators else {}),
        "unit": unit,
        "columns_inferred": p.amounts.columns_inferred,
        "source": _span_dict(p.span),
        "field_sources": {k: _span_dict(v) for k, v in p.field_spans.items()},
    }


def to_dict(doc: Document) -> dict[str, Any]:
    units = []
    for unit in doc.units:
        entry = {"name": unit.name, **_amounts_dict(unit.subtotal)}
        if unit.subtotal is None:
            entry["stated"] = False
        entry["source"] = _span_dict(unit.span)
        units.append(entry)
    projects = [project_dict(p, unit.name) for unit in doc.units for p in unit.projects]
    s = doc.source
    return {
        "document": {
            "title": doc.title,
            "department": doc.department,
            "amount_unit": doc.amount_unit,
            "grand_total": None if doc.grand_total is None else _amounts_dict(doc.grand_total),
            "units": units,
            "source": {"file": s.file, "sha256": s.sha256, "format": s.format,
                       "encoding": s.encoding, "lines": s.lines, "pages": s.pages},
            "warnings": [
                {"code": w.code, "severity": str(w.severity), "message": w.message,
                 **_span_dict(w.span)}
                for w in doc.warnings
            ],
            "format_version": FORMAT_VERSION,
            **({"year": doc.year} if doc.year is not None else {}),
            **({"kind": doc.kind} if doc.kind is not None else {}),
            **({"doubtful": True} if doc.doubtful else {}),
        },
        "projects": projects,
    }


# ---- reading back -------------------------------------------------------------------


def _money(value: Any, where: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value).replace(",", ""))
    except InvalidOperation:
        raise ReadError("bad-amount", say("errors.bad-amount", where=where, value=value)) \
            from None


def _amounts(d: dict[str, Any], where: str) -> Amounts:
    return Amounts(*(_money(d.get(c), f"{where}.{c}") for c in AMOUNT_COLUMNS),
                   columns_inferred=bool(d.get("columns_inferred", False)))


def _span(d: dict[str, Any] | None, file: str | None) -> SourceSpan:
    d = d or {}
    box = d.get("box")
    return SourceSpan(file, d.get("first_line"), d.get("last_line"), d.get("page"),
                      tuple(float(v) for v in box) if box is not None else None)


def from_dict(data: dict[str, Any], file: str | None = None) -> Document:
    """Build a Document from interchange JSON; `file` names the JSON for error messages."""
    if not isinstance(data, dict) or "projects" not in data or "document" not in data:
        raise ReadError("not-interchange", say("errors.not-interchange"), SourceSpan(file))
    from jixiao.interchange_schema import validate  # pydantic loads only for JSON

    validate(data, file)  # every field's type and range, before anything is built
    d = data["document"] or {}
    src = d.get("source") or {}
    source_file = src.get("file")
    source = SourceInfo(source_file, src.get("sha256"), src.get("format"), src.get("encoding"),
                        src.get("lines"), src.get("pages"))
    grand = d.get("grand_total")
    doc = Document(
        title=d.get("title"),
        department=d.get("department"),
        amount_unit=d.get("amount_unit") or "万元",
        grand_total=None if grand is None else _amounts(grand, "document.grand_total"),
        source=source,
        year=d.get("year") if isinstance(d.get("year"), int) else None,
        kind=d.get("kind") if isinstance(d.get("kind"), str) else None,
        doubtful=d.get("doubtful") is True,
    )
    by_name: dict[str, Unit] = {}
    for k, u in enumerate(d.get("units") or []):
        stated = u.get("stated", True)
        unit = Unit(u["name"], _amounts(u, f"document.units[{k}]") if stated else None,
                    span=_span(u.get("source"), source_file))
        doc.units.append(unit)
        by_name.setdefault(unit.name, unit)
    for k, p in enumerate(data["projects"]):
        where = f"projects[{k}]"
        project = Project(
            seq=int(p.get("seq", k + 1)),
            name=p.get("name") or "",
            amounts=_amounts(p, where),
            goal=p.get("goal") or "",
            indicators=[
                Indicator(int(i.get("seq", j + 1)), i.get("category"), i.get("name") or "",
                          i.get("target") or "", i.get("raw") or "",
                          _span(i.get("source"), source_file),
                          _form_from(i, INDICATOR_FORM_KEYS, FormFields,
                                     f"{where}.indicators[{j}]"))
                for j, i in enumerate(p.get("indicators") or [])
            ],
            span=_span(p.get("source"), source_file),
            field_spans={k2: _span(v, source_file)
                         for k2, v in (p.get("field_sources") or {}).items()},
            form=_project_form_from(p, where),
        )
        _unit_for(doc, by_name, p.get("unit")).projects.append(project)
    for w in d.get("warnings") or []:
        doc.warnings.append(ReadWarning(w["code"], w["message"], _span(w, source_file),
                                        Severity(w.get("severity", "warning"))))
    return doc


def _project_form_from(p: dict[str, Any], where: str) -> ProjectForm | None:
    form = _form_from(p, PROJECT_FORM_KEYS, ProjectForm, where)
    funding = [Funding(str(f.get("label") or ""), _money(f.get("amount"), f"{where}.funding"))
               for f in p.get("funding") or [] if isinstance(f, dict)]
    if funding:
        form = form or ProjectForm()
        form.funding = funding
    return form


def _unit_for(doc: Document, by_name: dict[str, Unit], name: str | None) -> Unit:
    """The unit a project belongs to: named, the only one, or an implicit one."""
    if name is not None:
        if name not in by_name:
            by_name[name] = Unit(name, None)
            doc.units.append(by_name[name])
        return by_name[name]
    if len(doc.units) == 1:
        return doc.units[0]
    fallback = doc.department or ""
    if fallback not in by_name:
        by_name[fallback] = Unit(fallback, None)
        doc.units.append(by_name[fallback])
    return by_name[fallback]
