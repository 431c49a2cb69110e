// Micro-benchmarks of the convex solvers' hot kernels (Google Benchmark).
//
//   cardinal-kernels-benchmark [--smoke] [Google Benchmark flags]
//
// --smoke registers tiny sizes only (for CI, with --benchmark_min_time=0.001). Byte counters
// ("bytes_per_second") count the bytes a kernel must read from memory, so that they compare
// directly with BM_MemoryRead, the machine's streaming read rate.
#include <benchmark/benchmark.h>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "benchmark_main.hpp"
#include "cardinal/convex/coordinate_space.hpp"
#include "cardinal/convex/covariance_problem.hpp"
#include "cardinal/convex/covariance_rows.hpp"
#include "cardinal/convex/data/synthetic.hpp"
#include "cardinal/convex/glm_problem.hpp"
#include "cardinal/convex/parallel.hpp"
#include "cardinal/convex/solvers/l1_path.hpp"
#include "machine_limits.hpp"
#include "sparse_synthetic.hpp"

namespace cardinal::bench {
namespace {

void use_threads(int threads) {
  set_configured_threads(threads);
}

Design gaussian_design(Index n, Index p) {
  return make_synthetic(SyntheticSpec{.samples = n, .features = p, .sparsity = 0}).design;
}

Eigen::VectorXd gaussian_vector(Index size, std::uint64_t seed) {
  SyntheticSpec spec{.samples = size, .features = 1, .sparsity = 0, .seed = seed};
  const Design d = make_synthetic(spec).design;
  return std::get<Design::Dense>(d.storage()).col(0);
}

/// A k-sparse vector of dimension p (every (p/k)-th coordinate).
Eigen::VectorXd sparse_vector(Index p, Index k) {
  Eigen::VectorXd w = Eigen::VectorXd::Zero(p);
  for (Index i = 0; i < k; ++i) w[i * (p / k)] = (i % 2 == 0) ? 1.0 : -1.0;
  return w;
}

/// Xᵀr on a dense n × p design: the correlation pass of OMP and FCFGS, and the gradient of IHT.
void BM_CorrelationPassDense(benchmark::State& state) {
  const Index n = state.range(0), p = state.range(1);
  use_threads(static_cast<int>(state.range(2)));
  const Design x = gaussian_design(n, p);
  const Eigen::VectorXd r = gaussian_vector(n, 2);
  for (auto _ : state) benchmark::DoNotOptimize(x.transpose_multiply(r));
  state.SetBytesProcessed(state.iterations() * n * p * static_cast<std::int64_t>(sizeof(double)));
}

/// Xᵀr on a compressed sparse design: bytes are the stored values and row indices.
void BM_CorrelationPassSparse(benchmark::State& state) {
  const Index n = state.range(0), p = state.range(1);
  use_threads(static_cast<int>(state.range(2)));
  const BenchDataset data = make_sparse_synthetic(SparseSpec{
      .samples = n, .features = p, .density = 1e-6 * static_cast<double>(state.range(3))});
  const Eigen::VectorXd r = gaussian_vector(n, 2);
  for (auto _ : state) benchmark::DoNotOptimize(data.design.transpose_multiply(r));
  state.SetBytesProcessed(state.iterations() * data.design.nonzeros() *
                          static_cast<std::int64_t>(sizeof(double) + sizeof(Index)));
  state.counters["nnz"] = static_cast<double>(data.design.nonzeros());
}

/// f and ∇f of least squares at a k-sparse w: one IHT or FCFGS iteration's pass over X.
void BM_LeastSquaresGradient(benchmark::State& state) {
  const Index n = state.range(0), p = state.range(1), k = state.range(2);
  use_threads(static_cast<int>(state.range(3)));
  const LeastSquaresProblem problem(gaussian_design(n, p), gaussian_vector(n, 2));
  const Eigen::VectorXd w = sparse_vector(p, k);
  Eigen::VectorXd g;
  for (auto _ : state) benchmark::DoNotOptimize(problem.value_and_gradient(w, g));
  state.SetBytesProcessed(state.iterations() * n * (p + k) *
                          static_cast<std::int64_t>(sizeof(double)));
}

/// H_k: the k largest |v_j| of a p-vector (IHT's projection, OMP's and FCFGS's selection).
void BM_HardThreshold(benchmark::State& state) {
  const Index p = state.range(0), k = state.range(1);
  const CoordinateSpace space(p);
  const Eigen::VectorXd v = gaussian_vector(p, 3);
  for (auto _ : state) benchmark::DoNotOptimize(space.largest(v, k));
  state.SetItemsProcessed(state.iterations() * p);
}

/// One OMP step's factor update at support size k: the new row l of the Cholesky factor from
/// L l = A_Fᵀx_j/n, its pivot, and the coefficients from Lᵀ v = z (the operations of
/// orthogonal_matching_pursuit.cpp), on a factor of a Gaussian Gram matrix.
void BM_IncrementalCholesky(benchmark::State& state) {
  const Index n = state.range(0), k = state.range(1);
  const Eigen::MatrixXd a = std::get<Design::Dense>(gaussian_design(n, k + 1).storage());
  const Eigen::MatrixXd gram = a.leftCols(k).transpose() * a.leftCols(k) / static_cast<double>(n);
  const Eigen::MatrixXd chol = gram.llt().matrixL();
  const Eigen::VectorXd column = a.col(k), z = gaussian_vector(k, 4);
  for (auto _ : state) {
    Eigen::VectorXd l = a.leftCols(k).transpose() * column / static_cast<double>(n);
    chol.triangularView<Eigen::Lower>().solveInPlace(l);
    const double pivot = column.squaredNorm() / static_cast<double>(n) - l.squaredNorm();
    benchmark::DoNotOptimize(pivot);
    Eigen::VectorXd v = chol.transpose().triangularView<Eigen::Upper>().solve(z);
    benchmark::DoNotOptimize(v.data());
  }
}

/// The fully-corrective solve argmin f over vectors supported on k columns
/// (GlmProblem::minimize_on): Cholesky of the normal equations for least squares, Ceres BFGS
/// and Newton polishing for logistic regression.
template <class Loss>
void BM_FullyCorrectiveSolve(benchmark::State& state) {
  const Index n = state.range(0), p = state.range(1), k = state.range(2);
  SyntheticInstance s = make_synthetic(SyntheticSpec{
      .samples = n, .features = p, .sparsity = k, .logistic = !Loss::kQuadratic, .seed = 5});
  const GlmProblem<Loss> problem(std::move(s.design), std::move(s.response));
  const CoordinateSpace::Support support = s.support;
  const Eigen::VectorXd warm = problem.space().zeros();
  for (auto _ : state) benchmark::DoNotOptimize(problem.minimize_on(support, warm));
}

/// A layer-shaped H = XᵀX/n + λI (p × p) and a support missing m of its coordinates, as
/// CoSaMP's merged supports are at low sparsity.
struct LayerShapedSolve {
  std::shared_ptr<const Eigen::MatrixXd> h;
  Eigen::VectorXd b;
  CoordinateSpace::Support support;

