// Aggregation of experiment results for plots and reports, on a hand-made run store.
#include "cardinal/experiments/plots/command_figures.hpp"
#include "cardinal/experiments/plots/experiment_figures.hpp"
#include "cardinal/experiments/plots/run_selection.hpp"
#include "cardinal/experiments/plots/series_statistics.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

#include "cardinal/bridge/error.hpp"
#include "cardinal/experiments/store/run_results.hpp"

namespace cardinal {
namespace {
namespace fs = std::filesystem;

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

const char* kSummaryHeader =
    "level,weights_total,weights_remaining,fraction_remaining,ticket_test_accuracy,"
    "ticket_test_loss,random_reinit_test_accuracy,random_reinit_test_loss\n";
const char* kCurveHeader = "iteration,epoch,train_loss,test_loss,test_accuracy\n";

/// A lottery run of arm imp-reset: its index row and an output folder as `cardinal lottery`
/// lays it out (output/lottery-<hash>/summary.csv, level-N/ and random-reinit-N/).
RunRecord lottery_run(const fs::path& store, const std::string& id, int seed,
                      const std::string& summary_rows, int levels_setting = 2,
                      const std::string& finished = "2026-01-01T00:00:00Z") {
  RunRecord r;
  r.run_id = id;
  r.experiment = "tiny";
  r.version = 1;
  r.variant = "short";
  r.command = "lottery";
  r.point = {{"arm", "imp-reset"}, {"seed", seed}};
  r.settings = {{"command", "lottery"},
                {"options", {{"levels", levels_setting}, {"seed", seed}, {"method", "imp-reset"}}}};
  r.status = "done";
  r.exit_code = 0;
  r.directory = "runs/" + id;
  r.finished = finished;
  write(store / r.directory / "output" / "lottery-0123" / "summary.csv",
        kSummaryHeader + summary_rows);
  return r;
}

fs::path stage(const fs::path& store, const RunRecord& r, const std::string& name) {
  return store / r.directory / "output" / "lottery-0123" / name;
}

class ExperimentPlotsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = fs::temp_directory_path() /
             ("cardinal-experiment-plots-" +
              std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "-" +
              std::to_string(::getpid()));
    fs::remove_all(store_);
    fs::create_directories(store_);
    // Two seeds; accuracies are dyadic so that means and deviations are exact. Seed 1 is
    // indexed first: "first seed" means the smallest seed, not the first row.
    seed1_ = lottery_run(store_, "lottery-b", 1,
                         "0,100,100,1,0.5,0.7,,\n"
                         "1,100,80,0.8,0.875,0.3,0.25,0.9\n");
    seed0_ = lottery_run(store_, "lottery-a", 0,
                         "0,100,100,1,0.75,0.6,,\n"
                         "1,100,80,0.8,0.625,0.4,0.5,0.8\n"
                         "2,100,64,0.64,0.5,0.5,0.375,1.0\n");
    // Early stopping: minimum test loss at 20 (a tie with 30 keeps the earliest; the NaN row is
    // ignored) for seed 0's level 0, at 30 for seed 1's.
    write(stage(store_, seed0_, "level-0") / "curve.csv",
          std::string(kCurveHeader) +
              "0,0,nan,2.5,0.1\n10,0.5,1.0,0.5,0.6\n20,1,0.8,0.25,0.7\n30,1.5,0.7,0.25,0.75\n"
              "40,2,0.6,nan,0.8\n");
    write(stage(store_, seed1_, "level-0") / "curve.csv",
          std::string(kCurveHeader) + "0,0,nan,2.5,0.1\n30,1,0.9,0.125,0.6\n60,2,0.8,0.5,0.7\n");
    write(stage(store_, seed0_, "level-1") / "curve.csv",
          std::string(kCurveHeader) + "0,0,nan,2,0.1\n50,1,0.9,0.5,0.6\n");
    write(stage(store_, seed0_, "level-2") / "curve.csv",
          std::string(kCurveHeader) + "0,0,nan,2,0.1\n40,1,0.9,1.5,0.5\n");
    write(stage(store_, seed0_, "random-reinit-1") / "curve.csv",
          std::string(kCurveHeader) + "0,0,nan,2,0.1\n10,1,0.9,1,0.4\n20,1,0.9,1.5,0.3\n");
    RunIndex index(store_);
    index.put(seed1_);
    index.put(seed0_);
  }
  void TearDown() override { fs::remove_all(store_); }

  /// The "tiny" experiment's definition, drawn as lottery figures.
  static ExperimentDefinition tiny_lottery() {
    ExperimentDefinition definition;
    definition.name = "tiny";
    definition.plot = "lottery";
    return definition;
  }

  /// The stored runs of "tiny", as if run with --model `model` --dataset `dataset`.
  ExperimentRuns tiny_runs_on(const std::string& model, const std::string& dataset) const {
    ExperimentRuns runs = read_experiment_runs(store_, "tiny");
    for (RunRecord& r : runs.runs) {
      r.settings["options"]["model"] = model;
      r.settings["options"]["dataset"] = dataset;
    }
    return runs;
  }

  fs::path store_;
  RunRecord seed0_, seed1_;
};

