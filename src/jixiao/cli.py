"""The command line: a thin shell over readers, store and writers."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Annotated, cast

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from jixiao import cli_words
from jixiao.cli_words import Typer
from jixiao.dbfile import ENV_VAR, default_db_path
from jixiao.messages import level, say

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from jixiao.audit import AuditReport, Profile
    from jixiao.errors import ReadError
    from jixiao.evaluation import Actuals
    from jixiao.model import Document, Project, ProjectForm, SourceSpan
    from jixiao.targets import Target


def _lazy(name: str) -> ModuleType:
    """Module `name`, imported on its first use (importlib's LazyLoader): `jixiao --help`
    and `jixiao read` need neither the database layer nor the review, whose imports were
    most of every command's start-up. A module already imported is itself."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.loader is not None
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, module)  # `import jixiao.store` finds it, as usual
    return module


bulk = _lazy("jixiao.bulk")
formatting = _lazy("jixiao.formatting")
library = _lazy("jixiao.library")
store = _lazy("jixiao.store")
outputs = _lazy("jixiao.writers.outputs")

cli_words.install()  # typer's own words (panel titles, defaults) from the catalogue

app = Typer(
    help=say("cli.app-help"),
    no_args_is_help=True,
    add_completion=False,
)
out = Console()
err = Console(stderr=True, soft_wrap=True)  # errors stay on one line for grep

EXIT_UNREADABLE = 2
ERROR = f"[bold red]{say('cli.error')}[/]"  # what an error line starts with

DbOption = Annotated[
    str | None,
    typer.Option("--db", envvar=ENV_VAR, show_envvar=True,
                 help=say("cli.db-help", default=default_db_path())),
]


# the commands that make a store when --db names a file not there yet; every other command
# takes a missing file for a typo (issue 16)
CREATES_STORE = "ingest、db upgrade、users add"
YEARS = (1990, 2100)  # a budget year outside is a typo


def _bounded_year(value: int | None) -> int | None:
    """--year's check: a year out of YEARS refused before anything is opened."""
    if value is not None and not YEARS[0] <= value <= YEARS[1]:
        err.print(f"{ERROR} " + say("cli.year-out-of-range", first=YEARS[0], last=YEARS[1],
                                    year=value))
        raise typer.Exit(EXIT_UNREADABLE)
    return value


def _sqlite_file(db: str) -> Path | None:
    """The file a --db value names (a path or a sqlite:/// URL); None for a server URL."""
    if "://" not in db:
        return Path(db).expanduser()
    if db.startswith("sqlite"):
        from sqlalchemy.engine import make_url

        try:
            name = make_url(db).database
        except Exception:  # an unparseable URL is answered by _connect
            return None
        return Path(name).expanduser() if name and name != ":memory:" else None
    return None


def _hidden(db: str) -> str:
    """A URL as it may be printed: without its password."""
    import re

    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", db)


def _connect(db: str | None, create: bool = False, migrate: bool = True) -> Engine:
    """store.connect, with the CLI's answers instead of tracebacks: a file --db (or
    $JIXIAO_DB) names that does not exist (unless the command makes a store), a URL that is
    not one, a server that does not answer — each one line, exit 2."""
    from sqlalchemy.exc import ArgumentError, DBAPIError

    named = db or os.environ.get(ENV_VAR)
    if named and not create and (path := _sqlite_file(named)) is not None \
            and not path.is_file():
        err.print(f"{ERROR} " + say("cli.no-database-file", path=escape(str(path)),
                                    commands=CREATES_STORE, envvar=ENV_VAR))
        raise typer.Exit(EXIT_UNREADABLE)
    shown = escape(_hidden(named or store.database_url(db)))
    try:
        engine = store.connect(db, migrate=migrate)
        if not migrate:
            with engine.connect():
                pass
    except (ArgumentError, ValueError, ModuleNotFoundError) as exc:
        err.print(f"{ERROR} " + say("cli.bad-database-url", url=shown, why=escape(str(exc))))
        raise typer.Exit(EXIT_UNREADABLE) from None
    except DBAPIError as exc:
        first = (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]
        err.print(f"{ERROR} " + say("cli.no-connection", url=shown, why=escape(first)))
        raise typer.Exit(EXIT_UNREADABLE) from None
    return engine


def _output_suffix(output: Path | None, allowed: tuple[str, ...]) -> None:
    """An -o whose suffix no writer of the command writes is refused, nothing written."""
    if output is not None and output.suffix.lower() not in allowed:
        err.print(f"{ERROR} " + say("cli.bad-suffix", suffix=escape(output.suffix or say(
            "cli.no-suffix")), path=escape(str(output)), allowed="、".join(allowed)))
        raise typer.Exit(EXIT_UNREADABLE)


NARROW = 120  # columns below which project names lose their shared prefix


def _short_names(doc: Document) -> tuple[dict[int, str], str | None]:
    """Each project's name as a table shows it, and the prefix cut: in a narrow terminal
    the department's (or a unit's) name most names start with is left out, so what tells
    them apart is what shows. JSON and wide terminals keep the names as published."""
    names = {p.seq: p.name for p in doc.projects}
    if out.width >= NARROW:
        return names, None

    def starting(prefix: str) -> int:
        return sum(n.startswith(prefix) and len(n) > len(prefix) for n in names.values())

    candidates = [c for c in (doc.department, *(u.name for u in doc.units)) if c and len(c) > 1]
    best = max(candidates, key=starting, default=None)
    if best is None or starting(best) < 2:
        return names, None
    return {seq: n[len(best):] if n.startswith(best) and len(n) > len(best) else n
            for seq, n in names.items()}, best


def _cut_note(prefix: str | None) -> str | None:
    return say("cli.prefix-cut", prefix=escape(prefix)) if prefix else None


class Format(StrEnum):
    json = "json"
    table = "table"


class Ocr(StrEnum):
    auto = "auto"  # pages without a text layer, or with garbage for text
    always = "always"
    never = "never"


OcrOption = Annotated[Ocr, typer.Option("--ocr", help=say("cli.ocr-help"))]


def _print_read_error(exc: ReadError, after: str = "") -> None:
    err.print(f"{ERROR} {escape(str(exc.span))}: {escape(exc.message)} "
              f"[dim]({exc.code})[/]{escape(after)}")


def _fail_read(exc: ReadError) -> typer.Exit:
    _print_read_error(exc)
    return typer.Exit(EXIT_UNREADABLE)


@app.command("read", help=say("cli.read.help"))
def read_command(
    file: Annotated[Path, typer.Argument(metavar=say("cli.meta.file"),
                                         help=say("cli.read.file"))],
    format: Annotated[Format, typer.Option("--format", "-f", help=say("cli.read.format"))
                      ] = Format.table,
    ocr: OcrOption = Ocr.auto,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, help=say("cli.read.jobs"))] = None,
) -> None:
    """Read a table and print it (no database): a summary table, or the interchange JSON.
    Reads text (pdftotext output), JSON, PDF, xlsx, xls, docx and HTML; a scanned PDF is
    OCR'd on this machine, a bar showing its pages."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskID,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from jixiao.errors import ReadError
    from jixiao.readers import read
    from jixiao.readers.ocr import OcrMode, OcrOptions

    with Progress(TextColumn("OCR"), BarColumn(), MofNCompleteColumn(),
                  TextColumn(say("cli.read.pages")),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=err,
                  transient=True) as progress:
        task: TaskID | None = None

        def pages(done: int, total: int) -> None:
            nonlocal task
            if task is None:
                task = progress.add_task("OCR", total=total)
            progress.update(task, completed=done)

        options = OcrOptions(cast("OcrMode", ocr.value), jobs or os.cpu_count() or 1, pages)
        try:
            doc = read(file, ocr=options)
        except ReadError as exc:
            progress.stop()
            raise _fail_read(exc) from None
    if format is Format.json:
        from jixiao.interchange import to_dict

        sys.stdout.write(json.dumps(to_dict(doc), ensure_ascii=False, indent=1) + "\n")
        return
    _print_document(doc)


def _expand(paths: list[Path]) -> list[Path]:
    """Files as given; a directory stands for the files in it (sorted, not recursive)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir()
                                if p.is_file() and not p.name.startswith(".")))
        else:
            files.append(path)
    return files


