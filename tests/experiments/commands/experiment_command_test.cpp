// `cardinal experiment` and `cardinal runs` end to end: definitions, sweeps, the run store and
// its index.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/experiments/commands/commands.hpp"
#include "cardinal/experiments/store/run_index.hpp"
#include "cardinal/experiments/store/run_results.hpp"
#include "cardinal/experiments/sweeps/experiment.hpp"
#include "experiments/command_runner.hpp"

namespace cardinal {
namespace {
namespace fs = std::filesystem;

class ExperimentCommand : public test::ScratchTest {
 protected:
  ExperimentCommand() : ScratchTest("experiment", false) {}
  std::string store() const { return (dir_ / "store").string(); }

  /// The run ids `cardinal experiment show` prints, in sweep order.
  static std::vector<std::string> run_ids(const std::string& output) {
    std::vector<std::string> ids;
    const std::regex id(R"(\[\d+\] (\w+-[0-9a-f]{16}))");
    for (auto it = std::sregex_iterator(output.begin(), output.end(), id);
         it != std::sregex_iterator(); ++it)
      ids.push_back((*it)[1]);
    return ids;
  }
};

TEST_F(ExperimentCommand, EveryBuiltInDefinitionExpandsIntoValidCommandLines) {
  const auto list = test::run_cardinal("experiment list");
  ASSERT_EQ(list.status, 0) << list.output;
  for (const ExperimentDefinition& d : builtin_experiments()) {
    EXPECT_NE(list.output.find(d.name), std::string::npos) << d.name;
    for (const auto& [variant, overrides] : d.variants) {
      // plan_runs resolves every run's options against its command: an option the command
      // does not have, or a bad value type, fails here.
      const auto runs = plan_runs(d, variant, {});
      EXPECT_EQ(static_cast<Index>(runs.size()), d.run_count()) << d.name << " " << variant;
      std::set<std::string> ids;
      for (const auto& r : runs) ids.insert(r.run_id);
      EXPECT_EQ(ids.size(), runs.size()) << d.name << ": two runs with the same settings";
    }
  }
  // A variant other than the default runs something else: a "full" variant that plans the
  // short one's runs would only repeat them.
  for (const ExperimentDefinition& d : builtin_experiments()) {
    const auto reference = plan_runs(d, d.default_variant, {});
    for (const auto& [variant, overrides] : d.variants) {
      if (variant == d.default_variant) continue;
      const auto runs = plan_runs(d, variant, {});
      std::size_t same = 0;
      for (std::size_t i = 0; i < runs.size() && i < reference.size(); ++i)
        same += runs[i].run_id == reference[i].run_id;
      EXPECT_LT(same, runs.size())
          << d.name << ": variant " << variant << " plans the runs of " << d.default_variant;
    }
  }
  for (const char* name : {"frankle-carbin-lenet300", "renda-rewinding-lenet300",
                           "dpf-gmp-imp-lenet300", "zhou-supermasks-lenet300", "convex-to-network"})
    EXPECT_NO_THROW(find_experiment(name)) << name;
}

TEST_F(ExperimentCommand, EveryNetworkArmPassesItsCommandsOwnChecks) {
#ifndef CARDINAL_WITH_TORCH
  GTEST_SKIP() << "built without LibTorch";
#endif
  // plan_runs checks that each option exists; the command also checks how they combine (an
  // option that applies only with another, a value out of range). Each arm of each variant runs
  // once against an empty data folder: a command whose options pass its checks stops at the
  // missing data and at nothing before it. (Version 3 of dpf-gmp-imp-lenet300 gave lottery a
  // --max-iterations that only its convex pruner takes.)
  const fs::path no_data = dir_ / "no-data";
  fs::create_directories(no_data);
  std::vector<std::pair<std::string, std::vector<std::string>>> commands;  // (what, command line)
  for (const ExperimentDefinition& d : builtin_experiments())
    for (const auto& [variant, overrides] : d.variants) {
      std::set<std::string> arms;
      for (const PlannedRun& run : plan_runs(d, variant, {})) {
        if (!run.options.contains("dataset") || !arms.insert(run.arm).second) continue;
        nlohmann::json options = run.options;
        options["data-dir"] = no_data.string();
        options[run.command == "lottery" ? "store" : "output"] =
            (dir_ / ("out-" + std::to_string(commands.size()))).string();
        std::vector<std::string> arguments = to_arguments(options);
        arguments.insert(arguments.begin(), run.command);
        commands.emplace_back(d.name + " " + variant + " " + run.arm, std::move(arguments));
      }
    }
  ASSERT_GT(commands.size(), 20u);
  // In this process: LibTorch loads once, and each command stops at its data.
  for (const auto& [what, arguments] : commands) {
    ::testing::internal::CaptureStderr();
    ::testing::internal::CaptureStdout();
    const int status = find_command(arguments.front())
                           ->run(std::vector<std::string>(arguments.begin() + 1, arguments.end()));
    const std::string output =
        ::testing::internal::GetCapturedStdout() + ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(status, 2) << what << ": " << output;
    EXPECT_NE(output.find("missing data file " + no_data.string()), std::string::npos)
        << what << ": " << output;
  }
}

TEST_F(ExperimentCommand, AnOptionAddedLaterLeavesStoredRunsReachable) {
  // The id of a run stored before `cardinal lottery` had --instability: seed 0 of the paper
  // variant of frankle-carbin-lenet300. Adding an option at the value that reproduces the old
  // behaviour must not change it; setting the option must.
  const ExperimentDefinition d = find_experiment("frankle-carbin-lenet300");
  const auto runs = plan_runs(d, "paper", {});
  ASSERT_FALSE(runs.empty());
  EXPECT_EQ(runs.front().run_id, "lottery-59c0c3bc5354ea29") << runs.front().settings.dump();
  EXPECT_FALSE(runs.front().settings["options"].contains("instability"));
  const auto with = plan_runs(d, "paper", {{"instability", "true"}});
  EXPECT_EQ(with.front().settings["options"]["instability"], true);
  EXPECT_NE(with.front().run_id, runs.front().run_id);
}

TEST_F(ExperimentCommand, ThePatchCapLeavesStoredPruneRunsReachable) {
  // magnitude, seed 0, 90% of one-shot-pruning-mlpnet, stored before `cardinal prune` had
  // --max-patches.
  const ExperimentDefinition d = find_experiment("one-shot-pruning-mlpnet");
  const auto runs = plan_runs(d, "one-shot", {});
  ASSERT_GT(runs.size(), 4u);
  EXPECT_EQ(runs[4].run_id, "prune-4d203b64b80bdb6a") << runs[4].settings.dump();
  EXPECT_FALSE(runs[4].settings["options"].contains("max-patches"));
  const auto capped = plan_runs(d, "one-shot", {{"max-patches", "1000"}});
  EXPECT_EQ(capped[4].settings["options"]["max-patches"], 1000);
}

TEST_F(ExperimentCommand, AddingArmsLeavesTheOtherArmsRunsReachable) {
  // pruning-at-init-lenet300 version 2 added RigL arms, with options of their own per variant.
  // The lottery arms' runs stored under version 1 keep their ids: imp seed 0 and random-init
  // seed 2 of the short variant, imp seed 0 of the paper variant.
  const ExperimentDefinition d = find_experiment("pruning-at-init-lenet300");
  const auto short_runs = plan_runs(d, "short", {});
  ASSERT_EQ(short_runs.size(), 30u);
  EXPECT_EQ(short_runs[0].run_id, "lottery-ac7c947748c5b073") << short_runs[0].settings.dump();
  EXPECT_EQ(short_runs[17].arm, "random-init");
  EXPECT_EQ(short_runs[17].run_id, "lottery-2a3a5e2c7034c325") << short_runs[17].settings.dump();
  const auto paper_runs = plan_runs(d, "paper", {});
  EXPECT_EQ(paper_runs[0].run_id, "lottery-c4fd60a310de5e3c") << paper_runs[0].settings.dump();
  // A RigL arm: its length per variant, its own SGD steps rather than the lottery arms' Adam.
  const auto rigl = [](const std::vector<PlannedRun>& runs) {
    for (const PlannedRun& r : runs)
      if (r.arm == "rigl-5") return r.settings["options"];
    return nlohmann::json();
  };
  const nlohmann::json short_rigl = rigl(short_runs), paper_rigl = rigl(paper_runs);
  EXPECT_EQ(short_rigl["solver"], "rigl");
  EXPECT_EQ(short_rigl["max-iterations"], 334);
  EXPECT_EQ(short_rigl["update-period"], 25);
  EXPECT_EQ(short_rigl["train-subset"], 20000);
  EXPECT_EQ(short_rigl["optimizer"], "sgd");
  EXPECT_EQ(paper_rigl["max-iterations"], 50000);
  EXPECT_EQ(paper_rigl["update-period"], 100);
  EXPECT_EQ(paper_rigl["dataset"], "mnist");
  // --set wins over an arm's own options: what the user sets is what runs.
  EXPECT_EQ(rigl(plan_runs(d, "short", {{"max-iterations", "20"}}))["max-iterations"], 20);
}

TEST_F(ExperimentCommand, DefinitionsCarryArmVariantsAndThePapersValues) {
  const nlohmann::json base = nlohmann::json::parse(R"({
    "name": "t", "version": 1, "title": "t",
    "common": {"problem": "least-squares", "synthetic": true, "sparsity": 5},
    "arms": [{"label": "iht", "command": "solve", "options": {"solver": "iht"}},
             {"label": "omp", "command": "solve", "options": {"solver": "omp"},
              "variants": {"long": {"max-iterations": 50}}}],
    "variants": {"short": {}, "long": {"samples": 300}},
    "default_variant": "short",
    "paper_values": [
      {"label": "dense", "test_accuracy": 0.98, "dataset": "mnist", "source": "Table 1"},
      {"label": "at 10%", "test_accuracy": 0.97, "fraction_remaining": 0.1,
       "dataset": "mnist", "source": "Figure 3"}]})");
  const ExperimentDefinition d = ExperimentDefinition::from_json(base, "t.json");
  ASSERT_EQ(d.paper_values.size(), 2u);
  EXPECT_EQ(d.paper_values[0].test_accuracy, 0.98);
  EXPECT_FALSE(d.paper_values[0].fraction_remaining.has_value());
  EXPECT_EQ(d.paper_values[1].fraction_remaining, 0.1);
  EXPECT_EQ(d.paper_values[1].source, "Figure 3");
  // An arm's variant options apply to that arm, in that variant only.
  const auto long_runs = plan_runs(d, "long", {});
  ASSERT_EQ(long_runs.size(), 2u);
  EXPECT_EQ(long_runs[0].settings["options"]["max-iterations"], 1000);
  EXPECT_EQ(long_runs[1].settings["options"]["max-iterations"], 50);
  EXPECT_EQ(plan_runs(d, "short", {})[1].settings["options"]["max-iterations"], 1000);
  // Bad input names the field.
  const auto refused = [&](const std::function<void(nlohmann::json&)>& edit,
                           const std::string& message) {
    nlohmann::json json = base;
    edit(json);
    try {
      ExperimentDefinition::from_json(json, "t.json");
      ADD_FAILURE() << "accepted: " << message;
    } catch (const InvalidInput& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos)
          << e.what() << " does not say " << message;
    }
  };
  refused([](nlohmann::json& j) { j["arms"][1]["variants"]["paper"] = nlohmann::json::object(); },
          "arm omp has options for \"paper\", not a variant");
  refused([](nlohmann::json& j) { j["paper_values"][0]["test_accuracy"] = 98; },
          "\"test_accuracy\" is a fraction in [0, 1]");
  refused([](nlohmann::json& j) { j["paper_values"][1]["fraction_remaining"] = 0; },
          "\"fraction_remaining\" is a fraction in (0, 1]");
  refused([](nlohmann::json& j) { j["paper_values"][0].erase("source"); },
          "missing field \"source\"");
  // The built-in definitions state only what their papers state.
  EXPECT_EQ(find_experiment("zhou-supermasks-lenet300").paper_values.at(0).test_accuracy, 0.86);
}

