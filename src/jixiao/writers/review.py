"""An audit as data (JSON) and as a review sheet (xlsx) a reviewer can annotate."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from jixiao import formatting
from jixiao.audit import GRADES, RULES, AuditReport
from jixiao.messages import level, say
from jixiao.model import Document, Finding, Project
from jixiao.writers.cells import append_row

# the findings sheet's columns (their heads: review.columns.<code>) and widths
SHEET_COLUMNS = (
    ("project", 8), ("project_name", 36), ("indicator", 8), ("indicator_name", 24),
    ("target", 16), ("rule", 22), ("level", 8), ("problem", 48), ("basis", 8), ("hint", 40),
    ("place", 14), ("state", 8), ("opinion", 40),
)
VERDICT_COLUMNS = ("project", "project_name", "verdict", "meaning", "errors", "warnings",
                   "infos", "state", "opinion")


def _heads(codes: Iterable[str]) -> list[str]:
    return [say(f"review.columns.{code}") for code in codes]


def _where(f: Finding) -> str:
    return formatting.span(f.span)  # page and lines, or the page alone (a PDF)


def _lookup(doc: Document) -> dict[int, Project]:
    return {p.seq: p for p in doc.projects}


def finding_dict(f: Finding, projects: dict[int, Project]) -> dict[str, Any]:
    project = projects.get(f.project) if f.project is not None else None
    indicator = project.indicators[f.indicator] if project and f.indicator is not None else None
    rule = RULES[f.rule]
    return {
        "rule": f.rule, "severity": str(f.severity), "title": rule.title, "basis": rule.basis,
        "message": f.message, "hint": rule.hint,
        "project": f.project, "project_name": project.name if project else None,
        "indicator": indicator.seq if indicator else None,
        "indicator_name": indicator.name if indicator else None,
        "target": indicator.target if indicator else None,
        "first_line": f.span.first_line, "last_line": f.span.last_line, "page": f.span.page,
    }


def report_dict(report: AuditReport, doc: Document) -> dict[str, Any]:
    projects = _lookup(doc)
    verdicts = report.verdicts()
    return {
        "profile": report.profile,
        "document": {"title": doc.title, "department": doc.department,
                     "source": doc.source.file},
        "verdicts": [{"project": seq, "name": projects[seq].name, "verdict": v,
                      "meaning": GRADES[v]} for seq, v in verdicts.items()],
        "counts": dict(report.counts()),
        "findings": [finding_dict(f, projects) for f in report.findings],
    }


def write_review_xlsx(report: AuditReport, doc: Document, path: str | Path | IO[bytes],
                      states: dict[int, tuple[str, str | None]] | None = None,
                      opinions: dict[int, str] | None = None) -> None:
    """Two sheets: 审核意见 (one row per finding, a blank 审核意见 column to fill in) and
    项目结论 (one row per project with its verdict). `states`: each project's state in the
    review cycle and its opinion (项目 → (状态, 意见)), written in the 状态 column beside
    审核意见 on both sheets; `opinions`: what was written on a finding (its position)."""
    states = states or {}
    opinions = opinions or {}
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = say("review.findings")
    append_row(sheet, _heads(code for code, _ in SHEET_COLUMNS))
    projects = _lookup(doc)
    for k, f in enumerate(report.findings):
        d = finding_dict(f, projects)
        state = states.get(f.project) if f.project is not None else None
        append_row(sheet, [d["project"], d["project_name"], d["indicator"], d["indicator_name"],
                           d["target"], f"{f.rule} {d['title']}", level(f.severity), f.message,
                           d["basis"], d["hint"], _where(f), state[0] if state else None,
                           opinions.get(k)])
    fills = {level(k): fill for k, fill in (("error", "F8CBAD"), ("warning", "FFE699"),
                                           ("info", "DDEBF7"))}
    for row in sheet.iter_rows(min_row=2):
        row[6].fill = PatternFill("solid", fgColor=fills[str(row[6].value)])
    verdicts = book.create_sheet(say("review.verdicts"))
    append_row(verdicts, _heads(VERDICT_COLUMNS))
    by_project = {seq: report.of_project(seq) for seq in report.projects}
    for seq, v in report.verdicts().items():
        fs = by_project[seq]
        append_row(verdicts, [seq, projects[seq].name, v, GRADES[v],
                              sum(f.severity == "error" for f in fs),
                              sum(f.severity == "warning" for f in fs),
                              sum(f.severity == "info" for f in fs),
                              *(states.get(seq) or (None, None))])
    for ws, widths in ((sheet, [w for _, w in SHEET_COLUMNS]),
                       (verdicts, [8, 40, 6, 30, 6, 6, 6, 8, 40])):
        for k, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(k)].width = width
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
    book.save(path)
