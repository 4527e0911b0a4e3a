"""The HTML templates say their words from the catalogue too: no Chinese text is written in
a template (its text between tags, or a string inside {{ }} / {% %}), except in the
templates of the official forms, printed as the forms print them (ALLOWED), and stored codes
compared or passed on (WORDS: 全年, the grades 优良中差). A template
whose words are still to be moved is counted in PENDING, which may only shrink. Every
say("key") a template calls names a key of data/messages/zh.toml."""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, nodes

import jixiao
from jixiao.messages import DEFAULT_LANGUAGE, catalogue

SRC = Path(jixiao.__file__).parent
TEMPLATES = sorted((SRC / "web" / "templates").glob("*.html")) + sorted(
    (SRC / "writers" / "templates").glob("*.html"))
CJK = re.compile(r"[\u4e00-\u9fff]")

# Templates that are an official form's printed words, not messages — explicit and short.
ALLOWED: dict[str, str] = {
    "writers/templates/self_evaluation.html": "the 项目支出绩效自评表 as the form prints it",
    "writers/templates/monitoring.html": "the 绩效运行监控表 as the form prints it",
    "writers/templates/targets_table.html": "the 项目支出绩效目标表 as published",
}
# Words that are stored codes, compared or passed on, not said: allowed wherever they appear.
WORDS: dict[str, str] = {
    "全年": "the period of a year's actuals as stored (model.Yearly.period)",
    "主管部门": "a form's printed label the project page compares (its row holds the department)",
    **dict.fromkeys(("优", "良", "中", "差", "优良中差"),
                    "the review grades of 财预〔2015〕88号: the codes of a verdict (sort keys)"),
}
# Templates whose words are still literals, with how many lines of them; a count may only
# go down, and a finished template leaves the list.
PENDING: dict[str, int] = {
}


def _name(path: Path) -> str:
    return path.relative_to(SRC).as_posix()


def chinese_text(source: str) -> list[tuple[int, str]]:
    """The lines of a template's text and string literals that hold Chinese (comments
    {# … #} are not text: the lexer drops them)."""
    found: list[tuple[int, str]] = []
    for lineno, kind, value in Environment().lex(source):
        if kind not in ("data", "string"):
            continue
        for offset, line in enumerate(value.split("\n")):
            if CJK.search(line) and not all(
                    run in WORDS for run in re.findall(r"[\u4e00-\u9fff]+", line)):
                found.append((lineno + offset, line.strip()))
    return found


def literals() -> dict[str, list[tuple[int, str]]]:
    found = {}
    for path in TEMPLATES:
        name = _name(path)
        if name in ALLOWED:
            continue
        if hits := chinese_text(path.read_text(encoding="utf-8")):
            found[name] = hits
    return found


def test_no_chinese_words_are_written_in_a_template() -> None:
    found = literals()
    over = {name: hits for name, hits in found.items() if len(hits) > PENDING.get(name, 0)}
    assert over == {}, "words to move into data/messages/zh.toml and say(): " + "; ".join(
        f"{name} ({len(hits)}, pending {PENDING.get(name, 0)}): "
        + ", ".join(f"{line} {text!r}" for line, text in hits[:5])
        for name, hits in over.items())


def test_the_allow_lists_are_real() -> None:
    """Every allowed template exists and holds Chinese; every pending one still has words
    to move (a finished one leaves the list)."""
    names = {_name(p) for p in TEMPLATES}
    for name in ALLOWED:
        assert name in names and chinese_text((SRC / name).read_text("utf-8")), name
    found = literals()
    assert [name for name in PENDING if name not in found] == []


def _said(source: str) -> list[tuple[int, str]]:
    tree = Environment(extensions=[]).parse(source)
    return [(call.lineno, call.args[0].value) for call in tree.find_all(nodes.Call)
            if isinstance(call.node, nodes.Name) and call.node.name == "say"
            and call.args and isinstance(call.args[0], nodes.Const)]


def test_every_key_a_template_says_is_in_the_catalogue() -> None:
    keys = catalogue(DEFAULT_LANGUAGE)
    missing = [(_name(p), line, key) for p in TEMPLATES
               for line, key in _said(p.read_text(encoding="utf-8")) if key not in keys]
    assert missing == []
    # the check sees the calls: base.html's navigation is said
    assert _said((SRC / "web" / "templates" / "base.html").read_text("utf-8"))


def test_the_check_finds_text_and_strings_but_not_comments() -> None:
    source = ('{# 注释不是文字 #}<h1>出错了</h1>\n'
              '{{ x or "无数据" }}\n'
              '<p>{{ say("page.error.title") }}</p>\n')
    assert chinese_text(source) == [(1, "<h1>出错了</h1>"), (2, "\"无数据\"")]
    assert chinese_text('{% if period != "全年" %}{{ sorter("优", "优") }}{% endif %}') == []
    assert _said(source) == [(3, "page.error.title")]
