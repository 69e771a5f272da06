"""What Jupyter (IPython) shows for influence's objects: a :class:`~influence.Diagram` as its
drawing (SVG) and an :class:`~influence.Evaluation` as its ranked options (an HTML table).

IPython displays an object through its ``_repr_svg_`` or ``_repr_html_`` method. The classes
live in lower layers (the model, the solver) that never import the renderers of
:mod:`influence.io`; this module, part of the public facade, gives them those methods when
``influence`` is imported. The drawing is the pure-Python layout (:mod:`influence.io.layout`,
drawn with matplotlib, imported when first displayed): it needs no Graphviz.
"""

from __future__ import annotations

from .model.diagram import Diagram
from .solve.results import Evaluation

__all__ = ["diagram_svg", "evaluation_html"]


def diagram_svg(diagram: Diagram) -> str:
    """The drawing of ``diagram`` as SVG text (what ``Diagram._repr_svg_`` returns)."""
    from .io.drawing import render

    return render(diagram, "svg", engine="matplotlib").decode("utf-8")


def evaluation_html(result: Evaluation) -> str:
    """The ranked options of ``result`` as an HTML fragment (what ``Evaluation._repr_html_``
    returns): see :func:`influence.io.html_tables.evaluation_html`."""
    from .io.html_tables import evaluation_html as render

    return render(result)


def _install() -> None:
    Diagram._repr_svg_ = diagram_svg  # type: ignore[attr-defined]
    Evaluation._repr_html_ = evaluation_html  # type: ignore[attr-defined]


_install()
