"""House styles of other producers for the sample's table: the gold rendered as PDF by
WeasyPrint under random CSS, and by LibreOffice from an xlsx written with random column
widths, wrap and fonts. Each style is a plain value, so a failing one can be written down
and rendered again.

    from pdfstyles import HtmlStyle, render_html_pdf
    pdf = render_html_pdf(doc, HtmlStyle(name="narrow", widths=(30, 4, 4, 4, 4, 24, 30)))
"""

from __future__ import annotations

import math
import shutil
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from hypothesis import strategies as st
from markupsafe import escape

from jixiao.model import AMOUNT_COLUMNS, Amounts, Document

# Debian's CJK fonts (fonts-wqy-microhei, fonts-wqy-zenhei, fonts-noto-cjk; the Makefile
# installs them): sans and serif, proportional and fixed-pitch Latin
FONTS = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Serif CJK SC",
         "WenQuanYi Micro Hei Mono")
PAGES = ("A4 landscape", "A4 portrait", "A3 landscape", "A3 portrait")
FOOTERS = ("第 N 页 共 M 页", "第 N 页", "- N -", "N", "N / M", "")
LABELS = ("项目名称（资金使用单位）", "总计", "财政拨款", "财政专户拨款", "其他资金",
          "绩效目标", "绩效指标")
NBSP = "\u00a0"


@dataclass(frozen=True)
class HtmlStyle:
    """One producer's CSS for the table (WeasyPrint renders it)."""

    name: str = "default"
    page: str = "A4 landscape"
    margin_mm: float = 12.0
    font: str = "WenQuanYi Micro Hei"
    size_pt: float = 8.0
    # percent of the table's width: name, 总计, 财政拨款, 财政专户拨款, 其他资金, goal, items
    widths: tuple[float, ...] = (17, 7.5, 7.5, 7.5, 7.5, 22, 31)
    ruled: bool = True
    valign: str = "top"  # top, middle, bottom
    padding_mm: float = 1.2
    repeat_header: bool = True  # thead repeated on every page, or the header row once
    split_rows: bool = False  # a row may break over a page (else it moves whole)
    thousands: bool = True
    money_wraps: bool = True  # an amount wider than its column wraps at any character
    header_valign: str = "middle"
    footer: str = "第 N 页 共 M 页"
    page_header: str = ""  # a running head in the top margin of every page
    title: bool = True
    # partial rules: "" (as `ruled`), "horizontal" (rules between rows only), "frame" (the
    # table's outer frame only), "three-line" (above and below the header, below the table)
    rules: str = ""
    group: str = ""  # a two-row header: this label over 总计 … 其他资金 ("资金", "资金来源")
    meta: str = "split"  # the lines above: split (部门 left, 单位 right), stacked, unit, none
    # amounts printed in 元 (the gold's 万元 × 10 000) and the unit line saying 元; only
    # with a unit line (meta not "none": without one a reader can only take 万元)
    yuan: bool = False

    def css(self) -> str:
        valign, pad = self.valign, f"{self.padding_mm}mm"
        footer = self.footer.replace("N", '" counter(page) "').replace("M", '" counter(pages) "')
        footer_rule = f'@bottom-center {{ content: "{footer}"; font-size: 7pt; }}' \
            if self.footer else ""
        head_rule = f'@top-center {{ content: "{self.page_header}"; font-size: 8pt; }}' \
            if self.page_header else ""
        border = "border: 0.4pt solid #000;" if self.ruled and not self.rules else ""
        rule = "0.4pt solid #000"
        partial = {
            "horizontal": f"th, td {{ border-top: {rule}; border-bottom: {rule}; }}",
            "frame": f"table {{ border: {rule}; }}",
            "three-line": f"table {{ border-top: {rule}; border-bottom: {rule}; }} "
                          f"thead tr:last-child th {{ border-bottom: {rule}; }} "
                          f"thead tr:first-child th {{ border-top: {rule}; }}",
        }.get(self.rules, "")
        money_wrap = "word-break: break-all; overflow-wrap: anywhere;" if self.money_wraps \
            else "white-space: nowrap;"
        cols = " ".join(f"col.c{k} {{ width: {w}%; }}" for k, w in enumerate(self.widths))
        return f"""
@page {{ size: {self.page}; margin: {self.margin_mm}mm; {footer_rule} {head_rule} }}
body {{ font-family: "{self.font}"; font-size: {self.size_pt}pt; margin: 0; }}
h1 {{ font-size: {self.size_pt + 5}pt; text-align: center; margin: 0 0 2mm 0; }}
.meta {{ display: flex; justify-content: space-between; margin: 0 0 2mm 0; }}
table {{ width: 100%; border-collapse: collapse; table-layout: fixed; }}
thead {{ display: {"table-header-group" if self.repeat_header else "table-row-group"}; }}
tr {{ break-inside: {"auto" if self.split_rows else "avoid"}; }}
th, td {{ padding: {pad}; vertical-align: {valign}; {border}
          line-break: anywhere; overflow-wrap: anywhere; }}
th {{ font-weight: bold; text-align: center; vertical-align: {self.header_valign}; }}
td.money {{ text-align: right; {money_wrap} }}
p {{ margin: 0; }}
{partial}
{cols}
"""


