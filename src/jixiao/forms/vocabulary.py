"""The labels of the published forms (data/forms.toml) and how a cell's text is matched
against them: without white space, traditional characters as simplified, a trailing
colon, a parenthesised unit and a points suffix removed. The text itself is never changed:
matching works on a normalised copy."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from importlib import resources
from typing import NamedTuple, TypeVar

from jixiao.model import Funding

_POINTS = re.compile(r"[（(]\s*(\d+(?:\.\d+)?(?:\s*[-－~]\s*\d+(?:\.\d+)?)?)\s*分?\s*[)）]\s*分?$"
                     r"|[（(]?(\d+(?:\.\d+)?)分[)）]?$")
_UNIT = re.compile(r"[（(]\s*(万元|元|万|%|百分比|盖章|签章)\s*[)）]")
_YEARS = re.compile(r"[（(]\s*\d{4}\s*年?\s*[-—~至－]+\s*\d{4}\s*年?\s*[)）]")
_CIRCLED = re.compile(r"[①-⑳]")
# an alternative wording in brackets (数量指标(或建筑规模指标), 指标值(或计划水平)): the
# label is the words outside
_OR = re.compile(r"[（(]或[^)）]*[)）]")
_FORMULA = re.compile(r"=[^=]*$")  # 小计③=①+②: the heading, not its formula
# `其中：` before a part; a list number before a budget line (`2.单位其它收入`), not a decimal
_LEAD = re.compile(r"^(?:(?:其中|包括)[:：]?|\d{1,2}[.、．](?!\d))")
_SPACE = re.compile(r"\s+")
# a form's title (…绩效目标表, …绩效自评表): where a form begins
# a pinyin syllable in brackets after a character: a document-sharing site's insertion
# (項(xiàng)目). A tone mark is required, so no bracketed Latin text of a table is taken for one.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
PINYIN = re.compile(rf"(?<=[\u3400-\u9fff])\([a-zü]*[{_TONED}][a-zü{_TONED}]*\)")
FORM_TITLE = re.compile(r"绩效.{0,8}(目标|自评|评价).{0,6}表")
_CACHED = 16384  # texts whose label() is kept per vocabulary (emptied when it holds this many)
_UNSEEN = object()


@cache
def _converter():  # OpenCC loads its dictionaries once
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def simplified(text: str) -> str:
    """Traditional characters as simplified (for matching only)."""
    if text.isascii():
        return text
    return _converter().convert(text)


def split_points(label: str) -> tuple[str, str | None]:
    """`产出指标(50分)` → (`产出指标`, `50`); `成本指标(0-20)分` → (`成本指标`, `0-20`)."""
    m = _POINTS.search(label)
    if not m or m.start() == 0:
        return label, None
    points = (m.group(1) or m.group(2)).replace(" ", "")
    return label[: m.start()].rstrip(), points


@lru_cache(maxsize=65536)
def normal(text: str) -> str:
    """The form of a label that is compared with the vocabulary."""
    s = simplified(_SPACE.sub("", text))
    s = s.lstrip("*＊★☆")  # a template's mark of a required cell (*指标值)
    s = s.rstrip(":：")
    s = _UNIT.sub("", s)
    s = _YEARS.sub("", s)
    s = _OR.sub("", s) if "或" in s else s
    s = _FORMULA.sub("", _CIRCLED.sub("", s)) if "=" in s or "①" <= s[-1:] <= "⑳" else s
    s, _ = split_points(s)
    s = _LEAD.sub("", s).rstrip(":：")
    return s.replace("(", "（").replace(")", "）")


class Match(NamedTuple):
    kind: str  # field, money, category, level2, column, group
    key: str  # the field, money key, family or column role
    label: str  # the label as written (before any value after a colon)
    value: str | None  # what followed the label in the same cell ("年度资金总额:16")


Level = tuple[str, str, str | None, bool]  # kind, family, points, ambiguous
T = TypeVar("T")


def _memo(table: dict[str, T], text: str, find: Callable[[str], T]) -> T:
    """find(text), kept in table (emptied when it holds _CACHED answers)."""
    found = table.get(text, _UNSEEN)
    if found is _UNSEEN:
        if len(table) >= _CACHED:
            table.clear()
        found = table[text] = find(text)
    return found  # type: ignore[return-value]


@dataclass(frozen=True)
class Vocabulary:
    fields: dict[str, str]  # normal label → field
    money: dict[str, str]  # normal label → total / fiscal / special_account / other
    categories: dict[str, str]  # normal label → family
    level2: dict[str, str]  # normal label → family
    columns: dict[str, str]  # normal label → role
    groups: frozenset[str]
    kinds: tuple[tuple[str, tuple[str, ...]], ...]
    annual: frozenset[str]
    multi_year: frozenset[str]
    stops: frozenset[str]
    chrome: tuple[str, ...]  # text of a page's own furniture: the table has ended
    budget: dict[str, str]  # normal heading of a 自评表's budget block → its column
    # labels of fields the reader knows and leaves unread (项目负责人, 联系电话 …)
    ignored: frozenset[str] = frozenset()
    # how an unknown field label ends (…名称, …部门): named in a warning, not dropped
    field_suffixes: tuple[str, ...] = ()
    # label()'s, level()'s and header_role()'s answers by text: a reading asks of the same
    # cells again and again, and forms of one template share their labels
    _labels: dict[str, Match | None] = field(default_factory=dict, init=False, repr=False,
                                            compare=False)
    _levels: dict[str, Level | None] = field(default_factory=dict, init=False, repr=False,
                                            compare=False)
    _roles: dict[str, str | None] = field(default_factory=dict, init=False, repr=False,
                                         compare=False)

    @cached_property
    def long_stops(self) -> tuple[str, ...]:
        """The stop labels that end a table when a cell only starts with them."""
        return tuple(s for s in self.stops if len(s) >= 3)

    @cached_property
    def chrome_pattern(self) -> re.Pattern[str] | None:
        """Any of the page's furniture, anywhere in a text (None: the vocabulary has none)."""
        return re.compile("|".join(map(re.escape, self.chrome))) if self.chrome else None

    def label(self, text: str) -> Match | None:
        """What a cell's label is, if it is one (with any value written after a colon)."""
        return _memo(self._labels, text, self._label)

    def level(self, text: str) -> Level | None:
        """(kind, family, points, ambiguous) of a category or second-level label; kind
        `both` when the label may be either level."""
        return _memo(self._levels, text, self._level)

    def _level(self, text: str) -> Level | None:
        written, points = split_points(text.strip())
        key = normal(written)
        if key.endswith("等") and key not in self.level2 and \
                (key[:-1] in self.level2 or key[:-1] in self.categories):
            key = key[:-1]  # the template's "and the like" (云南: 服务对象满意度指标等)
        in_cat = key in self.categories
        in_l2 = key in self.level2
        if in_cat and in_l2:
            return "both", self.categories[key], points, True
        if in_cat:
            return "category", self.categories[key], points, False
        if in_l2:
            return "level2", self.level2[key], points, False
        return None

    def _label(self, text: str) -> Match | None:
        whole = normal(text)
        if not whole or len(whole) > 40:
            return None
        found = self._lookup(whole)
        if found:
            return Match(found[0], found[1], text.strip(), None)
        for sep in (":", "："):
            if sep in text:
                head, _, tail = text.partition(sep)
                found = self._lookup(normal(head))
                if found and found[0] in ("field", "money"):
                    return Match(found[0], found[1], head.strip(), tail.strip())
        return None

    def _lookup(self, key: str) -> tuple[str, str] | None:
        for kind, table in (("money", self.money), ("field", self.fields),
                            ("category", self.categories), ("level2", self.level2),
                            ("column", self.columns)):
            if key in table:
                return kind, table[key]
        if key in self.groups:
            return "group", key
        return None

    def header_role(self, text: str) -> str | None:
        """The role of an indicator-table header cell (columns first: 一级 is a column
        heading there, not a category)."""
        return _memo(self._roles, text, self._header_role)

    def _header_role(self, text: str) -> str | None:
        key = normal(text)
        if key in self.columns:
            return self.columns[key]
        if key in self.groups:
            return "group"
        for role, words in (("value", ("指标值", "目标值", "预期", "实现值")),
                            ("actual", ("实际", "完成值")), ("score", ("得分",)),
                            ("reason", ("原因",)), ("weight", ("分值", "权重"))):
            if any(w in key for w in words) and len(key) <= 14:
                return role
        return None

    def periods(self, funding: Sequence[Funding]) -> tuple[list[dict[str, Funding]], int] | None:
        """A form that prints its money for two periods side by side (实施期资金总额 |
        年度资金总额, each with its 其中：财政拨款 …): the lines of each period by money key,
        in the order the totals are written, and the period the project's money is taken
        from (the annual one, else the first). None when the lines do not pair up: one
        total, or a source printed a number of times other than the totals'."""
        keyed = [(m.key, f) for f in funding
                 if (m := self.label(f.label)) is not None and m.kind == "money"]
        totals = [f for k, f in keyed if k == "total"]
        if len(totals) < 2:
            return None
        by_key: dict[str, list[Funding]] = {}
        for k, f in keyed:
            by_key.setdefault(k, []).append(f)
        if any(len(lines) != len(totals) for lines in by_key.values()):
            return None
        periods = [{k: lines[j] for k, lines in by_key.items()} for j in range(len(totals))]
        annual = [j for j, f in enumerate(totals) if normal(f.label) in self.annual]
        return periods, annual[0] if annual else 0

    def kind_of(self, title: str, only: str | None = None) -> str | None:
        """The kind a title names (the first that matches), or whether it names `only`."""
        key = normal(title)
        for kind, words in self.kinds:
            if (only is None or kind == only) and any(w in key for w in words):
                return kind
        return None


