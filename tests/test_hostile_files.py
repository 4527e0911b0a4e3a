"""Hostile files (issue 12): zip bombs, XXE, damaged PDFs, empty and absurd tables, and a
fuzz test over every container the readers accept.

Bombs are made for real with zipfile and read in a child process under a 1.5 GB address
space limit, so a regression fails the test instead of exhausting the machine.
"""

from __future__ import annotations

import io
import json
import random
import re
import resource
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.errors import ReadError
from jixiao.limits import LimitError, Limits
from jixiao.model import Document
from jixiao.readers import read_bytes
from jixiao.readers.containers import check_zip

SAMPLE = Path(__file__).parents[1] / "examples" / "guangzhou-psb-targets.txt"
MEMORY = 1536 * 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
runner = CliRunner()


# ---- the sample in every container, made by the project's own CLI ---------------------


@pytest.fixture(scope="module")
def containers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("containers")
    made = {"txt": SAMPLE.read_bytes()}
    for ext in ("xlsx", "pdf"):
        result = runner.invoke(app, ["publish", str(SAMPLE), "-o", str(out / f"t.{ext}")])
        assert result.exit_code == 0, result.output
        made[ext] = (out / f"t.{ext}").read_bytes()
    result = runner.invoke(app, ["read", str(SAMPLE), "--format", "json"])
    assert result.exit_code == 0
    made["json"] = result.stdout.encode()
    assert len(read_bytes(made["json"], "t.json").projects) == 142
    return made


# ---- reading in a child process under a memory limit ----------------------------------

CHILD = """
import json, sys
from jixiao.errors import ReadError
from jixiao.limits import LimitError, Limits
from jixiao.readers import read_bytes
path, overrides = sys.argv[1], json.loads(sys.argv[2])
try:
    doc = read_bytes(open(path, "rb").read(), path, Limits.from_mapping(overrides))
    out = {"outcome": "document", "projects": len(doc.projects)}
except LimitError as exc:
    out = {"outcome": "limit", "limit": exc.limit, "found": exc.found, "message": exc.message}
except ReadError as exc:
    out = {"outcome": "error", "code": exc.code, "message": exc.message}
print(json.dumps(out, ensure_ascii=False))
"""


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def read_in_child(tmp_path: Path, data: bytes, name: str = "bomb.xlsx",
                  **limits: int) -> dict[str, Any]:
    path = tmp_path / name
    path.write_bytes(data)
    done = subprocess.run([sys.executable, "-c", CHILD, str(path), json.dumps(limits)],
                          capture_output=True, text=True, timeout=120, preexec_fn=_limit_memory)
    assert done.returncode == 0, done.stderr[-2000:]  # a MemoryError would land here
    return json.loads(done.stdout)


# ---- workbooks made for real -----------------------------------------------------------


def workbook(sheet: Iterator[bytes] | bytes | None = None,
             shared_strings: Iterator[bytes] | bytes | None = None,
             level: int = 9, zip64: bool = True) -> bytes:
    """A real xlsx (openpyxl) with a header row, its sheet XML (and shared strings)
    replaced by what is given, streamed into the zip chunk by chunk."""
    book_bytes = io.BytesIO()
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["项目名称", "总计", "财政拨款", "财政专户拨款", "其他资金", "绩效目标",
                        "绩效指标"])
    book.save(book_bytes)
    source = zipfile.ZipFile(io.BytesIO(book_bytes.getvalue()))
    out = io.BytesIO()
    replaced = {name: body for name, body in
                ((SHEET, sheet), ("xl/sharedStrings.xml", shared_strings)) if body is not None}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as target:
        for info in source.infolist():
            if info.filename not in replaced:
                target.writestr(info.filename, source.read(info.filename))
        for name, body in replaced.items():
            with target.open(name, "w", force_zip64=zip64) as member:
                for chunk in [body] if isinstance(body, bytes) else body:
                    member.write(chunk)
    return out.getvalue()


