// `cardinal supermask` end to end, on the 32-image Fashion-MNIST fixture.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "experiments/command_runner.hpp"

#ifdef CARDINAL_WITH_TORCH
#include "cardinal/nonconvex/pruning/mask.hpp"
#endif

namespace cardinal {
namespace {
namespace fs = std::filesystem;
using test::CommandResult;

const std::string kData = CARDINAL_TEST_DATA_DIR "/nonconvex/fashion-mnist-gz";
/// LeNet-300-100 (266200 prunable weights: 235200 + 30000 + 1000) trained 8 iterations.
const std::string kSmall =
    "supermask --data-dir " + kData + " --iterations 8 --batch-size 8 --lr 0.05 --seed 5 ";

/// The rows of a CSV file, each split at commas (header first).
std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells;
    std::istringstream fields(line);
    for (std::string cell; std::getline(fields, cell, ',');) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

class SupermaskCommand : public test::ScratchTest {
 protected:
  SupermaskCommand() : ScratchTest("supermask", true) {}
};

TEST_F(SupermaskCommand, WritesTheTableAndOneCsvRowPerCriterion) {
  const CommandResult r = test::run_cardinal(
      kSmall +
      "--criterion large_final --criterion random --criterion magnitude_increase_same_sign "
      "--criterion large_final --keep 0.2 -o " +
      out("a"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("criterion"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("weights remaining  test accuracy"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("53240 (20.00%)"), std::string::npos) << r.output;

  const auto rows = csv_rows(test::read_file(dir_ / "a" / "results.csv"));
  ASSERT_EQ(rows.size(), 4u);  // header + one row per distinct criterion
  EXPECT_EQ(rows[0], (std::vector<std::string>{"criterion", "kept_weights", "weights_total",
                                               "weights_remaining", "fraction_remaining",
                                               "test_loss", "test_accuracy"}));
  EXPECT_EQ(rows[1][0], "large_final");
  EXPECT_EQ(rows[2][0], "random");
  EXPECT_EQ(rows[3][0], "magnitude_increase_same_sign");
  for (std::size_t i = 1; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), 7u);
    EXPECT_EQ(rows[i][1], "initial");
    EXPECT_EQ(rows[i][2], "266200");
    const double accuracy = std::stod(rows[i][6]);
    EXPECT_GE(accuracy, 0.0);
    EXPECT_LE(accuracy, 1.0);
  }
  // round(0.2 · n) per layer: 47040 + 6000 + 200. A same-sign mask keeps at most as many.
  EXPECT_EQ(rows[1][3], "53240");
  EXPECT_EQ(rows[2][3], "53240");
  EXPECT_LE(std::stol(rows[3][3]), 53240);
  EXPECT_GT(std::stol(rows[3][3]), 50000);

  const auto settings = nlohmann::json::parse(test::read_file(dir_ / "a" / "settings.json"));
  EXPECT_EQ(settings["command"], "supermask");
  EXPECT_EQ(settings["criteria"],
            (nlohmann::json{"large_final", "random", "magnitude_increase_same_sign"}));
  EXPECT_EQ(settings["keep"], 0.2);
  for (const std::string file : {"initial.snapshot", "dense.snapshot", "dense-curve.csv"})
    EXPECT_TRUE(fs::exists(dir_ / "a" / file)) << file;
#ifdef CARDINAL_WITH_TORCH
  const Mask mask = Mask::load((dir_ / "a" / "masks" / "large_final.mask").string());
  EXPECT_EQ(mask.remaining(), 53240);
  EXPECT_EQ(mask.remaining("fc1.weight"), 47040);
  EXPECT_EQ(mask.remaining("fc.weight"), 200);
  EXPECT_TRUE(fs::exists(dir_ / "a" / "masks" / "random.mask"));
#endif
}

TEST_F(SupermaskCommand, GlobalScopeSignedConstantsAndLearnedMasks) {
  const CommandResult r = test::run_cardinal(
      kSmall +
      "--criterion movement --pruning-scope global --keep 0.1 --kept-weights initial "
      "--kept-weights signed-constant --learned --mask-iterations 4 --quiet -o " +
      out("b"));
  ASSERT_EQ(r.status, 0) << r.output;
  const auto rows = csv_rows(test::read_file(dir_ / "b" / "results.csv"));
  ASSERT_EQ(rows.size(), 7u) << r.output;
  EXPECT_EQ(rows[1][0] + "/" + rows[1][1], "movement/initial");
  EXPECT_EQ(rows[2][0] + "/" + rows[2][1], "movement/signed-constant");
  EXPECT_EQ(rows[1][3], "26620");  // round(0.1 · 266200), one ranking
  EXPECT_EQ(rows[2][3], "26620");
  EXPECT_EQ(rows[3][0] + "/" + rows[3][1], "learned/initial");
  EXPECT_EQ(rows[4][0] + "/" + rows[4][1], "learned_sampled/initial");
  EXPECT_EQ(rows[5][0] + "/" + rows[5][1], "learned/signed-constant");
  EXPECT_EQ(rows[6][0] + "/" + rows[6][1], "learned_sampled/signed-constant");
  // Rows at iterations 0 and 4.
  const auto curve = csv_rows(test::read_file(dir_ / "b" / "learned-curve.csv"));
  ASSERT_EQ(curve.size(), 3u);
  EXPECT_EQ(curve[2][0], "4");
  EXPECT_EQ(curve[1][5], "0");  // the expected mask starts empty (σ(s₀) = 0.5)
  EXPECT_TRUE(fs::exists(dir_ / "b" / "learned-signed-constant-curve.csv"));
  EXPECT_TRUE(fs::exists(dir_ / "b" / "learned-scores.snapshot"));
#ifdef CARDINAL_WITH_TORCH
  const Mask learned = Mask::load((dir_ / "b" / "masks" / "learned.mask").string());
  EXPECT_EQ(std::to_string(learned.remaining()), rows[3][3]);
#endif

  // Only --learned: no dense training.
  const CommandResult only = test::run_cardinal(
      kSmall + "--learned --mask-iterations 2 --mask-optimizer sgd -q -o " + out("c"));
  ASSERT_EQ(only.status, 0) << only.output;
  EXPECT_EQ(csv_rows(test::read_file(dir_ / "c" / "results.csv")).size(), 3u);
  EXPECT_FALSE(fs::exists(dir_ / "c" / "dense.snapshot"));
}

TEST_F(SupermaskCommand, RerunsGiveIdenticalResultsInTheSameDefaultDirectory) {
  const std::string args = "supermask --data-dir " + kData +
                           " --iterations 8 --batch-size 8 --criterion large_final_same_sign "
                           "--criterion random --learned --mask-iterations 3 -q";
  const std::string in_dir = "cd " + dir_.string() + " && ";
  const CommandResult first = test::run_cardinal(args, in_dir);
  ASSERT_EQ(first.status, 0) << first.output;
  std::vector<fs::path> runs;
  for (const auto& entry : fs::directory_iterator(dir_ / "supermask-runs"))
    runs.push_back(entry.path());
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_TRUE(runs[0].filename().string().starts_with("supermask-"));
  const std::string csv = test::read_file(runs[0] / "results.csv");
  const std::string mask = test::read_file(runs[0] / "masks" / "random.mask");
  const std::string learned = test::read_file(runs[0] / "masks" / "learned.mask");
  ASSERT_FALSE(csv.empty());
  ASSERT_FALSE(learned.empty());

  const CommandResult second = test::run_cardinal(args, in_dir);
  ASSERT_EQ(second.status, 0) << second.output;
  EXPECT_EQ(second.output, first.output);
  EXPECT_EQ(
      std::distance(fs::directory_iterator(dir_ / "supermask-runs"), fs::directory_iterator()), 1);
  EXPECT_EQ(test::read_file(runs[0] / "results.csv"), csv);
  EXPECT_EQ(test::read_file(runs[0] / "masks" / "random.mask"), mask);
  EXPECT_EQ(test::read_file(runs[0] / "masks" / "learned.mask"), learned);

  // Another seed is another directory.
  ASSERT_EQ(test::run_cardinal(args + " --seed 6", in_dir).status, 0);
  EXPECT_EQ(
      std::distance(fs::directory_iterator(dir_ / "supermask-runs"), fs::directory_iterator()), 2);
}

TEST_F(SupermaskCommand, HelpDescribesEveryCriterion) {
  const CommandResult r = test::run_cardinal("supermask --help");
  ASSERT_EQ(r.status, 0) << r.output;
  for (const std::string text : {"large_final ",
                                 "small_final ",
                                 "large_init ",
                                 "small_init ",
                                 "large_init_large_final ",
                                 "small_init_small_final ",
                                 "magnitude_increase ",
                                 "movement ",
                                 "random ",
                                 "large_final_same_sign ",
                                 "magnitude_increase_same_sign ",
                                 "--keep",
                                 "--kept-weights",
                                 "--pruning-scope",
                                 "--learned",
                                 "--mask-epochs",
                                 "--mask-lr",
                                 "--output",
                                 "--epochs",
                                 "--device",
                                 "keep large |w_f| - |w_i|"})
    EXPECT_NE(r.output.find(text), std::string::npos) << text;
}

TEST_F(SupermaskCommand, BadInputExitsWithStatusTwoAndAClearMessage) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--criterion largest_final", "unknown mask criterion 'largest_final'"},
      {"--keep 0", "--keep must be in (0, 1]"},
      {"--keep 1.5", "--keep must be in (0, 1]"},
      {"--frobnicate", "frobnicate"},
      {"--kept-weights zeros", "unknown kept weights 'zeros'"},
      {"--pruning-scope sideways", "--pruning-scope must be layerwise or global"},
      {"--mask-lr 0.1", "apply to --learned only"},
      {"--learned --mask-init-probability 1", "--mask-init-probability must be in (0, 1)"},
      {"--model lenet7", "unknown --model 'lenet7'"},
  };
  for (const auto& [args, message] : cases) {
    const CommandResult r = test::run_cardinal(kSmall + args + " -o " + out("bad"));
    EXPECT_EQ(r.status, 2) << args << '\n' << r.output;
    EXPECT_NE(r.output.find(message), std::string::npos) << args << '\n' << r.output;
  }
  EXPECT_FALSE(fs::exists(out("bad")));  // nothing written for a rejected request
}

}  // namespace
}  // namespace cardinal
