"""The target-value grammar: 年度指标值 text → `Target` → text, and how far an actual
value meets it (`Target.assess`).

A target keeps every piece as written (subject, comparator spelling, number, multiplier,
unit, suffix, trailing words), so `parse(text).text == text`; the normalised meaning
(comparator, value as Decimal, canonical unit, direction, qualitative state) is derived
from those pieces. The lexicons below are the grammar's data.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from jixiao.units import UnitInfo, by_first_character, match_unit, to_base


class Kind(StrEnum):
    QUANTITATIVE = "quantitative"
    QUALITATIVE = "qualitative"
    COMPOUND = "compound"
    UNPARSED = "unparsed"


class Comparator(StrEnum):
    GE = "≥"
    GT = ">"
    LE = "≤"
    LT = "<"
    EQ = "="
    RANGE = "range"


class Direction(StrEnum):
    HIGHER = "higher"  # higher is better
    LOWER = "lower"  # lower is better
    EXACT = "exact"


class Status(StrEnum):
    MET = "met"
    PARTLY = "partly"
    NOT_MET = "not_met"


# ---- lexicons ---------------------------------------------------------------------------

# Written right before the number. A change word makes the value a change ("下降1%").
PREFIX_COMPARATORS: dict[str, tuple[Comparator, str]] = {
    "≥": (Comparator.GE, ""), ">=": (Comparator.GE, ""), "≧": (Comparator.GE, ""),
    "大于等于": (Comparator.GE, ""), "大于或等于": (Comparator.GE, ""),
    "不低于": (Comparator.GE, ""), "不少于": (Comparator.GE, ""), "不小于": (Comparator.GE, ""),
    "高于等于": (Comparator.GE, ""), "至少": (Comparator.GE, ""), "达到": (Comparator.GE, ""),
    "达": (Comparator.GE, ""),
    ">": (Comparator.GT, ""), "大于": (Comparator.GT, ""), "高于": (Comparator.GT, ""),
    "超过": (Comparator.GT, ""), "多于": (Comparator.GT, ""),
    "≤": (Comparator.LE, ""), "<=": (Comparator.LE, ""), "≦": (Comparator.LE, ""),
    "小于等于": (Comparator.LE, ""), "小于或等于": (Comparator.LE, ""),
    "不超过": (Comparator.LE, ""), "不高于": (Comparator.LE, ""), "不多于": (Comparator.LE, ""),
    "不大于": (Comparator.LE, ""), "低于等于": (Comparator.LE, ""), "控制在": (Comparator.LE, ""),
    "最多": (Comparator.LE, ""), "不超": (Comparator.LE, ""),
    "<": (Comparator.LT, ""), "小于": (Comparator.LT, ""), "低于": (Comparator.LT, ""),
    "少于": (Comparator.LT, ""),
    "=": (Comparator.EQ, ""), "等于": (Comparator.EQ, ""), "为": (Comparator.EQ, ""),
    "提升": (Comparator.GE, "increase"), "提高": (Comparator.GE, "increase"),
    "增加": (Comparator.GE, "increase"), "增长": (Comparator.GE, "increase"),
    "上升": (Comparator.GE, "increase"),
    "下降": (Comparator.GE, "decrease"), "减少": (Comparator.GE, "decrease"),
    "降低": (Comparator.GE, "decrease"), "缩短": (Comparator.GE, "decrease"),
}
# Written after the number and its unit.
SUFFIX_COMPARATORS: dict[str, Comparator] = {
    "或以上": Comparator.GE, "及以上": Comparator.GE, "以上": Comparator.GE,
    "或以下": Comparator.LE, "及以下": Comparator.LE, "以下": Comparator.LE,
    "以内": Comparator.LE, "之内": Comparator.LE, "内": Comparator.LE,
}
MULTIPLIERS: dict[str, Decimal] = {
    "万亿": Decimal(10) ** 12, "千万": Decimal(10) ** 7, "百万": Decimal(10) ** 6,
    "十万": Decimal(10) ** 5, "亿": Decimal(10) ** 8, "万": Decimal(10) ** 4,
    "千": Decimal(10) ** 3, "百": Decimal(100),
}
RANGE_SIGNS = "-~～—至到"  # each one character


@dataclass(frozen=True, slots=True)
class State:
    key: str  # canonical expected state
    direction: Direction
    vague: bool  # says which way, not how far: a number was expected
    words: tuple[str, ...]


STATES: tuple[State, ...] = (
    State("零发生", Direction.LOWER, False, ("零发生", "零事故", "未发生", "无发生", "杜绝")),
    State("提升", Direction.HIGHER, True, ("提升", "提高", "增强", "增加", "上升", "增长",
                                         "改善", "优化", "加强")),
    State("下降", Direction.LOWER, True, ("下降", "减少", "降低", "缩短")),
    State("通过", Direction.EXACT, False, ("通过",)),
    State("达标", Direction.EXACT, False, ("达标", "合格", "满足", "符合", "达到要求",
                                         "等保")),
    State("完成", Direction.EXACT, False, ("完成", "实现", "建成")),
    State("不超", Direction.LOWER, False, ("不超",)),
    State("正常", Direction.EXACT, False, ("正常", "稳定", "保障")),
    State("及时", Direction.EXACT, True, ("及时",)),
    State("高效", Direction.HIGHER, True, ("高效",)),
)
QUALIFIERS = ("有所", "同比", "基本", "按要求", "按时", "明显", "进一步", "持续", "全部",
              "逐步", "显著", "按合同约定")
# Words that answer a qualitative target (达成 / 部分达成 / 未达成 and the like).
ACHIEVEMENT: dict[str, Status] = {
    "部分达成": Status.PARTLY, "基本达成": Status.PARTLY, "基本完成": Status.PARTLY,
    "部分完成": Status.PARTLY, "未达成": Status.NOT_MET, "未完成": Status.NOT_MET,
    "未达标": Status.NOT_MET, "未通过": Status.NOT_MET, "不合格": Status.NOT_MET,
    "否": Status.NOT_MET, "达成": Status.MET, "已完成": Status.MET, "是": Status.MET,
}
PARTLY_RATIO = Decimal("0.7")  # a partly achieved qualitative target, inside [0.6, 0.8)
# Tier scales, best first: a target or actual written as one tier alone (`优`, `良好`) is a
# qualitative state on its scale; any length works, the worst tier earns nothing.
TIER_SCALES: tuple[tuple[str, ...], ...] = (
    ("优", "良", "中", "低", "差"),
    ("优秀", "良好", "中等", "较差", "差"),
    ("好", "较好", "一般", "较差", "差"),
)
# written after a tier word and kept as its trailing text: `优等`, `良级`
_TIER_SUFFIXES = ("等", "级")

_STATE_WORDS = sorted(((w, s) for s in STATES for w in s.words), key=lambda x: -len(x[0]))
_STATE_BY_WORD = dict(_STATE_WORDS)
# a tier word as a state of its own (higher is better); it is only read as a whole text
_TIER_STATES = {w: State(w, Direction.HIGHER, False, (w,)) for scale in TIER_SCALES
                for w in scale}
_PREFIX_BY_LAST = {k: tuple(w[::-1] for w in v) for k, v in
                   by_first_character([w[::-1] for w in PREFIX_COMPARATORS]).items()}
_SUFFIX_BY_FIRST = by_first_character(list(SUFFIX_COMPARATORS))
_MULTIPLIER_BY_FIRST = by_first_character(list(MULTIPLIERS))
_QUALIFIER_WORDS = sorted(QUALIFIERS, key=len, reverse=True)
NUMBER_RE = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
# between parts of a compound target; a comma inside a number ("1,000") is not one
SPLIT_RE = re.compile(r"\s*(?:[，；;]|,(?!\d{3}))\s*|\s+")
# Full-width forms to their ASCII twins, one character for one, so positions agree.
_HALF = str.maketrans("０１２３４５６７８９．％＞＜＝～", "0123456789.%><=~")


# ---- the Target -------------------------------------------------------------------------


# the words of Target.describe: English for the CLI, Chinese for the web pages


class Target(NamedTuple):
    """One 年度指标值, every piece as written; meaning is derived in the properties.

    A NamedTuple: immutable and hashable like a frozen dataclass, and three times cheaper
    to build, which counts in a grammar that builds one for every number it meets.
    """

    kind: Kind
    subject: str = ""  # text before the value: "系统故障排除用时", "安全事故"
    comparator_text: str = ""  # as written before the number: "不低于", "＞", "≤ "
    number_text: str = ""  # "11.8"
    lower_unit_text: str = ""  # a range written "90%-95%": the unit after the first number
    range_text: str = ""  # a range's sign as written: "-", "至"
    upper_text: str = ""  # a range's second number
    multiplier: str = ""  # "万", "亿", "千"
    unit_text: str = ""  # "％", "小时", "次/天"
    suffix_text: str = ""  # "以上", "或以上", "内"
    trailing: str = ""  # text after the value: "解决", "警情"
    qualifier: str = ""  # qualitative: "有所", "同比", "基本"
    state_text: str = ""  # qualitative: the state word as written
    parts: tuple[Target, ...] = ()  # compound: each part
    separators: tuple[str, ...] = ()  # compound: the text between parts
    raw: str = ""  # unparsed: the text itself

    # ---- meaning ----------------------------------------------------------------------

    @property
    def comparator(self) -> Comparator | None:
        if self.kind is not Kind.QUANTITATIVE:
            return None
        return _comparator(self.comparator_text, self.suffix_text, self.range_text)

    @property
    def change(self) -> str:
        """'increase' or 'decrease' when the value is a change ("下降1%"), else ''."""
        if self.kind is Kind.QUANTITATIVE and self.comparator_text:
            return PREFIX_COMPARATORS[self.comparator_text.strip().translate(_HALF)][1]
        return ""

    @property
    def value(self) -> Decimal | None:
        return _number(self.number_text, self.multiplier) if self.number_text else None

    @property
    def upper(self) -> Decimal | None:
        return _number(self.upper_text, self.multiplier) if self.upper_text else None

    @property
    def unit(self) -> UnitInfo | None:
        return _unit_info(self.unit_text) if self.unit_text else None

    @property
    def state(self) -> State | None:
        if self.kind is not Kind.QUALITATIVE:
            return None
        return _STATE_BY_WORD.get(self.state_text) or _TIER_STATES[self.state_text]

    @property
    def tier(self) -> tuple[tuple[str, ...], int] | None:
        """(scale, rank) of a target written as one tier of a scale (`优`: rank 0)."""
        if self.kind is not Kind.QUALITATIVE or self.state_text in _STATE_BY_WORD:
            return None
        scale = next(s for s in TIER_SCALES if self.state_text in s)
        return scale, scale.index(self.state_text)

    @property
    def direction(self) -> Direction | None:
        """From the target alone; None when it names no comparator (the indicator's name
        decides then, see taxonomy.direction)."""
        if self.kind is Kind.QUALITATIVE:
            return self.state.direction if self.state else None
        if self.kind is Kind.COMPOUND:
            directions = {p.direction for p in self.parts}
            return directions.pop() if len(directions) == 1 else None
        if self.change:
            return Direction.HIGHER if self.change == "increase" else Direction.LOWER
        return _DIRECTION_OF[self.comparator]

    @property
    def vague(self) -> bool:
        """A qualitative target that says which way but not how far (提升, 及时 …)."""
        return bool(self.state and self.state.vague)

    def base_value(self) -> tuple[Decimal, str] | None:
        """The value in base units (seconds, bytes, m², m, 元) where that means something."""
        unit, value = self.unit, self.value
        return to_base(value, unit) if unit is not None and value is not None else None

    @property
    def text(self) -> str:
        """The target written out again, exactly as parsed."""
        if self.kind is Kind.COMPOUND:
            out = self.parts[0].text
            for sep, part in zip(self.separators, self.parts[1:], strict=True):
                out += sep + part.text
            return out
        if self.kind is Kind.QUALITATIVE:
            return self.subject + self.qualifier + self.state_text + self.trailing
        if self.kind is Kind.UNPARSED:
            return self.raw
        rng = f"{self.lower_unit_text}{self.range_text}{self.upper_text}" if self.range_text \
            else ""
        return (f"{self.subject}{self.comparator_text}{self.number_text}{rng}{self.multiplier}"
                f"{self.unit_text}{self.suffix_text}{self.trailing}")

    def as_dict(self) -> dict[str, object]:
        """The parse as plain data (for JSON): meaning first, pieces after."""
        out: dict[str, object] = {"kind": str(self.kind)}
        if self.kind is Kind.COMPOUND:
            out["parts"] = [p.as_dict() for p in self.parts]
            return out
        direction = self.direction
        if self.kind is Kind.QUANTITATIVE:
            unit = self.unit
            out |= {"comparator": self.comparator and str(self.comparator),
                    "value": _plain(self.value), "upper": _plain(self.upper),
                    "unit": self.unit_text or None, "unit_canonical": unit and unit.canonical,
                    "dimension": unit and unit.dimension}
            if self.multiplier:
                out["multiplier"] = self.multiplier
            if self.change:
                out["change"] = self.change
        elif self.kind is Kind.QUALITATIVE:
            out |= {"state": self.state.key if self.state else None, "vague": self.vague}
            if self.qualifier:
                out["qualifier"] = self.qualifier
        out["direction"] = direction and str(direction)
        if self.subject:
            out["subject"] = self.subject
        if self.trailing:
            out["trailing"] = self.trailing
        return out



_DIRECTION_OF: dict[Comparator | None, Direction | None] = {
    Comparator.GE: Direction.HIGHER, Comparator.GT: Direction.HIGHER,
    Comparator.LE: Direction.LOWER, Comparator.LT: Direction.LOWER,
    Comparator.EQ: Direction.EXACT, Comparator.RANGE: Direction.EXACT, None: None,
}


@functools.lru_cache(maxsize=1024)
def _comparator(comparator_text: str, suffix_text: str, range_text: str) -> Comparator | None:
    if range_text:
        return Comparator.RANGE
    if comparator_text:
        return PREFIX_COMPARATORS[comparator_text.strip().translate(_HALF)][0]
    return SUFFIX_COMPARATORS[suffix_text] if suffix_text else None


@functools.lru_cache(maxsize=1024)
def _unit_info(unit_text: str) -> UnitInfo | None:
    found = match_unit(unit_text, 0)
    return found[1] if found else None


@functools.lru_cache(maxsize=4096)
def _number(text: str, multiplier: str) -> Decimal:
    value = Decimal(text.translate(_HALF).replace(",", ""))
    return value * MULTIPLIERS[multiplier] if multiplier else value


def _plain(value: Decimal | None) -> str | None:
    """A Decimal as plain text without exponent: '118000', '99.90'."""
    if value is None:
        return None
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text and value == value.to_integral() \
        else text


# ---- parsing ----------------------------------------------------------------------------


@functools.lru_cache(maxsize=65536)
def parse(text: str) -> Target:
    """Parse one 年度指标值. Text the grammar cannot read comes back as Kind.UNPARSED."""
    if not text or not text.strip():
        return Target(Kind.UNPARSED, raw=text)
    half = text.translate(_HALF)
    pieces = _split_compound(text, half) if SPLIT_RE.search(half, 1) else None
    if pieces:
        parts, seps = pieces
        return Target(Kind.COMPOUND, parts=tuple(parts), separators=tuple(seps))
    return _parse_one(text, half)


def _split_compound(text: str, half: str) -> tuple[list[Target], list[str]] | None:
    """Several quantities in one target ("迁移数据≥1000万条 存储量≥5TB"): each part has
    its own number. A piece without a number ("≤" of "≤ 8%") stays with its neighbour."""
    cuts = [m for m in SPLIT_RE.finditer(half) if m.start() > 0 and m.end() < len(half)]
    if not cuts:
        return None
    bounds = [0, *(x for m in cuts for x in (m.start(), m.end())), len(text)]
    pieces = [text[bounds[k]:bounds[k + 1]] for k in range(0, len(bounds), 2)]
    seps = ["", *(text[m.start():m.end()] for m in cuts)]
    segments: list[str] = []
    separators: list[str] = []
    carry: tuple[str, str] | None = None  # words without a number wait for the next number
    for k, (sep, piece) in enumerate(zip(seps, pieces, strict=True)):
        if carry is not None:
            sep, piece, carry = carry[0], carry[1] + sep + piece, None
        if not _has_number(piece):
            if k == len(pieces) - 1 and segments:
                segments[-1] += sep + piece  # trailing words belong to the last part
            else:
                carry = (sep, piece)
            continue
        if segments:
            separators.append(sep)
        segments.append(piece)
    if len(segments) < 2:
        return None
    parts = [_parse_one(s, s.translate(_HALF)) for s in segments]
    if any(p.kind is not Kind.QUANTITATIVE for p in parts):
        return None
    return parts, separators


def _has_number(text: str) -> bool:
    return NUMBER_RE.search(text.translate(_HALF)) is not None


def _parse_one(text: str, half: str) -> Target:
    numbers = list(NUMBER_RE.finditer(half))
    if not numbers:
        return _parse_qualitative(text)
    candidates: list[Target] = []
    consumed = 0  # a number inside an earlier candidate's unit ("m2", "TB/月") is not one
    for m in numbers:
        if m.start() < consumed:
            continue
        candidates.append(_quantity(text, half, m))
        consumed = len(text) - len(candidates[-1].trailing)
    if len(candidates) == 1:
        return candidates[0]
    # "60分以上率…": a comparator after a number that more numbers follow belongs to the
    # subject (the share of scores of 60 or more), not to the target
    with_comparator = [t for t in candidates if t.comparator is not None
                       and not (t.suffix_text and _has_number(t.trailing))]
    return (with_comparator or candidates)[-1]


def _quantity(text: str, half: str, m: re.Match[str]) -> Target:
    start, pos = m.start(), m.end()
    number_text = text[start:pos]
    # before the number: a comparator word, perhaps with spaces after it
    stripped = half[:start].rstrip()
    comparator_at = start
    for word in _PREFIX_BY_LAST.get(stripped[-1:], ()):  # longest: 小于等于 before 小于
        if stripped.endswith(word):
            comparator_at = len(stripped) - len(word)
            break
    unit = match_unit(half, pos)
    # a range: "90%-95%", "3至5天" (the unit may follow either number, or both)
    lower_unit_text = range_text = upper_text = ""
    after = pos + (len(unit[0]) if unit else 0)
    if comparator_at == start and after < len(half) and half[after] in RANGE_SIGNS:
        upper = NUMBER_RE.match(half, after + 1)
        if upper:
            lower_unit_text, range_text = text[pos:after], text[after]
            upper_text, pos = text[upper.start():upper.end()], upper.end()
            unit = match_unit(half, pos)
    multiplier = ""
    if unit is None:
        multiplier = _longest_at(half, pos, _MULTIPLIER_BY_FIRST)
        if multiplier:
            pos += len(multiplier)
            unit = match_unit(half, pos)
    unit_text = text[pos:pos + len(unit[0])] if unit else ""
    if lower_unit_text and lower_unit_text != unit_text:
        return Target(Kind.UNPARSED, raw=text)  # "90%-95个": not one quantity
    pos += len(unit_text)
    suffix_text = _longest_at(half, pos, _SUFFIX_BY_FIRST)
    pos += len(suffix_text)
    return Target(
        Kind.QUANTITATIVE, subject=text[:comparator_at],
        comparator_text=text[comparator_at:start], number_text=number_text,
        lower_unit_text=lower_unit_text, range_text=range_text, upper_text=upper_text,
        multiplier=multiplier, unit_text=unit_text, suffix_text=suffix_text,
        trailing=text[pos:],
    )


def _longest_at(text: str, pos: int, by_first: dict[str, tuple[str, ...]]) -> str:
    """The longest of the words (grouped by first character) written at text[pos:], or ''."""
    for word in by_first.get(text[pos:pos + 1], ()):
        if text.startswith(word, pos):
            return word
    return ""


def _parse_qualitative(text: str) -> Target:
    core = text.strip()
    suffix = next((x for x in _TIER_SUFFIXES if core.endswith(x) and len(core) > len(x)), "")
    word = core[: len(core) - len(suffix)]
    if word in _TIER_STATES:  # a tier alone (`优`, `良好`, `优等`), spaces kept around it
        head = text[: text.find(word)]
        return Target(Kind.QUALITATIVE, subject=head, state_text=word,
                      trailing=text[len(head) + len(word):])
    for word, _state in _STATE_WORDS:
        at = text.find(word)
        if at < 0:
            continue
        head = text[:at]
        qualifier = next((q for q in _QUALIFIER_WORDS if head.endswith(q)), "")
        return Target(Kind.QUALITATIVE, subject=head[: len(head) - len(qualifier)],
                      qualifier=qualifier, state_text=word, trailing=text[at + len(word):])
    return Target(Kind.UNPARSED, raw=text)
