"""Variable elimination over probability and utility potentials, batched over draws.

An expected utility is a sum over every configuration of a product of probability factors
(conditional probability tables, decision rules, evidence) times a sum of utility factors:

``EU = sum_x  prod_i phi_i(x)  *  sum_j psi_j(x)``

A *pool* holds such factors. Eliminating a variable ``v`` combines the factors that mention it
(Jensen, Jensen and Dittmer 1994; Lauritzen and Nilsson 2001)::

    phi' = sum_v prod phi_v                (a probability factor)
    psi' = sum_v prod phi_v * sum psi_v / phi'   (a utility factor; 0 where phi' = 0)

which leaves the sum unchanged; the rest of the pool is untouched. Eliminating every variable but
some leaves, for each configuration of those, the probability-weighted expected utility.

Everything here works on *scopes* (tuples of variable names) first: :class:`Planner` chooses an
elimination order greedily (smallest clique first) once per structure and records the einsum
subscripts of every step, so that running the plan on numbers is a fixed sequence of
``numpy.einsum`` calls. Arrays carry a leading draw axis of size 1 or ``S`` (the ``...`` of the
subscripts), broadcast like the rest of the solver's kernels.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Factor", "Step", "Planner", "run_steps", "expand", "combine"]

_LETTERS = string.ascii_letters


@dataclass(frozen=True)
class Factor:
    """A factor of a pool: ``kind`` "p" (probability) or "u" (utility), over ``scope``."""

    kind: str
    scope: tuple[str, ...]


@functools.lru_cache(maxsize=8192)
def subscripts(inputs: tuple[tuple[str, ...], ...], output: tuple[str, ...],
               last: bool = False) -> str:
    """``numpy.einsum`` subscripts with ``...`` for the draw axis (first, or ``last``),
    letters chosen locally (worked out when first run: a step too large to run is refused
    before)."""
    return _subscripts(inputs, output, last)


def _subscripts(inputs: Sequence[tuple[str, ...]], output: tuple[str, ...],
                last: bool = False) -> str:
    letters: dict[str, str] = {}
    for scope in (*inputs, output):
        for v in scope:
            if v not in letters:
                if len(letters) >= len(_LETTERS):
                    raise ValueError("a step of the elimination mentions more than 52 variables")
                letters[v] = _LETTERS[len(letters)]
    if last:
        left = ",".join("".join(letters[v] for v in s) + "..." for s in inputs)
        return left + "->" + "".join(letters[v] for v in output) + "..."
    left = ",".join("..." + "".join(letters[v] for v in s) for s in inputs)
    return left + "->..." + "".join(letters[v] for v in output)


@functools.lru_cache(maxsize=4096)
def _view(scope: tuple[str, ...], target: tuple[str, ...]
          ) -> tuple[tuple[int, ...] | None, tuple[int, ...]]:
    """How :func:`expand` moves axes: the transposition (None when none is needed) and, for
    each variable of ``target``, the axis of the moved array it comes from (-1: new)."""
    order = [scope.index(v) for v in target if v in scope]
    perm = None if order == sorted(order) else (0, *(1 + i for i in order))
    source = []
    position = 1
    for v in target:
        if v in scope:
            source.append(position)
            position += 1
        else:
            source.append(-1)
    return perm, tuple(source)


def expand(array: np.ndarray, scope: tuple[str, ...], target: tuple[str, ...],
           last: bool = False) -> np.ndarray:
    """A view of ``array`` (draw axis first, then ``scope``; or ``scope`` then the draw axis,
    ``last``) with its axes in the order of ``target`` and size-1 axes for the variables of
    ``target`` it does not mention."""
    if scope == target:
        return array
    perm, source = _view(scope, target)
    if last:
        if perm is not None:
            array = array.transpose((*(i - 1 for i in perm[1:]), len(scope)))
        sizes = array.shape
        return array.reshape((*(1 if i < 0 else sizes[i - 1] for i in source), sizes[-1]))
    moved = array if perm is None else array.transpose(perm)
    sizes = moved.shape
    return moved.reshape((sizes[0], *(1 if i < 0 else sizes[i] for i in source)))


@dataclass(frozen=True)
class Step:
    """One elimination: the slots of the factors it reads, the slots it writes, and how.

    ``p_in``/``u_in`` are slots of probability and utility factors mentioning the variable;
    ``p_out``/``u_out`` the slots of the new factors (None when there is none). The new
    probability factor is the product of the ``p_in`` factors (over ``p_scopes``) summed to
    ``p_scope_out``; the new utility factor is that product times ``usum`` (the sum of the
    utility factors expanded to ``u_scope``) summed to ``u_scope_out``, divided by the new
    probability factor.
    """

    var: str
    p_in: tuple[int, ...]
    u_in: tuple[int, ...]
    p_out: int | None
    u_out: int | None
    p_scopes: tuple[tuple[str, ...], ...]
    u_scopes: tuple[tuple[str, ...], ...]
    u_scope: tuple[str, ...]
    p_scope_out: tuple[str, ...]
    u_scope_out: tuple[str, ...]
    size: int  # the variable's number of states (used without probability factors)


@dataclass
class Planner:
    """A pool of factors known by their scopes, eliminated symbolically.

    Attributes
    ----------
    sizes : mapping
        Number of states of every variable.
    slots : dict
        Slot -> :class:`Factor` currently in the pool.
    largest : int
        Entries (per draw) of the largest array any step has made so far.
    created : int
        Entries (per draw) of every factor put in the pool so far.
    """

    sizes: Mapping[str, int]
    slots: dict[int, Factor] = field(default_factory=dict)
    largest: int = 1
    created: int = 0
    _next: int = 0
    _index: dict[str, set[int]] = field(default_factory=dict)

    def add(self, kind: str, scope: Iterable[str]) -> int:
        """Put a factor in the pool; returns its slot."""
        slot = self._next
        self._next += 1
        factor = Factor(kind, tuple(scope))
        self.slots[slot] = factor
        for v in factor.scope:
            self._index.setdefault(v, set()).add(slot)
        entries = self.entries(factor.scope)
        self.largest = max(self.largest, entries)
        self.created += entries
        return slot

    def remove(self, slot: int) -> Factor:
        factor = self.slots.pop(slot)
        for v in factor.scope:
            slots = self._index[v]
            slots.discard(slot)
            if not slots:
                del self._index[v]
        return factor

    def entries(self, scope: Iterable[str]) -> int:
        out = 1
        for v in scope:
            out *= self.sizes[v]
        return out

    def _mentioning(self, var: str) -> list[int]:
        return sorted(self._index.get(var, ()))

    def _neighbours(self, var: str) -> set[str]:
        out: set[str] = set()
        for s in self._index.get(var, ()):
            out.update(self.slots[s].scope)
        out.discard(var)
        return out

    def _cost(self, var: str) -> tuple[int, int, str]:
        """The entries of the clique eliminating ``var`` makes, then its number of
        neighbours."""
        near = self._neighbours(var)
        return self.entries(near) * self.sizes[var], len(near), var

    def eliminate(self, var: str) -> Step:
        """Eliminate ``var`` from the pool: the step that does it on numbers."""
        slots = self._mentioning(var)
        p_in = tuple(s for s in slots if self.slots[s].kind == "p")
        u_in = tuple(s for s in slots if self.slots[s].kind == "u")
        p_scopes = [self.slots[s].scope for s in p_in]
        u_scopes = tuple(self.slots[s].scope for s in u_in)
        p_union = _union(p_scopes)
        u_scope = _union(u_scopes)
        p_out_scope = tuple(v for v in p_union if v != var)
        u_out_scope = tuple(v for v in _union([p_union, u_scope]) if v != var)
        for s in slots:
            self.remove(s)
        self.largest = max(self.largest, self.entries(_union([p_union, u_scope])))
        p_out = self.add("p", p_out_scope) if p_in else None
        u_out = self.add("u", u_out_scope) if u_in else None
        return Step(var, p_in, u_in, p_out, u_out, tuple(p_scopes), u_scopes, u_scope,
                    p_out_scope, u_out_scope, self.sizes[var])

    def eliminate_all(self, variables: Iterable[str]) -> list[Step]:
        """Eliminate ``variables``, each time the one whose clique is smallest (greedy
        minimum weight; only the neighbours of an eliminated variable change cost)."""
        pending = {v for v in variables if v in self._index}
        cost = {v: self._cost(v) for v in pending}
        steps = []
        while pending:
            var = min(pending, key=cost.__getitem__)
            near = self._neighbours(var)
            pending.discard(var)
            steps.append(self.eliminate(var))
            for v in near & pending:
                cost[v] = self._cost(v)
        return steps

    def variables(self) -> set[str]:
        return set(self._index)


def _union(scopes: Iterable[Sequence[str]]) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for s in scopes:
        out.update(dict.fromkeys(s))
    return tuple(out)


def _sum_utilities(pool: Mapping[int, np.ndarray], step: Step, last: bool) -> np.ndarray:
    if len(step.u_in) == 1:
        return expand(pool[step.u_in[0]], step.u_scopes[0], step.u_scope, last)
    total = None
    for s, scope in zip(step.u_in, step.u_scopes, strict=True):
        e = expand(pool[s], scope, step.u_scope, last)
        total = e if total is None else total + e
    return total


def run_steps(steps: Sequence[Step], pool: dict[int, np.ndarray], last: bool = False) -> None:
    """Run elimination steps on numbers: ``pool`` maps slots to arrays (draw axis first, or
    ``last``: faster for many draws, the innermost loops then run over them) and is
    updated."""
    for step in steps:
        p_args = [pool.pop(s) for s in step.p_in]
        usum = _sum_utilities(pool, step, last) if step.u_in else None
        for s in step.u_in:
            del pool[s]
        phi = (np.einsum(subscripts(step.p_scopes, step.p_scope_out, last), *p_args) if p_args
               else None)
        if phi is not None:
            pool[step.p_out] = phi
        if usum is None:
            continue
        if phi is None:  # no probability mentions the variable: each state counts once
            axis = step.u_scope.index(step.var) + (0 if last else 1)
            scope = tuple(v for v in step.u_scope if v != step.var)
            pool[step.u_out] = np.ascontiguousarray(
                expand(usum.sum(axis=axis) / step.size, scope, step.u_scope_out, last))
            continue
        num = np.einsum(subscripts((*step.p_scopes, step.u_scope), step.u_scope_out, last),
                        *p_args, usum)
        den = expand(phi, step.p_scope_out, step.u_scope_out, last)
        out = np.zeros(np.broadcast_shapes(num.shape, den.shape))
        np.divide(num, den, out=out, where=den > 0)
        pool[step.u_out] = out


def combine(factors: Sequence[tuple[Factor, np.ndarray]], output: tuple[str, ...],
            last: bool = False) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The probability weight and the probability-weighted utility of ``output``'s
    configurations: everything not in ``output`` summed in one einsum (for small pools: what
    is left of a query after its eliminations).

    Returns
    -------
    (phi, num)
        ``phi`` the summed product of the probability factors (None without any), ``num``
        the summed product times the sum of the utility factors (None without utility
        factors); both over ``output``, with the draw axis first (or ``last``).
    """
    p = [(f.scope, a) for f, a in factors if f.kind == "p"]
    u = [(f.scope, a) for f, a in factors if f.kind == "u"]
    p_scopes = tuple(s for s, _ in p)
    p_arrays = [a for _, a in p]
    mentioned = set(_union(p_scopes))
    phi_scope = tuple(v for v in output if v in mentioned)
    phi = np.einsum(subscripts(p_scopes, phi_scope, last), *p_arrays) if p else None
    if phi is not None and phi_scope != output:
        phi = expand(phi, phi_scope, output, last)
    if not u:
        return phi, None
    scope = _union(s for s, _ in u)
    total = None
    for s, a in u:
        e = expand(a, s, scope, last)
        total = e if total is None else total + e
    num = np.einsum(subscripts((*p_scopes, scope), output, last), *p_arrays, total)
    return phi, num
