"""A throwaway PostgreSQL server (Debian's postgresql package): initdb into a temporary
directory, pg_ctl on a free loopback port, stopped and removed after. Used by the tests'
fixtures and by the benchmarks. `temporary_replica` adds a streaming replica of one
(pg_basebackup -R) on a port of its own."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ports import free_port

MISSING = "PostgreSQL is not installed (make test installs Debian's postgresql)"


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@dataclass
class Server:
    """One server's data directory and port; started and stopped by pg_ctl."""

    base: Path  # the temporary directory: data, log, socket
    port: int
    fsync: bool = False
    bindir: Path = field(default_factory=lambda: postgres_bin() or Path("/nonexistent"))

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://jixiao@127.0.0.1:{self.port}"

    def run(self, tool: str, *args: str) -> subprocess.CompletedProcess[bytes]:
        # the server refuses to run as root
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run([*as_postgres, str(self.bindir / tool), *args],
                              check=True, capture_output=True)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1"
        if not self.fsync:
            options += " -c fsync=off"
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.base / "server.log"), "-w",
                 "-o", options, "start")

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()


def _new_base(prefix: str) -> Path:
    base = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
    return base


@contextmanager
def _running(server: Server) -> Iterator[Server]:
    server.start()
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # stopped already
            server.stop()
        shutil.rmtree(server.base, ignore_errors=True)


@contextmanager
def temporary_server(fsync: bool = False) -> Iterator[str]:
    """The server's SQLAlchemy URL without a database name (append '/name'). `fsync=False`
    for tests (nothing to keep); benchmarks measure with it on."""
    with temporary_cluster(fsync) as server:
        yield server.url


@contextmanager
def temporary_cluster(fsync: bool = False) -> Iterator[Server]:
    """As `temporary_server`, the Server itself (to take a replica of, to restart)."""
    if postgres_bin() is None:
        raise FileNotFoundError(MISSING)
    server = Server(_new_base("jixiao-pg-"), free_port(), fsync)
    server.run("initdb", "-D", str(server.data), "-U", "jixiao", "--auth=trust", "-E", "UTF8",
               "--locale=C.UTF-8")
    with _running(server):
        yield server


@contextmanager
def temporary_replica(primary: Server) -> Iterator[Server]:
    """A hot standby of `primary` streaming its WAL: a base backup with the recovery
    settings written (-R), started on a port of its own. initdb's trust rules let the
    loopback address replicate."""
    replica = Server(_new_base("jixiao-pg-replica-"), free_port(), primary.fsync)
    replica.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "jixiao",
                "-D", str(replica.data), "-R", "-X", "stream", "-c", "fast")
    with _running(replica):
        yield replica


def wait_for_replay(primary_url: str, replica_url: str, timeout: float = 30) -> None:
    """Until the replica has replayed everything the primary had written when asked."""
    import psycopg

    def plain(url: str) -> str:
        return url.replace("postgresql+psycopg://", "postgresql://")

    with psycopg.connect(plain(primary_url), autocommit=True) as conn:
        written = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(plain(replica_url), autocommit=True) as conn:
                if conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn",
                                (written,)).fetchone()[0]:
                    return
        except psycopg.OperationalError:
            pass  # starting up
        if time.monotonic() > deadline:
            raise TimeoutError(f"the replica did not replay {written} in {timeout} s")
        time.sleep(0.05)


def create_database(server: str, name: str) -> str:
    """A new empty database on `server`; its URL."""
    import psycopg

    plain = server.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(f"{plain}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"
