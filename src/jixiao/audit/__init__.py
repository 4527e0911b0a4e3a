"""The review of a target table (绩效目标审核): registered rules, profiles, findings.

    from jixiao.audit import audit
    report = audit(doc)                       # every rule at its defaults
    report = audit(doc, Profile.load("strict.toml"))
"""

from __future__ import annotations

from jixiao.audit import rules as _rules  # noqa: F401  (registers the rules)
from jixiao.audit.context import AuditContext
from jixiao.audit.findings import GRADES, AuditReport, verdict
from jixiao.audit.registry import RULES, Profile, ProfileError, Rule
from jixiao.model import Document, Finding, Level

__all__ = ["GRADES", "RULES", "AuditReport", "Finding", "Level", "Profile", "ProfileError",
           "Rule", "audit", "verdict"]


def audit(doc: Document, profile: Profile | None = None) -> AuditReport:
    """Run the active rules of `profile` over a Document."""
    profile = profile or Profile()
    ctx = AuditContext(doc)
    active = profile.active()
    judged = ctx.judged([s for s in active if s.rule.judge is not None])
    findings = [f for s in active
                for f in (judged[s.rule.id] if s.rule.judge else s.rule.check(ctx, s))]
    findings.sort(key=lambda f: (f.project is not None, f.project or 0, f.indicator or -1))
    return AuditReport(profile.name, findings, [p.seq for p in ctx.projects])
