#include "cardinal/experiments/commands/commands.hpp"

#include "cardinal/experiments/network_module.hpp"

namespace cardinal {

const std::vector<Command>& all_commands() {
  static const std::vector<Command> all = [] {
    std::vector<Command> commands = {
        {"solve", "run a sparsity-constrained solver on a convex problem or a network",
         solve_command, solve_command_options},
        {"bounds", "check a solver run against its convergence bounds", bounds_command,
         bounds_command_options},
        {"phase-transition", "recovery probability over a (delta, rho) grid, Donoho-Tanner curve",
         phase_transition_command, phase_transition_command_options},
    };
    for (Command& c : network_commands()) commands.push_back(std::move(c));
    commands.push_back({"experiment",
                        "run or list the named experiment definitions (sweeps, SLURM)",
                        experiment_command, nullptr, /*reads_every_command=*/true});
    commands.push_back({"runs", "the run store's index: list, show, export to CSV", runs_command});
    // plot and report resolve the runs of an experiment's variant, as `experiment` does.
    commands.push_back({"plot", "an experiment's figures from its run store (PNG, SVG, CSV)",
                        plot_command, nullptr, /*reads_every_command=*/true});
    commands.push_back({"report", "an experiment's report (Markdown and self-contained HTML)",
                        report_command, nullptr, /*reads_every_command=*/true});
    return commands;
  }();
  return all;
}

const Command* find_command(const std::string& name) {
  for (const Command& c : all_commands())
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace cardinal
