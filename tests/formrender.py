"""Render a gold reading as the containers an office publishes: HTML with rowspan, .xlsx
and .xls with merged cells, .docx with gridSpan / vMerge — with random choices of merged
or repeated labels, split or joined targets and label synonyms. Written by real libraries
(lxml-free HTML text, openpyxl, xlwt, python-docx)."""

from __future__ import annotations

import html
import io
import random
import re
from dataclasses import dataclass
from typing import Any

SPLIT = re.compile(r"^(≥|≤|=|＞|＜|>|<)(\d+(?:\.\d+)?)(%|[^\d\s].*)?$")
SYNONYMS = {
    "name": ["项目名称", "项目(政策)名称", "项目支出名称"],
    "department": ["主管部门", "项目主管部门", "部门名称"],
    "unit": ["实施单位", "项目执行单位", "预算单位"],
    "total": ["资金总额", "年度资金总额", "项目资金总额"],
    "goal": ["年度目标", "本年度绩效目标", "年度绩效目标"],
    "goal_long": ["长期目标", "中期目标", "实施期目标"],
    "category": ["一级指标", "一级"],
    "level2": ["二级指标", "二级"],
    "iname": ["三级指标", "指标内容", "三级"],
    "value": ["指标值", "年度指标值", "目标值"],
}


@dataclass
class Choices:
    merge_labels: bool
    split_targets: bool
    synonyms: dict[str, str]

    @classmethod
    def draw(cls, rnd: random.Random) -> Choices:
        return cls(rnd.random() < 0.6, rnd.random() < 0.5,
                   {k: rnd.choice(v) for k, v in SYNONYMS.items()})


Row = list[tuple[str, int, int]]  # (text, rowspan, colspan)


def _has(gold_items: list[dict[str, Any]], key: str) -> bool:
    return any(key in i for i in gold_items)


def form_rows(gold: dict[str, Any], choices: Choices) -> list[Row]:
    """The rows of every project's form, one form after another."""
    rows: list[Row] = []
    doc = gold["document"]
    for p in gold["projects"]:
        items = p.get("indicators", [])
        split = choices.split_targets and all(
            SPLIT.match(i.get("target") or "") for i in items if i.get("target"))
        cols = ["category", "level2", "iname"]
        if _has(items, "target_long"):
            cols.append("value_long")
        cols += ["nature", "value", "measure"] if split else ["value"]
        cols += [k for k in ("weight", "direction", "actual", "score", "reason")
                 if _has(items, k)]
        width = len(cols)
        s = choices.synonyms
        title = doc.get("title") or "项目支出绩效目标表"
        rows.append([(title, 1, width)])
        if doc.get("year"):
            rows.append([(f"（{doc['year']}年度）", 1, width)])
        rows.append([(f"金额单位：{doc.get('amount_unit') or '万元'}", 1, width)])
        rows.append([(s["name"], 1, 1), (p.get("name") or "", 1, width - 1)])
        who = []
        if doc.get("department"):
            who += [(s["department"], 1, 1), (doc["department"], 1, 1)]
        if p.get("unit"):
            who += [(s["unit"], 1, 1), (p["unit"], 1, 1)]
        if who:
            rows.append(who)
        money = [(label, p[key]) for key, label in (
            ("total", s["total"]), ("fiscal", "财政拨款"), ("special_account", "财政专户拨款"),
            ("other", "其他资金")) if p.get(key) is not None]
        budget = [k for k in ("planned", "adjusted", "executed", "execution_score") if k in p]
        if budget:
            heads = {"planned": "年初预算数", "adjusted": "全年预算数", "executed": "全年执行数",
                     "execution_score": "得分"}
            rows.append([("项目资金（万元）", 1, 1)] + [(heads[k], 1, 1) for k in budget])
            rows.append([("年度资金总额", 1, 1)] + [(p.get(k) or "", 1, 1) for k in budget])
            for label, value in money[1:]:  # sources: their figure in the 全年预算数 column
                rows.append([(label, 1, 1)] + [(str(value) if k == "adjusted" else "", 1, 1)
                                               for k in budget])
        else:
            for label, value in money:
                rows.append([(label, 1, 1), (str(value), 1, width - 1)])
        if p.get("goal_long") is not None:
            rows.append([(s["goal_long"], 1, 1), (p.get("goal_long") or "", 1, width - 1)])
        if p.get("goal"):
            rows.append([(s["goal"], 1, 1), (p.get("goal") or "", 1, width - 1)])
        heads = {"category": s["category"], "level2": s["level2"], "iname": s["iname"],
                 "value_long": "实施周期指标值", "nature": "指标性质", "value": s["value"],
                 "measure": "度量单位", "weight": "分值", "direction": "指标方向性",
                 "actual": "实际完成值", "score": "得分", "reason": "偏差原因"}
        rows.append([(heads[c], 1, 1) for c in cols])
        body: list[list[str]] = []
        for i in items:
            cat = i.get("category") or ""
            if i.get("category_points"):
                cat = f"{cat}({i['category_points']}分)"
            target = i.get("target") or ""
            parts = {"category": cat, "level2": i.get("level2") or "",
                     "iname": i.get("name") or "", "value_long": i.get("target_long") or ""}
            if split:
                m = SPLIT.match(target)
                parts.update(nature=m.group(1) if m else "", value=m.group(2) if m else "",
                             measure=(m.group(3) or "") if m else "")
            else:
                parts["value"] = target
            for k in ("weight", "direction", "actual", "score", "reason"):
                parts[k] = "" if i.get(k) is None else str(i[k])
            body.append([parts[c] for c in cols])
        rows += _merge(body, choices.merge_labels)
    return rows


