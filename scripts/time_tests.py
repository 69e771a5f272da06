"""Time every test of the quick suite and list the long ones in ``tests/long_tests.txt``.

Run from the repository root::

    python scripts/time_tests.py                 # threshold 0.3 s of CPU per test
    python scripts/time_tests.py --threshold 0.5

It runs ``pytest -m "not slow"`` without the current list (``INFLUENCE_ALL_TESTS_QUICK=1``),
measures each test's CPU time (setup, call and teardown; the process's own and that of the
subprocesses it waited for: CPU time, unlike wall time, hardly depends on what else the machine
is running), and writes the tests over the threshold, longest first, to
``tests/long_tests.txt``. ``tests/conftest.py`` marks the tests of that list ``slow``, so that
``pytest -m "not slow"`` leaves them out; plain ``pytest`` runs them all.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIST = ROOT / "tests" / "long_tests.txt"
HEADER = """\
# Tests of more than {threshold} s of CPU each (measured by scripts/time_tests.py; longest first).
# tests/conftest.py marks them `slow`: `pytest -m "not slow"` leaves them out, plain `pytest`
# runs them. Regenerate with `python scripts/time_tests.py` after changing the suite.
"""


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class CpuTimes:
    """A pytest plugin recording each test's CPU time."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None):
        start = _cpu()
        yield
        self.times[item.nodeid] = _cpu() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=0.3,
                        help="seconds of CPU above which a test is listed (default 0.3)")
    args = parser.parse_args()
    os.chdir(ROOT)
    os.environ["INFLUENCE_ALL_TESTS_QUICK"] = "1"
    plugin = CpuTimes()
    code = pytest.main(["-m", "not slow", "-q", "-p", "no:cacheprovider"], plugins=[plugin])
    if code != 0:
        print(f"the suite failed (exit code {code}): {LIST} left as it was", file=sys.stderr)
        return int(code)
    long = sorted(((t, n) for n, t in plugin.times.items() if t > args.threshold), reverse=True)
    text = HEADER.format(threshold=args.threshold) + "".join(f"{n}\n" for _, n in long)
    LIST.write_text(text)
    total = sum(plugin.times.values())
    left = total - sum(t for t, _ in long)
    print(f"{len(plugin.times)} tests, {total:.1f} s of CPU; {len(long)} over "
          f"{args.threshold} s listed in {LIST.relative_to(ROOT)}; the others take {left:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
