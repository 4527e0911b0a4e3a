"""People and what they write (jixiao.store.accounts), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, update

from conftest import SAMPLE
from jixiao import store
from jixiao.evaluation.actuals import Actual
from jixiao.readers import read
from jixiao.store import accounts
from jixiao.store.schema import api_tokens, sessions, users
from jixiao.store.store import Store
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
    for args, message in ((("a", PASSWORD, "admin"), "已有用户“a”"),
                          (("b", PASSWORD, "boss"), "角色应为"),
                          (("c", "short", "admin"), "至少需要 8 个字符"),
                          (("d", PASSWORD, "department"), "需要填写部门")):
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
        Store(engine).add_opinion(reviewer, doc_id, 1, f"意见 {k}")

    def actual(k: int, start: threading.Barrier) -> None:
        start.wait()
        Store(engine).put_actuals(psb, doc_id, 2023, [Actual(1, k % 3, f"{90 + k}%")])

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


def test_migration_0008_keeps_the_tokens_and_sessions_of_a_0007_database(db_url: str) -> None:
    """A database at 0007 with a user, a session and a token (keyed by its hash, no expiry)
    reaches 0008 with them all working; down and up again keeps the live token."""
    import hashlib

    from sqlalchemy import Column, DateTime, ForeignKey, MetaData, String, Table, Text, insert
    from sqlalchemy import inspect as look

    from jixiao.store.migrate import downgrade, upgrade

    engine = store.connect(db_url, migrate=False)
    assert upgrade(engine, "0007") == "0007"
    user = accounts.add_user(engine, "psb", PASSWORD, "department", "广州市公安局")
    session, _ = accounts.start_session(engine, user)
    token = "jx_made-before-0008"
    with engine.begin() as conn:  # 0004 made the table from schema.py as it stands: the
        # table as a database made before 0008 holds it
        conn.execute(api_tokens.delete())
        api_tokens.drop(conn)
        shapes = MetaData()
        Table("users", shapes, autoload_with=conn)
        old = Table("api_tokens", shapes,
                    Column("token_hash", String(64), primary_key=True),
                    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"),
                           nullable=False, index=True),
                    Column("name", Text, nullable=False),
                    Column("created_at", DateTime(timezone=True), nullable=False))
        old.create(conn)
        conn.execute(insert(old).values(token_hash=hashlib.sha256(token.encode()).hexdigest(),
                                        user_id=user.id, name="旧脚本",
                                        created_at=datetime.now(UTC) - timedelta(days=400)))
    assert "login_attempts" not in look(engine).get_table_names()

    assert upgrade(engine) == "0013"
    assert accounts.token_user(engine, token) == user
    (kept,) = accounts.list_api_tokens(engine, user.id)
    assert (kept.id, kept.name, kept.uses, kept.state()) == (1, "旧脚本", 1, "有效")
    # made 400 days ago, it expires 90 days after the upgrade rather than at once
    assert kept.expires_at - datetime.now(UTC) == pytest.approx(timedelta(days=90),
                                                                abs=timedelta(minutes=5))
    assert accounts.session_user(engine, session)[0] == user
    new = accounts.add_api_token(engine, user, "新脚本")
    assert [t.id for t in accounts.list_api_tokens(engine, user.id)] == [2, 1]
    assert accounts.token_user(engine, new) == user
    for _ in range(accounts.USER_THROTTLE.free):
        assert accounts.login(engine, "psb", "wrong password", "192.0.2.1") is None
    assert accounts.login(engine, "psb", PASSWORD, "192.0.2.1") == accounts.Refusal(False, 2)
    assert upgrade(engine) == "0013"  # again: nothing to do

    accounts.revoke_api_token(engine, 2)
    assert downgrade(engine, "0007") == "0007"
    with engine.connect() as conn:
        back = Table("api_tokens", MetaData(), autoload_with=conn)
        assert [r.name for r in conn.execute(back.select())] == ["旧脚本"]  # the revoked one
        assert list(back.c.keys()) == ["token_hash", "user_id", "name", "created_at"]
    assert "login_attempts" not in look(engine).get_table_names()  # is not revived
    assert upgrade(engine) == "0013"
    assert accounts.token_user(engine, token) == user and accounts.token_user(engine, new) is None


def test_parallel_failures_each_count_and_a_lock_holds_on_every_backend(db_url: str) -> None:
    """Failures recorded by 8 threads at once are all counted (one UPDATE adds each);
    the lockout and its unlock are in the change log."""
    from jixiao.store.schema import login_attempts

    engine = store.connect(db_url)
    admin = accounts.add_user(engine, "admin", PASSWORD, "admin")
    start = threading.Barrier(8)

    def fail(k: int) -> None:
        start.wait()
        accounts.record_failure(engine, "psb", f"192.0.2.{k}")

    threads = [threading.Thread(target=fail, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with engine.connect() as conn:
        rows = {(r.kind, r.name): r.failures for r in conn.execute(select(login_attempts))}
    assert rows == {("user", "psb"): 8} | {("address", f"192.0.2.{k}"): 1 for k in range(8)}
    refusal = accounts.login_refusal(engine, "psb", "198.51.100.1")
    assert refusal == accounts.Refusal(locked=False, retry_after=16)  # 2^(8-5+1)
    for _ in range(accounts.USER_THROTTLE.lockout - 8):
        accounts.record_failure(engine, "psb", "198.51.100.1")
    assert accounts.login_refusal(engine, "psb", "203.0.113.1") == accounts.Refusal(True, 0)
    assert accounts.locked_names(engine) == {"psb"}
    # an hour later the back-off is forgotten, the lock is not
    accounts.record_failure(engine, "someone", "203.0.113.5",
                            now=datetime.now(UTC) + timedelta(hours=1))
    assert accounts.login_refusal(engine, "psb", "203.0.113.1") == accounts.Refusal(True, 0)
    assert _row_names(engine) == {("user", "psb"), ("user", "someone"),
                                  ("address", "203.0.113.5")}
    assert accounts.unlock(engine, "psb", by=admin) is True
    assert accounts.login_refusal(engine, "psb", "203.0.113.1") is None
    assert accounts.unlock(engine, "psb", by=admin) is False
    assert [(c.action, c.username) for c in accounts.list_changes(engine)][:2] == [
        ("unlock-user", "admin"), ("lock-user", "(login)")]


def _row_names(engine: Engine) -> set[tuple[str, str]]:
    from jixiao.store.schema import login_attempts

    with engine.connect() as conn:
        return {(r.kind, r.name) for r in conn.execute(select(login_attempts))}
