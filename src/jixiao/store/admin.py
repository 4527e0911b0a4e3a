"""What an admin does to accounts (issue 17): a user's role and department changed, a
password reset, a user disabled (no login, no token, its sessions ended) and enabled; each
user's own password changed (the old one asked, its sessions rotated); a token's expiry
changed; and the change log read back filtered and paged. Every write in one transaction
with its change-log row (passwords never logged)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, delete, func, or_, select, update

from jixiao.messages import Labels, say
from jixiao.store.accounts import (
    ROLE_LABELS,
    ROLES,
    TOKEN_MAX_DAYS,
    AccountError,
    Change,
    User,
    _aware,
    _check_password,
    _hash,
    _hashing,
    _user,
    record,
    start_session,
)
from jixiao.store.schema import api_tokens, changes, sessions, users

MIN_PASSWORD = 8


@dataclass(frozen=True, slots=True)
class Account:
    """A user as the admin page lists them, disabled ones too."""

    id: int
    username: str
    role: str
    department: str | None
    active: bool
    created_at: datetime | None

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


def accounts_list(engine: Engine) -> list[Account]:
    """Every user, enabled first, then by name."""
    with engine.connect() as conn:
        return [Account(r.id, r.username, r.role, r.department, bool(r.active),
                        _aware(r.created_at)) for r in conn.execute(
                            select(users).order_by(users.c.active.desc(), users.c.username))]


def _row(conn: Any, username: str) -> Any:
    row = conn.execute(select(users).where(users.c.username == username)
                       .with_for_update()).first()
    if row is None:
        raise AccountError(say("admin.no-user", name=username))
    return row


def _last_admin(conn: Any, row: Any) -> bool:
    """Whether `row` is the only enabled admin (who must not be demoted or disabled)."""
    if row.role != "admin" or not row.active:
        return False
    return conn.execute(select(func.count()).select_from(users).where(
        users.c.role == "admin", users.c.active, users.c.id != row.id)).scalar() == 0


def _password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(say("accounts.short-password", least=MIN_PASSWORD))


def _update_user(engine: Engine, by: User | None, username: str, role: str,
                department: str | None) -> Account:
    """A user's role and department as the admin sets them."""
    if role not in ROLES:
        raise AccountError(say("accounts.bad-role", roles="、".join(ROLE_LABELS.values()),
                               role=role))
    department = (department or "").strip() or None
    if role == "department" and not department:
        raise AccountError(say("admin.department-needed"))
    if role != "department":
        department = None
    with engine.begin() as conn:
        row = _row(conn, username)
        if role != "admin" and _last_admin(conn, row):
            raise AccountError(say("admin.last-admin-role", name=username))
        before = {"role": row.role, "department": row.department}
        after = {"role": role, "department": department}
        if before != after:
            conn.execute(update(users).where(users.c.id == row.id).values(**after))
            record(conn, by, "update-user", f"user {username}", before, after)
    return _account(engine, username)


def _reset_password(engine: Engine, by: User | None, username: str, password: str) -> None:
    """A new password set by an admin; the user's sessions end (they sign in with it)."""
    _password(password)
    hashed = _hash(password)
    with engine.begin() as conn:
        row = _row(conn, username)
        conn.execute(update(users).where(users.c.id == row.id).values(password_hash=hashed))
        ended = conn.execute(delete(sessions).where(sessions.c.user_id == row.id)).rowcount
        record(conn, by, "reset-password", f"user {username}", None, {"sessions_ended": ended})


def _set_active(engine: Engine, by: User | None, username: str, active: bool) -> Account:
    """Disable (no login, no token works, every session ends) or enable a user."""
    with engine.begin() as conn:
        row = _row(conn, username)
        if not active and by is not None and row.id == by.id:
            raise AccountError(say("admin.not-yourself"))
        if not active and _last_admin(conn, row):
            raise AccountError(say("admin.last-admin-disable", name=username))
        if bool(row.active) != active:
            conn.execute(update(users).where(users.c.id == row.id).values(active=active))
            after: dict[str, Any] = {"active": active}
            if not active:
                after["sessions_ended"] = conn.execute(
                    delete(sessions).where(sessions.c.user_id == row.id)).rowcount
            record(conn, by, "enable-user" if active else "disable-user", f"user {username}",
                   {"active": bool(row.active)}, after)
    return _account(engine, username)


