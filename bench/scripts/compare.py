#!/usr/bin/env python3
"""Runs cardinal and the tools researchers use today on identical data, in one invocation on one
machine, and writes the ratios as CSV and Markdown.

    bench/scripts/compare.py [--build DIR] [--out DIR] [--rounds R] [--sections ...] [--smoke]

Sections (all by default):
  machine   streaming read bandwidth (1 thread, all threads) and LibTorch's SGEMM rate
  kernels   the Google Benchmark micro-benchmarks (cardinal-kernels-benchmark and
            cardinal-network-benchmark), medians of 3 repetitions
  omp       OMP and FCFGS vs scikit-learn's OrthogonalMatchingPursuit (Gaussian 2000 x 20000, s = 100),
            with the design stored in double and in float (--precision float32)
  iht       IHT's time per iteration against the bandwidth floor, design in double and in float
  lasso     the l1 path (100 lambdas) vs glmnet and scikit-learn's lasso_path
  logistic  the l1-logistic path vs glmnet (binomial) and LogisticRegression(l1, liblinear)
  sparse    OMP, IHT and the l1 path on rcv1-shaped sparse designs of growing density, vs glmnet
  network   LeNet-300-100 training step (batch 60) vs the same model in Python PyTorch;
            masked vs dense step (cardinal-bench-train, a process without Ceres; see
            bench/src/train_driver.cpp)

Every comparison alternates the programs round by round (cardinal, peer, cardinal, peer, ...)
so that all of them see the same machine load; each program runs a warm-up and then timed
repeats of the solver call alone on data already in memory. Reported times are medians over
all timed repeats; ratios are peer median / cardinal median (above 1: cardinal is faster).

Peers run with the system's BLAS ("default": whatever libblas.so.3 resolves to) and, when
libopenblas0-pthread is installed, also with OpenBLAS ("openblas", selected per process through
LD_LIBRARY_PATH, so the system setting is left alone). The network comparison runs both sides
under the same BLAS. The peers' packages are installed first (bench/scripts/install-peers;
--no-install skips that); a peer that is still missing is skipped. --smoke runs tiny problems
once, installs nothing and writes wherever --out says, to check that everything still runs.

Only the Python standard library is needed here; the peers need their packages.
"""

import argparse
import csv
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PEERS = os.path.join(ROOT, "bench", "peers")
OPENBLAS_DIR = "/usr/lib/x86_64-linux-gnu/openblas-pthread"
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
SECTIONS = ["machine", "kernels", "omp", "iht", "lasso", "logistic", "sparse", "network"]

FULL = {
    "dense": dict(rows=2000, cols=20000, sparsity=100),
    "iht_iterations": 100,
    "path_length": 100,
    "min_ratio": 0.01,
    "logistic": dict(rows=2000, cols=5000, sparsity=20),
    "logistic_path_length": 20,
    "logistic_min_ratio": 0.05,
    "sparse": dict(rows=20242, cols=47236, sparsity=100, densities=[0.0004, 0.0008, 0.0016]),
    "sparse_path_length": 100,
    "sparse_min_ratio": 0.05,
    "batch": 60,
    "steps": 200,
    "step_repeats": 5,
    "repeats": 2,
    "bandwidth_mib": 1024,
}
SMOKE = {
    "dense": dict(rows=60, cols=300, sparsity=5),
    "iht_iterations": 5,
    "path_length": 5,
    "min_ratio": 0.1,
    "logistic": dict(rows=60, cols=100, sparsity=3),
    "logistic_path_length": 3,
    "logistic_min_ratio": 0.3,
    "sparse": dict(rows=200, cols=400, sparsity=5, densities=[0.02, 0.04]),
    "sparse_path_length": 3,
    "sparse_min_ratio": 0.3,
    "batch": 4,
    "steps": 2,
    "step_repeats": 1,
    "repeats": 1,
    "bandwidth_mib": 8,
}


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def log(message):
    print(message, file=sys.stderr, flush=True)