TEST(Summarize, MeanSampleStandardDeviationMinMax) {
  const Statistics s = summarize({1.0, 2.0, 3.0, 4.0});
  EXPECT_EQ(s.n, 4);
  EXPECT_EQ(s.mean, 2.5);
  EXPECT_EQ(s.std, std::sqrt(5.0 / 3.0));  // (2.25 + 0.25 + 0.25 + 2.25) / 3
  EXPECT_EQ(s.min, 1.0);
  EXPECT_EQ(s.max, 4.0);
  const Statistics one = summarize({0.5});
  EXPECT_EQ(one.n, 1);
  EXPECT_EQ(one.mean, 0.5);
  EXPECT_EQ(one.std, 0.0);
  const Statistics none = summarize({});
  EXPECT_EQ(none.n, 0);
  EXPECT_TRUE(std::isnan(none.mean));
  EXPECT_TRUE(std::isnan(summarize({1.0, std::nan("")}).mean));
}

TEST_F(ExperimentPlotsTest, AccuracyIsAggregatedPerSeriesAndLevel) {
  const auto points = lottery_accuracy(store_, {seed1_, seed0_});
  ASSERT_EQ(points.size(), 5u);  // ticket: levels 0, 1, 2; random-reinit: levels 1, 2
  EXPECT_EQ(points[0].series, "imp-reset");
  EXPECT_EQ(points[0].level, 0);
  EXPECT_EQ(points[0].fraction_remaining, 1.0);
  EXPECT_EQ(points[0].value.n, 2);
  EXPECT_EQ(points[0].value.mean, 0.625);                   // (0.5 + 0.75) / 2
  EXPECT_EQ(points[0].value.std, std::sqrt(2 * 0.015625));  // two deviations of 0.125
  EXPECT_EQ(points[0].value.min, 0.5);
  EXPECT_EQ(points[0].value.max, 0.75);

  EXPECT_EQ(points[1].level, 1);
  EXPECT_EQ(points[1].fraction_remaining, 0.8);
  EXPECT_EQ(points[1].value.n, 2);
  EXPECT_EQ(points[1].value.mean, 0.75);  // (0.875 + 0.625) / 2
  EXPECT_EQ(points[1].value.std, std::sqrt(2 * 0.015625));

  EXPECT_EQ(points[2].level, 2);  // seed 0 only
  EXPECT_EQ(points[2].fraction_remaining, 0.64);
  EXPECT_EQ(points[2].value.n, 1);
  EXPECT_EQ(points[2].value.mean, 0.5);
  EXPECT_EQ(points[2].value.std, 0.0);

  EXPECT_EQ(points[3].series, "imp-reset random-reinit");
  EXPECT_EQ(points[3].level, 1);  // a control has no level 0
  EXPECT_EQ(points[3].value.n, 2);
  EXPECT_EQ(points[3].value.mean, 0.375);  // (0.25 + 0.5) / 2
  EXPECT_EQ(points[3].value.min, 0.25);
  EXPECT_EQ(points[4].series, "imp-reset random-reinit");
  EXPECT_EQ(points[4].level, 2);
  EXPECT_EQ(points[4].value.n, 1);
  EXPECT_EQ(points[4].value.mean, 0.375);
}

TEST_F(ExperimentPlotsTest, EarlyStoppingIsTheIterationOfMinimumTestLoss) {
  EXPECT_EQ(early_stopping_iteration(stage(store_, seed0_, "level-0") / "curve.csv"), 20);
  EXPECT_EQ(early_stopping_iteration(stage(store_, seed1_, "level-0") / "curve.csv"), 30);
  const fs::path no_loss = store_ / "no-loss.csv";
  write(no_loss, std::string(kCurveHeader) + "0,0,nan,nan,0.1\n");
  EXPECT_EQ(early_stopping_iteration(no_loss), -1);

  const auto points = lottery_early_stopping(store_, {seed1_, seed0_});
  // Stages without a curve (seed 1's level 1, its random-reinit-1) are left out.
  ASSERT_EQ(points.size(), 4u);
  EXPECT_EQ(points[0].series, "imp-reset");
  EXPECT_EQ(points[0].level, 0);
  EXPECT_EQ(points[0].value.n, 2);
  EXPECT_EQ(points[0].value.mean, 25.0);
  EXPECT_EQ(points[0].value.std, std::sqrt(50.0));
  EXPECT_EQ(points[1].level, 1);
  EXPECT_EQ(points[1].value.n, 1);
  EXPECT_EQ(points[1].value.mean, 50.0);
  EXPECT_EQ(points[2].level, 2);
  EXPECT_EQ(points[2].value.mean, 40.0);
  EXPECT_EQ(points[3].series, "imp-reset random-reinit");
  EXPECT_EQ(points[3].level, 1);
  EXPECT_EQ(points[3].value.mean, 10.0);
}

