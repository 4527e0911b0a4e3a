"""What a revised table changed against the version before it (the review cycle's
revision page): projects added and dropped, and in each project kept its targets, goal and
money — read the way jixiao.compare reads a target's change from one year to the next."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from jixiao import matching
from jixiao.compare import ProjectYear, _step
from jixiao.messages import Labels
from jixiao.model import Document, Project


@dataclass(frozen=True, slots=True)
class TargetDiff:
    indicator: str
    before: str | None
    after: str | None
    change: str  # added, dropped, raised, lowered, rewritten

    @property
    def label(self) -> str:
        return CHANGE_LABELS[self.change]


@dataclass(frozen=True, slots=True)
class ProjectDiff:
    seq: int | None  # in the new version (None: dropped)
    before_seq: int | None
    name: str
    change: str  # added, dropped, changed
    total_before: Decimal | None = None
    total_after: Decimal | None = None
    goal_rewritten: bool = False
    targets: tuple[TargetDiff, ...] = ()

    @property
    def money_changed(self) -> bool:
        return self.change == "changed" and self.total_before != self.total_after

    @property
    def label(self) -> str:
        return CHANGE_LABELS[self.change]


@dataclass(frozen=True, slots=True)
class VersionDiff:
    before_id: int
    after_id: int
    projects: list[ProjectDiff]  # only those that changed
    total_before: Decimal
    total_after: Decimal
    unchanged: int  # projects alike in both

    def count(self, change: str) -> int:
        """Projects added, dropped or changed."""
        return sum(p.change == change for p in self.projects)

    def targets(self, change: str) -> int:
        return sum(t.change == change for p in self.projects for t in p.targets)

    @property
    def money(self) -> int:
        return sum(p.money_changed for p in self.projects)


CHANGE_LABELS = Labels("versions.changes",
                       ("added", "dropped", "raised", "lowered", "rewritten", "changed"))


def _project_year(doc_id: int, doc: Document, p: Project) -> ProjectYear:
    targets: dict[str, tuple[str, str, str | None]] = {}
    for i in p.indicators:
        targets.setdefault(matching.indicator_key(i.name), (i.name, i.target, i.category))
    return ProjectYear(doc_id, doc.year, doc.department, p.seq, p.name, p.goal,
                       p.amounts.total, targets)


def compare_versions(before_id: int, before: Document, after_id: int, after: Document
                     ) -> VersionDiff:
    """What a revised table changed: projects added and dropped (matched by their name's
    key, jixiao.matching), and in each project kept its targets added, dropped, raised,
    lowered or rewritten (jixiao.compare's reading of a target change), its goal rewritten
    and its money changed."""
    old = {matching.project_key(p.name): p for p in before.projects}
    new = {matching.project_key(p.name): p for p in after.projects}
    diffs: list[ProjectDiff] = []
    unchanged = 0
    for key, p in new.items():
        if key not in old:
            diffs.append(ProjectDiff(p.seq, None, p.name, "added", None, p.amounts.total))
            continue
        o = old[key]
        step = _step(_project_year(before_id, before, o), _project_year(after_id, after, p))
        targets = tuple(TargetDiff(c.indicator, c.before, c.after,
                                   "rewritten" if c.change == "changed" else c.change)
                        for c in step.changes if c.change != "unchanged")
        money = o.amounts.total != p.amounts.total
        if targets or money or not step.goal_unchanged:
            diffs.append(ProjectDiff(p.seq, o.seq, p.name, "changed", o.amounts.total,
                                     p.amounts.total, not step.goal_unchanged, targets))
        else:
            unchanged += 1
    for key, o in old.items():
        if key not in new:
            diffs.append(ProjectDiff(None, o.seq, o.name, "dropped", o.amounts.total, None))
    diffs.sort(key=lambda d: (d.seq if d.seq is not None else 10**9, d.before_seq or 0))
    return VersionDiff(before_id, after_id, diffs, before.project_total,
                       after.project_total, unchanged)
