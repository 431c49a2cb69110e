#pragma once

#include <string>
#include <vector>

namespace cardinal {

/// `cardinal solve`: a sparsity-constrained solver on a convex problem.
int solve_command(const std::vector<std::string>& args);

}  // namespace cardinal
