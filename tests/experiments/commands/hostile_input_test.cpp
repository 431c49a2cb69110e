// The `cardinal` program on input no one should give it: results are never lost, nothing is left
// behind, and every invalid input is refused with exit status 2 and a message naming it.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "experiments/command_runner.hpp"

extern char** environ;

namespace cardinal {
namespace {
namespace fs = std::filesystem;
using test::CommandResult;

const std::string kQuickSolve =
    "solve --problem least-squares --synthetic --samples 40 --dimension 30 --planted 3 --seed 2 "
    "--solver omp --sparsity 3 --quiet ";
/// A solve that runs until it is stopped: IHT with no convergence test on a large instance.
const std::vector<std::string> kEndlessSolve = {"solve",
                                                "--problem",
                                                "least-squares",
                                                "--synthetic",
                                                "--samples",
                                                "400",
                                                "--dimension",
                                                "4000",
                                                "--planted",
                                                "20",
                                                "--solver",
                                                "iht",
                                                "--sparsity",
                                                "20",
                                                "--relative-decrease",
                                                "0",
                                                "--step-tolerance",
                                                "0",
                                                "--max-iterations",
                                                "100000000",
                                                "--quiet"};

class HostileInput : public test::ScratchTest {
 protected:
  HostileInput() : ScratchTest("hostile", false) {}

  static CommandResult run(const std::string& args) { return test::run_cardinal(args); }

  /// Expects exit status 2 and a message holding every one of `parts`.
  static void expect_refused(const std::string& args, const std::vector<std::string>& parts) {
    const CommandResult r = run(args);
    EXPECT_EQ(r.status, 2) << args << "\n" << r.output;
    for (const std::string& part : parts)
      EXPECT_NE(r.output.find(part), std::string::npos) << "'" << part << "' not in: " << r.output;
  }

  /// The hidden siblings (staging, retired, partial files) in the scratch directory.
  std::vector<std::string> hidden_entries() const {
    std::vector<std::string> out;
    for (const auto& entry : fs::directory_iterator(dir_))
      if (entry.path().filename().string().starts_with(".")) out.push_back(entry.path().string());
    return out;
  }

