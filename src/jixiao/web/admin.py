"""Administration a bureau can run (issue 17): users changed, reset and disabled; one's own
password; API tokens given another expiry; review profiles edited as a form (the TOML
beside it as the advanced view); the change log in Chinese, filtered and paged."""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from jixiao import formatting, library
from jixiao.audit import RULES, Profile, ProfileError
from jixiao.audit.profile_text import profile_toml
from jixiao.messages import Labels, say
from jixiao.model import Level
from jixiao.store import accounts, profiles
from jixiao.store import admin as admin_store
from jixiao.store.accounts import ROLE_LABELS, TOKEN_MAX_DAYS, AccountError, Change
from jixiao.store.cycle import DOCUMENT_STATES, PROJECT_STATES
from jixiao.store.store import Store
from jixiao.web.auth import (
    SESSION_COOKIE,
    Caller,
    WebError,
    Who,
    hashing_gate,
    require_role,
)
from jixiao.web.params import INT32

router = APIRouter(include_in_schema=False)
Name = Annotated[str, Form(min_length=1, max_length=80)]
PAGE = 50
LEVELS = Labels("levels", ("error", "warning", "info"))


def _render(request: Request, template: str, who: Caller, status: int = 200,
            **context: Any) -> Response:
    from jixiao.web.pages import render

    return render(request, template, who, status=status, **context)


# ---- users --------------------------------------------------------------------------------


async def _admin_write(request: Request, who: Caller, call: Any, *args: Any) -> Response:
    """An admin's change to a user, then back to the list; a refusal shown on it."""
    require_role(who, "admin")
    try:
        await asyncio.to_thread(call, who.user, *args)
    except AccountError as exc:
        from jixiao.web.pages import _users

        return _users(request, who, status=400, error=str(exc))
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/edit")
async def edit_user(request: Request, who: Who, username: Name,
                    role: Annotated[str, Form(max_length=16)],
                    department: Annotated[str, Form(max_length=200)] = "") -> Response:
    return await _admin_write(request, who, request.app.state.store.update_user, username,
                              role, department)


@router.post("/admin/users/password")
async def reset_password(request: Request, who: Who, username: Name,
                         password: Annotated[str, Form(max_length=200)]) -> Response:
    require_role(who, "admin")
    async with hashing_gate():  # hashed off the event loop, in one of the hashing slots
        return await _admin_write(request, who, request.app.state.store.reset_password,
                                  username, password)


@router.post("/admin/users/disable")
async def disable_user(request: Request, who: Who, username: Name) -> Response:
    return await _admin_write(request, who, request.app.state.store.set_active, username,
                              False)


@router.post("/admin/users/enable")
async def enable_user(request: Request, who: Who, username: Name) -> Response:
    return await _admin_write(request, who, request.app.state.store.set_active, username,
                              True)


# ---- one's own account -----------------------------------------------------------------


@router.post("/account/password")
async def change_password(request: Request, who: Who,
                          old: Annotated[str, Form(max_length=200)],
                          new: Annotated[str, Form(max_length=200)],
                          again: Annotated[str, Form(max_length=200)]) -> Response:
    from jixiao.web.pages import _account, _secure

    if new != again:
        return _account(request, who, password_error=say("changes.passwords-differ"), status=400)
    try:
        async with hashing_gate():
            token, _ = await asyncio.to_thread(request.app.state.store.change_own_password,
                                               who.user, old, new)
    except AccountError as exc:
        return _account(request, who, password_error=str(exc), status=400)
    # every session ended (other browsers signed out); this one goes on under a new id
    response = RedirectResponse("/account?password=changed", status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        secure=_secure(request), max_age=accounts.SESSION_HOURS * 3600)
    return response


async def _expiry(request: Request, who: Caller, token_id: int, days: int, back: str
                  ) -> Response:
    if not 1 <= token_id <= INT32:
        raise WebError(404, "not-found", say("web.no-token"))
    try:
        request.app.state.store.set_token_expiry(who.user, token_id, days)
    except AccountError as exc:
        missing = str(exc) == say("admin.no-token", id=token_id)  # else a refused value
        raise WebError(404 if missing else 400, "invalid", str(exc)) from None
    return RedirectResponse(back, status_code=303)


