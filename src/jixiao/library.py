"""The library as its faces use it: a `Store` opened with the review wired in, and the
review profiles checked before the store keeps them. The store itself imports no service
(tests/test_layers.py); here the services meet it, once, for the CLI, the bulk load and
the web alike."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine

from jixiao.audit import Profile, audit, verdict
from jixiao.model import Document, Finding
from jixiao.readers import read
from jixiao.store import cycle, memo
from jixiao.store.accounts import User
from jixiao.store.repository import StoreError
from jixiao.store.store import Store


@functools.lru_cache(maxsize=16)  # a bulk load reviews thousands of files by one profile
def profile_of(toml: str | None) -> Profile:
    """The rule profile a stored TOML describes; the defaults for none."""
    return Profile() if toml is None else Profile.from_text(toml, "the active profile")


def review(doc: Document, toml: str | None) -> list[Finding]:
    """The findings a document is stored with, by the profile `toml` describes."""
    return audit(doc, profile_of(toml)).findings


def open_store(db: str | None = None, *, migrate: bool = True,
               read: str | None = None) -> Store:
    """The store at `db` (see store.database_url), reviewing what it ingests; its reads
    on the replica at `read`, if given."""
    return Store.open(db, migrate=migrate, reviewer=review, grader=verdict, read=read)


def store_of(engine: Engine) -> Store:
    """A Store over an engine already opened (the CLI opens it with its own answers to a
    bad URL), reviewing what it ingests."""
    return Store(engine, reviewer=review, grader=verdict)


def active_profile(store: Store) -> Profile:
    """The profile every ingest and upload is reviewed by."""
    return profile_of(store.active_profile())


def save_profile(store: Store, user: User | None, toml: str) -> Profile:
    """Check a profile (ProfileError says what is wrong) and keep it under its name."""
    profile = Profile.from_text(toml, "the profile")
    store.save_profile(user, profile.name, toml)
    return profile


def overview(store: Store, department: str | None = None, superseded: bool = False
             ) -> list[cycle.OverviewRow]:
    """The bureau's overview rows (store.cycle.overview_rows) with each document's projects
    counted by the review's verdict: as stored with the findings (0013), or for a document
    stored without them graded here by the verdict rule (a project without findings, or
    with notes only, is 优). Kept while the store has not changed (store.memo); the rows
    are shared, read only."""
    def graded() -> list[cycle.OverviewRow]:
        rows = cycle.overview_rows(store.engine, department, superseded=superseded)
        for row in rows:
            if row.graded:
                continue
            for fs in row.project_findings.values():
                if (grade := verdict(fs)) != "优":
                    row.verdicts[grade] += 1
            row.verdicts["优"] = row.projects - sum(row.verdicts.values())
        return rows

    return list(memo.kept(store.engine, ("overview", department, superseded), graded))


class MissingSource(StoreError):
    """A reference that looks like a file (a suffix, a folder) names neither a file nor a
    stored document: the file is what is missing."""


def looks_like_a_file(source: str) -> bool:
    return bool(Path(source).suffix) or "/" in source or os.sep in source


def open_document(source: str, house: Callable[[], Store]) -> Document:
    """A table from a file when `source` is one (ReadError when it cannot be read), else
    the stored document it names — an id, a file name seen at ingest or a sha256 prefix —
    from the store `house()` opens (only then). MissingSource for a file-like name found
    nowhere; StoreError for another unknown reference."""
    if Path(source).is_file():
        return read(source)
    opened = house()
    try:
        return opened.document(opened.resolve(source)).doc
    except StoreError as exc:
        if looks_like_a_file(source):
            raise MissingSource(f"no file {source} (and no stored document of that name)"
                                ) from exc
        raise
