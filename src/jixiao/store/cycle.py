"""The review cycle (issue 17): a department submits (提交) a document, the bureau passes
(通过) or returns (退回) each project or the whole document, the department uploads a revised
table — the next version of the same document — and resubmits, the bureau approves.

The transitions are data (`DOCUMENT_TRANSITIONS`, `PROJECT_TRANSITIONS`): from which state,
to which, who may make it, whether it needs an opinion. Every action names the revision of
the row its maker saw; when another got there first the action is refused (`Conflict`),
nothing of the other's is overwritten and the refused opinion is quoted back. Each step is a
row of `cycle_events` and of the change log, in the transaction of the change.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, case, func, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite

from jixiao.errors import JixiaoError
from jixiao.formatting import when
from jixiao.messages import Labels, say
from jixiao.model import Finding, Level
from jixiao.store.accounts import ROLE_LABELS, User, record
from jixiao.store.schema import (
    GRADE_COLUMNS,
    cycle_documents,
    cycle_events,
    cycle_projects,
    documents,
    findings,
    projects,
)

CHINA = ZoneInfo("Asia/Shanghai")

DOCUMENT_STATES = Labels("cycle.document-states",
                         ("draft", "submitted", "returned", "approved", "superseded"))
PROJECT_STATES = Labels("cycle.project-states", ("pending", "passed", "returned"))
ROLE_NAMES = ROLE_LABELS
OPINION_LIMIT = 4000


@dataclass(frozen=True, slots=True)
class Transition:
    action: str
    source: str
    target: str
    roles: frozenset[str]
    button: str  # the key of its button's words (cycle.buttons)
    opinion: bool = False  # an opinion is required

    @property
    def label(self) -> str:
        """The button, and the verb of a refusal."""
        return say(f"cycle.buttons.{self.button}")


def _t(action: str, source: str, target: str, roles: str, button: str,
       opinion: bool = False) -> Transition:
    return Transition(action, source, target, frozenset(roles.split()), button, opinion)


DOCUMENT_TRANSITIONS: tuple[Transition, ...] = (
    _t("submit", "draft", "submitted", "department admin", "submit"),
    _t("return", "submitted", "returned", "reviewer admin", "return-document"),
    _t("approve", "submitted", "approved", "reviewer admin", "approve"),
    # a revised table replaces a returned version (or a draft not yet submitted)
    _t("revise", "returned", "superseded", "department admin", "revise"),
    _t("revise", "draft", "superseded", "department admin", "revise"),
)
PROJECT_TRANSITIONS: tuple[Transition, ...] = (
    _t("pass", "pending", "passed", "reviewer admin", "pass"),
    _t("return", "pending", "returned", "reviewer admin", "return-project", opinion=True),
    # a reviewer may change their mind while the document is under review
    _t("pass", "returned", "passed", "reviewer admin", "pass"),
    _t("return", "passed", "returned", "reviewer admin", "return-project", opinion=True),
)
ACTION_NAMES = Labels("cycle.actions",
                      ("submit", "return", "approve", "revise", "pass", "version"))


class CycleError(JixiaoError):
    """An action the cycle refuses; `status` the HTTP status the web gives it."""

    status = 409
    code = "refused"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Forbidden(CycleError):
    status = 403
    code = "forbidden"


class Invalid(CycleError):
    status = 422
    code = "invalid"


class Conflict(CycleError):
    """Another user changed the row since its revision was read."""

    code = "conflict"


@dataclass(frozen=True, slots=True)
class DocumentState:
    document_id: int
    cycle_id: int
    version: int
    previous_id: int | None
    state: str
    revision: int
    opinion: str | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None

    @property
    def label(self) -> str:
        return DOCUMENT_STATES[self.state]


@dataclass(frozen=True, slots=True)
class ProjectState:
    seq: int
    state: str
    revision: int
    opinion: str | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None

    @property
    def label(self) -> str:
        return PROJECT_STATES[self.state]


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    cycle_id: int
    document_id: int
    project_seq: int | None
    action: str
    before: str | None
    after: str
    opinion: str | None
    username: str | None
    at: datetime

    @property
    def label(self) -> str:
        states = DOCUMENT_STATES if self.project_seq is None else PROJECT_STATES
        return f"{ACTION_NAMES.get(self.action, self.action)} → {states.get(self.after, '')}"


def _aware(value: datetime | None) -> datetime | None:
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


def _when(value: datetime | None) -> str:
    return when(value)


def _document_state(row: Any, doc_id: int) -> DocumentState:
    if row is None:  # never touched by the cycle: a draft, the first version of its own
        return DocumentState(doc_id, doc_id, 1, None, "draft", 0)
    return DocumentState(row.document_id, row.cycle_id, row.version, row.previous_id,
                         row.state, row.revision, row.opinion, _aware(row.updated_at),
                         row.updated_by)


def _project_state(row: Any, seq: int) -> ProjectState:
    if row is None:
        return ProjectState(seq, "pending", 0)
    return ProjectState(row.project_seq, row.state, row.revision, row.opinion,
                        _aware(row.updated_at), row.updated_by)


def document_state(engine: Engine | Connection, doc_id: int) -> DocumentState:
    query = select(cycle_documents).where(cycle_documents.c.document_id == doc_id)
    if isinstance(engine, Connection):
        return _document_state(engine.execute(query).first(), doc_id)
    with engine.connect() as conn:
        return _document_state(conn.execute(query).first(), doc_id)


def project_states(engine: Engine, doc_id: int) -> dict[int, ProjectState]:
    """The projects that have a verdict in the cycle; the others are pending."""
    with engine.connect() as conn:
        return {r.project_seq: _project_state(r, r.project_seq) for r in conn.execute(
            select(cycle_projects).where(cycle_projects.c.document_id == doc_id))}


def versions(engine: Engine, cycle_id: int) -> list[DocumentState]:
    """Every version of a submission, first to last."""
    with engine.connect() as conn:
        rows = conn.execute(select(cycle_documents).where(cycle_documents.c.cycle_id == cycle_id)
                            .order_by(cycle_documents.c.version)).all()
        if not rows and conn.execute(select(documents.c.id).where(
                documents.c.id == cycle_id)).first() is not None:
            return [_document_state(None, cycle_id)]
    return [_document_state(r, r.document_id) for r in rows]


def history(engine: Engine, cycle_id: int) -> list[Event]:
    """Every step of a submission over all its versions, oldest first."""
    with engine.connect() as conn:
        return [Event(r.id, r.cycle_id, r.document_id, r.project_seq, r.action, r.before,
                      r.after, r.opinion, r.username, _aware(r.at))
                for r in conn.execute(select(cycle_events)
                                      .where(cycle_events.c.cycle_id == cycle_id)
                                      .order_by(cycle_events.c.id))]


@dataclass(frozen=True, slots=True)
class DocumentCycle:
    """A document's place in the cycle as a page shows it."""

    state: DocumentState
    projects: dict[int, ProjectState]  # those with a verdict; the others are pending
    versions: list[DocumentState]  # every version of its submission, first to last
    history: list[Event]  # every step over all of them, oldest first