TEST_F(ExperimentCommand, ASweepRunsIndexesReusesAndExports) {
  const auto first = test::run_cardinal("experiment run convex-smoke --store " + store());
  ASSERT_EQ(first.status, 0) << first.output;
  EXPECT_NE(first.output.find("4 runs, 0 already done"), std::string::npos) << first.output;

  const RunIndex index(store());
  const auto records = index.list("convex-smoke");
  ASSERT_EQ(records.size(), 4u);
  std::set<std::string> points;
  for (const RunRecord& r : records) {
    EXPECT_EQ(r.status, "done") << r.run_id;
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_TRUE(fs::exists(fs::path(store()) / r.directory / "output" / "solution.json"));
    points.insert(r.point.dump());
  }
  EXPECT_EQ(points,
            (std::set<std::string>{R"({"arm":"omp","seed":1})", R"({"arm":"omp","seed":2})",
                                   R"({"arm":"iht","seed":1})", R"({"arm":"iht","seed":2})"}));

  // Every run recovered its planted support: the export is one row per solve.
  const auto exported =
      test::run_cardinal("runs export --store " + store() + " -o " + (dir_ / "x.csv").string());
  ASSERT_EQ(exported.status, 0) << exported.output;
  std::vector<std::string> header;
  const auto rows = read_csv_rows(dir_ / "x.csv", &header);
  ASSERT_EQ(rows.size(), 4u);
  for (const auto& row : rows) {
    EXPECT_EQ(row.at("support_recovered"), "true");
    EXPECT_EQ(row.at("experiment"), "convex-smoke");
  }

  // A second request reuses every run and does not touch its results.
  const fs::path solution = fs::path(store()) / records[0].directory / "output" / "solution.json";
  const auto written = fs::last_write_time(solution);
  const auto second = test::run_cardinal("experiment run convex-smoke --store " + store());
  ASSERT_EQ(second.status, 0) << second.output;
  EXPECT_NE(second.output.find("4 runs, 4 already done"), std::string::npos) << second.output;
  EXPECT_EQ(fs::last_write_time(solution), written);

  // A run without its completion marker (killed) runs again; the others are reused.
  fs::remove(fs::path(store()) / records[1].directory / "run" / "DONE.json");
  const auto resumed = test::run_cardinal("experiment run convex-smoke --store " + store());
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("4 runs, 3 already done"), std::string::npos) << resumed.output;

  const auto listed = test::run_cardinal("runs list --store " + store());
  EXPECT_EQ(listed.status, 0);
  EXPECT_EQ(std::count(listed.output.begin(), listed.output.end(), '\n'), 5) << listed.output;
}

