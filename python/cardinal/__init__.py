"""cardinal from Python: the sparse solvers of the `cardinal` program on NumPy and SciPy data.

The numbers come from the same C++ as the command line (the extension ``cardinal._cardinal``):
``cardinal.solve`` is ``cardinal solve`` on arrays in memory, keyword for flag. See
docs/python.md. ``cardinal.network`` (imported on its own, after ``torch``) prunes torch.nn.Module
objects with the network pruners of the command line.
"""

from ._cardinal import InvalidInput, solvers
from ._runs import load_run_table, run_directory, run_results, runs
from ._solve import Solution, restricted_constants, solve

__all__ = [
    "InvalidInput",
    "Solution",
    "SparseLinearRegression",
    "SparseLogisticRegression",
    "load_run_table",
    "restricted_constants",
    "run_directory",
    "run_results",
    "runs",
    "solve",
    "solvers",
]


def __getattr__(name):
    # The estimators need scikit-learn, whose import takes longer than cardinal's own: loaded on
    # first use.
    if name in ("SparseLinearRegression", "SparseLogisticRegression"):
        from . import estimators

        return getattr(estimators, name)
    if name == "network":  # imports torch: only when asked for
        import importlib

        return importlib.import_module(".network", __name__)
    raise AttributeError(f"module 'cardinal' has no attribute {name!r}")