def of_document(engine: Engine, doc_id: int) -> DocumentCycle:
    """`document_state`, `project_states`, `versions` and `history` of a stored document
    in one connection: one statement for a document the cycle never touched (it has no
    row, so no project verdict and no step either), three for one it did."""
    with engine.connect() as conn:
        same = (select(cycle_documents.c.cycle_id).where(cycle_documents.c.document_id == doc_id)
                .scalar_subquery())
        rows = conn.execute(select(cycle_documents).where(cycle_documents.c.cycle_id == same)
                            .order_by(cycle_documents.c.version)).all()
        if not rows:
            draft = _document_state(None, doc_id)
            return DocumentCycle(draft, {}, [draft], [])
        found = [_document_state(r, r.document_id) for r in rows]
        [state] = [v for v in found if v.document_id == doc_id]
        states = {r.project_seq: _project_state(r, r.project_seq) for r in conn.execute(
            select(cycle_projects).where(cycle_projects.c.document_id == doc_id))}
        steps = [Event(r.id, r.cycle_id, r.document_id, r.project_seq, r.action, r.before,
                       r.after, r.opinion, r.username, _aware(r.at))
                 for r in conn.execute(select(cycle_events)
                                       .where(cycle_events.c.cycle_id == state.cycle_id)
                                       .order_by(cycle_events.c.id))]
    return DocumentCycle(state, states, found, steps)


