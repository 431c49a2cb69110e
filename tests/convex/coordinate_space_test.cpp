#include "cardinal/convex/coordinate_space.hpp"

#include <gtest/gtest.h>

#include "cardinal/bridge/parameter_space.hpp"

namespace cardinal {
namespace {

static_assert(ParameterSpace<CoordinateSpace>);

using Support = CoordinateSpace::Support;

TEST(CoordinateSpace, LargestPicksMagnitudesAndBreaksTiesTowardsSmallerIndex) {
  CoordinateSpace s(6);
  Eigen::VectorXd x(6);
  x << 0.5, -3.0, 2.0, -2.0, 0.0, 1.0;
  EXPECT_EQ(s.largest(x, 1), (Support{1}));
  EXPECT_EQ(s.largest(x, 2), (Support{1, 2}));  // |2| = |-2|: index 2 before 3
  EXPECT_EQ(s.largest(x, 3), (Support{1, 2, 3}));
  EXPECT_EQ(s.largest(x, 10), (Support{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(s.largest(x, 0), Support{});
}

TEST(CoordinateSpace, FreeCoordinatesAreAlwaysSelectedAndNeverCounted) {
  CoordinateSpace s(4, 1);
  Eigen::VectorXd x(5);
  x << 1.0, 4.0, -2.0, 3.0, 0.0;
  const Support a = s.largest(x, 2);
  EXPECT_EQ(a, (Support{1, 3, 4}));
  EXPECT_EQ(s.size(a), 2);
  EXPECT_EQ(s.empty_support(), (Support{4}));
  EXPECT_EQ(s.largest_outside(x, a, 1), (Support{2, 4}));
  EXPECT_EQ(s.largest_in(x, a, 1), (Support{1, 4}));
  EXPECT_EQ(s.support_of(x), (Support{0, 1, 2, 3, 4}));
}

TEST(CoordinateSpace, RestrictZeroesTheComplementAndNormsSplitTheVector) {
  CoordinateSpace s(5);
  Eigen::VectorXd x(5);
  x << 1.0, 2.0, 3.0, 4.0, 5.0;
  const Support a{0, 3};
  EXPECT_DOUBLE_EQ(s.norm_on(x, a), std::sqrt(17.0));
  EXPECT_DOUBLE_EQ(s.norm_off(x, a), std::sqrt(4.0 + 9.0 + 25.0));
  Eigen::VectorXd y = x;
  s.restrict(y, a);
  EXPECT_EQ(y, (Eigen::VectorXd(5) << 1.0, 0.0, 0.0, 4.0, 0.0).finished());
  EXPECT_EQ(s.unite(a, Support{1, 3}), (Support{0, 1, 3}));
}

TEST(CoordinateSpace, NanSortsBelowEveryNumber) {
  CoordinateSpace s(3);
  Eigen::VectorXd x(3);
  x << std::nan(""), 1.0, 0.5;
  EXPECT_EQ(s.largest(x, 2), (Support{1, 2}));
}

}  // namespace
}  // namespace cardinal
