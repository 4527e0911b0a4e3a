"""People and what they write: users (argon2id passwords), browser sessions, API tokens,
review opinions, single actual values, and the change log that records every write."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update

from jixiao.errors import JixiaoError
from jixiao.evaluation.actuals import Actual
from jixiao.store.schema import (
    actual_values,
    api_tokens,
    changes,
    indicators,
    opinions,
    sessions,
    users,
)

ROLES = ("admin", "reviewer", "department")
ROLE_LABELS = {"admin": "管理员", "reviewer": "审核人员", "department": "部门用户"}
SESSION_HOURS = 12


class AccountError(JixiaoError):
    """A user that cannot be made as asked (name taken, role unknown …)."""


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    role: str
    department: str | None

    @property
    def sees_everything(self) -> bool:
        return self.role in ("admin", "reviewer")

    def may_see(self, department: str | None) -> bool:
        """A department user sees only documents of its own department."""
        return self.sees_everything or (department is not None
                                        and department == self.department)


def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2id, the library's (RFC 9106) defaults


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _user(row: Any) -> User:
    return User(row.id, row.username, row.role, row.department)


def add_user(engine: Engine, username: str, password: str, role: str,
             department: str | None = None, by: User | None = None) -> User:
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}, not '{role}'")
    if role == "department" and not department:
        raise AccountError("a department user needs --department (部门名称 as the tables print "
                           "it)")
    if len(password) < 8:
        raise AccountError("the password needs at least 8 characters")
    with engine.begin() as conn:
        if conn.execute(select(users.c.id).where(users.c.username == username)).first():
            raise AccountError(f"there is already a user '{username}'")
        user_id = conn.execute(insert(users).values(
            username=username, password_hash=_hasher().hash(password), role=role,
            department=department if role == "department" else None,
        )).inserted_primary_key[0]
        user = User(int(user_id), username, role, department if role == "department" else None)
        record(conn, by, "add-user", f"user {username}", None,
               {"role": role, "department": user.department})
    return user


def list_users(engine: Engine) -> list[User]:
    with engine.connect() as conn:
        return [_user(r) for r in conn.execute(select(users).where(users.c.active)
                                               .order_by(users.c.id))]


def authenticate(engine: Engine, username: str, password: str) -> User | None:
    from argon2.exceptions import VerifyMismatchError

    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.username == username,
                                               users.c.active)).first()
    if row is None:
        _hasher().hash(password)  # the same time as a wrong password: no user enumeration
        return None
    try:
        _hasher().verify(row.password_hash, password)
    except VerifyMismatchError:
        return None
    return _user(row)


def start_session(engine: Engine, user: User) -> tuple[str, str]:
    """A new session: (the cookie's token, the CSRF token of its forms)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(delete(sessions).where(sessions.c.expires_at < datetime.now(UTC)))
        conn.execute(insert(sessions).values(
            token_hash=_digest(token), user_id=user.id, csrf=csrf,
            expires_at=datetime.now(UTC) + timedelta(hours=SESSION_HOURS)))
    return token, csrf


def session_user(engine: Engine, token: str) -> tuple[User, str] | None:
    """The user and CSRF token of a live session."""
    with engine.connect() as conn:
        row = conn.execute(
            select(users, sessions.c.csrf, sessions.c.expires_at)
            .join(sessions, sessions.c.user_id == users.c.id)
            .where(sessions.c.token_hash == _digest(token), users.c.active)).first()
    if row is None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    if expires < datetime.now(UTC):
        return None
    return _user(row), row.csrf


def end_session(engine: Engine, token: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(sessions).where(sessions.c.token_hash == _digest(token)))


def add_api_token(engine: Engine, user: User, name: str) -> str:
    """A new token for scripts (shown once; only its hash is kept)."""
    token = "jx_" + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(insert(api_tokens).values(token_hash=_digest(token), user_id=user.id,
                                               name=name))
        record(conn, user, "add-token", f"token {name}", None, {"user": user.username})
    return token


def token_user(engine: Engine, token: str) -> User | None:
    with engine.connect() as conn:
        row = conn.execute(select(users).join(api_tokens, api_tokens.c.user_id == users.c.id)
                           .where(api_tokens.c.token_hash == _digest(token),
                                  users.c.active)).first()
    return None if row is None else _user(row)


# ---- the change log ------------------------------------------------------------------


def record(conn: Connection, user: User | None, action: str, entity: str,
           before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    """One line of the change log, in the caller's transaction."""
    conn.execute(insert(changes).values(
        user_id=user.id if user else None, username=user.username if user else "(cli)",
        action=action, entity=entity, before=_plain(before), after=_plain(after)))


def _plain(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {k: format(v, "f") if isinstance(v, Decimal) else v for k, v in value.items()}


@dataclass(frozen=True, slots=True)
class Change:
    id: int
    at: datetime
    username: str | None
    action: str
    entity: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def list_changes(engine: Engine, limit: int = 100) -> list[Change]:
    with engine.connect() as conn:
        return [Change(r.id, r.at, r.username, r.action, r.entity, r.before, r.after)
                for r in conn.execute(select(changes).order_by(changes.c.id.desc())
                                      .limit(limit))]


# ---- what reviewers and departments write ----------------------------------------------


@dataclass(frozen=True, slots=True)
class Opinion:
    id: int
    document_id: int
    project_seq: int
    finding_position: int | None
    username: str
    role: str
    text: str
    created_at: datetime


def add_opinion(engine: Engine, user: User, doc_id: int, project_seq: int, text: str,
                finding_position: int | None = None) -> int:
    with engine.begin() as conn:
        opinion_id = conn.execute(insert(opinions).values(
            document_id=doc_id, project_seq=project_seq, finding_position=finding_position,
            user_id=user.id, text=text)).inserted_primary_key[0]
        record(conn, user, "add-opinion", f"opinion {opinion_id} on {doc_id}/{project_seq}",
               None, {"text": text, "finding": finding_position})
    return int(opinion_id)


def list_opinions(engine: Engine, doc_id: int, project_seq: int | None = None
                  ) -> list[Opinion]:
    query = (select(opinions, users.c.username, users.c.role)
             .join(users, users.c.id == opinions.c.user_id)
             .where(opinions.c.document_id == doc_id).order_by(opinions.c.id))
    if project_seq is not None:
        query = query.where(opinions.c.project_seq == project_seq)
    with engine.connect() as conn:
        return [Opinion(r.id, r.document_id, r.project_seq, r.finding_position, r.username,
                        r.role, r.text, r.created_at) for r in conn.execute(query)]


def put_actual(engine: Engine, user: User | None, doc_id: int, year: int, actual: Actual,
               period: str = "全年") -> None:
    """Set one indicator's actual value (and reason), keeping the value it replaces in the
    change log. The indicator must exist."""
    key = (actual_values.c.document_id == doc_id, actual_values.c.year == year,
           actual_values.c.period == period, actual_values.c.project_seq == actual.project,
           actual_values.c.position == actual.indicator)
    with engine.begin() as conn:
        if conn.execute(select(indicators.c.name).where(
                indicators.c.document_id == doc_id, indicators.c.project_seq == actual.project,
                indicators.c.position == actual.indicator)).first() is None:
            raise AccountError(f"document {doc_id} has no indicator {actual.indicator} in "
                               f"project {actual.project}")
        old = conn.execute(select(actual_values).where(*key)).first()
        values = {"value": actual.value, "reason": actual.reason}
        if old is None:
            conn.execute(insert(actual_values).values(
                document_id=doc_id, year=year, period=period, project_seq=actual.project,
                position=actual.indicator, claimed_score=actual.claimed_score,
                source_file=None, source_row=None, **values))
        else:
            conn.execute(update(actual_values).where(*key).values(**values))
        record(conn, user, "put-actual",
               f"actual {doc_id}/{year}/{period}/{actual.project}/{actual.indicator}",
               None if old is None else {"value": old.value, "reason": old.reason}, values)
