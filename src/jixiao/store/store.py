"""`Store`: one database, opened from a URL, and the only way to write to it.

It holds the engine and the cache of stored documents (they never change once stored).
Each write — a table ingested, a batch of actual values, an opinion, a deletion, a step of
the review cycle — is one transaction with its change-log row and, for a table, its review
findings: the CLI, the bulk load and the web call the same methods, so the same file gets
the same findings and the same log everywhere.

The store reviews nothing itself (it imports no service): the review is handed in when it
is opened (`reviewer`: a document and the TOML of a rule profile → findings), as the
library's faces do through `jixiao.library.open_store`.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, select

from jixiao.model import Actual, Document, Execution, Finding, SourceInfo
from jixiao.store import (
    accounts,
    admin,
    corrections,
    cycle,
    load,
    memo,
    profiles,
    repository,
    yearend,
)
from jixiao.store.accounts import User, record
from jixiao.store.corrections import Correction
from jixiao.store.repository import IngestResult, PreparedDocument, StoreError
from jixiao.store.schema import documents

# a document and the TOML of the rule profile to review it by (None: the defaults)
Reviewer = Callable[[Document, str | None], Sequence[Finding]]
Grader = repository.Grader  # a project's findings → its verdict (优/良/中/差)


class NotFound(StoreError):
    """No stored document of that id (deleted, perhaps through another process)."""


class Loaded(NamedTuple):
    doc: Document
    findings: list[Finding]


class _Active:
    """`profile=` left out: the rule profile an admin made active (else the defaults)."""


ACTIVE: Any = _Active()


def weight(doc: Document) -> int:
    """What a cached document costs, counted in the objects that make its memory: its
    projects and indicators (about 2 KB each once read back with spans and findings)."""
    return len(doc.projects) + sum(len(p.indicators) for p in doc.projects)


class Store:
    """The database of one bureau. Stored documents are cached, bounded by count and by
    weight (projects + indicators held): a document heavier than the whole budget is
    served but not kept; each look-up still asks whether the document exists (one
    deleted through another server process must not be shown). Web requests load
    documents in several threads, so the cache is guarded by a lock."""

    SIZE = 64
    WEIGHT = 200_000

    def __init__(self, engine: Engine, *, reviewer: Reviewer | None = None,
                 grader: Grader | None = None, size: int = SIZE,
                 max_weight: int = WEIGHT) -> None:
        self.engine = engine
        self.reviewer = reviewer
        self.grader = grader  # the review's counts stored with the findings (0013)
        self.size, self.max_weight = size, max_weight
        self._cache: OrderedDict[int, Loaded] = OrderedDict()
        self._weights: dict[int, int] = {}
        self._versions: dict[int, int] = {}  # the last correction of each cached document
        self._lock = threading.Lock()

    @classmethod
    def open(cls, db: str | None = None, *, migrate: bool = True,
             reviewer: Reviewer | None = None, grader: Grader | None = None,
             read: str | None = None) -> Store:
        """The store at `db` (a URL or a SQLite file; default $JIXIAO_DB, else the user's
        data file), brought to the current schema unless `migrate` is false. `read`: the
        URL of a streaming replica that answers every read (store.replica)."""
        engine = repository.connect(db, migrate=migrate)
        if read is not None:
            from jixiao.store.replica import routed

            engine = routed(engine, read)
        return cls(engine, reviewer=reviewer, grader=grader)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    # ---- the document cache ----------------------------------------------------------

    @property
    def held(self) -> tuple[int, int]:
        """(documents cached, their weight)."""
        with self._lock:
            return len(self._cache), sum(self._weights.values())

    def cached(self, doc_id: int) -> bool:
        with self._lock:
            return doc_id in self._cache

    def exists(self, doc_id: int) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(documents.c.id).where(documents.c.id == doc_id)
                                ).first() is not None

    def document(self, doc_id: int) -> Loaded:
        """A stored document and its review findings; NotFound when there is none. A
        document changes only by a correction (store.corrections): the look-up asks for
        its last one too, so a correction made through another server process is seen."""
        version = corrections.version(self.engine, doc_id)
        if version is None:
            self.forget(doc_id)
            raise NotFound(f"no document with id {doc_id}")
        if version == 0:  # no correction: the page's list of them needs no query
            memo.note(("corrections", self.url, doc_id), [])
        with self._lock:
            if doc_id in self._cache and self._versions.get(doc_id) == version:
                self._cache.move_to_end(doc_id)
                return self._cache[doc_id]
        # outside the lock: it takes a while
        loaded = Loaded(self._build(doc_id), repository.load_findings(self.engine, doc_id))
        cost = weight(loaded.doc)
        if cost > self.max_weight:
            return loaded  # not kept: it alone is over the budget
        with self._lock:
            self._cache[doc_id] = loaded
            self._weights[doc_id] = cost
            self._versions[doc_id] = version
            while len(self._cache) > self.size or sum(self._weights.values()) > self.max_weight:
                old, _ = self._cache.popitem(last=False)
                self._weights.pop(old, None)
                self._versions.pop(old, None)
        return loaded

    def _build(self, doc_id: int) -> Document:
        """The stored rows as a Document, with their boxes and corrections: the one place the
        overlay applies (store.corrections), so every face, export, review and score sees
        the corrected values."""
        return corrections.apply(self.engine, doc_id,
                                 repository.load_document(self.engine, doc_id))

    def forget(self, doc_id: int) -> None:
        with self._lock:
            self._cache.pop(doc_id, None)
            self._weights.pop(doc_id, None)
            self._versions.pop(doc_id, None)

    def resolve(self, ref: str) -> int:
        """A document id from an id, a file name seen at ingest, or a sha256 prefix."""
        return repository.resolve_document(self.engine, ref)

    def grand_totals(self, ids: Iterable[int]) -> dict[int, Decimal | None]:
        """The 合计 row each document states (万元), beside the sum of its projects."""
        with self.engine.connect() as conn:
            return dict(conn.execute(select(documents.c.id, documents.c.grand_total)
                                     .where(documents.c.id.in_(list(ids)))).all())

    def departments(self, ids: Iterable[int]) -> dict[int, str]:
        """The department each of these documents names (those that name one)."""
        with self.engine.connect() as conn:
            return {r.id: r.department for r in conn.execute(
                select(documents.c.id, documents.c.department)
                .where(documents.c.id.in_(list(ids)))) if r.department}

    # ---- review profiles ---------------------------------------------------------------

    def active_profile(self) -> str | None:
        """The TOML of the rule profile an admin made active; None: the defaults."""
        return profiles.active_toml(self.engine)

    def review(self, doc: Document, profile: str | None = ACTIVE) -> list[Finding]:
        """The findings `doc` is stored with: by `profile` (TOML), by default the active
        one; none when the store was opened without a reviewer."""
        if self.reviewer is None:
            return []
        toml = self.active_profile() if profile is ACTIVE else profile
        return list(self.reviewer(doc, toml))

    def save_profile(self, user: User | None, name: str, toml: str) -> None:
        """Keep a rule profile checked by the caller (jixiao.library.save_profile)."""
        profiles._save_profile(self.engine, user, name, toml)

    def activate_profile(self, user: User | None, name: str | None) -> None:
        """Make `name` the profile of every ingest and upload (None: the defaults); raises
        KeyError for a name not kept."""
        profiles._activate(self.engine, user, name)

    # ---- accounts an admin runs (store.admin, issue 17) ----------------------------------

    def update_user(self, by: User | None, username: str, role: str,
                    department: str | None) -> admin.Account:
        return admin._update_user(self.engine, by, username, role, department)

    def reset_password(self, by: User | None, username: str, password: str) -> None:
        admin._reset_password(self.engine, by, username, password)

    def set_active(self, by: User | None, username: str, active: bool) -> admin.Account:
        return admin._set_active(self.engine, by, username, active)

    def change_own_password(self, user: User, old: str, new: str) -> tuple[str, str]:
        return admin._change_own_password(self.engine, user, old, new)

    def set_token_expiry(self, by: User, token_id: int, days: int) -> Any:
        return admin._set_token_expiry(self.engine, by, token_id, days)

    def add_user(self, username: str, password: str, role: str, department: str | None = None,
                 *, by: User | None = None) -> User:
        return accounts.add_user(self.engine, username, password, role, department, by=by)

    def unlock(self, username: str, by: User | None = None) -> bool:
        return accounts.unlock(self.engine, username, by=by)

    def add_api_token(self, user: User, name: str,
                      expires_in_days: int = accounts.TOKEN_DAYS) -> str:
        return accounts.add_api_token(self.engine, user, name, expires_in_days)

    def revoke_api_token(self, token_id: int, by: User | None = None) -> accounts.ApiToken:
        return accounts.revoke_api_token(self.engine, token_id, by)

    # ---- writes ------------------------------------------------------------------------

    def ingest(self, data: bytes, name: str, *, profile: str | None = ACTIVE,
               year: int | None = None, user: User | None = None,
               check: Callable[[Document], None] | None = None,
               action: str = "upload", revises: tuple[int, int] | None = None
               ) -> IngestResult:
        """Read a table's bytes, review it, store it with its findings and its change-log
        row, in one transaction. `check(doc)` may refuse the reading before anything is
        stored (a department's upload of another's table). `revises`: (document id, the
        revision the uploader saw): the table is stored as that document's next version in
        the same transaction (a CycleError stores nothing). Raises
        ReadError."""
        from jixiao.readers import read_bytes, sniff

        doc = read_bytes(data, name)
        if check is not None:
            check(doc)
        file = SourceInfo(name, hashlib.sha256(data).hexdigest(), sniff(data))
        return self.ingest_document(doc, file, profile=profile, year=year, user=user,
                                    action=action, data=data, revises=revises)

    def ingest_document(self, doc: Document, file: SourceInfo | None = None, *,
                        profile: str | None = ACTIVE, year: int | None = None,
                        user: User | None = None, action: str = "upload",
                        data: bytes | None = None,
                        revises: tuple[int, int] | None = None) -> IngestResult:
        """A document already read: reviewed and stored as `ingest` does; with its boxes,
        and `data` (the file's bytes) kept when it is a PDF (store.corrections)."""
        prepared = repository.prepare(doc, file, self.review(doc, profile), year,
                                      self.grader)
        return self.ingest_prepared([prepared], user=user, action=action,
                                    read={id(prepared): (doc, data)}, revises=revises)[0]

    def ingest_prepared(self, batch: Sequence[PreparedDocument], *, user: User | None = None,
                        action: str = "ingest", copy: bool = False,
                        read: dict[int, tuple[Document, bytes | None]] | None = None,
                        revises: tuple[int, int] | None = None) -> list[IngestResult]:
        """Documents prepared (and reviewed) elsewhere — a bulk load's worker processes —
        stored in one transaction with a change-log row for each new one; `copy`: with
        one binary COPY a table (store.load, PostgreSQL). `read`: by id() of a prepared
        document, the Document and the file's bytes, whose boxes and PDF are kept.
        `revises`: see `ingest`."""
        if revises is not None and (user is None or len(batch) != 1):
            raise StoreError("a revised version is one table, uploaded by a user")

        def log(conn: Connection, result: IngestResult, stored: PreparedDocument) -> None:
            if result.status == "new":
                record(conn, user, action, f"document {result.document_id}", None,
                       {"file": stored.file_name, "projects": result.projects,
                        "total": result.total})
            if read and (kept := read.get(id(stored))) is not None:
                corrections.keep(conn, result.document_id, kept[0], stored.sha256,
                                 stored.format, kept[1])
            if revises is not None and user is not None:  # the cycle's rows and events
                cycle._revise(conn, user, revises[0], result.document_id, revises[1])

        write = load.copy_prepared if copy else repository.ingest_prepared
        return write(self.engine, batch, log)

    def put_actuals(self, user: User | None, doc_id: int, year: int,
                    actuals: Iterable[Actual], period: str = "全年", *,
                    executions: Iterable[Execution] | None = None, replace: bool = False,
                    actor: str = "(cli)") -> int:
        """Many actual values (and a sheet's money) at once, all or nothing, a change-log
        row each (store.accounts)."""
        return accounts._put_actuals(self.engine, user, doc_id, year, actuals, period,
                                    executions=executions, replace=replace, actor=actor)

    def save_grid(self, user: User, doc_id: int, year: int, seq: int, revision: str,
                  values: Iterable[Actual], execution: Execution | None,
                  period: str = "全年") -> Any:
        """A project's year-end grid as one change, refused (GridConflict) when another
        saved first (store.yearend)."""
        return yearend._save_grid(self.engine, user, doc_id, year, seq, revision, values,
                                 execution, period)

    def add_opinion(self, user: User, doc_id: int, project_seq: int, text: str,
                    finding_position: int | None = None) -> int:
        return accounts._add_opinion(self.engine, user, doc_id, project_seq, text,
                                    finding_position)

    def delete(self, doc_id: int, user: User | None = None) -> None:
        """Remove a document with everything stored for it, logged in the same
        transaction."""
        with self.engine.connect() as conn:
            row = conn.execute(select(documents.c.title, documents.c.department,
                                      documents.c.n_projects)
                               .where(documents.c.id == doc_id)).first()
        if row is None:
            raise NotFound(f"no document with id {doc_id}")
        before = {"title": row.title, "department": row.department, "projects": row.n_projects}
        repository.delete_document(self.engine, doc_id, log=lambda conn: record(
            conn, user, "delete", f"document {doc_id}", before, None))
        self.forget(doc_id)

    # ---- the review cycle (store.cycle), each step one transaction with its log row ----

    # (the module's functions are private: these are the only way to take a step)

    def act_on_document(self, user: User, doc_id: int, action: str, revision: int,
                        opinion: str | None = None, now: datetime | None = None) -> Any:
        return cycle._act_on_document(self.engine, user, doc_id, action, revision, opinion,
                                      now)

    def act_on_project(self, user: User, doc_id: int, seq: int, action: str, revision: int,
                       opinion: str | None = None, now: datetime | None = None) -> Any:
        return cycle._act_on_project(self.engine, user, doc_id, seq, action, revision,
                                     opinion, now)

    def revise(self, user: User, old_id: int, new_id: int, revision: int) -> Any:
        """Make a stored document the next version of another (a revised upload does it
        in its own transaction: `ingest(revises=…)`)."""
        return cycle._revise_versions(self.engine, user, old_id, new_id, revision)

    # ---- a person's word on a doubtful value (store.corrections, issue 19) --------------

    def corrections(self, doc_id: int) -> list[Correction]:
        """Once a web request (store.memo.once); none when its look-up found none."""
        return memo.once(("corrections", self.url, doc_id),
                         lambda: corrections.list_corrections(self.engine, doc_id))

    def source(self, sha256: str | None) -> bytes | None:
        """The bytes of an uploaded PDF by their sha256 (Document.source.sha256), if kept."""
        return corrections.source(self.engine, sha256)

    def has_source(self, sha256: str | None) -> bool:
        return corrections.has_source(self.engine, sha256)

    def correct(self, user: User | None, doc_id: int, project: int, field: str,
                indicator: int | None, action: str, value: str | None,
                warning: int | None = None) -> Correction:
        """Confirm (`value` None) or correct a field checked by the caller
        (web.corrections), with its change-log row and the review of the corrected
        document, in one transaction. The published value is kept in the row."""
        doc = self.document(doc_id).doc
        found = corrections.latest(self.corrections(doc_id))
        before = found.get((project, field, indicator))
        p = next((x for x in doc.projects if x.seq == project), None)
        if p is None or field not in corrections.FIELDS or action not in corrections.ACTIONS:
            raise StoreError(f"no field {field!r} of project {project} in document {doc_id}")
        published = before.published if before is not None else \
            corrections.value_of(p, field, indicator)
        entry = Correction(0, doc_id, project, field, indicator, warning, action, published,
                           value if action == "correct" else None,
                           user.username if user else "(cli)", datetime.now(UTC))
        corrected = corrections.overlay(self._build(doc_id), [entry])
        found = self.review(corrected) if self.reviewer is not None else None
        rows = [dict(position=k, rule=f.rule, severity=str(f.severity), message=f.message,
                     project_seq=f.project, indicator_position=f.indicator,
                     first_line=f.span.first_line, last_line=f.span.last_line, page=f.span.page)
                for k, f in enumerate(found or ())]
        with self.engine.begin() as conn:
            entry = replace(entry, id=corrections.add(conn, user, doc_id, entry))
            if found is not None:  # the counts follow the findings (0013)
                corrections.replace_findings(conn, doc_id, rows, repository.review_counts(
                    len(corrected.projects), found, self.grader))
        self.forget(doc_id)
        return entry
