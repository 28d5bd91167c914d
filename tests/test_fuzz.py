"""The suite's own fuzz run (generator: tests/fuzz.py): mutated inputs of every kind must end
in exit 0, or exit 2 with one bounded line; never a traceback, a hang or a memory blow-up.

ACCELSIM_FUZZ_SEED=<n> runs other seeds than the fixed ones here.
"""

from __future__ import annotations

import os

import pytest

from tests.fuzz import GOOD, KINDS, describe, run_cases

DEFAULT_CASES = 35   # per kind: 280 cases, well under a minute
SLOW_CASES = 400     # per kind: 3,200 cases
SEED = int(os.environ.get("ACCELSIM_FUZZ_SEED", "0"))


def _check(kind: str, cases: int, seed: int) -> None:
    outcomes = run_cases([kind], cases, seed)
    bad = [describe(o) for o in outcomes if o.name not in GOOD]
    assert not bad, f"{len(bad)} of {len(outcomes)} {kind} cases broke the promise:\n" + "\n".join(bad[:20])


@pytest.mark.parametrize("kind", KINDS)
def test_fuzz(kind):
    _check(kind, DEFAULT_CASES, 1000 + SEED)


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_fuzz_many(kind):
    _check(kind, SLOW_CASES, 2000 + SEED)
