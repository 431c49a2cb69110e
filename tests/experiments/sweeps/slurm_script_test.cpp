// The sbatch script of a job array, and its submission, without a SLURM cluster: the script is
// checked as text, by bash's parser and by running it; sbatch is replaced by small scripts.
#include "cardinal/experiments/sweeps/slurm.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "cardinal/bridge/error.hpp"
#include "experiments/command_runner.hpp"

namespace cardinal {
namespace {
namespace fs = std::filesystem;

class SlurmScript : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cardinal-slurm-script-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    if (const char* path = std::getenv("PATH")) saved_path_ = path;
  }
  void TearDown() override {
    ::setenv("PATH", saved_path_.c_str(), 1);
    fs::remove_all(dir_);
  }

  /// Exit status of `bash ARGS` with stdout and stderr written to `output`.
  static int bash(const std::string& args, const fs::path& output) {
    const int status = std::system(("bash " + args + " >" + output.string() + " 2>&1").c_str());
    return WEXITSTATUS(status);
  }

  /// Puts a fake `sbatch` (a bash script with body `body`) first and alone on PATH.
  void fake_sbatch(const std::string& body) {
    const fs::path bin = dir_ / "bin";
    fs::create_directories(bin);
    std::ofstream(bin / "sbatch") << "#!/bin/bash\n" << body << '\n';
    fs::permissions(bin / "sbatch", fs::perms::owner_all);
    ::setenv("PATH", (bin.string() + ":/bin:/usr/bin").c_str(), 1);
  }

  static SlurmArrayJob small_job() {
    SlurmArrayJob job;
    job.name = "convex smoke";
    job.tasks = 3;
    job.max_parallel = 2;
    job.cpus_per_task = 4;
    job.time_limit = "00:10:00";
    job.partition = "debug";
    job.extra_directives = {"--mem=1G", "#SBATCH --exclusive"};
    job.log_directory = "/scratch/store/logs";
    job.command = {"/opt/bin/cardinal",
                   "experiment",
                   "run",
                   "it's a test",
                   "--task",
                   "$SLURM_ARRAY_TASK_ID",
                   "out-$SLURM_ARRAY_TASK_ID.txt"};
    return job;
  }

  fs::path dir_;
  std::string saved_path_;
};

TEST_F(SlurmScript, IsTheDirectivesThenOneExecWithQuotedArguments) {
  EXPECT_EQ(slurm_array_script(small_job()),
            "#!/bin/bash\n"
            "#SBATCH --job-name=\"convex smoke\"\n"
            "#SBATCH --array=0-2%2\n"
            "#SBATCH --cpus-per-task=4\n"
            "#SBATCH --output=/scratch/store/logs/%A_%a.log\n"
            "#SBATCH --time=00:10:00\n"
            "#SBATCH --partition=debug\n"
            "#SBATCH --mem=1G\n"
            "#SBATCH --exclusive\n"
            "set -euo pipefail\n"
            "exec /opt/bin/cardinal experiment run 'it'\\''s a test' --task "
            "\"$SLURM_ARRAY_TASK_ID\" out-\"$SLURM_ARRAY_TASK_ID\".txt\n");
}

TEST_F(SlurmScript, LeavesOutTheLimitTimeAndPartitionWhenUnset) {
  SlurmArrayJob job;
  job.name = "one";
  job.tasks = 1;
  job.log_directory = "logs/100% done";
  job.command = {"true"};
  EXPECT_EQ(slurm_array_script(job),
            "#!/bin/bash\n"
            "#SBATCH --job-name=one\n"
            "#SBATCH --array=0-0\n"
            "#SBATCH --cpus-per-task=1\n"
            "#SBATCH --output=\"logs/100%% done/%A_%a.log\"\n"
            "set -euo pipefail\n"
            "exec true\n");
}

