// The smooth minimizer: what it returns, and its logging switch (`--quiet` silences Ceres
// Solver's glog output).
#include "cardinal/convex/smooth_minimizer.hpp"

#include <glog/logging.h>
#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace cardinal {
namespace {

TEST(MinimizerWarnings, TurnedOffTheyPrintNothing) {
  testing::internal::CaptureStderr();
  LOG(WARNING) << "a warning Ceres would print";
  EXPECT_NE(testing::internal::GetCapturedStderr().find("a warning Ceres would print"),
            std::string::npos);
  set_minimizer_warnings(false);
  testing::internal::CaptureStderr();
  LOG(WARNING) << "a warning Ceres would print";
  LOG(ERROR) << "an error Ceres would print";
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  set_minimizer_warnings(true);
}

TEST(MinimizerWarnings, MinimizingStillWorksWithoutThem) {
  set_minimizer_warnings(false);
  const Eigen::VectorXd x = minimize_smooth(
                                [](const Eigen::VectorXd& v, Eigen::VectorXd& g) {
                                  g = 2.0 * (v.array() - 3.0).matrix();
                                  return (v.array() - 3.0).square().sum();
                                },
                                Eigen::VectorXd::Zero(4))
                                .x;
  EXPECT_TRUE(x.isApprox(Eigen::VectorXd::Constant(4, 3.0), 1e-9));
  set_minimizer_warnings(true);
}

TEST(MinimizeSmooth, ConvergesOnAQuadraticAndSaysItIsUsable) {
  const Eigen::VectorXd center = Eigen::VectorXd::LinSpaced(5, -2.0, 2.0);
  const SmoothMinimum m = minimize_smooth(
      [&center](const Eigen::VectorXd& v, Eigen::VectorXd& g) {
        g = 2.0 * (v - center);
        return (v - center).squaredNorm();
      },
      Eigen::VectorXd::Zero(5));
  EXPECT_TRUE(m.usable) << m.message;
  EXPECT_TRUE(m.x.isApprox(center, 1e-9));
  EXPECT_FALSE(m.message.empty());
}

TEST(MinimizeSmooth, AnUnusableAnswerReturnsTheStartingPoint) {
  // The objective is not finite even at the start: Ceres fails and its point is not used.
  const Eigen::VectorXd start = Eigen::VectorXd::Constant(3, 1.0);
  const SmoothMinimum m = minimize_smooth(
      [](const Eigen::VectorXd& v, Eigen::VectorXd& g) {
        g = Eigen::VectorXd::Constant(v.size(), std::numeric_limits<double>::quiet_NaN());
        return std::numeric_limits<double>::quiet_NaN();
      },
      start);
  EXPECT_FALSE(m.usable) << m.message;
  EXPECT_EQ(m.x, start);
}

TEST(MinimizeSmooth, NoParametersIsTriviallyUsable) {
  const SmoothMinimum m = minimize_smooth(
      [](const Eigen::VectorXd&, Eigen::VectorXd&) { return 0.0; }, Eigen::VectorXd());
  EXPECT_TRUE(m.usable);
  EXPECT_EQ(m.x.size(), 0);
}

}  // namespace
}  // namespace cardinal
