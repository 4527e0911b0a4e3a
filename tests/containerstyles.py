"""Render a gold reading as the files real producers make of a form: Excel 2007–2019, WPS
表格 and 永中 workbooks (.xlsx), BIFF8 workbooks (.xls), Word / WPS 文字 documents (.docx)
and the HTML pages of CMSes (Word's save-as-HTML, TRS, 云政务).

`tests/formrender.py` lays a gold out as a form's rows (merged or repeated labels, split
or joined targets, synonyms); a `Style` then brings what one producer's file holds beyond
the cells: amounts as numbers with number formats, percent cells, formulas with cached
values, shared / inline / rich-text strings, line breaks in labels, padded labels,
hidden rows and columns of working notes, a sheet per project with a cover and an empty
sheet, leading empty rows and columns, dates; nested and split Word tables, a title in
the page header or a text box, prose before the table; Word HTML with `mso-` styles and
`<o:p>`, GBK bytes with or without their `<meta>`, layout tables and other tables around
the form, `<th>`, `<tbody>` in pieces. Everything hidden or around the form carries text
the gold does not have: a reader that reads it is wrong, and the sweep says so.

Written by the libraries the producers' files are read with (openpyxl, xlwt, python-docx)
and by text for the OOXML details those libraries do not write (a formula's cached value,
inline strings, text boxes)."""

from __future__ import annotations

import copy
import html
import io
import random
import re
import zipfile
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from formrender import SYNONYMS, Choices, Row, form_rows
from formrender import _positions as positions  # (row, column, text, rowspan, colspan)

CONTAINERS = ("xlsx", "xls", "docx", "html")
# the title a gold without one is printed under, by its kind
TITLES = {"self-evaluation": "项目支出绩效自评表", "targets": "项目支出绩效目标表"}
NUMBER_FORMATS = ("#,##0.00", "0.00_ ", "0.00", "General", "#,##0.00_);[Red](#,##0.00)")
AMOUNT_LABELS = ("资金总额", "年度资金总额", "项目资金总额", "财政拨款", "财政专户拨款", "其他资金")
TOTAL_LABELS = AMOUNT_LABELS[:3]
# what a hidden column holds: last year's values beside this year's (a working copy)
PRIOR_HEADING, PRIOR_VALUE = "上年指标值", "≥80%"
PERCENT = re.compile(r"^(\d{1,3})%$")
FIGURE = re.compile(r"^-?\d+(?:\.\d+)?$")
PROSE = ("{year}根据《中华人民共和国预算法》和《关于全面实施预算绩效管理的意见》要求，"
         "现将本单位项目支出绩效目标公开如下，接受社会监督。")


