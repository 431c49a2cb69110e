// The lottery-ticket procedures: IMP with reset and rewinding, one-shot pruning, fine-tuning
// and learning-rate rewinding, the controls, and resumption from an archive.
#include <ATen/Context.h>
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/convex/solvers/orthogonal_matching_pursuit.hpp"
#include "cardinal/nonconvex/data/batch_sampler.hpp"
#include "cardinal/nonconvex/data/normalization.hpp"
#include "cardinal/nonconvex/data/registry.hpp"
#include "cardinal/nonconvex/lottery/lottery_archive.hpp"
#include "cardinal/nonconvex/lottery/lottery_run.hpp"
#include "cardinal/nonconvex/lottery/lottery_spec.hpp"
#include "cardinal/nonconvex/lottery/random_mask.hpp"
#include "cardinal/nonconvex/models/lenet.hpp"
#include "cardinal/nonconvex/pruning/magnitude_pruning.hpp"
#include "cardinal/nonconvex/pruning/network_pruner.hpp"
#include "cardinal/nonconvex/pruning/pruning_at_initialization.hpp"
#include "cardinal/nonconvex/pruning/random_pruning.hpp"
#include "cardinal/nonconvex/training/masked_optimizer.hpp"
#include "nonconvex/fixtures.hpp"
#include "nonconvex/pruning/tiny_networks.hpp"

