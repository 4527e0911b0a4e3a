"""Publish a Document as the official 项目支出绩效目标表: HTML from a Jinja2 template, then
PDF through WeasyPrint (A4 landscape, ruled, the header row on every page, a CJK font)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from jixiao import formatting
from jixiao.model import AMOUNT_COLUMNS, Amounts, Document

NBSP = "\u00a0"  # a space of the source, kept from being a place to wrap (readers map it back)


def _money_cells(amounts: Amounts | None) -> Markup:
    values = [getattr(amounts, c) if amounts else None for c in AMOUNT_COLUMNS]
    return Markup("").join(Markup('<td class="money">{}</td>').format(formatting.figure(v))
                           for v in values)


def _keep(text: str) -> Markup:
    """Text as written; its spaces are no-break, so a wrap never swallows one."""
    return escape(text.replace(" ", NBSP))


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("jixiao.writers", "templates"),
                      autoescape=select_autoescape(["html"]))
    env.globals.update(money_cells=_money_cells, keep=_keep)
    return env


def render_html(doc: Document, ruled: bool = True) -> str:
    """The table as HTML. `ruled=False` draws no lines (as some exports do)."""
    return _environment().get_template("targets_table.html").render(doc=doc, ruled=ruled)


def render_pdf(doc: Document, ruled: bool = True) -> bytes:
    from weasyprint import HTML  # slow to import: only when a PDF is asked for

    return HTML(string=render_html(doc, ruled)).write_pdf()


def publish(doc: Document, path: str | Path, ruled: bool = True) -> Path:
    """Write the table to `path`: .pdf or .html by its suffix."""
    path = Path(path)
    if path.suffix.lower() == ".html":
        path.write_text(render_html(doc, ruled), encoding="utf-8")
    else:
        path.write_bytes(render_pdf(doc, ruled))
    return path