TEST_F(ExperimentCommand, AnExportKeepsTheSweptValueBesideTheResultsOwn) {
  // A solve's solution reports the count k as `sparsity`; the swept fraction stays the column.
  const fs::path definitions = dir_ / "definitions";
  fs::create_directories(definitions);
  std::ofstream(definitions / "fraction-sweep.json") << R"({
    "name": "fraction-sweep", "version": 1, "title": "t", "reference": "", "description": "d",
    "common": {"problem": "least-squares", "synthetic": true, "samples": 100, "dimension": 200,
               "planted": 5, "solver": "omp"},
    "arms": [{"label": "omp", "command": "solve", "options": {}}],
    "sweep": {"sparsity": [0.025, 0.05]},
    "variants": {"short": {}}, "default_variant": "short", "estimate_seconds": {"short": 1},
    "plot": "" })";
  const auto run = test::run_cardinal("experiment run fraction-sweep --definitions " +
                                      definitions.string() + " --store " + store());
  ASSERT_EQ(run.status, 0) << run.output;
  const auto exported =
      test::run_cardinal("runs export --store " + store() + " -o " + (dir_ / "x.csv").string());
  ASSERT_EQ(exported.status, 0) << exported.output;
  const auto rows = read_csv_rows(dir_ / "x.csv", nullptr);
  ASSERT_EQ(rows.size(), 2u);
  std::set<std::pair<std::string, std::string>> values;
  for (const auto& row : rows) values.insert({row.at("sparsity"), row.at("result_sparsity")});
  EXPECT_EQ(values,
            (std::set<std::pair<std::string, std::string>>{{"0.025", "5"}, {"0.05", "10"}}));
}