TEST_F(ExperimentPlotsTest, WithValidationColumnsEarlyStoppingFollowsTheValidationLoss) {
  // Minimum test loss at 20, minimum validation loss at 10; an empty validation cell (a row
  // without validation) falls back to that row's test loss.
  const fs::path curve = store_ / "validated.csv";
  write(curve, std::string("iteration,epoch,train_loss,test_loss,test_accuracy,validation_loss,"
                           "validation_accuracy\n") +
                   "0,0,nan,2.5,0.1,2.5,0.1\n10,1,1,0.5,0.6,0.25,0.7\n20,2,1,0.125,0.7,0.5,0.6\n");
  EXPECT_EQ(early_stopping_iteration(curve), 10);

  // summary.csv with the early-stop columns: only those runs give early-stop accuracy points.
  const fs::path summary = stage(store_, seed0_, "summary.csv");
  write(summary,
        "level,weights_total,weights_remaining,fraction_remaining,ticket_test_accuracy,"
        "ticket_test_loss,ticket_early_stop_iteration,ticket_early_stop_test_accuracy,"
        "random_reinit_test_accuracy,random_reinit_test_loss,random_reinit_early_stop_iteration,"
        "random_reinit_early_stop_test_accuracy\n"
        "0,100,100,1,0.75,0.6,10,0.875,,,,\n"
        "1,100,80,0.8,0.625,0.4,20,0.75,0.5,0.8,30,0.5\n");
  const auto points = lottery_accuracy(store_, {seed1_, seed0_}, "early_stop_test_accuracy");
  ASSERT_EQ(points.size(), 3u);  // seed 1 has no early-stop columns
  EXPECT_EQ(points[0].series, "imp-reset");
  EXPECT_EQ(points[0].value.n, 1);
  EXPECT_EQ(points[0].value.mean, 0.875);
  EXPECT_EQ(points[1].value.mean, 0.75);
  EXPECT_EQ(points[2].series, "imp-reset random-reinit");
  EXPECT_EQ(points[2].level, 1);
  EXPECT_EQ(points[2].value.mean, 0.5);
}

TEST_F(ExperimentPlotsTest, InstabilityIsAggregatedPerLevelAndRewindIteration) {
  // Two seeds at k = 100 and one at k = 0; seed 1's run has no instability columns.
  auto instability_run = [&](const std::string& id, int seed, Index k, const std::string& rows) {
    RunRecord r = lottery_run(store_, id, seed, "");
    write(stage(store_, r, "summary.csv"),
          "level,weights_total,weights_remaining,fraction_remaining,ticket_test_accuracy,"
          "ticket_test_loss,instability_error_barrier,instability_loss_barrier\n" +
              rows);
    write(stage(store_, r, "settings.json"),
          "{\"command\": \"lottery\", \"rewind_iteration\": " + std::to_string(k) + "}");
    return r;
  };
  const RunRecord a = instability_run("lottery-k100-a", 0, 100,
                                      "0,100,100,1,0.9,0.3,0.25,0.5\n1,100,80,0.8,0.9,0.3,0.5,1\n");
  const RunRecord b = instability_run("lottery-k100-b", 1, 100, "0,100,100,1,0.9,0.3,0.75,0.5\n");
  const RunRecord c = instability_run("lottery-k0", 0, 0, "0,100,100,1,0.9,0.3,0.125,0.5\n");
  const auto points = lottery_instability(store_, {a, b, c, seed1_});
  ASSERT_EQ(points.size(), 3u);  // (level 0, k 0), (level 0, k 100), (level 1, k 100)
  EXPECT_EQ(points[0].level, 0);
  EXPECT_EQ(points[0].rewind_iteration, 0);
  EXPECT_EQ(points[0].error_barrier.mean, 0.125);
  EXPECT_EQ(points[1].rewind_iteration, 100);
  EXPECT_EQ(points[1].error_barrier.n, 2);
  EXPECT_EQ(points[1].error_barrier.mean, 0.5);
  EXPECT_EQ(points[2].level, 1);
  EXPECT_EQ(points[2].fraction_remaining, 0.8);
  EXPECT_EQ(points[2].error_barrier.mean, 0.5);
}

TEST_F(ExperimentPlotsTest, TrainingCurvesAreThoseOfTheSmallestSeed) {
  const auto curves = lottery_training_curves(store_, {seed1_, seed0_}, 2);
  // Levels 0 and 2 (spread from the first to the last), seed 0: 5 + 2 rows.
  ASSERT_EQ(curves.size(), 7u);
  for (const CurvePoint& c : curves) {
    EXPECT_EQ(c.series, "imp-reset");
    EXPECT_EQ(c.seed, "0");
  }
  EXPECT_EQ(curves[0].level, 0);
  EXPECT_EQ(curves[2].iteration, 20);
  EXPECT_EQ(curves[2].test_accuracy, 0.7);
  EXPECT_EQ(curves[5].level, 2);
  EXPECT_EQ(curves[5].fraction_remaining, 0.64);
  EXPECT_EQ(curves[6].iteration, 40);
  EXPECT_EQ(lottery_training_curves(store_, {seed1_, seed0_}, 5).size(), 9u);  // all 3 levels
}

