"""Numerical tolerances and resource limits, defined once for the whole library.

Every check that compares numbers "up to rounding" or refuses work "too large to do here" takes
its bound from this module, so that the loader, the solver, the Bayesian layer and the renderers
agree.
"""

from __future__ import annotations

import os

__all__ = [
    "SUM_TOLERANCE",
    "SUM_ROUNDING",
    "ROUNDING_TOLERANCE",
    "TIE_TOLERANCE",
    "POSSIBLE",
    "RHAT_LIMIT",
    "ESS_LIMIT",
    "MEMORY_BUDGET",
    "UTILITY_BOUND",
    "PRIOR_SPREAD",
    "CONCENTRATION_BOUND",
    "MAX_COUNT",
    "YAML_NESTING",
    "YAML_EXPANSION",
    "MEMORY_FRACTION",
    "EVSI_OUTCOMES",
    "EVSI_REWEIGHTED_WORK",
    "KEEP_DRAWS_BUDGET",
    "LOCAL_THREADS",
    "SCHEDULER_TIMEOUT",
    "PIECES",
    "QUANTILE_SAMPLE",
    "MIXTURE_COMPONENTS",
    "INTERVAL",
    "INTERVAL_NAME",
    "default_memory_limit",
    "format_bytes",
    "NAME_MAX",
    "PATH_MAX",
]

#: Probability rows summing to within this of 1 are accepted (and divided by their sum); others
#: are an error.
SUM_TOLERANCE = 1e-6

#: Probability rows summing to within this of 1 already sum to 1 up to floating-point rounding:
#: they are kept as written (dividing again would only move the last digits).
SUM_ROUNDING = 1e-12

#: Files of other tools: probability rows summing to within this of 1 (numbers rounded when the
#: file was written, such as 0.333333 three times) are divided by their sum with a warning, or
#: refused with ``strict``; beyond it a row is an error.
ROUNDING_TOLERANCE = 1e-3

#: Options whose expected utilities differ by less than this, relative to the scale of the
#: utilities compared, are tied; ties go to the first state in file order.
TIE_TOLERANCE = 1e-9

#: An information state whose probability is at most this is treated as impossible.
POSSIBLE = 1e-15

#: Sampling warnings: an R-hat above this means the chains have not mixed.
RHAT_LIMIT = 1.01

#: Sampling warnings: a bulk effective sample size below this is too few independent draws.
ESS_LIMIT = 400

#: The largest total utility (the sum over utility nodes of |value x weight|) a model may
#: reach: sums of expected values stay far from double precision's overflow (1.8e308).
UTILITY_BOUND = 1e300

#: A utility value's normal prior counts, against :data:`UTILITY_BOUND`, as reaching its mean
#: plus or minus this many standard deviations (a draw beyond has probability below 1e-23; the
#: bound leaves a margin of eight orders of magnitude before overflow).
PRIOR_SPREAD = 10.0

#: The largest total concentration of a Dirichlet or Beta prior (the sum of its parameters):
#: sums of concentrations and counts stay finite.
CONCENTRATION_BOUND = 1e300

#: YAML and JSON documents nested deeper than this are refused (a model file nests about 8
#: levels; libyaml's recursive composer would overflow the C stack near 40,000).
YAML_NESTING = 100

#: YAML aliases (``*name``, merges ``<<: *name``) may repeat entries, but the document they
#: make may hold at most this many times the entries written, plus 10,000 ("billion laughs").
YAML_EXPANSION = 10

#: The largest count of cases in an evidence file's ``counts`` row (2**53, in total over the
#: row): counts stay exact as floats and fit the 64-bit integers of a posterior file.
MAX_COUNT = 2**53

#: Bytes of working memory one chunk of parameter draws may take.
MEMORY_BUDGET = 128 * 2**20

#: Threads of one process an evaluation over draws runs on at most, without Dask (fewer when
#: the machine has fewer processors, or the chunks in flight would not fit the memory limit;
#: the environment variable ``INFLUENCE_THREADS`` sets it). The contractions of a chunk of
#: draws release the interpreter lock, so chunks run side by side.
LOCAL_THREADS = 4

#: Bytes of per-draw values (every option's expected utility in every draw) an evaluation under
#: parameter uncertainty keeps without being asked; beyond, it keeps a systematic subsample of
#: :data:`QUANTILE_SAMPLE` draws for the quantiles (see :mod:`influence.solve.summaries`).
KEEP_DRAWS_BUDGET = 64 * 2**20

#: Draws kept for the quantiles when not every draw is kept.
QUANTILE_SAMPLE = 65536

#: Seconds to wait for a Dask scheduler to answer (``scheduler``).
SCHEDULER_TIMEOUT = 10

#: Pieces a batch of independent work (the ends of a one-way sweep, the lines of a break-even
#: search or of a two-way grid, the outcomes of a study) is split into at least, wherever it
#: runs: enough for several workers to share, and the same pieces in one process as on a
#: cluster, so the results are the same (:func:`influence.parallel.pieces`).
PIECES = 8

#: The share of the machine's physical memory a computation may plan to use by default.
MEMORY_FRACTION = 0.5

_FALLBACK_MEMORY = 4 * 2**30

#: The longest file name (one component of a path) and the longest path, in bytes, that the
#: operating system accepts (most file systems: 255 bytes a name; Linux: 4096 bytes a path with
#: its final NUL). Longer paths are refused with these numbers before any file is opened.
NAME_MAX = 255
PATH_MAX = 4095

#: A study's value is computed over every possible outcome when there are at most this many;
#: by Monte Carlo (with a standard error) beyond.
EVSI_OUTCOMES = 100_000

#: A study valued by reweighting draws weighs every draw for every outcome: it enumerates the
#: outcomes when their number times the draws is at most this, and samples at most this many
#: divided by the draws (and at most as many as the draws) otherwise.
EVSI_REWEIGHTED_WORK = 50_000_000

#: Case records with unobserved nodes are fitted exactly, as a mixture of conjugate posteriors,
#: when the mixture has at most this many components (ways of completing the cases, counted
#: once per distinct set of counts); by NUTS beyond.
MIXTURE_COMPONENTS = 20_000


#: The interval every output reports for a quantity under uncertainty (tables, JSON, CSV, plots,
#: fit summaries): the central 90% interval, from the 5% to the 95% quantile.
INTERVAL = (0.05, 0.95)
#: How outputs name it.
INTERVAL_NAME = "central 90% interval (5% and 95% quantiles)"


def default_memory_limit() -> int:
    """Bytes of working memory a computation may use unless told otherwise:
    :data:`MEMORY_FRACTION` of the machine's physical memory (4 GiB where it cannot be read)."""
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        total = 0
    if total <= 0:
        return _FALLBACK_MEMORY
    return int(total * MEMORY_FRACTION)


def format_bytes(n: float) -> str:
    """``1.5 GiB``, ``512 MiB``, ``900 bytes``."""
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{int(n)} bytes"
