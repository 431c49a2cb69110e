import os
import pathlib
import subprocess

import numpy as np
import pytest

# ctest sets CARDINAL_BIN to the build's bin/ and PYTHONPATH to its python/.
BIN = pathlib.Path(os.environ.get("CARDINAL_BIN", pathlib.Path(__file__).parents[2] / "build/bin"))


def run_cardinal(*args, check=True):
    """Runs build/bin/cardinal with `args`; returns the completed process."""
    program = BIN / "cardinal"
    if not program.exists():
        pytest.skip(f"{program} is not built")
    result = subprocess.run(
        [str(program), *map(str, args)], capture_output=True, text=True, timeout=300
    )
    if check and result.returncode != 0:
        raise AssertionError(f"cardinal {' '.join(map(str, args))} failed:\n{result.stderr}")
    return result


def write_csv(path, X, y):
    """X and y as the CSV `cardinal solve --data` reads, every double written exactly."""
    with open(path, "w") as f:
        for row, label in zip(X, y):
            f.write(",".join(repr(float(v)) for v in [*row, label]) + "\n")


def write_libsvm(path, X, y):
    """The nonzeros of X (a dense array) and y as a LIBSVM file, written exactly."""
    with open(path, "w") as f:
        for row, label in zip(X, y):
            cells = [f"{j + 1}:{float(v)!r}" for j, v in enumerate(row) if v != 0.0]
            f.write(" ".join([repr(float(label)), *cells]) + "\n")


def planted_problem(n=80, p=40, k=5, logistic=False, seed=3, noise=0.01):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    w = np.zeros(p)
    w[rng.choice(p, k, replace=False)] = rng.choice([-1.0, 1.0], k) * (1.0 + rng.random(k))
    z = X @ w + 0.5
    if logistic:
        y = (rng.random(n) < 1.0 / (1.0 + np.exp(-z))).astype(np.float64)
    else:
        y = z + noise * rng.standard_normal(n)
    return X, y, w


@pytest.fixture
def problem():
    return planted_problem()
