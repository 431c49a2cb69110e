#include "cardinal/convex/analysis/bound_check.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "cardinal/bridge/error.hpp"

namespace cardinal {
namespace {

using Kind = RestrictedConstant::Kind;
using ConstantsAt = std::function<RestrictedConstants(Index)>;
using Builder = std::function<GuaranteeBound(const ConstantsAt&)>;

std::string number(double x) {
  std::ostringstream out;
  out.precision(17);
  out << x;
  return out.str();
}

Index nonzeros(const Eigen::VectorXd& w) {
  return (w.array() != 0.0).count();
}

/// Constants at level k, relabelled when k exceeds p: every support then has all p coordinates,
/// so the constants at p are the ones at k.
RestrictedConstants relabelled(RestrictedConstants c, Index k) {
  if (k > c.k) {
    c.matrix += " (k = " + std::to_string(k) + " exceeds p = " + std::to_string(c.k) +
                ": the constants at k = p)";
    c.k = k;
  }
  return c;
}

/// Where the theorems get their constants from.
class ConstantsSource {
 public:
  virtual ~ConstantsSource() = default;
  /// Exact or certified constants at level k, valid at every point with at most
  /// `point_sparsity` nonzeros in the region (the region matters for logistic regression only).
  virtual RestrictedConstants primary(Index k, Index point_sparsity) = 0;
  /// Whether estimate() is available.
  virtual bool has_estimates() const = 0;
  /// Constants that can disprove assumptions (estimates, or exact values).
  virtual RestrictedConstants estimate(Index k) = 0;
  virtual void report_into(BoundsReport& report) const = 0;
};

class LeastSquaresSource final : public ConstantsSource {
 public:
  LeastSquaresSource(const LeastSquaresProblem& problem, const BoundsOptions& options)
      : h_(curvature_matrix(problem, options.restricted.max_dimension)),
        p_(problem.features()),
        choice_(options.constants),
        options_(options.restricted),
        matrix_(problem.options().intercept
                    ? "H = X_cᵀX_c/n + λ₂I (X centered: the intercept profiled out)"
                    : "H = XᵀX/n + λ₂I") {}

  RestrictedConstants primary(Index k, Index) override {
    const Index level = std::min(k, p_);
    auto it = primary_.find(level);
    if (it == primary_.end()) {
      std::optional<RestrictedConstants> c;
      if (choice_ != ConstantsChoice::kCertified) {
        if (const auto refusal = enumeration_refusal(h_.rows(), level, options_)) {
          if (choice_ == ConstantsChoice::kExact)
            throw InvalidInput(*refusal +
                               " (raise --max-subsets, or use --constants auto or certified)");
          notes_.push_back("k = " + std::to_string(level) + ": exact constants refused (" +
                           *refusal + "; --max-subsets); certified bounds used");
        } else {
          c = exact_restricted_constants(h_, level, options_);
        }
      }
      if (!c) c = certified_restricted_constants(h_, level, options_);
      c->matrix = matrix_;
      it = primary_.emplace(level, std::move(*c)).first;
    }
    return relabelled(it->second, k);
  }

  bool has_estimates() const override { return true; }

  RestrictedConstants estimate(Index k) override {
    const Index level = std::min(k, p_);
    const RestrictedConstants exact_or_certified = primary(k, 0);
    if (exact_or_certified.rsc.kind == Kind::kExact && exact_or_certified.rss.kind == Kind::kExact)
      return exact_or_certified;
    auto it = estimates_.find(level);
    if (it == estimates_.end()) {
      it = estimates_.emplace(level, estimated_restricted_constants(h_, level, options_)).first;
      it->second.matrix = matrix_;
    }
    return relabelled(it->second, k);
  }

  void report_into(BoundsReport& report) const override {
    for (const auto& [k, c] : primary_) report.constants.push_back(c);
    for (const auto& [k, c] : estimates_) report.estimates.push_back(c);
    report.notes.insert(report.notes.end(), notes_.begin(), notes_.end());
  }