SHOWN_FILES = 30  # beyond this many files the summary lists only the failures


@app.command("ingest", help=say("cli.ingest.help"))
def ingest_command(
    paths: Annotated[list[Path], typer.Argument(metavar=say("cli.meta.files"),
                                                help=say("cli.ingest.paths"))],
    review: Annotated[bool, typer.Option("--audit/--no-audit", help=say("cli.ingest.audit"),
                                         show_default=False)] = True,
    workers: Annotated[int | None, typer.Option(
        "--workers", "-j", min=1, help=say("cli.ingest.workers"))] = None,
    year: Annotated[int | None, typer.Option(
        help=say("cli.ingest.year"), callback=_bounded_year)] = None,
    ocr: OcrOption = Ocr.auto,
    db: DbOption = None,
) -> None:
    """Read tables (in parallel) and store them in batches, each batch one transaction;
    files already stored are skipped unread, so a load stopped halfway is finished by
    running it again. Scanned PDFs are OCR'd (`--ocr`), a page at a time in each worker."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from jixiao.errors import ReadError
    from jixiao.readers import set_ocr_default

    set_ocr_default(ocr.value)  # the workers are forked: they read with it too
    engine = _connect(db, create=True)
    files = _expand(paths)
    table = Table(title=say("cli.ingested"), title_justify="left")
    table.add_column(say("cli.col-file"), overflow="fold")
    # the sum of the projects' 总计, not the table's 合计 (printed below when they differ)
    for col in ("status", "document", "projects", "indicators", "projects-sum", "warnings"):
        table.add_column(say(f"cli.col-{col}"), justify="left" if col == "status" else "right")
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=err,
                  transient=True) as progress:
        task = progress.add_task(say("cli.ingesting"), total=len(files))
        outcomes = bulk.ingest_files(
            library.store_of(engine), files, workers=workers, review=review, year=year,
            on_plan=lambda plan: out.print(plan.describe()),
            on_each=lambda outcome: progress.update(
                task, advance=1, description=say("cli.ingesting-file", file=outcome.path.name)))
    if len(files) <= SHOWN_FILES:
        order = {path: k for k, path in enumerate(files)}
        for o in sorted(outcomes, key=lambda o: order[o.path]):
            if (r := o.result) is None:
                table.add_row(escape(o.path.name), f"[red]{say('status.error')}[/]", "", "", "",
                              "", "")
            else:
                table.add_row(escape(o.path.name), say(f"status.{r.status}"), str(r.document_id),
                              str(r.projects), str(r.indicators), formatting.money(r.total),
                              str(r.warnings))
    results = [o.result for o in outcomes if o.result is not None]
    failures = [o for o in outcomes if o.error is not None]
    if len(files) > 1:
        statuses = Counter(r.status for r in results)
        table.add_section()
        table.add_row(say("cli.files", n=len(files)),
                      "，".join(f"{n} {say(f'status.{s}')}" for s, n in statuses.items())
                      + (f"，{say('cli.failed', n=len(failures))}" if failures else ""), "",
                      str(sum(r.projects for r in results)),
                      str(sum(r.indicators for r in results)),
                      formatting.money(sum((r.total for r in results), Decimal(0))),
                      str(sum(r.warnings for r in results)))
    out.print(table)
    if len(files) <= SHOWN_FILES:
        _print_grand_totals(engine, [(o.path.name, o.result) for o in outcomes
                                     if o.result is not None])
    out.print(say("cli.database", url=store.database_url(db)))
    for o in sorted(failures, key=lambda o: str(o.path)):
        assert o.error is not None
        if isinstance(o.error, ReadError):
            _print_read_error(o.error, say("cli.ingest.not-stored", path=o.path))
        else:
            err.print(f"{ERROR} {escape(str(o.path))}: {escape(str(o.error))}"
                      + escape(say("cli.ingest.not-stored", path=o.path)))
    if failures:
        raise typer.Exit(EXIT_UNREADABLE)


def _print_grand_totals(engine: Engine, results: list[tuple[str, store.IngestResult]]
                        ) -> None:
    """Say which total is which where they differ: the table's own 合计 row against the
    sum of its projects' 总计 (the 项目之和 column)."""
    grand = library.store_of(engine).grand_totals(r.document_id for _, r in results)
    for name, r in results:
        stated = grand.get(r.document_id)
        if stated is not None and stated != r.total:
            out.print(say("cli.ingest.totals", file=escape(name),
                          stated=formatting.money(stated), total=formatting.money(r.total),
                          diff=formatting.money(abs(stated - r.total))),
                      soft_wrap=True)


@app.command("list", help=say("cli.list.help"))
def list_command(db: DbOption = None) -> None:
    """List the stored documents."""
    engine = _connect(db)
    table = Table(title=say("cli.documents-in", url=store.database_url(db)),
                  title_justify="left")
    for col in ("id", "department", "doc-title", "file", "files", "projects", "indicators",
                "total", "warnings"):
        figure = col in ("id", "files", "projects", "indicators", "total", "warnings")
        table.add_column(say(f"cli.col-{col}"), justify="right" if figure else "left",
                         no_wrap=figure, overflow="fold")  # a title or file name wrapped, not cut
    summaries = store.list_documents(engine)
    if not summaries:
        out.print(say("cli.no-documents", url=store.database_url(db)))
        return
    for d in summaries:
        table.add_row(str(d.id), escape(d.department or ""), escape(d.title or ""),
                      escape(d.source_file or ""),
                      str(d.files), str(d.projects), str(d.indicators), formatting.money(d.total),
                      str(d.warnings))
    out.print(table)


SourceArgument = Annotated[str, typer.Argument(metavar=say("cli.meta.source"),
                                               help=say("cli.source-help"))]


@app.command("show", help=say("cli.show.help"))
def show_command(
    doc: SourceArgument,
    project: Annotated[str | None, typer.Argument(metavar=say("cli.meta.project"),
                                                  help=say("cli.show.project"))] = None,
    db: DbOption = None,
) -> None:
    """Show a document (stored, or read from a file), or one of its projects with the source
    lines of each field and the parse of each target."""
    from jixiao.lookup import projects_matching, warnings_of

    document = _document(doc, db)
    if project is None:
        _print_document(document)
        return
    matches = projects_matching(document, project)
    if not matches:
        err.print(f"{ERROR} " + say("cli.show.no-project", project=escape(project),
                                    doc=escape(doc)))
        raise typer.Exit(1)
    for p in matches:
        _print_project(p, document.amount_unit)
        for w in warnings_of(document, p):  # by line, or by page for a PDF
            out.print(f"[yellow]{w.code}[/] [dim]{formatting.span(w.span)}[/] "
                      f"{escape(w.message)}")


