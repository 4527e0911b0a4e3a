"""The pages: server-rendered (Jinja2), htmx for the upload progress and inline forms."""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from jixiao import formatting, library, matching, store
from jixiao.audit import RULES, ProfileError
from jixiao.compare import (
    compare_indicator,
    names_containing,
    project_series,
    stored_departments,
    stored_years,
    suggest_names,
)
from jixiao.evaluation.actuals import Actual
from jixiao.evaluation.direction import turned
from jixiao.evaluation.values import check_actual
from jixiao.messages import say
from jixiao.store import accounts, profiles
from jixiao.store import admin as admin_store
from jixiao.store.search import KINDS
from jixiao.web import cycle as cycle_views
from jixiao.web import downloads, resources, uploads, views
from jixiao.web import selfeval as selfeval_views
from jixiao.web import yearend as yearend_views
from jixiao.web.auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Caller,
    WebError,
    Who,
    hashing_gate,
    require_role,
)
from jixiao.web.kept import keep
from jixiao.web.limits import heavy
from jixiao.web.params import DocId, Seq, finding_position
from jixiao.writers.charts import bars_svg, distribution_svg
from jixiao.writers.comparison import CHANGE_LABELS

router = APIRouter(include_in_schema=False)
PAGE = 50
TokenId = Annotated[int, Path(ge=1, le=2_147_483_647)]


def render(request: Request, template: str, who: Caller | None, status: int = 200,
           **context: Any) -> HTMLResponse:
    templates = request.app.state.templates
    return templates.TemplateResponse(request, template, {"who": who, **context},
                                      status_code=status)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


# ---- signing in ------------------------------------------------------------------------


@router.get("/login")
async def login_page(request: Request, next: str = "/documents") -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", None, next=_local(next), login_csrf=token)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                        secure=_secure(request))
    return response


def _local(path: str) -> str:
    """Only paths of this site after login (no open redirect)."""
    return path if path.startswith("/") and not path.startswith("//") else "/documents"


