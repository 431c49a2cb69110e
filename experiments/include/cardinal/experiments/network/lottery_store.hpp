#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cardinal/experiments/store/run_store.hpp"
#include "cardinal/nonconvex/lottery/lottery_archive.hpp"

namespace cardinal {

/// A StageSummary as the JSON object of a stage's DONE.json, and back (InvalidInput naming
/// `source` when a field is missing or has the wrong type).
nlohmann::json to_json(const StageSummary& summary);
StageSummary stage_summary_from_json(const nlohmann::json& json, const std::string& source);

/// A LotteryArchive in a RunStore run directory, one folder per stage:
///
///     <run>/<stage>/start.snapshot    weights when training starts (after masking)
///                   end.snapshot      weights when it ends
///                   rewind.snapshot   level-0 only, rewinding methods with k > 0
///                   mask.mask         the stage's mask
///                   curve.csv         the training curve
///                   DONE.json         the summary; written last: the stage is complete
///                   checkpoint.json   (while incomplete) the latest checkpoint, naming
///                   checkpoint-<t>.network.snapshot and checkpoint-<t>.optimizer.snapshot
///
/// Every file is written atomically (temporary sibling, then rename); a checkpoint's snapshots
/// are written before the checkpoint.json that points at them, so a reader sees a whole
/// checkpoint or the previous one.
class RunStoreLotteryArchive final : public LotteryArchive {
 public:
  explicit RunStoreLotteryArchive(RunDirectory run);

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

  const RunDirectory& run() const { return run_; }

 private:
  void remove_checkpoint_files(const std::string& stage, Index keep_iteration) const;
  RunDirectory run_;
};

}  // namespace cardinal
