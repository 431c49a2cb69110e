// The level loop of the lottery-ticket procedures, resumable through a LotteryArchive.
#include "cardinal/nonconvex/lottery/lottery_run.hpp"

#include <ATen/Context.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <utility>

#include "../data/portable_random.hpp"
#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/data/batch_sampler.hpp"
#include "cardinal/nonconvex/data/normalization.hpp"
#include "cardinal/nonconvex/lottery/linear_mode_connectivity.hpp"
#include "cardinal/nonconvex/lottery/random_mask.hpp"
#include "cardinal/nonconvex/pruning/magnitude_pruning.hpp"
#include "cardinal/nonconvex/pruning/network_pruner.hpp"
#include "cardinal/nonconvex/pruning/pruning_at_initialization.hpp"
#include "cardinal/nonconvex/training/masked_optimizer.hpp"

namespace cardinal {
namespace {

/// Seeds of the controls, distinct per purpose and level.
enum class SeedPurpose : std::uint64_t {
  kReinitialization = 1,
  kRandomMask = 2,
  kInitializationScores = 3,
  kInstabilityDataOrder = 4
};

std::uint64_t derived_seed(std::uint64_t seed, SeedPurpose purpose, Index level) {
  return splitmix64(splitmix64(seed ^ splitmix64(static_cast<std::uint64_t>(purpose))) ^
                    static_cast<std::uint64_t>(level));
}

/// One stage to train: mask, the unmasked weights it starts from, and how it trains.
struct StagePlan {
  std::string stage;
  Index level = 0;
  std::string kind;
  Mask mask;
  Snapshot source;
  TrainingSpec training;
  Index begin = 0;
  Index end = 0;
  /// Save the weights after k steps as level 0's rewind point.
  bool capture_rewind = false;
};

class LotteryRunner {
 public:
  /// Completes a stage's summary from the weights it ended with, before it is archived.
  using Finish = std::function<void(StageSummary&, const Snapshot& end)>;

  LotteryRunner(const LotterySpec& spec, const TensorDataset& train_set,
                const EvaluationSets& evaluation, LotteryArchive& archive,
                const LotteryOptions& options)
      : spec_(spec),
        train_(train_set.to(options.device)),
        test_(evaluation.test.to(options.device)),
        validation_(evaluation.validation ? std::optional(evaluation.validation->to(options.device))
                                          : std::nullopt),
        archive_(archive),
        options_(options),
        k_(spec.rewind_iteration(train_set.size())),
        total_(spec.total_iterations(train_set.size())) {
    network_ = initialized_network(spec_.seed);
  }

  LotteryResult run() {
    LotteryResult result;
    result.controls.resize(options_.controls.size());
    result.tickets.push_back(run_stage(ticket_stage(0), [&] { return dense_plan(); }));
    if (options_.instability) result.instability.push_back(run_instability(0));
    for (Index level = 1; level <= options_.levels; ++level) {
      result.tickets.push_back(run_stage(ticket_stage(level), [&] { return ticket_plan(level); }));
      for (std::size_t c = 0; c < options_.controls.size(); ++c) {
        const LotteryControl control = options_.controls[c];
        result.controls[c].push_back(
            run_stage(control_stage(control, level), [&] { return control_plan(control, level); }));
      }
      if (options_.instability) result.instability.push_back(run_instability(level));
      forget_before(level);
    }
    return result;
  }

 private:
  std::shared_ptr<Network> initialized_network(std::uint64_t seed) const {
    at::manual_seed(seed);
    std::shared_ptr<Network> network = make_model(spec_.model, spec_.input);
    network->to(options_.device);
    return network;
  }

  template <typename MakePlan>
  StageSummary run_stage(const std::string& stage, MakePlan make_plan, const Finish& finish = {}) {
    if (archive_.is_complete(stage)) {
      StageSummary summary = archive_.summary(stage);
      if (options_.on_stage) options_.on_stage(summary, true);
      return summary;
    }
    StageSummary summary = execute(make_plan(), finish);
    if (options_.on_stage) options_.on_stage(summary, false);
    return summary;
  }

  /// The instability stage of `level`: trains the copy, then measures the line from the
  /// ticket's end weights to the copy's before the stage completes.
  StageSummary run_instability(Index level) {
    return run_stage(
        instability_stage(level), [&] { return instability_plan(level); },
        [&](StageSummary& summary, const Snapshot& copy) {
          const LinearModeConnectivity lmc =
              linear_mode_connectivity(*network_, snapshot(ticket_stage(level), SnapshotRole::kEnd),
                                       copy, test_, spec_.training.normalization, options_.device,
                                       kInterpolationPoints, spec_.training.evaluation_batch_size);
          summary.interpolation = lmc.path;
          summary.error_barrier = lmc.error_barrier;
          summary.loss_barrier = lmc.loss_barrier;
        });
  }

