"""Issue 19: a person confirms or corrects a doubtful value beside the cropped image of its
cell — over a real SQLite file, a real PDF uploaded through the pages, httpx against the app.

The PDF is made in the test from a real published table (上海市普陀区万里街道 2023 填报表,
tests/data/real/pdf): its five project pages (31–35) cut out with pypdfium2. On page 35,
project 5 「公共服务设施运行经费」 prints 资金总额 10,903,043.00 元 but 当年财政拨款
11,419,043.00 元 (its gold, written by reading the table, says so): the reading warns
(funding-sum, with the box of the project's cell) and the review finds A1-row-sum.
"""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageStat
from sqlalchemy import select

from jixiao.model import Document
from jixiao.store import accounts
from jixiao.store.schema import changes, span_boxes
from jixiao.web import create_app
from webclient import PASSWORD, login

SOURCE = Path(__file__).parent / "data" / "real" / "pdf" / \
    "shanghai-putuo-wanli-2023-yusuan-tianbaobiao.pdf"
GOLD = json.loads(SOURCE.with_suffix(".gold.json").read_text(encoding="utf-8"))
DEPARTMENT = GOLD["document"]["department"]
PUBLISHED_TOTAL = Decimal(GOLD["projects"][4]["total"])  # 10903043.00
PUBLISHED_FISCAL = Decimal(GOLD["projects"][4]["fiscal"])  # 11419043.00


def _pages(data: bytes, first: int, last: int) -> bytes:
    """Pages first..last (1-based) of a PDF as a PDF of their own, text layer kept."""
    src, dst = pdfium.PdfDocument(data), pdfium.PdfDocument.new()
    dst.import_pages(src, list(range(first - 1, last)))
    out = io.BytesIO()
    dst.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return _pages(SOURCE.read_bytes(), 31, 35)


class Site:
    def __init__(self, tmp: Path, pdf: bytes) -> None:
        self.app = create_app(str(tmp / "corrections.sqlite"))
        engine = self.app.state.engine
        accounts.add_user(engine, "reviewer", PASSWORD, "reviewer")
        accounts.add_user(engine, "wanli", PASSWORD, "department", DEPARTMENT)
        accounts.add_user(engine, "other", PASSWORD, "department", "广州市教育局")
        self.pdf = pdf
        self.reviewer = self.client("reviewer")
        self.doc_id = self.upload(self.reviewer)

    def client(self, user: str) -> TestClient:
        client = TestClient(self.app, base_url="https://testserver")
        client.csrf = login(client, user)  # type: ignore[attr-defined]
        return client

    def upload(self, client: TestClient) -> int:
        response = client.post("/documents", files={"file": ("wanli.pdf", self.pdf)},
                               data={"csrf": client.csrf}, follow_redirects=False)
        assert response.status_code == 303, response.text
        return int(response.headers["location"].rsplit("/", 1)[1])

    def doubts(self, client: TestClient | None = None) -> dict:
        response = (client or self.reviewer).get(f"/api/v1/documents/{self.doc_id}/corrections")
        assert response.status_code == 200, response.text
        return response.json()

    def project(self, seq: int = 5) -> dict:
        response = self.reviewer.get(f"/api/v1/documents/{self.doc_id}/projects/{seq}")
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture()
def site(tmp_path: Path, pdf: bytes) -> Site:
    return Site(tmp_path, pdf)


def _doubt(site: Site) -> dict:
    [doubt] = [d for d in site.doubts()["doubts"] if d["code"] == "funding-sum"]
    return doubt


def _money(project: dict, key: str) -> Decimal:
    """An amount of the project's JSON, wherever the API puts it."""
    amounts = project.get("amounts", project)
    return Decimal(amounts[key])


