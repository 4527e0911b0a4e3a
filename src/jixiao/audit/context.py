"""What every rule needs, computed once per document: parsed targets and classifications;
the item rules' messages looked up by an indicator's texts."""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from jixiao import messages
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


# Item(*fields) without the Python frame of a NamedTuple's __new__ (an audit makes one
# per indicator)
_item = tuple.__new__

# an indicator's texts: what its target, its classification and every item rule's
# messages depend on (registry.item_rule)
TextKey = tuple[str | None, str, str, str, bool, str | None, str | None]


class AuditContext:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.projects = doc.projects
        self.items: dict[int, list[Item]] = {}
        self._keys: list[TextKey] = []
        keys = self._keys
        for p in self.projects:
            items = self.items[p.seq] = []
            for k, i in enumerate(p.indicators):
                form = i.form
                key = (i.category, i.name, i.target, i.raw, form is not None,
                       form.level2 if form else None, form.direction if form else None)
                keys.append(key)
                target, kind = _understood(key)
                items.append(_item(Item, (p, k, i, target, kind)))
        self._all = [item for items in self.items.values() for item in items]
        self._levels: dict[int, set[str]] | None = None

    def all_items(self) -> list[Item]:
        return self._all

    def first_levels(self) -> dict[int, set[str]]:
        """Each project's first-level categories, by its seq (Q1 and Q2 both ask)."""
        if self._levels is None:
            self._levels = {seq: {item.kind.first_level for item in items}
                            for seq, items in self.items.items()}
        return self._levels

    def judged(self, rules: list[RuleSettings]) -> dict[str, list[Finding]]:
        """The findings of the item rules `rules` (each with a judge), by rule id, each
        rule's in the order of the items — as each rule's `check` gives them; what the
        rules say of an indicator is looked up by its texts, said once per profile."""
        said_of = _said(rules)
        found: list[list[Finding]] = [[] for _ in rules]
        for item, key in zip(self._all, self._keys, strict=True):
            said = said_of.get(key)
            if said is None:
                if len(said_of) >= _SAID_SIZE:
                    said_of.clear()  # bounded: a long load of ever new indicators
                said = said_of[key] = tuple(
                    (k, message) for k, s in enumerate(rules)
                    for message in s.rule.judge(item, s))  # type: ignore[misc]
            for k, message in said:
                s = rules[k]
                found[k].append(Finding(s.rule.id, s.severity, message, item.project.seq,
                                        item.position, item.indicator.span))
        return {s.rule.id: f for s, f in zip(rules, found, strict=True)}

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


_SAID_SIZE = 65536  # indicators' texts kept per profile
# per rules and settings: the catalogue the messages were said from, and text key → the
# (rule's position, message) pairs the item rules say of such an indicator
_SAID: dict[tuple[Any, ...], tuple[dict[str, str], dict[TextKey, tuple[tuple[int, str], ...]]]
            ] = {}


def _said(rules: list[RuleSettings]) -> dict[TextKey, tuple[tuple[int, str], ...]]:
    """The messages already said by these rules at these settings, in the language in use
    (a new catalogue, another language: said again)."""
    signature = tuple((s.rule.id, s.severity, repr(s.params)) for s in rules)
    words = messages.catalogue()
    kept = _SAID.get(signature)
    if kept is None or kept[0] is not words:
        if len(_SAID) >= 8:  # a few profiles at a time
            _SAID.clear()
        kept = _SAID[signature] = (words, {})
    return kept[1]


@functools.lru_cache(maxsize=65536)  # indicators repeat, within a table and across tables
def _understood(key: TextKey) -> tuple[Target, Classification]:
    """An indicator's parsed target and its classification (taxonomy.classify), cached by
    the texts they depend on: one look-up instead of hashing the parsed target again."""
    category, name, target, _raw, has_form, level2, direction = key
    parsed = parse(target)
    return parsed, classify_fields(category, name, parsed, has_form, level2, direction)