namespace cardinal {
namespace {

const torch::Device kCpu(torch::kCPU);

const TensorDataset& fixture(const std::string& split) {
  return testing::fashion_mnist(split);
}

LotterySpec small_spec(LotteryMethod method) {
  return testing::small_lottery_spec(method);
}

LotteryResult run(const LotterySpec& spec, LotteryArchive& archive, Index levels,
                  std::vector<LotteryControl> controls = {}) {
  LotteryOptions options;
  options.levels = levels;
  options.controls = std::move(controls);
  return run_lottery(spec, fixture("train"), fixture("test"), archive, options);
}

std::shared_ptr<Network> lenet() {
  at::manual_seed(12345);
  return make_model("lenet300", {.channels = 1, .height = 28, .width = 28, .classes = 10});
}

bool same(const Snapshot& a, const Snapshot& b) {
  if (a.parameters().size() != b.parameters().size()) return false;
  for (std::size_t i = 0; i < a.parameters().size(); ++i)
    if (a.parameters()[i].name != b.parameters()[i].name ||
        !torch::equal(a.parameters()[i].tensor, b.parameters()[i].tensor))
      return false;
  return true;
}

const torch::Tensor& parameter(const Snapshot& s, const std::string& name) {
  for (const auto& p : s.parameters())
    if (p.name == name) return p.tensor;
  throw std::logic_error("no parameter " + name);
}

/// The weights of `source` under `mask`, trained by hand over [begin, T) with `training`.
Snapshot retrain_by_hand(const Snapshot& source, const Mask& mask, const TrainingSpec& training,
                         Index begin) {
  auto network = lenet();
  restore(*network, source, mask);
  MaskedOptimizer optimizer(*network, mask, training.optimizer);
  train(*network, optimizer, fixture("train"), fixture("test"), training, kCpu, {}, {begin, -1});
  return take_snapshot(*network);
}

const std::vector<std::string> kLayers = {"fc1.weight", "fc2.weight", "fc.weight"};

TEST(LotterySpec, NamesMethodsAndControlsAndRejectsUnknownOnes) {
  for (const std::string& name : known_lottery_methods())
    EXPECT_EQ(to_string(parse_lottery_method(name)), name);
  for (const std::string& name : known_lottery_controls())
    EXPECT_EQ(to_string(parse_lottery_control(name)), name);
  try {
    parse_lottery_method("imp");
    ADD_FAILURE();
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("imp-reset, imp-rewind, one-shot, fine-tune, lr-rewind"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(parse_lottery_control("shuffle"), InvalidInput);
}

TEST(LotterySpec, ValidatesRewindPointModelAndFractions) {
  LotterySpec spec = small_spec(LotteryMethod::kImpReset);
  EXPECT_NO_THROW(spec.validate(32));
  EXPECT_EQ(spec.total_iterations(32), 8);
  spec.rewind = TrainingLength::iterations(1);
  EXPECT_THROW(spec.validate(32), InvalidInput);  // imp-reset does not rewind
  spec = small_spec(LotteryMethod::kImpRewind);
  spec.rewind = TrainingLength::epochs(1);
  EXPECT_EQ(spec.rewind_iteration(32), 4);
  spec.rewind = TrainingLength::epochs(2);
  EXPECT_THROW(spec.validate(32), InvalidInput);  // k = T
  spec = small_spec(LotteryMethod::kImpReset);
  spec.model = "lenet301";
  EXPECT_THROW(spec.validate(32), InvalidInput);
  spec = small_spec(LotteryMethod::kImpReset);
  spec.pruning.fraction = 1.5;
  EXPECT_THROW(spec.validate(32), InvalidInput);
}

TEST(LotterySpec, OneShotFractionsCompoundThePerLevelOnes) {
  PruningSpec per_level{.fraction = 0.2, .output_fraction = 0.1, .layer_fraction = {{"a", 0.5}}};
  const PruningSpec three = one_shot_pruning(per_level, 3);
  EXPECT_DOUBLE_EQ(three.fraction, 1.0 - 0.8 * 0.8 * 0.8);
  EXPECT_DOUBLE_EQ(*three.output_fraction, 1.0 - 0.9 * 0.9 * 0.9);
  EXPECT_DOUBLE_EQ(three.layer_fraction.at("a"), 0.875);
  EXPECT_DOUBLE_EQ(one_shot_pruning(per_level, 0).fraction, 0.0);
}

TEST(RandomMask, KeepsThePerLayerCountsAtSeededUniformPositions) {
  testing::TinyConvNet network;
  const Mask mask =
      prune_random(Mask::dense(network), {.fraction = 0.7, .scope = PruningScope::kGlobal}, 4);
  const Mask a = random_mask_like(mask, 9);
  const Mask b = random_mask_like(mask, 9);
  const Mask c = random_mask_like(mask, 10);
  EXPECT_EQ(a, b);
  EXPECT_FALSE(a == c);
  EXPECT_FALSE(a == mask);
  ASSERT_EQ(a.names(), mask.names());
  for (const std::string& name : mask.names()) {
    EXPECT_EQ(a.keep(name).sizes(), mask.keep(name).sizes()) << name;
    EXPECT_EQ(a.remaining(name), mask.remaining(name)) << name;
  }
  // Positions are drawn among all weights, not only the ones `mask` keeps: about 30% of the
  // kept positions of `a` fall where `mask` keeps weights (the overall density).
  const Mask overlap = a.intersect(mask);
  const double share =
      static_cast<double>(overlap.remaining()) / static_cast<double>(a.remaining());
  EXPECT_GT(share, 0.15);
  EXPECT_LT(share, 0.45);
}

TEST(Lottery, ImpResetPrunesLayerwiseAndResetsToTheInitialization) {
  const LotterySpec spec = small_spec(LotteryMethod::kImpReset);
  InMemoryLotteryArchive archive;
  const LotteryResult result = run(spec, archive, 2);
  ASSERT_EQ(result.tickets.size(), 3u);

  // Counts, computed independently: 20% of the remaining hidden weights and 10% of the
  // remaining output weights per level.
  Index fc1 = 235200, fc2 = 30000, fc = 1000;
  for (Index level = 0; level <= 2; ++level) {
    const StageSummary& s = result.tickets[static_cast<std::size_t>(level)];
    EXPECT_EQ(s.stage, "level-" + std::to_string(level));
    EXPECT_EQ(s.weights_total, 266200);
    EXPECT_EQ(s.weights_remaining, fc1 + fc2 + fc) << level;
    EXPECT_EQ(s.begin_iteration, 0);
    EXPECT_EQ(s.end_iteration, 8);
    const Mask mask = archive.mask(s.stage);
    EXPECT_EQ(mask.remaining("fc1.weight"), fc1);
    EXPECT_EQ(mask.remaining("fc.weight"), fc);
    fc1 -= pruned_count(0.2, fc1);
    fc2 -= pruned_count(0.2, fc2);
    fc -= pruned_count(0.1, fc);
  }
  EXPECT_EQ(result.tickets[2].weights_remaining, 150528 + 19200 + 810);

  const Snapshot init = archive.snapshot("level-0", SnapshotRole::kStart);
  for (Index level = 1; level <= 2; ++level) {
    const std::string stage = ticket_stage(level);
    const Mask mask = archive.mask(stage);
    const Mask previous = archive.mask(ticket_stage(level - 1));
    EXPECT_EQ(mask.intersect(previous), mask);  // nested
    // The pruned weights are the smallest of the previous level's trained weights.
    const Snapshot trained = archive.snapshot(ticket_stage(level - 1), SnapshotRole::kEnd);
    const torch::Tensor w = parameter(trained, "fc1.weight").abs();
    const torch::Tensor newly_pruned =
        previous.keep("fc1.weight").logical_and(mask.keep("fc1.weight").logical_not());
    EXPECT_LE(w.masked_select(newly_pruned).max().item<float>(),
              w.masked_select(mask.keep("fc1.weight")).min().item<float>());
    // Reset: kept weights are exactly the initial ones, pruned ones exactly zero; biases too.
    const Snapshot start = archive.snapshot(stage, SnapshotRole::kStart);
    for (const std::string& name : kLayers) {
      const torch::Tensor keep = mask.keep(name);
      EXPECT_TRUE(torch::equal(parameter(start, name), parameter(init, name) * keep)) << name;
      const torch::Tensor end = parameter(archive.snapshot(stage, SnapshotRole::kEnd), name);
      EXPECT_TRUE(end.masked_select(keep.logical_not()).eq(0.0).all().item<bool>()) << name;
    }
    EXPECT_TRUE(torch::equal(parameter(start, "fc1.bias"), parameter(init, "fc1.bias")));
  }
  // The ticket of level 1 is exactly: reset to init, train 0..T.
  EXPECT_TRUE(same(archive.snapshot("level-1", SnapshotRole::kEnd),
                   retrain_by_hand(init, archive.mask("level-1"), spec.training, 0)));
  EXPECT_EQ(archive.curve("level-1").rows.front().iteration, 0);
  EXPECT_EQ(archive.curve("level-1").rows.back().iteration, 8);
}

TEST(Lottery, ImpIsBitIdenticalWhenRepeatedWithTheSameSeed) {
  const LotterySpec spec = small_spec(LotteryMethod::kImpReset);
  InMemoryLotteryArchive a;
  InMemoryLotteryArchive b;
  const LotteryResult ra = run(spec, a, 2);
  const LotteryResult rb = run(spec, b, 2);
  EXPECT_EQ(ra.tickets, rb.tickets);
  for (Index level = 0; level <= 2; ++level)
    EXPECT_TRUE(same(a.snapshot(ticket_stage(level), SnapshotRole::kEnd),
                     b.snapshot(ticket_stage(level), SnapshotRole::kEnd)));
  LotterySpec other = spec;
  other.seed = 18;
  InMemoryLotteryArchive c;
  run(other, c, 0);
  EXPECT_FALSE(same(a.snapshot("level-0", SnapshotRole::kStart),
                    c.snapshot("level-0", SnapshotRole::kStart)));
}

TEST(Lottery, AValidationSetGivesEachStageItsEarlyStopAndLeavesTrainingUnchanged) {
  const LotterySpec spec = small_spec(LotteryMethod::kImpReset);
  const TensorDataset validation = fixture("test").subset(std::vector<int64_t>{0, 1, 2, 3, 4, 5});
  InMemoryLotteryArchive with;
  InMemoryLotteryArchive without;
  LotteryOptions options;
  options.levels = 1;
  options.controls = {LotteryControl::kRandomReinit};
  const LotteryResult a =
      run_lottery(spec, fixture("train"), {fixture("test"), &validation}, with, options);
  const LotteryResult b = run_lottery(spec, fixture("train"), fixture("test"), without, options);
  for (const auto& [ra, rb] :
       {std::pair{a.tickets[0], b.tickets[0]}, std::pair{a.tickets[1], b.tickets[1]},
        std::pair{a.controls[0][0], b.controls[0][0]}}) {
    EXPECT_EQ(ra.test_accuracy, rb.test_accuracy) << ra.stage;
    EXPECT_TRUE(same(with.snapshot(ra.stage, SnapshotRole::kEnd),
                     without.snapshot(rb.stage, SnapshotRole::kEnd)));
    EXPECT_FALSE(rb.early_stop_iteration.has_value());
    ASSERT_TRUE(ra.early_stop_iteration.has_value()) << ra.stage;
    // The recorded early stop is the curve's row of minimum validation loss.
    const TrainingCurve curve = with.curve(ra.stage);
    const CurveRow best = *std::min_element(curve.rows.begin(), curve.rows.end(),
                                            [](const CurveRow& x, const CurveRow& y) {
                                              return *x.validation_loss < *y.validation_loss;
                                            });
    EXPECT_EQ(*ra.early_stop_iteration, best.iteration);
    EXPECT_EQ(*ra.early_stop_test_accuracy, best.test_accuracy);
    EXPECT_EQ(*ra.early_stop_validation_loss, *best.validation_loss);
  }
}

TEST(Lottery, ExtendingAStoppedRunReusesItsLevelsAndEndsIdentical) {
  const LotterySpec spec = small_spec(LotteryMethod::kImpReset);
  InMemoryLotteryArchive uninterrupted;
  const LotteryResult full = run(spec, uninterrupted, 2);

  InMemoryLotteryArchive archive;
  run(spec, archive, 1);
  std::vector<std::pair<std::string, bool>> stages;
  LotteryOptions options;
  options.levels = 2;
  options.on_stage = [&](const StageSummary& s, bool reused) {
    stages.emplace_back(s.stage, reused);
  };
  const LotteryResult resumed =
      run_lottery(spec, fixture("train"), fixture("test"), archive, options);
  const std::vector<std::pair<std::string, bool>> expected{
      {"level-0", true}, {"level-1", true}, {"level-2", false}};
  EXPECT_EQ(stages, expected);
  EXPECT_EQ(resumed.tickets, full.tickets);
  EXPECT_TRUE(same(archive.snapshot("level-2", SnapshotRole::kEnd),
                   uninterrupted.snapshot("level-2", SnapshotRole::kEnd)));
}

/// Delegates to an in-memory archive but "kills the run" (throws) right after storing the
/// n-th checkpoint.
class KilledArchive : public LotteryArchive {
 public:
  KilledArchive(InMemoryLotteryArchive& inner, int kill_at) : inner_(inner), kill_at_(kill_at) {}
  bool is_complete(const std::string& s) const override { return inner_.is_complete(s); }
  StageSummary summary(const std::string& s) const override { return inner_.summary(s); }
  Mask mask(const std::string& s) const override { return inner_.mask(s); }
  Snapshot snapshot(const std::string& s, SnapshotRole r) const override {
    return inner_.snapshot(s, r);
  }
  void save_snapshot(const std::string& s, SnapshotRole r, const Snapshot& x) override {
    inner_.save_snapshot(s, r, x);
  }
  void complete(const std::string& s, const Mask& m, const TrainingCurve& c,
                const StageSummary& x) override {
    inner_.complete(s, m, c, x);
  }
  std::optional<TrainingCheckpoint> checkpoint(const std::string& s) const override {
    return inner_.checkpoint(s);
  }
  void save_checkpoint(const std::string& s, const TrainingCheckpoint& c) override {
    inner_.save_checkpoint(s, c);
    if (++saved_ == kill_at_) throw std::runtime_error("killed");
  }

 private:
  InMemoryLotteryArchive& inner_;
  int kill_at_;
  int saved_ = 0;
};

TEST(Lottery, AStageKilledMidwayResumesFromItsCheckpointIdentically) {
  // imp-rewind: level 0 is killed after its checkpoint at 3, past the rewind point k = 2,
  // so the resumed run must take the rewind snapshot from the archive.
  for (const int kill_at : {1, 4}) {  // level-0 at iteration 3; level-1 at iteration 6
    const LotterySpec spec = small_spec(LotteryMethod::kImpRewind);
    InMemoryLotteryArchive uninterrupted;
    const LotteryResult full = run(spec, uninterrupted, 1);

    InMemoryLotteryArchive inner;
    KilledArchive killed(inner, kill_at);
    LotteryOptions options;
    options.levels = 1;
    options.checkpoint_every = 3;
    EXPECT_THROW(run_lottery(spec, fixture("train"), fixture("test"), killed, options),
                 std::runtime_error);
    const std::string stage = kill_at == 1 ? "level-0" : "level-1";
    ASSERT_TRUE(inner.checkpoint(stage).has_value());
    EXPECT_FALSE(inner.is_complete(stage));
    const LotteryResult resumed =
        run_lottery(spec, fixture("train"), fixture("test"), inner, options);
    EXPECT_EQ(resumed.tickets, full.tickets) << kill_at;
    EXPECT_TRUE(same(inner.snapshot("level-1", SnapshotRole::kEnd),
                     uninterrupted.snapshot("level-1", SnapshotRole::kEnd)));
    EXPECT_FALSE(inner.checkpoint(stage).has_value());  // discarded on completion
  }
}

TEST(Lottery, ImpRewindRewindsToTheWeightsAfterKSteps) {
  const LotterySpec spec = small_spec(LotteryMethod::kImpRewind);
  InMemoryLotteryArchive archive;
  const LotteryResult result = run(spec, archive, 1);
  EXPECT_EQ(result.tickets[1].begin_iteration, 2);
  // The rewind point is the dense network after k = 2 steps.
  auto network = lenet();
  restore(*network, archive.snapshot("level-0", SnapshotRole::kStart));
  train(*network, Mask::dense(*network), fixture("train"), fixture("test"), spec.training, kCpu, {},
        {0, 2});
  const Snapshot rewind = archive.snapshot("level-0", SnapshotRole::kRewind);
  EXPECT_TRUE(same(rewind, take_snapshot(*network)));
  const Mask mask = archive.mask("level-1");
  const Snapshot start = archive.snapshot("level-1", SnapshotRole::kStart);
  for (const std::string& name : kLayers)
    EXPECT_TRUE(torch::equal(parameter(start, name), parameter(rewind, name) * mask.keep(name)));
  EXPECT_TRUE(same(archive.snapshot("level-1", SnapshotRole::kEnd),
                   retrain_by_hand(rewind, mask, spec.training, 2)));
  EXPECT_EQ(archive.curve("level-1").rows.front().iteration, 2);
}

TEST(Lottery, PruningAtInitializationPrunesW0ToEachLevelsSparsityAndTrainsFromIt) {
  for (const LotteryMethod method :
       {LotteryMethod::kSnip, LotteryMethod::kGraspInit, LotteryMethod::kSynFlow,
        LotteryMethod::kMagnitudeInit, LotteryMethod::kRandomInit}) {
    const LotterySpec spec = small_spec(LotteryMethod::kImpReset);
    LotterySpec at_init = spec;
    at_init.method = method;
    InMemoryLotteryArchive archive;
    run(at_init, archive, 2, {LotteryControl::kRandomMask});
    const Snapshot w0 = archive.snapshot("level-0", SnapshotRole::kStart);
    auto network = lenet();
    for (Index level = 1; level <= 2; ++level) {
      restore(*network, w0);
      const PruningSpec one_shot = one_shot_pruning(spec.pruning, level);
      // The kept counts per layer are those of one-shot magnitude pruning at that level.
      const Mask counts = prune_magnitude(*network, Mask::dense(*network), one_shot);
      const Mask mask = archive.mask(ticket_stage(level));
      for (const std::string& name : kLayers)
        EXPECT_EQ(mask.keep(name).sum().item<int64_t>(), counts.keep(name).sum().item<int64_t>())
            << to_string(method) << ' ' << name;
      // The criterion on W0 and the first 100 examples of the epoch-0 order (all 32 here).
      const BatchSampler sampler(32, {.batch_size = kSaliencyExamples, .seed = 3});
      Batch batch = select_batch(fixture("train"), sampler.batches(0).front());
      batch.inputs = normalize(batch.inputs, *spec.training.normalization);
      if (method != LotteryMethod::kRandomInit) {
        const Mask expected =
            prune_at_initialization(*network, Mask::dense(*network), one_shot,
                                    *initialization_criterion(method), &batch, {1, 28, 28});
        for (const std::string& name : kLayers)
          EXPECT_TRUE(torch::equal(mask.keep(name), expected.keep(name)))
              << to_string(method) << ' ' << name;
      }
      const Snapshot start = archive.snapshot(ticket_stage(level), SnapshotRole::kStart);
      for (const std::string& name : kLayers)
        EXPECT_TRUE(torch::equal(parameter(start, name), parameter(w0, name) * mask.keep(name)));
      EXPECT_EQ(archive.curve(ticket_stage(level)).rows.front().iteration, 0);
      EXPECT_TRUE(same(archive.snapshot(ticket_stage(level), SnapshotRole::kEnd),
                       retrain_by_hand(w0, mask, spec.training, 0)));
    }
  }
  LotterySpec rewinding = small_spec(LotteryMethod::kSnip);
  rewinding.method = LotteryMethod::kSnip;
  EXPECT_THROW(rewinding.validate(32), InvalidInput);  // k = 2: snip trains from W0
}

TEST(Lottery, InstabilityTrainsACopyFromIterationKWithAnotherOrderAndMeasuresTheLine) {
  const LotterySpec spec = small_spec(LotteryMethod::kImpRewind);  // k = 2
  InMemoryLotteryArchive archive;
  LotteryOptions options;
  options.levels = 1;
  options.instability = true;
  const LotteryResult result =
      run_lottery(spec, fixture("train"), fixture("test"), archive, options);
  ASSERT_EQ(result.instability.size(), 2u);
  const Snapshot rewind = archive.snapshot("level-0", SnapshotRole::kRewind);
  for (Index level = 0; level <= 1; ++level) {
    const StageSummary& copy = result.instability[static_cast<std::size_t>(level)];
    const StageSummary& ticket = result.tickets[static_cast<std::size_t>(level)];
    EXPECT_EQ(copy.stage, instability_stage(level));
    EXPECT_EQ(copy.begin_iteration, 2);  // from W_k, also at level 0
    const Snapshot start = archive.snapshot(copy.stage, SnapshotRole::kStart);
    EXPECT_TRUE(
        same(start, level == 0 ? rewind : archive.snapshot("level-1", SnapshotRole::kStart)));
    EXPECT_FALSE(same(archive.snapshot(copy.stage, SnapshotRole::kEnd),
                      archive.snapshot(ticket.stage, SnapshotRole::kEnd)));
    ASSERT_EQ(copy.interpolation.size(), static_cast<std::size_t>(kInterpolationPoints));
    EXPECT_EQ(copy.interpolation.front().test_accuracy, ticket.test_accuracy);
    EXPECT_EQ(copy.interpolation.front().test_loss, ticket.test_loss);
    EXPECT_EQ(copy.interpolation.back().test_accuracy, copy.test_accuracy);
    EXPECT_GE(*copy.error_barrier, 0.0);
  }
  // The instability stages add to a run without changing its tickets.
  InMemoryLotteryArchive plain;
  EXPECT_EQ(run(spec, plain, 1).tickets, result.tickets);
}

TEST(Lottery, FineTuningAndLearningRateRewindingRetrainTheTrainedWeights) {
  for (const LotteryMethod method : {LotteryMethod::kFineTune, LotteryMethod::kLrRewind}) {
    const LotterySpec spec = small_spec(method);
    InMemoryLotteryArchive archive;
    run(spec, archive, 2);
    for (Index level = 1; level <= 2; ++level) {
      const Snapshot previous = archive.snapshot(ticket_stage(level - 1), SnapshotRole::kEnd);
      const Mask mask = archive.mask(ticket_stage(level));
      const Snapshot start = archive.snapshot(ticket_stage(level), SnapshotRole::kStart);
      for (const std::string& name : kLayers)
        EXPECT_TRUE(
            torch::equal(parameter(start, name), parameter(previous, name) * mask.keep(name)));
      TrainingSpec training = spec.training;
      if (method == LotteryMethod::kFineTune)  // the final rate, 0.005, throughout
        training.schedule = {.kind = ScheduleKind::kConstant, .base_lr = 0.05 * 0.1};
      EXPECT_TRUE(same(archive.snapshot(ticket_stage(level), SnapshotRole::kEnd),
                       retrain_by_hand(previous, mask, training, 2)))
          << to_string(method) << " level " << level;
    }
  }
}

TEST(Lottery, OneShotPrunesTheDenseTrainedNetworkToEachLevelsSparsity) {
  const LotterySpec spec = small_spec(LotteryMethod::kOneShot);
  InMemoryLotteryArchive archive;
  const LotteryResult result = run(spec, archive, 2);
  const Snapshot dense = archive.snapshot("level-0", SnapshotRole::kEnd);
  for (Index level = 1; level <= 2; ++level) {
    const Mask mask = archive.mask(ticket_stage(level));
    const double f = level == 1 ? 0.2 : 0.36;
    EXPECT_EQ(mask.remaining("fc1.weight"), 235200 - pruned_count(f, 235200));
    // Among the dense trained weights, every pruned one is no larger than every kept one.
    const torch::Tensor w = parameter(dense, "fc2.weight").abs();
    const torch::Tensor keep = mask.keep("fc2.weight");
    EXPECT_LE(w.masked_select(keep.logical_not()).max().item<float>(),
              w.masked_select(keep).min().item<float>());
    EXPECT_EQ(result.tickets[static_cast<std::size_t>(level)].begin_iteration, 2);
  }
}

TEST(Lottery, ControlsKeepTheMaskOrTheCountsButNotBoth) {
  const LotterySpec spec = small_spec(LotteryMethod::kImpReset);
  InMemoryLotteryArchive archive;
  const LotteryResult result =
      run(spec, archive, 1, {LotteryControl::kRandomReinit, LotteryControl::kRandomMask});
  ASSERT_EQ(result.controls.size(), 2u);
  ASSERT_EQ(result.controls[0].size(), 1u);
  EXPECT_EQ(result.controls[0][0].stage, "random-reinit-1");
  EXPECT_EQ(result.controls[1][0].stage, "random-mask-1");
  EXPECT_EQ(result.controls[0][0].weights_remaining, result.tickets[1].weights_remaining);

  const Mask ticket = archive.mask("level-1");
  const Snapshot ticket_start = archive.snapshot("level-1", SnapshotRole::kStart);
  const Snapshot init = archive.snapshot("level-0", SnapshotRole::kStart);

  // random-reinit: the same mask, different (but masked) starting weights.
  EXPECT_EQ(archive.mask("random-reinit-1"), ticket);
  const Snapshot reinit = archive.snapshot("random-reinit-1", SnapshotRole::kStart);
  for (const std::string& name : kLayers) {
    const torch::Tensor w = parameter(reinit, name);
    EXPECT_TRUE(w.masked_select(ticket.keep(name).logical_not()).eq(0.0).all().item<bool>());
    EXPECT_FALSE(torch::equal(w, parameter(ticket_start, name))) << name;
  }

  // random-mask: the same count in every layer, another mask, the original initialization.
  const Mask random = archive.mask("random-mask-1");
  EXPECT_FALSE(random == ticket);
  const Snapshot random_start = archive.snapshot("random-mask-1", SnapshotRole::kStart);
  for (const std::string& name : kLayers) {
    EXPECT_EQ(random.remaining(name), ticket.remaining(name)) << name;
    EXPECT_TRUE(
        torch::equal(parameter(random_start, name), parameter(init, name) * random.keep(name)));
  }
  // Reusing the ticket, a second call runs nothing and reports the same.
  std::vector<bool> reused;
  LotteryOptions options;
  options.levels = 1;
  options.controls = {LotteryControl::kRandomMask};
  options.on_stage = [&](const StageSummary&, bool r) { reused.push_back(r); };
  const LotteryResult again =
      run_lottery(spec, fixture("train"), fixture("test"), archive, options);
  EXPECT_EQ(reused, std::vector<bool>({true, true, true}));
  EXPECT_EQ(again.controls[0], result.controls[1]);
}

TEST(Lottery, RejectsDataThatDoesNotFitTheModel) {
  LotterySpec spec = small_spec(LotteryMethod::kImpReset);
  spec.input.height = 32;
  InMemoryLotteryArchive archive;
  EXPECT_THROW(run(spec, archive, 1), InvalidInput);
}

/// The layer-wise pruner with OMP (exactly the budget) on the first 20 training examples, and
/// global magnitude counts: 90% of the remaining weights per level.
LotterySpec pruner_spec(LotteryMethod method) {
  LotterySpec spec = small_spec(method);
  spec.pruning = {.fraction = 0.9, .scope = PruningScope::kGlobal};
  PruningStep pruner;
  pruner.options.method = OneShotMethod::kLayerwise;
  pruner.options.row_solver = testing::exact_budget_omp_rows();
  pruner.calibration = 20;
  spec.pruner = pruner;
  return spec;
}

/// The pruner's calibration inputs, computed independently: the first 20 training images,
/// normalized.
torch::Tensor calibration_images() {
  return normalize(fixture("train").inputs.slice(0, 0, 20),
                   standard_normalization("fashion-mnist"));
}

std::vector<Index> kept_counts(const Mask& mask) {
  std::vector<Index> kept;
  for (const std::string& name : mask.names()) kept.push_back(mask.remaining(name));
  return kept;
}

TEST(LotteryPruner, ChoosesTheMaskOfTheLayerwisePrunerOnTheTrainedNetworkAndResets) {
  const LotterySpec spec = pruner_spec(LotteryMethod::kImpReset);
  InMemoryLotteryArchive archive;
  const LotteryResult result = run(spec, archive, 2);
  const Snapshot init = archive.snapshot("level-0", SnapshotRole::kStart);
  for (Index level = 1; level <= 2; ++level) {
    SCOPED_TRACE(::testing::Message() << "level " << level);
    const std::string stage = ticket_stage(level);
    const Mask previous = archive.mask(ticket_stage(level - 1));
    auto network = lenet();
    restore(*network, archive.snapshot(ticket_stage(level - 1), SnapshotRole::kEnd));
    // Magnitude IMP's counts at this level, layer by layer.
    const Mask magnitude = prune_magnitude(*network, previous, spec.pruning);
    auto& perceptron = dynamic_cast<MultilayerPerceptron&>(*network);
    OneShotPruning expected;
    if (level == 1) {
      // What `cardinal prune --method layerwise --sparsity 0.9` gives on the trained snapshot.
      OneShotPruningOptions options = spec.pruner->options;
      options.sparsity = 0.9;
      options.allocation = BudgetAllocation::kGlobalMagnitude;
      expected = prune_one_shot(perceptron, calibration_images(), options);
    } else {
      expected = prune_within(perceptron, calibration_images(), spec.pruner->options, previous,
                              kept_counts(magnitude));
    }
    const Mask mask = archive.mask(stage);
    EXPECT_TRUE(mask == expected.mask);
    EXPECT_EQ(kept_counts(mask), kept_counts(magnitude));
    EXPECT_FALSE(mask == magnitude);  // the reconstruction chose other weights
    EXPECT_TRUE(mask.intersect(previous) == mask);
    EXPECT_EQ(result.tickets[static_cast<std::size_t>(level)].weights_remaining,
              magnitude.remaining());
    // Reset: the kept weights are W0's, not the reconstructed ones.
    const Snapshot start = archive.snapshot(stage, SnapshotRole::kStart);
    for (const std::string& name : kLayers)
      EXPECT_TRUE(torch::equal(parameter(start, name), parameter(init, name) * mask.keep(name)))
          << name;
  }
  // A rerun is bit-identical.
  InMemoryLotteryArchive again;
  EXPECT_EQ(run(spec, again, 2).tickets, result.tickets);
  for (Index level = 0; level <= 2; ++level) {
    EXPECT_TRUE(archive.mask(ticket_stage(level)) == again.mask(ticket_stage(level)));
    EXPECT_TRUE(same(archive.snapshot(ticket_stage(level), SnapshotRole::kEnd),
                     again.snapshot(ticket_stage(level), SnapshotRole::kEnd)));
  }
}

TEST(LotteryPruner, FineTuningStartsFromTheReconstructedWeights) {
  const LotterySpec spec = pruner_spec(LotteryMethod::kFineTune);
  InMemoryLotteryArchive archive;
  run(spec, archive, 1);
  auto network = lenet();
  restore(*network, archive.snapshot("level-0", SnapshotRole::kEnd));
  OneShotPruningOptions options = spec.pruner->options;
  options.sparsity = 0.9;
  const OneShotPruning pruned =
      prune_one_shot(dynamic_cast<MultilayerPerceptron&>(*network), calibration_images(), options);
  EXPECT_TRUE(archive.mask("level-1") == pruned.mask);
  EXPECT_TRUE(same(archive.snapshot("level-1", SnapshotRole::kStart), take_snapshot(*network)));
}

TEST(LotteryPruner, WithKeptValuesFineTuningStartsFromTheTrainedWeightsOnThePrunersSupport) {
  LotterySpec spec = pruner_spec(LotteryMethod::kFineTune);
  spec.pruner->values = PrunedValues::kKept;
  InMemoryLotteryArchive archive;
  run(spec, archive, 1);
  // The support is the reconstructing pruner's, as with reconstructed values.
  LotterySpec reconstructed = pruner_spec(LotteryMethod::kFineTune);
  InMemoryLotteryArchive reference;
  run(reconstructed, reference, 1);
  EXPECT_TRUE(archive.mask("level-1") == reference.mask("level-1"));
  const Snapshot trained = archive.snapshot("level-0", SnapshotRole::kEnd);
  auto network = lenet();
  restore(*network, trained);
  EXPECT_FALSE(archive.mask("level-1") ==
               prune_magnitude(*network, archive.mask("level-0"), spec.pruning));
  // The values are the trained ones there, zero elsewhere.
  const Snapshot start = archive.snapshot("level-1", SnapshotRole::kStart);
  const Mask mask = archive.mask("level-1");
  for (const std::string& name : kLayers)
    EXPECT_TRUE(torch::equal(parameter(start, name), parameter(trained, name) * mask.keep(name)))
        << name;
  EXPECT_TRUE(torch::equal(parameter(start, "fc1.bias"), parameter(trained, "fc1.bias")));
}

TEST(LotteryPruner, AtABudgetOfEveryWeightPrunesNothing) {
  LotterySpec spec = pruner_spec(LotteryMethod::kImpReset);
  spec.pruning = {.fraction = 0.0, .output_fraction = 0.0, .scope = PruningScope::kLayerwise};
  // b = Hw cut to its k largest entries: a crude sparse solver, but any solver keeps every weight
  // at a budget of every weight (OMP would take minutes on 784-wide rows at full budget).
  spec.pruner->options.row_solver = [](const CovarianceProblem& problem, Index k) {
    const CoordinateSpace& space = problem.space();
    Eigen::VectorXd w = problem.linear();
    space.restrict(w, space.largest(w, k));
    return w;
  };
  InMemoryLotteryArchive archive;
  const LotteryResult result = run(spec, archive, 1);
  EXPECT_EQ(result.tickets[1].weights_remaining, 266200);
  EXPECT_TRUE(archive.mask("level-1") == archive.mask("level-0"));
  EXPECT_TRUE(same(archive.snapshot("level-1", SnapshotRole::kStart),
                   archive.snapshot("level-0", SnapshotRole::kStart)));
}

TEST(LotteryPruner, IsRefusedWhereItDoesNotApply) {
  LotterySpec spec = pruner_spec(LotteryMethod::kSnip);
  spec.rewind = TrainingLength::iterations(0);
  EXPECT_THROW(spec.validate(32), InvalidInput);  // pruning at initialization
  spec = pruner_spec(LotteryMethod::kImpReset);
  EXPECT_NO_THROW(spec.validate(32));
  spec.pruner->options.method = OneShotMethod::kFisher;
  EXPECT_THROW(spec.validate(32), InvalidInput);
  spec = pruner_spec(LotteryMethod::kImpReset);
  spec.pruner->options.budget = LayerBudgetScope::kLayer;
  EXPECT_THROW(spec.validate(32), InvalidInput);
  spec = pruner_spec(LotteryMethod::kImpReset);
  spec.model = "conv2";
  spec.input = {.channels = 1, .height = 28, .width = 28, .classes = 10};
  EXPECT_NO_THROW(spec.validate(32));  // convolutions prune on their unfolded patches
}

}  // namespace
}  // namespace cardinal
