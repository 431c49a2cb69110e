// The two programs built from one core (network_module.hpp): `cardinal`, which never loads
// LibTorch and hands network requests on, and `cardinal-network`, which runs them.
#include "cardinal/experiments/network_module.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "cardinal/experiments/commands/commands.hpp"
#include "cardinal/experiments/network_commands.hpp"
#include "experiments/command_runner.hpp"

namespace cardinal {
namespace {

class NetworkModule : public test::ScratchTest {
 protected:
  NetworkModule() : ScratchTest("network-module", true) {}
};

TEST_F(NetworkModule, TheModuleRunsEveryNetworkCommandTheStandInHandsOn) {
  ASSERT_TRUE(network_module_linked());
  const std::vector<Command> commands = network_commands();
  ASSERT_EQ(commands.size(), kNetworkCommandNames.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    EXPECT_EQ(commands[i].name, kNetworkCommandNames[i].name);
    EXPECT_EQ(commands[i].summary, kNetworkCommandNames[i].summary);
    EXPECT_NE(commands[i].options, nullptr) << commands[i].name;  // experiments can run them
    EXPECT_NE(find_command(commands[i].name), nullptr) << commands[i].name;
  }
}

// What the dynamic loader would map for `cardinal` (LD_TRACE_LOADED_OBJECTS, as ldd does).
TEST_F(NetworkModule, TheProgramUsersCallDoesNotLoadLibTorch) {
  const auto objects = test::run_cardinal("", "LD_TRACE_LOADED_OBJECTS=1");
  ASSERT_NE(objects.output.find("libboost_program_options"), std::string::npos) << objects.output;
  EXPECT_EQ(objects.output.find("libtorch"), std::string::npos) << objects.output;
  EXPECT_EQ(objects.output.find("libc10"), std::string::npos) << objects.output;
}

TEST_F(NetworkModule, NetworkRequestsAreHandedOnFromTheCommandLineAndFromConfigFiles) {
  const std::string data =
      " --dataset fashion-mnist --data-dir " CARDINAL_TEST_DATA_DIR
      "/nonconvex/fashion-mnist-gz --batch-size 8 --seed 3 --solver iht --step 0.05 "
      "--sparsity 0.1 --max-iterations 2 -q ";
  const auto flag =
      test::run_cardinal("solve --problem network --model lenet300" + data + "-o " + out("flag"));
  ASSERT_EQ(flag.status, 0) << flag.output;
  {
    std::ofstream config(out("network.cfg"));
    config << "problem = network\n";
  }
  const auto file = test::run_cardinal("solve --config " + out("network.cfg") +
                                       " --model lenet300" + data + "-o " + out("file"));
  ASSERT_EQ(file.status, 0) << file.output;
  EXPECT_EQ(test::read_file(out("flag") + "/mask.mask"),
            test::read_file(out("file") + "/mask.mask"));

  // The network program judges what it is handed: its message and exit status come through.
  const auto bad =
      test::run_cardinal("solve --problem network --model nonesuch" + data + "-o " + out("bad"));
  EXPECT_EQ(bad.status, 2) << bad.output;
  EXPECT_NE(bad.output.find("unknown --model 'nonesuch'"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace cardinal