@dataclass(frozen=True)
class Style:
    """One producer's habits, drawn at random; each flag is a thing real files hold."""

    container: str
    one_sheet_per_project: bool = False  # xlsx / xls: a sheet per form
    cover_sheet: bool = False  # a 封面 sheet before the forms
    empty_sheet: bool = False  # a blank Sheet3 after them
    hidden_row: bool = False  # a dropped indicator kept in a hidden row of the table
    hidden_column: bool = False  # last year's values in a hidden column beside the table
    lead_rows: int = 0  # empty rows above the form
    lead_cols: int = 0  # empty columns left of it
    numbers: bool = False  # amounts and 分值 as numbers with a number format
    number_format: str = "#,##0.00"
    percent_cells: bool = False  # 95% typed as 0.95 in a `0%` cell
    formulas: bool = False  # the total as =SUM(…) of its sources, with its cached value
    uncalculated: bool = False  # … saved without it (a program that does not calculate)
    strings: str = "shared"  # shared, inline (report servers), rich (runs of two fonts)
    wrap_labels: bool = False  # labels broken by Alt+Enter (财政专户↵拨款)
    vertical_category: bool = False  # 一级 merged down with vertical text (textRotation)
    pad_labels: bool = False  # labels padded with spaces and full-width spaces
    label_span: int = 1  # header-block labels merged across 1–3 columns
    print_titles: bool = False  # the indicator heading row as the print title row
    repeat_heading: bool = False  # the heading printed again inside the table (pagination)
    # the heading printed again inside a 一级 block (顶端标题行 on each printed page): the
    # labels merged over it cut there, their rest empty or the label typed again
    heading_in_block: str = ""  # "", empty, repeated
    dated: bool = False  # a 填报日期 row with a real date cell
    footer_rows: bool = False  # 填报人 / 联系电话 under the form
    # Word
    nested: bool = False  # the form inside a one-cell layout table
    split_table: bool = False  # the indicator rows cut into a second table by a page break
    packed: bool = False  # a 二级's indicators one per paragraph in one row's cells
    title_in: str = "body"  # body, header (the page header), textbox; HTML: div above
    prose: bool = False  # a notice's paragraphs before the table
    # HTML
    html_kind: str = "plain"  # plain, word (save as HTML), trs (layout tables), yun
    encoding: str = "utf-8"  # utf-8, gb2312-meta (GBK bytes), gbk-nometa
    th_heads: bool = False  # label and heading cells as <th>
    split_tbody: bool = False  # every few rows a new <tbody>
    other_tables: bool = False  # a page's metadata table and a link list beside the form
    source_wrap: bool = False  # long text broken over source lines (Word wraps at ~76)
    # how a page hides its hidden row and column: style (display:none), visibility,
    # mso (Word's mso-hide:all), attr (the hidden attribute), class (a <style> rule)
    html_hide: str = "style"

    @classmethod
    def draw(cls, rnd: random.Random, container: str) -> Style:
        coin = lambda p=0.35: rnd.random() < p  # noqa: E731
        sheet = container in ("xlsx", "xls")
        return cls(
            container,
            one_sheet_per_project=sheet and coin(0.4), cover_sheet=sheet and coin(0.3),
            empty_sheet=sheet and coin(0.3), hidden_row=container != "docx" and coin(0.3),
            hidden_column=container != "docx" and coin(0.3),
            lead_rows=rnd.choice([0, 0, 1, 2]) if sheet else 0,
            lead_cols=rnd.choice([0, 0, 1]) if sheet else 0, numbers=sheet and coin(0.6),
            number_format=rnd.choice(NUMBER_FORMATS), percent_cells=sheet and coin(0.5),
            formulas=container == "xlsx" and coin(0.4),
            strings=rnd.choice(["shared", "inline", "rich"]) if container == "xlsx" else "shared",
            wrap_labels=coin(), vertical_category=coin(0.3), pad_labels=coin(),
            label_span=rnd.choice([1, 1, 2, 3]), print_titles=container == "xlsx" and coin(),
            repeat_heading=coin(0.25), dated=sheet and coin(0.3), footer_rows=coin(0.3),
            nested=container in ("docx", "html") and coin(0.3),
            split_table=container == "docx" and coin(0.3),
            packed=container in ("docx", "html") and coin(0.25),
            title_in=rnd.choice(["body", "body", "header", "textbox"]) if container == "docx"
            else rnd.choice(["body", "body", "div"]) if container == "html" else "body",
            prose=container in ("docx", "html") and coin(0.3),
            html_kind=rnd.choice(["plain", "word", "trs", "yun"]) if container == "html"
            else "plain",
            encoding=rnd.choice(["utf-8", "gb2312-meta", "gbk-nometa"]) if container == "html"
            else "utf-8",
            th_heads=container == "html" and coin(), split_tbody=container == "html" and coin(),
            other_tables=container == "html" and coin(),
            source_wrap=container == "html" and coin(0.5),
            html_hide=rnd.choice(["style", "visibility", "mso", "attr", "class"])
            if container == "html" else "style",
            # (drawn last: the flags above draw as they did before it)
            heading_in_block=rnd.choice(["", "", "", "empty", "repeated"]))

    def changed(self) -> list[str]:
        """The flags that differ from a plain file (a sweep's line names them)."""
        plain = Style(self.container)
        return [f"{f.name}={getattr(self, f.name)!r}" for f in fields(self)
                if getattr(self, f.name) != getattr(plain, f.name)]


# --- the form's rows, with what every producer may do to them --------------------------


@dataclass
class Form:
    """One form's rows and what each row is: the renderer's heading row (its index), the
    label rows of its header block, the indicator rows."""

    rows: list[Row]
    heading: int
    body: list[int] = field(default_factory=list)


def forms(gold: dict[str, Any], choices: Choices) -> list[Form]:
    """The gold's forms, one per project, as formrender lays them out."""
    out = []
    document = dict(gold["document"])
    if not document.get("title") and document.get("kind") in TITLES:
        document["title"] = TITLES[document["kind"]]  # (formrender's default: a 目标表)
    for project in gold["projects"]:
        rows = form_rows({**gold, "document": document, "projects": [project]}, choices)
        if "amount_unit" in document and document["amount_unit"] is None:
            # a form that states no unit (formrender prints 万元 when the gold has none)
            rows = [row for row in rows if not row[0][0].startswith("金额单位")]
        heading = next(k for k, row in enumerate(rows)
                       if k > 2 and row[0][0] in SYNONYMS["category"] and row[0][1:] == (1, 1))
        out.append(Form(rows, heading, list(range(heading + 1, len(rows)))))
    if not gold["projects"]:
        out.append(head_only(document))
    return out


def head_only(document: dict[str, Any]) -> Form:
    """A form with no project or indicator row (a blank template's copy, a page that
    begins past the form's head): its head only, the title, year and unit lines; the
    last stands where a heading row would (no row under it); a unit only when stated."""
    width = 4
    rows: list[Row] = [[(document.get("title") or TITLES["targets"], 1, width)]]
    if document.get("year"):
        rows.append([(f"（{document['year']}年度）", 1, width)])
    if document.get("amount_unit"):  # (none stated: none printed)
        rows.append([(f"金额单位：{document['amount_unit']}", 1, width)])
    return Form(rows, len(rows) - 1, [])


