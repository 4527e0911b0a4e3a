"""The 项目支出绩效自评表 of every project: xlsx (a sheet per project and a summary) and
PDF (through the same HTML → PDF path as the published table)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from jixiao import formatting
from jixiao.evaluation import Actuals, ProjectScore, ScoringProfile
from jixiao.evaluation.scoring import two_decimals
from jixiao.formatting import percent
from jixiao.messages import say
from jixiao.model import Document
from jixiao.taxonomy import classify
from jixiao.writers.cells import append_row


def _r(value: Decimal | None) -> str:
    return "" if value is None else str(two_decimals(value))


def _context(doc: Document, scores: list[ProjectScore], actuals: Actuals,
             profile: ScoringProfile) -> dict[str, object]:
    units = {p.seq: u.name for u in doc.units for p in u.projects}
    second = {(s.project.seq, i.position): classify(i.indicator).second_level
              for s in scores for i in s.indicators}
    reasons = {key: a.reason for key, a in actuals.values.items()}
    return {"scores": scores, "year": actuals.year, "department": doc.department or "",
            "units": units, "second": second, "reasons": reasons,
            "execution_weight": profile.execution_weight, "money": formatting.money,
            "percent": percent, "r": _r}


def render_forms_html(doc: Document, scores: list[ProjectScore], actuals: Actuals,
                      profile: ScoringProfile) -> str:
    env = Environment(loader=PackageLoader("jixiao.writers", "templates"),
                      autoescape=select_autoescape(["html"]))
    return env.get_template("self_evaluation.html").render(
        **_context(doc, scores, actuals, profile))


def write_forms_pdf(doc: Document, scores: list[ProjectScore], actuals: Actuals,
                    profile: ScoringProfile, path: str | Path) -> Path:
    from weasyprint import HTML

    path = Path(path)
    HTML(string=render_forms_html(doc, scores, actuals, profile)).write_pdf(path)
    return path


def write_forms_xlsx(doc: Document, scores: list[ProjectScore], actuals: Actuals,
                     profile: ScoringProfile, path: str | Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    ctx = _context(doc, scores, actuals, profile)
    book = Workbook()
    summary = book.active
    summary.title = say("selfeval.summary")
    append_row(summary, [say(f"selfeval.summary-columns.{c}") for c in SUMMARY_COLUMNS])
    for s in scores:
        append_row(summary, [s.project.seq, s.project.name, s.budget, s.executed,
                             percent(s.execution_rate), s.execution_points,
                             s.total - s.execution_points, s.total, s.grade])
    for s in scores:
        sheet = book.create_sheet(str(s.project.seq))
        append_row(sheet, ["项目支出绩效自评表", say("selfeval.year", year=actuals.year)])
        append_row(sheet, ["项目名称", s.project.name])
        append_row(sheet, ["主管部门", doc.department, "实施单位",
                           ctx["units"][s.project.seq]])  # type: ignore[index]
        append_row(sheet, ["项目资金（万元）", "年初预算数", "全年预算数", "全年执行数", "分值",
                           "执行率", "得分"])
        append_row(sheet, ["年度资金总额", s.budget, s.adjusted_budget, s.executed,
                           profile.execution_weight, percent(s.execution_rate), s.execution_points])
        append_row(sheet, ["年度总体目标", s.project.goal])
        append_row(sheet, ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值",
                           "得分", "偏差原因分析及改进措施", say("selfeval.formula")])
        for i in s.indicators:
            append_row(sheet, [i.category, ctx["second"][(s.project.seq, i.position)],  # type: ignore[index]
                               i.indicator.name, i.indicator.target, i.actual,
                               Decimal(_r(i.weight)), Decimal(_r(i.points)),
                               actuals.values[(s.project.seq, i.position)].reason
                               if (s.project.seq, i.position) in actuals.values else None,
                               i.formula])
        append_row(sheet, ["总分", None, None, None, None, 100, s.total,
                           say("selfeval.grade", grade=s.grade)])
        sheet["A1"].font = Font(bold=True, size=13)
        for row in sheet.iter_rows():
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        for column, width in zip("ABCDEFGHI", (12, 12, 24, 16, 16, 8, 8, 30, 40), strict=True):
            sheet.column_dimensions[column].width = width
    path = Path(path)
    book.save(path)
    return path


def write_monitoring_xlsx(doc: Document, monitors: list, on: object,
                          path: str | Path) -> Path:
    """The monitoring form (绩效运行监控表): a row per indicator with the project's progress,
    the five cause types as columns to tick, and the light."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    from jixiao.evaluation.monitoring import CAUSES

    book = Workbook()
    sheet = book.active
    sheet.title = "绩效运行监控表"
    append_row(sheet, [say("selfeval.monitoring-title", on=on), doc.department])
    append_row(sheet, [*MONITORING_HEADER[:12], *(say("selfeval.cause", cause=c) for c in CAUSES),
                       *MONITORING_HEADER[12:]])
    fills = {"green": "C6EFCE", "yellow": "FFEB9C", "red": "FFC7CE"}
    for m in monitors:
        rate = "" if m.execution_progress is None else percent(m.execution_progress)
        for i in m.indicators:
            append_row(sheet, [m.project.seq, m.project.name, m.budget, m.executed, rate,
                               percent(m.time_progress), LIGHTS[m.light], i.indicator.category,
                               i.indicator.name, i.target, i.current, i.expected,
                               *([None] * len(CAUSES)), i.cause, i.likelihood,
                               LIGHTS[i.light]])
            row = sheet.max_row
            # the project's light, the indicator's: 红/黄/绿 as the form writes them
            for column, light in ((7, m.light), (sheet.max_column, i.light)):
                sheet.cell(row, column).fill = PatternFill("solid", fgColor=fills[light])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.freeze_panes = "C3"
    path = Path(path)
    book.save(path)
    return path


LIGHTS = {"green": "绿", "yellow": "黄", "red": "红"}
# the 监控表's columns as the form prints them (the cause types go after the twelfth)
MONITORING_HEADER = ("项目序号", "项目名称", "全年预算数", "执行数", "执行进度", "时间进度",
                     "项目灯", "一级指标", "三级指标", "年度指标值", "当前执行情况",
                     "全年预计完成情况", "偏差原因备注", "完成目标可能性", "指标灯")
SUMMARY_COLUMNS = ("seq", "name", "budget", "executed", "rate", "execution", "indicators",
                   "total", "grade")


def write_monitoring_pdf(doc: Document, monitors: list, on: object, path: str | Path) -> Path:
    """The monitoring form on A4 landscape, a project's rows kept together."""
    from weasyprint import HTML

    from jixiao.evaluation.monitoring import time_progress

    env = Environment(loader=PackageLoader("jixiao.writers", "templates"),
                      autoescape=select_autoescape(["html"]))
    html = env.get_template("monitoring.html").render(
        monitors=monitors, on=on, department=doc.department or "",
        time_progress=time_progress(on),  # type: ignore[arg-type]
        percent=percent, lights=LIGHTS)
    path = Path(path)
    HTML(string=html).write_pdf(path)
    return path
