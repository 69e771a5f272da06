"""Readers and writers of the influence-diagram file formats of other tools.

=========  ===========================  ==========================================  =====  =====
format     suffixes                     tool                                        read   write
=========  ===========================  ==========================================  =====  =====
yaml       .yaml .yml .json             influence's own model format                yes    yes
net        .net                         HUGIN (the NET language)                    yes    yes
xdsl       .xdsl                        GeNIe / SMILE                               yes    yes
bifxml     .bifxml .xml                 pyAgrum (``saveID`` / ``loadID``)           yes    yes
xmlbif     .xmlbif                      XMLBIF 0.3 Bayesian networks                yes    yes
bif        .bif                         BIF Bayesian networks                       yes    yes
dne        .dne                         Netica                                      yes    no
=========  ===========================  ==========================================  =====  =====

:func:`read` gives a validated :class:`~influence.model.diagram.Diagram` and a
:class:`~influence.io.formats.spec.Report` of warnings; :func:`write` writes atomically and
reports what the format cannot hold. See ``docs/formats.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...atomic import write_text_atomic
from ...errors import ModelError, QueryError
from ...messages import suggest
from ...model.diagram import Diagram
from .spec import FormatWarning, NetworkSpec, ReadOptions, Report

__all__ = ["FORMATS", "Format", "format_of", "read", "write", "read_spec", "ReadOptions",
           "Report", "FormatWarning", "is_model_file"]


@dataclass(frozen=True)
class Format:
    """One file format: its suffixes, what it is, and where its reader and writer live
    (``"module:function"``, imported on first use)."""

    name: str
    suffixes: tuple[str, ...]
    title: str
    reader: str | None
    writer: str | None


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("yaml", (".yaml", ".yml", ".json"), "influence model (YAML)", None,
           "yaml_writer:write_yaml"),
    Format("net", (".net",), "HUGIN NET", "hugin:read_net", "hugin:write_net"),
    Format("xdsl", (".xdsl",), "GeNIe/SMILE XDSL", "xdsl:read_xdsl", "xdsl:write_xdsl"),
    Format("bifxml", (".bifxml", ".xml"), "pyAgrum BIFXML", "bifxml:read_bifxml",
           "bifxml:write_bifxml"),
    Format("xmlbif", (".xmlbif",), "XMLBIF (Bayesian networks)", "bifxml:read_bifxml",
           "bifxml:write_xmlbif"),
    Format("bif", (".bif",), "BIF (Bayesian networks)", "bif:read_bif", "bif:write_bif"),
    Format("dne", (".dne",), "Netica DNE", "dne:read_dne", None),
)}


def _function(target: str) -> Callable[..., Any]:
    import importlib

    module, _, name = target.partition(":")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def _by_suffix(path: str | Path) -> str | None:
    suffix = Path(path).suffix.lower()
    return next((f.name for f in FORMATS.values() if suffix in f.suffixes), None)


def format_of(path: str | Path, fmt: str | None = None, *, parameter: str = "format") -> str:
    """The format of ``path``: ``fmt`` if given (checked), else from the suffix.

    Raises
    ------
    QueryError
        For an unknown ``fmt``, or a suffix no format has.
    """
    if fmt is not None:
        if fmt not in FORMATS:
            raise QueryError(f"expected `{parameter}` to be one of {', '.join(FORMATS)}, got "
                             f"{fmt!r}{suggest(fmt, FORMATS)}", file=str(path),
                             parameter=parameter)
        return fmt
    found = _by_suffix(path)
    if found is None:
        known = ", ".join(s for f in FORMATS.values() for s in f.suffixes)
        raise QueryError(f"expected a file ending in one of {known}, got "
                         f"{Path(path).suffix or 'no suffix'}; give `{parameter}` to say "
                         "which format it is", file=str(path), parameter=parameter)
    return found


def is_model_file(path: str | Path, fmt: str | None = None) -> bool:
    """Whether ``path`` is read by influence's own loader (YAML/JSON) rather than a reader
    of another format."""
    return (fmt or _by_suffix(path) or "yaml") == "yaml"


def read_spec(path: str | Path, fmt: str) -> NetworkSpec:
    """The :class:`NetworkSpec` a reader finds in ``path``, before any check."""
    reader = FORMATS[fmt].reader
    if reader is None:
        raise QueryError(f"expected a format of another tool, got {fmt!r}", file=str(path))
    try:
        return _function(reader)(path)
    except UnicodeDecodeError as exc:
        raise ModelError(f"expected UTF-8 or Latin-1 text, got undecodable bytes ({exc.reason})",
                         file=str(path)) from None
    except OSError as exc:
        raise ModelError(f"cannot read the file: {exc.strerror or exc}", file=str(path)) from None


def read(path: str | Path, fmt: str | None = None, *, strict: bool = False,
         order: Sequence[str] | None = None) -> tuple[Diagram, Report]:
    """Read a file of any supported format.

    Parameters
    ----------
    path : str or Path
        The file.
    fmt : str, optional
        One of :data:`FORMATS`; by default from the suffix.
    strict : bool
        Refuse probability rows that do not sum to 1 within 1e-6 (instead of renormalising
        rows rounded in the file, within 1e-3, with a warning).
    order : sequence of str, optional
        The decisions in the order they are taken, where the file leaves it open.

    Returns
    -------
    (Diagram, Report)

    Raises
    ------
    ModelError
        If the file is not a valid influence diagram or Bayesian network.
    """
    from .build import build_diagram

    fmt = format_of(path, fmt)
    if fmt == "yaml":
        from ...model.loader import load

        if order is not None:
            raise QueryError("expected `order` only for files of other tools (a model file "
                             "gives the order of its decisions)", file=str(path),
                             parameter="order")
        return load(path), Report()
    spec = read_spec(path, fmt)
    options = ReadOptions(strict=strict, order=tuple(order) if order is not None else None)
    return build_diagram(spec, options, file=str(path))


def write(diagram: Diagram, path: str | Path, fmt: str | None = None) -> Report:
    """Write ``diagram`` to ``path`` (atomically) in ``fmt`` (by default from the suffix).

    Returns
    -------
    Report
        Its one warning, if any, lists what the format cannot hold (left out of the file).

    Raises
    ------
    ModelError
        If the format cannot hold the diagram at all (decisions in a Bayesian-network format).
    QueryError
        For a format that is read only (Netica DNE) or unknown.
    """
    fmt = format_of(path, fmt, parameter="output_format")
    writer = FORMATS[fmt].writer
    if writer is None:
        writable = ", ".join(f.name for f in FORMATS.values() if f.writer)
        raise QueryError(f"expected a format influence writes ({writable}), got {fmt!r}, which "
                         "is read only", file=str(path), parameter="output_format")
    text, left_out = _function(writer)(diagram, path)
    write_text_atomic(path, text)
    report = Report()
    if left_out:
        report.warn(f"{Path(path).name} ({FORMATS[fmt].title}) cannot hold: "
                    f"{', '.join(left_out)}; left out of it (YAML keeps them)")
    return report
