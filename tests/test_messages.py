"""The message catalogue: every key the code asks for is there, every template fills."""

from __future__ import annotations

import re
import string

import pytest

from jixiao.audit import GRADES, RULES
from jixiao.messages import MissingMessage, catalogue, level, place, say


def test_every_rule_has_a_chinese_title_and_hint() -> None:
    for rule_id, r in RULES.items():
        for text in (r.title, r.hint):
            assert re.search(r"[\u4e00-\u9fff]", text), (rule_id, text)
    assert GRADES["差"] == "不能进入预算安排"


def test_every_template_is_well_formed() -> None:
    for key, template in catalogue().items():
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
        # named placeholders; typer's own templates (cli.default …) take one positional {}
        assert all(re.fullmatch(r"[a-z_]+", f) or (f == "" and key.startswith("cli."))
                   for f in fields), (key, fields)


def test_say_fills_placeholders_and_refuses_unknown_keys() -> None:
    assert say("rules.Q3-few-indicators.message", n=2, least=3) == "只有 2 个指标，至少应有 3 个"
    assert level("warning") == "警告"
    assert place(2, 504, 505) == "第2页 第504–505行"
    assert place(None, 7) == "第7行"
    with pytest.raises(MissingMessage, match="no-such"):
        say("rules.no-such.title")


def test_every_key_the_code_names_is_in_the_catalogue() -> None:
    """Each `say("…")` with a literal key, in every module that takes `say` from
    jixiao.messages, names a message the catalogue has — also in branches no other test runs
    (a CLI's rare refusal)."""
    import ast
    from pathlib import Path

    import jixiao

    keys = catalogue()
    missing, checked = [], 0
    for path in sorted(Path(jixiao.__file__).parent.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = any(isinstance(n, ast.ImportFrom) and n.module == "jixiao.messages"
                       and any(a.name == "say" and a.asname is None for a in n.names)
                       for n in ast.walk(tree))
        own = any((isinstance(n, ast.FunctionDef) and n.name == "say")
                  or (isinstance(n, ast.Name) and n.id == "say" and isinstance(n.ctx, ast.Store))
                  for n in ast.walk(tree))  # a say of its own (a rule's)
        if not imported or own:
            continue
        for n in ast.walk(tree):
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "say" \
                    and n.args and isinstance(n.args[0], ast.Constant) \
                    and isinstance(n.args[0].value, str):
                checked += 1
                if n.args[0].value not in keys:
                    missing.append(f"{path.name}:{n.lineno} {n.args[0].value}")
    assert missing == [] and checked > 200