class Runner:
    """Runs the programs of one comparison and keeps everything they report."""

    def __init__(self, args):
        self.args = args
        self.raw = []
        self.section = ""

    def run(self, label, command, env=None):
        full_env = dict(os.environ)
        full_env.update(env or {})
        log("  $ " + " ".join(command) + (" [%s]" % " ".join("%s=%s" % kv for kv in env.items()) if env else ""))
        proc = subprocess.run(command, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            raise RuntimeError("%s failed (exit %d):\n%s" % (label, proc.returncode, proc.stderr[-4000:]))
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        self.raw.append({"section": self.section, "label": label, "command": command, "env": env or {},
                         "output": out})
        return out

    def alternate(self, programs, rounds):
        """programs: list of (label, command, env, key). Runs them in turn `rounds` times and
        returns label -> merged output, with every timed sample under key."""
        merged = {}
        for _ in range(rounds):
            for label, command, env, key in programs:
                out = self.run(label, command, env)
                if label not in merged:
                    merged[label] = dict(out)
                    merged[label][key] = []
                merged[label][key] = merged[label][key] + list(out[key])
        return merged


def have_python_module(module, env=None):
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([PYTHON, "-c", "import " + module], env=full_env, capture_output=True).returncode == 0


def have_glmnet():
    if shutil.which("Rscript") is None:
        return False
    return subprocess.run(["Rscript", "-e", "library(glmnet)"], capture_output=True).returncode == 0


def text_of(command):
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine_description():
    lscpu = text_of(["lscpu"])
    fields = {}
    for line in lscpu.splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            fields[k.strip()] = v.strip()
    memory = ""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    memory = "%.1f GiB" % (int(line.split()[1]) / 1024 / 1024)
    except OSError:
        pass
    def dpkg_version(package):
        return text_of(["dpkg-query", "-W", "-f=${Version}", package]) or "not installed"
    return {
        "cpu": fields.get("Model name", platform.processor()),
        "cpus": fields.get("CPU(s)", ""),
        "threads_per_core": fields.get("Thread(s) per core", ""),
        "l3": fields.get("L3 cache", ""),
        "hypervisor": fields.get("Hypervisor vendor", ""),
        "memory": memory,
        "kernel": platform.release(),
        "os": text_of(["sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"]),
        "compiler": text_of(["c++", "--version"]).splitlines()[0] if text_of(["c++", "--version"]) else "",
        "packages": {p: dpkg_version(p) for p in [
            "libeigen3-dev", "libtorch-dev", "libbenchmark-dev", "python3-sklearn", "python3-numpy",
            "python3-torch", "r-cran-glmnet", "r-base-core", "libatlas3-base", "libopenblas0-pthread",
            "libblas3"]},
        "default_blas": os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3"),
    }


class Comparison:
    def __init__(self, args):
        self.args = args
        self.size = SMOKE if args.smoke else FULL
        self.runner = Runner(args)
        self.rows = []  # result rows
        self.notes = []
        self.bench = os.path.join(args.build, "bin", "cardinal-bench")
        self.train = os.path.join(args.build, "bin", "cardinal-bench-train")
        self.threads_all = os.cpu_count() or 1
        self.thread_counts = [1] if self.threads_all == 1 else [1, self.threads_all]
        self.blas = [("default", {})]
        # The smoke run checks that every program runs: one BLAS is enough there.
        if not args.smoke and os.path.exists(os.path.join(OPENBLAS_DIR, "libblas.so.3")):
            self.blas.append(("openblas", {"LD_LIBRARY_PATH": OPENBLAS_DIR}))
        self.have_sklearn = have_python_module("sklearn")
        self.have_torch = have_python_module("torch")
        self.have_glmnet = have_glmnet()
        self.work = tempfile.mkdtemp(prefix="cardinal-bench-")
        self.bandwidth = {}
        self.sgemm = {}
        self.datasets = {}
        self.section_info = {}

    # -- helpers ------------------------------------------------------------------------------

    def row(self, section, case, implementation, threads, blas, seconds, **extra):
        r = {
            "section": section,
            "case": case,
            "implementation": implementation,
            "threads": threads,
            "blas": blas,
            "median_seconds": median(seconds),
            "samples": len(seconds),
            "min_seconds": min(seconds) if seconds else float("nan"),
            "max_seconds": max(seconds) if seconds else float("nan"),
        }
        r.update(extra)
        r.update(self.section_info)
        self.rows.append(r)
        return r

    def dataset(self, name, rows, cols, sparsity, density=1.0, logistic=False):
        if name in self.datasets:
            return self.datasets[name]
        prefix = os.path.join(self.work, name)
        command = [self.bench, "generate", "--out", prefix, "--rows", str(rows), "--cols", str(cols),
                   "--sparsity", str(sparsity), "--density", str(density)]
        if logistic:
            command.append("--logistic")
        out = self.runner.run("generate " + name, command)
        self.datasets[name] = (prefix, out)
        return prefix, out

    def cardinal_solve(self, prefix, solver, threads, extra=()):
        return ["%s" % self.bench, "solve", "--data", prefix, "--solver", solver, "--threads", str(threads),
                "--repeats", str(self.size["repeats"]), "--warmups", "1"] + list(extra)

    def sklearn(self, prefix, task, threads, extra=()):
        return [PYTHON, os.path.join(PEERS, "sklearn_peer.py"), "--data", prefix, "--task", task,
                "--threads", str(threads), "--repeats", str(self.size["repeats"]), "--warmups", "1"] + list(extra)

    def glmnet(self, prefix, family, lambdas_file):
        return ["Rscript", os.path.join(PEERS, "glmnet_peer.R"), prefix, family, lambdas_file,
                str(self.size["repeats"]), "1"]

    def floor(self, bytes_read, threads):
        bandwidth = self.bandwidth.get(threads) or self.bandwidth.get(max(self.bandwidth, default=1))
        return bytes_read / bandwidth if bandwidth else float("nan")

    def write_lambdas(self, name, lambdas):
        path = os.path.join(self.work, name + ".lambdas")
        with open(path, "w") as f:
            f.write("\n".join(repr(x) for x in lambdas) + "\n")
        return path

    # -- sections -----------------------------------------------------------------------------

    def machine(self):
        log("machine: memory bandwidth and GEMM rate")
        out = self.runner.run("machine", [self.bench, "machine", "--mib", str(self.size["bandwidth_mib"]),
                                          "--threads", str(self.threads_all),
                                          "--repeats", "3" if self.args.smoke else "10"])
        self.machine_info = out
        for b in out["read_bandwidth"]:
            rates = [b["bytes"] / s for s in b["seconds"]]
            self.bandwidth[b["threads"]] = max(rates)
            self.row("machine", "streaming read %d MiB" % self.size["bandwidth_mib"], "read kernel", b["threads"], "-",
                     b["seconds"], best_gb_per_s=max(rates) / 1e9, median_gb_per_s=median(rates) / 1e9)
        if not os.path.exists(self.train):
            return
        for blas, env in self.blas:
            out = self.runner.run("sgemm " + blas, [self.train, "sgemm", "--threads", str(self.threads_all),
                                                    "--repeats", "3" if self.args.smoke else "10"], env)
            for g in out["torch_sgemm"]:
                rates = [g["flops"] / s for s in g["seconds"]]
                shape = "%dx%dx%d" % (g["m"], g["k"], g["n"])
                if g["m"] == 1024:
                    self.sgemm[(blas, g["threads"])] = max(rates)
                self.row("machine", "LibTorch SGEMM " + shape, "torch::mm", g["threads"], blas, g["seconds"],
                         best_gflops=max(rates) / 1e9, median_gflops=median(rates) / 1e9)

    def kernels(self):
        log("kernels: Google Benchmark micro-benchmarks")
        flags = (["--smoke", "--benchmark_min_time=0.001"] if self.args.smoke else
                 ["--benchmark_repetitions=3", "--benchmark_report_aggregates_only=true"])
        for program in ("cardinal-kernels-benchmark", "cardinal-network-benchmark"):
            path = os.path.join(self.args.build, "bin", program)
            if not os.path.exists(path):
                continue
            report = os.path.join(self.work, program + ".json")
            command = [path, "--benchmark_out=" + report, "--benchmark_out_format=json"] + flags
            log("  $ " + " ".join(command))
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
            with open(report) as f:
                out = json.load(f)
            self.runner.raw.append({"section": "kernels", "label": program, "command": command, "env": {},
                                    "output": out})
            for b in out["benchmarks"]:
                if not self.args.smoke and b.get("aggregate_name") != "median":
                    continue
                scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b.get("time_unit", "ns")]
                extra = {}
                if "bytes_per_second" in b:
                    extra["gb_per_s"] = b["bytes_per_second"] / 1e9
                if "flops" in b:
                    extra["gflops"] = b["flops"] / 1e9
                if "nnz" in b:
                    extra["nonzeros"] = b["nnz"]
                name = b.get("run_name", b["name"])
                self.row("kernels", name, program, "", "-", [b["real_time"] * scale], **extra)

    def omp(self):
        d = self.size["dense"]
        log("omp: OMP and FCFGS vs scikit-learn OrthogonalMatchingPursuit")
        prefix, _ = self.dataset("gaussian", d["rows"], d["cols"], d["sparsity"])
        k = str(d["sparsity"])
        case = "Gaussian n=%d p=%d s=%d" % (d["rows"], d["cols"], d["sparsity"])
        programs = []
        for t in self.thread_counts:
            programs.append(("cardinal omp %d" % t, self.cardinal_solve(prefix, "omp", t, ["--sparsity", k]), {}, "seconds"))
        programs.append(("cardinal fcfgs %d" % self.threads_all,
                         self.cardinal_solve(prefix, "fcfgs", self.threads_all, ["--sparsity", k]), {}, "seconds"))
        # The design stored in float: half the bytes per correlation pass, products still in double.
        for solver in ("omp", "fcfgs"):
            programs.append(("cardinal %s-float32 %d" % (solver, self.threads_all),
                             self.cardinal_solve(prefix, solver, self.threads_all,
                                                 ["--sparsity", k, "--precision", "float32"]), {}, "seconds"))
        if self.have_sklearn:
            for blas, env in self.blas:
                for t in self.thread_counts if blas == "openblas" else [self.threads_all]:
                    for task in ("omp", "omp-kernel"):
                        programs.append(("sklearn %s %s %d" % (task, blas, t),
                                         self.sklearn(prefix, task, t, ["--sparsity", k]), env, "seconds"))
        else:
            self.notes.append("scikit-learn is not installed: the OMP comparison ran cardinal only.")
        results = self.runner.alternate(programs, self.args.rounds)
        cardinal_all = median(results["cardinal omp %d" % self.threads_all]["seconds"])
        float32_all = median(results["cardinal omp-float32 %d" % self.threads_all]["seconds"])
        for label, out in results.items():
            parts = label.split()
            if parts[0] == "cardinal":
                solver, t = parts[1], int(parts[2])
                float32 = solver.endswith("-float32")
                iterations = out["iterations"]
                per_iteration = median(out["iteration_seconds"])
                # An iteration reads X once (the correlation pass); the floor is one streaming read
                # of X as stored (8 or 4 bytes per entry), timed in the same process between the runs.
                floor = median(out["design_pass_seconds"])
                bytes_per_iteration = (4.0 if float32 else 8.0) * d["rows"] * d["cols"]
                extra = {}
                if float32:
                    # The float design is the double one rounded: the same support as the double run?
                    double = results["cardinal %s %d" % (solver[:-len("-float32")], t)]
                    extra = dict(same_support_as_float64=out["support"] == double["support"])
                self.row("omp", case, "cardinal " + solver.replace("-float32", " float32"), t, "-", out["seconds"],
                         iterations=iterations, objective=out["objective"], per_iteration_seconds=per_iteration,
                         floor_seconds=floor, floor_ratio=per_iteration / floor,
                         floor_ratio_machine=per_iteration / self.floor(bytes_per_iteration, t),
                         support_recovered=out["support"] == out["planted"], **extra)
            else:
                task, blas, t = parts[1], parts[2], int(parts[3])
                reference = results.get("cardinal omp %d" % t, results["cardinal omp %d" % self.threads_all])
                sk = median(out["seconds"])
                cardinal = median(reference["seconds"])
                self.row("omp", case, "scikit-learn " + ("OrthogonalMatchingPursuit.fit" if task == "omp" else "orthogonal_mp"),
                         t, blas, out["seconds"], blas_library=out["blas"],
                         speedup_of_cardinal_omp=sk / cardinal,
                         speedup_of_cardinal_omp_all_threads=sk / cardinal_all,
                         speedup_of_cardinal_omp_float32_all_threads=sk / float32_all,
                         same_support=out["support"] == reference["support"])

    def iht(self):
        d = self.size["dense"]
        log("iht: time per iteration against the bandwidth floor")
        prefix, _ = self.dataset("gaussian", d["rows"], d["cols"], d["sparsity"])
        iterations = self.size["iht_iterations"]
        solver_args = ["--sparsity", str(d["sparsity"]), "--max-iterations", str(iterations)]
        programs = [("cardinal iht %d" % t, self.cardinal_solve(prefix, "iht", t, solver_args), {}, "seconds")
                    for t in self.thread_counts]
        programs += [("cardinal iht-float32 %d" % t,
                      self.cardinal_solve(prefix, "iht", t, solver_args + ["--precision", "float32"]), {}, "seconds")
                     for t in self.thread_counts]
        results = self.runner.alternate(programs, self.args.rounds)
        for label, out in results.items():
            solver, t = label.split()[1], int(label.split()[2])
            float32 = solver.endswith("-float32")
            per_iteration = median(out["iteration_seconds"])
            # An iteration reads X once for Xᵀr and the k columns of the iterate for Xw, in the
            # storage's precision (the streaming read of design_pass_seconds reads X as stored).
            bytes_per_iteration = (4.0 if float32 else 8.0) * d["rows"] * (d["cols"] + d["sparsity"])
            floor = median(out["design_pass_seconds"]) * (d["cols"] + d["sparsity"]) / d["cols"]
            extra = {}
            if float32:
                double = results["cardinal iht %d" % t]
                extra = dict(same_support_as_float64=out["support"] == double["support"])
            self.row("iht", "Gaussian n=%d p=%d k=%d, %d iterations" % (d["rows"], d["cols"], d["sparsity"], iterations),
                     "cardinal iht" + (" float32" if float32 else ""), t, "-", out["seconds"],
                     iterations=out["iterations"], objective=out["objective"],
                     per_iteration_seconds=per_iteration, floor_seconds=floor, floor_ratio=per_iteration / floor,
                     floor_ratio_machine=per_iteration / self.floor(bytes_per_iteration, t),
                     step_estimate_seconds=out.get("step_estimate_seconds"), **extra)

    def _l1_path(self, section, case, prefix, family, path_length, min_ratio, cardinal_threads):
        """cardinal's path first (it fixes the lambdas), then the peers on the same lambdas."""
        solver_args = ["--path-length", str(path_length), "--min-ratio", str(min_ratio)]
        probe = self.runner.run("cardinal lasso-path probe", [self.bench, "solve", "--data", prefix, "--solver",
                                                                "lasso-path", "--repeats", "1", "--warmups", "0"] + solver_args)
        lambdas_file = self.write_lambdas(section + "-" + os.path.basename(prefix), probe["lambdas"])
        programs = [("cardinal %d" % t, self.cardinal_solve(prefix, "lasso-path", t, ["--lambdas", lambdas_file]), {}, "seconds")
                    for t in cardinal_threads]
        if self.have_glmnet:
            # cardinal's default KKT tolerance (1e-10 lambda_max) is far stricter than what glmnet's
            # default thresh reaches: also run cardinal at glmnet's accuracy, i.e. with the largest
            # KKT violation of glmnet's path (relative to lambda_max) as its tolerance.
            glmnet_probe = self.runner.run("glmnet probe", self.glmnet(prefix, family, lambdas_file)[:-2] + ["1", "0"])
            matched = max(glmnet_probe["kkt_violations"]) / probe["lambda_max"]
            matched = float("%.1g" % matched) if matched > 0 else 1e-10
            programs.append(("cardinal-matched %d" % self.threads_all, self.cardinal_solve(
                prefix, "lasso-path", self.threads_all, ["--lambdas", lambdas_file, "--tolerance", repr(matched)]),
                {}, "seconds"))
            programs.append(("glmnet default", self.glmnet(prefix, family, lambdas_file), {}, "seconds"))
        else:
            self.notes.append("R's glmnet is not installed: the %s comparison ran without it." % section)
        if self.have_sklearn and section in ("lasso", "logistic"):
            task = "lasso-path" if family == "gaussian" else "logistic-l1"
            for blas, env in self.blas:
                programs.append(("sklearn %s" % blas, self.sklearn(prefix, task, self.threads_all, ["--lambdas", lambdas_file]),
                                 env, "seconds"))
        results = self.runner.alternate(programs, self.args.rounds)
        reference = results["cardinal %d" % self.threads_all]
        reference_objectives = reference["objectives"]
        cardinal_median = median(reference["seconds"])
        for label, out in results.items():
            name, variant = label.split()
            extra = dict(lambdas=len(probe["lambdas"]), max_kkt_violation=max(out["kkt_violations"]),
                         max_objective_excess=max(o - r for o, r in zip(out["objectives"], reference_objectives)))
            if name == "cardinal":
                self.row(section, case, "cardinal lasso_path (tolerance 1e-10)", int(variant), "-", out["seconds"],
                         sweeps=out["sweeps"], converged=out["converged"], **extra)
            elif name == "cardinal-matched":
                self.row(section, case, "cardinal lasso_path (tolerance %g: glmnet's accuracy)" % matched, int(variant),
                         "-", out["seconds"], sweeps=out["sweeps"], converged=out["converged"],
                         glmnet_over_this=(median(results["glmnet default"]["seconds"]) / median(out["seconds"])
                                           if "glmnet default" in results else float("nan")), **extra)
            elif name == "glmnet":
                self.row(section, case, "glmnet %s (thresh %g)" % (out["glmnet_version"], out["thresh"]), 1, variant,
                         out["seconds"], blas_library=out["blas"],
                         speedup_of_cardinal=median(out["seconds"]) / cardinal_median, **extra)
            else:
                what = "lasso_path" if family == "gaussian" else "LogisticRegression(l1, liblinear) per lambda"
                self.row(section, case, "scikit-learn %s" % what, self.threads_all, variant, out["seconds"],
                         blas_library=out["blas"], speedup_of_cardinal=median(out["seconds"]) / cardinal_median, **extra)
        return results

    def lasso(self):
        d = self.size["dense"]
        log("lasso: the l1 path vs glmnet and scikit-learn")
        prefix, _ = self.dataset("gaussian", d["rows"], d["cols"], d["sparsity"])
        case = "Gaussian n=%d p=%d, %d lambdas down to %g lambda_max" % (
            d["rows"], d["cols"], self.size["path_length"], self.size["min_ratio"])
        self._l1_path("lasso", case, prefix, "gaussian", self.size["path_length"], self.size["min_ratio"],
                      self.thread_counts)

    def logistic(self):
        d = self.size["logistic"]
        log("logistic: the l1-logistic path vs glmnet and scikit-learn")
        prefix, _ = self.dataset("logistic", d["rows"], d["cols"], d["sparsity"], logistic=True)
        case = "logistic labels, Gaussian n=%d p=%d, %d lambdas down to %g lambda_max" % (
            d["rows"], d["cols"], self.size["logistic_path_length"], self.size["logistic_min_ratio"])
        self._l1_path("logistic", case, prefix, "binomial", self.size["logistic_path_length"],
                      self.size["logistic_min_ratio"], [self.threads_all])

    def sparse(self):
        d = self.size["sparse"]
        log("sparse: rcv1-shaped designs of growing density")
        for density in d["densities"]:
            name = "sparse-%g" % density
            prefix, out = self.dataset(name, d["rows"], d["cols"], d["sparsity"], density=density)
            nnz = out["nonzeros"]
            case = "rcv1-shaped n=%d p=%d density=%g nnz=%d" % (d["rows"], d["cols"], density, nnz)
            programs = [
                ("cardinal omp", self.cardinal_solve(prefix, "omp", self.threads_all, ["--sparsity", str(d["sparsity"])]),
                 {}, "seconds"),
                ("cardinal iht", self.cardinal_solve(prefix, "iht", self.threads_all, [
                    "--sparsity", str(d["sparsity"]), "--max-iterations", str(self.size["iht_iterations"])]), {}, "seconds"),
            ]
            results = self.runner.alternate(programs, self.args.rounds)
            for label, r in results.items():
                per_iteration = median(r["iteration_seconds"])
                # A pass reads every stored value and its row index once.
                floor = median(r["design_pass_seconds"])
                self.row("sparse", case, label, self.threads_all, "-", r["seconds"], nonzeros=nnz,
                         iterations=r["iterations"], per_iteration_seconds=per_iteration,
                         nanoseconds_per_nonzero_per_iteration=per_iteration / nnz * 1e9,
                         floor_seconds=floor, floor_ratio=per_iteration / floor)
            self._l1_path("sparse", case, prefix, "gaussian", self.size["sparse_path_length"],
                          self.size["sparse_min_ratio"], [self.threads_all])

    def network(self):
        log("network: LeNet-300-100 training step vs PyTorch")
        size = self.size
        common = ["--batch", str(size["batch"]), "--steps", str(size["steps"]), "--repeats", str(size["step_repeats"])]
        for blas, env in self.blas:
            programs = []
            for t in self.thread_counts:
                # The BLAS's own thread pool follows the same thread count on both sides.
                threads_env = dict(env, OPENBLAS_NUM_THREADS=str(t), OMP_NUM_THREADS=str(t))
                programs.append(("cardinal %s %d" % (blas, t), [self.train, "train", "--threads", str(t)] + common,
                                 threads_env, "dense_step_seconds"))
                if blas != "default":
                    # The same step in a process that also links Ceres, as the cardinal program does.
                    programs.append(("cardinal-ceres %s %d" % (blas, t), [self.bench, "train", "--threads", str(t)] + common,
                                     threads_env, "dense_step_seconds"))
                if self.have_torch:
                    programs.append(("pytorch %s %d" % (blas, t), [PYTHON, os.path.join(PEERS, "torch_peer.py"),
                                                                   "--threads", str(t)] + common,
                                     threads_env, "dense_step_seconds"))
            results = self.runner.alternate(programs, self.args.rounds)
            case = "LeNet-300-100, batch %d, SGD" % size["batch"]
            for t in self.thread_counts:
                c = results["cardinal %s %d" % (blas, t)]
                dense = median(c["dense_step_seconds"])
                masked = median(c["masked_step_seconds"])
                # The floor: the step's FLOPs at the SGEMM rate measured between the blocks.
                rate = c["sgemm_flops"] / median(c["sgemm_seconds"])
                floor = c["flops"] / rate
                self.row("network", case, "cardinal (LibTorch %s) dense step" % c["torch_version"], t, blas,
                         c["dense_step_seconds"], flops=c["flops"], sgemm_gflops=rate / 1e9,
                         floor_seconds=floor, floor_ratio=dense / floor)
                self.row("network", case, "cardinal masked step (density %g)" % c["density"], t, blas,
                         c["masked_step_seconds"], masked_over_dense=masked / dense)
                ceres = results.get("cardinal-ceres %s %d" % (blas, t))
                if ceres:
                    self.row("network", case, "cardinal dense step, process linking Ceres too (as `cardinal`)", t, blas,
                             ceres["dense_step_seconds"],
                             sgemm_gflops=ceres["sgemm_flops"] / median(ceres["sgemm_seconds"]) / 1e9)
                if self.have_torch:
                    p = results["pytorch %s %d" % (blas, t)]
                    self.row("network", case, "PyTorch %s (Python) dense step" % p["torch_version"], t, blas,
                             p["dense_step_seconds"], speedup_of_cardinal=median(p["dense_step_seconds"]) / dense)
        if not self.have_torch:
            self.notes.append("PyTorch (python3-torch) is not installed: the network comparison ran cardinal only.")

    # -- output -------------------------------------------------------------------------------

    def write(self, sections, machine):
        os.makedirs(self.args.out, exist_ok=True)
        rows, raw = list(self.rows), list(self.runner.raw)
        csv_path = os.path.join(self.args.out, "results.csv")
        raw_path = os.path.join(self.args.out, "raw.json")
        if self.args.merge and os.path.exists(csv_path):
            # Keep what an earlier invocation measured for the sections not run now.
            with open(csv_path, newline="") as f:
                kept = [r for r in csv.DictReader(f) if r["section"] not in sections]
            rows = kept + rows
            if os.path.exists(raw_path):
                with open(raw_path) as f:
                    raw = [r for r in json.load(f)["runs"] if r.get("section") not in sections] + raw
        rows.sort(key=lambda r: SECTIONS.index(r["section"]))  # stable: keeps the order within a section
        keys = []
        for r in rows:
            for k in r:
                if k not in keys:
                    keys.append(k)
        with open(csv_path, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=keys)
            w.writeheader()
            for r in rows:
                w.writerow({k: fmt(r.get(k, "")) for k in keys})
        with open(raw_path, "w") as f:
            json.dump({"machine": machine, "runs": raw}, f, indent=1, default=str)
        with open(os.path.join(self.args.out, "results.md"), "w") as f:
            f.write(markdown(rows, machine, self.notes))


