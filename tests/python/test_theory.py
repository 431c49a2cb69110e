"""cardinal.restricted_constants against `cardinal bounds` on the same data."""

import json

import numpy as np
import pytest

import cardinal
from conftest import planted_problem, run_cardinal, write_csv


@pytest.mark.parametrize("choice", ["exact", "certified"])
@pytest.mark.parametrize("solver,intercept", [("iht", False), ("fcfgs", True), ("htp", False)])
def test_constants_equal_cardinal_bounds(tmp_path, choice, solver, intercept):
    X, y, _ = planted_problem(n=40, p=12, k=3)
    write_csv(tmp_path / "data.csv", X, y)
    flags = ["--intercept"] if intercept else []
    run_cardinal(
        "bounds", "--problem=least-squares", "--data", tmp_path / "data.csv", f"--solver={solver}",
        "--sparsity=3", f"--constants={choice}", "--no-plot", "--quiet", "--output",
        tmp_path / "b", *flags, check=False,  # exit status 3 reports a violated bound
    )
    summary = json.loads((tmp_path / "b/summary.json").read_text())
    assert summary["constants"], summary
    for expected in summary["constants"]:
        got = cardinal.restricted_constants(X, expected["k"], kind=choice, intercept=intercept)
        for name in ("rsc", "rss", "condition", "isometry"):
            assert got[name]["value"] == expected[name]["value"], (expected["k"], name)
            assert got[name]["kind"] == expected[name]["kind"]


def test_constants_are_ordered_by_kind():
    X, _, _ = planted_problem(n=30, p=10, k=3)
    exact = cardinal.restricted_constants(X, 3, kind="exact")
    certified = cardinal.restricted_constants(X, 3, kind="certified")
    estimated = cardinal.restricted_constants(X, 3, kind="estimated")
    # A certified bound is on the safe side of the exact value, an estimate on the other.
    assert certified["rsc"]["value"] <= exact["rsc"]["value"] <= estimated["rsc"]["value"]
    assert estimated["rss"]["value"] <= exact["rss"]["value"] <= certified["rss"]["value"]
    # Exact by brute force over the 120 supports.
    import itertools

    H = X.T @ X / X.shape[0]
    eigen = [np.linalg.eigvalsh(H[np.ix_(s, s)]) for s in itertools.combinations(range(10), 3)]
    assert abs(min(e[0] for e in eigen) - exact["rsc"]["value"]) < 1e-12
    assert abs(max(e[-1] for e in eigen) - exact["rss"]["value"]) < 1e-12
    with pytest.raises(cardinal.InvalidInput, match="unknown kind 'best'"):
        cardinal.restricted_constants(X, 3, kind="best")
    with pytest.raises(cardinal.InvalidInput):
        cardinal.restricted_constants(X, 3, kind="exact", max_subsets=10)