  /// Starts `cardinal kEndlessSolve --output out` and waits until its staging directory exists.
  pid_t start_endless_solve(const std::string& output) {
    std::vector<std::string> args = {CARDINAL_BINARY};
    args.insert(args.end(), kEndlessSolve.begin(), kEndlessSolve.end());
    args.push_back("--output");
    args.push_back(output);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    EXPECT_EQ(posix_spawn(&pid, CARDINAL_BINARY, nullptr, nullptr, argv.data(), environ), 0);
    for (int i = 0; i < 6000 && hidden_entries().empty(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(hidden_entries().size(), 1u) << "no staging directory appeared";
    return pid;
  }
};

TEST_F(HostileInput, AnOutputWithATrailingSlashKeepsTheResults) {
  for (const std::string command : {"solve", "bounds"}) {
    const std::string output = out(command) + "/";
    const std::string args =
        command == "solve" ? kQuickSolve : kQuickSolve.substr(5) + " --no-plot";
    const CommandResult first = run(command + " " + args + " --output " + output);
    ASSERT_EQ(first.status, 0) << first.output;
    EXPECT_TRUE(fs::is_regular_file(out(command) + "/trace.csv")) << command;
    const CommandResult again = run(command + " " + args + " --overwrite --output " + output);
    EXPECT_EQ(again.status, 0) << again.output;
    EXPECT_TRUE(fs::is_regular_file(out(command) + "/trace.csv")) << command;
  }
  EXPECT_TRUE(hidden_entries().empty());
}

TEST_F(HostileInput, OverwriteNeverReplacesAFileWithADirectory) {
  std::ofstream(out("results")) << "keep me\n";
  expect_refused(kQuickSolve + "--overwrite --output " + out("results"),
                 {out("results"), "not a directory"});
  EXPECT_EQ(test::read_file(out("results")), "keep me\n");
  for (const std::string dot : {"/.", "/./", "/..", "/sub/.."})
    expect_refused(kQuickSolve + "--overwrite --output " + dir_.string() + dot,
                   {"names no directory"});
  EXPECT_TRUE(fs::is_regular_file(out("results")));
  EXPECT_TRUE(hidden_entries().empty());
}

TEST_F(HostileInput, AnInterruptedSolveRemovesItsStagingDirectory) {
  for (const int signal : {SIGTERM, SIGINT}) {
    const pid_t pid = start_endless_solve(out("interrupted"));
    ASSERT_EQ(kill(pid, signal), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == signal) << status;
    EXPECT_TRUE(hidden_entries().empty()) << hidden_entries().front();
    EXPECT_FALSE(fs::exists(out("interrupted")));
  }
}

TEST_F(HostileInput, TheNextRunRemovesTheStagingDirectoryOfAKilledOne) {
  const pid_t pid = start_endless_solve(out("killed"));
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_EQ(hidden_entries().size(), 1u);  // SIGKILL cannot be caught
  const CommandResult r = run(kQuickSolve + "--output " + out("killed"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(hidden_entries().empty());
}

TEST_F(HostileInput, ConfigAndDefinitionsMustBeFilesAndFoldersThatExist) {
  expect_refused(kQuickSolve + "--output " + out("o") + " --config " + dir_.string(),
                 {dir_.string(), "is a directory"});
  expect_refused(kQuickSolve + "--output " + out("o") + " --config /dev/zero",
                 {"/dev/zero", "not a regular file"});
  expect_refused(kQuickSolve + "--output " + out("o") + " --config " + out("absent"),
                 {out("absent"), "no such file"});
  expect_refused("experiment show convex-smoke --definitions " + out("absent"),
                 {"--definitions", out("absent")});
  expect_refused("experiment list --definitions " + out("absent"),
                 {"--definitions", out("absent")});
  EXPECT_FALSE(fs::exists(out("o")));
}

TEST_F(HostileInput, DataMustBeARegularFileWithinTheMemoryLimit) {
  const std::string solve =
      "solve --problem least-squares --solver omp --sparsity 1 --output " + out("o") + " --data ";
  expect_refused(solve + "/dev/zero", {"/dev/zero", "not a regular file"});
  ASSERT_EQ(mkfifo(out("fifo").c_str(), 0600), 0);
  expect_refused(solve + out("fifo"), {out("fifo"), "not a regular file"});
  expect_refused(solve + dir_.string(), {dir_.string(), "is a directory"});

  std::ofstream(out("wide.svm")) << "1 1:1\n-1 1000000:1\n";
  expect_refused(solve + out("wide.svm") + " --max-memory 1M",
                 {out("wide.svm"), "1000000", "above the limit of 1.0 MiB (--max-memory)"});
  expect_refused(solve + out("wide.svm") + " --max-memory 10", {"reading", "10 B"});
  expect_refused(solve + out("wide.svm") + " --max-memory lots", {"--max-memory", "'lots'"});
  std::ofstream(out("huge.svm")) << "1 1:1\n-1 1000000000:1\n";
  expect_refused(solve + out("huge.svm") + " --max-memory 4G", {out("huge.svm"), "GiB"});
  expect_refused(solve + out("wide.svm") + " --features 100000000000", {"--max-memory"});
  EXPECT_FALSE(fs::exists(out("o")));
}

TEST_F(HostileInput, EveryInvalidNumberNamesTheOptionAndTheValue) {
  std::ofstream(out("small.csv")) << "a,b,y\n1,2,3\n4,5,6\n7,8,10\n";
  const std::string csv = "solve --problem least-squares --solver omp --sparsity 1 --output " +
                          out("o") + " --data " + out("small.csv") + " --label-column ";
  expect_refused(csv + "99999999999999999999999", {"--label-column", "'99999999999999999999999'"});
  expect_refused(csv + "''", {"--label-column", "empty"});
  for (const auto& [option, value] : std::vector<std::pair<std::string, std::string>>{
           {"--sparsity", "1e300"},
           {"--relative-decrease", "nan"},
           {"--max-iterations", "99999999999999999999"},
           {"--seed", "-1"}}) {
    const std::string args = "solve --problem least-squares --synthetic --solver omp --output " +
                             out("o") + " " + (option == "--sparsity" ? "" : "--sparsity 3 ") +
                             option + "=" + value;
    expect_refused(args, {option, "'" + value + "'"});
  }
  // 1e-400 is a decimal too small for a double: it reads as zero (documented), a valid tolerance.
  const CommandResult tiny = run(kQuickSolve + "--objective-level 1e-400 --output " + out("tiny"));
  EXPECT_EQ(tiny.status, 0) << tiny.output;
  EXPECT_FALSE(fs::exists(out("o")));
}

TEST_F(HostileInput, MessagesEscapeControlAndInvalidBytes) {
  const CommandResult r = run(
      "solve --problem \"$(printf 'le\\001ast\\377\\376')\" --synthetic --solver omp --sparsity 3");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("le\\x01ast\\xff\\xfe"), std::string::npos) << r.output;
  const CommandResult unknown = run("\"$(printf '\\033[31mred')\"");
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.output.find("\\x1b[31mred"), std::string::npos) << unknown.output;
  EXPECT_EQ(unknown.output.find('\x1b'), std::string::npos);
}

TEST_F(HostileInput, SweepsAndThreadsAreBounded) {
  expect_refused("experiment run convex-smoke --threads-per-run 100000 --dry-run",
                 {"--threads-per-run", "'100000'"});
  expect_refused("experiment run convex-smoke --jobs 100000 --dry-run", {"--jobs", "'100000'"});
  std::string axis = "[0";
  for (int i = 1; i < 1000; ++i) axis += "," + std::to_string(i);
  axis += "]";
  fs::create_directories(dir_ / "definitions");
  std::ofstream(dir_ / "definitions" / "vast.json")
      << R"({"name": "vast", "version": 1, "title": "t", "arms": [{"label": "a", "command": "solve"}],
            "sweep": {"seed": )"
      << axis << R"(, "samples": )" << axis
      << R"(}, "variants": {"quick": {}}, "default_variant": "quick"})";
  expect_refused("experiment show vast --definitions " + out("definitions"),
                 {"vast.json", "1000000 runs", "100000"});
}

TEST_F(HostileInput, ExperimentShowLeavesNoStoreBehind) {
  const std::string show = "cd " + dir_.string() + " && " + std::string(CARDINAL_BINARY) +
                           " experiment show convex-smoke > /dev/null 2>&1";
  ASSERT_EQ(std::system(show.c_str()), 0);
  EXPECT_FALSE(fs::exists(dir_ / "cardinal-runs")) << "experiment show created a run store";
}

TEST_F(HostileInput, DefinitionsWithDuplicateArmsOrAnUnknownPlotAreRefused) {
  const std::string definition = R"({"name": "broken", "version": 1, "title": "t",
    "arms": [{"label": "a", "command": "solve"}, {"label": "a", "command": "solve"}],
    "variants": {"quick": {}}, "default_variant": "quick"})";
  fs::create_directories(dir_ / "definitions");
  std::ofstream(dir_ / "definitions" / "broken.json") << definition;
  expect_refused("experiment show broken --definitions " + out("definitions"),
                 {"broken.json", "\"a\"", "twice"});
  std::ofstream(dir_ / "definitions" / "broken.json") << R"({"name": "broken", "version": 1,
    "title": "t", "arms": [{"label": "a", "command": "solve"}], "plot": "pie",
    "variants": {"quick": {}}, "default_variant": "quick"})";
  expect_refused("experiment show broken --definitions " + out("definitions"),
                 {"broken.json", "plot kind \"pie\""});
}

}  // namespace
}  // namespace cardinal
