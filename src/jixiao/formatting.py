"""Presentation, one place for every face and writer (the web pages' filters, the CLI,
the sheets): money with thousands separators and two decimals, figures as published,
scores, percentages, a stored moment in China's time, where a value came from (page and
lines), and a target's description — so the pages and the shell never disagree."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from jixiao.messages import catalogue, place, say
from jixiao.targets import Comparator, Kind, Target, _plain

CENT = Decimal("0.01")


def _round(value: Decimal, places: int) -> Decimal:
    # half up, as the forms and the vendor SQL round (not Python's banker's rounding)
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def money(value: Decimal | int | None, places: int = 2) -> str:
    """万元 (or 元) the Chinese way: '248,530.64'; '' for no value."""
    if value is None:
        return ""
    return f"{_round(Decimal(value), places):,f}"


def figure(value: Decimal | int | None, thousands: bool = True) -> str:
    """A figure as published, to its own last place and without exponent: '1,234.5'
    (thousands separated unless `thousands` is false: '1234.5'); '' for none. The
    published table's writers print what was read, not a rounding of it."""
    if value is None:
        return ""
    return f"{Decimal(value):,f}" if thousands else f"{Decimal(value):f}"


def score(value: Decimal | int | None) -> str:
    """Points as the 自评表 prints them: '0.20', '21.36'; '' for no score."""
    if value is None:
        return ""
    return f"{_round(Decimal(value), 2):f}"


def percent(ratio: Decimal | int | None, places: int = 2) -> str:
    """A ratio (0.9536) as a percentage: '95.36%'; '' for none."""
    if ratio is None:
        return ""
    return f"{_round(Decimal(ratio) * 100, places):f}%"


def number(value: Decimal | int | None) -> str:
    """A value as written, without exponent or trailing zeros: '6000000000000000', '3.5'."""
    if value is None:
        return ""
    text = format(Decimal(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def span(where: Any) -> str:
    """Where a value came from, as the pages, sheets and the shell show it: '第2页
    第504–505行'; a PDF has pages only ('第7页'), a text table lines only; '' for nowhere.
    The words are the message catalogue's (jixiao.messages.place)."""
    if where is None:
        return ""
    return place(where.page, where.first_line, where.last_line)


CHINA = ZoneInfo("Asia/Shanghai")  # the time the bureaus read


def when(value: datetime | None) -> str:
    """A stored moment as the pages show it, in China's time: '2024年03月05日 14:07'."""
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(CHINA).strftime(say("formats.when"))


def describe(target: Target, language: str | None = None) -> str:
    """A parsed 年度指标值 in one line for people, in the words of the catalogue
    ([describe]) of `language` (default: the one in use): '≥ 95 %，越高越好'.
    (targets.py keeps the grammar.)"""
    words = catalogue(language)

    def w(key: str, **values: Any) -> str:
        return words[f"describe.{key}"].format(**values)

    if target.kind is Kind.COMPOUND:
        return w("parts").join(describe(p, language) for p in target.parts)
    if target.kind is Kind.UNPARSED:
        return w("unparsed")
    bits = [w("subject", subject=target.subject)] if target.subject else []
    if target.kind is Kind.QUALITATIVE:
        state = target.state
        bits.append(w("state", state=state.key if state else w("unknown"))
                    + (w("qualifier", qualifier=target.qualifier) if target.qualifier else "")
                    + (w("vague") if target.vague else ""))
    else:
        value = f"{_plain(target.value)}–{_plain(target.upper)}" if target.range_text \
            else _plain(target.value)
        comparator = w("range") if target.comparator is Comparator.RANGE else target.comparator
        bits.append((w(f"change-{target.change}") if target.change else "")
                    + f"{comparator or w('no-comparator')} {value}"
                    + (f" {target.unit.canonical}" if target.unit else ""))
    if target.trailing:
        bits.append(w("trailing", trailing=target.trailing))
    if target.direction:
        bits.append(w(f"direction-{target.direction.value}"))
    return w("sep").join(b for b in bits if b)
