"""influence: Bayesian influence diagrams, solved exactly.

Load a model, evaluate it, read the results::

    import influence
    diagram = influence.load("oil-wildcatter")
    result = influence.evaluate(diagram)
    result.maximum_expected_utility           # 22.5
    result.alternatives["test"]               # {'no': 20.0, 'yes': 22.5}

Under parameter uncertainty, ``influence.evaluate(diagram, prior=True)`` or
``influence.evaluate(diagram, posterior=influence.fit(diagram, evidence))`` returns the same
result type with the uncertainty fields filled. PyMC and ArviZ are imported only then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .api import evaluate
from .errors import (
    CommandUnavailableError,
    ConvergenceWarning,
    DrawingError,
    DrawingFormatError,
    EvidenceError,
    GraphvizNotFoundError,
    InfluenceError,
    ModelError,
    ModelNotFoundError,
    OutputError,
    PosteriorError,
    QueryError,
    TooLargeError,
    UnknownNameError,
)
from .model.diagram import Diagram, Node, Policy, RuleRow
from .model.loader import diagram_from_dict, load, loads
from .solve.plan import marginal, solve
from .solve.results import DecisionResult, Evaluation, OptionResult, RuleResult

if TYPE_CHECKING:  # pragma: no cover
    from .bayes.fitting import fit
    from .bayes.posterior import Posterior

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "load",
    "loads",
    "diagram_from_dict",
    "evaluate",
    "solve",
    "marginal",
    "fit",
    "Posterior",
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
    "EvidenceError",
    "PosteriorError",
    "TooLargeError",
    "OutputError",
    "DrawingError",
    "DrawingFormatError",
    "GraphvizNotFoundError",
    "CommandUnavailableError",
    "ConvergenceWarning",
]


def __getattr__(name: str) -> Any:
    # The Bayesian layer is imported only when it is used (and PyMC, ArviZ further down, only
    # by the functions that need them).
    if name == "fit":
        from .bayes.fitting import fit

        return fit
    if name == "Posterior":
        from .bayes.posterior import Posterior

        return Posterior
    raise AttributeError(f"module 'influence' has no attribute {name!r}")
