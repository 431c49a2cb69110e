#include "cardinal/solvers/compressive_sampling_matching_pursuit.hpp"
#include <gtest/gtest.h>

#include <Eigen/QR>
#include <algorithm>
#include <numeric>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/solver.hpp"
#include "cardinal/convex/data/synthetic.hpp"
#include "cardinal/convex/glm_problem.hpp"
#include "cardinal/solvers/gradient_support_pursuit.hpp"
#include "solvers/support_helpers.hpp"

namespace cardinal {
namespace {

using test_support::nonzeros;
using test_support::top_k;

// CoSaMP is defined for least squares only: its requires-clause rejects the logistic loss.
static_assert(SparseSolver<CompressiveSamplingMatchingPursuit, LeastSquaresProblem>);
static_assert(!SparseSolver<CompressiveSamplingMatchingPursuit, LogisticProblem>);

Eigen::MatrixXd dense(const Design& design) {
  std::vector<Index> all(static_cast<std::size_t>(design.cols()));
  std::iota(all.begin(), all.end(), Index{0});
  return design.dense_columns(all);
}

TEST(CompressiveSamplingMatchingPursuit, RecoversNoiselessGaussianInstances) {
  const CompressiveSamplingMatchingPursuit cosamp;
  for (std::uint64_t seed : {1, 2, 3, 4, 5, 6}) {
    const auto inst =
        make_synthetic({.samples = 200, .features = 500, .sparsity = 10, .seed = seed});
    const Eigen::MatrixXd x = dense(inst.design);
    for (bool sparse : {false, true}) {
      const LeastSquaresProblem problem(sparse ? Design(Design::Sparse(x.sparseView())) : Design(x),
                                        inst.response);
      const auto result = cosamp.minimize(problem, 10);
      const std::string label = "seed " + std::to_string(seed) + (sparse ? " sparse" : " dense");
      EXPECT_EQ(nonzeros(result.w, 500), inst.support) << label;
      EXPECT_EQ(result.support, inst.support) << label;
      EXPECT_LT((result.w - inst.planted).lpNorm<Eigen::Infinity>(), 1e-8) << label;
      EXPECT_EQ(result.reason, StopReason::kConverged) << label;
    }
  }
}

// Needell & Tropp's algorithm written on X and y: proxy Xᵀ(y − Xa), merge its 2s largest entries
// with supp(a), least squares on the merge, prune to s. CoSaMP must follow it iterate by iterate.
TEST(CompressiveSamplingMatchingPursuit, MatchesNeedellTroppIterateByIterate) {
  const auto inst = make_synthetic({.samples = 60,
                                    .features = 200,
                                    .sparsity = 12,
                                    .correlation = 0.7,
                                    .noise = 0.1,
                                    .seed = 81});
  const Eigen::MatrixXd x = dense(inst.design);
  const Eigen::VectorXd& y = inst.response;
  const LeastSquaresProblem problem(inst.design, y);
  // Needell & Tropp's iterates are the pruned ones (no refit at the end).
  const auto result =
      CompressiveSamplingMatchingPursuit({.stopping = {.max_iterations = 50}, .refit = false})
          .minimize(problem, 12);
  ASSERT_GE(result.iterations, 5) << "the instance should take several iterations";

  Eigen::VectorXd a = Eigen::VectorXd::Zero(200);
  std::vector<Index> support;
  for (Index t = 1; t <= result.iterations; ++t) {
    const Eigen::VectorXd proxy = x.transpose() * (y - x * a);
    std::vector<Index> merged;
    const std::vector<Index> omega = top_k(proxy, 24);
    std::set_union(omega.begin(), omega.end(), support.begin(), support.end(),
                   std::back_inserter(merged));
    Eigen::MatrixXd xt(60, static_cast<Index>(merged.size()));
    for (std::size_t j = 0; j < merged.size(); ++j)
      xt.col(static_cast<Index>(j)) = x.col(merged[j]);
    const Eigen::VectorXd coef = xt.completeOrthogonalDecomposition().solve(y);
    Eigen::VectorXd b = Eigen::VectorXd::Zero(200);
    for (std::size_t j = 0; j < merged.size(); ++j) b[merged[j]] = coef[static_cast<Index>(j)];
    support = top_k(b, 12);
    a.setZero();
    for (Index i : support) a[i] = b[i];
    const double f = (x * a - y).squaredNorm() / 120.0;
    EXPECT_NEAR(result.trace.rows[static_cast<std::size_t>(t)].objective, f, 1e-9 * f)
        << "iteration " << t;
  }
  EXPECT_EQ(result.support, support);
  EXPECT_LT((result.w - a).norm(), 1e-9 * a.norm());
}

// CoSaMP reuses GraSP's implementation; on least squares the two are the same algorithm and
// must agree bit for bit, at every iterate (the run capped at t iterations returns iterate t).
TEST(CompressiveSamplingMatchingPursuit, IsBitIdenticalToGraspOnLeastSquares) {
  const auto inst = make_synthetic({.samples = 60,
                                    .features = 200,
                                    .sparsity = 12,
                                    .correlation = 0.7,
                                    .noise = 0.1,
                                    .seed = 81});
  for (bool intercept : {false, true}) {
    const LeastSquaresProblem problem(inst.design, inst.response,
                                      {.ridge = intercept ? 0.01 : 0.0, .intercept = intercept});
    const auto cosamp = CompressiveSamplingMatchingPursuit().minimize(problem, 12);
    const auto grasp = GradientSupportPursuit().minimize(problem, 12);
    ASSERT_GE(cosamp.iterations, 3);
    EXPECT_EQ(cosamp.iterations, grasp.iterations);
    EXPECT_EQ(cosamp.reason, grasp.reason);
    ASSERT_EQ(cosamp.trace.rows.size(), grasp.trace.rows.size());
    for (std::size_t t = 0; t < cosamp.trace.rows.size(); ++t) {
      EXPECT_EQ(cosamp.trace.rows[t].objective, grasp.trace.rows[t].objective);
      EXPECT_EQ(cosamp.trace.rows[t].gradient_norm_off, grasp.trace.rows[t].gradient_norm_off);
    }
    for (Index t = 1; t <= cosamp.iterations; ++t) {
      const StoppingCriteria capped{.max_iterations = t};
      const auto c = CompressiveSamplingMatchingPursuit({.stopping = capped}).minimize(problem, 12);
      const auto g = GradientSupportPursuit({.stopping = capped}).minimize(problem, 12);
      EXPECT_EQ(c.w, g.w) << "iterate " << t;
      EXPECT_EQ(c.support, g.support) << "iterate " << t;
    }
  }
}

TEST(CompressiveSamplingMatchingPursuit, RejectsInvalidSparsity) {
  const auto inst = make_synthetic({.samples = 30, .features = 12, .sparsity = 3, .seed = 61});
  const LeastSquaresProblem problem(inst.design, inst.response);
  EXPECT_THROW(CompressiveSamplingMatchingPursuit().minimize(problem, 0), InvalidInput);
  EXPECT_THROW(CompressiveSamplingMatchingPursuit().minimize(problem, 13), InvalidInput);
  EXPECT_NO_THROW(CompressiveSamplingMatchingPursuit().minimize(problem, 7));
}

}  // namespace
}  // namespace cardinal
