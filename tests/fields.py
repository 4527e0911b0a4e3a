"""Field-by-field comparison of two interchange dicts, the fields DESIGN.md fixes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

PROJECT_FIELDS = ("name", "total", "fiscal", "special_account", "other", "goal")
INDICATOR_FIELDS = ("category", "name", "target")
AMOUNTS = {"total", "fiscal", "special_account", "other"}


def _value(field: str, value: Any) -> Any:
    if value in (None, ""):
        return None
    return Decimal(str(value).replace(",", "")) if field in AMOUNTS else str(value).strip()


def field_mismatches(gold: dict[str, Any], got: dict[str, Any]) -> tuple[int, list[str]]:
    """(fields compared, list of mismatches). Projects are compared in order."""
    misses: list[str] = []
    n = 0

    def check(where: str, field: str, a: Any, b: Any) -> None:
        nonlocal n
        n += 1
        if _value(field, a) != _value(field, b):
            misses.append(f"{where} {field}: expected {a!r}, got {b!r}")

    gp, pp = gold["projects"], got["projects"]
    if len(gp) != len(pp):
        misses.append(f"{len(gp)} projects expected, got {len(pp)}")
    for g, p in zip(gp, pp, strict=False):
        where = f"project {g['seq']}"
        for f in PROJECT_FIELDS:
            check(where, f, g.get(f), p.get(f))
        if len(g["indicators"]) != len(p["indicators"]):
            misses.append(f"{where}: {len(g['indicators'])} indicators expected, "
                          f"got {len(p['indicators'])}")
        for gi, pi in zip(g["indicators"], p["indicators"], strict=False):
            for f in INDICATOR_FIELDS:
                check(f"{where}.{gi['seq']}", f, gi.get(f), pi.get(f))
    gd, pd = gold["document"], got["document"]
    check("document", "department", gd.get("department"), pd.get("department"))
    for f in sorted(AMOUNTS):
        check("document.grand_total", f, (gd.get("grand_total") or {}).get(f),
              (pd.get("grand_total") or {}).get(f))
    return n, misses
