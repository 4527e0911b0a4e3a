"""Downloads from the document and project pages (issue 16, item 4): every file's bytes read
back — the 自评表 PDF by the project's own PDF reader, the workbooks by openpyxl, the CSV by
the csv module — and compared with what the pages and the store say; another department's
downloads are 404."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from conftest import SAMPLE
from jixiao import store
from jixiao.audit import audit
from jixiao.readers import read, read_bytes
from jixiao.readers.pdf import read_self_evaluation_pdf
from jixiao.store import accounts
from jixiao.store.store import Store
from jixiao.synthetic import generate_actuals, generate_document
from jixiao.web import create_app
from jixiao.writers.cells import restore_csv
from webclient import PASSWORD, login

PSB = "广州市公安局"
EDU = "广州市教育局"
YEAR = 2023
KINDS = ("self-evaluation.pdf", "self-evaluation.xlsx", "monitoring.pdf", "monitoring.xlsx",
         "review.xlsx", "table.pdf", "table.xlsx", "projects.csv", "projects.xlsx")


@dataclass
class Site:
    app: object
    engine: object
    psb: int
    edu: int

    def client(self, user: str | None = None) -> TestClient:
        client = TestClient(self.app, base_url="https://testserver")
        if user:
            client.csrf = login(client, user)  # type: ignore[attr-defined]
        return client


@pytest.fixture()
def site(tmp_path: Path) -> Site:
    """Two small departments' tables (8 projects each, so a PDF of every form is quick);
    the 公安局's with a generated year of answers stored as `actuals import` stores them."""
    app = create_app(str(tmp_path / "downloads.sqlite"))
    engine = app.state.engine
    accounts.add_user(engine, "reviewer", PASSWORD, "reviewer")
    accounts.add_user(engine, "psb", PASSWORD, "department", PSB)
    accounts.add_user(engine, "edu", PASSWORD, "department", EDU)
    sample = read(SAMPLE)
    mine = generate_document(sample, seed=4, projects=8)
    mine.department = PSB
    psb = store.ingest(engine, mine, findings=audit(mine).findings, year=YEAR).document_id
    answers = generate_actuals(mine, 9, YEAR)
    Store(engine).put_actuals(None, psb, YEAR, answers.values.values(), answers.period,
                         executions=answers.executions.values(), replace=True)
    other = generate_document(sample, seed=5, projects=8)
    other.department = EDU
    edu = store.ingest(engine, other, findings=audit(other).findings, year=YEAR).document_id
    return Site(app, engine, psb, edu)


def _filename(response: object) -> str:
    """The Chinese file name of `filename*=UTF-8''…` (RFC 5987)."""
    header = response.headers["content-disposition"]  # type: ignore[attr-defined]
    assert header.startswith("attachment; filename=\"")
    return unquote(re.search(r"filename\*=UTF-8''([^;]+)", header)[1])


def _page_score(client: TestClient, doc_id: int, seq: int) -> tuple[str, Decimal, str]:
    page = client.get(f"/documents/{doc_id}/projects/{seq}?year={YEAR}").text
    name = re.search(r"<h1>\d+\. ([^<]+)</h1>", page)[1]
    total = re.search(r'id="score-total">([^<]+)<', page)[1]
    grade = re.search(r'id="score-grade">([^<]+)<', page)[1]
    return name, Decimal(total), grade


