"""Result objects of the value-of-information analyses, and their plain-data form.

Field names of the ``to_dict`` methods are a public contract (the JSON of ``influence voi``):
scripts rely on them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..frames import frame

__all__ = ["ObserveValue", "GroupValue", "StudyValue", "EVPPIResult", "EVSIResult",
           "ValueOfInformation", "VOI_COLUMNS", "GROUP_COLUMNS", "STUDY_COLUMNS"]


def _number(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _with_solution(out: dict[str, Any], solution: Mapping[str, Any] | None) -> dict[str, Any]:
    if solution is not None:
        out["solution"] = dict(solution)
    return out


@dataclass(frozen=True)
class ObserveValue:
    """The value of observing chance nodes before a decision (value of clairvoyance).

    Attributes
    ----------
    decision : str
        The decision that gets to see them (and, by perfect recall, every later decision).
    nodes : tuple of str
        The chance nodes observed, in file order.
    value : float
        The increase in the maximum expected utility.
    maximum_expected_utility : float
        The maximum expected utility with the observation.
    exact : bool or None
        On a diagram of limited memory: whether both optima (with and without the
        observation) are exact (both diagrams soluble); the value rests on local optima of
        single policy updating otherwise and may even be negative. None under perfect recall
        (always exact).
    """

    decision: str
    nodes: tuple[str, ...]
    value: float
    maximum_expected_utility: float
    exact: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {"decision": self.decision, "nodes": list(self.nodes),
               "value": _number(self.value)}
        if self.exact is not None:
            out["exact"] = self.exact
        return out


@dataclass(frozen=True)
class GroupValue:
    """The expected value of partial perfect information (EVPPI) about a group of parameters.

    Attributes
    ----------
    group : str
        Its name (a node's name for the default groups).
    parameters : tuple of str
        The parameters it holds (names as in :mod:`influence.analysis.parameters`).
    value : float
        The EVPPI.
    method : {"conditional-means", "regression"}
        ``conditional-means``: every other parameter is independent of the group, so each
        draw of the group is valued with the others at their (conditional) means, exactly;
        ``regression``: the values of draws of all parameters regressed on the group's
        (Strong, Oakley and Brennan 2014).
    se : float
        Its Monte Carlo standard error (with the regression's, for ``regression``).
    """

    group: str
    parameters: tuple[str, ...]
    value: float
    method: str
    se: float

    def to_dict(self) -> dict[str, Any]:
        return {"group": self.group, "parameters": list(self.parameters),
                "value": _number(self.value), "method": self.method, "se": _number(self.se)}


@dataclass(frozen=True)
class StudyValue:
    """The expected value of sample information (EVSI) of a study of ``n`` new cases.

    Attributes
    ----------
    study : str
        The row observed (``NODE`` or ``NODE[PARENT=STATE,...]``).
    n : int
        Number of cases.
    value : float
        The EVSI.
    se : float
        Its Monte Carlo standard error: 0 when every possible outcome of a closed-form update
        was enumerated; over draws, a bootstrap standard error.
    cost : float or None
        The study's cost, if given.
    net : float or None
        The expected net benefit of sampling, ``value - cost``.
    method : str
        ``"enumeration"`` or ``"monte-carlo"`` (outcomes, for a row updated in closed form),
        ``"reweighted draws"`` or ``"reweighted draws, monte-carlo outcomes"`` (a row valued
        on the draws: a structured table's, or any under a NUTS posterior; see
        :mod:`influence.analysis.evsi_draws`).
    outcomes : int
        Outcomes enumerated, or Monte Carlo draws.
    """

    study: str
    n: int
    value: float
    se: float
    cost: float | None = None
    net: float | None = None
    method: str = "enumeration"
    outcomes: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"study": self.study, "n": int(self.n), "value": _number(self.value),
                "se": _number(self.se), "method": self.method, "cost": _number(self.cost),
                "net": _number(self.net)}


@dataclass(frozen=True)
class EVPPIResult:
    """What learning the parameters, all or a group at a time, is worth.

    Attributes
    ----------
    model : str
    maximum_expected_utility : float
        The maximum expected utility without further information (the Bayes decision).
    evpi_parameters : float
        The expected value of perfect information about every parameter.
    evpi_se : float
        Its Monte Carlo standard error.
    groups : tuple of GroupValue
    uncertainty : {"prior", "posterior"}
    draws : int
    solution : mapping or None
        On a diagram of limited memory, how its strategies are found (as
        :attr:`influence.Evaluation.solution`; ``exact`` false: the values rest on local optima
        of single policy updating); None under perfect recall.
    """

    model: str
    maximum_expected_utility: float
    evpi_parameters: float
    evpi_se: float
    groups: tuple[GroupValue, ...]
    uncertainty: str
    draws: int
    solution: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {"model": self.model,
               "maximum_expected_utility": _number(self.maximum_expected_utility),
               "evpi_parameters": _number(self.evpi_parameters),
               "evppi": [g.to_dict() for g in self.groups]}
        return _with_solution(out, self.solution)

    def to_frame(self) -> Any:
        """One row per group, indexed by ``group``: :data:`GROUP_COLUMNS` (``parameters``: how
        many). The EVPI about every parameter is :attr:`evpi_parameters`. Needs pandas."""
        return _groups_frame(self.groups)


@dataclass(frozen=True)
class EVSIResult:
    """What proposed studies are worth.

    Attributes
    ----------
    model : str
    maximum_expected_utility : float
        The maximum expected utility without the study.
    studies : tuple of StudyValue
        One per study and sample size.
    uncertainty : {"prior", "posterior"}
    solution : mapping or None
        As in :class:`EVPPIResult`.
    """

    model: str
    maximum_expected_utility: float
    studies: tuple[StudyValue, ...]
    uncertainty: str
    solution: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {"model": self.model,
               "maximum_expected_utility": _number(self.maximum_expected_utility),
               "evsi": [s.to_dict() for s in self.studies]}
        return _with_solution(out, self.solution)

    def to_frame(self) -> Any:
        """One row per study and sample size: :data:`STUDY_COLUMNS`. Needs pandas."""
        return _studies_frame(self.studies)


@dataclass(frozen=True)
class ValueOfInformation:
    """Every value of information of a diagram: observing chance nodes before decisions and,
    under parameter uncertainty, learning the parameters and running studies.

    Attributes
    ----------
    model : str
    maximum_expected_utility : float
        Without further information (at the parameters' means under uncertainty).
    observe : tuple of ObserveValue
    evpi_parameters : float or None
        Under parameter uncertainty only.
    evppi : tuple of GroupValue
    evsi : tuple of StudyValue
    title, units : str or None
        Of the model, for reports.
    given : mapping
        The scenario.
    uncertainty : {"prior", "posterior"} or None
    draws : int or None
    evpi_se : float or None
    method : str or None
        How decisions without further information are found under uncertainty: ``"means"``
        (at the exact means of the parameters' distributions: exact), ``"draw-means"`` (at
        the means of a NUTS posterior's draws, whose rows are independent across nodes) or
        ``"draws"`` (the Bayes decision on the mean over the draws, where parameters of
        different nodes depend on each other).
    diagnostics : mapping or None
        A posterior's method and sampling diagnostics (with its ``warnings``), as in
        :attr:`influence.Evaluation.diagnostics`.
    solution : mapping or None
        On a diagram of limited memory, how its strategies are found (as
        :attr:`influence.Evaluation.solution`: ``method``, ``soluble``, ``exact``); with
        ``exact`` false every value rests on local optima of single policy updating. None
        under perfect recall.
    """

    model: str
    maximum_expected_utility: float
    observe: tuple[ObserveValue, ...] = ()
    evpi_parameters: float | None = None
    evppi: tuple[GroupValue, ...] = ()
    evsi: tuple[StudyValue, ...] = ()
    title: str | None = None
    units: str | None = None
    given: Mapping[str, str] = field(default_factory=dict)
    uncertainty: str | None = None
    draws: int | None = None
    evpi_se: float | None = None
    method: str | None = None
    diagnostics: Mapping[str, Any] | None = None
    solution: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: exactly ``model``, ``maximum_expected_utility``, ``observe``,
        ``evpi_parameters``, ``evppi`` and ``evsi``, and ``solution`` on a diagram of limited
        memory."""
        return _with_solution({
            "model": self.model,
            "maximum_expected_utility": _number(self.maximum_expected_utility),
            "observe": [o.to_dict() for o in self.observe],
            "evpi_parameters": _number(self.evpi_parameters),
            "evppi": [g.to_dict() for g in self.evppi],
            "evsi": [s.to_dict() for s in self.evsi],
        }, self.solution)

    def to_frame(self) -> Any:
        """Every value in one DataFrame, one row each (as the CSV of ``influence voi``):
        :data:`VOI_COLUMNS`; ``kind`` is ``observe`` (``item``: the nodes joined by ``+``),
        ``evpi``, ``evppi`` (``item``: the group) or ``evsi`` (``item``: the study, ``n``
        its size). The other result objects have frames of their own rows:
        :meth:`EVPPIResult.to_frame`, :meth:`EVSIResult.to_frame`. Needs pandas."""
        rows: list[dict[str, Any]] = [
            {"kind": "observe", "decision": o.decision, "item": "+".join(o.nodes),
             "value": o.value, "maximum_expected_utility": o.maximum_expected_utility,
             "method": self.method or "exact"} for o in self.observe]
        if self.evpi_parameters is not None:
            rows.append({"kind": "evpi", "item": "all parameters", "value": self.evpi_parameters,
                         "se": self.evpi_se, "method": "conditional-means"})
        rows += [{"kind": "evppi", "item": g.group, "value": g.value, "se": g.se,
                  "method": g.method} for g in self.evppi]
        rows += [{"kind": "evsi", "item": s.study, "n": s.n, "value": s.value, "se": s.se,
                  "method": s.method, "cost": s.cost, "net": s.net} for s in self.evsi]
        return frame(rows, VOI_COLUMNS)


#: Columns of :meth:`ValueOfInformation.to_frame`.
VOI_COLUMNS = ("kind", "decision", "item", "n", "value", "se", "maximum_expected_utility",
               "method", "cost", "net")
#: Columns of :meth:`EVPPIResult.to_frame`.
GROUP_COLUMNS = ("group", "parameters", "value", "se", "method")
#: Columns of :meth:`EVSIResult.to_frame`.
STUDY_COLUMNS = ("study", "n", "value", "se", "cost", "net", "method", "outcomes")


def _groups_frame(groups: tuple[GroupValue, ...]) -> Any:
    rows = [{"group": g.group, "parameters": len(g.parameters), "value": g.value, "se": g.se,
             "method": g.method} for g in groups]
    return frame(rows, GROUP_COLUMNS, index="group")


def _studies_frame(studies: tuple[StudyValue, ...]) -> Any:
    rows = [{c: getattr(s, c) for c in STUDY_COLUMNS} for s in studies]
    return frame(rows, STUDY_COLUMNS)
