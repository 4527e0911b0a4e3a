"""Units seen in target tables: canonical forms, dimensions, and conversion to base units.

The table is data: each unit as written maps to a canonical form and, where a physical
conversion means something (time, storage, area, length, money), to a pint unit. pint
does the conversions, with Decimal magnitudes, and is loaded only when one is asked for.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class UnitInfo:
    canonical: str  # "%", "h", "m²", "台" …
    dimension: str  # ratio, count, score, time, storage, area, length, money, rate, level
    pint: str | None = None  # the pint unit, when a conversion to base units means something


def _entries(dimension: str, pint_units: dict[str, str],
             written: dict[str, str]) -> dict[str, UnitInfo]:
    """{written form: canonical} of one dimension, with the canonical forms' pint units."""
    return {w: UnitInfo(c, dimension, pint_units.get(c)) for w, c in written.items()}


_COUNT_WORDS = ("个", "台", "套", "次", "件", "条", "路", "副", "宗", "人", "人次", "户", "项",
                "篇", "期", "场", "批", "辆", "部", "处", "所", "笔", "家", "份", "张", "本",
                "名", "起", "类", "班次", "课时", "例", "组", "座", "间", "块", "根", "只", "支",
                "册", "门", "节", "棵", "株", "头", "单", "宗次")

UNITS: dict[str, UnitInfo] = {
    "%": UnitInfo("%", "ratio"),
    "％": UnitInfo("%", "ratio"),
    "‰": UnitInfo("‰", "ratio"),
    # written in words: read before the multiplier 百 can take 百分比 for 100 × 分
    "百分比": UnitInfo("%", "ratio"),
    "百分率": UnitInfo("%", "ratio"),
    "千分比": UnitInfo("‰", "ratio"),
    "百分点": UnitInfo("百分点", "ratio"),
    "个百分点": UnitInfo("百分点", "ratio"),
    **{w: UnitInfo(w, "count") for w in _COUNT_WORDS},
    "分": UnitInfo("分", "score"),
    **_entries("time", {"s": "second", "min": "minute", "h": "hour", "d": "day",
                        "week": "week", "month": "month", "year": "year"},
               {"秒": "s", "s": "s", "秒钟": "s", "分钟": "min", "min": "min", "小时": "h",
                "h": "h", "个小时": "h", "天": "d", "日": "d", "周": "week", "个月": "month",
                "月": "month", "年": "year"}),
    "工作日": UnitInfo("工作日", "time"),  # not a fixed length of time: no conversion
    **_entries("storage", {"B": "byte", "KB": "kilobyte", "MB": "megabyte", "GB": "gigabyte",
                           "TB": "terabyte", "PB": "petabyte", "EB": "exabyte"},
               {"B": "B", "KB": "KB", "MB": "MB", "GB": "GB", "G": "GB", "TB": "TB",
                "T": "TB", "PB": "PB", "P": "PB", "EB": "EB"}),
    **_entries("area", {"m²": "meter ** 2", "km²": "kilometer ** 2", "亩": "mu"},
               {"平方米": "m²", "平米": "m²", "㎡": "m²", "m²": "m²", "m2": "m²",
                "平方公里": "km²", "亩": "亩"}),
    **_entries("length", {"km": "kilometer", "m": "meter"},
               {"公里": "km", "千米": "km", "km": "km", "米": "m", "m": "m"}),
    **_entries("money", {"元": "yuan", "万元": "wan_yuan", "亿元": "yi_yuan"},
               {"元": "元", "万元": "万元", "亿元": "亿元"}),
    "级": UnitInfo("级", "level"),
}
# A rate: a count or storage per unit of time ("次/天", "TB/月").
RATE_RE = re.compile(r"(?P<num>[^\d/\s]{1,3})/(?P<den>秒|s|分钟|min|小时|h|天|日|周|月|年)")


def by_first_character(words: list[str]) -> dict[str, tuple[str, ...]]:
    """Words grouped by their first character, longest first: the lookup table of a
    longest-match scanner."""
    table: dict[str, list[str]] = {}
    for word in sorted(words, key=len, reverse=True):
        table.setdefault(word[0], []).append(word)
    return {k: tuple(v) for k, v in table.items()}


_UNITS_BY_FIRST = by_first_character(list(UNITS))


def match_unit(text: str, pos: int) -> tuple[str, UnitInfo] | None:
    """The longest unit written at text[pos:], a rate like 次/天 included."""
    if "/" in text[pos:pos + 5]:
        rate = RATE_RE.match(text, pos)
        if rate and rate.group("num") in UNITS:
            num, den = UNITS[rate.group("num")], UNITS[rate.group("den")]
            return rate.group(0), UnitInfo(f"{num.canonical}/{den.canonical}", "rate")
    if pos >= len(text):
        return None
    for word in _UNITS_BY_FIRST.get(text[pos], ()):  # longest first: 分钟 before 分
        if text.startswith(word, pos):
            # an ASCII unit must not run into more letters ("s" of "sets", "m" of "ms")
            end = pos + len(word)
            if word.isascii() and word.isalpha() and end < len(text) \
                    and text[end].isascii() and text[end].isalpha():
                continue
            return word, UNITS[word]
    return None


@functools.cache
def _registry() -> Any:
    import pint  # slow to load: only when a conversion is asked for

    registry = pint.UnitRegistry(non_int_type=Decimal)
    registry.define("yuan = [currency]")
    registry.define("wan_yuan = 10000 * yuan")
    registry.define("yi_yuan = 100000000 * yuan")
    registry.define("mu = 10000 / 15 * meter ** 2")
    return registry


BASE_UNITS = {"time": "second", "storage": "byte", "area": "meter ** 2", "length": "meter",
              "money": "yuan"}
BASE_SYMBOLS = {"time": "s", "storage": "B", "area": "m²", "length": "m", "money": "元"}


def to_base(value: Decimal, unit: UnitInfo) -> tuple[Decimal, str] | None:
    """`value` in the dimension's base unit (seconds, bytes, m², m, 元), or None where no
    conversion means something (counts, ratios, scores, working days)."""
    if unit.pint is None or unit.dimension not in BASE_UNITS:
        return None
    registry = _registry()
    quantity = registry.Quantity(value, unit.pint).to(BASE_UNITS[unit.dimension])
    return Decimal(quantity.magnitude), BASE_SYMBOLS[unit.dimension]
