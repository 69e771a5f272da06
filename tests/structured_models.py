"""Small models with structured tables and named parameters, shared by the tests."""

from __future__ import annotations

import textwrap

HEADER = """
name: st
parameters:
  w:
    value: 0.5
    prior: {uniform: [0.1, 1.0]}
    source: 'judgment: a weight'
  halve:
    value: 0.5
    prior: {interval: [0.3, 0.8]}
    source: 'judgment: an effect that lowers'
nodes:
  a:
    type: decision
    states: ["no", "yes"]
  b:
    type: decision
    states: ["off", low, high]
"""

NOISY_OR = """
  c:
    type: chance
    states: [calm, bad]
    parents: [a, b]
    table:
      noisy_or:
        leak: {value: 0.1, prior: {beta: [2, 18]}}
        links:
          - given: {a: "yes"}
            p: 0.3
          - given: {b: high}
            p: {value: 0.5, prior: {beta: [5, 5]}}
          - given: {b: low}
            p: 0.2
"""

NOISY_MAX = """
  e:
    type: chance
    states: [none, some, lots]
    parents: [a, b]
    table:
      noisy_max:
        leak: {some: 0.2, lots: 0.1}
        links:
          - given: {a: "yes"}
            p: {some: 0.5, lots: 0.4}
          - given: {b: high}
            p: {some: 0.3, lots: 0.2}
"""

LOG_LINEAR = """
  f:
    type: chance
    states: ["no", "yes"]
    parents: [a, b]
    table:
      log_linear:
        base: 0.2
        effects:
          - given: {a: "yes"}
            ratio: halve
          - given: {b: high}
            ratio: {value: 3, prior: {interval: [1.5, 6]}}
"""

DETERMINISTIC = """
  g:
    type: chance
    states: [x, y, z]
    parents: [a, b]
    table:
      deterministic:
        - given: {a: "yes", b: high}
          state: z
        - given: {a: "yes"}
          state: y
        - given: {}
          state: x
"""

UTILITIES = """
  u:
    type: utility
    parents: [c, e]
    weight: w
    values:
      - {given: {c: calm, e: none}, value: 0}
      - {given: {c: calm, e: some}, value: "-10 * w"}
      - {given: {c: calm, e: lots}, value: -50}
      - {given: {c: bad, e: none}, value: -100}
      - {given: {c: bad, e: some}, value: -110}
      - {given: {c: bad, e: lots}, value: -150}
  v:
    type: utility
    parents: [f, g]
    values:
      - {given: {f: "no", g: x}, value: 0}
      - {given: {f: "no", g: y}, value: 1}
      - {given: {f: "no", g: z}, value: 2}
      - {given: {f: "yes", g: x}, value: -5}
      - {given: {f: "yes", g: y}, value: -5}
      - {given: {f: "yes", g: z}, value: -5}
"""

FULL = HEADER + NOISY_OR + NOISY_MAX + LOG_LINEAR + DETERMINISTIC + UTILITIES

#: A decision problem with one noisy-OR link and a cost, whose break-even link is known:
#: act costs 10; harm 100 when bad; P(bad | act=no) = 1 - (1 - leak)(1 - p) with p the link of
#: 'threat=on' ... see test_structured.py.
BREAK_EVEN = """
name: be
nodes:
  act:
    type: decision
    states: ["no", "yes"]
  bad:
    type: chance
    states: ["no", "yes"]
    parents: [act]
    table:
      noisy_or:
        leak: {value: 0.1, prior: {beta: [2, 18]}}
        links:
          - given: {act: "no"}
            p: {value: 0.3, prior: {beta: [3, 7]}}
  odds:
    type: chance
    states: ["no", "yes"]
    parents: [act]
    table:
      log_linear:
        base: 0.2
        effects:
          - given: {act: "yes"}
            ratio: {value: 0.5, prior: {interval: [0.25, 0.9]}}
  harm:
    type: utility
    parents: [bad, odds]
    values:
      - {given: {bad: "no", odds: "no"}, value: 0}
      - {given: {bad: "no", odds: "yes"}, value: -40}
      - {given: {bad: "yes", odds: "no"}, value: -100}
      - {given: {bad: "yes", odds: "yes"}, value: -140}
  cost:
    type: utility
    parents: [act]
    values:
      - {given: {act: "no"}, value: 0}
      - {given: {act: "yes"}, value: -30}
"""


def text(model: str) -> str:
    """The model text, dedented."""
    return textwrap.dedent(model)