TEST_F(ExperimentCommand, ReadOnlyCommandsCreateNoStoreAndAnExportOfNothingSaysSo) {
  ASSERT_EQ(test::run_cardinal("experiment show frankle-carbin-lenet300 --store " + store()).status,
            0);
  ASSERT_EQ(
      test::run_cardinal("experiment run frankle-carbin-lenet300 --dry-run --store " + store())
          .status,
      0);
  EXPECT_FALSE(fs::exists(store())) << "show and --dry-run only plan";

  ASSERT_EQ(test::run_cardinal("experiment run convex-smoke --task 0 --store " + store()).status,
            0);
  const fs::path csv = dir_ / "x.csv";
  const auto none = test::run_cardinal("runs export --experiment frankle-carbin-lenet300 --store " +
                                       store() + " -o " + csv.string());
  EXPECT_NE(none.status, 0) << none.output;
  EXPECT_NE(none.output.find("no runs of experiment frankle-carbin-lenet300"), std::string::npos)
      << none.output;
  EXPECT_FALSE(fs::exists(csv)) << "no header-only CSV";
  const auto some = test::run_cardinal("runs export --experiment convex-smoke --store " + store() +
                                       " -o " + csv.string());
  EXPECT_EQ(some.status, 0) << some.output;
  EXPECT_TRUE(fs::exists(csv));
}

