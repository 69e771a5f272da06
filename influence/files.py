"""The public entry points for model files: :func:`load` any supported format, :func:`convert`
between two, :func:`save` a diagram.

A model is a path or the name of a bundled model. Files of influence's own format (``.yaml``,
``.yml``, ``.json``) are read by :mod:`influence.model.loader`; files of other tools (HUGIN
``.net``, GeNIe ``.xdsl``, pyAgrum ``.bifxml``/``.xml``, ``.xmlbif``, ``.bif``, Netica ``.dne``)
by the readers of :mod:`influence.io.formats`, chosen by the suffix or by ``format``. What such a
reader does openly (renormalised rows, impossible rows made uniform, names mapped to ids) is
issued as :class:`~influence.errors.FormatWarning` through :mod:`warnings`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .atomic import refuse_overwrite
from .errors import ArgumentTypeError, ModelNotFoundError, QueryError
from .messages import printable
from .model.diagram import Diagram, require_diagram
from .paths import path_problem, shorten

__all__ = ["load", "convert", "save"]


def __getattr__(name: str):  # noqa: ANN202 - the format table, from the io layer on first use
    if name == "FORMATS":
        from .io.formats import FORMATS

        return FORMATS
    raise AttributeError(name)


def _path(value: Any, parameter: str, what: str) -> Path:
    """``value`` as a Path, or a clear error naming the parameter."""
    if isinstance(value, bool) or not isinstance(value, str | os.PathLike):
        raise ArgumentTypeError(f"expected `{parameter}` to be {what}, got {type(value).__name__} "
                         f"{value!r}"[:300], parameter=parameter)
    return Path(value)


def _uses_loader(model: str | Path, fmt: str | None) -> bool:
    from .io.formats import is_model_file

    path = Path(model)
    return fmt in (None, "yaml") and (not path.is_file() or is_model_file(path, fmt))


def _read(model: str | Path, fmt: str | None, strict: bool,
          order: Sequence[str] | None) -> tuple[Diagram, list[str], list[str]]:
    """The diagram, its reading warnings, and what the file held that a diagram cannot."""
    problem = path_problem(model) if isinstance(model, str | Path) else None
    if problem is not None:
        raise ModelNotFoundError(f"expected a model file or the name of a bundled model, got "
                                 f"'{shorten(model)}': {problem}")
    if _uses_loader(model, fmt):
        from .model.loader import load as load_model

        if order is not None:
            raise QueryError("expected `order` only for files of other tools (a model file "
                             "gives the order of its decisions)", file=str(model),
                             parameter="order")
        return load_model(model), [], []
    from .io.formats import read

    diagram, report = read(model, fmt, strict=strict, order=order)
    return diagram, report.warnings, report.ignored


def load(model: str | Path, format: str | None = None, *, strict: bool = False,
         order: Sequence[str] | None = None) -> Diagram:
    """Load a model from a file of any supported format or from a bundled model's name.

    Parameters
    ----------
    model : str or Path
        A file (``.yaml``, ``.yml``, ``.json``, ``.net``, ``.xdsl``, ``.bifxml``, ``.xml``,
        ``.xmlbif``, ``.bif``, ``.dne``) or the name of a bundled model.
    format : str, optional
        The file's format when its suffix does not say (``yaml``, ``net``, ``xdsl``,
        ``bifxml``, ``xmlbif``, ``bif``, ``dne``).
    strict : bool
        Files of other tools: refuse probability rows that do not sum to 1 within 1e-6
        (by default rows within 1e-3, rounded when the file was written, are renormalised
        with a warning).
    order : sequence of str, optional
        Files of other tools: the decisions in the order they are taken, where the file's arcs
        leave it open.

    Returns
    -------
    Diagram

    Raises
    ------
    ModelNotFoundError
        If ``model`` is neither a file nor a bundled model, or is a path longer than the
        system allows (a file name over 255 bytes, a path over 4095).
    ModelError
        If the file is invalid; the message names the file, the node and the field.

    Examples
    --------
    >>> import influence
    >>> influence.load("oil-wildcatter").name
    'oil-wildcatter'
    """
    import warnings

    from .errors import FormatWarning

    _path(model, "model", "a file path or the name of a bundled model")
    diagram, messages, _ = _read(model, format, strict, order)
    for message in messages:
        warnings.warn(printable(message), FormatWarning, stacklevel=2)
    return diagram


def save(diagram: Diagram, path: str | Path, format: str | None = None) -> list[str]:
    """Write ``diagram`` to ``path`` (atomically), in ``format`` or the one of its suffix.

    Returns
    -------
    list of str
        What the format cannot hold (one line, also issued as a
        :class:`~influence.errors.FormatWarning`); empty for YAML, which holds everything.
    """
    import warnings

    from .errors import FormatWarning
    from .io.formats import write

    require_diagram(diagram)
    _path(path, "path", "the path of the file to write")
    report = write(diagram, path, format)
    messages = [printable(m) for m in report.warnings]
    for message in messages:
        warnings.warn(message, FormatWarning, stacklevel=2)
    return messages


def convert(source: str | Path, target: str | Path, *, input_format: str | None = None,
            output_format: str | None = None, strict: bool = False,
            order: Sequence[str] | None = None) -> list[str]:
    """Convert a model file from one format to another (each by its suffix unless given).

    Parameters
    ----------
    source : str or Path
        The file to read, or a bundled model's name.
    target : str or Path
        The file to write (atomically); never the source.
    input_format, output_format : str, optional
        The formats, when the suffixes do not say.
    strict, order :
        As for :func:`load`.

    Returns
    -------
    list of str
        The warnings, one line each: what the reading did, what the source held that a diagram
        cannot (positions), and what the target format cannot hold. Each is also issued as a
        :class:`~influence.errors.FormatWarning`.
    """
    import warnings

    from .errors import FormatWarning
    from .io.formats import format_of, write

    _path(source, "source", "a file path or the name of a bundled model (to write a Diagram, "
          "use influence.save)")
    _path(target, "target", "the path of the file to write")
    format_of(target, output_format, parameter="output_format")
    refuse_overwrite(target, source)  # a source that is no file (a bundled name) is skipped
    diagram, messages, ignored = _read(source, input_format, strict, order)
    if ignored:
        messages.append(f"{Path(source).name}: not kept (a diagram has no place for them): "
                        f"{', '.join(ignored)}")
    messages += write(diagram, target, output_format).warnings
    messages = [printable(m) for m in messages]
    for message in messages:
        warnings.warn(message, FormatWarning, stacklevel=2)
    return messages
