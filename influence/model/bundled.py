"""The models shipped with influence (the ``influence.models`` package)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ..errors import InfluenceError
from .yamlio import load_yaml_file

__all__ = ["names", "path_of", "default_model", "summaries", "DEFAULT_MODEL"]

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
