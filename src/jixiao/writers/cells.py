"""Every cell jixiao writes holds the table's text as text, never as a formula.

A project name, goal or indicator is whatever a department typed; one that starts with
`=`, `+`, `-` or `@` (`=cmd|' /C calc'!A0`, `=HYPERLINK(…)`) would be a live formula in a
spreadsheet (CWE-1236, "CSV injection"). So:

* xlsx: every `str` becomes a string cell (`data_type "s"`, written as an inline string):
  openpyxl would otherwise make a text starting with `=` a formula and `#N/A` an error.
  The exact text is kept, Excel shows it as text. Numbers, dates and None pass unchanged:
  a negative amount stays a number.
* CSV: the OWASP rule — a text cell starting with `= + - @`, tab or CR gets a leading
  apostrophe. `restore_csv` takes it off again, so reading our own CSV gives the exact
  text; a text that itself starts with apostrophes before such a character gets one more,
  so the escape is reversible for every text.

A formula jixiao means to write (none today) is set on the cell directly, not through
these helpers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
APOSTROPHE = "'"


def text_cell(sheet: Any, value: Any) -> Any:
    """`value` as `sheet.append` takes it: a `str` as a string cell (a text, whatever it
    starts with), anything else unchanged. Works for normal and write-only sheets."""
    if not isinstance(value, str):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # after the value: the setter would make '=…' a formula
    return cell


def safe_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """A row for `sheet.append` whose texts are all string cells."""
    return [text_cell(sheet, v) for v in values]


def append_row(sheet: Any, values: Iterable[Any]) -> None:
    """`sheet.append(values)`, every text kept as text."""
    sheet.append(safe_row(sheet, values))


def set_text(cell: Any, value: Any) -> None:
    """Set an existing cell's value; a `str` stays a string cell."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def _needs_prefix(text: str) -> bool:
    return text.lstrip(APOSTROPHE).startswith(FORMULA_STARTS)


def safe_csv(value: Any) -> Any:
    """A CSV field: a text a spreadsheet would take for a formula gets a leading `'`;
    anything that is not a `str` (numbers: already formatted by the caller) is unchanged."""
    if isinstance(value, str) and _needs_prefix(value):
        return APOSTROPHE + value
    return value


def restore_csv(text: str) -> str:
    """The exact text of a field `safe_csv` wrote (the inverse of `safe_csv` on texts)."""
    if text.startswith(APOSTROPHE) and _needs_prefix(text[1:]):
        return text[1:]
    return text