@cache
def vocabulary() -> Vocabulary:
    text = resources.files("jixiao").joinpath("data/forms.toml").read_text("utf-8")
    data = tomllib.loads(text)

    def index(section: dict[str, list[str]]) -> dict[str, str]:
        return {normal(label): key for key, labels in section.items() for label in labels}

    money = {k: v for k, v in data["money"].items() if k not in ("annual", "multi_year")}
    return Vocabulary(
        fields=index(data["fields"]),
        money=index(money),
        categories=index(data["categories"]),
        level2={normal(k): v for k, v in data["level2"].items()},
        columns=index({k: v for k, v in data["columns"].items() if k != "group"}),
        groups=frozenset(normal(x) for x in data["columns"]["group"]),
        kinds=tuple((k, tuple(normal(w) for w in v)) for k, v in data["kinds"].items()),
        annual=frozenset(normal(x) for x in data["money"]["annual"]),
        multi_year=frozenset(normal(x) for x in data["money"]["multi_year"]),
        stops=frozenset(normal(x) for x in data["stops"]["labels"]),
        chrome=tuple(data["stops"]["chrome"]),
        budget=index(data["budget"]),
        ignored=frozenset(normal(x) for x in data["labels"]["ignored"]),
        field_suffixes=tuple(data["labels"]["field_suffixes"]),
    )


def family(label: str, second_level: bool = False) -> str | None:
    """The canonical 一级 (产出指标 / 效益指标 / 满意度指标 / 成本指标) a written first-level
    label (or, with `second_level`, a second-level label) belongs to; None when unknown."""
    from jixiao.forms.vocabulary import vocabulary as _vocabulary

    vocab = _vocabulary()
    written, _ = split_points(label.strip())
    key = normal(written)
    table = vocab.level2 if second_level else vocab.categories
    return table.get(key) or (None if second_level else vocab.level2.get(key))
