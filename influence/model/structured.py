"""Probability tables defined by a few parameters: noisy-OR / noisy-MAX, log-linear effects, and
deterministic mappings.

A chance node may give, instead of one row per combination of parent states, a ``table:`` in
one of these forms (the syntax is in ``docs/model-format.md``). Each form is a frozen object
that names its numbers by parameter (see :mod:`influence.model.parameters`) and computes the
full table from their values with :meth:`compute`, for one set of values or a batch of draws,
with numpy or (for NUTS) PyTensor:

:class:`NoisyMax`
    Causes act independently. A node's states run from the lowest (nothing happens) to the
    highest. Each cause (a parent in one of its states; states without a link are inactive)
    and the leak (everything not modelled) alone carry the node from each level to the next
    with probability ``p_l``, so alone it reaches level ``l`` or above with
    ``P_c(>= l) = p_1 ... p_l``. The node is at or above ``l`` unless no cause carries it
    there: ``P(Y < l) = (1 - P_leak(>= l)) * prod over active causes (1 - P_c(>= l))``.
    With two states this is the noisy-OR: ``P(yes) = 1 - (1 - leak) prod (1 - p_c)``.
:class:`LogLinear`
    A base probability (two states) or base distribution, and effects: in the rows that match
    an effect's ``given``, the weight of the states it names is multiplied by its ratio. On the
    ``odds`` scale each row is then divided by its sum (a ratio multiplies the odds of those
    states against the others); on the ``risk`` scale the named states keep their products
    and the reference state (the first, or the other state of two) takes the rest; a draw in
    which they would exceed 1 is capped (the named states scaled down to sum to 1).
:class:`Deterministic`
    The node's state as a function of its parents: rules ``given -> state``, the first rule
    that matches a row applying.

Only numpy is imported here (PyTensor is passed in as ``xp`` by the fitting code).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..messages import suggest
from .checks import check_given, fault, format_given, listed

__all__ = ["Link", "NoisyMax", "Effect", "LogLinear", "Rule", "Deterministic", "FORMS",
           "Structure"]

#: The forms of a structured table, as written under ``table:``.
FORMS = ("noisy_or", "noisy_max", "log_linear", "deterministic")

Given = tuple[tuple[str, str], ...]


def _mask(given: Given, parents: Sequence[str], spaces: Mapping[str, Sequence[str]]
          ) -> np.ndarray:
    """1 in the rows (parent configurations) that agree with ``given``, 0 elsewhere."""
    named = dict(given)
    out = np.ones(tuple(len(spaces[p]) for p in parents))
    for axis, p in enumerate(parents):
        if p in named:
            hit = np.zeros(len(spaces[p]))
            hit[list(spaces[p]).index(named[p])] = 1.0
            shape = [1] * len(parents)
            shape[axis] = len(spaces[p])
            out = out * hit.reshape(shape)
    return out


def _column(values: Mapping[str, Any], name: str, draws: int, xp: Any) -> Any:
    """A parameter's values as shape (S,)."""
    v = values[name]
    if xp is np:
        return np.broadcast_to(np.asarray(v, dtype=float).reshape(-1), (draws,))
    return xp.reshape(v, (-1,)) * xp.ones((draws,))


def _expand(x: Any, ndim: int, axis: int | None, xp: Any) -> Any:
    """``x`` of shape (S, n, K) or (S, K) spread over ``ndim`` parent axes: (S, 1.., n, ..1, K)
    with n on ``axis`` (or (S, 1, ..., 1, K) without one)."""
    if axis is None:
        index = (slice(None),) + (None,) * ndim + (slice(None),)
    else:
        index = (slice(None),) + tuple(slice(None) if i == axis else None
                                       for i in range(ndim)) + (slice(None),)
    return x[index]


def _check_given(form: str, node: str, given: Given, parents: Sequence[str],
                 spaces: Mapping[str, Sequence[str]], where: str, path: tuple) -> None:
    """A partial `given` of a structured table: parents of ``node``, each in one of its
    states."""
    for p, _ in given:
        if p not in parents:
            raise fault(f"expected `given` to name parents of '{node}' ({listed(parents)}), got "
                        f"{p!r}{suggest(p, parents)}", node=node, field="table",
                        path=(*path, p), where=where)
    mapping = dict(given)
    check_given(mapping, dict.fromkeys(mapping), {p: spaces[p] for p in mapping}, node=node,
                field="table", path=path, where=where)