def sheet_xml(rows: Iterator[bytes], head: bytes = b"") -> Iterator[bytes]:
    yield f'<?xml version="1.0"?><worksheet xmlns="{MAIN}">'.encode() + head + b"<sheetData>"
    yield from rows
    yield b"</sheetData></worksheet>"


def cell_rows(rows: int, cells: int) -> Iterator[bytes]:
    row = b"<row>" + b'<c t="n"><v>1</v></c>' * cells + b"</row>"
    batch = row * 100
    for _ in range(rows // 100):
        yield batch


def refusal_cpu(bomb: bytes, name: str) -> float:
    """The best of three refusals' CPU seconds, the reader's imports already paid."""
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        with pytest.raises(LimitError):
            read_bytes(bomb, name)
        best = min(best, time.process_time() - started)
    return best


def inflate_cpu(bomb: bytes, most: int | None = None) -> float:
    """CPU seconds zlib takes to inflate the sheet (its first `most` bytes): the floor
    of any reader that looks at the cells."""
    started = time.process_time()
    inflated = 0
    with zipfile.ZipFile(io.BytesIO(bomb)).open(SHEET) as member:
        while (chunk := member.read(1 << 20)) and (most is None or inflated < most):
            inflated += len(chunk)
    return time.process_time() - started


def test_a_sheet_of_50_mb_of_cells_is_refused_by_its_zip_directory(tmp_path: Path) -> None:
    bomb = workbook(sheet_xml(cell_rows(24_000, 100)))
    unpacked = zipfile.ZipFile(io.BytesIO(bomb)).getinfo(SHEET).file_size
    assert unpacked > 50_000_000 and len(bomb) < 400_000  # the issue's 155 KB → 50 MB
    with pytest.raises(LimitError) as caught:
        read_bytes(bomb, "bomb.xlsx")
    # refused before the work: beside inflating the sheet, in CPU time of one run
    assert refusal_cpu(bomb, "bomb.xlsx") < inflate_cpu(bomb) / 10
    assert caught.value.limit == "compression_ratio" and caught.value.found > 100
    assert SHEET in caught.value.message and "zip 炸弹" in caught.value.message
    child = read_in_child(tmp_path, bomb)
    assert child["outcome"] == "limit" and child["limit"] == "compression_ratio"


def test_with_the_ratio_lifted_streaming_stops_at_the_cell_limit(tmp_path: Path) -> None:
    bomb = workbook(sheet_xml(cell_rows(24_000, 100)))
    child = read_in_child(tmp_path, bomb, compression_ratio=10**6, cells=1_000_000)
    assert child["outcome"] == "limit" and child["limit"] == "cells"
    assert child["found"] == 1_000_001  # stopped at the first cell over the limit
    # a lower limit stops sooner: the count, not the <dimension>, decides
    with pytest.raises(LimitError) as caught:
        read_bytes(workbook(sheet_xml(cell_rows(2_000, 10), b'<dimension ref="A1:B2"/>')),
                   "lie.xlsx", Limits(cells=5_000))
    assert caught.value.limit == "cells" and caught.value.found == 5_001
    assert "工作表" in caught.value.message and "单元格数" in caught.value.message


def test_a_gigabyte_of_white_space_is_refused_before_it_is_inflated(tmp_path: Path) -> None:
    def spaces() -> Iterator[bytes]:  # 1 GiB, never held in memory
        chunk = b" " * (1 << 20)
        yield f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData>'.encode()
        for _ in range(1024):
            yield chunk
        yield b"</sheetData></worksheet>"

    bomb = workbook(spaces(), level=1)
    assert zipfile.ZipFile(io.BytesIO(bomb)).getinfo(SHEET).file_size > 1 << 30
    with pytest.raises(LimitError) as caught:
        read_bytes(bomb, "spaces.xlsx")
    # refused before the work: beside inflating a 16th of the member (64 MiB of its 1 GiB)
    assert refusal_cpu(bomb, "spaces.xlsx") < inflate_cpu(bomb, 64 << 20) / 10
    assert caught.value.limit == "member_bytes" and caught.value.found > 1 << 30
    assert read_in_child(tmp_path, bomb)["limit"] == "member_bytes"


def test_one_huge_shared_string_is_refused_by_its_length(tmp_path: Path) -> None:
    rng = random.Random(12)
    text = "".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(200_000))  # 600 KB
    strings = (f'<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>{text}</t></si>'
               "</sst>").encode()
    bomb = workbook(shared_strings=strings)
    with pytest.raises(LimitError) as caught:
        read_bytes(bomb, "string.xlsx")
    assert caught.value.limit == "cell_chars" and caught.value.found > 32_767
    assert "共享字符串表 xl/sharedStrings.xml" in caught.value.message
    # the same text inline in a cell
    inline = sheet_xml(iter([f'<row r="1"><c r="A1" t="inlineStr"><is><t>{text}</t></is></c>'
                             "</row>".encode()]))
    with pytest.raises(LimitError) as caught:
        read_bytes(workbook(inline), "inline.xlsx")
    assert caught.value.limit == "cell_chars" and "工作表" in caught.value.message
    # a 1.1 GB shared string: refused from the zip directory
    def huge() -> Iterator[bytes]:
        yield f'<sst xmlns="{MAIN}"><si><t>'.encode()
        chunk = "字".encode() * (1 << 18)
        for _ in range(1400):
            yield chunk
        yield b"</t></si></sst>"

    child = read_in_child(tmp_path, workbook(shared_strings=huge(), level=1))
    assert child["outcome"] == "limit" and child["limit"] == "member_bytes"