 private:
  Eigen::MatrixXd h_;
  Index p_;
  ConstantsChoice choice_;
  RestrictedConstantsOptions options_;
  std::string matrix_;
  std::map<Index, RestrictedConstants> primary_, estimates_;
  std::vector<std::string> notes_;
};

class LogisticSource final : public ConstantsSource {
 public:
  LogisticSource(const LogisticProblem& problem, const BoundsOptions& options)
      : problem_(problem), choice_(options.constants), options_(options.restricted) {
    if (choice_ == ConstantsChoice::kCertified) options_.max_subsets = 0;
  }

  /// The region (radii) the strong-convexity constants must hold over.
  void set_region(const LogisticRegion& region) {
    region_ = region;
    cache_.clear();
  }

  RestrictedConstants primary(Index k, Index point_sparsity) override {
    const Index p = problem_.features();
    const Index level = std::min(k, p);
    const Index points = std::clamp<Index>(point_sparsity, 0, p);
    auto it = cache_.find({level, points});
    if (it == cache_.end()) {
      LogisticRegion region = region_;
      region.support_size = points;
      UniformLogisticConstants u = uniform_restricted_constants(problem_, level, region, options_);
      if (choice_ == ConstantsChoice::kExact)
        require(u.design.rsc.kind == Kind::kExact,
                "exact constants of the design at k = " + std::to_string(level) +
                    " were refused: C(p, k) exceeds --max-subsets (use --constants auto or "
                    "certified)");
      it = cache_.emplace(std::pair{level, points}, std::move(u.constants)).first;
      computed_.push_back(it->second);
    }
    return relabelled(it->second, k);
  }

  /// Estimated constants of the logistic curvature would hold at one point only.
  bool has_estimates() const override { return false; }
  RestrictedConstants estimate(Index) override {
    throw std::logic_error("logistic bounds have no estimated constants");
  }

  void report_into(BoundsReport& report) const override {
    report.constants.insert(report.constants.end(), computed_.begin(), computed_.end());
  }