def _print_document(doc: Document) -> None:
    out.print(f"[bold]{escape(doc.title or '')}[/]  {escape(doc.department or '')}  "
              f"[dim]{escape(doc.source.file or '')}[/]")
    summary = Table(show_header=True, title_justify="left")
    unit = f"（{doc.amount_unit}）"  # a form may print 元: the figures as published
    for col in ("row", "总计", "财政拨款", "财政专户拨款", "其他资金"):
        summary.add_column(say("cli.col-row") if col == "row" else col + unit,
                           justify="left" if col == "row" else "right")
    if doc.grand_total:
        g = doc.grand_total
        summary.add_row("合计", *(formatting.money(x) for x in g.as_dict().values()))
    for u in doc.units:
        values = u.subtotal.as_dict().values() if u.subtotal else (None,) * 4
        summary.add_row(escape(u.name), *(formatting.money(x) for x in values))
    summary.add_row(say("cli.n-projects", n=len(doc.projects)),
                    formatting.money(doc.project_total), "", "", "")
    out.print(summary)
    shown, cut = _short_names(doc)
    table = Table(title=say("cli.projects-indicators", projects=len(doc.projects),
                            indicators=sum(len(p.indicators) for p in doc.projects)),
                  title_justify="left", caption=_cut_note(cut), caption_justify="left")
    table.add_column("#", justify="right")
    table.add_column("项目名称", overflow="fold")  # wrapped, never cut
    table.add_column("总计" + unit, justify="right")
    table.add_column("指标", justify="right")
    table.add_column(say("cli.col-lines"), justify="right", style="dim")
    for p in doc.projects:
        table.add_row(str(p.seq), escape(shown[p.seq]), formatting.money(p.amounts.total),
                      str(len(p.indicators)),
                      f"{p.span.first_line}-{p.span.last_line}")
    out.print(table)
    if doc.warnings:
        warnings = Table(title=say("cli.n-warnings", n=len(doc.warnings)), title_justify="left")
        for col in ("code", "where", "message"):
            warnings.add_column(say(f"cli.col-{col}"))
        for w in doc.warnings:
            warnings.add_row(w.code, escape(str(w.span)), escape(w.message))
        out.print(warnings)


# how an indicator changed between years, in the order the tables count them
CHANGES = ("unchanged", "raised", "lowered", "changed", "added", "dropped")

# a form's indicator columns `show` prints when one of the project's rows has a value
_FORM_COLUMNS = ((say("cli.col-category-points"), "category_points"),
                 (say("cli.col-level2"), "level2"),
                 ("长期指标值", "target_long"), ("分值", "weight"), ("指标方向", "direction"),
                 ("绩效标准", "standard"), ("实际完成值", "actual"), ("得分", "score"),
                 ("偏差原因", "reason"))


def _print_project(p: Project, unit: str = "万元") -> None:
    from jixiao.targets import Kind
    from jixiao.targets import parse as parse_target
    from jixiao.taxonomy import classify

    def lines(key: str) -> str:
        s = p.field_spans.get(key)
        return "" if s is None else f"[dim]({_lines(s)})[/]"

    out.print(f"[bold]#{p.seq} {escape(p.name)}[/] {lines('name')}")
    a = p.amounts
    money = formatting.money
    out.print(f"总计 {money(a.total)}  财政拨款 {money(a.fiscal)}  "
              f"财政专户拨款 {money(a.special_account)}  其他资金 {money(a.other)} {unit} "
              f"{lines('amounts')}" + (f"  [yellow]{say('cli.show.columns-inferred')}[/]"
                                       if a.columns_inferred else ""))
    form = p.form
    if form is not None:
        _print_project_form(p, form, unit, lines)
    out.print(f"绩效目标：{escape(p.goal)} {lines('goal')}")
    if form is not None and form.goal_long is not None:
        out.print(f"中长期目标：{escape(form.goal_long)} {lines('goal_long')}")
    table = Table()
    for col in ("#", say("cli.col-category"), "二级", "指标", "年度指标值", say("cli.col-parsed"),
                say("cli.col-lines")):
        table.add_column(col)
    for i in p.indicators:
        target = parse_target(i.target)
        c = classify(i, target)
        first = c.first_level if c.first_level_rule is None else \
            f"[yellow]{c.first_level}[/] [dim]({c.first_level_rule})[/]"
        second = c.second_level + ("" if c.fits else " [red]≠[/]")
        parsed = escape(formatting.describe(target)) \
            if target.kind is not Kind.UNPARSED else f"[red]{say('cli.unparsed')}[/]"
        table.add_row(str(i.seq), first, f"{second} [dim]({c.second_level_rule})[/]",
                      escape(i.name), escape(i.target), parsed, _lines(i.span))
    out.print(table)
    if any(i.form is not None for i in p.indicators):
        _print_form_indicators(p)


def _print_form_indicators(p: Project) -> None:
    """The form's own columns of each indicator: the target split as the form prints it,
    then every form column that has a value in some row."""
    from jixiao.writers.tabular import target_cells

    shown = [(header, key) for header, key in _FORM_COLUMNS
             if any(i.form is not None and getattr(i.form, key) is not None
                    for i in p.indicators)]
    table = Table(title=say("cli.show.form-columns"), title_justify="left")
    for col in ("#", "三级指标", "指标性质", "指标值", "度量单位", *(h for h, _ in shown)):
        table.add_column(col, justify="right" if col in ("#", "分值", "得分") else "left")
    for i in p.indicators:
        cells = [str(i.seq), escape(i.name), *(escape(x) for x in target_cells(i.target))]
        for _, key in shown:
            value = getattr(i.form, key) if i.form is not None else None
            cells.append("" if value is None else escape(str(value)))
        table.add_row(*cells)
    out.print(table)


def _print_project_form(p: Project, form: ProjectForm, unit: str,
                        lines: Callable[[str], str]) -> None:
    """What a form says of a project beyond the sample's columns: its department and
    period, every money line, and a 自评表's budget block."""
    if form.department is not None:
        out.print(f"主管部门：{escape(form.department)} {lines('department')}")
    if form.period is not None:
        out.print(f"项目期：{escape(form.period)}")
    if form.funding:
        out.print(say("cli.funding", unit=unit, lines="  ".join(
            f"{escape(f.label)} {formatting.money(f.amount)}" for f in form.funding)))
    budget = [(label, value) for label, value in (
        ("年初预算数", form.planned), ("全年预算数", form.adjusted),
        ("全年执行数", form.executed)) if value is not None]
    if budget:
        out.print("  ".join(f"{label} {formatting.money(value)}" for label, value in budget)
                  + f" {unit} {lines('completion')}")
    scores = [(label, value) for label, value in (
        ("预算执行得分", form.execution_score), ("总分", form.total_score),
        ("等级", form.grade)) if value is not None]
    if scores:
        out.print("  ".join(f"{label} {escape(str(value))}" for label, value in scores))


@app.command("targets", help=say("cli.targets.help"))
def targets_command(
    source: SourceArgument,
    db: DbOption = None,
) -> None:
    """List every distinct target form of a table with its parse, to check the grammar."""
    from jixiao.targets import Kind
    from jixiao.targets import parse as parse_target

    document = _document(source, db)
    counts = Counter(i.target for _, i in document.iter_indicators())
    table = Table(title=say("cli.targets.title", n=sum(counts.values()), forms=len(counts)),
                  title_justify="left")
    for col in ("n", "年度指标值", "kind", "comparator", "value", "unit", "direction",
                "state"):
        table.add_column("#" if col == "n" else col if col == "年度指标值" else
                         say(f"cli.targets.col-{col}"),
                         justify="right" if col in ("n", "value") else "left")
    unparsed = 0
    for text, n in sorted(counts.items(), key=lambda x: (-x[1], x[0])):
        target = parse_target(text)
        kind = say(f"cli.targets.kind-{target.kind}")
        for t in _leaves(target):
            unparsed += t.kind is Kind.UNPARSED
            d = t.as_dict()
            extra = " ".join(str(x) for x in (d.get("state"), d.get("subject")) if x)
            comparator = str(d.get("comparator") or "")
            table.add_row(str(n), escape(text), kind,
                          say("cli.targets.range") if comparator == "range" else comparator,
                          str(d.get("value") or ""), str(d.get("unit_canonical") or ""),
                          say(f"cli.targets.direction-{d['direction']}")
                          if d.get("direction") else "", escape(extra))
            text, n, kind = "  ↳", "", ""  # a compound target: its other parts below
    out.print(table)
    if unparsed:
        out.print(f"[red]{say('cli.targets.unparsed', n=unparsed)}[/]")


RulesOption = Annotated[
    Path | None,
    typer.Option("--rules", help=say("cli.rules-help")),
]