@pytest.mark.parametrize(("row", "limit"), [
    (b'<row r="1048576"><c r="A1048576"><v>1</v></c></row>', "rows"),
    (b'<row r="1"><c r="XFD1"><v>1</v></c></row>', "columns"),
])
def test_cell_references_count_as_they_are_given(row: bytes, limit: str) -> None:
    with pytest.raises(LimitError) as caught:
        read_bytes(workbook(sheet_xml(iter([row]))), "refs.xlsx")
    assert caught.value.limit == limit


def test_a_merged_range_counts_every_cell_it_covers() -> None:
    """openpyxl makes a cell of every position of a merged range, 20 million here."""
    body = sheet_xml(iter([b'<row r="1"><c r="A1"><v>1</v></c></row>']))
    xml = b"".join(body).replace(b"</sheetData>",
                                 b'</sheetData><mergeCells count="1"><mergeCell '
                                 b'ref="A2:GR100001"/></mergeCells>')
    with pytest.raises(LimitError) as caught:
        read_bytes(workbook(xml), "merged.xlsx")
    assert caught.value.limit == "cells" and caught.value.found == 200 * 100_000 + 1


def test_many_members_and_a_member_that_lies_about_its_size() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for k in range(2_001):
            z.writestr(f"x/{k}.xml", b"")
    with pytest.raises(LimitError) as caught:
        check_zip(out.getvalue(), "many.xlsx")
    assert caught.value.limit == "members" and caught.value.found == 2_001
    # the directory says 1,000 bytes, the data inflates to 10 MB: zipfile stops at the
    # declared size and fails the CRC, so nothing is unpacked beyond what was measured
    bomb = bytearray(workbook(sheet_xml(cell_rows(4_000, 100)), zip64=False))
    directory = bomb.rfind(SHEET.encode()) - 46
    assert bomb[directory:directory + 4] == b"PK\x01\x02"
    bomb[directory + 24:directory + 28] = (1000).to_bytes(4, "little")
    with pytest.raises(ReadError) as refused:
        read_bytes(bytes(bomb), "liar.xlsx")
    assert refused.value.code == "bad-xlsx" and not isinstance(refused.value, LimitError)