# -- noisy-OR / noisy-MAX ------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """One cause of a noisy-OR / noisy-MAX node: a parent in one state, with the parameter of
    each step from one level to the next (one name per level above the lowest)."""

    parent: str
    state: str
    steps: tuple[str, ...]
    source: str | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class NoisyMax:
    """A noisy-MAX table (noisy-OR with two states; see the module's documentation).

    Attributes
    ----------
    levels : tuple of str
        The node's states from the lowest to the highest.
    leak : tuple of str
        The leak's step parameters, one per level above the lowest.
    links : tuple of Link
    binary : bool
        Written as ``noisy_or``.
    """

    levels: tuple[str, ...]
    leak: tuple[str, ...]
    links: tuple[Link, ...]
    binary: bool = False

    form = "noisy_max"

    @property
    def written_as(self) -> str:
        return "noisy_or" if self.binary else "noisy_max"

    @property
    def parameters(self) -> tuple[str, ...]:
        names = list(self.leak)
        for link in self.links:
            names.extend(link.steps)
        return tuple(dict.fromkeys(names))

    def roles(self) -> dict[str, str]:
        return dict.fromkeys(self.parameters, "probability")

    def row_parameters(self, given: Mapping[str, str]) -> tuple[str, ...]:
        """The parameters the row of parent states ``given`` depends on."""
        names = list(self.leak)
        for link in self.links:
            if given.get(link.parent) == link.state:
                names.extend(link.steps)
        return tuple(dict.fromkeys(names))

    def check(self, node: str, states: Sequence[str], parents: Sequence[str],
              spaces: Mapping[str, Sequence[str]]) -> None:
        """Levels are the node's states; every link names one parent in one of its states,
        once; every parent has a link; each link has one step per level above the lowest."""
        path = ("nodes", node, "table", self.written_as)
        if sorted(self.levels) != sorted(states) or len(self.levels) != len(states):
            raise fault(f"expected the levels to be the states of '{node}' ({listed(states)}), "
                        f"got {listed(self.levels)}", node=node, field="table", path=path)
        steps = len(states) - 1
        if len(self.leak) != steps:
            raise fault(f"expected the leak to give {steps} step(s) (one per level above "
                        f"{self.levels[0]!r}), got {len(self.leak)}", node=node, field="table",
                        path=(*path, "leak"))
        seen: dict[tuple[str, str], int] = {}
        for i, link in enumerate(self.links):
            where = f"link {i + 1}: "
            lpath = (*path, "links", i)
            _check_given(self.written_as, node, ((link.parent, link.state),), parents, spaces,
                         where, (*lpath, "given"))
            if (link.parent, link.state) in seen:
                raise fault(f"expected one link per parent state, got "
                            f"{link.parent}={link.state} again (first in link "
                            f"{seen[(link.parent, link.state)] + 1})", node=node,
                            field="table", path=lpath, where=where)
            seen[(link.parent, link.state)] = i
            if len(link.steps) != steps:
                raise fault(f"expected {steps} step(s) (one per level above "
                            f"{self.levels[0]!r}), got {len(link.steps)}", node=node,
                            field="table", path=lpath, where=where)
        _covered(node, parents, {p for p, _ in seen}, self.written_as, "link", path)

    def compute(self, values: Mapping[str, Any], parents: Sequence[str],
                spaces: Mapping[str, Sequence[str]], states: Sequence[str], draws: int,
                xp: Any = np) -> Any:
        """The table, shape (S, *parent cards, states), from parameter values (S,) each."""
        ndim, steps = len(parents), len(self.levels) - 1

        def reach(names: Sequence[str]) -> Any:  # P(>= l) for l = 1..K-1: (S, K-1)
            cols, running = [], None
            for name in names:
                col = _column(values, name, draws, xp)
                running = col if running is None else running * col
                cols.append(running)
            return xp.stack(cols, axis=1)

        below = _expand(1.0 - reach(self.leak), ndim, None, xp)  # P(Y < l): (S, 1.., K-1)
        by_parent: dict[str, dict[str, tuple[str, ...]]] = {}
        for link in self.links:
            by_parent.setdefault(link.parent, {})[link.state] = link.steps
        for axis, parent in enumerate(parents):
            links = by_parent.get(parent)
            if not links:
                continue
            rows = [1.0 - reach(links[s]) if s in links else xp.ones((draws, steps))
                    for s in spaces[parent]]
            below = below * _expand(xp.stack(rows, axis=1), ndim, axis, xp)
        cards = tuple(len(spaces[p]) for p in parents)
        below = below * xp.ones((draws, *cards, steps))
        cdf = xp.concatenate([below[..., :1] * 0.0, below, below[..., :1] * 0.0 + 1.0],
                             axis=-1)
        probs = cdf[..., 1:] - cdf[..., :-1]
        return _reorder(probs, self.levels, states, xp)


def _reorder(probs: Any, levels: Sequence[str], states: Sequence[str], xp: Any) -> Any:
    """A table over ``levels`` (last axis) in the order of ``states``."""
    if tuple(levels) == tuple(states):
        return probs
    order = [list(levels).index(s) for s in states]
    return xp.stack([probs[..., k] for k in order], axis=-1)


def _covered(node: str, parents: Sequence[str], used: set[str], form: str, what: str,
             path: tuple) -> None:
    missing = [p for p in parents if p not in used]
    if missing:
        raise fault(f"expected every parent of '{node}' to have a {what} (a parent with no "
                    f"effect should not be a parent), got none for {listed(missing)}",
                    node=node, field="table", path=path)


# -- log-linear effects --------------------------------------------------------------------------


@dataclass(frozen=True)
class Effect:
    """A multiplicative effect: in rows matching ``given``, the weights of ``states`` are
    multiplied by the ratio parameter ``ratio``."""

    given: Given
    ratio: str
    states: tuple[str, ...]
    source: str | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class LogLinear:
    """A table of multiplicative effects (see the module's documentation).

    Attributes
    ----------
    base : tuple of (str, str)
        ``(state, parameter)`` of the base weights: the target state alone for two states,
        every state otherwise.
    effects : tuple of Effect
    scale : {"odds", "risk"}
    reference : str
        The state that takes the rest on the risk scale (and that effects leave alone by
        default): the non-target state of two, else the first.
    """

    base: tuple[tuple[str, str], ...]
    effects: tuple[Effect, ...]
    scale: str
    reference: str

    form = "log_linear"
    written_as = "log_linear"

    @property
    def parameters(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([n for _, n in self.base] + [e.ratio for e in self.effects]))

    def roles(self) -> dict[str, str]:
        out = {n: "probability" for _, n in self.base}
        for e in self.effects:
            out[e.ratio] = "ratio"
        return out

    def row_parameters(self, given: Mapping[str, str]) -> tuple[str, ...]:
        """The parameters the row of parent states ``given`` depends on."""
        names = [n for _, n in self.base]
        names += [e.ratio for e in self.effects if all(given.get(p) == s for p, s in e.given)]
        return tuple(dict.fromkeys(names))

    def check(self, node: str, states: Sequence[str], parents: Sequence[str],
              spaces: Mapping[str, Sequence[str]]) -> None:
        path = ("nodes", node, "table", "log_linear")
        loc = dict(node=node, field="table", path=path)
        if self.scale not in ("odds", "risk"):
            raise fault(f"expected `scale` to be odds or risk, got {self.scale!r}", **loc)
        if self.reference not in states:
            raise fault(f"expected the reference state to be a state of '{node}' "
                        f"({listed(states)}), got {self.reference!r}", **loc)
        named = [s for s, _ in self.base]
        if len(states) == 2:
            if len(named) != 1 or named[0] == self.reference or named[0] not in states:
                raise fault(f"expected the base probability of one state of '{node}' "
                            f"(not the reference {self.reference!r}), got {listed(named)}",
                            **loc)
        elif sorted(named) != sorted(states):
            raise fault(f"expected a base weight for every state of '{node}' "
                        f"({listed(states)}), got {listed(named)}", **loc)
        used: set[str] = set()
        for i, e in enumerate(self.effects):
            where = f"effect {i + 1}: "
            epath = (*path, "effects", i)
            if not e.given:
                raise fault("expected `given` to name at least one parent state, got none",
                            node=node, field="table", path=epath, where=where)
            _check_given("log_linear", node, e.given, parents, spaces, where, (*epath, "given"))
            bad = [s for s in e.states if s not in states]
            if bad or not e.states or len(set(e.states)) != len(e.states):
                raise fault(f"expected `states` to be distinct states of '{node}' "
                            f"({listed(states)}), got {listed(e.states)}", node=node,
                            field="table", path=epath, where=where)
            used.update(p for p, _ in e.given)
        _covered(node, parents, used, "log_linear", "effect", path)

    def compute(self, values: Mapping[str, Any], parents: Sequence[str],
                spaces: Mapping[str, Sequence[str]], states: Sequence[str], draws: int,
                xp: Any = np) -> Any:
        """The table, shape (S, *parent cards, states), from parameter values (S,) each."""
        ndim, k = len(parents), len(states)
        cards = tuple(len(spaces[p]) for p in parents)
        base = dict(self.base)
        if k == 2:
            target = next(iter(base))
            b = _column(values, base[target], draws, xp)
            cols = [b if s == target else 1.0 - b for s in states]
        else:
            cols = [_column(values, base[s], draws, xp) for s in states]
        weights = _expand(xp.stack(cols, axis=1), ndim, None, xp)  # (S, 1.., K)
        log_factor = None
        for e in self.effects:
            pattern = _mask(e.given, parents, spaces)[..., None] * np.array(
                [1.0 if s in e.states else 0.0 for s in states])
            term = xp.log(_column(values, e.ratio, draws, xp))[
                (slice(None),) + (None,) * (ndim + 1)] * pattern[None]
            log_factor = term if log_factor is None else log_factor + term
        if log_factor is not None:
            weights = weights * xp.exp(log_factor)
        weights = weights * xp.ones((draws, *cards, k))
        if self.scale == "odds":
            return weights / weights.sum(axis=-1, keepdims=True)
        ref = list(states).index(self.reference)
        others = [j for j in range(k) if j != ref]
        total = sum(weights[..., j] for j in others)
        shrink = 1.0 / xp.maximum(total, 1.0)
        cols = [1.0 - total * shrink if j == ref else weights[..., j] * shrink
                for j in range(k)]
        return xp.stack(cols, axis=-1)


# -- deterministic -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """In the rows that agree with ``given``, the node takes ``state``."""

    given: Given
    state: str
    source: str | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Deterministic:
    """The node's state as a function of its parents' states: the first rule that matches a
    row applies; every row must be matched and every rule must match some row first."""

    rules: tuple[Rule, ...]

    form = "deterministic"
    written_as = "deterministic"
    parameters: tuple[str, ...] = ()

    def roles(self) -> dict[str, str]:
        return {}

    def row_parameters(self, given: Mapping[str, str]) -> tuple[str, ...]:
        """None: a deterministic row is fixed."""
        return ()

    def assignment(self, parents: Sequence[str], spaces: Mapping[str, Sequence[str]]
                   ) -> np.ndarray:
        """The index of the rule that applies in each row (-1 where none does)."""
        out = np.full(tuple(len(spaces[p]) for p in parents), -1, dtype=np.int64)
        for i in range(len(self.rules) - 1, -1, -1):
            out = np.where(_mask(self.rules[i].given, parents, spaces) > 0, i, out)
        return out

    def check(self, node: str, states: Sequence[str], parents: Sequence[str],
              spaces: Mapping[str, Sequence[str]]) -> None:
        path = ("nodes", node, "table", "deterministic")
        for i, rule in enumerate(self.rules):
            where = f"rule {i + 1}: "
            _check_given("deterministic", node, rule.given, parents, spaces, where,
                         (*path, i, "given"))
            if rule.state not in states:
                raise fault(f"expected a state of '{node}' ({listed(states)}), got "
                            f"{rule.state!r}", node=node, field="table", path=(*path, i),
                            where=where)
        if not self.rules:
            raise fault("expected at least one rule, got none", node=node, field="table",
                        path=path)
        chosen = self.assignment(parents, spaces)
        if np.any(chosen < 0):
            at = np.argwhere(chosen < 0)
            shown = "; ".join(format_given({p: spaces[p][int(j)] for p, j in zip(
                parents, row, strict=True)}) for row in at[:5])
            more = f" and {len(at) - 5} more" if len(at) > 5 else ""
            raise fault(f"expected a rule for every combination of parent states, got none for "
                        f"{shown}{more}", node=node, field="table", path=path)
        for i, rule in enumerate(self.rules):
            if not np.any(chosen == i):
                raise fault(f"rule {i + 1} ({format_given(dict(rule.given))}) never applies: "
                            "every row it matches is taken by an earlier rule; remove it or "
                            "move it up", node=node, field="table", path=(*path, i))

    def compute(self, values: Mapping[str, Any], parents: Sequence[str],
                spaces: Mapping[str, Sequence[str]], states: Sequence[str], draws: int,
                xp: Any = np) -> Any:
        chosen = self.assignment(parents, spaces)
        target = np.array([list(states).index(r.state) for r in self.rules])[chosen]
        table = np.eye(len(states))[target]
        return np.broadcast_to(table[None], (draws, *table.shape)).copy() if xp is np \
            else xp.as_tensor_variable(np.broadcast_to(table[None], (draws, *table.shape)))


#: Any of the forms.
Structure = NoisyMax | LogLinear | Deterministic
