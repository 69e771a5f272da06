"""Priors elicited in words or as ranges, fitted exactly and cached.

An analyst who writes ``prior: {phrase: "very likely"}`` means the ICD 203 range of the phrase
(80-95%); one who writes ``prior: {interval: [0.6, 0.8], mass: 0.9}`` means "90% sure it lies
between 0.6 and 0.8". This module turns both into distributions:

* a probability becomes a Beta distribution, a utility value a Normal distribution;
* the distribution's **mean is fixed at the midpoint of the range** and its spread is solved so
  that exactly ``mass`` of its probability lies inside the range. One constraint (the mass) and
  one free parameter (the spread) make the fit unique. The solver is PyMC's
  :func:`pymc.find_constrained_prior` in the mean/standard-deviation parametrisation, with the
  mean passed as a fixed parameter, is the reference;
* the fit itself is exact and fast: a Normal's spread in closed form (``sigma = (high - low) /
  (2 z)``, ``z`` the ``(1 + mass) / 2`` quantile of the standard normal), a Beta's
  concentration ``k`` (``a = m k``, ``b = (1 - m) k`` for the mean ``m``) by root finding on
  ``I_high(a, b) - I_low(a, b) = mass`` (bracketing on a logarithmic grid, then bisection to
  machine precision) with the regularized incomplete beta function of
  :mod:`influence.model.special`. It agrees with :func:`pymc.find_constrained_prior` to 1e-4
  (``tests/test_elicit.py``), which remains the fallback when the root cannot be bracketed.
  :func:`fit_dirichlet_interval` solves the same equation for one state of a Dirichlet with
  given means;
* every fit is checked: the mass inside the range must match the requested mass within
  :data:`MASS_TOLERANCE`, otherwise a :class:`~influence.errors.ModelError` says so.

Each fit is cached under a key made of the distribution, the range, the mass and
:data:`METHOD_VERSION`. A fit is looked up in this order: the memory cache of the process; the
fits shipped with the package (:data:`PACKAGED_FITS`, checked for form only); the user's disk
cache in :func:`cache_dir` (JSON files written atomically, checked in full); and only then
fitted, checked, and written to the disk cache, with one line on standard error saying what is
fitted (:func:`notify`). The caches are never needed for correctness: an entry that cannot be
read, does not match its key or fails the mass check is refitted, and a directory that cannot
be written is skipped silently.

Neither looking a fit up nor fitting it imports SciPy or PyMC; PyMC is imported only inside
:func:`_fit_with_pymc`, the fallback and the reference.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import hashlib
import json
import math
import os
import sys
import tempfile
import warnings
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ..errors import ModelError
from .special import normal_sigma, solve_beta_concentration

__all__ = [
    "Phrase",
    "DEFAULT_MASS",
    "MASS_TOLERANCE",
    "METHOD_VERSION",
    "icd203_phrases",
    "icd203_source",
    "lookup_phrase",
    "fit_beta_interval",
    "fit_normal_interval",
    "fit_dirichlet_interval",
    "notify",
    "interval_mass",
    "cache_dir",
    "clear_memory_cache",
]

#: The share of the prior inside the elicited range when none is given.
DEFAULT_MASS = 0.9
#: The largest accepted difference between the requested and the fitted mass in the range.
MASS_TOLERANCE = 1e-3
#: Part of every cache key; change it whenever the fitting method changes.
METHOD_VERSION = "find_constrained_prior/mean-at-midpoint/v1"
#: Masses PyMC's ``find_constrained_prior`` accepts.
MASS_RANGE = (0.01, 0.99)
#: Fitted parameters are rounded to this many significant digits (they feed the model's
#: fingerprint, which must not depend on the last bits of an optimiser).
SIGNIFICANT_DIGITS = 6

_MEMORY: dict[str, dict[str, float]] = {}


# -- the ICD 203 table --------------------------------------------------------------------------


@dataclass(frozen=True)
class Phrase:
    """One verbal probability expression and the range it stands for.

    Attributes
    ----------
    phrase : str
        The words as an analyst may write them (lower case).
    expression : str
        The ICD 203 expression it belongs to, e.g. ``"very likely"``.
    alternative : str
        The expression's alternative wording, e.g. ``"highly probable"``.
    low, high : float
        The range, as probabilities.
    note : str or None
        Set for phrases ICD 203 does not list, saying what they were mapped to.
    """

    phrase: str
    expression: str
    alternative: str
    low: float
    high: float
    note: str | None = None

    @property
    def label(self) -> str:
        """``"very likely / highly probable (80-95%)"``."""
        return (f"{self.expression} / {self.alternative} "
                f"({_percent(self.low)}-{_percent(self.high)}%)")


def _percent(x: float) -> str:
    return f"{100 * x:.0f}" if abs(100 * x - round(100 * x)) < 1e-9 else f"{100 * x:g}"


def _normalise(phrase: str) -> str:
    return " ".join(phrase.casefold().replace("\u2019", "'").split())


@functools.cache
def _table() -> tuple[str, dict[str, Phrase]]:
    text = resources.files("influence").joinpath("data/icd203.yaml").read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    phrases: dict[str, Phrase] = {}
    for item in doc["expressions"]:
        low, high = (float(x) for x in item["range"])
        words = [item["expression"], *item.get("variants", []), item["alternative"]]
        for word in words:
            phrases[_normalise(word)] = Phrase(_normalise(word), item["expression"],
                                               item["alternative"], low, high)
    for alias in doc.get("aliases", []):
        target = phrases[_normalise(alias["means"])]
        phrases[_normalise(alias["phrase"])] = Phrase(
            _normalise(alias["phrase"]), target.expression, target.alternative, target.low,
            target.high, note=" ".join(str(alias["note"]).split()))
    return " ".join(str(doc["source"]).split()), phrases


def icd203_source() -> str:
    """The citation of the ICD 203 table shipped in ``influence/data/icd203.yaml``."""
    return _table()[0]


def icd203_phrases() -> dict[str, Phrase]:
    """Every known phrase (expressions, their variants and alternatives, and aliases)."""
    return dict(_table()[1])


def lookup_phrase(phrase: Any) -> Phrase:
    """The ICD 203 entry of ``phrase`` (case and spacing do not matter).

    Raises
    ------
    ModelError
        For an unknown phrase, listing the known ones and suggesting the nearest.
    """
    phrases = _table()[1]
    if not isinstance(phrase, str) or not phrase.strip():
        raise ModelError(f"expected a verbal probability expression such as 'likely', got "
                         f"{phrase!r}; known phrases: {', '.join(phrases)}")
    key = _normalise(phrase)
    if key in phrases:
        return phrases[key]
    close = difflib.get_close_matches(key, list(phrases), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ModelError(f"unknown phrase {phrase!r}{hint}; known phrases (ICD 203): "
                     f"{', '.join(phrases)}")


# -- fitting -------------------------------------------------------------------------------------


def interval_mass(distribution: str, params: dict[str, float], low: float, high: float) -> float:
    """The probability a fitted distribution puts in ``[low, high]`` (numpy and the standard
    library: the regularized incomplete beta function, :class:`statistics.NormalDist`)."""
    if distribution == "beta":
        from .special import regularized_beta

        ends = regularized_beta(np.array([low, high]), params["a"], params["b"])
        return float(ends[1] - ends[0])
    if distribution == "normal":
        from statistics import NormalDist

        dist = NormalDist(params["mu"], params["sigma"])
        return float(dist.cdf(high) - dist.cdf(low))
    raise ValueError(distribution)  # pragma: no cover - internal


def _round(x: float) -> float:
    return float(f"{x:.{SIGNIFICANT_DIGITS}g}")


def _check_request(distribution: str, low: float, high: float, mass: float) -> None:
    values = (low, high, mass)
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in values):
        raise ModelError(f"expected finite numbers, got interval [{low}, {high}] and mass {mass}")
    if not low < high:
        raise ModelError(f"expected an interval [low, high] with low < high, got [{low}, {high}]")
    if distribution == "beta" and not 0 < low < high < 1:
        raise ModelError(f"expected a probability interval inside (0, 1), got [{low}, {high}] "
                         "(a Beta puts no probability on 0 or 1 exactly: write e.g. 0.001)")
    if not 0 < mass < 1:
        raise ModelError(f"expected a mass between 0 and 1 (exclusive), got {mass}")
    if not MASS_RANGE[0] <= mass <= MASS_RANGE[1]:
        raise ModelError(f"expected a mass from {MASS_RANGE[0]} to {MASS_RANGE[1]} (the range "
                         f"the elicitation fit supports), got {mass}")


def _key(distribution: str, low: float, high: float, mass: float) -> dict[str, Any]:
    return {"distribution": distribution, "lower": float(low), "upper": float(high),
            "mass": float(mass), "method": METHOD_VERSION}


def _digest(key: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def _well_formed(distribution: str, params: Any) -> bool:
    names = ("a", "b") if distribution == "beta" else ("mu", "sigma")
    if not isinstance(params, dict) or set(params) != set(names):
        return False
    values = [params[n] for n in names]
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in values):
        return False
    positive = values if distribution == "beta" else values[1:]
    return all(v > 0 for v in positive)


def _valid(distribution: str, params: Any, low: float, high: float, mass: float) -> bool:
    if not _well_formed(distribution, params):
        return False
    return abs(interval_mass(distribution, params, low, high) - mass) <= MASS_TOLERANCE


def _fit(distribution: str, low: float, high: float, mass: float) -> dict[str, float]:
    _check_request(distribution, low, high, mass)
    key = _key(distribution, low, high, mass)
    digest = _digest(key)
    if digest in _MEMORY:
        return dict(_MEMORY[digest])
    # The packaged fits come first: the test suite checks that each puts its mass in range,
    # so here they are only checked for form, which keeps SciPy out of loading the bundled
    # models. Fits in the user cache are checked in full.
    packaged = _packaged_fits().get(digest)
    params = packaged if _well_formed(distribution, packaged) else None
    if params is None:
        params = _read_cache(digest, key)
        if params is not None and not _valid(distribution, params, low, high, mass):
            params = None
    if params is None:
        params = _fit_new(distribution, low, high, mass)
        params = {k: _round(v) for k, v in params.items()}
        if not _valid(distribution, params, low, high, mass):
            got = interval_mass(distribution, params, low, high) if all(
                math.isfinite(v) and v > 0 for v in params.values()) else float("nan")
            raise ModelError(
                f"cannot fit a {distribution.capitalize()} prior with mean {(low + high) / 2:g} "
                f"that puts {mass:g} of its probability in [{low:g}, {high:g}]: the fit puts "
                f"{got:.6g} there (expected within {MASS_TOLERANCE:g}); widen the interval or "
                "change the mass")
        _write_cache(digest, key, params)
    _MEMORY[digest] = dict(params)
    return dict(params)


def fit_beta_interval(low: float, high: float, mass: float = DEFAULT_MASS) -> tuple[float, float]:
    """The Beta(a, b) with mean ``(low + high) / 2`` and ``mass`` of its probability in
    ``[low, high]``.

    Parameters
    ----------
    low, high : float
        The range, with ``0 < low < high < 1``.
    mass : float
        The share of probability inside the range, from 0.01 to 0.99.

    Returns
    -------
    (float, float)
        The shape parameters ``a`` and ``b``, rounded to six significant digits.

    Raises
    ------
    ModelError
        On a bad request, or if the fit cannot put ``mass`` in the range within
        :data:`MASS_TOLERANCE`.
    """
    params = _fit("beta", low, high, mass)
    return params["a"], params["b"]


def fit_normal_interval(low: float, high: float,
                        mass: float = DEFAULT_MASS) -> tuple[float, float]:
    """The Normal(mu, sigma) with mean ``(low + high) / 2`` and ``mass`` of its probability in
    ``[low, high]``; see :func:`fit_beta_interval`.

    Returns
    -------
    (float, float)
        ``mu`` and ``sigma``.
    """
    params = _fit("normal", low, high, mass)
    return params["mu"], params["sigma"]


#: Where :func:`notify` writes (standard error unless replaced, e.g. by a test).
NOTICES: Any = None


def notify(message: str) -> None:
    """Say on standard error what the elicitation is doing (a fit not found in any cache)."""
    stream = NOTICES if NOTICES is not None else sys.stderr
    try:
        stream.write(f"influence: {message}\n")
        stream.flush()
    except (OSError, ValueError, AttributeError):  # a closed or missing stream: stay quiet
        pass


def _fit_new(distribution: str, low: float, high: float, mass: float) -> dict[str, float]:
    """Fit a request found in no cache: exactly, or with PyMC when the root finder fails."""
    mid = (low + high) / 2
    what = (f"a {distribution.capitalize()} prior with mean {mid:g} and {mass:g} of its "
            f"probability in [{low:g}, {high:g}]")
    if distribution == "normal":
        notify(f"fitting {what} (closed form); caching it in {cache_dir()}")
        return {"mu": mid, "sigma": normal_sigma(low, high, mass)}
    try:
        notify(f"fitting {what} (exact, by root finding); caching it in {cache_dir()}")
        k = solve_beta_concentration(mid, low, high, mass)
        return {"a": mid * k, "b": (1 - mid) * k}
    except ArithmeticError:
        notify(f"the exact fit failed; fitting {what} with PyMC (this can take 20 s)")
        return _fit_with_pymc(distribution, low, high, mass)


def fit_dirichlet_interval(means: Any, state: int, low: float, high: float,
                           mass: float = DEFAULT_MASS) -> tuple[float, ...]:
    """The Dirichlet with the given ``means`` whose probability of ``state`` (a Beta
    marginal) has ``mass`` in ``[low, high]``: its concentrations ``strength * means``.

    Raises
    ------
    ModelError
        If the mean of ``state`` is not inside the range, or no strength fits.
    """
    means = np.asarray(means, dtype=float)
    m = float(means[state])
    _check_request("beta", low, high, mass)
    try:
        strength = solve_beta_concentration(m, low, high, mass)
    except ArithmeticError as exc:
        raise ModelError(f"cannot fit a Dirichlet whose probability {m:g} of state {state} puts "
                         f"{mass:g} in [{low:g}, {high:g}] ({exc})") from None
    return tuple(_round(float(strength * x)) for x in means)


def _fit_with_pymc(distribution: str, low: float, high: float, mass: float) -> dict[str, float]:
    """Solve for the spread with :func:`pymc.find_constrained_prior`, the mean fixed at the
    midpoint."""
    import pymc as pm
    import pytensor

    mid = (low + high) / 2
    # Starting point: the normal approximation's standard deviation.
    sd = normal_sigma(low, high, mass)
    if distribution == "beta":
        sd = min(sd, 0.5 * math.sqrt(mid * (1 - mid)))
        pm_dist = pm.Beta
    else:
        pm_dist = pm.Normal
    failure = None
    try:
        with warnings.catch_warnings(), pytensor.config.change_flags(mode="FAST_COMPILE"):
            # find_constrained_prior is deprecated in favour of PreliZ, which is not a dependency.
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            found = pm.find_constrained_prior(pm_dist, lower=low, upper=high, mass=mass,
                                              init_guess={"sigma": sd},
                                              fixed_params={"mu": mid})
    except (ValueError, ArithmeticError, AssertionError) as exc:
        failure = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        found = None
    if found is None:
        raise ModelError(f"cannot fit a {distribution.capitalize()} prior with mean {mid:g} that "
                         f"puts {mass:g} of its probability in [{low:g}, {high:g}] ({failure}); "
                         "widen the interval or change the mass")
    mu, sigma = float(found["mu"]), float(found["sigma"])
    if distribution == "normal":
        return {"mu": mu, "sigma": sigma}
    concentration = mu * (1 - mu) / sigma**2 - 1 if sigma > 0 else float("nan")
    return {"a": mu * concentration, "b": (1 - mu) * concentration}


# -- fits shipped with the package ---------------------------------------------------------------

#: Fits of the ICD 203 phrases at common masses and of the bundled models' intervals, made with
#: :func:`_fit_with_pymc` by ``scripts/refresh_elicitation_fits.py``. Consulted after the
#: memory cache and before the user cache, and checked for form only (the tests check that
#: each puts its mass in its range), so a fresh installation evaluates the bundled models
#: without importing PyMC or SciPy; they are an optimisation, never needed for correctness.
PACKAGED_FITS = "elicitation_fits.json"


@functools.lru_cache(maxsize=1)
def _packaged_fits() -> dict[str, dict[str, float]]:
    try:
        text = resources.files("influence").joinpath("data", PACKAGED_FITS).read_text("utf-8")
        doc = json.loads(text)
    except (OSError, ValueError):
        return {}
    out = {}
    for entry in doc.get("fits", []) if isinstance(doc, dict) else []:
        key, params = entry.get("key"), entry.get("params")
        if isinstance(key, dict) and isinstance(params, dict):
            out[_digest(key)] = params
    return out


def packaged_fit_requests(models: list[Any]) -> list[tuple[str, float, float, float]]:
    """The fits to ship: every ICD 203 phrase at masses 0.5 to 0.95, and every elicited prior
    of the given diagrams (of rows, values and parameters), as (distribution, low, high,
    mass)."""
    requests = []
    for phrase in icd203_phrases().values():
        for mass in (0.5, 0.6, 0.7, 0.8, 0.9, 0.95):
            requests.append(("beta", phrase.low, phrase.high, mass))
    for diagram in models:
        priors = [prior for node in diagram.nodes for prior in node.priors.values()]
        priors += [p.prior for p in getattr(diagram, "parameters", ()) if p.prior is not None]
        for prior in priors:
            elicited = getattr(prior, "elicited", None)
            if elicited is None or prior.kind == "ratio":  # a ratio's fit is closed-form
                continue
            dist = "beta" if prior.kind in ("beta", "probability") else "normal"
            requests.append((dist, elicited.low, elicited.high, elicited.mass))
    return sorted(set(requests))


def build_packaged_fits(requests: list[tuple[str, float, float, float]]) -> dict[str, Any]:
    """Fit each request with PyMC (bypassing every cache) and return the packaged document."""
    fits = []
    for dist, low, high, mass in requests:
        params = {k: _round(v) for k, v in _fit_with_pymc(dist, low, high, mass).items()}
        if _valid(dist, params, low, high, mass):
            fits.append({"key": _key(dist, low, high, mass), "params": params})
    return {"method": METHOD_VERSION, "fits": fits}


# -- the disk cache -----------------------------------------------------------------------------


def cache_dir() -> Path:
    """The directory of the elicitation cache.

    ``$INFLUENCE_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/influence``, else
    ``~/.cache/influence``. Fits are stored in its ``elicit/`` subdirectory, one JSON file per
    fit, named by the SHA-256 of the fit's key. Deleting the directory is always safe.
    """
    env = os.environ.get("INFLUENCE_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg) / "influence"
    return Path.home() / ".cache" / "influence"


def clear_memory_cache() -> None:
    """Forget the fits made in this process (the disk cache is left alone)."""
    _MEMORY.clear()


def _entry_path(digest: str) -> Path:
    return cache_dir() / "elicit" / f"{digest}.json"


def _read_cache(digest: str, key: dict[str, Any]) -> dict[str, float] | None:
    try:
        doc = json.loads(_entry_path(digest).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("key") != key:
        return None
    params = doc.get("params")
    return params if isinstance(params, dict) else None


def _write_cache(digest: str, key: dict[str, Any], params: dict[str, float]) -> None:
    path = _entry_path(digest)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{digest[:16]}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"key": key, "params": params}, fh, sort_keys=True)
        os.replace(tmp, path)
        tmp = None
    except OSError:
        pass  # the cache is an optimisation only
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
