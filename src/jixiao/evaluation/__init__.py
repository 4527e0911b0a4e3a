"""Actual results and the self-evaluation (绩效自评): profiles, scores, forms."""

from jixiao.evaluation.actuals import Actual, Actuals, Execution
from jixiao.evaluation.profiles import ScoringProfile, ScoringProfileError, load_profile
from jixiao.evaluation.scoring import (
    Check,
    IndicatorScore,
    ProjectScore,
    score_document,
    score_indicator,
    score_project,
    weights,
)

__all__ = ["Actual", "Actuals", "Check", "Execution", "IndicatorScore", "ProjectScore",
           "ScoringProfile", "ScoringProfileError", "load_profile", "score_document",
           "score_indicator", "score_project", "weights"]
