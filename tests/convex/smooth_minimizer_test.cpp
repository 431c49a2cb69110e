// The logging switch of the smooth minimizer: `--quiet` silences Ceres Solver's glog output.
#include "cardinal/convex/smooth_minimizer.hpp"

#include <glog/logging.h>
#include <gtest/gtest.h>

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
      Eigen::VectorXd::Zero(4));
  EXPECT_TRUE(x.isApprox(Eigen::VectorXd::Constant(4, 3.0), 1e-9));
  set_minimizer_warnings(true);
}

}  // namespace
}  // namespace cardinal
