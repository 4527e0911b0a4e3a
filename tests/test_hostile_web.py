"""Hostile clients against a real `jixiao serve` on loopback (issue 12): bodies too large,
sent anonymously or with a bad token, requests that would stall everyone, malformed JSON,
numbers that name nothing, and a crash between storing and logging.

The server runs under an address-space limit (1.5 GB), so a regression fails here instead
of exhausting the machine; with TMPDIR of its own, so what it spools to disk is seen. Each
attack asserts its status, that nothing was stored, the server's resident memory, and that
/healthz answered meanwhile (its latency is printed, not asserted: machines differ).
"""

from __future__ import annotations

import http.client
import json
import os
import resource
import select
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conftest import SAMPLE
from jixiao import store
from jixiao.audit import audit
from jixiao.interchange import to_dict
from jixiao.limits import DEFAULT as LIMITS
from jixiao.readers import read
from jixiao.store import accounts
from jixiao.store.store import Store, weight
from jixiao.synthetic import generate_actuals, generate_document
from jixiao.writers.text import render_text
from ports import free_port, wait_for_port
from webclient import PASSWORD

PSB = "广州市公安局"
EDU = "广州市教育局"
ADDRESS_SPACE = 1536 * 1024 * 1024  # the server's RLIMIT_AS
RSS_BOUND_MB = 700  # the server's resident memory during any attack
HUGE = 300 * 1024 * 1024  # the 300 MB upload, streamed, never allocated
CHUNK = 64 * 1024
BIG_PROJECTS = 6_000  # a large document whose first view must not stall others


@dataclass
class Server:
    url: str
    port: int
    pid: int
    db: str
    tmp: Path
    tokens: dict[str, str]
    engine: Any
    psb: int  # the sample, 2023
    big: int  # a document of BIG_PROJECTS projects, never viewed before its test

    def documents(self) -> int:
        return store.count_documents(self.engine)


def _limit_memory() -> None:  # in the server process, before exec
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("hostile")
    db = str(folder / "hostile.sqlite")
    engine = store.connect(db)
    admin = accounts.add_user(engine, "admin", PASSWORD, "admin")
    psb_user = accounts.add_user(engine, "psb", PASSWORD, "department", PSB)
    tokens = {"admin": accounts.add_api_token(engine, admin, "attack"),
              "psb": accounts.add_api_token(engine, psb_user, "attack")}
    doc = read(SAMPLE)
    psb = store.ingest(engine, doc, findings=audit(doc).findings, year=2023).document_id
    big_doc = generate_document(doc, seed=12, projects=BIG_PROJECTS)
    big = store.ingest(engine, big_doc, findings=audit(big_doc).findings).document_id
    tmp = folder / "tmp"
    tmp.mkdir()
    port = free_port()
    jixiao = str(Path(sys.executable).with_name("jixiao"))
    env = {**os.environ, "TMPDIR": str(tmp), "MALLOC_ARENA_MAX": "2"}
    process = subprocess.Popen([jixiao, "serve", "--port", str(port), "--db", db], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               preexec_fn=_limit_memory)
    try:
        wait_for_port(port, 60)
        yield Server(f"http://127.0.0.1:{port}", port, process.pid, db, tmp, tokens, engine,
                     psb, big)
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=20)
        print(errors.decode(errors="replace")[-3000:])  # the server's log, when one fails


# ---- measuring the server while it is attacked -----------------------------------------


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def temp_bytes(pid: int, tmp: Path) -> int:
    """What the server holds under its TMPDIR: named files, and the unnamed (O_TMPFILE) or
    deleted ones it has open, measured through /proc/PID/fd."""
    total = sum(p.stat().st_size for p in tmp.rglob("*") if p.is_file())
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            if os.readlink(fd).startswith(str(tmp)):
                total += os.stat(fd).st_size
        except OSError:
            continue  # closed meanwhile
    return total


