#include "cardinal/experiments/solving/sparsity_level.hpp"

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
  for (const char* bad :
       {"0", "-3", "501", "2.5", "abc", "", "nan", "inf", "10x", "1e300", "1e400", "1e-400"})
    EXPECT_THROW(parse_sparsity(bad, 500), InvalidInput) << bad;
}

TEST(ParseSparsity, MessagesNameTheOptionAndTheValueAsGiven) {
  for (const std::string bad : {"1e300", "nan", "1e400", "-3"}) {
    try {
      parse_sparsity(bad, 500);
      ADD_FAILURE() << bad << " accepted";
    } catch (const InvalidInput& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("--sparsity"), std::string::npos) << message;
      EXPECT_NE(message.find("'" + bad + "'"), std::string::npos) << message;
      EXPECT_EQ(message.find("9223372036854775808"), std::string::npos) << message;
    }
  }
}

}  // namespace
}  // namespace cardinal
