"""The review rules (绩效目标审核): one small function each, registered with its id,
severity and basis; its title, fix hint and message texts are in the message catalogue
(data/messages/zh.toml, rules.<id>). docs/rules.md is their catalogue."""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from jixiao.audit.context import AuditContext, Item
from jixiao.audit.registry import RuleSettings, item_rule, rule
from jixiao.checks import column_sums, row_gap, unit_rows
from jixiao.model import AMOUNT_COLUMNS, AMOUNT_LABELS, Amounts, Finding, Level
from jixiao.readers.items import LABEL_RE, STANDARD_LABEL
from jixiao.targets import Comparator, Direction, Kind, Target

HALF_CENT = Decimal("0.005")  # 万元 are rounded to 0.01: each figure may be off by this much
ZERO = Decimal(0)


def _money(value: Decimal) -> str:
    return f"{value:,}"


@functools.lru_cache(maxsize=256)
def _any_of(words: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for a list of words from a rule's settings (compiled once)."""
    return re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True))))


def _leaves(target: Target) -> tuple[Target, ...]:
    return target.parts if target.kind is Kind.COMPOUND else (target,)


def _rounding(settings: RuleSettings, diff: Decimal, terms: int) -> Level | None:
    """None when equal; INFO within the rounding of `terms` figures; else the rule's."""
    if diff == 0:
        return None
    return Level.INFO if abs(diff) <= HALF_CENT * terms else settings.severity


# ---- arithmetic ----------------------------------------------------------------------------


