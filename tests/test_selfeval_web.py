"""The web faces of a published self-evaluation (自评表, issue 18): the document page, the
project page and /api/v1 over a real SQLite file, the real 自评表 uploaded as a user does.

The approved target table of guojia's projects is made from a copy of the 自评表's own
targets, five of them edited (one raised at evaluation time, one lowered, one rewritten,
one the 自评表 added, one it dropped) and uploaded as interchange JSON before the 自评表."""

from __future__ import annotations

import dataclasses
import html
import json
import re
import shutil
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import REPO
from jixiao import store
from jixiao.evaluation.published import check_self_evaluation, rescore
from jixiao.interchange import to_dict
from jixiao.model import Amounts, Document, Indicator
from jixiao.readers import read
from jixiao.store import accounts
from jixiao.web import create_app
from webclient import PASSWORD, login

REAL = REPO / "tests" / "data" / "real"
GUOJIA = REAL / "pdf" / "guojia-xinfang-2024-juesuan-xiangmu-ziping.pdf"
NINGDE = REAL / "pdf" / "ningde-zfb-2024-zhengti-zipingbiao.pdf"
LANGFANG = REAL / "23-langfang-shipin-2019-ziping-cellperline.txt"
XINFANG = "[292]国家信访局"  # the department as the 自评表 names it


def approved_table(evaluation: Document) -> Document:
    """The approved table of the same projects and year: the 自评表's targets without its
    columns, five edited."""
    units = [dataclasses.replace(u, projects=[dataclasses.replace(
        p, form=None, indicators=[dataclasses.replace(i, form=None) for i in p.indicators],
        amounts=_approved_amounts(p.amounts)) for p in u.projects]) for u in evaluation.units]
    doc = dataclasses.replace(evaluation, units=units, kind=None,
                              title="2024年项目支出绩效目标表",
                              source=dataclasses.replace(evaluation.source, file="targets.json",
                                                         sha256="0" * 64))
    p1, p2, _, p4 = doc.projects
    p2.indicators[5].target = "≥330篇"  # 微信发稿量: approved 330, evaluated against 350
    p1.indicators[1].target = "≥120人"  # 跟班学习干部人数: approved 120, the 自评表 says 110
    p1.indicators[7].target = "明显提高"  # 信访工作质量: the 自评表 rewrote it 有所提高
    del p4.indicators[6]  # 绿色节能产品购置率: the 自评表 added it
    p4.indicators.append(Indicator(p4.indicators[-1].seq + 1, "满意度指标", "网络安全事件数",
                                   "≤1起", "网络安全事件数：≤1起", p4.span))  # dropped
    return doc


def _approved_amounts(a: Amounts) -> Amounts:
    """The 自评表 prints the year's budget as 总计 beside the sources planned at the start
    of the year; a target table's 总计 is the sum of its sources."""
    parts = [a.fiscal, a.special_account, a.other]
    return dataclasses.replace(a, total=sum((x for x in parts if x is not None), D(0)))


class Site:
    def __init__(self, root: Path) -> None:
        self.app = create_app(str(root / "selfeval.sqlite"))
        self.engine = self.app.state.engine
        accounts.add_user(self.engine, "admin", PASSWORD, "admin")
        accounts.add_user(self.engine, "xinfang", PASSWORD, "department", XINFANG)
        accounts.add_user(self.engine, "edu", PASSWORD, "department", "广州市教育局")
        self.admin = self.client("admin")
        self.evaluation = read(GUOJIA)
        headers = {"X-CSRF-Token": self.admin.csrf}  # type: ignore[attr-defined]
        table = json.dumps(to_dict(approved_table(self.evaluation)), ensure_ascii=False)
        uploaded = self.admin.post("/api/v1/documents", headers=headers, files={
            "file": ("targets.json", table.encode("utf-8"), "application/json")})
        assert uploaded.status_code == 201, uploaded.text
        self.targets = uploaded.json()["id"]
        with GUOJIA.open("rb") as f:
            uploaded = self.admin.post("/api/v1/documents", headers=headers,
                                       files={"file": (GUOJIA.name, f, "application/pdf")})
        assert uploaded.status_code == 201, uploaded.text
        self.guojia = uploaded.json()["id"]

    def client(self, user: str) -> TestClient:
        client = TestClient(self.app, base_url="https://testserver")
        client.csrf = login(client, user)  # type: ignore[attr-defined]
        return client


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return Site(tmp_path_factory.mktemp("selfeval-web"))


