"""Work too large for the memory limit is refused before anything is allocated, and the
estimate it is refused on is not below what evaluations really use."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys

import pytest

import influence
from influence import TooLargeError, diagram_from_dict
from influence.solve.memory import estimate


def wide(observed: int, options: int = 2) -> dict:
    """``observed`` binary chance nodes, all observed by one decision."""
    nodes = {f"c{i}": {"type": "chance", "states": ["a", "b"], "p": [0.5, 0.5]}
             for i in range(observed)}
    states = [f"s{j}" for j in range(options)]
    nodes["d"] = {"type": "decision", "states": states, "observes": list(nodes)}
    nodes["u"] = {"type": "utility", "parents": ["c0", "d"], "values": [
        {"given": {"c0": c, "d": s}, "value": float(i)}
        for i, (c, s) in enumerate(itertools.product("ab", states))]}
    return {"name": "wide", "nodes": nodes}


def grid(k: int) -> dict:
    """A k x k grid of 3-state chance nodes (each with its left and upper neighbours as
    parents), a decision observing one corner, a utility on the other corner."""
    nodes = {}
    for i, j in itertools.product(range(k), range(k)):
        parents = ([f"g{i - 1}_{j}"] if i else []) + ([f"g{i}_{j - 1}"] if j else [])
        spec = {"type": "chance", "states": ["a", "b", "c"]}
        if parents:
            spec["parents"] = parents
            spec["cpt"] = [{"given": dict(zip(parents, combo, strict=True)),
                            "p": [0.2, 0.3, 0.5]}
                           for combo in itertools.product("abc", repeat=len(parents))]
        else:
            spec["p"] = [0.2, 0.3, 0.5]
        nodes[f"g{i}_{j}"] = spec
    last = f"g{k - 1}_{k - 1}"
    nodes["d"] = {"type": "decision", "states": ["x", "y"], "observes": ["g0_0"]}
    nodes["u"] = {"type": "utility", "parents": [last, "d"], "values": [
        {"given": {last: s, "d": d}, "value": 1.0} for s in "abc" for d in "xy"]}
    return {"name": "grid", "nodes": nodes}


LIMIT = 4 * 2**30

#: The peak resident memory of this process's own address space (VmHWM), in bytes: unlike
#: ``ru_maxrss``, which Linux keeps across ``execve``, it does not count what the parent (the
#: test run, possibly large) had when it started the process.
PEAK = ("int(next(line for line in open('/proc/self/status') if line.startswith('VmHWM'))"
        ".split()[1]) * 1024")

REFUSE = """
import json, resource, sys
sys.path.insert(0, {tests!r})
import influence
from test_memory_limits import grid, wide
out = {{}}
for name, doc in (("wide", wide(24)), ("grid", grid(16))):
    try:
        result = influence.evaluate(influence.plan(influence.diagram_from_dict(doc),
                                                   memory_limit={limit}))
        out[name] = "solved"
        result.to_dict()
        out[name] = "listed"
    except influence.TooLargeError as err:
        out[name] = out[name] + ": " + str(err) if name in out else str(err)
out["rss"] = {peak}
print(json.dumps(out))
"""


def test_hostile_diagrams_are_refused_in_small_memory() -> None:
    """A decision observing 24 nodes but needing one: solved at once, its 2**24 result rows
    (about 30 GB) refused when listed; a 16 x 16 grid whose elimination needs an intermediate
    of 1.5e13 entries: refused before anything is allocated; the process stays under 1 GB."""
    from pathlib import Path

    from influence.solve.memory import estimate_point

    code = REFUSE.format(tests=str(Path(__file__).parent), limit=LIMIT, peak=PEAK)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=300)
    out = json.loads(run.stdout)
    assert out["wide"].startswith("solved: ")
    assert "one result row per information state" in out["wide"]
    assert "16,777,216 states" in out["wide"]
    entries = estimate_point(influence.plan(diagram_from_dict(grid(16)),
                                            memory_limit=2**62)).largest[0]
    assert "node 'd'" in out["grid"] and entries in out["grid"]
    for name in ("wide", "grid"):
        assert "memory limit of 4 GiB" in out[name] and "`memory_limit`" in out[name]
    assert out["rss"] < 2**30


@pytest.mark.parametrize("doc", [wide(14), wide(12, options=5), grid(4)],
                         ids=["wide-14", "wide-12x5", "grid-4"])
def test_the_estimate_is_not_below_the_real_peak(doc: dict) -> None:
    code = f"""
import json, resource, sys
sys.path.insert(0, {str(__import__('pathlib').Path(__file__).parent)!r})
import influence
from influence.solve.memory import estimate
d = influence.diagram_from_dict(json.loads({json.dumps(json.dumps(doc))}))
p = influence.plan(d)
before = {PEAK}
p.evaluate()
after = {PEAK}
print(json.dumps({{"used": after - before, "estimate": estimate(p).total(1)}}))
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=300)
    out = json.loads(run.stdout)
    assert out["used"] <= out["estimate"]


def test_a_limit_below_what_one_evaluation_needs_is_a_clear_error() -> None:
    d = diagram_from_dict(wide(10))
    need = estimate(influence.plan(d)).total(1)
    influence.plan(d, memory_limit=need).evaluate()
    with pytest.raises(TooLargeError, match="memory limit of") as info:
        influence.plan(d, memory_limit=need - 1).evaluate()
    assert info.value.parameter == "memory_limit"


def test_too_many_draws_are_refused_at_once() -> None:
    # (only when every draw's values are kept: otherwise the memory does not grow with them)
    article = influence.load("cartel-intervention")
    with pytest.raises(TooLargeError, match=r"expected at most [\d,]+ draws within the memory "
                                            r"limit .* the expected utility of every option "
                                            r"in it\), got 1,000,000,000,000"):
        influence.evaluate(article, prior=True, draws=10**12, seed=1, keep_draws=True)


@pytest.mark.parametrize("bad", [0, -5, 1.5, "4GB", True])
def test_a_bad_memory_limit_is_refused(bad) -> None:
    with pytest.raises(influence.QueryError, match="`memory_limit`"):
        influence.plan(influence.load("umbrella"), memory_limit=bad)
