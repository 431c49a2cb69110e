#include "cardinal/bridge/smoothness.hpp"

#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>
#include <numeric>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/convex/data/synthetic.hpp"
#include "cardinal/convex/glm_problem.hpp"

namespace cardinal {
namespace {

Eigen::MatrixXd dense_design(const Design& design) {
  std::vector<Index> all(static_cast<std::size_t>(design.cols()));
  std::iota(all.begin(), all.end(), Index{0});
  return design.dense_columns(all);
}

double largest_eigenvalue(const Eigen::MatrixXd& symmetric) {
  return Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(symmetric, Eigen::EigenvaluesOnly)
      .eigenvalues()
      .maxCoeff();
}

// XᵀX/n of the n × p design, with p < n so that the spectrum has a clear top gap.
TEST(EstimateSmoothness, LeastSquaresMatchesLargestEigenvalueOfTheGram) {
  for (std::uint64_t seed : {1, 2, 3}) {
    const auto inst = make_synthetic({.samples = 200, .features = 60, .sparsity = 5, .seed = seed});
    const LeastSquaresProblem problem(inst.design, inst.response);
    const Eigen::MatrixXd x = dense_design(inst.design);
    const double exact = largest_eigenvalue(x.transpose() * x / 200.0);
    for (const Eigen::VectorXd& at :
         {Eigen::VectorXd(Eigen::VectorXd::Zero(60)), Eigen::VectorXd(inst.planted),
          Eigen::VectorXd(Eigen::VectorXd::LinSpaced(60, -2.0, 3.0))}) {
      const double estimate = estimate_smoothness(problem, at, 300);
      EXPECT_NEAR(estimate, exact, 1e-6 * exact) << "seed " << seed;
    }
  }
}

// The compressed-sensing shape (p > n): the top of the Marchenko–Pastur spectrum is crowded,
// so power iteration needs many iterations; the default 30 give a lower estimate within 10%.
TEST(EstimateSmoothness, WideDesignConvergesToTheLargestEigenvalue) {
  const auto inst = make_synthetic({.samples = 200, .features = 500, .sparsity = 10, .seed = 4});
  const Eigen::MatrixXd x = dense_design(inst.design);
  const double exact = largest_eigenvalue(x.transpose() * x / 200.0);
  for (bool sparse : {false, true}) {
    const Design design = sparse ? Design(Design::Sparse(x.sparseView())) : Design(x);
    const LeastSquaresProblem problem(design, inst.response);
    const Eigen::VectorXd zero = Eigen::VectorXd::Zero(500);
    EXPECT_NEAR(estimate_smoothness(problem, zero, 600), exact, 1e-6 * exact);
    const double rough = estimate_smoothness(problem, zero);
    EXPECT_LE(rough, exact * (1 + 1e-7));
    EXPECT_GE(rough, 0.9 * exact);
  }
}

TEST(EstimateSmoothness, RidgeAndInterceptShiftTheSpectrum) {
  const auto inst = make_synthetic({.samples = 150, .features = 40, .sparsity = 4, .seed = 9});
  const LeastSquaresProblem problem(inst.design, inst.response, {.ridge = 0.7, .intercept = true});
  Eigen::MatrixXd a(150, 41);
  a.leftCols(40) = dense_design(inst.design);
  a.col(40).setOnes();
  Eigen::MatrixXd hessian = a.transpose() * a / 150.0;
  hessian.diagonal().head(40).array() += 0.7;
  const double exact = largest_eigenvalue(hessian);
  const double estimate = estimate_smoothness(problem, Eigen::VectorXd::Zero(41), 300);
  EXPECT_NEAR(estimate, exact, 1e-6 * exact);
}

// Logistic: ∇²f(w) = Xᵀ D(w) X / n with D ≤ 1/4, so L(w) ≤ λ_max(XᵀX/n)/4 everywhere, and at
// w = 0 (all curvatures exactly 1/4) the bound is attained. Away from 0 the estimate must match
// the exact Hessian built here.
TEST(EstimateSmoothness, LogisticIsBoundedByAQuarterOfTheGram) {
  const auto inst = make_synthetic(
      {.samples = 300, .features = 50, .sparsity = 4, .signal = 2.0, .logistic = true, .seed = 5});
  const LogisticProblem problem(inst.design, inst.response);
  const Eigen::MatrixXd x = dense_design(inst.design);
  const double bound = 0.25 * largest_eigenvalue(x.transpose() * x / 300.0);

  const double at_zero = estimate_smoothness(problem, Eigen::VectorXd::Zero(50), 300);
  EXPECT_LE(at_zero, bound * (1 + 1e-6));
  EXPECT_NEAR(at_zero, bound, 1e-5 * bound);

  const Eigen::VectorXd w = inst.planted;
  const Eigen::VectorXd z = x * w;
  Eigen::VectorXd curvature(300);
  for (Index i = 0; i < 300; ++i) curvature[i] = LogisticLoss::curvature(z[i], 0.0) / 300.0;
  const double exact = largest_eigenvalue(x.transpose() * curvature.asDiagonal() * x);
  const double at_planted = estimate_smoothness(problem, w, 300);
  EXPECT_LE(at_planted, bound);
  EXPECT_NEAR(at_planted, exact, 1e-5 * exact);
  EXPECT_GT(at_planted, 0.05 * bound);  // the ballpark of the bound, not a vanishing value
}

TEST(EstimateSmoothness, DeterministicAndDegenerateCases) {
  const auto inst = make_synthetic({.samples = 80, .features = 30, .sparsity = 3, .seed = 6});
  const LeastSquaresProblem problem(inst.design, inst.response);
  const Eigen::VectorXd zero = Eigen::VectorXd::Zero(30);
  EXPECT_EQ(estimate_smoothness(problem, zero, 20), estimate_smoothness(problem, zero, 20));
  EXPECT_THROW(estimate_smoothness(problem, zero, 0), InvalidInput);

  // y = 0 and w = 0: the gradient vanishes and so does the point, no direction can be built.
  const LeastSquaresProblem flat(inst.design, Eigen::VectorXd::Zero(80));
  EXPECT_EQ(estimate_smoothness(flat, zero), 0.0);
  // A zero gradient at a nonzero point: the point itself starts the iteration.
  const auto tall = make_synthetic({.samples = 200, .features = 60, .sparsity = 5, .seed = 1});
  const Eigen::MatrixXd x = dense_design(tall.design);
  const double exact = largest_eigenvalue(x.transpose() * x / 200.0);
  const LeastSquaresProblem fitted(
      tall.design, LeastSquaresProblem(tall.design, tall.response).linear_predictor(tall.planted));
  Eigen::VectorXd g;
  fitted.value_and_gradient(tall.planted, g);
  ASSERT_EQ(g.norm(), 0.0);
  EXPECT_NEAR(estimate_smoothness(fitted, tall.planted, 300), exact, 1e-6 * exact);
}

}  // namespace
}  // namespace cardinal