def _profile(rules: Path | None) -> Profile:
    from jixiao.audit import Profile, ProfileError

    if rules is None:
        return Profile()
    try:
        return Profile.load(rules)
    except ProfileError as exc:
        err.print(f"{ERROR} {escape(str(exc))}")
        raise typer.Exit(EXIT_UNREADABLE) from None


def _profile_name(name: str) -> str:
    """A rules profile's name as shown: the built-in one by what it is."""
    from jixiao.audit import Profile

    return say("cli.default-profile") if name == Profile().name else name


class AuditFormat(StrEnum):
    table = "table"
    json = "json"
    xlsx = "xlsx"


SEVERITY_STYLE = {"error": "red", "warning": "yellow", "info": "blue"}


@app.command("audit", help=say("cli.audit-help"))
def audit_command(
    source: SourceArgument,
    rules: RulesOption = None,
    format: Annotated[AuditFormat, typer.Option("--format", "-f", help=say("cli.audit-format"))
                      ] = AuditFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o",
                                                help=say("cli.audit-output"))] = None,
    details: Annotated[bool, typer.Option("--details", help=say("cli.audit-details"))]
    = False,
    db: DbOption = None,
) -> None:
    """Review a table as a finance bureau does: findings and a verdict per project."""
    from jixiao.audit import audit
    from jixiao.writers.review import report_dict, write_review_xlsx

    document = _document(source, db)
    report = audit(document, _profile(rules))
    if format is AuditFormat.json:
        text = json.dumps(report_dict(report, document), ensure_ascii=False, indent=1)
        if output:
            output.write_text(text + "\n", encoding="utf-8")
        else:
            sys.stdout.write(text + "\n")
        return
    if format is AuditFormat.xlsx:
        target = output or Path(f"{Path(document.source.file or 'audit').stem}-review.xlsx")
        write_review_xlsx(report, document, target)
        out.print(say("cli.written", n=len(report.findings), path=target))
        return
    _print_audit(report, document, details)


def _print_audit(report: AuditReport, document: Document, details: bool) -> None:
    from jixiao.audit import GRADES, RULES

    names = {p.seq: p.name for p in document.projects}
    shown, cut = _short_names(document)
    for f in report.document_findings:
        out.print(f"[{SEVERITY_STYLE[f.severity]}]{level(f.severity)}[/] {f.rule} "
                  f"[dim]{_lines(f.span)}[/] {escape(f.message)}")
    verdicts = report.verdicts()
    table = Table(title=say("cli.audit-title", file=escape(document.source.file or ""),
                            profile=_profile_name(report.profile)), title_justify="left",
                  caption=_cut_note(cut), caption_justify="left")
    counted = ("#", level("error"), level("warning"), level("info"))
    for col in ("#", "项目名称", say("cli.col-verdict"), *counted[1:], say("cli.col-findings")):
        table.add_column(col, justify="right" if col in counted else "left",
                         overflow="fold")
    for seq, v in verdicts.items():
        fs = report.of_project(seq)
        rules = Counter(f.rule for f in fs)
        table.add_row(str(seq), escape(shown[seq]), v,
                      *(str(sum(f.severity == x for f in fs) or "") for x in
                        ("error", "warning", "info")),
                      ", ".join(f"{r}×{n}" if n > 1 else r for r, n in rules.items()))
    out.print(table)
    if details:
        for seq in report.projects:
            fs = report.of_project(seq)
            if fs:
                out.print(f"[bold]#{seq} {escape(names[seq])}[/] — {verdicts[seq]}")
            for f in fs:
                out.print(f"  [{SEVERITY_STYLE[f.severity]}]{level(f.severity)}[/] {f.rule} "
                          f"[dim]{_lines(f.span)}[/] {escape(f.message)}")
    counts = Table(title=say("cli.by-rule"), title_justify="left")
    for col in ("rule", "severity", "basis", "n", "title"):
        counts.add_column(say(f"cli.col-{col}") if col != "n" else "#",
                          justify="right" if col == "n" else "left")
    found = report.counts()
    for rule_id, n in ((r, found[r]) for r in RULES if r in found):
        r = RULES[rule_id]
        levels = {f.severity for f in report.findings if f.rule == rule_id}
        counts.add_row(rule_id, "/".join(level(x) for x in sorted(levels)), r.basis, str(n),
                       r.title)
    out.print(counts)
    grades = Counter(verdicts.values())
    out.print(say("cli.verdicts", counts="  ".join(f"{g} {grades.get(g, 0)}" for g in GRADES),
                  n=len(report.findings)), soft_wrap=True)


@app.command("rules", help=say("cli.rules-command"))
def rules_command(rules: RulesOption = None) -> None:
    """List the review rules, as the profile sets them."""
    from jixiao.audit import RULES

    profile = _profile(rules)
    active = {s.rule.id: s for s in profile.active()}
    table = Table(title=say("cli.rules-title", profile=_profile_name(profile.name)),
                  title_justify="left")
    for col in ("rule", "severity", "basis", "title", "hint", "settings"):
        table.add_column(say(f"cli.col-{col}"))
    for rule_id, r in RULES.items():
        s = active.get(rule_id)
        severity = f"[{SEVERITY_STYLE[s.severity]}]{level(s.severity)}[/]" if s else \
            f"[dim]{say('cli.off')}[/]"
        params = ", ".join(f"{k}={v}" for k, v in (s.params if s else r.params).items())
        table.add_row(rule_id, severity, r.basis, r.title, r.hint, escape(params))
    out.print(table)


class SheetForm(StrEnum):
    wide = "wide"  # a row per project
    long = "long"  # a row per indicator


@app.command("publish", help=say("cli.publish.help"))
def publish_command(
    source: SourceArgument,
    output: Annotated[Path, typer.Option("--output", "-o", help=say("cli.publish.output"))],
    ruled: Annotated[bool, typer.Option(help=say("cli.publish.ruled"), show_default=False)]
    = True,
    form: Annotated[SheetForm, typer.Option(help=say("cli.publish.form"))] = SheetForm.wide,
    db: DbOption = None,
) -> None:
    """Publish the official 项目支出绩效目标表 as PDF (A4 landscape), HTML or Excel."""
    _output_suffix(output, outputs.suffixes("table"))
    document = _document(source, db)
    with err.status(say("cli.publish.rendering", n=len(document.projects))):
        path = outputs.writer("table", output.suffix)(document, output, ruled=ruled,
                                                      form=form.value)
    out.print(say("cli.publish.written", path=path, size=f"{path.stat().st_size:,}"))


actuals_app = Typer(help=say("cli.actuals.help"), no_args_is_help=True)
app.add_typer(actuals_app, name="actuals")


@actuals_app.command("template", help=say("cli.actuals.template-help"))
def actuals_template_command(
    source: SourceArgument,
    output: Annotated[Path, typer.Option("--output", "-o", help="actuals.xlsx")],
    year: Annotated[int, typer.Option(help=say("cli.actuals.year"), callback=_bounded_year)]
    = 2023,
    generate: Annotated[int | None, typer.Option(help=say("cli.actuals.generate"))] = None,
    period: Annotated[str, typer.Option(help=say("cli.actuals.period"))] = "全年",
    db: DbOption = None,
) -> None:
    """Write the sheet to fill in: a row per project (money) and per indicator (actual
    value, reason); the table's own columns are locked."""
    from jixiao.evaluation.sheet import write_actuals_sheet
    from jixiao.synthetic import generate_actuals

    document = _document(source, db)
    filled = generate_actuals(document, generate, year) if generate is not None else None
    if filled is not None:
        filled.period = period
    path = write_actuals_sheet(document, output, year, filled, period)
    what = say("cli.actuals.generated", seed=generate) if filled else \
        say("cli.actuals.blank")
    out.print(say("cli.actuals.template-written", path=path, projects=len(document.projects),
                  indicators=sum(len(p.indicators) for p in document.projects), what=what),
              soft_wrap=True)