TEST_F(ExperimentPlotsTest, SelectionSkipsUnfinishedOtherVariantsAndOtherSettings) {
  RunIndex index(store_);
  RunRecord running = seed0_;
  running.run_id = "lottery-c";
  running.point["seed"] = 2;
  running.status = "running";
  running.directory = "runs/lottery-c";
  index.put(running);
  // An earlier sweep with --set levels=3: finished before the others.
  RunRecord earlier =
      lottery_run(store_, "lottery-d", 3, "0,100,100,1,0.5,0.5,,\n", 3, "2025-12-01T00:00:00Z");
  index.put(earlier);
  RunRecord full =
      lottery_run(store_, "lottery-e", 0, "0,100,100,1,0.5,0.5,,\n", 2, "2025-11-01T00:00:00Z");
  full.variant = "full";
  index.put(full);
  RunRecord no_results = seed0_;
  no_results.run_id = "lottery-f";
  no_results.point["seed"] = 4;
  no_results.directory = "runs/lottery-f";
  index.put(no_results);

  const ExperimentRuns runs = read_experiment_runs(store_, "tiny");
  EXPECT_EQ(runs.variant, "short");
  EXPECT_EQ(runs.all.size(), 6u);
  ASSERT_EQ(runs.runs.size(), 2u);
  EXPECT_EQ(runs.runs[0].run_id, "lottery-b");
  EXPECT_EQ(runs.runs[1].run_id, "lottery-a");
  ASSERT_EQ(runs.notes.size(), 4u);
  EXPECT_NE(runs.notes[0].find("lottery-c"), std::string::npos);
  EXPECT_NE(runs.notes[0].find("running"), std::string::npos);
  EXPECT_NE(runs.notes[1].find("lottery-d"), std::string::npos);
  EXPECT_NE(runs.notes[1].find("settings differ"), std::string::npos);
  EXPECT_NE(runs.notes[2].find("variant full"), std::string::npos);
  EXPECT_NE(runs.notes[3].find("no results"), std::string::npos);

  const ExperimentRuns full_only = read_experiment_runs(store_, "tiny", "full");
  ASSERT_EQ(full_only.runs.size(), 1u);
  EXPECT_EQ(full_only.runs[0].run_id, "lottery-e");

  EXPECT_THROW(read_experiment_runs(store_, "other"), InvalidInput);
  EXPECT_THROW(read_experiment_runs(store_ / "missing", "tiny"), InvalidInput);
  EXPECT_FALSE(fs::exists(store_ / "missing"));
}

TEST_F(ExperimentPlotsTest, SolveAndSupermaskResults) {
  RunIndex index(store_);
  std::vector<RunRecord> runs;
  const double objectives[2] = {0.25, 0.75};
  for (int seed = 1; seed >= 0; --seed) {
    RunRecord r;
    r.run_id = "solve-" + std::to_string(seed);
    r.experiment = "tiny-solve";
    r.variant = "short";
    r.command = "solve";
    r.point = {{"arm", "iht"}, {"seed", seed}};
    r.status = "done";
    r.directory = "runs/" + r.run_id;
    const fs::path output = store_ / r.directory / "output";
    write(
        output / "solution.json",
        nlohmann::json({{"objective", objectives[seed]}, {"support_recovered", seed == 0}}).dump());
    write(output / "trace.csv",
          "iteration,objective,support_size,gradient_norm_on,gradient_norm_off,seconds\n"
          "0,2,0,1,1,0\n1," +
              std::to_string(objectives[seed]) + ",3,0.5,0.5,0.1\n");
    runs.push_back(r);

    RunRecord s = r;
    s.run_id = "supermask-" + std::to_string(seed);
    s.command = "supermask";
    s.point["arm"] = "supermask";
    s.directory = "runs/" + s.run_id;
    write(store_ / s.directory / "output" / "results.csv",
          "criterion,kept_weights,weights_total,weights_remaining,fraction_remaining,test_loss,"
          "test_accuracy\n"
          "large_final,initial,100,20,0.2,1," +
              std::string(seed == 0 ? "0.5" : "0.75") +
              "\n"
              "large_final,signed-constant,100,20,0.2,1,0.25\n"
              "learned,initial,100,40,0.4,1,0.625\n");
    runs.push_back(s);
  }

  const auto metrics = final_metrics(store_, runs);
  ASSERT_EQ(metrics.size(), 2u);
  EXPECT_EQ(metrics[0].series, "iht");
  EXPECT_EQ(metrics[0].command, "solve");
  EXPECT_EQ(metrics[0].metric, "objective");
  EXPECT_EQ(metrics[0].value.n, 2);
  EXPECT_EQ(metrics[0].value.mean, 0.5);
  EXPECT_EQ(metrics[1].metric, "support_recovered");
  EXPECT_EQ(metrics[1].value.mean, 0.5);  // recovered for one seed of two

  const auto traces = solve_traces(store_, runs);
  ASSERT_EQ(traces.size(), 2u);  // seed 0 only
  EXPECT_EQ(traces[0].seed, "0");
  EXPECT_EQ(traces[1].objective, 0.25);
  EXPECT_EQ(traces[1].support_size, 3);

  const auto criteria = supermask_accuracy(store_, runs);
  ASSERT_EQ(criteria.size(), 3u);
  EXPECT_EQ(criteria[0].series, "initial");
  EXPECT_EQ(criteria[0].criterion, "large_final");
  EXPECT_EQ(criteria[0].fraction_remaining, 0.2);
  EXPECT_EQ(criteria[0].accuracy.n, 2);
  EXPECT_EQ(criteria[0].accuracy.mean, 0.625);
  EXPECT_EQ(criteria[1].series, "initial");
  EXPECT_EQ(criteria[1].criterion, "learned");
  EXPECT_EQ(criteria[1].fraction_remaining, 0.4);
  EXPECT_EQ(criteria[2].series, "signed-constant");
  EXPECT_EQ(criteria[2].accuracy.mean, 0.25);
  EXPECT_EQ(criteria[2].accuracy.std, 0.0);
}

