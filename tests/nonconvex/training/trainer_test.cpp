// The training loop: determinism, masking, resumption, snapshots, evaluation and curves.
#include <ATen/Context.h>
#include <ATen/ops/cross_entropy_loss.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/data/batch_sampler.hpp"
#include "cardinal/nonconvex/data/registry.hpp"
#include "cardinal/nonconvex/models/factory.hpp"
#include "cardinal/nonconvex/pruning/random_pruning.hpp"
#include "cardinal/nonconvex/training/masked_optimizer.hpp"
#include "cardinal/nonconvex/training/trainer.hpp"
#include "nonconvex/fixtures.hpp"
#include "nonconvex/pruning/tiny_networks.hpp"

namespace cardinal {
namespace {

const torch::Device kCpu(torch::kCPU);

const TensorDataset& fixture(const std::string& split) {
  return testing::fashion_mnist(split);
}

std::shared_ptr<Network> lenet(std::uint64_t seed) {
  at::manual_seed(seed);
  return make_model("lenet300", {.channels = 1, .height = 28, .width = 28, .classes = 10});
}

/// 32 training images in batches of 8: 4 iterations per epoch; 10 iterations in all.
TrainingSpec small_spec(OptimizerKind kind = OptimizerKind::kSgd) {
  TrainingSpec spec;
  spec.length = TrainingLength::iterations(10);
  spec.batch_size = 8;
  spec.optimizer = kind == OptimizerKind::kSgd
                       ? OptimizerSpec{.kind = kind, .momentum = 0.9, .weight_decay = 1e-4}
                       : OptimizerSpec{.kind = kind, .weight_decay = 1e-4};
  spec.schedule = {.kind = ScheduleKind::kStep,
                   .base_lr = kind == OptimizerKind::kSgd ? 0.05 : 1e-3,
                   .milestones = {6},
                   .gamma = 0.5};
  spec.evaluate_every = 4;
  spec.data_seed = 11;
  spec.normalization = standard_normalization("fashion-mnist");
  return spec;
}

bool same_weights(const torch::nn::Module& a, const torch::nn::Module& b) {
  const auto pa = a.named_parameters();
  const auto pb = b.named_parameters();
  if (pa.size() != pb.size()) return false;
  for (std::size_t i = 0; i < pa.size(); ++i)
    if (pa[i].key() != pb[i].key() || !torch::equal(pa[i].value(), pb[i].value())) return false;
  return true;
}

bool same_curves(const TrainingCurve& a, const TrainingCurve& b) {
  // NaN == NaN here: the start row has no training loss.
  if (a.rows.size() != b.rows.size()) return false;
  for (std::size_t i = 0; i < a.rows.size(); ++i) {
    const CurveRow& x = a.rows[i];
    const CurveRow& y = b.rows[i];
    const bool same_loss =
        x.train_loss == y.train_loss || (std::isnan(x.train_loss) && std::isnan(y.train_loss));
    if (x.iteration != y.iteration || x.epoch != y.epoch || !same_loss ||
        x.test_loss != y.test_loss || x.test_accuracy != y.test_accuracy ||
        x.validation_loss != y.validation_loss || x.validation_accuracy != y.validation_accuracy)
      return false;
  }
  return true;
}

TEST(TrainingLength, ParsesIterationsAndEpochsAsOpenLthWritesThem) {
  EXPECT_EQ(TrainingLength::parse("500it"), TrainingLength::iterations(500));
  EXPECT_EQ(TrainingLength::parse("40ep"), TrainingLength::epochs(40));
  EXPECT_EQ(TrainingLength::parse("12"), TrainingLength::iterations(12));
  EXPECT_EQ(TrainingLength::parse("0it"), TrainingLength::iterations(0));
  for (const char* bad : {"", "it", "ep", "-3it", "1.5ep", "3e", "ten", "4 it"}) {
    try {
      TrainingLength::parse(bad, "--rewind");
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const InvalidInput& e) {
      EXPECT_NE(std::string(e.what()).find("--rewind"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(TrainingLength::epochs(3).in_iterations(469), 1407);
  EXPECT_EQ(TrainingLength::iterations(3).in_iterations(469), 3);
  EXPECT_EQ(TrainingLength::epochs(40).to_string(), "40ep");
  EXPECT_EQ(TrainingLength::parse(TrainingLength::iterations(7).to_string()),
            TrainingLength::iterations(7));
}

TEST(TrainingSpec, CountsIterationsPerEpochIncludingAShortLastBatch) {
  TrainingSpec spec;
  spec.batch_size = 10;
  EXPECT_EQ(spec.iterations_per_epoch(32), 4);
  EXPECT_EQ(spec.iterations_per_epoch(30), 3);
  spec.length = TrainingLength::epochs(2);
  EXPECT_EQ(spec.total_iterations(32), 8);
  spec.batch_size = 0;
  EXPECT_THROW(spec.validate(), InvalidInput);
}

TEST(TrainingCurve, CsvRoundTripsEveryBitIncludingNaN) {
  TrainingCurve curve;
  curve.rows.push_back(
      {0, 0.0, std::numeric_limits<double>::quiet_NaN(), 2.302585092994046, 0.0625});
  curve.rows.push_back({7, 1.75, 0.1 + 0.2, 1.0 / 3.0, 11.0 / 16.0});
  const std::string csv = curve.to_csv();
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "iteration,epoch,train_loss,test_loss,test_accuracy");
  EXPECT_TRUE(same_curves(TrainingCurve::from_csv(csv, "c.csv"), curve));
  EXPECT_THROW(TrainingCurve::from_csv("iteration,epoch\n", "c.csv"), InvalidInput);
  EXPECT_THROW(TrainingCurve::from_csv(csv + "8,2,x,1,1\n", "c.csv"), InvalidInput);
}

TEST(TrainingCurve, CsvWithValidationColumnsRoundTripsAndEmptyCellsMeanNone) {
  TrainingCurve curve;
  curve.rows.push_back({0, 0.0, std::numeric_limits<double>::quiet_NaN(), 2.5, 0.125});
  curve.rows.push_back({4, 1.0, 0.1 + 0.2, 1.0 / 3.0, 0.5, 1.0 / 7.0, 0.75});
  const std::string csv = curve.to_csv();
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "iteration,epoch,train_loss,test_loss,test_accuracy,validation_loss,"
            "validation_accuracy");
  EXPECT_NE(csv.find("\n0,0,nan,2.5,0.125,,\n"), std::string::npos) << csv;
  const TrainingCurve back = TrainingCurve::from_csv(csv, "c.csv");
  EXPECT_TRUE(same_curves(back, curve));
  EXPECT_FALSE(back.rows[0].validation_loss.has_value());
  EXPECT_EQ(*back.rows[1].validation_loss, 1.0 / 7.0);
  EXPECT_THROW(TrainingCurve::from_csv(csv + "8,2,1,1,1,0.5\n", "c.csv"), InvalidInput);
  EXPECT_THROW(TrainingCurve::from_csv(csv + "8,2,1,1,1,x,0.5\n", "c.csv"), InvalidInput);
}

TEST(TrainingCurve, EarlyStopIsTheFirstMinimumOfTheValidationLossElseOfTheTestLoss) {
  TrainingCurve curve;
  EXPECT_FALSE(curve.early_stop().has_value());
  curve.rows = {{0, 0.0, 1.0, 0.9, 0.1, 0.8, 0.2},
                {1, 1.0, 1.0, 0.5, 0.3, 0.4, 0.4},
                {2, 2.0, 1.0, 0.2, 0.6, 0.4, 0.5},
                {3, 3.0, 1.0, 0.1, 0.7, 0.6, 0.3}};
  // Validation picks iteration 1 (first of the tied minimum 0.4); test loss would pick 3.
  EXPECT_EQ(curve.early_stop()->iteration, 1);
  for (CurveRow& r : curve.rows) r.validation_loss = r.validation_accuracy = std::nullopt;
  EXPECT_EQ(curve.early_stop()->iteration, 3);
}

TEST(Trainer, EvaluatesAHeldOutValidationSetWithoutChangingTraining) {
  const TensorDataset& train_set = fixture("train");
  // The last 8 test images serve as a stand-in validation set: any set the model accepts.
  const TensorDataset validation =
      fixture("test").subset(std::vector<int64_t>{8, 9, 10, 11, 12, 13, 14, 15});
  auto with = lenet(9);
  auto without = lenet(9);
  const Mask mask = Mask::dense(*with);
  const TrainingCurve a =
      train(*with, mask, train_set, {fixture("test"), &validation}, small_spec(), kCpu);
  const TrainingCurve b = train(*without, mask, train_set, fixture("test"), small_spec(), kCpu);
  EXPECT_TRUE(same_weights(*with, *without));
  ASSERT_EQ(a.rows.size(), b.rows.size());
  for (std::size_t i = 0; i < a.rows.size(); ++i) {
    EXPECT_EQ(a.rows[i].test_loss, b.rows[i].test_loss);
    EXPECT_FALSE(b.rows[i].validation_loss.has_value());
    ASSERT_TRUE(a.rows[i].validation_loss.has_value());
    EXPECT_DOUBLE_EQ(*a.rows[i].validation_accuracy * 8.0,
                     std::round(*a.rows[i].validation_accuracy * 8.0));
  }
  const Evaluation last = evaluate(*with, validation, 1000, small_spec().normalization, kCpu);
  EXPECT_EQ(*a.rows.back().validation_loss, last.loss);
  EXPECT_EQ(*a.rows.back().validation_accuracy, last.accuracy);
  EXPECT_EQ(b.to_csv().substr(0, b.to_csv().find('\n')),
            "iteration,epoch,train_loss,test_loss,test_accuracy");
}

TEST(Trainer, MaskedWeightsAreExactlyZeroAfterTrainingAndKeptOnesMove) {
  auto network = lenet(1);
  const Mask mask = prune_random(Mask::dense(*network), {.fraction = 0.6}, 5);
  std::vector<torch::Tensor> before;
  for (const auto& [name, w] : prunable_tensors(*network)) before.push_back(w.detach().clone());
  train(*network, mask, fixture("train"), fixture("test"), small_spec(), kCpu);
  const auto weights = prunable_tensors(*network);
  for (std::size_t i = 0; i < weights.size(); ++i) {
    const torch::Tensor w = weights[i].tensor.detach();
    const torch::Tensor keep = mask.keep(weights[i].name);
    EXPECT_TRUE(w.masked_select(keep.logical_not()).eq(0.0).all().item<bool>()) << weights[i].name;
    // Every kept weight of the first layer sees a gradient (weight decay at least).
    if (i == 0)
      EXPECT_TRUE(w.masked_select(keep).ne(before[i].masked_select(keep)).all().item<bool>());
  }
}

TEST(Trainer, IsBitIdenticalForAFixedSeedAndDependsOnTheDataSeed) {
  auto a = lenet(3);
  auto b = lenet(3);
  auto c = lenet(3);
  const Mask mask = Mask::dense(*a);
  const TrainingCurve ca = train(*a, mask, fixture("train"), fixture("test"), small_spec(), kCpu);
  const TrainingCurve cb = train(*b, mask, fixture("train"), fixture("test"), small_spec(), kCpu);
  EXPECT_TRUE(same_weights(*a, *b));
  EXPECT_TRUE(same_curves(ca, cb));
  TrainingSpec other = small_spec();
  other.data_seed = 12;
  train(*c, mask, fixture("train"), fixture("test"), other, kCpu);
  EXPECT_FALSE(same_weights(*a, *c));
}

TEST(Trainer, CurveHasRowsAtTheStartEveryKIterationsAndTheEnd) {
  auto network = lenet(4);
  std::vector<Index> reported;
  TrainingCallbacks callbacks;
  callbacks.on_evaluation = [&](const CurveRow& row) { reported.push_back(row.iteration); };
  const TrainingCurve curve = train(*network, Mask::dense(*network), fixture("train"),
                                    fixture("test"), small_spec(), kCpu, callbacks);
  ASSERT_EQ(curve.rows.size(), 4u);
  const std::vector<Index> expected{0, 4, 8, 10};
  EXPECT_EQ(reported, expected);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(curve.rows[i].iteration, expected[i]);
    EXPECT_DOUBLE_EQ(curve.rows[i].epoch, static_cast<double>(expected[i]) / 4.0);
    EXPECT_GE(curve.rows[i].test_accuracy, 0.0);
    EXPECT_LE(curve.rows[i].test_accuracy, 1.0);
    // 16 test images: accuracy is a multiple of 1/16.
    EXPECT_DOUBLE_EQ(curve.rows[i].test_accuracy * 16.0,
                     std::round(curve.rows[i].test_accuracy * 16.0));
  }
  EXPECT_TRUE(std::isnan(curve.rows[0].train_loss));
  for (std::size_t i = 1; i < expected.size(); ++i) EXPECT_GT(curve.rows[i].train_loss, 0.0);
}

TEST(Trainer, TrainLossIsTheMeanBatchLossSinceThePreviousRow) {
  // With a zero learning rate nothing moves, so the batch losses can be recomputed here.
  auto network = lenet(5);
  auto reference = lenet(5);
  TrainingSpec spec = small_spec();
  spec.schedule = {.kind = ScheduleKind::kConstant, .base_lr = 0.0};
  spec.optimizer.weight_decay = 0.0;
  const TrainingCurve curve =
      train(*network, Mask::dense(*network), fixture("train"), fixture("test"), spec, kCpu);
  EXPECT_TRUE(same_weights(*network, *reference));

  const BatchSampler sampler(32, {.batch_size = 8, .seed = spec.data_seed});
  auto mean_loss = [&](Index from, Index to) {
    double sum = 0.0;
    for (Index t = from; t < to; ++t) {
      const Batch batch = select_batch(fixture("train"), sampler.batches(t / 4)[t % 4]);
      const torch::Tensor logits = reference->forward(normalize(batch.inputs, *spec.normalization));
      sum += at::cross_entropy_loss(logits, batch.labels).item<float>();
    }
    return sum / static_cast<double>(to - from);
  };
  ASSERT_EQ(curve.rows.size(), 4u);
  EXPECT_NEAR(curve.rows[1].train_loss, mean_loss(0, 4), 1e-12);
  EXPECT_NEAR(curve.rows[2].train_loss, mean_loss(4, 8), 1e-12);
  EXPECT_NEAR(curve.rows[3].train_loss, mean_loss(8, 10), 1e-12);
  // The test loss does not change either, and matches an independent evaluation.
  const Evaluation e = evaluate(*reference, fixture("test"), 5, spec.normalization, kCpu);
  for (const CurveRow& row : curve.rows) {
    EXPECT_NEAR(row.test_loss, e.loss, 1e-6);
    EXPECT_EQ(row.test_accuracy, e.accuracy);
  }
}

TEST(Trainer, EvaluateUsesEvalModeAndNoGradAndCountsCorrectPredictions) {
  // TinyConvNet has batch norm: evaluation must use (and not update) the running statistics.
  testing::TinyConvNet network;
  testing::randomize(network, 21);
  at::Generator gen = testing::generator(22);
  TensorDataset data{at::rand({10, 1, 8, 8}, gen),
                     torch::tensor({0, 1, 2, 0, 1, 2, 0, 1, 2, 0}, torch::kInt64), 3, "synthetic"};
  const torch::Tensor running_mean = network.bn1->running_mean.clone();
  network.train();
  const Evaluation e = evaluate(network, data, 3, std::nullopt, kCpu);
  EXPECT_TRUE(network.is_training());
  EXPECT_TRUE(torch::equal(network.bn1->running_mean, running_mean));

  network.eval();
  const torch::NoGradGuard no_grad;
  const torch::Tensor logits = network.forward(data.inputs);
  const double correct = logits.argmax(1).eq(data.labels).sum().item<double>();
  EXPECT_DOUBLE_EQ(e.accuracy, correct / 10.0);
  const double loss = at::cross_entropy_loss(logits, data.labels).item<double>();
  EXPECT_NEAR(e.loss, loss, 1e-6 * loss);  // float32 sums in batches of 3 vs one of 10
}

TEST(Trainer, TrainingInTwoRangesEqualsTrainingInOne) {
  auto whole = lenet(6);
  auto split = lenet(6);
  const TrainingSpec spec = small_spec();
  const Mask mask = prune_random(Mask::dense(*whole), {.fraction = 0.3}, 2);
  train(*whole, mask, fixture("train"), fixture("test"), spec, kCpu);
  MaskedOptimizer optimizer(*split, mask, spec.optimizer);
  train(*split, optimizer, fixture("train"), fixture("test"), spec, kCpu, {}, {0, 5});
  train(*split, optimizer, fixture("train"), fixture("test"), spec, kCpu, {}, {5, -1});
  EXPECT_TRUE(same_weights(*whole, *split));
}

TEST(Trainer, SnapshotAtIterationKHoldsTheWeightsAfterKSteps) {
  auto network = lenet(7);
  auto reference = lenet(7);
  const TrainingSpec spec = small_spec();
  std::optional<Snapshot> rewind;
  TrainingCallbacks callbacks;
  callbacks.snapshot_iteration = 3;
  callbacks.on_snapshot = [&](const Snapshot& s) { rewind = s; };
  train(*network, Mask::dense(*network), fixture("train"), fixture("test"), spec, kCpu, callbacks);
  ASSERT_TRUE(rewind.has_value());
  train(*reference, Mask::dense(*reference), fixture("train"), fixture("test"), spec, kCpu, {},
        {0, 3});
  auto restored = lenet(99);
  restore(*restored, *rewind);
  EXPECT_TRUE(same_weights(*restored, *reference));
  EXPECT_FALSE(same_weights(*restored, *network));
}

TEST(Trainer, ResumingFromACheckpointEndsBitIdenticalForSgdAndAdam) {
  for (const OptimizerKind kind : {OptimizerKind::kSgd, OptimizerKind::kAdam}) {
    const TrainingSpec spec = small_spec(kind);
    auto whole = lenet(8);
    const Mask mask = prune_random(Mask::dense(*whole), {.fraction = 0.5}, 3);
    std::vector<TrainingCheckpoint> checkpoints;
    TrainingCallbacks callbacks;
    callbacks.checkpoint_every = 3;
    callbacks.on_checkpoint = [&](const TrainingCheckpoint& c) { checkpoints.push_back(c); };
    const TrainingCurve full =
        train(*whole, mask, fixture("train"), fixture("test"), spec, kCpu, callbacks);
    ASSERT_EQ(checkpoints.size(), 3u);  // at 3, 6, 9
    EXPECT_EQ(checkpoints[1].iteration, 6);
    EXPECT_EQ(checkpoints[1].curve.rows.size(), 2u);  // rows 0 and 4
    EXPECT_EQ(checkpoints[1].loss_count, 2);          // steps 4 and 5

    for (const TrainingCheckpoint& checkpoint : checkpoints) {
      auto resumed = lenet(1234);  // different weights: all must come from the checkpoint
      MaskedOptimizer optimizer(*resumed, mask, spec.optimizer);
      const TrainingCurve curve = train(*resumed, optimizer, fixture("train"), fixture("test"),
                                        spec, kCpu, {}, {}, &checkpoint);
      EXPECT_TRUE(same_weights(*whole, *resumed)) << checkpoint.iteration;
      EXPECT_TRUE(same_curves(full, curve)) << checkpoint.iteration;
    }
    // Without the optimizer state (momentum / Adam moments) the result differs.
    TrainingCheckpoint stateless = checkpoints[1];
    stateless.optimizer = Snapshot();
    auto resumed = lenet(1234);
    MaskedOptimizer optimizer(*resumed, mask, spec.optimizer);
    train(*resumed, optimizer, fixture("train"), fixture("test"), spec, kCpu, {}, {}, &stateless);
    EXPECT_FALSE(same_weights(*whole, *resumed));
  }
}

TEST(Trainer, RejectsBadRangesAndSpecs) {
  auto network = lenet(9);
  const Mask mask = Mask::dense(*network);
  EXPECT_THROW(
      train(*network, mask, fixture("train"), fixture("test"), small_spec(), kCpu, {}, {7, 5}),
      InvalidInput);
  TrainingSpec spec = small_spec();
  spec.evaluate_every = -1;
  EXPECT_THROW(train(*network, mask, fixture("train"), fixture("test"), spec, kCpu), InvalidInput);
}

}  // namespace
}  // namespace cardinal