def _actuals(path: Path, document: Document) -> Actuals:
    from jixiao.errors import ReadError
    from jixiao.evaluation.sheet import read_actuals_sheet
    from jixiao.readers import load_bytes

    try:
        return read_actuals_sheet(load_bytes(path), document, path.name)
    except ReadError as exc:
        errors = getattr(exc, "errors", None)
        if errors:
            err.print(f"{ERROR} " + say("cli.actuals.sheet-errors", file=escape(path.name),
                                        n=len(errors)))
            for e in errors:
                err.print(f"  {escape(str(e))}")
            raise typer.Exit(EXIT_UNREADABLE) from None
        raise _fail_read(exc) from None


SheetArgument = Annotated[Path, typer.Argument(metavar=say("cli.meta.sheet"),
                                               help=say("cli.actuals.sheet"))]


@actuals_app.command("check", help=say("cli.actuals.check-help"))
def actuals_check_command(
    file: SheetArgument,
    doc: Annotated[str, typer.Option("--doc", help=say("cli.actuals.doc"))],
    db: DbOption = None,
) -> None:
    """Read a filled sheet back: every error with its row and column (exit 2), or a summary."""
    document = _document(doc, db)
    actuals = _actuals(file, document)
    answered = sum(1 for a in actuals.values.values() if a.value.strip())
    out.print(say("cli.actuals.checked", file=file.name, year=actuals.year,
                  projects=len(actuals.executions), answered=answered,
                  indicators=sum(len(p.indicators) for p in document.projects)))


@actuals_app.command("import", help=say("cli.actuals.import-help"))
def actuals_import_command(
    file: SheetArgument,
    doc: Annotated[str, typer.Option("--doc", help=say("cli.actuals.stored-doc"))],
    db: DbOption = None,
) -> None:
    """Store a filled sheet's answers with a stored document (replacing that year's); a
    sheet with any error is refused whole (exit 2) and nothing is stored."""
    engine = _connect(db)
    try:
        doc_id = store.resolve_document(engine, doc)
    except store.StoreError as exc:
        err.print(f"{ERROR} {escape(str(exc))}")
        raise typer.Exit(1) from None
    document = store.load_document(engine, doc_id)
    answers = _actuals(file, document)
    from jixiao.store.accounts import AccountError

    # the year's answers replaced whole, with a change-log row for each, in one transaction
    try:
        n = library.store_of(engine).put_actuals(
            None, doc_id, answers.year, answers.values.values(), answers.period,
            executions=answers.executions.values(), replace=True)
    except AccountError as exc:  # a sheet of another document's indicators: nothing stored
        err.print(f"{ERROR} {escape(str(exc))}")
        raise typer.Exit(EXIT_UNREADABLE) from None
    out.print(say("cli.actuals.imported", file=file.name, n=n,
                  projects=len(answers.executions), year=answers.year, period=answers.period,
                  doc=doc_id))


def _answers(document: Document, source: str, sheet: Path | None, year: int | None,
             db: str | None) -> Actuals:
    """The answers from a filled sheet, or those stored for a year with a stored document."""
    if sheet is not None:
        return _actuals(sheet, document)
    if year is None:
        err.print(f"{ERROR} " + say("cli.score.no-answers"))
        raise typer.Exit(EXIT_UNREADABLE)
    engine = _connect(db)
    stored = store.load_actuals(engine, store.resolve_document(engine, source), year)
    if not stored.values and not stored.executions:
        err.print(f"{ERROR} " + say("cli.score.nothing-stored", year=year))
        raise typer.Exit(EXIT_UNREADABLE)
    return stored


ProfileOption = Annotated[str, typer.Option(help=say("cli.score.profile"))]


@app.command("score", help=say("cli.score.help"))
def score_command(
    source: SourceArgument,
    actuals: Annotated[Path | None, typer.Option("--actuals", help=say("cli.score.actuals"))]
    = None,
    year: Annotated[int | None, typer.Option(help=say("cli.score.year"),
                                             callback=_bounded_year)] = None,
    profile: ProfileOption = "central",
    output: Annotated[Path | None, typer.Option("--output", "-o",
                                                help=say("cli.score.output"))] = None,
    db: DbOption = None,
) -> None:
    """The self-evaluation (绩效自评): every project's execution, score and grade, and the
    checks on what was reported."""
    from jixiao.evaluation import ScoringProfileError, load_profile, score_document

    _output_suffix(output, outputs.suffixes("self-evaluation"))
    document = _document(source, db)
    answers = _answers(document, source, actuals, year, db)
    try:
        scoring = load_profile(profile)
    except ScoringProfileError as exc:
        err.print(f"{ERROR} {escape(str(exc))}")
        raise typer.Exit(EXIT_UNREADABLE) from None
    scores = score_document(document, answers, scoring)
    shown, cut = _short_names(document)
    table = Table(title=say("cli.score.title", year=answers.year,
                            department=escape(document.department or ""),
                            profile=scoring.name), title_justify="left",
                  caption=_cut_note(cut), caption_justify="left")
    checks = say("cli.score.col-checks")
    for col in ("#", "项目名称", "执行率", say("cli.col-execution-points"),
                say("cli.col-indicator-points"), "总分", "等级", checks):
        table.add_column(col, justify="left" if col in ("项目名称", checks) else "right",
                         overflow="fold")
    for sc in scores:
        table.add_row(str(sc.project.seq), escape(shown[sc.project.seq]),
                      formatting.percent(sc.execution_rate),
                      formatting.score(sc.execution_points),
                      formatting.score(sc.total - sc.execution_points),
                      formatting.score(sc.total), sc.grade, str(len(sc.checks) or ""))
    out.print(table)
    for sc in scores:
        for check in sc.checks:
            out.print(f"[yellow]{check.code}[/] #{sc.project.seq} {escape(check.message)}")
    grades = Counter(sc.grade for sc in scores)
    out.print(say("cli.score.grades", counts="  ".join(f"{g} {grades.get(g, 0)}"
                                                       for _, g in scoring.grades)),
              soft_wrap=True)
    if output is not None:
        writer = outputs.writer("self-evaluation", output.suffix)
        with err.status(say("cli.score.writing", n=len(scores))):
            writer(document, scores, answers, scoring, output)
        out.print(say("cli.score.written", path=output, n=len(scores)))


@app.command("monitor", help=say("cli.monitor.help"))
def monitor_command(
    source: SourceArgument,
    actuals: Annotated[Path, typer.Option("--actuals", help=say("cli.monitor.actuals"))],
    on: Annotated[str, typer.Option("--date", metavar=say("cli.meta.date"),
                                    help=say("cli.monitor.date"))],
    profile: ProfileOption = "central",
    output: Annotated[Path | None, typer.Option("--output", "-o",
                                                help=say("cli.monitor.output"))] = None,
    db: DbOption = None,
) -> None:
    """绩效运行监控: time progress against execution progress, expected completion per
    indicator, and warning lights."""
    from datetime import date

    from jixiao.evaluation import load_profile
    from jixiao.evaluation.monitoring import monitor_document, time_progress

    _output_suffix(output, outputs.suffixes("monitoring"))
    try:
        day = date.fromisoformat(on)
    except ValueError:
        err.print(f"{ERROR} " + say("cli.monitor.bad-date", date=escape(on)))
        raise typer.Exit(EXIT_UNREADABLE) from None
    document = _document(source, db)
    monitors = monitor_document(document, _actuals(actuals, document), day,
                                load_profile(profile))
    lights = ("green", "yellow", "red")
    shown, cut = _short_names(document)
    table = Table(title=say("cli.monitor.title", day=day,
                            progress=f"{time_progress(day) * 100:.1f}"), title_justify="left",
                  caption=_cut_note(cut), caption_justify="left")
    for col in ("#", "项目名称", "执行进度", say("cli.monitor.col-light"),
                say("cli.monitor.col-lights")):
        table.add_column(col, justify="right" if col in ("#", "执行进度") else "left",
                         overflow="fold")
    for m in monitors:
        counts = Counter(i.light for i in m.indicators)
        rate = "" if m.execution_progress is None else f"{m.execution_progress * 100:.1f}%"
        table.add_row(str(m.project.seq), escape(shown[m.project.seq]), rate,
                      f"[{m.light}]●[/] {say(f'cli.monitor.{m.light}')}",
                      "/".join(str(counts[k]) for k in lights))
    out.print(table)
    projects = Counter(m.light for m in monitors)
    out.print(say("cli.monitor.projects", counts="  ".join(
        f"{say(f'cli.monitor.{k}')} {projects.get(k, 0)}" for k in lights)), soft_wrap=True)
    if output is not None:
        writer = outputs.writer("monitoring", output.suffix)
        with err.status(say("cli.monitor.writing")):
            writer(document, monitors, day, output)
        out.print(say("cli.monitor.written", path=output, n=len(monitors)))


