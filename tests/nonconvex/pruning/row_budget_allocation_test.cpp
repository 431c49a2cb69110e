#include "cardinal/nonconvex/pruning/row_budget_allocation.hpp"

#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "cardinal/bridge/error.hpp"

namespace cardinal {
namespace {

double scaled_sum(const std::vector<Eigen::VectorXd>& paths, const std::vector<double>& scales,
                  const std::vector<Index>& budgets) {
  double sum = 0.0;
  for (std::size_t r = 0; r < paths.size(); ++r) sum += scales[r] * paths[r][budgets[r]];
  return sum;
}

/// The least scaled sum over every split of `kept` among the rows, by enumeration.
double brute_force_minimum(const std::vector<Eigen::VectorXd>& paths,
                           const std::vector<double>& scales, Index kept) {
  double best = std::numeric_limits<double>::infinity();
  std::vector<Index> k(paths.size(), 0);
  while (true) {
    if (std::accumulate(k.begin(), k.end(), Index{0}) == kept)
      best = std::min(best, scaled_sum(paths, scales, k));
    std::size_t r = 0;
    while (r < k.size() && k[r] == paths[r].size() - 1) k[r++] = 0;
    if (r == k.size()) return best;
    ++k[r];
  }
}

/// A decreasing convex path of `length` + 1 points: partial sums of decreasing positive gains.
Eigen::VectorXd convex_path(Index length, std::mt19937& rng) {
  std::uniform_real_distribution<double> uniform(0.1, 1.0);
  std::vector<double> gains(static_cast<std::size_t>(length));
  for (double& g : gains) g = uniform(rng);
  std::sort(gains.begin(), gains.end(), std::greater<>());
  Eigen::VectorXd path = Eigen::VectorXd::Zero(length + 1);
  for (Index k = length - 1; k >= 0; --k)
    path[k] = path[k + 1] + gains[static_cast<std::size_t>(k)];
  return path;
}

TEST(RowBudgetAllocation, ConvexPathsGetTheBruteForceOptimumAtEveryBudget) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> scale(0.2, 3.0);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<Eigen::VectorXd> paths;
    std::vector<double> scales;
    for (Index length : {3, 5, 4, 2}) {
      paths.push_back(convex_path(length, rng));
      scales.push_back(scale(rng));
    }
    for (Index kept = 0; kept <= 14; ++kept) {
      const std::vector<Index> budgets = allocate_along_error_paths(paths, scales, kept);
      ASSERT_EQ(budgets.size(), paths.size());
      EXPECT_EQ(std::accumulate(budgets.begin(), budgets.end(), Index{0}), kept);
      for (std::size_t r = 0; r < paths.size(); ++r) {
        EXPECT_GE(budgets[r], 0);
        EXPECT_LE(budgets[r], paths[r].size() - 1);
      }
      const double best = brute_force_minimum(paths, scales, kept);
      EXPECT_NEAR(scaled_sum(paths, scales, budgets), best, 1e-12 * (1.0 + best))
          << "trial " << trial << " kept " << kept;
    }
  }
}

TEST(RowBudgetAllocation, NonConvexPathsAreAllocatedAlongTheirHulls) {
  // Row 0 falls little for its first weight and much for its second: its hull goes from 0 to 2
  // in one segment of gain 2 per weight, ahead of row 1's gain 1.
  const std::vector<Eigen::VectorXd> paths = {(Eigen::VectorXd(3) << 4.0, 3.9, 0.0).finished(),
                                              (Eigen::VectorXd(3) << 2.0, 1.0, 0.0).finished()};
  const std::vector<double> scales = {1.0, 1.0};
  EXPECT_EQ(allocate_along_error_paths(paths, scales, 2), (std::vector<Index>{2, 0}));
  EXPECT_EQ(allocate_along_error_paths(paths, scales, 3), (std::vector<Index>{2, 1}));
  // With one weight the hull segment is cut short (the minorant's optimum, not the path's).
  EXPECT_EQ(allocate_along_error_paths(paths, scales, 1), (std::vector<Index>{1, 0}));
  // Scales decide between rows: row 1 weighted 3× gains 3 per weight, ahead of row 0's 2.
  EXPECT_EQ(allocate_along_error_paths(paths, {1.0, 3.0}, 2), (std::vector<Index>{0, 2}));
  // Equal rows: ties go to the row listed first, one hull segment at a time.
  const std::vector<Eigen::VectorXd> same(2, (Eigen::VectorXd(3) << 3.0, 1.0, 0.0).finished());
  EXPECT_EQ(allocate_along_error_paths(same, scales, 1), (std::vector<Index>{1, 0}));
  EXPECT_EQ(allocate_along_error_paths(same, scales, 2), (std::vector<Index>{1, 1}));
}

std::string refusal(const std::vector<Eigen::VectorXd>& paths, const std::vector<double>& scales,
                    Index kept) {
  try {
    allocate_along_error_paths(paths, scales, kept);
  } catch (const InvalidInput& e) {
    return e.what();
  }
  return "accepted";
}

TEST(RowBudgetAllocation, RefusesBadInputNamingIt) {
  const std::vector<Eigen::VectorXd> paths = {(Eigen::VectorXd(3) << 2.0, 1.0, 0.0).finished()};
  EXPECT_NE(refusal(paths, {1.0}, 3).find("outside [0, 2]"), std::string::npos);
  EXPECT_NE(refusal(paths, {1.0}, -1).find("outside [0, 2]"), std::string::npos);
  EXPECT_NE(refusal(paths, {-1.0}, 1).find("scale"), std::string::npos);
  EXPECT_NE(refusal(paths, {1.0, 1.0}, 1).find("1 error paths but 2 scales"), std::string::npos);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_NE(refusal({(Eigen::VectorXd(2) << nan, 0.0).finished()}, {1.0}, 1).find("not finite"),
            std::string::npos);
  EXPECT_NE(refusal({Eigen::VectorXd()}, {1.0}, 0).find("empty"), std::string::npos);
}

}  // namespace
}  // namespace cardinal
