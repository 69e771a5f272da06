"""What the commands share: loading the model named on the command line and writing output."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

import influence
from influence.atomic import refuse_overwrite, write_bytes_atomic, write_text_atomic
from influence.errors import OutputError
from influence.model import bundled
from influence.model.diagram import Diagram

__all__ = ["LoadedModel", "load_model", "emit"]


class LoadedModel:
    """A diagram, how the user named it, and the file it came from (never to be overwritten)."""

    def __init__(self, diagram: Diagram, shown_as: str, path: Path | None) -> None:
        self.diagram = diagram
        self.shown_as = shown_as
        self.path = path


def load_model(model: str | None) -> LoadedModel:
    """Load MODEL (a path or a bundled model name; the default model when None).

    Raises
    ------
    influence.ModelNotFoundError, influence.ModelError
        Reported by the CLI's error handler.
    """
    name = model if model is not None else bundled.default_model()
    diagram = influence.load(name)
    path = Path(name) if Path(name).is_file() else bundled.path_of(name)
    return LoadedModel(diagram, name, path)


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