def test_the_self_evaluation_pdf_states_the_pages_scores(site: Site) -> None:
    client = site.client("psb")
    response = client.get(f"/documents/{site.psb}/download/self-evaluation.pdf?year={YEAR}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert _filename(response) == f"{PSB}-{YEAR}年-项目支出绩效自评表.pdf"
    forms = read_self_evaluation_pdf(response.content, "download.pdf")
    doc = store.load_document(site.engine, site.psb)
    pages = [_page_score(client, site.psb, p.seq) for p in doc.projects]
    assert [(f.project, f.total, f.grade) for f in forms] == pages
    assert len({total for _, total, _ in pages}) > 1  # the answers differ: scores do too

    one = client.get(f"/documents/{site.psb}/download/self-evaluation.pdf?year={YEAR}&seq=3")
    assert _filename(one) == f"{PSB}-{YEAR}年-项目3-绩效自评表.pdf"
    assert [(f.project, f.total, f.grade)
            for f in read_self_evaluation_pdf(one.content)] == [pages[2]]


def test_the_self_evaluation_workbook_states_the_pages_scores(site: Site) -> None:
    client = site.client("psb")
    response = client.get(f"/documents/{site.psb}/download/self-evaluation.xlsx?year={YEAR}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book["汇总"].iter_rows(min_row=2, values_only=True))
    doc = store.load_document(site.engine, site.psb)
    assert [(r[0], Decimal(str(r[7])), r[8]) for r in rows] == [
        (p.seq, *_page_score(client, site.psb, p.seq)[1:]) for p in doc.projects]


def test_the_review_sheet_carries_the_opinions_written_on_the_web(site: Site) -> None:
    client = site.client("reviewer")
    findings = store.load_findings(site.engine, site.psb)
    k, finding = next((k, f) for k, f in enumerate(findings) if f.project is not None)
    for text, on in (("指标值请细化到季度", str(k)), ("整个项目的预算偏高", "")):
        posted = client.post(f"/documents/{site.psb}/projects/{finding.project}/opinions",
                             data={"csrf": client.csrf, "text": text, "finding": on},
                             follow_redirects=False)
        assert posted.status_code == 303
    response = site.client("psb").get(f"/documents/{site.psb}/download/review.xlsx")
    assert response.status_code == 200
    assert _filename(response) == f"{PSB}-审核意见表.xlsx"
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["审核意见"]
    header = [c.value for c in sheet[1]]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(findings)
    opinions = header.index("审核意见")
    assert rows[k][opinions] == "reviewer：指标值请细化到季度"
    assert [r[opinions] for j, r in enumerate(rows) if j != k] == [None] * (len(rows) - 1)
    verdicts = {r[0]: r for r in book["项目结论"].iter_rows(min_row=2, values_only=True)}
    assert verdicts[finding.project][-2:] == ("待审核", "reviewer：整个项目的预算偏高")


def test_the_project_list_is_the_stores_projects(site: Site) -> None:
    client = site.client("psb")
    doc = store.load_document(site.engine, site.psb)
    expected = [(p.seq, p.name, p.amounts.total, len(p.indicators)) for p in doc.projects]
    response = client.get(f"/documents/{site.psb}/download/projects.csv")
    assert response.status_code == 200
    assert _filename(response) == f"{PSB}-项目清单.csv"
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff序号,项目名称")
    rows = list(csv.reader(io.StringIO(text[1:])))[1:]
    assert [(int(r[0]), restore_csv(r[1]), Decimal(r[3]), int(r[7])) for r in rows] == expected

    book = load_workbook(io.BytesIO(client.get(
        f"/documents/{site.psb}/download/projects.xlsx").content))
    cells = list(book["项目"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1], Decimal(str(r[3])), r[7]) for r in cells] == expected

    # the list being shown: the page's filter and order, the link on the page carries it
    ordered = sorted(expected, key=lambda e: (e[2], e[0]), reverse=True)
    low = ordered[3][2]
    page = client.get(f"/documents/{site.psb}?min={low}&sort=total&order=desc").text
    link = re.search(r'href="([^"]+projects\.csv[^"]*)" id="dl-projects-csv"', page)[1]
    shown = list(csv.reader(io.StringIO(client.get(link.replace("&amp;", "&"))
                                        .content.decode("utf-8")[1:])))[1:]
    assert [int(r[0]) for r in shown] == [e[0] for e in ordered[:4]]


def test_the_published_table_and_the_monitoring_form(site: Site) -> None:
    client = site.client("psb")
    doc = store.load_document(site.engine, site.psb)
    table = client.get(f"/documents/{site.psb}/download/table.pdf")
    assert table.status_code == 200 and _filename(table) == f"{PSB}-项目支出绩效目标表.pdf"
    published = read_bytes(table.content, "table.pdf")  # the project's own reader reads it back
    assert [(p.name, p.amounts.total) for p in published.projects] == [
        (p.name, p.amounts.total) for p in doc.projects]
    book = load_workbook(io.BytesIO(client.get(
        f"/documents/{site.psb}/download/table.xlsx").content))
    assert sum(1 for _ in book.active.iter_rows()) > len(doc.projects)

    monitor = client.get(f"/documents/{site.psb}/download/monitoring.xlsx?year={YEAR}"
                         f"&date={YEAR}-07-31")
    assert monitor.status_code == 200
    assert _filename(monitor) == f"{PSB}-{YEAR}年-绩效运行监控表-{YEAR}-07-31.xlsx"
    sheet = load_workbook(io.BytesIO(monitor.content)).active
    assert sheet["A1"].value == f"绩效运行监控表（截至 {YEAR}-07-31）"
    lights = {r[0]: r[6] for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert set(lights) == {p.seq for p in doc.projects}
    pdf = client.get(f"/documents/{site.psb}/download/monitoring.pdf?year={YEAR}&seq=2")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


LABELS = {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}
CODES = {"绿": "green", "黄": "yellow", "红": "red"}  # the sheet writes the light in Chinese


def test_the_pages_show_the_monitoring_lights(site: Site) -> None:
    client = site.client("psb")
    # the year's last day: the monitoring form of the year, as downloaded, gives the lights
    sheet = load_workbook(io.BytesIO(client.get(
        f"/documents/{site.psb}/download/monitoring.xlsx?year={YEAR}").content)).active
    lights = {r[0]: CODES[r[6]] for r in sheet.iter_rows(min_row=3, values_only=True)}
    page = client.get(f"/documents/{site.psb}").text
    for seq, light in lights.items():
        assert re.search(rf'<tr id="p{seq}" [^>]*>\s*<td class="num">{seq}</td>\s*<td><span '
                         rf'class="light light-{light}"', page), seq
    counts = re.search(r'id="lights-count">(.*?)</span>\s*$', page, re.M)[1]
    for light in ("red", "yellow", "green"):
        assert f"{LABELS[light]} {list(lights.values()).count(light)}" in counts
    project = client.get(f"/documents/{site.psb}/projects/1?year={YEAR}").text
    assert re.search(rf'id="project-light"[^>]*>● {LABELS[lights[1]]}<', project)
    assert 'id="dl-self-pdf"' in project and "seq=1" in project
    # a year nothing was reported for: no lights, said so
    empty = client.get(f"/documents/{site.psb}/projects/1?year=2024").text
    assert "尚未填报 2024 年实际完成情况" in empty and 'id="project-light"' not in empty


def test_another_departments_downloads_are_not_found(site: Site) -> None:
    edu, psb, anonymous = site.client("edu"), site.client("psb"), site.client()
    for kind in KINDS:
        assert edu.get(f"/documents/{site.psb}/download/{kind}").status_code == 404, kind
        assert psb.get(f"/documents/{site.edu}/download/{kind}").status_code == 404, kind
        refused = anonymous.get(f"/documents/{site.psb}/download/{kind}",
                                follow_redirects=False)  # to the login page, no file
        assert refused.status_code == 303 and refused.headers["location"].startswith("/login")
    assert psb.get(f"/documents/{site.psb}/download/table.docx").status_code == 404
    assert psb.get(f"/documents/{site.psb}/download/self-evaluation.pdf?seq=99"
                   ).status_code == 404
