"""Indicators packed into one cell: several names separated by `/` (or numbered 1、2、…,
or one a line) beside as many values separated the same way (西安 社科院's forms:
`天然气日用气量/供暖天数/锅炉工人数` | `≤600立方/≤120天/2人`).

Such a cell is split into one indicator per name only when the split is certain: as many
names as values, every name a name (not a figure). Otherwise the cell is kept as one
indicator and a `packed-indicators` warning names it, so that it is never read silently
as one indicator where the form meant several."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from jixiao.messages import say
from jixiao.model import Indicator, SourceSpan

_SLASH = re.compile(r"\s*[/／]\s*")
# a date written with slashes (2023/12/31, 2023/12): its slashes separate nothing
_DATE = re.compile(r"(?<!\d)\d{4}[/／]\d{1,2}(?:[/／]\d{1,2})?(?!\d)")
_HELD = "\u2044"  # a date's slash while the value is cut at the others
# an item number that begins a piece where a wrap lost its slash (…基地5、社科普及…)
_NUMBERED = re.compile(r"(?<=[\u4e00-\u9fff）)》”])(?=\d{1,2}[、．.](?!\d))")
_ITEM_NO = re.compile(r"^\d{1,2}[、．.](?!\d)\s*")
# what follows a slash as a rate's unit (1-2次/月, 15000人次/年): part of the value before
_PER = re.compile(r"^(月|年|周|日|天|次|场|期|人|人次|户|季度|学期|小时)$")
# a piece that reads as a value, not a name (2天, ≥3次, 100%)
_VALUE_LIKE = re.compile(r"^[\d≥≤=＝><＞＜≧≦+\-.%]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_FIGURE = re.compile(r"\d")


def _names(text: str) -> list[str]:
    pieces = [p for p in _SLASH.split(text.strip()) if p.strip()]
    out: list[str] = []
    for piece in pieces:
        out += [s for s in _NUMBERED.split(piece) if s.strip()]
    return out


def _values(text: str) -> list[str]:
    out: list[str] = []
    held = _DATE.sub(lambda m: re.sub("[/／]", _HELD, m.group()), text.strip())
    for piece in (p.replace(_HELD, "/") for p in _SLASH.split(held)):
        if not piece.strip():
            continue  # a trailing slash (…1.5万/)
        if out and _PER.match(piece.strip()):
            out[-1] += "/" + piece.strip()
        else:
            out.append(piece.strip())
    return out


def _lines(text: str) -> list[str]:
    return [s.strip() for s in text.splitlines() if s.strip()]


def _a_name(piece: str) -> bool:
    body = _ITEM_NO.sub("", piece.strip())
    return len(_CJK.findall(body)) >= 2 and not _VALUE_LIKE.match(body)


def _single(i: Indicator) -> bool:
    """Only the target is beside the name: the other columns cannot be shared out."""
    f = i.form
    return f is None or (f.target_long is None and f.actual is None and f.weight is None
                         and f.score is None)


def split_packed(indicators: list[Indicator],
                 warn: Callable[[str, str, SourceSpan], None]) -> list[Indicator]:
    """The indicators with every certainly packed one split; the uncertain ones named."""
    out: list[Indicator] = []
    for ind in indicators:
        names, values = _lines(ind.name), _lines(ind.target)
        # one a line only when every line reads as a whole: a name of its own, a value with
        # a figure (a wrapped cell breaks anywhere: ≥95 / %, 按期完成 / 率)
        by_line = len(names) >= 2 and len(names) == len(values) and \
            all(_a_name(n) for n in names) and all(_FIGURE.search(v) for v in values)
        if not by_line:
            names, values = _names(ind.name), _values(ind.target)
        if len(names) < 2:
            out.append(ind)
            continue
        if len(names) == len(values) and _single(ind) and all(_a_name(n) for n in names):
            for name, value in zip(names, values, strict=True):
                out.append(replace(ind, name=_ITEM_NO.sub("", name).strip(), target=value,
                                   form=replace(ind.form) if ind.form else None))
            continue
        page = say("forms.packed-page", page=ind.span.page) if ind.span.page else (
            say("forms.packed-line", line=ind.span.first_line) if ind.span.first_line else "")
        warn("packed-indicators", say("forms.packed-indicators", where=page,
                                      name=ind.name[:40], names=len(names),
                                      values=len(values)), ind.span)
        out.append(ind)
    for seq, ind in enumerate(out, 1):
        ind.seq = seq
    return out