def allowed(user: User, transitions: Iterable[Transition], state: str) -> list[Transition]:
    """What `user` may do from `state` (the buttons a page shows)."""
    return [t for t in transitions if t.source == state and user.role in t.roles]


def _transition(transitions: Iterable[Transition], action: str, state: str, user: User,
                what: str, states: Mapping[str, str]) -> Transition:
    candidates = [t for t in transitions if t.action == action]
    if not candidates:
        raise Invalid(say("cycle.no-action", action=action))
    found = next((t for t in candidates if t.source == state), None)
    if found is None:
        sources = "、".join(dict.fromkeys(states[t.source] for t in candidates))
        raise CycleError(say("cycle.wrong-state", what=what, state=states[state],
                             verb=candidates[0].label, sources=sources))
    if user.role not in found.roles:
        who = "、".join(ROLE_NAMES[r] for r in sorted(found.roles))
        raise Forbidden(say("cycle.role-cannot", role=ROLE_NAMES.get(user.role, user.role),
                            verb=found.label, who=who))
    return found


def _opinion(text: str | None, required: bool, label: str) -> str | None:
    text = (text or "").strip()
    if len(text) > OPINION_LIMIT:
        raise Invalid(say("cycle.opinion-too-long", most=OPINION_LIMIT))
    if required and not text:
        raise Invalid(say("cycle.opinion-needed", what=label))
    return text or None