def _width(rows: list[Row]) -> int:
    """The columns of a form: its widest row (a 自评表's budget block may pass its
    indicator table)."""
    return max(sum(cs for _, rs, cs in row if rs) for row in rows)


def _is_label_row(row: Row, width: int) -> bool:
    return len(row) == 2 and row[0][1] == 1 and row[1][2] == width - 1


def widen_labels(form: Form, span: int) -> Form:
    """Header-block labels merged across `span` columns (the value takes the rest), as on
    forms whose indicator table below has more columns than the block needs."""
    width = sum(cs for _, rs, cs in form.rows[form.heading])
    if span <= 1 or width - span < 1:
        return form
    rows = [[(t, rs, span if k == 0 else width - span) for k, (t, rs, cs) in enumerate(row)]
            if k_row < form.heading and _is_label_row(row, width) else row
            for k_row, row in enumerate(form.rows)]
    return Form(rows, form.heading, form.body)


def _label(text: str, style: Style, rnd: random.Random) -> str:
    if style.pad_labels and rnd.random() < 0.5:
        text = rnd.choice([f" {text} ", f"{text}\u3000", f"\u3000{text}",
                           " ".join(text) if len(text) <= 4 else text])
    if style.wrap_labels and len(text.strip()) >= 4 and rnd.random() < 0.5:
        cut = len(text) // 2
        text = text[:cut] + "\n" + text[cut:]
    return text


def dress_labels(form: Form, style: Style, rnd: random.Random) -> Form:
    """Labels of the header block and the heading row padded or broken as typed."""
    width = sum(cs for _, rs, cs in form.rows[form.heading])
    rows = []
    for k, row in enumerate(form.rows):
        if k == form.heading:
            row = [(_label(t, style, rnd), rs, cs) for t, rs, cs in row]
        elif 2 < k < form.heading and row and row[0][1] == 1 and len(row) <= 4 and \
                not _is_title(row, width):
            row = [(_label(t, style, rnd) if i % 2 == 0 else t, rs, cs)
                   for i, (t, rs, cs) in enumerate(row)]
        rows.append(row)
    return Form(rows, form.heading, form.body)


def _is_title(row: Row, width: int) -> bool:
    return len(row) == 1 and row[0][2] == width


