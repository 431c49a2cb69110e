#include "cardinal/convex/glm_problem.hpp"

#include <gtest/gtest.h>

#include <Eigen/Dense>

#include "cardinal/bridge/error.hpp"
#include "cardinal/convex/data/synthetic.hpp"

namespace cardinal {
namespace {

template <class Problem>
void expect_gradient_matches_finite_differences(const Problem& problem, const Eigen::VectorXd& w) {
  Eigen::VectorXd g;
  problem.value_and_gradient(w, g);
  ASSERT_EQ(g.size(), w.size());
  for (Index i = 0; i < w.size(); ++i) {
    const double h = 1e-6;
    Eigen::VectorXd plus = w, minus = w;
    plus[i] += h;
    minus[i] -= h;
    const double fd = (problem.value(plus) - problem.value(minus)) / (2 * h);
    EXPECT_NEAR(g[i], fd, 1e-6 * (1.0 + std::abs(fd))) << "coordinate " << i;
  }
}

SyntheticInstance small_instance(bool logistic, std::uint64_t seed = 3) {
  return make_synthetic({.samples = 40,
                         .features = 12,
                         .sparsity = 3,
                         .correlation = 0.3,
                         .noise = 0.1,
                         .logistic = logistic,
                         .seed = seed});
}

Eigen::VectorXd random_point(Index size, std::uint64_t seed) {
  return make_synthetic({.samples = size, .features = 1, .sparsity = 0, .seed = seed})
      .design.dense_columns(std::vector<Index>{0});
}

TEST(GlmProblem, GradientsMatchFiniteDifferences) {
  for (bool intercept : {false, true}) {
    for (double ridge : {0.0, 0.3}) {
      auto ls = small_instance(false);
      LeastSquaresProblem p(ls.design, ls.response, {.ridge = ridge, .intercept = intercept});
      expect_gradient_matches_finite_differences(p, random_point(p.space().total_dimension(), 7));
      auto lg = small_instance(true);
      LogisticProblem q(lg.design, lg.response, {.ridge = ridge, .intercept = intercept});
      expect_gradient_matches_finite_differences(q, random_point(q.space().total_dimension(), 8));
    }
  }
}

TEST(GlmProblem, DenseAndSparseDesignsAgree) {
  auto inst = small_instance(true);
  const Eigen::MatrixXd dense =
      inst.design.dense_columns(std::vector<Index>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  LogisticProblem a(Design(dense), inst.response, {.intercept = true});
  LogisticProblem b(Design(Design::Sparse(dense.sparseView())), inst.response, {.intercept = true});
  const Eigen::VectorXd w = random_point(13, 5);
  Eigen::VectorXd ga, gb;
  EXPECT_NEAR(a.value_and_gradient(w, ga), b.value_and_gradient(w, gb), 1e-13);
  EXPECT_LT((ga - gb).norm(), 1e-13);
  const CoordinateSpace::Support support{1, 4, 7, 12};
  EXPECT_LT((a.minimize_on(support, a.space().zeros()) - b.minimize_on(support, b.space().zeros()))
                .norm(),
            1e-8);
}

TEST(GlmProblem, LeastSquaresRestrictedSolveSatisfiesNormalEquations) {
  auto inst = small_instance(false);
  LeastSquaresProblem p(inst.design, inst.response, {.ridge = 0.05, .intercept = true});
  const CoordinateSpace::Support support{0, 2, 5, 9, 12};
  const Eigen::VectorXd w = p.minimize_on(support, p.space().zeros());
  Eigen::VectorXd g;
  p.value_and_gradient(w, g);
  EXPECT_LT(p.space().norm_on(g, support), 1e-12);
  for (Index i = 0; i < 12; ++i)
    if (!std::binary_search(support.begin(), support.end(), i)) EXPECT_EQ(w[i], 0.0);
}

// Independent reference: Newton's method on the restricted logistic objective, with the
// Hessian formed explicitly.
Eigen::VectorXd newton_logistic(const Eigen::MatrixXd& a, const Eigen::VectorXd& y, double ridge) {
  const Index n = a.rows(), k = a.cols();
  Eigen::VectorXd v = Eigen::VectorXd::Zero(k);
  for (int it = 0; it < 100; ++it) {
    const Eigen::VectorXd z = a * v;
    Eigen::VectorXd r(n), c(n);
    for (Index i = 0; i < n; ++i) {
      const double s = 1.0 / (1.0 + std::exp(y[i] * z[i]));  // σ(−y z)
      r[i] = -y[i] * s / static_cast<double>(n);
      c[i] = s * (1 - s) / static_cast<double>(n);
    }
    Eigen::VectorXd g = a.transpose() * r + ridge * v;
    Eigen::MatrixXd h = a.transpose() * c.asDiagonal() * a;
    h.diagonal().array() += ridge;
    const Eigen::VectorXd step = h.ldlt().solve(g);
    v -= step;
    if (step.norm() < 1e-15) break;
  }
  return v;
}

TEST(GlmProblem, CeresLogisticRestrictedSolveMatchesNewton) {
  auto inst = small_instance(true, 11);
  const double ridge = 0.01;
  LogisticProblem p(inst.design, inst.response, {.ridge = ridge});
  const CoordinateSpace::Support support{1, 3, 4, 8};
  const Eigen::VectorXd w = p.minimize_on(support, p.space().zeros());
  const Eigen::VectorXd reference =
      newton_logistic(inst.design.dense_columns(support), inst.response, ridge);
  for (std::size_t j = 0; j < support.size(); ++j)
    EXPECT_NEAR(w[support[j]], reference[static_cast<Index>(j)], 1e-8);
  Eigen::VectorXd g;
  p.value_and_gradient(w, g);
  EXPECT_LT(p.space().norm_on(g, support), 1e-8);
}

TEST(GlmProblem, LineSearchMinimizesAlongTheDirection) {
  for (bool logistic : {false, true}) {
    auto inst = small_instance(logistic);
    const Eigen::VectorXd w = 0.1 * random_point(12, 2), d = random_point(12, 4);
    auto check = [&](const auto& p) {
      const double eta = p.minimize_along(w, d);
      Eigen::VectorXd g;
      p.value_and_gradient(w + eta * d, g);
      EXPECT_NEAR(g.dot(d), 0.0, 1e-9) << (logistic ? "logistic" : "least squares");
    };
    if (logistic)
      check(LogisticProblem(inst.design, inst.response));
    else
      check(LeastSquaresProblem(inst.design, inst.response));
  }
}

TEST(GlmProblem, RejectsBadInputWithClearMessages) {
  auto inst = small_instance(false);
  Eigen::VectorXd short_y = inst.response.head(10);
  EXPECT_THROW(LeastSquaresProblem(inst.design, short_y), InvalidInput);
  Eigen::VectorXd nan_y = inst.response;
  nan_y[3] = std::nan("");
  EXPECT_THROW(LeastSquaresProblem(inst.design, nan_y), InvalidInput);
  EXPECT_THROW(LogisticProblem(inst.design, inst.response), InvalidInput);  // not labels
  Eigen::MatrixXd bad = Eigen::MatrixXd::Ones(3, 2);
  bad(1, 1) = std::numeric_limits<double>::infinity();
  EXPECT_THROW(Design{bad}, InvalidInput);
  EXPECT_THROW(LeastSquaresProblem(inst.design, inst.response, {.ridge = -1.0}), InvalidInput);
}

TEST(GlmProblem, ZeroOneLabelsAreMappedToPlusMinusOne) {
  Eigen::MatrixXd x(4, 1);
  x << 1, 2, 3, 4;
  Eigen::VectorXd y01(4), ypm(4);
  y01 << 0, 1, 0, 1;
  ypm << -1, 1, -1, 1;
  LogisticProblem a(Design(x), y01), b(Design(x), ypm);
  EXPECT_EQ(a.response(), b.response());
}

}  // namespace
}  // namespace cardinal
