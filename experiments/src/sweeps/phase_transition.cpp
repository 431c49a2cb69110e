#include "cardinal/experiments/sweeps/phase_transition.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <mutex>
#include <thread>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/number_text.hpp"
#include "cardinal/bridge/splitmix64.hpp"
#include "cardinal/convex/data/synthetic.hpp"

namespace cardinal {

nlohmann::json PhaseTransitionSettings::to_json() const {
  return {{"dimension", dimension},
          {"deltas", deltas},
          {"rhos", rhos},
          {"trials", trials},
          {"solvers", solvers},
          {"signal", signal},
          {"seed", seed},
          {"max_iterations", solver.stopping.max_iterations},
          {"objective_level", solver.stopping.objective_level},
          {"relative_decrease", solver.stopping.relative_decrease},
          {"step_tolerance", solver.stopping.step_tolerance},
          {"gradient_tolerance", solver.stopping.gradient_tolerance},
          {"path_length", solver.path_length},
          {"min_ratio", solver.min_ratio},
          {"success", "exact support recovery: nonzeros of w equal the planted support"},
          {"instances",
           "make_synthetic: i.i.d. N(0,1) design, noiseless, seed derived by "
           "splitmix64 from (seed, p, n, s, trial)"}};
}

std::vector<PhaseCell> phase_cells(const PhaseTransitionSettings& settings) {
  std::vector<PhaseCell> cells;
  const Index p = settings.dimension;
  for (Index i = 0; i < static_cast<Index>(settings.deltas.size()); ++i) {
    const double delta = settings.deltas[static_cast<std::size_t>(i)];
    const Index n = std::llround(delta * static_cast<double>(p));
    require(n >= 1, "--deltas: delta = " + format_number(delta) +
                        " gives no samples at p = " + std::to_string(p));
    for (Index j = 0; j < static_cast<Index>(settings.rhos.size()); ++j) {
      const Index s = std::max<Index>(
          1, std::llround(settings.rhos[static_cast<std::size_t>(j)] * static_cast<double>(n)));
      cells.push_back({i, j, n, std::min(s, n)});
    }
  }
  return cells;
}

std::uint64_t trial_seed(std::uint64_t base, Index p, Index n, Index s, Index trial) {
  std::uint64_t h = splitmix64(base);
  for (Index x : {p, n, s, trial}) h = splitmix64(h ^ static_cast<std::uint64_t>(x));
  return h;
}

std::vector<Index> cell_successes(const PhaseTransitionSettings& settings, const PhaseCell& cell) {
  std::vector<Index> successes(settings.solvers.size(), 0);
  const Index p = settings.dimension;
  for (Index trial = 0; trial < settings.trials; ++trial) {
    SyntheticSpec spec{.samples = cell.samples,
                       .features = p,
                       .sparsity = cell.sparsity,
                       .correlation = 0.0,
                       .signal = settings.signal,
                       .noise = 0.0,
                       .logistic = false,
                       .seed = trial_seed(settings.seed, p, cell.samples, cell.sparsity, trial)};
    SyntheticInstance instance = make_synthetic(spec);
    const LeastSquaresProblem problem(std::move(instance.design), std::move(instance.response));
    for (std::size_t a = 0; a < settings.solvers.size(); ++a) {
      const auto result = run_solver(settings.solvers[a], settings.solver, problem, cell.sparsity);
      std::vector<Index> nonzeros;
      for (Index j = 0; j < p; ++j)
        if (result.w[j] != 0.0) nonzeros.push_back(j);
      if (nonzeros == instance.support) ++successes[a];
    }
  }
  return successes;
}

nlohmann::json cell_record(const PhaseTransitionSettings& settings, const PhaseCell& cell,
                           const std::vector<Index>& successes) {
  nlohmann::json by_solver = nlohmann::json::object();
  for (std::size_t a = 0; a < settings.solvers.size(); ++a)
    by_solver[settings.solvers[a]] = successes[a];
  return {{"delta_index", cell.delta_index},
          {"rho_index", cell.rho_index},
          {"samples", cell.samples},
          {"sparsity", cell.sparsity},
          {"successes", by_solver}};
}

std::optional<std::vector<Index>> successes_of_record(const PhaseTransitionSettings& settings,
                                                      const std::vector<PhaseCell>& cells,
                                                      const PhaseResults& done,
                                                      const nlohmann::json& record) {
  const std::pair<Index, Index> key{record.at("delta_index").get<Index>(),
                                    record.at("rho_index").get<Index>()};
  const auto deltas = static_cast<Index>(settings.deltas.size());
  const auto rhos = static_cast<Index>(settings.rhos.size());
  if (key.first < 0 || key.first >= deltas || key.second < 0 || key.second >= rhos ||
      done.count(key))
    return std::nullopt;
  const auto cell = cells.begin() + (key.first * rhos + key.second);  // phase_cells' order
  if (record.at("samples").get<Index>() != cell->samples ||
      record.at("sparsity").get<Index>() != cell->sparsity)
    return std::nullopt;
  const nlohmann::json& by_solver = record.at("successes");
  if (by_solver.size() != settings.solvers.size()) return std::nullopt;
  std::vector<Index> successes;
  for (const std::string& name : settings.solvers) {
    const Index count = by_solver.at(name).get<Index>();
    if (count < 0 || count > settings.trials) return std::nullopt;
    successes.push_back(count);
  }
  return successes;
}

void run_phase_cells(const PhaseTransitionSettings& settings,
                     const std::vector<const PhaseCell*>& pending, Index jobs,
                     const std::function<void(const PhaseCell&, std::vector<Index>)>& on_cell) {
  const auto count = static_cast<Index>(pending.size());
  std::atomic<Index> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  std::exception_ptr error;
  auto worker = [&]() {
    while (!failed.load()) {
      const Index i = next.fetch_add(1);
      if (i >= count) return;
      const PhaseCell& cell = *pending[static_cast<std::size_t>(i)];
      try {
        std::vector<Index> successes = cell_successes(settings, cell);
        std::lock_guard lock(mutex);
        on_cell(cell, std::move(successes));
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!error) error = std::current_exception();
        failed = true;
        return;
      }
    }
  };
  std::vector<std::thread> threads;
  const Index workers = std::min<Index>(jobs, std::max<Index>(count, 1));
  for (Index t = 0; t < workers; ++t) threads.emplace_back(worker);
  for (std::thread& t : threads) t.join();
  if (error) std::rethrow_exception(error);
}

std::optional<double> half_crossing(const std::vector<double>& rhos,
                                    const std::vector<double>& probability) {
  if (probability.empty() || probability[0] < 0.5) return std::nullopt;
  for (std::size_t j = 1; j < probability.size(); ++j) {
    if (probability[j] < 0.5) {
      const double a = probability[j - 1], b = probability[j];
      return rhos[j - 1] + (a - 0.5) / (a - b) * (rhos[j] - rhos[j - 1]);
    }
  }
  return std::nullopt;
}

}  // namespace cardinal
