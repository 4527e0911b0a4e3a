"""Reads on a streaming replica, writes on the primary (`jixiao serve --read-url`).

Every read of the store opens its connection with `engine.connect()` and every write its
transaction with `engine.begin()` (store.repository, store.store): `Routed` sends the one
to the replica and the other to the primary. A replica replays the primary's WAL a moment
after each commit: after a write, this process reads on the primary until the replica has
replayed past it (a user signs in, then is asked for the session just written). Another
server process may still read the store as it was a moment before. A replica that cannot
be reached (restarting, say) is skipped: the primary answers until it is back.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, make_url
from sqlalchemy.exc import OperationalError

READ_ENV_VAR = "JIXIAO_READ_DB"  # what `jixiao serve --read-url` hands its server workers


class Routed(Engine):
    """The primary's engine, but for `connect()`: a connection to the replica, once it
    holds this process's last write. An Engine to whoever asks (isinstance), made of two:
    what it does not route is the primary's."""

    def __init__(self, primary: Engine, replica: Engine) -> None:  # no Engine.__init__
        self.primary = primary
        self.replica = replica
        self._written: str | None = None  # WAL position of the last write not yet replayed
        self._lock = threading.Lock()

    def connect(self) -> Connection:
        try:
            conn = self.replica.connect()
        except OperationalError:  # down or restarting: the primary answers meanwhile
            self.replica.dispose()
            return self.primary.connect()
        written = self._written
        if written is None:
            return conn
        if conn.exec_driver_sql("SELECT pg_last_wal_replay_lsn() >= CAST(%(w)s AS pg_lsn)",
                                {"w": written}).scalar():
            with self._lock:
                if self._written == written:
                    self._written = None
            conn.rollback()  # the look leaves no transaction open
            return conn
        conn.close()
        return self.primary.connect()

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        with self.primary.begin() as conn:
            yield conn
        with self.primary.connect() as conn:  # at or after the commit's WAL record
            written = conn.exec_driver_sql("SELECT CAST(pg_current_wal_lsn() AS text)").scalar()
        with self._lock:
            self._written = written

    def dispose(self, close: bool = True) -> None:
        self.replica.dispose(close)
        self.primary.dispose(close)

    def __getattr__(self, name: str) -> Any:  # dialect, url, pool …: the primary's
        return getattr(self.primary, name)


def routed(primary: Engine, read_url: str) -> Engine:
    """`primary` with its reads sent to the replica at `read_url`. Pooled connections are
    pinged before use: one the replica's restart broke is replaced, not handed out."""
    wait = {"connect_timeout": 2} if make_url(read_url).get_backend_name() == "postgresql" \
        else {}  # a replica down answers at once or after 2 s, not after the OS's minutes
    replica = create_engine(read_url, pool_pre_ping=True, connect_args=wait)
    return Routed(primary, replica)
