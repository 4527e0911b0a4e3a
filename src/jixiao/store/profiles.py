"""The review profiles a bureau keeps in its database: saved as the TOML an admin wrote,
one of them active for every upload; none active means the defaults. A profile reaches the
store already checked (its name and its TOML, by jixiao.audit in the caller): the store
keeps text and imports no service."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, delete, insert, select, update

from jixiao.store.accounts import User, record
from jixiao.store.schema import rule_profiles


@dataclass(frozen=True, slots=True)
class StoredProfile:
    name: str
    toml: str
    active: bool


def _save_profile(engine: Engine, user: User | None, name: str, toml: str) -> None:
    """Keep a checked profile under its name (replacing one of that name), logged."""
    with engine.begin() as conn:
        old = conn.execute(select(rule_profiles).where(rule_profiles.c.name == name)).first()
        conn.execute(delete(rule_profiles).where(rule_profiles.c.name == name))
        conn.execute(insert(rule_profiles).values(name=name, toml=toml,
                                                  active=bool(old and old.active)))
        record(conn, user, "save-profile", f"profile {name}",
               None if old is None else {"toml": old.toml}, {"toml": toml})


def list_profiles(engine: Engine) -> list[StoredProfile]:
    with engine.connect() as conn:
        return [StoredProfile(r.name, r.toml, r.active) for r in conn.execute(
            select(rule_profiles).order_by(rule_profiles.c.name))]


def _activate(engine: Engine, user: User | None, name: str | None) -> None:
    """Make `name` the profile of every upload (None: the defaults)."""
    with engine.begin() as conn:
        if name is not None and conn.execute(select(rule_profiles.c.name).where(
                rule_profiles.c.name == name)).first() is None:
            raise KeyError(name)
        before = conn.execute(select(rule_profiles.c.name).where(rule_profiles.c.active)
                              ).scalar()
        conn.execute(update(rule_profiles).values(active=rule_profiles.c.name == name))
        record(conn, user, "activate-profile", "rule profiles",
               {"active": before}, {"active": name})


def active_toml(engine: Engine) -> str | None:
    """The TOML of the active profile; None: no profile is active (the defaults)."""
    with engine.connect() as conn:
        return conn.execute(select(rule_profiles.c.toml).where(rule_profiles.c.active)
                            ).scalar()