def _merge(body: list[list[str]], merge: bool) -> list[Row]:
    """Runs of one 一级 (and within them one 二级) merged down, or repeated."""
    out: list[Row] = [[(t, 1, 1) for t in r] for r in body]
    if not merge:
        return out
    for col in (0, 1):
        r = 0
        while r < len(body):
            end = r + 1
            while end < len(body) and body[end][col] == body[r][col] and \
                    (col == 0 or body[end][0] == body[r][0]) and body[r][col]:
                end += 1
            if end - r > 1:
                text, _, cs = out[r][col]
                out[r][col] = (text, end - r, cs)
                for k in range(r + 1, end):
                    out[k][col] = ("", 0, 0)  # covered
            r = end
    return out


# --- containers -------------------------------------------------------------------------


def to_html(rows: list[Row]) -> bytes:
    lines = ['<!DOCTYPE html><html><head><meta charset="utf-8"><title>绩效目标</title></head>',
             '<body><table border="1">']
    for row in rows:
        cells = "".join(
            f'<td rowspan="{rs}" colspan="{cs}">{html.escape(t).replace(chr(10), "<br>")}</td>'
            for t, rs, cs in row if rs)
        lines.append(f"<tr>{cells}</tr>")
    lines.append("</table></body></html>")
    return "\n".join(lines).encode("utf-8")


def _positions(rows: list[Row]) -> list[tuple[int, int, str, int, int]]:
    taken: set[tuple[int, int]] = set()
    out = []
    for r, row in enumerate(rows):
        c = 0
        for text, rs, cs in row:
            if rs == 0:  # covered by a merge above: its column is taken
                while (r, c) in taken:
                    c += 1
                continue
            while (r, c) in taken:
                c += 1
            for rr in range(r, r + rs):
                for cc in range(c, c + cs):
                    taken.add((rr, cc))
            out.append((r, c, text, rs, cs))
            c += cs
    return out


