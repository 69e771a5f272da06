"""What the commands share: loading the model named on the command line and writing output."""

from __future__ import annotations

import io
import os
import sys
import warnings
from pathlib import Path

import click

import influence
from influence.atomic import refuse_overwrite, write_bytes_atomic, write_text_atomic
from influence.errors import FormatWarning, OutputError
from influence.io.textgrid import output_width
from influence.messages import printable
from influence.model import bundled
from influence.model.diagram import Diagram

from .options import READ_OPTIONS, as_options

__all__ = ["LoadedModel", "load_model", "emit", "echo_warnings", "read_options", "report_width"]


class LoadedModel:
    """A diagram, how the user named it, and the file it came from (never to be overwritten)."""

    def __init__(self, diagram: Diagram, shown_as: str, path: Path | None) -> None:
        self.diagram = diagram
        self.shown_as = shown_as
        self.path = path


def echo_warnings(caught: list[warnings.WarningMessage]) -> None:
    """Print the :class:`~influence.errors.FormatWarning` of a reading or writing on standard
    error, one ``WARNING:`` line each (control characters escaped: the warnings quote the
    file); other warnings go on as usual."""
    for w in caught:
        if issubclass(w.category, FormatWarning):
            click.secho(f"WARNING: {printable(as_options(str(w.message)))}", err=True,
                        fg="yellow")
        else:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)


def read_options() -> dict:
    """The ``--input-format``, ``--strict`` and ``--order`` of the running command."""
    ctx = click.get_current_context(silent=True)
    found = dict(ctx.meta.get(READ_OPTIONS, {})) if ctx is not None else {}
    return {"format": found.get("input_format"), "strict": bool(found.get("strict")),
            "order": found.get("order")}


def load_model(model: str | None) -> LoadedModel:
    """Load MODEL (a path in any supported format, or a bundled model name; the default model
    when None), with the command's ``--input-format``, ``--strict`` and ``--order``.

    Raises
    ------
    influence.ModelNotFoundError, influence.ModelError
        Reported by the CLI's error handler.
    """
    name = model if model is not None else bundled.default_model()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FormatWarning)
        diagram = influence.load(name, **read_options())
    echo_warnings(caught)
    path = Path(name) if Path(name).is_file() else bundled.path_of(name)
    return LoadedModel(diagram, name, path)


def report_width(output: str | None) -> int:
    """The width of a text report (:func:`~influence.io.textgrid.output_width`): ``COLUMNS``
    when set; the terminal's width when printing to one; else 100 (a file, a pipe)."""
    return output_width(sys.stdout if output is None else io.StringIO())


def emit(content: str | bytes, output: str | None, *, protect: tuple[Path | None, ...] = (),
         what: str = "") -> None:
    """Print ``content`` to standard output, or write it atomically to ``output``.

    Parameters
    ----------
    content : str or bytes
        The rendered output.
    output : str, optional
        The file to write; None for standard output.
    protect : tuple of Path
        Input files that ``output`` must not overwrite.
    what : str
        A description for the confirmation printed on standard error.
    """
    if output is None:
        try:
            if isinstance(content, bytes):
                stream = click.get_binary_stream("stdout")
                stream.write(content)
                stream.flush()
            else:
                click.echo(content, nl=False)
                sys.stdout.flush()
        except BrokenPipeError:
            # The reader went away (`influence evaluate | head`): not an error of ours.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except OSError as exc:
            raise OutputError(f"cannot write to standard output: {exc.strerror or exc}"
                              ) from None
        return
    refuse_overwrite(output, *protect)
    if isinstance(content, bytes):
        write_bytes_atomic(output, content)
    else:
        write_text_atomic(output, content)
    click.echo(f"wrote {output}{f' ({what})' if what else ''}", err=True)