@dataclass
class Watch:
    """/healthz, resident memory and temporary files, sampled every 50 ms in a thread."""

    server: Server
    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    rss: float = 0.0
    temp: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> Watch:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=60)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.rss = max(self.rss, rss_mb(self.server.pid))
            self.temp = max(self.temp, temp_bytes(self.server.pid, self.server.tmp))
            started = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
                conn.request("GET", "/healthz")
                ok = conn.getresponse().status == 200
                conn.close()
            except OSError:
                ok = False
            if ok:
                self.latencies.append(time.perf_counter() - started)
            else:
                self.failures += 1
            self._stop.wait(0.05)

    def report(self, what: str) -> str:
        worst = max(self.latencies, default=float("nan"))
        line = (f"{what}: /healthz answered {len(self.latencies)}× (worst {worst * 1000:.0f} "
                f"ms), server RSS ≤ {self.rss:.0f} MB, temp files ≤ {self.temp:,} bytes")
        print(line)
        return line

    def check(self, what: str) -> None:
        self.report(what)
        assert self.latencies and self.failures == 0, "/healthz did not answer"
        assert self.rss < RSS_BOUND_MB


# ---- raw HTTP: a body streamed from a generator, the answer read as soon as it comes ----


@dataclass
class Answer:
    status: int | None
    body: bytes
    sent: int  # body bytes the server accepted before it answered or closed