def test_the_doubt_is_shown_on_its_project_with_the_cropped_cell(site: Site) -> None:
    doubt = _doubt(site)
    assert doubt["project"] == 5 and doubt["page"] == 5 and doubt["open"] is True
    assert doubt["read"] == format(PUBLISHED_TOTAL, "f")  # the field it lies on: the row's
    x0, y0, x1, y1 = doubt["box"]
    assert x0 < x1 and y0 < y1
    image = site.reviewer.get(doubt["image"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    png = Image.open(io.BytesIO(image.content))
    # the box at the fixed scale (3 px a point) with its margin on each side
    assert png.size[0] == pytest.approx((x1 - x0 + 8) * 3, abs=3)
    assert png.size[1] == pytest.approx((y1 - y0 + 8) * 3, abs=3)
    grey = png.convert("L")
    assert grey.getextrema()[0] < 80  # ink: the cell's characters and rules
    assert ImageStat.Stat(grey).stddev[0] > 20  # not one flat colour
    page = site.reviewer.get(f"/documents/{site.doc_id}/projects/5").text
    assert f'src="{doubt["image"]}"' in page and "确认无误" in page and "更正为" in page
    assert site.reviewer.get(f"/documents/{site.doc_id}/projects/1").text.count(
        'class="doubt') == 0  # the doubt is project 5's
    listed = site.reviewer.get(f"/documents/{site.doc_id}").text  # the document page
    assert re.search(rf'href="/documents/{site.doc_id}/projects/5#corrections">5\. 公共服务设施'
                     r'运行经费</a>：待核对 <strong class="open">1</strong> 处', listed)


def test_the_uploaded_pdf_is_kept_by_its_sha256(site: Site) -> None:
    import hashlib

    house = site.app.state.store
    assert house.source(hashlib.sha256(site.pdf).hexdigest()) == site.pdf


def test_another_department_sees_no_image_and_no_corrections(site: Site) -> None:
    doubt = _doubt(site)
    other = site.client("other")
    assert other.get(doubt["image"]).status_code == 404
    assert other.get(f"/api/v1/documents/{site.doc_id}/corrections").status_code == 404
    refused = other.post(f"/api/v1/documents/{site.doc_id}/corrections",
                         headers={"X-CSRF-Token": other.csrf},
                         json={"project": 5, "field": "fiscal", "action": "correct",
                               "value": "1.00"})
    assert refused.status_code == 404
    own = site.client("wanli")  # the table's own department may look and answer
    assert own.get(doubt["image"]).status_code == 200


def test_a_form_without_its_csrf_token_is_refused(site: Site) -> None:
    doubt = _doubt(site)
    response = site.reviewer.post(
        f"/documents/{site.doc_id}/projects/5/corrections",
        data={"warning": doubt["warning"], "field": "fiscal", "action": "correct",
              "value": "10903043.00"}, follow_redirects=False)
    assert response.status_code == 403
    assert site.doubts()["corrections"] == []


@pytest.mark.parametrize(("value", "says"), [("-5", "不能为负"), ("10903043.001", "两位小数"),
                                             ("一千万", "以元计"), ("9" * 60, "太长")])
def test_a_bad_amount_is_refused_beside_the_field(site: Site, value: str, says: str) -> None:
    doubt = _doubt(site)
    response = site.reviewer.post(
        f"/documents/{site.doc_id}/projects/5/corrections",
        data={"csrf": site.reviewer.csrf, "warning": doubt["warning"], "field": "fiscal",
              "action": "correct", "value": value}, follow_redirects=False)
    assert response.status_code == 422
    beside = re.search(r'<span class="refused" role="alert">([^<]+)</span>', response.text)
    assert beside is not None and "财政拨款" in beside[1] and says in beside[1]
    assert re.search(r'<option value="fiscal" selected>', response.text)
    assert site.doubts()["corrections"] == []  # nothing stored


def test_a_correction_is_what_every_face_shows_with_the_published_value_kept(site: Site
                                                                             ) -> None:
    doubt = _doubt(site)
    house = site.app.state.store
    assert "A1-row-sum" in {f.rule for f in house.document(site.doc_id).findings
                            if f.project == 5}
    response = site.reviewer.post(
        f"/documents/{site.doc_id}/projects/5/corrections",
        data={"csrf": site.reviewer.csrf, "warning": doubt["warning"], "field": "fiscal",
              "action": "correct", "value": "10,903,043"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    [correction] = site.doubts()["corrections"]
    assert correction["field"] == "fiscal" and correction["action"] == "correct"
    assert correction["published"] == format(PUBLISHED_FISCAL, "f")
    assert correction["value"] == "10903043.00" and correction["username"] == "reviewer"
    # the corrected value in the API's project, the page, the store's Document …
    project = site.project()
    assert _money(project, "fiscal") == Decimal("10903043.00")
    [mark] = project["corrected"]
    assert (mark["field"], mark["value"], mark["published"]) == ("fiscal", "10903043.00",
                                                                 "11419043.00")
    page = site.reviewer.get(f"/documents/{site.doc_id}/projects/5").text
    assert "已更正" in page and "11419043.00" in page
    loaded = house.document(site.doc_id)
    assert loaded.doc.projects[4].amounts.fiscal == Decimal("10903043.00")
    # … and in the review: 总计 = 财政拨款 now, so the row-sum finding is gone
    assert "A1-row-sum" not in {f.rule for f in loaded.findings if f.project == 5}
    # the doubt answered: no longer open, kept at its position as an info
    answered = _doubt(site)
    assert answered["open"] is False and "已由 reviewer 更正为 10903043.00" in answered["message"]
    # the change log, written in the same transaction
    with site.app.state.engine.connect() as conn:
        row = conn.execute(select(changes).where(changes.c.action == "correct-value")).one()
    assert row.username == "reviewer" and f"on {site.doc_id}/5/fiscal" in row.entity
    assert row.before["value"] == "11419043.00" and row.after["value"] == "10903043.00"
    # the rows of the reading stay as published
    from jixiao.store import load_document

    assert load_document(site.app.state.engine, site.doc_id).projects[4].amounts.fiscal \
        == PUBLISHED_FISCAL


def test_a_confirmation_removes_the_doubt_and_changes_no_value(site: Site) -> None:
    doubt = _doubt(site)
    response = site.reviewer.post(
        f"/api/v1/documents/{site.doc_id}/corrections",
        headers={"X-CSRF-Token": site.reviewer.csrf},
        json={"project": 5, "field": "total", "action": "confirm",
              "warning": doubt["warning"]})
    assert response.status_code == 201, response.text
    assert response.json()["value"] is None
    assert response.json()["published"] == format(PUBLISHED_TOTAL, "f")
    answered = _doubt(site)
    assert answered["open"] is False and "确认无误" in answered["message"]
    assert _money(site.project(), "total") == PUBLISHED_TOTAL
    page = site.reviewer.get(f"/documents/{site.doc_id}/projects/5").text
    assert 'class="correction-form"' not in page  # nothing left to answer
    listed = site.reviewer.get(f"/documents/{site.doc_id}").text
    assert '待核对 <strong class="open">0</strong> 处，已核对 1 处' in listed


def test_a_target_is_checked_by_the_target_grammar(site: Site) -> None:
    client = site.reviewer
    url = f"/api/v1/documents/{site.doc_id}/corrections"
    headers = {"X-CSRF-Token": client.csrf}
    bad = client.post(url, headers=headers, json={"project": 5, "field": "target",
                                                  "indicator": 0, "action": "correct",
                                                  "value": "？？"})
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "value" and "指标值" in bad.json()["error"]["message"]
    empty = client.post(url, headers=headers, json={})  # checked after the boundary
    assert empty.status_code == 422 and empty.json()["error"]["field"] == "project"
    missing = client.post(url, headers=headers, json={"project": 5, "field": "target",
                                                      "indicator": 999, "action": "correct",
                                                      "value": "≥95%"})
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "indicator"
    good = client.post(url, headers=headers, json={"project": 5, "field": "target",
                                                   "indicator": 0, "action": "correct",
                                                   "value": "≥95%"})
    assert good.status_code == 201, good.text
    doc = site.app.state.store.document(site.doc_id).doc
    assert doc.projects[4].indicators[0].target == "≥95%"
    assert good.json()["published"] not in (None, "≥95%")


def test_an_unchanged_reupload_keeps_its_corrections(site: Site) -> None:
    client = site.reviewer
    client.post(f"/api/v1/documents/{site.doc_id}/corrections",
                headers={"X-CSRF-Token": client.csrf},
                json={"project": 5, "field": "fiscal", "action": "correct",
                      "value": "10903043.00"})
    again = site.upload(client)
    assert again == site.doc_id  # the same bytes: the same document
    site.app.state.store.forget(site.doc_id)  # read back from the database, not the cache
    assert _money(site.project(), "fiscal") == Decimal("10903043.00")
    assert len(site.doubts()["corrections"]) == 1
    # the same table in another file (here: the same bytes under another name) is the same
    # document: its corrections with it
    renamed = client.post("/documents", files={"file": ("wanli-2023.pdf", site.pdf)},
                          data={"csrf": client.csrf}, follow_redirects=False)
    assert renamed.headers["location"].endswith(f"/{site.doc_id}")
    assert _money(site.project(), "fiscal") == Decimal("10903043.00")


def test_a_self_evaluations_project_page_shows_its_doubts_too(tmp_path: Path) -> None:
    """宁德市人民政府办公室's 2024 部门整体自评表 (real, one page): its 资金来源 lines sum to
    0.00 against a 资金总额 of 9,999.77 万元 (read by eye), a funding-sum doubt."""
    source = SOURCE.with_name("ningde-zfb-2024-zhengti-zipingbiao.pdf")
    app = create_app(str(tmp_path / "selfeval.sqlite"))
    accounts.add_user(app.state.engine, "reviewer", PASSWORD, "reviewer")
    client = TestClient(app, base_url="https://testserver")
    client.csrf = login(client, "reviewer")  # type: ignore[attr-defined]
    response = client.post("/documents", files={"file": (source.name, source.read_bytes())},
                           data={"csrf": client.csrf}, follow_redirects=False)
    doc_id = int(response.headers["location"].rsplit("/", 1)[1])
    [doubt] = [d for d in client.get(f"/api/v1/documents/{doc_id}/corrections").json()["doubts"]
               if d["code"] == "funding-sum"]
    assert doubt["project"] == 1 and doubt["read"] == "9999.77"
    page = client.get(f"/documents/{doc_id}/projects/1").text
    assert "绩效指标：自评表与批复目标" in page  # the 自评表's own project page
    assert f'src="{doubt["image"]}"' in page and 'class="correction-form"' in page


def test_another_server_process_sees_a_correction_at_once(site: Site) -> None:
    """Two stores on one database (two server processes): the second's cached Document is
    checked against the last correction at every look-up."""
    from jixiao import library

    other = library.open_store(str(site.app.state.engine.url.database))
    assert other.document(site.doc_id).doc.projects[4].amounts.fiscal == PUBLISHED_FISCAL
    assert other.cached(site.doc_id)
    site.reviewer.post(f"/api/v1/documents/{site.doc_id}/corrections",
                       headers={"X-CSRF-Token": site.reviewer.csrf},
                       json={"project": 5, "field": "fiscal", "action": "correct",
                             "value": "10903043.00"})
    assert other.document(site.doc_id).doc.projects[4].amounts.fiscal == Decimal("10903043.00")


@pytest.fixture(scope="module")
def scan(gold_doc: Document) -> bytes:
    """The sample's first page published as PDF with 业务用房物业管理费's 财政拨款 raised by
    100.00 (总计 11,294.10 ≠ 财政拨款 11,394.10), then scanned at 150 dpi (noise, a slight
    rotation, a grey ground, a red stamp) into a PDF with no text layer."""
    from copy import deepcopy

    from jixiao.writers.publish import render_pdf
    from scans import first_pages, scan_pdf

    doc = deepcopy(gold_doc)
    amounts = doc.projects[0].amounts
    assert amounts.fiscal is not None
    amounts.fiscal += Decimal("100.00")
    return scan_pdf(first_pages(render_pdf(doc), 1), 150, seed=2)


def test_a_scans_doubt_is_answered_beside_its_cropped_cell(tmp_path: Path, scan: bytes) -> None:
    app = create_app(str(tmp_path / "scan.sqlite"))
    accounts.add_user(app.state.engine, "reviewer", PASSWORD, "reviewer")
    client = TestClient(app, base_url="https://testserver")
    client.csrf = login(client, "reviewer")  # type: ignore[attr-defined]
    response = client.post("/documents", files={"file": ("scan.pdf", scan)},
                           data={"csrf": client.csrf}, follow_redirects=False)
    assert response.status_code == 303, response.text
    doc_id = int(response.headers["location"].rsplit("/", 1)[1])
    doubts = client.get(f"/api/v1/documents/{doc_id}/corrections").json()["doubts"]
    [row] = [d for d in doubts if d["code"] == "row-sum"]
    assert row["project"] == 1 and row["field"] == "total" and row["read"] == "11294.10"
    png = Image.open(io.BytesIO(client.get(row["image"]).content)).convert("L")
    assert png.size[0] > 100 and png.size[1] > 20
    assert png.getextrema()[0] < 100 and ImageStat.Stat(png).stddev[0] > 20  # ink on grey
    house = app.state.store
    assert "A1-row-sum" in {f.rule for f in house.document(doc_id).findings if f.project == 1}
    response = client.post(f"/documents/{doc_id}/projects/1/corrections",
                           data={"csrf": client.csrf, "warning": row["warning"],
                                 "field": "fiscal", "action": "correct", "value": "11294.10"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    loaded = house.document(doc_id)
    assert loaded.doc.projects[0].amounts.fiscal == Decimal("11294.10")
    assert "A1-row-sum" not in {f.rule for f in loaded.findings if f.project == 1}


def test_the_store_keeps_sources_boxes_and_corrections_on_every_backend(db_url: str,
                                                                       pdf: bytes) -> None:
    """Store.ingest / Store.correct without the web, on SQLite and on PostgreSQL."""
    import hashlib

    from jixiao import library
    from jixiao.store import load_document

    house = library.open_store(db_url)
    result = house.ingest(pdf, "wanli.pdf")
    assert house.source(hashlib.sha256(pdf).hexdigest()) == pdf
    loaded = house.document(result.document_id).doc
    [k] = [k for k, w in enumerate(loaded.warnings) if w.code == "funding-sum"]
    box = loaded.warnings[k].span.box
    # the box came back from span_boxes: the rows themselves hold none
    assert box is not None and load_document(house.engine, result.document_id) \
        .warnings[k].span.box is None
    entry = house.correct(None, result.document_id, 5, "fiscal", None, "correct",
                          "10903043.00", k)
    assert entry.published == "11419043.00" and entry.id > 0
    again = library.open_store(db_url).document(result.document_id)  # a fresh store
    assert again.doc.projects[4].amounts.fiscal == Decimal("10903043.00")
    assert again.doc.warnings[k].span.box == box
    assert "A1-row-sum" not in {f.rule for f in again.findings if f.project == 5}
    with house.engine.connect() as conn:
        logged = conn.execute(select(changes.c.action, changes.c.username)
                              .where(changes.c.entity.like("correction %"))).all()
    assert logged == [("correct-value", "(cli)")]
    house.delete(result.document_id)  # everything kept for it goes with it
    assert house.corrections(result.document_id) == []
    with house.engine.connect() as conn:
        assert conn.execute(select(span_boxes).where(
            span_boxes.c.document_id == result.document_id)).first() is None