@rule("A1-row-sum", Level.ERROR, "算术")
def row_sum(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
    def check(label: str, a: Amounts) -> tuple[Level, str] | None:
        gap = row_gap(a)  # the same sum the reading is checked with (jixiao.checks)
        if gap is None or a.total is None:
            return None
        diff, parts = gap
        level = _rounding(s, diff, parts)
        if level is None:
            return None
        return level, s.rule.say("within" if level is Level.INFO else "message", label=label,
                                 total=_money(a.total), sum=_money(a.total - diff),
                                 diff=_money(diff))

    doc = ctx.doc
    if doc.grand_total and (found := check("合计", doc.grand_total)):
        yield ctx.document_finding(s, found[1]).at(found[0])
    for unit in doc.units:
        if unit.subtotal and (found := check(unit.name, unit.subtotal)):
            yield ctx.document_finding(s, found[1], unit.span).at(found[0])
    for p in ctx.projects:
        if found := check(p.name, p.amounts):
            yield ctx.project_finding(s, p, found[1], p.field_spans.get("amounts")).at(found[0])


@rule("A2-unit-subtotal", Level.ERROR, "算术")
def unit_subtotal(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
    for unit in ctx.doc.units:
        if unit.subtotal is None or not unit.projects:
            continue
        sums = column_sums(p.amounts for p in unit.projects)
        n = len(unit.projects)
        levels, gaps = [], []
        for c in AMOUNT_COLUMNS:
            stated = getattr(unit.subtotal, c) or ZERO
            level = _rounding(s, stated - sums[c], n)
            if level is None:
                continue
            levels.append(level)
            gaps.append(s.rule.say("gap", column=AMOUNT_LABELS[c], sum=_money(sums[c]),
                                   stated=_money(stated), diff=_money(stated - sums[c])))
        if levels:
            worst = Level.INFO if all(x is Level.INFO for x in levels) else s.severity
            within = (s.rule.say("within", n=n,
                                 bound=_money((HALF_CENT * n).quantize(Decimal("0.01"))))
                      if worst is Level.INFO else "")
            message = s.rule.say("message", unit=unit.name, n=n,
                                 gaps=s.rule.say("gap_separator").join(gaps))
            yield ctx.document_finding(s, message + within, unit.span).at(worst)


@rule("A3-grand-total", Level.WARNING, "算术")
def grand_total(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
    doc = ctx.doc
    if doc.grand_total is None or not doc.units:
        return
    rows = unit_rows(doc)
    sums = column_sums(rows)
    carried = column_sums(p.amounts for p in ctx.projects)
    n = len(rows)
    stated_total = doc.grand_total.total or ZERO
    diff = stated_total - sums["total"]
    level = _rounding(s, diff, n)
    if level is None:
        return
    if level is not Level.INFO and diff < 0:
        level = Level.ERROR  # the units hold more money than the whole table
    say = s.rule.say
    orphans = [say("orphan", amount=_money(getattr(doc.grand_total, c)),
                   column=AMOUNT_LABELS[c])
               for c in ("special_account", "other")
               if (getattr(doc.grand_total, c) or ZERO) > 0 and carried[c] == 0]
    units = say("only_unit") if n == 1 else say("units", n=n)
    message = say("exceeds" if diff > 0 else "less", stated=_money(stated_total), units=units,
                  sum=_money(sums["total"]), diff=_money(abs(diff)))
    if orphans:
        message += say("orphans", orphans=say("orphan_separator").join(orphans))
    if level is Level.INFO:
        message += say("within", n=n)
    elif diff > 0:
        message += say("partial")
    yield ctx.document_finding(s, message, doc.units[0].span).at(level)


# ---- structure ------------------------------------------------------------------------------


@rule("S1-missing-goal", Level.ERROR, "完整性")
def missing_goal(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
    for p in ctx.projects:
        if not p.goal.strip():
            yield ctx.project_finding(s, p, s.rule.say("message", name=p.name))


@rule("S2-no-indicators", Level.ERROR, "完整性")
def no_indicators(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
    for p in ctx.projects:
        if not p.indicators:
            yield ctx.project_finding(s, p, s.rule.say("message", name=p.name))


@rule("S3-numbering", Level.WARNING, "完整性")
def numbering(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
    for p in ctx.projects:
        seqs = [i.seq for i in p.indicators]
        if seqs and seqs != list(range(1, len(seqs) + 1)):
            yield ctx.project_finding(s, p, s.rule.say("message",
                                                      seqs="、".join(map(str, seqs))))


@rule("S4-duplicate-indicator", Level.WARNING, "完整性")
def duplicate_indicator(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
    for items in ctx.items.values():
        seen: dict[str, Item] = {}
        for item in items:
            name = item.indicator.name
            if name in seen:
                yield ctx.item_finding(s, item, s.rule.say(
                    "message", name=name, seq=seen[name].indicator.seq))
            else:
                seen[name] = item


@rule("S5-identical-rows", Level.INFO, "完整性")
def identical_rows(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
    first: dict[tuple[str, Decimal | None], int] = {}
    for p in ctx.projects:
        key = (p.name, p.amounts.total)
        if key in first:
            total = _money(p.amounts.total or ZERO)
            yield ctx.project_finding(s, p, s.rule.say("message", total=total,
                                                      first=first[key]))
        else:
            first[key] = p.seq


@item_rule("S6-misspelt-label", Level.INFO, "完整性")
def misspelt_label(item: Item, s: RuleSettings) -> Iterator[str]:
    raw = item.indicator.raw
    if STANDARD_LABEL in raw and "实" + STANDARD_LABEL not in raw:
        return  # the common case, without a regular expression
    m = LABEL_RE.search(raw)
    if m and m.group(2) != STANDARD_LABEL:
        yield s.rule.say("message", found=m.group(2), standard=STANDARD_LABEL)


@item_rule("S7-missing-category", Level.WARNING, "完整性")
def missing_category(item: Item, s: RuleSettings) -> Iterator[str]:
    if item.indicator.category is None:
        k = item.kind
        yield s.rule.say("message", name=item.indicator.name, first_level=k.first_level,
                         rule=k.first_level_rule)


# ---- target quality ------------------------------------------------------------------------


def _lacking(ctx: AuditContext, s: RuleSettings, level: str) -> Iterator[Finding]:
    """A finding for each project with indicators of which none is of `level`."""
    levels = ctx.first_levels()
    for seq, items in ctx.items.items():
        if items and level not in levels[seq]:
            yield ctx.project_finding(s, items[0].project,
                                      s.rule.say("message", level=level, n=len(items)))


@rule("Q1-no-output", Level.WARNING, "完整性")
def no_output(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
    return _lacking(ctx, s, "产出指标")


@rule("Q2-no-effect", Level.WARNING, "完整性")
def no_effect(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
    return _lacking(ctx, s, "效益指标")


@rule("Q3-few-indicators", Level.WARNING, "完整性", min_indicators=3)
def few_indicators(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
    least = int(s.params["min_indicators"])
    for p in ctx.projects:
        if 0 < len(p.indicators) < least:
            yield ctx.project_finding(s, p, s.rule.say("message", n=len(p.indicators),
                                                      least=least))


@item_rule("Q4-vague-target", Level.WARNING, "相关性")
def vague_target(item: Item, s: RuleSettings) -> Iterator[str]:
    if item.target.vague:
        yield s.rule.say("message", target=item.indicator.target)


@item_rule("Q5-direction-conflict", Level.ERROR, "相关性",
           higher_is_better=["合格率", "完成率", "满意度", "满意率", "正常运行率", "可用率",
                             "完好率", "在线率", "达标率", "准确率", "覆盖率", "及时率",
                             "破案率", "联网率", "使用率"])
def direction_conflict(item: Item, s: RuleSettings) -> Iterator[str]:
    name = item.indicator.name
    for t in _leaves(item.target):
        if not (t.comparator_text or t.suffix_text):
            continue  # no comparator written: nothing can point the wrong way
        comparator = t.comparator
        if comparator is None or comparator is Comparator.EQ or t.change:
            continue
        lower = item.kind.direction is Direction.LOWER and \
            item.kind.direction_rule.startswith("D")
        if lower and comparator in _FLOORS:
            yield s.rule.say("lower", name=name, rule=item.kind.direction_rule,
                             target=item.indicator.target)
        elif comparator in _CEILINGS and not lower and \
                _any_of(tuple(s.params["higher_is_better"])).search(name):
            yield s.rule.say("higher", name=name, target=item.indicator.target)


_FLOORS = (Comparator.GE, Comparator.GT)
_CEILINGS = (Comparator.LE, Comparator.LT)


SATISFACTION_WORDS = ("满意", "安全感", "获得感", "幸福感", "投诉", "认可", "评价")


@item_rule("Q6-category-mismatch", Level.WARNING, "相关性")
def category_mismatch(item: Item, s: RuleSettings) -> Iterator[str]:
    k, name = item.kind, item.indicator.name
    if not k.fits:
        yield s.rule.say("message", name=name, second_level=k.second_level,
                         rule=k.second_level_rule, first_level=k.first_level)
    elif k.first_level == "满意度指标" and not any(w in name for w in SATISFACTION_WORDS):
        yield s.rule.say("satisfaction", name=name)


@item_rule("Q7-rate-over-100", Level.ERROR, "可行性")
def rate_over_100(item: Item, s: RuleSettings) -> Iterator[str]:
    if "%" not in item.indicator.target and "％" not in item.indicator.target:
        return
    for t in _leaves(item.target):
        if len(t.number_text.split(".")[0].replace(",", "")) < 3:
            continue  # below 100 whatever its unit
        unit = t.unit
        if unit is not None and unit.canonical == "%" and t.value is not None \
                and t.value > 100 and not t.change \
                and t.comparator not in (Comparator.LE, Comparator.LT):
            yield s.rule.say("message", target=item.indicator.target)


@item_rule("Q8-missing-unit", Level.WARNING, "完整性",
           implies={"率": "%", "时间": "时间单位", "用时": "时间单位", "时长": "时间单位",
                    "面积": "面积单位"})
def missing_unit(item: Item, s: RuleSettings) -> Iterator[str]:
    implies = s.params["implies"]
    target = item.target
    if target.kind is Kind.QUALITATIVE or (target.kind is Kind.QUANTITATIVE
                                           and target.unit_text) \
            or not _any_of(tuple(implies)).search(item.indicator.name):
        return
    name = item.indicator.name.rstrip("%）)")
    expected = next((u for w, u in implies.items()
                     if name.endswith(w) or (w != "率" and w in name)), None)
    if expected is None:
        return
    for t in _leaves(item.target):
        if t.kind is Kind.QUANTITATIVE and not t.unit_text and t.value:
            yield s.rule.say("message", target=item.indicator.target,
                             name=item.indicator.name, expected=expected)


@item_rule("Q9-input-as-output", Level.WARNING, "相关性",
           inputs=["资金到位率", "预算执行率", "转移支付率", "资金支付率", "经费到位率",
                   "资金使用率", "支出进度", "人员到位率", "拨付率"])
def input_as_output(item: Item, s: RuleSettings) -> Iterator[str]:
    if m := _any_of(tuple(s.params["inputs"])).search(item.indicator.name):
        yield s.rule.say("message", name=item.indicator.name, word=m.group(0))


@item_rule("Q10-compound-target", Level.WARNING, "相关性")
def compound_target(item: Item, s: RuleSettings) -> Iterator[str]:
    if item.target.kind is Kind.COMPOUND:
        yield s.rule.say("message", target=item.indicator.target, n=len(item.target.parts))


@item_rule("Q11-joined-name", Level.INFO, "相关性",
           joiners="、|和|及(?!时)")  # a regular expression; 及时 is "timely", not "and"
def joined_name(item: Item, s: RuleSettings) -> Iterator[str]:
    name = item.indicator.name
    if m := re.compile(s.params["joiners"]).search(name):
        yield s.rule.say("message", name=name, joiner=m.group(0))


@rule("Q12-copied-goal", Level.INFO, "相关性")
def copied_goal(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
    groups: dict[str, list[int]] = defaultdict(list)
    names: dict[str, set[str]] = defaultdict(set)
    for p in ctx.projects:
        if p.goal:
            groups[p.goal].append(p.seq)
            names[p.goal].add(p.name)
    by_seq = {p.seq: p for p in ctx.projects}
    for goal, seqs in groups.items():
        if len(names[goal]) < 2:
            continue  # one project repeated (transfer payments): S5's business
        for seq in seqs[1:]:
            yield ctx.project_finding(s, by_seq[seq], s.rule.say(
                "message", seq=seqs[0], name=by_seq[seqs[0]].name))


@rule("Q13-copied-indicators", Level.INFO, "相关性")
def copied_indicators(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
    first: dict[tuple[tuple[str, str], ...], tuple[int, str]] = {}
    for p in ctx.projects:
        key = tuple([(i.name, i.target) for i in p.indicators])
        if not key:
            continue
        if key in first and first[key][1] != p.name:
            yield ctx.project_finding(s, p, s.rule.say("message", n=len(key), seq=first[key][0],
                                                      name=first[key][1]))
        first.setdefault(key, (p.seq, p.name))
