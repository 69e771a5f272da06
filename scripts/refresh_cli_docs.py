"""Rewrite the console examples of the documentation with the real output of each command.

Every block of the form ```console / $ influence ARGS / output``` is run (from a temporary
folder, at 100 columns: ``COLUMNS=100``) and its output replaced, in

- docs/cli.md (standard output and error together; tests/test_cli.py checks the file),
- docs/value-of-information.md (the complete ``influence voi`` examples; tests/test_voi_cli.py),
- docs/decisions-under-uncertainty.md (its model and evidence written to the folder first;
  standard output, or standard error for a failing command; tests/test_uncertainty.py),
- docs/risk.md (tests/test_risk_plot.py).

Blocks that show part of the output (``...``) or continue a command over lines are left as
they are. Run: python scripts/refresh_cli_docs.py
"""

from __future__ import annotations

import os
import re
import shlex
import tempfile
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from influence.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
ENV = {"COLUMNS": "100"}


def _run(command: str, mixed: bool) -> str:
    result = CliRunner().invoke(cli, shlex.split(command.split("  #")[0]), env=ENV)
    if mixed:
        return result.output
    return result.stdout if result.exit_code == 0 else result.stderr


def _block(body: str, mixed: bool) -> str:
    """A console block's commands, each followed by its output."""
    out = []
    for chunk in re.split(r"^\$ ", body, flags=re.M)[1:]:
        command, _, shown = chunk.partition("\n")
        if "..." in shown.splitlines() or command.endswith("\\"):
            return body  # abridged or continued: kept as written
        out.append(f"$ {command}\n{_run(command[len('influence '):], mixed)}")
    return "".join(out)


def refresh(doc: Path, *, mixed: bool, only: str = "", setup: Callable[[Path], None] | None
            = None) -> None:
    """Rerun the console blocks of ``doc`` (those whose first command starts with ``only``)."""
    text = doc.read_text(encoding="utf-8")
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        if setup is not None:
            setup(Path(folder))
        os.chdir(folder)
        try:
            def run(match: re.Match[str]) -> str:
                body = match.group(1)
                if not body.startswith(f"$ influence {only}"):
                    return match.group(0)
                return f"```console\n{_block(body, mixed)}```"

            new = re.sub(r"```console\n(.*?)```", run, text, flags=re.S)
        finally:
            os.chdir(here)
    if new != text:
        doc.write_text(new, encoding="utf-8")
        print(f"updated {doc.relative_to(ROOT)}")


def _launch_files(folder: Path) -> None:
    """The files the examples of docs/decisions-under-uncertainty.md use."""
    text = (ROOT / "docs" / "decisions-under-uncertainty.md").read_text(encoding="utf-8")
    model, evidence = re.findall(r"```yaml\n(.*?)```", text, flags=re.S)[:2]
    (folder / "launch.yaml").write_text(model)
    (folder / "test_markets.yaml").write_text(evidence)
    (folder / "relaunch.yaml").write_text(model.replace("name: launch", "name: relaunch"))
    (folder / "launch_v2.yaml").write_text(model.replace("beta: [2, 2]", "beta: [3, 2]"))


def main() -> None:
    refresh(ROOT / "docs" / "cli.md", mixed=True)
    refresh(ROOT / "docs" / "value-of-information.md", mixed=False, only="voi ")
    refresh(ROOT / "docs" / "decisions-under-uncertainty.md", mixed=False, setup=_launch_files)
    refresh(ROOT / "docs" / "risk.md", mixed=False)


if __name__ == "__main__":
    main()
