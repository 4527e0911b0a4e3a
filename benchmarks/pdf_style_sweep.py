"""The wide run of the house-style generator (tests/pdfstyles.py): many random styles of the
sample's table rendered and read back, every reading below 100 % of fields listed by cause.
Not part of the test suite (tests/test_pdf_styles.py runs a few of each kind).

    .venv/bin/python benchmarks/pdf_style_sweep.py [--html 300] [--sheets 30] [--docs 30]
        [--seed 14] [--projects 25] [--out out/sweep.jsonl]
    .venv/bin/python benchmarks/pdf_style_sweep.py --again out/sweep.jsonl [--out …]

`--again` renders the styles of an earlier run's lines once more and reads them with
today's reader (the same renderings, whatever the generator draws for a seed now).

Each line of --out is one rendering: its style (a repr that renders it again), the fields
compared, the mismatches (the first five) or the error's code and message.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from jixiao.errors import ReadError
from jixiao.interchange import to_dict
from jixiao.readers import read, read_bytes

REPO = Path(__file__).parents[1]
sys.path.insert(0, str(REPO / "tests"))
from fields import field_mismatches  # noqa: E402
from pdfstyles import (  # noqa: E402
    LIBREOFFICE,
    any_html_styles,
    doc_styles,
    expected,
    first_projects,
    render,
    sheet_styles,
    unit_mismatches,
)


def cause(result: dict[str, Any]) -> str:
    """A short name of why a reading is not 100 %: the error's code, or the kind of field
    the first mismatch is in."""
    if result.get("error"):
        return f"error {result['error']}"
    first = result["misses"][0]
    if "projects expected" in first:
        return "project count"
    field = re.sub(r"^(project \d+(\.\d+)?|document(\.grand_total)?) ", "", first).split(":")[0]
    return f"field {field}"


def _record(result: dict[str, Any], start: float, results: list[dict[str, Any]],
            out: Any) -> None:
    """One rendering's line: its seconds, kept and written at once (a long sweep's lines
    survive a stop)."""
    result["seconds"] = round(time.perf_counter() - start, 2)
    results.append(result)
    out.write(json.dumps(result, ensure_ascii=False) + "\n")
    out.flush()


def sweep(strategy: st.SearchStrategy, n: int, seed_: int, doc: Any, gold: dict[str, Any],
          out: Any) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []

    @seed(seed_)
    @settings(max_examples=n, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate])
    @given(style=strategy)
    def one(style: Any) -> None:
        start = time.perf_counter()
        result: dict[str, Any] = {"style": repr(style)}
        try:
            pdf = render(doc, style)
        except Exception as exc:  # a style the producer cannot print is no reading
            result["render_error"] = f"{type(exc).__name__}: {exc}"[:300]
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
            return
        try:
            got = read_bytes(pdf, "sweep.pdf")
            want, have = expected(gold, style), to_dict(got)
            fields, misses = field_mismatches(want, have)
            misses += unit_mismatches(want, have)  # 元 read as 万元: every amount off
            result.update(fields=fields, misses=misses[:5], wrong=len(misses))
        except ReadError as exc:
            result.update(error=exc.code, message=exc.message[:300], page=exc.span.page)
        _record(result, start, results, out)

    one()
    return results


def _read_form(path: Path, choices: Any, style: Any, results: list[dict[str, Any]],
               out: Any) -> None:
    """One form rendering read back: its score and the doubts said about it."""
    from formrender import form_rows, render_form_pdf
    from test_forms import _rendered_gold, accuracy

    gold = _rendered_gold(path)
    result: dict[str, Any] = {"gold": path.name[:2], "style": repr(style),
                              "choices": repr(choices)}
    start = time.perf_counter()
    try:
        got = read_bytes(render_form_pdf(form_rows(gold, choices), style), "form.pdf")
        score, misses = accuracy(gold, got)
        result.update(score=round(score, 4), misses=misses[:5],
                      wrong=0 if score >= 1 else max(len(misses), 1), fields=1)
        # a reading below 100 % with none of these is silently wrong
        result["doubts"] = sorted({w.code for w in got.warnings
                                   if w.code.endswith("-uncertain")})
    except ReadError as exc:
        result.update(error=exc.code, message=exc.message[:300], page=exc.span.page)
    _record(result, start, results, out)


def sweep_forms(n: int, seed_: int, out: Any) -> list[dict[str, Any]]:
    """The forms' golds (tests/data/real) rendered by formrender under random CSS."""
    import random

    from formrender import Choices, FormStyle
    from test_forms import GOLDS

    rnd = random.Random(seed_)
    results: list[dict[str, Any]] = []
    for k in range(n):
        choices, style = Choices.draw(rnd), FormStyle.draw(rnd)
        _read_form(GOLDS[k % len(GOLDS)], choices, style, results, out)
    return results


