// Job arrays on a real one-node SLURM cluster, started by the test itself with
// scripts/start-slurm. Skipped where SLURM is not installed (the Debian packages slurm-wlm and
// munge provide it).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "cardinal/experiments/sweeps/slurm.hpp"
#include "experiments/command_runner.hpp"
#include "experiments/sweeps/slurm_cluster.hpp"

namespace {
namespace fs = std::filesystem;
using cardinal::SlurmArrayJob;
using cardinal::test::CommandResult;
using cardinal::test::SlurmCluster;

constexpr std::chrono::seconds array_timeout{120};

class Slurm : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string why = cardinal::test::why_no_slurm();
    if (!why.empty()) GTEST_SKIP() << why;
    dir_ = fs::temp_directory_path() /
           ("cardinal-slurm-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    SlurmCluster::stop(dir_ / "cluster");  // left running by a crashed earlier run
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    try {
      cluster_ = std::make_unique<SlurmCluster>(dir_ / "cluster");
    } catch (const std::exception& e) {
      FAIL() << e.what();
    }
  }

  void TearDown() override {
    cluster_.reset();  // stops the daemons before their directory goes
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  /// Every log file under `directory`, for a failure message.
  static std::string logs_under(const fs::path& directory) {
    std::ostringstream s;
    if (!fs::exists(directory)) return "";
    for (const auto& entry : fs::recursive_directory_iterator(directory)) {
      const std::string name = entry.path().filename().string();
      if (!entry.is_regular_file() || (entry.path().extension() != ".log" && name != "log.txt"))
        continue;
      s << "--- " << entry.path().string() << "\n" << cardinal::test::read_file(entry.path());
    }
    return s.str();
  }

  fs::path dir_;
  std::unique_ptr<SlurmCluster> cluster_;
};

TEST_F(Slurm, ArrayTasksEachRunTheCommandWithTheirOwnIndex) {
  const fs::path out = dir_ / "out";
  fs::create_directories(out);
  SlurmArrayJob job;
  job.name = "cardinal slurm test";  // a blank: the directive must be quoted for sbatch
  job.tasks = 3;
  job.log_directory = dir_ / "job logs";
  job.command = {"/bin/sh",
                 "-c",
                 "printf '%s' \"$1\" > \"$2/task-$1.txt\"; echo \"task $1 ran\"",
                 "sh",
                 "$SLURM_ARRAY_TASK_ID",
                 out.string()};
  const fs::path script = dir_ / "array.sbatch";
  cardinal::write_slurm_array_script(script, job);

  const std::string id = cardinal::submit_slurm_array(script);
  ASSERT_TRUE(cluster_->wait_for(id, array_timeout)) << "job array " << id << " did not finish\n"
                                                     << cluster_->report(id);

  const std::string report = cluster_->report(id);
  for (int task = 0; task < 3; ++task) {
    const std::string index = std::to_string(task);
    EXPECT_EQ(cardinal::test::read_file(out / ("task-" + index + ".txt")), index)
        << report << logs_under(job.log_directory);
    EXPECT_EQ(cardinal::test::read_file(job.log_directory / (id + "_" + index + ".log")),
              "task " + index + " ran\n");
  }
  EXPECT_FALSE(fs::exists(out / "task-3.txt"));
  EXPECT_NE(report.find("JobName=cardinal slurm test\n"), std::string::npos) << report;
}

// Needs `cardinal experiment run` with --slurm, and `cardinal runs list` / `runs export`.
class SlurmSweep : public Slurm {
 protected:
  /// Submits convex-smoke to the cluster and waits for the array; its number of tasks.
  int submit_and_wait() {
    const CommandResult submitted = cardinal::test::run_cardinal(
        "experiment run convex-smoke --store " + store().string() + " --slurm");
    EXPECT_EQ(submitted.status, 0) << submitted.output;
    std::smatch match;
    if (!std::regex_search(submitted.output, match,
                           std::regex(R"(submitted job array (\d+) \((\d+) tasks\))"))) {
      ADD_FAILURE() << "no job array in: " << submitted.output;
      return 0;
    }
    const std::string id = match[1];
    EXPECT_TRUE(cluster_->wait_for(id, array_timeout)) << "job array " << id << " did not finish\n"
                                                       << cluster_->report(id);
    report_ = cluster_->report(id);
    return std::stoi(match[2]);
  }

  /// The ids of the runs `cardinal runs list` shows as done.
  std::vector<std::string> done_runs() const {
    const CommandResult listed =
        cardinal::test::run_cardinal("runs list --store " + store().string());
    EXPECT_EQ(listed.status, 0) << listed.output;
    std::vector<std::string> ids;
    std::istringstream lines(listed.output);
    for (std::string line; std::getline(lines, line);)
      if (line.find("done") != std::string::npos) ids.push_back(line.substr(0, line.find(' ')));
    return ids;
  }

  /// `cardinal runs export`: one row per run, its status and run time (to the nanosecond) included.
  std::string records() const {
    const CommandResult exported =
        cardinal::test::run_cardinal("runs export --store " + store().string());
    EXPECT_EQ(exported.status, 0) << exported.output;
    return exported.output;
  }

  fs::path store() const { return dir_ / "store"; }
  std::string report_;
};

TEST_F(SlurmSweep, ExperimentSweepRunsAsAJobArray) {
  const int tasks = submit_and_wait();
  ASSERT_GE(tasks, 2) << "convex-smoke is a sweep";
  const std::vector<std::string> done = done_runs();
  ASSERT_EQ(static_cast<int>(done.size()), tasks) << report_ << logs_under(store());

  // Submitted again, every task finds its run done and leaves it as it was.
  const std::string before = records();
  EXPECT_EQ(submit_and_wait(), tasks);
  EXPECT_EQ(done_runs(), done);
  EXPECT_EQ(records(), before) << report_ << logs_under(store());
}

}  // namespace
