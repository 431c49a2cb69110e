#!/usr/bin/env python3
"""scikit-learn's side of the comparisons: times one estimator on a data set written by
`cardinal-bench generate` and prints one JSON document.

Tasks:
  omp           OrthogonalMatchingPursuit(n_nonzero_coefs=k, fit_intercept=False).fit(X, y)
  omp-kernel    sklearn.linear_model.orthogonal_mp(X_copy, y, n_nonzero_coefs=k, copy_X=False)
                on a Fortran copy made before the clock starts (the estimator minus its input
                validation and copies)
  lasso-path    sklearn.linear_model.lasso_path(X, y, alphas=LAMBDAS) (the same objective
                ||y - Xw||^2/(2n) + lambda ||w||_1, no intercept)
  logistic-l1   LogisticRegression(penalty="l1", solver="liblinear", C=1/(n lambda),
                fit_intercept=False) for every lambda (liblinear has no warm start)

What is timed: the call above, on data already in memory. Objectives and optimality
violations are computed afterwards, outside the clock.
"""

import argparse
import json
import time
import warnings

import numpy as np

import bench_data


def l1_report(x, y, coefs, lambdas, logistic):
    """Objective f(w) + lambda ||w||_1 and the l1 optimality violation at every lambda."""
    n = x.shape[0]
    objectives, violations, nonzeros = [], [], []
    for w, lam in zip(coefs, lambdas):
        z = x @ w
        if logistic:
            m = -y * z
            loss = np.mean(np.logaddexp(0.0, m))
            s = -y / (1.0 + np.exp(-m)) / n  # dl/dz = -y sigma(-y z)
        else:
            loss = 0.5 * np.mean((z - y) ** 2)
            s = (z - y) / n
        g = np.asarray(x.T @ s).ravel()
        v = np.where(w > 0, np.abs(g + lam), np.where(w < 0, np.abs(g - lam), np.maximum(0.0, np.abs(g) - lam)))
        objectives.append(float(loss + lam * np.abs(w).sum()))
        violations.append(float(v.max()))
        nonzeros.append(int(np.count_nonzero(w)))
    return objectives, violations, nonzeros


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True)
    parser.add_argument("--task", required=True, choices=["omp", "omp-kernel", "lasso-path", "logistic-l1"])
    parser.add_argument("--sparsity", type=int, default=100)
    parser.add_argument("--lambdas")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmups", type=int, default=1)
    parser.add_argument("--threads", type=int, default=0, help="BLAS threads (0: library default)")
    args = parser.parse_args()

    import sklearn
    from sklearn import linear_model

    warnings.simplefilter("ignore")
    x, y, meta = bench_data.load(args.data)
    lambdas = np.loadtxt(args.lambdas, ndmin=1) if args.lambdas else None
    n = x.shape[0]

    result = None

    def run():
        nonlocal result
        if args.task == "omp":
            model = linear_model.OrthogonalMatchingPursuit(n_nonzero_coefs=args.sparsity, fit_intercept=False)
            result = model.fit(x, y).coef_
        elif args.task == "omp-kernel":
            result = linear_model.orthogonal_mp(work[0], y, n_nonzero_coefs=args.sparsity, copy_X=False)
        elif args.task == "lasso-path":
            _, coefs, _ = linear_model.lasso_path(x, y, alphas=lambdas)
            result = coefs.T  # lasso_path returns the alphas in the order given
        else:
            coefs = []
            for lam in lambdas:
                model = linear_model.LogisticRegression(
                    penalty="l1", solver="liblinear", C=1.0 / (n * lam), fit_intercept=False
                )
                coefs.append(model.fit(x, y).coef_.ravel())
            result = np.array(coefs)

    work = [None]
    seconds = []
    with bench_data.thread_limit(args.threads) if args.threads > 0 else _null():
        for r in range(args.warmups + args.repeats):
            if args.task == "omp-kernel":
                work[0] = np.array(x, order="F", copy=True)  # orthogonal_mp swaps its columns
            start = time.perf_counter()
            run()
            elapsed = time.perf_counter() - start
            if r >= args.warmups:
                seconds.append(elapsed)

    out = {
        "implementation": "scikit-learn",
        "task": args.task,
        "seconds": seconds,
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "blas": bench_data.blas_info(),
        "threads": args.threads,
    }
    if args.task in ("omp", "omp-kernel"):
        out["support"] = sorted(int(j) for j in np.flatnonzero(result))
        out["objective"] = float(0.5 * np.mean((x @ result - y) ** 2))
    else:
        objectives, violations, nonzeros = l1_report(x, y, result, lambdas, args.task == "logistic-l1")
        out.update(objectives=objectives, kkt_violations=violations, path_nonzeros=nonzeros)
    print(json.dumps(out))


def _null():
    import contextlib

    return contextlib.nullcontext()


if __name__ == "__main__":
    main()
