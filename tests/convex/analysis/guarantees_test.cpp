#include "cardinal/convex/analysis/guarantees.hpp"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <numeric>

#include "cardinal/bridge/error.hpp"
#include "cardinal/convex/analysis/restricted_constants.hpp"
#include "cardinal/convex/data/synthetic.hpp"

namespace cardinal {
namespace {

using Kind = RestrictedConstant::Kind;
using Support = std::vector<Index>;

RestrictedConstants constants(Index k, double rho, double beta, Kind kind = Kind::kExact) {
  return make_restricted_constants(k, {rho, kind, "test"}, {beta, kind, "test"});
}

void expect_sequence(const std::vector<double>& actual, const std::vector<double>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t t = 0; t < expected.size(); ++t)
    EXPECT_NEAR(actual[t], expected[t], 1e-12 * (1.0 + std::abs(expected[t]))) << "t = " << t;
}

// ---------------------------------------------------------------------------------------------
// Bound formulas against values computed by hand.

TEST(Guarantees, BlumensathDaviesReproducesHandComputedValues) {
  // ρ_3s = 0.9, β_3s = 1.1, μ = 1: δ_3s = 0.1 < 1/√32 ≈ 0.177.
  const GuaranteeBound g = iht_blumensath_davies_bound({.restricted = constants(3, 0.9, 1.1),
                                                        .sparsity = 1,
                                                        .initial_distance = 2.0,
                                                        .residual_norm = 0.01,
                                                        .iterations = 3});
  EXPECT_EQ(g.status, AssumptionStatus::kHolds);
  EXPECT_TRUE(g.guaranteed());
  expect_sequence(g.bound, {2.05, 1.05, 0.55, 0.30});
  // μ = 0.25: δ = 1 − 0.225 = 0.775, and the noise term is 5·0.5·0.01.
  const GuaranteeBound slow = iht_blumensath_davies_bound({.restricted = constants(3, 0.9, 1.1),
                                                           .sparsity = 1,
                                                           .step = 0.25,
                                                           .initial_distance = 2.0,
                                                           .residual_norm = 0.01,
                                                           .iterations = 1});
  EXPECT_EQ(slow.status, AssumptionStatus::kFails);
  expect_sequence(slow.bound, {2.025, 1.025});
}

TEST(Guarantees, AssumptionStatusFollowsTheKindOfTheConstants) {
  auto status = [](double rho, double beta, Kind kind) {
    return iht_blumensath_davies_bound({.restricted = constants(3, rho, beta, kind),
                                        .sparsity = 1,
                                        .initial_distance = 1.0,
                                        .iterations = 1})
        .status;
  };
  // δ = 0.1 and δ = 0.3 against the threshold 0.177.
  EXPECT_EQ(status(0.9, 1.1, Kind::kExact), AssumptionStatus::kHolds);
  EXPECT_EQ(status(0.7, 1.1, Kind::kExact), AssumptionStatus::kFails);
  EXPECT_EQ(status(0.9, 1.1, Kind::kCertifiedBound), AssumptionStatus::kHolds);
  EXPECT_EQ(status(0.7, 1.1, Kind::kCertifiedBound), AssumptionStatus::kUnverified);
  EXPECT_EQ(status(0.9, 1.1, Kind::kEstimate), AssumptionStatus::kUnverified);
  EXPECT_EQ(status(0.7, 1.1, Kind::kEstimate), AssumptionStatus::kFails);
  const GuaranteeBound estimated = iht_blumensath_davies_bound(
      {.restricted = constants(3, 0.9, 1.1, Kind::kEstimate), .sparsity = 1, .iterations = 1});
  EXPECT_FALSE(estimated.guaranteed());
}

TEST(Guarantees, IhtContractionReproducesHandComputedValues) {
  // δ_{2s+s*}(1) = 0.2, so q = 0.4; noise 2·1·0.05 = 0.1.
  const GuaranteeBound g = iht_contraction_bound({.restricted = constants(5, 0.8, 1.2),
                                                  .sparsity = 2,
                                                  .target_sparsity = 1,
                                                  .step = 1.0,
                                                  .initial_distance = 1.0,
                                                  .gradient_norm = 0.05,
                                                  .iterations = 3});
  EXPECT_EQ(g.status, AssumptionStatus::kHolds);
  expect_sequence(g.bound, {1.0, 0.5, 0.3, 0.22});
  EXPECT_THROW(iht_contraction_bound({.restricted = constants(4, 0.8, 1.2),
                                      .sparsity = 2,
                                      .target_sparsity = 1,
                                      .iterations = 1}),
               InvalidInput);  // needs k ≥ 5
}

TEST(Guarantees, FoucartReproducesHandComputedValues) {
  // δ_3s = 0.3, δ_2s = 0.2: r = √(2·0.09/0.96), τ = (√1.6 + √1.2)/0.8.
  const double r = 0.4330127018922193, tau = 2.9504452238471046;
  const GuaranteeBound g = htp_foucart_bound({.restricted_3s = constants(3, 0.7, 1.3),
                                              .restricted_2s = constants(2, 0.8, 1.1),
                                              .sparsity = 1,
                                              .initial_distance = 1.0,
                                              .residual_norm = 0.1,
                                              .iterations = 2});
  EXPECT_EQ(g.status, AssumptionStatus::kHolds);
  expect_sequence(g.bound, {1.0, r + 0.1 * tau, r * (r + 0.1 * tau) + 0.1 * tau});
  EXPECT_NEAR(g.bound[1], 0.7280572242769298, 1e-15);
  // δ_3s = 0.6 > 1/√3.
  EXPECT_EQ(htp_foucart_bound({.restricted_3s = constants(3, 0.4, 1.3), .sparsity = 1}).status,
            AssumptionStatus::kFails);
}

TEST(Guarantees, CosampReproducesHandComputedValues) {
  // κ_4s = 1.05/0.95 ≤ 11/9: scaled by μ = 0.9/0.95, δ_4s(μ) = 0.1; best δ = 0.05.
  const double limit = 20.0 * std::sqrt(0.9 / 0.95) * 0.01;
  const GuaranteeBound g = cosamp_needell_tropp_bound({.restricted = constants(4, 0.95, 1.05),
                                                       .sparsity = 1,
                                                       .initial_distance = 1.0,
                                                       .residual_norm = 0.01,
                                                       .iterations = 2});
  EXPECT_EQ(g.status, AssumptionStatus::kHolds);
  expect_sequence(g.bound, {1.0, 0.5 + 0.5 * limit, 0.25 + 0.75 * limit});
  EXPECT_NEAR(g.bound[1], 0.5973328526784576, 1e-15);
  // κ = 1.3: best δ = 0.3/2.3 > 0.1.
  EXPECT_EQ(
      cosamp_needell_tropp_bound({.restricted = constants(4, 1.0, 1.3), .sparsity = 1}).status,
      AssumptionStatus::kFails);
}

TEST(Guarantees, GraspReproducesHandComputedValues) {
  const GuaranteeBound g = grasp_bahmani_bound({.restricted = constants(4, 1.0, 1.2),
                                                .sparsity = 1,
                                                .initial_distance = 1.0,
                                                .gradient_norm = 0.01,
                                                .iterations = 2});
  EXPECT_EQ(g.status, AssumptionStatus::kHolds);  // μ_4s = 1.2 ≤ 1.366
  expect_sequence(g.bound, {1.09464101615137754, 0.59464101615137754, 0.34464101615137754});
  EXPECT_EQ(grasp_bahmani_bound({.restricted = constants(4, 1.0, 1.4), .sparsity = 1}).status,
            AssumptionStatus::kFails);
}

TEST(Guarantees, ShalevShwartzSrebroZhangReproduceHandComputedValues) {
  // C = 2·2·1.5² = 9, ε₀ = 3: ε_t ≤ 27/(9 + 3t).
  const GuaranteeBound sub =
      fcfgs_sublinear_bound({.coordinate_smoothness = {2.0, Kind::kExact, "test"},
                             .reference_l1_norm = 1.5,
                             .initial_gap = 3.0,
                             .iterations = 3});
  EXPECT_EQ(sub.status, AssumptionStatus::kHolds);
  expect_sequence(sub.bound, {3.0, 2.25, 1.8, 1.5});
  // 1 − ρ/(β‖w̄‖₀) = 1 − 0.5/4 = 0.875.
  const GuaranteeBound lin = fcfgs_linear_bound({.coordinate_smoothness = {2.0, Kind::kExact, ""},
                                                 .restricted = constants(4, 0.5, 3.0),
                                                 .reference_sparsity = 2,
                                                 .dimension = 10,
                                                 .initial_gap = 1.0,
                                                 .iterations = 3});
  EXPECT_EQ(lin.status, AssumptionStatus::kHolds);
  expect_sequence(lin.bound, {1.0, 0.875, 0.765625, 0.669921875});
  EXPECT_THROW(fcfgs_linear_bound({.coordinate_smoothness = {2.0, Kind::kExact, ""},
                                   .restricted = constants(3, 0.5, 3.0),
                                   .reference_sparsity = 2,
                                   .dimension = 10,
                                   .initial_gap = 1.0,
                                   .iterations = 3}),
               InvalidInput);  // needs ρ at k ≥ 3 − 1 + 2
  // Certified ρ ≤ 0 proves nothing: the bound stays at ε₀.
  const GuaranteeBound none =
      fcfgs_linear_bound({.coordinate_smoothness = {2.0, Kind::kCertifiedBound, ""},
                          .restricted = constants(4, -0.1, 3.0, Kind::kCertifiedBound),
                          .reference_sparsity = 2,
                          .dimension = 10,
                          .initial_gap = 1.0,
                          .iterations = 2});
  EXPECT_EQ(none.status, AssumptionStatus::kUnverified);
  expect_sequence(none.bound, {1.0, 1.0, 1.0});
}

TEST(Guarantees, JainTewariKarChecksRelaxedSparsityAndStep) {
  // s = 64, s* = 1: κ ≤ √(64/32) = √2.
  const RestrictedConstants c = constants(129, 1.0, 1.3);
  const GuaranteeBound ok = iht_jain_tewari_kar_assumptions(
      {.restricted = c, .sparsity = 64, .target_sparsity = 1, .step = 2.0 / (3.0 * 1.3)});
  EXPECT_EQ(ok.status, AssumptionStatus::kHolds);
  EXPECT_TRUE(ok.bound.empty());
  EXPECT_EQ(iht_jain_tewari_kar_assumptions(
                {.restricted = c, .sparsity = 64, .target_sparsity = 1, .step = 0.5})
                .status,
            AssumptionStatus::kFails);
  EXPECT_EQ(iht_jain_tewari_kar_assumptions({.restricted = constants(129, 1.0, 1.5),
                                             .sparsity = 64,
                                             .target_sparsity = 1,
                                             .step = 2.0 / 4.5})
                .status,
            AssumptionStatus::kFails);
}

// ---------------------------------------------------------------------------------------------
// The violation checker.

TEST(Guarantees, ViolationCheckerFlagsExcessAndAcceptsValuesBelowTheBound) {
  const std::vector<double> bound{1.0, 0.5, 0.25, 0.0};
  const BoundComparison below = compare_with_bound(std::vector<double>{0.9, 0.5, 0.1, 0.0}, bound);
  EXPECT_TRUE(below.holds());
  EXPECT_NEAR(below.ratio[0], 0.9, 1e-15);
  EXPECT_NEAR(below.ratio[1], 1.0, 1e-15);
  EXPECT_EQ(below.ratio[3], 0.0);
  EXPECT_NEAR(below.max_ratio, 1.0, 1e-15);

  const BoundComparison above =
      compare_with_bound(std::vector<double>{0.9, 0.6, 0.25 * (1 + 1e-12), 1e-3, 0.1}, bound);
  ASSERT_EQ(above.violations.size(), 2u);  // 1e-12 relative excess is within the slack
  EXPECT_EQ(above.violations[0].iteration, 1);
  EXPECT_EQ(above.violations[0].empirical, 0.6);
  EXPECT_EQ(above.violations[0].bound, 0.5);
  EXPECT_EQ(above.violations[1].iteration, 3);
  EXPECT_TRUE(std::isinf(above.ratio[3]));
  EXPECT_EQ(above.ratio.size(), 4u);  // the common length

  EXPECT_FALSE(
      compare_with_bound(std::vector<double>{std::nan("")}, std::vector<double>{1.0}).holds());
  EXPECT_TRUE(compare_with_bound(std::vector<double>{1e-3}, std::vector<double>{0.0},
                                 {.absolute_slack = 1e-2})
                  .holds());
  Trace trace;
  trace.rows = {{.objective = 3.0}, {.objective = 2.5}};
  EXPECT_EQ(objective_gaps(trace, 2.0), (std::vector<double>{1.0, 0.5}));
}

// ---------------------------------------------------------------------------------------------
// End to end: reference implementations of the algorithms, written here with Eigen, against the
// bounds evaluated on exact constants.

std::vector<Index> all_columns(Index p) {
  std::vector<Index> all(static_cast<std::size_t>(p));
  std::iota(all.begin(), all.end(), Index{0});
  return all;
}

/// The m indices of largest |v_i| (ties to the smaller index), sorted.
Support largest(const Eigen::VectorXd& v, Index m) {
  Support order = all_columns(v.size());
  std::stable_sort(order.begin(), order.end(),
                   [&](Index a, Index b) { return std::abs(v[a]) > std::abs(v[b]); });
  order.resize(static_cast<std::size_t>(std::min(m, v.size())));
  std::sort(order.begin(), order.end());
  return order;
}

Eigen::VectorXd restricted(const Eigen::VectorXd& v, const Support& s) {
  Eigen::VectorXd out = Eigen::VectorXd::Zero(v.size());
  for (Index j : s) out[j] = v[j];
  return out;
}

Eigen::VectorXd gradient(const LeastSquaresProblem& problem, const Eigen::VectorXd& w) {
  Eigen::VectorXd g;
  problem.value_and_gradient(w, g);
  return g;
}

struct Recovery {
  LeastSquaresProblem problem;
  Eigen::VectorXd planted;
  Index sparsity;
};

/// X = √n·Q·(I + εE): orthonormal Q, Gaussian E, so H = XᵀX/n is within O(ε) of the identity.
/// The planted vector has `sparsity` entries of magnitude 0.7 to 1 at seeded positions.
Recovery near_orthogonal(double perturbation, double ridge, std::uint64_t seed = 31, Index p = 16,
                         Index sparsity = 2) {
  const Index n = 200;
  auto draw = [](Index rows, Index cols, std::uint64_t seed) {
    return make_synthetic({.samples = rows, .features = cols, .sparsity = 0, .seed = seed})
        .design.dense_columns(all_columns(cols));
  };
  const Eigen::MatrixXd q = Eigen::HouseholderQR<Eigen::MatrixXd>(draw(n, p, seed)).householderQ() *
                            Eigen::MatrixXd::Identity(n, p);
  const Eigen::MatrixXd e = draw(p, p, seed + 1);
  const Eigen::MatrixXd x =
      std::sqrt(static_cast<double>(n)) * q * (Eigen::MatrixXd::Identity(p, p) + perturbation * e);
  const auto positions =
      make_synthetic({.samples = 1, .features = p, .sparsity = sparsity, .seed = seed + 2}).support;
  Eigen::VectorXd planted = Eigen::VectorXd::Zero(p);
  for (std::size_t i = 0; i < positions.size(); ++i)
    planted[positions[i]] = (i % 2 == 0 ? 1.0 : -1.0) *
                            (1.0 - 0.3 * static_cast<double>(i) / static_cast<double>(sparsity));
  const Eigen::VectorXd y = x * planted + 0.02 * draw(n, 1, seed + 3).col(0);
  return {LeastSquaresProblem(Design(x), y, {.ridge = ridge}), planted, sparsity};
}

std::vector<double> iht_distances(const Recovery& r, double step, Index iterations) {
  Eigen::VectorXd w = Eigen::VectorXd::Zero(r.planted.size());
  std::vector<double> distances{(w - r.planted).norm()};
  for (Index t = 0; t < iterations; ++t) {
    const Eigen::VectorXd z = w - step * gradient(r.problem, w);
    w = restricted(z, largest(z, r.sparsity));
    distances.push_back((w - r.planted).norm());
  }
  return distances;
}

std::vector<double> htp_distances(const Recovery& r, double step, Index iterations) {
  Eigen::VectorXd w = Eigen::VectorXd::Zero(r.planted.size());
  std::vector<double> distances{(w - r.planted).norm()};
  for (Index t = 0; t < iterations; ++t) {
    const Eigen::VectorXd z = w - step * gradient(r.problem, w);
    w = r.problem.minimize_on(largest(z, r.sparsity), w);
    distances.push_back((w - r.planted).norm());
  }
  return distances;
}

/// CoSaMP in its gradient form (GraSP on least squares).
std::vector<double> cosamp_distances(const Recovery& r, Index iterations) {
  Eigen::VectorXd w = Eigen::VectorXd::Zero(r.planted.size());
  std::vector<double> distances{(w - r.planted).norm()};
  for (Index t = 0; t < iterations; ++t) {
    Support merged = largest(gradient(r.problem, w), 2 * r.sparsity);
    for (Index j = 0; j < w.size(); ++j)
      if (w[j] != 0.0) merged.push_back(j);
    std::sort(merged.begin(), merged.end());
    merged.erase(std::unique(merged.begin(), merged.end()), merged.end());
    const Eigen::VectorXd b = r.problem.minimize_on(merged, w);
    w = restricted(b, largest(b, r.sparsity));
    distances.push_back((w - r.planted).norm());
  }
  return distances;
}

TEST(Guarantees, IterativeHardThresholdingStaysBelowItsBounds) {
  const Recovery r = near_orthogonal(0.01, 0.005);
  const Index s = r.sparsity, iterations = 25;
  const Eigen::MatrixXd h = curvature_matrix(r.problem);
  const RestrictedConstants c3 = exact_restricted_constants(h, 3 * s);
  const std::vector<double> distances = iht_distances(r, 1.0, iterations);
  const double residual = least_squares_residual_norm(r.problem, r.planted);

  const GuaranteeBound bd = iht_blumensath_davies_bound({.restricted = c3,
                                                         .sparsity = s,
                                                         .step = 1.0,
                                                         .initial_distance = r.planted.norm(),
                                                         .residual_norm = residual,
                                                         .iterations = iterations});
  ASSERT_TRUE(bd.guaranteed()) << bd.assumption;
  const BoundComparison bd_check = compare_with_bound(distances, bd.bound);
  EXPECT_TRUE(bd_check.holds()) << "max ratio " << bd_check.max_ratio;

  const IhtContractionInputs inputs{
      .restricted = c3,
      .sparsity = s,
      .target_sparsity = s,
      .step = 1.0,
      .initial_distance = r.planted.norm(),
      .gradient_norm = largest_entries_norm(gradient(r.problem, r.planted), 2 * s),
      .iterations = iterations};
  const GuaranteeBound contraction = iht_contraction_bound(inputs);
  ASSERT_TRUE(contraction.guaranteed()) << contraction.assumption;
  const BoundComparison contraction_check = compare_with_bound(distances, contraction.bound);
  EXPECT_TRUE(contraction_check.holds()) << "max ratio " << contraction_check.max_ratio;
  // The contraction bound is the sharper one here, and it is not vacuous: a bound 20 times
  // smaller is violated.
  EXPECT_LT(contraction.bound.back(), bd.bound.back());
  std::vector<double> too_small = contraction.bound;
  for (double& b : too_small) b *= 0.05;
  EXPECT_FALSE(compare_with_bound(distances, too_small).holds());

  // Certified constants give a valid, looser bound.
  IhtContractionInputs certified_inputs = inputs;
  certified_inputs.restricted = certified_restricted_constants(h, 3 * s);
  const GuaranteeBound certified = iht_contraction_bound(certified_inputs);
  if (certified.assumptions_hold()) {
    for (std::size_t t = 0; t < certified.bound.size(); ++t)
      EXPECT_GE(certified.bound[t], contraction.bound[t]);
    EXPECT_TRUE(compare_with_bound(distances, certified.bound).holds());
  }
}

TEST(Guarantees, HardThresholdingPursuitStaysBelowFoucartsBound) {
  const Recovery r = near_orthogonal(0.01, 0.0);
  const Index s = r.sparsity, iterations = 10;
  const Eigen::MatrixXd h = curvature_matrix(r.problem);
  for (double step : {1.0, 0.9}) {
    const GuaranteeBound g =
        htp_foucart_bound({.restricted_3s = exact_restricted_constants(h, 3 * s),
                           .restricted_2s = exact_restricted_constants(h, 2 * s),
                           .sparsity = s,
                           .step = step,
                           .initial_distance = r.planted.norm(),
                           .residual_norm = least_squares_residual_norm(r.problem, r.planted),
                           .iterations = iterations});
    ASSERT_TRUE(g.guaranteed()) << g.assumption;
    const BoundComparison check = compare_with_bound(htp_distances(r, step, iterations), g.bound);
    EXPECT_TRUE(check.holds()) << "step " << step << ", max ratio " << check.max_ratio;
  }
}

TEST(Guarantees, CosampAndGraspStayBelowTheirBounds) {
  const Recovery r = near_orthogonal(0.005, 0.0);
  const Index s = r.sparsity, iterations = 8;
  const RestrictedConstants c4 = exact_restricted_constants(curvature_matrix(r.problem), 4 * s);
  const std::vector<double> distances = cosamp_distances(r, iterations);

  const GuaranteeBound cosamp = cosamp_needell_tropp_bound(
      {.restricted = c4,
       .sparsity = s,
       .initial_distance = r.planted.norm(),
       .residual_norm = least_squares_residual_norm(r.problem, r.planted),
       .iterations = iterations});
  ASSERT_TRUE(cosamp.guaranteed()) << cosamp.assumption;
  EXPECT_TRUE(compare_with_bound(distances, cosamp.bound).holds());

  const GuaranteeBound grasp = grasp_bahmani_bound(
      {.restricted = c4,
       .sparsity = s,
       .initial_distance = r.planted.norm(),
       .gradient_norm = largest_entries_norm(gradient(r.problem, r.planted), 3 * s),
       .iterations = iterations});
  ASSERT_TRUE(grasp.guaranteed()) << grasp.assumption;
  EXPECT_TRUE(compare_with_bound(distances, grasp.bound).holds());
}

/// Fully-corrective forward greedy selection, written here: add the coordinate of largest
/// |∂f/∂w_j|, re-minimize on the support. Returns f(w_t) for t = 0..iterations.
template <class Problem>
std::vector<double> fcfgs_objectives(const Problem& problem, Index iterations,
                                     std::vector<Eigen::VectorXd>* iterates = nullptr) {
  const Index p = problem.features();
  const bool intercept = problem.options().intercept;
  Support chosen;
  auto with_free = [&](Support s) {
    if (intercept) s.push_back(p);
    return s;
  };
  // Without an intercept the start is zero; an empty restricted solve is not asked for.
  Eigen::VectorXd w = intercept ? problem.minimize_on(with_free({}), problem.space().zeros())
                                : problem.space().zeros();
  std::vector<double> objectives{problem.value(w)};
  if (iterates) iterates->push_back(w);
  for (Index t = 0; t < iterations; ++t) {
    Eigen::VectorXd g;
    problem.value_and_gradient(w, g);
    for (Index j : chosen) g[j] = 0.0;
    Index best = 0;
    for (Index j = 1; j < p; ++j)
      if (std::abs(g[j]) > std::abs(g[best])) best = j;
    chosen.insert(std::upper_bound(chosen.begin(), chosen.end(), best), best);
    w = problem.minimize_on(with_free(chosen), w);
    objectives.push_back(problem.value(w));
    if (iterates) iterates->push_back(w);
  }
  return objectives;
}

TEST(Guarantees, ForwardGreedySelectionOnLeastSquaresStaysBelowBothBounds) {
  const Index p = 12, reference_sparsity = 3, iterations = 8;
  auto inst = make_synthetic({.samples = 40,
                              .features = p,
                              .sparsity = reference_sparsity,
                              .correlation = 0.5,
                              .noise = 0.3,
                              .seed = 8});
  for (bool intercept : {false, true}) {
    SCOPED_TRACE(intercept ? "with intercept" : "without intercept");
    LeastSquaresProblem problem(inst.design, inst.response,
                                {.ridge = 0.01, .intercept = intercept});
    Support reference_support = inst.support;
    if (intercept) reference_support.push_back(p);
    const Eigen::VectorXd reference =
        problem.minimize_on(reference_support, problem.space().zeros());
    const double reference_value = problem.value(reference);
    const std::vector<double> objectives = fcfgs_objectives(problem, iterations);
    std::vector<double> gaps(objectives.size());
    for (std::size_t t = 0; t < gaps.size(); ++t) gaps[t] = objectives[t] - reference_value;
    const BoundCheckOptions slack{.absolute_slack = 1e-12 * std::max(1.0, reference_value)};

    const Eigen::MatrixXd h = curvature_matrix(problem);
    const RestrictedConstant beta = exact_restricted_constants(h, 1).rss;
    const GuaranteeBound sublinear =
        fcfgs_sublinear_bound({.coordinate_smoothness = beta,
                               .reference_l1_norm = reference.head(p).lpNorm<1>(),
                               .initial_gap = gaps[0],
                               .iterations = iterations});
    ASSERT_TRUE(sublinear.guaranteed());
    EXPECT_TRUE(compare_with_bound(gaps, sublinear.bound, slack).holds());

    const GuaranteeBound linear = fcfgs_linear_bound(
        {.coordinate_smoothness = beta,
         .restricted = exact_restricted_constants(h, iterations - 1 + reference_sparsity),
         .reference_sparsity = reference_sparsity,
         .dimension = p,
         .initial_gap = gaps[0],
         .iterations = iterations});
    ASSERT_TRUE(linear.guaranteed()) << linear.assumption;
    const BoundComparison check = compare_with_bound(gaps, linear.bound, slack);
    EXPECT_TRUE(check.holds()) << "max ratio " << check.max_ratio;
    EXPECT_GT(check.ratio[1], 0.0);  // a real comparison, not 0 ≤ something
  }
}

TEST(Guarantees, ForwardGreedySelectionOnLogisticStaysBelowBoundsFromUniformConstants) {
  const Index p = 10, reference_sparsity = 3, iterations = 6;
  auto inst = make_synthetic({.samples = 120,
                              .features = p,
                              .sparsity = reference_sparsity,
                              .correlation = 0.3,
                              .logistic = true,
                              .seed = 4});
  for (bool intercept : {false, true}) {
    SCOPED_TRACE(intercept ? "with intercept" : "without intercept");
    LogisticProblem problem(inst.design, inst.response, {.ridge = 0.01, .intercept = intercept});
    Support reference_support = inst.support;
    if (intercept) reference_support.push_back(p);
    const Eigen::VectorXd reference =
        problem.minimize_on(reference_support, problem.space().zeros());
    std::vector<Eigen::VectorXd> iterates;
    const std::vector<double> objectives = fcfgs_objectives(problem, iterations, &iterates);
    std::vector<double> gaps(objectives.size());
    for (std::size_t t = 0; t < gaps.size(); ++t)
      gaps[t] = objectives[t] - problem.value(reference);
    const BoundCheckOptions slack{.absolute_slack = 1e-9};

    // Coordinate smoothness valid everywhere.
    const RestrictedConstant beta = uniform_restricted_constants(problem, 1).constants.rss;
    const GuaranteeBound sublinear =
        fcfgs_sublinear_bound({.coordinate_smoothness = beta,
                               .reference_l1_norm = reference.head(p).lpNorm<1>(),
                               .initial_gap = gaps[0],
                               .iterations = iterations});
    ASSERT_TRUE(sublinear.guaranteed());
    EXPECT_TRUE(compare_with_bound(gaps, sublinear.bound, slack).holds());

    // Restricted strong convexity over a ball holding every iterate and the reference (a convex
    // set, so it holds the segments between them too).
    LogisticRegion region{.l2_radius = reference.head(p).norm(), .intercept_radius = 0.0};
    iterates.push_back(reference);
    for (const Eigen::VectorXd& w : iterates) {
      region.l2_radius = std::max(region.l2_radius, w.head(p).norm());
      if (intercept) region.intercept_radius = std::max(region.intercept_radius, std::abs(w[p]));
    }
    const UniformLogisticConstants uniform =
        uniform_restricted_constants(problem, iterations - 1 + reference_sparsity, region);
    const GuaranteeBound linear = fcfgs_linear_bound({.coordinate_smoothness = beta,
                                                      .restricted = uniform.constants,
                                                      .reference_sparsity = reference_sparsity,
                                                      .dimension = p,
                                                      .initial_gap = gaps[0],
                                                      .iterations = iterations});
    ASSERT_TRUE(linear.guaranteed()) << linear.assumption;
    EXPECT_TRUE(compare_with_bound(gaps, linear.bound, slack).holds());
  }
}

// The two bounds derived in docs/theory.md (rather than quoted) on many random instances,
// wherever their assumptions are proved.
TEST(Guarantees, DerivedDistanceBoundsHoldOnRandomInstances) {
  int checked = 0;
  for (std::uint64_t seed = 40; seed < 64; ++seed) {
    const double perturbation = 0.02 * static_cast<double>(1 + seed % 4);
    const Index s = 1 + static_cast<Index>(seed % 3);
    const Recovery r = near_orthogonal(perturbation, seed % 2 == 0 ? 0.0 : 0.01, seed, 12, s);
    const Eigen::MatrixXd h = curvature_matrix(r.problem);
    const RestrictedConstants c3 = exact_restricted_constants(h, 3 * s);
    const RestrictedConstants c2 = exact_restricted_constants(h, 2 * s);
    for (double step : {0.8, 1.0, 1.15}) {
      SCOPED_TRACE("seed " + std::to_string(seed) + " step " + std::to_string(step));
      const Index iterations = 12;
      const GuaranteeBound iht = iht_contraction_bound(
          {.restricted = c3,
           .sparsity = s,
           .target_sparsity = s,
           .step = step,
           .initial_distance = r.planted.norm(),
           .gradient_norm = largest_entries_norm(gradient(r.problem, r.planted), 2 * s),
           .iterations = iterations});
      if (iht.guaranteed()) {
        const BoundComparison check =
            compare_with_bound(iht_distances(r, step, iterations), iht.bound);
        EXPECT_TRUE(check.holds()) << "max ratio " << check.max_ratio;
        ++checked;
      }
      const GuaranteeBound htp =
          htp_foucart_bound({.restricted_3s = c3,
                             .restricted_2s = c2,
                             .sparsity = s,
                             .step = step,
                             .initial_distance = r.planted.norm(),
                             .residual_norm = least_squares_residual_norm(r.problem, r.planted),
                             .iterations = iterations});
      if (htp.guaranteed()) {
        const BoundComparison check =
            compare_with_bound(htp_distances(r, step, iterations), htp.bound);
        EXPECT_TRUE(check.holds()) << "max ratio " << check.max_ratio;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 60);
}

TEST(Guarantees, ForwardGreedySelectionBoundsHoldOnRandomInstances) {
  int checked = 0;
  for (std::uint64_t seed = 70; seed < 94; ++seed) {
    const Index p = 10, reference_sparsity = 2 + static_cast<Index>(seed % 3), iterations = 7;
    auto inst = make_synthetic({.samples = 15 + 10 * static_cast<Index>(seed % 3),
                                .features = p,
                                .sparsity = reference_sparsity,
                                .correlation = 0.4 * static_cast<double>(seed % 3),
                                .signal = 0.0,
                                .noise = 0.5,
                                .seed = seed});
    LeastSquaresProblem problem(inst.design, inst.response, {.intercept = seed % 2 == 0});
    Support reference_support = inst.support;
    if (problem.options().intercept) reference_support.push_back(p);
    const Eigen::VectorXd reference =
        problem.minimize_on(reference_support, problem.space().zeros());
    const std::vector<double> objectives = fcfgs_objectives(problem, iterations);
    std::vector<double> gaps(objectives.size());
    for (std::size_t t = 0; t < gaps.size(); ++t)
      gaps[t] = objectives[t] - problem.value(reference);
    const BoundCheckOptions slack{.absolute_slack =
                                      1e-12 * std::max(1.0, problem.value(reference))};
    const Eigen::MatrixXd h = curvature_matrix(problem);
    const RestrictedConstant beta = exact_restricted_constants(h, 1).rss;
    SCOPED_TRACE("seed " + std::to_string(seed));
    EXPECT_TRUE(compare_with_bound(
                    gaps,
                    fcfgs_sublinear_bound({.coordinate_smoothness = beta,
                                           .reference_l1_norm = reference.head(p).lpNorm<1>(),
                                           .initial_gap = gaps[0],
                                           .iterations = iterations})
                        .bound,
                    slack)
                    .holds());
    const GuaranteeBound linear =
        fcfgs_linear_bound({.coordinate_smoothness = beta,
                            .restricted = exact_restricted_constants(
                                h, std::min(iterations - 1 + reference_sparsity, p)),
                            .reference_sparsity = reference_sparsity,
                            .dimension = p,
                            .initial_gap = gaps[0],
                            .iterations = iterations});
    if (linear.guaranteed()) {
      EXPECT_TRUE(compare_with_bound(gaps, linear.bound, slack).holds());
      ++checked;
    }
  }
  EXPECT_GT(checked, 12);
}

}  // namespace
}  // namespace cardinal
