"""Bulk load: many files read in worker processes and stored in batches.

On PostgreSQL each worker writes its own batches (binary COPY, store.load); on SQLite,
which has one writer, the workers read and this process writes. Before a large first load
the secondary indexes are dropped and they are built after (store.load.plan says which,
and why). Each batch is one transaction, so a load killed halfway leaves whole documents
only (the workers die with the process that started them); a second run skips the files
already stored without reading them, stores the rest and builds any index still missing.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from jixiao import library, store
from jixiao.errors import JixiaoError, ReadError
from jixiao.messages import say
from jixiao.model import SourceInfo, SourceSpan
from jixiao.store import load
from jixiao.store.accounts import User
from jixiao.store.store import ACTIVE, Store

BATCH_ROWS = 20_000  # indicator rows per transaction: large enough for COPY to pay
IN_FLIGHT = 4  # files read ahead per worker
CHUNK_FILES = 16  # files a writing worker reads and stores as one task (PostgreSQL)
METHODS = ("copy", "insert")  # insert: the one-writer load of before (benchmarks compare)


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


def _start_forked(job: _Job) -> None:
    """A worker process's start: its settings, and the collector of a worker."""
    _start_worker(job)
    tune_collector()


def tune_collector() -> None:
    """The garbage collector of a process that reads and prepares documents, nothing else
    (a load's worker): it allocates each document's objects and rows and keeps them until
    it is done, so the collector's young passes over them find no cycles (15–25 % of
    reading and preparing a generated document went to them): they run less often, and
    the library inherited from the parent is frozen out of the full passes."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


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
                                   _job.year, library.verdict)
    except ReadError as exc:
        return path, exc


def ingest_files(where: Store | Engine, paths: Sequence[Path], *, workers: int | None = None,
                 review: bool = True, year: int | None = None, profile: str | None = ACTIVE,
                 user: User | None = None,
                 on_each: Callable[[FileOutcome], None] | None = None,
                 on_plan: Callable[[load.Plan], None] | None = None,
                 method: str = "copy") -> list[FileOutcome]:
    """Read `paths` in `workers` processes (default: one per core) and store them, each
    batch through `Store.ingest_prepared` (one transaction, a change-log row per new
    document); the outcome of every file, in the order they finished. Unreadable files
    are reported, never stored, and do not stop the others. Files are reviewed by
    `profile` (TOML), by default the one an admin made active in the store, as a web
    upload is. `on_plan` hears whether the indexes are kept or rebuilt (store.load.plan)
    before anything is written."""
    house = where if isinstance(where, Store) else library.store_of(where)
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

    with _writer_collector():
        _load(house, paths, job, workers, user, done, on_plan, method)
    return outcomes


@contextlib.contextmanager
def _writer_collector() -> Iterator[None]:
    """This process's collector while it writes (SQLite's one writer, or the one that
    waits on PostgreSQL's): as a worker's (`tune_collector`), set back after. A batch's
    rows are tuples of strings and numbers, kept until the batch is written; the young
    passes over them found no cycle and cost the writer a quarter of its time."""
    threshold, frozen = gc.get_threshold(), gc.get_freeze_count()
    tune_collector()
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        if not frozen:  # a process that froze its own (a server) keeps them frozen
            gc.unfreeze()


def _load(house: Store, paths: Sequence[Path], job: _Job, workers: int, user: User | None,
          done: Callable[[FileOutcome], None], on_plan: Callable[[load.Plan], None] | None,
          method: str) -> None:
    engine = house.engine
    if method == "insert":
        _store_reads(house, _read_all(paths, job, workers), done, user, copy=False)
        return
    # the files not stored yet under their name decide (a rerun of a large load that was
    # nearly done is a small load)
    stored_names = {name for _, name in job.known}
    chosen = load.plan(engine, sum(1 for path in paths if path.name not in stored_names))
    if on_plan:
        on_plan(chosen)
    load.prepare(engine, chosen)
    if engine.dialect.name == "postgresql" and workers > 1 and len(paths) > 1:
        for told in _write_in_workers(house, paths, job, workers, user):
            for outcome in told:
                done(outcome)
    else:
        _store_reads(house, _read_all(paths, job, workers), done, user, copy=True)
    load.finish(engine)


def _store_reads(house: Store, reads: Iterable[tuple[Path, Any]],
                 done: Callable[[FileOutcome], None], user: User | None, copy: bool) -> None:
    """Store what `_read` gave, in batches of about BATCH_ROWS rows."""
    batch: list[tuple[Path, store.PreparedDocument]] = []
    rows = 0
    for path, read in reads:
        if isinstance(read, ReadError):
            done(FileOutcome(path, error=read))
        elif isinstance(read, tuple):
            done(FileOutcome(path, result=store.stored_file(house.engine, *read)))
        else:
            batch.append((path, read))
            rows += len(read.indicators) + len(read.projects)
            if rows >= BATCH_ROWS:
                _flush(house, batch, done, user, copy)
                batch, rows = [], 0
    _flush(house, batch, done, user, copy)


_writer: tuple[Store, User | None] | None = None  # a writing worker's store and user


def _start_writer(job: _Job, house: Store, user: User | None) -> None:
    global _writer
    _start_forked(job)
    _die_with_parent()
    house.engine.dispose(close=False)  # the parent's connections are the parent's
    _writer = (house, user)


def _die_with_parent() -> None:
    """A writing worker killed with the load (Linux): a worker left running would go on
    committing after the load was stopped."""
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before the signal was asked for
        os._exit(1)


def _read_and_store(paths: list[Path]) -> list[FileOutcome]:
    """In a writing worker: read `paths` and store them in this worker's own batches."""
    assert _writer is not None
    house, user = _writer
    outcomes: list[FileOutcome] = []
    _store_reads(house, map(_read, paths), outcomes.append, user, copy=True)
    return outcomes


def _write_in_workers(house: Store, paths: Sequence[Path], job: _Job, workers: int,
                      user: User | None) -> Iterator[list[FileOutcome]]:
    """The outcomes of CHUNK_FILES files at a time, as workers finish them; each worker
    holds one chunk's documents at most (only the paths wait in the queue)."""
    chunks = [list(paths[k:k + CHUNK_FILES]) for k in range(0, len(paths), CHUNK_FILES)]
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_start_writer, initargs=(job, house, user)) as pool:
        yield from pool.imap_unordered(_read_and_store, chunks)


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
    with context.Pool(workers, initializer=_start_forked, initargs=(job,)) as pool:
        pending: deque[Any] = deque()
        for path in paths:
            pending.append(pool.apply_async(_read, (path,)))
            if len(pending) >= IN_FLIGHT * workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def _flush(house: Store, batch: list[tuple[Path, store.PreparedDocument]],
           done: Callable[[FileOutcome], None], user: User | None, copy: bool) -> None:
    if not batch:
        return
    try:
        results = house.ingest_prepared([p for _, p in batch], user=user, copy=copy)
    except DBAPIError:
        # one document the database refuses (or another writer's) spoils the batch: store
        # them one by one and report the one that fails
        for path, prepared in batch:
            try:
                [result] = house.ingest_prepared([prepared], user=user)
            except DBAPIError as exc:
                done(FileOutcome(path, error=ReadError(
                    "not-stored", say("errors.not-stored", why=exc.orig), SourceSpan(str(path)))))
            else:
                done(FileOutcome(path, result=result))
        return
    for (path, _), result in zip(batch, results, strict=True):
        done(FileOutcome(path, result=result))
