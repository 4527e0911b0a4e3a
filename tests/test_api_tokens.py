"""An API token's uses: counted in memory, written in batches (store.accounts._TokenUses),
never lost from a listing."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from jixiao import store
from jixiao.store import accounts
from jixiao.store.schema import api_tokens
from webclient import PASSWORD


def _stored_uses(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(api_tokens.c.uses)).scalar_one()


def test_uses_are_written_in_batches_and_listed_exactly(tmp_path: Path) -> None:
    engine = store.connect(str(tmp_path / "tokens.sqlite"))
    user = accounts.add_user(engine, "script", PASSWORD, "reviewer")
    token = accounts.add_api_token(engine, user, "每晚导出")
    for _ in range(5):
        assert accounts.token_user(engine, token) == user
    # the first use is written at once, the next four wait for the batch
    assert _stored_uses(engine) == 1
    (listed,) = accounts.list_api_tokens(engine)  # a listing writes what is counted first
    assert listed.uses == 5 and listed.last_used_at is not None and _stored_uses(engine) == 5
    accounts.revoke_api_token(engine, listed.id)
    assert accounts.token_user(engine, token) is None  # refused: seen at once, not counted
    accounts.flush_token_uses(engine)
    assert _stored_uses(engine) == 5