def _money(value: Decimal | None, thousands: bool, scale: int = 1) -> str:
    if value is None:
        return ""
    value *= scale
    return f"{value:,f}" if thousands else f"{value:f}"


YUAN = 10000  # 元 in a 万元


def _keep(text: str) -> str:
    return str(escape(text.replace(" ", NBSP)))


def _rows(doc: Document) -> list[tuple[str, Amounts | None, str, list[str]]]:
    """The table's rows: 合计, each unit, its projects (name, amounts, goal, items)."""
    rows: list[tuple[str, Amounts | None, str, list[str]]] = []
    if doc.grand_total is not None:
        rows.append(("合计", doc.grand_total, "", []))
    for unit in doc.units:
        if unit.subtotal is not None:
            rows.append((unit.name, unit.subtotal, "", []))
        for p in unit.projects:
            rows.append((p.name, p.amounts, p.goal,
                         [f"{i.seq}、{i.raw}" for i in p.indicators]))
    return rows


def html(doc: Document, style: HtmlStyle) -> str:
    cols = "".join(f'<col class="c{k}">' for k in range(7))
    if style.group:  # 资金 over the four amount labels, the others over both rows
        span = '<th rowspan="2">{}</th>'
        head = (f"<tr>{span.format(LABELS[0])}<th colspan=\"4\">{style.group}</th>"
                f"{span.format(LABELS[5])}{span.format(LABELS[6])}</tr>"
                "<tr>" + "".join(f"<th>{label}</th>" for label in LABELS[1:5]) + "</tr>")
    else:
        head = "<tr>" + "".join(f"<th>{label}</th>" for label in LABELS) + "</tr>"
    body = []
    scale = YUAN if style.yuan else 1
    for name, amounts, goal, items in _rows(doc):
        money = "".join(
            f'<td class="money">'
            f'{_money(getattr(amounts, c) if amounts else None, style.thousands, scale)}'
            "</td>" for c in AMOUNT_COLUMNS)
        body.append(f"<tr><td>{_keep(name)}</td>{money}<td>{_keep(goal)}</td>"
                    f"<td>{''.join(f'<p>{_keep(i)}</p>' for i in items)}</td></tr>")
    title = f"<h1>{_keep(doc.title or '项目支出绩效目标表')}</h1>" if style.title else ""
    department = f"部门名称：{_keep(doc.department or '')}"
    unit = "元" if style.yuan else doc.amount_unit
    meta = {
        "split": f'<div class="meta"><span>{department}</span>'
                 f"<span>单位：{unit}</span></div>",
        "stacked": f"<p>{department}</p><p>金额单位：{unit}</p>",
        "unit": f'<p style="text-align: right">单位：{unit}</p>',
        "none": "",
    }[style.meta]
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f"<style>{style.css()}</style></head><body>{title}{meta}"
            f"<table><colgroup>{cols}</colgroup><thead>{head}</thead>"
            f"<tbody>{''.join(body)}</tbody></table></body></html>")