TEST_F(SlurmScript, BashAcceptsItAndPassesEveryArgumentVerbatimButTheTaskId) {
  SlurmArrayJob job = small_job();
  job.command = {"printf",
                 "[%s]\\n",
                 "it's a test",
                 "two  spaces",
                 "$HOME `date` \"quoted\" \\ * ;",
                 "",
                 "$SLURM_ARRAY_TASK_ID",
                 "out-$SLURM_ARRAY_TASK_ID.txt",
                 "$SLURM_ARRAY_TASK_ID$SLURM_ARRAY_TASK_ID"};
  const fs::path script = dir_ / "job.sh";
  std::ofstream(script) << slurm_array_script(job);
  const fs::path output = dir_ / "output";
  ASSERT_EQ(bash("-n " + script.string(), output), 0) << test::read_file(output);

  EXPECT_EQ(bash(script.string(), output), 1);  // set -u: run outside SLURM it stops at once
  EXPECT_NE(test::read_file(output).find("SLURM_ARRAY_TASK_ID: unbound variable"),
            std::string::npos)
      << test::read_file(output);

  ASSERT_EQ(bash("-c 'SLURM_ARRAY_TASK_ID=7 bash " + script.string() + "'", output), 0);
  EXPECT_EQ(test::read_file(output),
            "[it's a test]\n"
            "[two  spaces]\n"
            "[$HOME `date` \"quoted\" \\ * ;]\n"
            "[]\n"
            "[7]\n"
            "[out-7.txt]\n"
            "[77]\n");
}

TEST_F(SlurmScript, RefusesJobsSlurmCannotRun) {
  const auto refused = [](SlurmArrayJob job) {
    EXPECT_THROW(slurm_array_script(job), InvalidInput);
  };
  SlurmArrayJob job = small_job();
  job.tasks = 0;
  refused(job);
  job = small_job();
  job.max_parallel = -1;
  refused(job);
  job = small_job();
  job.cpus_per_task = 0;
  refused(job);
  job = small_job();
  job.command.clear();
  refused(job);
  job = small_job();
  job.log_directory.clear();
  refused(job);
  job = small_job();
  job.log_directory = "logs\\a";
  refused(job);
  job = small_job();
  job.command.push_back("two\nlines");
  refused(job);
  job = small_job();
  job.extra_directives.push_back("--mem=1G\nrm -rf /");
  refused(job);
}

TEST_F(SlurmScript, WriteCreatesTheLogDirectoryAndAnExecutableScript) {
  SlurmArrayJob job = small_job();
  job.log_directory = dir_ / "store" / "logs";
  const fs::path script = dir_ / "store" / "array.sbatch";
  fs::create_directories(script.parent_path());
  write_slurm_array_script(script, job);
  EXPECT_TRUE(fs::is_directory(job.log_directory));
  EXPECT_EQ(test::read_file(script), slurm_array_script(job));
  EXPECT_NE(fs::status(script).permissions() & fs::perms::owner_exec, fs::perms::none);
}

TEST_F(SlurmScript, SubmissionReturnsTheJobIdSbatchPrints) {
  // The fake records its arguments, so the test sees how sbatch was called.
  fake_sbatch("printf '%s\\n' \"$@\" > " + (dir_ / "arguments").string() + "\necho '4711;cluster'");
  EXPECT_EQ(submit_slurm_array(dir_ / "job.sh"), "4711");
  EXPECT_EQ(test::read_file(dir_ / "arguments"),
            "--parsable\n" + (dir_ / "job.sh").string() + "\n");
}

TEST_F(SlurmScript, AFailedSubmissionSaysWhatSbatchSaid) {
  fake_sbatch("echo 'sbatch: error: invalid partition specified: gpu' >&2\nexit 1");
  try {
    submit_slurm_array(dir_ / "job.sh");
    FAIL() << "no exception";
  } catch (const InvalidInput& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("invalid partition specified: gpu"), std::string::npos) << message;
    EXPECT_NE(message.find("exit status 1"), std::string::npos) << message;
  }
  fake_sbatch("echo 'Submitted batch job 12'");  // not --parsable output
  EXPECT_THROW(submit_slurm_array(dir_ / "job.sh"), InvalidInput);
}

TEST_F(SlurmScript, WithoutSbatchSubmissionAsksWhetherSlurmIsInstalled) {
  fs::create_directories(dir_ / "empty");
  ::setenv("PATH", (dir_ / "empty").c_str(), 1);
  try {
    submit_slurm_array(dir_ / "job.sh");
    FAIL() << "no exception";
  } catch (const InvalidInput& e) {
    EXPECT_STREQ(e.what(), "--slurm: sbatch not found: is SLURM installed?");
  }
}

}  // namespace
}  // namespace cardinal
