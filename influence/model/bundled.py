"""The models shipped with influence (the ``influence.models`` package), and their evidence.

A bundled model is named by its file's stem with ``-`` for ``_`` (``cartel-intervention``); so
is a bundled evidence file (``models/evidence/cartel_operations.yaml`` is
``cartel-operations``), which :func:`evidence_path` finds and :func:`evidence_for` lists by the
model it names.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ..errors import InfluenceError
from .yamlio import load_yaml_file

__all__ = ["names", "path_of", "default_model", "summaries", "DEFAULT_MODEL", "evidence_names",
           "evidence_path", "evidence_for"]

#: The model ``influence evaluate`` uses when given none (the tests check it is bundled).
DEFAULT_MODEL = "cartel-intervention"


def _directory() -> Path:
    return Path(str(resources.files("influence.models")))


def _files() -> dict[str, Path]:
    out = {}
    for path in sorted(_directory().glob("*.yaml")):
        out[path.stem.replace("_", "-")] = path
    return out


def names() -> list[str]:
    """Names of the bundled models (their file stems with '-' for '_')."""
    return list(_files())


def path_of(name: str) -> Path | None:
    """The file of bundled model ``name`` (with '-' or '_'), or None."""
    return _files().get(name.replace("_", "-").removesuffix(".yaml"))


def default_model() -> str:
    """The default model of ``influence evaluate``: :data:`DEFAULT_MODEL`."""
    return DEFAULT_MODEL


def summaries() -> list[tuple[str, str]]:
    """(name, title) of each bundled model, read without full validation."""
    out = []
    for name, path in _files().items():
        try:
            doc = load_yaml_file(path) or {}
            title = str(doc.get("title") or doc.get("name") or "")
        except (InfluenceError, AttributeError):
            title = "(unreadable)"
        out.append((name, title))
    return out


def _evidence_files() -> dict[str, Path]:
    folder = _directory() / "evidence"
    return {p.stem.replace("_", "-"): p for p in sorted(folder.glob("*.yaml"))}


def evidence_names() -> list[str]:
    """Names of the bundled evidence files."""
    return list(_evidence_files())


def evidence_path(name: str) -> Path | None:
    """The bundled evidence file called ``name`` (with '-' or '_'), or None."""
    return _evidence_files().get(str(name).replace("_", "-").removesuffix(".yaml"))


def evidence_for() -> dict[str, list[str]]:
    """The bundled evidence files of each model (by the ``model`` each file names), read
    without full validation."""
    out: dict[str, list[str]] = {}
    for name, path in _evidence_files().items():
        try:
            doc = load_yaml_file(path) or {}
            model = str(doc.get("model") or "")
        except (InfluenceError, AttributeError):
            continue
        out.setdefault(model, []).append(name)
    return out
