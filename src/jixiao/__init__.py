"""jixiao (绩效): read, review, score and publish the performance targets of public budgets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jixiao.errors import JixiaoError, ReadError
    from jixiao.model import Amounts, Document, Indicator, Project, ReadWarning, SourceSpan, Unit

__version__ = "0.1.0"

__all__ = [
    "Amounts",
    "Document",
    "Indicator",
    "JixiaoError",
    "Project",
    "ReadError",
    "ReadWarning",
    "SourceSpan",
    "Unit",
    "__version__",
]

# the names above, from the module that defines each, imported when first asked for: a
# command that needs no model (`jixiao --help`) does not pay for building its dataclasses
_FROM = {"JixiaoError": "jixiao.errors", "ReadError": "jixiao.errors"} | dict.fromkeys(
    ("Amounts", "Document", "Indicator", "Project", "ReadWarning", "SourceSpan", "Unit"),
    "jixiao.model")


def __getattr__(name: str) -> Any:
    if name not in _FROM:
        raise AttributeError(f"module 'jixiao' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_FROM[name]), name)
    globals()[name] = value  # asked once
    return value
