// `cardinal lottery` end to end (the binary run as a user runs it), and the run-store archive
// it keeps its stages in.
#include <gtest/gtest.h>

#include <unistd.h>
#include "experiments/command_runner.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#ifdef CARDINAL_WITH_TORCH
#include "cardinal/experiments/network/lottery_store.hpp"
#include "cardinal/experiments/store/run_store.hpp"
#include "cardinal/nonconvex/data/registry.hpp"
#include "cardinal/nonconvex/lottery/lottery_run.hpp"
#endif

namespace cardinal {
namespace {
namespace fs = std::filesystem;
using test::CommandResult;

const std::string kData = CARDINAL_TEST_DATA_DIR "/nonconvex/fashion-mnist-gz";
/// LeNet-300-100 on the 32-image fixture, 8 iterations per level.
const std::string kSmall = "lottery --data-dir " + kData +
                           " --iterations 8 --batch-size 8 --lr 0.05 --momentum 0.9 "
                           "--evaluate-every 4 --seed 5 ";

class LotteryCommand : public test::ScratchTest {
 protected:
  LotteryCommand() : ScratchTest("lottery", true) {}

  static CommandResult run(const std::string& args) { return test::run_cardinal(args); }
  static std::string read(const fs::path& p) { return test::read_file(p); }
  /// The single run directory under `store`.
  static fs::path run_directory(const fs::path& store) {
    std::vector<fs::path> runs;
    for (const auto& entry : fs::directory_iterator(store)) runs.push_back(entry.path());
    EXPECT_EQ(runs.size(), 1u) << store;
    return runs.empty() ? fs::path() : runs.front();
  }
  std::string store(const std::string& name) const { return (dir_ / name).string(); }
};

TEST_F(LotteryCommand, TheRunHashFollowsTheDataContentNotItsPath) {
  const std::string raw = CARDINAL_TEST_DATA_DIR "/nonconvex/fashion-mnist-raw";
  const fs::path altered = dir_ / "altered";
  fs::copy(raw, altered);
  {
    std::fstream images(altered / "train-images-idx3-ubyte",
                        std::ios::in | std::ios::out | std::ios::binary);
    images.seekp(16 + 400);  // one pixel of the first image, past the IDX header
    images.put(static_cast<char>(0x7f));
  }
  const std::string args = " --iterations 8 --batch-size 8 --seed 5 --levels 0 --quiet --store ";
  ASSERT_EQ(run("lottery --data-dir " + kData + args + store("a")).status, 0);
  ASSERT_EQ(run("lottery --data-dir " + raw + args + store("b")).status, 0);
  ASSERT_EQ(run("lottery --data-dir " + altered.string() + args + store("c")).status, 0);
  // gzipped and raw copies of the same examples are the same run; one changed pixel is not.
  EXPECT_EQ(run_directory(store("a")).filename(), run_directory(store("b")).filename());
  EXPECT_NE(run_directory(store("a")).filename(), run_directory(store("c")).filename());
}

// The program as a user runs it (its own link order, Ceres's ATLAS included) trains on the BLAS
// the system selects: OpenBLAS wherever it is installed as libblas.so.3.
TEST_F(LotteryCommand, TrainsOnTheSystemsOpenBlas) {
  std::error_code error;
  const fs::path system = fs::canonical("/usr/lib/x86_64-linux-gnu/libblas.so.3", error);
  if (error || system.string().find("openblas") == std::string::npos)
    GTEST_SKIP() << "the system BLAS is not OpenBLAS here";
  const CommandResult r = run(kSmall + "--levels 0 --store " + store("runs"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("BLAS OpenBLAS"), std::string::npos) << r.output;
}

TEST_F(LotteryCommand, WritesEveryStageAndTheAccuracyVersusSparsityTable) {
  const CommandResult r =
      run(kSmall + "--levels 1 --control random-reinit --store " + store("runs"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("level   weights remaining    ticket   random-reinit"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("80.04%"), std::string::npos) << r.output;  // 213060 / 266200

  const fs::path run_dir = run_directory(store("runs"));
  EXPECT_TRUE(run_dir.filename().string().starts_with("lottery-"));
  for (const std::string stage : {"level-0", "level-1", "random-reinit-1"}) {
    for (const std::string file :
         {"start.snapshot", "end.snapshot", "mask.mask", "curve.csv", "DONE.json"})
      EXPECT_TRUE(fs::exists(run_dir / stage / file)) << stage << '/' << file;
    const auto done = nlohmann::json::parse(read(run_dir / stage / "DONE.json"));
    EXPECT_EQ(done["stage"], stage);
    EXPECT_GE(done["test_accuracy"].get<double>(), 0.0);
    const std::string curve = read(run_dir / stage / "curve.csv");
    EXPECT_EQ(std::count(curve.begin(), curve.end(), '\n'), 4) << curve;  // header, 0, 4, 8
  }
  const auto done = nlohmann::json::parse(read(run_dir / "level-1" / "DONE.json"));
  EXPECT_EQ(done["weights_remaining"], 213060);
  EXPECT_NEAR(done["sparsity"].get<double>(), 1.0 - 213060.0 / 266200.0, 1e-15);
  const std::string summary = read(run_dir / "summary.csv");
  EXPECT_EQ(summary.substr(0, summary.find('\n')),
            "level,weights_total,weights_remaining,fraction_remaining,ticket_test_accuracy,"
            "ticket_test_loss,random_reinit_test_accuracy,random_reinit_test_loss");
  EXPECT_EQ(std::count(summary.begin(), summary.end(), '\n'), 3);
  EXPECT_FALSE(fs::exists(run_dir / "level-0" / "rewind.snapshot"));  // imp-reset needs none
}

TEST_F(LotteryCommand, ARunStoppedAfterLevelOneResumesToTheSameResult) {
  const std::string common = kSmall + "--method imp-rewind --rewind 2it ";
  ASSERT_EQ(run(common + "--levels 2 --store " + store("whole")).status, 0);

  ASSERT_EQ(run(common + "--levels 1 --store " + store("parts")).status, 0);
  // Levels and the control do not define the run: the same directory is extended.
  const CommandResult r = run(common + "--levels 2 --quiet --store " + store("parts"));
  ASSERT_EQ(r.status, 0) << r.output;
  const fs::path whole = run_directory(store("whole"));
  const fs::path parts = run_directory(store("parts"));
  EXPECT_EQ(whole.filename(), parts.filename());
  EXPECT_TRUE(fs::exists(parts / "level-0" / "rewind.snapshot"));
  for (const std::string file : {"DONE.json", "end.snapshot", "mask.mask", "curve.csv"})
    EXPECT_EQ(read(whole / "level-2" / file), read(parts / "level-2" / file)) << file;
  EXPECT_EQ(read(whole / "summary.csv"), read(parts / "summary.csv"));

  // Killed before level 2's marker: the level is redone, with the same bits.
  fs::remove(parts / "level-2" / "DONE.json");
  const std::string before = read(parts / "level-2" / "end.snapshot");
  const CommandResult again = run(common + "--levels 2 --store " + store("parts"));
  ASSERT_EQ(again.status, 0) << again.output;
  EXPECT_NE(again.output.find("level  1  ticket          80.04% remaining"), std::string::npos);
  EXPECT_NE(again.output.find("(reused)"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("(iterations 2-8"), std::string::npos) << again.output;
  EXPECT_EQ(read(parts / "level-2" / "end.snapshot"), before);

  // Settings that change results make other runs: a weight decay, and a thread count above one
  // (a threaded BLAS rounds differently for each count).
  ASSERT_EQ(run(common + "--levels 0 --weight-decay 0.001 --store " + store("parts")).status, 0);
  ASSERT_EQ(run(common + "--levels 0 --threads 2 --store " + store("parts")).status, 0);
  std::size_t runs = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(store("parts"))) ++runs;
  EXPECT_EQ(runs, 3u);
}

TEST_F(LotteryCommand, AValidationSetIsHeldOutOfTrainingAndGivesTheEarlyStopColumns) {
  const CommandResult r =
      run(kSmall + "--levels 1 --control random-mask --validation 8 --store " + store("runs"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("(24 training, 8 validation, 16 test examples)"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("(early stop at "), std::string::npos) << r.output;
  const fs::path run_dir = run_directory(store("runs"));
  const auto settings = nlohmann::json::parse(read(run_dir / "settings.json"));
  EXPECT_EQ(settings["train_examples"], 24);
  EXPECT_EQ(settings["validation_examples"], 8);
  const std::string summary = read(run_dir / "summary.csv");
  EXPECT_EQ(summary.substr(0, summary.find('\n')),
            "level,weights_total,weights_remaining,fraction_remaining,ticket_test_accuracy,"
            "ticket_test_loss,ticket_early_stop_iteration,ticket_early_stop_test_accuracy,"
            "random_mask_test_accuracy,random_mask_test_loss,random_mask_early_stop_iteration,"
            "random_mask_early_stop_test_accuracy");
  const std::string curve = read(run_dir / "level-1" / "curve.csv");
  EXPECT_EQ(curve.substr(0, curve.find('\n')),
            "iteration,epoch,train_loss,test_loss,test_accuracy,validation_loss,"
            "validation_accuracy");
  const auto done = nlohmann::json::parse(read(run_dir / "level-1" / "DONE.json"));
  EXPECT_TRUE(done.contains("early_stop_iteration"));

  // Without --validation the same request is another run, trained on all 32 images.
  const CommandResult plain = run(kSmall + "--levels 0 --store " + store("plain"));
  ASSERT_EQ(plain.status, 0) << plain.output;
  const fs::path plain_dir = run_directory(store("plain"));
  EXPECT_NE(plain_dir.filename(), run_dir.filename());
  EXPECT_FALSE(
      nlohmann::json::parse(read(plain_dir / "settings.json")).contains("validation_examples"));
  const CommandResult too_many = run(kSmall + "--validation 32 --store " + store("bad"));
  EXPECT_EQ(too_many.status, 2) << too_many.output;
  EXPECT_NE(too_many.output.find("--validation must be less than the 32 training examples, got 32"),
            std::string::npos)
      << too_many.output;
  EXPECT_FALSE(fs::exists(store("bad")));
}

TEST_F(LotteryCommand, ALayerwisePrunerIsHashedAndMagnitudeRunsKeepTheirHash) {
  const CommandResult plain = run(kSmall + "--levels 0 --quiet --store " + store("plain"));
  ASSERT_EQ(plain.status, 0) << plain.output;
  const CommandResult magnitude =
      run(kSmall + "--levels 0 --quiet --pruner magnitude --store " + store("magnitude"));
  ASSERT_EQ(magnitude.status, 0) << magnitude.output;
  const fs::path plain_dir = run_directory(store("plain"));
  EXPECT_EQ(plain_dir.filename(), run_directory(store("magnitude")).filename());
  EXPECT_FALSE(nlohmann::json::parse(read(plain_dir / "settings.json")).contains("pruner"));

  const CommandResult r = run(kSmall +
                              "--levels 1 --pruner layerwise --pruner-solver omp --calibration 20 "
                              "--prune-fraction 0.9 --pruning-scope global --output-fraction -1 "
                              "--store " +
                              store("layerwise"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("imp-reset (pruner layerwise+omp)"), std::string::npos) << r.output;
  const fs::path run_dir = run_directory(store("layerwise"));
  EXPECT_NE(run_dir.filename(), plain_dir.filename());
  const auto settings = nlohmann::json::parse(read(run_dir / "settings.json"));
  EXPECT_EQ(settings["pruner"]["method"], "layerwise");
  EXPECT_EQ(settings["pruner"]["solver"], "omp");
  EXPECT_EQ(settings["pruner"]["calibration"], 20);
  EXPECT_EQ(settings["pruner"]["calibration_inputs"], "sequential");
  const auto done = nlohmann::json::parse(read(run_dir / "level-1" / "DONE.json"));
  EXPECT_EQ(done["weights_remaining"], 266200 - 239580);  // global magnitude's count at 90%
}

TEST_F(LotteryCommand, ALayerwisePrunerPrunesAConvolutionalNetwork) {
  const CommandResult r = run(kSmall +
                              "--model lenet5 --levels 1 --pruner layerwise --calibration 8 "
                              "--prune-fraction 0.9 --pruning-scope global --output-fraction -1 "
                              "--store " +
                              store("lenet5"));
  ASSERT_EQ(r.status, 0) << r.output;
  const fs::path run_dir = run_directory(store("lenet5"));
  const auto done = nlohmann::json::parse(read(run_dir / "level-1" / "DONE.json"));
  // 150 + 2,400 + 48,000 + 10,080 + 840 = 61,470 weights; global magnitude keeps 61,470 − 55,323.
  EXPECT_EQ(done["weights_remaining"], 6147);
}

TEST_F(LotteryCommand, TheReconstructionAllocationKeepsTheStepsTotal) {
  const CommandResult r = run(kSmall +
                              "--model lenet5 --levels 1 --pruner obs --pruner-allocation "
                              "reconstruction --calibration 8 --prune-fraction 0.9 "
                              "--pruning-scope global --output-fraction -1 --store " +
                              store("allocated"));
  ASSERT_EQ(r.status, 0) << r.output;
  const fs::path run_dir = run_directory(store("allocated"));
  const auto settings = nlohmann::json::parse(read(run_dir / "settings.json"));
  EXPECT_EQ(settings["pruner"]["allocation"], "reconstruction");
  const auto done = nlohmann::json::parse(read(run_dir / "level-1" / "DONE.json"));
  EXPECT_EQ(done["weights_remaining"], 6147);  // the total of global magnitude's counts
}

TEST_F(LotteryCommand, InstabilityAddsACopyPerLevelAndTheBarrierColumns) {
  const CommandResult r = run(kSmall +
                              "--method imp-rewind --rewind 2it --levels 1 --instability "
                              "--store " +
                              store("runs"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("(instability "), std::string::npos) << r.output;
  const fs::path run_dir = run_directory(store("runs"));
  for (const std::string stage : {"instability-0", "instability-1"}) {
    const auto done = nlohmann::json::parse(read(run_dir / stage / "DONE.json"));
    EXPECT_EQ(done["interpolation"].size(), 31u) << stage;
    EXPECT_GE(done["error_barrier"].get<double>(), 0.0);
    EXPECT_EQ(done["begin_iteration"], 2);
  }
  const std::string summary = read(run_dir / "summary.csv");
  const std::string header = summary.substr(0, summary.find('\n'));
  EXPECT_TRUE(header.ends_with(",instability_error_barrier,instability_loss_barrier")) << header;
}

TEST_F(LotteryCommand, BadInputExitsWithStatusTwoAndAClearMessage) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"lottery --model lenet7", "unknown --model 'lenet7' (known: lenet300"},
      {"lottery --dataset svhn", "unknown --dataset 'svhn' (known: mnist, fashion-mnist"},
      {"lottery --method imp-sometimes", "unknown lottery method 'imp-sometimes'"},
      {"lottery --method imp-rewind --data-dir " + kData, "needs --rewind"},
      {"lottery --data-dir " + (dir_ / "nowhere").string(), "nowhere: no such directory"},
      {"lottery --data-dir " + dir_.string(), "train-images-idx3-ubyte"},
      {kSmall + "--levels 100000", "--levels 100000 is too deep"},
      {kSmall + "--levels 60", "266200 prunable weights fall below 10 after level 45"},
      {"lottery --data-dir " + kData + " --lr nan",
       "the argument ('nan') for option '--lr' is invalid"},
      {"lottery --data-dir " + kData + " --lr 1e300",
       "'1e300') for option '--lr' is invalid: must be > 0 and <= 1000"},
      {kSmall + "--threads 10000", "'10000') for option '--threads' is invalid: must be >= 0"},
      {"lottery --data-dir " + kData + " --seed=-1",
       "'-1') for option '--seed' is invalid: must be >= 0"},
      {kSmall + "--pruner fisher", "--pruner must be magnitude, layerwise or obs, got 'fisher'"},
      {kSmall + "--pruner-solver iht", "--pruner-solver applies to --pruner layerwise only"},
      {kSmall + "--pruner obs --pruner-solver iht",
       "--pruner-solver applies to --pruner layerwise only"},
      {kSmall + "--pruner obs --pruner-iterations 5",
       "--pruner-iterations applies to --pruner layerwise only"},
      {kSmall + "--pruner-ridge 0.1", "--pruner-ridge applies to --pruner layerwise and obs only"},
      {kSmall + "--calibration 10", "--calibration applies to --pruner layerwise and obs only"},
      {kSmall + "--pruner-values kept",
       "--pruner-values applies to --pruner layerwise and obs only"},
      {kSmall + "--pruner obs --pruner-values mixed",
       "--pruner-values must be one of reconstructed, kept, got 'mixed'"},
      {kSmall + "--pruner-allocation reconstruction",
       "--pruner-allocation applies to --pruner layerwise and obs only"},
      {kSmall + "--pruner obs --pruner-allocation global",
       "--pruner-allocation must be one of step, reconstruction, got 'global'"},
      {kSmall + "--pruner layerwise --pruner-solver gmp", "--pruner-solver gmp trains a network"},
      {kSmall + "--pruner layerwise --method snip",
       "--pruner applies to the methods that prune trained weights, not snip"},
  };
  for (const auto& [args, message] : cases) {
    const CommandResult r = run(args + " --store " + store("runs"));
    EXPECT_EQ(r.status, 2) << args << '\n' << r.output;
    EXPECT_NE(r.output.find(message), std::string::npos) << args << '\n' << r.output;
  }
  EXPECT_FALSE(fs::exists(store("runs")));  // no run directory for a rejected request
}

#ifdef CARDINAL_WITH_TORCH
TEST_F(LotteryCommand, ASecondProcessOnTheSameRunWaitsAndReusesTheResults) {
  const std::string args = kSmall + "--levels 0 --store " + store("runs");
  ASSERT_EQ(run(args + " --quiet").status, 0);
  const fs::path run_dir = run_directory(store("runs"));
  std::string output;
  int status = -1;
  {
    auto lock = std::make_unique<RunLock>(run_dir);  // as if another process were computing
    std::FILE* second = popen((std::string(CARDINAL_BINARY) + " " + args + " 2>&1").c_str(), "r");
    ASSERT_NE(second, nullptr);
    char line[4096];
    while (std::fgets(line, sizeof line, second) != nullptr) {
      output += line;
      if (output.find("waiting for it") != std::string::npos) break;
    }
    ASSERT_NE(output.find("another process is computing " + run_dir.string()), std::string::npos)
        << output;
    lock.reset();
    while (std::fgets(line, sizeof line, second) != nullptr) output += line;
    status = pclose(second);
  }
  EXPECT_EQ(WEXITSTATUS(status), 0) << output;
  EXPECT_NE(output.find("(reused)"), std::string::npos) << output;
  EXPECT_EQ(output.find("(iterations"), std::string::npos) << output;  // nothing computed again
}

/// A RunStoreLotteryArchive that "kills the run" right after writing its first checkpoint.
class KilledArchive : public LotteryArchive {
 public:
  explicit KilledArchive(RunStoreLotteryArchive& inner) : inner_(inner) {}
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
    throw std::runtime_error("killed");
  }

 private:
  RunStoreLotteryArchive& inner_;
};

TEST_F(LotteryCommand, ACheckpointOnDiskResumesAStageBitIdentically) {
  LotterySpec spec;
  spec.input = {.channels = 1, .height = 28, .width = 28, .classes = 10};
  spec.training.length = TrainingLength::iterations(8);
  spec.training.batch_size = 8;
  spec.training.optimizer = {.kind = OptimizerKind::kAdam};
  spec.training.schedule = {.base_lr = 1e-3};
  spec.training.evaluate_every = 4;
  spec.method = LotteryMethod::kLrRewind;
  spec.rewind = TrainingLength::iterations(1);
  const TensorDataset train = load_dataset("fashion-mnist", kData, "train");
  const TensorDataset test = load_dataset("fashion-mnist", kData, "test");
  LotteryOptions options;
  options.levels = 1;
  options.checkpoint_every = 3;

  InMemoryLotteryArchive reference;
  const LotteryResult expected = run_lottery(spec, train, test, reference, options);

  RunStoreLotteryArchive archive(RunStore(dir_).open("test", {{"name", "checkpoint"}}));
  KilledArchive killed(archive);
  EXPECT_THROW(run_lottery(spec, train, test, killed, options), std::runtime_error);
  const fs::path stage = archive.run().path() / "level-0";
  EXPECT_TRUE(fs::exists(stage / "checkpoint.json"));
  EXPECT_TRUE(fs::exists(stage / "checkpoint-3.network.snapshot"));
  EXPECT_FALSE(fs::exists(stage / "DONE.json"));
  ASSERT_TRUE(archive.checkpoint("level-0").has_value());
  EXPECT_EQ(archive.checkpoint("level-0")->iteration, 3);

  const LotteryResult resumed = run_lottery(spec, train, test, archive, options);
  EXPECT_EQ(resumed.tickets, expected.tickets);
  EXPECT_EQ(read(stage / "curve.csv"), reference.curve("level-0").to_csv());
  const Snapshot end = archive.snapshot("level-1", SnapshotRole::kEnd);
  const Snapshot want = reference.snapshot("level-1", SnapshotRole::kEnd);
  ASSERT_EQ(end.parameters().size(), want.parameters().size());
  for (std::size_t i = 0; i < end.parameters().size(); ++i)
    EXPECT_TRUE(torch::equal(end.parameters()[i].tensor, want.parameters()[i].tensor));
  // Checkpoints are removed once their stage completes.
  for (const auto& entry : fs::directory_iterator(stage))
    EXPECT_FALSE(entry.path().filename().string().starts_with("checkpoint")) << entry.path();
}
#endif

}  // namespace
}  // namespace cardinal