 private:
  const LogisticProblem& problem_;
  ConstantsChoice choice_;
  RestrictedConstantsOptions options_;
  LogisticRegion region_;
  std::map<std::pair<Index, Index>, RestrictedConstants> cache_;
  std::vector<RestrictedConstants> computed_;
};

/// Evaluates a theorem with the exact/certified constants and, when that leaves its assumptions
/// unverified, tries to disprove them with estimates.
GuaranteeBound evaluate(const Builder& build, ConstantsSource& source, Index point_sparsity,
                        std::string& refuted_by) {
  GuaranteeBound g = build([&](Index k) { return source.primary(k, point_sparsity); });
  if (g.status != AssumptionStatus::kUnverified || !source.has_estimates()) return g;
  const GuaranteeBound e = build([&](Index k) { return source.estimate(k); });
  if (e.status == AssumptionStatus::kFails) {
    g.status = AssumptionStatus::kFails;
    refuted_by = e.assumption;
  }
  return g;
}

/// The smallest ball (about the origin) holding `points`: the region for uniform logistic
/// constants. A ball is convex, so it also holds the segments between the points.
LogisticRegion region_holding(const std::vector<const Eigen::VectorXd*>& points, Index p,
                              bool intercept) {
  LogisticRegion region{.l2_radius = 0.0, .linf_radius = 0.0, .intercept_radius = 0.0};
  for (const Eigen::VectorXd* w : points) {
    region.l2_radius = std::max(region.l2_radius, w->head(p).norm());
    region.linf_radius = std::max(region.linf_radius, w->head(p).lpNorm<Eigen::Infinity>());
    if (intercept) region.intercept_radius = std::max(region.intercept_radius, std::abs((*w)[p]));
  }
  // Rounding in the norms must not leave a point outside.
  constexpr double kWiden = 1.0 + 1e-9;
  region.l2_radius *= kWiden;
  region.linf_radius *= kWiden;
  region.intercept_radius *= kWiden;
  return region;
}

template <class Loss>
BoundsReport check_bounds_impl(const GlmProblem<Loss>& problem, const BoundsRun& run,
                               const BoundsReference& reference, const BoundsReference& target,
                               const BoundsOptions& options) {
  constexpr bool kLeastSquares = Loss::kQuadratic;
  const Index p = problem.features();
  const Index total = problem.space().total_dimension();
  const bool intercept = problem.options().intercept;
  require(!run.trace.rows.empty(), "bounds: the trace has no rows");
  require(run.sparsity >= 1 && run.sparsity <= p, "bounds: the sparsity must lie in [1, p]");
  require(run.tracked_rows >= 1, "bounds: at least one row must be tracked");
  require(reference.point.size() == total && target.point.size() == total,
          "bounds: the reference points have the wrong size");
  auto covers = [&](std::string_view id) {
    return std::find(run.theorems.begin(), run.theorems.end(), id) != run.theorems.end();
  };

  BoundsReport report;
  report.reference = reference;
  report.target = target;
  report.reference_objective = problem.value(reference.point);
  const Index last = static_cast<Index>(run.trace.rows.size()) - 1;
  const Index s = run.sparsity;
  const std::string& solver = run.solver;

  std::map<Index, Eigen::VectorXd> iterates;
  auto iterate = [&](Index row) -> const Eigen::VectorXd& {
    auto it = iterates.find(row);
    if (it == iterates.end()) {
      require(static_cast<bool>(run.iterate), "bounds: the run gives no iterates");
      Eigen::VectorXd w = run.iterate(row);
      require(w.size() == total, "bounds: an iterate has the wrong size");
      it = iterates.emplace(row, std::move(w)).first;
    }
    return it->second;
  };
  auto iteration_numbers = [&](const std::vector<Index>& rows) {
    std::vector<Index> numbers;
    for (Index r : rows) numbers.push_back(run.trace.rows[static_cast<std::size_t>(r)].iteration);
    return numbers;
  };
  auto first_rows = [](Index count) {
    std::vector<Index> rows(static_cast<std::size_t>(count));
    for (Index r = 0; r < count; ++r) rows[static_cast<std::size_t>(r)] = r;
    return rows;
  };

  // Logistic constants hold over a region that must contain the compared iterates, so only
  // the tracked rows are compared there; least-squares constants hold everywhere, and the last
  // row (the result, known without re-running) is compared too.
  const Index tracked = std::min(run.tracked_rows, last + 1);
  report.tracked_rows = tracked;
  std::vector<Index> distance_rows = first_rows(tracked);
  if (kLeastSquares && last >= tracked) distance_rows.push_back(last);
  if (tracked <= last)
    report.notes.push_back("distance theorems compare trace rows 0.." +
                           std::to_string(tracked - 1) +
                           (kLeastSquares ? " and the last row " + std::to_string(last) : "") +
                           " (--tracked-iterations)");

  std::unique_ptr<ConstantsSource> source;
  LogisticSource* logistic_source = nullptr;
  if constexpr (kLeastSquares) {
    source = std::make_unique<LeastSquaresSource>(problem, options);
  } else {
    auto owned = std::make_unique<LogisticSource>(problem, options);
    logistic_source = owned.get();
    source = std::move(owned);
  }
  auto set_region = [&](const std::vector<Index>& rows, const Eigen::VectorXd& anchor) {
    if (logistic_source == nullptr) return;
    std::vector<const Eigen::VectorXd*> points{&anchor};
    for (Index r : rows) points.push_back(&iterate(r));
    logistic_source->set_region(region_holding(points, p, intercept));
  };
  auto add = [&](std::string id, BoundQuantity quantity, const Builder& build, Index point_sparsity,
                 std::vector<Index> rows, std::vector<double> empirical,
                 const BoundCheckOptions& check_options) {
    std::string refuted;
    GuaranteeBound g = evaluate(build, *source, point_sparsity, refuted);
    TheoremCheck check =
        check_theorem(std::move(id), quantity, std::move(g), rows, iteration_numbers(rows),
                      std::move(empirical), check_options);
    check.refuted_by_estimate = std::move(refuted);
    report.checks.push_back(std::move(check));
  };
  auto not_covered = [&](std::string theorem, std::string reason) {
    report.not_covered.push_back({std::move(theorem), std::move(reason)});
  };

  // The objective-gap theorems of fully corrective greedy selection, or the distance theorems of
  // the thresholding and pursuit solvers, whichever run.theorems lists.
  const bool objective_gap = covers("ssz-linear");
  const bool distance =
      covers("iht-contraction") || covers("foucart") || covers("bahmani-raj-boufounos");

  if (objective_gap) {
    const Eigen::VectorXd& w_bar = reference.point;
    const Index reference_sparsity = std::max<Index>(nonzeros(w_bar.head(p)), 1);
    const double l1 = w_bar.head(p).lpNorm<1>();
    const std::vector<double> all_gaps = objective_gaps(run.trace, report.reference_objective);
    const BoundCheckOptions gap_options{
        .relative_slack = 1e-9,
        .absolute_slack =
            (kLeastSquares ? 1e-12 : 1e-9) * std::max(1.0, std::abs(report.reference_objective))};
    const double initial_gap = all_gaps.front();

    add(
        "ssz-sublinear", BoundQuantity::kObjectiveGap,
        [&](const ConstantsAt& at) {
          return fcfgs_sublinear_bound({.coordinate_smoothness = at(1).rss,
                                        .reference_l1_norm = l1,
                                        .initial_gap = initial_gap,
                                        .iterations = last});
        },
        0, first_rows(last + 1), all_gaps, gap_options);

    // The linear rate's last step T needs ρ on supports of size (T − 1)·m + ‖w̄‖₀ along
    // [w_T, w̄], m the coordinates FCFGS adds per step (the support it extends has (T − 1)·m);
    // for logistic regression over a region holding the compared iterates and w̄.
    const Index compared_last = kLeastSquares ? last : tracked - 1;
    const std::vector<Index> rows = first_rows(compared_last + 1);
    set_region(rows, w_bar);
    const Index per_step = std::max<Index>(run.coordinates_per_step, 1);
    const Index level =
        std::min(std::max<Index>(compared_last - 1, 0) * per_step + reference_sparsity, p);
    add(
        "ssz-linear", BoundQuantity::kObjectiveGap,
        [&](const ConstantsAt& at) {
          return fcfgs_linear_bound({.coordinate_smoothness = at(1).rss,
                                     .restricted = at(level),
                                     .reference_sparsity = reference_sparsity,
                                     .dimension = p,
                                     .initial_gap = initial_gap,
                                     .iterations = compared_last});
        },
        level, rows, std::vector<double>(all_gaps.begin(), all_gaps.begin() + (compared_last + 1)),
        gap_options);
  } else if (distance) {
    const Eigen::VectorXd& w_star = target.point;
    const Index target_sparsity = std::max<Index>(nonzeros(w_star.head(p)), 1);
    const bool covered_setting = !intercept && target_sparsity <= s;
    const std::string setting_reason =
        intercept ? "the theorems are stated without an intercept"
                  : "the target has " + std::to_string(target_sparsity) +
                        " nonzeros, more than the sparsity " + std::to_string(s);
    const std::vector<std::string>& theorems = run.theorems;
    if (!covered_setting) {
      for (const std::string& t : theorems) not_covered(t, setting_reason);
    } else {
      const Index compared_last = kLeastSquares ? last : tracked - 1;
      const std::vector<Index> rows = kLeastSquares ? distance_rows : first_rows(tracked);
      std::vector<double> distances;
      for (Index r : rows) distances.push_back((iterate(r).head(p) - w_star.head(p)).norm());
      const double initial_distance = distances.front();
      const double scale = std::max(w_star.head(p).norm(), iterate(0).head(p).norm());
      const BoundCheckOptions distance_options{.relative_slack = 1e-9,
                                               .absolute_slack = 1e-10 * scale};
      Eigen::VectorXd gradient(total);
      problem.value_and_gradient(w_star, gradient);
      const Eigen::VectorXd g = gradient.head(p);
      double residual = 0.0;
      if constexpr (kLeastSquares) residual = least_squares_residual_norm(problem, w_star);
      const double step = run.step;

      if (covers("iht-contraction")) {
        require(step > 0.0, "bounds: the iht step must be resolved");
        if (kLeastSquares) {
          add(
              "blumensath-davies", BoundQuantity::kDistance,
              [&](const ConstantsAt& at) {
                return iht_blumensath_davies_bound({.restricted = at(3 * s),
                                                    .sparsity = s,
                                                    .step = step,
                                                    .initial_distance = initial_distance,
                                                    .residual_norm = residual,
                                                    .iterations = last});
              },
              0, rows, distances, distance_options);
        } else {
          not_covered("blumensath-davies", "stated for least squares");
        }
        set_region(rows, w_star);
        const Index level = 2 * s + target_sparsity;
        const double gradient_norm = largest_entries_norm(g, s + target_sparsity);
        add(
            "iht-contraction", BoundQuantity::kDistance,
            [&](const ConstantsAt& at) {
              return iht_contraction_bound({.restricted = at(level),
                                            .sparsity = s,
                                            .target_sparsity = target_sparsity,
                                            .step = step,
                                            .initial_distance = initial_distance,
                                            .gradient_norm = gradient_norm,
                                            .iterations = compared_last});
            },
            s + target_sparsity, rows, distances, distance_options);
        add(
            "jain-tewari-kar", BoundQuantity::kNone,
            [&](const ConstantsAt& at) {
              return iht_jain_tewari_kar_assumptions({.restricted = at(level),
                                                      .sparsity = s,
                                                      .target_sparsity = target_sparsity,
                                                      .step = step});
            },
            s + target_sparsity, {}, {}, distance_options);
      } else if (!kLeastSquares) {
        for (const std::string& t : theorems)
          not_covered(t, t == "bahmani-raj-boufounos"
                             ? "for logistic regression the constants would have to hold at the "
                               "intermediate restricted solutions, which the trace does not record"
                             : "stated for least squares");
      } else if (covers("foucart")) {
        require(step > 0.0, "bounds: the htp step must be resolved");
        add(
            "foucart", BoundQuantity::kDistance,
            [&](const ConstantsAt& at) {
              return htp_foucart_bound({.restricted_3s = at(3 * s),
                                        .restricted_2s = at(2 * s),
                                        .sparsity = s,
                                        .step = step,
                                        .initial_distance = initial_distance,
                                        .residual_norm = residual,
                                        .iterations = last});
            },
            0, rows, distances, distance_options);
      } else {
        add(
            "needell-tropp", BoundQuantity::kDistance,
            [&](const ConstantsAt& at) {
              return cosamp_needell_tropp_bound({.restricted = at(4 * s),
                                                 .sparsity = s,
                                                 .initial_distance = initial_distance,
                                                 .residual_norm = residual,
                                                 .iterations = last});
            },
            0, rows, distances, distance_options);
        const double gradient_norm = largest_entries_norm(g, 3 * s);
        add(
            "bahmani-raj-boufounos", BoundQuantity::kDistance,
            [&](const ConstantsAt& at) {
              return grasp_bahmani_bound({.restricted = at(4 * s),
                                          .sparsity = s,
                                          .initial_distance = initial_distance,
                                          .gradient_norm = gradient_norm,
                                          .iterations = last});
            },
            0, rows, distances, distance_options);
      }
    }
  } else if (!run.theorems.empty()) {
    for (const std::string& t : run.theorems) not_covered(t, run.theorems_missing);
  } else {
    not_covered("(none)", "no convergence guarantee is implemented for " + solver);
  }

  source->report_into(report);
  return report;
}

std::string csv_number(double x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  return number(x);
}

}  // namespace

std::span<const std::string_view> checked_theorems() {
  static constexpr std::string_view kTheorems[] = {
      "ssz-sublinear",   "ssz-linear", "blumensath-davies", "iht-contraction",
      "jain-tewari-kar", "foucart",    "needell-tropp",     "bahmani-raj-boufounos"};
  return kTheorems;
}

ConstantsChoice parse_constants_choice(std::string_view text) {
  if (text == "exact") return ConstantsChoice::kExact;
  if (text == "certified") return ConstantsChoice::kCertified;
  if (text == "auto") return ConstantsChoice::kAuto;
  throw InvalidInput("unknown --constants '" + std::string(text) +
                     "' (known: exact, certified, auto)");
}

std::string_view to_string(ConstantsChoice choice) {
  switch (choice) {
    case ConstantsChoice::kExact:
      return "exact";
    case ConstantsChoice::kCertified:
      return "certified";
    case ConstantsChoice::kAuto:
      return "auto";
  }
  return "unknown";
}

std::string_view to_string(BoundQuantity quantity) {
  switch (quantity) {
    case BoundQuantity::kObjectiveGap:
      return "objective_gap";
    case BoundQuantity::kDistance:
      return "distance";
    case BoundQuantity::kNone:
      return "none";
  }
  return "unknown";
}

std::vector<BoundViolation> TheoremCheck::violations() const {
  if (!applicable()) return {};
  std::vector<BoundViolation> result;
  for (std::size_t i = 0; i < exceeded.size(); ++i)
    if (exceeded[i]) result.push_back({iterations[i], empirical[i], bound[i]});
  return result;
}

TheoremCheck check_theorem(std::string id, BoundQuantity quantity, GuaranteeBound guarantee,
                           std::vector<Index> rows, std::vector<Index> iterations,
                           std::vector<double> empirical, const BoundCheckOptions& options) {
  require(rows.size() == iterations.size() && rows.size() == empirical.size(),
          "check_theorem: rows, iterations and empirical values must have the same length");
  TheoremCheck check;
  check.id = std::move(id);
  check.quantity = quantity;
  check.guarantee = std::move(guarantee);
  const auto available = static_cast<Index>(check.guarantee.bound.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i] < 0 || rows[i] >= available) continue;
    check.rows.push_back(rows[i]);
    check.iterations.push_back(iterations[i]);
    check.empirical.push_back(empirical[i]);
    check.bound.push_back(check.guarantee.bound[static_cast<std::size_t>(rows[i])]);
  }
  check.comparison = compare_with_bound(check.empirical, check.bound, options);
  check.exceeded.assign(check.rows.size(), false);
  for (const BoundViolation& v : check.comparison.violations)
    check.exceeded[static_cast<std::size_t>(v.iteration)] = true;
  return check;
}