Days = Annotated[int, Form(ge=1, le=TOKEN_MAX_DAYS)]


@router.post("/account/tokens/{token_id}/expiry")
async def token_expiry(request: Request, who: Who, token_id: int, days: Days) -> Response:
    return await _expiry(request, who, token_id, days, "/account#tokens")


@router.post("/admin/tokens/{token_id}/expiry")
async def admin_token_expiry(request: Request, who: Who, token_id: int, days: Days
                             ) -> Response:
    require_role(who, "admin")
    return await _expiry(request, who, token_id, days, "/admin/users#tokens")


# ---- review profiles as a form ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RuleRow:
    """One rule of the form: its defaults and what the profile sets."""

    id: str
    title: str
    basis: str
    default_severity: str
    enabled: bool
    severity: str
    params: list[tuple[str, str, str, str]]  # name, kind (int/list/map/text), shown, default


def _param_text(value: Any) -> tuple[str, str]:
    if isinstance(value, bool):
        return "bool", "true" if value else "false"
    if isinstance(value, int):
        return "int", str(value)
    if isinstance(value, list):
        return "list", "\n".join(str(v) for v in value)
    if isinstance(value, dict):
        return "map", "\n".join(f"{k} = {v}" for k, v in value.items())
    return "text", str(value)


def rule_rows(profile: Profile, sent: dict[str, str] | None = None) -> list[RuleRow]:
    rows = []
    for rule_id, rule in RULES.items():  # the registry's order: A1 … Q13, as `jixiao rules`
        o = profile.overrides.get(rule_id, {})
        params = []
        for name, default in rule.params.items():
            kind, default_text = _param_text(default)
            shown = _param_text(o.get(name, default))[1]
            if sent is not None:
                shown = sent.get(f"{rule_id}.{name}", shown)
            params.append((name, kind, shown, default_text))
        enabled = bool(o.get("enabled", True))
        severity = str(o.get("severity", rule.severity))
        if sent is not None:
            enabled = sent.get(f"{rule_id}.enabled") == "on"
            severity = sent.get(f"{rule_id}.severity", severity)
        rows.append(RuleRow(rule_id, rule.title, rule.basis, str(rule.severity), enabled,
                            severity, params))
    return rows


def _parse_param(kind: str, text: str) -> Any:
    if kind == "int":
        if not text.strip().isascii() or not text.strip().lstrip("-").isdigit():
            raise ValueError(say("changes.not-integer", text=text))
        return int(text)
    if kind == "bool":
        return text.strip() == "true"
    if kind == "list":
        return [line.strip() for line in text.splitlines() if line.strip()]
    if kind == "map":
        out = {}
        for n, line in enumerate((x for x in text.splitlines() if x.strip()), start=1):
            key, sep, value = line.partition("=")
            if not sep or not key.strip():
                raise ValueError(say("changes.not-key-value", n=n, line=line.strip()))
            out[key.strip()] = value.strip()
        return out
    return text


def form_profile(name: str, sent: dict[str, str]) -> tuple[Profile, dict[str, str]]:
    """The profile the form sets, and each refused field with why."""
    errors: dict[str, str] = {}
    overrides: dict[str, dict[str, Any]] = {}
    for rule_id, rule in RULES.items():
        settings: dict[str, Any] = {}
        if sent.get(f"{rule_id}.enabled") != "on":
            settings["enabled"] = False
        severity = sent.get(f"{rule_id}.severity", str(rule.severity))
        if severity not in {str(level) for level in Level}:
            errors[f"{rule_id}.severity"] = say("changes.bad-level",
                                                levels="、".join(LEVELS.values()))
        elif severity != rule.severity:
            settings["severity"] = severity
        for param, default in rule.params.items():
            field = f"{rule_id}.{param}"
            if field not in sent:
                continue
            try:
                value = _parse_param(_param_text(default)[0], sent[field])
            except ValueError as exc:
                errors[field] = str(exc)
                continue
            if value != default:
                settings[param] = value
        if settings:
            overrides[rule_id] = settings
    return Profile(name, overrides), errors


def _stored(request: Request, name: str) -> profiles.StoredProfile | None:
    return next((p for p in profiles.list_profiles(request.app.state.engine)
                 if p.name == name), None)


