#include "cardinal/bridge/budget.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace cardinal
