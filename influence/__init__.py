"""influence: Bayesian influence diagrams, solved exactly.

Load a model, evaluate it, read the results::

    import influence
    diagram = influence.load("oil-wildcatter")
    result = influence.evaluate(diagram)
    result.maximum_expected_utility           # 22.5
    result.alternatives["test"]               # {'no': 20.0, 'yes': 22.5}

What drives the decision, and how far each number may move before the best choice changes:
``influence.sensitivity(diagram)`` (see :mod:`influence.analysis.sensitivity`). Where an
option's expected utility comes from, attribute by attribute and scenario by scenario:
``influence.explain(diagram, "policy-a", "policy-b", by="node")`` (see
:mod:`influence.analysis.explain`).

What is worth learning before deciding: ``influence.value_of_information(diagram)`` (observing
chance nodes before decisions) and, under parameter uncertainty, ``influence.evppi`` and
``influence.evsi`` (learning parameters, proposed studies).

A report to share with people who will not run code, one self-contained HTML file:
``influence.report(diagram)`` (see :mod:`influence.io.report`).

Under parameter uncertainty, ``influence.evaluate(diagram, prior=True)`` or
``influence.evaluate(diagram, posterior=influence.fit(diagram, evidence))`` returns the same
result type with the uncertainty fields filled. PyMC and ArviZ are imported only then.

A diagram can also be built in Python from :class:`Node` and :class:`Policy` objects (every
constructor checks what it is given, so a :class:`Diagram` that exists is valid), or converted
from and to a ``pgmpy`` Bayesian network with :func:`from_pgmpy` and :func:`to_pgmpy` (pgmpy is
imported only then).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# Jupyter displays: Diagram._repr_svg_ and Evaluation._repr_html_ (see influence.notebook).
from . import notebook as _notebook  # noqa: F401, I001
from .api import evaluate, marginal, plan, solve
from .errors import (
    ArgumentTypeError,
    CommandUnavailableError,
    ConvergenceWarning,
    DrawingError,
    DrawingFormatError,
    EvidenceError,
    FormatWarning,
    GraphvizNotFoundError,
    InfluenceError,
    MissingDependencyError,
    ModelError,
    ModelNotFoundError,
    OutputError,
    PosteriorError,
    QueryError,
    TooLargeError,
    UnknownNameError,
)
from .files import convert, load, save
from .model.diagram import Diagram, Node, Policy, RuleRow
from .model.loader import diagram_from_dict, loads
from .solve.evaluation import DrawValues
from .solve.plan import Plan
from .solve.results import DecisionResult, Evaluation, OptionResult, RuleResult

if TYPE_CHECKING:  # pragma: no cover
    from .analysis.evppi import evppi
    from .analysis.evsi import evsi
    from .analysis.explain import Explanation, explain
    from .analysis.sensitivity import (
        ParameterSensitivity,
        SensitivityResult,
        ThresholdAnalysis,
        sensitivity,
        thresholds,
    )
    from .analysis.thresholds import Threshold
    from .analysis.two_way import TwoWayResult, two_way
    from .analysis.voi import value_of_information
    from .analysis.voi_results import (
        EVPPIResult,
        EVSIResult,
        GroupValue,
        ObserveValue,
        StudyValue,
        ValueOfInformation,
    )
    from .bayes.fitting import fit
    from .bayes.posterior import Posterior
    from .io.pgmpy_bridge import from_pgmpy, to_pgmpy
    from .io.report import report

from .version import __version__

__all__ = [
    "__version__",
    "load",
    "loads",
    "save",
    "convert",
    "from_pyagrum",
    "to_pyagrum",
    "diagram_from_dict",
    "evaluate",
    "plan",
    "Plan",
    "DrawValues",
    "solve",
    "marginal",
    "sensitivity",
    "thresholds",
    "two_way",
    "explain",
    "Explanation",
    "SensitivityResult",
    "ParameterSensitivity",
    "ThresholdAnalysis",
    "Threshold",
    "TwoWayResult",
    "value_of_information",
    "evppi",
    "evsi",
    "report",
    "ValueOfInformation",
    "ObserveValue",
    "GroupValue",
    "StudyValue",
    "EVPPIResult",
    "EVSIResult",
    "fit",
    "Posterior",
    "to_pgmpy",
    "from_pgmpy",
    "Diagram",
    "Node",
    "Policy",
    "RuleRow",
    "Evaluation",
    "OptionResult",
    "DecisionResult",
    "RuleResult",
    "InfluenceError",
    "ModelError",
    "ModelNotFoundError",
    "QueryError",
    "UnknownNameError",
    "ArgumentTypeError",
    "EvidenceError",
    "PosteriorError",
    "TooLargeError",
    "FormatWarning",
    "OutputError",
    "DrawingError",
    "DrawingFormatError",
    "GraphvizNotFoundError",
    "CommandUnavailableError",
    "MissingDependencyError",
    "ConvergenceWarning",
]


#: The analyses (sensitivity, explanation, value of information), imported when first used:
#: name -> its module in :mod:`influence.analysis`.
_ANALYSES = {
    "evppi": "evppi", "evsi": "evsi", "Explanation": "explain", "explain": "explain",
    "ParameterSensitivity": "sensitivity", "SensitivityResult": "sensitivity",
    "ThresholdAnalysis": "sensitivity", "sensitivity": "sensitivity",
    "thresholds": "sensitivity", "Threshold": "thresholds", "TwoWayResult": "two_way",
    "two_way": "two_way", "value_of_information": "voi", "EVPPIResult": "voi_results",
    "EVSIResult": "voi_results", "GroupValue": "voi_results", "ObserveValue": "voi_results",
    "StudyValue": "voi_results", "ValueOfInformation": "voi_results",
}


def __getattr__(name: str) -> Any:
    module = _ANALYSES.get(name)
    if module is not None:
        import importlib

        value = getattr(importlib.import_module(f".analysis.{module}", __name__), name)
        globals()[name] = value
        return value
    # The Bayesian layer is imported only when it is used (and PyMC, ArviZ further down, only
    # by the functions that need them).
    if name == "fit":
        from .bayes.fitting import fit

        return fit
    if name == "Posterior":
        from .bayes.posterior import Posterior

        return Posterior
    # The HTML report: its sections and charts are imported only when a report is made.
    if name == "report":
        from .io.report import report

        return report
    # The pgmpy and pyAgrum bridges; those libraries are imported only when a conversion runs.
    if name in ("to_pgmpy", "from_pgmpy"):
        from .io import pgmpy_bridge

        return getattr(pgmpy_bridge, name)
    if name in ("from_pyagrum", "to_pyagrum"):
        from .io import pyagrum_bridge

        return getattr(pyagrum_bridge, name)
    raise AttributeError(f"module 'influence' has no attribute {name!r}")
