"""Answers kept while the store has not changed since they were computed.

Every write to a store adds a change-log row in its own transaction (documents, values,
money, the cycle, accounts), so the id of the last row names the state an answer was
computed from: a page that asks again with no new row gets the kept answer.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from sqlalchemy import Engine, func, select

from jixiao.store.schema import changes, documents

T = TypeVar("T")
KEPT = 128  # answers kept at most, oldest dropped first (the overview keeps one per filter
# viewed beside its graded rows, which cost seconds: enough that filters do not push those out)

_kept: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_lock = threading.Lock()
# one lock per answer being computed: requests arriving meanwhile wait for it instead of
# computing it again (a bureau's overview costs seconds, and 50 connections ask at once)
_computing: dict[tuple[Any, ...], threading.Lock] = {}


# inside `request_scope` (a web page's GET): answers asked once a request — the last
# change-log row of each store, however many kept answers the page takes from here
_scope: ContextVar[dict[Hashable, Any] | None] = ContextVar("memo_scope", default=None)


@contextmanager
def request_scope() -> Iterator[None]:
    """Every answer kept within it is checked against the change log as it was at its
    first question: for a request that only reads (a write's own request must see it)."""
    token = _scope.set({})
    try:
        yield
    finally:
        _scope.reset(token)


def once(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()` once a request (inside `request_scope`); outside one, every time."""
    scope = _scope.get()
    if scope is None:
        return compute()
    if key not in scope:
        scope[key] = compute()
    return scope[key]


def note(key: Hashable, answer: Any) -> None:
    """What `once(key, …)` is to answer for the rest of this request (nothing outside one):
    a look-up that learnt it on the way (no correction: an empty list)."""
    if (scope := _scope.get()) is not None:
        scope[key] = answer


# The statements, built once. SQLite has one writer at a time: its ids are given in the
# order the writes commit, so the highest id names the state. PostgreSQL gives an id when a
# row is inserted, not when it commits: a write that took id 10 and commits after the one
# that took 11 leaves the highest id as it was. The number of rows among the last WINDOW ids
# grows with it, so it is part of the state there. The highest document id beside them: a
# document stored by the bare repository functions (tests, scripts) writes no change-log
# row. One statement, one snapshot, each part read through a key.
WINDOW = 1024
_last_id = select(changes.c.id).order_by(changes.c.id.desc()).limit(1).scalar_subquery()
_last_at = select(changes.c.at).order_by(changes.c.id.desc()).limit(1).scalar_subquery()
_last_document = select(func.max(documents.c.id)).scalar_subquery()
_LAST = select(_last_id, _last_at, _last_document)
_LAST_PG = select(_last_id, _last_at, _last_document,
                  select(func.count()).select_from(changes)
                  .where(changes.c.id > _last_id - WINDOW).scalar_subquery())


def last_change(engine: Engine) -> tuple[Any, ...]:
    """The last change-log row's id and time (the time tells a store made again at the
    same address apart), the highest document id, and on PostgreSQL how many of the last
    WINDOW change ids are there; once a request."""
    statement = _LAST_PG if engine.dialect.name == "postgresql" else _LAST

    def last() -> tuple[Any, ...]:
        with engine.connect() as conn:
            return tuple(conn.execute(statement).one())

    return once(("last-change", str(engine.url)), last)


def kept(engine: Engine, key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, or what it gave for `key` when the change log has had no row since."""
    full = (str(engine.url), *last_change(engine), key)
    with _lock:
        if full in _kept:
            _kept.move_to_end(full)
            return _kept[full]
        computing = _computing.setdefault(full, threading.Lock())
    with computing:
        with _lock:
            if full in _kept:  # computed while this request waited
                return _kept[full]
        answer = compute()
        with _lock:
            _kept[full] = answer
            while len(_kept) > KEPT:
                _kept.popitem(last=False)
            _computing.pop(full, None)
    return answer