TEST_F(ExperimentCommand, TheHashFollowsBehaviourNotSpelling) {
  const auto plain =
      run_ids(test::run_cardinal("experiment show convex-smoke --store " + store()).output);
  ASSERT_EQ(plain.size(), 4u);
  // Stating a default (ridge 0, max-iterations 1000) names the same runs.
  EXPECT_EQ(run_ids(test::run_cardinal("experiment show convex-smoke --store " + store() +
                                       " --set ridge=0 --set max-iterations=1000")
                        .output),
            plain);
  // A setting that changes results names other runs.
  const auto ridge = run_ids(
      test::run_cardinal("experiment show convex-smoke --store " + store() + " --set ridge=0.1")
          .output);
  ASSERT_EQ(ridge.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_NE(ridge[i], plain[i]);
  // A sweep axis can be replaced, and arms selected.
  const auto seeds = run_ids(test::run_cardinal("experiment show convex-smoke --store " + store() +
                                                " --set seed=2,3,4 --set arm=iht")
                                 .output);
  ASSERT_EQ(seeds.size(), 3u);
  EXPECT_EQ(seeds[0], plain[3]);  // iht, seed 2
}

TEST_F(ExperimentCommand, ATaskRunsExactlyOneRun) {
  const auto task = test::run_cardinal("experiment run convex-smoke --task 2 --store " + store());
  ASSERT_EQ(task.status, 0) << task.output;
  const RunIndex index(store());
  Index done = 0, planned = 0;
  for (const RunRecord& r : index.list("convex-smoke")) {
    done += r.status == "done";
    planned += r.status == "planned";
    if (r.status == "done") EXPECT_EQ(r.point.dump(), R"({"arm":"iht","seed":1})");
  }
  EXPECT_EQ(done, 1);
  EXPECT_EQ(planned, 3);
}

TEST_F(ExperimentCommand, CommandsThatDrawTheirOwnFiguresRunAsExperimentsAndArePlotted) {
  const auto bounds = test::run_cardinal(
      "experiment run convex-bounds --set arm=iht,htp "
      "--set seed=1 --store " +
      store());
  ASSERT_EQ(bounds.status, 0) << bounds.output;  // 3 would mean a violated bound
  const auto phase = test::run_cardinal(
      "experiment run phase-transition-gaussian --set "
      "solvers=omp,iht --set trials=2 --store " +
      store());
  ASSERT_EQ(phase.status, 0) << phase.output;
  // Two bounds figures and two phase diagrams: counted as figures (not files), each named.
  const auto bounds_plot = test::run_cardinal("plot convex-bounds --store " + store());
  ASSERT_EQ(bounds_plot.status, 0) << bounds_plot.output;
  EXPECT_NE(bounds_plot.output.find("2 figure(s)"), std::string::npos) << bounds_plot.output;
  EXPECT_NE(bounds_plot.output.find("iht-seed1-bounds.{gp,png,svg}"), std::string::npos)
      << bounds_plot.output;
  const auto phase_plot = test::run_cardinal("plot phase-transition-gaussian --store " + store());
  ASSERT_EQ(phase_plot.status, 0) << phase_plot.output;
  EXPECT_NE(phase_plot.output.find("2 figure(s)"), std::string::npos) << phase_plot.output;
  const fs::path plots = fs::path(store()) / "plots";
  for (const char* file :
       {"convex-bounds/iht-seed1-bounds.png", "convex-bounds/htp-seed1-bounds.svg",
        "convex-bounds/iht-seed1-bounds.gp", "convex-bounds/iht-seed1-bounds.csv",
        "phase-transition-gaussian/gaussian-seed1-phase-omp.png",
        "phase-transition-gaussian/gaussian-seed1-phase-iht.svg",
        "phase-transition-gaussian/gaussian-seed1-phase-omp.gp",
        "phase-transition-gaussian/gaussian-seed1-heatmap.csv",
        "phase-transition-gaussian/gaussian-seed1-curve.csv"})
    EXPECT_TRUE(fs::exists(plots / file)) << file;
  // A collected script reads the collected data and redraws its own images, in the plot folder.
  const std::string script = test::read_file(plots / "convex-bounds/iht-seed1-bounds.gp");
  EXPECT_NE(script.find("\"iht-seed1-bounds.csv\""), std::string::npos) << script;
  EXPECT_NE(script.find("\"iht-seed1-bounds.\""), std::string::npos) << script;

  // The reports hold those figures and the theorems' verdicts, not an empty Results section.
  for (const char* name : {"convex-bounds", "phase-transition-gaussian"}) {
    const auto report = test::run_cardinal("report " + std::string(name) + " --store " + store());
    ASSERT_EQ(report.status, 0) << report.output;
    const std::string md = test::read_file(fs::path(store()) / "reports" / name / "report.md");
    const std::string results = md.substr(md.find("## Results"));
    EXPECT_NE(results.find("!["), std::string::npos) << results;
    if (std::string(name) == "convex-bounds")
      EXPECT_NE(results.find("largest ratio to the bound"), std::string::npos) << results;
    // Each collected figure's title names the run, its problem and data, and its seed.
    EXPECT_NE(results.find(std::string(name) == "convex-bounds"
                               ? "### Convergence bounds: iht (least-squares on synthetic 3000 x "
                                 "10, seed 1)"
                               : "### Phase diagram of omp: gaussian (Gaussian least squares, p = "
                                 "100, 2 trials per cell, seed 1)"),
              std::string::npos)
        << results;
  }
}

TEST_F(ExperimentCommand, BadInputExitsWithStatusTwoAndAClearMessage) {
  const auto expect_error = [&](const std::string& args, const std::string& message) {
    const auto r = test::run_cardinal(args);
    EXPECT_EQ(r.status, 2) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(message), std::string::npos) << args << "\n" << r.output;
  };
  expect_error("experiment run no-such-experiment --store " + store(), "unknown experiment");
  expect_error("experiment run convex-smoke --variant huge --store " + store(),
               "no variant 'huge'");
  expect_error("experiment run convex-smoke --set nonsense=1 --store " + store(), "--nonsense");
  expect_error("experiment run convex-smoke --set ridge --store " + store(), "KEY=VALUE");
  expect_error("experiment run convex-smoke --task 9 --store " + store(), "--task 9");
  expect_error("experiment frobnicate", "unknown action");
  expect_error("runs list --store " + (dir_ / "nowhere").string(), "no run store");

  fs::create_directories(dir_ / "defs");
  std::ofstream(dir_ / "defs" / "broken.json") << "{\"name\": \"broken\", ";
  expect_error(
      "experiment run broken --definitions " + (dir_ / "defs").string() + " --store " + store(),
      "broken.json");
  std::ofstream(dir_ / "defs" / "typo.json")
      << R"({"name": "typo", "version": 1, "title": "t", "default_variant": "v",
            "variants": {"v": {}}, "common": {},
            "arms": [{"label": "a", "command": "solve",
                      "options": {"problem": "least-squares", "synthetic": true, "solver": "omp",
                                  "sparsity": 3, "sparsty": 4}}]})";
  expect_error(
      "experiment run typo --definitions " + (dir_ / "defs").string() + " --store " + store(),
      "sparsty");
}

}  // namespace
}  // namespace cardinal