XXE = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
       b'<worksheet xmlns="' + MAIN.encode() + b'"><sheetData><row r="1"><c r="A1" '
       b't="inlineStr"><is><t>&e;</t></is></c></row></sheetData></worksheet>')
LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaaaaaaaa">'
          + b"".join(b'<!ENTITY %c "&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;">'
                     % ((ord("a") + k + 1,) + (ord("a") + k,) * 10) for k in range(9))
          + b']><sst xmlns="' + MAIN.encode() + b'"><si><t>&j;</t></si></sst>')


@pytest.mark.parametrize("part", ["sheet", "shared strings"])
def test_xml_entities_are_neither_resolved_nor_a_crash(part: str, tmp_path: Path) -> None:
    data = workbook(XXE) if part == "sheet" else workbook(shared_strings=LAUGHS)
    with pytest.raises(ReadError) as caught:
        read_bytes(data, "xxe.xlsx")
    assert caught.value.code == "bad-xlsx" and "DOCTYPE" in caught.value.message
    assert "root:" not in str(caught.value)
    assert read_in_child(tmp_path, data)["code"] == "bad-xlsx"


def test_the_guard_costs_little_beside_the_read(containers: dict[str, bytes]) -> None:
    data = containers["xlsx"]
    guard = read = float("inf")
    for _ in range(5):  # the best of five: the machine is shared
        started = time.process_time()
        check_zip(data, "t.xlsx")
        middle = time.process_time()
        read_bytes(data, "t.xlsx")
        guard, read = min(guard, middle - started), min(read, time.process_time() - middle)
    assert guard < 0.35 * read, (guard, read)


# ---- damaged PDFs ---------------------------------------------------------------------


@pytest.mark.parametrize("size", [58 * 1024, 64])
@pytest.mark.parametrize("where", [16, 0.05, 0.2, 0.35, 0.5, 0.8])
def test_a_damaged_pdf_is_never_read_silently_in_part(containers: dict[str, bytes],
                                                      where: float, size: int) -> None:
    data = containers["pdf"]
    at = where if isinstance(where, int) else int(len(data) * where)
    noise = random.Random(at).randbytes(min(size, len(data) - at))
    damaged = data[:at] + noise + data[at + len(noise):]
    try:
        doc = read_bytes(damaged, "damaged.pdf")
    except ReadError as exc:
        assert exc.code in {"damaged-pdf", "bad-pdf"}
        if exc.code == "damaged-pdf":
            assert "PDF 已损坏" in exc.message and "共 15 页" in exc.message
            assert "数据流无法解压" in exc.message or "交叉引用表" in exc.message
        return
    # read: then whole, or with a warning that names the pages not read
    noted = [w for w in doc.warnings if w.code in {"page-without-text", "missing-grand-total"}]
    assert len(doc.projects) == 142 or noted


def test_the_offsets_of_the_issue_are_refused(containers: dict[str, bytes]) -> None:
    """The issue's case: 58 KB of random bytes after the header left 13 of 142 projects."""
    data = containers["pdf"]
    damaged = data[:16] + random.Random(1).randbytes(58 * 1024) + data[16 + 58 * 1024:]
    with pytest.raises(ReadError) as caught:
        read_bytes(damaged, "damaged.pdf")
    assert caught.value.code == "damaged-pdf" and caught.value.span.page == 1
    assert "第 1–13 页读不出文字" in caught.value.message
    at = int(len(data) * 0.2)
    damaged = data[:at] + random.Random(1).randbytes(58 * 1024) + data[at + 58 * 1024:]
    with pytest.raises(ReadError) as caught:
        read_bytes(damaged, "damaged.pdf")
    # the pages after the broken stream, named (where they start depends on the fonts the
    # publish path finds, so on the layout)
    assert "1 个数据流无法解压" in caught.value.message
    assert re.search(r"第 \d+–15 页读不出文字", caught.value.message), caught.value.message


