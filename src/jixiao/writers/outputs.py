"""Which writer writes which file, by what is written and the file's suffix: the CLI's
`-o` and the web's downloads pick them here, so both offer the same formats and refuse the
others the same way. Writer modules load only when asked for (weasyprint is slow)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jixiao.errors import JixiaoError

# product → suffix → "module:function"; each product's writers take the same arguments
WRITERS: dict[str, dict[str, str]] = {
    # (document, path, ruled=, form=)
    "table": {".pdf": "jixiao.writers.outputs:write_table",
              ".html": "jixiao.writers.outputs:write_table",
              ".xlsx": "jixiao.writers.outputs:write_table"},
    # (document, scores, answers, scoring, path)
    "self-evaluation": {".pdf": "jixiao.writers.self_evaluation:write_forms_pdf",
                        ".xlsx": "jixiao.writers.self_evaluation:write_forms_xlsx"},
    # (document, monitors, day, path)
    "monitoring": {".pdf": "jixiao.writers.self_evaluation:write_monitoring_pdf",
                   ".xlsx": "jixiao.writers.self_evaluation:write_monitoring_xlsx"},
}


class UnknownFormat(JixiaoError):
    """A file suffix no writer of the product writes."""

    def __init__(self, product: str, suffix: str) -> None:
        self.product, self.suffix = product, suffix
        self.allowed = suffixes(product)
        super().__init__(f"{product} cannot be written as '{suffix or '(no suffix)'}': "
                         f"{', '.join(self.allowed)}")


def suffixes(product: str) -> tuple[str, ...]:
    """The suffixes `product` can be written as ('.pdf', '.xlsx' …)."""
    return tuple(WRITERS[product])


def writer(product: str, suffix: str) -> Callable[..., Any]:
    """The writer of `product` for a file of `suffix` ('.pdf', or 'pdf' as a download's
    URL names it); UnknownFormat when there is none."""
    suffix = suffix.lower()
    if suffix and not suffix.startswith("."):
        suffix = "." + suffix
    name = WRITERS[product].get(suffix)
    if name is None:
        raise UnknownFormat(product, suffix)
    module, function = name.split(":")
    return getattr(importlib.import_module(module), function)  # type: ignore[no-any-return]


def write_table(doc: Any, path: str | Path, *, ruled: bool = True, form: str = "wide"
                ) -> Path:
    """The published 项目支出绩效目标表 by the suffix of `path`: PDF (A4 landscape) or HTML
    (`ruled`: the table's lines drawn), or xlsx (`form` wide: a row per project, long: a
    row per indicator)."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        from jixiao.writers.xlsx import write_xlsx

        return write_xlsx(doc, path, form=form)
    from jixiao.writers.publish import publish

    return publish(doc, path, ruled=ruled)
