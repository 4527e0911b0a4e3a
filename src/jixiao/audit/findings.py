"""The report of an audit, and the review verdict (优/良/中/差) a project earns from them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from jixiao.messages import say
from jixiao.model import Finding, Level

# The review grades of 财预〔2015〕88号 (domain.md §5), earned from a project's findings,
# and what follows from each (the message catalogue's grades.*).
GRADES = {grade: say(f"grades.{grade}") for grade in ("优", "良", "中", "差")}
BLOCKING_RULES = frozenset({"S1-missing-goal", "S2-no-indicators"})


def verdict(findings: list[Finding]) -> str:
    """优: no error or warning; 良: one or two warnings; 中: one error or three or more
    warnings; 差: two or more errors, or no goal, or no indicators."""
    errors = sum(f.severity is Level.ERROR for f in findings)
    warnings = sum(f.severity is Level.WARNING for f in findings)
    if errors >= 2 or any(f.rule in BLOCKING_RULES for f in findings):
        return "差"
    if errors == 1 or warnings >= 3:
        return "中"
    if warnings:
        return "良"
    return "优"


@dataclass(slots=True)
class AuditReport:
    profile: str
    findings: list[Finding]
    projects: list[int]  # the seqs of every project audited, in order

    def of_project(self, seq: int) -> list[Finding]:
        return [f for f in self.findings if f.project == seq]

    @property
    def document_findings(self) -> list[Finding]:
        return [f for f in self.findings if f.project is None]

    def verdicts(self) -> dict[int, str]:
        by_project: dict[int, list[Finding]] = {seq: [] for seq in self.projects}
        for f in self.findings:
            if f.project is not None:
                by_project[f.project].append(f)
        return {seq: verdict(fs) for seq, fs in by_project.items()}

    def counts(self) -> Counter[str]:
        return Counter(f.rule for f in self.findings)
