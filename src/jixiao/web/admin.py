"""Administration a bureau can run (issue 17): users changed, reset and disabled; one's own
password; API tokens given another expiry; review profiles edited as a form (the TOML
beside it as the advanced view); the change log in Chinese, filtered and paged."""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from jixiao import library
from jixiao.audit import RULES, Profile, ProfileError
from jixiao.audit.profile_text import profile_toml
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
LEVELS = {"error": "错误", "warning": "警告", "info": "提示"}


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
        return _account(request, who, password_error="两次输入的新密码不一致", status=400)
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
        raise WebError(404, "not-found", "没有这个令牌")
    try:
        request.app.state.store.set_token_expiry(who.user, token_id, days)
    except AccountError as exc:
        raise WebError(404 if "没有" in str(exc) else 400, "invalid", str(exc)) from None
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
            raise ValueError(f"应为整数，不是“{text}”")
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
                raise ValueError(f"第{n}行应写成“键 = 值”，不是“{line.strip()}”")
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
            errors[f"{rule_id}.severity"] = f"级别应为{'、'.join(LEVELS.values())}之一"
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
        raise WebError(404, "not-found", f"没有名为“{name}”的审核方案")
    profile = Profile.from_text(stored.toml, "the profile") if stored else Profile("")
    return _render(request, "profile_edit.html", who, name=name, rows=rule_rows(profile),
                   levels=LEVELS, errors={}, error=None,
                   toml=stored.toml if stored else profile_toml(Profile("本局方案")),
                   active=bool(stored and stored.active))


@router.post("/admin/rules/edit")
async def profile_form_save(request: Request, who: Who) -> Response:
    require_role(who, "admin")
    form = await request.form()
    sent = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf"}
    name = sent.get("name", "").strip()[:80]
    profile, errors = form_profile(name, sent)
    if not name:
        errors["name"] = "请填写方案名称"
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

ACTIONS = {
    "upload": "上传目标表", "ingest": "导入目标表", "delete": "删除目标表", "version": "新版本",
    "put-actual": "填报实际完成值", "delete-actual": "删除实际完成值",
    "put-execution": "填报预算执行", "delete-execution": "删除预算执行",
    "add-opinion": "写审核意见", "cycle-submit": "提交审核", "cycle-return": "退回",
    "cycle-approve": "审核通过", "cycle-pass": "项目通过", "cycle-revise": "上传修改稿",
    "cycle-version": "新版本", "add-user": "新增用户", "update-user": "修改用户",
    "disable-user": "停用用户", "enable-user": "启用用户", "reset-password": "重置密码",
    "change-password": "修改本人密码", "lock-user": "锁定账户", "unlock-user": "解锁账户",
    "add-token": "生成 API 令牌", "revoke-token": "撤销 API 令牌", "token-expiry": "修改令牌有效期",
    "save-profile": "保存审核方案", "activate-profile": "启用审核方案"}
FIELDS = {
    "value": "实际完成值", "reason": "偏差原因", "claimed_score": "自评得分",
    "adjusted_budget": "全年预算数", "executed": "全年执行数", "state": "状态",
    "opinion": "意见", "role": "角色", "department": "部门", "active": "启用",
    "sessions_ended": "结束的会话数", "expires_at": "到期时间", "revoked_at": "撤销时间",
    "user": "用户", "file": "文件", "projects": "项目数", "total": "总计（万元）", "text": "意见",
    "finding": "审核发现编号", "toml": "方案内容", "failures": "失败次数", "locked": "已锁定",
    "title": "标题", "version": "版本"}
# who wrote when no user did (store.accounts' `actor`)
ACTORS = {"(cli)": "命令行", "(login)": "登录保护", "(ingest)": "导入自评表"}
STATES = {**PROJECT_STATES, **DOCUMENT_STATES}  # 待审核 either way; the rest are distinct


def _shown(key: str, value: Any) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if key == "state":
        return STATES.get(str(value), str(value))
    if key == "role":
        return ROLE_LABELS.get(str(value), str(value))
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
            return f"目标表 {raw}{'（' + titles[int(raw)] + '）' if int(raw) in titles else ''}", \
                int(raw)
        return f"目标表 {raw}", None

    if kind == "document":
        return doc(rest)
    if kind in ("actual", "execution") and len(parts) >= 4:
        shown, doc_id = doc(parts[0])
        period = "全年" if parts[2] == "全年" else f"截至 {parts[2]}"
        what = f"{shown} · {parts[1]} 年{period} · 项目 {parts[3]}"
        if kind == "actual" and len(parts) >= 5 and parts[4].isdigit():
            what += f" · 第 {int(parts[4]) + 1} 个指标"
        return what, doc_id
    if kind == "project" and len(parts) == 2:
        shown, doc_id = doc(parts[0])
        return f"{shown} · 项目 {parts[1]}", doc_id
    if kind == "opinion" and " on " in rest:
        number, _, where = rest.partition(" on ")
        d, _, seq = where.partition("/")
        shown, doc_id = doc(d)
        return f"{shown} · 项目 {seq} 的意见 {number}", doc_id
    if kind == "user":
        return f"用户 {rest}", None
    if kind == "token":
        number, _, name = rest.partition(" ")
        return f"API 令牌 {number}{'（' + name + '）' if name else ''}", None
    if kind == "profile":
        return f"审核方案 {rest}", None
    if entity == "rule profiles":
        return "审核方案", None
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
        if key not in before and new == "（空）":
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
        raise WebError(422, "invalid", f"没有“{kind[:20]}”这类变更")
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
