"""Unreadable input gets a clear error (file, line, what was expected), exit code 2, and
nothing stored; readable input in other encodings and line ends reads the same."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from conftest import SAMPLE
from fields import field_mismatches
from jixiao import store
from jixiao.cli import app
from jixiao.errors import ReadError
from jixiao.interchange import to_dict
from jixiao.readers import read
from jixiao.store.schema import documents, indicators, projects

runner = CliRunner()
SAMPLE_TEXT = SAMPLE.read_text(encoding="utf-8")
SAMPLE_LINES = SAMPLE_TEXT.split("\n")


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _ingest_fails(tmp_path: Path, path: Path) -> str:
    """Ingest through the CLI: exit code 2, the file named, nothing in the database."""
    db = tmp_path / "store.sqlite"
    result = runner.invoke(app, ["ingest", "--db", str(db), str(path)])
    assert result.exit_code == 2, result.output
    assert path.name in result.stderr
    engine = store.connect(str(db))
    with engine.connect() as conn:
        for table in (documents, projects, indicators):
            assert conn.execute(select(func.count()).select_from(table)).scalar() == 0
    return result.stderr


@pytest.mark.parametrize(("name", "data", "code"), [
    ("empty.txt", b"", "empty"),
    ("blank.txt", b"\n\n  \r\n", "empty"),
    ("random.bin", bytes(range(256)) * 8, "not-text"),
    ("table.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "bad-pdf"),  # a PDF cut short
    ("table.xlsx", b"PK\x03\x04" + bytes(64), "bad-xlsx"),
    ("noise.txt", "这不是一张表。\n只是一些文字。\n".encode(), "no-table"),
    ("header-only.txt", "项目支出绩效目标表\n项目名称（资金使用单位） 总计 财政拨款\n".encode(),
     "no-table"),
])
def test_unreadable_files_are_refused_with_a_code(tmp_path: Path, name: str, data: bytes,
                                                  code: str) -> None:
    path = _write(tmp_path, name, data)
    with pytest.raises(ReadError) as info:
        read(path)
    assert info.value.code == code
    assert info.value.span.file == name
    stderr = _ingest_fails(tmp_path, path)
    assert code in stderr


def test_invalid_bytes_in_neither_encoding_name_the_line(tmp_path: Path) -> None:
    data = "项目支出绩效目标表\n第二行\n".encode() + b"\x81\x20\xff\xfe\n"
    with pytest.raises(ReadError) as info:
        read(_write(tmp_path, "broken.txt", data))
    assert info.value.code == "bad-encoding"
    assert info.value.span.first_line == 3


@pytest.mark.parametrize(("name", "encode"), [
    ("gb18030.txt", lambda t: t.encode("gb18030")),
    ("gbk.txt", lambda t: t.replace("\xa0", " ").encode("gbk")),  # GBK has no U+00A0
    ("bom.txt", lambda t: b"\xef\xbb\xbf" + t.encode("utf-8")),
    ("crlf.txt", lambda t: t.replace("\n", "\r\n").encode("utf-8")),
    ("gbk-crlf.txt", lambda t: t.replace("\xa0", " ").replace("\n", "\r\n").encode("gbk")),
])
def test_other_encodings_and_line_ends_read_the_same(tmp_path: Path, gold_json: dict, name: str,
                                                     encode) -> None:
    doc = read(_write(tmp_path, name, encode(SAMPLE_TEXT)))
    n, misses = field_mismatches(gold_json, to_dict(doc))
    assert (n, misses) == (2477, [])
    assert doc.projects[40].field_spans["goal"].first_line == 514  # line numbers unchanged
    assert doc.source.encoding in {"gb18030", "utf-8-sig", "utf-8"}
    assert doc.source.encoding == {"gb18030.txt": "gb18030", "gbk.txt": "gb18030",
                                   "bom.txt": "utf-8-sig"}.get(name, doc.source.encoding)


# Cut the sample inside its last project (#142: name/amounts on line 1704, goal 1705-1706,
# items 1708-1711) and inside an earlier one (#1: 12 amounts, 13-14 goal, 16-18 items).
@pytest.mark.parametrize(("keep", "cut_line", "what"), [
    (1704, 1704, "indicators"),  # after the amount line
    (1705, 1705, "indicators"),  # inside the goal
    (1706, 1706, "indicators"),  # after the goal
    (14, 12, "goal and indicators"),  # the table stops inside the first project
])
def test_truncated_table_names_the_line_and_what_was_expected(tmp_path: Path, keep: int,
                                                              cut_line: int, what: str) -> None:
    text = "\n".join(SAMPLE_LINES[:keep]) + "\n"
    if keep == 14:  # make the first project end without indicators
        text = "\n".join(SAMPLE_LINES[:10] + SAMPLE_LINES[11:keep]) + "\n"
    path = _write(tmp_path, "truncated.txt", text.encode())
    with pytest.raises(ReadError) as info:
        read(path)
    assert info.value.code == "truncated"
    assert info.value.span.first_line is not None
    assert "应有" in info.value.message  # what was expected
    _ingest_fails(tmp_path, path)


@pytest.mark.parametrize("cut", ["1、产出指标：监控率；年度", "1、产出指标：监控率；年度指标值:",
                                 "1、产出指标：监控率；年度指标值:95%;\n2、产出指标"])
def test_table_cut_inside_an_indicator(tmp_path: Path, cut: str) -> None:
    text = "\n".join(SAMPLE_LINES[:1707]) + "\n" + cut + "\n"
    with pytest.raises(ReadError) as info:
        read(_write(tmp_path, "cut.txt", text.encode()))
    assert info.value.code == "truncated"
    assert info.value.span.first_line in (1708, 1709)
    assert "年度指标值" in info.value.message


def test_table_cut_inside_a_target_is_read_with_a_warning(tmp_path: Path) -> None:
    """'…年度指标值:9' may be a whole target or a cut one: read, and say so."""
    text = "\n".join(SAMPLE_LINES[:1707]) + "\n1、产出指标：监控率；年度指标值:9\n"
    doc = read(_write(tmp_path, "cut.txt", text.encode()))
    assert doc.projects[-1].indicators[-1].target == "9"
    [warning] = [w for w in doc.warnings if w.code == "possibly-truncated"]
    assert warning.span.first_line == 1708


def test_name_without_amounts_at_the_end(tmp_path: Path) -> None:
    text = SAMPLE_TEXT + "\n广州市公安局某支队2023年运维项目\n"
    with pytest.raises(ReadError) as info:
        read(_write(tmp_path, "dangling.txt", text.encode()))
    assert info.value.code == "truncated"
    assert info.value.span.first_line == 1715


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["read", str(tmp_path / "nope.txt")])
    assert result.exit_code == 2
    assert "nope.txt" in result.stderr and "文件不存在" in result.stderr


def test_one_bad_file_does_not_stop_the_others(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    bad = _write(tmp_path, "empty.txt", b"")
    result = runner.invoke(app, ["ingest", "--db", str(db), str(bad), str(SAMPLE)])
    assert result.exit_code == 2
    assert [d.projects for d in store.list_documents(store.connect(str(db)))] == [142]
    assert os.path.exists(db)
