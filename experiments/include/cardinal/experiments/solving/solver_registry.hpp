#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/solver.hpp"
#include "cardinal/bridge/sparsity_schedule.hpp"
#include "cardinal/convex/covariance_rows.hpp"
#include "cardinal/convex/glm_problem.hpp"
#include "cardinal/convex/solvers/l1_path.hpp"
#include "cardinal/convex/solvers/orthogonal_matching_pursuit.hpp"
#include "cardinal/experiments/solving/solver_traits.hpp"
#include "cardinal/solvers/compressive_sampling_matching_pursuit.hpp"
#include "cardinal/solvers/dynamic_hard_thresholding.hpp"
#include "cardinal/solvers/dynamic_sparse_training.hpp"
#include "cardinal/solvers/forward_greedy_selection.hpp"
#include "cardinal/solvers/fully_corrective_greedy.hpp"
#include "cardinal/solvers/gradient_support_pursuit.hpp"
#include "cardinal/solvers/hard_thresholding_pursuit.hpp"
#include "cardinal/solvers/iterative_hard_thresholding.hpp"
#include "cardinal/solvers/support_splicing.hpp"

namespace cardinal {

/// Settings shared by the solvers that the command line exposes; each solver reads the ones
/// that apply to it.
struct SolverSettings {
  /// max_iterations is also the length T of the dynamic methods (dpf, gmp, acdc).
  StoppingCriteria stopping;
  double step = 0.0;  ///< 0: the solver's default (iht, htp: adaptive; dpf, gmp, acdc need one)
  /// grasp, cosamp: return the restricted minimizer on the final support (false: the paper's
  /// last pruned iterate, as `cardinal bounds` compares with the theorems).
  bool refit = true;
  Index replacement_steps = 0;
  Index max_exchange = 2;  ///< splicing, and --splice
  /// Refine the solver's result by splicing from its support (SupportSplicing::minimize_from);
  /// the trace continues with the splicing rounds.
  bool splice = false;
  Index coordinates_per_step = 1;  ///< fcfgs
  bool reselect = true;            ///< fgs
  bool debias = false;
  Index path_length = 100;
  double min_ratio = 1e-3;
  /// iht: constant, or gradual over [prune_begin · T, prune_end · T] (T = max_iterations).
  SparsityScheduleKind iht_schedule = SparsityScheduleKind::kConstant;
  /// dpf, gmp, acdc.
  double momentum = 0.0;
  Index update_period = 16;
  double prune_begin = 0.0;  ///< dpf, gmp (and gradual iht): fractions of T
  double prune_end = 0.75;
  double drop_fraction = 0.3;  ///< rigl, set: the fraction of the support swapped at first (α)
  std::uint64_t seed = 0;      ///< set: the seed of its random growth
  double acdc_warmup = 0.1;    ///< acdc: fractions of T
  double acdc_phase = 0.05;
  double acdc_final = 0.1;
};

/// Runs solver `name` on any problem of the bridge concepts (a GlmProblem or a network) with
/// sparsity budget k; each solver requires the concepts it is written against.
template <DifferentiableProblem P>
SolverResult<P> run_generic_solver(std::string_view name, const SolverSettings& settings,
                                   const P& problem, Index k) {
  const SolverEntry& entry = find_solver(name);
  const StoppingCriteria& stopping = settings.stopping;
  const Index t = stopping.max_iterations;
  auto fraction_of_run = [t](double f) {
    return static_cast<Index>(std::llround(f * static_cast<double>(t)));
  };
  if (entry.traits.step == StepUse::kRequired)
    require(settings.step > 0.0, "--solver " + std::string(name) + " needs a --step > 0");
  const SolverId id = entry.id;
  if constexpr (RestrictedProblem<P>) {
    if (id == SolverId::kFcfgs)
      return FullyCorrectiveGreedy({.stopping = stopping,
                                    .replacement_steps = settings.replacement_steps,
                                    .coordinates_per_step = settings.coordinates_per_step})
          .minimize(problem, k);
    if (id == SolverId::kHtp)
      return HardThresholdingPursuit({.stopping = stopping, .step = settings.step})
          .minimize(problem, k);
    if (id == SolverId::kGrasp)
      return GradientSupportPursuit({.stopping = stopping, .refit = settings.refit})
          .minimize(problem, k);
    if (id == SolverId::kSplicing)
      return SupportSplicing({.stopping = stopping, .max_exchange = settings.max_exchange})
          .minimize(problem, k);
  }
  if constexpr (LineSearchProblem<P>) {
    if (id == SolverId::kFgs)
      return ForwardGreedySelection({.stopping = stopping, .reselect = settings.reselect})
          .minimize(problem, k);
  }
  if (id == SolverId::kIht || id == SolverId::kNiht) {
    IterativeHardThresholdingOptions options{
        .stopping = stopping, .step = settings.step, .normalized = id == SolverId::kNiht};
    if (settings.iht_schedule == SparsityScheduleKind::kGradual)
      options.schedule = SparsitySchedule::gradual(fraction_of_run(settings.prune_begin),
                                                   fraction_of_run(settings.prune_end));
    else
      require(settings.iht_schedule == SparsityScheduleKind::kConstant,
              "--iht-schedule must be constant or gradual");
    return IterativeHardThresholding(options).minimize(problem, k);
  }
  if (id == SolverId::kRigl || id == SolverId::kSet) {
    require(settings.momentum == 0.0,
            "--solver " + std::string(name) + " takes no --solver-momentum");
    return DynamicSparseTraining(
               {.iterations = t,
                .step = settings.step,
                .update_period = settings.update_period,
                .drop_fraction = settings.drop_fraction,
                .end_fraction = settings.prune_end,
                .growth = id == SolverId::kSet ? Growth::kRandom : Growth::kGradient,
                .seed = settings.seed})
        .minimize(problem, k);
  }
  if (entry.traits.trains) {
    DynamicHardThresholdingOptions options =
        id == SolverId::kAcdc
            ? alternating_compressed_decompressed(
                  t, settings.step, std::max<Index>(1, fraction_of_run(settings.acdc_phase)),
                  fraction_of_run(settings.acdc_warmup), fraction_of_run(settings.acdc_final))
        : id == SolverId::kGmp
            ? gradual_magnitude_pruning(t, settings.step, settings.update_period,
                                        settings.prune_begin, settings.prune_end)
            : dynamic_pruning_with_feedback(t, settings.step, settings.update_period,
                                            settings.prune_begin, settings.prune_end);
    options.momentum = settings.momentum;
    return DynamicHardThresholding(options).minimize(problem, k);
  }
  throw InvalidInput("solver '" + std::string(name) + "' is not available for this problem");
}

/// run_solver without the refinement by splicing.
template <class P>
SolverResult<P> run_solver_once(std::string_view name, const SolverSettings& settings,
                                const P& problem, Index k) {
  using Loss = typename P::LossType;
  const SolverEntry& entry = find_solver(name);
  if constexpr (!Loss::kQuadratic) {
    require(entry.traits.scope != SolverScope::kLeastSquaresOnly,
            "solver '" + std::string(name) + "' applies to least squares only (for " +
                std::string(Loss::kName) + " use grasp or fcfgs)");
  }
  if constexpr (requires(const LassoPathSelection& s) { s.minimize(problem, k); }) {
    if (entry.id == SolverId::kLasso) {
      L1PathOptions path;
      path.path_length = settings.path_length;
      path.min_ratio = settings.min_ratio;
      path.stopping = settings.stopping;
      return LassoPathSelection({.path = path, .debias = settings.debias}).minimize(problem, k);
    }
  }
  if constexpr (Loss::kQuadratic) {
    const StoppingCriteria& stopping = settings.stopping;
    if constexpr (requires(const OrthogonalMatchingPursuit& s) { s.minimize(problem, k); }) {
      if (entry.id == SolverId::kOmp)
        return OrthogonalMatchingPursuit({.stopping = stopping}).minimize(problem, k);
    }
    if (entry.id == SolverId::kCosamp)
      return CompressiveSamplingMatchingPursuit({.stopping = stopping, .refit = settings.refit})
          .minimize(problem, k);
  }
  return run_generic_solver(name, settings, problem, k);
}

/// `first` refined by splicing from its support (settings.splice): one result whose trace,
/// iterations and evaluations are those of both runs, and whose stop reason is splicing's.
template <RestrictedProblem P>
SolverResult<P> refine_by_splicing(const SolverSettings& settings, const P& problem, Index k,
                                   SolverResult<P> first) {
  SolverResult<P> spliced =
      SupportSplicing({.stopping = settings.stopping, .max_exchange = settings.max_exchange})
          .minimize_from(problem, first.w, k);
  const double offset = first.trace.rows.empty() ? 0.0 : first.trace.rows.back().seconds;
  for (std::size_t r = 1; r < spliced.trace.rows.size(); ++r) {
    TraceRow row = spliced.trace.rows[r];
    row.iteration += first.iterations;
    row.seconds += offset;
    first.trace.rows.push_back(row);
  }
  first.w = std::move(spliced.w);
  first.support = std::move(spliced.support);
  first.objective = spliced.objective;
  first.iterations += spliced.iterations;
  first.reason = spliced.reason;
  first.message = "then splicing: " + spliced.message;
  first.evaluations += spliced.evaluations;
  return first;
}

/// Runs solver `name` on a convex problem with sparsity budget k: a GlmProblem, or least
/// squares in covariance form (CovarianceProblem; CovarianceRows, the rows of a layer as one
/// problem, where OMP and the l1 path are not available). With settings.splice, the result is
/// refined by splicing from its support.
template <class P>
SolverResult<P> run_solver(std::string_view name, const SolverSettings& settings, const P& problem,
                           Index k) {
  SolverResult<P> result = run_solver_once(name, settings, problem, k);
  if (!settings.splice || find_solver(name).id == SolverId::kSplicing) return result;
  if constexpr (RestrictedProblem<P>)
    return refine_by_splicing(settings, problem, k, std::move(result));
  else
    throw InvalidInput("--splice needs a problem with a restricted solve");
}

}  // namespace cardinal
