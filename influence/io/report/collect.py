"""What a report shows, computed by the library: the evaluation, the one-way sensitivity with
break-even values, the value of information, the per-attribute explanation (where the library
has it), the drawing of the diagram, and how the report was produced.

:func:`collect` runs the analyses once; the sections of the report only read what it returns
(:class:`Collected`), and the numbers they show are those of :attr:`Collected.data`, the plain
data that the report also embeds as JSON.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ...analysis.sensitivity import SensitivityResult, sensitivity
from ...analysis.voi import value_of_information
from ...analysis.voi_results import ValueOfInformation
from ...errors import GraphvizNotFoundError, QueryError
from ...model.diagram import Diagram
from ...solve.plan import Plan
from ...solve.results import Evaluation
from ..drawing import engine_for
from ..plain import json_ready

__all__ = ["Collected", "collect", "diagram_svg", "TOP_PARAMETERS"]

#: Parameters shown in the tornado (largest swing first).
TOP_PARAMETERS = 15


@dataclass
class Collected:
    """The results a report shows, and their plain data (:attr:`data`, embedded as JSON)."""

    diagram: Diagram
    evaluation: Evaluation
    sensitivity: SensitivityResult
    voi: ValueOfInformation
    explanation: Any
    explain_note: str | None
    drawing: str | None
    drawing_note: str | None
    produced: dict[str, Any]
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def uncertain(self) -> bool:
        """Whether the evaluation is under parameter uncertainty (prior or posterior)."""
        return self.evaluation.uncertainty is not None


_SIZE = re.compile(r'\bwidth="([\d.]+)pt"')
#: Who drew the diagram, as the report names it.
DRAWN_BY = {"graphviz": "Graphviz", "matplotlib": "influence's own layout (matplotlib)"}
#: A drawing wider than this (in CSS pixels) cannot be read at the width of the page.
WIDE = 1600


def diagram_svg(diagram: Diagram) -> tuple[str | None, str | None]:
    """The drawing of ``diagram`` as an inline ``<svg>`` element (or None), and a note for the
    reader (or None).

    The one place where the report draws: :func:`influence.io.drawing.render` (Graphviz's
    ``dot``), without its legend (the report explains the shapes in words). The XML prolog and
    DOCTYPE are dropped so that the SVG can sit inside HTML. The page scales a wide drawing
    down to its width; the note then says how to read its labels.
    """
    from ..drawing import render

    try:
        svg = render(diagram, "svg", legend=False, engine=engine_for()).decode("utf-8")
    except GraphvizNotFoundError:
        return None, ("The diagram is not drawn: Graphviz's 'dot' program is not installed "
                      "(Debian/Ubuntu: apt-get install graphviz).")
    start = svg.find("<svg")
    svg = svg[start:] if start >= 0 else svg
    found = _SIZE.search(svg[:svg.find(">")])
    if found and float(found.group(1)) * 4 / 3 > WIDE:
        return svg, ("The drawing is scaled to the width of the page: zoom in to read its "
                     "labels (it is vector graphics), or draw it alone with `influence graph "
                     f"{diagram.name} -o {diagram.name}.svg`.")
    return svg, None


def _explanation(diagram: Diagram, options: Mapping[str, Any]) -> tuple[Any, str | None]:
    """The per-attribute breakdown of the optimal strategy against the next best option, where
    this installation has :mod:`influence.analysis.explain`."""
    try:
        from ...analysis.explain import explain  # type: ignore[import-not-found]
    except ImportError:
        return None, None
    try:
        return explain(diagram, **options), None
    except QueryError as err:  # one option only: nothing to compare it with
        return None, str(err)


def _evaluate(plan: Plan, uncertainty: Mapping[str, Any]) -> Evaluation:
    """As :func:`influence.evaluate` (which the facade layer holds, above this one)."""
    if uncertainty["posterior"] is None and not uncertainty["prior"]:
        for name in ("draws", "seed"):
            if uncertainty[name] is not None:
                raise QueryError(f"expected `{name}` only with `prior` or `posterior`, got "
                                 f"{name}={uncertainty[name]!r} with neither",
                                 file=plan.diagram.file, parameter=name)
        return plan.evaluate()
    from ...bayes.uncertainty import evaluate_under_uncertainty

    return evaluate_under_uncertainty(plan, **uncertainty)


def _posterior_facts(posterior: Any) -> dict[str, Any] | None:
    if posterior is None:
        return None
    return {"file": None if posterior.file is None else str(posterior.file),
            "method": getattr(posterior, "method", None),
            "fingerprint": getattr(posterior, "fingerprint", None),
            "evidence_sha256": getattr(posterior, "evidence_sha256", None)}


def _python_call(diagram: Diagram, options: Mapping[str, Any]) -> str:
    shown = [f"{k}={v!r}" for k, v in options.items() if v not in (None, False, {})]
    return f"influence.report(influence.load({diagram.name!r}){''.join(', ' + s for s in shown)})"


def collect(diagram: Diagram, *, given: Mapping[str, str] | None = None, prior: bool = False,
            posterior: Any = None, draws: int | None = None, seed: int | None = None,
            top: int = TOP_PARAMETERS, command: str | None = None) -> Collected:
    """Run every analysis of the report (see :func:`influence.report` for the parameters).

    Under the prior without a ``seed``, one is chosen and recorded, so that every section uses
    the same draws and the report can be reproduced.
    """
    if prior and posterior is not None:
        raise QueryError("expected `prior` or `posterior`, got both", file=diagram.file,
                         parameter="prior")
    if isinstance(posterior, str | Path):
        from ...bayes.posterior import Posterior

        posterior = Posterior.read(posterior)
    chosen = prior and seed is None
    if chosen:
        seed = secrets.randbelow(2**31)
    given = dict(given or {})
    uncertainty = {"prior": prior, "posterior": posterior, "draws": draws, "seed": seed}
    plan = Plan(diagram, given or None)
    evaluation = _evaluate(plan, uncertainty)
    sens = sensitivity(plan, top=top)
    voi = value_of_information(diagram, given=given or None, **uncertainty)
    explanation, note = _explanation(diagram, {"given": given or None, **uncertainty})
    drawing, drawing_note = diagram_svg(diagram)
    from ...version import __version__

    produced = {
        "influence_version": __version__,
        "command": command or _python_call(diagram, {"given": given, "prior": prior,
                                                     "draws": draws, "seed": seed}),
        "model": diagram.name,
        "model_file": diagram.file,
        "fingerprint": diagram.fingerprint,
        "given": given,
        "uncertainty": evaluation.uncertainty,
        "draws": evaluation.draws,
        "seed": seed,
        "seed_chosen": chosen,
        "posterior": _posterior_facts(posterior),
        "date": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "graphviz": drawing is not None and engine_for() == "graphviz",
        "drawn_by": None if drawing is None else DRAWN_BY[engine_for()],
    }
    out = Collected(diagram, evaluation, sens, voi, explanation, note, drawing, drawing_note,
                    produced)
    out.data = json_ready(_data(out))
    return out


def _data(c: Collected) -> dict[str, Any]:
    s = c.sensitivity
    sens = s.to_dict()
    sens.update(base_best=s.base_best, total=s.total, labels=dict(s.labels))
    for entry, p in zip(sens["parameters"], s.parameters, strict=True):
        entry.update(source=p.source, within=list(p.within), margin=p.margin)
    voi = c.voi.to_dict()
    voi.update(evpi_se=c.voi.evpi_se, uncertainty=c.voi.uncertainty, draws=c.voi.draws,
               method=c.voi.method)
    return {
        "produced": c.produced,
        "evaluation": c.evaluation.to_dict(),
        "sensitivity": sens,
        "value_of_information": voi,
        "explanation": None if c.explanation is None else c.explanation.to_dict(),
    }

