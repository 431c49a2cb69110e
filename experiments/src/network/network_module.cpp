// The network module's side of network_module.hpp, linked into `cardinal-network` and the tests.
#include "cardinal/experiments/network_module.hpp"

#include <torch/version.h>

#include "cardinal/experiments/commands/commands.hpp"
#include "cardinal/experiments/network_commands.hpp"
#include "cardinal/nonconvex/training/blas_backend.hpp"

namespace cardinal {

bool network_module_linked() {
  return true;
}

std::vector<Command> network_commands() {
  return {
      {kLotteryCommand.name, kLotteryCommand.summary, lottery_command, lottery_command_options},
      {kSupermaskCommand.name, kSupermaskCommand.summary, supermask_command,
       supermask_command_options},
      {kPruneCommand.name, kPruneCommand.summary, prune_command, prune_command_options},
  };
}

nlohmann::json network_versions() {
  return {{"libtorch", TORCH_VERSION}, {"blas", blas_backend().describe()}};
}

}  // namespace cardinal
