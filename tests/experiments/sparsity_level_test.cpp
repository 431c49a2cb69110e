#include "cardinal/experiments/sparsity_level.hpp"

#include <gtest/gtest.h>

#include "cardinal/bridge/error.hpp"

namespace cardinal {
namespace {

TEST(ParseSparsity, IntegersCountNonzerosAndFractionsScaleWithTheDimension) {
  EXPECT_EQ(parse_sparsity("10", 500), 10);
  EXPECT_EQ(parse_sparsity("500", 500), 500);
  EXPECT_EQ(parse_sparsity("0.1", 123), 12);
  EXPECT_EQ(parse_sparsity("0.001", 123), 1);  // never rounds down to zero
}

TEST(ParseSparsity, RejectsImpossibleValues) {
  for (const char* bad : {"0", "-3", "501", "2.5", "abc", "", "nan", "inf", "10x"})
    EXPECT_THROW(parse_sparsity(bad, 500), InvalidInput) << bad;
}

}  // namespace
}  // namespace cardinal
