"""Scenarios: chance nodes known before any decision (the ``given`` of an evaluation)."""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import QueryError
from ..messages import suggest
from ..model.diagram import Diagram

__all__ = ["check_scenario"]


def check_scenario(diagram: Diagram, given: Mapping[str, str] | None) -> dict[str, str]:
    """Check a scenario: known states of chance nodes that no decision influences.

    Parameters
    ----------
    diagram : Diagram
        The diagram the scenario is about.
    given : mapping, optional
        Node -> state.

    Returns
    -------
    dict
        The scenario, node -> state.

    Raises
    ------
    QueryError
        For something other than a mapping, an unknown node or state, a decision or utility
        node, or a chance node that a decision influences. Its ``parameter`` is ``"given"``.
    """
    if given is None:
        return {}
    if not isinstance(given, Mapping):
        raise QueryError(f"expected `given` to be a mapping of node to state, got "
                         f"{type(given).__name__} {given!r}", file=diagram.file,
                         field="given", parameter="given")
    out: dict[str, str] = {}
    for name, state in given.items():
        out[name] = _check_one(diagram, name, state)
    return out


def _check_one(diagram: Diagram, name: object, state: object) -> str:
    def error(message: str) -> QueryError:
        return QueryError(message, file=diagram.file, node=str(name), field="given",
                          parameter="given")

    if not isinstance(name, str) or name not in diagram:
        raise error(f"expected `given` to name nodes of the model, got {name!r}"
                    f"{suggest(name, diagram.names)}")
    node = diagram.node(name)
    if node.kind != "chance":
        hint = "; use a policy to fix a decision" if node.kind == "decision" else ""
        raise error(f"expected `given` to name chance nodes, got the {node.kind} node "
                    f"'{name}'{hint}")
    if not isinstance(state, str) or state not in node.states:
        shown = state if isinstance(state, str) else repr(state)
        raise error(f"expected a state of '{name}' ({', '.join(node.states)}) in `given`, got "
                    f"{name}={shown}{suggest(state, node.states)}")
    ancestors = diagram.ancestors(name)
    influencing = [d.name for d in diagram.decisions if d.name in ancestors]
    if influencing:
        raise error(
            f"expected `given` to name chance nodes that no decision influences, got "
            f"{name}={state}: '{name}' is influenced by the decision(s) "
            f"{', '.join(influencing)}, so it cannot be known before they are taken")
    return state