def render_html_pdf(doc: Document, style: HtmlStyle) -> bytes:
    from weasyprint import HTML

    return HTML(string=html(doc, style)).write_pdf()


@dataclass(frozen=True)
class SheetStyle:
    """One producer's workbook of the table (openpyxl writes it, LibreOffice prints it)."""

    name: str = "sheet"
    font: str = "WenQuanYi Micro Hei"
    size_pt: float = 9.0
    widths: tuple[float, ...] = (24, 11, 11, 11, 11, 36, 48)  # Excel character widths
    landscape: bool = True
    paper: str = "A4"  # A4 or A3
    valign: str = "top"
    ruled: bool = True
    repeat_header: bool = True
    thousands: bool = True
    footer: str = "第 &P 页 共 &N 页"
    group: str = ""  # a two-row header: this label merged over 总计 … 其他资金
    wrap_money: bool = False  # amounts as text in a wrapping cell (a narrow column wraps them)


def _units(text: str) -> float:
    """Column-width units a text takes at 11 pt: a CJK character is two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1.2 for ch in text)


def sheet_xlsx(doc: Document, style: SheetStyle, path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    font = Font(name=style.font, size=style.size_pt)
    side = Side(style="thin")
    border = Border(left=side, right=side, top=side, bottom=side) if style.ruled else Border()
    wrap = Alignment(wrap_text=True, vertical=style.valign)
    ws.append([doc.title or "项目支出绩效目标表"])
    ws.append([f"部门名称：{doc.department or ''}", None, None, None, None, None,
               f"单位：{doc.amount_unit}"])
    ws.merge_cells("A2:E2")  # the department line over the name and amount columns
    heads = 1
    if style.group:  # the group's label merged over the amount labels, the rest down
        ws.append([LABELS[0], style.group, None, None, None, LABELS[5], LABELS[6]])
        ws.append([None, *LABELS[1:5], None, None])
        for col in "AFG":
            ws.merge_cells(f"{col}3:{col}4")
        ws.merge_cells("B3:E3")
        heads = 2
    else:
        ws.append(list(LABELS))
    for name, amounts, goal, items in _rows(doc):
        values = [getattr(amounts, c) if amounts else None for c in AMOUNT_COLUMNS]
        money = [_money(v, style.thousands) if style.wrap_money else
                 None if v is None else float(v) for v in values]
        ws.append([name, *money, goal, "\n".join(items)])
    number = "#,##0.00" if style.thousands else "0.00"
    for r, row in enumerate(ws.iter_rows(), start=1):
        for c, cell in enumerate(row, start=1):
            cell.font = Font(name=style.font, size=style.size_pt + 4, bold=True) \
                if r == 1 else font
            if r >= 3:
                cell.border = border
                head = r < 3 + heads
                cell.alignment = Alignment(
                    wrap_text=True, vertical="center" if head else style.valign,
                    horizontal="center" if head else "right" if 2 <= c <= 5 else None)
                if 2 <= c <= 5 and not head and not style.wrap_money:
                    cell.number_format = number
            elif r == 2:
                cell.alignment = wrap
    for k, width in enumerate(style.widths, start=1):
        ws.column_dimensions[get_column_letter(k)].width = width
    # neither Excel nor LibreOffice grows a row for wrapped text on opening: a producer's
    # sheet stores the heights, here from the lines its fullest cell needs (generously)
    scale = style.size_pt / 11
    for row in ws.iter_rows(min_row=3):
        if row[0].row == 3 and heads == 2:
            continue  # the merged header's first row: its height is LibreOffice's
        lines = 1
        for cell in row:
            width = max((style.widths[cell.column - 1] - 1) / scale, 1)
            lines = max(lines, sum(math.ceil(_units(part) / width) or 1
                                   for part in str(cell.value or "").split("\n")))
        ws.row_dimensions[row[0].row].height = lines * style.size_pt * 1.5 + 4
    ws.page_setup.orientation = "landscape" if style.landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A3 if style.paper == "A3" else ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if style.repeat_header:
        ws.print_title_rows = f"3:{2 + heads}"
    if style.footer:
        ws.oddFooter.center.text = style.footer
    wb.save(path)
    return path


LIBREOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def render_sheet_pdf(doc: Document, style: SheetStyle) -> bytes:
    """The workbook printed to PDF by LibreOffice (headless, its own profile)."""
    assert LIBREOFFICE is not None, "LibreOffice is needed: make test-tools installs it"
    with tempfile.TemporaryDirectory() as tmp:
        sheet = sheet_xlsx(doc, style, Path(tmp) / "table.xlsx")
        subprocess.run([LIBREOFFICE, "--headless", f"-env:UserInstallation=file://{tmp}/lo",
                        "--convert-to", "pdf", "--outdir", tmp, str(sheet)],
                       check=True, capture_output=True, timeout=300)
        return sheet.with_suffix(".pdf").read_bytes()


@dataclass(frozen=True)
class DocStyle:
    """One producer's Word document of the table (python-docx writes it, LibreOffice
    Writer prints it): a title, the 部门名称 line, the table with its widths and fonts."""

    name: str = "writer"
    font: str = "WenQuanYi Micro Hei"
    size_pt: float = 9.0
    widths: tuple[float, ...] = (17, 7.5, 7.5, 7.5, 7.5, 22, 31)  # percent of the table
    landscape: bool = True
    paper: str = "A4"
    valign: str = "top"  # top, center, bottom
    ruled: bool = True
    repeat_header: bool = True
    thousands: bool = True
    split_rows: bool = True  # Writer's default: a row may break over a page


def document_docx(doc: Document, style: DocStyle, path: Path) -> Path:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    document = docx.Document()
    section = document.sections[0]
    short, long_ = (297, 420) if style.paper == "A3" else (210, 297)
    section.orientation = WD_ORIENT.LANDSCAPE if style.landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (Mm(long_), Mm(short)) if style.landscape \
        else (Mm(short), Mm(long_))
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(12))
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = style.font, Pt(style.size_pt)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), style.font)  # CJK text in this font
    normal.paragraph_format.space_after = Pt(0)
    title = document.add_paragraph(doc.title or "项目支出绩效目标表")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.runs[0].font.size, title.runs[0].bold = Pt(style.size_pt + 5), True
    document.add_paragraph(f"部门名称：{doc.department or ''}　　单位：{doc.amount_unit}")
    rows = _rows(doc)
    table = document.add_table(rows=1 + len(rows), cols=7)
    if style.ruled:
        table.style = document.styles["Table Grid"]
    table.autofit = False
    usable = (long_ if style.landscape else short) - 24
    # Writer lays the table out by its grid's columns, not by the cells' widths
    for col, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), style.widths,
                          strict=True):
        col.set(qn("w:w"), str(round(usable * width / 100 * 56.7)))  # twentieths of a pt
    valign = {"top": WD_CELL_VERTICAL_ALIGNMENT.TOP, "center": WD_CELL_VERTICAL_ALIGNMENT.CENTER,
              "bottom": WD_CELL_VERTICAL_ALIGNMENT.BOTTOM}[style.valign]
    texts = [list(LABELS)] + [
        [name, *(_money(getattr(a, c) if a else None, style.thousands) for c in AMOUNT_COLUMNS),
         goal, "\n".join(items)] for name, a, goal, items in rows]
    for r, (row, values) in enumerate(zip(table.rows, texts, strict=True)):
        for c, (cell, text) in enumerate(zip(row.cells, values, strict=True)):
            cell.width = Mm(usable * style.widths[c] / 100)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER if r == 0 else valign
            for k, part in enumerate(text.split("\n")):
                para = cell.paragraphs[0] if k == 0 else cell.add_paragraph()
                para.add_run(part).bold = r == 0
                if r == 0:
                    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
                elif 1 <= c <= 4:
                    para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    marks = [(row, "w:cantSplit") for row in table.rows if not style.split_rows]
    if style.repeat_header:  # the header row on every page
        marks.append((table.rows[0], "w:tblHeader"))
    for row, tag in marks:
        mark = OxmlElement(tag)
        mark.set(qn("w:val"), "true")
        row._tr.get_or_add_trPr().append(mark)
    document.save(path)
    return path


def render_doc_pdf(doc: Document, style: DocStyle) -> bytes:
    """The Word document printed to PDF by LibreOffice Writer."""
    assert LIBREOFFICE is not None, "LibreOffice is needed: make test-tools installs it"
    with tempfile.TemporaryDirectory() as tmp:
        source = document_docx(doc, style, Path(tmp) / "table.docx")
        subprocess.run([LIBREOFFICE, "--headless", f"-env:UserInstallation=file://{tmp}/lo",
                        "--convert-to", "pdf", "--outdir", tmp, str(source)],
                       check=True, capture_output=True, timeout=300)
        return source.with_suffix(".pdf").read_bytes()


def first_projects(doc: Document, n: int) -> Document:
    """The document with only its first n projects (a smaller PDF, the same table)."""
    units, left = [], n
    for unit in doc.units:
        units.append(replace(unit, projects=unit.projects[:max(left, 0)]))
        left -= len(unit.projects)
    return replace(doc, units=units)


# ---- random styles ----------------------------------------------------------------------

def _widths(narrow: float, name: float) -> tuple[float, ...]:
    """Column widths in percent: four amount columns `narrow` wide, the rest shared."""
    rest = 100 - 4 * narrow - name
    return (name, narrow, narrow, narrow, narrow, round(rest * 0.42, 2), round(rest * 0.58, 2))


PAGE_WIDTH_MM = {"A4 portrait": 210, "A4 landscape": 297, "A3 portrait": 297, "A3 landscape": 420}


def amount_content_mm(style: HtmlStyle) -> float:
    """The width of an amount cell's content box: its column less its padding."""
    table = PAGE_WIDTH_MM[style.page] - 2 * style.margin_mm
    return style.widths[1] / 100 * table - 2 * style.padding_mm


