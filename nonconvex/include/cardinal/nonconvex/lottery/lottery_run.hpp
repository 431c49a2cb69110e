#pragma once

#include <torch/types.h>

#include <functional>
#include <string>
#include <vector>

#include "cardinal/bridge/index.hpp"
#include "cardinal/nonconvex/data/tensor_dataset.hpp"
#include "cardinal/nonconvex/lottery/lottery_archive.hpp"
#include "cardinal/nonconvex/lottery/lottery_spec.hpp"

namespace cardinal {

/// How far a lottery run goes and how it reports; none of it changes a stage's result.
struct LotteryOptions {
  /// The last level: 0 trains the dense network only; each further level prunes once more.
  Index levels = 0;
  /// Controls to run at every level ≥ 1, after that level's ticket.
  std::vector<LotteryControl> controls;
  torch::Device device = torch::kCPU;
  /// At every level L ≥ 0, after the ticket and its controls, the stage "instability-L": a copy
  /// of the ticket trained from the same weights at iteration k (the ticket's start; level 0:
  /// W_k for rewinding methods, else W0) over the same steps with another data order, and the
  /// linear mode connectivity between the ticket and the copy (Frankle, Dziugaite, Roy &
  /// Carbin 2020).
  bool instability = false;
  /// Write a mid-stage checkpoint every this many iterations (0: never).
  Index checkpoint_every = 0;
  /// After every stage, run or found complete in the archive (`reused`).
  std::function<void(const StageSummary& summary, bool reused)> on_stage;
  /// After every evaluation while a stage trains.
  std::function<void(const std::string& stage, const CurveRow& row)> on_evaluation;
};

/// The summaries of a run: tickets of levels 0..levels, and for each requested control (in
/// the order of LotteryOptions::controls) the control of levels 1..levels.
struct LotteryResult {
  std::vector<StageSummary> tickets;
  std::vector<std::vector<StageSummary>> controls;
  /// With LotteryOptions::instability: the instability stages of levels 0..levels.
  std::vector<StageSummary> instability;
};

/// Runs the lottery-ticket procedure `spec` (see LotteryMethod and LotteryControl) up to level
/// `options.levels`, stage by stage: level 0, then for each level L ≥ 1 the ticket and its
/// controls. A stage the archive holds complete is not run again; what later stages need from
/// it (mask, weights) is read from the archive. An incomplete stage with a checkpoint continues
/// from it. Every stage depends only on `spec`, the data and the stages before it, so on the
/// CPU (fixed thread count) a run that is stopped and resumed, or extended to more levels,
/// ends bit-identical to an uninterrupted one.
///
/// Uses torch's global generator only to initialize networks (torch::manual_seed(seed) before
/// make_model, and a seed derived from (seed, level) for the random-reinit control).
/// Every stage is evaluated on `evaluation.test` and, when given, on the held-out
/// `evaluation.validation` set; then each stage's summary records its early-stopping iteration
/// (minimum validation loss) and the test accuracy there.
/// Throws InvalidInput for an invalid spec, or data that does not fit the model.
LotteryResult run_lottery(const LotterySpec& spec, const TensorDataset& train_set,
                          const EvaluationSets& evaluation, LotteryArchive& archive,
                          const LotteryOptions& options);

}  // namespace cardinal