@router.post("/login")
async def login(request: Request, username: Annotated[str, Form()],
                password: Annotated[str, Form()], csrf: Annotated[str, Form()] = "",
                next: Annotated[str, Form()] = "/documents") -> Response:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not secrets.compare_digest(cookie, csrf):
        raise WebError(403, "csrf", say("web.csrf-login"))
    engine = request.app.state.engine
    address = request.client.host if request.client else ""
    # a throttled login is refused before it waits for a hashing slot or hashes anything
    outcome = accounts.login_refusal(engine, username, address)
    if outcome is None:
        async with hashing_gate():
            outcome = await asyncio.to_thread(accounts.login, engine, username, password,
                                              address)
    if isinstance(outcome, accounts.Refusal):
        response = render(request, "login.html", None, status=423 if outcome.locked else 429,
                          next=_local(next), login_csrf=cookie, error=outcome.message)
        if not outcome.locked:
            response.headers["Retry-After"] = str(outcome.retry_after)
        return response
    if outcome is None:
        return render(request, "login.html", None, status=401, next=_local(next),
                      login_csrf=cookie, error=say("web.bad-login"))
    # a new session id at every login; the one this browser held ends
    token, _ = accounts.start_session(engine, outcome,
                                      replacing=request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse(_local(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        secure=_secure(request), max_age=accounts.SESSION_HOURS * 3600)
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
async def logout(request: Request, who: Who) -> Response:
    accounts.end_session(request.app.state.engine, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


# ---- documents -------------------------------------------------------------------------


@router.get("/documents")
async def documents_page(request: Request, who: Who,
                         page: Annotated[int, Query(ge=1, le=1_000_000)] = 1) -> Response:
    keep(request)
    found = resources.documents(request.app.state.workspace, who, limit=PAGE,
                                offset=(max(page, 1) - 1) * PAGE)  # as /api/v1/documents
    return render(request, "documents.html", who, documents=found.items, total=found.total,
                  page=found.page, pages=found.pages,
                  limit_mb=request.app.state.upload_limit // (1024 * 1024))


@router.post("/documents")
async def upload_page(request: Request, who: Who, file: UploadFile) -> Response:
    result = await uploads.store_upload(request, who, file)
    url = f"/documents/{result.document_id}"
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


@router.get("/documents/{doc_id}")
async def document_page(request: Request, who: Who, doc_id: DocId,
                        chosen: Annotated[cycle_views.ProjectFilter,
                                          Depends(cycle_views.project_filter_query)]
                        ) -> Response:
    keep(request)
    ws = request.app.state.workspace
    # the document as /api/v1/documents/{id} and …/projects build it (web/resources.py)
    r = resources.document(ws, who, doc_id, chosen)
    view = r.view
    if selfeval_views.is_self_evaluation(view):  # a 自评表: published beside recomputed
        return await selfeval_document_page(request, who, view)
    # the review cycle (issue 17): state and actions, the projects filtered and sorted,
    # the whole table's sums
    projects = sorted(view.doc.projects, key=lambda p: p.amounts.total or Decimal(0),
                      reverse=True)
    money_chart = bars_svg([(f"{p.seq} {p.name}", p.amounts.total or Decimal(0))
                            for p in projects[:15]], unit=" 万元")
    categories = view.category_counts()
    category_chart = bars_svg(sorted(categories.items(), key=lambda kv: -kv[1]),
                              colour="#7a9a4a")
    grades = view.grade_counts
    grade_chart = bars_svg([(g, grades.get(g, 0)) for g in ("优", "良", "中", "差")],
                           colour="#c98a2b")
    return render(request, "document.html", who, view=view, money_chart=money_chart,
                  category_chart=category_chart, grade_chart=grade_chart,
                  cycle=r.cycle, rows=r.rows, chosen=chosen,
                  choices=cycle_views.filter_choices(view), checks=r.checks,
                  project_states=cycle_views.PROJECT_STATES,
                  lights=downloads.lights(ws, view),  # 红黄绿 and the downloads (issue 16)
                  yearend=yearend_views.panel(ws, view))  # results entered (17.3)


@router.post("/documents/{doc_id}/delete")
async def delete_page(request: Request, who: Who, doc_id: DocId) -> Response:
    uploads.delete(request, who, doc_id)
    return RedirectResponse("/documents", status_code=303)


@router.get("/documents/{doc_id}/projects/{seq}")
async def project_page(request: Request, who: Who, doc_id: DocId, seq: Seq,
                       year: Annotated[int, Query(ge=2000, le=2100)] = 2023,
                       show: Annotated[str | None, Query(pattern="^table$")] = None
                       ) -> Response:
    keep(request)
    view = views.document_view(request.app.state.workspace, who, doc_id)
    # a 自评表: its targets against the approved (show=table: its fields as a form's)
    if selfeval_views.is_self_evaluation(view) and show is None:
        return await selfeval_project_page(request, who, view, seq)
    return _project_page(request, who, view, seq, year)


def _project_page(request: Request, who: Caller, view: views.DocumentView, seq: int,
                  year: int, refused: dict[str, Any] | None = None) -> Response:
    """The project page of a document already looked up (once a request); `refused`: a
    value the form sent that was not stored, shown in its row with the reason (position,
    value, reason, message)."""
    ws = request.app.state.workspace
    doc_id = view.id
    found = resources.project_in(view, seq)  # as /api/v1/…/projects/{seq}
    project = found.project
    answers = downloads.year_answers(ws, doc_id, year)  # once: the score and the lights use them
    score, actual_by_position = views.project_score(project, answers)
    rows = views.indicator_rows(project)
    for r in rows:  # a target pointing the wrong way is read the way its indicator points
        if (turn := turned(r["indicator"], r["target"])) is not None:
            r["describe"] = f"{formatting.describe(turn.target)}（{turn.note}）"
    return render(request, "project.html", who, status=422 if refused else 200,
                  refused=refused, view=view, project=project, indicators=rows,
                  form_columns=views.form_columns(project),
                  form_rows=views.project_form_rows(project),
                  findings=found.findings, year=year, score=score,
                  actuals=actual_by_position,
                  opinions=accounts.list_opinions(ws.engine, doc_id, seq),
                  may_write_actuals=views.may_write_actuals(who, view.doc.department),
                  may_write_opinion=views.may_write_opinion(who, view.doc.department),
                  verdict=found.verdict,
                  cycle=cycle_views.cycle_view(ws, who, view),
                  lights=downloads.lights(ws, view, year, answers=answers))  # 红黄绿


@router.post("/documents/{doc_id}/projects/{seq}/actuals")
async def actual_form(request: Request, who: Who, doc_id: DocId, seq: Seq,
                      year: Annotated[int, Form(ge=2000, le=2100)],
                      position: Annotated[int, Form(ge=0, le=1000)],
                      value: Annotated[str, Form(max_length=200)],
                      reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    view = views.document_view(request.app.state.workspace, who, doc_id)
    if not views.may_write_actuals(who, view.doc.department):
        raise WebError(403, "forbidden", say("web.department-actuals-only"))
    project = views.project_of(view, seq)
    if 0 <= position < len(project.indicators) and \
            (why := check_actual(project.indicators[position], value)) is not None:
        return _project_page(request, who, view, seq, year, refused={
            "position": position, "value": value, "reason": reason, "message": why})
    request.app.state.store.put_actuals(who.user, doc_id, year,
                                        [Actual(seq, position, value.strip(), reason.strip())])
    return RedirectResponse(f"/documents/{doc_id}/projects/{seq}?year={year}#actuals",
                            status_code=303)


@router.post("/documents/{doc_id}/projects/{seq}/opinions")
async def opinion_form(request: Request, who: Who, doc_id: DocId, seq: Seq,
                       text: Annotated[str, Form(min_length=1, max_length=4000)],
                       finding: Annotated[str, Form()] = "") -> Response:
    view = views.document_view(request.app.state.workspace, who, doc_id)
    if not views.may_write_opinion(who, view.doc.department):
        raise WebError(403, "forbidden", say("web.forbidden"))
    views.project_of(view, seq)
    request.app.state.store.add_opinion(
        who.user, doc_id, seq, text,
        finding_position(finding, [k for k, _ in views.project_findings(view, seq)]))
    return RedirectResponse(f"/documents/{doc_id}/projects/{seq}#opinions", status_code=303)


# ---- a self-evaluation (自评表, issue 18) -------------------------------------------------


async def selfeval_document_page(request: Request, who: Caller, view: views.DocumentView
                                 ) -> Response:
    """A stored 自评表: each project's published scores beside the recomputed, its budget
    block, the publisher's arithmetic findings with their cells (web/selfeval.py)."""
    ws = request.app.state.workspace
    # every project re-scored under four profiles: in the pool, off the event loop
    se = await heavy(selfeval_views.selfeval_view, ws, who, view)
    return render(request, "selfeval.html", who, view=view, se=se,
                  cycle=cycle_views.cycle_view(ws, who, view))


async def selfeval_project_page(request: Request, who: Caller, view: views.DocumentView,
                                seq: int) -> Response:
    """A 自评表 project: each target against the approved table's, its actual, weight,
    score and reason as published, and the scores recomputed."""
    ws = request.app.state.workspace
    project = views.project_of(view, seq)
    se = await heavy(selfeval_views.selfeval_view, ws, who, view, seq)
    return render(request, "selfeval_project.html", who, view=view, project=project,
                  row=se.project(seq), labels=CHANGE_LABELS,
                  findings=views.project_findings(view, seq),
                  opinions=accounts.list_opinions(ws.engine, view.id, seq),
                  may_write_opinion=views.may_write_opinion(who, view.doc.department))


# ---- search, compare, rules ------------------------------------------------------------


@router.get("/search")
async def search_page(request: Request, who: Who, q: Annotated[str, Query(max_length=200)] = "",
                      page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Response:
    keep(request)
    found = resources.hits(request.app.state.workspace, who, q, PAGE,
                           (max(page, 1) - 1) * PAGE)  # as /api/v1/search
    return render(request, "search.html", who, q=q, hits=found.items, total=found.total,
                  page=found.page, pages=found.pages, kinds=KINDS)


def compare_scope(who: Caller, department: str | None) -> str | None:
    """The department a comparison is limited to: the caller's own for a department user
    (another one asked for matches nothing), else the one chosen, if any."""
    own = views.own_department(who)
    department = (department or "").strip() or None
    if own is not None:
        return own if department in (None, own) else "\x00none"
    return department


@router.get("/compare")
async def compare_page(request: Request, who: Who,
                       name: Annotated[str, Query(max_length=200)] = "",
                       year: Annotated[str, Query(max_length=4)] = "",
                       department: Annotated[str, Query(max_length=200)] = "") -> Response:
    engine = request.app.state.engine
    scope = compare_scope(who, department)
    chosen = int(year) if year.isascii() and year.isdigit() and 2000 <= int(year) <= 2100 \
        else None  # 全部 (or anything else) is every year
    result = chart = None
    if name.strip():
        result = await asyncio.to_thread(compare_indicator, engine, name, department=scope,
                                         year=chosen)
        chart = distribution_svg(result.groups) if result.groups else None
    years = await asyncio.to_thread(stored_years, engine, scope)
    departments = [] if views.own_department(who) is not None else \
        await asyncio.to_thread(stored_departments, engine)
    return render(request, "compare.html", who, name=name, result=result, chart=chart,
                  year=chosen, years=years, department=department.strip(),
                  departments=departments)


@router.get("/compare/project")
async def compare_project_page(request: Request, who: Who,
                               name: Annotated[str, Query(max_length=200)] = "",
                               department: Annotated[str, Query(max_length=200)] = ""
                               ) -> Response:
    """A project's years side by side: a column per year, a row per indicator."""
    engine = request.app.state.engine
    scope = compare_scope(who, department)
    series = suggestions = None
    if name.strip():
        series = await asyncio.to_thread(project_series, engine, name, department=scope)
        if not series.years:
            suggestions = [n for n, _ in (await asyncio.to_thread(
                names_containing, engine, name, department=scope, kind="project")
                ).most_common(8)] or await asyncio.to_thread(
                    suggest_names, engine, name, department=scope, kind="project")
    rows: list[dict[str, Any]] = []
    if series is not None and series.years:
        keys = list(dict.fromkeys(k for y in series.years for k in y.targets))
        changes = [{}, *({matching.indicator_key(c.indicator): c for c in step.changes}
                         for step in series.steps)]
        for key in keys:
            cells = []
            for y, change in zip(series.years, changes, strict=True):
                held = y.targets.get(key)
                cells.append({"target": held[1] if held else None,
                              "change": change.get(key)})
            name_of = next(y.targets[key][0] for y in series.years if key in y.targets)
            rows.append({"name": name_of, "cells": cells})
    return render(request, "compare_project.html", who, name=name, series=series,
                  rows=rows, suggestions=suggestions, labels=CHANGE_LABELS)


@router.get("/rules")
async def rules_page(request: Request, who: Who) -> Response:
    profile = library.active_profile(request.app.state.store)
    settings = {s.rule.id: s for s in profile.active()}
    return render(request, "rules.html", who, rules=sorted(RULES.values(), key=lambda r: r.id),
                  profile=profile, settings=settings)


@router.get("/admin/rules")
async def profiles_page(request: Request, who: Who) -> Response:
    require_role(who, "admin")
    return render(request, "profiles.html", who,
                  profiles=profiles.list_profiles(request.app.state.engine), error=None)


@router.post("/admin/rules")
async def profile_form(request: Request, who: Who,
                       toml: Annotated[str, Form(max_length=100_000)]) -> Response:
    require_role(who, "admin")
    engine = request.app.state.engine
    try:
        library.save_profile(request.app.state.store, who.user, toml)
    except ProfileError as exc:
        return render(request, "profiles.html", who, status=400,
                      profiles=profiles.list_profiles(engine), error=str(exc), toml=toml)
    return RedirectResponse("/admin/rules", status_code=303)


@router.post("/admin/rules/active")
async def activate_form(request: Request, who: Who,
                        name: Annotated[str, Form(max_length=80)] = "") -> Response:
    require_role(who, "admin")
    try:
        request.app.state.store.activate_profile(who.user, name or None)
    except KeyError:
        raise WebError(404, "not-found", say("web.no-profile", name=name)) from None
    return RedirectResponse("/admin/rules", status_code=303)


# ---- the account and administration ----------------------------------------------------


def _account(request: Request, who: Caller, token: str | None = None, status: int = 200,
             **extra: Any) -> Response:
    return render(request, "account.html", who, token=token, status=status, **extra,
                  tokens=accounts.list_api_tokens(request.app.state.engine, who.user.id),
                  token_days=accounts.TOKEN_DAYS, token_max_days=accounts.TOKEN_MAX_DAYS)


@router.get("/account")
async def account_page(request: Request, who: Who) -> Response:
    return _account(request, who)


@router.post("/account/tokens")
async def token_form(request: Request, who: Who,
                     name: Annotated[str, Form(min_length=1, max_length=100)],
                     expires_in_days: Annotated[int, Form(ge=1, le=accounts.TOKEN_MAX_DAYS)]
                     = accounts.TOKEN_DAYS) -> Response:
    token = request.app.state.store.add_api_token(who.user, name, expires_in_days)
    return _account(request, who, token)


def _revoke(request: Request, who: Caller, token_id: int) -> None:
    try:
        request.app.state.store.revoke_api_token(token_id, who.user)
    except accounts.AccountError:  # another user's token is answered as none
        raise WebError(404, "not-found", say("web.no-token")) from None


@router.post("/account/tokens/{token_id}/revoke")
async def revoke_form(request: Request, who: Who, token_id: TokenId) -> Response:
    _revoke(request, who, token_id)
    return RedirectResponse("/account", status_code=303)


def _users(request: Request, who: Caller, status: int = 200, error: str | None = None
           ) -> Response:
    engine = request.app.state.engine
    return render(request, "users.html", who, status=status,
                  users=admin_store.accounts_list(engine),  # disabled ones too (issue 17)
                  roles=accounts.ROLE_LABELS, locked=accounts.locked_names(engine),
                  tokens=accounts.list_api_tokens(engine), error=error)


@router.get("/admin/users")
async def users_page(request: Request, who: Who) -> Response:
    require_role(who, "admin")
    return _users(request, who)


@router.post("/admin/users/unlock")
async def unlock_form(request: Request, who: Who,
                      username: Annotated[str, Form(max_length=200)]) -> Response:
    require_role(who, "admin")
    request.app.state.store.unlock(username, by=who.user)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/tokens/{token_id}/revoke")
async def admin_revoke_form(request: Request, who: Who, token_id: TokenId) -> Response:
    require_role(who, "admin")
    _revoke(request, who, token_id)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users")
async def user_form(request: Request, who: Who, username: Annotated[str, Form(max_length=80)],
                    password: Annotated[str, Form()], role: Annotated[str, Form()],
                    department: Annotated[str, Form()] = "") -> Response:
    require_role(who, "admin")
    try:
        async with hashing_gate():  # the password is hashed off the event loop
            await asyncio.to_thread(request.app.state.store.add_user, username.strip(),
                                    password, role, department.strip() or None, by=who.user)
    except accounts.AccountError as exc:
        return _users(request, who, status=400, error=str(exc))
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/admin/departments")
async def departments_page(request: Request, who: Who) -> Response:
    """Departments as the stored tables name them, with their users; a user whose
    department no table names (a typo, say) is listed apart."""
    require_role(who, "admin")
    engine = request.app.state.engine
    documents = Counter(d.department for d in store.list_documents(engine))
    users: dict[str | None, list[str]] = {}
    for u in accounts.list_users(engine):
        if u.role == "department":
            users.setdefault(u.department, []).append(u.username)
    return render(request, "departments.html", who, documents=documents, users=users,
                  strays={d: names for d, names in users.items() if d not in documents})


# /admin/changes: the change log in Chinese, filtered and paged (web/admin.py)


# /documents/{id}/download/… (web/downloads.py), as routes of this router: the app and the
# tests that walk the pages' routes see them as pages
router.routes.extend(downloads.router.routes)
