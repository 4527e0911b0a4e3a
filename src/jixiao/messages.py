"""The words users read, from one catalogue (data/messages/<language>.toml).

Keys are the codes the code already uses — rule ids, warning and error codes, check
codes, CLI message keys — grouped by a first part (``rules.Q5-direction-conflict.title``,
``checks.no-execution``); values are ``str.format`` templates. The codes stay English;
only the text beside them changes with the language, so a second language is one more
file (``JIXIAO_LANG=en`` with data/messages/en.toml), not a rewrite."""

from __future__ import annotations

import functools
import os
import tomllib
from importlib.resources import files
from typing import Any

DEFAULT_LANGUAGE = "zh"


class MissingMessage(KeyError):
    """A key the catalogue does not have: a programming error, caught by the tests."""


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = str(value)
    return out


def language() -> str:
    return os.environ.get("JIXIAO_LANG") or DEFAULT_LANGUAGE


@functools.cache
def catalogue(lang: str | None = None) -> dict[str, str]:
    """Every message of a language by its dotted key."""
    text = files("jixiao").joinpath(f"data/messages/{lang or language()}.toml") \
        .read_text(encoding="utf-8")
    return _flatten(tomllib.loads(text))


def say(key: str, /, **values: Any) -> str:
    """The message `key` in the user's language, its placeholders filled from `values`."""
    try:
        template = catalogue(language())[key]
    except KeyError:
        raise MissingMessage(f"no message {key!r} in {language()}.toml") from None
    return template.format(**values) if values else template


def has(key: str) -> bool:
    return key in catalogue(language())


def level(severity: object) -> str:
    """A finding's severity (the code error / warning / info) as users read it."""
    return say(f"levels.{severity}")


def place(page: int | None, first_line: int | None, last_line: int | None = None) -> str:
    """Where something is in its file: '第2页 第504–505行'; '' when unknown."""
    parts = []
    if page is not None:
        parts.append(say("place.page", page=page))
    if first_line is not None:
        last = first_line if last_line is None else last_line
        parts.append(say("place.line", line=first_line) if last == first_line
                     else say("place.lines", first=first_line, last=last))
    return " ".join(parts)