TEST_F(ExperimentPlotsTest, PruneRunsExportTheScalarsOfTheirSummary) {
  RunRecord r;
  r.run_id = "prune-0";
  r.experiment = "tiny-prune";
  r.variant = "one-shot";
  r.command = "prune";
  r.point = {{"arm", "woodfisher"}, {"sparsity", 0.9}, {"seed", 0}};
  r.status = "done";
  r.directory = "runs/" + r.run_id;
  write(store_ / r.directory / "output" / "summary.json",
        nlohmann::json({{"method", "woodfisher"},
                        {"test_accuracy_after", 0.9375},
                        {"layers", nlohmann::json::array({{{"name", "fc1.weight"}}})},
                        {"fisher", {{"damping", 0.5}}}})
            .dump());
  const ResultTable table = collect_results(store_, {r});
  ASSERT_EQ(table.rows.size(), 1u);
  EXPECT_EQ(table.rows[0].at("test_accuracy_after"), "0.9375");
  EXPECT_EQ(table.rows[0].at("method"), "woodfisher");
  EXPECT_EQ(table.rows[0].at("arm"), "woodfisher");
  EXPECT_EQ(table.rows[0].count("layers"), 0u);  // structured fields are left out
}

TEST_F(ExperimentPlotsTest, LotteryPlotsAndTheirCsv) {
  const ExperimentDefinition definition = tiny_lottery();
  const ExperimentRuns runs = read_experiment_runs(store_, "tiny");
  const auto plots = experiment_plots(store_, definition, runs);
  ASSERT_EQ(plots.size(), 3u);
  EXPECT_EQ(plots[0].name, "accuracy-vs-weights");
  EXPECT_EQ(plots[1].name, "early-stopping-vs-weights");
  EXPECT_EQ(plots[2].name, "training-curves");
  for (const auto& p : plots) EXPECT_EQ(p.figure.name, p.name);
  const std::string csv = plots[0].data.to_csv();
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "series,level,fraction_remaining,n,test_accuracy_mean,test_accuracy_std,"
            "test_accuracy_min,test_accuracy_max");
  EXPECT_NE(
      csv.find("\nimp-reset,0,1,2,0.625," + format_number(std::sqrt(0.03125)) + ",0.5,0.75\n"),
      std::string::npos)
      << csv;
  EXPECT_NE(csv.find("\nimp-reset random-reinit,2,0.64,1,0.375,0,0.375,0.375\n"), std::string::npos)
      << csv;
  // The readable table: one row per level, one column per series.
  ASSERT_EQ(plots[0].summary.columns.size(), 4u);
  EXPECT_EQ(plots[0].summary.columns[2], "imp-reset");
  ASSERT_EQ(plots[0].summary.rows.size(), 3u);
  EXPECT_EQ(plots[0].summary.rows[0][1], "100%");
  // Mean to 4 significant digits, the deviation to the same decimal place.
  EXPECT_EQ(plots[0].summary.rows[0][2], "0.6250 ± 0.1768 (2)");
  EXPECT_EQ(plots[0].summary.rows[0][3], "-");
  EXPECT_EQ(plots[0].summary.rows[2][1], "64%");
  // The script reads its CSV, log x from 100% down.
  EXPECT_NE(plots[0].figure.body.find("\"accuracy-vs-weights.csv\""), std::string::npos);
  EXPECT_NE(plots[0].figure.body.find("set logscale x"), std::string::npos);
}

TEST_F(ExperimentPlotsTest, FiguresAreFitForAPaper) {
  ExperimentDefinition definition = tiny_lottery();
  ExperimentRuns runs = tiny_runs_on("lenet300", "fashion-mnist");
  auto plots = experiment_plots(store_, definition, runs);
  ASSERT_EQ(plots.size(), 3u);
  const std::string& accuracy = plots[0].figure.body;
  // The title names the model, the data set and the seeds.
  EXPECT_NE(accuracy.find("lenet300 on fashion-mnist, mean ± std over 2 seeds"), std::string::npos)
      << accuracy;
  EXPECT_NE(plots[2].figure.body.find("lenet300 on fashion-mnist"), std::string::npos);
  // Series shifted sideways (their error bars apart), and the dense network as a line.
  EXPECT_NE(accuracy.find("*exp(-0.011)"), std::string::npos) << accuracy;
  EXPECT_NE(accuracy.find("*exp(0.011)"), std::string::npos) << accuracy;
  EXPECT_NE(accuracy.find("dense network (level 0): 0.6250"), std::string::npos) << accuracy;
  // The early-stopping legend sits outside the data.
  EXPECT_NE(plots[1].figure.body.find("set key below"), std::string::npos);
  EXPECT_FALSE(plots[1].summary.rows.empty());

  // Without intermediate evaluations there is no early-stopping iteration: said, not drawn.
  for (RunRecord& r : runs.runs) r.settings["options"]["evaluate-every"] = 0;
  plots = experiment_plots(store_, definition, runs);
  ASSERT_EQ(plots.size(), 3u);
  EXPECT_NE(plots[1].figure.body.find("no intermediate evaluations"), std::string::npos);
  EXPECT_EQ(plots[1].figure.body.find("with yerrorlines"), std::string::npos);
  EXPECT_NE(plots[1].caption.find("Not drawn"), std::string::npos);
  EXPECT_TRUE(plots[1].summary.rows.empty());
}

