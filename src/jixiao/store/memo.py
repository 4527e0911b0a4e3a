"""Answers kept while the store has not changed since they were computed.

Every write to a store adds a change-log row in its own transaction (documents, values,
money, the cycle, accounts), so the id of the last row names the state an answer was
computed from: a page that asks again with no new row gets the kept answer.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import Engine, func, select

from jixiao.store.schema import changes

T = TypeVar("T")
KEPT = 128  # answers kept at most, oldest dropped first (the overview keeps one per filter
# viewed beside its graded rows, which cost seconds: enough that filters do not push those out)

_kept: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_lock = threading.Lock()
# one lock per answer being computed: requests arriving meanwhile wait for it instead of
# computing it again (a bureau's overview costs seconds, and 50 connections ask at once)
_computing: dict[tuple[Any, ...], threading.Lock] = {}


def last_change(engine: Engine) -> tuple[Any, ...]:
    """The last change-log row's id and time (the time tells a store made again at the
    same address apart)."""
    with engine.connect() as conn:
        return tuple(conn.execute(select(func.max(changes.c.id), func.max(changes.c.at))).one())


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
