"""Checking published self-evaluations, on one core: 自评表 (one per project) per second.

    .venv/bin/python benchmarks/bench_selfeval.py [--docs 20]

Generated documents are scored by the central profile and turned into 自评表 as a reader
gives them (the printed 分值, 实际完成值, 得分, 总分, 等级 in the form fields; not timed);
then `check_self_evaluation`: the arithmetic and a re-scoring under the four built-in
profiles.
"""

from __future__ import annotations

import dataclasses
import time

from rich.progress import track

from common import SAMPLE, arguments
from jixiao.evaluation import load_profile, score_document
from jixiao.evaluation.published import check_self_evaluation
from jixiao.evaluation.scoring import two_decimals
from jixiao.model import Document, FormFields, ProjectForm
from jixiao.readers import read
from jixiao.synthetic import generate_actuals, generate_document


def self_evaluation(doc: Document, seed: int) -> Document:
    """`doc` as its 自评表: every printed figure in the form fields."""
    actuals = generate_actuals(doc, seed)
    scores = {s.project.seq: s for s in score_document(doc, actuals, load_profile("central"))}
    units = []
    for unit in doc.units:
        projects = []
        for p in unit.projects:
            s = scores[p.seq]
            indicators = [dataclasses.replace(i.indicator, form=FormFields(
                weight=two_decimals(i.weight), actual=i.actual,
                score=two_decimals(i.points),
                reason=(actuals.values[(p.seq, i.position)].reason or None)))
                for i in s.indicators]
            form = ProjectForm(planned=p.amounts.total, adjusted=s.adjusted_budget,
                               executed=s.executed, execution_score=s.execution_points,
                               total_score=s.total, grade=s.grade)
            projects.append(dataclasses.replace(p, indicators=indicators, form=form))
        units.append(dataclasses.replace(unit, projects=projects))
    return dataclasses.replace(doc, units=units, kind="self-evaluation")


def main() -> None:
    args = arguments(20)
    pool = read(SAMPLE)
    docs = [self_evaluation(generate_document(pool, seed), seed)
            for seed in track(range(args.docs), description="generating")]
    profiles = [load_profile(n) for n in ("central", "hubei", "hebei", "ningde")]
    check_self_evaluation(docs[0], profiles)  # warm the caches
    start = time.perf_counter()
    forms = findings = 0
    for doc in docs:
        check = check_self_evaluation(doc, profiles)
        forms += len(doc.projects)
        findings += len(check.findings)
        assert next(f for f in check.fits if f.profile == "central").reproduces
    seconds = time.perf_counter() - start
    print(f"{args.docs} documents, {forms:,} 自评表 checked under {len(profiles)} profiles, "
          f"{findings} findings, one core")
    print(f"selfeval  {forms / seconds:10,.0f} self-evaluations/s  "
          f"({args.docs / seconds:.1f} documents/s)")


if __name__ == "__main__":
    main()
