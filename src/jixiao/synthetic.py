"""Generated documents for tests and benchmarks: real goals and indicators from a pool
document (the bundled sample), with new names, amounts, units and funding mixes."""

from __future__ import annotations

import random
import re
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

from jixiao.model import Amounts, Document, Project, SourceInfo, SourceSpan, Unit

if TYPE_CHECKING:
    from jixiao.evaluation.actuals import Actuals

DEPARTMENTS = ("广州市公安局", "广州市教育局", "广州市卫生健康委员会", "广州市交通运输局",
               "广州市民政局", "广州市司法局", "广州市生态环境局", "广州市城市管理和综合执法局")
UNIT_SUFFIXES = ("", "机关", "信息中心", "直属分局", "培训中心", "后勤服务中心", "技术保障中心")
YEARS = ("2021", "2022", "2023", "2024")
CENT = Decimal("0.01")
YEAR_IN = re.compile(r"(?<!\d)20\d{2}年")


def _amount(rng: random.Random, low: int = 1, high: int = 2_000_000) -> Decimal:
    """A figure in 万元 with two decimals, drawn on a log scale like real budgets."""
    cents = int(10 ** rng.uniform(0, 1) * rng.randint(low, high))
    return (Decimal(cents) * CENT).quantize(CENT)


def _split(rng: random.Random, total: Decimal, mix: str) -> Amounts:
    if mix == "fiscal":
        return Amounts(total, total)
    special = (total * Decimal(rng.randint(1, 60)) / 100).quantize(CENT)
    if mix == "special":
        return Amounts(total, total - special, special)
    other = (total * Decimal(rng.randint(1, 30)) / 100).quantize(CENT)
    return Amounts(total, total - special - other, special, other)


def _sum(rows: list[Amounts]) -> Amounts:
    def col(name: str) -> Decimal | None:
        values = [getattr(a, name) for a in rows if getattr(a, name) is not None]
        return sum(values, Decimal("0.00")) if values else None
    return Amounts(col("total"), col("fiscal"), col("special_account"), col("other"))