def repeat_heading(form: Form) -> Form:
    """The heading row printed again between two 一级 blocks (a report server's page
    break); a merge that would cross it is cut there."""
    body = form.body
    starts = [k for k in body[1:] if form.rows[k][0][1] != 0 and form.rows[k][0][0]]
    if not starts:
        return form
    at = starts[len(starts) // 2]
    rows = copy.deepcopy(form.rows)
    for k in body:  # no merge may run over the inserted row
        if k >= at:
            break
        rows[k] = [(t, min(rs, at - k), cs) if rs > 1 else (t, rs, cs) for t, rs, cs in rows[k]]
    rows.insert(at, list(form.rows[form.heading]))
    return Form(rows, form.heading, [k if k < at else k + 1 for k in body])


def heading_in_block(form: Form, rest: str) -> Form:
    """The heading row printed again inside a 一级 block, before a row a label merged from
    above covers (else one whose 一级 repeats the row's above): each merge over it is cut
    there, its rest below an empty merge (`empty`) or one holding the label again."""
    body = form.body
    covered = [k for k in body[1:] if form.rows[k] and form.rows[k][0][1] == 0]
    same = [k for k in body[1:] if form.rows[k] and form.rows[k - 1] and
            form.rows[k][0][1] == 1 and form.rows[k][0][0] and
            form.rows[k][0][0] == form.rows[k - 1][0][0]]
    if not (covered or same):
        return form
    at = (covered or same)[len(covered or same) // 2]
    cells = positions(form.rows)
    over = sorted((c, r, t, rs) for r, c, t, rs, _ in cells if r < at < r + rs)
    rows = copy.deepcopy(form.rows)
    for c, r, _, _ in over:  # the merge ends above the heading …
        starts = [cc for rr, cc, _, _, _ in cells if rr == r]  # (in the row's order)
        n = [k for k, (_, rs, _) in enumerate(rows[r]) if rs][starts.index(c)]
        text, rs, cs = rows[r][n]
        rows[r][n] = (text, at - r, cs)
    holes = [n for n, (_, rs, _) in enumerate(rows[at]) if rs == 0]
    for n, (_, r, t, rs) in zip(holes, over, strict=False):  # … and goes on below it
        rows[at][n] = (t if rest == "repeated" else "", r + rs - at, 1)
    rows.insert(at, list(form.rows[form.heading]))
    return Form(rows, form.heading, [k if k < at else k + 1 for k in body])


def pack(form: Form) -> Form:
    """A 二级's indicators in one row, one per line in each of its cells (a Word form whose
    cells hold a paragraph per indicator); only unmerged runs of two or more."""
    rows = list(form.rows)
    out: list[Row] = rows[:form.body[0]] if form.body else rows
    body = [rows[k] for k in form.body]
    if any(rs != 1 for row in body for _, rs, _ in row):
        return form  # merged labels: packing would cross them
    k = 0
    while k < len(body):
        end = k + 1
        while end < len(body) and body[end][0][0] == body[k][0][0] and \
                body[end][1][0] == body[k][1][0] and body[k][1][0]:
            end += 1
        group = body[k:end]
        if len(group) > 1 and all(all(t and "\n" not in t for t, _, _ in r[2:]) for r in group):
            out.append(group[0][:2] + [("\n".join(r[c][0] for r in group), 1, 1)
                                       for c in range(2, len(group[0]))])
        else:
            out += group
        k = end
    return Form(out, form.heading, list(range(form.heading + 1, len(out))))


def vertical(form: Form) -> Form:
    """A merged 一级 label typed a character a line (a narrow cell made to look vertical)."""
    rows = [list(row) for row in form.rows]
    for k in form.body:
        if k < len(rows) and rows[k] and rows[k][0][1] > 1 and rows[k][0][0].isalpha():
            text, rs, cs = rows[k][0]
            rows[k][0] = ("\n".join(text), rs, cs)
    return Form(rows, form.heading, form.body)


def footer(form: Form) -> Form:
    width = sum(cs for _, rs, cs in form.rows[form.heading])
    return Form([*form.rows, [("填报人：王红  联系电话：0731-88886666", 1, width)]],
                form.heading, form.body)


def styled_forms(gold: dict[str, Any], choices: Choices, style: Style,
                 rnd: random.Random) -> list[Form]:
    out = []
    for form in forms(gold, choices):
        if not form.body:  # a head only: nothing of an indicator table to style
            out.append(form)
            continue
        form = widen_labels(form, style.label_span)
        form = dress_labels(form, style, rnd)
        if style.packed:
            form = pack(form)
        if style.repeat_heading:
            form = repeat_heading(form)
        if style.heading_in_block:
            form = heading_in_block(form, style.heading_in_block)
        if style.footer_rows:
            form = footer(form)
        if style.vertical_category and style.container in ("docx", "html"):
            form = vertical(form)
        out.append(form)
    return out


def hide(form: Form, style: Style) -> tuple[list[Row], int | None, list[tuple[int, str]]]:
    """The form's rows with a hidden row of a dropped indicator before its first one (the
    row's index), and the cells of a hidden column of last year's values right of the
    table (row, text): what a working copy keeps and the office did not publish."""
    rows, at = list(form.rows), None
    if style.hidden_row and form.body and all(
            rs <= 1 for row in rows[:form.body[0] + 1] for _, rs, _ in row[:2]):
        at = form.body[0]
        first = [t for t, rs, _ in rows[at] if rs]
        rows.insert(at, [(t if k != 2 else f"{t}（上年）", 1, 1) for k, t in enumerate(first)])
    column: list[tuple[int, str]] = []
    if style.hidden_column:
        column = [(form.heading, PRIOR_HEADING)] + [
            (k, PRIOR_VALUE) for k in range(form.heading + 1, len(rows))
            if at is None or k != at]
    return rows, at, column


def _amount(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", "")) if FIGURE.match(text.replace(",", "")) else None
    except InvalidOperation:
        return None


# --- xlsx -----------------------------------------------------------------------------


def to_xlsx(forms: list[Form], style: Style, rnd: random.Random) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from openpyxl.styles import Alignment

    book = Workbook()
    sheets = []
    if style.cover_sheet:
        cover = book.active
        cover.title = "封面"
        cover["B3"] = "部门预算项目支出绩效目标"
        cover["B6"] = "（公开版）"
        sheets.append(None)
    groups = [[f] for f in forms] if style.one_sheet_per_project else [forms]
    cached: dict[str, str] = {}
    for n, group in enumerate(groups):
        sheet = book.active if n == 0 and not style.cover_sheet else book.create_sheet()
        sheet.title = f"项目{n + 1}" if style.one_sheet_per_project else "绩效目标表"
        top = style.lead_rows
        for form in group:
            rows, hidden_row, hidden_col = hide(form, style)
            if hidden_row is not None:
                sheet.row_dimensions[top + hidden_row + 1].hidden = True
            heading = form.heading
            sources: dict[int, list[str]] = {}
            for r, c, text, rs, cs in positions(rows):
                row, col = top + r + 1, style.lead_cols + c + 1
                cell = sheet.cell(row, col)
                label = rows[r][0][0].strip().replace("\n", "")
                value: Any = text
                number = _amount(text) if style.numbers and c > 0 else None
                if number is not None and r < heading and label in AMOUNT_LABELS:
                    value = number
                    cell.number_format = style.number_format
                    if label not in TOTAL_LABELS:
                        sources.setdefault(col, []).append(cell.coordinate)
                elif number is not None and r > heading:
                    value = number  # a 分值, a split target's figure
                elif style.percent_cells and r > heading and PERCENT.match(text):
                    value = Decimal(PERCENT.match(text).group(1)) / 100  # type: ignore[union-attr]
                    cell.number_format = "0%"
                if isinstance(value, Decimal):
                    cell.value = float(value) if value != value.to_integral_value() \
                        else int(value)
                elif style.strings == "rich" and len(text) >= 4 and rnd.random() < 0.5:
                    cut = len(text) // 2
                    cell.value = CellRichText([TextBlock(InlineFont(b=True), text[:cut]),
                                               TextBlock(InlineFont(rFont="宋体"), text[cut:])])
                else:
                    cell.value = text
                    cell.data_type = "s"  # "=100%" is published text, not a formula
                if "\n" in text:
                    cell.alignment = Alignment(wrap_text=True)
                if style.vertical_category and r > heading and c == 0 and rs > 1:
                    cell.alignment = Alignment(text_rotation=255, vertical="center")
                if rs > 1 or cs > 1:
                    sheet.merge_cells(start_row=row, start_column=col, end_row=row + rs - 1,
                                      end_column=col + cs - 1)
            if style.formulas and style.numbers:
                for r, c, text, _, _ in positions(rows):
                    label = rows[r][0][0].strip().replace("\n", "")
                    col = style.lead_cols + c + 1
                    parts = sources.get(col)
                    number = _amount(text)
                    if r < heading and label in TOTAL_LABELS and c > 0 and parts and \
                            number is not None:
                        formula = f"SUM({','.join(parts)})"
                        total = sum(Decimal(str(sheet[p].value)) for p in parts)
                        if total == number:  # a formula only where it gives the total
                            sheet.cell(top + r + 1, col).value = f"={formula}"
                            cached[f"{sheet.title}!{formula}"] = str(number)
            if hidden_col:
                note = style.lead_cols + max(_width(f.rows) for f in group) + 1  # right of all
                for r, text in hidden_col:
                    sheet.cell(top + r + 1, note).value = text
                sheet.column_dimensions[_letter(note)].hidden = True
            if style.print_titles:
                sheet.print_title_rows = f"{top + heading + 1}:{top + heading + 1}"
            top += len(rows) + 1
            if style.dated:
                sheet.cell(top, style.lead_cols + 1).value = "填报日期："
                sheet.cell(top, style.lead_cols + 2).value = date(2023, 3, 15)
                sheet.cell(top, style.lead_cols + 2).number_format = "yyyy-mm-dd"
                top += 2
        sheets.append(sheet)
    if style.empty_sheet:
        book.create_sheet("Sheet3")
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    if cached and not style.uncalculated:
        data = _cache_formulas(data, cached, book)
    if style.strings == "inline":
        data = _inline_strings(data)
    return data


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


def _rewrite(data: bytes, change: Any) -> bytes:
    """The zip again with each member's bytes passed through `change(name, bytes)`."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, change(info.filename, src.read(info)))
    return out.getvalue()


def _cache_formulas(data: bytes, cached: dict[str, str], book: Any) -> bytes:
    """Each formula with the value Excel stores beside it (openpyxl writes none)."""
    titles = {f"xl/worksheets/sheet{k + 1}.xml": s.title for k, s in enumerate(book.worksheets)}

    def change(name: str, raw: bytes) -> bytes:
        if name not in titles:
            return raw
        text = raw.decode("utf-8")

        def fill(m: re.Match[str]) -> str:
            value = cached.get(f"{titles[name]}!{html.unescape(m.group(1))}")
            return m.group(0) if value is None else f"<f>{m.group(1)}</f><v>{value}</v>"

        return re.sub(r"<f>([^<]*)</f>(?:<v\s*/>|<v>[^<]*</v>)?", fill, text).encode("utf-8")

    return _rewrite(data, change)


def _inline_strings(data: bytes) -> bytes:
    """Shared strings written inline in their cells (`t="inlineStr"`), as report servers
    write them."""
    src = zipfile.ZipFile(io.BytesIO(data))
    if "xl/sharedStrings.xml" not in src.namelist():
        return data
    shared = src.read("xl/sharedStrings.xml").decode("utf-8")
    items = re.findall(r"<si>(.*?)</si>", shared, re.S)

    def change(name: str, raw: bytes) -> bytes:
        if not name.startswith("xl/worksheets/sheet"):
            return raw
        text = raw.decode("utf-8")
        return re.sub(r'<c ([^>]*?)t="s"([^>]*)><v>(\d+)</v></c>',
                      lambda m: f'<c {m.group(1)}t="inlineStr"{m.group(2)}><is>'
                                f'{items[int(m.group(3))]}</is></c>', text).encode("utf-8")

    return _rewrite(data, change)


# --- xls ------------------------------------------------------------------------------


def to_xls(forms: list[Form], style: Style, rnd: random.Random) -> bytes:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    if style.cover_sheet:
        cover = book.add_sheet("封面")
        cover.write(2, 1, "部门预算项目支出绩效目标")
    groups = [[f] for f in forms] if style.one_sheet_per_project else [forms]
    formats = {fmt: xlwt.easyxf(num_format_str=fmt) for fmt in (style.number_format, "0%",
                                                                "yyyy-mm-dd", "General")}
    wrapped = xlwt.easyxf("align: wrap on")
    for n, group in enumerate(groups):
        sheet = book.add_sheet(f"项目{n + 1}" if style.one_sheet_per_project else "绩效目标表")
        top = style.lead_rows
        for form in group:
            heading = form.heading
            rows, hidden_row, hidden_col = hide(form, style)
            if hidden_row is not None:
                sheet.row(top + hidden_row).hidden = True
            for r, c, text, rs, cs in positions(rows):
                row, col = top + r, style.lead_cols + c
                label = rows[r][0][0].strip().replace("\n", "")
                number = _amount(text) if style.numbers and c > 0 else None
                value: Any = text
                fmt = wrapped if "\n" in text else formats["General"]
                if number is not None and r < heading and label in AMOUNT_LABELS:
                    value = float(number)
                    fmt = formats[style.number_format]
                elif number is not None and r > heading:
                    value = float(number)  # a 分值, a split target's figure: General
                elif style.percent_cells and r > heading and PERCENT.match(text):
                    value = int(PERCENT.match(text).group(1)) / 100  # type: ignore[union-attr]
                    fmt = formats["0%"]
                if rs > 1 or cs > 1:
                    sheet.write_merge(row, row + rs - 1, col, col + cs - 1, value, fmt)
                else:
                    sheet.write(row, col, value, fmt)
            if hidden_col:
                note = style.lead_cols + max(_width(f.rows) for f in group)  # right of all
                for r, text in hidden_col:
                    sheet.write(top + r, note, text)
                sheet.col(note).hidden = True
            top += len(rows) + 1
            if style.dated:
                sheet.write(top, style.lead_cols, "填报日期：")
                sheet.write(top, style.lead_cols + 1, date(2023, 3, 15), formats["yyyy-mm-dd"])
                top += 2
    if style.empty_sheet:
        book.add_sheet("Sheet3")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- docx -----------------------------------------------------------------------------

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
TEXTBOX = (
    '<w:r xmlns:w="{w}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
    ' xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"'
    ' xmlns:v="urn:schemas-microsoft-com:vml"><mc:AlternateContent><mc:Choice Requires="wps">'
    '<w:drawing><wps:wsp><wps:txbx><w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p>'
    '</w:txbxContent></wps:txbx></wps:wsp></w:drawing></mc:Choice><mc:Fallback><w:pict>'
    '<v:shape><v:textbox><w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p>'
    '</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>')


def to_docx(forms: list[Form], style: Style, rnd: random.Random) -> bytes:
    import docx
    from docx.enum.text import WD_BREAK
    from lxml import etree

    document = docx.Document()
    if style.prose:
        document.add_paragraph("关于公开项目支出绩效目标的说明")
        document.add_paragraph(PROSE.format(year=_year(forms)))
    for n, form in enumerate(forms):
        rows = form.rows
        width = max(sum(cs for _, rs, cs in row if rs) for row in rows)
        title, rows, heading = _title_rows(rows, width, form.heading)
        if style.title_in == "header":  # above every page: the forms share it
            if n == 0 and title:
                document.sections[0].header.paragraphs[0].text = title
        elif style.title_in == "textbox" and title:
            p = document.add_paragraph()
            p._p.append(etree.fromstring(TEXTBOX.format(w=W_NS, text=html.escape(title))))
        elif title:
            document.add_paragraph(title)
        cells = positions(rows)
        parts = [cells]
        if style.split_table and len(rows) - heading > 4:
            parts = _split(cells, heading, heading + 1 + (len(rows) - heading - 1) // 2)
        for k, part in enumerate(parts):
            if not part:  # a head only, its title above: no table
                continue
            if k:
                document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            host = document
            if style.nested:
                outer = document.add_table(rows=1, cols=1)
                host = outer.cell(0, 0)
            table = host.add_table(rows=max(r + rs for r, _, _, rs, _ in part), cols=width)
            table.style = "Table Grid"
            grid = table._cells  # once: table.cell() walks every cell each call
            for r, c, text, _, _ in part:
                cell = grid[r * width + c]
                lines = text.split("\n")
                cell.text = lines[0]
                for line in lines[1:]:  # a paragraph per line, as Word types Enter
                    cell.add_paragraph(line)
            for r, c, _, rs, cs in part:  # then the merges (an empty cell adds nothing)
                if rs > 1 or cs > 1:
                    table.cell(r, c).merge(table.cell(r + rs - 1, c + cs - 1))
        if n + 1 < len(forms):
            document.add_paragraph()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _year(forms: list[Form]) -> str:
    """The year the forms state (a notice above them names the same year), or none."""
    for form in forms:
        for row in form.rows[:form.heading]:
            if m := re.search(r"(20\d\d)年", row[0][0]):
                return f"{m.group(1)}年，"
    return ""


def _split(cells: list[tuple[int, int, str, int, int]], heading: int, at: int
           ) -> list[list[tuple[int, int, str, int, int]]]:
    """A table cut before row `at`: a merge running over the cut ends there, and the
    second table starts with the heading row again (what Word prints after a break)."""
    head = [(r, c, t, min(rs, at - r), cs) for r, c, t, rs, cs in cells if r < at]
    tail = [(0, c, t, rs, cs) for r, c, t, rs, cs in cells if r == heading]
    tail += [(r - at + 1, c, t, rs, cs) for r, c, t, rs, cs in cells if r >= at]
    tail += [(rr - at + 1, c, "", 1, cs) for r, c, t, rs, cs in cells if r < at < r + rs
             for rr in range(at, r + rs)]  # the rest of a cut merge: empty cells
    return [head, tail]


def _title_rows(rows: list[Row], width: int, heading: int) -> tuple[str, list[Row], int]:
    """The form's title taken out of its rows (a Word form prints it above the table)."""
    if rows and _is_title(rows[0], width) and "表" in rows[0][0][0]:
        return rows[0][0][0], rows[1:], heading - 1
    return "", rows, heading


# --- HTML -----------------------------------------------------------------------------

WORD_HEAD = ('<html xmlns:v="urn:schemas-microsoft-com:vml" '
             'xmlns:o="urn:schemas-microsoft-com:office:office" '
             'xmlns:w="urn:schemas-microsoft-com:office:word" '
             'xmlns="http://www.w3.org/TR/REC-html40">')


def _cell_html(text: str, style: Style, rnd: random.Random) -> str:
    lines = [html.escape(line) for line in text.split("\n")]
    if style.html_kind == "word":
        spans = [f"<p class=MsoNormal align=center style='text-align:center;mso-pagination:"
                 f"widow-orphan'><span style='font-size:10.5pt;font-family:宋体;mso-bidi-font-"
                 f"family:宋体'>{line or '&nbsp;'}<o:p></o:p></span></p>" for line in lines]
        body = "\r\n".join(spans)
    elif style.html_kind == "yun" and len(lines) == 1:
        body = f'<span style="font-size:14px;">{lines[0]}</span>'
    else:
        body = "<br>".join(lines) or "&nbsp;"
    if style.source_wrap and len(body) > 60:
        body = _source_wrap(body, rnd)
    return body


def _source_wrap(body: str, rnd: random.Random) -> str:
    """A long cell broken over source lines between two CJK characters of its text (Word's
    HTML wraps its source at about 76 columns; a browser shows no space there)."""
    out, run = [], 0
    in_tag = in_entity = False
    for k, ch in enumerate(body):
        out.append(ch)
        in_tag = (in_tag or ch == "<") and ch != ">"
        in_entity = (in_entity or ch == "&") and ch != ";"
        run += 1
        after = body[k + 1] if k + 1 < len(body) else ""
        if run > 40 and not in_tag and not in_entity and _cjk(ch) and _cjk(after) and \
                rnd.random() < 0.2:
            out.append("\r\n")
            run = 0
    return "".join(out)


def _cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" or ch in "，。；：、（）"


# what hides an element of a page, by Style.html_hide; `class` adds HIDE_RULE to the head
HIDES = {"style": ' style="display:none"', "visibility": ' style="visibility:hidden"',
         "mso": " style='mso-hide:all'", "attr": " hidden", "class": ' class="draft"'}
HIDE_RULE = "<style>\r\n.draft { display: none }\r\ntd.x { color: red }\r\n</style>"


def to_html(forms: list[Form], style: Style, rnd: random.Random) -> bytes:
    charset = {"utf-8": "utf-8", "gb2312-meta": "gb2312", "gbk-nometa": ""}[style.encoding]
    head = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' \
        if charset else ""
    if style.html_hide == "class" and (style.hidden_row or style.hidden_column):
        head += HIDE_RULE
    hides = HIDES[style.html_hide]
    parts = [WORD_HEAD if style.html_kind == "word" else "<!DOCTYPE html><html>",
             f"<head>{head}<title>项目支出绩效目标公开</title></head><body>"]
    if style.other_tables:
        parts.append('<table class="nav"><tr><td><a href="/">首页</a></td><td><a href="/zwgk">'
                     '政务公开</a></td><td><a href="/tzgg">通知公告</a></td></tr></table>'
                     '<table class="meta"><tr><th>索引号</th><td>11430600MB1234567X/2023-00123'
                     '</td><th>发布机构</th><td>财政局</td></tr><tr><th>名称</th><td>关于公开项目'
                     '支出绩效目标的公告</td><th>发文日期</th><td>2023-03-15</td></tr></table>')
    if style.prose:
        parts.append(f"<p>{PROSE.format(year=_year(forms))}</p>")
    layout = style.html_kind == "trs" or style.nested
    if layout:
        parts.append('<table width="100%" class="layout"><tr><td><div class="title">'
                     '政府信息公开</div></td></tr><tr><td>')
    for form in forms:
        width = _width(form.rows)
        rows, hidden_row, hidden_col = hide(form, style)
        heading = form.heading
        if style.title_in == "div":  # a CMS's title block above the table, not a row of it
            title, rows, heading = _title_rows(rows, width, heading)
            cut = heading != form.heading
            if cut and hidden_row is not None:
                hidden_row -= 1
            hidden_col = [(r - cut, t) for r, t in hidden_col]
            if title:
                parts.append(f'<div class="article-title"><span>{html.escape(title)}</span>'
                             '</div>')
        parts.append('<table border="1" cellspacing="0" cellpadding="0" '
                     'style="border-collapse:collapse;mso-table-layout-alt:fixed">'
                     if style.html_kind == "word" else '<table border="1">')
        parts.append("<tbody>")
        for r, row in enumerate(rows):
            if style.split_tbody and r and r % 5 == 0 and not _crosses(rows, r):
                parts.append("</tbody><tbody>")
            cells = []
            for k, (text, rs, cs) in enumerate(row):
                if not rs:
                    continue
                tag = "th" if style.th_heads and (r == heading or (
                    r < heading and k % 2 == 0 and len(row) > 1)) else "td"
                attrs = (f' rowspan="{rs}"' if rs > 1 else "") + \
                    (f' colspan="{cs}"' if cs > 1 else "")
                if style.html_kind == "word":
                    attrs += " width=96 valign=top style='width:72.0pt;border:solid windowtext " \
                             "1.0pt;mso-border-alt:solid windowtext .5pt;padding:0cm 5.4pt'"
                cells.append(f"<{tag}{attrs}>{_cell_html(text, style, rnd)}</{tag}>")
            # last year's values right of the table, hidden (each row's last cell)
            cells += [f"<td{hides}>{_cell_html(t, style, rnd)}</td>" for k, t in hidden_col
                      if k == r]
            parts.append(f"<tr{hides if r == hidden_row else ''}>" + "".join(cells) + "</tr>")
        parts.append("</tbody></table>")
        if style.html_kind == "word":
            parts.append("<p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p>")
    if layout:
        parts.append("</td></tr></table>")
    if style.other_tables:
        parts.append('<table class="foot"><tr><td>主办单位：人民政府办公室</td><td>备案号：湘ICP备'
                     '12345678号</td></tr></table>')
    parts.append("</body></html>")
    text = "\r\n".join(parts)
    encoding = "utf-8" if style.encoding == "utf-8" else "gbk"
    return text.encode(encoding, errors="xmlcharrefreplace")


def _crosses(rows: list[Row], at: int) -> bool:
    """A rowspan from above reaches row `at` (a row group may not be cut there)."""
    return any(r + rs > at for r, _, _, rs, _ in positions(rows[:at]) if rs > 1)


# --- a text copy -------------------------------------------------------------------------


def to_text(forms: list[Form], style: Style, rnd: random.Random) -> bytes:
    """A copy of the page's table as text, a row a line and its cells apart by ` | `: a
    merged cell's text in its first row, the rows under it empty there (what a browser's
    copy of a table gives)."""
    lines: list[str] = []
    for form in forms:
        cells = positions(form.rows)
        width = max(c + cs for _, c, _, _, cs in cells)
        grid = [[""] * width for _ in form.rows]
        for r, c, text, _, _ in cells:
            grid[r][c] = " ".join(text.split("\n"))  # (a label's line break: one line)
        lines += [" | ".join(row).rstrip(" |") for row in grid]
        lines.append("")
    return "\n".join(lines).encode("utf-8")


# the containers `render` writes; the sweep's are CONTAINERS (a text copy is not one)
WRITERS = {"xlsx": to_xlsx, "xls": to_xls, "docx": to_docx, "html": to_html, "txt": to_text}


def render(gold: dict[str, Any], style: Style, seed: int) -> bytes:
    """The gold as the style's producer would publish it (the same seed, the same bytes)."""
    rnd = random.Random(seed)
    choices = Choices.draw(rnd)
    return WRITERS[style.container](styled_forms(gold, choices, style, rnd), style, rnd)
