"""People and what they write: users (argon2id passwords), browser sessions, API tokens,
review opinions, single actual values, and the change log that records every write.
Logins are throttled per name and per address, in the database (issue 12)."""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import math
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from jixiao.errors import JixiaoError
from jixiao.messages import Labels, say
from jixiao.model import Actual, Execution
from jixiao.store.schema import (
    actual_values,
    api_tokens,
    changes,
    documents,
    indicators,
    login_attempts,
    opinions,
    sessions,
    users,
)
from jixiao.store.schema import executions as money_rows  # `executions`: _put_actuals' own

ROLES = ("admin", "reviewer", "department")
ROLE_LABELS = Labels("accounts.roles", ROLES)
SESSION_HOURS = 12
TOKEN_DAYS = 90  # an API token's life unless its maker chooses another
TOKEN_MAX_DAYS = 3650
HASH_SLOTS = 2  # argon2 hashes at once in a process: each takes 64 MiB and a core
_hashing = threading.BoundedSemaphore(HASH_SLOTS)


@dataclass(frozen=True, slots=True)
class Throttle:
    """How failed logins of one name, or from one address, are slowed down."""

    free: int  # failures allowed before each next attempt must wait
    cap: int  # seconds: the longest wait (2, 4, 8 … after `free` failures)
    lockout: int | None  # failures that lock the name until an admin unlocks it


USER_THROTTLE = Throttle(free=5, cap=300, lockout=20)
# an office behind one address has many people: a later back-off and no lockout
ADDRESS_THROTTLE = Throttle(free=10, cap=300, lockout=None)
# failures are forgotten this long after the last one; longer than the cap, so that a
# steady guesser still reaches the lockout
FAILURE_WINDOW = timedelta(minutes=15)


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


def _hash(password: str) -> str:
    with _hashing:
        return str(_hasher().hash(password))


def _aware(value: datetime | None) -> datetime | None:
    """SQLite gives back the UTC times it was given without their zone."""
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _user(row: Any) -> User:
    return User(row.id, row.username, row.role, row.department)


