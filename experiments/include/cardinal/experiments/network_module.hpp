#pragma once

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cardinal/experiments/commands/command_line.hpp"

namespace cardinal {

/// The network half of the `cardinal` program, as its LibTorch-free core sees it.
///
/// Loading LibTorch costs about half a second per process, which a convex run never needs and a
/// script of thousands of small convex runs would pay each time. The program is therefore linked
/// twice from the same core: `cardinal-network` with the network module (every command runs in
/// it), and `cardinal`, the program users call, with a stand-in that hands every network request
/// to `cardinal-network` beside it (execv: same arguments, streams and exit status). Exactly one
/// definition of the functions below is linked into a program: experiments/src/network/ holds the
/// module's, experiments/src/network_stand_in.cpp the stand-in's.

/// Whether this program runs network requests itself.
bool network_module_linked();

/// The network commands (lottery, supermask, ...), in the order `cardinal --help` lists them.
std::vector<Command> network_commands();

/// The options `cardinal solve --problem network` adds to the convex ones (the stand-in's are
/// empty: it hands such a request on before parsing).
boost::program_options::options_description network_problem_options();

/// `cardinal solve --problem network`: `values` parsed from `args`, solve's own arguments.
int solve_network(const boost::program_options::variables_map& values,
                  const std::vector<std::string>& args);

/// The network module's software for run records (LibTorch, the BLAS); empty in the stand-in.
nlohmann::json network_versions();

/// Whether `cardinal-network` exists beside this program.
bool network_program_available();

/// Runs `cardinal-network COMMAND ARGS...` in place of this process (execv), so that output,
/// signals and exit status are the network program's. Returns only on failure: exit status 2
/// after a message naming the missing program (a build without LibTorch), 1 if execv fails.
int hand_to_network_program(const std::string& command, const std::vector<std::string>& args);

}  // namespace cardinal
