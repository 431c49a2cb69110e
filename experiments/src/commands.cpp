#include "cardinal/experiments/commands.hpp"

namespace cardinal {

const std::vector<Command>& all_commands() {
  static const std::vector<Command> all = {
      {"solve", "run a sparsity-constrained solver on a convex problem or a network", solve_command,
       solve_command_options},
      {"bounds", "check a solver run against its convergence bounds", bounds_command,
       bounds_command_options},
      {"phase-transition", "recovery probability over a (delta, rho) grid, Donoho-Tanner curve",
       phase_transition_command, phase_transition_command_options},
#ifdef CARDINAL_WITH_TORCH
      {"lottery", "lottery-ticket experiments on a network (IMP, rewinding, controls)",
       lottery_command, lottery_command_options},
      {"supermask", "Zhou et al. supermasks: mask criteria and learned masks", supermask_command,
       supermask_command_options},
      {"prune", "one-shot pruning of a trained network (magnitude, OBS, layer-wise solvers)",
       prune_command, prune_command_options},
#endif
      {"experiment", "run or list the named experiment definitions (sweeps, SLURM)",
       experiment_command},
      {"runs", "the run store's index: list, show, export to CSV", runs_command},
      {"plot", "an experiment's figures from its run store (PNG, SVG, CSV)", plot_command},
      {"report", "an experiment's report (Markdown and self-contained HTML)", report_command},
  };
  return all;
}

const Command* find_command(const std::string& name) {
  for (const Command& c : all_commands())
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace cardinal
