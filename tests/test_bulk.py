"""Bulk load (jixiao.bulk, `jixiao ingest DIR`): parallel readers, batched writes, per-file
errors, and a load killed halfway that a second run finishes."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from conftest import SAMPLE
from jixiao import bulk, store
from jixiao.cli import app
from jixiao.readers import read
from jixiao.store.schema import document_files, documents, indicators, projects
from jixiao.synthetic import generate_document
from jixiao.writers.text import TextLayout, render_text


def write_corpus(folder: Path, count: int, start: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    pool = read(SAMPLE)
    paths = []
    for seed in range(start, start + count):
        doc = generate_document(pool, seed, projects=random.Random(seed).randint(20, 60),
                                mixes=("fiscal", "special", "all"))
        path = folder / f"table-{seed:04d}.txt"
        path.write_text(render_text(doc, TextLayout(name_width=16 + seed % 5)),
                        encoding="utf-8")
        paths.append(path)
    return paths


def whole_documents(engine) -> list[tuple[int, int, int, int, int]]:
    """(id, projects said, projects stored, indicators said, indicators stored) per doc."""
    n_projects = (select(func.count()).where(projects.c.document_id == documents.c.id)
                  .scalar_subquery())
    n_indicators = (select(func.count()).where(indicators.c.document_id == documents.c.id)
                    .scalar_subquery())
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(
            documents.c.id, documents.c.n_projects, n_projects, documents.c.n_indicators,
            n_indicators))]


def test_parallel_load_equals_one_by_one_and_lists_bad_files(db_url: str,
                                                             tmp_path: Path) -> None:
    paths = write_corpus(tmp_path / "in", 12)
    (tmp_path / "in" / "broken.txt").write_bytes(b"\x00\x01PK binary")
    (tmp_path / "in" / "copy-of-0003.txt").write_bytes(paths[3].read_bytes())
    engine = store.connect(db_url)
    outcomes = bulk.ingest_files(engine, sorted((tmp_path / "in").iterdir()), workers=2)
    by_name = {o.path.name: o for o in outcomes}
    assert len(outcomes) == 14
    broken = by_name["broken.txt"]
    assert broken.result is None and broken.error is not None
    assert broken.error.code == "not-text"
    statuses = sorted(o.result.status for o in outcomes if o.result)
    assert statuses == ["new"] * 12 + ["same-document"]
    assert by_name["copy-of-0003.txt"].result.document_id == \
        by_name["table-0003.txt"].result.document_id
    stored = whole_documents(engine)
    assert len(stored) == 12
    assert all(said == got and isaid == igot for _, said, got, isaid, igot in stored)
    # the same documents stored one at a time, in-process, give the same rows
    alone = store.connect(f"sqlite:///{tmp_path / 'alone.sqlite'}")
    for path in paths:
        store.ingest(alone, read(path))
    assert sorted(r[1:] for r in whole_documents(alone)) == sorted(r[1:] for r in stored)
    # again: nothing read, nothing new
    again = bulk.ingest_files(engine, paths, workers=2)
    assert {o.result.status for o in again if o.result} == {"unchanged"}


def test_cli_lists_every_failure_at_the_end_and_stores_the_rest(tmp_path: Path) -> None:
    paths = write_corpus(tmp_path / "in", 3)
    (tmp_path / "in" / "empty.txt").write_text("")
    db = tmp_path / "j.sqlite"
    result = CliRunner().invoke(app, ["ingest", "-j", "2", "--year", "2024", "--db", str(db),
                                      str(tmp_path / "in")])
    assert result.exit_code == 2  # EXIT_UNREADABLE
    assert "错误 empty.txt" in result.output  # listed at the end, after the table
    assert "empty.txt 未存储" in result.output and "(empty)" in result.output
    engine = store.connect(str(db))
    assert len(whole_documents(engine)) == 3
    with engine.connect() as conn:
        assert set(conn.execute(select(documents.c.year)).scalars()) == {2024}
        stored = set(conn.execute(select(document_files.c.file_name)).scalars())
    assert stored == {p.name for p in paths}  # every readable file, and only those


def test_a_load_killed_halfway_leaves_whole_documents_and_a_rerun_finishes(
        tmp_path: Path) -> None:
    folder = tmp_path / "in"
    paths = write_corpus(folder, 150)
    db = tmp_path / "killed.sqlite"
    engine = store.connect(str(db))  # migrated before the load starts
    jixiao = Path(sys.executable).with_name("jixiao")
    load = subprocess.Popen([str(jixiao), "ingest", "--no-audit", "-j", "2", "--db", str(db),
                             str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stored_before_kill = 0
    while load.poll() is None and stored_before_kill == 0:
        time.sleep(0.02)
        with engine.connect() as conn:
            stored_before_kill = conn.execute(select(func.count()).select_from(documents)
                                              ).scalar()
    load.send_signal(signal.SIGKILL)
    load.wait()
    if load.returncode == 0:
        pytest.fail("the load finished before it could be killed: give it more files")
    halfway = whole_documents(engine)
    assert 0 < len(halfway) < len(paths)
    assert all(said == got and isaid == igot for _, said, got, isaid, igot in halfway)
    result = subprocess.run([str(jixiao), "ingest", "--no-audit", "--db", str(db), str(folder)],
                            capture_output=True, text=True, check=True,
                            env={**os.environ, "COLUMNS": "200"})
    assert f"{len(halfway)} 未变（已存储）" in result.stdout
    assert f"{len(paths) - len(halfway)} 新增" in result.stdout
    finished = whole_documents(engine)
    assert len(finished) == len(paths)
    assert all(said == got and isaid == igot for _, said, got, isaid, igot in finished)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(document_files)).scalar() == 150


def test_the_cli_ingest_reviews_with_the_admins_active_profile(tmp_path: Path) -> None:
    """The same file gets the same findings everywhere: `jixiao ingest` (the bulk load)
    reviews with the profile an admin made active in the store, as a web upload does."""
    from jixiao import library
    from jixiao.audit import Profile, audit

    db = tmp_path / "profiled.sqlite"
    house = library.open_store(str(db))
    engine = house.engine
    toml = 'name = "本局方案"\n[rules.Q4-vague-target]\nenabled = false\n'
    library.save_profile(house, None, toml)
    house.activate_profile(None, "本局方案")
    loaded = runner_invoke(["ingest", "-j", "1", str(SAMPLE), "--db", str(db)])
    assert loaded.exit_code == 0, loaded.output
    stored = store.load_findings(engine, 1)
    doc = read(SAMPLE)
    default = audit(doc).findings
    assert sum(f.rule == "Q4-vague-target" for f in default) == 34
    assert stored == audit(doc, Profile.from_text(toml, "t")).findings
    assert stored == [f for f in default if f.rule != "Q4-vague-target"]


def runner_invoke(args: list[str]):
    return CliRunner().invoke(app, args, env={"COLUMNS": "200"})