def raw_request(server: Server, method: str, path: str, headers: dict[str, str],
                body: Iterator[bytes], wait_first: float = 0.0) -> Answer:
    """Send the head, then the body chunk by chunk, stopping as soon as an answer is there
    (`wait_first`: how long to wait for one before the first chunk, as a client sending
    `Expect: 100-continue` does)."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    sock.sendall(head.encode("latin-1"))
    sent = 0
    wait = wait_first
    for chunk in body:
        if select.select([sock], [], [], wait)[0]:
            break  # answered: send no more
        wait = 0.0
        try:
            sock.sendall(chunk)
        except OSError:  # the server closed: it has answered
            break
        sent += len(chunk)
    received = b""
    try:
        while b"\r\n\r\n" not in received or not _complete(received):
            data = sock.recv(65536)
            if not data:
                break
            received += data
    except OSError:
        pass
    finally:
        sock.close()
    if not received:
        return Answer(None, b"", sent)
    status = int(received.split(b" ", 2)[1])
    return Answer(status, received.split(b"\r\n\r\n", 1)[1], sent)


def _complete(received: bytes) -> bool:
    head, _, rest = received.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(rest) >= int(line.split(b":")[1])
    return False


BOUNDARY = "hostileboundary"
PART_HEAD = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; "
             f"filename=\"big.txt\"\r\nContent-Type: text/plain\r\n\r\n").encode()


def multipart_stream(size: int) -> Iterator[bytes]:
    """A multipart upload of `size` bytes of one file, made as it is sent."""
    yield PART_HEAD
    line = "1、年度指标值达到百分之九十以上\n".encode()
    block = line * (CHUNK // len(line))
    for _ in range(size // len(block)):
        yield block


def chunked(stream: Iterator[bytes]) -> Iterator[bytes]:
    for piece in stream:
        yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    yield b"0\r\n\r\n"


def upload_headers(token: str | None, length: int | None = None) -> dict[str, str]:
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if length is None:
        headers["Transfer-Encoding"] = "chunked"
    else:
        headers["Content-Length"] = str(length)
    return headers


def error_of(answer: Answer) -> dict[str, str]:
    return json.loads(answer.body)["error"]


# ---- 1. bodies too large, bodies without a caller ---------------------------------------


def test_an_anonymous_300_mb_upload_is_refused_before_it_is_read(server: Server) -> None:
    before = server.documents()
    with Watch(server) as watch:
        answer = raw_request(server, "POST", "/api/v1/documents",
                             upload_headers(None, HUGE), multipart_stream(HUGE), wait_first=2)
    assert answer.status == 413
    error = error_of(answer)
    assert error["code"] == "too-large" and "upload_bytes" in error["message"]
    assert "20 MB" in error["message"]
    assert answer.sent == 0  # answered on its Content-Length alone
    assert watch.temp == 0 and server.documents() == before
    watch.check("anonymous 300 MB, Content-Length")


@pytest.mark.parametrize("token", [None, "jx_not-a-token"], ids=["anonymous", "bad-token"])
def test_a_chunked_300_mb_upload_without_a_caller_gets_401_unread(server: Server,
                                                                  token: str | None) -> None:
    before = server.documents()
    with Watch(server) as watch:
        answer = raw_request(server, "POST", "/api/v1/documents", upload_headers(token),
                             chunked(multipart_stream(HUGE)), wait_first=2)
    assert answer.status == 401
    assert error_of(answer)["code"] == "not-signed-in"
    assert answer.sent == 0  # refused on its headers: not a byte of the body was read
    assert watch.temp == 0 and server.documents() == before
    watch.check(f"chunked 300 MB, {token or 'no token'}")


def test_a_page_upload_without_a_session_goes_to_the_login_unread(server: Server) -> None:
    answer = raw_request(server, "POST", "/documents", upload_headers(None),
                         chunked(multipart_stream(HUGE)), wait_first=2)
    assert answer.status == 303 and answer.sent == 0


def test_a_signed_in_chunked_300_mb_upload_stops_at_the_limit(server: Server) -> None:
    before = server.documents()
    with Watch(server) as watch:
        answer = raw_request(server, "POST", "/api/v1/documents",
                             upload_headers(server.tokens["admin"]),
                             chunked(multipart_stream(HUGE)))
    assert answer.status == 413
    assert error_of(answer)["code"] == "too-large"
    # counted as it came: the server stopped reading a little past the limit (what the
    # sockets hold in flight aside), far from the 300 MB sent at it
    assert LIMITS.upload_bytes < answer.sent < LIMITS.upload_bytes + 16 * 1024 * 1024
    assert watch.temp <= LIMITS.upload_bytes + 1024 * 1024  # spooled: at most the limit
    assert server.documents() == before
    watch.check(f"signed-in chunked 300 MB (server took {answer.sent:,} bytes)")


def test_a_chunked_upload_within_the_limit_is_stored(server: Server) -> None:
    """Counting a body of unstated length does not get in the way of an honest one."""
    doc = generate_document(read(SAMPLE), seed=44, projects=7)
    data = render_text(doc).encode()
    body = (PART_HEAD.replace(b"big.txt", b"chunked.txt") + data
            + f"\r\n--{BOUNDARY}--\r\n".encode())
    before = server.documents()
    answer = raw_request(server, "POST", "/api/v1/documents",
                         upload_headers(server.tokens["admin"]),
                         chunked(iter([body[i:i + CHUNK] for i in range(0, len(body), CHUNK)])))
    assert answer.status == 201, answer.body
    assert json.loads(answer.body)["projects"] == 7 and server.documents() == before + 1


def test_a_signed_in_upload_declaring_300_mb_is_refused_unread(server: Server) -> None:
    answer = raw_request(server, "POST", "/api/v1/documents",
                         upload_headers(server.tokens["admin"], HUGE), multipart_stream(HUGE),
                         wait_first=2)
    assert answer.status == 413 and answer.sent == 0
    assert temp_bytes(server.pid, server.tmp) == 0


def _http(server: Server, method: str, path: str, token: str | None = "admin",
          **kwargs: Any) -> Any:
    import httpx

    headers = kwargs.pop("headers", {})
    if token:
        headers["Authorization"] = f"Bearer {server.tokens[token]}"
    return httpx.request(method, server.url + path, headers=headers, timeout=120, **kwargs)


# ---- 2. the department before the reading -----------------------------------------------


def test_another_departments_table_is_refused_before_it_is_read(server: Server) -> None:
    """A table of 教育局 whose head names its department, and nothing a reader could make
    a document of below: read first, it would be a 422 (no table); peeked, it is a 403."""
    head = f"2023年部门预算项目绩效目标表\n部门名称：{EDU}\n单位：万元\n".encode()
    header = "项目名称（资金使用单位） 总计 财政拨款 财政专户拨款 其他资金 绩效目标 绩效指标\n"
    data = head + header.encode() + "这里什么也没有\n".encode() * 50_000
    before = server.documents()
    response = _http(server, "POST", "/api/v1/documents", token="psb",
                     files={"file": ("edu.txt", data, "text/plain")})
    assert response.status_code == 403, response.text
    assert response.json()["error"]["code"] == "other-department"
    assert EDU in response.json()["error"]["message"]
    assert server.documents() == before
    # the same bytes from an admin are read, and refused for what they are
    response = _http(server, "POST", "/api/v1/documents",
                     files={"file": ("edu.txt", data, "text/plain")})
    assert response.status_code == 422 and server.documents() == before


def _token(server: Server, name: str, department: str) -> str:
    """A department user of the running server, made once; its token's key in `tokens`."""
    if name not in server.tokens:
        user = accounts.add_user(server.engine, name, PASSWORD, "department", department)
        server.tokens[name] = accounts.add_api_token(server.engine, user, "peek")
    return name


