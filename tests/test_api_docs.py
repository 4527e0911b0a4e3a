"""/api/docs without internet (issue 16, item 7): Swagger UI comes from npm (package.json)
and is served by the app under /vendor, as htmx is. Checked on the page's HTML, then in
headless Chromium against a real `jixiao serve` with every request off loopback refused."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from conftest import REPO
from jixiao.web import create_app
from ports import free_port, wait_for_port
from test_e2e import CHROMIUM, FLAGS, SHOTS


def test_the_docs_page_loads_swagger_ui_from_vendor(tmp_path: Path) -> None:
    client = TestClient(create_app(str(tmp_path / "docs.sqlite")))
    page = client.get("/api/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/vendor/swagger-ui-dist/") for s in sources), sources
    assert "cdn" not in page.text.lower()
    for source in sources:  # each one is there, from node_modules
        assert client.get(source).status_code == 200, source
    locked = json.loads((REPO / "package-lock.json").read_text(encoding="utf-8"))
    assert "node_modules/swagger-ui-dist" in locked["packages"]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (make test installs Debian's chromium)")
    db = str(tmp_path_factory.mktemp("docs") / "docs.sqlite")
    port = free_port()
    jixiao = str(Path(sys.executable).with_name("jixiao"))
    process = subprocess.Popen([jixiao, "serve", "--port", str(port), "--db", db],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_docs_render_in_chromium_without_network(served: str) -> None:
    from playwright.sync_api import Route, sync_playwright

    asked: list[str] = []
    refused: list[str] = []

    def only_loopback(route: Route) -> None:
        url = route.request.url
        asked.append(url)
        if urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:  # the internet is not there
            refused.append(url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            context = browser.new_context(viewport={"width": 1366, "height": 768})
            context.route("**/*", only_loopback)
            page = context.new_page()
            page.goto(f"{served}/api/docs")
            title = page.locator(".swagger-ui .info .title")
            title.wait_for(timeout=15_000)
            assert title.inner_text().startswith("jixiao")
            page.locator('.opblock-summary-path[data-path="/api/v1/documents"]').first.wait_for()
            assert page.locator(".opblock").count() >= 14  # every operation listed
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "api-docs.png"))
        finally:
            browser.close()
    assert refused == []
    assert f"{served}/vendor/swagger-ui-dist/swagger-ui-bundle.js" in asked
