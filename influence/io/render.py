"""Rendering for the command line: each result in each output format, chosen by name.

The renderers live by output: text reports in :mod:`influence.io.text` (models, fits, and the
building blocks of every table) and :mod:`influence.io.evaluation_text` (evaluations); JSON and
CSV in :mod:`influence.io.plain`. The functions here pick one by format, so that a command
calls one function and prints what it returns. Renderers read results and return strings: they
compute nothing the library has not computed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from ..errors import QueryError
from ..model.diagram import Diagram
from ..solve.results import Evaluation
from .evaluation_text import evaluation_table
from .plain import diagram_json, evaluation_csv, evaluation_json, fit_dict, models_json, to_json
from .text import diagram_table, fit_table, models_table
from .textgrid import DEFAULT_WIDTH

if TYPE_CHECKING:  # pragma: no cover
    from ..bayes.posterior import Posterior

__all__ = ["EVALUATION_FORMATS", "DIAGRAM_FORMATS", "render_evaluation", "render_diagram",
           "render_models", "render_fit"]

#: Formats of :func:`render_evaluation`.
EVALUATION_FORMATS = ("table", "json", "csv")
#: Formats of :func:`render_diagram`, :func:`render_models` and :func:`render_fit`.
DIAGRAM_FORMATS = ("table", "json")


def _check(fmt: str, formats: Sequence[str]) -> None:
    if fmt not in formats:
        raise QueryError(f"expected `fmt` among {', '.join(formats)}, got {fmt!r}",
                         parameter="fmt")


def render_evaluation(result: Evaluation, fmt: str = "table", *, diagram: Diagram | None = None,
                      all_states: bool = False, all_states_hint: str = "all_states=True",
                      width: int = DEFAULT_WIDTH) -> str:
    """An evaluation as ``"table"`` (:func:`~influence.io.evaluation_text.evaluation_table`,
    no line wider than ``width``), ``"json"`` or ``"csv"`` (:mod:`influence.io.plain`).

    Raises
    ------
    QueryError
        For another format.
    """
    _check(fmt, EVALUATION_FORMATS)
    if fmt == "json":
        return evaluation_json(result)
    if fmt == "csv":
        return evaluation_csv(result)
    return evaluation_table(result, diagram=diagram, all_states=all_states,
                            all_states_hint=all_states_hint, width=width)


def render_diagram(diagram: Diagram, fmt: str = "table", *, tables: bool = False,
                   width: int = DEFAULT_WIDTH) -> str:
    """A model described as ``"table"`` (with every table if ``tables``; no line wider than
    ``width``) or ``"json"``."""
    _check(fmt, DIAGRAM_FORMATS)
    if fmt == "json":
        return diagram_json(diagram)
    return diagram_table(diagram, tables=tables, width=width)


def render_models(summaries: Sequence[tuple[str, str]], fmt: str = "table", *,
                  default: str | None = None,
                  evidence: Mapping[str, Sequence[str]] | None = None) -> str:
    """The bundled models (name, title) and their bundled evidence files (``evidence``: model
    -> names) as ``"table"`` or ``"json"`` (which marks the ``default`` one)."""
    _check(fmt, DIAGRAM_FORMATS)
    if fmt == "json":
        return models_json(summaries, default=default, evidence=evidence)
    return models_table(summaries, evidence)


def render_fit(posterior: Posterior, fmt: str = "table", *, diagram: Diagram,
               output: str | None = None, evidence: Sequence[str] = (),
               start: str | None = None, width: int = DEFAULT_WIDTH) -> str:
    """The report of a fit as ``"table"`` (:func:`~influence.io.text.fit_table`) or ``"json"``
    (:func:`~influence.io.plain.fit_dict`; ``output``, ``evidence`` and ``start`` name the
    files involved)."""
    _check(fmt, DIAGRAM_FORMATS)
    data = fit_dict(posterior, model=diagram.name, output=output, evidence=evidence, start=start)
    if fmt == "json":
        return to_json(data)
    diagnostics: Mapping = data["diagnostics"]
    return fit_table(diagram, data["parameters"], posterior.method, diagnostics,
                     data["warnings"], width=width)
