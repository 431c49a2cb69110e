#pragma once

#include <string_view>
#include <vector>

#include "cardinal/bridge/index.hpp"

namespace torch::optim {
class Optimizer;
}

namespace cardinal {

/// The shape of a learning-rate schedule.
enum class ScheduleKind { kConstant, kStep, kCosine };

/// "constant", "step" or "cosine"; throws InvalidInput naming the option otherwise.
ScheduleKind parse_schedule_kind(std::string_view text);

/// A learning-rate schedule over iterations t = 0, 1, 2, … (one iteration = one optimizer
/// step). The base schedule s(t) is
///   constant: s(t) = base_lr
///   step:     s(t) = base_lr · gamma^(number of milestones m with t ≥ m)
///   cosine:   s(t) = final_lr + (base_lr − final_lr) · (1 + cos(π · min(t, T) / T)) / 2,
///             T = total_iterations (so s(0) = base_lr and s(t) = final_lr for t ≥ T)
/// and with a linear warm-up over W = warmup_iterations > 0 iterations
///   lr(t) = min(1, (t + 1) / W) · s(t),
/// so that lr(0) = s(0) / W > 0 and lr(t) = s(t) from t = W − 1 on. Milestones and T count
/// from iteration 0, warm-up included.
struct ScheduleSpec {
  ScheduleKind kind = ScheduleKind::kConstant;
  double base_lr = 0.1;
  std::vector<Index> milestones;  ///< step: strictly increasing, ≥ 0
  double gamma = 0.1;             ///< step: factor per milestone, > 0
  Index total_iterations = 0;     ///< cosine: T > 0
  double final_lr = 0.0;          ///< cosine: in [0, base_lr]
  Index warmup_iterations = 0;    ///< W ≥ 0; 0 means no warm-up
};

/// A learning-rate schedule: a pure function of the iteration. Because it keeps no state,
/// learning-rate rewinding (Renda et al. 2020: retrain with the original schedule restarted
/// from iteration k) is lr(k + t) at retraining step t, and fine-tuning at the final rate is
/// lr(T_final) for every t; nothing needs resetting.
class LearningRateSchedule {
 public:
  /// Throws InvalidInput naming the option if `spec` is invalid.
  explicit LearningRateSchedule(ScheduleSpec spec);

  /// The learning rate at `iteration` ≥ 0.
  double lr(Index iteration) const;

  /// Sets lr(iteration) in every parameter group of `optimizer`.
  void apply(torch::optim::Optimizer& optimizer, Index iteration) const;

  const ScheduleSpec& spec() const { return spec_; }

 private:
  ScheduleSpec spec_;
};

}  // namespace cardinal
