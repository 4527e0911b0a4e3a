"""绩效运行监控: time progress, execution progress, expected completion and lights."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pypdfium2 as pdfium
from openpyxl import load_workbook
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.evaluation import load_profile
from jixiao.evaluation.monitoring import light, monitor_project, time_progress
from jixiao.evaluation.scoring import score_project
from jixiao.targets import Status
from test_scoring import answers, project

CENTRAL = load_profile("central")
ITEMS = [("产出指标", "维修数量", "≥100个"), ("产出指标", "合格率", "≥95%"),
         ("效益指标", "办案效率", "提升")]


def test_time_progress_counts_the_day_itself() -> None:
    assert time_progress(date(2023, 7, 31)) == D(212) / 365
    assert time_progress(date(2024, 12, 31)) == 1  # a leap year has 366 days
    assert time_progress(date(2023, 1, 1)) == D(1) / 365


def test_lights_by_the_profiles_thresholds() -> None:
    assert [light(D(x), CENTRAL) for x in ("0", "0.09", "0.10", "0.19", "0.20", "0.5")] == [
        "green", "green", "yellow", "yellow", "red", "red"]


def test_a_project_at_the_end_of_july() -> None:
    on = date(2023, 7, 31)  # 58.1 % of the year
    spent = monitor_project(project(ITEMS), answers(["50个", "96%", "部分达成"],
                                                    executed="45.00"), on, CENTRAL)
    assert spent.execution_progress == D("0.45") and spent.light == "yellow"  # 13 points behind
    behind = monitor_project(project(ITEMS), answers(["50个", "96%", "达成"], executed="30.00"),
                             on, CENTRAL)
    assert behind.light == "red"  # 28 points behind
    count, rate, state = spent.indicators
    assert count.expected == "预计完成 86.08%"  # 0.5 / (212/365) = 0.86085…
    assert (rate.expected, rate.light, rate.likelihood) == ("预计完成 100.00%", "green", "确定能")
    assert (state.expected, state.light) == ("预计部分达成", "yellow")


def test_cli_monitor_writes_the_form(tmp_path: Path) -> None:
    table = Path(__file__).parent / "data" / "guangzhou-psb-targets.txt"
    sheet = tmp_path / "mid-year.xlsx"
    runner = CliRunner()
    assert runner.invoke(app, ["actuals", "template", str(table), "-o", str(sheet),
                               "--generate", "5", "--period", "2023-07-31"]).exit_code == 0
    db = str(tmp_path / "m.sqlite")
    assert runner.invoke(app, ["ingest", "--db", db, str(table)]).exit_code == 0
    stored = runner.invoke(app, ["actuals", "import", str(sheet), "--doc", "1", "--db", db],
                           env={"COLUMNS": "200"})
    # a mid-year report, by its date
    assert "（2023 年度，2023-07-31）已与文档 1 一起存储" in stored.output
    result = runner.invoke(app, ["monitor", str(table), "--actuals", str(sheet), "--date",
                                 "2023-07-31", "-o", str(tmp_path / "m.xlsx")],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "项目：绿 " in result.output
    rows = list(load_workbook(tmp_path / "m.xlsx").active.iter_rows(min_row=3))
    assert len(rows) == 540 and rows[0][-1].value in ("绿", "黄", "红")
    pdf = tmp_path / "m.pdf"
    assert runner.invoke(app, ["monitor", str(table), "--actuals", str(sheet), "--date",
                               "2023-07-31", "-o", str(pdf)]).exit_code == 0
    first = pdfium.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert "绩效运行监控表" in first and "时间进度 58.08%" in first
    bad = runner.invoke(app, ["monitor", str(table), "--actuals", str(sheet), "--date", "July"])
    assert bad.exit_code == 2 and "2023-07-31" in bad.stderr


def test_a_compound_target_is_judged_by_its_weakest_part_in_monitoring_as_in_scoring(
        ) -> None:
    """One rule for compound targets (docs/scoring.md): every part must be met, the weakest
    part counts. 1200万条 of ≥1000万条 is met, 2.5TB of ≥5TB is half: the indicator is half
    done — not met (below the 0.6 of 部分达成), a red light, half its points: the central
    method's 90 indicator points all go to 产出 (the only category), 45 each, 22.5 here."""
    items = [("产出指标", "迁移数据量", "迁移数据≥1000万条 存储量≥5TB"),
             ("产出指标", "合格率", "≥95%")]
    reported = answers(["迁移数据1200万条 存储量2.5TB", "96%"], executed="100.00")
    watched = monitor_project(project(items), reported, date(2023, 12, 31), CENTRAL)
    scored = score_project(project(items), reported, CENTRAL)
    assert (watched.indicators[0].light, watched.indicators[0].expected) == ("red", "预计未达成")
    assert (scored.indicators[0].status, scored.indicators[0].points) == (Status.NOT_MET, D("22.5"))
    assert watched.indicators[1].light == "green" and scored.indicators[1].status is Status.MET