  LayerShapedSolve(Index p, Index m) {
    const Eigen::MatrixXd x = std::get<Design::Dense>(gaussian_design(2 * p, p).storage());
    Eigen::MatrixXd gram = x.transpose() * x / static_cast<double>(2 * p);
    gram.diagonal().array() += 0.01 * gram.diagonal().mean();
    h = std::make_shared<const Eigen::MatrixXd>(std::move(gram));
    b = *h * gaussian_vector(p, 6);
    for (Index j = 0; j < p; ++j)
      if ((j * 7919) % p >= m) support.push_back(j);
  }
};

/// CovarianceProblem::minimize_on on a support missing m coordinates, H⁻¹ formed once beforehand
/// and shared, as by a layer's rows.
void BM_CovarianceRestrictedSolve(benchmark::State& state) {
  const LayerShapedSolve solve(state.range(0), state.range(1));
  const CovarianceRows rows(solve.h, solve.b, Eigen::VectorXd::Zero(1));
  const CovarianceProblem problem = rows.row(0);
  benchmark::DoNotOptimize(problem.minimize_on(solve.support, Eigen::VectorXd()));
  for (auto _ : state)
    benchmark::DoNotOptimize(problem.minimize_on(solve.support, Eigen::VectorXd()));
}

/// The reference for BM_CovarianceRestrictedSolve: gather H_aa and b_a, Cholesky, solve.
void BM_CholeskyRestrictedSolve(benchmark::State& state) {
  const LayerShapedSolve solve(state.range(0), state.range(1));
  for (auto _ : state) {
    const Eigen::MatrixXd h_aa = (*solve.h)(solve.support, solve.support);
    const Eigen::VectorXd v = h_aa.llt().solve(Eigen::VectorXd(solve.b(solve.support)));
    benchmark::DoNotOptimize(v.data());
  }
}

/// The ℓ1 path to k nonzeros (LassoPathSelection) on one row of a layer-shaped problem: H from
/// 2p Gaussian samples, b = H w̄ for a dense w̄, through the covariance updates.
void BM_CovarianceLassoPath(benchmark::State& state) {
  const LayerShapedSolve solve(state.range(0), 0);
  const CovarianceProblem problem(solve.h, solve.b);
  const LassoPathSelection path;
  for (auto _ : state) benchmark::DoNotOptimize(path.minimize(problem, state.range(1)).w.data());
}

/// The reference for BM_CovarianceLassoPath: the same path on the square-root design
/// X̃ = √p Lᵀ, ỹ = √p L⁻¹b (H = LLᵀ, X̃ᵀX̃/p = H, X̃ᵀỹ/p = b), the design form with p samples;
/// the Cholesky factor is included.
void BM_SquareRootLassoPath(benchmark::State& state) {
  const LayerShapedSolve solve(state.range(0), 0);
  const LassoPathSelection path;
  for (auto _ : state) {
    const Eigen::LLT<Eigen::MatrixXd> llt(*solve.h);
    const double root = std::sqrt(static_cast<double>(solve.b.size()));
    const LeastSquaresProblem problem(
        Design(Eigen::MatrixXd(root * Eigen::MatrixXd(llt.matrixU()))),
        root * llt.matrixL().solve(solve.b));
    benchmark::DoNotOptimize(path.minimize(problem, state.range(1)).w.data());
  }
}

/// The machine's streaming read rate with t threads (the floor of every pass above).
void BM_MemoryRead(benchmark::State& state) {
  const auto bytes = static_cast<std::size_t>(state.range(0)) << 20;
  const int threads = static_cast<int>(state.range(1));
  double total_bytes = 0.0;
  for (auto _ : state) {
    for (const BandwidthSample& s : measure_read_bandwidth(bytes, threads, 1)) {
      state.SetIterationTime(s.seconds);
      total_bytes += s.bytes;
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(total_bytes));
}

void register_all(bool smoke) {
  const int all = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const std::vector<int> threads = all > 1 ? std::vector<int>{1, all} : std::vector<int>{1};
  // Full size: the OMP/FCFGS/IHT comparison instance (n = 2000, p = 20000, k = 100) and an
  // rcv1-shaped sparse design; smoke: the same kernels on a few kilobytes.
  const Index n = smoke ? 64 : 2000, p = smoke ? 256 : 20000, k = smoke ? 8 : 100;
  for (int t : threads) {
    benchmark::RegisterBenchmark("BM_CorrelationPassDense", BM_CorrelationPassDense)
        ->Args({n, p, t})
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark("BM_CorrelationPassSparse", BM_CorrelationPassSparse)
        ->Args({smoke ? 200 : 20242, smoke ? 400 : 47236, t, smoke ? 50000 : 1600})
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark("BM_LeastSquaresGradient", BM_LeastSquaresGradient)
        ->Args({n, p, k, t})
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark("BM_MemoryRead", BM_MemoryRead)
        ->Args({smoke ? 1 : 1024, t})
        ->Unit(benchmark::kMillisecond)
        ->UseManualTime();
  }
  benchmark::RegisterBenchmark("BM_HardThreshold", BM_HardThreshold)->Args({p, k});
  benchmark::RegisterBenchmark("BM_IncrementalCholesky", BM_IncrementalCholesky)->Args({n, k});
  // LeNet-300-100's first layer (p = 784) with supports missing 8, 36 and 200 coordinates.
  for (Index m : smoke ? std::vector<Index>{4} : std::vector<Index>{8, 36, 200}) {
    const Index width = smoke ? 48 : 784;
    benchmark::RegisterBenchmark("BM_CovarianceRestrictedSolve", BM_CovarianceRestrictedSolve)
        ->Args({width, m})
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("BM_CholeskyRestrictedSolve", BM_CholeskyRestrictedSolve)
        ->Args({width, m})
        ->Unit(benchmark::kMillisecond);
  }
  // The same layer's rows pruned to 80% and 50% by the l1 path.
  for (Index k : smoke ? std::vector<Index>{8} : std::vector<Index>{157, 392}) {
    const Index width = smoke ? 48 : 784;
    benchmark::RegisterBenchmark("BM_CovarianceLassoPath", BM_CovarianceLassoPath)
        ->Args({width, k})
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("BM_SquareRootLassoPath", BM_SquareRootLassoPath)
        ->Args({width, k})
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::RegisterBenchmark("BM_FullyCorrectiveSolve/least-squares",
                               BM_FullyCorrectiveSolve<SquaredLoss>)
      ->Args({n, smoke ? p : 1000, k})
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_FullyCorrectiveSolve/logistic",
                               BM_FullyCorrectiveSolve<LogisticLoss>)
      ->Args({n, smoke ? p : 1000, smoke ? 4 : 20})
      ->Unit(benchmark::kMillisecond);
}

}  // namespace
}  // namespace cardinal::bench

int main(int argc, char** argv) {
  return cardinal::bench::run_benchmarks(argc, argv, cardinal::bench::register_all);
}
