"""What every rule needs, computed once per document: parsed targets and classifications."""

from __future__ import annotations

import functools
from typing import NamedTuple

from jixiao.audit.registry import RuleSettings
from jixiao.model import Document, Finding, Indicator, Project, SourceSpan
from jixiao.targets import Target, parse
from jixiao.taxonomy import Classification, classify_fields


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
            items = self.items[p.seq] = []
            for k, i in enumerate(p.indicators):
                form = i.form
                items.append(Item(p, k, i, *_understood(
                    i.category, i.name, i.target, form is not None,
                    form.level2 if form else None, form.direction if form else None)))
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


@functools.lru_cache(maxsize=65536)  # indicators repeat, within a table and across tables
def _understood(category: str | None, name: str, target: str, has_form: bool,
                level2: str | None, direction: str | None) -> tuple[Target, Classification]:
    """An indicator's parsed target and its classification (taxonomy.classify), cached by
    the texts they depend on: one look-up instead of hashing the parsed target again."""
    parsed = parse(target)
    return parsed, classify_fields(category, name, parsed, has_form, level2, direction)
