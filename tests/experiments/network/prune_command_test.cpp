// `cardinal prune` end to end, on the 32-image Fashion-MNIST fixture.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "experiments/command_runner.hpp"

#ifdef CARDINAL_WITH_TORCH
#include "cardinal/nonconvex/pruning/mask.hpp"
#include "cardinal/nonconvex/pruning/snapshot.hpp"
#endif

namespace cardinal {
namespace {
namespace fs = std::filesystem;
using test::CommandResult;

const std::string kData = CARDINAL_TEST_DATA_DIR "/nonconvex/fashion-mnist-gz";
const std::string kCommon = "prune --model mlpnet --data-dir " + kData + " --quiet ";

class PruneCommand : public test::ScratchTest {
 protected:
  PruneCommand() : ScratchTest("prune", true) {}

  /// Trains MLPNet 8 iterations and prunes it (layerwise + OMP, 90% of every layer) into `name`.
  CommandResult train_and_prune(const std::string& name) const {
    return test::run_cardinal(kCommon +
                              "--iterations 8 --batch-size 8 --lr 0.05 --sparsity 0.9 "
                              "--allocation uniform -o " +
                              out(name));
  }

  nlohmann::json summary(const std::string& name) const {
    return nlohmann::json::parse(test::read_file(dir_ / name / "summary.json"));
  }

