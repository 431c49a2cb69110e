#pragma once

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "cardinal/bridge/index.hpp"
#include "cardinal/nonconvex/pruning/network_pruner.hpp"

namespace cardinal {

/// Where the non-greedy solvers start on the Fisher model (`--start`): from zero, or from its
/// center's k largest entries (the trained weights pruned by magnitude; bridge/starting_at.hpp
/// says why).
enum class FisherStart { kZero, kMagnitude };

FisherStart parse_fisher_start(const std::string& name);

/// Sets the row, layer and Fisher solvers of `options` to the registry's solver `name`, capped at
/// `max_iterations` (greedy solvers: at least 4k, and no early stop on the objective, so that they
/// select exactly the budget). Throws InvalidInput for an unknown solver or one that trains a
/// network, and for a greedy solver with FisherStart::kMagnitude (its budget would be full before
/// it selects anything). The layer solver throws for a solver that solves one row at a time. With
/// `splice`, every solution is refined by splicing from its support (exchanges of up to
/// `max_exchange` coordinates, at most max_iterations of them), and so are OBS's rows
/// (options.refine_row).
/// `flag` names the solver in messages.
void set_pruning_solvers(OneShotPruningOptions& options, const std::string& name,
                         Index max_iterations, bool splice = false, Index max_exchange = 2,
                         FisherStart fisher_start = FisherStart::kZero,
                         const std::string& flag = "--solver");

/// The one-shot pruning that `cardinal prune`'s flags describe (--sparsity, --method, --solver,
/// --allocation, --budget, --calibration-inputs, --ridge, --max-patches, --max-iterations,
/// --woodfisher-steps, --start, parsed with prune_command_options()), checked as the command checks
/// them: InvalidInput naming the flag. The Python module parses its keywords into the same options.
OneShotPruningOptions parse_one_shot_pruning(const boost::program_options::variables_map& values);

/// "Pruning step": --pruner magnitude|layerwise|obs and the convex pruner's options
/// (--pruner-solver, --calibration, --calibration-inputs, --pruner-ridge, --pruner-iterations),
/// the same in `cardinal lottery` and `cardinal solve --problem network`. The command has
/// --splice and --max-exchange of its own, which refine the layer-wise and OBS pruners' solutions.
boost::program_options::options_description pruning_step_options();

/// The pruning step those flags describe: nullopt for magnitude, whose runs then take none of
/// the pruner's options (InvalidInput naming the first one given), and the settings it adds to
/// a run's summary and hash (null for magnitude, so that magnitude runs keep theirs).
std::pair<std::optional<PruningStep>, nlohmann::json> parse_pruning_step(
    const boost::program_options::variables_map& values);

}  // namespace cardinal