class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"
    parquet = "parquet"
    datapackage = "datapackage"


@app.command("export", help=say("cli.export.help"))
def export_command(
    sources: Annotated[list[str] | None, typer.Argument(metavar=say("cli.meta.sources"),
                                                        help=say("cli.export.sources"))]
    = None,
    output: Annotated[Path, typer.Option("--output", "-o", help=say("cli.export.output"))]
    = Path("export"),
    format: Annotated[ExportFormat, typer.Option("--format", "-f",
                                                 help=say("cli.export.format"))]
    = ExportFormat.csv,
    year: Annotated[int | None, typer.Option(help=say("cli.export.year"))] = None,
    department: Annotated[str | None, typer.Option(help=say("cli.export.department"))]
    = None,
    db: DbOption = None,
) -> None:
    """Export documents for analysts: one table per entity (documents, units, projects,
    indicators, funding) as CSV, xlsx, Parquet or a Frictionless Data Package."""
    from jixiao.writers.tabular import export

    if sources:
        docs: Iterable[Document] = [_document(s, db) for s in sources]
        count = len(sources)
        paths = export(docs, output, str(format))
    else:  # the store's documents: from SQL into Arrow batches, no Document built
        from jixiao.store import columnar
        from jixiao.writers.columnar import export_batches

        engine = _connect(db)
        ids = columnar.document_ids(engine, year=year, department=department)
        count = len(ids)
        with err.status(say("cli.export.exporting")):
            paths = export_batches(columnar.record_batches(engine, ids), output, str(format))
    out.print(say("cli.export.exported", n=count, paths="、".join(str(p) for p in paths)),
              soft_wrap=True)


selfeval_app = Typer(help=say("cli.selfeval.help"), no_args_is_help=True)
app.add_typer(selfeval_app, name="selfeval")


class CheckFormat(StrEnum):
    table = "table"
    json = "json"
    xlsx = "xlsx"


@selfeval_app.command("check", help=say("cli.selfeval.check-help"))
def selfeval_check_command(
    files: Annotated[list[Path], typer.Argument(metavar=say("cli.meta.forms"),
                                                help=say("cli.selfeval.files"))],
    profile: Annotated[list[str] | None, typer.Option(
        "--profile", help=say("cli.selfeval.profile"))] = None,
    approved: Annotated[str | None, typer.Option(help=say("cli.selfeval.approved"))] = None,
    fmt: Annotated[CheckFormat, typer.Option("--format", help=say("cli.selfeval.format"))]
    = CheckFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o",
                                                help=say("cli.selfeval.output"))] = None,
    db: DbOption = None,
) -> None:
    """Check each 自评表: the publisher's arithmetic (each fault with its cell), which
    scoring profile reproduces its scores, and its targets against the approved table."""
    from jixiao.errors import ReadError
    from jixiao.evaluation import ScoringProfileError, load_profile
    from jixiao.evaluation.profiles import BUILT_IN
    from jixiao.evaluation.published import check_dict, check_self_evaluation, write_checks_xlsx
    from jixiao.readers import read

    try:
        profiles = [load_profile(n) for n in (*BUILT_IN, *(profile or ()))]
    except ScoringProfileError as exc:
        err.print(f"{ERROR} {escape(str(exc))}")
        raise typer.Exit(EXIT_UNREADABLE) from None
    table_doc = _document(approved, db) if approved else None
    checks = []
    for path in files:
        try:
            document = read(path)
        except ReadError as exc:
            raise _fail_read(exc) from None
        checks.append(check_self_evaluation(document, profiles, table_doc))
    if fmt is CheckFormat.json:
        print(json.dumps([check_dict(c) for c in checks], ensure_ascii=False, indent=2))
        return
    if fmt is CheckFormat.xlsx:
        target = output or Path("selfeval-check.xlsx")
        write_checks_xlsx(checks, str(target))
        out.print(say("cli.selfeval.written", path=target,
                      findings=sum(len(c.findings) for c in checks), n=len(checks)))
        return
    for c in checks:
        table = Table(title=f"{escape(c.document.source.file or '')} — "
                            f"{escape(c.document.department or '')} {c.document.year or ''}",
                      title_justify="left")
        for col in ("project", "indicator", "cell", "code", "message"):
            table.add_column(say(f"cli.col-{col}"),
                             justify="right" if col == "project" else "left")
        for f in c.findings:
            table.add_row(str(f.project), "" if f.indicator is None else str(f.indicator + 1),
                          f.cell, f.code, escape(f.message))
        out.print(table)
        fits = Table(title=say("cli.selfeval.rescored"), title_justify="left")
        for col in ("profile", "matched", "distance", "misses"):
            fits.add_column(say(f"cli.selfeval.col-{col}"),
                            justify="left" if col != "matched" else "right")
        for fit in c.fits:
            shown = "; ".join(
                f"#{m.project}{'' if m.indicator is None else f'.{m.indicator + 1}'}"
                f" {m.cell} {m.published}→{m.computed}" for m in fit.misses[:3])
            fits.add_row(fit.profile, f"{fit.matched}/{len(fit.cells)}", str(fit.distance),
                         escape(shown))
        out.print(fits)
        out.print(say("cli.selfeval.reproduced", profile=c.best.profile) if c.best
                  else say("cli.selfeval.not-reproduced"))


@selfeval_app.command("targets", help=say("cli.selfeval.targets-help"))
def selfeval_targets_command(
    department: Annotated[str | None, typer.Option(help=say("cli.only-department"))] = None,
    year: Annotated[int | None, typer.Option(help=say("cli.only-year"),
                                             callback=_bounded_year)] = None,
    db: DbOption = None,
) -> None:
    """Targets at evaluation time: each stored 自评表 against the approved target table of
    the same project and year, per department and year."""
    from jixiao.evaluation.published import target_reports

    reports = target_reports(_connect(db), department=department, year=year)
    table = Table(title=say("cli.selfeval.targets-title"), title_justify="left")
    for col in ("department", "year", "document", "projects"):
        table.add_column(say(f"cli.col-{col}"),
                         justify="left" if col == "department" else "right")
    for change in CHANGES:
        table.add_column(say(f"compare.changes.{change}"), justify="right")
    for r in reports:
        table.add_row(escape(r.department or ""), str(r.year), str(r.document),
                      str(len(r.comparisons)),
                      *(str(r.count(c)) for c in CHANGES))
    out.print(table)


compare_app = Typer(help=say("cli.compare.help"), no_args_is_help=True)
app.add_typer(compare_app, name="compare")
DepartmentOption = Annotated[str | None, typer.Option(help=say("cli.only-department"))]
YearOption = Annotated[int | None, typer.Option(help=say("cli.only-budget-year"),
                                                 callback=_bounded_year)]
XlsxOption = Annotated[Path | None, typer.Option("--xlsx", help=say("cli.compare.xlsx"))]