def again(lines: list[dict[str, Any]], doc: Any, gold: dict[str, Any], out: Any
          ) -> list[dict[str, Any]]:
    """An earlier run's renderings read again: each line's style (and a form's gold and
    choices) rendered once more."""
    import formrender
    import pdfstyles
    from test_forms import GOLDS

    names = {**vars(pdfstyles), **vars(formrender)}  # the styles' reprs name their classes
    results: list[dict[str, Any]] = []
    for line in lines:
        if "render_error" in line:
            continue
        style = eval(line["style"], names)  # our own run's reprs
        if "gold" in line:
            path = next(p for p in GOLDS if p.name[:2] == line["gold"])
            _read_form(path, eval(line["choices"], names), style, results, out)
            continue
        start = time.perf_counter()
        result: dict[str, Any] = {"style": line["style"]}
        try:
            got = read_bytes(render(doc, style), "sweep.pdf")
            want, have = expected(gold, style), to_dict(got)
            fields, misses = field_mismatches(want, have)
            misses += unit_mismatches(want, have)
            result.update(fields=fields, misses=misses[:5], wrong=len(misses))
        except ReadError as exc:
            result.update(error=exc.code, message=exc.message[:300], page=exc.span.page)
        _record(result, start, results, out)
    return results


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--html", type=int, default=300)
    ap.add_argument("--sheets", type=int, default=30)
    ap.add_argument("--docs", type=int, default=30)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--forms", type=int, default=0)
    ap.add_argument("--projects", type=int, default=25)
    ap.add_argument("--out", type=Path, default=REPO / "out" / "sweep.jsonl")
    ap.add_argument("--again", type=Path, help="an earlier run's JSON lines to read again")
    ap.add_argument("--only-low", action="store_true",
                    help="with --again: only the lines below 100 %% then")
    args = ap.parse_args()
    gold_path = REPO / "tests" / "data" / "guangzhou-psb-gold.json"
    gold_all = json.loads(gold_path.read_text("utf-8"))
    gold = dict(gold_all, projects=gold_all["projects"][:args.projects])
    doc = first_projects(read(gold_path), args.projects)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    kinds = [("html", any_html_styles, args.html)]
    if LIBREOFFICE:
        kinds += [("sheet", sheet_styles, args.sheets), ("writer", doc_styles, args.docs)]
    summary: dict[str, collections.Counter[str]] = {}
    if args.again:  # read before the output opens: --out may name the same file
        lines = [json.loads(x) for x in args.again.read_text("utf-8").splitlines() if x]
        if args.only_low:
            lines = [x for x in lines if x.get("error") or x.get("wrong")]
    with args.out.open("w", encoding="utf-8") as out:
        if args.again:
            results = again(lines, doc, gold, out)
            low = [r for r in results if r.get("error") or r.get("wrong")]
            print(f"again: {len(results)} renderings, {len(low)} below 100 %; by cause: "
                  f"{dict(collections.Counter(cause(r) for r in low))}")
            return
        if args.forms:
            results = sweep_forms(args.forms, args.seed, out)
            low = [r for r in results if r.get("error") or r.get("wrong")]
            print(f"forms: {len(results)} renderings, {len(low)} below 100 %; by cause: "
                  f"{dict(collections.Counter(r.get('error') or 'fields' for r in low))}")
        for kind, strategy, n in kinds:
            if n <= 0:
                continue
            results = sweep(strategy, n, args.seed, doc, gold, out)
            causes = collections.Counter(cause(r) for r in results
                                         if r.get("error") or r.get("wrong"))
            summary[kind] = causes
            right = sum(r.get("fields", 0) - r.get("wrong", 0) for r in results)
            total = sum(r.get("fields", 0) for r in results if "fields" in r)
            print(f"{kind}: {len(results)} renderings, "
                  f"{sum(1 for r in results if r.get('error') or r.get('wrong'))} below 100 % "
                  f"({right}/{total} fields right where read); by cause: {dict(causes)}")


if __name__ == "__main__":
    main()
