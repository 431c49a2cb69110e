#pragma once

#include <boost/program_options/options_description.hpp>
#include <string>
#include <vector>

#include "cardinal/experiments/commands/command_line.hpp"

namespace cardinal {

/// `cardinal solve`: a sparsity-constrained solver on a convex problem.
int solve_command(const std::vector<std::string>& args);

/// `cardinal bounds`: a solver run checked against the convergence theorems that cover it.
/// Exit status 3 when a bound whose assumptions hold is violated.
int bounds_command(const std::vector<std::string>& args);

/// `cardinal phase-transition`: empirical recovery probabilities over a (δ, ρ) grid, with the
/// Donoho–Tanner ℓ1 curve; resumable.
int phase_transition_command(const std::vector<std::string>& args);

/// `cardinal experiment`: named, versioned experiment definitions run as sweeps (local processes
/// or a SLURM job array) into a run store.
int experiment_command(const std::vector<std::string>& args);

/// `cardinal runs`: the run store's index (list, show, export to CSV).
int runs_command(const std::vector<std::string>& args);

/// `cardinal plot`: an experiment's figures (PNG, SVG and the CSV they draw) from its run store.
int plot_command(const std::vector<std::string>& args);

/// `cardinal report`: an experiment's definition, runs, results and figures as report.md and a
/// self-contained report.html.
int report_command(const std::vector<std::string>& args);

/// The options of the commands an experiment definition can run (they resolve a run's
/// settings, defaults included, for its hash).
boost::program_options::options_description solve_command_options();
boost::program_options::options_description bounds_command_options();
boost::program_options::options_description phase_transition_command_options();

// The network commands, defined by the network module (network_module.hpp).
boost::program_options::options_description lottery_command_options();
boost::program_options::options_description supermask_command_options();
boost::program_options::options_description prune_command_options();

/// `cardinal lottery`: lottery-ticket experiments (IMP with reset or rewinding, one-shot
/// pruning, fine-tuning, learning-rate rewinding, controls) on a network; stored and resumable.
int lottery_command(const std::vector<std::string>& args);

/// `cardinal supermask`: Zhou et al.'s supermasks (criterion masks and learned masks) evaluated
/// on the untrained network.
int supermask_command(const std::vector<std::string>& args);

/// `cardinal prune`: one-shot pruning of a trained network by magnitude, OBS, or the layer-wise
/// reconstruction problems solved by a convex sparse solver.
int prune_command(const std::vector<std::string>& args);

/// Every command of the `cardinal` program, in the order `cardinal --help` lists them.
const std::vector<Command>& all_commands();

/// The command called `name`; nullptr if there is none.
const Command* find_command(const std::string& name);

}  // namespace cardinal
