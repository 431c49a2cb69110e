#pragma once

#include <string>
#include <vector>

namespace cardinal {

/// `cardinal solve`: a sparsity-constrained solver on a convex problem.
int solve_command(const std::vector<std::string>& args);

/// `cardinal bounds`: a solver run checked against the convergence theorems that cover it.
/// Exit status 3 when a bound whose assumptions hold is violated.
int bounds_command(const std::vector<std::string>& args);

/// `cardinal phase-transition`: empirical recovery probabilities over a (δ, ρ) grid, with the
/// Donoho–Tanner ℓ1 curve; resumable.
int phase_transition_command(const std::vector<std::string>& args);

#ifdef CARDINAL_WITH_TORCH
/// `cardinal lottery`: lottery-ticket experiments (IMP with reset or rewinding, one-shot
/// pruning, fine-tuning, learning-rate rewinding, controls) on a network; stored and resumable.
int lottery_command(const std::vector<std::string>& args);
#endif

}  // namespace cardinal
