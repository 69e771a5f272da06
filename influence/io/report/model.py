"""The sections of the report on the model itself: its diagram and named policies, its sources,
and how the report was produced."""

from __future__ import annotations

import re

from ...model.diagram import Diagram
from ..text import format_given
from .collect import Collected
from .html import esc, table

__all__ = ["model_section", "sources_section", "produced_section"]


def _counts(d: Diagram) -> str:
    kinds = [(k, sum(node.kind == k for node in d.nodes)) for k in ("chance", "decision",
                                                                    "utility")]
    parts = [f"{count} {kind} node{'s' if count != 1 else ''}" for kind, count in kinds]
    return ", ".join(parts)


def _code(text: str) -> str:
    """Text with its `backquoted` parts set as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", text)


def model_section(c: Collected) -> str:
    """The drawing (or why there is none), the size of the model and its named policies."""
    d = c.diagram
    out = []
    if c.drawing is not None:
        out.append(f'<figure class="diagram">{c.drawing}</figure>')
        note = f" {_code(esc(c.drawing_note))}" if c.drawing_note else ""
        out.append('<p class="note">Decisions are rectangles, chance nodes ellipses and utility '
                   "nodes diamonds; dashed arcs into a decision are what it knows when it is "
                   f"taken. Decisions run left to right in the order they are taken.{note}</p>")
    elif c.drawing_note:
        out.append(f'<p class="warning">{esc(c.drawing_note)}</p>')
    decisions = ", ".join(n.display_name for n in d.decisions)
    out.append(f"<p>{esc(_counts(d))}. Decisions, in the order they are taken: "
               f"{esc(decisions)}.</p>")
    if d.policies:
        described = any(p.description for p in d.policies)
        rows = [[f'<span class="id nowrap">{esc(p.id)}</span>', esc(p.label)]
                + ([esc(" ".join((p.description or "").split()))] if described else [])
                for p in d.policies]
        out.append("<h3>Named policies</h3>")
        out.append(table(["Id", "Policy"] + (["Description"] if described else []), rows,
                         css_class="policies"))
    return "".join(out)


def _row_sources(d: Diagram) -> list[str]:
    items = []
    for node in d.nodes:
        for key, source in node.row_sources.items():
            given = format_given(dict(zip(node.parents, key, strict=False)))
            where = f"{node.name}[{given.replace(', ', ',')}]" if given else node.name
            items.append(f'<li><span class="id">{esc(where)}</span>: {esc(source)}</li>')
    return items


def sources_section(c: Collected) -> str | None:
    """The model's sources, then those of its nodes, policies and table rows (None if it has
    none)."""
    d = c.diagram
    out = []
    if d.sources:
        out.append('<ul class="sources">' + "".join(f"<li>{esc(s)}</li>" for s in d.sources)
                   + "</ul>")
    nodes = [f"<li>{esc(n.display_name)} <code>{esc(n.name)}</code>: {esc(n.source)}</li>"
             for n in d.nodes if n.source]
    policies = [f"<li>{esc(p.label)} <code>{esc(p.id)}</code>: {esc(p.source)}</li>"
                for p in d.policies if p.source]
    rows = _row_sources(d)
    for title, items in (("Nodes", nodes), ("Policies", policies), ("Table rows", rows)):
        if items:
            out.append(f"<h3>{title}</h3>")
            out.append(f'<ul class="sources small">{"".join(items)}</ul>')
    return "".join(out) or None


def produced_section(c: Collected) -> str:
    """Version, command, model fingerprint, draws and seed, date."""
    p = c.produced
    facts = [("influence", esc(p["influence_version"])),
             ("Command", f"<code>{esc(p['command'])}</code>"),
             ("Model", f"<code>{esc(p['model'])}</code>"
              + (f" from <code>{esc(p['model_file'])}</code>" if p["model_file"] else "")),
             ("Model fingerprint", f"<code>{esc(p['fingerprint'])}</code> (changes with any "
              "state, arc, number, weight or prior)")]
    if p["given"]:
        facts.append(("Scenario", esc(format_given(p["given"]))))
    if p["uncertainty"] == "prior":
        how = " (chosen at random and recorded here)" if p["seed_chosen"] else ""
        facts.append(("Parameter draws", f"{p['draws']} from the priors, seed "
                      f"{p['seed']}{how}"))
    elif p["uncertainty"] == "posterior":
        post = p["posterior"] or {}
        facts.append(("Parameter draws", f"{p['draws']} from the posterior "
                      f"<code>{esc(post.get('file') or '')}</code> (method "
                      f"{esc(post.get('method'))}, evidence sha256 "
                      f"<code>{esc((post.get('evidence_sha256') or '')[:16])}</code>)"))
    else:
        facts.append(("Parameter draws", "none: point values"))
    facts.append(("Date", esc(p["date"])))
    facts.append(("Diagram drawn by", esc(p.get("drawn_by") or "not drawn")))
    body = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts)
    return (f'<dl class="facts">{body}</dl><p class="note">Every number shown is also in the '
            "report's data block (<code>influence-data</code>, JSON), with the JSON of "
            "<code>influence evaluate --format json</code> under <code>evaluation</code>.</p>")