# WeasyPrint sets a cell whose content box is a tenth of a millimetre wide (3.5 % of A4
# portrait less 3 mm padding a side) on one line, over its neighbours: the text overlaps
# (`财政拨财款政专其户他拨资款金`) and the reader refuses it (overlapping-text), so random
# styles leave it out
MIN_CONTENT_MM = 0.25

html_styles = st.builds(
    lambda page, margin, font, size, narrow, name, ruled, valign, pad, repeat, split,
    thousands, footer, head: HtmlStyle(
        name="random", page=page, margin_mm=margin, font=font, size_pt=size,
        widths=_widths(narrow, name), ruled=ruled, valign=valign, padding_mm=pad,
        repeat_header=repeat, split_rows=split, thousands=thousands, footer=footer,
        page_header=head),
    st.sampled_from(PAGES), st.sampled_from([8.0, 12.0, 18.0]), st.sampled_from(FONTS),
    st.sampled_from([7.0, 8.0, 9.0, 10.0, 11.0, 12.0]),
    st.sampled_from([3.5, 4.5, 6.0, 8.0, 10.0]), st.sampled_from([12.0, 16.0, 20.0]),
    st.booleans(), st.sampled_from(["top", "middle", "bottom"]),
    st.sampled_from([0.5, 1.0, 2.0, 3.0]), st.booleans(), st.booleans(), st.booleans(),
    st.sampled_from(FOOTERS), st.sampled_from(["", "广州市公安局 2023 年部门预算"]),
).filter(lambda s: amount_content_mm(s) >= MIN_CONTENT_MM)