/// A network solve run (e.g. RigL) of arm `arm` and `seed`: solution.json with its final test
/// accuracy and weights remaining out of 100.
RunRecord sparse_run(const fs::path& store, const std::string& arm, int seed, double accuracy,
                     int remaining) {
  RunRecord r;
  r.run_id = "solve-" + arm + "-" + std::to_string(seed);
  r.experiment = "tiny";
  r.variant = "short";
  r.command = "solve";
  r.point = {{"arm", arm}, {"seed", seed}};
  r.settings = {{"command", "solve"},
                {"options",
                 {{"problem", "network"},
                  {"solver", "rigl"},
                  {"model", "lenet300"},
                  {"dataset", "fashion-mnist"},
                  {"seed", seed}}}};
  r.status = "done";
  r.directory = "runs/" + r.run_id;
  const fs::path output = store / r.directory / "output";
  write(output / "solution.json", nlohmann::json({{"objective", 0.5},
                                                  {"test_accuracy", accuracy},
                                                  {"weights_remaining", remaining},
                                                  {"weights_total", 100}})
                                      .dump());
  write(output / "trace.csv",
        "iteration,objective,support_size,gradient_norm_on,gradient_norm_off,seconds\n"
        "0,1,20,1,1,0\n1,0.5,20,0,0,0.1\n");
  return r;
}

TEST_F(ExperimentPlotsTest, SparseTrainingRunsArePointsBesideTheLotteryCurves) {
  ExperimentDefinition definition = tiny_lottery();
  ExperimentRuns runs = tiny_runs_on("lenet300", "fashion-mnist");
  // RigL at 20% (two seeds; a third at 10% with one) beside the lottery runs.
  runs.runs.push_back(sparse_run(store_, "rigl-20", 0, 0.5, 20));
  runs.runs.push_back(sparse_run(store_, "rigl-20", 1, 0.75, 20));
  runs.runs.push_back(sparse_run(store_, "rigl-10", 0, 0.25, 10));
  const auto sparse = sparse_training_accuracy(store_, runs.runs);
  ASSERT_EQ(sparse.size(), 2u);
  EXPECT_EQ(sparse[0].method, "rigl");
  EXPECT_EQ(sparse[0].series, "rigl-20");
  EXPECT_EQ(sparse[0].fraction_remaining, 0.2);
  EXPECT_EQ(sparse[0].accuracy.n, 2);
  EXPECT_EQ(sparse[0].accuracy.mean, 0.625);
  EXPECT_EQ(sparse[1].fraction_remaining, 0.1);

  const auto plots = experiment_plots(store_, definition, runs);
  ASSERT_FALSE(plots.empty());
  const ExperimentPlot& accuracy = plots[0];
  ASSERT_EQ(accuracy.name, "accuracy-vs-weights");
  // In the CSV: one row per RigL series at its fraction of weights remaining.
  int rigl_rows = 0;
  for (const auto& row : accuracy.data.rows)
    if (row[0] == "rigl-20") {
      ++rigl_rows;
      EXPECT_EQ(row[2], "0.2");
      EXPECT_EQ(row[4], "0.625");  // test_accuracy_mean
    }
  EXPECT_EQ(rigl_rows, 1);
  // In the table: a "rigl" column, its rows among the levels by weights remaining.
  ASSERT_EQ(accuracy.summary.columns.back(), "rigl");
  const auto& rows = accuracy.summary.rows;
  ASSERT_EQ(rows.size(), 5u);  // levels at 100, 80, 64%, then RigL at 20 and 10%
  EXPECT_EQ(rows[2][1], "64%");
  EXPECT_EQ(rows[3][0], "-");
  EXPECT_EQ(rows[3][1], "20%");
  EXPECT_EQ(rows[3].back(), "0.6250 ± 0.1768 (2)");
  EXPECT_EQ(rows[4][1], "10%");
  EXPECT_EQ(rows[0].back(), "-");
  // In the figure: points with error bars, one legend entry for the method, on the same axes
  // (whose range reaches 10%), and the title counts the seeds of both.
  const std::string& body = accuracy.figure.body;
  EXPECT_NE(body.find("with yerrorbars"), std::string::npos) << body;
  const std::string title = "\"rigl (trained sparse from the start)\"";
  ASSERT_NE(body.find(title), std::string::npos) << body;
  EXPECT_EQ(body.find(title, body.find(title) + 1), std::string::npos) << body;
  EXPECT_NE(body.find(":" + format_number(100.0 * 0.1 / 1.12) + "]"), std::string::npos) << body;
  EXPECT_NE(body.find("lenet300 on fashion-mnist, mean ± std over 2 seeds"), std::string::npos);
  EXPECT_NE(accuracy.caption.find("trained sparse from the start"), std::string::npos);
}

