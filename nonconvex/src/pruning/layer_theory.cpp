#include "cardinal/nonconvex/pruning/layer_theory.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "cardinal/bridge/error.hpp"

namespace cardinal {
namespace {

/// Exact constants where enumeration is allowed, certified bounds elsewhere.
RestrictedConstants exact_or_certified(const Eigen::MatrixXd& h, Index k,
                                       const RestrictedConstantsOptions& options) {
  try {
    return exact_restricted_constants(h, k, options);
  } catch (const InvalidInput&) {
    return certified_restricted_constants(h, k, options);
  }
}

/// μ = 2/(ρ + β): the step at which δ_k(μ) is smallest (best_isometry_constant), 1/β when ρ ≤ 0.
double tightest_step(const RestrictedConstants& c) {
  const double rho = c.rsc.value, beta = c.rss.value;
  return rho > 0.0 ? 2.0 / (rho + beta) : 1.0 / beta;
}

/// The theorems whose levels are among `constants` (s, 2s, 3s, 4s), in the order IHT, HTP,
/// CoSaMP, GraSP.
std::vector<GuaranteeBound> theorems_on(const std::vector<RestrictedConstants>& constants,
                                        Index s) {
  auto at = [&](Index multiple) -> const RestrictedConstants* {
    for (const RestrictedConstants& c : constants)
      if (c.k == multiple * s) return &c;
    return nullptr;
  };
  std::vector<GuaranteeBound> theorems;
  if (const RestrictedConstants* c3 = at(3)) {
    theorems.push_back(iht_blumensath_davies_bound(
        {.restricted = *c3, .sparsity = s, .step = tightest_step(*c3)}));
    FoucartHtpInputs foucart{.restricted_3s = *c3, .sparsity = s, .step = tightest_step(*c3)};
    if (const RestrictedConstants* c2 = at(2)) foucart.restricted_2s = *c2;
    theorems.push_back(htp_foucart_bound(foucart));
  }
  if (const RestrictedConstants* c4 = at(4)) {
    theorems.push_back(cosamp_needell_tropp_bound({.restricted = *c4, .sparsity = s}));
    theorems.push_back(grasp_bahmani_bound({.restricted = *c4, .sparsity = s}));
  }
  return theorems;
}

}  // namespace

bool GreedyRowBound::holds() const {
  // Both gaps are differences of objective values of size about ε₀.
  const double slack = 1e-9 * (std::abs(initial_gap) + std::abs(bound));
  return gap <= bound + slack;
}

double GreedyRowBound::ratio() const {
  return bound > 0.0 ? gap / bound : std::numeric_limits<double>::quiet_NaN();
}

Index GreedyRowsCheck::violations() const {
  return static_cast<Index>(
      std::count_if(rows.begin(), rows.end(), [](const GreedyRowBound& r) { return !r.holds(); }));
}

namespace {
std::vector<double> ratios(const std::vector<GreedyRowBound>& rows) {
  std::vector<double> r;
  for (const GreedyRowBound& row : rows)
    if (const double q = row.ratio(); !std::isnan(q)) r.push_back(q);
  return r;
}
}  // namespace

double GreedyRowsCheck::largest_ratio() const {
  const std::vector<double> r = ratios(rows);
  return r.empty() ? std::numeric_limits<double>::quiet_NaN()
                   : *std::max_element(r.begin(), r.end());
}

double GreedyRowsCheck::median_ratio() const {
  std::vector<double> r = ratios(rows);
  if (r.empty()) return std::numeric_limits<double>::quiet_NaN();
  const auto middle = r.begin() + static_cast<std::ptrdiff_t>(r.size() / 2);
  std::nth_element(r.begin(), middle, r.end());
  if (r.size() % 2 == 1) return *middle;
  return 0.5 * (*middle + *std::max_element(r.begin(), middle));
}

GreedyRowsCheck check_greedy_rows(const LayerReconstruction& layer, const Eigen::MatrixXd& pruned) {
  require(pruned.rows() == layer.rows() && pruned.cols() == layer.columns(),
          "greedy rows check: the pruned weights are " + std::to_string(pruned.rows()) + " x " +
              std::to_string(pruned.cols()) + ", the layer " + std::to_string(layer.rows()) +
              " x " + std::to_string(layer.columns()));
  const CovarianceRows& problems = layer.problems();
  GreedyRowsCheck check;
  check.coordinate_smoothness = problems.hessian().diagonal().maxCoeff();
  const RestrictedConstant beta{.value = check.coordinate_smoothness,
                                .kind = RestrictedConstant::Kind::kExact,
                                .method = "max_j H_jj"};
  for (Index i = 0; i < layer.rows(); ++i) {
    const CovarianceProblem row = problems.row(i);
    const Eigen::VectorXd dense = layer.weights().row(i).transpose();
    const Eigen::VectorXd kept = pruned.row(i).transpose();
    const double reference = row.value(dense);
    GreedyRowBound r{.row = i, .kept = static_cast<Index>((kept.array() != 0.0).count())};
    r.initial_gap = row.value(row.space().zeros()) - reference;
    r.gap = row.value(kept) - reference;
    const GuaranteeBound g = fcfgs_sublinear_bound({.coordinate_smoothness = beta,
                                                    .reference_l1_norm = dense.lpNorm<1>(),
                                                    .initial_gap = r.initial_gap,
                                                    .iterations = r.kept});
    r.bound = g.bound.back();
    if (check.theorem.empty()) check.theorem = g.theorem;
    check.rows.push_back(r);
  }
  return check;
}

LayerTheory layer_theory(const std::string& name, const LayerReconstruction& layer, Index sparsity,
                         const RestrictedConstantsOptions& options) {
  const Index p = layer.columns();
  require(sparsity >= 1 && sparsity <= p, "layer theory: the row budget " +
                                              std::to_string(sparsity) + " of layer " + name +
                                              " is outside [1, " + std::to_string(p) + "]");
  const Eigen::MatrixXd& h = layer.problems().hessian();
  LayerTheory theory{.layer = name, .dimension = p, .sparsity = sparsity};
  const Index s = sparsity;
  // The constants that can refute: exact ones where there are, estimates elsewhere. A layer's
  // extreme supports are found by the greedy searches, not by random supports, and two swap
  // rounds keep the search to seconds on a 784-input layer.
  RestrictedConstantsOptions search = options;
  search.random_supports = 0;
  search.greedy_starts = std::min<Index>(options.greedy_starts, 1);
  search.swap_rounds = std::min<Index>(options.swap_rounds, 2);
  std::vector<RestrictedConstants> refuting;
  for (Index multiple = 1; multiple <= 4 && multiple * s <= p; ++multiple) {
    theory.constants.push_back(exact_or_certified(h, multiple * s, options));
    theory.constants.back().matrix = "H = XᵀX/n + λI of layer " + name;
    if (theory.constants.back().rsc.kind == RestrictedConstant::Kind::kExact) {
      refuting.push_back(theory.constants.back());
    } else {
      theory.estimates.push_back(estimated_restricted_constants(h, multiple * s, search));
      theory.estimates.back().matrix = theory.constants.back().matrix;
      refuting.push_back(theory.estimates.back());
    }
  }
  theory.theorems = theorems_on(theory.constants, s);
  if (!theory.estimates.empty()) {
    std::vector<GuaranteeBound> refuted = theorems_on(refuting, s);
    for (std::size_t i = 0; i < theory.theorems.size(); ++i)
      if (theory.theorems[i].status == AssumptionStatus::kUnverified &&
          refuted[i].status == AssumptionStatus::kFails)
        theory.theorems[i] = std::move(refuted[i]);
  }
  auto not_covered = [&](const std::string& theorem, Index multiple) {
    theory.not_covered.push_back(theorem + ": needs constants at " + std::to_string(multiple) +
                                 "s = " + std::to_string(multiple * s) +
                                 " > p = " + std::to_string(p));
  };
  if (3 * s > p) {
    not_covered("Blumensath & Davies (IHT)", 3);
    not_covered("Foucart (HTP)", 3);
  }
  if (4 * s > p) {
    not_covered("Needell & Tropp (CoSaMP)", 4);
    not_covered("Bahmani, Raj & Boufounos (GraSP)", 4);
  }
  return theory;
}

}  // namespace cardinal
