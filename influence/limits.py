"""Numerical tolerances and resource limits, defined once for the whole library.

Every check that compares numbers "up to rounding" or refuses work "too large to do here" takes
its bound from this module, so that the loader, the solver, the Bayesian layer and the renderers
agree.
"""

from __future__ import annotations

__all__ = [
    "SUM_TOLERANCE",
    "SUM_ROUNDING",
    "TIE_TOLERANCE",
    "POSSIBLE",
    "RHAT_LIMIT",
    "ESS_LIMIT",
    "MAX_STAGE_ENTRIES",
    "MEMORY_BUDGET",
]

#: Probability rows summing to within this of 1 are accepted (and divided by their sum); others
#: are an error.
SUM_TOLERANCE = 1e-6

#: Probability rows summing to within this of 1 already sum to 1 up to floating-point rounding:
#: they are kept as written (dividing again would only move the last digits).
SUM_ROUNDING = 1e-12

#: Options whose expected utilities differ by less than this, relative to the scale of the
#: utilities compared, are tied; ties go to the first state in file order.
TIE_TOLERANCE = 1e-9

#: An information state whose probability is at most this is treated as impossible.
POSSIBLE = 1e-15

#: Sampling warnings: an R-hat above this means the chains have not mixed.
RHAT_LIMIT = 1.01

#: Sampling warnings: a bulk effective sample size below this is too few independent draws.
ESS_LIMIT = 400

#: The largest stage tensor (entries per draw) the solver builds: 2**25 entries.
MAX_STAGE_ENTRIES = 2**25

#: Bytes of working memory one chunk of parameter draws may take.
MEMORY_BUDGET = 128 * 2**20
