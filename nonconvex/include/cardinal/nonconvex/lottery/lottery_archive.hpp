#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cardinal/bridge/index.hpp"
#include "cardinal/nonconvex/lottery/linear_mode_connectivity.hpp"
#include "cardinal/nonconvex/lottery/lottery_spec.hpp"
#include "cardinal/nonconvex/pruning/mask.hpp"
#include "cardinal/nonconvex/pruning/snapshot.hpp"
#include "cardinal/nonconvex/training/trainer.hpp"

namespace cardinal {

/// The outcome of one *stage* of a lottery run: the ticket at one level ("level-L") or a
/// control at one level ("random-reinit-L", "random-mask-L").
struct StageSummary {
  std::string stage;
  Index level = 0;
  /// "ticket", "random-reinit" or "random-mask".
  std::string kind;
  /// Prunable weights in all, and kept by the stage's mask.
  Index weights_total = 0;
  Index weights_remaining = 0;
  /// The steps trained: [begin_iteration, end_iteration).
  Index begin_iteration = 0;
  Index end_iteration = 0;
  /// On the test set at the end of training.
  double test_loss = 0.0;
  double test_accuracy = 0.0;
  /// With a validation set: the iteration of minimum validation loss (the early-stopping
  /// iteration, TrainingCurve::early_stop) and the test accuracy and validation loss there.
  std::optional<Index> early_stop_iteration;
  std::optional<double> early_stop_test_accuracy;
  std::optional<double> early_stop_validation_loss;
  /// Instability stages only: the line from the ticket of the same level (α = 0) to this stage's
  /// network (α = 1), its error barrier (the instability) and loss barrier.
  std::vector<InterpolationPoint> interpolation;
  std::optional<double> error_barrier;
  std::optional<double> loss_barrier;

  /// weights_remaining / weights_total (1 when there are none).
  double fraction_remaining() const;
  friend bool operator==(const StageSummary&, const StageSummary&) = default;
};

/// "level-<level>".
std::string ticket_stage(Index level);
/// "<control>-<level>", e.g. "random-mask-3".
std::string control_stage(LotteryControl control, Index level);
/// "instability-<level>".
std::string instability_stage(Index level);

/// The weights a stage keeps: at the start of training (after masking), at the end, and (stage
/// "level-0" only, for rewinding methods with k > 0) after k steps.
enum class SnapshotRole { kStart, kEnd, kRewind };
/// "start", "end", "rewind".
std::string to_string(SnapshotRole role);

/// Where run_lottery keeps the results of finished stages, so that a repeated or extended run
/// reuses them and a killed one resumes. A stage is complete once complete() has returned;
/// implementations must record completion last and atomically.
class LotteryArchive {
 public:
  virtual ~LotteryArchive() = default;

  virtual bool is_complete(const std::string& stage) const = 0;
  /// The summary, mask and snapshots of a stage (snapshots also of an incomplete stage once
  /// saved). Throw InvalidInput when absent or unreadable.
  virtual StageSummary summary(const std::string& stage) const = 0;
  virtual Mask mask(const std::string& stage) const = 0;
  virtual Snapshot snapshot(const std::string& stage, SnapshotRole role) const = 0;

  virtual void save_snapshot(const std::string& stage, SnapshotRole role,
                             const Snapshot& snapshot) = 0;
  /// Records a finished stage: its mask, curve and summary, the completion marker last. Any
  /// checkpoint of the stage may be discarded.
  virtual void complete(const std::string& stage, const Mask& mask, const TrainingCurve& curve,
                        const StageSummary& summary) = 0;

  /// The latest mid-stage checkpoint of an incomplete stage, if any.
  virtual std::optional<TrainingCheckpoint> checkpoint(const std::string& stage) const = 0;
  /// Replaces the stage's checkpoint (atomically: a reader sees the old one or the new one).
  virtual void save_checkpoint(const std::string& stage, const TrainingCheckpoint& checkpoint) = 0;
};

/// A LotteryArchive in memory (tests, or runs that need no persistence). Snapshots and masks
/// are shared, not copied: both are immutable.
class InMemoryLotteryArchive final : public LotteryArchive {
 public:
  bool is_complete(const std::string& stage) const override;
  StageSummary summary(const std::string& stage) const override;
  Mask mask(const std::string& stage) const override;
  Snapshot snapshot(const std::string& stage, SnapshotRole role) const override;
  void save_snapshot(const std::string& stage, SnapshotRole role,
                     const Snapshot& snapshot) override;
  void complete(const std::string& stage, const Mask& mask, const TrainingCurve& curve,
                const StageSummary& summary) override;
  std::optional<TrainingCheckpoint> checkpoint(const std::string& stage) const override;
  void save_checkpoint(const std::string& stage, const TrainingCheckpoint& checkpoint) override;

  /// The curve a complete stage recorded.
  const TrainingCurve& curve(const std::string& stage) const;
  /// Forgets that `stage` was completed (keeps its snapshots and checkpoint): simulates a run
  /// killed just before the stage's completion marker.
  void forget_completion(const std::string& stage);

 private:
  struct Stage {
    std::optional<StageSummary> summary;
    std::optional<Mask> mask;
    TrainingCurve curve;
    std::map<SnapshotRole, Snapshot> snapshots;
    std::optional<TrainingCheckpoint> checkpoint;
  };
  const Stage& at(const std::string& stage) const;
  std::map<std::string, Stage> stages_;
};

}  // namespace cardinal
