#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "cardinal/convex/parallel.hpp"
#include "cardinal/experiments/commands/command_line.hpp"
#include "cardinal/experiments/commands/commands.hpp"
#include "cardinal/experiments/network_module.hpp"

namespace {

void print_usage(std::ostream& out) {
  out << "Usage: cardinal COMMAND [options]    (cardinal COMMAND --help for its options)\n\n"
         "Commands:\n";
  std::size_t width = 0;
  for (const auto& c : cardinal::all_commands()) width = std::max(width, c.name.size());
  for (const auto& c : cardinal::all_commands())
    out << "  " << c.name << std::string(width + 2 - c.name.size(), ' ') << c.summary << '\n';
}

/// The thread count CARDINAL_NUM_THREADS asks for: a positive integer, else 0 (every hardware
/// thread).
int threads_from_environment() {
  const char* text = std::getenv("CARDINAL_NUM_THREADS");
  if (text == nullptr) return 0;
  char* end = nullptr;
  errno = 0;
  const long wanted = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || errno != 0 || wanted <= 0) return 0;
  return static_cast<int>(std::min(wanted, 256L));
}

}  // namespace

int main(int argc, char** argv) {
  cardinal::set_configured_threads(threads_from_environment());
  if (argc < 2) {
    print_usage(std::cerr);
    return cardinal::kExitInvalidInput;
  }
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_usage(std::cout);
    return 0;
  }
  const std::vector<std::string> args(argv + 2, argv + argc);
  if (const cardinal::Command* c = cardinal::find_command(name)) {
    if (c->reads_every_command && !cardinal::network_module_linked() &&
        cardinal::network_program_available())
      return cardinal::hand_to_network_program(name, args);
    return c->run(args);
  }
  std::cerr << "cardinal: unknown command '" << cardinal::printable(name) << "'\n\n";
  print_usage(std::cerr);
  return cardinal::kExitInvalidInput;
}
