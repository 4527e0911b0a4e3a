"""The CLI's rough edges (issue 16, item 8): each mistake answered with a clear Chinese
message and exit code 2, nothing written; the ingest summary saying which total is which;
project names readable at 80 columns. Each test failed before the change."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from conftest import SAMPLE
from jixiao.cli import app

runner = CliRunner()
WIDE = {"COLUMNS": "200"}


def test_a_mistyped_db_is_an_error_and_no_database_is_made(tmp_path: Path) -> None:
    missing = tmp_path / "typo" / "bureua.sqlite"
    for args in (["list"], ["show", "1"], ["users", "list"], ["export", "-o",
                                                              str(tmp_path / "e")]):
        result = runner.invoke(app, [*args, "--db", str(missing)], env=WIDE)
        assert result.exit_code == 2, (args, result.output)
        assert f"数据库文件不存在：{missing}" in result.stderr
        assert "ingest" in result.stderr  # how a store is made
        assert not missing.exists() and not missing.parent.exists()
    # $JIXIAO_DB names a file just as --db does
    result = runner.invoke(app, ["list"], env={**WIDE, "JIXIAO_DB": str(missing)})
    assert result.exit_code == 2 and "数据库文件不存在" in result.stderr


def test_the_commands_that_make_a_store_still_make_one(tmp_path: Path) -> None:
    made = tmp_path / "new" / "made.sqlite"
    result = runner.invoke(app, ["ingest", str(SAMPLE), "--db", str(made)], env=WIDE)
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["list", "--db", str(made)], env=WIDE).exit_code == 0
    upgraded = tmp_path / "upgraded.sqlite"
    result = runner.invoke(app, ["db", "upgrade", "--db", str(upgraded)])
    assert result.exit_code == 0 and upgraded.exists()
    users = tmp_path / "users.sqlite"
    result = runner.invoke(app, ["users", "add", "admin", "--password", "long enough pass",
                                 "--db", str(users)])
    assert result.exit_code == 0, result.output
    assert users.exists()


def test_a_missing_file_is_no_such_file(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    assert runner.invoke(app, ["ingest", str(SAMPLE), "--db", str(db)]).exit_code == 0
    for command in ("audit", "show", "publish", "targets"):
        args = [command, "nope.txt", "--db", str(db)]
        if command == "publish":
            args += ["-o", str(tmp_path / "x.pdf")]
        result = runner.invoke(app, args, env=WIDE)
        assert result.exit_code == 2, (command, result.output)
        assert "没有这个文件：nope.txt" in result.stderr, command
    # a stored file name is still a stored document
    result = runner.invoke(app, ["audit", SAMPLE.name, "--db", str(db)], env=WIDE)
    assert result.exit_code == 0, result.output
    # a reference that is no file name keeps its message (and exit 1)
    result = runner.invoke(app, ["show", "7", "--db", str(db)], env=WIDE)
    assert result.exit_code == 1 and "没有文档“7”" in result.stderr


def test_a_bad_database_url_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    jixiao = str(Path(sys.executable).with_name("jixiao"))
    for url, said in (("postgresql://nobody@127.0.0.1:1/none", "无法连接数据库"),
                      ("postgersql://nobody@localhost/none", "数据库地址无效"),
                      ("postgresql://nobody@127.0.0.1:notaport/none", "数据库地址无效")):
        result = subprocess.run([jixiao, "list", "--db", url], capture_output=True,
                                text=True, timeout=60, env={"COLUMNS": "200", "PATH": ""})
        assert result.returncode == 2, (url, result.stderr)
        assert said in result.stderr, (url, result.stderr)
        assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) <= 3
        assert "nobody" in result.stderr  # which URL it was


def test_years_are_bounded(tmp_path: Path) -> None:
    db = str(tmp_path / "s.sqlite")
    for args in (["ingest", str(SAMPLE), "--year", "1850"],
                 ["score", str(SAMPLE), "--year", "2101"],
                 ["actuals", "template", str(SAMPLE), "-o", str(tmp_path / "a.xlsx"),
                  "--year", "1850"],
                 ["compare", "indicator", "系统故障率", "--year", "20230"],
                 ["selfeval", "targets", "--year", "1989"]):
        result = runner.invoke(app, [*args, "--db", db], env=WIDE)
        assert result.exit_code == 2, (args, result.output)
        assert "年度应在 1990 至 2100 之间" in result.stderr, args
    assert not Path(db).exists()  # refused before anything was opened
    assert not (tmp_path / "a.xlsx").exists()


def test_unknown_output_suffixes_are_refused_with_those_allowed(tmp_path: Path) -> None:
    for args, allowed in ((["publish", str(SAMPLE), "-o"], ".pdf、.html、.xlsx"),
                          (["score", str(SAMPLE), "--year", "2023", "-o"], ".pdf、.xlsx"),
                          (["monitor", str(SAMPLE), "--actuals", str(SAMPLE), "--date",
                            "2023-07-31", "-o"], ".pdf、.xlsx")):
        target = tmp_path / "x.docx"
        result = runner.invoke(app, [*args, str(target)], env=WIDE)
        assert result.exit_code == 2, (args, result.output)
        assert f"不能写成 .docx：{target}" in result.stderr and allowed in result.stderr
        assert not target.exists()
    # the suffixes allowed still work, in any case
    result = runner.invoke(app, ["publish", str(SAMPLE), "-o", str(tmp_path / "t.XLSX")])
    assert result.exit_code == 0 and (tmp_path / "t.XLSX").exists()


def test_read_help_names_every_format() -> None:
    result = runner.invoke(app, ["read", "--help"], env=WIDE)
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    for name in ("文本", "JSON", "PDF", "xlsx", "xls", "docx", "HTML"):
        assert name in text, name


def test_project_names_at_80_columns_lose_the_shared_prefix_not_their_end() -> None:
    result = runner.invoke(app, ["read", str(SAMPLE)], env={"COLUMNS": "80"})
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "项目名称省去开头的“广州市公安局”" in result.output
    row = next(line for line in lines if line.startswith("│   3 │"))
    assert "广州市公安局" not in row and "网警支队2021年度网安信" in row
    # nothing cut: the rest of the name follows on the next lines
    joined = "".join(line.split("│")[2].strip() for line in lines[lines.index(row):][:3])
    assert "网警支队2021年度网安信息化项目" in joined
    first = next(k for k, line in enumerate(lines) if line.startswith("│   1 │"))
    note = next(k for k, line in enumerate(lines) if line.startswith("项目名称省去"))
    assert note > first + 142  # the note under the projects' table
    assert "…" not in "".join(line.split("│")[2] for line in lines[first:note - 1])
    # wide: the names as published; JSON: always the full name
    wide = runner.invoke(app, ["read", str(SAMPLE)], env={"COLUMNS": "200"})
    assert "广州市公安局网警支队2021年度网安信" in wide.output
    data = json.loads(runner.invoke(app, ["read", str(SAMPLE), "-f", "json"],
                                    env={"COLUMNS": "80"}).output)
    names = [p["name"] for p in data["projects"]]
    assert names[2].startswith("广州市公安局网警支队")


def test_the_ingest_summary_says_which_total_is_which(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ingest", str(SAMPLE), "--db", str(tmp_path / "s.sqlite")],
                           env=WIDE)
    assert result.exit_code == 0, result.output
    assert "项目之和 万元" in result.output and "total 万元" not in result.output
    assert ("guangzhou-psb-targets.txt：表上合计 248,530.64 万元，各项目总计之和 "
            "247,400.91 万元，相差 1,129.73 万元") in " ".join(result.output.split())


def test_mistakes_on_the_command_line_are_said_in_chinese(tmp_path: Path) -> None:
    """click's own parse errors (a missing option, a value of the wrong type, an unknown
    option or command, an extra argument) come in the catalogue's words, with the usage line
    and the help hint, exit 2 — and name what was typed."""
    from test_chinese import english

    sheet = str(tmp_path / "a.xlsx")
    for args, said in (
            (["monitor", str(SAMPLE), "--date", "2023-07-31"], "缺少选项 --actuals"),
            (["read"], "缺少参数 文件"),
            (["read", "--jobs", "zwei", str(SAMPLE)], "--jobs / -j 的值“zwei”无效：应为整数"),
            (["read", "--jobs", "0", str(SAMPLE)], "--jobs / -j 的值“0”无效：应不小于 1"),
            (["read", "-f", "yaml", str(SAMPLE)], "应为 json、table 之一"),
            (["read", "--colour", str(SAMPLE)], "没有选项 --colour"),
            (["read", str(SAMPLE), "extra"], "多余的参数：extra"),
            (["compare", "indicatr", "系统故障率"], "没有命令 indicatr（是不是 indicator？）"),
            (["actuals", "template", str(SAMPLE), "-o", sheet, "--year"],
             "选项 --year 后面应有一个值")):
        result = runner.invoke(app, args, prog_name="jixiao", env=WIDE)
        assert result.exit_code == 2, (args, result.output)
        text = " ".join(result.stderr.split())
        assert said in text, (args, text)
        assert "用法：jixiao" in text and "查看帮助" in text
        assert english(text, also={"read", "monitor", "compare", "actuals", "template",
                                   "json", "table", "yaml", "zwei", "extra", "colour",
                                   "indicatr", "indicator"}) == [], text
    assert not Path(sheet).exists()


def test_a_password_typed_twice_differently_is_asked_again(tmp_path: Path) -> None:
    db = str(tmp_path / "u.sqlite")
    result = runner.invoke(app, ["users", "add", "admin", "--db", db], prog_name="jixiao",
                           input="long enough 1\nlong enough 2\nlong enough 3\nlong enough 3\n",
                           env={**WIDE, "JIXIAO_PASSWORD": ""})
    assert result.exit_code == 0, result.output
    assert "两次输入的密码不一致" in result.stderr and "已添加用户 admin（管理员）" in result.output
    from jixiao import store
    from jixiao.store.accounts import authenticate

    assert authenticate(store.connect(db), "admin", "long enough 3") is not None
