"""Numbers as the forms print them, for every face (the web pages' filters, the CLI):
money with thousands separators and two decimals, scores to two decimals, rates as
percentages. One place, so the pages and the shell never disagree on a figure."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from jixiao.messages import place

CENT = Decimal("0.01")


def _round(value: Decimal, places: int) -> Decimal:
    # half up, as the forms and the vendor SQL round (not Python's banker's rounding)
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def money(value: Decimal | int | None, places: int = 2) -> str:
    """万元 (or 元) the Chinese way: '248,530.64'; '' for no value."""
    if value is None:
        return ""
    return f"{_round(Decimal(value), places):,f}"


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
    return value.astimezone(CHINA).strftime("%Y年%m月%d日 %H:%M")
