"""The message catalogue: every key the code asks for is there, every template fills."""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import SAMPLE
from jixiao.audit import GRADES, RULES
from jixiao.messages import (
    MissingMessage,
    catalogue,
    has,
    language,
    level,
    missing_keys,
    place,
    say,
    use_language,
)


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


# ---- choosing the language: once, cached; chosen again on demand ------------------------

TEST_CATALOGUES = Path(__file__).parent / "data" / "messages"


@pytest.fixture
def chooser(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Lets a test set JIXIAO_LANG / JIXIAO_MESSAGES and choose again; afterwards the
    environment is restored and the language chosen afresh from it (zh)."""
    yield monkeypatch
    monkeypatch.undo()
    use_language()
    assert language() == "zh"


def test_the_language_is_chosen_once_and_again_on_demand(chooser: pytest.MonkeyPatch) -> None:
    assert say("levels.warning") == "警告"
    chooser.setenv("JIXIAO_MESSAGES", str(TEST_CATALOGUES))
    chooser.setenv("JIXIAO_LANG", "en")
    # the environment is read once, not on every message
    assert (language(), say("levels.warning")) == ("zh", "警告")
    assert use_language() == "en"
    assert (say("levels.warning"), level("info"), place(2, 504, 505)) \
        == ("warning", "note", "page 2 lines 504–505")
    assert has("levels.error") and not has("rules.Q3-few-indicators.title")
    with pytest.raises(MissingMessage, match=r"'rules.Q3-few-indicators.title' in en.toml"):
        say("rules.Q3-few-indicators.title")
    # the tiny catalogue is incomplete, and says so; zh is the complete one
    missing = missing_keys("en")
    assert "rules.Q3-few-indicators.title" in missing and "levels.warning" not in missing
    assert len(missing) == len(catalogue("zh")) - 6 and missing_keys("zh") == []
    assert use_language("zh") == "zh" and say("levels.warning") == "警告"


def test_an_unknown_language_is_refused_and_nothing_changes(chooser: pytest.MonkeyPatch) -> None:
    with pytest.raises(FileNotFoundError):
        use_language("nope")
    assert (language(), say("levels.error")) == ("zh", "错误")


def test_a_second_catalogue_with_the_same_keys_is_a_file_not_a_rewrite(
        tmp_path: Path, chooser: pytest.MonkeyPatch) -> None:
    """A whole second language: every key of zh.toml, each text replaced by its key and its
    placeholders, put where a site keeps its catalogues. The review of a real table then
    speaks it — the same findings, every message from the new file."""
    from jixiao.audit import audit
    from jixiao.readers import read
    from jixiao.store.accounts import ROLE_LABELS, ROLES

    zh = audit(read(SAMPLE))
    lines = []
    for key, template in catalogue("zh").items():
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
        text = f"⟦{key}⟧" + "".join(" {" + f + "}" for f in fields)
        lines.append(f"{json.dumps(key)} = {json.dumps(text, ensure_ascii=False)}")
    (tmp_path / "xx.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    chooser.setenv("JIXIAO_MESSAGES", str(tmp_path))
    chooser.setenv("JIXIAO_LANG", "xx")
    assert use_language() == "xx" and missing_keys("xx") == []

    xx = audit(read(SAMPLE))
    assert [(f.rule, f.severity, f.project) for f in xx.findings] \
        == [(f.rule, f.severity, f.project) for f in zh.findings] and len(xx.findings) > 100
    assert all(f.message.startswith(f"⟦rules.{f.rule}.") for f in xx.findings)
    assert {r.title for r in RULES.values()} == {f"⟦rules.{i}.title⟧" for i in RULES}
    assert place(2, 7) == "⟦place.page⟧ 2 ⟦place.line⟧ 7"
    # a table of labels (Labels) follows the language in use, not the one at import
    assert dict(ROLE_LABELS) == {r: f"⟦accounts.roles.{r}⟧" for r in ROLES}


def test_every_table_of_labels_has_its_labels() -> None:
    """Each messages.Labels of the modules (roles, states, actions, kinds) names keys the
    catalogue has: a label read in a branch no other test runs still exists."""
    import importlib
    import pkgutil

    import jixiao
    from jixiao.messages import Labels

    tables = {}
    for info in pkgutil.walk_packages(jixiao.__path__, "jixiao."):
        if ".migrations" in info.name:
            continue
        module = importlib.import_module(info.name)
        tables.update({f"{info.name}.{name}": value for name, value in vars(module).items()
                       if isinstance(value, Labels)})
    assert {"jixiao.store.accounts.ROLE_LABELS", "jixiao.store.cycle.DOCUMENT_STATES",
            "jixiao.web.admin.ACTIONS"} <= set(tables)
    keys = catalogue()
    assert [f"{name}: {t.section}.{code}" for name, t in tables.items() for code in t.codes
            if f"{t.section}.{code}" not in keys] == []
    roles = tables["jixiao.store.accounts.ROLE_LABELS"]
    assert dict(roles) == {"admin": "管理员", "reviewer": "审核人员", "department": "部门用户"}
    with pytest.raises(KeyError):
        roles["root"]


def test_a_parsed_catalogue_is_kept_beside_its_hash_and_never_trusted_blindly(
        tmp_path: Path, chooser: pytest.MonkeyPatch) -> None:
    """The first message of a process loads the parsed catalogue kept from an earlier run
    (named by the file's hash); a kept copy that is damaged, or a cache that cannot be
    written, gives the same catalogue parsed from the TOML."""
    import tomllib

    from jixiao import messages

    chooser.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    source = messages._source("zh").read_bytes()
    parsed = messages._flatten(tomllib.loads(source.decode("utf-8")))
    messages._load.cache_clear()
    assert messages._load("zh") == parsed
    kept = list((tmp_path / "cache" / "jixiao" / "messages").iterdir())
    assert [p.name for p in kept] == [messages._parsed_copy("zh", source).name]
    messages._load.cache_clear()
    assert messages._load("zh") == parsed  # now from the kept copy
    kept[0].write_bytes(b"\x00damaged")
    messages._load.cache_clear()
    assert messages._load("zh") == parsed and kept[0].read_bytes() != b"\x00damaged"
    # a site catalogue edited since: another hash, parsed afresh
    site = tmp_path / "site"
    site.mkdir()
    (site / "zh.toml").write_bytes(source.replace("警告".encode(), "注意".encode(), 1))
    chooser.setenv("JIXIAO_MESSAGES", str(site))
    messages._load.cache_clear()
    assert messages._load("zh")["levels.warning"] == "注意"
    # a cache that cannot be written is no error
    chooser.setenv("XDG_CACHE_HOME", str(site / "zh.toml"))  # a file, not a directory
    messages._load.cache_clear()
    assert messages._load("zh")["levels.warning"] == "注意"
    # a process that knows no home (no HOME, no passwd entry: Path.home() raises) parses

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    chooser.delenv("XDG_CACHE_HOME")
    chooser.setattr(Path, "home", staticmethod(no_home))
    assert messages._parsed_copy("zh", source) is None
    messages._load.cache_clear()
    assert messages._load("zh")["levels.warning"] == "注意"
    messages._load.cache_clear()
