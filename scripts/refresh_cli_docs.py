"""Rewrite the console examples of docs/cli.md with the real output of each command.

Every block of the form ```console / $ influence ARGS / output``` is run (from a temporary
folder) and its output replaced; tests/test_cli.py checks the file stays true.
Run: python scripts/refresh_cli_docs.py
"""

from __future__ import annotations

import os
import re
import shlex
import tempfile
from pathlib import Path

from click.testing import CliRunner

from influence.cli.main import cli

DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def main() -> None:
    text = DOC.read_text(encoding="utf-8")
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        try:
            def run(match: re.Match[str]) -> str:
                command = match.group(1)
                output = CliRunner().invoke(cli, shlex.split(command)).output
                return f"```console\n$ influence {command}\n{output}```"

            new = re.sub(r"```console\n\$ influence (.*?)\n(.*?)```", run, text, flags=re.S)
        finally:
            os.chdir(here)
    if new != text:
        DOC.write_text(new, encoding="utf-8")
        print(f"updated {DOC}")


if __name__ == "__main__":
    main()
