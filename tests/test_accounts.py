"""People and what they write (jixiao.store.accounts), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from conftest import SAMPLE
from jixiao import store
from jixiao.evaluation.actuals import Actual
from jixiao.readers import read
from jixiao.store import accounts
from jixiao.store.schema import api_tokens, sessions, users
from webclient import PASSWORD


def test_passwords_and_tokens_are_kept_only_as_hashes(db_url: str) -> None:
    engine = store.connect(db_url)
    user = accounts.add_user(engine, "reviewer", PASSWORD, "reviewer")
    token = accounts.add_api_token(engine, user, "script")
    session, _ = accounts.start_session(engine, user)
    with engine.connect() as conn:
        stored = conn.execute(select(users.c.password_hash)).scalar()
        token_rows = conn.execute(select(api_tokens.c.token_hash)).scalars().all()
        session_rows = conn.execute(select(sessions.c.token_hash)).scalars().all()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert token not in token_rows and session not in session_rows
    assert accounts.authenticate(engine, "reviewer", PASSWORD) == user
    assert accounts.authenticate(engine, "reviewer", PASSWORD + "x") is None
    assert accounts.authenticate(engine, "nobody", PASSWORD) is None
    assert accounts.token_user(engine, token) == user
    assert accounts.token_user(engine, token + "x") is None
    assert accounts.session_user(engine, session)[0] == user
    with engine.begin() as conn:  # an expired session is no session
        conn.execute(update(sessions).values(expires_at=datetime.now(UTC) - timedelta(1)))
    assert accounts.session_user(engine, session) is None


def test_users_are_checked_when_made(db_url: str) -> None:
    engine = store.connect(db_url)
    accounts.add_user(engine, "a", PASSWORD, "admin")
    for args, message in ((("a", PASSWORD, "admin"), "already"),
                          (("b", PASSWORD, "boss"), "role"),
                          (("c", "short", "admin"), "8 characters"),
                          (("d", PASSWORD, "department"), "department")):
        with pytest.raises(accounts.AccountError, match=message):
            accounts.add_user(engine, *args)
    assert [u.username for u in accounts.list_users(engine)] == ["a"]


def test_an_opinion_and_an_actual_written_at_the_same_moment_are_both_kept(
        postgres_url: str) -> None:
    engine = store.connect(postgres_url)
    doc_id = store.ingest(engine, read(SAMPLE)).document_id
    reviewer = accounts.add_user(engine, "reviewer", PASSWORD, "reviewer")
    psb = accounts.add_user(engine, "psb", PASSWORD, "department", "广州市公安局")
    rounds = 20
    errors: list[BaseException] = []

    def opinion(k: int, start: threading.Barrier) -> None:
        start.wait()
        accounts.add_opinion(engine, reviewer, doc_id, 1, f"意见 {k}")

    def actual(k: int, start: threading.Barrier) -> None:
        start.wait()
        accounts.put_actual(engine, psb, doc_id, 2023, Actual(1, k % 3, f"{90 + k}%"))

    def run(write, k: int, start: threading.Barrier) -> None:
        try:
            write(k, start)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    for k in range(rounds):
        start = threading.Barrier(2)  # both writes leave the gate together
        writers = [threading.Thread(target=run, args=(write, k, start))
                   for write in (opinion, actual)]
        for t in writers:
            t.start()
        for t in writers:
            t.join()
    assert errors == []
    assert [o.text for o in accounts.list_opinions(engine, doc_id, 1)] == [
        f"意见 {k}" for k in range(rounds)]
    values = store.load_actuals(engine, doc_id, 2023).values
    assert {k: v.value for (_, k), v in values.items()} == {0: "108%", 1: "109%", 2: "107%"}
    log = accounts.list_changes(engine, limit=1000)
    assert sum(c.action == "put-actual" for c in log) == rounds
    assert sum(c.action == "add-opinion" for c in log) == rounds