  /// The pruned snapshot of run `name`, read back by `command` (the model's prune command line
  /// up to its options), has the test accuracy the run recorded after pruning.
  void expect_recorded_accuracy_reads_back(const std::string& command,
                                           const std::string& name) const {
    const CommandResult again = test::run_cardinal(
        command + "--weights " + out(name + "/pruned.snapshot") +
        " --method magnitude-layerwise --sparsity 0.5 -o " + out(name + "-read-back"));
    ASSERT_EQ(again.status, 0) << again.output;
    EXPECT_EQ(summary(name + "-read-back")["test_accuracy_before"],
              summary(name)["test_accuracy_after"]);
  }

#ifdef CARDINAL_WITH_TORCH
  /// Run `name`'s pruned mask keeps `kept` weights, and its pruned snapshot has the mask's shapes
  /// and exact zeros wherever the mask prunes.
  void expect_exact_zeros_outside_the_mask(const std::string& name, long kept) const {
    const Mask mask = Mask::load((dir_ / name / "pruned.mask").string());
    EXPECT_EQ(mask.remaining(), kept);
    const Snapshot pruned = Snapshot::load((dir_ / name / "pruned.snapshot").string());
    for (const NamedTensor& p : pruned.parameters()) {
      if (!mask.contains(p.name)) continue;
      EXPECT_EQ(p.tensor.sizes(), mask.keep(p.name).sizes()) << p.name;
      const torch::Tensor outside = p.tensor.masked_select(mask.keep(p.name).logical_not());
      EXPECT_TRUE(outside.eq(0).all().item<bool>()) << p.name;
    }
  }
#endif
};

TEST_F(PruneCommand, KeepsExactlyTheBudgetOfEveryLayerWithExactZeros) {
  const CommandResult r = train_and_prune("a");
  ASSERT_EQ(r.status, 0) << r.output;
  for (const char* file :
       {"dense.snapshot", "pruned.snapshot", "pruned.mask", "summary.json", "layers.csv"})
    EXPECT_TRUE(fs::exists(dir_ / "a" / file)) << file;
  const nlohmann::json s = summary("a");
  // 784·40, 40·20 and 20·10 weights; each layer removes round(0.9 · total).
  const std::vector<std::pair<std::string, long>> kept = {
      {"fc1.weight", 3136}, {"fc2.weight", 80}, {"fc.weight", 20}};
  ASSERT_EQ(s["layers"].size(), 3u);
  for (std::size_t l = 0; l < 3; ++l) {
    EXPECT_EQ(s["layers"][l]["name"], kept[l].first);
    EXPECT_EQ(s["layers"][l]["kept"].get<long>(), kept[l].second);
    EXPECT_GE(s["layers"][l]["reconstruction_error"].get<double>(), 0.0);
  }
  EXPECT_EQ(s["weights_kept"].get<long>(), 3236);
  EXPECT_EQ(s["calibration_examples"].get<long>(), 32);
  EXPECT_EQ(s["solver"], "omp");
#ifdef CARDINAL_WITH_TORCH
  expect_exact_zeros_outside_the_mask("a", 3236);
#endif
  expect_recorded_accuracy_reads_back(kCommon, "a");

  // Another method on the dense snapshot, and a layer budget solved by IHT: the same kept counts
  // (OBS, at O(d_in³) per row, is tested on small layers in tests/nonconvex/pruning).
  for (const std::string& method :
       {std::string("--method magnitude-layerwise"),
        std::string("--solver iht --budget layer --allocation uniform")}) {
    const CommandResult other =
        test::run_cardinal(kCommon + "--weights " + out("a/dense.snapshot") + " --sparsity 0.9 " +
                           method + " --overwrite -o " + out("c"));
    ASSERT_EQ(other.status, 0) << method << '\n' << other.output;
    const nlohmann::json c = summary("c");
    EXPECT_EQ(c["test_accuracy_before"], s["test_accuracy_before"]) << method;
    for (std::size_t l = 0; l < 3; ++l)
      EXPECT_EQ(c["layers"][l]["kept"].get<long>(), kept[l].second) << method;
  }
}

// --splice and --solver splicing reach the layer problems (that splicing lowers each row's
// objective is tested on prune_rows and refine_rows in tests/nonconvex/pruning): they record
// themselves, keep the same budgets, and choose other weights than OMP, or than OBS.
TEST_F(PruneCommand, SplicingRefinesOrSolvesEachLayersProblems) {
  ASSERT_EQ(train_and_prune("dense").status, 0);
  const std::string common =
      kCommon + "--weights " + out("dense/dense.snapshot") + " --sparsity 0.9 ";
  for (const auto& [name, options] :
       std::vector<std::pair<std::string, std::string>>{{"omp", ""},
                                                        {"spliced", "--splice"},
                                                        {"splicing", "--solver splicing"},
                                                        {"obs", "--method obs"},
                                                        {"obs-spliced", "--method obs --splice"}}) {
    const CommandResult r = test::run_cardinal(common + options + " -o " + out(name));
    ASSERT_EQ(r.status, 0) << options << '\n' << r.output;
  }
  const nlohmann::json omp = summary("omp"), spliced = summary("spliced");
  EXPECT_FALSE(omp.contains("splice"));
  EXPECT_FALSE(omp.contains("max_exchange"));
  EXPECT_EQ(spliced["splice"], true);
  EXPECT_EQ(spliced["max_exchange"], 2);
  EXPECT_EQ(summary("splicing")["solver"], "splicing");
  for (std::size_t l = 0; l < 3; ++l)
    EXPECT_EQ(spliced["layers"][l]["kept"], omp["layers"][l]["kept"]) << l;
  EXPECT_NE(test::read_file(dir_ / "spliced" / "pruned.mask"),
            test::read_file(dir_ / "omp" / "pruned.mask"));
  // OBS refined by splicing: recorded, the same budgets, another mask.
  const nlohmann::json obs = summary("obs"), obs_spliced = summary("obs-spliced");
  EXPECT_FALSE(obs.contains("splice"));
  EXPECT_EQ(obs_spliced["splice"], true);
  EXPECT_EQ(obs_spliced["max_exchange"], 2);
  for (std::size_t l = 0; l < 3; ++l)
    EXPECT_EQ(obs_spliced["layers"][l]["kept"], obs["layers"][l]["kept"]) << l;
  // The first layer sees the same inputs in both runs: splicing never raises its damped error.
  EXPECT_LE(obs_spliced["layers"][0]["damped_error"].get<double>(),
            obs["layers"][0]["damped_error"].get<double>() * (1 + 1e-12));
  EXPECT_NE(test::read_file(dir_ / "obs-spliced" / "pruned.mask"),
            test::read_file(dir_ / "obs" / "pruned.mask"));
#ifdef CARDINAL_WITH_TORCH
  expect_exact_zeros_outside_the_mask("spliced", spliced["weights_kept"].get<long>());
  expect_exact_zeros_outside_the_mask("splicing", spliced["weights_kept"].get<long>());
  expect_exact_zeros_outside_the_mask("obs-spliced", obs_spliced["weights_kept"].get<long>());
#endif
}

TEST_F(PruneCommand, ADenseCacheServesEveryMethodOfOneSeedBitForBit) {
  const std::string training = "--iterations 8 --batch-size 8 --lr 0.05 ";
  const std::string train = kCommon + training;
  const std::string cache = " --dense-cache " + out("cache");
  // The first run trains and adds its dense network; the second, another method and sparsity of
  // the same seed, reads it (it does not print the training line: --quiet is off for it).
  CommandResult r = test::run_cardinal(train + "--sparsity 0.9" + cache + " -o " + out("a"));
  ASSERT_EQ(r.status, 0) << r.output;
  std::vector<fs::path> cached;
  for (const auto& entry : fs::directory_iterator(dir_ / "cache")) cached.push_back(entry.path());
  ASSERT_EQ(cached.size(), 1u);
  EXPECT_EQ(test::read_file(cached.front()), test::read_file(dir_ / "a" / "dense.snapshot"));
  const std::string other = "--sparsity 0.5 --method obs";
  r = test::run_cardinal("prune --model mlpnet --data-dir " + kData + " " + training + other +
                         cache + " -o " + out("b"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("dense network from"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("training the dense network"), std::string::npos) << r.output;
  // The same run without the cache trains the network itself: identical files.
  r = test::run_cardinal(train + other + " -o " + out("c"));
  ASSERT_EQ(r.status, 0) << r.output;
  for (const char* file : {"dense.snapshot", "pruned.mask", "pruned.snapshot"})
    EXPECT_EQ(test::read_file(dir_ / "b" / file), test::read_file(dir_ / "c" / file)) << file;
  EXPECT_EQ(summary("b")["test_accuracy_after"], summary("c")["test_accuracy_after"]);
  // Another seed is another network: a second entry.
  r = test::run_cardinal(train + "--seed 5 --sparsity 0.9" + cache + " -o " + out("d"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ / "cache"), fs::directory_iterator()), 2);
}

TEST_F(PruneCommand, ConvolutionalNetworksPruneOnTheirUnfoldedPatches) {
  const std::string lenet5 = "prune --model lenet5 --data-dir " + kData + " --quiet ";
  const CommandResult r = test::run_cardinal(lenet5 +
                                             "--iterations 8 --batch-size 8 --lr 0.05 "
                                             "--sparsity 0.9 --max-patches 5000 -o " +
                                             out("a"));
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json s = summary("a");
  // 150 + 2,400 + 48,000 + 10,080 + 840 = 61,470 weights; round(0.9 · 61,470) = 55,323 removed.
  EXPECT_EQ(s["weights_kept"].get<long>(), 6147);
  EXPECT_EQ(s["max_patches"], 5000);
  const std::vector<std::string> names = {"conv1.weight", "conv2.weight", "fc1.weight",
                                          "fc2.weight", "fc.weight"};
  // conv1: 32 images × 28 · 28 positions, sampled down to 5,000; conv2: 32 × 10 · 10 patches.
  const std::vector<long> rows = {5000, 3200, 32, 32, 32}, available = {25088, 3200, 32, 32, 32};
  const std::vector<long> columns = {25, 150, 400, 120, 84};
  ASSERT_EQ(s["layers"].size(), 5u);
  long kept = 0;
  for (std::size_t l = 0; l < 5; ++l) {
    const auto& layer = s["layers"][l];
    EXPECT_EQ(layer["name"], names[l]);
    EXPECT_EQ(layer["columns"].get<long>(), columns[l]) << names[l];
    EXPECT_EQ(layer["calibration_rows"].get<long>(), rows[l]) << names[l];
    EXPECT_EQ(layer["calibration_rows_available"].get<long>(), available[l]) << names[l];
    kept += layer["kept"].get<long>();
  }
  EXPECT_EQ(kept, 6147);
#ifdef CARDINAL_WITH_TORCH
  expect_exact_zeros_outside_the_mask("a", 6147);
#endif
  expect_recorded_accuracy_reads_back(lenet5, "a");
  // From the dense snapshot the same pruning gives the same mask and weights, bit for bit (with
  // the theory of each layer's H beside them), and global magnitude pruning the same per-layer
  // counts.
  const CommandResult rerun =
      test::run_cardinal(lenet5 + "--weights " + out("a/dense.snapshot") +
                         " --sparsity 0.9 --max-patches 5000 --theory -o " + out("c"));
  ASSERT_EQ(rerun.status, 0) << rerun.output;
  EXPECT_EQ(test::read_file(dir_ / "c" / "pruned.mask"),
            test::read_file(dir_ / "a" / "pruned.mask"));
  EXPECT_EQ(test::read_file(dir_ / "c" / "pruned.snapshot"),
            test::read_file(dir_ / "a" / "pruned.snapshot"));
  const auto bounds = nlohmann::json::parse(test::read_file(dir_ / "c" / "bounds.json"))["layers"];
  ASSERT_EQ(bounds.size(), 5u);
  EXPECT_EQ(bounds[0]["dimension"], 25);   // C_in·kh·kw: 1 · 5 · 5
  EXPECT_EQ(bounds[1]["dimension"], 150);  // 6 · 5 · 5
  const CommandResult magnitude =
      test::run_cardinal(lenet5 + "--weights " + out("a/dense.snapshot") +
                         " --sparsity 0.9 --method magnitude -o " + out("d"));
  ASSERT_EQ(magnitude.status, 0) << magnitude.output;
  for (std::size_t l = 0; l < 5; ++l)
    EXPECT_EQ(summary("d")["layers"][l]["kept"], s["layers"][l]["kept"]) << names[l];
}

TEST_F(PruneCommand, TheoryWritesEachLayersConstantsAndTheorems) {
  ASSERT_EQ(train_and_prune("dense").status, 0);
  EXPECT_FALSE(summary("dense").contains("theory"));
  EXPECT_FALSE(fs::exists(dir_ / "dense" / "bounds.json"));
  const CommandResult r =
      test::run_cardinal(kCommon + "--weights " + out("dense/dense.snapshot") +
                         " --sparsity 0.9 --allocation uniform --theory -o " + out("theory"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(summary("theory")["theory"], true);
  const auto bounds =
      nlohmann::json::parse(test::read_file(dir_ / "theory" / "bounds.json"))["layers"];
  ASSERT_EQ(bounds.size(), 3u);
  // Row budgets: fc1 3136 over 40 rows of 784, fc2 80 over 20 rows of 40, fc 20 over 10 of 20.
  EXPECT_EQ(bounds[0]["sparsity"], 79);
  EXPECT_EQ(bounds[1]["sparsity"], 4);
  EXPECT_EQ(bounds[2]["sparsity"], 2);
  // fc: C(20, k) ≤ 125,970 supports at k = 2..8, all exact; fc1: certified at k = 79..316.
  for (const auto& c : bounds[2]["constants"]) EXPECT_EQ(c["rsc"]["kind"], "exact") << c;
  ASSERT_EQ(bounds[0]["constants"].size(), 4u);
  for (const auto& c : bounds[0]["constants"]) EXPECT_EQ(c["rss"]["kind"], "certified bound") << c;
  EXPECT_EQ(bounds[2]["theorems"].size(), 4u);
  // Estimates beside every certified level, none beside exact ones.
  std::size_t estimates = 0;
  for (const auto& layer : bounds) {
    std::size_t certified = 0;
    for (const auto& c : layer["constants"]) certified += c["rsc"]["kind"] == "certified bound";
    ASSERT_EQ(layer["estimates"].size(), certified) << layer["layer"];
    for (const auto& e : layer["estimates"]) {
      EXPECT_EQ(e["rsc"]["kind"], "estimate");
      EXPECT_EQ(e["rsc_support"].size(), e["k"]);
    }
    estimates += certified;
  }
  EXPECT_EQ(bounds[2]["estimates"].size(), 0u);
  EXPECT_EQ(bounds[0]["estimates"].size(), 4u);
  // fc1's inputs are image pixels, strongly correlated: the supports the search finds have
  // condition numbers far above every threshold, refuting what the certified bounds left
  // unverified.
  for (const auto& t : bounds[0]["theorems"]) {
    EXPECT_EQ(t["status"], "fails") << t;
    EXPECT_EQ(t["constants_kind"], "estimate") << t;
  }
  const std::string csv = test::read_file(dir_ / "theory" / "bounds.csv");
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "layer,k,constant,value,kind");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'),
            static_cast<std::ptrdiff_t>(1 + 4 * (4 + 4 + 4 + estimates)));
  std::size_t estimate_rows = 0;
  for (std::size_t at = csv.find(",estimate\n"); at != std::string::npos;
       at = csv.find(",estimate\n", at + 1))
    ++estimate_rows;
  EXPECT_EQ(estimate_rows, 4 * estimates);
  // The rows were pruned by OMP (the default solver): Shalev-Shwartz, Srebro & Zhang's bound,
  // which needs no restricted constant, is checked on every row of every layer and holds.
  const std::string rows = test::read_file(dir_ / "theory" / "greedy-rows.csv");
  EXPECT_EQ(rows.substr(0, rows.find('\n')), "layer,row,kept,initial_gap,gap,bound,ratio,holds");
  EXPECT_EQ(std::count(rows.begin(), rows.end(), '\n'), 1 + 40 + 20 + 10);
  EXPECT_EQ(rows.find(",false\n"), std::string::npos);
  const std::size_t layer_rows[] = {40, 20, 10};
  for (std::size_t l = 0; l < 3; ++l) {
    const auto& check = bounds[l]["greedy_rows"];
    EXPECT_EQ(check["rows"], layer_rows[l]);
    EXPECT_EQ(check["violations"], 0);
    EXPECT_GT(check["median_ratio"].get<double>(), 0.0);
    EXPECT_LE(check["largest_ratio"].get<double>(), 1.0);
  }
}

#ifdef CARDINAL_WITH_TORCH
TEST_F(PruneCommand, RetrainingKeepsTheMaskAndRecordsItsAccuracy) {
  ASSERT_EQ(train_and_prune("dense").status, 0);
  const CommandResult r =
      test::run_cardinal(kCommon + "--weights " + out("dense/dense.snapshot") +
                         " --sparsity 0.8 --retrain 4 --batch-size 8 --lr 0.05 -o " + out("r"));
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json s = summary("r");
  ASSERT_TRUE(s.contains("test_accuracy_retrained")) << s.dump();
  EXPECT_TRUE(fs::exists(dir_ / "r" / "retrain-curve.csv"));
  const Mask mask = Mask::load((dir_ / "r" / "pruned.mask").string());
  EXPECT_EQ(mask.remaining(), s["weights_kept"].get<long>());
  const Snapshot retrained = Snapshot::load((dir_ / "r" / "pruned.snapshot").string());
  for (const NamedTensor& p : retrained.parameters()) {
    if (!mask.contains(p.name)) continue;
    EXPECT_TRUE(p.tensor.masked_select(mask.keep(p.name).logical_not()).eq(0).all().item<bool>())
        << p.name;
  }
  // The stored network is the retrained one: read back, its accuracy is the recorded one.
  const CommandResult again =
      test::run_cardinal(kCommon + "--weights " + out("r/pruned.snapshot") +
                         " --method magnitude-layerwise --sparsity 0.5 -o " + out("b"));
  ASSERT_EQ(again.status, 0) << again.output;
  EXPECT_EQ(summary("b")["test_accuracy_before"], s["test_accuracy_retrained"]);
}
#endif

TEST_F(PruneCommand, BadInputExitsWithStatusTwoAndLeavesNothingBehind) {
  ASSERT_EQ(train_and_prune("dense").status, 0);
  const std::string weights = " --weights " + out("dense/dense.snapshot");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {kCommon + weights + " --sparsity 1", "--sparsity must lie in (0, 1), got 1"},
      {kCommon + weights + " --sparsity 0", "--sparsity must lie in (0, 1), got 0"},
      {kCommon + weights + " --sparsity -0.5", "--sparsity must lie in (0, 1)"},
      {kCommon + weights, "--sparsity is required"},
      {"prune --model lenet300 --quiet --data-dir " + kData + weights + " --sparsity 0.5",
       "is not a snapshot of lenet300"},
      {kCommon + weights + " --sparsity 0.5 --method random", "--method must be one of"},
      {kCommon + weights + " --sparsity 0.5 --solver gmp", "--solver gmp trains a network"},
      {kCommon + weights + " --sparsity 0.5 --solver omp --budget layer", "use --budget row"},
      {kCommon + weights + " --sparsity 0.5 --ridge -1", "--ridge must be finite"},
      {kCommon + weights + " --sparsity 0.5 --method magnitude --allocation uniform",
       "--allocation applies to"},
      {"prune --model lenet5 --quiet --data-dir " + kData + " --sparsity 0.5 --method fisher",
       "--method fisher prunes the fully connected models (lenet300, mlpnet), not 'lenet5'"},
      {kCommon + weights + " --sparsity 0.5 --max-patches 0", "--max-patches must be at least 1"},
      {kCommon + weights + " --sparsity 0.5 --method fisher --solver lasso",
       "--solver lasso is not available for --method fisher"},
      {kCommon + weights + " --sparsity 0.5 --method woodfisher --ridge 0", "positive --ridge"},
      {kCommon + weights + " --sparsity 0.5 --woodfisher-steps 3",
       "applies to --method woodfisher"},
      {kCommon + weights + " --sparsity 0.5 --method woodfisher --ridge 0.1 --splice",
       "--splice and --max-exchange apply to --method layerwise and obs only"},
      {kCommon + weights + " --sparsity 0.5 --max-exchange 0", "--max-exchange must be at least 1"},
      {kCommon + "--sparsity 0.5 --dense-cache " + out("dense/summary.json"),
       "--dense-cache " + out("dense/summary.json") + " exists and is not a directory"},
  };
  for (const auto& [args, message] : cases) {
    const CommandResult r = test::run_cardinal(args + " -o " + out("rejected"));
    EXPECT_EQ(r.status, 2) << args << '\n' << r.output;
    EXPECT_NE(r.output.find(message), std::string::npos) << args << '\n' << r.output;
    EXPECT_FALSE(fs::exists(dir_ / "rejected")) << args;
  }
  for (const auto& entry : fs::directory_iterator(dir_))
    EXPECT_TRUE(entry.path().filename() == "dense") << entry.path();  // no staging left
}

TEST_F(PruneCommand, FisherMethodsKeepTheGlobalBudgetAndRecordTheirModel) {
  ASSERT_EQ(train_and_prune("dense").status, 0);
  const std::string weights = " --weights " + out("dense/dense.snapshot");
  for (const std::string& method :
       {std::string("--method fisher --solver omp"),
        std::string("--method fisher --solver iht --start magnitude --max-iterations 20"),
        std::string("--method woodfisher --woodfisher-steps 2")}) {
    const CommandResult r = test::run_cardinal(kCommon + weights + " --sparsity 0.9 " + method +
                                               " --calibration 16 --overwrite -o " + out("f"));
    ASSERT_EQ(r.status, 0) << method << '\n' << r.output;
    const nlohmann::json s = summary("f");
    // 32,360 weights, round(0.9 · 32,360) = 29,124 removed over all layers at once.
    EXPECT_EQ(s["weights_kept"].get<long>(), 3236) << method;
    long kept = 0;
    for (const auto& layer : s["layers"]) kept += layer["kept"].get<long>();
    EXPECT_EQ(kept, 3236) << method;
    EXPECT_EQ(s["fisher"]["examples"].get<long>(), 16) << method;
    EXPECT_GT(s["fisher"]["damping"].get<double>(), 0.0) << method;
    EXPECT_GE(s["fisher"]["objective"].get<double>(), 0.0) << method;
    if (method.find("--method fisher") != std::string::npos)
      EXPECT_EQ(s["start"], method.find("magnitude") != std::string::npos ? "magnitude" : "zero");
    else
      EXPECT_FALSE(s.contains("start"));
  }
}

TEST_F(PruneCommand, OversizedFisherModelIsRefusedWithItsSize) {
  ASSERT_EQ(train_and_prune("dense").status, 0);
  // 32 examples × 32,360 weights × 4 bytes = 4.0 MiB of gradients alone.
  const CommandResult r =
      test::run_cardinal(kCommon + " --weights " + out("dense/dense.snapshot") +
                         " --sparsity 0.9 --method fisher --max-memory 2M -o " + out("rejected"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("the Fisher model (32 per-example gradients over 32360 weights)"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("above the limit of 2.0 MiB (--max-memory)"), std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(dir_ / "rejected"));
  for (const auto& entry : fs::directory_iterator(dir_))
    EXPECT_TRUE(entry.path().filename() == "dense") << entry.path();
}

}  // namespace
}  // namespace cardinal
