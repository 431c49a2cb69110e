"""Loads a data set written by `cardinal-bench generate` (see bench/src/dataset_files.hpp)."""

import json

import numpy as np


def load(prefix):
    """Returns (X, y, meta): X is an n x p Fortran-ordered float64 array (dense) or a
    scipy.sparse CSC matrix (sparse), read straight from the raw arrays."""
    with open(prefix + ".json") as f:
        meta = json.load(f)
    n, p = meta["rows"], meta["cols"]
    y = np.fromfile(prefix + ".y.f64", dtype=np.float64)
    if meta["storage"] == "dense":
        x = np.fromfile(prefix + ".x.f64", dtype=np.float64).reshape((p, n)).T
    else:
        import scipy.sparse

        indptr = np.fromfile(prefix + ".indptr.i64", dtype=np.int64).astype(np.int32)
        indices = np.fromfile(prefix + ".indices.i64", dtype=np.int64).astype(np.int32)
        values = np.fromfile(prefix + ".values.f64", dtype=np.float64)
        x = scipy.sparse.csc_matrix((values, indices, indptr), shape=(n, p))
    return x, y, meta


def blas_info():
    """The BLAS numpy calls, as threadpoolctl reports it."""
    try:
        import threadpoolctl

        for lib in threadpoolctl.threadpool_info():
            if lib.get("user_api") == "blas":
                return "%s %s (%s)" % (lib.get("internal_api"), lib.get("version"), lib.get("filepath"))
    except ImportError:
        pass
    # threadpoolctl does not recognize every BLAS (ATLAS, reference BLAS): name the library
    # that is mapped instead.
    try:
        with open("/proc/self/maps") as f:
            paths = sorted({line.split()[-1] for line in f if "blas" in line.split()[-1]})
        if paths:
            return ", ".join(paths)
    except OSError:
        pass
    return "unknown"


def thread_limit(threads):
    """A context that limits BLAS and OpenMP thread pools to `threads` (no-op without
    threadpoolctl)."""
    try:
        import threadpoolctl

        return threadpoolctl.threadpool_limits(limits=threads)
    except ImportError:
        import contextlib

        return contextlib.nullcontext()