def _change_own_password(engine: Engine, user: User, old: str, new: str) -> tuple[str, str]:
    """The user's own password changed, the old one given: every session of theirs ends
    and one new session starts (its cookie token and CSRF token are returned)."""
    _password(new)
    if old == new:
        raise AccountError(say("admin.same-password"))
    with _hashing:
        if _check_password(engine, user.username, old) is None:
            raise AccountError(say("admin.wrong-password"))
    hashed = _hash(new)
    with engine.begin() as conn:
        conn.execute(update(users).where(users.c.id == user.id).values(password_hash=hashed))
        ended = conn.execute(delete(sessions).where(sessions.c.user_id == user.id)).rowcount
        record(conn, user, "change-password", f"user {user.username}", None,
               {"sessions_ended": ended})
    return start_session(engine, user)


def _set_token_expiry(engine: Engine, by: User, token_id: int, days: int) -> datetime:
    """A live token's expiry set `days` from now (its owner, or an admin)."""
    if not 1 <= days <= TOKEN_MAX_DAYS:
        raise AccountError(say("admin.token-days", most=TOKEN_MAX_DAYS, days=days))
    expires = datetime.now(UTC) + timedelta(days=days)
    with engine.begin() as conn:
        row = conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)
                           .with_for_update()).first()
        if row is None or (by.role != "admin" and row.user_id != by.id):
            raise AccountError(say("admin.no-token", id=token_id))
        if row.revoked_at is not None:
            raise AccountError(say("admin.token-revoked", id=token_id))
        conn.execute(update(api_tokens).where(api_tokens.c.id == token_id)
                     .values(expires_at=expires))
        record(conn, by, "token-expiry", f"token {token_id} {row.name}",
               {"expires_at": _aware(row.expires_at).isoformat()},
               {"expires_at": expires.isoformat()})
    return expires


def _account(engine: Engine, username: str) -> Account:
    return next(a for a in accounts_list(engine) if a.username == username)


def user_of(engine: Engine, username: str) -> User | None:
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.username == username)).first()
    return None if row is None else _user(row)


# ---- the change log, filtered and paged ----------------------------------------------------

# the kinds a reader filters by, with the actions each holds (labels: KIND_LABELS)
KINDS: dict[str, tuple[str, ...]] = {
    "documents": ("upload", "ingest", "delete", "version"),
    "cycle": ("cycle-submit", "cycle-return", "cycle-approve", "cycle-revise", "cycle-pass",
              "cycle-version"),
    "opinions": ("add-opinion",),
    "actuals": ("put-actual", "delete-actual", "put-execution", "delete-execution"),
    "users": ("add-user", "update-user", "disable-user", "enable-user", "reset-password",
              "change-password", "lock-user", "unlock-user"),
    "tokens": ("add-token", "revoke-token", "token-expiry"),
    "profiles": ("save-profile", "activate-profile"),
}
KIND_LABELS = Labels("admin.kinds", tuple(KINDS))


def _about_document(doc_id: int) -> Any:
    """The change-log rows about one document (its own name in `entity`, store.accounts)."""
    return or_(changes.c.entity == f"document {doc_id}",
               *(changes.c.entity.startswith(f"{kind} {doc_id}/", autoescape=True)
                 for kind in ("project", "actual", "execution")),
               changes.c.entity.like(f"opinion % on {doc_id}/%"))


def find_changes(engine: Engine, *, username: str | None = None, document: int | None = None,
                 kind: str | None = None, limit: int = 50, offset: int = 0
                 ) -> tuple[list[Change], int]:
    """A page of the change log, newest first, and how many rows the filter matches."""
    where = []
    if username:
        where.append(changes.c.username == username)
    if document is not None:
        where.append(_about_document(document))
    if kind:
        if kind not in KINDS:
            raise AccountError(say("admin.no-kind", kind=kind))
        where.append(changes.c.action.in_(KINDS[kind]))
    condition = and_(True, *where)
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(changes).where(condition)
                             ).scalar()
        rows = conn.execute(select(changes).where(condition).order_by(changes.c.id.desc())
                            .limit(limit).offset(offset))
        return [Change(r.id, _aware(r.at), r.username, r.action, r.entity, r.before, r.after)
                for r in rows], int(total or 0)


def change_authors(engine: Engine) -> list[str]:
    """Everyone who wrote in the change log (the filter's choices)."""
    with engine.connect() as conn:
        return [n for n in conn.execute(select(changes.c.username).distinct()
                                        .order_by(changes.c.username)).scalars() if n]
