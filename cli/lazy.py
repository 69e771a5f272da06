"""A Click group whose heavy subcommands are imported only when they are run.

``influence --help`` lists the lazy subcommands with short help strings given here, so that
neither listing nor running the light commands imports their modules (and through them PyMC,
ArviZ or matplotlib).
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Mapping
from typing import Any, NamedTuple

import click

from influence.errors import CommandUnavailableError

__all__ = ["LazyCommand", "LazyGroup", "BAYES_MODULES", "missing_extras_error", "import_ahead"]

#: Top-level modules of the Bayesian layer (dependencies of influence, imported lazily).
BAYES_MODULES = frozenset({"pymc", "pytensor", "arviz", "xarray", "h5netcdf", "netCDF4",
                           "matplotlib"})


def missing_extras_error(exc: ImportError, what: str) -> CommandUnavailableError | None:
    """The error to report for ``exc`` if it is a missing module of the Bayesian layer."""
    name = (getattr(exc, "name", None) or "").split(".")[0]
    if name in BAYES_MODULES:
        return CommandUnavailableError(
            f"{what} needs the Bayesian dependencies, and the module {name!r} is not "
            "installed; reinstall influence to get them: pip install --force-reinstall influence"
        )
    return None


def import_ahead(*modules: str) -> None:
    """Start importing ``modules`` on a background thread, so that a command that will need
    them (matplotlib, to draw a plot once the draws are evaluated) finds them imported or
    under way: the import, mostly Python, overlaps work that releases the interpreter lock.
    Nothing is reported here: a module that cannot be imported fails where it is used."""

    def run() -> None:
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - reported where the module is used
                return

    threading.Thread(target=run, name="influence-import-ahead", daemon=True).start()


class LazyCommand(NamedTuple):
    """Where a lazy subcommand lives (``"package.module:attribute"``) and its short help."""

    target: str
    short_help: str


class _UnavailableCommand(click.Command):
    """Stands in for a lazy subcommand that cannot be imported: any invocation, ``--help``
    included, reports why."""

    def __init__(self, name: str, error: CommandUnavailableError, short_help: str) -> None:
        def fail(args: tuple[str, ...]) -> None:
            raise error

        super().__init__(
            name,
            callback=fail,
            params=[click.Argument(["args"], nargs=-1, type=click.UNPROCESSED)],
            help=f"{short_help} (unavailable: {error})",
            short_help=short_help,
            add_help_option=False,
            context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
        )


class LazyGroup(click.Group):
    """A :class:`click.Group` with subcommands imported on first use.

    Parameters
    ----------
    lazy_subcommands : mapping
        Command name -> :class:`LazyCommand` (``"module:attribute"`` and a short help string).
    **kwargs
        Passed to :class:`click.Group`.
    """

    def __init__(self, *args: Any, lazy_subcommands: Mapping[str, LazyCommand] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_subcommands = dict(lazy_subcommands or {})
        self._loaded: dict[str, click.Command] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy_subcommands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_subcommands:
            if cmd_name not in self._loaded:
                self._loaded[cmd_name] = self._load(cmd_name)
            return self._loaded[cmd_name]
        return super().get_command(ctx, cmd_name)

    def _load(self, cmd_name: str) -> click.Command:
        target, short_help = self.lazy_subcommands[cmd_name]
        module_name, _, attribute = target.partition(":")
        what = f"the '{cmd_name}' command"
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            error = missing_extras_error(exc, what)
            if error is None:
                if getattr(exc, "name", None) == module_name:
                    error = CommandUnavailableError(
                        f"{what} is not available in this installation: its module "
                        f"{module_name} is missing")
                else:
                    error = CommandUnavailableError(
                        f"{what} is not available: importing {module_name} failed ({exc})")
            return _UnavailableCommand(cmd_name, error, short_help)
        command = getattr(module, attribute or cmd_name, None)
        if not isinstance(command, click.Command):
            error = CommandUnavailableError(
                f"{what} is not available: {module_name} defines no Click command "
                f"{attribute or cmd_name!r}")
            return _UnavailableCommand(cmd_name, error, short_help)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List every subcommand with its short help, without importing the lazy ones."""
        rows: list[tuple[str, str]] = []
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(n) for n in names)
        for name in names:
            if name in self.lazy_subcommands and name not in self._loaded:
                rows.append((name, self.lazy_subcommands[name].short_help))
                continue
            command = self.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