def _published(folder: Path, suffix: str, projects: int | None = None) -> bytes:
    """The sample as `jixiao publish` makes it (PDF or xlsx); with `projects`, a generated
    table of 广州市公安局 that large (xlsx), or the sample's pages ten times over (PDF:
    rendering a large PDF takes minutes), so that a whole reading takes seconds."""
    source = SAMPLE
    if projects is not None and suffix == ".xlsx":
        doc = generate_document(read(SAMPLE), seed=41, projects=projects)
        doc.department = PSB
        source = folder / "big.txt"
        source.write_text(render_text(doc), encoding="utf-8")
    out = folder / f"{source.stem}{suffix}"
    subprocess.run([str(Path(sys.executable).with_name("jixiao")), "publish", str(source),
                    "-o", str(out)], check=True, capture_output=True)
    data = out.read_bytes()
    if projects is not None and suffix == ".pdf":
        import io

        import pypdfium2 as pdfium

        sample, book = pdfium.PdfDocument(data), pdfium.PdfDocument.new()
        for _ in range(10):
            book.import_pages(sample)
        buffer = io.BytesIO()
        book.save(buffer)
        data = buffer.getvalue()
    return data


@pytest.mark.parametrize("suffix", [".pdf", ".xlsx"])
def test_another_departments_pdf_or_xlsx_is_refused_from_its_first_page_or_rows(
        server: Server, tmp_path: Path, suffix: str) -> None:
    """The sample published as PDF and as xlsx: its own department's user has it read and
    stored; another department's is refused from page 1 (PDF) or the first rows (xlsx),
    in a fraction of the time a whole reading takes (printed: machines differ)."""
    from jixiao.readers import peek, peek_department, read_bytes

    edu, psb = _token(server, "edu_peek", EDU), _token(server, "psb_peek", PSB)
    kind = suffix[1:]
    for size, data in (("sample", _published(tmp_path, suffix)),
                       ("large", _published(tmp_path, suffix, projects=1_500))):
        before = server.documents()
        started = time.perf_counter()
        response = _http(server, "POST", "/api/v1/documents", token=edu,
                         files={"file": (f"psb{suffix}", data, "application/octet-stream")})
        refused = time.perf_counter() - started
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "other-department"
        assert PSB in response.json()["error"]["message"]
        assert server.documents() == before

        started = time.perf_counter()
        response = _http(server, "POST", "/api/v1/documents", token=psb,
                         files={"file": (f"psb{suffix}", data, "application/octet-stream")})
        accepted = time.perf_counter() - started
        assert response.status_code == 201, response.text
        assert response.json()["department"] == PSB
        if response.json()["id"] == server.psb:  # the sample's own table: one more file of it
            assert response.json()["files"] >= 2 and server.documents() == before
        else:  # a new document, removed again for the tests after this one
            assert server.documents() == before + 1
            assert _http(server, "DELETE", f"/api/v1/documents/{response.json()['id']}"
                         ).status_code == 204

        # in this process: the peek loads page 1 alone; the reading every page
        loaded = peek.pages_loaded
        started = time.perf_counter()
        assert peek_department(data) == PSB
        peeked = time.perf_counter() - started
        started = time.perf_counter()
        doc = read_bytes(data, f"psb{suffix}")
        read_whole = time.perf_counter() - started
        if kind == "pdf":
            assert peek.pages_loaded == loaded + 1 and doc.source.pages > 1
        print(f"{size} {kind} ({len(data):,} bytes, {len(doc.projects)} projects, "
              f"{doc.source.pages or 1} pages): another department's 403 in {refused:.2f} s, "
              f"its own department's 201 in {accepted:.2f} s; peek {peeked:.3f} s, whole "
              f"reading {read_whole:.2f} s")


