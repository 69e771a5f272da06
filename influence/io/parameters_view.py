"""How a model's parameters and the tables computed from them are shown.

:func:`parameters_data` and :func:`structure_data` give plain data (for ``influence show
--format json``); :func:`parameters_section`, :func:`structure_lines` and
:func:`structure_summary` give text (for ``influence show --tables``, the drawing's labels and
tooltips, and the properties the exporters write). The computed tables themselves are shown as
every other table is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..model.compute import dependents
from ..model.diagram import Diagram, Node

__all__ = ["parameters_data", "structure_data", "parameters_section", "structure_lines",
           "structure_summary"]

_FORM_NAMES = {"noisy_or": "noisy-OR", "noisy_max": "noisy-MAX", "log_linear": "log-linear",
               "deterministic": "deterministic"}


def _fmt(x: float) -> str:
    from .text import format_number

    return format_number(x)


def parameters_data(diagram: Diagram) -> list[dict[str, Any]]:
    """One entry per parameter: ``name``, ``value``, ``domain``, ``prior`` (its
    :meth:`~influence.model.distributions.Prior.to_dict` with its ``description``, or None),
    ``node`` (a structured table's own node, else None), ``used_by``, and ``source`` and
    ``description`` where set."""
    uses = dependents(diagram)
    out = []
    for p in diagram.parameters:
        item: dict[str, Any] = {"name": p.name, "value": p.value, "domain": p.domain,
                                "prior": None if p.prior is None else {
                                    **p.prior.to_dict(), "description": p.prior.describe()},
                                "node": p.node, "used_by": list(uses.get(p.name, ()))}
        for key in ("source", "description"):
            if getattr(p, key) is not None:
                item[key] = getattr(p, key)
        out.append(item)
    return out


def _ref(diagram: Diagram, name: str) -> dict[str, Any]:
    return {"parameter": name, "value": diagram.parameter(name).value}


def structure_data(diagram: Diagram, node: Node) -> dict[str, Any] | None:
    """A structured table's form and numbers (each with its parameter and value), or None."""
    s = node.structure
    if s is None:
        return None
    if s.form == "noisy_max":
        return {"form": s.written_as, "levels": list(s.levels),
                "leak": [{"level": lv, **_ref(diagram, n)}
                         for lv, n in zip(s.levels[1:], s.leak, strict=True)],
                "links": [{"given": {link.parent: link.state},
                           "steps": [{"level": lv, **_ref(diagram, n)}
                                     for lv, n in zip(s.levels[1:], link.steps, strict=True)],
                           **({"source": link.source} if link.source else {})}
                          for link in s.links]}
    if s.form == "log_linear":
        return {"form": "log_linear", "scale": s.scale, "reference": s.reference,
                "base": [{"state": st, **_ref(diagram, n)} for st, n in s.base],
                "effects": [{"given": dict(e.given), "states": list(e.states),
                             **_ref(diagram, e.ratio),
                             **({"source": e.source} if e.source else {})}
                            for e in s.effects]}
    return {"form": "deterministic",
            "rules": [{"given": dict(r.given), "state": r.state,
                       **({"source": r.source} if r.source else {})} for r in s.rules]}


def _given(given: Mapping[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in given.items()) or "(any)"


def structure_summary(diagram: Diagram, node: Node) -> str | None:
    """One line: the form and its numbers (for a drawing's label), or None."""
    data = structure_data(diagram, node)
    if data is not None:
        form = _FORM_NAMES[data["form"]]
        if data["form"] == "deterministic":
            return f"{form} ({len(data['rules'])} rules)"
        if data["form"] == "log_linear":
            base = ", ".join(_fmt(b["value"]) for b in data["base"])
            return f"{form} ({data['scale']}): base {base}; {len(data['effects'])} effects"
        leak = ", ".join(_fmt(x["value"]) for x in data["leak"])
        return f"{form}: leak {leak}; {len(data['links'])} links"
    parts = []
    if node.weight_expression is not None:
        parts.append(f"weight {node.weight_expression}")
    if node.expressions:
        parts.append(f"{len(node.expressions)} values with parameters")
    return "; ".join(parts) or None


def structure_lines(diagram: Diagram, node: Node,
                    table: Callable[[list[str], list[list[str]]], list[str]]) -> list[str]:
    """Text lines describing how a node's numbers are computed (before its table), laid out
    with ``table(headers, rows)``; empty for a node without parameters."""
    data = structure_data(diagram, node)
    out: list[str] = []
    if data is not None and data["form"] == "deterministic":
        out.append("    deterministic: the first rule that matches a row gives its state")
        out += table(["given", "state"], [[_given(r["given"]), r["state"]]
                                          for r in data["rules"]])
    elif data is not None and data["form"] == "log_linear":
        scale = ("odds, rows normalised" if data["scale"] == "odds"
                 else f"risk: {data['reference']} takes the rest")
        out.append(f"    log-linear ({scale}): base, effects on the states named")
        rows = [["base", b["state"], _fmt(b["value"]), b["parameter"]] for b in data["base"]]
        rows += [[_given(e["given"]), ", ".join(e["states"]), _fmt(e["value"]),
                  e["parameter"]] for e in data["effects"]]
        out += table(["where", "states", "value", "parameter"], rows)
    elif data is not None:
        levels = " < ".join(data["levels"])
        out.append(f"    {_FORM_NAMES[data['form']]} ({levels}): each cause's chance to "
                   "raise it a level")
        rows = [["leak", x["level"], _fmt(x["value"]), x["parameter"]] for x in data["leak"]]
        for link in data["links"]:
            rows += [[_given(link["given"]), x["level"], _fmt(x["value"]), x["parameter"]]
                     for x in link["steps"]]
        out += table(["cause", "level", "p", "parameter"], rows)
    if node.weight_expression is not None:
        out.append(f"    weight = {node.weight_expression} = {_fmt(node.weight)}")
    if node.expressions:
        rows = [[_given(dict(zip(node.parents, key, strict=True))), str(expr)]
                for key, expr in node.expressions.items()]
        out.append("    values written with parameters:")
        out += table(["given", "value"], rows)
    return out


def parameters_section(diagram: Diagram, width: int | None = None) -> list[str]:
    """The text section listing every parameter (empty when the model has none), fitted to
    ``width`` columns (the default width if None)."""
    from .text import grid

    if not diagram.parameters:
        return []
    uses = dependents(diagram)
    rows = [[p.name, _fmt(p.value), p.domain,
             p.prior.describe() if p.prior is not None else "-",
             ", ".join(uses.get(p.name, ())) or "-"] for p in diagram.parameters]
    out = ["Parameters (named, then those of structured tables)"]
    sized = {} if width is None else {"width": width}
    out += grid(["name", "value", "domain", "prior", "used by"], rows, right=(1,),
                wrap=(0, 3, 4), minimum=12, **sized)
    return out
