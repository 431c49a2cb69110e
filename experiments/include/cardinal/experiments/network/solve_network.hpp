#pragma once

#include <boost/program_options.hpp>

namespace cardinal {

/// The options `cardinal solve --problem network` adds to the convex ones: the network and data
/// set, how a restricted solve trains ("Training"), the device, and how the network is seen as
/// a problem ("Network problem": --gradient-batch-size, --dense-layers, --pruning-scope,
/// --granularity, --start-density).
boost::program_options::options_description network_problem_options();

/// `cardinal solve --problem network`: the solver of --solver, the same code that runs on a
/// convex problem, on a NetworkProblem. Writes trace.csv (the convex columns), solution.json,
/// mask.mask and weights.snapshot into the output directory.
int solve_network(const boost::program_options::variables_map& values);

}  // namespace cardinal