  StagePlan instability_plan(Index level) {
    StagePlan plan = level == 0 ? dense_retraining_plan() : retraining_plan(level);
    plan.stage = instability_stage(level);
    plan.level = level;
    plan.kind = "instability";
    plan.mask = stage_mask(ticket_stage(level));
    if (level > 0) plan.source = snapshot(ticket_stage(level), SnapshotRole::kStart);
    plan.training.data_seed = derived_seed(spec_.seed, SeedPurpose::kInstabilityDataOrder, level);
    return plan;
  }

  /// Level 0's copy for the instability: from W_k over [k, T) for the rewinding methods, from
  /// W0 over [0, T) for the others (their level 0 has no rewind point).
  StagePlan dense_retraining_plan() {
    const bool rewinds = rewinds_to_k();
    return StagePlan{
        .source = rewinds ? rewind_point() : snapshot(ticket_stage(0), SnapshotRole::kStart),
        .training = spec_.training,
        .begin = rewinds ? k_ : 0,
        .end = total_};
  }

  StageSummary execute(const StagePlan& plan, const Finish& finish = {}) {
    const std::optional<TrainingCheckpoint> checkpoint = archive_.checkpoint(plan.stage);
    restore(*network_, plan.source, plan.mask);
    if (!checkpoint)
      archive_.save_snapshot(plan.stage, SnapshotRole::kStart, take_snapshot(*network_));
    MaskedOptimizer optimizer(*network_, plan.mask, plan.training.optimizer);

    TrainingCallbacks callbacks;
    if (plan.capture_rewind) {
      callbacks.snapshot_iteration = k_;
      callbacks.on_snapshot = [&](const Snapshot& snapshot) {
        archive_.save_snapshot(ticket_stage(0), SnapshotRole::kRewind, snapshot);
        cache_[key(ticket_stage(0), SnapshotRole::kRewind)] = snapshot;
      };
    }
    callbacks.checkpoint_every = options_.checkpoint_every;
    callbacks.on_checkpoint = [&](const TrainingCheckpoint& c) {
      archive_.save_checkpoint(plan.stage, c);
    };
    if (options_.on_evaluation)
      callbacks.on_evaluation = [&](const CurveRow& row) {
        options_.on_evaluation(plan.stage, row);
      };

    const TrainingCurve curve = train(
        *network_, optimizer, train_, {test_, validation_ ? &*validation_ : nullptr}, plan.training,
        options_.device, callbacks, {plan.begin, plan.end}, checkpoint ? &*checkpoint : nullptr);
    const Snapshot end = take_snapshot(*network_);
    archive_.save_snapshot(plan.stage, SnapshotRole::kEnd, end);
    cache_[key(plan.stage, SnapshotRole::kEnd)] = end;
    masks_[plan.stage] = plan.mask;

    StageSummary summary{.stage = plan.stage,
                         .level = plan.level,
                         .kind = plan.kind,
                         .weights_total = plan.mask.total(),
                         .weights_remaining = plan.mask.remaining(),
                         .begin_iteration = plan.begin,
                         .end_iteration = plan.end,
                         .test_loss = curve.rows.back().test_loss,
                         .test_accuracy = curve.rows.back().test_accuracy};
    if (validation_) {
      const CurveRow best = *curve.early_stop();
      summary.early_stop_iteration = best.iteration;
      summary.early_stop_test_accuracy = best.test_accuracy;
      summary.early_stop_validation_loss = best.validation_loss;
    }
    if (finish) finish(summary, end);
    archive_.complete(plan.stage, plan.mask, curve, summary);
    return summary;
  }

  StagePlan dense_plan() {
    const bool rewinds = rewinds_to_k();
    StagePlan plan{.stage = ticket_stage(0),
                   .level = 0,
                   .kind = "ticket",
                   .mask = Mask::dense(*network_),
                   .source = take_snapshot(*network_),  // still as initialized
                   .training = spec_.training,
                   .begin = 0,
                   .end = total_,
                   .capture_rewind = rewinds && k_ > 0};
    cache_[key(plan.stage, SnapshotRole::kStart)] = plan.source;
    return plan;
  }

