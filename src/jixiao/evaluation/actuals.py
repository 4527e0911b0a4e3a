"""What a department reports: execution per project, an actual value per indicator. The
types are the model's (jixiao.model), so the store keeps them without importing a service;
re-exported here where the evaluation has always found them."""

from __future__ import annotations

from jixiao.model import Actual, Actuals, Execution

__all__ = ["Actual", "Actuals", "Execution"]
