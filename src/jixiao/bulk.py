"""Bulk load: many files read in worker processes, stored in batches by one writer.

Each batch is one transaction, so a load killed halfway leaves whole documents only; a
second run skips the files already stored without reading them and stores the rest.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from jixiao import library, store
from jixiao.errors import JixiaoError, ReadError
from jixiao.model import SourceInfo, SourceSpan
from jixiao.store.accounts import User
from jixiao.store.store import ACTIVE, Store

BATCH_ROWS = 20_000  # indicator rows per transaction: large enough for COPY to pay
IN_FLIGHT = 4  # files read ahead per worker


@dataclass(frozen=True, slots=True)
class FileOutcome:
    path: Path
    result: store.IngestResult | None = None
    error: JixiaoError | None = None


@dataclass(frozen=True, slots=True)
class _Job:
    review: bool
    profile: str | None  # the TOML of the rules every file is reviewed by (None: defaults)
    year: int | None
    known: frozenset[tuple[str, str]]


_job: _Job | None = None  # the worker's settings, set once per process


def _start_worker(job: _Job) -> None:
    global _job
    _job = job


def _read(path: Path) -> tuple[Path, store.PreparedDocument | tuple[str, str] | ReadError]:
    """In a worker: the file's rows, its (sha256, name) when already stored, or its error."""
    from jixiao.readers import load_bytes, read_bytes, sniff

    assert _job is not None
    try:
        data = load_bytes(path)
        sha = hashlib.sha256(data).hexdigest()
        if (sha, path.name) in _job.known:
            return path, (sha, path.name)
        document = read_bytes(data, path.name)
        findings = library.review(document, _job.profile) if _job.review else ()
        return path, store.prepare(document, SourceInfo(path.name, sha, sniff(data)), findings,
                                   _job.year)
    except ReadError as exc:
        return path, exc


def ingest_files(where: Store | Engine, paths: Sequence[Path], *, workers: int | None = None,
                 review: bool = True, year: int | None = None, profile: str | None = ACTIVE,
                 user: User | None = None,
                 on_each: Callable[[FileOutcome], None] | None = None) -> list[FileOutcome]:
    """Read `paths` in `workers` processes (default: one per core) and store them, each
    batch through `Store.ingest_prepared` (one transaction, a change-log row per new
    document); the outcome of every file, in the order they finished. Unreadable files
    are reported, never stored, and do not stop the others. Files are reviewed by
    `profile` (TOML), by default the one an admin made active in the store, as a web
    upload is."""
    house = where if isinstance(where, Store) else Store(where, reviewer=library.review)
    engine = house.engine
    if profile is ACTIVE:
        profile = house.active_profile()
    job = _Job(review, profile, year, frozenset(store.known_files(engine)))
    workers = max(1, workers or os.cpu_count() or 1)
    outcomes: list[FileOutcome] = []

    def done(outcome: FileOutcome) -> None:
        outcomes.append(outcome)
        if on_each:
            on_each(outcome)

    batch: list[tuple[Path, store.PreparedDocument]] = []
    rows = 0
    for path, read in _read_all(paths, job, workers):
        if isinstance(read, ReadError):
            done(FileOutcome(path, error=read))
        elif isinstance(read, tuple):
            done(FileOutcome(path, result=store.stored_file(engine, *read)))
        else:
            batch.append((path, read))
            rows += len(read.indicators) + len(read.projects)
            if rows >= BATCH_ROWS:
                _flush(house, batch, done, user)
                batch, rows = [], 0
    _flush(house, batch, done, user)
    return outcomes


def _read_all(paths: Sequence[Path], job: _Job, workers: int
              ) -> Iterator[tuple[Path, store.PreparedDocument | tuple[str, str] | ReadError]]:
    if workers == 1 or len(paths) == 1:
        _start_worker(job)
        yield from map(_read, paths)
        return
    # fork: workers start at once and inherit the imported library. At most IN_FLIGHT
    # files per worker are read ahead: when the writer is slower than the readers, read
    # documents must wait in the workers' queue, not pile up in this process's memory.
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_start_worker, initargs=(job,)) as pool:
        pending: deque[Any] = deque()
        for path in paths:
            pending.append(pool.apply_async(_read, (path,)))
            if len(pending) >= IN_FLIGHT * workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def _flush(house: Store, batch: list[tuple[Path, store.PreparedDocument]],
           done: Callable[[FileOutcome], None], user: User | None) -> None:
    if not batch:
        return
    try:
        results = house.ingest_prepared([p for _, p in batch], user=user)
    except DBAPIError:
        # one document the database refuses (or another writer's) spoils the batch: store
        # them one by one and report the one that fails
        for path, prepared in batch:
            try:
                [result] = house.ingest_prepared([prepared], user=user)
            except DBAPIError as exc:
                done(FileOutcome(path, error=ReadError(
                    "not-stored", f"the database refused it: {exc.orig}", SourceSpan(str(path)))))
            else:
                done(FileOutcome(path, result=result))
        return
    for (path, _), result in zip(batch, results, strict=True):
        done(FileOutcome(path, result=result))