# ---- 3. heavy work does not stall everyone ----------------------------------------------


def test_a_put_of_5000_actual_values_leaves_healthz_answering(server: Server) -> None:
    sample = read(SAMPLE)
    positions = [(p.seq, k) for p in sample.projects for k in range(len(p.indicators))]
    # values every target accepts (the API checks each against its target): ten
    # generated years of results, 5,000 values in all
    years = [generate_actuals(sample, seed).values for seed in range(10)]
    values = [{"project": seq, "indicator": k, "value": years[n // len(positions)][(seq, k)]
               .value, "reason": "压力测试"}
              for n, (seq, k) in zip(range(5000), positions * 10, strict=False)
              if (seq, k) in years[n // len(positions)]]
    with Watch(server) as watch:
        started = time.perf_counter()
        response = _http(server, "PUT", f"/api/v1/documents/{server.psb}/actuals/2023",
                         json={"values": values})
        took = time.perf_counter() - started
    assert response.status_code == 200, response.text
    stored = store.load_actuals(server.engine, server.psb, 2023)
    assert len(stored.values) == len(positions) == 540
    last = {(v["project"], v["indicator"]): v["value"] for v in values}
    assert all(stored.values[key].value == value for key, value in last.items())
    # /healthz answered meanwhile (watch.check); one transaction now, so a fraction of a
    # second where a transaction per value took 10 s and more
    watch.check(f"PUT 5,000 actuals ({took:.1f} s)")
    logged = [c for c in accounts.list_changes(server.engine, limit=10_000)
              if c.action == "put-actual" and c.entity.startswith(f"actual {server.psb}/2023/")]
    assert len(logged) >= len(last)  # a change-log row for each value, with the batch


def test_the_first_view_of_a_large_document_leaves_healthz_answering(server: Server) -> None:
    with Watch(server) as watch:
        started = time.perf_counter()
        response = _http(server, "GET", f"/api/v1/documents/{server.big}")
        took = time.perf_counter() - started
    assert response.status_code == 200, response.text
    assert response.json()["projects"] == BIG_PROJECTS
    watch.check(f"first view of {BIG_PROJECTS:,} projects ({took:.1f} s)")


def test_the_document_cache_is_bounded_by_weight(tmp_path: Path) -> None:
    engine = store.connect(str(tmp_path / "cache.sqlite"))
    sample = read(SAMPLE)
    ids = [store.ingest(engine, generate_document(sample, seed=s, projects=300)).document_id
           for s in (1, 2, 3)]
    weights = [weight(store.load_document(engine, i)) for i in ids]
    ws = Store(engine, max_weight=weights[1] + weights[2])
    for i in ids:
        ws.document(i)
    count, held = ws.held
    assert (count, held) == (2, weights[1] + weights[2])  # the oldest went
    small = Store(engine, max_weight=weights[0] - 1)
    assert small.document(ids[0])[0].title == store.load_document(engine, ids[0]).title
    assert small.held == (0, 0)  # heavier than the whole budget: served, not kept


# ---- 4. malformed input: 422 with the field -----------------------------------------------


def _json_file(body: bytes | dict[str, Any]) -> bytes:
    return body if isinstance(body, bytes) else json.dumps(body).encode()


MALFORMED: list[tuple[str, bytes | dict[str, Any], str]] = [
    ("not a list", {"document": {}, "projects": {"a": 1}}, "projects"),
    ("unit without a name", {"document": {"units": [{}]}, "projects": []},
     "document.units[0].name"),
    ("warning without a message", {"document": {"warnings": [{"code": "x"}]},
                                   "projects": []}, "document.warnings[0].message"),
    ("seq of 2**63", {"document": {}, "projects": [{"seq": 2**63}]}, "projects[0].seq"),
    ("two projects numbered 1", {"document": {}, "projects": [{"seq": 1}, {"seq": 1}]},
     "projects[1].seq"),
    ("NaN money", b'{"document": {}, "projects": [{"seq": 1, "total": NaN}]}',
     "projects[0].total"),
    ("1e400 money", b'{"document": {}, "projects": [{"seq": 1, "fiscal": 1e400}]}',
     "projects[0].fiscal"),
    ("negative money", {"document": {}, "projects": [{"total": "-3.5"}]}, "projects[0].total"),
    ("absurd money", {"document": {"grand_total": {"total": "5e12"}}, "projects": []},
     "document.grand_total.total"),
    ("money as a list", {"document": {}, "projects": [{"total": [1]}]}, "projects[0].total"),
    ("lone surrogate", b'{"document": {}, "projects": [{"name": "\\ud800x"}]}',
     "projects[0].name"),
    ("indicator seq as text", {"document": {}, "projects": [{"indicators": [{"seq": "a"}]}]},
     "projects[0].indicators[0].seq"),
    ("line past int32", {"document": {}, "projects": [{"source": {"first_line": 2**40}}]},
     "projects[0].source.first_line"),
    ("unknown severity", {"document": {"warnings": [{"code": "x", "message": "m",
                                                     "severity": "fatal"}]}, "projects": []},
     "document.warnings[0].severity"),
    ("nested 100,000 deep", b'{"document": {}, "projects": ' + b"[" * 100_000
     + b"]" * 100_000 + b"}", "不是有效的 JSON"),
    ("a 5,000-digit number", b'{"document": {}, "projects": [{"seq": ' + b"9" * 5000
     + b"}]}", "不是有效的 JSON"),
]


@pytest.mark.parametrize(("what", "body", "where"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_interchange_json_is_a_422_naming_the_field(
        server: Server, what: str, body: bytes | dict[str, Any], where: str) -> None:
    before = server.documents()
    response = _http(server, "POST", "/api/v1/documents",
                     files={"file": ("bad.json", _json_file(body), "application/json")})
    assert response.status_code == 422, (what, response.text)
    error = response.json()["error"]
    assert error["code"] == "bad-json" and where in error["message"], error
    assert server.documents() == before
    assert rss_mb(server.pid) < RSS_BOUND_MB


def test_good_interchange_json_is_still_stored(server: Server) -> None:
    doc = generate_document(read(SAMPLE), seed=77, projects=5)
    doc.department = PSB
    before = server.documents()
    response = _http(server, "POST", "/api/v1/documents", files={"file": (
        "good.json", json.dumps(to_dict(doc), ensure_ascii=False).encode(), "application/json")})
    assert response.status_code == 201, response.text
    assert response.json()["projects"] == 5 and server.documents() == before + 1


def _findings_of(server: Server, seq: int) -> list[int]:
    found = _http(server, "GET", f"/api/v1/documents/{server.psb}/projects/{seq}").json()
    return [f["id"] for f in found["findings"]]


def _project_with_findings(server: Server) -> tuple[int, list[int]]:
    for p in read(SAMPLE).projects:
        ids = _findings_of(server, p.seq)
        if ids:
            return p.seq, ids
    raise AssertionError("the sample has findings")


def test_an_opinion_names_a_finding_of_its_own_project_or_is_refused(server: Server) -> None:
    seq, own = _project_with_findings(server)
    other = next(k for s in range(1, 143) if s != seq for k in _findings_of(server, s))
    path = f"/api/v1/documents/{server.psb}/projects/{seq}/opinions"
    before = len(accounts.list_opinions(server.engine, server.psb))
    for finding in (10**30, 2**63, 2**31, 99_999, other):
        response = _http(server, "POST", path, json={"text": "意见", "finding": finding})
        assert response.status_code == 422, (finding, response.text)
    page = f"/documents/{server.psb}/projects/{seq}/opinions"  # the form, as text
    for finding in ("²", "1e3", "-1", "9" * 40, str(other)):
        response = _http(server, "POST", page, data={"text": "意见", "finding": finding},
                         follow_redirects=False)
        assert response.status_code == 422, (finding, response.text)
    assert len(accounts.list_opinions(server.engine, server.psb)) == before
    response = _http(server, "POST", path, json={"text": "有依据", "finding": own[0]})
    assert response.status_code == 201
    assert response.json()[-1]["finding"] == own[0]
    assert len(accounts.list_opinions(server.engine, server.psb)) == before + 1


def test_an_actual_at_a_position_that_does_not_exist_is_a_422(server: Server) -> None:
    before = store.load_actuals(server.engine, server.psb, 2024).values
    response = _http(server, "POST", f"/documents/{server.psb}/projects/1/actuals",
                     data={"year": "2024", "position": "999", "value": "1"},
                     follow_redirects=False)
    assert response.status_code == 422, response.text
    for indicator in (999, 10**30):
        response = _http(server, "PUT", f"/api/v1/documents/{server.psb}/actuals/2024",
                         json={"values": [{"project": 1, "indicator": indicator,
                                           "value": "1"}]})
        assert response.status_code == 422, response.text
    assert store.load_actuals(server.engine, server.psb, 2024).values == before


# ---- 5. stored and logged in one transaction --------------------------------------------


def test_a_failed_change_log_row_leaves_nothing_stored(server: Server, tmp_path: Path) -> None:
    """The change log refuses upload rows (a trigger, as a full disk or a broken constraint
    would): the document must not be stored either, and the same file uploaded again once
    the log works is new, and logged."""
    doc = generate_document(read(SAMPLE), seed=31, projects=6)
    data = render_text(doc).encode()
    with sqlite3.connect(server.db) as conn:
        conn.execute("CREATE TRIGGER no_upload_log BEFORE INSERT ON changes "
                     "WHEN NEW.action = 'upload' BEGIN SELECT RAISE(ABORT, 'log refused'); "
                     "END")
    before = server.documents()
    try:
        response = _http(server, "POST", "/api/v1/documents",
                         files={"file": ("logged.txt", data, "text/plain")})
        assert response.status_code == 500
        assert response.json()["error"]["code"] == "internal"
        assert server.documents() == before
    finally:
        with sqlite3.connect(server.db) as conn:
            conn.execute("DROP TRIGGER no_upload_log")
    response = _http(server, "POST", "/api/v1/documents",
                     files={"file": ("logged.txt", data, "text/plain")})
    assert response.status_code == 201, response.text
    doc_id = response.json()["id"]
    assert server.documents() == before + 1
    logged = [c for c in accounts.list_changes(server.engine) if c.action == "upload"]
    assert logged[0].entity == f"document {doc_id}" and logged[0].username == "admin"

    # and a delete whose log row fails deletes nothing
    with sqlite3.connect(server.db) as conn:
        conn.execute("CREATE TRIGGER no_delete_log BEFORE INSERT ON changes "
                     "WHEN NEW.action = 'delete' BEGIN SELECT RAISE(ABORT, 'log refused'); "
                     "END")
    try:
        response = _http(server, "DELETE", f"/api/v1/documents/{doc_id}")
        assert response.status_code == 500
        assert server.documents() == before + 1
    finally:
        with sqlite3.connect(server.db) as conn:
            conn.execute("DROP TRIGGER no_delete_log")
    assert _http(server, "DELETE", f"/api/v1/documents/{doc_id}").status_code == 204
    assert server.documents() == before


def test_a_document_over_the_projects_limit_is_a_413_naming_it(server: Server) -> None:
    """Small as a file, too many projects once read: refused, the limit named."""
    body = {"document": {}, "projects": [{"seq": k + 1} for k in range(LIMITS.projects + 1)]}
    before = server.documents()
    response = _http(server, "POST", "/api/v1/documents",
                     files={"file": ("many.json", json.dumps(body).encode(), "application/json")})
    assert response.status_code == 413, response.text
    assert "projects" in response.json()["error"]["message"]
    assert server.documents() == before