@router.get("/admin/rules/edit")
async def profile_form_page(request: Request, who: Who,
                            name: Annotated[str, Query(max_length=80)] = "") -> Response:
    require_role(who, "admin")
    stored = _stored(request, name) if name else None
    if name and stored is None:
        raise WebError(404, "not-found", say("web.no-profile", name=name))
    profile = Profile.from_text(stored.toml, "the profile") if stored else Profile("")
    return _render(request, "profile_edit.html", who, name=name, rows=rule_rows(profile),
                   levels=LEVELS, errors={}, error=None,
                   toml=stored.toml if stored
                   else profile_toml(Profile(say("changes.new-profile"))),
                   active=bool(stored and stored.active))


@router.post("/admin/rules/edit")
async def profile_form_save(request: Request, who: Who) -> Response:
    require_role(who, "admin")
    form = await request.form()
    sent = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf"}
    name = sent.get("name", "").strip()[:80]
    profile, errors = form_profile(name, sent)
    if not name:
        errors["name"] = say("changes.profile-name-needed")
    error = None
    if not errors:
        try:  # checked as `jixiao audit --rules` checks a file, then kept
            library.save_profile(request.app.state.store, who.user, profile_toml(profile))
        except ProfileError as exc:
            error = str(exc)
        else:
            return RedirectResponse(f"/admin/rules/edit?name={name}&saved=true",
                                    status_code=303)
    stored = _stored(request, name)
    return _render(request, "profile_edit.html", who, status=400, name=name,
                   rows=rule_rows(profile, sent), levels=LEVELS, errors=errors, error=error,
                   toml=profile_toml(profile), active=bool(stored and stored.active))


# ---- the change log in Chinese ----------------------------------------------------------

ACTIONS = Labels("changes.actions", (
    "upload", "ingest", "delete", "version", "put-actual", "delete-actual", "put-execution",
    "delete-execution", "add-opinion", "cycle-submit", "cycle-return", "cycle-approve",
    "cycle-pass", "cycle-revise", "cycle-version", "add-user", "update-user", "disable-user",
    "enable-user", "reset-password", "change-password", "lock-user", "unlock-user",
    "add-token", "revoke-token", "token-expiry", "save-profile", "activate-profile"))
FIELDS = Labels("changes.fields", (
    "value", "reason", "claimed_score", "adjusted_budget", "executed", "state", "opinion",
    "role", "department", "active", "sessions_ended", "expires_at", "revoked_at", "user",
    "file", "projects", "total", "text", "finding", "toml", "failures", "locked", "title",
    "version"))
# who wrote when no user did (store.accounts' `actor`)
ACTORS = Labels("changes.actors", ("(cli)", "(login)", "(ingest)"))


MONEY_FIELDS = ("adjusted_budget", "executed")  # 全年预算数, 全年执行数 (万元)


