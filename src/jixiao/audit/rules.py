"""The review rules (绩效目标审核): one small function each, registered with its id,
severity, title, basis and fix hint. docs/rules.md is their catalogue."""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from jixiao.audit.context import AuditContext, Item
from jixiao.audit.registry import RuleSettings, rule
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


@rule("A1-row-sum", Level.ERROR, "总计 ≠ 财政拨款 + 财政专户拨款 + 其他资金", "算术",
      "correct the figures of the row so that 总计 is the sum of its funding columns")
def row_sum(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
    def check(label: str, a: Amounts) -> tuple[Level, str] | None:
        gap = row_gap(a)  # the same sum the reading is checked with (jixiao.checks)
        if gap is None or a.total is None:
            return None
        diff, parts = gap
        level = _rounding(s, diff, parts)
        if level is None:
            return None
        return level, (f"{label}: 总计 {_money(a.total)} but the funding columns add up to "
                       f"{_money(a.total - diff)} ({_money(diff)} apart"
                       + (", within rounding)" if level is Level.INFO else ")"))

    doc = ctx.doc
    if doc.grand_total and (found := check("合计", doc.grand_total)):
        yield ctx.document_finding(s, found[1]).at(found[0])
    for unit in doc.units:
        if unit.subtotal and (found := check(unit.name, unit.subtotal)):
            yield ctx.document_finding(s, found[1], unit.span).at(found[0])
    for p in ctx.projects:
        if found := check(p.name, p.amounts):
            yield ctx.project_finding(s, p, found[1], p.field_spans.get("amounts")).at(found[0])


@rule("A2-unit-subtotal", Level.ERROR, "unit subtotal ≠ sum of its projects", "算术",
      "correct the subtotal row or the project rows; a row may be missing")
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
            gaps.append(f"{AMOUNT_LABELS[c]} {_money(sums[c])} against {_money(stated)} "
                        f"({_money(stated - sums[c])} apart)")
        if levels:
            worst = Level.INFO if all(x is Level.INFO for x in levels) else s.severity
            within = (f" — within the rounding of {n} rows "
                      f"(±{_money((HALF_CENT * n).quantize(Decimal('0.01')))})"
                      if worst is Level.INFO else "")
            yield ctx.document_finding(
                s, f"{unit.name}: its {n} projects add up to " + "; ".join(gaps) + within,
                unit.span).at(worst)


@rule("A3-grand-total", Level.WARNING, "合计 ≠ sum of the units", "算术",
      "add the missing unit or rows, or correct 合计")
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
    orphans = [f"{_money(getattr(doc.grand_total, c))} of {AMOUNT_LABELS[c]}"
               for c in ("special_account", "other")
               if (getattr(doc.grand_total, c) or ZERO) > 0 and carried[c] == 0]
    units = "the only unit" if n == 1 else f"the {n} units"
    if diff > 0:
        message = f"合计 {_money(stated_total)} exceeds {units} ({_money(sums['total'])}) by " \
                  f"{_money(diff)}"
    else:
        message = f"合计 {_money(stated_total)} is {_money(-diff)} less than {units} " \
                  f"({_money(sums['total'])})"
    if orphans:
        message += f"; {' and '.join(orphans)} appear in no project row"
    if level is Level.INFO:
        message += f" — within the rounding of {n} rows"
    elif diff > 0:
        message += ": the table is partial or a unit is missing"
    yield ctx.document_finding(s, message, doc.units[0].span).at(level)


# ---- structure ------------------------------------------------------------------------------


@rule("S1-missing-goal", Level.ERROR, "project without a goal (绩效目标)", "完整性",
      "state what the project is to achieve (绩效目标)")
def missing_goal(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
    for p in ctx.projects:
        if not p.goal.strip():
            yield ctx.project_finding(s, p, f"'{p.name}' has no 绩效目标")


@rule("S2-no-indicators", Level.ERROR, "project without indicators", "完整性",
      "set indicators with annual values (产出, 效益, 满意度)")
def no_indicators(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
    for p in ctx.projects:
        if not p.indicators:
            yield ctx.project_finding(s, p, f"'{p.name}' has no 绩效指标")


@rule("S3-numbering", Level.WARNING, "indicators numbered with a gap or repeat", "完整性",
      "number the indicators 1, 2, 3 …; a gap may mean a lost indicator")
def numbering(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
    for p in ctx.projects:
        seqs = [i.seq for i in p.indicators]
        if seqs and seqs != list(range(1, len(seqs) + 1)):
            yield ctx.project_finding(s, p, f"indicators are numbered {seqs}")


@rule("S4-duplicate-indicator", Level.WARNING, "the same indicator twice in a project",
      "完整性", "merge the duplicates or make them measure different things")
def duplicate_indicator(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
    for items in ctx.items.values():
        seen: dict[str, Item] = {}
        for item in items:
            name = item.indicator.name
            if name in seen:
                yield ctx.item_finding(s, item, f"'{name}' is also indicator "
                                                f"{seen[name].indicator.seq}")
            else:
                seen[name] = item


@rule("S5-identical-rows", Level.INFO, "identical rows (same name and amount)", "完整性",
      "transfer payments to several districts look like this; otherwise remove the copy")
def identical_rows(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
    first: dict[tuple[str, Decimal | None], int] = {}
    for p in ctx.projects:
        key = (p.name, p.amounts.total)
        if key in first:
            total = _money(p.amounts.total or ZERO)
            yield ctx.project_finding(s, p, f"same name and 总计 ({total}) as project "
                                            f"{first[key]}")
        else:
            first[key] = p.seq


@rule("S6-misspelt-label", Level.INFO, "misspelt 年度指标值", "完整性",
      "write the label as 年度指标值")
def misspelt_label(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
    for item in ctx.all_items():
        raw = item.indicator.raw
        if STANDARD_LABEL in raw and "实" + STANDARD_LABEL not in raw:
            continue  # the common case, without a regular expression
        m = LABEL_RE.search(raw)
        if m and m.group(2) != STANDARD_LABEL:
            yield ctx.item_finding(s, item, f"'{m.group(2)}' instead of {STANDARD_LABEL}")


@rule("S7-missing-category", Level.WARNING, "indicator without its category", "完整性",
      "prefix the indicator with 产出指标/效益指标/满意度指标")
def missing_category(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
    for item in ctx.all_items():
        if item.indicator.category is None:
            k = item.kind
            yield ctx.item_finding(s, item, f"'{item.indicator.name}' has no category; it "
                                            f"reads as {k.first_level} ({k.first_level_rule})")


# ---- target quality ------------------------------------------------------------------------


def _lacking(ctx: AuditContext, s: RuleSettings, level: str) -> Iterator[Finding]:
    """A finding for each project with indicators of which none is of `level`."""
    for items in ctx.items.values():
        if items and not any(item.kind.first_level == level for item in items):
            yield ctx.project_finding(s, items[0].project, f"no {level} among its "
                                                           f"{len(items)} indicators")


@rule("Q1-no-output", Level.WARNING, "no 产出 indicator", "完整性",
      "add an output indicator: how much, how well, how soon, at what cost")
def no_output(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
    return _lacking(ctx, s, "产出指标")


@rule("Q2-no-effect", Level.WARNING, "no 效益 indicator", "完整性",
      "add an effect indicator: what changes for the public, the economy, the environment")
def no_effect(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
    return _lacking(ctx, s, "效益指标")


@rule("Q3-few-indicators", Level.WARNING, "fewer than three indicators", "完整性",
      "cover output, effect and satisfaction with at least three indicators",
      min_indicators=3)
def few_indicators(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
    least = int(s.params["min_indicators"])
    for p in ctx.projects:
        if 0 < len(p.indicators) < least:
            yield ctx.project_finding(s, p, f"{len(p.indicators)} indicator"
                                            f"{'s' if len(p.indicators) > 1 else ''}, "
                                            f"at least {least} expected")


@rule("Q4-vague-target", Level.WARNING, "vague target where a number is expected", "相关性",
      "give a number and a comparator (≥ 95%, ≤ 4 小时), or graded qualitative tiers")
def vague_target(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
    for item in ctx.all_items():
        if item.target.vague:
            yield ctx.item_finding(s, item, f"'{item.indicator.target}' says which way, not "
                                            "how far")


@rule("Q5-direction-conflict", Level.ERROR, "target points the wrong way", "相关性",
      "a lower-is-better indicator takes a ceiling (≤), a higher-is-better one a floor (≥)",
      higher_is_better=["合格率", "完成率", "满意度", "满意率", "正常运行率", "可用率",
                        "完好率", "在线率", "达标率", "准确率", "覆盖率", "及时率",
                        "破案率", "联网率", "使用率"])
def direction_conflict(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
    floors = (Comparator.GE, Comparator.GT)
    ceilings = (Comparator.LE, Comparator.LT)
    higher = _any_of(tuple(s.params["higher_is_better"]))
    for item in ctx.all_items():
        name = item.indicator.name
        for t in _leaves(item.target):
            if not (t.comparator_text or t.suffix_text):
                continue  # no comparator written: nothing can point the wrong way
            comparator = t.comparator
            if comparator is None or comparator is Comparator.EQ or t.change:
                continue
            lower = item.kind.direction is Direction.LOWER and \
                item.kind.direction_rule.startswith("D")
            if lower and comparator in floors:
                yield ctx.item_finding(s, item, f"'{name}' is lower-is-better "
                                                f"({item.kind.direction_rule}) but "
                                                f"'{item.indicator.target}' sets a floor")
            elif comparator in ceilings and not lower and higher.search(name):
                yield ctx.item_finding(s, item, f"'{name}' is higher-is-better but "
                                                f"'{item.indicator.target}' sets a ceiling")


SATISFACTION_WORDS = ("满意", "安全感", "获得感", "幸福感", "投诉", "认可", "评价")


@rule("Q6-category-mismatch", Level.WARNING, "category does not fit the indicator", "相关性",
      "file the indicator under the category it measures")
def category_mismatch(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
    for item in ctx.all_items():
        k, name = item.kind, item.indicator.name
        if not k.fits:
            yield ctx.item_finding(s, item, f"'{name}' measures {k.second_level} "
                                            f"({k.second_level_rule}), which is not "
                                            f"{k.first_level}")
        elif k.first_level == "满意度指标" and not any(w in name for w in SATISFACTION_WORDS):
            yield ctx.item_finding(s, item, f"'{name}' is filed under 满意度指标 but "
                                            "names no one's satisfaction")


@rule("Q7-rate-over-100", Level.ERROR, "a rate above 100 %", "可行性",
      "a share cannot exceed 100 %; check the figure or the unit")
def rate_over_100(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
    for item in ctx.all_items():
        if "%" not in item.indicator.target and "％" not in item.indicator.target:
            continue
        for t in _leaves(item.target):
            if len(t.number_text.split(".")[0].replace(",", "")) < 3:
                continue  # below 100 whatever its unit
            unit = t.unit
            if unit is not None and unit.canonical == "%" and t.value is not None \
                    and t.value > 100 and not t.change \
                    and t.comparator not in (Comparator.LE, Comparator.LT):
                yield ctx.item_finding(s, item, f"'{item.indicator.target}' is above 100 %")


@rule("Q8-missing-unit", Level.WARNING, "number without the unit its name implies", "完整性",
      "write the unit: % for a rate, 小时/分钟 for a time, 平方米 for an area",
      implies={"率": "%", "时间": "a time unit", "用时": "a time unit", "时长": "a time unit",
               "面积": "an area unit"})
def missing_unit(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
    implies = s.params["implies"]
    words = _any_of(tuple(implies))
    for item in ctx.all_items():
        target = item.target
        if target.kind is Kind.QUALITATIVE or (target.kind is Kind.QUANTITATIVE
                                               and target.unit_text) \
                or not words.search(item.indicator.name):
            continue
        name = item.indicator.name.rstrip("%）)")
        expected = next((u for w, u in implies.items()
                         if name.endswith(w) or (w != "率" and w in name)), None)
        if expected is None:
            continue
        for t in _leaves(item.target):
            if t.kind is Kind.QUANTITATIVE and not t.unit_text and t.value:
                yield ctx.item_finding(s, item, f"'{item.indicator.target}' for "
                                                f"'{item.indicator.name}': {expected} expected")


@rule("Q9-input-as-output", Level.WARNING, "an input used as a performance target", "相关性",
      "measure what the money buys or achieves, not that it was spent or staffed",
      inputs=["资金到位率", "预算执行率", "转移支付率", "资金支付率", "经费到位率", "资金使用率",
              "支出进度", "人员到位率", "拨付率"])
def input_as_output(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
    inputs = _any_of(tuple(s.params["inputs"]))
    for item in ctx.all_items():
        if m := inputs.search(item.indicator.name):
            yield ctx.item_finding(s, item, f"'{item.indicator.name}' measures an input "
                                            f"({m.group(0)})")


@rule("Q10-compound-target", Level.WARNING, "one indicator with several targets", "相关性",
      "split it: one indicator, one measure, one value")
def compound_target(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
    for item in ctx.all_items():
        if item.target.kind is Kind.COMPOUND:
            yield ctx.item_finding(s, item, f"'{item.indicator.target}' holds "
                                            f"{len(item.target.parts)} measures")


@rule("Q11-joined-name", Level.INFO, "one indicator named for several things", "相关性",
      "split it, or name the one thing it measures",
      joiners="、|和|及(?!时)")  # a regular expression; 及时 is "timely", not "and"
def joined_name(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
    joiners = re.compile(s.params["joiners"])
    for item in ctx.all_items():
        name = item.indicator.name
        if m := joiners.search(name):
            yield ctx.item_finding(s, item, f"'{name}' joins several things with "
                                            f"'{m.group(0)}'")


@rule("Q12-copied-goal", Level.INFO, "the same goal in differently named projects", "相关性",
      "state what this project, not another, is to achieve")
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
            yield ctx.project_finding(s, by_seq[seq], f"the same goal as project {seqs[0]} "
                                                      f"'{by_seq[seqs[0]].name}'")


@rule("Q13-copied-indicators", Level.INFO,
      "the same indicator set in differently named projects", "相关性",
      "set indicators that fit this project")
def copied_indicators(ctx: AuditContext, s: RuleSettings) -> Iterator[Finding]:
    first: dict[tuple[tuple[str, str], ...], tuple[int, str]] = {}
    for p in ctx.projects:
        key = tuple((i.name, i.target) for i in p.indicators)
        if not key:
            continue
        if key in first and first[key][1] != p.name:
            yield ctx.project_finding(s, p, f"the same {len(key)} indicators and targets as "
                                            f"project {first[key][0]} '{first[key][1]}'")
        first.setdefault(key, (p.seq, p.name))
