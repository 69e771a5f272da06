"""The stage tensor as an affine function of the operands that change, one set per draw.

Every term a plan contracts (a utility node's part of the stage tensor, the probability of the
information states, the probability of the scenario) is a product of operands, each at most
once: it is linear in any one operand. When each draw of a batch changes a set of operands no
two of which meet in a term (*separable*: one chance table, say, or the tables of two utility
nodes), every term is therefore affine in the draw's numbers, and

    stage = stage(model) + sum over the changed operands X of (X - X(model)) . dstage/dX

exactly (up to rounding; the terms of the sum are the same products, summed in another
order). :class:`LinearStage` contracts the derivatives once, each entry of each operand a draw
of the plan's own contractions with that entry one and the operand's other entries zero; a
batch then costs a matrix product per changed operand instead of the contractions.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

import numpy as np

from .plan import Plan, Term

__all__ = ["LinearStage", "separable"]


def _members(term: Term) -> set[str]:
    return set(term.chance) | ({term.node} if term.node else set())


def _terms(plan: Plan) -> list[tuple[str, Term]]:
    out = [("stage", t) for t in plan.utility_terms] + [("reach", plan.reach_term)]
    if plan.evidence_term is not None:
        out.append(("pe", plan.evidence_term))
    return out


def separable(plan: Plan, nodes: Collection[str]) -> bool:
    """Whether no term of the plan contains two of ``nodes``."""
    return all(len(_members(t) & set(nodes)) <= 1 for _, t in _terms(plan))


class LinearStage:
    """The unnormalized stage tensor, the unnormalized reach tensor and the probability of
    the scenario of draws that each change a separable set of the operands ``nodes``.

    Parameters
    ----------
    plan : Plan
        A plan of perfect recall.
    nodes : collection of str
        The operands (chance and utility nodes) that draws may change.
    step : int
        Most draws contracted at once.
    """

    def __init__(self, plan: Plan, nodes: Iterable[str], step: int) -> None:
        self.plan = plan
        self.base = plan.operands(check=False)
        self.nodes = tuple(n for n in dict.fromkeys(nodes) if n in self.base)
        full = tuple(plan.sizes[v] for v in plan.layout_vars)
        self._width = int(np.prod(full, dtype=np.int64))
        self._terms: list[tuple[str, set[str], np.ndarray]] = []
        self.gradient: dict[str, dict[str, np.ndarray]] = {n: {} for n in self.nodes}
        for kind, term in _terms(plan):
            value = self._flat(kind, plan._run(term, self.base, expand=kind != "pe"))
            self._terms.append((kind, _members(term), value[0]))
            self._derivatives(kind, term, max(1, step))
        self._constants: dict[frozenset[str], dict[str, np.ndarray]] = {}

    def _constant(self, changed: frozenset[str]) -> dict[str, np.ndarray]:
        """The sum of the terms that contain none of ``changed``, of each kind (contracted
        on the model's numbers)."""
        hit = self._constants.get(changed)
        if hit is None:
            hit = {"stage": np.zeros(self._width), "reach": np.zeros(self._width),
                   "pe": np.ones(()) if self.plan.evidence_term is None else np.zeros(())}
            for kind, members, value in self._terms:
                if not members & changed:
                    hit[kind] = hit[kind] + value
            self._constants[changed] = hit
        return hit

    def _flat(self, kind: str, value: np.ndarray) -> np.ndarray:
        return value.reshape(-1) if kind == "pe" else value.reshape(-1, self._width)

    def _derivatives(self, kind: str, term: Term, step: int) -> None:
        """Add the term's derivative in each of ``nodes`` it contains, entry by entry."""
        inside = [n for n in self.nodes if n in _members(term)]
        rows = [(n, k) for n in inside for k in range(self.base[n][0].size)]
        for start in range(0, len(rows), step):
            part = rows[start:start + step]
            ops = dict(self.base)
            for n in inside:
                mine = [i for i, (m, _) in enumerate(part) if m == n]
                if not mine:
                    continue
                table = np.repeat(self.base[n], len(part), axis=0)
                flat = table.reshape(len(part), -1)
                flat[mine] = 0.0
                flat[mine, [part[i][1] for i in mine]] = 1.0
                ops[n] = table
            value = self._flat(kind, self.plan._run(term, ops, expand=kind != "pe"))
            for n in inside:
                mine = [i for i, (m, _) in enumerate(part) if m == n]
                if not mine:
                    continue
                entries = [part[i][1] for i in mine]
                store = self.gradient[n].setdefault(kind, np.zeros(
                    (self.base[n][0].size,) + value.shape[1:]))
                store[entries] += value[mine]

    def evaluate(self, ops: dict[str, np.ndarray], changes: Sequence[frozenset[str]]
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The unnormalized stage tensor and reach tensor (each shape (S, *layout sizes)) and
        the probability of the scenario (S,) of draws whose operands are ``ops``, draw ``s``
        changing only the operands ``changes[s]`` (a separable set of ``nodes``).

        Each term containing a changed operand is its derivative times the operand (a sum of
        products, like the contraction: an entry that is zero on every path stays zero); the
        others are the model's."""
        draws = len(changes)
        sets = list(dict.fromkeys(changes))
        which = {changed: i for i, changed in enumerate(sets)}
        index = np.array([which[changed] for changed in changes], dtype=np.int64)
        constants = [self._constant(changed) for changed in sets]
        out = {kind: np.stack([c[kind] for c in constants])[index]
               for kind in ("stage", "reach", "pe")}
        for n in self.nodes:
            rows = np.flatnonzero(np.isin(index, [i for i, c in enumerate(sets) if n in c]))
            if rows.size == 0:
                continue
            table = np.asarray(ops[n])
            table = table[rows] if table.shape[0] > 1 else np.repeat(table, rows.size, 0)
            flat = table.reshape(rows.size, -1)
            for kind, gradient in self.gradient[n].items():
                out[kind][rows] += flat @ gradient
        shape = (draws,) + tuple(self.plan.sizes[v] for v in self.plan.layout_vars)
        return out["stage"].reshape(shape), out["reach"].reshape(shape), out["pe"]