def _shown(key: str, value: Any) -> str:
    if value is None or value == "":
        return say("changes.empty")
    if isinstance(value, bool):
        return say(f"changes.{'yes' if value else 'no'}")
    if key == "state":
        return DOCUMENT_STATES.get(str(value)) or PROJECT_STATES.get(str(value), str(value))
    if key == "role":
        return ROLE_LABELS.get(str(value), str(value))
    if key in MONEY_FIELDS or key == "claimed_score":  # stored as exact text: "67394.50"
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return str(value)
        # as every page shows money (67,394.50) and points (21.36)
        return formatting.money(number) if key in MONEY_FIELDS else formatting.score(number)
    if key in ("expires_at", "revoked_at") and isinstance(value, str):
        from jixiao.formatting import when as chinese_datetime

        try:
            return chinese_datetime(datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


@dataclass(frozen=True, slots=True)
class ChangeRow:
    change: Change
    who: str
    action: str
    what: str
    document_id: int | None
    fields: list[tuple[str, str | None, str | None, bool]]  # label, before, after, long text


def _entity(entity: str, titles: dict[int, str]) -> tuple[str, int | None]:
    """The change's object in words, and the document it is about."""
    kind, _, rest = entity.partition(" ")
    parts = rest.split("/")

    def doc(raw: str) -> tuple[str, int | None]:
        if raw.isdigit():
            title = titles.get(int(raw))
            return (say("changes.document-titled", id=raw, title=title) if title
                    else say("changes.document", id=raw)), int(raw)
        return say("changes.document", id=raw), None

    if kind == "document":
        return doc(rest)
    if kind in ("actual", "execution") and len(parts) >= 4:
        shown, doc_id = doc(parts[0])
        period = say("changes.full-year") if parts[2] == "全年" else \
            say("changes.up-to", day=parts[2])
        what = say("changes.actual", document=shown, year=parts[1], period=period,
                   project=parts[3])
        if kind == "actual" and len(parts) >= 5 and parts[4].isdigit():
            what += say("changes.actual-indicator", n=int(parts[4]) + 1)
        return what, doc_id
    if kind == "project" and len(parts) == 2:
        shown, doc_id = doc(parts[0])
        return say("changes.project", document=shown, project=parts[1]), doc_id
    if kind == "opinion" and " on " in rest:
        number, _, where = rest.partition(" on ")
        d, _, seq = where.partition("/")
        shown, doc_id = doc(d)
        return say("changes.opinion", document=shown, project=seq, number=number), doc_id
    if kind == "user":
        return say("changes.user", name=rest), None
    if kind == "token":
        number, _, name = rest.partition(" ")
        return (say("changes.token-named", number=number, name=name) if name
                else say("changes.token", number=number)), None
    if kind == "profile":
        return say("changes.profile", name=rest), None
    if entity == "rule profiles":
        return say("changes.profiles"), None
    return entity, None


def describe(change: Change, titles: dict[int, str]) -> ChangeRow:
    """A change-log row in words: the action, its object, each field before → after."""
    before, after = change.before or {}, change.after or {}
    fields = []
    for key in dict.fromkeys([*before, *after]):
        old = _shown(key, before[key]) if key in before else None
        new = _shown(key, after[key]) if key in after else None
        if change.before is not None and change.after is not None and old == new:
            continue  # unchanged: not worth a line
        if (key not in before and new == say("changes.empty")) or \
                (key not in after and old == say("changes.empty")):
            continue  # nothing before, nothing after (a sheet's blank cell)
        fields.append((FIELDS.get(key, key), old if change.before is not None else None,
                       new if change.after is not None else None, key == "toml"))
    what, doc_id = _entity(change.entity, titles)
    who = ACTORS.get(change.username or "", change.username or "")
    return ChangeRow(change, who, ACTIONS.get(change.action, change.action), what, doc_id,
                     fields)


_DOCUMENT = re.compile(r"^(?:document |project |actual |execution |opinion \d+ on )(\d{1,10})\b")


def _titles(house: Store, changes: list[Change]) -> dict[int, str]:
    """The department of each document the changes are about (one query)."""
    ids = {int(m[1]) for c in changes if (m := _DOCUMENT.match(c.entity))} - {0}
    ids = {i for i in ids if i <= INT32}
    if not ids:
        return {}
    return house.departments(ids)  # the department names the table well enough


@router.get("/admin/changes")
async def changes_page(request: Request, who: Who,
                       user: Annotated[str, Query(max_length=80)] = "",
                       document: Annotated[int | None, Query(ge=1, le=INT32)] = None,
                       kind: Annotated[str, Query(max_length=20)] = "",
                       page: Annotated[int, Query(ge=1, le=1_000_000)] = 1) -> Response:
    require_role(who, "admin", "reviewer")
    engine = request.app.state.engine
    if kind and kind not in admin_store.KINDS:
        raise WebError(422, "invalid", say("admin.no-kind", kind=kind[:20]))
    found, total = admin_store.find_changes(engine, username=user or None, document=document,
                                            kind=kind or None, limit=PAGE,
                                            offset=(page - 1) * PAGE)
    titles = _titles(request.app.state.store, found)
    query = {k: v for k, v in (("user", user), ("document", document), ("kind", kind)) if v}
    return _render(request, "changes.html", who, rows=[describe(c, titles) for c in found],
                   total=total, page=page, pages=max(1, (total + PAGE - 1) // PAGE),
                   query=query, user=user, document=document, kind=kind,
                   kinds=dict(admin_store.KIND_LABELS),
                   authors=admin_store.change_authors(engine), actors=ACTORS)