@compare_app.command("indicator", help=say("cli.compare.indicator-help"))
def compare_indicator_command(
    name: Annotated[str, typer.Argument(metavar=say("cli.meta.indicator"),
                                        help=say("cli.compare.indicator-name"))],
    department: DepartmentOption = None,
    year: YearOption = None,
    xlsx: XlsxOption = None,
    chart: Annotated[Path | None, typer.Option(help=say("cli.compare.chart"))] = None,
    db: DbOption = None,
) -> None:
    """The targets of one indicator across projects, departments and years: quartiles per
    unit (converted to base units), outliers by Tukey's fences."""
    from jixiao.compare import compare_indicator
    from jixiao.writers.charts import distribution_svg
    from jixiao.writers.comparison import write_comparison_xlsx

    result = compare_indicator(_connect(db), name, department=department, year=year,
                               details=None if xlsx else 0)  # the workbook names every row
    suggested = "、".join(escape(n) for n in result.suggestions)
    if not result.count:
        if result.missing_year:
            out.print(say("cli.compare.no-year", year=year, department=say(
                "cli.compare.in-department", department=escape(department)) if department
                else "", years="、".join(map(str, result.years)) or say("cli.none")))
        else:
            out.print(say("cli.compare.no-indicator", name=escape(name), key=result.key))
        if suggested:
            out.print(say("cli.compare.did-you-mean", names=suggested), soft_wrap=True)
        raise typer.Exit(1)
    if result.matched == "partial":
        out.print(say("cli.compare.partial", name=escape(name), n=len(result.names),
                      names="、".join(f"{escape(n)} ×{k}" for n, k in result.names[:12])
                      + (" …" if len(result.names) > 12 else "")), soft_wrap=True)
    out.print(say("cli.compare.counts", name=escape(name), targets=result.count,
                  projects=result.projects, departments=result.departments))
    if result.matched == "exact" and suggested:
        out.print(say("cli.compare.also-named", names=suggested), soft_wrap=True)
    table = Table(title=say("cli.compare.distribution"), title_justify="left")
    for col in ("unit", "n", "min", "q1", "median", "q3", "max", "comparators", "outliers"):
        table.add_column(say(f"cli.compare.col-{col}"),
                         justify="left" if col in ("unit", "comparators") else "right")
    for g in result.groups:
        table.add_row(escape(g.unit or "—"), str(len(g.observations)),
                      *(str(v) if v is not None else "" for v in (g.low, g.q1, g.median, g.q3,
                                                                    g.high)),
                      " ".join(f"{c or '='}×{n}" for c, n in g.comparators.most_common()),
                      str(len(g.outliers)))
    if result.other:
        table.add_row(say("cli.compare.not-numeric"), str(len(result.other)), "", "", "", "",
                      "",
                      escape(" ".join(f"{t}×{n}" for t, n in
                                      result.qualitative.most_common(4))), "")
    out.print(table)
    outliers = [o for g in result.groups for o in g.outliers]
    if outliers:
        table = Table(title=say("cli.compare.col-outliers"), title_justify="left")
        for col in ("year", "department", "document", "project", "target"):
            table.add_column(say(f"cli.col-{col}"), overflow="fold")
        for o in outliers:
            table.add_row(str(o.year or ""), escape(o.department or ""), str(o.document_id),
                          f"{o.project_seq} {escape(o.project)}", escape(o.target))
        out.print(table)
    if xlsx:
        out.print(say("cli.compare.workbook", path=write_comparison_xlsx(result, xlsx)))
    if chart:
        chart.write_text(distribution_svg(result.groups), encoding="utf-8")
        out.print(say("cli.compare.chart-written", path=chart))


@compare_app.command("project", help=say("cli.compare.project-help"))
def compare_project_command(
    name: Annotated[str, typer.Argument(metavar=say("cli.meta.project-name"),
                                        help=say("cli.compare.project-name"))],
    department: DepartmentOption = None,
    xlsx: XlsxOption = None,
    db: DbOption = None,
) -> None:
    """One project year by year: which targets were raised, lowered, copied unchanged."""
    from jixiao.compare import names_containing, project_series, suggest_names
    from jixiao.writers.comparison import CHANGE_LABELS, write_comparison_xlsx

    engine = _connect(db)
    series = project_series(engine, name, department=department)
    if not series.years:
        out.print(say("cli.compare.no-project", name=escape(name))
                  + (say("cli.compare.undated", n=series.undated) if series.undated else ""))
        like = [n for n, _ in names_containing(engine, name, department=department,
                                               kind="project").most_common(8)] or \
            suggest_names(engine, name, department=department, kind="project")
        if like:
            out.print(say("cli.compare.did-you-mean", names="、".join(escape(n) for n in like)),
                      soft_wrap=True)
        raise typer.Exit(1)
    departments = {y.department for y in series.years}
    table = Table(title=say("cli.compare.by-year", name=escape(name))
                  + (f"（{escape(departments.pop() or '')}）" if len(departments) == 1 else ""),
                  title_justify="left")
    table.add_column(say("cli.col-year"))
    table.add_column(say("cli.col-project"), overflow="fold", ratio=1)
    for col in ("total", "n", *CHANGES, "goal"):
        table.add_column(say("cli.col-indicators") if col == "n" else
                         say(f"compare.changes.{col}") if col in CHANGES else
                         say(f"cli.col-{col}"), justify="right")
    steps = [None, *series.steps]
    for y, step in zip(series.years, steps, strict=True):
        counts = [str(step.count(c)) if step else "" for c in CHANGES]
        table.add_row(str(y.year), escape(y.name), formatting.money(y.total), str(len(y.targets)),
                      *counts,
                      "" if step is None else say("cli.compare.goal-copied")
                      if step.goal_unchanged else say("cli.compare.goal-rewritten"))
    out.print(table)
    for step in series.steps:
        moved = [c for c in step.changes if c.change != "unchanged"]
        if moved:
            out.print(f"{step.before_year} → {step.after_year}：" + "；".join(
                f"{escape(c.indicator)} {escape(c.before or '—')} → {escape(c.after or '—')}"
                f"（{CHANGE_LABELS[c.change]}"
                + ("" if c.stricter is None else say("cli.compare.stricter") if c.stricter
                   else say("cli.compare.looser")) + "）"
                for c in moved), soft_wrap=True)
    if series.undated or series.repeated:
        out.print(say("cli.compare.left-out", undated=series.undated,
                      repeated=series.repeated))
    if xlsx:
        out.print(say("cli.compare.workbook", path=write_comparison_xlsx(series, xlsx)))


class CopiesWhat(StrEnum):
    goal = "goal"
    indicators = "indicators"


@compare_app.command("copies", help=say("cli.compare.copies-help"))
def compare_copies_command(
    what: Annotated[CopiesWhat, typer.Option(help=say("cli.compare.what"))] = CopiesWhat.goal,
    department: DepartmentOption = None,
    year: YearOption = None,
    limit: Annotated[int, typer.Option(help=say("cli.compare.limit"))] = 20,
    xlsx: XlsxOption = None,
    db: DbOption = None,
) -> None:
    """Projects of different names whose goal (or indicator set) is the same word for word."""
    from jixiao.compare import copied
    from jixiao.writers.comparison import write_comparison_xlsx

    groups = copied(_connect(db), what=what.value, department=department, year=year,
                    limit=limit)
    table = Table(title=say(f"cli.compare.copies-{what}"), title_justify="left",
                  show_lines=True)
    table.add_column(say("cli.col-projects"), justify="right")
    table.add_column(say(f"cli.compare.col-{what}"), overflow="fold", ratio=2)
    table.add_column(say("cli.col-where"), overflow="fold", ratio=3)
    for g in groups:
        table.add_row(str(g.names), escape(g.text[:200]), escape("\n".join(
            f"{p.year or ''} {p.department or ''} #{p.document_id}/{p.seq} {p.name}"
            for p in g.projects[:8]) + ("\n…" if g.names > 8 else "")))
    out.print(table if groups else say("cli.compare.no-copies"))
    if xlsx:
        out.print(say("cli.compare.workbook", path=write_comparison_xlsx(groups, xlsx)))


