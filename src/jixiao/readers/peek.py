"""The department a PDF or xlsx upload names, from its first page or first rows only, so
that another department's file is refused before it is read whole (issue 12).

Each peek finds the department the way its reader does — the PDF reader's 部门名称 line
above the column header of page 1, the xlsx reader's 部门名称 cell above its header row,
or a form's department label (data/forms.toml) and the cell after it — and answers None
whenever it cannot be sure the full reading would find the same: another layout, the
header not on page 1, two labels that disagree, a file a reader would refuse anyway.
None only means that the full reading decides, as it always did.
"""

from __future__ import annotations

import io
from typing import Any

from jixiao.errors import ReadError
from jixiao.limits import DEFAULT, Limits

XLSX_HEADER_ROWS = 15  # the xlsx reader looks for its header row in the first 15 rows
FORM_ROWS = 30  # a form names its department in its first block of fields

# pages pdfium has loaded for a peek, in this process: what a test counts to show that a
# peek reads page 1 and nothing else
pages_loaded = 0


def peek_pdf(data: bytes, limits: Limits = DEFAULT) -> str | None:
    """The 部门名称 of a PDF table from page 1 alone: its pages counted from the page tree,
    its streams inflated a step at a time and counted (a deflate bomb is not given to
    pdfium), then page 1's characters only."""
    global pages_loaded
    import pypdfium2 as pdfium

    from jixiao.readers.pdf import _chars, _header, _lines, damaged_streams
    from jixiao.readers.rows import DEPARTMENT_LINE

    try:
        if damaged_streams(data, None, limits):
            return None  # the reader refuses a damaged PDF: let it say why
    except ReadError:
        return None  # over a limit: the reader says which
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return None
    try:
        if not 1 <= len(pdf) <= limits.pdf_pages:
            return None
        page = pdf[0]
        pages_loaded += 1
        textpage = page.get_textpage()
        chars = _chars(textpage, textpage.count_chars())
        textpage.close()
        page.close()
    except pdfium.PdfiumError:
        return None
    finally:
        pdf.close()
    lines = _lines(chars, 1)
    header = _header(lines)
    if header is None:
        # the header further on: lines of later pages would count too, so page 1 alone
        # cannot tell
        return None
    department = None
    for line in lines:  # top to bottom; the reader keeps the last 部门名称 above the header
        if line.y > header[0].y and (m := DEPARTMENT_LINE.match(line.text.strip())):
            department = m.group("name").strip()
    return department


def peek_xlsx(data: bytes, limits: Limits = DEFAULT) -> str | None:
    """The department of a workbook from the first rows of its first sheet: measured by
    `check_zip` first (as every reader does), then streamed by openpyxl in read-only mode,
    which stops at the last row asked for."""
    from openpyxl import load_workbook

    from jixiao.readers.containers import check_zip

    try:
        check_zip(data, None, limits, kind="xlsx")
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # damaged or too large: the reader says why
        return None
    try:
        if not book.worksheets:
            return None
        rows = [list(row) for row in book.worksheets[0].iter_rows(
            min_row=1, max_row=FORM_ROWS, values_only=True)]
    except Exception:  # openpyxl raises many kinds for a damaged sheet
        return None
    finally:
        book.close()
    found, department = _sample_layout(rows)
    return department if found else _form_department(rows)


def _sample_layout(rows: list[list[Any]]) -> tuple[bool, str | None]:
    """As the xlsx reader: the header row (项目名称 and 总计 among the first 15 rows) and the
    last 部门名称 cell above it. (False, None): not the sample's layout."""
    import re

    from jixiao.readers.xlsx import ALIASES, _norm

    names = {_norm(n) for n in ALIASES["name"]}
    totals = {_norm(n) for n in ALIASES["total"]}
    for number, row in enumerate(rows[:XLSX_HEADER_ROWS]):
        texts = {_norm(v) for v in row}
        if texts & names and texts & totals:
            department = None
            for above in rows[:number]:
                for value in above:
                    text = str(value).strip() if value is not None else ""
                    if m := re.match(r"^(?:部门|单位)名称[：:]\s*(.+)$", text):
                        department = m.group(1).strip()
            return True, department
    return False, None


def _form_department(rows: list[list[Any]]) -> str | None:
    """A form's department label (主管部门, 部门名称 … of data/forms.toml) and its value, in
    the first rows: the same cell after a colon, or the next cell. Only a row of label,
    value, label, value … counts (a row of headings over a list of projects has its values
    below, not beside); two values that differ, or none: None."""
    from jixiao.forms.vocabulary import vocabulary
    from jixiao.readers.cells import cell_text

    vocab = vocabulary()
    seen: set[str] = set()
    for row in rows:
        cells = [c for c in (cell_text(v) for v in row) if c.strip()]
        found: list[str] = []
        k = 0
        while k < len(cells):
            m = vocab.label(cells[k])
            if m is None:
                break  # not a row of fields
            if m.value is not None:
                value, k = m.value, k + 1
            elif k + 1 < len(cells) and vocab.label(cells[k + 1]) is None:
                value, k = cells[k + 1], k + 2
            else:
                break  # a label without its value beside it: headings, not fields
            if m.kind == "field" and m.key == "department":
                found.append(value.strip())
        if k >= len(cells):  # the whole row was fields: what it names counts
            seen.update(found)
    seen.discard("")
    return seen.pop() if len(seen) == 1 else None
