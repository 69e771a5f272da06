"""Observed outcomes of a utility attribute: evidence that updates a utility value's prior.

An evidence file (:mod:`influence.bayes.evidence`) may list, besides counts and case records,
values observed for one value of a utility node (one configuration of its parents)::

    - node: payoff
      given: {drill: "yes", oil: soaking}
      values: [190, 215, 204]     # observed outcomes (one number, or a list)
      sd: 20                      # the standard deviation of one observation, if known
      weight: 1                   # in (0, 1], as for counts
      source: "three comparable wells"

Each observation ``y`` is taken as ``Normal(u, sd)`` around the value ``u``:

* with ``sd`` given and a Normal prior on the value, the posterior is Normal (normal-normal
  conjugacy): precision ``1 / s0^2 + w n / sd^2``, mean ``(m0 / s0^2 + w sum(y) / sd^2)`` over
  that precision (:func:`conjugate_normal`), drawn exactly;
* without ``sd`` (at least two values, not all equal) the spread is unknown: it is integrated
  out under the reference prior ``p(sd) ~ 1 / sd``, which leaves the likelihood
  ``(S + n (mean - u)^2)^(-n/2)`` (``S`` the sum of squared deviations), and NUTS samples the
  value; so it does for a Uniform prior.

A ``weight`` ``w`` raises the likelihood to the power ``w`` (a power prior), as for counts.
:func:`read_values_entry` validates an entry with the reader of the evidence file; every fault
is an :class:`~influence.errors.EvidenceError` naming the file, the entry, the node and the
field. Only numpy is imported here; :func:`log_likelihood` also runs on PyTensor tensors.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..messages import describe as _show
from ..model.checks import check_given, check_keys, format_given, read_given
from ..model.distributions import NormalPrior
from ..model.yamlio import line_of
from .draws import slot_name

if TYPE_CHECKING:  # pragma: no cover
    from ..model.diagram import Node

__all__ = ["UtilityObservation", "VALUE_KEYS", "read_values_entry", "conjugate_normal",
           "log_likelihood"]

#: The keys of a ``values`` entry.
VALUE_KEYS = ("node", "given", "values", "sd", "weight", "source", "reason")


@dataclass(frozen=True)
class UtilityObservation:
    """Observed outcomes of one value of a utility node.

    Attributes
    ----------
    entry : int
        1-based position in the evidence file's ``observations``.
    node : str
    key : tuple of str
        The value's parent states (in the node's parent order).
    index : tuple of int
        The value's index in the node's table.
    values : tuple of float
        The observations.
    sd : float or None
        The standard deviation of one observation, if known.
    weight : float
        Power-prior weight in (0, 1].
    slot : str
        The name of the value's slot, e.g. ``u[payoff|drill=yes,oil=soaking]``.
    """

    entry: int
    node: str
    key: tuple[str, ...]
    index: tuple[int, ...]
    values: tuple[float, ...]
    sd: float | None
    weight: float
    slot: str
    given: Mapping[str, str] = field(default_factory=dict)
    source: str | None = None
    reason: str | None = None
    file: str | None = None
    line: int | None = None

    @property
    def conjugate(self) -> bool:
        """Whether a Normal prior on the value has a Normal posterior (``sd`` known)."""
        return self.sd is not None


def _node(reader: Any, raw: Mapping, entry: int, line: int | None) -> Node:
    diagram = reader.diagram
    name = raw.get("node")
    reader.shared(check_keys, raw, VALUE_KEYS, what="a values entry",
                  node=name if isinstance(name, str) else None,
                  path=("observations", entry - 1), entry=entry)
    if not isinstance(name, str) or name not in diagram or \
            diagram.node(name).kind != "utility":
        utilities = ", ".join(n.name for n in diagram.utilities)
        found = "missing `node`" if name is None else f"got {_show(name)}"
        raise reader.error(f"expected `node` to be a utility node of '{diagram.name}' "
                           f"({utilities}): `values` are observed outcomes of a utility value; "
                           f"{found}", entry=entry, node=name if isinstance(name, str) else None,
                           field="node", line=line_of(raw, "node") or line)
    return diagram.node(name)


def _numbers(reader: Any, raw: Mapping, entry: int, node: str) -> tuple[float, ...]:
    value = raw.get("values")
    items = value if isinstance(value, list) else [value]
    line = line_of(raw, "values")
    if not items or not all(isinstance(v, int | float) and not isinstance(v, bool)
                            and math.isfinite(float(v)) for v in items):
        raise reader.error(f"expected `values` to be a finite number or a non-empty list of "
                           f"them, got {_show(value)}", entry=entry, node=node, field="values",
                           line=line)
    return tuple(float(v) for v in items)


def _sd(reader: Any, raw: Mapping, entry: int, node: str, values: tuple[float, ...]
        ) -> float | None:
    if "sd" not in raw:
        if len(values) < 2 or max(values) == min(values):
            raise reader.error(
                "expected `sd` (the standard deviation of one observation), or at least two "
                f"values that differ to estimate it from, got {len(values)} value"
                f"{'s' if len(values) != 1 else ''}{' all equal' if len(values) > 1 else ''}",
                entry=entry, node=node, field="sd", line=line_of(raw, "values"))
        return None
    sd = raw["sd"]
    if isinstance(sd, bool) or not isinstance(sd, int | float) or not math.isfinite(float(sd)) \
            or sd <= 0:
        raise reader.error(f"expected `sd` to be a number > 0, got {_show(sd)}", entry=entry,
                           node=node, field="sd", line=line_of(raw, "sd"))
    return float(sd)


def read_values_entry(reader: Any, raw: Mapping, entry: int,
                      line: int | None) -> UtilityObservation:
    """A validated ``values`` entry (``reader`` is the evidence file's reader, whose checks
    and messages it shares)."""
    node = _node(reader, raw, entry, line)
    name = node.name
    path = ("observations", entry - 1)
    loc = dict(node=name, field="given", path=(*path, "given"), entry=entry, line=line)
    given = reader.shared(read_given, raw.get("given"), **loc)
    spaces = {p: reader.diagram.node(p).state_index for p in node.parents}
    reader.shared(check_given, given, node.parents, spaces, **loc)
    key = tuple(given[p] for p in node.parents)
    if node.priors.get(key) is None:
        where = f"the value {format_given(given)}" if node.parents else "the node's value"
        raise reader.error(f"{where} has no prior and so cannot be updated; give it a `prior` "
                           "in the model file", entry=entry, node=name,
                           field="given" if node.parents else "node",
                           line=line_of(raw, "given") or line)
    values = _numbers(reader, raw, entry, name)
    sd = _sd(reader, raw, entry, name, values)
    weight = reader.weight(raw, entry=entry, node=name)
    texts = reader.texts(raw, ("source", "reason"), entry=entry, node=name, path=path)
    index = tuple(spaces[p][s] for p, s in zip(node.parents, key, strict=True))
    return UtilityObservation(entry=entry, node=name, key=key, index=index, values=values,
                              sd=sd, weight=weight,
                              slot=slot_name("utility", name, node.parents, key), given=given,
                              file=reader.file, line=line, **texts)


def conjugate_normal(prior: NormalPrior, obs: UtilityObservation) -> NormalPrior:
    """The Normal posterior of a Normal prior after observations with a known ``sd``."""
    if obs.sd is None:  # pragma: no cover - the caller checks
        raise ValueError("the spread of the observations is unknown: not conjugate")
    precision = 1 / prior.sigma ** 2 + obs.weight * len(obs.values) / obs.sd ** 2
    mean = (prior.mu / prior.sigma ** 2 + obs.weight * sum(obs.values) / obs.sd ** 2) / precision
    sigma = float(1 / math.sqrt(precision))
    return NormalPrior(mu=float(mean), sigma=sigma, spec={"normal": [float(mean), sigma]})


def log_likelihood(obs: UtilityObservation, u: Any, xp: Any = np) -> Any:
    """The weighted log-likelihood of the observations at value ``u`` (up to a constant):
    Normal with the known ``sd``, or with the spread integrated out under ``p(sd) ~ 1 / sd``.
    ``xp`` is ``numpy`` or ``pytensor.tensor``."""
    y = np.asarray(obs.values, dtype=float)
    n = len(y)
    if obs.sd is not None:
        return obs.weight * (-0.5 * xp.sum((y - u) ** 2) / obs.sd ** 2)
    squares = float(((y - y.mean()) ** 2).sum())
    return obs.weight * (-0.5 * n) * xp.log(squares + n * (y.mean() - u) ** 2)
