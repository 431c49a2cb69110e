#include "cardinal/nonconvex/training/schedule.hpp"

#include <torch/optim/optimizer.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <utility>

#include "cardinal/bridge/error.hpp"

namespace cardinal {

ScheduleKind parse_schedule_kind(std::string_view text) {
  if (text == "constant") return ScheduleKind::kConstant;
  if (text == "step") return ScheduleKind::kStep;
  if (text == "cosine") return ScheduleKind::kCosine;
  throw InvalidInput("schedule must be \"constant\", \"step\" or \"cosine\", got \"" +
                     std::string(text) + "\"");
}

LearningRateSchedule::LearningRateSchedule(ScheduleSpec spec) : spec_(std::move(spec)) {
  require(std::isfinite(spec_.base_lr) && spec_.base_lr >= 0.0,
          "schedule base_lr must be finite and >= 0");
  require(spec_.warmup_iterations >= 0, "schedule warmup_iterations must be >= 0");
  if (spec_.kind == ScheduleKind::kStep) {
    require(std::isfinite(spec_.gamma) && spec_.gamma > 0.0, "schedule gamma must be > 0");
    for (std::size_t i = 0; i < spec_.milestones.size(); ++i)
      require(spec_.milestones[i] >= 0 && (i == 0 || spec_.milestones[i] > spec_.milestones[i - 1]),
              "schedule milestones must be >= 0 and strictly increasing");
  }
  if (spec_.kind == ScheduleKind::kCosine) {
    require(spec_.total_iterations > 0, "schedule total_iterations must be > 0 for cosine");
    require(
        std::isfinite(spec_.final_lr) && spec_.final_lr >= 0.0 && spec_.final_lr <= spec_.base_lr,
        "schedule final_lr must be in [0, base_lr]");
  }
}

double LearningRateSchedule::lr(Index iteration) const {
  require(iteration >= 0, "schedule iteration must be >= 0, got " + std::to_string(iteration));
  double rate = spec_.base_lr;
  switch (spec_.kind) {
    case ScheduleKind::kConstant:
      break;
    case ScheduleKind::kStep: {
      const auto passed =
          std::upper_bound(spec_.milestones.begin(), spec_.milestones.end(), iteration) -
          spec_.milestones.begin();
      rate *= std::pow(spec_.gamma, static_cast<double>(passed));
      break;
    }
    case ScheduleKind::kCosine: {
      const double progress = static_cast<double>(std::min(iteration, spec_.total_iterations)) /
                              static_cast<double>(spec_.total_iterations);
      rate = spec_.final_lr +
             (spec_.base_lr - spec_.final_lr) * (1.0 + std::cos(std::numbers::pi * progress)) / 2.0;
      break;
    }
  }
  if (spec_.warmup_iterations > 0 && iteration + 1 < spec_.warmup_iterations)
    rate *= static_cast<double>(iteration + 1) / static_cast<double>(spec_.warmup_iterations);
  return rate;
}

void LearningRateSchedule::apply(torch::optim::Optimizer& optimizer, Index iteration) const {
  const double rate = lr(iteration);
  for (auto& group : optimizer.param_groups()) group.options().set_lr(rate);
}

}  // namespace cardinal
