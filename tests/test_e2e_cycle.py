"""The review cycle end to end in Debian's headless Chromium (Playwright) against `jixiao
serve`: a department uploads and submits; the reviewer returns two projects with opinions
and the table; the department finds them in its 待办, uploads a revised table, sees the
differences and resubmits; the reviewer approves. At year end the department uploads the
actuals sheet, fixes the value the checks refuse, completes a project in the grid; the
admin's pages. Screenshots at 1366×768 go to out/screenshots/ (cycle-*.png, yearend-*.png,
admin-*.png)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from ports import free_port, wait_for_port
from test_e2e import CHROMIUM, _login, _shot
from test_e2e import browser as browser  # the same fixture, not a copy
from test_review_cycle import EXAMPLE, revised_text
from test_yearend import _row_of
from webclient import PASSWORD


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    if not Path(CHROMIUM).exists():
        message = "Chromium is not installed (make test installs Debian's chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    folder = tmp_path_factory.mktemp("e2e-cycle")
    db = str(folder / "cycle.sqlite")
    jixiao = str(Path(sys.executable).with_name("jixiao"))
    env = {**os.environ, "JIXIAO_PASSWORD": PASSWORD}
    for args in (["reviewer", "--role", "reviewer"], ["admin", "--role", "admin"],
                 ["psb", "--role", "department", "--department", "广州市公安局"]):
        subprocess.run([jixiao, "users", "add", *args, "--db", db], check=True, env=env,
                       capture_output=True)
    revised = folder / "guangzhou-psb-targets-修改稿.txt"
    revised.write_text(revised_text(), encoding="utf-8")
    port = free_port()
    process = subprocess.Popen([jixiao, "serve", "--port", str(port), "--db", db],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_for_port(port)
    try:
        yield f"http://127.0.0.1:{port}", db, revised
    finally:
        process.terminate()
        process.wait(timeout=10)


def _as(chromium, url: str, user: str):
    context = chromium.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    _login(page, url, user)
    return context, page


def test_submit_return_revise_resubmit_approve(server, browser) -> None:
    url, _, revised = server
    # the department uploads its table and submits it
    context, page = _as(browser, url, "psb")
    page.set_input_files("#upload input[type=file]", str(EXAMPLE))
    page.click("#upload button[type=submit]")
    page.wait_for_url(re.compile(r".*/documents/1$"))
    assert page.inner_text("#cycle-state") == "草稿"
    assert page.inner_text("#grand-gap") == "1,129.71"  # the 合计 gap the CLI reports
    page.click("#cycle-submit button")
    page.wait_for_url(re.compile(r".*/documents/1(#cycle)?$"))
    assert page.inner_text("#cycle-state") == "待审核"
    context.close()

    # the reviewer finds it waiting, returns two projects with opinions, then the table
    context, page = _as(browser, url, "reviewer")
    page.goto(f"{url}/todo")
    assert page.inner_text("#mine-count") == "1"
    _shot(page, "cycle-todo-reviewer")
    for seq, why in ((1, "物业服务合格率目标偏低，请提高到98%以上"),
                     (2, "“辅警队伍规范化”无法衡量，请删除或量化")):
        page.goto(f"{url}/documents/1/projects/{seq}")
        page.fill("#project-cycle textarea[name=opinion]", why)
        page.click("#project-cycle button[value=return]")
        page.wait_for_url(re.compile(rf".*/documents/1/projects/{seq}(#cycle)?$"))
        assert page.inner_text("#project-state") == "退回"
        assert page.inner_text("#project-opinion").endswith(why)
    _shot(page, "cycle-project-returned")
    page.goto(f"{url}/documents/1?state=returned#projects")
    assert page.locator("#projects tbody tr").count() == 2
    page.goto(f"{url}/documents/1")
    page.fill("#cycle-return input[name=opinion]", "请按意见修改两个项目后重新提交")
    page.click("#cycle-return button")
    page.wait_for_url(re.compile(r".*/documents/1(#cycle)?$"))
    assert page.inner_text("#cycle-state") == "已退回"
    _shot(page, "cycle-document-returned")
    context.close()

    # the department sees what came back and why, uploads the revision, sees the changes
    context, page = _as(browser, url, "psb")
    page.goto(f"{url}/todo")
    assert page.inner_text("#mine-count") == "1"
    assert "请按意见修改两个项目后重新提交" in page.inner_text("#todo-mine")
    _shot(page, "cycle-todo-department")
    page.click("#todo-mine a >> nth=1")
    page.wait_for_url(re.compile(r".*/documents/1(#cycle)?$"))
    returned = page.inner_text("#returned")
    assert "退回的项目（2）" in returned and "请提高到98%以上" in returned
    page.set_input_files("#revise-form input[type=file]", str(revised))
    page.click("#revise-form button")
    page.wait_for_url(re.compile(r".*/documents/2/revision$"))
    assert page.inner_text("#t-raised") == "1" and page.inner_text("#t-dropped") == "1"
    assert page.inner_text("#n-money") == "1"
    rows = page.locator("#revision tbody tr")
    assert rows.count() == 2
    assert "95%" in rows.nth(0).inner_text() and "98%" in rows.nth(0).inner_text()
    assert "物业服务合格率目标偏低" in rows.nth(0).inner_text()  # the opinion it answers
    _shot(page, "cycle-revision")
    page.click("#cycle-submit button")
    page.wait_for_url(re.compile(r".*/documents/2(#cycle)?$"))
    assert page.inner_text("#cycle-state") == "待审核"
    assert page.inner_text("#cycle-version") == "2"
    context.close()

    # the reviewer approves the second version; the overview shows the year's state
    context, page = _as(browser, url, "reviewer")
    page.goto(f"{url}/documents/2")
    page.click("#cycle-approve button")
    page.wait_for_url(re.compile(r".*/documents/2(#cycle)?$"))
    assert page.inner_text("#cycle-state") == "已通过"
    page.locator("details.history summary").click()
    _shot(page, "cycle-approved")
    page.goto(f"{url}/overview")
    assert page.inner_text("#row-count") == "1"
    row = page.locator("#overview tbody tr").first.inner_text()
    assert "已通过" in row and "广州市公安局" in row
    page.goto(f"{url}/overview?all=true")
    assert page.inner_text("#row-count") == "2"
    _shot(page, "cycle-overview")
    page.goto(f"{url}/documents/2?sort=total&order=desc")
    _shot(page, "cycle-document")
    context.close()


def test_year_end_sheet_then_grid(server, browser, tmp_path: Path) -> None:
    """Runs after the cycle above: document 2 is the approved version."""
    url, _, _ = server
    context, page = _as(browser, url, "psb")
    page.goto(f"{url}/documents/2")
    assert page.inner_text("#yearend-done") == "0"
    with page.expect_download() as download:
        page.click("#dl-actuals")
    sheet = tmp_path / "actuals.xlsx"
    download.value.save_as(sheet)
    book = load_workbook(sheet)
    money, values = book["执行情况"], book["指标完成情况"]
    money.cell(_row_of(money, 1), 4).value = 11394.1
    money.cell(_row_of(money, 1), 5).value = 11200.5
    money.cell(_row_of(money, 1), 6).value = "部分合同年底未结算"
    answers = {1: "达成", 2: "150%", 3: "100"}  # 物业服务合格率 (98%) cannot be 150%
    for position, value in answers.items():
        values.cell(_row_of(values, 1, position), 8).value = value
    bad_row = _row_of(values, 1, 2)
    book.save(sheet)
    page.set_input_files("#actuals-upload input[type=file]", str(sheet))
    page.click("#actuals-upload button")
    page.wait_for_url(re.compile(r".*/documents/2/actuals/sheet$"))
    assert page.inner_text("#sheet-error-count") == "1"
    error = page.locator("#sheet-errors tbody tr").first.inner_text()
    assert f"指标完成情况\t{bad_row}\t实际完成值" in error and "超过了 100%" in error
    _shot(page, "yearend-sheet-errors")
    # fixed and uploaded again: stored whole, project 1 complete
    values.cell(bad_row, 8).value = "97%"
    book.save(sheet)
    page.set_input_files("#actuals-upload input[type=file]", str(sheet))
    page.click("#actuals-upload button")
    page.wait_for_url(re.compile(r".*/documents/2/yearend\?.*stored=3"))
    assert page.inner_text("#done-count") == "1"
    _shot(page, "yearend-document")

    # project 2 completed in the grid: a refused value first, then all of it saved at once
    page.goto(f"{url}/documents/2/projects/2/yearend")
    page.fill("input[name=budget]", "67394.50")
    page.fill("input[name=executed]", "66000")
    page.fill("input[name=value-0]", "九成以上")  # 队伍稳定率 90%: a number is wanted
    page.fill("input[name=value-1]", "25分钟")
    page.fill("input[name=value-2]", "达成")
    page.click("#grid-save")
    page.wait_for_selector("#grid-errors")
    assert page.inner_text("#grid-error-count") == "1"
    assert "是数值" in page.inner_text("#error-value-0")
    assert page.input_value("input[name=value-1]") == "25分钟"  # kept, not stored
    _shot(page, "yearend-grid-refused")
    page.fill("input[name=value-0]", "92%")
    page.click("#grid-save")
    page.wait_for_selector("#grid-saved")
    assert page.input_value("input[name=executed]") == "66000"
    grade = page.inner_text("#grid-grade")
    assert grade in ("优", "良", "中")
    _shot(page, "yearend-grid-saved")
    page.goto(f"{url}/documents/2/yearend")
    assert page.inner_text("#done-count") == "2"
    context.close()

    # the bureau sees the department's completion on the overview
    context, page = _as(browser, url, "reviewer")
    page.goto(f"{url}/overview")
    row = page.locator('#completion tr[data-department="广州市公安局"]').inner_text()
    assert "\t2\t" in row
    page.locator("#completion").scroll_into_view_if_needed()
    _shot(page, "yearend-overview")
    context.close()

    # the admin's pages: users, the change log in Chinese, a profile as a form
    context, page = _as(browser, url, "admin")
    page.goto(f"{url}/admin/users")
    _shot(page, "admin-users")
    page.goto(f"{url}/admin/changes?user=psb&kind=actuals")
    assert "填报实际完成值" in page.inner_text("#changes")
    _shot(page, "admin-changes")
    page.goto(f"{url}/admin/rules/edit")
    page.fill("input[name=name]", "本局方案")
    page.uncheck('input[name="Q4-vague-target.enabled"]')
    page.click("#profile-save")
    page.wait_for_selector("#profile-saved")
    assert not page.is_checked('input[name="Q4-vague-target.enabled"]')
    _shot(page, "admin-profile")
    page.goto(f"{url}/account")
    _shot(page, "admin-account")
    context.close()
