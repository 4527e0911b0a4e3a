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
