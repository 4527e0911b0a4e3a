"""Every message from the one catalogue: no Chinese message is written as a literal in the
code. A Chinese literal in src/jixiao/**/*.py is one of

* a word of the tables' **vocabulary** — the forms' printed field names and column heads,
  the taxonomy, units, the target grammar's words, the review rules' default settings —
  which a reader matches or a writer prints as the official forms print it: the modules
  that hold it are DATA_MODULES below (their literals, data/*.toml, the rules' settings and
  the constants in FORMATS are the vocabulary, allowed wherever they appear);
* a **regular expression** (an argument of re.compile / re.search …), which matches text,
  or an API field's `description=`, written for developers;
* or a message still to be moved, counted in PENDING, which may only shrink.

Anything else is a message and belongs in data/messages/zh.toml, said with say().
"""

from __future__ import annotations

import ast
import functools
import importlib
import re
import tomllib
from collections import Counter
from pathlib import Path

import jixiao

SRC = Path(jixiao.__file__).parent
CJK = re.compile(r"[\u4e00-\u9fff]")

# Modules that are data, not messages — explicit and short, each with its reason.
DATA_MODULES: dict[str, str] = {
    "targets.py": "the 年度指标值 grammar: comparators, qualitative states, 万/亿",
    "units.py": "the units as the tables write them, with their conversions",
    "taxonomy.py": "the indicator taxonomy: first and second levels, directions",
    "forms/vocabulary.py": "the published forms' field labels (with data/forms.toml)",
    "forms/reader.py": "the form reader matches the forms' printed labels and states",
    "forms/flat.py": "splits cells of flat text by the forms' vocabulary",
    "forms/layout.py": "finds form titles and cells in -layout text by their words",
    "readers/items.py": "parses one indicator item by its labels (年度指标值 …)",
    "readers/xlsx.py": "the long-form sheet's column heads, which it reads back",
    "synthetic.py": "generates tables for tests and benchmarks: table text, not messages",
    "audit/registry.py": "the review bases of 财预〔2015〕88号 (算术, 完整性 …) as named there",
    "store/schema.py": "the amount units a stored table may be in (元, 千元, 万元, 亿元)",
}
# Words that are stored data rather than text: allowed wherever they appear.
WORDS: dict[str, str] = {
    "全年": "the period of a year's actuals as stored (model.Yearly.period), beside dates",
    "期间": "the actuals sheet's first row names its year and period: 年度 … 期间 …",
    "预算执行得分": "the 自评表's cell of the execution score, named as the cells are",
    "无": "what a 偏差原因 cell holds when it says nothing (a value read, not written)",
    "优良中差": "the review grades of 财预〔2015〕88号: the codes of a verdict",
    **dict.fromkeys(("项目支出绩效目标表", "项目支出绩效自评表", "绩效运行监控表", "目标表",
                     "自评表", "监控表"), "the official forms' names, as printed on them"),
}
# Constants that are a file format's or an official form's words, not messages: the heads
# of the actuals sheet jixiao writes and reads back (changing them breaks filled sheets), the
# 监控表's printed choices and lights.
FORMATS: dict[str, tuple[str, ...]] = {
    "jixiao.evaluation.sheet": ("EXECUTION_SHEET", "INDICATOR_SHEET", "EXECUTION_HEADER",
                                "INDICATOR_HEADER"),
    "jixiao.evaluation.monitoring": ("CAUSES", "LIKELIHOOD"),
    "jixiao.writers.self_evaluation": ("LIGHTS", "MONITORING_HEADER"),
    "jixiao.audit.rules": ("SATISFACTION_WORDS",),  # the words of a satisfaction indicator
    "jixiao.readers.text": ("GOAL_OPENER",),  # the words a 绩效目标 opens with
    # the names of a growth rate (whose ≥ OCR reads 2), the level headings it mends
    "jixiao.readers.ocr": ("_GROWTH", "_ONE", "_LEVEL_TAIL", "_SECOND_LEVEL"),
    "jixiao.readers.pdf": ("GROUP_LABELS",),  # a two-row header's printed group labels
}
# Modules whose messages are still literals, with how many; a count may only go down (none
# left: a new message goes into the catalogue, not here).
PENDING: dict[str, int] = {}


def _normal(text: str) -> str:
    """A label as the forms' vocabulary compares it: no spaces, colons or brackets."""
    return re.sub(r"[\s：:（）()]", "", text)


