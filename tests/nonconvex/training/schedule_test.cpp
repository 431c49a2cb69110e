// Learning-rate schedules: exact values at chosen iterations, and apply().
#include <gtest/gtest.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>

#include <cmath>
#include <string>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/training/schedule.hpp"

namespace cardinal {
namespace {

constexpr double kPi = 3.14159265358979323846;

TEST(Schedule, ConstantWithLinearWarmup) {
  const LearningRateSchedule constant({.kind = ScheduleKind::kConstant, .base_lr = 0.1});
  EXPECT_EQ(constant.lr(0), 0.1);
  EXPECT_EQ(constant.lr(123456), 0.1);

  const LearningRateSchedule warm(
      {.kind = ScheduleKind::kConstant, .base_lr = 0.1, .warmup_iterations = 4});
  EXPECT_DOUBLE_EQ(warm.lr(0), 0.025);
  EXPECT_DOUBLE_EQ(warm.lr(1), 0.05);
  EXPECT_DOUBLE_EQ(warm.lr(2), 0.075);
  EXPECT_EQ(warm.lr(3), 0.1);
  EXPECT_EQ(warm.lr(4), 0.1);
  EXPECT_EQ(warm.lr(1000), 0.1);
}

TEST(Schedule, StepDropsByGammaAtEachMilestone) {
  const LearningRateSchedule step(
      {.kind = ScheduleKind::kStep, .base_lr = 0.1, .milestones = {10, 20}, .gamma = 0.1});
  EXPECT_EQ(step.lr(0), 0.1);
  EXPECT_EQ(step.lr(9), 0.1);
  EXPECT_DOUBLE_EQ(step.lr(10), 0.01);
  EXPECT_DOUBLE_EQ(step.lr(19), 0.01);
  EXPECT_DOUBLE_EQ(step.lr(20), 0.001);
  EXPECT_DOUBLE_EQ(step.lr(100000), 0.001);

  // Warm-up multiplies the step schedule; milestones count from iteration 0.
  const LearningRateSchedule warm({.kind = ScheduleKind::kStep,
                                   .base_lr = 0.4,
                                   .milestones = {3},
                                   .gamma = 0.5,
                                   .warmup_iterations = 5});
  EXPECT_DOUBLE_EQ(warm.lr(0), 0.4 * 1 / 5);
  EXPECT_DOUBLE_EQ(warm.lr(2), 0.4 * 3 / 5);
  EXPECT_DOUBLE_EQ(warm.lr(3), 0.2 * 4 / 5);
  EXPECT_DOUBLE_EQ(warm.lr(4), 0.2);
  EXPECT_DOUBLE_EQ(warm.lr(9), 0.2);
}

TEST(Schedule, CosineEndpointsAndMidpoints) {
  const double base = 0.1;
  const double final_lr = 0.001;
  const LearningRateSchedule cosine({.kind = ScheduleKind::kCosine,
                                     .base_lr = base,
                                     .total_iterations = 100,
                                     .final_lr = final_lr});
  EXPECT_EQ(cosine.lr(0), base);
  EXPECT_DOUBLE_EQ(cosine.lr(100), final_lr);
  EXPECT_DOUBLE_EQ(cosine.lr(250), final_lr);
  EXPECT_NEAR(cosine.lr(50), (base + final_lr) / 2, 1e-15);
  // cos(π/4) = √2/2; cos(3π/4) = −√2/2.
  EXPECT_DOUBLE_EQ(cosine.lr(25), final_lr + (base - final_lr) * (1 + std::sqrt(0.5)) / 2);
  EXPECT_DOUBLE_EQ(cosine.lr(75), final_lr + (base - final_lr) * (1 - std::sqrt(0.5)) / 2);
  for (Index t = 1; t <= 100; ++t) EXPECT_LT(cosine.lr(t), cosine.lr(t - 1)) << t;

  const LearningRateSchedule warm({.kind = ScheduleKind::kCosine,
                                   .base_lr = 1.0,
                                   .total_iterations = 40,
                                   .warmup_iterations = 10});
  EXPECT_DOUBLE_EQ(warm.lr(0), 0.1 * (1 + std::cos(kPi * 0 / 40)) / 2);
  EXPECT_DOUBLE_EQ(warm.lr(4), 0.5 * (1 + std::cos(kPi * 4 / 40)) / 2);
  EXPECT_DOUBLE_EQ(warm.lr(9), (1 + std::cos(kPi * 9 / 40)) / 2);
  EXPECT_DOUBLE_EQ(warm.lr(20), 0.5);
  EXPECT_EQ(warm.lr(40), 0.0);
}

TEST(Schedule, RewindingIsEvaluatingAtAnOffset) {
  // Renda et al.: retraining step t after rewinding to iteration k uses lr(k + t). The schedule
  // is pure, so evaluating in any order, or many times, gives the same values.
  const LearningRateSchedule step(
      {.kind = ScheduleKind::kStep, .base_lr = 0.1, .milestones = {10, 20}, .gamma = 0.1});
  std::vector<double> forward;
  for (Index t = 0; t < 30; ++t) forward.push_back(step.lr(t));
  const Index k = 12;
  for (Index t = 17; t >= 0; --t) EXPECT_EQ(step.lr(k + t), forward[k + t]);
}

TEST(Schedule, ApplySetsEveryParameterGroup) {
  const LearningRateSchedule step(
      {.kind = ScheduleKind::kStep, .base_lr = 0.1, .milestones = {10}, .gamma = 0.1});
  const torch::Tensor a = torch::zeros({3}, torch::requires_grad());
  const torch::Tensor b = torch::zeros({2}, torch::requires_grad());
  torch::optim::SGD sgd(
      {torch::optim::OptimizerParamGroup({a}), torch::optim::OptimizerParamGroup({b})},
      torch::optim::SGDOptions(0.5));
  step.apply(sgd, 10);
  ASSERT_EQ(sgd.param_groups().size(), 2u);
  for (const auto& group : sgd.param_groups()) EXPECT_DOUBLE_EQ(group.options().get_lr(), 0.01);
  step.apply(sgd, 3);
  for (const auto& group : sgd.param_groups()) EXPECT_EQ(group.options().get_lr(), 0.1);

  torch::optim::Adam adam({a, b}, torch::optim::AdamOptions(0.5));
  step.apply(adam, 11);
  EXPECT_DOUBLE_EQ(adam.param_groups()[0].options().get_lr(), 0.01);
}

TEST(Schedule, InvalidSpecsAreNamed) {
  const auto message = [](const ScheduleSpec& spec) -> std::string {
    try {
      LearningRateSchedule{spec};
    } catch (const InvalidInput& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_NE(message({.kind = ScheduleKind::kCosine}).find("total_iterations"), std::string::npos);
  EXPECT_NE(message({.kind = ScheduleKind::kStep, .milestones = {5, 5}}).find("milestones"),
            std::string::npos);
  EXPECT_NE(message({.kind = ScheduleKind::kStep, .gamma = 0.0}).find("gamma"), std::string::npos);
  EXPECT_NE(message({.base_lr = -1.0}).find("base_lr"), std::string::npos);
  EXPECT_NE(message({.warmup_iterations = -1}).find("warmup"), std::string::npos);
  EXPECT_NE(
      message(
          {.kind = ScheduleKind::kCosine, .base_lr = 0.1, .total_iterations = 10, .final_lr = 0.2})
          .find("final_lr"),
      std::string::npos);
  EXPECT_THROW(LearningRateSchedule(ScheduleSpec{}).lr(-1), InvalidInput);
  EXPECT_EQ(parse_schedule_kind("cosine"), ScheduleKind::kCosine);
  EXPECT_EQ(parse_schedule_kind("step"), ScheduleKind::kStep);
  EXPECT_EQ(parse_schedule_kind("constant"), ScheduleKind::kConstant);
  EXPECT_THROW(parse_schedule_kind("linear"), InvalidInput);
}

}  // namespace
}  // namespace cardinal
