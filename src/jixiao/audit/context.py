"""What every rule needs, computed once per document: parsed targets and classifications."""

from __future__ import annotations

from typing import NamedTuple

from jixiao.audit.registry import RuleSettings
from jixiao.model import Document, Finding, Indicator, Project, SourceSpan
from jixiao.targets import Target, parse
from jixiao.taxonomy import Classification, classify


class Item(NamedTuple):
    """One indicator with what the audit knows of it."""

    project: Project
    position: int
    indicator: Indicator
    target: Target
    kind: Classification


class AuditContext:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.projects = doc.projects
        self.items: dict[int, list[Item]] = {}
        for p in self.projects:
            self.items[p.seq] = [Item(p, k, i, t := parse(i.target), classify(i, t))
                                 for k, i in enumerate(p.indicators)]
        self._all = [item for items in self.items.values() for item in items]

    def all_items(self) -> list[Item]:
        return self._all

    @staticmethod
    def project_finding(settings: RuleSettings, project: Project, message: str,
                        span: SourceSpan | None = None) -> Finding:
        return Finding(settings.rule.id, settings.severity, message, project.seq, None,
                       span or project.span)

    @staticmethod
    def item_finding(settings: RuleSettings, item: Item, message: str) -> Finding:
        return Finding(settings.rule.id, settings.severity, message, item.project.seq,
                       item.position, item.indicator.span)

    @staticmethod
    def document_finding(settings: RuleSettings, message: str,
                         span: SourceSpan | None = None) -> Finding:
        return Finding(settings.rule.id, settings.severity, message, None, None,
                       span or SourceSpan())