def _insert_ignore(conn: Connection, table: Any, values: dict[str, Any]) -> None:
    """The row, unless it is there already or its document is not (a write either way)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    source = select(*(literal(v).label(k) for k, v in values.items())).where(
        documents.c.id == values["document_id"])
    conn.execute(dialect.insert(table).from_select(list(values), source)
                 .on_conflict_do_nothing())


def _document_row(conn: Connection, doc_id: int) -> Any:
    """The document (its department) and its cycle row, made a draft row if it had none —
    the first statement a write, so that SQLite takes its lock at once."""
    _insert_ignore(conn, cycle_documents, {"document_id": doc_id, "cycle_id": doc_id,
                                           "version": 1, "state": "draft", "revision": 0})
    row = conn.execute(select(cycle_documents, documents.c.department)
                       .join(documents, documents.c.id == cycle_documents.c.document_id)
                       .where(cycle_documents.c.document_id == doc_id)
                       .with_for_update(of=cycle_documents)).first()
    if row is None:
        raise Invalid(say("store.no-document-id", id=doc_id))
    return row


def _own(user: User, department: str | None) -> None:
    if user.role == "department" and department != user.department:
        raise Forbidden(say("cycle.other-department", department=department))


def _conflict(what: str, row: Any, states: Mapping[str, str], opinion: str | None
              ) -> Conflict:
    kept = say("cycle.your-opinion-kept", opinion=opinion) if opinion else ""
    return Conflict(say("cycle.conflict", what=what, name=row.updated_by or say("cycle.someone"),
                        when=_when(row.updated_at), state=states[row.state], kept=kept))


def _event(conn: Connection, user: User, cycle_id: int, doc_id: int, seq: int | None,
           action: str, before: str | None, after: str, opinion: str | None,
           now: datetime) -> None:
    conn.execute(insert(cycle_events).values(
        cycle_id=cycle_id, document_id=doc_id, project_seq=seq, action=action, before=before,
        after=after, opinion=opinion, user_id=user.id, username=user.username, at=now))
    entity = f"document {doc_id}" if seq is None else f"project {doc_id}/{seq}"
    record(conn, user, f"cycle-{action}", entity, None if before is None else {"state": before},
           {"state": after, "opinion": opinion})


def _act_on_document(engine: Engine, user: User, doc_id: int, action: str, revision: int,
                    opinion: str | None = None, now: datetime | None = None) -> DocumentState:
    """Submit, return or approve a whole document, as seen at `revision`."""
    if action == "revise":
        raise Invalid(say("cycle.revise-by-upload"))
    now = now or datetime.now(UTC)
    with engine.begin() as conn:
        row = _document_row(conn, doc_id)
        _own(user, row.department)
        text = _opinion(opinion, False, "")
        if row.revision != revision:
            raise _conflict(say("cycle.this-document"), row, DOCUMENT_STATES, text)
        t = _transition(DOCUMENT_TRANSITIONS, action, row.state, user,
                        say("cycle.this-document"), DOCUMENT_STATES)
        decided = {r.project_seq: r for r in conn.execute(
            select(cycle_projects).where(cycle_projects.c.document_id == doc_id))}
        returned = sorted(s for s, r in decided.items() if r.state == "returned")
        if action == "approve" and returned:
            shown = "、".join(str(s) for s in returned[:10])
            raise CycleError(say("cycle.returned-projects", n=len(returned), shown=shown))
        if action == "return" and not text and not returned:
            raise Invalid(say("cycle.return-needs-opinion"))
        changed = conn.execute(
            update(cycle_documents).where(cycle_documents.c.document_id == doc_id,
                                          cycle_documents.c.revision == revision)
            .values(state=t.target, revision=revision + 1, opinion=text, updated_at=now,
                    updated_by=user.username)).rowcount
        if changed != 1:  # (the row is locked above; kept as the last word)
            raise _conflict(say("cycle.this-document"), document_state(conn, doc_id),
                            DOCUMENT_STATES, text)
        _event(conn, user, row.cycle_id, doc_id, None, action, row.state, t.target, text, now)
        if action == "submit" and decided:  # a fresh review of this version
            conn.execute(cycle_projects.delete().where(cycle_projects.c.document_id == doc_id))
        if action == "approve":  # what was still waiting is passed with the document
            seqs = conn.execute(select(projects.c.seq).where(projects.c.document_id == doc_id)
                                .order_by(projects.c.seq)).scalars().all()
            for seq in seqs:
                if seq in decided and decided[seq].state == "passed":
                    continue
                if seq in decided:
                    conn.execute(update(cycle_projects).where(
                        cycle_projects.c.document_id == doc_id,
                        cycle_projects.c.project_seq == seq).values(
                        state="passed", revision=cycle_projects.c.revision + 1,
                        updated_at=now, updated_by=user.username))
                else:
                    conn.execute(insert(cycle_projects).values(
                        document_id=doc_id, project_seq=seq, state="passed", revision=1,
                        updated_at=now, updated_by=user.username))
                _event(conn, user, row.cycle_id, doc_id, seq, "pass", "pending", "passed",
                       None, now)
        return document_state(conn, doc_id)


def _act_on_project(engine: Engine, user: User, doc_id: int, seq: int, action: str,
                   revision: int, opinion: str | None = None, now: datetime | None = None
                   ) -> ProjectState:
    """Pass or return one project of a document under review, as seen at `revision`: of two
    reviewers acting on the same project at once, the second is refused (`Conflict`)."""
    now = now or datetime.now(UTC)
    with engine.begin() as conn:
        doc = _document_row(conn, doc_id)  # locked: no approval slips in meanwhile
        _own(user, doc.department)
        if conn.execute(select(projects.c.seq).where(projects.c.document_id == doc_id,
                                                     projects.c.seq == seq)).first() is None:
            raise Invalid(say("yearend.no-project", id=doc_id, seq=seq))
        candidates = [t for t in PROJECT_TRANSITIONS if t.action == action]
        if not candidates:
            raise Invalid(say("cycle.no-action", action=action))
        if user.role not in candidates[0].roles:
            who = "、".join(ROLE_NAMES[r] for r in sorted(candidates[0].roles))
            raise Forbidden(say("cycle.role-cannot-project",
                                role=ROLE_NAMES.get(user.role, user.role),
                                verb=candidates[0].label, who=who))
        if doc.state != "submitted":
            raise CycleError(say("cycle.not-under-review", state=DOCUMENT_STATES[doc.state],
                                 verb=candidates[0].label))
        text = _opinion(opinion, candidates[0].opinion, say("cycle.return-project-what"))
        _insert_ignore(conn, cycle_projects, {"document_id": doc_id, "project_seq": seq,
                                              "state": "pending", "revision": 0})
        key = (cycle_projects.c.document_id == doc_id, cycle_projects.c.project_seq == seq)
        row = conn.execute(select(cycle_projects).where(*key)).one()
        if row.revision != revision:
            raise _conflict(say("cycle.project-n", seq=seq), row, PROJECT_STATES, text)
        t = _transition(PROJECT_TRANSITIONS, action, row.state, user,
                        say("cycle.project-n", seq=seq), PROJECT_STATES)
        # the revision seen is checked once more by the write itself: the database decides
        changed = conn.execute(update(cycle_projects).where(
            *key, cycle_projects.c.revision == revision).values(
            state=t.target, revision=revision + 1, opinion=text, updated_at=now,
            updated_by=user.username)).rowcount
        if changed != 1:
            raise _conflict(say("cycle.project-n", seq=seq),
                            conn.execute(select(cycle_projects).where(*key)).one(),
                            PROJECT_STATES, text)
        _event(conn, user, doc.cycle_id, doc_id, seq, action, row.state, t.target, text, now)
        return _project_state(conn.execute(select(cycle_projects).where(*key)).one(), seq)


def check_revisable(user: User, state: DocumentState, department: str | None) -> None:
    """Refuse early (before a revised table is stored) what `_revise` would refuse."""
    _own(user, department)
    _transition(DOCUMENT_TRANSITIONS, "revise", state.state, user, say("cycle.this-document"),
                DOCUMENT_STATES)


def _revise_versions(engine: Engine, user: User, old_id: int, new_id: int, revision: int,
           now: datetime | None = None) -> DocumentState:
    """Make the stored document `new_id` the next version of `old_id` (returned, or a draft),
    which becomes superseded; the new version is a draft to be submitted."""
    with engine.begin() as conn:
        return _revise(conn, user, old_id, new_id, revision, now)


def _revise(conn: Connection, user: User, old_id: int, new_id: int, revision: int,
            now: datetime | None = None) -> DocumentState:
    """`_revise_versions` inside a transaction already open: a revised upload's, with its ingest
    (Store.ingest), so that the table is stored only as the next version."""
    now = now or datetime.now(UTC)
    if old_id == new_id:
        raise Invalid(say("cycle.same-table"))
    old = _document_row(conn, old_id)
    _own(user, old.department)
    if old.revision != revision:
        raise _conflict(say("cycle.this-document"), old, DOCUMENT_STATES, None)
    t = _transition(DOCUMENT_TRANSITIONS, "revise", old.state, user,
                    say("cycle.this-document"), DOCUMENT_STATES)
    new = _document_row(conn, new_id)
    if new.department != old.department:
        raise Invalid(say("cycle.other-department-revision", new=new.department,
                          old=old.department))
    if new.cycle_id != new_id or new.state != "draft" or new.revision != 0:
        raise Invalid(say("cycle.already-in-cycle", id=new_id, version=new.version,
                          state=DOCUMENT_STATES[new.state]))
    conn.execute(update(cycle_documents).where(cycle_documents.c.document_id == old_id)
                 .values(state=t.target, revision=revision + 1, updated_at=now,
                         updated_by=user.username))
    conn.execute(update(cycle_documents).where(cycle_documents.c.document_id == new_id)
                 .values(cycle_id=old.cycle_id, version=old.version + 1,
                         previous_id=old_id, revision=1, updated_at=now,
                         updated_by=user.username))
    _event(conn, user, old.cycle_id, old_id, None, "revise", old.state, t.target, None, now)
    _event(conn, user, old.cycle_id, new_id, None, "version", None, "draft",
           say("cycle.new-version", version=old.version + 1, previous=old.version, id=old_id),
           now)
    return document_state(conn, new_id)


# ---- what waits for whom ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TodoItem:
    document_id: int
    cycle_id: int
    version: int
    department: str | None
    year: int | None
    title: str | None
    state: str
    updated_at: datetime | None
    updated_by: str | None
    opinion: str | None
    projects: int
    returned: int  # projects returned
    passed: int

    @property
    def label(self) -> str:
        return DOCUMENT_STATES[self.state]

    @property
    def waiting(self) -> int:
        return self.projects - self.returned - self.passed if self.state == "submitted" else 0


@dataclass(frozen=True, slots=True)
class Todo:
    """The lists of a role: `mine` is what waits for the caller (returned to a department,
    submitted for a reviewer), `others` what waits for the other side."""

    mine: list[TodoItem]
    drafts: list[TodoItem]  # a department's tables not yet submitted
    others: list[TodoItem]
    approved: list[TodoItem]  # approved this week (since Monday, China time)


def week_start(now: datetime) -> datetime:
    local = now.astimezone(CHINA)
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0,
                                                                microsecond=0)
    return monday.astimezone(UTC)


def _items(conn: Connection, department: str | None) -> list[TodoItem]:
    """Every document's current place in the cycle (superseded versions left out)."""
    counts = (select(cycle_projects.c.document_id,
                     func.sum(case((cycle_projects.c.state == "returned", 1), else_=0))
                     .label("returned"),
                     func.sum(case((cycle_projects.c.state == "passed", 1), else_=0))
                     .label("passed"))
              .group_by(cycle_projects.c.document_id).subquery())
    query = (select(documents.c.id, documents.c.department, documents.c.year, documents.c.title,
                    documents.c.n_projects, cycle_documents, counts.c.returned, counts.c.passed)
             .select_from(documents)
             .outerjoin(cycle_documents, cycle_documents.c.document_id == documents.c.id)
             .outerjoin(counts, counts.c.document_id == documents.c.id)
             .order_by(documents.c.id))
    if department is not None:
        query = query.where(documents.c.department == department)
    items = []
    for r in conn.execute(query):
        state = r.state or "draft"
        if state == "superseded":
            continue
        items.append(TodoItem(r.id, r.cycle_id or r.id, r.version or 1, r.department, r.year,
                              r.title, state, _aware(r.updated_at), r.updated_by, r.opinion,
                              r.n_projects, int(r.returned or 0), int(r.passed or 0)))
    return items


