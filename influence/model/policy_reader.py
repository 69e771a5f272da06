"""Reading the `policies` of a model document into :class:`~influence.model.diagram.Policy`
objects.

Only the form is read here: mappings and lists where the format has them, known keys, a
`choose` in every rule row, state names as text. Whether the decisions, the states and the
`given` of the rule rows fit the diagram, and whether rule rows agree where they overlap, is
checked when the :class:`~influence.model.diagram.Policy` and the
:class:`~influence.model.diagram.Diagram` are built (:mod:`influence.model.structure`).
Errors carry the path of the entry at fault inside the document, from which the loader finds
the line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..messages import describe
from .checks import check_keys, fault, read_given, read_text, state_name
from .diagram import Policy, RuleRow

__all__ = ["parse_policies", "POLICY_KEYS", "RULE_ROW_KEYS"]

POLICY_KEYS = ("label", "description", "source", "choose")
RULE_ROW_KEYS = ("given", "choose", "source")


def _rule_rows(where: str, dname: str, choice: list, path: tuple) -> tuple[RuleRow, ...]:
    """The rule rows of one decision: partial information states -> a choice."""
    rows: list[RuleRow] = []
    for i, row in enumerate(choice):
        rwhere = f"{where}, rule row {i + 1}: "
        loc = dict(node=dname, field="policies", where=rwhere)
        if not isinstance(row, Mapping):
            raise fault(f"expected a mapping with `given` and `choose`, got {describe(row)}",
                        path=(*path, i), **loc)
        check_keys(row, RULE_ROW_KEYS, path=(*path, i), **loc)
        given = read_given(row.get("given"), path=(*path, i, "given"), **loc)
        if "choose" not in row:
            raise fault(f"missing `choose`: expected a state of '{dname}'", path=(*path, i),
                        **loc)
        rows.append(RuleRow(given, state_name(row["choose"], path=(*path, i, "choose"), **loc)))
    return tuple(rows)


def _policy(pid: str, spec: Any) -> Policy:
    where = f"policy '{pid}'"
    path = ("policies", pid)
    if not isinstance(spec, Mapping):
        raise fault(f"expected a mapping with `choose`, got {describe(spec)}", field="policies",
                    path=path, where=f"{where}: ")
    check_keys(spec, POLICY_KEYS, field="policies", path=path, where=f"{where}: ")
    choose = spec.get("choose")
    if not isinstance(choose, Mapping) or not choose:
        raise fault(f"expected `choose` to map decisions to states or rules, got "
                    f"{describe(choose)}", field="policies", path=path, where=f"{where}: ")
    rules: dict[str, tuple[RuleRow, ...]] = {}
    for dname, choice in choose.items():
        dpath = (*path, "choose", dname)
        dname = str(dname)
        if isinstance(choice, list):
            if not choice:
                raise fault("expected a state or a non-empty list of rule rows for it, got an "
                            "empty list", node=dname, field="policies", path=dpath,
                            where=f"{where}: ")
            rules[dname] = _rule_rows(where, dname, choice, dpath)
            continue
        state = state_name(choice, node=dname, field="policies", path=dpath, where=f"{where}: ")
        rules[dname] = (RuleRow({}, state),)
    texts = {key: read_text(spec.get(key), field=key, path=(*path, key))
             for key in ("label", "description", "source")}
    return Policy(id=pid, label=texts["label"] or pid, rules=rules,
                  description=texts["description"], source=texts["source"])


def parse_policies(raw: Any) -> tuple[Policy, ...]:
    """The policies written in the model-file format: policy id -> ``{label, choose, ...}``,
    where ``choose`` maps each decision to a state or to a list of rule rows
    (``{given: {...}, choose: state}``).

    Returns
    -------
    tuple of Policy
        To be checked against a diagram by building the :class:`Diagram` with them.

    Raises
    ------
    ModelError
        On a fault of form, naming the decision and the field 'policies', with the path of the
        entry at fault (no file: the caller adds it).
    """
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise fault(f"expected `policies` to map policy ids to policies, got {describe(raw)}",
                    field="policies", path=("policies",))
    return tuple(_policy(str(pid), spec) for pid, spec in raw.items())
