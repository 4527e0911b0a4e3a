from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from conftest import SAMPLE
from fields import field_mismatches
from jixiao.cli import app

runner = CliRunner()


def test_read_json_prints_the_interchange_json(gold_json: dict) -> None:
    """The real console entry point, as a user runs it."""
    run = subprocess.run([sys.executable, "-m", "jixiao.cli", "read", str(SAMPLE), "--format",
                          "json"], capture_output=True, text=True, check=True)
    data = json.loads(run.stdout)
    assert field_mismatches(gold_json, data) == (2477, [])
    assert data["document"]["source"]["file"] == "guangzhou-psb-targets.txt"
    assert {w["code"] for w in data["document"]["warnings"]} >= {"goal-out-of-order",
                                                                  "missing-category"}


def test_read_table_shows_totals_and_projects() -> None:
    result = runner.invoke(app, ["read", str(SAMPLE)], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "248,530.64" in result.output and "247,400.91" in result.output
    assert "142 个项目，540 个指标" in result.output
    assert "业务用房物业管理费" in result.output


def test_ingest_list_show(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.sqlite")
    env = {"COLUMNS": "200", "JIXIAO_DB": db}
    ingested = runner.invoke(app, ["ingest", str(SAMPLE)], env=env)
    assert ingested.exit_code == 0, ingested.output
    row = next(line for line in ingested.output.splitlines() if "guangzhou" in line)
    assert [cell.strip() for cell in row.strip("│ ").split("│")] == [
        # 44 from the reader, 2 from the cross-checks (unit-subtotal, grand-total)
        "guangzhou-psb-targets.txt", "新增", "1", "142", "540", "247,400.91", "46"]
    assert f"sqlite:///{db}" in ingested.output
    again = runner.invoke(app, ["ingest", str(SAMPLE)], env=env)
    assert "未变（已存储）" in again.output

    listed = runner.invoke(app, ["list"], env=env)
    assert listed.exit_code == 0
    assert "广州市公安局" in listed.output and "247,400.91" in listed.output

    shown = runner.invoke(app, ["show", "1", "41"], env=env)
    assert shown.exit_code == 0
    assert "第514–516行" in shown.output  # the goal printed after the indicators
    assert "公安政务服务网办率" in shown.output and "90%" in shown.output

    missing = runner.invoke(app, ["show", "7"], env=env)
    assert missing.exit_code == 1
    assert "没有文档“7”" in missing.stderr
    assert os.path.getsize(db) > 0


MARKUP_TABLE = """项目支出绩效目标表
部门名称：测试局
项目名称（资金使用单位） 总计 财政拨款 财政专户拨款 其他资金 绩效目标 绩效指标
测试[red]项目 10.00 10.00
通过实施该项目，保障运行。
1、产出指标：系统可用率；年度指标值:≥99%;
3、产出指标：巡检次数；年度指标值:[12]次;
"""


def test_text_from_the_table_is_printed_literally(tmp_path: Path) -> None:
    """Brackets in names, targets and messages are data, not Rich markup."""
    path = tmp_path / "markup.txt"
    path.write_text(MARKUP_TABLE, encoding="utf-8")
    result = runner.invoke(app, ["read", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "测试[red]项目" in result.output
    assert "的指标序号为 [1, 3]" in result.output  # the item-numbering warning


GZ_PDF = Path(__file__).parent / "data" / "real" / "pdf" / "gz-zwfw-2026-xiangmu-mubiaobiao.pdf"


def test_show_of_a_pdf_project_prints_its_warnings() -> None:
    """A PDF's spans have pages, not lines: the project's warnings are those of its pages.
    Project 39 of the 广州 政务服务数据管理局 PDF (page 7) gives its target as “涉密”, which no
    grammar reads; project 45 (page 8) writes “涉密项目”."""
    shown = runner.invoke(app, ["show", str(GZ_PDF), "39"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    notes = [line for line in shown.output.splitlines() if line.startswith("unparsed-target")]
    assert len(notes) == 1 and quoted("涉密", notes[0]) and "第7页" in notes[0]
    other = runner.invoke(app, ["show", str(GZ_PDF), "45"], env={"COLUMNS": "200"})
    notes = [line for line in other.output.splitlines() if line.startswith("unparsed-target")]
    assert len(notes) == 1 and quoted("涉密项目", notes[0]) and "第8页" in notes[0]


def quoted(text: str, line: str) -> bool:
    """`text` quoted whole in a message ('…' or “…”: the catalogue's Chinese quotes)."""
    return any(f"{a}{text}{b}" in line for a, b in (("'", "'"), ("“", "”")))