TEST_F(ExperimentPlotsTest, ThePapersValuesAreAColumnAPointAndALine) {
  ExperimentDefinition definition = tiny_lottery();
  definition.paper_values = {
      {.label = "ticket",
       .test_accuracy = 0.9,
       .fraction_remaining = 0.79,
       .dataset = "mnist",
       .source = "Figure 3"},
      {.label = "dense", .test_accuracy = 0.95, .dataset = "mnist", .source = "Table 1"},
      {.label = "sparser",
       .test_accuracy = 0.7,
       .fraction_remaining = 0.3,
       .dataset = "mnist",
       .source = "Figure 3"}};
  ExperimentRuns runs = tiny_runs_on("lenet300", "fashion-mnist");
  const auto plots = experiment_plots(store_, definition, runs);
  ASSERT_FALSE(plots.empty());
  const ExperimentPlot& accuracy = plots[0];
  // The table: a paper column; 79% matches the level at 80%; the others are rows of their own.
  ASSERT_EQ(accuracy.summary.columns.back(), "paper (mnist)");
  const auto& rows = accuracy.summary.rows;
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].back(), "-");
  EXPECT_EQ(rows[1][1], "80%");
  EXPECT_EQ(rows[1].back(), "0.9 (Figure 3)");
  EXPECT_EQ(rows[3][0], "paper: dense");
  EXPECT_EQ(rows[3][1], "-");
  EXPECT_EQ(rows[3].back(), "0.95 (Table 1)");
  EXPECT_EQ(rows[4][0], "paper: sparser");
  EXPECT_EQ(rows[4][1], "30%");
  // The figure: a black point at 79% and a line for the value without a fraction, titled with
  // the paper's data set and source; the axis reaches the paper's 30%.
  const std::string& body = accuracy.figure.body;
  EXPECT_NE(body.find("\"+\" using (" + format_number(100.0 * 0.79) + "):(0.9) with points"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("title \"paper (mnist, Figure 3): ticket 0.9\""), std::string::npos);
  EXPECT_NE(body.find("0.95 with lines"), std::string::npos) << body;
  EXPECT_NE(body.find(":" + format_number(100.0 * 0.3 / 1.12) + "]"), std::string::npos) << body;
  // The caption says the paper's data set is not the runs'.
  EXPECT_NE(accuracy.caption.find("on mnist"), std::string::npos) << accuracy.caption;
  EXPECT_NE(accuracy.caption.find("These runs are on fashion-mnist"), std::string::npos);
  // Runs on the paper's data set: no warning.
  for (RunRecord& r : runs.runs) r.settings["options"]["dataset"] = "mnist";
  const auto same = experiment_plots(store_, definition, runs);
  EXPECT_EQ(same[0].caption.find("These runs are on"), std::string::npos) << same[0].caption;
  EXPECT_NE(same[0].figure.body.find("lenet300 on mnist"), std::string::npos);
}

TEST_F(ExperimentPlotsTest, EveryTitleNamesTheModelTheDataAndTheSeeds) {
  const ExperimentDefinition definition = tiny_lottery();
  // The data set actually used (a --set dataset=... override), not the definition's.
  ExperimentRuns runs = tiny_runs_on("conv2", "cifar10");
  runs.runs.push_back(sparse_run(store_, "rigl-20", 0, 0.5, 20));
  runs.runs.back().settings["options"]["model"] = "conv2";
  runs.runs.back().settings["options"]["dataset"] = "cifar10";
  const auto plots = experiment_plots(store_, definition, runs);
  std::set<std::string> names;
  for (const ExperimentPlot& p : plots) {
    names.insert(p.name);
    EXPECT_NE(p.figure.body.find("conv2 on cifar10"), std::string::npos) << p.name;
    const bool seeds = p.figure.body.find("over 2 seeds") != std::string::npos ||
                       p.figure.body.find("over 1 seed\"") != std::string::npos ||
                       p.figure.body.find("first seed of 2") != std::string::npos ||
                       p.figure.body.find(", 1 seed\"") != std::string::npos;
    EXPECT_TRUE(seeds) << p.name << "\n" << p.figure.body;
  }
  for (const char* name : {"accuracy-vs-weights", "early-stopping-vs-weights", "training-curves",
                           "objective-vs-iteration", "final-test-accuracy"})
    EXPECT_TRUE(names.count(name)) << name;
  for (const ExperimentPlot& p : plots)
    if (p.name == "training-curves")
      EXPECT_NE(p.figure.body.find("first seed of 2"), std::string::npos) << p.figure.body;
    else if (p.name == "objective-vs-iteration")
      EXPECT_NE(p.figure.body.find(", 1 seed"), std::string::npos) << p.figure.body;
}

TEST_F(ExperimentPlotsTest, ObjectivesAtRoundingLevelAreNotComparedAsIfTheyDiffered) {
  std::vector<RunRecord> runs;
  const std::vector<std::pair<std::string, double>> arms = {{"omp", 1e-31}, {"iht", 2e-25}};
  for (const auto& [arm, objective] : arms) {
    RunRecord r;
    r.run_id = "solve-" + arm;
    r.experiment = "tiny-solve";
    r.variant = "short";
    r.command = "solve";
    r.point = {{"arm", arm}, {"seed", 1}};
    r.settings = {{"command", "solve"},
                  {"options",
                   {{"problem", "least-squares"},
                    {"synthetic", true},
                    {"samples", 100},
                    {"dimension", 200}}}};
    r.status = "done";
    r.directory = "runs/" + r.run_id;
    const fs::path output = store_ / r.directory / "output";
    write(output / "solution.json", nlohmann::json({{"objective", objective}}).dump());
    write(output / "trace.csv",
          "iteration,objective,support_size,gradient_norm_on,gradient_norm_off,seconds\n"
          "0,0.5,0,1,1,0\n1," +
              format_number(objective) + ",3,0,0,0.1\n");
    runs.push_back(r);
  }
  ExperimentDefinition definition;
  definition.name = "tiny-solve";
  definition.plot = "solve";
  ExperimentRuns selected;
  selected.variant = "short";
  selected.all = runs;
  selected.runs = runs;
  const auto plots = experiment_plots(store_, definition, selected);
  ASSERT_EQ(plots.size(), 2u);
  EXPECT_NE(plots[0].figure.body.find("least-squares on synthetic 100 x 200"), std::string::npos);
  EXPECT_NE(plots[0].figure.body.find("rounding level"), std::string::npos) << plots[0].figure.body;
  EXPECT_NE(plots[0].caption.find("rounding error"), std::string::npos);
  ASSERT_EQ(plots[1].name, "final-objective");
  EXPECT_NE(plots[1].figure.body.find("rounding level"), std::string::npos);
  for (const auto& row : plots[1].summary.rows)
    EXPECT_EQ(row[1].rfind("0 (rounding", 0), 0u) << row[1];
}