def todo(engine: Engine, user: User, now: datetime | None = None) -> Todo:
    """What waits for `user`: a department's returned and draft tables, a reviewer's
    submitted ones; the other side's; what was approved this week."""
    now = now or datetime.now(UTC)
    department = None if user.sees_everything else (user.department or "\x00none")
    with engine.connect() as conn:
        items = _items(conn, department)
    since = week_start(now)
    by_state: dict[str, list[TodoItem]] = defaultdict(list)
    for item in items:
        by_state[item.state].append(item)
    approved = [i for i in by_state["approved"] if i.updated_at and i.updated_at >= since]
    oldest = sorted(by_state["submitted"], key=lambda i: i.updated_at or now)
    returned = sorted(by_state["returned"], key=lambda i: i.updated_at or now)
    if user.role == "department":
        return Todo(returned, by_state["draft"], oldest, approved)
    return Todo(oldest, [], returned, approved)


# ---- the bureau's overview -------------------------------------------------------------


@dataclass(slots=True)
class OverviewRow:
    document_id: int
    cycle_id: int
    version: int
    department: str | None
    year: int | None
    title: str | None
    state: str
    projects: int
    indicators: int
    total: Decimal  # the projects' 总计 summed, 万元
    grand_total: Decimal | None  # the 合计 row
    verdicts: Counter[str] = field(default_factory=Counter)  # 优/良/中/差 → projects
    rules: Counter[str] = field(default_factory=Counter)  # rule → findings
    # each project's findings (rule and severity): the review's verdict rule grades them
    # (jixiao.library.overview fills `verdicts`; the store judges nothing)
    # (only for a document stored without its counts: `graded` false)
    project_findings: dict[int, list[Finding]] = field(default_factory=dict)
    graded: bool = False  # `verdicts` read as stored with the findings (0013)
    returned: int = 0
    waiting: int = 0
    updated_at: datetime | None = None

    @property
    def label(self) -> str:
        return DOCUMENT_STATES[self.state]

    @property
    def findings(self) -> int:
        return sum(self.rules.values())


