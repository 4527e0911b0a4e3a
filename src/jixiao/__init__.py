"""jixiao (绩效): read, review, score and publish the performance targets of public budgets."""

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