# the variations added for issue 14's private generator: partial rules, a two-row header
# with a 资金 group, the lines above the table in other arrangements
RULES = ("", "horizontal", "frame", "three-line")
GROUPS = ("", "资金", "资金来源")
METAS = ("split", "stacked", "unit", "none")

any_html_styles = st.builds(
    lambda base, rules, group, meta, title, yuan: replace(
        base, name="any", rules=rules, group=group, meta=meta, title=title,
        yuan=yuan and meta != "none"),
    html_styles, st.sampled_from(RULES), st.sampled_from(GROUPS), st.sampled_from(METAS),
    st.booleans(), st.booleans())


def _sheet_widths(narrow: float, name: float) -> tuple[float, ...]:
    return (name, narrow, narrow, narrow, narrow, round(name * 1.4, 1), round(name * 1.9, 1))


sheet_styles = st.builds(
    lambda font, size, narrow, name, landscape, paper, valign, ruled, repeat, thousands,
    footer, group, wrap: SheetStyle(
        name="any-sheet", font=font, size_pt=size, widths=_sheet_widths(narrow, name),
        landscape=landscape, paper=paper, valign=valign, ruled=ruled, repeat_header=repeat,
        thousands=thousands, footer=footer, group=group,
        # Calc prints `###` for a number wider than its column (bad-amount, refused): such
        # a producer writes its amounts as text that wraps
        wrap_money=wrap or narrow * 11 / size < 11),
    st.sampled_from(FONTS), st.sampled_from([7.0, 8.0, 9.0, 10.0, 11.0, 12.0]),
    st.sampled_from([5.0, 7.0, 9.0, 11.0, 13.0]), st.sampled_from([16.0, 22.0, 30.0]),
    st.booleans(), st.sampled_from(["A4", "A3"]), st.sampled_from(["top", "center", "bottom"]),
    st.booleans(), st.booleans(), st.booleans(),
    st.sampled_from(["第 &P 页 共 &N 页", "&P", "- &P -", ""]), st.sampled_from(GROUPS),
    st.booleans())

