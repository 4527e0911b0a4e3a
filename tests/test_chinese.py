"""No English words where users read: every page the web tests visit, every sheet and PDF
jixiao writes, the CLI's messages and the --help of every command.

What may stay in Latin letters — and nothing else:

* **codes**, which the product keeps English by design: in a page, anything inside
  ``<code>`` (how pages show codes); everywhere, a hyphenated code (``Q5-direction-conflict``,
  ``no-execution``, ``--db``) and a letter-and-digit code (``A1``, ``D1``);
* **names and units** in ALLOWED below: product and format names, the units of the tables;
* **text published in the tables** read in (a project named ``PGIS运维``, a target
  ``≥5TB``): the words of the input files are the tables' own, kept as published;
* **file names and addresses** (``review.xlsx``, ``docs/rules.md``, ``https://…``,
  ``/documents/1``);
* in the CLI, **what its users type**: command names (``compare indicator``), the values an
  option takes (``--format table``), the built-in scoring profiles (``--profile hubei``),
  the settings of a rules profile (``joiners``);
* a **single letter**, which is no word (units s, m; a cell B3; 第a–b行).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import DATA, SAMPLE

# Names (of the product, formats, software users meet) and units; a word here must be one a
# Chinese user of the product reads as it is.
ALLOWED = frozenset({
    "jixiao",  # the program's name (the command users type)
    "PDF", "pdf", "xlsx", "Excel", "CSV", "csv", "JSON", "json", "TOML", "toml", "HTML",
    "docx", "txt", "ZIP", "zip", "OCR", "ID", "id", "API", "URL", "CSRF",
    "SQLite", "sqlite", "PostgreSQL", "postgresql", "SQLAlchemy", "Swagger", "ReDoc", "OpenAPI",
    "htmx", "Chromium", "Python", "pip", "UTF", "pdftotext", "xls", "Parquet", "SVG", "Alembic",
    "km", "kg", "ms", "MB", "KB", "GB", "TB", "GiB", "MiB", "Mbps", "cm", "mm",  # units
    "min",  # mathematical notation in a score's formula: w·min(1, B/A)
})
REAL = DATA / "real"
FORM = REAL / "23-langfang-shipin-2019-ziping-cellperline.txt"  # a 自评表: actuals, scores
NOT_WORDS = re.compile(
    r"https?://\S+"                                 # addresses
    r"|(?<![\w.])/[\w./?=&%{}-]+"                    # paths of pages and files
    r"|(?:[\w.-]+/)*[\w.-]+\.(?:pdf|xlsx|xls|csv|txt|json|toml|html|docx|doc|sqlite|db|zip|png"
    r"|md|py)\b"
    r"|--?[a-z][a-z-]*"                              # options: --db, -o
    r"|[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)+"    # hyphenated codes
    r"|\b[A-Za-z]+\d[\w]*")                          # letter-and-digit codes: A1, Q5, H2O
WORD = re.compile(r"[A-Za-z]{2,}")


def published_words(*paths: Path) -> frozenset[str]:
    """The Latin words of the tables read in: their own text, kept as published."""
    words: set[str] = set()
    for path in paths:
        words.update(WORD.findall(NOT_WORDS.sub(" ", path.read_text(encoding="utf-8"))))
    return frozenset(words)


TABLE_WORDS = published_words(SAMPLE, FORM)


def english(text: str, also: Iterable[str] = ()) -> list[str]:
    """The English words of `text` that no rule of this module allows."""
    allowed = ALLOWED | TABLE_WORDS | set(also)
    return [w for w in WORD.findall(NOT_WORDS.sub(" ", text)) if w not in allowed]


class _Visible(HTMLParser):
    """A page's text as a user reads it: visible text and the attributes shown (title,
    placeholder, alt, a button's value), without scripts, styles and <code>."""

    SHOWN = ("title", "placeholder", "alt", "aria-label")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "code", "svg"):
            self.hidden += 1
        a = dict(attrs)
        self.parts.extend(v for k, v in attrs if k in self.SHOWN and v)
        if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
            self.parts.append(a["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "code", "svg") and self.hidden:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def page_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return "\n".join(parser.parts)


def sheet_text(data: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True)
    parts = []
    for ws in book.worksheets:
        parts.append(ws.title)
        for row in ws.iter_rows(values_only=True):
            parts.extend(v for v in row if isinstance(v, str))
    return "\n".join(parts)


def pdf_text(data: bytes) -> str:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    return "\n".join(page.get_textpage().get_text_range() for page in pdf)


def csv_text(data: bytes) -> str:
    rows = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    return "\n".join(cell for row in rows for cell in row)


def test_the_rule_finds_english_and_lets_codes_names_and_units_be() -> None:
    assert english("no such document") == ["no", "such", "document"]
    assert english("cannot be scored: a number is expected") == [
        "cannot", "be", "scored", "number", "is", "expected"]
    assert english("规则 Q5-direction-conflict：“系统故障率”越低越好（D1-failure-rate）") == []
    assert english("用 --db 指定 jixiao.sqlite；下载 review.xlsx（PDF，2.5 MB，3 s）") == []
    assert english("“迁移数据≥1000万条 存储量≥5TB”") == []
    assert english("见 /documents/1/projects/41 或 https://example.org/a") == []
    assert page_text("<p>状态 <code>not-found</code><code>draft</code></p>"
                     "<script>var ok = 1</script><input type=submit value='Save'>") \
        == "状态 \nSave"


# ---- the web: every page the web tests visit, its downloads and its error pages ----------

PSB = "广州市公安局"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    from fastapi.testclient import TestClient

    from jixiao import store
    from jixiao.audit import audit
    from jixiao.readers import read
    from jixiao.store import accounts
    from jixiao.web import create_app
    from webclient import PASSWORD, login

    folder = tmp_path_factory.mktemp("chinese")
    app = create_app(str(folder / "web.sqlite"))
    engine = app.state.engine
    accounts.add_user(engine, "admin", PASSWORD, "admin")
    accounts.add_user(engine, "psb", PASSWORD, "department", PSB)
    doc = read(SAMPLE)
    psb = store.ingest(engine, doc, findings=audit(doc).findings, year=2023).document_id
    form = read(FORM)
    form_id = store.ingest(engine, form, findings=audit(form).findings).document_id
    client = TestClient(app, base_url="https://testserver")
    client.csrf = login(client, "admin")  # type: ignore[attr-defined]
    return client, psb, form_id


def _pages(psb: int, form: int) -> list[str]:
    from jixiao.readers import read

    name = read(SAMPLE).projects[40].name
    pages = ["/documents", "/search?q=故障率", "/search?q=没有这个词", "/compare?name=系统故障率",
             "/compare?name=满意度", f"/compare/project?name={name}", "/rules", "/admin/rules",
             "/account", "/admin/users", "/admin/departments", "/admin/changes", "/todo",
             "/overview"]
    for d in (psb, form):
        pages += [f"/documents/{d}", f"/documents/{d}/projects/1",
                  f"/documents/{d}/projects/1?show=table", f"/documents/{d}/revision",
                  f"/documents/{d}/yearend", f"/documents/{d}/projects/1/yearend"]
    pages += [f"/documents/{psb}/projects/100", f"/documents/{psb}/projects/41",
              "/documents/999", f"/documents/{psb}/projects/999", "/no-such-page"]
    return pages


def _downloads(psb: int, form: int) -> list[str]:
    files = ["/overview.csv", "/overview.xlsx"]
    for d in (psb, form):
        # the forms of one project (seq=1): the same template as all 142, in a tenth the time
        files += [f"/documents/{d}/download/{what}" for what in (
            "self-evaluation.pdf?seq=1", "self-evaluation.xlsx", "monitoring.pdf?seq=1",
            "monitoring.xlsx", "review.xlsx", "table.pdf", "table.xlsx", "projects.csv",
            "projects.xlsx", "actuals.xlsx")]
        files.append(f"/documents/{d}/review.xlsx")
    return files


def test_no_english_on_the_pages(site) -> None:
    client, psb, form = site
    found = {}
    for path in _pages(psb, form):
        response = client.get(path)
        assert response.status_code in (200, 404), (path, response.status_code)
        if words := english(page_text(response.text), also=("admin", "psb")):
            found[path] = sorted(set(words))
    signed_out = type(client)(client.app, base_url="https://testserver")
    if words := english(page_text(signed_out.get("/login").text)):
        found["/login"] = sorted(set(words))
    assert not found, found


def test_no_english_in_the_error_pages(site) -> None:
    client, psb, _ = site
    answers = {
        "upload of a file that is no table": client.post(
            "/documents", data={"csrf": client.csrf},
            files={"file": ("坏表.txt", "这不是一张表\n".encode(), "text/plain")}),
        "upload of a damaged PDF": client.post(
            "/documents", data={"csrf": client.csrf},
            files={"file": ("坏表.pdf", b"%PDF-1.4 broken", "application/pdf")}),
        "an actual that is no number": client.post(
            f"/documents/{psb}/projects/1/actuals",
            data={"csrf": client.csrf, "indicator": "1", "value": "abc"}),
        "no CSRF token": client.post(f"/documents/{psb}/delete"),
    }
    found = {what: sorted(set(words)) for what, r in answers.items()
             if (words := english(page_text(r.text)))}
    assert not found, found


def test_no_english_in_the_sheets_and_pdfs_the_web_hands_out(site) -> None:
    client, psb, form = site
    found = {}
    for path in _downloads(psb, form):
        response = client.get(path)
        if response.status_code != 200:
            continue  # not every document has every download (a form has no actuals sheet)
        kind = path.split("?")[0].rsplit(".", 1)[-1]
        text = {"pdf": pdf_text, "xlsx": sheet_text, "csv": csv_text}[kind](response.content)
        if words := english(text):
            found[path] = sorted(set(words))
    assert not found, found


# ---- what the writers write from the CLI's side --------------------------------------------


def test_no_english_in_the_sheets_and_pdfs_of_the_writers(tmp_path: Path) -> None:
    from jixiao.audit import audit
    from jixiao.evaluation.sheet import write_actuals_sheet
    from jixiao.readers import read
    from jixiao.writers.publish import render_pdf
    from jixiao.writers.review import write_review_xlsx

    doc = read(SAMPLE)
    texts = {}
    out = tmp_path / "review.xlsx"
    write_review_xlsx(audit(doc), doc, out)
    texts["review.xlsx"] = sheet_text(out.read_bytes())
    texts["publish.pdf"] = pdf_text(render_pdf(doc))
    template = tmp_path / "actuals.xlsx"
    write_actuals_sheet(doc, template, 2023)
    texts["actuals.xlsx"] = sheet_text(template.read_bytes())
    found = {name: sorted(set(words)) for name, text in texts.items()
             if (words := english(text))}
    assert not found, found


# ---- the CLI: every command's --help, and its messages -------------------------------------


def _commands(group, prefix: tuple[str, ...] = ()) -> Iterable[tuple[str, ...]]:
    yield prefix
    if hasattr(group, "commands"):  # a group (typer's own click)
        for name, command in group.commands.items():
            yield from _commands(command, (*prefix, name))


def _typed(group) -> set[str]:
    """The words users type to the CLI, codes it shows as they are: every command's name and
    every value a choice option takes."""
    words: set[str] = set()
    for name, command in getattr(group, "commands", {}).items():
        words.add(name)
        words |= _typed(command)
    for param in getattr(group, "params", ()):
        choices = getattr(getattr(param, "type_descriptor", None), "choices", None) or ()
        words |= {str(getattr(c, "value", c)) for c in choices}
    return words


@pytest.fixture(scope="module")
def cli_codes() -> frozenset[str]:
    import typer

    from jixiao.audit import RULES
    from jixiao.cli import app
    from jixiao.evaluation.profiles import BUILT_IN

    settings = {key for rule in RULES.values() for key in rule.params}  # a rules profile's
    words = _typed(typer.main.get_command(app)) | set(BUILT_IN) | settings
    assert {"compare", "indicator", "table", "json", "auto", "hubei"} <= words
    return frozenset(words)


def test_no_english_in_the_help_of_every_command(cli_codes: frozenset[str]) -> None:
    import typer
    from typer.testing import CliRunner

    from jixiao.cli import app

    runner = CliRunner()
    found = {}
    commands = list(_commands(typer.main.get_command(app)))
    assert len(commands) > 20
    for command in commands:
        result = runner.invoke(app, [*command, "--help"], prog_name="jixiao",
                               env={"COLUMNS": "120"})
        assert result.exit_code == 0, (command, result.output)
        if words := english(result.output, also=cli_codes):
            found[" ".join(command) or "jixiao"] = sorted(set(words))
    assert not found, found


def test_no_english_in_the_cli_messages(tmp_path: Path, cli_codes: frozenset[str]) -> None:
    from typer.testing import CliRunner

    from jixiao.cli import app

    runner = CliRunner()
    db = str(tmp_path / "cli.sqlite")
    sheet = str(tmp_path / "actuals.xlsx")
    runs = [
        ["ingest", "--db", db, str(SAMPLE)], ["ingest", "--db", db, str(FORM)],
        ["list", "--db", db], ["show", "--db", db, "1"], ["audit", str(SAMPLE)],
        ["audit", "--details", str(SAMPLE)], ["rules"], ["targets", str(SAMPLE)],
        ["score", "--db", db, "1"], ["monitor", "--db", db, "1"],
        ["selfeval", "check", str(FORM)],
        ["compare", "indicator", "--db", db, "系统故障率"],
        ["compare", "copies", "--db", db],
        ["audit", str(tmp_path / "nope.txt")], ["show", "--db", str(tmp_path / "no.sqlite"), "1"],
        ["show", "--db", db, "99"], ["compare", "indicator", "--db", db, "没有的指标"],
        ["read", str(SAMPLE)], ["actuals", "template", str(SAMPLE), "-o", sheet, "--generate",
                                "2023"],
        ["actuals", "check", sheet, "--doc", str(SAMPLE)],
        ["actuals", "import", sheet, "--doc", "1", "--db", db],
        ["score", "--db", db, "1", "--year", "2023"],
        ["monitor", str(SAMPLE), "--actuals", sheet, "--date", "2023-07-31"],
        ["publish", str(SAMPLE), "-o", str(tmp_path / "table.xlsx")],
        ["export", "--db", db, "-o", str(tmp_path / "export")],
        ["compare", "project", "--db", db, "指挥调度系统运维项目"],
        ["users", "add", "admin", "--password", "long enough pass", "--db", db],
        ["users", "add", "admin", "--password", "long enough pass", "--db", db],
        ["users", "list", "--db", db], ["users", "tokens", "admin", "--db", db],
        ["db", "upgrade", "--db", db], ["read", "--jobs", "0", str(SAMPLE)],
    ]
    found = {}
    for args in runs:
        result = runner.invoke(app, args, prog_name="jixiao", env={"COLUMNS": "160"})
        text = result.output + (result.stderr if result.stderr_bytes is not None else "")
        if words := english(text, also=cli_codes):
            found[" ".join(a if not a.startswith("/") else Path(a).name for a in args)] = \
                sorted(set(words))
    assert not found, found