def fmt(v):
    if isinstance(v, float):
        return "%.6g" % v
    return v


RUN_INFO = ("run_command", "run_started", "load_average_start", "load_average_end")


def markdown(rows, machine, notes):
    lines = ["# Benchmark results", ""]
    lines.append("Written by `bench/scripts/compare.py`; under each heading, the command and the time that section "
                 "was measured, with the machine's load average (1 minute) before and after: the machine is shared.")
    lines.append("")
    lines.append("Machine: %s, %s CPUs (%s thread per core), L3 %s, %s memory, %s%s; %s; %s." % (
        machine["cpu"], machine["cpus"], machine["threads_per_core"], machine["l3"], machine["memory"],
        machine["os"], (", under a %s hypervisor" % machine["hypervisor"]) if machine["hypervisor"] else "",
        machine["kernel"], machine["compiler"]))
    lines.append("Default BLAS (libblas.so.3): `%s`." % machine["default_blas"])
    lines.append("Packages: " + ", ".join("%s %s" % kv for kv in machine["packages"].items()) + ".")
    lines.append("")
    columns = ["case", "implementation", "threads", "blas", "median_seconds", "samples"]
    hidden = ("section", "min_seconds", "max_seconds", "blas_library") + RUN_INFO
    for section in SECTIONS:
        section_rows = [r for r in rows if r["section"] == section]
        if not section_rows:
            continue
        extra = []
        for r in section_rows:
            for k in r:
                if k not in columns and k not in extra and k not in hidden and any(x.get(k, "") != "" for x in section_rows):
                    extra.append(k)
        header = columns + extra
        first = section_rows[0]
        lines.append("## " + section)
        lines.append("")
        lines.append("`compare.py %s`, %s; load average %.2f before, %.2f after." % (
            first.get("run_command", ""), first.get("run_started", ""), float(first.get("load_average_start", "nan")),
            float(first.get("load_average_end", "nan"))))
        lines.append("")
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * len(header))
        for r in section_rows:
            lines.append("| " + " | ".join(str(fmt(r.get(k, ""))) for k in header) + " |")
        lines.append("")
    if notes:
        lines.append("## Notes")
        lines.append("")
        lines.extend("- " + n for n in notes)
        lines.append("")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=os.path.join(ROOT, "build"), help="build directory with bin/cardinal-bench")
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "results"),
                        help="folder of results.csv, results.md and raw.json (default: the tracked bench/results)")
    parser.add_argument("--rounds", type=int, default=3, help="alternations of cardinal and the peers")
    parser.add_argument("--sections", nargs="+", default=SECTIONS, choices=SECTIONS)
    parser.add_argument("--merge", action=argparse.BooleanOptionalAction, default=None,
                        help="keep the rows of results.csv (and raw.json) for the sections not run now "
                             "(the default when --sections names a subset; --no-merge replaces them)")
    parser.add_argument("--smoke", action="store_true", help="tiny problems, one round (CI)")
    parser.add_argument("--keep", action="store_true", help="keep the generated data sets")
    parser.add_argument("--no-install", action="store_true",
                        help="do not run bench/scripts/install-peers first (--smoke never does)")
    args = parser.parse_args()
    args.argv = sys.argv[1:]
    if args.merge is None:
        # A partial run keeps the other sections' results rather than dropping them silently.
        args.merge = set(args.sections) != set(SECTIONS)
    if args.smoke:
        args.rounds = 1
    elif not args.no_install:
        subprocess.run([os.path.join(ROOT, "bench", "scripts", "install-peers")], check=True)
    comparison = Comparison(args)
    if not os.path.exists(comparison.bench):
        sys.exit("compare.py: %s not found; build the target cardinal_benchmarks first" % comparison.bench)
    machine = machine_description()
    sections = args.sections
    if "machine" not in sections:
        sections = ["machine"] + sections  # the floors need the bandwidth and GEMM rate
    try:
        for section in sections:
            if section == "network" and not os.path.exists(comparison.train):
                comparison.notes.append("cardinal was built without LibTorch: no network comparison.")
                continue
            comparison.runner.section = section
            comparison.section_info = {
                "run_command": " ".join(args.argv),
                "run_started": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                "load_average_start": os.getloadavg()[0]}
            first_row = len(comparison.rows)
            getattr(comparison, section)()
            for r in comparison.rows[first_row:]:
                r["load_average_end"] = os.getloadavg()[0]
    finally:
        if not args.keep:
            shutil.rmtree(comparison.work, ignore_errors=True)
    machine["sklearn"] = comparison.have_sklearn
    machine["torch"] = comparison.have_torch
    machine["glmnet"] = comparison.have_glmnet
    comparison.write(sections, machine)
    log("wrote %s/results.csv and results.md" % args.out)
    if args.merge and set(sections) != set(SECTIONS):
        log("kept the earlier results of the sections not run now (--no-merge drops them)")


if __name__ == "__main__":
    main()