doc_styles = st.builds(
    lambda font, size, narrow, name, landscape, paper, valign, ruled, repeat, thousands,
    split: DocStyle(name="any-writer", font=font, size_pt=size, widths=_widths(narrow, name),
                    landscape=landscape, paper=paper, valign=valign, ruled=ruled,
                    repeat_header=repeat, thousands=thousands, split_rows=split),
    st.sampled_from(FONTS), st.sampled_from([7.0, 8.0, 9.0, 10.0, 11.0, 12.0]),
    st.sampled_from([4.5, 6.0, 8.0, 10.0]), st.sampled_from([12.0, 16.0, 20.0]),
    st.booleans(), st.sampled_from(["A4", "A3"]), st.sampled_from(["top", "center", "bottom"]),
    st.booleans(), st.booleans(), st.booleans(), st.booleans())


def expected(gold: dict, style: HtmlStyle | SheetStyle | DocStyle) -> dict:
    """The gold as the style prints it: a style without the 部门名称 line has none, one in
    元 has every amount × 10 000 and the unit 元."""
    if getattr(style, "meta", "split") in ("unit", "none"):
        gold = dict(gold, document=dict(gold["document"], department=None))
    if getattr(style, "yuan", False):
        def scaled(row: dict) -> dict:
            return {k: (str(Decimal(v) * YUAN) if k in AMOUNT_COLUMNS and v not in (None, "")
                        else v) for k, v in row.items()}

        document = dict(gold["document"], amount_unit="元")
        if document.get("grand_total"):
            document["grand_total"] = scaled(document["grand_total"])
        gold = dict(gold, document=document, projects=[scaled(p) for p in gold["projects"]])
    return gold


def unit_mismatches(gold: dict, got: dict) -> list[str]:
    """The amount unit, which `fields.field_mismatches` does not compare: a table printed
    in 元 read as 万元 would be ten thousand times off."""
    want, have = gold["document"].get("amount_unit"), got["document"].get("amount_unit")
    return [] if want == have else [f"document amount_unit: expected {want!r}, got {have!r}"]


def render(doc: Document, style: HtmlStyle | SheetStyle | DocStyle) -> bytes:
    if isinstance(style, HtmlStyle):
        return render_html_pdf(doc, style)
    if isinstance(style, SheetStyle):
        return render_sheet_pdf(doc, style)
    return render_doc_pdf(doc, style)
