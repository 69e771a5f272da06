"""influence: Bayesian influence diagrams, solved exactly.

Load a model, evaluate it, read the results::

    import influence
    diagram = influence.load("oil-wildcatter")
    result = influence.evaluate(diagram)
    result.maximum_expected_utility           # 22.5
    result.alternatives["test"]               # {'no': 20.0, 'yes': 22.5}

What is worth learning before deciding: ``influence.value_of_information(diagram)`` (observing
chance nodes before decisions) and, under parameter uncertainty, ``influence.evppi`` and
``influence.evsi`` (learning parameters, proposed studies).

Under parameter uncertainty, ``influence.evaluate(diagram, prior=True)`` or
``influence.evaluate(diagram, posterior=influence.fit(diagram, evidence))`` returns the same
result type with the uncertainty fields filled. PyMC and ArviZ are imported only then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .analysis.evppi import evppi
from .analysis.evsi import evsi
from .analysis.voi import value_of_information
from .analysis.voi_results import (
    EVPPIResult,
    EVSIResult,
    GroupValue,
    ObserveValue,
    StudyValue,
    ValueOfInformation,
)
from .api import evaluate, marginal, plan, solve
from .errors import (
    EvidenceError,
    InfluenceError,
    ModelError,
    ModelNotFoundError,
    PosteriorError,
    QueryError,
    TooLargeError,
)
from .model.diagram import Diagram, Node, Policy, RuleRow
from .model.loader import diagram_from_dict, load, loads
from .solve.evaluation import DrawValues
from .solve.plan import Plan
from .solve.results import DecisionResult, Evaluation, OptionResult, RuleResult

if TYPE_CHECKING:  # pragma: no cover
    from .bayes.fitting import Posterior, fit

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "load",
    "loads",
    "diagram_from_dict",
    "evaluate",
    "plan",
    "Plan",
    "DrawValues",
    "solve",
    "marginal",
    "value_of_information",
    "evppi",
    "evsi",
    "ValueOfInformation",
    "ObserveValue",
    "GroupValue",
    "StudyValue",
    "EVPPIResult",
    "EVSIResult",
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
    "EvidenceError",
    "PosteriorError",
    "TooLargeError",
]


def __getattr__(name: str) -> Any:
    # The Bayesian layer (PyMC, ArviZ) is imported only when it is used.
    if name in ("fit", "Posterior"):
        from .bayes import fitting

        return getattr(fitting, name)
    raise AttributeError(f"module 'influence' has no attribute {name!r}")
