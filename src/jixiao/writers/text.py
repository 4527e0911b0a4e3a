"""Render a Document in the style of PDF-to-text output of a published table.

The layout is a parameter (wrap widths, blank lines, page breaks, where names, amounts
and goals go, colon forms, an out-of-order row), so tests can show that the text reader
depends on none of these choices, and benchmarks can make realistic inputs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from jixiao import formatting
from jixiao.model import AMOUNT_COLUMNS, Amounts, Document, Indicator, Project

COLUMN_HEADER = "项目名称（资金使用单位） 总计 财政拨款 财政专户拨款 其他资金 绩效目标 绩效指标"
_ITEM_START = re.compile(r"^\d{1,3}、")
_LABEL_COLON = re.compile(r"(年度指标值|度指标值)[:：]")
_ITEM_END = ";；：。"
GOAL_OPENER = "通过实施"


@dataclass(frozen=True)
class TextLayout:
    name_width: int = 18  # characters per line of a wrapped project name
    goal_width: int = 26
    item_width: int | None = None  # None: an indicator item stays on one line
    name_on_amount_line: bool = True  # when the name fits in name_width
    goal_on_amount_line: bool = False
    blank_after_name: bool = True  # between a wrapped name and its amount line
    blank_after_amounts: bool = False
    blank_after_goal: bool = True
    blank_after_project: bool = True
    lines_per_page: int | None = 270  # a page-break header after this many lines
    thousands: bool = True  # 11,294.10 rather than 11294.10
    trailing_space: bool = True  # pdftotext leaves one after the last amount
    label_colon: str | None = None  # ":" or "：" after 年度指标值; None keeps the source's
    out_of_order: frozenset[int] = field(default_factory=frozenset)  # project seqs


def _amount_text(amounts: Amounts | None, layout: TextLayout) -> str:
    if amounts is None:
        return ""
    figures = [getattr(amounts, c) for c in AMOUNT_COLUMNS]
    return " ".join(formatting.figure(x, layout.thousands) for x in figures if x is not None)


def _can_break(text: str, cut: int) -> bool:
    return (text[cut - 1] != " " and text[cut] != " " and not _ITEM_START.match(text, cut)
            and not text.startswith(GOAL_OPENER, cut))


def wrap(text: str, width: int) -> list[str]:
    """Cut text into lines of at most `width` characters where a PDF's cell would wrap.

    A break never falls next to a space (pdftotext drops such a space, so no reader could
    restore it), and no continuation line may look like the start of an indicator item or
    of a goal.
    """
    lines: list[str] = []
    start = 0
    while len(text) - start > width:
        cut = next((c for c in range(start + width, start, -1) if _can_break(text, c)), None)
        if cut is None:  # no place within the width: take the first one after it
            cut = next((c for c in range(start + width + 1, len(text)) if _can_break(text, c)),
                       len(text))
        lines.append(text[start:cut])
        start = cut
    if start < len(text):
        lines.append(text[start:])
    return lines


class _Page:
    """Collects output lines and inserts the page-break header as pdftotext shows it."""

    def __init__(self, layout: TextLayout) -> None:
        self.layout = layout
        self.lines: list[str] = []
        self.on_page = 0

    def add(self, line: str) -> None:
        per_page = self.layout.lines_per_page
        if per_page and self.on_page >= per_page and line:
            self.lines += ["", "", "", COLUMN_HEADER, ""]
            self.on_page = 0
        self.lines.append(line)
        self.on_page += 1

    def add_together(self, lines: list[str]) -> None:
        """Lines that must not be split by a page break."""
        per_page = self.layout.lines_per_page
        if per_page and lines and self.on_page + len(lines) > per_page:
            self.on_page = per_page
        for line in lines:
            self.add(line)

    def blank(self, wanted: bool = True) -> None:
        if wanted and self.lines and self.lines[-1] != "":
            self.add("")


def _item_text(indicator: Indicator, layout: TextLayout) -> str:
    raw = indicator.raw
    if layout.label_colon:
        raw = _LABEL_COLON.sub(lambda m: m.group(1) + layout.label_colon, raw, count=1)
    return f"{indicator.seq}、{raw}"


def _row(page: _Page, name: str, amounts: Amounts | None, goal: str | None,
         layout: TextLayout) -> None:
    """The name and amount lines of a row, with the goal's first line when it goes there."""
    figures = _amount_text(amounts, layout)
    end = " " if layout.trailing_space else ""
    goal_lines = wrap(goal, layout.goal_width) if goal else []
    first_goal = ""
    if goal_lines and layout.goal_on_amount_line:
        first_goal = " " + goal_lines.pop(0)
        end = ""
    if layout.name_on_amount_line and len(name) <= layout.name_width:
        page.add(f"{name} {figures}{first_goal or end}")
    else:
        for line in wrap(name, layout.name_width):
            page.add(line)
        page.blank(layout.blank_after_name)
        page.add(f"{figures}{first_goal or end}")
    page.blank(layout.blank_after_amounts)
    for line in goal_lines:
        page.add(line)


def _project(page: _Page, project: Project, layout: TextLayout) -> None:
    items = [_item_text(i, layout) for i in project.indicators]
    if project.seq in layout.out_of_order:
        _out_of_order(page, project, items, layout)
        return
    _row(page, project.name, project.amounts, project.goal, layout)
    page.blank(layout.blank_after_goal)
    for item in items[:-1]:
        for line in _item_lines(item, layout):
            page.add(line)
    if items and items[-1][-1] not in _ITEM_END:
        # Without its terminator only the blank line between rows tells where the last
        # item ends and the next name begins; a page break in between would hide it.
        page.add_together(_item_lines(items[-1], layout))
        page.blank()
    elif items:
        for line in _item_lines(items[-1], layout):
            page.add(line)


def _item_lines(item: str, layout: TextLayout) -> list[str]:
    return wrap(item, layout.item_width) if layout.item_width else [item]


def _out_of_order(page: _Page, project: Project, items: list[str], layout: TextLayout) -> None:
    """The 594.00 row of the sample: indicators first, then the goal, and the last item's
    final character (when it has no terminator) pushed behind the goal."""
    _row(page, project.name, project.amounts, None, layout)
    page.blank(layout.blank_after_amounts)
    stray = ""
    if items and items[-1][-1] not in _ITEM_END and len(items[-1]) > 1:
        items[-1], stray = items[-1][:-1], items[-1][-1]
    for item in items:
        for line in _item_lines(item, layout):
            page.add(line)
    page.blank()
    goal_lines = wrap(project.goal, layout.goal_width)
    if stray:
        goal_lines[-1] += " " + stray
    for line in goal_lines:
        page.add(line)


def render_text(doc: Document, layout: TextLayout | None = None) -> str:
    """The document as PDF-to-text output would show it."""
    layout = layout or TextLayout()
    page = _Page(layout)
    page.add("")
    if doc.title:
        page.add(doc.title)
        page.add("")
    if doc.department:
        page.add(f"部门名称：{doc.department}")
        page.add("")
    page.add(COLUMN_HEADER)
    page.add("")
    if doc.grand_total is not None:
        _row(page, "合计", doc.grand_total, None, layout)
        page.blank()
    for unit in doc.units:
        if unit.subtotal is not None:
            _row(page, unit.name, unit.subtotal, None, layout)
            page.blank()
        for project in unit.projects:
            _project(page, project, layout)
            page.blank(layout.blank_after_project)
    return "\n".join(page.lines) + "\n"
