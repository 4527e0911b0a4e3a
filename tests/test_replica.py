"""`jixiao serve --read-url`: a real primary and a real streaming replica (pg_basebackup -R,
both on loopback, started here); a load through the primary read back through the replica,
writes on the primary, and the app still answering while the replica restarts."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, func, select

from conftest import SAMPLE
from jixiao import bulk, library
from jixiao.store import accounts
from jixiao.store.schema import documents
from jixiao.web.app import create_app
from pgserver import (
    MISSING,
    postgres_bin,
    temporary_cluster,
    temporary_replica,
    wait_for_replay,
)
from test_bulk import write_corpus
from webclient import PASSWORD, login


def _statements(engine: Any, seen: list[str]) -> None:
    event.listen(engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: seen.append(statement))


def _reads_of_documents(statements: list[str]) -> int:
    return sum("FROM documents" in s for s in statements)


def test_reads_go_to_the_replica_writes_to_the_primary_through_a_restart(
        tmp_path: Path) -> None:
    if postgres_bin() is None:
        if os.environ.get("CI"):
            pytest.fail(MISSING)
        pytest.skip(MISSING)
    with temporary_cluster() as primary:
        from pgserver import create_database

        url = create_database(primary.url, "bureau")
        house = library.open_store(url)  # migrated on the primary
        accounts.add_user(house.engine, "admin", PASSWORD, "admin")
        with temporary_replica(primary) as replica:
            read_url = f"{replica.url}/bureau"
            loaded = bulk.ingest_files(house, write_corpus(tmp_path / "in", 6), workers=2)
            assert [o.result.status for o in loaded if o.result] == ["new"] * 6
            wait_for_replay(url, read_url)
            standby = create_engine(read_url)
            with standby.connect() as conn:
                assert conn.exec_driver_sql("SELECT pg_is_in_recovery()").scalar()
                assert conn.execute(select(func.count()).select_from(documents)).scalar() == 6
            standby.dispose()

            app = create_app(url, read_db=read_url)
            routed = app.state.store.engine
            on_primary: list[str] = []
            on_replica: list[str] = []
            _statements(routed.primary, on_primary)
            _statements(routed.replica, on_replica)
            with TestClient(app) as client:
                csrf = login(client, "admin")  # the session written, then read back
                wait_for_replay(url, read_url)
                del on_primary[:], on_replica[:]
                listing = client.get("/api/v1/documents")
                assert listing.status_code == 200 and listing.json()["total"] == 6
                assert _reads_of_documents(on_replica) > 0
                assert _reads_of_documents(on_primary) == 0

                # a write goes to the primary (the replica would refuse it: read-only), and
                # this process reads it back at once, before the replica has it or after
                uploaded = client.post("/api/v1/documents", headers={"X-CSRF-Token": csrf},
                                       files={"file": ("psb.txt", SAMPLE.read_bytes(),
                                                       "text/plain")})
                assert uploaded.status_code == 201, uploaded.text
                assert any(s.startswith("INSERT INTO documents") or "COPY documents" in s
                           or s.startswith("INSERT INTO changes") for s in on_primary)
                assert not any(s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
                               for s in on_replica)
                assert client.get("/api/v1/documents").json()["total"] == 7

                # the replica restarts: while it is down the primary answers
                replica.stop()
                del on_primary[:], on_replica[:]
                down = client.get("/api/v1/documents")
                assert down.status_code == 200 and down.json()["total"] == 7
                assert _reads_of_documents(on_primary) > 0
                replica.start()
                wait_for_replay(url, read_url)
                del on_primary[:], on_replica[:]
                back = client.get("/api/v1/documents")
                assert back.status_code == 200 and back.json()["total"] == 7
                assert _reads_of_documents(on_replica) > 0
                assert _reads_of_documents(on_primary) == 0
            routed.replica.dispose()
            routed.primary.dispose()
        house.engine.dispose()