TEST_F(ExperimentPlotsTest, TheSupermaskFigureHasChanceTheDenseBaselinesAndTheKeptFraction) {
  std::vector<RunRecord> runs;
  for (int seed = 0; seed < 2; ++seed) {
    RunRecord s;
    s.run_id = "supermask-" + std::to_string(seed);
    s.experiment = "tiny-mask";
    s.variant = "short";
    s.command = "supermask";
    s.point = {{"arm", "supermask"}, {"seed", seed}};
    s.settings = {{"command", "supermask"},
                  {"options", {{"model", "lenet300"}, {"dataset", "fashion-mnist"}}}};
    s.status = "done";
    s.directory = "runs/" + s.run_id;
    const fs::path output = store_ / s.directory / "output";
    write(output / "results.csv",
          "criterion,kept_weights,weights_total,weights_remaining,fraction_remaining,test_loss,"
          "test_accuracy\nlarge_final_same_sign,initial,100,20,0.2,1,0.5\n");
    write(output / "baselines.csv",
          "network,test_accuracy\ndense untrained,0.125\ndense trained,0.875\n");
    runs.push_back(s);
  }
  ExperimentDefinition definition;
  definition.name = "tiny-mask";
  definition.plot = "supermask";
  definition.paper_values = {{.label = "best supermask, untrained",
                              .test_accuracy = 0.86,
                              .dataset = "mnist",
                              .source = "abstract"}};
  ExperimentRuns selected;
  selected.variant = "short";
  selected.all = runs;
  selected.runs = runs;
  const auto plots = experiment_plots(store_, definition, selected);
  ASSERT_EQ(plots.size(), 1u);
  const std::string& body = plots[0].figure.body;
  EXPECT_NE(body.find("keeping 20% of the weights"), std::string::npos) << body;
  EXPECT_NE(body.find("over 2 seeds"), std::string::npos) << body;
  EXPECT_NE(body.find("set yrange [0:*]"), std::string::npos);
  EXPECT_NE(body.find("chance (10 classes)"), std::string::npos);
  EXPECT_NE(body.find("dense trained: 0.8750"), std::string::npos);
  EXPECT_NE(body.find("set key outside"), std::string::npos);
  // The dense baselines the command prints, and the paper's value, are rows of the table.
  ASSERT_EQ(plots[0].summary.rows.size(), 4u);
  EXPECT_EQ(plots[0].summary.rows[1][0], "dense untrained");
  EXPECT_EQ(plots[0].summary.rows[2][2], "0.8750 ± 0.0000 (2)");
  EXPECT_EQ(plots[0].summary.columns.back(), "paper (mnist)");
  EXPECT_EQ(plots[0].summary.rows[0].back(), "-");
  EXPECT_EQ(plots[0].summary.rows[3][0], "paper: best supermask, untrained");
  EXPECT_EQ(plots[0].summary.rows[3].back(), "0.86 (abstract)");
  EXPECT_NE(body.find("0.86 with lines"), std::string::npos) << body;
  EXPECT_NE(body.find("paper (mnist, abstract): best supermask, untrained 0.86"),
            std::string::npos);
  EXPECT_NE(plots[0].caption.find("These runs are on fashion-mnist"), std::string::npos);
}

TEST(PlotTable, CsvQuotesFieldsAndNumbersRoundTrip) {
  PlotTable t{{"series", "value"}, {{"a,b", "1"}, {"say \"x\"", format_number(0.1)}}};
  EXPECT_EQ(t.to_csv(), "series,value\n\"a,b\",1\n\"say \"\"x\"\"\",0.1\n");
  EXPECT_EQ(format_number(std::nan("")), "NaN");
  EXPECT_EQ(format_number(2.0), "2");
  EXPECT_EQ(std::stod(format_number(1.0 / 3.0)), 1.0 / 3.0);
}

TEST(WritePlots, WithoutGnuplotFailsAsInvalidInputAndWritesNothing) {
  const fs::path directory =
      fs::temp_directory_path() / ("cardinal-no-gnuplot-" + std::to_string(::getpid()));
  fs::remove_all(directory);
  ::setenv("CARDINAL_GNUPLOT", "", 1);
  ExperimentPlot plot;
  plot.name = "x";
  plot.figure.name = "x";
  EXPECT_THROW(write_plots(directory, {plot}, ImageFormats::kBoth), InvalidInput);
  ::unsetenv("CARDINAL_GNUPLOT");
  EXPECT_FALSE(fs::exists(directory));
  EXPECT_EQ(parse_image_formats("svg"), ImageFormats::kSvg);
  EXPECT_THROW(parse_image_formats("jpeg"), InvalidInput);
}

}  // namespace
}  // namespace cardinal