def add_user(engine: Engine, username: str, password: str, role: str,
             department: str | None = None, by: User | None = None) -> User:
    if role not in ROLES:
        raise AccountError(say("accounts.bad-role", roles="、".join(ROLES), role=role))
    if role == "department" and not department:
        raise AccountError(say("accounts.department-needed"))
    if len(password) < 8:
        raise AccountError(say("accounts.short-password", least=8))
    with engine.begin() as conn:
        if conn.execute(select(users.c.id).where(users.c.username == username)).first():
            raise AccountError(say("accounts.user-exists", name=username))
        user_id = conn.execute(insert(users).values(
            username=username, password_hash=_hash(password), role=role,
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
    """The user if the password is theirs; not throttled (`login` is)."""
    with _hashing:
        return _check_password(engine, username, password)


def _check_password(engine: Engine, username: str, password: str) -> User | None:
    """(The caller holds a hashing slot.)"""
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


# ---- throttled logins ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Refusal:
    """A login refused before its password is looked at."""

    locked: bool  # the name is locked until an admin unlocks it
    retry_after: int  # seconds to wait (0 when locked)

    @property
    def message(self) -> str:
        if self.locked:
            return say("accounts.locked")
        return say("accounts.throttled", seconds=self.retry_after)


def _key(username: str) -> str:
    return username[:200]  # the column's width; a longer name is throttled by its start


def login_refusal(engine: Engine, username: str, address: str,
                  now: datetime | None = None) -> Refusal | None:
    """Why a login of `username` from `address` may not be tried now, if it may not."""
    now = now or datetime.now(UTC)
    with engine.connect() as conn:
        rows = conn.execute(select(login_attempts).where(
            ((login_attempts.c.kind == "user") & (login_attempts.c.name == _key(username)))
            | ((login_attempts.c.kind == "address")
               & (login_attempts.c.name == _key(address))))).all()
    if any(r.locked_at is not None for r in rows):
        return Refusal(locked=True, retry_after=0)
    waits = [(until - now).total_seconds() for r in rows
             if (until := _aware(r.blocked_until)) is not None and until > now]
    return Refusal(locked=False, retry_after=math.ceil(max(waits))) if waits else None


def login(engine: Engine, username: str, password: str, address: str) -> User | Refusal | None:
    """A throttled login: the user, a refusal (the password not even hashed), or None for a
    wrong name or password (then counted against both the name and the address)."""
    if (refusal := login_refusal(engine, username, address)) is not None:
        return refusal
    with _hashing:
        # asked again once a hashing slot is free: the failures of the requests that were
        # ahead in the queue count against this one
        if (refusal := login_refusal(engine, username, address)) is not None:
            return refusal
        user = _check_password(engine, username, password)
        if user is None:  # counted before the slot is free, for the next one to see
            record_failure(engine, username, address)
    if user is not None:
        with engine.begin() as conn:
            conn.execute(delete(login_attempts).where(
                login_attempts.c.kind == "user", login_attempts.c.name == _key(username),
                login_attempts.c.locked_at.is_(None)))
    return user


def failure_wait(failures: int, throttle: Throttle) -> int:
    """Seconds the next attempt must wait after `failures` failures: 0, then 2, 4, 8 …"""
    if failures < throttle.free:
        return 0
    return min(2 ** min(failures - throttle.free + 1, 30), throttle.cap)


def record_failure(engine: Engine, username: str, address: str,
                   now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    with engine.begin() as conn:  # forgotten failures, in a statement of their own
        conn.execute(delete(login_attempts).where(
            login_attempts.c.last_failure_at < now - FAILURE_WINDOW,
            login_attempts.c.locked_at.is_(None)))
    with engine.begin() as conn:  # the name first, then the address: one order, no deadlock
        for kind, name, throttle in (("user", _key(username), USER_THROTTLE),
                                     ("address", _key(address), ADDRESS_THROTTLE)):
            _count_failure(conn, kind, name, throttle, now)


def _count_failure(conn: Connection, kind: str, name: str, throttle: Throttle,
                   now: datetime) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(login_attempts).values(
        kind=kind, name=name, failures=0, last_failure_at=now).on_conflict_do_nothing())
    key = (login_attempts.c.kind == kind, login_attempts.c.name == name)
    # one statement adds the failure: parallel failures each count
    failures, locked_at = conn.execute(
        update(login_attempts).where(*key).values(
            failures=login_attempts.c.failures + 1, last_failure_at=now)
        .returning(login_attempts.c.failures, login_attempts.c.locked_at)).one()
    wait = failure_wait(failures, throttle)
    values: dict[str, Any] = {"blocked_until": now + timedelta(seconds=wait) if wait else None}
    if locked_at is None and throttle.lockout is not None and failures >= throttle.lockout:
        values["locked_at"] = now
        record(conn, None, "lock-user", f"user {name}", None, {"failures": failures},
               actor="(login)")
    conn.execute(update(login_attempts).where(*key).values(**values))


def unlock(engine: Engine, username: str, by: User | None = None) -> bool:
    """Lift a name's lockout and back-off; whether there was one."""
    with engine.begin() as conn:
        row = conn.execute(delete(login_attempts).where(
            login_attempts.c.kind == "user", login_attempts.c.name == _key(username))
            .returning(login_attempts.c.failures, login_attempts.c.locked_at)).first()
        if row is None:
            return False
        record(conn, by, "unlock-user", f"user {username}",
               {"failures": row.failures, "locked": row.locked_at is not None}, None)
    return True


def locked_names(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(login_attempts.c.name).where(
            login_attempts.c.kind == "user", login_attempts.c.locked_at.is_not(None)))
            .scalars())


# ---- sessions ----------------------------------------------------------------------------


def start_session(engine: Engine, user: User, replacing: str | None = None
                  ) -> tuple[str, str]:
    """A new session: (the cookie's token, the CSRF token of its forms). The session the
    browser still held (`replacing`, its cookie's token) ends: a login never keeps one."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(delete(sessions).where(sessions.c.expires_at < datetime.now(UTC)))
        if replacing:
            conn.execute(delete(sessions).where(sessions.c.token_hash == _digest(replacing)))
        conn.execute(insert(sessions).values(
            token_hash=_digest(token), user_id=user.id, csrf=csrf,
            expires_at=datetime.now(UTC) + timedelta(hours=SESSION_HOURS)))
    return token, csrf


# the statements every request's caller is looked up by, built once (building them was
# about half of a look-up's cost; the hit of a kept page is little more than this)
_SESSION_USER = (select(users.c.id, users.c.username, users.c.role, users.c.department,
                        sessions.c.csrf, sessions.c.expires_at)
                 .join(sessions, sessions.c.user_id == users.c.id)
                 .where(sessions.c.token_hash == bindparam("digest"), users.c.active))


def session_user(engine: Engine, token: str) -> tuple[User, str] | None:
    """The user and CSRF token of a live session."""
    with engine.connect() as conn:
        row = conn.execute(_SESSION_USER, {"digest": _digest(token)}).first()
    if row is None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    if expires < datetime.now(UTC):
        return None
    return _user(row), row.csrf


def end_session(engine: Engine, token: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(sessions).where(sessions.c.token_hash == _digest(token)))


# ---- API tokens --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ApiToken:
    """What is shown of a token: never the token itself."""

    id: int
    username: str
    name: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    uses: int
    revoked_at: datetime | None

    def state(self, now: datetime | None = None) -> str:
        if self.revoked_at is not None:
            return say("accounts.token-states.revoked")
        expired = self.expires_at <= (now or datetime.now(UTC))
        return say(f"accounts.token-states.{'expired' if expired else 'valid'}")


def add_api_token(engine: Engine, user: User, name: str,
                  expires_in_days: int = TOKEN_DAYS) -> str:
    """A new token for scripts (shown once; only its hash is kept)."""
    if not 1 <= expires_in_days <= TOKEN_MAX_DAYS:
        raise AccountError(say("accounts.token-days", most=TOKEN_MAX_DAYS,
                               days=expires_in_days))
    token = "jx_" + secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + timedelta(days=expires_in_days)
    with engine.begin() as conn:
        token_id = conn.execute(insert(api_tokens).values(
            token_hash=_digest(token), user_id=user.id, name=name, expires_at=expires,
            uses=0)).inserted_primary_key[0]
        record(conn, user, "add-token", f"token {token_id} {name}", None,
               {"user": user.username, "expires_at": expires.isoformat()})
    return token


def list_api_tokens(engine: Engine, user_id: int | None = None) -> list[ApiToken]:
    """Every token (of one user), newest first, with the uses this process has counted."""
    _token_uses.flush(engine)
    query = (select(api_tokens, users.c.username)
             .join(users, users.c.id == api_tokens.c.user_id)
             .order_by(api_tokens.c.id.desc()))
    if user_id is not None:
        query = query.where(api_tokens.c.user_id == user_id)
    with engine.connect() as conn:
        return [ApiToken(r.id, r.username, r.name, _aware(r.created_at),
                         _aware(r.expires_at), _aware(r.last_used_at), r.uses,
                         _aware(r.revoked_at)) for r in conn.execute(query)]


def revoke_api_token(engine: Engine, token_id: int, by: User | None = None) -> ApiToken:
    """End a token; only an admin (or the CLI, `by` None) may end another user's."""
    with engine.begin() as conn:
        row = conn.execute(select(api_tokens, users.c.username)
                           .join(users, users.c.id == api_tokens.c.user_id)
                           .where(api_tokens.c.id == token_id)).first()
        if row is None or (by is not None and by.role != "admin" and row.user_id != by.id):
            raise AccountError(say("accounts.no-token", id=token_id))
        revoked = _aware(row.revoked_at) or datetime.now(UTC)
        if row.revoked_at is None:
            conn.execute(update(api_tokens).where(api_tokens.c.id == token_id)
                         .values(revoked_at=revoked))
            record(conn, by, "revoke-token", f"token {token_id} {row.name}",
                   {"user": row.username}, {"revoked_at": revoked.isoformat()})
    return ApiToken(row.id, row.username, row.name, _aware(row.created_at),
                    _aware(row.expires_at), _aware(row.last_used_at), row.uses, revoked)


class _TokenUses:
    """A token's uses counted in memory and written in one transaction at most every
    FLUSH_SECONDS per store (and before the tokens are listed, and at exit): a write per
    API request was ~30 % of its cost. Another server process's count reaches the store
    within FLUSH_SECONDS of its use."""

    FLUSH_SECONDS = 10.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[Engine, dict[str, tuple[int, datetime]]] = {}
        self._flushed: dict[str, float] = {}  # by the store's URL

    def count(self, engine: Engine, digest: str, now: datetime) -> None:
        with self._lock:
            held = self._pending.setdefault(engine, {})
            uses, _ = held.get(digest, (0, now))
            held[digest] = (uses + 1, now)
            # the first use in a process is written at once, later ones in a batch
            due = time.monotonic() - self._flushed.get(str(engine.url), -math.inf) \
                >= self.FLUSH_SECONDS
        if due:
            self.flush(engine)

    def flush(self, engine: Engine) -> None:
        with self._lock:
            held = self._pending.pop(engine, {})
            self._flushed[str(engine.url)] = time.monotonic()
        if not held:
            return
        with engine.begin() as conn:
            for digest, (uses, at) in held.items():
                conn.execute(update(api_tokens).where(api_tokens.c.token_hash == digest)
                             .values(uses=api_tokens.c.uses + uses, last_used_at=at))

    def flush_all(self) -> None:
        for engine in list(self._pending):
            with contextlib.suppress(Exception):  # at exit: a store gone is no error
                self.flush(engine)


_token_uses = _TokenUses()
atexit.register(_token_uses.flush_all)


_TOKEN_USER = (select(users.c.id, users.c.username, users.c.role, users.c.department)
               .join(api_tokens, api_tokens.c.user_id == users.c.id)
               .where(api_tokens.c.token_hash == bindparam("digest"),
                      api_tokens.c.revoked_at.is_(None),
                      api_tokens.c.expires_at > bindparam("now"),
                      users.c.active))


def token_user(engine: Engine, token: str) -> User | None:
    """The user of a live token, this use counted (_TokenUses); None for an expired or
    revoked one, or a disabled user's."""
    now = datetime.now(UTC)
    digest = _digest(token)
    with engine.connect() as conn:  # a read: revoked or expired is seen at once
        row = conn.execute(_TOKEN_USER, {"digest": digest, "now": now}).first()
    if row is None:
        return None
    _token_uses.count(engine, digest, now)
    return _user(row)


def flush_token_uses(engine: Engine) -> None:
    """Write the uses this process has counted (tests, and before a listing)."""
    _token_uses.flush(engine)


# ---- the change log ------------------------------------------------------------------


def record(conn: Connection, user: User | None, action: str, entity: str,
           before: dict[str, Any] | None, after: dict[str, Any] | None,
           actor: str = "(cli)") -> None:
    """One line of the change log, in the caller's transaction (`actor` names who wrote
    it when no user did)."""
    conn.execute(insert(changes).values(
        user_id=user.id if user else None, username=user.username if user else actor,
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


def _add_opinion(engine: Engine, user: User, doc_id: int, project_seq: int, text: str,
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


def _actual_entity(doc_id: int, year: int, period: str, project: int, position: int) -> str:
    return f"actual {doc_id}/{year}/{period}/{project}/{position}"


def _actual_state(value: str, reason: str, claimed: Decimal | None) -> dict[str, Any]:
    state: dict[str, Any] = {"value": value, "reason": reason}
    if claimed is not None:  # only the sheet carries a score of the department's own
        state["claimed_score"] = format(claimed, "f")
    return state


def _blank(a: Actual) -> bool:
    """A value with nothing in it: a sheet's row left empty."""
    return not a.value.strip() and not a.reason.strip() and a.claimed_score is None


def _blank_execution(e: Execution) -> bool:
    return e.adjusted_budget is None and e.executed is None and not (e.reason or "").strip()


def _execution_state(e: Any) -> dict[str, Any]:
    return {k: None if v is None else format(v, "f") if isinstance(v, Decimal) else v
            for k, v in (("adjusted_budget", e.adjusted_budget), ("executed", e.executed),
                         ("reason", e.reason))}


def _log_rows(user: User | None, actor: str, rows: list[tuple[str, str, Any, Any]]
              ) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    return [{"at": now, "user_id": user.id if user else None,
             "username": user.username if user else actor, "action": action,
             "entity": entity, "before": before, "after": after}
            for action, entity, before, after in rows]


def _put_actuals(engine: Engine, user: User | None, doc_id: int, year: int,
                actuals: Iterable[Actual], period: str = "全年", *,
                executions: Iterable[Execution] | None = None, replace: bool = False,
                actor: str = "(cli)") -> int:
    """Set many indicators' actual values at once, all or nothing: every value is checked
    first (its indicator must exist), then all are written in one transaction with one
    change-log row each (`put-actual`, before and after), by executemany. The same
    indicator twice: the last one counts. `replace` (a sheet imported whole) also drops
    the year's values the batch does not name (`delete-actual` rows) and replaces its
    projects' money with `executions` (`put-execution` / `delete-execution` rows).
    Returns the number of values written."""
    with engine.begin() as conn:
        return _write_actuals(conn, user, doc_id, year, actuals, period,
                             executions=executions, replace=replace, actor=actor)


def _write_actuals(conn: Connection, user: User | None, doc_id: int, year: int,
                  actuals: Iterable[Actual], period: str = "全年", *,
                  executions: Iterable[Execution] | None = None, replace: bool = False,
                  actor: str = "(cli)") -> int:
    """`_put_actuals` in the caller's transaction (the year-end grid checks its revision
    and writes in one, store/yearend.py)."""
    batch = {(a.project, a.indicator): a for a in actuals}
    money = {e.project: e for e in executions or ()}
    key = (actual_values.c.document_id == doc_id, actual_values.c.year == year,
           actual_values.c.period == period)
    if conn.execute(select(documents.c.id).where(documents.c.id == doc_id)).first() \
            is None:
        raise AccountError(say("store.no-document-id", id=doc_id))
    known = {(r.project_seq, r.position) for r in conn.execute(
        select(indicators.c.project_seq, indicators.c.position)
        .where(indicators.c.document_id == doc_id))}
    missing = sorted(k for k in batch if k not in known)
    if missing:  # refused before anything is written: the batch stays whole
        shown = "、".join(say("accounts.no-indicator", project=p, position=i)
                         for p, i in missing[:5])
        more = say("accounts.and-more", n=len(missing)) if len(missing) > 5 else ""
        raise AccountError(say("accounts.no-indicators", id=doc_id, shown=shown, more=more))
    old = {(r.project_seq, r.position): r
           for r in conn.execute(select(actual_values).where(*key))}
    # a write that changes nothing is neither written nor logged: a sheet's blank row where
    # nothing was stored, a value sent again as it is stored
    log: list[tuple[str, str, Any, Any]] = []
    rows, replaced = [], []
    for (project, position), a in batch.items():
        before = old.get((project, position))
        if (before is None or replace) and _blank(a):
            continue  # (a sheet's blank over a stored value: dropped below)
        was = None if before is None else \
            _actual_state(before.value, before.reason, before.claimed_score)
        now = _actual_state(a.value, a.reason, a.claimed_score)
        if was == now:
            continue
        log.append(("put-actual", _actual_entity(doc_id, year, period, project, position),
                    was, now))
        if replace and before is not None:
            replaced.append({"p": project, "i": position})
        rows.append({"document_id": doc_id, "year": year, "period": period,
                     "project_seq": project, "position": position, "value": a.value,
                     "reason": a.reason, "claimed_score": a.claimed_score,
                     "source_file": a.span.file, "source_row": a.span.first_line})
    if replace:  # the sheet is the year's answers whole: what it leaves blank is dropped
        gone = sorted(k for k in old if k not in batch or _blank(batch[k]))
        log += [("delete-actual", _actual_entity(doc_id, year, period, *k),
                 _actual_state(old[k].value, old[k].reason, old[k].claimed_score), None)
                for k in gone]
        dropped = replaced + [{"p": p, "i": i} for p, i in gone]
        if dropped:
            conn.execute(delete(actual_values).where(
                *key, actual_values.c.project_seq == bindparam("p"),
                actual_values.c.position == bindparam("i")), dropped)
        _replace_executions(conn, doc_id, year, period, money, log)
    if rows:
        statement = (postgresql.insert(actual_values) if conn.dialect.name == "postgresql"
                     else sqlite.insert(actual_values))
        # one statement for new and stored values alike (a replace deleted its changed
        # rows first: they are new); a stored one gets the new value and reason, and keeps
        # the score and sheet row it was imported with, as a single edit always did
        conn.execute(statement.on_conflict_do_update(
            index_elements=[c.name for c in actual_values.primary_key.columns],
            set_={c: statement.excluded[c] for c in ("value", "reason")}), rows)
    if log:
        conn.execute(insert(changes), _log_rows(user, actor, log))
    return len(batch)


def _replace_executions(conn: Connection, doc_id: int, year: int, period: str,
                        money: dict[int, Execution], log: list[tuple[str, str, Any, Any]]
                        ) -> None:
    """A year's projects' money replaced by `money`, each change added to `log`."""
    key = (money_rows.c.document_id == doc_id, money_rows.c.year == year,
           money_rows.c.period == period)
    old = {r.project_seq: r for r in conn.execute(select(money_rows).where(*key))}
    dropped, written = [], []
    for project in sorted(old.keys() | money.keys()):
        entity = f"execution {doc_id}/{year}/{period}/{project}"
        before = _execution_state(old[project]) if project in old else None
        new = money.get(project)
        if new is not None and _blank_execution(new):
            new = None  # a project the sheet leaves blank: no money given
        after = None if new is None else _execution_state(new)
        if before == after:
            continue  # nothing there and nothing given, or the same again: not a change
        if new is None:
            log.append(("delete-execution", entity, before, None))
        else:
            log.append(("put-execution", entity, before, after))
            written.append(new)
        if before is not None:
            dropped.append({"p": project})
    if dropped:
        conn.execute(delete(money_rows).where(*key, money_rows.c.project_seq == bindparam("p")),
                     dropped)
    if written:
        conn.execute(insert(money_rows), [
            {"document_id": doc_id, "year": year, "period": period, "project_seq": e.project,
             "adjusted_budget": e.adjusted_budget, "executed": e.executed,
             "reason": e.reason, "source_file": e.span.file, "source_row": e.span.first_line}
            for e in written])

