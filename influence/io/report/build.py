"""``influence.report``: a self-contained HTML report of a model, to share with people who will
not run the command line."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...model.diagram import Diagram
from .analysis import attribution_section, sensitivity_section, voi_section
from .collect import TOP_PARAMETERS, Collected, collect
from .html import Numbers, esc, page
from .model import model_section, produced_section, sources_section
from .results import header, options_section, risk_section, strategy_section

__all__ = ["report", "render_report"]


def render_report(c: Collected) -> str:
    """The HTML page of collected results (see :func:`report`)."""
    n = Numbers(c.data)
    sections: list[tuple[str, str, str | None]] = [
        ("model", "The model", model_section(c)),
        ("options", "Options, best first", options_section(c, n)),
        ("strategy", "The optimal strategy", strategy_section(c, n)),
        ("risk", "Risk profiles", risk_section(c, n)),
        ("attribution", "Where the value comes from", attribution_section(c, n)),
        ("sensitivity", "What drives the decision", sensitivity_section(c, n)),
        ("voi", "What is worth learning", voi_section(c, n)),
        ("sources", "Sources", sources_section(c)),
        ("produced", "How this report was produced", produced_section(c)),
    ]
    kept = [(i, t, b) for i, t, b in sections if b]
    p = c.produced
    footer = (f"influence {esc(p['influence_version'])} \u00b7 model <code>{esc(p['model'])}"
              f"</code> \u00b7 fingerprint <code>{esc(p['fingerprint'])}</code> \u00b7 "
              f"{esc(p['date'])}")
    title = f"{c.evaluation.title or c.evaluation.model}: decision report"
    return page(title, header(c, n), kept, c.data, footer)


def report(diagram: Diagram, *, given: Mapping[str, str] | None = None, prior: bool = False,
           posterior: Any = None, draws: int | None = None, seed: int | None = None,
           top: int = TOP_PARAMETERS, command: str | None = None) -> str:
    """A self-contained HTML report of a model: one file that any browser shows and prints on
    A4, with no network access, no external scripts or fonts, and no script at all.

    It holds the diagram, the policies and alternatives ranked by expected utility, the
    optimal strategy as rules, the risk profiles (exact distributions of the total utility),
    the one-way sensitivity (a tornado) with the break-even values inside each range, the value
    of information, where the library explains it the optimal strategy against the next best
    option attribute by attribute, the model's sources, and how the report was produced
    (version, command, model fingerprint, draws, seed, date). Under parameter uncertainty
    (``prior`` or ``posterior``) the ranking adds each option's spread, 90% interval,
    probability of being best and expected loss, and charts of the distributions of the
    expected utilities; the value of information adds the EVPI and the EVPPI of each group of
    parameters.

    Every number shown is read from the report's data, embedded as JSON in
    ``<script type="application/json" id="influence-data">`` (``evaluation`` is exactly
    ``Evaluation.to_dict()``, the JSON of ``influence evaluate``), and written with the JSON
    pointer it comes from (``data-key``).

    Parameters
    ----------
    diagram : Diagram
        The influence diagram (see :func:`influence.load`).
    given : mapping, optional
        A scenario: chance nodes that no decision influences, known before any decision.
    prior : bool
        Under draws from the model's priors.
    posterior : Posterior or path, optional
        Under the draws of a posterior from :func:`influence.fit` (or the file it wrote).
    draws : int, optional
        Number of prior draws (default 4000), or a cap on the posterior draws used.
    seed : int, optional
        Seed of the prior draws; under the prior without one, a seed is chosen and shown in the
        report, so that it can be reproduced.
    top : int
        Parameters shown in the sensitivity analysis (those of largest swing).
    command : str, optional
        The command line shown under "How this report was produced" (default: this call).

    Returns
    -------
    str
        The HTML document.

    Raises
    ------
    QueryError
        For a bad scenario, both ``prior`` and ``posterior``, ``draws`` or ``seed`` without
        either, or ``prior`` on a model without priors.
    PosteriorError
        If ``posterior`` was made for another model or another version of this one.
    """
    return render_report(collect(diagram, given=given, prior=prior, posterior=posterior,
                                 draws=draws, seed=seed, top=top, command=command))
