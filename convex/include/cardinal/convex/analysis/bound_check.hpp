#pragma once

#include <Eigen/Core>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cardinal/bridge/trace.hpp"
#include "cardinal/convex/analysis/guarantees.hpp"
#include "cardinal/convex/analysis/restricted_constants.hpp"
#include "cardinal/convex/glm_problem.hpp"

namespace cardinal {

/// Which restricted constants `cardinal bounds` computes.
enum class ConstantsChoice {
  kExact,      ///< enumeration; refused (InvalidInput) when C(p, k) is too large
  kCertified,  ///< certified bounds (Gershgorin, interlacing, trace)
  kAuto,       ///< exact where C(p, k) ≤ max_subsets, certified elsewhere
};

/// "exact" | "certified" | "auto"; throws InvalidInput otherwise.
ConstantsChoice parse_constants_choice(std::string_view text);
std::string_view to_string(ConstantsChoice choice);

/// What a theorem's bound sequence bounds.
enum class BoundQuantity {
  kObjectiveGap,  ///< f(w_t) − f(w̄)
  kDistance,      ///< ‖w_t − w*‖₂ over the constrained coordinates
  kNone,          ///< assumptions only, no bound sequence
};

std::string_view to_string(BoundQuantity quantity);

/// One theorem evaluated against one run.
struct TheoremCheck {
  std::string id;  ///< short name, e.g. "foucart"
  BoundQuantity quantity = BoundQuantity::kNone;
  GuaranteeBound guarantee;
  /// Non-empty when the assumptions, unverified by the exact/certified constants, were disproved
  /// by estimated constants (then guarantee.status is kFails): the assumption with the estimates.
  std::string refuted_by_estimate;
  std::vector<Index> rows;        ///< trace rows compared
  std::vector<Index> iterations;  ///< their trace iteration numbers
  std::vector<double> empirical;  ///< the solver's value at those rows
  std::vector<double> bound;      ///< guarantee.bound at those rows
  BoundComparison comparison;     ///< empirical vs bound (computed whatever the status)
  std::vector<bool> exceeded;     ///< per compared row: the bound is exceeded beyond the slack

  /// The bound is implied by the theorem: assumptions proved with exact or certified constants.
  bool applicable() const { return guarantee.guaranteed(); }
  /// Rows where an applicable bound is exceeded (none when not applicable).
  std::vector<BoundViolation> violations() const;
};

/// Compares empirical[i] (trace row rows[i]) with guarantee.bound[rows[i]]. Rows beyond the bound
/// sequence are dropped.
TheoremCheck check_theorem(std::string id, BoundQuantity quantity, GuaranteeBound guarantee,
                           std::vector<Index> rows, std::vector<Index> iterations,
                           std::vector<double> empirical, const BoundCheckOptions& options = {});

/// The theorems check_bounds knows, by id (docs/theory.md §5): "ssz-sublinear", "ssz-linear"
/// (fully corrective greedy selection), "blumensath-davies", "iht-contraction",
/// "jain-tewari-kar" (IHT), "foucart" (HTP), "needell-tropp", "bahmani-raj-boufounos" (CoSaMP,
/// GraSP). A solver registry lists, per solver, which of them cover it.
std::span<const std::string_view> checked_theorems();

/// A finished solver run, as the bound checker sees it.
struct BoundsRun {
  std::string solver;  ///< its name, for messages
  /// The theorems that cover the solver (ids of checked_theorems(), or others, which are listed
  /// as not covered with `theorems_missing` as the reason); none: no guarantee implemented.
  std::vector<std::string> theorems;
  std::string theorems_missing;
  /// The coordinates each step of fully corrective greedy selection adds (m): the linear rate
  /// needs its constants on the support grown to (T − 1)·m + ‖w̄‖₀.
  Index coordinates_per_step = 1;
  Index sparsity = 0;
  /// The step μ of iht/htp as the solver used it (its default 1/L resolved); 0 otherwise.
  double step = 0.0;
  Trace trace;
  /// The iterate w_t (full parameter vector) of trace row t. Called only for the rows that need
  /// it (distance theorems; the region of logistic constants), each row at most once.
  std::function<Eigen::VectorXd(Index row)> iterate;
  /// Distance theorems compare the first `tracked_rows` rows and the last one (the iterates are
  /// usually re-computed by re-running the solver, O(tracked_rows²) iterations).
  Index tracked_rows = 100;
};

/// A reference point: w̄ for objective gaps, w* for distances.
struct BoundsReference {
  Eigen::VectorXd point;  ///< full parameter vector (intercept last when present)
  std::string kind;       ///< how it was chosen, e.g. "planted vector"
};

struct BoundsOptions {
  ConstantsChoice constants = ConstantsChoice::kAuto;
  RestrictedConstantsOptions restricted;
};

/// Everything `cardinal bounds` reports about one run.
struct BoundsReport {
  struct NotCovered {
    std::string theorem;
    std::string reason;
  };
  std::vector<TheoremCheck> checks;
  std::vector<NotCovered> not_covered;
  /// The constants used (exact or certified), and the estimates used to disprove assumptions.
  std::vector<RestrictedConstants> constants, estimates;
  std::vector<std::string> notes;
  BoundsReference reference, target;
  double reference_objective = 0.0;
  Index tracked_rows = 0;

  /// Violations of applicable theorems, over all checks.
  Index violation_count() const;
};

/// Evaluates every theorem of `run.theorems` on this problem (docs/theory.md §5):
/// Shalev-Shwartz–Srebro–Zhang sublinear and linear rates on f(w_t) − f(w̄) (fcfgs, omp);
/// Blumensath–Davies (least squares), restricted contraction, Jain–Tewari–Kar (assumptions) for
/// iht; Foucart (least squares) for htp; Needell–Tropp and Bahmani–Raj–Boufounos (least squares)
/// for cosamp and grasp. Others, and distance theorems with an intercept, are listed as not
/// covered. Constants are computed at the levels the theorems need (capped at p).
BoundsReport check_bounds(const LeastSquaresProblem& problem, const BoundsRun& run,
                          const BoundsReference& reference, const BoundsReference& target,
                          const BoundsOptions& options = {});
/// Logistic regression: constants are the certified uniform ones (σ' ≤ 1/4 for smoothness; a
/// region holding the compared iterates and the reference for strong convexity).
BoundsReport check_bounds(const LogisticProblem& problem, const BoundsRun& run,
                          const BoundsReference& reference, const BoundsReference& target,
                          const BoundsOptions& options = {});

/// bounds.csv: `iteration,theorem,empirical,bound,ratio,violated,applicable`, one row per
/// compared row of every theorem with a bound sequence.
std::string bounds_csv(const BoundsReport& report);

/// One "VIOLATION: ..." line per violated applicable bound (at most `per_theorem` rows each).
std::string violation_messages(const BoundsReport& report, Index per_theorem = 5);

}  // namespace cardinal