Index BoundsReport::violation_count() const {
  Index count = 0;
  for (const TheoremCheck& c : checks) count += static_cast<Index>(c.violations().size());
  return count;
}

BoundsReport check_bounds(const LeastSquaresProblem& problem, const BoundsRun& run,
                          const BoundsReference& reference, const BoundsReference& target,
                          const BoundsOptions& options) {
  return check_bounds_impl(problem, run, reference, target, options);
}

BoundsReport check_bounds(const LogisticProblem& problem, const BoundsRun& run,
                          const BoundsReference& reference, const BoundsReference& target,
                          const BoundsOptions& options) {
  return check_bounds_impl(problem, run, reference, target, options);
}

std::string bounds_csv(const BoundsReport& report) {
  std::ostringstream out;
  out << "iteration,theorem,empirical,bound,ratio,violated,applicable\n";
  for (const TheoremCheck& c : report.checks) {
    for (std::size_t i = 0; i < c.rows.size(); ++i) {
      out << c.iterations[i] << ',' << c.id << ',' << csv_number(c.empirical[i]) << ','
          << csv_number(c.bound[i]) << ',' << csv_number(c.comparison.ratio[i]) << ','
          << (c.applicable() && c.exceeded[i] ? 1 : 0) << ',' << (c.applicable() ? 1 : 0) << '\n';
    }
  }
  return out.str();
}

std::string violation_messages(const BoundsReport& report, Index per_theorem) {
  std::ostringstream out;
  for (const TheoremCheck& c : report.checks) {
    const std::vector<BoundViolation> violations = c.violations();
    Index shown = 0;
    for (const BoundViolation& v : violations) {
      if (shown++ == per_theorem) {
        out << "VIOLATION: " << c.id << ": and " << violations.size() - per_theorem
            << " more iterations\n";
        break;
      }
      out << "VIOLATION: " << c.id << " at iteration " << v.iteration << ": "
          << c.guarantee.quantity << " = " << number(v.empirical) << " exceeds the bound "
          << number(v.bound) << " although the assumptions hold ("
          << to_string(c.guarantee.constants_kind) << " constants: " << c.guarantee.assumption
          << ")\n";
    }
  }
  return out.str();
}

}  // namespace cardinal