def _text(page: str) -> str:
    """The page's text, tags dropped and whitespace squeezed, for reading figures."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def _row(page: str, row_id: str) -> str:
    found = re.search(rf'<tr id="{row_id}"[^>]*>(.*?)</tr>', page, flags=re.S)
    assert found, row_id
    return _text(found[1]).strip()


# ---- the document page and its JSON ------------------------------------------------------


def test_the_document_page_shows_published_beside_recomputed(site: Site) -> None:
    page = site.admin.get(f"/documents/{site.guojia}")
    assert page.status_code == 200
    fits = {f.profile: f for f in rescore(site.evaluation)}
    central = fits["central"]
    # no profile reproduces guojia; central comes nearest, 29 of its 45 printed cells
    assert re.search(r'id="reproduced-by">无<', page.text)
    assert "central 29/45 48.33" in _text(re.search(
        r'id="profile-fits">(.*?)</table>', page.text, flags=re.S)[1])
    assert (central.matched, len(central.cells), central.distance) == (29, 45, D("48.33"))
    # project 1 as printed: 180.61 / 180.03 / 180.03, 100 %, execution 10, 总分 98; the
    # recomputed under central: execution 10.00, the total of central's own scores
    total = next(c for c in central.cells if (c.project, c.cell) == (1, "总分"))
    assert total.published == D(98)
    assert _row(page.text, "se-p1").startswith(
        f"1 信访干部培训专项 第30页 180.61 180.03 180.03 100.00% 10.00 10.00 98.00 "
        f"{total.computed:.2f} ")
    # project 2: 536.2 planned for the year, 413.57 spent: 77.13 %, printed 7.7, central 7.71
    row2 = _row(page.text, "se-p2")
    assert "493.76 536.20 413.57 77.13% 7.70 7.71 94.70" in row2
    assert "central 8/12" in row2 and "hebei 8/12 差 3.30" in row2
    # its own findings: the five targets that are not the approved ones
    assert re.search(r'id="finding-count">5<', page.text)


def test_the_document_json_is_the_same_view(site: Site) -> None:
    answer = site.admin.get(f"/api/v1/documents/{site.guojia}/self-evaluation")
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert (data["department"], data["year"], data["reproduced_by"]) == (XINFANG, 2024, None)
    best = data["profiles"][0]
    assert (best["profile"], best["matched"], best["cells"]) == ("central", 29, 45)
    # the totals and their parts as the table prints them: 10 + 88, 7.7 + 87, 10 + 88,
    # 6.3 + 84.2
    assert [(p["total"], p["execution_score"]) for p in data["projects"]] == [
        ("98.00", "10.00"), ("94.70", "7.70"), ("98.00", "10.00"), ("90.50", "6.30")]
    p4 = data["projects"][3]
    assert (p4["planned"], p4["adjusted"], p4["executed"], p4["execution_rate"]) == (
        "1638.67", "1639.34", "1032.99", "0.6301")
    assert (p4["execution_computed"], p4["execution_matches"]) == ("6.30", True)
    assert all(p["approved_document"] == site.targets for p in data["projects"])
    # the recomputed totals and grades are the library's, under each project's profile
    check = check_self_evaluation(site.evaluation)
    for p in data["projects"]:
        fit = next(f for f in check.fits if f.profile == p["profile"])
        [total] = [c for c in fit.cells if (c.project, c.cell) == (p["seq"], "总分")]
        assert p["total_computed"] == f"{total.computed:.2f}"
        assert p["total_matches"] is total.matches
    # every finding points at its cell: the project, the indicator's row, the page
    found = [(f["code"], f["project"], f["row"], f["cell"], f["page"])
             for f in data["findings"]]
    assert found == [("target-lowered", 1, 2, "年度指标值", 30),
                     ("target-rewritten", 1, 8, "年度指标值", 30),
                     ("target-raised", 2, 6, "年度指标值", 32),
                     ("target-dropped", 4, None, "年度指标值", 35),
                     ("target-added", 4, 7, "年度指标值", 36)]  # 绿色节能… on the next page
    raised = data["findings"][2]
    assert (raised["published"], raised["expected"], raised["indicator_name"]) == (
        "≥350篇", "≥330篇", "微信发稿量（篇）")


# ---- the project page and its JSON -------------------------------------------------------


def test_the_project_page_compares_each_target_with_the_approved(site: Site) -> None:
    page = site.admin.get(f"/documents/{site.guojia}/projects/2")
    assert page.status_code == 200
    assert f'href="/documents/{site.targets}/projects/2"' in page.text
    # 微信发稿量: 350 against the approved 330, raised (stricter); 335篇 done, 4 of 6
    # printed, the ratio gives 5.74
    row = _row(page.text, "i5")
    assert row.startswith("6 ") and "≥350篇 ≥330篇 调高（更严） 335篇 6.00 4.00 5.74" in row
    assert _row(page.text, "i0").startswith("1 经济成本指标 每本刊物印刷成本 ≤1.4元 ≤1.4元 未变 "
                                             "1.4元 20.00 20.00 20.00")
    assert re.search(r'id="total-published">94.70<', page.text)
    assert re.search(r'id="execution-computed">7.71<', page.text)
    one = site.admin.get(f"/documents/{site.guojia}/projects/1").text
    assert "≥110人 ≥120人 调低（放宽）" in _row(one, "i1")
    assert "有所提高 明显提高 改写" in _row(one, "i7")
    four = site.admin.get(f"/documents/{site.guojia}/projects/4").text
    assert "绿色节能产品购置率 target-added 年度指标值 ≥95% 新增 100%" in _row(four, "i6")
    dropped = re.search(r'<tr class="dropped">(.*?)</tr>', four, flags=re.S)
    assert dropped and "网络安全事件数 （自评表中没有） ≤1起 删除" in _text(dropped[1])


def test_the_project_json_has_each_indicator_as_published(site: Site) -> None:
    data = site.admin.get(f"/api/v1/documents/{site.guojia}/self-evaluation/projects/4"
                          ).json()
    assert (data["total"], data["grade"], data["profile"]) == ("90.50", None, "central")
    i = data["indicators"][3]  # 设备完好率: 85 % of ≥96 %, 7.1 of 10 printed, 8.85 computed
    assert (i["name"], i["target"], i["approved"], i["change"], i["actual"], i["weight"],
            i["score"], i["computed"], i["matches"], i["page"]) == (
        "设备完好率", "≥96%", "≥96%", "unchanged", "85%", "10.00", "7.10", "8.85", False, 35)
    assert i["reason"] and "8.85" not in i["reason"]
    assert [(c["indicator"], c["before"], c["change"]) for c in data["dropped"]] == [
        ("网络安全事件数", "≤1起", "dropped")]
    assert [f["code"] for f in data["published_findings"]] == ["target-dropped",
                                                               "target-added"]


# ---- other 自评表, other documents, other departments ----------------------------------------


def test_ningde_and_langfang_are_reproduced_and_their_cells_named(site: Site) -> None:
    headers = {"X-CSRF-Token": site.admin.csrf}  # type: ignore[attr-defined]
    ids = {}
    for path, kind in ((NINGDE, "application/pdf"), (LANGFANG, "text/plain")):
        with path.open("rb") as f:
            answer = site.admin.post("/api/v1/documents", headers=headers,
                                     files={"file": (path.name, f, kind)})
        assert answer.status_code == 201, answer.text
        ids[path] = answer.json()["id"]
    ningde = site.admin.get(f"/api/v1/documents/{ids[NINGDE]}/self-evaluation").json()
    assert ningde["reproduced_by"] == "ningde"
    [p] = ningde["projects"]
    # 8874.74 spent of the year's budget: 88.75 %, 7 of 10 (ningde's step); 总分 92.33 优
    assert (p["execution_rate"], p["execution_score"], p["execution_computed"]) == (
        "0.8875", "7.00", "7.00")
    assert (p["total"], p["total_computed"], p["grade"], p["grade_computed"]) == (
        "92.33", "92.33", "优（S≧90）", "优")
    best = p["profiles"][0]
    assert (best["profile"], best["matched"], best["cells"]) == ("ningde", 19, 19)
    [f] = ningde["findings"]  # 市政府常务会议场次 1.33 of 2 without a reason
    assert (f["code"], f["row"], f["cell"], f["page"]) == ("reason-missing", 8, "偏差原因", 1)
    page = site.admin.get(f"/documents/{ids[NINGDE]}")
    assert re.search(r'id="reproduced-by">ningde<', page.text)
    assert "reason-missing" in page.text and "第1页 · 第8项指标" in _text(page.text)
    # a text 自评表 names its lines; hebei in whole points prints 9 where central has 8.62
    langfang = site.admin.get(f"/api/v1/documents/{ids[LANGFANG]}/self-evaluation").json()
    assert langfang["reproduced_by"] == "hebei" and langfang["findings"] == []
    project = site.admin.get(f"/documents/{ids[LANGFANG]}/projects/1")
    assert "第9行" in project.text and re.search(r'id="project-profile">hebei<',
                                                  project.text)


def test_a_target_table_is_not_a_self_evaluation(site: Site) -> None:
    answer = site.admin.get(f"/api/v1/documents/{site.targets}/self-evaluation")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not-self-evaluation"
    page = site.admin.get(f"/documents/{site.targets}")
    # the target table keeps its own page: its projects, no published scores
    assert page.status_code == 200 and 'id="project-count">4<' in page.text
    assert 'id="selfeval-projects"' not in page.text


def test_only_the_department_sees_its_self_evaluation(site: Site) -> None:
    own, other = site.client("xinfang"), site.client("edu")
    for path in (f"/documents/{site.guojia}", f"/documents/{site.guojia}/projects/2",
                 f"/api/v1/documents/{site.guojia}/self-evaluation",
                 f"/api/v1/documents/{site.guojia}/self-evaluation/projects/2"):
        assert own.get(path).status_code == 200, path
        assert other.get(path).status_code == 404, path
    # the approved table is the department's own (the same department): compared
    mine = own.get(f"/api/v1/documents/{site.guojia}/self-evaluation").json()
    assert len(mine["findings"]) == 5


# ---- in a real browser ----------------------------------------------------------------------


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def test_screenshot_of_the_self_evaluation_page(tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (make test installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    from ports import free_port, wait_for_port
    from test_e2e import FLAGS

    db = tmp_path / "shot.sqlite"
    engine = store.connect(str(db))
    accounts.add_user(engine, "admin", PASSWORD, "admin")
    evaluation = read(GUOJIA)
    store.ingest(engine, approved_table(evaluation))
    doc_id = store.ingest(engine, evaluation).document_id
    engine.dispose()
    port = free_port()
    jixiao = str(Path(sys.executable).with_name("jixiao"))
    server = subprocess.Popen([jixiao, "serve", "--port", str(port), "--db", str(db)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        url = f"http://127.0.0.1:{port}"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.goto(f"{url}/login")
            page.fill("input[name=username]", "admin")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(re.compile(r".*/documents$"))
            page.goto(f"{url}/documents/{doc_id}")
            assert page.inner_text("#reproduced-by") == "无"
            assert "98.00" in page.inner_text("#se-p1")
            shots = REPO / "out" / "screenshots"
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shots / "selfeval.png"), full_page=False)
            page.goto(f"{url}/documents/{doc_id}/projects/2")
            assert "调高" in page.inner_text("#i5")
            page.screenshot(path=str(shots / "selfeval-project.png"), full_page=False)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
