"""Keys for comparison across documents (issue 8): documents.year, projects.name_key,
goal_key, indicator_set_key, indicators.name_key — added and filled for stored rows.

Revision ID: 0003
Revises: 0002

The columns and the keys as they were on the day of this revision: the key functions are
this revision's own copy of jixiao.matching then, so a later change to matching.py cannot
change what an old store's upgrade computes (a later key change comes as a revision that
recomputes).
"""

import hashlib
import re
import unicodedata
from collections.abc import Iterable

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Connection, bindparam, column, select, table, update

revision = "0003"
down_revision = "0002"
ADDED = {"documents": {"year": sa.Integer()},
         "projects": {"name_key": sa.Text(), "goal_key": sa.String(length=16),
                      "indicator_set_key": sa.String(length=16)},
         "indicators": {"name_key": sa.Text()}}
documents = table("documents", column("id"), column("title"), column("source_file"),
                  column("year"))
projects = table("projects", column("document_id"), column("seq"), column("name"),
                 column("goal"), column("name_key"), column("goal_key"),
                 column("indicator_set_key"))
indicators = table("indicators", column("document_id"), column("project_seq"),
                   column("position"), column("name"), column("target"), column("name_key"))


# jixiao.matching as it was on the day of this revision
_NOISE = re.compile(r"[\s\u3000（）()【】\[\]“”\"'‘’、，,。.：:；;·•《》<>—\-_/]+")
_YEAR_PREFIX = re.compile(r"^.{0,40}?(?<!\d)20\d{2}年度?")
_YEAR = re.compile(r"(?<!\d)(20\d{2})(?:年|\D|$)")


def text_key(text: str) -> str:
    return _NOISE.sub("", unicodedata.normalize("NFKC", text)).lower()


def project_key(name: str) -> str:
    return text_key(_YEAR_PREFIX.sub("", name, count=1)) or text_key(name)


def digest(parts: Iterable[str]) -> str:
    h = hashlib.blake2b(digest_size=8)
    for part in parts:
        h.update(part.encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()


def indicator_set_key(names_and_targets: Iterable[tuple[str, str]]) -> str:
    return digest(sorted(f"{text_key(n)}={text_key(t)}" for n, t in names_and_targets))


def year_of(*texts: str | None) -> int | None:
    for text in texts:
        if text and (m := _YEAR.search(text)):
            return int(m.group(1))
    return None


def upgrade() -> None:
    # guarded: a store made by a jixiao whose 0001 created today's tables has them already
    conn = op.get_bind()
    look = sa.inspect(conn)
    for table_name, columns in ADDED.items():
        present = {c["name"] for c in look.get_columns(table_name)}
        indexes = {i["name"] for i in look.get_indexes(table_name)}
        for name, type_ in columns.items():
            if name not in present:
                op.add_column(table_name, sa.Column(name, type_, nullable=True))
            index = f"ix_{table_name}_{name}"
            if index not in indexes:  # (0005 replaces the one on indicators.name_key)
                op.create_index(index, table_name, [name])
    _fill(conn)


def _fill(conn: Connection) -> None:
    """Keys for the rows stored before this revision, in executemany batches."""
    b = bindparam
    rows = [{"d_id": d.id, "y": year_of(d.title, d.source_file)}
            for d in conn.execute(select(documents.c.id, documents.c.title,
                                         documents.c.source_file)
                                  .where(documents.c.year.is_(None)))]
    if rows:
        conn.execute(update(documents).where(documents.c.id == b("d_id")).values(year=b("y")),
                     rows)
    sets: dict[tuple[int, int], list[tuple[str, str]]] = {}
    rows: list[dict[str, object]] = []
    for i in conn.execute(select(indicators.c.document_id, indicators.c.project_seq,
                                 indicators.c.position, indicators.c.name,
                                 indicators.c.target).where(indicators.c.name_key.is_(None))):
        sets.setdefault((i.document_id, i.project_seq), []).append((i.name, i.target))
        rows.append({"d_id": i.document_id, "p_seq": i.project_seq, "pos": i.position,
                     "key": text_key(i.name)})
    if rows:
        conn.execute(update(indicators).where(
            indicators.c.document_id == b("d_id"), indicators.c.project_seq == b("p_seq"),
            indicators.c.position == b("pos")).values(name_key=b("key")), rows)
    rows = [{"d_id": p.document_id, "p_seq": p.seq, "nk": project_key(p.name),
             "gk": digest([text_key(p.goal)]),
             "sk": indicator_set_key(sets.get((p.document_id, p.seq), []))}
            for p in conn.execute(select(projects.c.document_id, projects.c.seq,
                                         projects.c.name, projects.c.goal)
                                  .where(projects.c.name_key.is_(None)))]
    if rows:
        conn.execute(update(projects).where(
            projects.c.document_id == b("d_id"), projects.c.seq == b("p_seq")).values(
            name_key=b("nk"), goal_key=b("gk"), indicator_set_key=b("sk")), rows)


def downgrade() -> None:
    # plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): a batch rebuild of projects would
    # cascade to the indicators under foreign_keys=ON
    look = sa.inspect(op.get_bind())
    for table_name, columns in ADDED.items():
        indexes = {i["name"] for i in look.get_indexes(table_name)}
        for name in columns:
            if f"ix_{table_name}_{name}" in indexes:
                op.drop_index(f"ix_{table_name}_{name}", table_name)
            op.drop_column(table_name, name)
