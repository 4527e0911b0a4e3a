"""The words users read, from one catalogue (data/messages/<language>.toml).

Keys are the codes the code already uses — rule ids, warning and error codes, check
codes, CLI message keys — grouped by a first part (``rules.Q5-direction-conflict.title``,
``checks.no-execution``); values are ``str.format`` templates. The codes stay English;
only the text beside them changes with the language, so a second language is one more
file (``JIXIAO_LANG=en`` with data/messages/en.toml), not a rewrite. A site may keep its
own catalogues in a directory named by ``JIXIAO_MESSAGES``, looked in before the package's.

The language is chosen once, on the first message, and its catalogue loaded then: a say()
is a dict lookup and a format. ``use_language()`` chooses again (tests, a server that is
told its language after import); texts fixed at import (the CLI's --help) keep theirs."""

from __future__ import annotations

import functools
import hashlib
import marshal
import os
import tomllib
from collections.abc import Iterator, Mapping
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
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


def _chosen() -> str:
    return os.environ.get("JIXIAO_LANG") or DEFAULT_LANGUAGE


# The language in use and its catalogue, set on the first message (reading os.environ on
# every say() cost more than the lookup itself).
_language: str | None = None
_current: dict[str, str] = {}


def language() -> str:
    """The language messages are said in: JIXIAO_LANG when first asked, default zh."""
    return _language if _language is not None else use_language()


def use_language(lang: str | None = None) -> str:
    """Say messages in `lang` from now on; None chooses again from JIXIAO_LANG (and reloads
    the catalogues, so a catalogue file changed or added since is read afresh)."""
    global _language, _current
    if lang is None:
        _load.cache_clear()
    chosen = lang or _chosen()
    _current = _load(chosen)  # raises before anything changes if there is no such file
    _language = chosen
    return chosen


def _source(lang: str) -> Traversable:
    """The catalogue file of `lang`: the site's (JIXIAO_MESSAGES) first, then the package's."""
    name = f"{lang}.toml"
    site = os.environ.get("JIXIAO_MESSAGES")
    if site and (Path(site) / name).is_file():
        return Path(site) / name
    return files("jixiao").joinpath(f"data/messages/{name}")


def catalogue(lang: str | None = None) -> dict[str, str]:
    """Every message of a language (default: the one in use) by its dotted key."""
    return _load(lang or language())


@functools.cache
def _load(lang: str) -> dict[str, str]:
    raw = _source(lang).read_bytes()
    kept = _parsed_copy(lang, raw)
    try:
        loaded = marshal.loads(kept.read_bytes()) if kept else None
        if isinstance(loaded, dict):
            return loaded
    except (OSError, EOFError, ValueError, TypeError):
        pass
    flat = _flatten(tomllib.loads(raw.decode("utf-8")))
    if kept:
        _keep_parsed(kept, flat)
    return flat


def _parsed_copy(lang: str, raw: bytes) -> Path | None:
    """Where the parsed catalogue of these very bytes is kept: parsing the TOML costs about
    22 ms of a process's first message, loading the kept dict 1 ms (as __pycache__ does
    for code). Named by the file's hash, so an edited catalogue is parsed afresh. None
    when the process knows no home to keep it in (then the catalogue is parsed)."""
    try:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    except (RuntimeError, KeyError):  # Path.home() with no HOME and no passwd entry
        return None
    digest = hashlib.blake2b(raw, digest_size=12).hexdigest()
    return root / "jixiao" / "messages" / f"{lang}-{digest}.marshal"


def _keep_parsed(path: Path, flat: dict[str, str]) -> None:
    """Write the parsed copy whole or not at all; a home that cannot be written is no error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_suffix(f".{os.getpid()}.part")
        part.write_bytes(marshal.dumps(flat))
        os.replace(part, path)
    except OSError:
        pass


def missing_keys(lang: str) -> list[str]:
    """The keys of the default catalogue that `lang`'s catalogue lacks: a translation is
    complete when this is empty."""
    theirs = catalogue(lang)
    return sorted(k for k in catalogue(DEFAULT_LANGUAGE) if k not in theirs)


def say(key: str, /, **values: Any) -> str:
    """The message `key` in the user's language, its placeholders filled from `values`."""
    try:
        template = _current[key]
    except KeyError:
        if _language is None:  # the first message: choose the language, then look again
            use_language()
            return say(key, **values)
        raise MissingMessage(f"no message {key!r} in {_language}.toml") from None
    return template.format(**values) if values else template


def has(key: str) -> bool:
    language()
    return key in _current


class Labels(Mapping[str, str]):
    """Codes → their labels (roles, states), said when read: a module-level table of
    labels that follows the language in use instead of fixing it at import."""

    def __init__(self, section: str, codes: tuple[str, ...]) -> None:
        self.section, self.codes = section, codes

    def __getitem__(self, code: str) -> str:
        if code not in self.codes:
            raise KeyError(code)
        return say(f"{self.section}.{code}")

    def __iter__(self) -> Iterator[str]:
        return iter(self.codes)

    def __len__(self) -> int:
        return len(self.codes)


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
