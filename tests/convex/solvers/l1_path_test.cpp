#include "cardinal/convex/solvers/l1_path.hpp"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/solver.hpp"
#include "cardinal/convex/data/libsvm.hpp"
#include "cardinal/convex/data/synthetic.hpp"
#include "cardinal/convex/loss.hpp"

namespace cardinal {
namespace {

static_assert(SparseSolver<LassoPathSelection, LeastSquaresProblem>);
static_assert(SparseSolver<LassoPathSelection, LogisticProblem>);

using Vector = Eigen::VectorXd;

std::vector<Index> all_columns(Index p) {
  std::vector<Index> c(static_cast<std::size_t>(p));
  std::iota(c.begin(), c.end(), Index{0});
  return c;
}

Eigen::MatrixXd gaussian_matrix(Index rows, Index cols, std::uint64_t seed) {
  return make_synthetic({.samples = rows, .features = cols, .sparsity = 0, .seed = seed})
      .design.dense_columns(all_columns(cols));
}

/// The same matrix with about half of its entries set to zero, stored sparse.
Design sparsified(const Design& design, std::uint64_t seed) {
  Eigen::MatrixXd x = design.dense_columns(all_columns(design.cols()));
  const Eigen::MatrixXd mask = gaussian_matrix(x.rows(), x.cols(), seed);
  for (Index i = 0; i < x.rows(); ++i)
    for (Index j = 0; j < x.cols(); ++j)
      if (std::abs(mask(i, j)) < 0.7) x(i, j) = 0.0;
  return Design(Design::Sparse(x.sparseView()));
}

SyntheticInstance instance(Index n, Index p, bool logistic, std::uint64_t seed) {
  return make_synthetic({.samples = n,
                         .features = p,
                         .sparsity = 5,
                         .correlation = 0.3,
                         .noise = 0.5,
                         .logistic = logistic,
                         .seed = seed});
}

double sign(double x) {
  return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0);
}

/// Checks the Lasso KKT conditions of `point` with the problem's own gradient.
template <class Problem>
void expect_kkt(const Problem& problem, const L1PathPoint& point, const std::string& label) {
  constexpr double kTol = 1e-7;
  Vector g;
  problem.value_and_gradient(point.w, g);
  const Index p = problem.features();
  const double lambda = point.lambda;
  double active_violation = 0.0, inactive_excess = 0.0;
  for (Index j = 0; j < p; ++j) {
    if (point.w[j] != 0.0) {
      active_violation = std::max(active_violation, std::abs(g[j] + lambda * sign(point.w[j])));
    } else {
      inactive_excess = std::max(inactive_excess, std::abs(g[j]) - lambda * (1.0 + kTol));
    }
  }
  EXPECT_LE(active_violation, kTol) << label << " λ=" << lambda;
  EXPECT_LE(inactive_excess, 0.0) << label << " λ=" << lambda;
  if (problem.options().intercept) {
    EXPECT_NEAR(g[p], 0.0, kTol) << label << " λ=" << lambda;
  }
  EXPECT_TRUE(point.converged) << label << " λ=" << lambda;
  EXPECT_NEAR(point.loss, problem.value(point.w), 1e-12 * (1.0 + std::abs(point.loss))) << label;
  EXPECT_NEAR(point.objective, point.loss + lambda * point.w.head(p).lpNorm<1>(),
              1e-12 * (1.0 + point.objective))
      << label;
  EXPECT_EQ(point.nonzeros, (point.w.head(p).array() != 0.0).count()) << label;
}

template <class Problem>
void expect_kkt_along_path(const Problem& problem, const L1PathOptions& options,
                           const std::string& label) {
  const L1Path path = lasso_path(problem, options);
  ASSERT_EQ(static_cast<Index>(path.points.size()), options.path_length) << label;
  Index largest_support = 0;
  for (const L1PathPoint& point : path.points) {
    expect_kkt(problem, point, label);
    largest_support = std::max(largest_support, point.nonzeros);
  }
  EXPECT_GT(largest_support, 3) << label;  // the path reaches well into the nonzero regime
}

TEST(L1Path, KktConditionsHoldAtEveryLambda) {
  for (bool logistic : {false, true}) {
    for (bool sparse : {false, true}) {
      for (bool intercept : {false, true}) {
        for (auto [n, p] : {std::pair<Index, Index>{60, 25}, {40, 90}}) {
          const auto inst = instance(n, p, logistic, 5);
          const Design design = sparse ? sparsified(inst.design, 9) : inst.design;
          const std::string label = std::string(logistic ? "logistic" : "least squares") +
                                    (sparse ? " sparse" : " dense") +
                                    (intercept ? " +intercept" : "") + " n=" + std::to_string(n) +
                                    " p=" + std::to_string(p);
          // glmnet's min_ratio for n < p: further down, the path approaches interpolation
          // (least squares) or separation (logistic), where coordinate descent crawls.
          const L1PathOptions options{.path_length = 30, .min_ratio = p > n ? 1e-2 : 1e-3};
          if (logistic) {
            expect_kkt_along_path(LogisticProblem(design, inst.response, {.intercept = intercept}),
                                  options, label);
          } else {
            expect_kkt_along_path(
                LeastSquaresProblem(design, inst.response, {.intercept = intercept}), options,
                label);
          }
        }
      }
    }
  }
}

TEST(L1Path, KktConditionsHoldWithRidge) {
  const auto ls = instance(50, 70, false, 6);
  expect_kkt_along_path(
      LeastSquaresProblem(ls.design, ls.response, {.ridge = 0.2, .intercept = true}),
      {.path_length = 20}, "least squares elastic net");
  const auto lg = instance(50, 70, true, 6);
  expect_kkt_along_path(LogisticProblem(lg.design, lg.response, {.ridge = 0.05, .intercept = true}),
                        {.path_length = 20}, "logistic elastic net");
}

TEST(L1Path, ScreeningDoesNotChangeTheSolutions) {
  const auto inst = instance(50, 70, true, 12);
  const LogisticProblem problem(inst.design, inst.response, {.intercept = true});
  const L1Path reference = lasso_path(problem, {.path_length = 15});
  for (bool active_set : {false, true}) {
    for (bool strong_rule : {false, true}) {
      const L1Path path = lasso_path(
          problem, {.path_length = 15, .active_set = active_set, .strong_rule = strong_rule});
      ASSERT_EQ(path.points.size(), reference.points.size());
      for (std::size_t k = 0; k < path.points.size(); ++k) {
        expect_kkt(problem, path.points[k], "screening variant");
        EXPECT_LT((path.points[k].w - reference.points[k].w).lpNorm<Eigen::Infinity>(), 1e-7);
      }
    }
  }
}

template <class Problem>
void expect_lambda_max_is_sharp(const Problem& problem, const std::string& label) {
  const Index p = problem.features();
  // The intercept-only fit (zero without intercept).
  const Vector start =
      problem.options().intercept
          ? problem.minimize_on(problem.space().empty_support(), problem.space().zeros())
          : problem.space().zeros();
  Vector g;
  problem.value_and_gradient(start, g);
  const double lambda_max = l1_lambda_max(problem);
  EXPECT_NEAR(lambda_max, g.head(p).lpNorm<Eigen::Infinity>(), 1e-9 * lambda_max) << label;

  const L1Path path = lasso_path(problem, {.path_length = 5});
  EXPECT_EQ(path.lambda_max, lambda_max) << label;
  const L1PathPoint& first = path.points.front();
  EXPECT_EQ(first.lambda, lambda_max) << label;
  EXPECT_EQ(first.nonzeros, 0) << label;
  EXPECT_TRUE((first.w.head(p).array() == 0.0).all()) << label;
  if (problem.options().intercept) {
    EXPECT_NEAR(first.w[p], start[p], 1e-9) << label;
  }

  const L1Path below = lasso_path(problem, {.lambdas = {lambda_max * (1.0 - 1e-6)}});
  EXPECT_GE(below.points.front().nonzeros, 1) << label;
  const L1Path above = lasso_path(problem, {.lambdas = {lambda_max * (1.0 + 1e-9)}});
  EXPECT_EQ(above.points.front().nonzeros, 0) << label;
}

TEST(L1Path, LambdaMaxIsTheSmallestLambdaWithAZeroSolution) {
  for (bool intercept : {false, true}) {
    for (bool sparse : {false, true}) {
      const auto ls = instance(40, 30, false, 2);
      const auto lg = instance(40, 30, true, 2);
      const std::string label =
          std::string(sparse ? "sparse" : "dense") + (intercept ? " +intercept" : "");
      expect_lambda_max_is_sharp(
          LeastSquaresProblem(sparse ? sparsified(ls.design, 4) : ls.design, ls.response,
                              {.ridge = 0.1, .intercept = intercept}),
          "least squares " + label);
      expect_lambda_max_is_sharp(LogisticProblem(sparse ? sparsified(lg.design, 4) : lg.design,
                                                 lg.response, {.intercept = intercept}),
                                 "logistic " + label);
    }
  }
}

/// Independent reference: FISTA with adaptive restart (O'Donoghue & Candès) on
/// F(θ) = (1/n) Σ ℓ(aᵢ·θ, yᵢ) + (λ₂/2)‖w‖² + λ‖w‖₁, θ = (w, b), A = [X 1].
template <class Loss>
Vector fista(const Eigen::MatrixXd& x, const Vector& y, bool intercept, double ridge,
             double lambda) {
  const Index n = x.rows(), p = x.cols(), q = intercept ? 1 : 0;
  Eigen::MatrixXd a(n, p + q);
  a.leftCols(p) = x;
  if (intercept) a.col(p).setOnes();
  const double lipschitz =
      Loss::kCurvatureBound * Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(a.transpose() * a / n)
                                  .eigenvalues()
                                  .maxCoeff() +
      ridge;
  const double step = 1.0 / lipschitz;
  auto gradient = [&](const Vector& theta) {
    const Vector z = a * theta;
    Vector r(n);
    for (Index i = 0; i < n; ++i) r[i] = Loss::derivative(z[i], y[i]) / n;
    Vector g = a.transpose() * r;
    g.head(p) += ridge * theta.head(p);
    return g;
  };
  auto prox = [&](Vector v) {
    for (Index j = 0; j < p; ++j) v[j] = sign(v[j]) * std::max(std::abs(v[j]) - step * lambda, 0.0);
    return v;
  };
  Vector theta = Vector::Zero(p + q), previous = theta, momentum = theta;
  double t = 1.0;
  for (int iteration = 0; iteration < 200000; ++iteration) {
    const Vector next = prox(momentum - step * gradient(momentum));
    if ((momentum - next).dot(next - theta) > 0.0) {  // restart when momentum goes uphill
      t = 1.0;
      momentum = theta;
      continue;
    }
    const double t_next = 0.5 * (1.0 + std::sqrt(1.0 + 4.0 * t * t));
    previous = theta;
    theta = next;
    momentum = theta + ((t - 1.0) / t_next) * (theta - previous);
    t = t_next;
    if ((theta - previous).lpNorm<Eigen::Infinity>() < 1e-15) break;
  }
  return theta;
}

template <class Loss>
void expect_matches_fista(const SyntheticInstance& inst, bool intercept, double ridge) {
  const GlmProblem<Loss> problem(inst.design, inst.response,
                                 {.ridge = ridge, .intercept = intercept});
  const double lambda_max = l1_lambda_max(problem);
  const std::vector<double> lambdas = {0.5 * lambda_max, 0.1 * lambda_max, 0.02 * lambda_max};
  const L1Path path = lasso_path(problem, {.lambdas = lambdas});
  const Eigen::MatrixXd x = inst.design.dense_columns(all_columns(inst.design.cols()));
  for (std::size_t k = 0; k < lambdas.size(); ++k) {
    const Vector reference = fista<Loss>(x, problem.response(), intercept, ridge, lambdas[k]);
    const double reference_objective =
        problem.value(reference) + lambdas[k] * reference.head(x.cols()).template lpNorm<1>();
    const L1PathPoint& point = path.points[k];
    EXPECT_NEAR(point.objective, reference_objective, 1e-9 * reference_objective)
        << Loss::kName << " λ=" << lambdas[k];
    EXPECT_LT((point.w - reference).template lpNorm<Eigen::Infinity>(), 1e-6)
        << Loss::kName << " λ=" << lambdas[k];
  }
}

TEST(L1Path, AgreesWithProximalGradientReference) {
  for (bool intercept : {false, true}) {
    for (double ridge : {0.0, 0.05}) {
      expect_matches_fista<SquaredLoss>(instance(40, 25, false, 21), intercept, ridge);
      expect_matches_fista<LogisticLoss>(instance(80, 12, true, 22), intercept, ridge);
    }
  }
}

TEST(L1Path, OrthonormalDesignGivesSoftThresholdedLeastSquares) {
  const Index n = 50, p = 20;
  for (bool intercept : {false, true}) {
    for (double ridge : {0.0, 0.3}) {
      // With intercept, the columns are also orthogonal to the constant column, so that the
      // intercept is mean(y) and the coefficients decouple: XᵀX/n = I, Xᵀ1 = 0.
      Eigen::MatrixXd m = gaussian_matrix(n, p + 1, 31);
      m.col(0).setOnes();
      const Eigen::MatrixXd q = Eigen::HouseholderQR<Eigen::MatrixXd>(m).householderQ() *
                                Eigen::MatrixXd::Identity(n, p + 1);
      const Eigen::MatrixXd x = std::sqrt(static_cast<double>(n)) * q.rightCols(p);
      const Vector y = 3.0 * gaussian_matrix(n, 1, 32).col(0).array() + 1.5;
      const LeastSquaresProblem problem(Design(x), y, {.ridge = ridge, .intercept = intercept});
      const Vector correlation = x.transpose() * y / static_cast<double>(n);
      const L1Path path = lasso_path(problem, {.path_length = 25, .min_ratio = 1e-3});
      ASSERT_EQ(path.points.size(), 25u);
      EXPECT_NEAR(path.lambda_max, correlation.lpNorm<Eigen::Infinity>(), 1e-12);
      for (const L1PathPoint& point : path.points) {
        for (Index j = 0; j < p; ++j) {
          const double c = correlation[j];
          const double expected =
              sign(c) * std::max(std::abs(c) - point.lambda, 0.0) / (1.0 + ridge);
          EXPECT_NEAR(point.w[j], expected, 1e-10) << "j=" << j << " λ=" << point.lambda;
        }
        if (intercept) {
          EXPECT_NEAR(point.w[p], y.mean(), 1e-10);
        }
      }
    }
  }
}

template <class Problem>
void expect_warm_starts_save_sweeps(const Problem& problem, const std::string& label) {
  const L1Path path = lasso_path(problem, {.path_length = 30, .min_ratio = 1e-2});
  Index warm = 0, cold = 0;
  for (const L1PathPoint& point : path.points) {
    warm += point.sweeps;
    const L1Path single = lasso_path(problem, {.lambdas = {point.lambda}});
    cold += single.points.front().sweeps;
    EXPECT_TRUE(point.converged && single.points.front().converged) << label;
    EXPECT_NEAR(single.points.front().objective, point.objective, 1e-9 * point.objective) << label;
  }
  EXPECT_LT(warm, cold) << label;
}

TEST(L1Path, WarmStartsNeedFewerSweepsThanColdStarts) {
  const auto ls = instance(80, 120, false, 41);
  expect_warm_starts_save_sweeps(LeastSquaresProblem(ls.design, ls.response, {.intercept = true}),
                                 "least squares");
  const auto lg = instance(80, 120, true, 41);
  expect_warm_starts_save_sweeps(LogisticProblem(lg.design, lg.response, {.intercept = true}),
                                 "logistic");
}

TEST(L1Path, DenseAndSparseStorageGiveTheSamePath) {
  const auto inst = instance(50, 60, true, 51);
  const Design sparse = sparsified(inst.design, 52);
  const Design dense(sparse.dense_columns(all_columns(sparse.cols())));
  const LogisticProblem a(dense, inst.response, {.intercept = true});
  const LogisticProblem b(sparse, inst.response, {.intercept = true});
  const L1Path pa = lasso_path(a, {.path_length = 20}), pb = lasso_path(b, {.path_length = 20});
  ASSERT_EQ(pa.points.size(), pb.points.size());
  for (std::size_t k = 0; k < pa.points.size(); ++k)
    EXPECT_LT((pa.points[k].w - pb.points[k].w).lpNorm<Eigen::Infinity>(), 1e-8);
}

TEST(L1Path, MaxNonzerosStopsThePath) {
  const auto inst = instance(60, 80, false, 61);
  const LeastSquaresProblem problem(inst.design, inst.response);
  const L1Path full = lasso_path(problem, {.path_length = 40, .min_ratio = 1e-2});
  const L1Path stopped =
      lasso_path(problem, {.path_length = 40, .min_ratio = 1e-2, .max_nonzeros = 6});
  ASSERT_LT(stopped.points.size(), full.points.size());
  EXPECT_GT(stopped.points.back().nonzeros, 6);
  for (std::size_t k = 0; k + 1 < stopped.points.size(); ++k) {
    EXPECT_LE(stopped.points[k].nonzeros, 6);
    EXPECT_EQ(stopped.points[k].w, full.points[k].w);
  }
}

template <class Problem>
void expect_budget_respected(const Problem& problem, const std::string& label) {
  const LassoPathSelection solver({.path = {.path_length = 50, .min_ratio = 1e-2}});
  const L1Path full = lasso_path(problem, {.path_length = 50, .min_ratio = 1e-2});
  for (Index k : {1, 3, 5, 10}) {
    const auto result = solver.minimize(problem, k);
    const Index p = problem.features();
    EXPECT_LE((result.w.head(p).array() != 0.0).count(), k) << label << " k=" << k;
    EXPECT_LE(problem.space().size(result.support), k) << label << " k=" << k;
    // The returned point is the last one of the path before the first over the budget.
    std::size_t last = 0;
    while (last + 1 < full.points.size() && full.points[last + 1].nonzeros <= k) ++last;
    EXPECT_EQ(result.w, full.points[last].w) << label << " k=" << k;
    EXPECT_EQ(result.reason,
              last + 1 < full.points.size() ? StopReason::kBudgetReached : StopReason::kConverged)
        << label;
    ASSERT_EQ(result.trace.rows.size(), last + 1) << label;
    for (std::size_t r = 0; r < result.trace.rows.size(); ++r) {
      EXPECT_EQ(result.trace.rows[r].iteration, static_cast<Index>(r));
      EXPECT_LE(result.trace.rows[r].support_size, k);
      EXPECT_NEAR(result.trace.rows[r].objective, full.points[r].loss, 1e-12 * full.points[r].loss);
    }
    EXPECT_EQ(result.trace.rows.front().support_size, 0);
    EXPECT_EQ(result.objective, result.trace.rows.back().objective);
    if (problem.options().intercept) {
      EXPECT_TRUE(std::binary_search(result.support.begin(), result.support.end(), p));
    }
  }
}

TEST(LassoPathSelection, RespectsTheSparsityBudget) {
  const auto ls = instance(60, 100, false, 71);
  expect_budget_respected(LeastSquaresProblem(ls.design, ls.response, {.intercept = true}),
                          "least squares");
  const auto lg = instance(60, 100, true, 71);
  expect_budget_respected(LogisticProblem(lg.design, lg.response, {.intercept = true}), "logistic");
}

TEST(LassoPathSelection, FallsBackToTheInterceptFitWhenTheFirstLambdaIsOverBudget) {
  const auto inst = instance(60, 40, false, 75);
  const LeastSquaresProblem problem(inst.design, inst.response, {.intercept = true});
  const double lambda_max = l1_lambda_max(problem);
  const LassoPathSelection solver({.path = {.lambdas = {0.01 * lambda_max, 0.005 * lambda_max}}});
  const auto result = solver.minimize(problem, 2);
  EXPECT_TRUE((result.w.head(40).array() == 0.0).all());
  EXPECT_NEAR(result.w[40], inst.response.mean(), 1e-12);
  EXPECT_EQ(result.support, (std::vector<Index>{40}));
  EXPECT_EQ(result.reason, StopReason::kBudgetReached);
  EXPECT_EQ(result.iterations, 1);  // the path stopped after its first, over-budget point
  ASSERT_EQ(result.trace.rows.size(), 1u);
  EXPECT_EQ(result.trace.rows[0].support_size, 0);
}

TEST(LassoPathSelection, RecoversPlantedSupportWithDebiasing) {
  const auto inst = make_synthetic({.samples = 200,
                                    .features = 500,
                                    .sparsity = 10,
                                    .signal = 1.0,
                                    .noise = 0.0,
                                    .normalize = true,
                                    .seed = 81});
  for (bool intercept : {false, true}) {
    const LeastSquaresProblem problem(inst.design, inst.response, {.intercept = intercept});
    const LassoPathSelection solver({.path = {.path_length = 100}, .debias = true});
    const auto result = solver.minimize(problem, 10);
    EXPECT_EQ(problem.space().constrained_part(result.support), inst.support);
    EXPECT_LT((result.w.head(500) - inst.planted).lpNorm<Eigen::Infinity>(), 1e-6);
    if (intercept) {
      EXPECT_NEAR(result.w[500], 0.0, 1e-6);
    }
    EXPECT_LT(result.objective, 1e-12);
    // The refit adds one trace row after the path rows.
    EXPECT_EQ(result.trace.rows.back().iteration,
              result.trace.rows[result.trace.rows.size() - 2].iteration + 1);
  }
}

TEST(L1Path, RerunsAreBitIdentical) {
  const auto inst = instance(50, 80, true, 91);
  const LogisticProblem problem(Design(sparsified(inst.design, 92)), inst.response,
                                {.intercept = true});
  const L1Path a = lasso_path(problem, {.path_length = 20});
  const L1Path b = lasso_path(problem, {.path_length = 20});
  ASSERT_EQ(a.points.size(), b.points.size());
  for (std::size_t k = 0; k < a.points.size(); ++k) {
    EXPECT_EQ(a.points[k].w, b.points[k].w);
    EXPECT_EQ(a.points[k].objective, b.points[k].objective);
    EXPECT_EQ(a.points[k].sweeps, b.points[k].sweeps);
  }
  const LassoPathSelection solver({.debias = true});
  const auto r1 = solver.minimize(problem, 7), r2 = solver.minimize(problem, 7);
  EXPECT_EQ(r1.w, r2.w);
  EXPECT_EQ(r1.support, r2.support);
  EXPECT_EQ(r1.objective, r2.objective);
}

/// ℓ(z + dz) − ℓ(z) in extended precision: the Taylor series to the fourth order for small
/// steps (its remainder is below 1e-16 of the change), the difference of values otherwise.
long double logistic_change_reference(double z, double dz, double y) {
  if (std::abs(dz) > 1e-3) {
    auto value = [y](long double t) {
      const long double m = -y * t;
      return m > 0 ? m + std::log1p(std::exp(-m)) : std::log1p(std::exp(m));
    };
    return value(static_cast<long double>(z) + dz) - value(z);
  }
  // σ(z) and σ(−z) = 1 − σ(z) each evaluated directly (no cancellation).
  const long double plus = 1.0L / (1.0L + std::exp(-static_cast<long double>(z)));
  const long double minus = 1.0L / (1.0L + std::exp(static_cast<long double>(z)));
  const long double first = y > 0 ? -minus : plus;
  const long double second = plus * minus;
  const long double third = second * (minus - plus);
  const long double fourth = second * (1.0L - 6.0L * plus * minus);
  const long double h = dz;
  return h * (first + h * (second / 2.0L + h * (third / 6.0L + h * fourth / 24.0L)));
}

TEST(LossChange, AgreesWithAnExtendedPrecisionReference) {
  for (double y : {-1.0, 1.0}) {
    for (double z : {-40.0, -3.0, -0.2, 0.0, 0.7, 5.0, 30.0}) {
      for (double dz : {-2.5, -1e-3, -1e-9, 1e-12, 3e-7, 0.5, 4.0}) {
        const auto reference = static_cast<double>(logistic_change_reference(z, dz, y));
        EXPECT_NEAR(LogisticLoss::change(z, dz, y), reference, 1e-13 * std::abs(reference))
            << "z=" << z << " dz=" << dz << " y=" << y;
        const auto squared =
            static_cast<double>(static_cast<long double>(dz) * (z - y) + 0.5L * dz * dz);
        EXPECT_NEAR(SquaredLoss::change(z, dz, y), squared, 1e-15 * std::abs(squared));
      }
    }
  }
}

// The line search accepts a full Newton step by ℓ(z + δ) − ℓ(z) ≤ ℓ'(z)δ + ℓ''(z)δ²ψ(R|δ|) alone;
// the bound must lie above the exact change everywhere and approach the quadratic model
// (ψ → 1/2) as δ → 0.
TEST(LossChange, SelfConcordanceBoundIsAboveTheChangeAndTightForSmallSteps) {
  for (double y : {-1.0, 1.0}) {
    for (double z : {-40.0, -3.0, -0.2, 0.0, 0.7, 5.0, 30.0}) {
      // ℓ' and ℓ'' from σ(z) and σ(−z) each evaluated directly: ℓ'' = σ(z)(1 − σ(z)) in double
      // loses its digits at |z| = 30.
      const long double plus = 1.0L / (1.0L + std::exp(-static_cast<long double>(z)));
      const long double minus = 1.0L / (1.0L + std::exp(static_cast<long double>(z)));
      const auto first = static_cast<double>(y > 0 ? -minus : plus);
      const auto second = static_cast<double>(plus * minus);
      for (double dz : {-6.0, -2.5, -1.0, -1e-3, -1e-9, 1e-12, 3e-7, 0.5, 1.0, 4.0, 9.0}) {
        const auto exact = static_cast<double>(logistic_change_reference(z, dz, y));
        const double quadratic = first * dz + 0.5 * second * dz * dz;
        const double bound =
            first * dz + second * dz * dz *
                             self_concordance_factor(LogisticLoss::kSelfConcordance * std::abs(dz));
        const double scale = std::abs(first * dz) + second * dz * dz;
        EXPECT_GE(bound, exact - 1e-14 * scale) << "z=" << z << " dz=" << dz << " y=" << y;
        if (std::abs(dz) <= 1e-3 && second > 1e-6)
          EXPECT_NEAR(bound - first * dz, quadratic - first * dz,
                      0.2e-3 * second * dz * dz + 1e-15 * scale)
              << "z=" << z << " dz=" << dz;
      }
    }
  }
  EXPECT_DOUBLE_EQ(self_concordance_factor(0.0), 0.5);
  EXPECT_NEAR(self_concordance_factor(1.0), std::exp(1.0) - 2.0, 1e-15);
  for (double x : {1e-9, 0.99e-3, 1e-3, 1.01e-3, 0.3, 2.0, 7.0}) {  // both sides of the series
    long double series = 0.0L, term = 0.5L;
    for (int k = 2; k < 60; term *= static_cast<long double>(x) / (k + 1), ++k) series += term;
    EXPECT_NEAR(self_concordance_factor(x), static_cast<double>(series), 1e-12) << "x=" << x;
  }
}

/// One-hot encoded categorical features (each group of columns sums to the intercept's column
/// of ones) and many samples, as in the Adult (a9a) data: a logistic model whose objective
/// value carries a rounding error far above the decrease of a Newton step near the optimum.
LogisticProblem one_hot_problem(Index n, std::uint64_t seed) {
  constexpr Index kGroups = 6, kLevels = 4;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<Index> level(0, kLevels - 1);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<Eigen::Triplet<double>> entries;
  Vector y(n);
  for (Index i = 0; i < n; ++i) {
    double z = -1.0;
    for (Index g = 0; g < kGroups; ++g) {
      const Index l = level(rng);
      entries.emplace_back(i, g * kLevels + l, 1.0);
      if (g < 2 && l == 0) z += 1.5;
    }
    y[i] = uniform(rng) < 1.0 / (1.0 + std::exp(-z)) ? 1.0 : -1.0;
  }
  Design::Sparse x(n, kGroups * kLevels);
  x.setFromTriplets(entries.begin(), entries.end());
  return LogisticProblem(Design(std::move(x)), y, {.intercept = true});
}

/// The KKT violation of F_λ at a path point, in gradient units (as the solver measures it).
double kkt_violation(const LogisticProblem& problem, const L1PathPoint& point) {
  Vector g;
  problem.value_and_gradient(point.w, g);
  const Index p = problem.features();
  double violation = problem.options().intercept ? std::abs(g[p]) : 0.0;
  for (Index j = 0; j < p; ++j)
    violation =
        std::max(violation, point.w[j] != 0.0 ? std::abs(g[j] + point.lambda * sign(point.w[j]))
                                              : std::abs(g[j]) - point.lambda);
  return violation;
}

TEST(L1Path, LogisticWithInterceptReachesTheToleranceOnOneHotFeatures) {
  const LogisticProblem problem = one_hot_problem(40000, 3);
  const double lambda_max = l1_lambda_max(problem);
  for (double tolerance : {1e-10, 1e-12}) {
    const L1Path path =
        lasso_path(problem, {.path_length = 12,
                             .min_ratio = 0.05,
                             .stopping = {.max_iterations = 500, .gradient_tolerance = tolerance}});
    ASSERT_EQ(path.points.size(), 12u);
    for (const L1PathPoint& point : path.points) {
      EXPECT_TRUE(point.converged) << "λ/λmax=" << point.lambda / lambda_max;
      EXPECT_LE(point.sweeps, 200) << "λ/λmax=" << point.lambda / lambda_max;
      // The solver's own KKT measure, recomputed independently (a few ulps of slack).
      EXPECT_LE(kkt_violation(problem, point), 2.0 * tolerance * lambda_max + 1e-15);
    }
    EXPECT_GE(path.points.back().nonzeros, 2);
  }
}

std::filesystem::path shared_libsvm_file(const std::string& name) {
  return std::filesystem::path(CARDINAL_TEST_DATA_DIR) / ".." / ".." / ".." / "shared" / "data" /
         "libsvm" / name;
}

TEST(L1Path, LogisticPathConvergesOnAdultAndWebData) {
  for (const std::string name : {"a9a", "w8a"}) {
    const std::filesystem::path file = shared_libsvm_file(name);
    if (!std::filesystem::exists(file)) GTEST_SKIP() << file << " is absent";
    Dataset data = read_libsvm(file);
    const LogisticProblem problem(std::move(data.design), data.response, {.intercept = true});
    const double lambda_max = l1_lambda_max(problem);
    // The two-point path that stalled at its sweep limit with a violation of 3e-7·λmax, then
    // glmnet's path down to 10 nonzeros: every point meets the tolerance.
    for (const L1PathOptions& options :
         {L1PathOptions{.path_length = 2,
         .min_ratio = 0.9326033468832199,
         .stopping = {.max_iterations = 1000}},
          L1PathOptions{.stopping = {.max_iterations = 1000}, .max_nonzeros = 10}}) {
      const L1Path path = lasso_path(problem, options);
      for (const L1PathPoint& point : path.points) {
        EXPECT_TRUE(point.converged) << name << " λ/λmax=" << point.lambda / lambda_max;
        EXPECT_LE(kkt_violation(problem, point),
                  2.0 * options.stopping.gradient_tolerance * lambda_max + 1e-15)
            << name << " λ/λmax=" << point.lambda / lambda_max;
      }
    }
  }
}

TEST(L1Path, RejectsBadOptions) {
  const auto inst = instance(30, 10, false, 101);
  const LeastSquaresProblem problem(inst.design, inst.response);
  EXPECT_THROW(lasso_path(problem, {.lambdas = {0.5, -0.1}}), InvalidInput);
  EXPECT_THROW(lasso_path(problem, {.lambdas = {std::nan("")}}), InvalidInput);
  EXPECT_THROW(lasso_path(problem, {.min_ratio = 0.0}), InvalidInput);
  EXPECT_THROW(lasso_path(problem, {.min_ratio = 1.0}), InvalidInput);
  EXPECT_THROW(lasso_path(problem, {.min_ratio = -0.5}), InvalidInput);
  EXPECT_THROW(lasso_path(problem, {.path_length = 0}), InvalidInput);
  EXPECT_THROW(lasso_path(problem, {.stopping = {.gradient_tolerance = -1.0}}), InvalidInput);
  EXPECT_THROW(lasso_path(problem, {.stopping = {.max_iterations = 0}}), InvalidInput);
  const LassoPathSelection bad_path({.path = {.path_length = 0}});
  EXPECT_THROW(bad_path.minimize(problem, 3), InvalidInput);
  const LassoPathSelection solver;
  EXPECT_THROW(solver.minimize(problem, 0), InvalidInput);
  EXPECT_THROW(solver.minimize(problem, 11), InvalidInput);
  // λ = 0 is valid (the unpenalized fit).
  EXPECT_NO_THROW(lasso_path(problem, {.lambdas = {0.0}}));

  const Vector one_class = Vector::Ones(30);
  const LogisticProblem separable(inst.design, one_class, {.intercept = true});
  EXPECT_THROW(lasso_path(separable), InvalidInput);
}

}  // namespace
}  // namespace cardinal
