#!/usr/bin/env python3
"""The l1-logistic path on LIBSVM data sets (a9a, w8a): `cardinal solve --solver lasso` against
glmnet on the same lambdas, with an unpenalized intercept.

  bench/peers/l1_logistic_libsvm.py [--cardinal build/bin/cardinal] [--rounds 3] DATA...

For each file: cardinal runs its default path (--path-length 100 --min-ratio 1e-3, stopped at
the first point with more than --sparsity nonzeros) and returns the last point within the
budget; glmnet (bench/peers/glmnet_libsvm_logistic.R) fits the same lambda sequence up to that
point. Both are compared at that lambda: support, F = mean logistic loss + lambda ||w||_1 and the
l1 optimality (KKT) violation, all computed here from the returned coefficients, and time.
Rounds alternate the two so that both see the same load. cardinal's time is the solver's
`seconds` of solution.json; glmnet's the glmnet() call (median of 3 inside each round); neither
includes reading the file.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

import numpy as np
from sklearn.datasets import load_svmlight_file

HERE = os.path.dirname(os.path.abspath(__file__))


def lambda_path(x, y, length, min_ratio):
    """cardinal's sequence: lambda_max (at the intercept-only fit) down to min_ratio lambda_max."""
    y01 = (y > 0).astype(float)
    residual = y01.mean() - y01  # d loss / dz at the intercept-only fit
    lam_max = np.abs(x.T @ residual).max() / x.shape[0]
    return lam_max * min_ratio ** (np.arange(length) / (length - 1))


def report(x, y, w, b, lam):
    """F = f + lambda ||w||_1 and the largest KKT violation (intercept included)."""
    n = x.shape[0]
    m = -y * (x @ w + b)
    loss = np.mean(np.logaddexp(0.0, m))
    s = -y / (1.0 + np.exp(-m)) / n
    g = np.asarray(x.T @ s).ravel()
    v = np.where(w > 0, np.abs(g + lam), np.where(w < 0, np.abs(g - lam), np.maximum(0.0, np.abs(g) - lam)))
    return float(loss + lam * np.abs(w).sum()), float(max(v.max(), abs(s.sum())))


def run_cardinal(binary, data, sparsity, out):
    subprocess.run([binary, "solve", "--problem", "logistic", "--data", data, "--solver", "lasso",
                    "--sparsity", str(sparsity), "--intercept", "--quiet", "--overwrite",
                    "--output", out], check=True)
    with open(os.path.join(out, "solution.json")) as f:
        return json.load(f)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", nargs="+")
    parser.add_argument("--cardinal", default="build/bin/cardinal")
    parser.add_argument("--sparsity", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--thresh", type=float, default=1e-7, help="glmnet's convergence threshold")
    args = parser.parse_args()

    header = ("| data (n x p) | lambda | points | cardinal | glmnet | ratio | support | F, cardinal | F, glmnet "
              "| KKT, cardinal | KKT, glmnet |")
    print(header)
    print("|" + "---|" * header.count(" | ") + "---|")
    with tempfile.TemporaryDirectory() as scratch:
        for data in args.data:
            x, y = load_svmlight_file(data, zero_based=False)
            lambdas = lambda_path(x.tocsc(), y, 100, 1e-3)
            out = os.path.join(scratch, "cardinal")
            lambda_file = os.path.join(scratch, "lambdas.txt")
            cardinal_seconds, glmnet_seconds = [], []
            for _ in range(args.rounds):
                solution = run_cardinal(args.cardinal, data, args.sparsity, out)
                cardinal_seconds.append(solution["seconds"])
                p = solution["features"]
                if x.shape[1] < p:
                    x = x.tocsr()
                    x.resize((x.shape[0], p))
                xc = x.tocsc()
                w_c = np.zeros(p)
                for c in solution["coefficients"]:
                    w_c[c["index"]] = c["value"]
                b_c = solution.get("intercept", 0.0)
                # The returned point is the lambda at which cardinal's solution is optimal; a
                # neighbour of the geometric sequence is 7% away, far above any KKT residual.
                kkt = [report(xc, y, w_c, b_c, lam)[1] for lam in lambdas]
                point = int(np.argmin(kkt))
                # glmnet solves the points cardinal solved: up to the first one over the budget.
                np.savetxt(lambda_file, lambdas[: min(point + 2, len(lambdas))])
                peer = subprocess.run(["Rscript", os.path.join(HERE, "glmnet_libsvm_logistic.R"), data, str(p),
                                       lambda_file, "3", repr(args.thresh)],
                                      check=True, capture_output=True, text=True)
                glmnet = json.loads(peer.stdout)
                glmnet_seconds.append(statistics.median(glmnet["seconds"]))
            w_g = np.zeros(p)
            # glmnet at the returned point: the path ending there.
            np.savetxt(lambda_file, lambdas[: point + 1])
            at_point = json.loads(subprocess.run(
                ["Rscript", os.path.join(HERE, "glmnet_libsvm_logistic.R"), data, str(p), lambda_file, "1",
                 repr(args.thresh)], check=True, capture_output=True, text=True).stdout)
            for j, v in zip(at_point["support"], at_point["values"]):
                w_g[j - 1] = v
            lam = lambdas[point]
            F_c, kkt_c = report(xc, y, w_c, b_c, lam)
            F_g, kkt_g = report(xc, y, w_g, at_point["intercept"], lam)
            same = "same" if set(np.flatnonzero(w_c)) == set(np.flatnonzero(w_g)) else "differs"
            tc, tg = statistics.median(cardinal_seconds), statistics.median(glmnet_seconds)
            print(f"| {os.path.basename(data)} ({x.shape[0]} x {p}) | {lam:.6g} | {point + 2} | {tc:.3f} s "
                  f"| {tg:.3f} s | {tg / tc:.2f}x | {same}, {np.count_nonzero(w_c)} nonzeros | {F_c:.10f} "
                  f"| {F_g:.10f} | {kkt_c:.1e} | {kkt_g:.1e} |", flush=True)
            print(f"  cardinal seconds {cardinal_seconds}, glmnet {glmnet_seconds} "
                  f"(glmnet {at_point['glmnet_version']}, thresh {args.thresh})", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
