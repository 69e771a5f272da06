"""NUTS with BlackJAX on the model's log density translated to JAX, compiled once and cached.

PyMC's own sampler spends a new process's time importing PyMC, rewriting and compiling the
PyTensor graph, and running its NUTS loop in Python. Here:

- the first fit of a model and its evidence (a cache miss) builds the PyMC model (see
  :mod:`influence.bayes.nuts`), has PyTensor translate its log density and the values of its
  free variables to JAX functions of the flat vector of unconstrained values (PyMC's
  ``get_jaxified_graph``, as ``pm.sample(nuts_sampler="blackjax")`` does), and stores them
  serialised with ``jax.export`` (StableHLO, the log density with its gradient rule) in
  :func:`cache_root`, with PyMC's initial point (:func:`compile_density`);
- NUTS is BlackJAX's: a chain is two exported programs (:func:`_programs`), the window
  adaptation of the step size and a diagonal mass matrix (as Stan's and PyMC's) over ``tune``
  steps, then blocks of :data:`BLOCK` steps with the adapted settings, stored for each ``tune``
  and ``target_accept`` (a chain runs as many blocks as its draws need, so ``draws`` and
  ``chains`` need no new program);
- JAX's persistent compilation cache (in :func:`cache_root`, ``xla/``) keeps the compiled
  machine code, so a later fit imports neither PyMC, PyTensor nor BlackJAX, and neither
  translates nor compiles: it reads the programs, loads their code and runs them.

Where the time of a NUTS fit of a small case file goes, measured in
``benchmarks/bench_loop.py`` and ``benchmarks/bench_fit.py``: from empty caches, importing PyMC
(with its check of the C compiler) and building the model, PyTensor's rewriting and translation
to JAX, and XLA compiling the two programs (about 4 s each on the development machine); from
filled caches, importing influence and JAX, loading the programs (lowering the stored StableHLO
and reading the machine code) and running them.

A cache entry is named by the SHA-256 of its key (:func:`model_key`): the model's fingerprint,
the evidence files' hashes, the priors and moved slots, the source of the ``influence`` package
and the versions of PyMC, PyTensor, JAX and BlackJAX; any change of them gives a new entry.
An entry whose stored key differs from the one asked for, or whose files do not match the
SHA-256 its manifest records, is refused (and rebuilt). Deleting :func:`cache_root` is always
safe.

Starting points are PyMC's (``jitter+adapt_diag``): each free variable's initial value on the
unconstrained scale plus a uniform (-1, 1) jitter, drawn from ``seed``; the chains' random keys
come from ``seed`` too, so a seed gives the same draws from a cold and a warm cache.

JAX runs in double precision (``jax_enable_x64``, set for the process). JAX, BlackJAX and PyMC
are imported inside the functions.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..atomic import write_bytes_atomic, write_text_atomic
from ..model.elicit import cache_dir
from .netcdf import Group, Variable

__all__ = ["available", "cache_root", "model_key", "Density", "load_density",
           "compile_density", "sample", "NAME"]

NAME = "blackjax"
FORMAT = 1
PACKAGES = ("pymc", "pytensor", "jax", "jaxlib", "blackjax")


def available() -> bool:
    """Whether JAX, BlackJAX and flatbuffers (for ``jax.export``'s files) are installed."""
    return all(importlib.util.find_spec(name) is not None
               for name in ("jax", "blackjax", "flatbuffers"))


def cache_root() -> Path:
    """Where compiled models are cached: ``nuts/`` in the cache directory
    (:func:`influence.model.elicit.cache_dir`)."""
    return cache_dir() / "nuts"


def _versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


@functools.lru_cache(maxsize=1)
def _source_digest() -> str:
    """SHA-256 of the ``influence`` package's Python source (any change of the code that
    builds a model changes it), read once per process: a process whose code was edited on disk
    after it started keeps the digest of the code it first read."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def model_key(fingerprint: str, evidence: list[str], priors: dict[str, Any],
              moved: set[str]) -> dict[str, Any]:
    """Everything a compiled log density depends on: the model's ``fingerprint``, the
    ``evidence`` hashes (in order), the priors of the moved slots (as data) and the moved slots,
    the source of ``influence`` and the versions of the packages that compile it."""
    return {
        "format": FORMAT,
        "fingerprint": fingerprint,
        "evidence": list(evidence),
        "moved": sorted(moved),
        "priors": {name: _plain(priors[name]) for name in sorted(moved)},
        "source": _source_digest(),
        "versions": _versions(),
    }


def _plain(prior: Any) -> Any:
    """A prior as JSON data (its ``to_dict`` where it has one, else its ``repr``)."""
    to_dict = getattr(prior, "to_dict", None)
    data = to_dict() if callable(to_dict) else repr(prior)
    return json.loads(json.dumps(data, sort_keys=True, default=repr))


def _digest(key: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


@dataclass
class Density:
    """A compiled log density: the directory of its cache entry, its key, the slots it samples
    and their free variables' names and shapes, PyMC's initial point (unconstrained, flat) and
    the serialised functions (``logp``: the log density of the flat vector, differentiable;
    ``values``: the free variables' values)."""

    directory: Path
    key: dict[str, Any]
    slots: list[str]
    names: list[str]
    shapes: list[tuple[int, ...]]
    initial: np.ndarray
    blobs: dict[str, bytes]


def _write_entry(directory: Path, manifest: dict[str, Any], blobs: dict[str, bytes]) -> None:
    """The blobs, then the manifest that records their SHA-256 (written last: an entry without
    it is incomplete and refused)."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {}
    for name, data in blobs.items():
        write_bytes_atomic(directory / name, data)
        files[name] = hashlib.sha256(data).hexdigest()
    write_text_atomic(directory / manifest["manifest"],
                      json.dumps({**manifest, "files": files}, sort_keys=True))


def _read_entry(directory: Path, manifest_name: str, key: dict[str, Any]
                ) -> tuple[dict[str, Any], dict[str, bytes]] | None:
    """An entry's manifest and blobs, or None when it is missing, incomplete, of another key
    or damaged."""
    try:
        manifest = json.loads((directory / manifest_name).read_text(encoding="utf-8"))
        if not isinstance(manifest, dict) or manifest.get("key") != key:
            return None
        blobs = {name: (directory / name).read_bytes() for name in manifest["files"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if any(hashlib.sha256(data).hexdigest() != manifest["files"][name]
           for name, data in blobs.items()):
        return None
    return manifest, blobs


def load_density(key: dict[str, Any]) -> Density | None:
    """The cached density of ``key``, or None (not cached, or refused: see the module)."""
    directory = cache_root() / _digest(key)
    found = _read_entry(directory, "density.json", key)
    if found is None:
        return None
    manifest, blobs = found
    try:
        density = Density(directory, key, [str(n) for n in manifest["slots"]],
                          [str(n) for n in manifest["names"]],
                          [tuple(int(n) for n in s) for s in manifest["shapes"]],
                          np.asarray(manifest["initial"], dtype=float), blobs)
    except (KeyError, TypeError, ValueError):  # a manifest of another layout: refused
        return None
    if not {"logp.bin", "values.bin"} <= set(blobs) or not (
            len(density.slots) == len(density.names) == len(density.shapes)):
        return None
    return density


def _jax() -> Any:
    """JAX in double precision, with its persistent compilation cache in :func:`cache_root`
    (unless one is configured already)."""
    import jax

    jax.config.update("jax_enable_x64", True)
    if not jax.config.jax_compilation_cache_dir:
        jax.config.update("jax_compilation_cache_dir", str(cache_root() / "xla"))
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return jax


def compile_density(model: Any, free: dict[str, str], key: dict[str, Any]) -> Density:
    """Translate ``model``'s log density and free variables (``free``: slot -> variable name)
    to JAX, export them, and cache them under ``key``."""
    import os

    from pymc.pytensorf import join_nonshared_inputs

    flags = os.environ.get("XLA_FLAGS")
    try:  # importing it sets XLA_FLAGS to 100 host devices, which would change every
        # compiled program's key in JAX's compilation cache: keep the process's own
        from pymc.sampling.jax import get_jaxified_graph
    finally:
        if flags is None:
            os.environ.pop("XLA_FLAGS", None)
        else:
            os.environ["XLA_FLAGS"] = flags
    jax = _jax()
    names = list(free.values())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # PyTensor's note about BLAS
        point = _initial_point(model)
    values = model.replace_rvs_by_values([model[name] for name in names])
    outputs, flat = join_nonshared_inputs(point, [model.logp(), *values], model.value_vars)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # PyTensor's note about BLAS
        function = get_jaxified_graph(inputs=[flat], outputs=outputs)
    initial = np.concatenate([np.ravel(point[v.name]) for v in model.value_vars]).astype(float)
    spec = jax.ShapeDtypeStruct(initial.shape, np.float64)
    logp = jax.export.export(jax.jit(lambda x: function(x)[0]))(spec)
    vals = jax.export.export(jax.jit(lambda x: tuple(function(x)[1:])))(spec)
    shapes = [tuple(int(n) for n in v.shape) for v in vals.out_avals]
    blobs = {"logp.bin": bytes(logp.serialize(vjp_order=1)), "values.bin": bytes(vals.serialize())}
    directory = cache_root() / _digest(key)
    _write_entry(directory, {"manifest": "density.json", "key": key, "slots": list(free),
                             "names": names, "shapes": shapes, "initial": initial.tolist()},
                 blobs)
    return Density(directory, key, list(free), names, shapes, initial, blobs)


def _initial_point(model: Any) -> dict[str, np.ndarray]:
    """PyMC's initial point of ``model`` (each free variable's, on the unconstrained scale),
    evaluated with PyTensor's Python implementations: it runs once, and compiling it to C, as
    ``model.initial_point()`` does, took longer than the rest of building the model."""
    from pymc.initial_point import make_initial_point_expression
    from pymc.pytensorf import compile as compile_pymc
    from pymc.pytensorf import replace_rng_nodes
    from pytensor.compile.mode import Mode

    expressions = replace_rng_nodes(make_initial_point_expression(
        free_rvs=model.free_RVs, rvs_to_transforms=model.rvs_to_transforms,
        initval_strategies=model.rvs_to_initial_values, default_strategy="support_point",
        return_transformed=True))
    function = compile_pymc([], expressions, mode=Mode(linker="py", optimizer="fast_compile"))
    return {v.name: np.asarray(value) for v, value in zip(model.value_vars, function(),
                                                         strict=True)}


#: Kept draws per call of the sampling program: a chain runs block after block, so an
#: interruption (Ctrl-C) or a progress report waits for at most one block.
BLOCK = 250


def _programs(density: Density, tune: int, target_accept: float
              ) -> tuple[dict[str, Any], bool]:
    """The deserialised programs of a chain for ``tune`` and ``target_accept`` (made, and
    cached in the model's entry, when missing), and whether they were cached:

    - ``warmup(key, start)``: BlackJAX's window adaptation, ``tune`` NUTS steps from ``start``
      (the flat unconstrained vector): the state (position, log density, its gradient), the
      step size and the diagonal inverse mass matrix;
    - ``block(key, position, logdensity, gradient, step_size, inverse_mass)``: :data:`BLOCK`
      NUTS steps with those settings: the values of the free variables at each step, the
      sampling statistics, and the last state.
    """
    jax = _jax()
    key = {**density.key, "tune": tune, "target_accept": target_accept, "block": BLOCK}
    name = "run-" + _digest(key)[:16]
    found = _read_entry(density.directory, name + ".json", key)
    parts = {part: f"{name}-{part}.bin" for part in ("warmup", "block")}
    if found is None or not set(parts.values()) <= set(found[1]):  # missing, or refused
        return _programs_made(density, key, name, tune, target_accept), False
    return {part: jax.export.deserialize(bytearray(found[1][file]))
            for part, file in parts.items()}, True


def _programs_made(density: Density, key: dict[str, Any], name: str, tune: int,
                   target_accept: float) -> dict[str, Any]:
    """Export the programs of a chain, cache them under ``name``, and deserialise them."""
    jax = _jax()
    blobs = _export_programs(density, tune, target_accept)
    _write_entry(density.directory, {"manifest": name + ".json", "key": key},
                 {f"{name}-{part}.bin": data for part, data in blobs.items()})
    return {part: jax.export.deserialize(bytearray(data)) for part, data in blobs.items()}


def _export_programs(density: Density, tune: int, target_accept: float) -> dict[str, bytes]:
    """The serialised ``warmup`` and ``block`` programs (see :func:`_programs`)."""
    import blackjax

    jax = _jax()
    logp = jax.export.deserialize(bytearray(density.blobs["logp.bin"]))
    vals = jax.export.deserialize(bytearray(density.blobs["values.bin"]))
    n = density.initial.size

    def warmup(key: Any, start: Any) -> Any:
        if tune == 0:  # no adaptation: BlackJAX's initial step size and an identity metric
            state = blackjax.nuts.init(start, logp.call)
            return (state.position, state.logdensity, state.logdensity_grad,
                    jax.numpy.asarray(1.0), jax.numpy.ones(n))
        adaptation = blackjax.window_adaptation(
            blackjax.nuts, logp.call, target_acceptance_rate=target_accept,
            adaptation_info_fn=lambda *_: None)
        (state, parameters), _ = adaptation.run(key, start, num_steps=tune)
        return (state.position, state.logdensity, state.logdensity_grad,
                parameters["step_size"], parameters["inverse_mass_matrix"])

    def block(key: Any, position: Any, logdensity: Any, gradient: Any, step_size: Any,
              inverse_mass: Any) -> Any:
        kernel = blackjax.nuts(logp.call, step_size=step_size, inverse_mass_matrix=inverse_mass)
        state = blackjax.mcmc.hmc.HMCState(position, logdensity, gradient)

        def step(state: Any, k: Any) -> Any:
            state, info = kernel.step(k, state)
            return state, (state.position, info.is_divergent, info.acceptance_rate,
                           info.num_integration_steps, info.energy, state.logdensity)

        last, (positions, *stats) = jax.lax.scan(step, state, jax.random.split(key, BLOCK))
        return (jax.lax.map(vals.call, positions), *stats, last.position, last.logdensity,
                last.logdensity_grad)

    f64 = np.float64
    vector, scalar = jax.ShapeDtypeStruct((n,), f64), jax.ShapeDtypeStruct((), f64)
    rng = jax.ShapeDtypeStruct((2,), np.uint32)
    return {"warmup": bytes(jax.export.export(jax.jit(warmup))(rng, vector).serialize()),
            "block": bytes(jax.export.export(jax.jit(block))(
                rng, vector, scalar, vector, scalar, vector).serialize())}


STATS = ("diverging", "acceptance_rate", "n_steps", "energy", "lp")


def sample(density: Density, *, draws: int, tune: int, chains: int, seed: int | None,
           target_accept: float, progress: Callable[[int], None] | None = None
           ) -> tuple[dict[str, np.ndarray], Group, dict[str, Any]]:
    """BlackJAX's NUTS, the chains one after the other: the draws ``(chain, draw, ...)`` of
    each free variable, the sampling statistics as a group (``diverging``,
    ``acceptance_rate``, ``n_steps``, ``energy``, ``lp``, ``step_size``), and whether the
    programs were cached (``{"program": bool}``). ``progress(iterations)`` is called after the
    warm-up and each block of a chain with the iterations done so far, tuning included."""
    _jax()  # double precision and the compilation cache, before any program runs
    programs, cached = _programs(density, tune, float(target_accept))
    rng = np.random.default_rng(seed)
    starts = density.initial + rng.uniform(-1.0, 1.0, size=(chains, density.initial.size))
    blocks = -(-draws // BLOCK)
    # raw threefry keys (any pair of 32-bit words is one), drawn with numpy: deriving them
    # with jax.random compiled a small program per operation
    all_keys = rng.integers(0, 2**32, size=(chains, blocks + 1, 2), dtype=np.uint32)
    values: list[list[np.ndarray]] = [[] for _ in density.names]
    stats: list[list[np.ndarray]] = [[] for _ in STATS]
    step_sizes = []
    for c in range(chains):
        keys = all_keys[c]
        *state, step_size, inverse_mass = programs["warmup"].call(keys[0], starts[c])
        step_sizes.append(float(step_size))
        if progress is not None:
            progress(c * (tune + draws) + tune)
        chain_values: list[list[np.ndarray]] = [[] for _ in density.names]
        chain_stats: list[list[np.ndarray]] = [[] for _ in STATS]
        for b in range(blocks):
            out = programs["block"].call(keys[b + 1], *state, step_size, inverse_mass)
            for store, array in zip(chain_values, out[0], strict=True):
                store.append(np.asarray(array, dtype=float))
            for store, array in zip(chain_stats, out[1:1 + len(STATS)], strict=True):
                store.append(np.asarray(array))
            state = out[1 + len(STATS):]
            if progress is not None:
                progress(c * (tune + draws) + tune + min((b + 1) * BLOCK, draws))
        for store, parts in zip(values, chain_values, strict=True):
            store.append(np.concatenate(parts)[:draws])
        for store, parts in zip(stats, chain_stats, strict=True):
            store.append(np.concatenate(parts)[:draws])
    out = {name: np.stack(v).reshape((chains, draws, *shape))
           for name, v, shape in zip(density.names, values, density.shapes, strict=True)}
    group = Group(coords={"chain": np.arange(chains), "draw": np.arange(draws)},
                  attrs={"sampler": NAME})
    dims = ("chain", "draw")
    for label, parts in zip(STATS, stats, strict=True):
        group.variables[label] = Variable(dims, np.stack(parts))
    group.variables["step_size"] = Variable(
        dims, np.repeat(np.asarray(step_sizes)[:, None], draws, axis=1))
    return out, group, {"program": cached}
