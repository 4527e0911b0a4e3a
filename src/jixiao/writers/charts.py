"""Charts as plain SVG written here (no plotting library): the CLI writes them to files,
the web pages embed them. Labels are escaped; numbers are drawn from Decimals."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape

from jixiao import formatting
from jixiao.compare import TargetGroup
from jixiao.messages import say

FONT = 'font-family="Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif" font-size="12"'


def bars_svg(items: Sequence[tuple[str, Decimal | int]], width: int = 640,
             unit: str = "", colour: str = "#5b8cc9") -> str:
    """Horizontal bars, one per (label, value), in the order given."""
    row_h, label_w, right = 22, 220, 130
    height = row_h * max(1, len(items)) + 8
    top = max((Decimal(v) for _, v in items), default=Decimal(1)) or Decimal(1)
    # width 100%: the viewBox scales the chart to the column it is shown in
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 {width} '
           f'{height}" {FONT} role="img">']
    for k, (label, value) in enumerate(items):
        y = 4 + k * row_h
        w = float(Decimal(value) / top) * (width - label_w - right)
        short = label if len(label) <= 16 else label[:15] + "…"
        out.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">'
                   f'<title>{escape(label)}</title>{escape(short)}</text>')
        out.append(f'<rect x="{label_w}" y="{y + 3}" width="{max(w, 1):.1f}" height="16" '
                   f'fill="{colour}"/>')
        out.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 15}" fill="#333">'
                   f'{_number(value)}{escape(unit)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _number(value: Decimal | int) -> str:
    return f"{value:,}" if isinstance(value, int) else formatting.money(value)


def distribution_svg(groups: list[TargetGroup], width: int = 720) -> str:
    """A strip chart: per unit group, the quartile box and every target as a dot."""
    row_h, left, right = 56, 90, 24
    height = row_h * max(1, len(groups)) + 16
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" {FONT} role="img">']
    for k, g in enumerate(groups):
        values = [o.value for o in g.observations if o.value is not None]
        low, high = min(values), max(values)
        span = (high - low) or Decimal(1)
        top = 8 + k * row_h

        def x(v: Decimal, low: Decimal = low, span: Decimal = span) -> float:
            return left + float((v - low) / span) * (width - left - right)

        mid = top + row_h / 2 - 6
        out.append(f'<text x="4" y="{mid + 4:.0f}">{escape(g.unit or say("place.no-unit"))} '
                   f'n={len(values)}</text>')
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{mid:.0f}" y2="{mid:.0f}" '
                   'stroke="#ccc"/>')
        if g.q1 is not None and g.q3 is not None:
            out.append(f'<rect x="{x(g.q1):.1f}" y="{mid - 10:.0f}" '
                       f'width="{max(x(g.q3) - x(g.q1), 1):.1f}" height="20" '
                       'fill="#dbe7f5" stroke="#5b8cc9"/>')
        if g.median is not None:
            out.append(f'<line x1="{x(g.median):.1f}" x2="{x(g.median):.1f}" '
                       f'y1="{mid - 10:.0f}" y2="{mid + 10:.0f}" stroke="#1f4e8c" '
                       'stroke-width="2"/>')
        for o in g.observations:
            if o.value is None:
                continue
            colour = "#c62828" if o.outlier else "#333"
            out.append(f'<circle cx="{x(o.value):.1f}" cy="{mid:.0f}" r="3.5" '
                       f'fill="{colour}" fill-opacity="0.6"><title>{escape(o.project)}：'
                       f'{escape(o.target)}</title></circle>')
        out.append(f'<text x="{left}" y="{mid + 24:.0f}" fill="#666">{low}</text>')
        out.append(f'<text x="{width - right}" y="{mid + 24:.0f}" fill="#666" '
                   f'text-anchor="end">{high}</text>')
    out.append("</svg>")
    return "\n".join(out)
