"""End to end in a real browser: Debian's headless Chromium driven by Playwright against
`jixiao serve` on loopback. Screenshots of the main pages go to out/screenshots/."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import REPO, SAMPLE
from jixiao import store
from jixiao.compare import compare_indicator
from jixiao.readers import read
from jixiao.synthetic import generate_document
from jixiao.writers.text import render_text
from ports import free_port, wait_for_port
from webclient import PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = REPO / "out" / "screenshots"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """`jixiao serve` as a user runs it, with an admin and two department users."""
    if not Path(CHROMIUM).exists():
        message = "Chromium is not installed (make test installs Debian's chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    folder = tmp_path_factory.mktemp("e2e")
    db = str(folder / "e2e.sqlite")
    jixiao = str(Path(sys.executable).with_name("jixiao"))
    env = {**os.environ, "JIXIAO_PASSWORD": PASSWORD}
    for args in (["admin", "--role", "admin"],
                 ["psb", "--role", "department", "--department", "广州市公安局"],
                 ["edu", "--role", "department", "--department", "广州市教育局"]):
        subprocess.run([jixiao, "users", "add", *args, "--db", db], check=True, env=env,
                       capture_output=True)
    other = generate_document(read(SAMPLE), seed=5, projects=8)
    other.department = "广州市教育局"
    (folder / "edu.txt").write_text(render_text(other), encoding="utf-8")
    subprocess.run([jixiao, "ingest", "--db", db, str(folder / "edu.txt")], check=True,
                   capture_output=True)
    port = free_port()
    process = subprocess.Popen([jixiao, "serve", "--port", str(port), "--db", db],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    wait_for_port(port)
    try:
        yield url, db
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


def _login(page, url: str, user: str) -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/documents$"))


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def test_the_bureau_and_a_department_at_work(server, browser) -> None:
    url, db = server
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    # signed out, every page leads to the login
    page.goto(f"{url}/documents/1")
    assert "/login" in page.url
    _login(page, url, "admin")
    # upload the sample through the page (htmx, with its progress bar)
    page.set_input_files("input[type=file]", str(SAMPLE))
    page.click("#upload button[type=submit]")
    page.wait_for_url(re.compile(r".*/documents/2$"))
    assert page.inner_text("#project-count") == "142"
    assert page.inner_text("#grand-total") == "248,530.64"
    assert page.locator("#projects tbody tr").count() == 142
    _shot(page, "document")
    # a project with the source lines of its fields
    page.click("#projects a >> text=广州公安一体化政务服务平台项目")
    page.wait_for_url(re.compile(r".*/documents/2/projects/41$"))
    first_source = page.locator("#indicators tbody tr").first.locator("td.src")
    assert re.search(r"第\d+页 第\d+(–\d+)?行", first_source.inner_text())
    _shot(page, "project")
    # search
    page.goto(f"{url}/search")
    page.fill("input[name=q]", "故障率")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector("#hit-count")
    count = sum("故障率" in i.name for p in read(SAMPLE).projects for i in p.indicators)
    assert page.inner_text("#hit-count") == f"共找到 {count} 处"
    _shot(page, "search")
    page.goto(f"{url}/compare?name=系统故障率")
    result = compare_indicator(store.connect(db), "系统故障率")
    outliers = [o.target for g in result.groups for o in g.outliers]
    assert "达到90%" in outliers
    assert page.locator("tr.outlier").count() == len(outliers)
    _shot(page, "compare")
    context.close()

    # the department enters an actual value and sees its score change
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    _login(page, url, "psb")
    page.goto(f"{url}/documents/2/projects/1")
    before = float(page.inner_text("#score-total"))
    target = read(SAMPLE).projects[0].indicators[0].target
    form = page.locator("form.actual-form").first
    form.locator("input[name=value]").fill(target)
    form.locator("button").click()
    page.wait_for_load_state()
    assert page.locator("#actual-table td.actual").first.inner_text().startswith(target)
    after = float(page.inner_text("#score-total"))
    assert after > before
    _shot(page, "actuals")
    # … and is refused the other department's document
    response = page.goto(f"{url}/documents/1")
    assert response.status == 404 and "没有找到" in page.inner_text("main")
    context.close()
