"""cardinal.solve and cardinal.restricted_constants: arrays in, the command line's numbers out."""

import dataclasses
import numbers

import numpy as np

from . import _cardinal


@dataclasses.dataclass
class Solution:
    """What ``cardinal solve`` writes into solution.json and trace.csv, as Python values.

    ``coef`` holds every coefficient (zeros off the support) in the units of X, also with
    ``normalize=True``; ``trace`` maps each trace.csv column to an array (``pandas.DataFrame(
    solution.trace)`` is the table).
    """

    problem: str
    solver: str
    sparsity: int
    coef: np.ndarray
    intercept: float | None
    support: np.ndarray
    objective: float
    iterations: int
    stop_reason: str
    message: str
    evaluations: dict
    trace: dict


def _flag_text(value):
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value))  # the shortest text that reads back as the same double
    return str(value)


def _flags(options):
    """Keyword arguments as `cardinal solve` flags: max_iterations=50 is --max-iterations=50, a
    True switch (intercept=True) is --intercept, False or None leaves the default."""
    args = []
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            args.append(flag)
        else:
            args.append(f"{flag}={_flag_text(value)}")
    return args


def _design(X):
    """X as the extension takes it: a NumPy matrix, or a CSR matrix as (data, indices, indptr,
    shape). Other SciPy sparse formats are converted to CSR (a copy)."""
    try:
        import scipy.sparse as sp
    except ImportError:  # SciPy is optional for dense data
        sp = None
    if sp is not None and sp.issparse(X):
        if X.format != "csr":
            X = X.tocsr()
        if not X.has_canonical_format:
            X = X.copy()
            X.sum_duplicates()
        return (X.data, X.indices, X.indptr, tuple(int(d) for d in X.shape))
    return X


def solve(X, y, *, sparsity, problem="least-squares", solver="fcfgs", **options):
    """Runs a sparsity-constrained solver on the design X (n × p: a float64 NumPy array, C or
    Fortran order, or a SciPy sparse matrix) and the response y (float64, length n).

    ``sparsity`` is a number of nonzeros (≥ 1) or the fraction of features kept (0 < S < 1);
    ``problem`` is "least-squares" or "logistic" (labels in {0, 1} or {-1, +1}); ``solver`` is any
    name of ``cardinal.solvers()``. Every other option of ``cardinal solve --problem
    least-squares|logistic`` is a keyword with dashes as underscores: ``intercept=True``,
    ``ridge=0.1``, ``normalize=True``, ``max_iterations=50``, ``replacement_steps=2``, ``step=0.5``,
    ``iht_schedule="gradual"``, ... with the same defaults and checks. Bad input raises
    ``cardinal.InvalidInput`` (a ValueError) with the message the command line prints; a wrong
    dtype raises TypeError. The solve releases the GIL and stops with KeyboardInterrupt on
    Ctrl-C.
    """
    args = _flags(dict(problem=problem, solver=solver, sparsity=sparsity, **options))
    return Solution(**_cardinal.solve(_design(X), y, args))


def restricted_constants(
    X, k, *, kind="auto", ridge=0.0, intercept=False, normalize=False, max_subsets=None
):
    """The restricted constants ρ_k, β_k, κ_k and δ_k of the least-squares curvature
    XᵀX/n + ridge·I (X centered with ``intercept=True``), as ``cardinal bounds --constants`` computes
    them: ``kind`` is "exact" (enumeration, refused when C(p, k) > max_subsets), "certified"
    (bounds on the safe side), "estimated" (searched supports, on the optimistic side) or "auto"
    (exact where feasible, certified elsewhere). Returns a dict with "rsc", "rss", "condition" and
    "isometry", each {"value", "kind", "method"}.
    """
    if max_subsets is None:
        max_subsets = _cardinal.max_subsets
    return _cardinal.restricted_constants(
        _design(X), int(k), kind, float(ridge), bool(intercept), bool(normalize), int(max_subsets)
    )