  /// How every stage of level ≥ 1 trains: the steps and the learning rates of the method.
  StagePlan retraining_plan(Index level) const {
    StagePlan plan{.level = level,
                   .training = spec_.training,
                   .begin = starts_from_initialization(spec_.method) ? 0 : k_,
                   .end = total_};
    if (spec_.method == LotteryMethod::kFineTune) {
      plan.training.schedule =
          ScheduleSpec{.kind = ScheduleKind::kConstant,
                       .base_lr = LearningRateSchedule(spec_.training.schedule).lr(total_ - 1)};
    }
    return plan;
  }

  StagePlan ticket_plan(Index level) {
    const std::string previous = ticket_stage(level - 1);
    StagePlan plan = retraining_plan(level);
    plan.stage = ticket_stage(level);
    plan.kind = "ticket";
    if (const auto criterion = initialization_criterion(spec_.method)) {
      restore(*network_, snapshot(ticket_stage(0), SnapshotRole::kStart));
      const Batch batch = saliency_batch();
      plan.mask = prune_at_initialization(
          *network_, Mask::dense(*network_), one_shot_pruning(spec_.pruning, level), *criterion,
          &batch, {spec_.input.channels, spec_.input.height, spec_.input.width},
          {.seed = derived_seed(spec_.seed, SeedPurpose::kInitializationScores, level)});
    } else if (spec_.method == LotteryMethod::kOneShot) {
      restore(*network_, snapshot(ticket_stage(0), SnapshotRole::kEnd));
      plan.mask = prune_trained(Mask::dense(*network_), one_shot_pruning(spec_.pruning, level));
    } else {
      restore(*network_, snapshot(previous, SnapshotRole::kEnd));
      plan.mask = prune_trained(stage_mask(previous), spec_.pruning);
    }
    switch (spec_.method) {
      case LotteryMethod::kImpReset:
      case LotteryMethod::kSnip:
      case LotteryMethod::kGraspInit:
      case LotteryMethod::kSynFlow:
      case LotteryMethod::kMagnitudeInit:
      case LotteryMethod::kRandomInit:
        plan.source = snapshot(ticket_stage(0), SnapshotRole::kStart);
        break;
      case LotteryMethod::kImpRewind:
      case LotteryMethod::kOneShot:
        plan.source = rewind_point();
        break;
      case LotteryMethod::kFineTune:
      case LotteryMethod::kLrRewind:
        // With a pruner, the weights it left in the network (docs/lottery.md): its reconstructed
        // ones, or the trained ones on its support (PrunedValues).
        plan.source =
            spec_.pruner ? take_snapshot(*network_) : snapshot(previous, SnapshotRole::kEnd);
        break;
    }
    return plan;
  }

  /// Level L's mask from the trained weights the network holds, inside `previous`: magnitude
  /// pruning by `pruning`, or with a pruner as many weights per layer as magnitude pruning keeps,
  /// chosen by the pruner (which leaves its weights in the network, see PrunedValues).
  Mask prune_trained(const Mask& previous, const PruningSpec& pruning) {
    Mask magnitude = prune_magnitude(*network_, previous, pruning);
    if (!spec_.pruner) return magnitude;
    return spec_.pruner->prune(*network_, calibration_inputs(), previous, magnitude).mask;
  }

  /// The pruner's calibration examples: the first PruningStep::calibration training examples,
  /// normalized as training normalizes them (those of `cardinal prune`).
  torch::Tensor calibration_inputs() const {
    const Index n = std::min<Index>(spec_.pruner->calibration, train_.size());
    torch::Tensor inputs = train_.inputs.slice(0, 0, n);
    if (spec_.training.normalization) inputs = normalize(inputs, *spec_.training.normalization);
    return inputs;
  }

  /// A control of `level`, whose ticket has completed.
  StagePlan control_plan(LotteryControl control, Index level) {
    StagePlan plan = retraining_plan(level);
    plan.stage = control_stage(control, level);
    plan.kind = to_string(control);
    const Mask& ticket_mask = stage_mask(ticket_stage(level));
    if (control == LotteryControl::kRandomReinit) {
      plan.mask = ticket_mask;
      plan.source = take_snapshot(
          *initialized_network(derived_seed(spec_.seed, SeedPurpose::kReinitialization, level)));
      return plan;
    }
    plan.mask =
        random_mask_like(ticket_mask, derived_seed(spec_.seed, SeedPurpose::kRandomMask, level));
    switch (spec_.method) {
      case LotteryMethod::kImpReset:
      case LotteryMethod::kSnip:
      case LotteryMethod::kGraspInit:
      case LotteryMethod::kSynFlow:
      case LotteryMethod::kMagnitudeInit:
      case LotteryMethod::kRandomInit:
        plan.source = snapshot(ticket_stage(0), SnapshotRole::kStart);
        break;
      case LotteryMethod::kImpRewind:
      case LotteryMethod::kOneShot:
        plan.source = rewind_point();
        break;
      case LotteryMethod::kFineTune:
      case LotteryMethod::kLrRewind:
        plan.source = snapshot(ticket_stage(0), SnapshotRole::kEnd);
        break;
    }
    return plan;
  }

