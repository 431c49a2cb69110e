#include "cardinal/bridge/budget.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

#include "cardinal/bridge/error.hpp"

namespace cardinal {
namespace {

Index sum(const std::vector<Index>& v) {
  return std::accumulate(v.begin(), v.end(), Index{0});
}

TEST(SplitBudget, ProportionalSharesWithTheRemainderToTheLargestRemainders) {
  // 10 · (3, 5, 2) / 10 is exact.
  EXPECT_EQ(split_budget(10, {3, 5, 2}), (std::vector<Index>{3, 5, 2}));
  // 4 · (3, 5, 2) / 10 = (1.2, 2.0, 0.8): floors (1, 2, 0), the one left goes to 0.8.
  EXPECT_EQ(split_budget(4, {3, 5, 2}), (std::vector<Index>{1, 2, 1}));
  // Equal remainders: the earlier block first. 1 · (1, 1) / 2 = (0.5, 0.5).
  EXPECT_EQ(split_budget(1, {1, 1}), (std::vector<Index>{1, 0}));
}

TEST(SplitBudget, SumsToTheBudgetAndNeverExceedsABlock) {
  const std::vector<Index> sizes = {7, 1, 13, 0, 4, 29};
  for (Index k = 0; k <= sum(sizes); ++k) {
    const std::vector<Index> budget = split_budget(k, sizes);
    ASSERT_EQ(sum(budget), k);
    for (std::size_t b = 0; b < sizes.size(); ++b) {
      EXPECT_GE(budget[b], 0);
      EXPECT_LE(budget[b], sizes[b]) << "k = " << k << ", block " << b;
    }
  }
}

TEST(SplitBudget, LargeBlocksDoNotOverflow) {
  const Index big = Index{1} << 40;
  const std::vector<Index> budget = split_budget(big, {big, big});
  EXPECT_EQ(budget, (std::vector<Index>{big / 2, big / 2}));
}

TEST(SplitBudget, EmptyBlocksAndInvalidBudgets) {
  EXPECT_EQ(split_budget(0, {}), std::vector<Index>{});
  EXPECT_EQ(split_budget(0, {0, 0}), (std::vector<Index>{0, 0}));
  EXPECT_THROW(split_budget(-1, {3}), InvalidInput);
  EXPECT_THROW(split_budget(4, {3}), InvalidInput);
}

TEST(SplitBudgetByDensity, DensitiesProportionalToTheGivenWeights) {
  // ε(100·1 + 10·4) = 30: ε = 3/14, budgets 21.43 and 8.57, the leftover one to the second.
  EXPECT_EQ(split_budget(30, {100, 10}, {1.0, 4.0}), (std::vector<Index>{21, 9}));
  // Equal densities are split_budget's split, bit for bit.
  for (Index k : {0, 1, 5, 17, 54})
    EXPECT_EQ(split_budget(k, {7, 1, 13, 0, 4, 29}, std::vector<double>(6, 0.25)),
              split_budget(k, {7, 1, 13, 0, 4, 29}))
        << k;
}

TEST(SplitBudgetByDensity, ABlockThatWouldExceedDensityOneIsKeptWholeAndTheRestResolved) {
  // ε(1000 + 10·1000) = 100 would give the small block density 9.1: it is kept whole (10) and
  // the other takes the remaining 90.
  EXPECT_EQ(split_budget(100, {1000, 10}, {1.0, 1000.0}), (std::vector<Index>{90, 10}));
  // Saturation cascades: once the densest block is whole, the next one saturates too.
  EXPECT_EQ(split_budget(60, {1000, 40, 10}, {1.0, 200.0, 1000.0}),
            (std::vector<Index>{10, 40, 10}));
}

TEST(SplitBudgetByDensity, SumsToTheBudgetAndNeverExceedsABlock) {
  const std::vector<Index> sizes = {235200, 30000, 1000, 0, 37};
  const std::vector<double> density = {1084.0 / 235200.0, 400.0 / 30000.0, 110.0 / 1000.0, 1.0,
                                       38.0 / 37.0};
  for (Index k = 0; k <= sum(sizes); k += 997) {
    const std::vector<Index> budget = split_budget(k, sizes, density);
    ASSERT_EQ(sum(budget), k);
    for (std::size_t b = 0; b < sizes.size(); ++b) {
      EXPECT_GE(budget[b], 0);
      EXPECT_LE(budget[b], sizes[b]) << "k = " << k << ", block " << b;
    }
  }
  EXPECT_EQ(split_budget(sum(sizes), sizes, density), sizes);
}

TEST(SplitBudgetByDensity, RejectsDensitiesThatAreNotPositive) {
  EXPECT_THROW(split_budget(1, {3, 3}, {1.0}), InvalidInput);
  EXPECT_THROW(split_budget(1, {3, 3}, {1.0, 0.0}), InvalidInput);
  EXPECT_THROW(split_budget(1, {3, 3}, {1.0, std::nan("")}), InvalidInput);
  EXPECT_THROW(split_budget(7, {3, 3}, {1.0, 2.0}), InvalidInput);
}

}  // namespace
}  // namespace cardinal
