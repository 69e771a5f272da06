"""Small models with priors for the value-of-information tests: random diagrams given priors,
and closed-form cases."""

from __future__ import annotations

import numpy as np

import influence
from influence.model.diagram import Diagram
from influence.testing import model_dict, random_model


def with_priors(seed: int, *, strength: float = 6.0, spread: float = 0.4, **kwargs) -> Diagram:
    """A random diagram (see :func:`influence.testing.random_model`) whose every chance row
    has a Dirichlet prior centred on it and every utility value a normal prior."""
    doc = model_dict(influence.diagram_from_dict(random_model(seed, **kwargs)), policies=False)
    rng = np.random.default_rng(seed + 7919)
    for spec in doc["nodes"].values():
        if spec["type"] == "chance":
            rows = spec.get("cpt") or []
            if not rows:
                spec["prior"] = {"mean": spec["p"], "strength": strength}
            for row in rows:
                row["prior"] = {"mean": row["p"], "strength": strength * (0.5 + rng.random())}
        elif spec["type"] == "utility":
            rows = spec.get("values") or []
            if not rows:
                value = float(spec["value"])
                spec["prior"] = {"normal": [value, spread * max(abs(value), 10.0)]}
            for row in rows:
                value = float(row["value"])
                row["prior"] = {"normal": [value, spread * max(abs(value), 10.0)]}
    return influence.diagram_from_dict(doc)


def normal_bet(mu: float, sigma: float) -> Diagram:
    """Two options; the second's incremental net benefit is Normal(mu, sigma)."""
    return influence.loads(f"""
name: normal-bet
nodes:
  choose:
    type: decision
    states: [keep, switch]
  gain:
    type: utility
    parents: [choose]
    values:
      - {{given: {{choose: keep}}, value: 0}}
      - {{given: {{choose: switch}}, prior: {{normal: [{mu}, {sigma}]}}}}
""")


BETA_BET = """
name: beta-bet
nodes:
  win:
    type: chance
    states: ["no", "yes"]
    prior: {beta: [A, B], state: "yes"}
  bet:
    type: decision
    states: [pass, bet]
  gain:
    type: utility
    parents: [bet, win]
    values:
      - {given: {bet: pass, win: "no"}, value: 0}
      - {given: {bet: pass, win: "yes"}, value: 0}
      - {given: {bet: bet, win: "no"}, value: -50}
      - {given: {bet: bet, win: "yes"}, value: 100}
"""


def beta_bet(a: float = 2.0, b: float = 2.0) -> Diagram:
    """Bet 50 to win 100 on a Bernoulli with a Beta(a, b) prior."""
    return influence.loads(BETA_BET.replace("[A, B]", f"[{a}, {b}]"))


THREE_WAY = """
name: three-way
nodes:
  weather:
    type: chance
    states: [dry, showers, storm]
    prior: {dirichlet: [4, 3, 1]}
  plan:
    type: decision
    states: [outdoor, tent, indoor]
  report:
    type: chance
    states: [calm, windy]
    parents: [weather]
    cpt:
      - {given: {weather: dry}, prior: {dirichlet: [6, 2]}}
      - {given: {weather: showers}, prior: {dirichlet: [3, 3]}}
      - {given: {weather: storm}, prior: {dirichlet: [1, 5]}}
  move:
    type: decision
    states: [stay, switch]
    observes: [report]
  value:
    type: utility
    parents: [plan, weather, move]
    values:
      - {given: {plan: outdoor, weather: dry, move: stay}, value: 100}
      - {given: {plan: outdoor, weather: showers, move: stay}, value: 30}
      - {given: {plan: outdoor, weather: storm, move: stay}, prior: {normal: [-80, 30]}}
      - {given: {plan: tent, weather: dry, move: stay}, value: 70}
      - {given: {plan: tent, weather: showers, move: stay}, value: 60}
      - {given: {plan: tent, weather: storm, move: stay}, value: -10}
      - {given: {plan: indoor, weather: dry, move: stay}, value: 40}
      - {given: {plan: indoor, weather: showers, move: stay}, value: 45}
      - {given: {plan: indoor, weather: storm, move: stay}, value: 40}
      - {given: {plan: outdoor, weather: dry, move: switch}, value: 35}
      - {given: {plan: outdoor, weather: showers, move: switch}, value: 35}
      - {given: {plan: outdoor, weather: storm, move: switch}, value: 20}
      - {given: {plan: tent, weather: dry, move: switch}, value: 30}
      - {given: {plan: tent, weather: showers, move: switch}, value: 30}
      - {given: {plan: tent, weather: storm, move: switch}, value: 25}
      - {given: {plan: indoor, weather: dry, move: switch}, value: 40}
      - {given: {plan: indoor, weather: showers, move: switch}, value: 45}
      - {given: {plan: indoor, weather: storm, move: switch}, value: 40}
"""


def three_way() -> Diagram:
    """Two decisions, a three-state Dirichlet root, a report observed between them and an
    uncertain utility value."""
    return influence.loads(THREE_WAY)
