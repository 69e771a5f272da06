"""All-zero probability rows: harmless where nothing can reach them, an error where something can.

Authors of HUGIN, GeNIe and Netica files often leave a row of zeros for a combination of parent
states they consider impossible. Such a row is read as uniform. That is only safe if the
combination has probability zero under every strategy: then its numbers never enter an expected
utility. A combination can occur under some strategy exactly when it can occur with every
decision chosen at random (a random choice gives every option positive probability), so it is
enough to propagate the *support* of the tables (which entries are positive) with the decisions
free. If it can occur, the file does not define the model there and reading it is an error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import opt_einsum

from ...errors import ModelError
from ...model.diagram import Diagram
from .spec import Report

__all__ = ["check_zero_rows", "support", "LARGEST_CHECK"]

#: The largest intermediate table (entries) the support propagation may build; beyond it the
#: rows are read as uniform with a warning that they could not be checked.
LARGEST_CHECK = 2 * 10**7


def support(diagram: Diagram, over: Sequence[str]) -> np.ndarray | None:
    """Which combinations of the states of ``over`` can occur under some strategy.

    Returns
    -------
    numpy.ndarray or None
        A boolean array over the states of ``over`` (in that order); None if the check would
        need an intermediate table larger than :data:`LARGEST_CHECK`.
    """
    needed = set(diagram.ancestors(tuple(over))) | set(over)
    symbols = {n: opt_einsum.get_symbol(i) for i, n in enumerate(diagram.names)}
    operands: list[object] = []
    for name in diagram.names:
        if name not in needed:
            continue
        node = diagram.node(name)
        if node.kind == "chance":
            axes = "".join(symbols[p] for p in node.parents) + symbols[name]
            operands += [axes, (np.asarray(node.table) > 0).astype(float)]
        else:  # a decision: any option
            operands += [symbols[name], np.ones(len(node.states))]
    inputs = [operands[i] for i in range(0, len(operands), 2)]
    arrays = [operands[i] for i in range(1, len(operands), 2)]
    output = "".join(symbols[n] for n in over)
    expression = ",".join(inputs) + "->" + output
    _, info = opt_einsum.contract_path(expression, *arrays)
    if info.largest_intermediate > LARGEST_CHECK:
        return None
    return opt_einsum.contract(expression, *arrays) > 0


def check_zero_rows(diagram: Diagram, zero: Mapping[str, list[tuple[int, ...]]],
                    report: Report) -> None:
    """Refuse reachable all-zero rows; warn once about the others (read as uniform).

    Parameters
    ----------
    diagram : Diagram
        The diagram with the zero rows already made uniform.
    zero : mapping
        Node -> indices (over its parents' states) of its all-zero rows.
    report : Report
        Where the warning goes.

    Raises
    ------
    ModelError
        For a row whose parent states can occur under some strategy.
    """
    from .build import shown_row

    uniform: list[str] = []
    unchecked: list[str] = []
    for name, rows in zero.items():
        node = diagram.node(name)
        states = [diagram.node(p).states for p in node.parents]
        reach = support(diagram, node.parents) if node.parents else np.array(True)
        for index in rows:
            shown = f"'{name}' {shown_row(node.parents, states, index)}"
            if reach is None:
                unchecked.append(shown)
            elif bool(reach[index]):
                raise ModelError(
                    f"row {shown_row(node.parents, states, index)} is all zeros, and those "
                    "parent states can occur under some choice of the decisions: expected "
                    "probabilities summing to 1 (the file leaves the model undefined there)",
                    file=diagram.file, node=name, field="table")
            else:
                uniform.append(shown)
    if uniform:
        report.warn(f"read {len(uniform)} all-zero probability row(s) as uniform (their parent "
                    f"states cannot occur under any strategy): {', '.join(uniform[:5])}"
                    f"{f' and {len(uniform) - 5} more' if len(uniform) > 5 else ''}")
    if unchecked:
        report.warn(f"read {len(unchecked)} all-zero probability row(s) as uniform without "
                    "checking that they cannot occur (the network is too large to check): "
                    f"{', '.join(unchecked[:5])}")
