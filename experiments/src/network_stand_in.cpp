// The stand-in for the network module in the `cardinal` program: every network request is
// handed to `cardinal-network` (see network_module.hpp).
#include <stdexcept>

#include "cardinal/experiments/network_commands.hpp"
#include "cardinal/experiments/network_module.hpp"

namespace cardinal {

bool network_module_linked() {
  return false;
}

std::vector<Command> network_commands() {
  std::vector<Command> commands;
  for (const CommandName& c : kNetworkCommandNames) {
    const std::string name = c.name;
    commands.push_back({name, c.summary, [name](const std::vector<std::string>& args) {
                          return hand_to_network_program(name, args);
                        }});
  }
  return commands;
}

boost::program_options::options_description network_problem_options() {
  return boost::program_options::options_description(
      "Network problem (cardinal solve --problem network --help lists its options)");
}

int solve_network(const boost::program_options::variables_map&,
                  const std::vector<std::string>& args) {
  return hand_to_network_program("solve", args);
}

nlohmann::json network_versions() {
  return nlohmann::json::object();
}

}  // namespace cardinal
