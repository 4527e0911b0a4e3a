"""Normalised keys that find the same thing across documents: an indicator's name, a
project under its yearly name, a goal copied word for word, a document's year.

The published text is never changed; these keys are stored beside it.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterable

# punctuation and spacing that differ between two writings of one name
_NOISE = re.compile(r"[\s\u3000（）()【】\[\]“”\"'‘’、，,。.：:；;·•《》<>—\-_/]+")
# "广州市公安局信息中心2023年" / "2023年度" before the project's own name
_YEAR_PREFIX = re.compile(r"^.{0,40}?(?<!\d)20\d{2}年度?")
_YEAR = re.compile(r"(?<!\d)(20\d{2})(?:年|\D|$)")


@functools.lru_cache(maxsize=65536)  # names, goals and targets repeat across documents
def text_key(text: str) -> str:
    """NFKC (full-width to half-width), lower case, without spaces and punctuation."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text)).lower()


def indicator_key(name: str) -> str:
    """The key under which one indicator name is compared across projects and years."""
    return text_key(name)


def project_key(name: str) -> str:
    """A project's name without the unit and year it is often prefixed with, so that
    '某局信息中心2023年运维项目' and '某局信息中心2024年运维项目' meet."""
    return text_key(_YEAR_PREFIX.sub("", name, count=1)) or text_key(name)


def digest(parts: Iterable[str]) -> str:
    """16 hex characters identifying a sequence of texts (goal, indicator set)."""
    # each part followed by the separator, hashed in one update (the same bytes)
    text = "".join(f"{part}\x1f" for part in parts)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


@functools.lru_cache(maxsize=16384)
def goal_key(goal: str) -> str:
    return digest([text_key(goal)])


def indicator_set_key(names_and_targets: Iterable[tuple[str, str]]) -> str:
    """The same indicators with the same targets, in any order."""
    return set_key([f"{indicator_key(n)}={text_key(t)}" for n, t in names_and_targets])


def set_key(pairs: list[str]) -> str:
    """indicator_set_key of its "name key=target key" texts, already made (store.prepare
    has the names' keys at hand)."""
    return digest(sorted(pairs))


def year_of(*texts: str | None) -> int | None:
    """The first 20xx year named in the texts (title, then file name), else None."""
    for text in texts:
        if text and (m := _YEAR.search(text)):
            return int(m.group(1))
    return None