def _docstrings(tree: ast.AST) -> set[int]:
    return {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef,
                                 ast.AsyncFunctionDef))
            and node.body and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)}


def _patterns(tree: ast.AST) -> set[int]:
    """The literals inside calls of the re module (regular expressions) and in a
    `description=` (the API schema's words for developers, English by design, naming the
    forms' fields as they print them)."""
    return {id(sub) for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "re"
            for sub in ast.walk(node)} | {
        id(sub) for node in ast.walk(tree) if isinstance(node, ast.keyword)
        and node.arg == "description" for sub in ast.walk(node.value)}


def chinese_literals(path: Path) -> list[tuple[int, str]]:
    """The Chinese string literals of a module, without docstrings and patterns."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree) | _patterns(tree)
    return sorted((node.lineno, node.value) for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str)
                  and CJK.search(node.value) and id(node) not in skip)


def _strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *_strings(v))]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


@functools.cache
def vocabulary() -> frozenset[str]:
    words = {_normal(w) for w in WORDS}
    # the review rules' default settings (word lists a rules profile may change)
    from jixiao.audit import RULES
    for r in RULES.values():
        words.update(_normal(w) for w in _strings(list(r.params.values())))
    for module, names in FORMATS.items():
        for name in names:
            value = getattr(importlib.import_module(module), name)
            words.update(_normal(w) for w in _strings(
                list(value.values()) if isinstance(value, dict) else value))
    for name in DATA_MODULES:
        words.update(_normal(text) for _, text in chinese_literals(SRC / name))
    for toml in (SRC / "data").rglob("*.toml"):
        if toml.parent.name != "messages":
            words.update(_normal(s) for s in _strings(tomllib.loads(toml.read_text("utf-8"))))
    return frozenset(words)


def _is_vocabulary(text: str, words: frozenset[str]) -> bool:
    """A label of the vocabulary, or text whose every Chinese run is one (a line of
    column heads, an English description of a field named as the forms print it); a single
    character is compared, not said (a range's end, a unit's 率)."""
    return len(text) == 1 or _normal(text) in words or all(
        run in words for run in re.findall(r"[\u4e00-\u9fff]+", text))


def messages_in_code() -> dict[str, list[tuple[int, str]]]:
    """Per module, its Chinese literals that are neither vocabulary nor patterns."""
    words = vocabulary()
    found: dict[str, list[tuple[int, str]]] = {}
    for path in sorted(SRC.rglob("*.py")):
        name = path.relative_to(SRC).as_posix()
        if name in DATA_MODULES or name.startswith("store/migrations/"):  # frozen
            continue
        hits = [(line, text) for line, text in chinese_literals(path)
                if not _is_vocabulary(text, words)]
        if hits:
            found[name] = hits
    return found


def test_no_chinese_message_is_a_literal_in_the_code() -> None:
    found = messages_in_code()
    over = {name: hits for name, hits in found.items() if len(hits) > PENDING.get(name, 0)}
    assert over == {}, "messages to move into data/messages/zh.toml and say(): " + "; ".join(
        f"{name} ({len(hits)}, pending {PENDING.get(name, 0)}): "
        + ", ".join(f"{line} {text!r}" for line, text in hits[:5])
        for name, hits in over.items())


def test_the_allow_lists_are_real() -> None:
    """Every data module exists and holds Chinese text; every pending module still has
    messages to move (a finished one leaves the list)."""
    for name in DATA_MODULES:
        assert chinese_literals(SRC / name), name
    found = Counter({name: len(hits) for name, hits in messages_in_code().items()})
    assert [name for name in PENDING if found[name] == 0] == []


def test_the_check_finds_a_message_and_passes_the_vocabulary(tmp_path: Path) -> None:
    """On a module written here: a refusal built in code is found; a field name, a word of
    the target grammar and a pattern are not."""
    module = tmp_path / "example.py"
    module.write_text('import re\n'
                      'LABEL = "项目名称："\n'
                      'STATE = "部分达成"\n'
                      'RATE = re.compile(r"(\\d+)%分")\n'
                      'def refuse(n: int) -> str:\n'
                      '    """第一行：文档字符串不是消息。"""\n'
                      '    return f"没有编号为 {n} 的文档"\n', encoding="utf-8")
    words = vocabulary()
    hits = [(line, text) for line, text in chinese_literals(module)
            if not _is_vocabulary(text, words)]
    assert sorted(text for _, text in hits) == [" 的文档", "没有编号为 "]
    assert {line for line, _ in hits} == {7}
