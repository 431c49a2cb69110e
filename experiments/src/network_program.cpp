// Handing a request to `cardinal-network` (network_module.hpp).
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "cardinal/experiments/network_module.hpp"
#include "cardinal/experiments/sweeps/experiment_runner.hpp"

namespace cardinal {
namespace {

std::filesystem::path network_program() {
  return current_executable().parent_path() / "cardinal-network";
}

}  // namespace

bool network_program_available() {
  return ::access(network_program().c_str(), X_OK) == 0;
}

int hand_to_network_program(const std::string& command, const std::vector<std::string>& args) {
  const std::filesystem::path program = network_program();
  if (!network_program_available()) {
    std::cerr << "cardinal " << command << ": needs the network module, and " << program.string()
              << " is missing (configure cardinal with LibTorch: -DCARDINAL_WITH_TORCH=ON)\n";
    return kExitInvalidInput;
  }
  std::vector<std::string> words = {program.string(), command};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  std::cout.flush();
  std::cerr.flush();
  ::execv(program.c_str(), argv.data());
  std::cerr << "cardinal " << command << ": cannot run " << program.string() << ": "
            << std::strerror(errno) << '\n';
  return 1;
}

}  // namespace cardinal
