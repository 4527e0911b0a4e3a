"""The shape of interchange JSON, checked before a Document is built from it.

`jixiao.interchange.from_dict` trusts what it is given; JSON from outside (an upload, a
script) is checked here first, so that a wrong type, a missing key, a number no column can
hold, money that is not a finite amount or a character UTF-8 cannot encode is refused with
the path of the field (`projects[3].indicators[0].name: …`) instead of failing somewhere
inside the reader or the database.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from jixiao.errors import ReadError
from jixiao.limits import DEFAULT, Limits, check
from jixiao.messages import say
from jixiao.model import SourceSpan

# 万元: ten times the largest budget of any government; more is a typo or an attack
MONEY_MAX = Decimal("1e12")
MONEY_DECIMALS = 6  # "0.000001" 万元 is one cent of a cent; a longer tail is no amount
INT32 = 2_147_483_647  # the Integer columns of PostgreSQL hold no more


def _encodable(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(say("interchange.not-encodable", at=exc.start + 1)) from None
    return value


def _money(value: Any) -> Any:
    """A finite amount in 万元 within 0 … 1e12, as text or a JSON number."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(say("interchange.money-type"))
    text = value.replace(",", "") if isinstance(value, str) else str(value)
    if len(text) > 40:
        raise ValueError(say("interchange.money-long"))
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(say("interchange.not-money", text=repr(text[:40]))) from None
    if not amount.is_finite():
        raise ValueError(say("interchange.money-infinite", text=text))
    if amount < 0:
        raise ValueError(say("interchange.money-negative", text=text))
    if amount > MONEY_MAX:
        raise ValueError(say("interchange.money-absurd", text=text, most=f"{MONEY_MAX:,f}"))
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MONEY_DECIMALS:
        raise ValueError(say("interchange.money-decimals", text=text, most=MONEY_DECIMALS))
    return value


Text = Annotated[str, Field(max_length=DEFAULT.cell_chars), AfterValidator(_encodable)]
Short = Annotated[str, Field(max_length=64), AfterValidator(_encodable)]
Money = Annotated[Any, BeforeValidator(_money)]
LineNo = Annotated[int, Field(ge=0, le=INT32)]
Point = Annotated[float, Field(ge=-1e5, le=1e5, allow_inf_nan=False)]  # PDF points
ProjectSeq = Annotated[int, Field(ge=1, le=100_000)]
ItemSeq = Annotated[int, Field(ge=0, le=1_000_000)]


class _Model(BaseModel):
    # the derived keys (parsed_target, taxonomy) and anything else are ignored, as
    # from_dict ignores them
    model_config = ConfigDict(extra="ignore", strict=False)


class SpanIn(_Model):
    first_line: LineNo | None = None
    last_line: LineNo | None = None
    page: LineNo | None = None
    # where on its page: x0, y0, x1, y1 in points, y up (optional; a page needed)
    box: tuple[Point, Point, Point, Point] | None = None

    @model_validator(mode="after")
    def _box_on_a_page(self) -> SpanIn:
        if self.box is not None and (self.page is None or self.box[0] > self.box[2] or
                                     self.box[1] > self.box[3]):
            raise ValueError(say("interchange.bad-box"))
        return self


class AmountsIn(_Model):
    total: Money = None
    fiscal: Money = None
    special_account: Money = None
    other: Money = None
    columns_inferred: bool = False


class UnitIn(AmountsIn):
    name: Text
    stated: bool = True
    source: SpanIn | None = None


class IndicatorIn(_Model):
    seq: ItemSeq = 0  # default unchecked: from_dict numbers it by its place
    category: Text | None = None
    name: Text | None = None
    target: Text | None = None
    raw: Text | None = None
    source: SpanIn | None = None


class ProjectIn(AmountsIn):
    seq: ProjectSeq = 1
    name: Text | None = None
    goal: Text | None = None
    indicators: list[IndicatorIn] | None = None
    unit: Text | None = None
    source: SpanIn | None = None
    field_sources: dict[Short, SpanIn | None] | None = None


class SourceIn(_Model):
    file: Text | None = None
    sha256: Short | None = None
    format: Annotated[str, Field(max_length=16)] | None = None
    encoding: Annotated[str, Field(max_length=16)] | None = None
    lines: LineNo | None = None
    pages: LineNo | None = None


class WarningIn(SpanIn):
    code: Short
    message: Text
    severity: Literal["info", "warning"] = "warning"


class DocumentIn(_Model):
    title: Text | None = None
    department: Text | None = None
    amount_unit: Annotated[str, Field(max_length=8)] | None = None
    grand_total: AmountsIn | None = None
    units: list[UnitIn] | None = None
    source: SourceIn | None = None
    warnings: list[WarningIn] | None = None
    format_version: Annotated[int, Field(ge=0, le=1000)] | None = None


class InterchangeIn(_Model):
    document: DocumentIn | None
    projects: list[ProjectIn]

    @model_validator(mode="after")
    def _distinct_seqs(self) -> InterchangeIn:
        seen: set[int] = set()
        for k, p in enumerate(self.projects):
            seq = p.seq if "seq" in p.model_fields_set else k + 1
            if seq in seen:
                raise ValueError(say("interchange.seq-twice", k=k, seq=seq))
            seen.add(seq)
        return self


def _where(loc: tuple[int | str, ...]) -> str:
    """('projects', 3, 'indicators', 0, 'name') → projects[3].indicators[0].name"""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or say("interchange.whole")


def validate(data: Any, file: str | None = None, limits: Limits = DEFAULT) -> None:
    """Refuse interchange JSON of the wrong shape (ReadError "bad-json" naming the fields),
    or larger than the limits (LimitError), before anything is built from it."""
    try:
        InterchangeIn.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        shown = "; ".join(f"{_where(e['loc'])}: {e['msg']}" for e in errors[:5])
        more = say("interchange.more", n=len(errors) - 5) if len(errors) > 5 else ""
        raise ReadError("bad-json", say("interchange.invalid", shown=shown, more=more),
                        SourceSpan(file)) from None
    check("projects", len(data["projects"]), limits, "the number of projects",
          SourceSpan(file))
    for k, p in enumerate(data["projects"]):
        check("indicators_per_project", len(p.get("indicators") or ()), limits,
              f"the number of indicators of projects[{k}]", SourceSpan(file))
