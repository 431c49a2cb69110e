#include "cardinal/convex/smooth_minimizer.hpp"

#include <ceres/gradient_problem.h>
#include <ceres/gradient_problem_solver.h>
#include <glog/logging.h>

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace cardinal {
namespace {

class Objective final : public ceres::FirstOrderFunction {
 public:
  Objective(const ValueAndGradient& f, int n) : f_(f), n_(n), x_(n), g_(n) {}

  bool Evaluate(const double* parameters, double* cost, double* gradient) const override {
    x_ = Eigen::Map<const Eigen::VectorXd>(parameters, n_);
    *cost = f_(x_, g_);
    if (gradient != nullptr) Eigen::Map<Eigen::VectorXd>(gradient, n_) = g_;
    return std::isfinite(*cost);
  }
  int NumParameters() const override { return n_; }

 private:
  const ValueAndGradient& f_;
  int n_;
  mutable Eigen::VectorXd x_, g_;
};

}  // namespace

SmoothMinimum minimize_smooth(const ValueAndGradient& f, Eigen::VectorXd x0,
                              const SmoothMinimizerOptions& options) {
  const int n = static_cast<int>(x0.size());
  if (n == 0) return {std::move(x0), true, "no parameters"};
  Eigen::VectorXd x = x0;
  ceres::GradientProblem problem(new Objective(f, n));
  ceres::GradientProblemSolver::Options o;
  o.line_search_direction_type = n <= options.dense_bfgs_max_dimension ? ceres::BFGS : ceres::LBFGS;
  o.gradient_tolerance = options.gradient_tolerance;
  o.function_tolerance = 1e-16;
  o.parameter_tolerance = 1e-16;
  o.max_num_iterations = options.max_iterations;
  o.logging_type = ceres::SILENT;
  ceres::GradientProblemSolver::Summary summary;
  ceres::Solve(o, problem, x.data(), &summary);
  if (std::getenv("CARDINAL_DEBUG_CERES"))
    std::fprintf(stderr, "%s\n", summary.FullReport().c_str());
  const bool usable = summary.IsSolutionUsable();
  return {usable ? std::move(x) : std::move(x0), usable, summary.message};
}

void set_minimizer_warnings(bool enabled) {
  FLAGS_minloglevel = enabled ? google::GLOG_INFO : google::GLOG_FATAL;
}

}  // namespace cardinal