  /// The first kSaliencyExamples examples of the epoch-0 training order, as training sees them.
  Batch saliency_batch() const {
    const BatchSampler sampler(train_.size(), {.batch_size = kSaliencyExamples,
                                               .drop_last = false,
                                               .shuffle = true,
                                               .seed = spec_.training.data_seed});
    Batch batch = select_batch(train_, sampler.batches(0).front());
    if (spec_.training.normalization)
      batch.inputs = normalize(batch.inputs, *spec_.training.normalization);
    return batch;
  }

  /// Whether level 0 keeps W_k for later levels: the methods that rewind (imp-rewind, one-shot).
  bool rewinds_to_k() const {
    return spec_.method == LotteryMethod::kImpRewind || spec_.method == LotteryMethod::kOneShot;
  }

  Snapshot rewind_point() {
    return k_ == 0 ? snapshot(ticket_stage(0), SnapshotRole::kStart)
                   : snapshot(ticket_stage(0), SnapshotRole::kRewind);
  }

  static std::string key(const std::string& stage, SnapshotRole role) {
    return stage + "/" + to_string(role);
  }

  Snapshot snapshot(const std::string& stage, SnapshotRole role) {
    const std::string k = key(stage, role);
    auto it = cache_.find(k);
    if (it == cache_.end()) it = cache_.emplace(k, archive_.snapshot(stage, role)).first;
    return it->second;
  }

  Mask stage_mask(const std::string& stage) {
    auto it = masks_.find(stage);
    if (it == masks_.end()) it = masks_.emplace(stage, archive_.mask(stage)).first;
    return it->second;
  }

  /// Drops cached weights and masks no later level needs (level 0's are kept).
  void forget_before(Index level) {
    std::erase_if(cache_, [&](const auto& entry) {
      return !entry.first.starts_with(ticket_stage(0) + "/") &&
             !entry.first.starts_with(ticket_stage(level) + "/");
    });
    std::erase_if(masks_, [&](const auto& entry) { return entry.first != ticket_stage(level); });
  }

  const LotterySpec& spec_;
  TensorDataset train_;
  TensorDataset test_;
  std::optional<TensorDataset> validation_;
  LotteryArchive& archive_;
  const LotteryOptions& options_;
  Index k_;
  Index total_;
  std::shared_ptr<Network> network_;
  std::map<std::string, Snapshot> cache_;
  std::map<std::string, Mask> masks_;
};

void check_data(const LotterySpec& spec, const TensorDataset& data, const std::string& which) {
  require(data.inputs.defined() && data.inputs.dim() == 4 && data.size() > 0,
          "lottery: the " + which + " set is empty or not N×C×H×W");
  const ModelInput& in = spec.input;
  require(data.inputs.size(1) == in.channels && data.inputs.size(2) == in.height &&
              data.inputs.size(3) == in.width,
          "lottery: the " + which + " set's images are " + std::to_string(data.inputs.size(1)) +
              "×" + std::to_string(data.inputs.size(2)) + "×" +
              std::to_string(data.inputs.size(3)) + " but the model expects " +
              std::to_string(in.channels) + "×" + std::to_string(in.height) + "×" +
              std::to_string(in.width));
  require(data.labels.max().item<int64_t>() < in.classes,
          "lottery: the " + which + " set has labels outside the model's " +
              std::to_string(in.classes) + " classes");
}

}  // namespace

LotteryResult run_lottery(const LotterySpec& spec, const TensorDataset& train_set,
                          const EvaluationSets& evaluation, LotteryArchive& archive,
                          const LotteryOptions& options) {
  spec.validate(train_set.size());
  require(options.levels >= 0, "lottery: levels must be >= 0");
  require(options.checkpoint_every >= 0, "lottery: checkpoint_every must be >= 0");
  check_data(spec, train_set, "training");
  check_data(spec, evaluation.test, "test");
  if (evaluation.validation) check_data(spec, *evaluation.validation, "validation");
  return LotteryRunner(spec, train_set, evaluation, archive, options).run();
}

}  // namespace cardinal
