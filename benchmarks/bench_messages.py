"""A message said (jixiao.messages.say) against its floor, in one run, on one core.

    .venv/bin/python benchmarks/bench_messages.py [--calls 200000]

The floor is what a say() cannot do without: the template looked up in a dict, and
formatted when it has placeholders. The ratio says what choosing the language and the
catalogue still costs per call; the last row is what reading the environment on every call
(as say() did before the language was cached) costs beside the same floor.
"""

from __future__ import annotations

import os
import timeit

from common import arguments
from jixiao.messages import catalogue, say


def _per_call(statement: object, calls: int) -> float:
    """Nanoseconds per call, the best of three runs."""
    return min(timeit.repeat(statement, number=calls, repeat=3)) / calls * 1e9  # type: ignore[arg-type]


def main() -> None:
    args = arguments(calls=(int, 200_000))
    templates = catalogue()
    plain, filled = "levels.warning", "rules.Q3-few-indicators.message"
    say(plain)  # the language chosen and the catalogue loaded before timing
    rows = [
        ("say, no placeholders", _per_call(lambda: say(plain), args.calls),
         _per_call(lambda: templates[plain], args.calls)),
        ("say, two placeholders", _per_call(lambda: say(filled, n=2, least=3), args.calls),
         _per_call(lambda: templates[filled].format(n=2, least=3), args.calls)),
        # what every call did before the language was cached: the environment read first
        ("environment read per call", _per_call(
            lambda: (os.environ.get("JIXIAO_LANG") or "zh", templates[plain]), args.calls),
         _per_call(lambda: templates[plain], args.calls)),
    ]
    print(f"{args.calls:,} calls each, best of 3, one core")
    print(f"{'':28} {'ns/call':>9} {'floor ns':>9} {'× floor':>8}")
    for name, ns, floor in rows:
        print(f"{name:28} {ns:9.0f} {floor:9.0f} {ns / floor:8.2f}")


if __name__ == "__main__":
    main()
