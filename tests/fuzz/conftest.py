"""Hypothesis profiles of the fuzz suite (issue 9): every parser and import path, fed hostile input.

``fuzz-ci`` (the default) is derandomized: the same examples on every run and every machine, so a red
build is reproducible and the suite's time is known (each test declares its example count). Set
``GOVOPS_FUZZ_PROFILE=fuzz-deep`` for a randomized run with ten times the examples (and hypothesis'
example database, so a failure found once is tried first next time). The profiles are registered by
``tests.fuzz.support`` (imported here, so they exist before any test module is collected) and applied
through its ``fuzz(n)`` decorator to the tests of this folder only, not to other property tests.
"""

from __future__ import annotations

from tests.fuzz.support import PROFILE, SCALE


def pytest_report_header() -> str:
    return f"fuzz profile: {PROFILE} (examples x{SCALE}; GOVOPS_FUZZ_PROFILE=fuzz-deep for a deep run)"