@app.command("serve", help=say("cli.serve.help"))
def serve_command(
    host: Annotated[str, typer.Option(help=say("cli.serve.host"))] = "127.0.0.1",
    port: Annotated[int, typer.Option(help=say("cli.serve.port"))] = 8000,
    workers: Annotated[int, typer.Option(help=say("cli.serve.workers"))] = 1,
    read_url: Annotated[str | None, typer.Option(
        "--read-url", help=say("cli.serve.read-url"))] = None,
    db: DbOption = None,
) -> None:
    """The web app and the JSON API (/api/v1, schema at /api/docs) over the store.
    Create the first admin with 'jixiao users add'."""
    import os

    import uvicorn

    engine = _connect(db, create=True)  # migrated once, before the workers start
    from jixiao.store.accounts import list_users

    if not list_users(engine):
        err.print(f"[yellow]{say('cli.serve.no-users')}[/]")
    os.environ[ENV_VAR] = store.database_url(db)
    if read_url:
        from jixiao.store.replica import READ_ENV_VAR

        os.environ[READ_ENV_VAR] = read_url
    out.print(say("cli.serve.listening", url=f"http://{host}:{port}/",
                  database=store.database_url(db)))
    uvicorn.run("jixiao.web.app:app_from_environment", host=host, port=port, workers=workers,
                factory=True, log_level="warning")


users_app = Typer(help=say("cli.users.help"), no_args_is_help=True)
app.add_typer(users_app, name="users")


class Role(StrEnum):  # store.accounts.ROLES
    admin = "admin"
    reviewer = "reviewer"
    department = "department"


def _new_password() -> str:
    """A password typed twice (asked again until both match: click's own prompt would say
    the mismatch in its words)."""
    while True:
        first = typer.prompt(say("cli.users.password-prompt"), hide_input=True)
        if first == typer.prompt(say("cli.users.password-again"), hide_input=True):
            return str(first)
        err.print(f"{ERROR} " + say("cli.users.passwords-differ"))


UsernameArgument = Annotated[str, typer.Argument(metavar=say("cli.meta.username"))]


@users_app.command("add", help=say("cli.users.add-help"))
def users_add_command(
    username: UsernameArgument,
    role: Annotated[Role, typer.Option(help=say("cli.users.role"))] = Role.admin,
    department: Annotated[str | None, typer.Option(help=say("cli.users.department"))] = None,
    password: Annotated[str | None, typer.Option(help=say("cli.users.password"),
                                                 envvar="JIXIAO_PASSWORD")] = None,
    db: DbOption = None,
) -> None:
    """Add a user (the first admin, say); the password is asked for twice."""
    from jixiao.store.accounts import ROLE_LABELS, AccountError

    if password is None:
        password = _new_password()
    try:
        user = library.store_of(_connect(db, create=True)).add_user(
            username, password, role.value, department)
    except AccountError as exc:
        err.print(f"{ERROR} {escape(str(exc))}")
        raise typer.Exit(1) from None
    out.print(say("cli.users.added", name=escape(user.username),
                  role=ROLE_LABELS[user.role],
                  department=f"，{escape(user.department)}" if user.department else ""))


@users_app.command("list", help=say("cli.users.list-help"))
def users_list_command(db: DbOption = None) -> None:
    """List the users."""
    from jixiao.store.accounts import ROLE_LABELS, list_users

    table = Table(title=say("cli.users.title"), title_justify="left")
    for col in ("id", "username", "role", "department"):
        table.add_column(say(f"cli.col-{col}"))
    for u in list_users(_connect(db)):
        table.add_row(str(u.id), escape(u.username), ROLE_LABELS[u.role],
                      escape(u.department or ""))
    out.print(table)


@users_app.command("unlock", help=say("cli.users.unlock-help"))
def users_unlock_command(username: UsernameArgument, db: DbOption = None) -> None:
    """Lift the lockout (and back-off) that failed logins put on a name."""
    if library.store_of(_connect(db)).unlock(username):
        out.print(say("cli.users.unlocked", name=escape(username)))
    else:
        out.print(say("cli.users.not-locked", name=escape(username)))


@users_app.command("tokens", help=say("cli.users.tokens-help"))
def users_tokens_command(username: UsernameArgument, db: DbOption = None) -> None:
    """A user's API tokens: name, made, last used, expiry — never the token."""
    from jixiao.store.accounts import list_api_tokens, list_users

    engine = _connect(db)
    user = next((u for u in list_users(engine) if u.username == username), None)
    if user is None:
        err.print(f"{ERROR} " + say("cli.users.no-user", name=escape(username)))
        raise typer.Exit(1)
    table = Table(title=say("cli.users.tokens-title", name=escape(username)),
                  title_justify="left")
    for col in ("id", "name", "created", "last-used", "uses", "expires", "state"):
        table.add_column(say(f"cli.users.col-{col}") if col != "id" else say("cli.col-id"))
    for t in list_api_tokens(engine, user.id):
        table.add_row(str(t.id), escape(t.name), f"{t.created_at:%Y-%m-%d %H:%M}",
                      f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at
                      else say("cli.users.never"),
                      str(t.uses), f"{t.expires_at:%Y-%m-%d %H:%M}", t.state())
    out.print(table)


@users_app.command("revoke-token", help=say("cli.users.revoke-help"))
def users_revoke_token_command(token_id: Annotated[int, typer.Argument(
        metavar=say("cli.meta.token"))], db: DbOption = None) -> None:
    """Revoke an API token by its id (from 'jixiao users tokens')."""
    from jixiao.store.accounts import AccountError

    try:
        token = library.store_of(_connect(db)).revoke_api_token(token_id)
    except AccountError as exc:
        err.print(f"{ERROR} {escape(str(exc))}")
        raise typer.Exit(1) from None
    out.print(say("cli.users.revoked", id=token.id, name=escape(token.name),
                  user=escape(token.username)))


db_app = Typer(help=say("cli.db.help"), no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade", help=say("cli.db.upgrade-help"))
def db_upgrade_command(
    revision: Annotated[str | None, typer.Argument(metavar=say("cli.meta.revision"),
                                                   help=say("cli.db.revision"))] = None,
    db: DbOption = None,
) -> None:
    """Bring the database's schema to a revision (Alembic migrations; the latest by default).
    Every other command does this on its own too."""
    from jixiao.store.migrate import current, upgrade

    engine = _connect(db, create=True, migrate=False)
    before = current(engine)
    after = upgrade(engine, revision or "head")
    out.print(say("cli.db.upgraded", url=store.database_url(db),
                  before=before or say("cli.db.empty"), after=after))


def _leaves(target: Target) -> tuple[Target, ...]:
    from jixiao.targets import Kind

    return target.parts if target.kind is Kind.COMPOUND else (target,)


def _document(source: str, db: str | None) -> Document:
    """A table from a file when `source` is one, else from the store (library.open_document,
    the CLI's answers to what it raises). A reference that looks like a file and names no
    stored file is a missing file."""
    from jixiao.errors import ReadError

    missing = f"{ERROR} " + say("cli.no-such-file", source=escape(source))
    named = db or os.environ.get(ENV_VAR)
    if not Path(source).is_file() and library.looks_like_a_file(source) and named \
            and (stored := _sqlite_file(named)) is not None and not stored.is_file():
        err.print(missing)  # no store to look in: the file is what is missing
        raise typer.Exit(EXIT_UNREADABLE)
    try:
        return library.open_document(source, lambda: library.store_of(_connect(db)))
    except ReadError as exc:
        raise _fail_read(exc) from None
    except library.MissingSource:
        err.print(missing)
        raise typer.Exit(EXIT_UNREADABLE) from None
    except store.StoreError as exc:
        err.print(f"{ERROR} {escape(str(exc))}")
        raise typer.Exit(1) from None


def _lines(span: SourceSpan) -> str:
    if span.first_line is None:
        return ""
    if span.last_line in (None, span.first_line):
        return say("cli.line", line=span.first_line)
    return say("cli.lines", first=span.first_line, last=span.last_line)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
