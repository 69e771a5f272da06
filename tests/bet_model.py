"""A one-row betting model with a Beta(2, 2) prior and 7-of-10 evidence, shared by the tests of
the Bayesian layer (the conjugate case with a closed-form answer: Beta(9, 5), mean 9/14)."""

BETA_BET = """\
name: beta-bet
nodes:
  win:
    type: chance
    states: ["no", "yes"]
    p: [0.5, 0.5]
    prior: {beta: [2, 2], state: "yes"}
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

SEVEN_OF_TEN = """\
model: beta-bet
observations:
  - node: win
    counts: {"no": 3, "yes": 7}
"""