def overview_rows(engine: Engine, department: str | None = None,
                  superseded: bool = False) -> list[OverviewRow]:
    """Every document (of `department`) with its state, money, findings by rule and by
    project, and projects returned or waiting — the current versions unless
    `superseded`."""
    with engine.connect() as conn:
        items = {i.document_id: i for i in _items(conn, department)}
        query = (select(documents.c.id, documents.c.n_indicators, documents.c.project_total,
                        documents.c.grand_total, cycle_documents.c.state,
                        cycle_documents.c.cycle_id, cycle_documents.c.version,
                        cycle_documents.c.updated_at, documents.c.department,
                        documents.c.year, documents.c.title, documents.c.n_projects,
                        documents.c.ingested_at, documents.c.rule_counts,
                        *(documents.c[c] for c in GRADE_COLUMNS.values()))
                 .outerjoin(cycle_documents, cycle_documents.c.document_id == documents.c.id)
                 .order_by(documents.c.id))
        if department is not None:
            query = query.where(documents.c.department == department)
        rows: dict[int, OverviewRow] = {}
        for r in conn.execute(query):
            if r.id not in items and not superseded:
                continue
            item = items.get(r.id)
            rows[r.id] = OverviewRow(
                r.id, r.cycle_id or r.id, r.version or 1, r.department, r.year, r.title,
                r.state or "draft", r.n_projects, r.n_indicators, r.project_total,
                r.grand_total, returned=item.returned if item else 0,
                waiting=item.waiting if item else 0,
                updated_at=_aware(r.updated_at) or _aware(r.ingested_at))
            row = rows[r.id]
            if r.rule_counts is not None and r.n_poor is not None:
                # counted when stored (0013): no finding need be read
                row.graded = True
                row.rules.update(json.loads(r.rule_counts))
                row.verdicts.update({g: n for g, c in GRADE_COLUMNS.items()
                                     if (n := r._mapping[c]) or g == "优"})
        ungraded = [i for i, row in rows.items() if not row.graded]
        if ungraded:  # stored without a grader: each finding, graded by the library
            for f in conn.execute(select(findings.c.document_id, findings.c.project_seq,
                                         findings.c.rule, findings.c.severity)
                                  .where(findings.c.document_id.in_(ungraded))):
                row = rows[f.document_id]
                row.rules[f.rule] += 1
                if f.project_seq is not None:
                    row.project_findings.setdefault(f.project_seq, []).append(
                        Finding(f.rule, Level(f.severity), ""))
    return list(rows.values())


__all__ = ["ACTION_NAMES", "DOCUMENT_STATES", "DOCUMENT_TRANSITIONS", "PROJECT_STATES",
           "PROJECT_TRANSITIONS", "Conflict", "CycleError", "DocumentCycle", "DocumentState",
           "Event", "Forbidden", "Invalid", "OverviewRow", "ProjectState", "Todo", "TodoItem",
           "Transition", "allowed", "check_revisable", "document_state", "history",
           "of_document", "overview_rows", "project_states", "todo", "versions"]
