"""The exact fit without ArviZ: numpy R-hat and bulk ESS against ArviZ's, the posterior file
written with netCDF4 against the one ArviZ writes, and the modules the exact path imports."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

import influence
from influence.bayes import diagnostics as mcmc_diagnostics
from influence.bayes import fitting
from influence.bayes import posterior as posterior_file
from influence.bayes.posterior import Posterior
from influence.errors import ConvergenceWarning

ROOT = Path(__file__).resolve().parents[1]


# -- R-hat and bulk ESS -------------------------------------------------------------------------


def _ar1(rng: np.random.Generator, chains: int, draws: int, phi: float) -> np.ndarray:
    x = np.zeros((chains, draws))
    noise = rng.normal(size=(chains, draws))
    for t in range(1, draws):
        x[:, t] = phi * x[:, t - 1] + noise[:, t]
    return x


def _arrays() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(20261125)
    return {
        "iid normal": rng.normal(size=(4, 1000)),
        "iid normal, odd length": rng.normal(size=(3, 251)),
        "ar1 0.9": _ar1(rng, 4, 1000, 0.9),
        "ar1 0.99": _ar1(rng, 2, 500, 0.99),
        "ar1 -0.5": _ar1(rng, 4, 300, -0.5),
        "chains apart": np.vstack([rng.normal(0, 1, (2, 400)), rng.normal(2, 1, (2, 400))]),
        "chains of other scale": np.vstack([rng.normal(0, 1, (2, 400)),
                                            rng.normal(0, 4, (2, 400))]),
        "beta draws": rng.beta(16, 2, size=(4, 1000)),
        "ties": rng.integers(0, 4, size=(4, 101)).astype(float),
        "short chains": rng.normal(size=(2, 7)),
        "one chain": rng.normal(size=(1, 40)),
    }


@pytest.mark.parametrize("name", list(_arrays()))
def test_rhat_and_bulk_ess_agree_with_arviz(name):
    import arviz as az

    draws = _arrays()[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected_rhat = float(az.rhat(draws))
        expected_ess = float(az.ess(draws, method="bulk"))
    got_rhat = mcmc_diagnostics.rhat(draws)
    got_ess = mcmc_diagnostics.ess_bulk(draws)
    if np.isnan(expected_rhat):
        assert np.isnan(got_rhat)
    else:
        assert got_rhat == pytest.approx(expected_rhat, rel=1e-6)
    assert got_ess == pytest.approx(expected_ess, rel=1e-6)
    assert name != "chains apart" or got_rhat > 1.1  # the comparison is not of trivial values


@pytest.mark.parametrize("draws", [np.full((2, 50), 4.0), np.full((3, 3), 1.0),
                                   np.array([[0.0, 1.0, np.nan, 2.0, 3.0]] * 2)])
def test_undefined_diagnostics_are_nan_as_in_arviz(draws):
    import arviz as az

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = (float(az.rhat(draws)), float(az.ess(draws, method="bulk")))
    got = (mcmc_diagnostics.rhat(draws), mcmc_diagnostics.ess_bulk(draws))
    for g, e in zip(got, expected, strict=True):
        assert (np.isnan(g) and np.isnan(e)) or g == pytest.approx(e, rel=1e-6)


def test_normal_quantiles_and_average_ranks():
    from scipy.special import ndtri
    from scipy.stats import rankdata

    p = np.linspace(1e-9, 1 - 1e-9, 1001)
    np.testing.assert_allclose(mcmc_diagnostics.normal_ppf(p), ndtri(p), rtol=1e-12, atol=1e-12)
    values = np.random.default_rng(3).integers(0, 5, size=(3, 17)).astype(float)
    np.testing.assert_array_equal(mcmc_diagnostics.rank_average(values),
                                  rankdata(values, method="average").reshape(values.shape))


# -- the file written without ArviZ ------------------------------------------------------------


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> tuple[Path, Path]:
    """The article model with plain rows (priors of their own) and its evidence."""
    from cartel_rows import write_rows_model

    return write_rows_model(tmp_path_factory.mktemp("cartel"))


@pytest.fixture(scope="module")
def cartel(files):
    return influence.load(files[0])


def _fit(diagram) -> Posterior:
    evidence = Path(diagram.file).parent / "evidence.yaml"
    with warnings.catch_warnings():  # 3 x 60 draws: too few effective draws, as it warns
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fitting.fit(diagram, evidence, method="exact", draws=60, chains=3, seed=5)


def _write_the_old_way(post: Posterior, path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        post.idata.to_netcdf(str(path), engine="netcdf4")


def _raw(path: Path) -> dict:
    """Everything netCDF4 sees in a file: groups, dimensions, variables, types, attributes."""
    import netCDF4

    def attrs(obj):
        out = {}
        for key in obj.ncattrs():
            value = obj.getncattr(key)
            out[key] = (type(value).__name__, np.asarray(value).tolist())
        return out

    out = {}
    with netCDF4.Dataset(path) as nc:
        out["/"] = {"attrs": attrs(nc), "dims": dict(nc.dimensions), "vars": list(nc.variables)}
        for name, group in nc.groups.items():
            variables = {}
            for vname, var in group.variables.items():
                fill = var.getncattr("_FillValue") if "_FillValue" in var.ncattrs() else None
                variables[vname] = {"dims": var.dimensions, "dtype": str(var.dtype),
                                    "attrs": {k: v for k, v in attrs(var).items()
                                              if k != "_FillValue"},
                                    "fill": None if fill is None else str(fill),
                                    "values": np.asarray(var[...]).tolist(),
                                    "filters": var.filters(), "chunking": var.chunking()}
            out[name] = {"attrs": attrs(group),
                         "dims": [(d, len(v)) for d, v in group.dimensions.items()],
                         "vars": variables, "order": list(variables), "groups": list(group.groups)}
    return out


def _without_storage(raw: dict) -> dict:
    """The same, storage options (compression, chunking) left out."""
    return {g: {**doc, "vars": {n: {k: v for k, v in var.items()
                                     if k not in ("filters", "chunking")}
                                for n, var in doc.get("vars", {}).items()}}
            if g != "/" else doc for g, doc in raw.items()}


@pytest.mark.slow
def test_the_direct_file_is_the_file_arviz_writes(cartel, tmp_path):
    from influence.bayes.netcdf import write_groups

    direct = _fit(cartel)
    assert direct._idata is None  # nothing built the InferenceData yet
    new = tmp_path / "direct.nc"
    direct.write(new)
    assert direct._idata is None  # the write did not either
    compressed = tmp_path / "compressed.nc"
    write_groups(compressed, direct.groups, compress=True)
    old = tmp_path / "arviz.nc"
    _write_the_old_way(direct, old)  # builds the InferenceData, which ArviZ writes

    raw_old, raw_new = _raw(old), _raw(new)
    assert set(raw_old) == {"/", "posterior", "prior", "observed_data"}
    assert raw_old == _raw(compressed)  # with compression: the same, storage included
    assert _without_storage(raw_old) == _without_storage(raw_new)
    assert raw_new["posterior"]["vars"]["chain"]["filters"]["zlib"] is False
    tables = {s["variable"] for s in direct.slots}  # one variable per table with a prior
    coords = [d for d, _ in raw_old["posterior"]["dims"]]
    assert set(raw_old["posterior"]["vars"]) == tables | set(coords)
    assert len(tables) < len(direct.slots)  # fewer variables than rows with priors


@pytest.mark.slow
def test_arviz_and_posterior_read_it_as_the_old_file(cartel, tmp_path):
    import arviz as az

    direct = _fit(cartel)
    new = tmp_path / "direct.nc"
    direct.write(new)
    old = tmp_path / "arviz.nc"
    _write_the_old_way(direct, old)
    a, b = az.from_netcdf(str(old)), az.from_netcdf(str(new))
    assert a.groups() == b.groups() == ["posterior", "prior", "observed_data"]
    for group in a.groups():
        x, y = a[group], b[group]
        assert x.attrs == y.attrs
        assert list(x.data_vars) == list(y.data_vars)
        assert dict(x.sizes) == dict(y.sizes)
        assert list(x.coords) == list(y.coords)
        for name in x.coords:
            np.testing.assert_array_equal(x[name].values, y[name].values)
        for name in x.data_vars:
            assert x[name].dims == y[name].dims
            assert x[name].dtype == y[name].dtype
            assert x[name].attrs == y[name].attrs
            np.testing.assert_array_equal(x[name].values, y[name].values)
    p, q = Posterior.read(old), Posterior.read(new)
    assert p.diagnostics == q.diagnostics == direct.diagnostics
    assert p.summary() == q.summary() == direct.summary()
    assert (p.model_name, p.fingerprint, p.method, p.evidence_sha256) == \
        (q.model_name, q.fingerprint, q.method, q.evidence_sha256)
    assert p.conjugate_priors() == q.conjugate_priors()
    read_old, read_new = p.parameters(cartel), q.parameters(cartel)
    held = direct.parameters(cartel)
    assert set(read_old) == set(read_new) == set(held)
    for node, values in read_old.items():
        np.testing.assert_array_equal(read_new[node], values)
        np.testing.assert_array_equal(held[node], values)


def test_the_lazy_inference_data_is_the_one_built_before(cartel):
    post = _fit(cartel)
    idata = post.idata
    assert post.idata is idata  # built once
    assert idata.groups() == ["posterior", "prior", "observed_data"]
    attrs = idata.posterior.attrs
    assert attrs["influence_method"] == "exact"
    assert json.loads(attrs["influence_diagnostics"]) == post.diagnostics
    for slot in json.loads(attrs["influence_slots"]):
        np.testing.assert_array_equal(idata.posterior[slot["variable"]].values,
                                      post.groups["posterior"].variables[slot["variable"]].values)
    assert idata.posterior["chain"].values.tolist() == [0, 1, 2]


def test_a_failed_direct_write_leaves_the_old_file(cartel, tmp_path, monkeypatch):
    from influence.errors import OutputError

    path = tmp_path / "post.nc"
    path.write_text("the old posterior")

    def broken(filename, groups, **kwargs):
        Path(filename).write_text("half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(posterior_file, "write_groups", broken)
    with pytest.raises(OutputError, match="No space left"):
        _fit(cartel).write(path)
    assert path.read_text() == "the old posterior"
    assert [p.name for p in tmp_path.iterdir()] == ["post.nc"]


# -- what the exact path imports ----------------------------------------------------------------

HEAVY = ("arviz", "xarray", "scipy", "pymc", "pytensor", "matplotlib")


def test_the_exact_fit_write_and_summary_import_no_heavy_module(files, tmp_path):
    model, evidence = files
    script = textwrap.dedent(f"""
        import json, sys
        import influence
        d = influence.load({str(model)!r})
        post = influence.fit(d, {str(evidence)!r}, method="exact", seed=1)
        post.write({str(tmp_path / "post.nc")!r})
        post.summary()
        post.parameters(d)
        print(json.dumps(sorted(m for m in sys.modules
                                if m.split(".")[0] in {list(HEAVY)!r})))
        """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert json.loads(done.stdout) == []
    assert Posterior.read(tmp_path / "post.nc").method == "exact"  # the file it wrote is whole


def test_the_fit_command_imports_no_heavy_module(files, tmp_path):
    model, evidence = files
    script = textwrap.dedent(f"""
        import json, sys
        from click.testing import CliRunner
        from influence.cli.main import cli
        result = CliRunner().invoke(cli, ["fit", {str(model)!r}, "-e", {str(evidence)!r},
                                          "--method", "exact", "-o",
                                          {str(tmp_path / "cli.nc")!r}])
        assert result.exit_code == 0, result.output
        print(json.dumps(sorted(m for m in sys.modules
                                if m.split(".")[0] in {list(HEAVY)!r})))
        """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


@pytest.mark.slow
def test_evaluating_and_plotting_a_posterior_import_no_heavy_module(files, cartel, tmp_path):
    """Reading a posterior file, checking it and evaluating under it, and the plot command,
    need neither ArviZ, xarray, SciPy nor PyMC."""
    path = tmp_path / "post.nc"
    _fit(cartel).write(path)
    model = str(files[0])
    script = textwrap.dedent(f"""
        import json, sys
        from click.testing import CliRunner
        from influence.cli.main import cli
        for args in (["evaluate", {model!r}, "--posterior", {str(path)!r}],
                     ["plot", {model!r}, "--posterior", {str(path)!r}, "-o",
                      {str(tmp_path / "eu.png")!r}]):
            result = CliRunner().invoke(cli, args)
            assert result.exit_code == 0, result.output
        print(json.dumps(sorted(m for m in sys.modules
                                if m.split(".")[0] in {list(HEAVY[:5])!r})))
        """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
    assert (tmp_path / "eu.png").read_bytes()[:4] == b"\x89PNG"