def to_xlsx(rows: list[Row]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for r, c, text, rs, cs in _positions(rows):
        cell = sheet.cell(r + 1, c + 1, text)
        cell.data_type = "s"  # "=100%" is published text, not a formula
        if rs > 1 or cs > 1:
            sheet.merge_cells(start_row=r + 1, start_column=c + 1, end_row=r + rs,
                              end_column=c + cs)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_xls(rows: list[Row]) -> bytes:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("绩效目标表")
    for r, c, text, rs, cs in _positions(rows):
        if rs > 1 or cs > 1:
            sheet.write_merge(r, r + rs - 1, c, c + cs - 1, text)
        else:
            sheet.write(r, c, text)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_docx(rows: list[Row]) -> bytes:
    import docx

    document = docx.Document()
    width = max(sum(cs for _, rs, cs in row if rs) for row in rows)
    table = document.add_table(rows=len(rows), cols=max(width, 1))
    for r, c, text, rs, cs in _positions(rows):
        cell = table.cell(r, c)
        if rs > 1 or cs > 1:
            cell = cell.merge(table.cell(r + rs - 1, c + cs - 1))
        cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


WRITERS = {"html": to_html, "xlsx": to_xlsx, "xls": to_xls, "docx": to_docx}


# --- the forms as PDFs in house styles ----------------------------------------------------


@dataclass(frozen=True)
class FormStyle:
    """One producer's CSS for the forms (WeasyPrint prints the renderer's HTML under it)."""

    font: str = "WenQuanYi Micro Hei"
    size_pt: float = 10.0
    page: str = "A4 portrait"
    rules: str = "all"  # all, horizontal, frame (the table's outer frame only), none
    valign: str = "top"  # top, middle, bottom
    padding_mm: float = 0.8
    label_width: float = 18.0  # percent of the table for its first column
    footer: str = ""  # a page footer: 第 N 页 共 M 页, - N -, N / M (N the page, M the pages)

    @classmethod
    def draw(cls, rnd: random.Random) -> FormStyle:
        return cls(rnd.choice(["WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC",
                               "Noto Serif CJK SC"]),
                   rnd.choice([7.0, 8.0, 9.0, 10.0, 11.0, 12.0]),
                   rnd.choice(["A4 portrait", "A4 landscape", "A3 portrait", "A3 landscape"]),
                   rnd.choice(["all", "all", "horizontal", "frame", "none"]),
                   rnd.choice(["top", "middle", "bottom"]), rnd.choice([0.3, 0.8, 1.5, 2.5]),
                   rnd.choice([12.0, 18.0, 25.0]),
                   rnd.choice(["", "第 N 页 共 M 页", "- N -", "N / M"]))


def form_html(rows: list[Row], style: FormStyle) -> str:
    """The renderer's HTML without its border attribute, drawn by the style's CSS."""
    rule = "0.5pt solid #000"
    borders = {"all": f"td {{ border: {rule}; }}",
               "horizontal": f"td {{ border-top: {rule}; border-bottom: {rule}; }}",
               "frame": f"table {{ border: {rule}; }}",
               "none": ""}[style.rules]
    footer = style.footer.replace("N", '" counter(page) "').replace("M", '" counter(pages) "')
    css = (f"@page {{ size: {style.page}; margin: 15mm; "
           + (f'@bottom-center {{ content: "{footer}"; font-size: 8pt; }} ' if footer else "")
           + "} "
           f"body {{ font-family: '{style.font}'; font-size: {style.size_pt}pt; }} "
           "table { border-collapse: collapse; width: 100%; } "
           f"td {{ vertical-align: {style.valign}; padding: {style.padding_mm}mm; }} "
           f"td:first-child {{ width: {style.label_width}%; }} {borders}")
    text = to_html(rows).decode("utf-8")
    return text.replace('<table border="1">', "<table>").replace(
        "</head>", f"<style>{css}</style></head>")


def render_form_pdf(rows: list[Row], style: FormStyle) -> bytes:
    from weasyprint import HTML

    return HTML(string=form_html(rows, style)).write_pdf()  # type: ignore[no-any-return]