def generate_document(pool: Document, seed: int, projects: int | None = None,
                      units: int | None = None, mixes: tuple[str, ...] = ("fiscal",),
                      max_indicators: int = 6) -> Document:
    """A new document whose projects borrow goals and indicators from `pool`.

    `mixes` chooses the funding of each project: "fiscal" (财政拨款 only), "special"
    (财政拨款 + 财政专户拨款) or "all" (all three columns).
    """
    rng = random.Random(seed)
    source = pool.projects
    department = rng.choice(DEPARTMENTS)
    n_projects = projects if projects is not None else rng.randint(100, 180)
    n_units = units if units is not None else rng.choice((1, 1, 1, 2, 3))
    counts = [n_projects // n_units + (k < n_projects % n_units) for k in range(n_units)]
    doc = Document(
        title="项目支出绩效目标表（含转移支付项目）",
        department=department,
        source=SourceInfo(file=f"generated-{seed}.txt", format="generated"),
    )
    seq = 0
    suffixes = rng.sample(UNIT_SUFFIXES, k=min(n_units, len(UNIT_SUFFIXES)))
    for k, count in enumerate(counts):
        unit = Unit(department + (suffixes[k] if k < len(suffixes) else str(k)), None)
        for _ in range(count):
            seq += 1
            model = rng.choice(source)
            name = model.name
            if rng.random() < 0.5:
                name = f"{unit.name}{rng.choice(YEARS)}年{name}"
            # mostly the model's own indicators (3.8 a project in the sample), sometimes
            # a random count from 1 to max_indicators drawn from anywhere in the pool
            indicators = list(model.indicators)
            if rng.random() < 0.15:
                indicators = [rng.choice(rng.choice(source).indicators)
                              for _ in range(rng.randint(1, max_indicators))]
            indicators = indicators[:max_indicators]
            unit.projects.append(Project(
                seq=seq, name=name, amounts=_split(rng, _amount(rng), rng.choice(mixes)),
                goal=model.goal,
                indicators=[replace(i, seq=n, span=SourceSpan())
                            for n, i in enumerate(indicators, start=1)],
            ))
        unit.subtotal = _sum([p.amounts for p in unit.projects])
        doc.units.append(unit)
    doc.grand_total = _sum([u.subtotal for u in doc.units if u.subtotal is not None])
    return doc


REASONS = ("受年度工作安排调整影响，部分工作顺延至下年度；已调整进度计划。",
           "设备到货延迟，影响系统上线时间；已督促供应商加快交付。",
           "实际需求低于年初预计，按实际需求执行。")


def generate_actuals(doc: Document, seed: int, year: int = 2023) -> Actuals:
    """A year of plausible results: most targets met, some short, a few exceeded; money
    mostly spent. Deterministic for a seed."""
    from jixiao.evaluation.actuals import Actual, Actuals, Execution
    from jixiao.evaluation.assessment import assess
    from jixiao.evaluation.direction import turned
    from jixiao.targets import Direction, Kind, Status, parse
    from jixiao.taxonomy import classify

    rng = random.Random(seed)
    actuals = Actuals(year)
    for p in doc.projects:
        total = p.amounts.total or Decimal(0)
        executed = (total * Decimal(rng.randint(78, 100)) / 100).quantize(CENT)
        actuals.executions[p.seq] = Execution(
            p.seq, total, executed, rng.choice(REASONS) if executed < total * 9 / 10 else "")
        for k, indicator in enumerate(p.indicators):
            target = parse(indicator.target)
            if (turn := turned(indicator, target)) is not None:
                target = turn.target  # results as scored: the way the indicator points
            leaves = target.parts if target.kind is Kind.COMPOUND else (target,)
            direction = classify(indicator, target).direction
            if target.kind is Kind.QUANTITATIVE or target.kind is Kind.COMPOUND:
                lower = direction is Direction.LOWER
                texts = []
                for t in leaves:  # the number as written, before 万/亿
                    value = Decimal(t.number_text.replace(",", "")) if t.number_text else \
                        Decimal(0)
                    factor = Decimal(rng.choice((100, 100, 100, 95, 90, 105, 80))) / 100
                    if lower:
                        factor = 2 - factor
                    # a result is never below zero (the value check refuses one)
                    got = max((value * factor).quantize(Decimal("0.1")), Decimal(0))
                    if t.unit_text in ("%", "％"):  # no rate passes 100 %, either way
                        got = min(got, Decimal(100))
                    said = t.comparator_text if t.comparator_text in ("为", "=") else ""
                    texts.append(f"{t.subject}{said}{got.normalize():f}{t.multiplier}"
                                 f"{t.unit_text}")
                text = " ".join(texts)
            else:
                text = rng.choice(("达成", "达成", "达成", "部分达成", "未达成"))
            try:
                met = assess(target, text, direction).status is Status.MET
            except ValueError:
                met = False
            actuals.values[(p.seq, k)] = Actual(p.seq, k, text,
                                                "" if met else rng.choice(REASONS))
    return actuals


def next_year(doc: Document, seed: int, year: int, changed: float = 0.25) -> Document:
    """The same department's table a year on: the same projects under the new year's
    names, about `changed` of the numeric targets moved up or down, the rest copied."""
    from jixiao.targets import Kind, parse

    rng = random.Random(seed)
    new = Document(title=f"{year}年{YEAR_IN.sub('', doc.title or '')}",
                   department=doc.department, amount_unit=doc.amount_unit,
                   source=SourceInfo(file=f"generated-{seed}-{year}.txt", format="generated"))
    for unit in doc.units:
        moved = Unit(unit.name, None)
        for p in unit.projects:
            indicators = []
            for i in p.indicators:
                target = parse(i.target)
                if (target.kind is Kind.QUANTITATIVE and target.value is not None
                        and not target.upper_text and rng.random() < changed):
                    step = max(abs(target.value) / 20, Decimal(1)).quantize(Decimal(1))
                    number = target.value + step if rng.random() < 0.6 else target.value - step
                    if target.unit and target.unit.canonical == "%":
                        number = min(number, Decimal(100))
                    text = target._replace(number_text=format(max(number, Decimal(0)), "f"),
                                           multiplier="").text
                    i = replace(i, target=text, raw=i.raw.replace(i.target, text))
                indicators.append(replace(i, span=SourceSpan()))
            moved.projects.append(replace(
                p, name=YEAR_IN.sub(f"{year}年", p.name, count=1), indicators=indicators,
                amounts=_split(rng, ((p.amounts.total or _amount(rng))
                                     * Decimal(rng.randint(80, 125)) / 100).quantize(CENT),
                               rng.choice(("fiscal", "special"))),
                span=SourceSpan(), field_spans={}))
        moved.subtotal = _sum([p.amounts for p in moved.projects])
        new.units.append(moved)
    new.grand_total = _sum([u.subtotal for u in new.units if u.subtotal is not None])
    return new