def test_pages_are_counted_before_they_are_read(containers: dict[str, bytes]) -> None:
    with pytest.raises(LimitError) as caught:
        read_bytes(containers["pdf"], "t.pdf", Limits(pdf_pages=10))
    assert caught.value.limit == "pdf_pages" and caught.value.found == 15
    assert len(read_bytes(containers["pdf"], "t.pdf").projects) == 142


# ---- empty and absurd tables ------------------------------------------------------------


def test_a_workbook_with_only_its_header_row_is_refused(containers: dict[str, bytes]) -> None:
    book = load_workbook(io.BytesIO(containers["xlsx"]))
    sheet = book.worksheets[0]
    sheet.delete_rows(4, sheet.max_row)  # title, department, header are rows 1–3
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ReadError) as caught:
        read_bytes(out.getvalue(), "header.xlsx")
    assert caught.value.code == "empty-table" and "没有项目行" in caught.value.message
    with pytest.raises(ReadError) as caught:
        read_bytes(workbook(), "bare-header.xlsx")
    assert caught.value.code == "empty-table"


def test_a_text_or_json_without_projects_is_refused(containers: dict[str, bytes]) -> None:
    header = b"\n".join(SAMPLE.read_bytes().splitlines()[:6])  # title, department, header
    with pytest.raises(ReadError) as caught:
        read_bytes(header, "header.txt")
    # the text reader's own word for it (no-table; no-form once the form reader tried too)
    assert caught.value.code in {"no-table", "no-form", "empty-table"}
    doc = json.loads(containers["json"])
    doc["projects"] = []
    with pytest.raises(ReadError) as caught:
        read_bytes(json.dumps(doc, ensure_ascii=False).encode(), "empty.json")
    assert caught.value.code == "empty-table"


def test_more_projects_or_indicators_than_the_limits_allow(containers: dict[str, bytes]) -> None:
    for ext in ("txt", "json", "xlsx"):
        with pytest.raises(LimitError) as caught:
            read_bytes(containers[ext], f"t.{ext}", Limits(projects=100))
        assert caught.value.limit == "projects" and caught.value.found == 142
        assert "项目数为 142" in caught.value.message
    with pytest.raises(LimitError) as caught:
        read_bytes(containers["txt"], "t.txt", Limits(indicators_per_project=5))
    assert caught.value.limit == "indicators_per_project"


# ---- fuzz: every outcome is a Document or a ReadError ------------------------------------


def _outcome(data: bytes, name: str) -> None:
    try:
        doc = read_bytes(data, name)
    except ReadError:
        return
    assert isinstance(doc, Document) and doc.projects


def mutations(data: bytes) -> st.SearchStrategy[bytes]:
    head = data[:8]
    random_bytes = st.binary(max_size=4096).map(lambda b: head + b)
    truncated = st.integers(0, len(data) - 1).map(lambda n: data[:n])
    flips = st.lists(st.tuples(st.integers(0, len(data) - 1), st.integers(0, 7)),
                     min_size=1, max_size=12)

    def flipped(positions: list[tuple[int, int]]) -> bytes:
        out = bytearray(data)
        for at, bit in positions:
            out[at] ^= 1 << bit
        return bytes(out)

    return st.one_of(random_bytes, truncated, flips.map(flipped))


def fuzz_settings(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize(("ext", "examples"), [("txt", 150), ("json", 150), ("xlsx", 150),
                                               ("pdf", 60)])
def test_fuzzed_containers_give_a_document_or_a_read_error(containers: dict[str, bytes],
                                                           ext: str, examples: int) -> None:
    @fuzz_settings(examples)
    @given(data=mutations(containers[ext]))
    def fuzz(data: bytes) -> None:
        _outcome(data, f"fuzz.{ext}")

    fuzz()
