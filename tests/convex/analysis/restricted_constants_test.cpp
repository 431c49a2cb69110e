#include "cardinal/convex/analysis/restricted_constants.hpp"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <bit>
#include <cmath>
#include <random>

#include "cardinal/bridge/error.hpp"
#include "cardinal/convex/data/synthetic.hpp"

namespace cardinal {
namespace {

using Kind = RestrictedConstant::Kind;

struct BruteForce {
  double rho = 0.0, beta = 0.0;
};

// Independent reference: every subset as a bitmask, full eigendecomposition of each H_SS.
BruteForce brute_force(const Eigen::MatrixXd& h, Index k) {
  const Index p = h.rows();
  BruteForce result{std::numeric_limits<double>::infinity(),
                    -std::numeric_limits<double>::infinity()};
  for (unsigned mask = 0; mask < (1u << p); ++mask) {
    if (std::popcount(mask) != static_cast<int>(k)) continue;
    std::vector<Index> s;
    for (Index j = 0; j < p; ++j)
      if (mask & (1u << j)) s.push_back(j);
    Eigen::MatrixXd sub(k, k);
    for (Index a = 0; a < k; ++a)
      for (Index b = 0; b < k; ++b) sub(a, b) = h(s[a], s[b]);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(sub);
    result.rho = std::min(result.rho, solver.eigenvalues().minCoeff());
    result.beta = std::max(result.beta, solver.eigenvalues().maxCoeff());
  }
  return result;
}

std::pair<double, double> submatrix_extremes(const Eigen::MatrixXd& h,
                                             const std::vector<Index>& s) {
  const Eigen::MatrixXd sub = h(s, s);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(sub);
  return {solver.eigenvalues().minCoeff(), solver.eigenvalues().maxCoeff()};
}

Eigen::MatrixXd gaussian_matrix(Index rows, Index cols, std::uint64_t seed) {
  return make_synthetic({.samples = rows, .features = cols, .sparsity = 0, .seed = seed})
      .design.dense_columns([cols] {
        std::vector<Index> all(static_cast<std::size_t>(cols));
        for (Index j = 0; j < cols; ++j) all[static_cast<std::size_t>(j)] = j;
        return all;
      }());
}

// A family of test matrices: Gram matrices of correlated designs (some rank deficient) and
// symmetric indefinite matrices.
Eigen::MatrixXd test_matrix(Index p, std::uint64_t seed) {
  switch (seed % 3) {
    case 0: {
      const Index n = 3 + static_cast<Index>(seed % 17);  // sometimes n < k: ρ_k = 0
      auto inst = make_synthetic(
          {.samples = n, .features = p, .sparsity = 0, .correlation = 0.6, .seed = seed});
      Eigen::MatrixXd x = inst.design.dense_columns([p] {
        std::vector<Index> all(static_cast<std::size_t>(p));
        for (Index j = 0; j < p; ++j) all[static_cast<std::size_t>(j)] = j;
        return all;
      }());
      return x.transpose() * x / static_cast<double>(n);
    }
    case 1: {
      const Eigen::MatrixXd a = gaussian_matrix(p, p, seed);
      return 0.5 * (a + a.transpose());
    }
    default: {
      const Eigen::MatrixXd a = gaussian_matrix(4 * p, p, seed);
      Eigen::MatrixXd h = a.transpose() * a / static_cast<double>(4 * p);
      h.diagonal().array() += 0.1;
      return h;
    }
  }
}

std::vector<Index> all_columns(Index p) {
  std::vector<Index> all(static_cast<std::size_t>(p));
  for (Index j = 0; j < p; ++j) all[static_cast<std::size_t>(j)] = j;
  return all;
}

TEST(RestrictedConstants, ExactEnumerationMatchesIndependentBruteForce) {
  for (std::uint64_t seed = 1; seed <= 9; ++seed) {
    const Index p = 6 + static_cast<Index>(seed % 5);  // 6..10
    const Eigen::MatrixXd h = test_matrix(p, seed);
    for (Index k : {Index{1}, Index{2}, Index{3}, p / 2 + 1, p}) {
      const RestrictedConstants c = exact_restricted_constants(h, k);
      const BruteForce reference = brute_force(h, k);
      const double scale = 1e-10 * (1.0 + h.cwiseAbs().maxCoeff());
      EXPECT_NEAR(c.rsc.value, reference.rho, scale) << "seed " << seed << " k " << k;
      EXPECT_NEAR(c.rss.value, reference.beta, scale) << "seed " << seed << " k " << k;
      EXPECT_EQ(c.rsc.kind, Kind::kExact);
      EXPECT_EQ(c.rss.kind, Kind::kExact);
      EXPECT_EQ(c.condition.kind, Kind::kExact);
      EXPECT_EQ(c.k, k);
      // The witnesses are supports of size k attaining the values.
      ASSERT_EQ(static_cast<Index>(c.rsc_support.size()), k);
      ASSERT_EQ(static_cast<Index>(c.rss_support.size()), k);
      EXPECT_NEAR(submatrix_extremes(h, c.rsc_support).first, c.rsc.value, scale);
      EXPECT_NEAR(submatrix_extremes(h, c.rss_support).second, c.rss.value, scale);
      EXPECT_DOUBLE_EQ(c.isometry.value, std::max(1.0 - c.rsc.value, c.rss.value - 1.0));
      if (c.rsc.value > 0.0) EXPECT_DOUBLE_EQ(c.condition.value, c.rss.value / c.rsc.value);
    }
  }
}

TEST(RestrictedConstants, CertifiedBoundsAndEstimatesLieOnOppositeSidesOfTheExactValues) {
  int instances = 0;
  for (std::uint64_t seed = 20; seed < 80; ++seed) {
    const Index p = 4 + static_cast<Index>(seed % 9);  // 4..12
    const Eigen::MatrixXd h = test_matrix(p, seed);
    for (Index k = 1; k <= p; k += 1 + static_cast<Index>(seed % 3)) {
      const RestrictedConstantsReport report = restricted_constants_report(h, k);
      ASSERT_TRUE(report.exact.has_value());
      const RestrictedConstants& exact = *report.exact;
      const RestrictedConstants& cert = report.certified;
      const RestrictedConstants& est = report.estimated;
      const double tol = 1e-12 * (1.0 + h.cwiseAbs().maxCoeff());
      SCOPED_TRACE("seed " + std::to_string(seed) + " k " + std::to_string(k));
      EXPECT_EQ(cert.rsc.kind, Kind::kCertifiedBound);
      EXPECT_EQ(est.rss.kind, Kind::kEstimate);
      // Certified: safe side, by a proof, so no tolerance.
      EXPECT_LE(cert.rsc.value, exact.rsc.value);
      EXPECT_GE(cert.rss.value, exact.rss.value);
      EXPECT_GE(cert.isometry.value, exact.isometry.value);
      if (exact.rsc.value > 0.0) EXPECT_GE(cert.condition.value, exact.condition.value);
      // Estimates: attained by real supports, so on the optimistic side.
      EXPECT_GE(est.rsc.value, exact.rsc.value - tol);
      EXPECT_LE(est.rss.value, exact.rss.value + tol);
      EXPECT_LE(est.isometry.value, exact.isometry.value + tol);
      if (est.rsc.value > 0.0) EXPECT_LE(est.condition.value, exact.condition.value * (1 + tol));
      EXPECT_NEAR(submatrix_extremes(h, est.rsc_support).first, est.rsc.value, tol);
      EXPECT_NEAR(submatrix_extremes(h, est.rss_support).second, est.rss.value, tol);
      ++instances;
    }
  }
  EXPECT_GT(instances, 150);
}

TEST(RestrictedConstants, CertifiedBoundsAreTightWhereTheyMustBe) {
  const Eigen::MatrixXd h = test_matrix(9, 2);
  // k = 1: the diagonal; k = p: the spectrum.
  const RestrictedConstants one = certified_restricted_constants(h, 1);
  EXPECT_NEAR(one.rss.value, h.diagonal().maxCoeff(), 1e-12);
  EXPECT_NEAR(one.rsc.value, h.diagonal().minCoeff(), 1e-12);
  const RestrictedConstants all = certified_restricted_constants(h, 9);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(h);
  EXPECT_NEAR(all.rsc.value, solver.eigenvalues().minCoeff(), 1e-12);
  EXPECT_NEAR(all.rss.value, solver.eigenvalues().maxCoeff(), 1e-12);
}

TEST(RestrictedConstants, OrthogonalDesignHasUnitConstantsAndZeroIsometry) {
  const Index n = 50, p = 8;
  const Eigen::MatrixXd q =
      Eigen::HouseholderQR<Eigen::MatrixXd>(gaussian_matrix(n, p, 4)).householderQ() *
      Eigen::MatrixXd::Identity(n, p);
  const Eigen::MatrixXd x = std::sqrt(static_cast<double>(n)) * q;
  LeastSquaresProblem problem(Design(x), Eigen::VectorXd::Zero(n));
  for (Index k : {1, 3, 8}) {
    const RestrictedConstantsReport report = restricted_constants(problem, k);
    ASSERT_TRUE(report.exact.has_value());
    for (const RestrictedConstants* c : {&*report.exact, &report.certified, &report.estimated}) {
      EXPECT_NEAR(c->rsc.value, 1.0, 1e-12);
      EXPECT_NEAR(c->rss.value, 1.0, 1e-12);
      EXPECT_NEAR(c->condition.value, 1.0, 1e-12);
      EXPECT_NEAR(c->isometry.value, 0.0, 1e-12);
      EXPECT_NEAR(c->mean_diagonal, 1.0, 1e-12);
    }
  }
  // A ridge shifts every restricted eigenvalue by λ₂.
  LeastSquaresProblem ridge(Design(x), Eigen::VectorXd::Zero(n), {.ridge = 0.25});
  const RestrictedConstants c = *restricted_constants(ridge, 3).exact;
  EXPECT_NEAR(c.rsc.value, 1.25, 1e-12);
  EXPECT_NEAR(c.rss.value, 1.25, 1e-12);
  EXPECT_NEAR(c.isometry.value, 0.25, 1e-12);
}

TEST(RestrictedConstants, EnumerationCapRefusesWithACountAndTheWayOut) {
  const Eigen::MatrixXd h = Eigen::MatrixXd::Identity(30, 30);
  try {
    exact_restricted_constants(h, 10);
    FAIL() << "enumeration of C(30, 10) supports was not refused";
  } catch (const InvalidInput& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("30045015"), std::string::npos) << message;  // C(30, 10)
    EXPECT_NE(message.find("max_subsets"), std::string::npos) << message;
  }
  const RestrictedConstantsReport report = restricted_constants_report(h, 10);
  EXPECT_FALSE(report.exact.has_value());
  EXPECT_NE(report.exact_refusal.find("30045015"), std::string::npos);
  EXPECT_NEAR(report.certified.rsc.value, 1.0, 1e-12);

  const Eigen::MatrixXd small = test_matrix(10, 5);  // C(10, 5) = 252
  EXPECT_THROW(exact_restricted_constants(small, 5, {.max_subsets = 251}), InvalidInput);
  EXPECT_NO_THROW(exact_restricted_constants(small, 5, {.max_subsets = 252}));
  // Asked first, the refusal is the exception's message, and none exactly when there is none.
  const std::optional<std::string> refusal = enumeration_refusal(10, 5, {.max_subsets = 251});
  ASSERT_TRUE(refusal.has_value());
  EXPECT_NE(refusal->find("252"), std::string::npos) << *refusal;
  try {
    exact_restricted_constants(small, 5, {.max_subsets = 251});
  } catch (const InvalidInput& e) {
    EXPECT_EQ(std::string(e.what()), *refusal);
  }
  EXPECT_FALSE(enumeration_refusal(10, 5, {.max_subsets = 252}).has_value());
  EXPECT_TRUE(enumeration_refusal(30, 10).has_value());
}

TEST(RestrictedConstants, RejectsInvalidInput) {
  const Eigen::MatrixXd h = test_matrix(6, 3);
  EXPECT_THROW(exact_restricted_constants(h, 0), InvalidInput);
  EXPECT_THROW(certified_restricted_constants(h, 7), InvalidInput);
  Eigen::MatrixXd asymmetric = h;
  asymmetric(0, 1) += 1.0;
  EXPECT_THROW(estimated_restricted_constants(asymmetric, 2), InvalidInput);
  EXPECT_THROW(exact_restricted_constants(Eigen::MatrixXd::Ones(3, 4), 1), InvalidInput);
  try {
    certified_restricted_constants(h, 2, {.max_dimension = 5});
    FAIL() << "p above max_dimension was not refused";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("max_dimension"), std::string::npos);
  }
  EXPECT_THROW(
      make_restricted_constants(2, {0.5, Kind::kCertifiedBound, ""}, {1.5, Kind::kEstimate, ""}),
      InvalidInput);
}

TEST(RestrictedConstants, EstimatesAreDeterministic) {
  const Eigen::MatrixXd h = test_matrix(40, 6);
  const RestrictedConstants a = estimated_restricted_constants(h, 5, {.seed = 3});
  const RestrictedConstants b = estimated_restricted_constants(h, 5, {.seed = 3});
  EXPECT_EQ(a.rsc.value, b.rsc.value);
  EXPECT_EQ(a.rss.value, b.rss.value);
  EXPECT_EQ(a.rsc_support, b.rsc_support);
  EXPECT_EQ(a.rss_support, b.rss_support);
}

TEST(RestrictedConstants, GreedySearchFindsTheExtremesOfAPlantedBlock) {
  // Identity with one strongly correlated block {3, 7, 11}: the extremes at k = 3 sit on it, and a
  // few random supports alone would rarely hit it (1 in C(30, 3) = 4060).
  Eigen::MatrixXd h = Eigen::MatrixXd::Identity(30, 30);
  for (Index a : {3, 7, 11})
    for (Index b : {3, 7, 11})
      if (a != b) h(a, b) = 0.45;
  const RestrictedConstants est =
      estimated_restricted_constants(h, 3, {.random_supports = 0, .greedy_starts = 2});
  const RestrictedConstants exact = exact_restricted_constants(h, 3);
  EXPECT_NEAR(exact.rss.value, 1.9, 1e-12);
  EXPECT_NEAR(exact.rsc.value, 0.55, 1e-12);
  EXPECT_NEAR(est.rss.value, exact.rss.value, 1e-12);
  EXPECT_NEAR(est.rsc.value, exact.rsc.value, 1e-12);
  EXPECT_EQ(est.rss_support, (std::vector<Index>{3, 7, 11}));
}

TEST(RestrictedConstants, IsometryAtAStepAndAtTheBestScaling) {
  const RestrictedConstants c =
      make_restricted_constants(4, {0.8, Kind::kExact, ""}, {1.3, Kind::kExact, ""});
  EXPECT_DOUBLE_EQ(c.isometry.value, 0.3);
  EXPECT_NEAR(c.condition.value, 1.625, 1e-15);
  EXPECT_NEAR(isometry_constant(c, 0.5).value, 0.6, 1e-15);        // 1 − 0.5·0.8
  EXPECT_NEAR(isometry_constant(c, 1.5).value, 0.95, 1e-15);       // 1.5·1.3 − 1
  EXPECT_NEAR(best_isometry_constant(c).value, 0.5 / 2.1, 1e-15);  // (β − ρ)/(β + ρ)
  EXPECT_NEAR(isometry_constant(c, 2.0 / 2.1).value, 0.5 / 2.1, 1e-15);
  const RestrictedConstants mixed =
      make_restricted_constants(4, {0.8, Kind::kExact, ""}, {1.3, Kind::kCertifiedBound, ""});
  EXPECT_EQ(mixed.condition.kind, Kind::kCertifiedBound);
  EXPECT_EQ(isometry_constant(mixed, 1.0).kind, Kind::kCertifiedBound);
  const RestrictedConstants singular =
      make_restricted_constants(4, {0.0, Kind::kExact, ""}, {1.3, Kind::kExact, ""});
  EXPECT_TRUE(std::isinf(singular.condition.value));
}

TEST(RestrictedConstants, LogisticConstantsAtAPointEqualLeastSquaresOnTheReweightedDesign) {
  auto inst = make_synthetic({.samples = 60,
                              .features = 8,
                              .sparsity = 3,
                              .correlation = 0.4,
                              .logistic = true,
                              .seed = 7});
  const double ridge = 0.05;
  LogisticProblem logistic(inst.design, inst.response, {.ridge = ridge});
  const Eigen::VectorXd w = 0.7 * gaussian_matrix(8, 1, 9).col(0);
  const Eigen::MatrixXd x = inst.design.dense_columns(all_columns(8));
  const Eigen::VectorXd z = x * w;
  Eigen::VectorXd root_weight(z.size());
  for (Index i = 0; i < z.size(); ++i) {
    const double s = 1.0 / (1.0 + std::exp(-z[i]));
    root_weight[i] = std::sqrt(s * (1.0 - s));
  }
  LeastSquaresProblem reweighted(Design(Eigen::MatrixXd(root_weight.asDiagonal() * x)),
                                 Eigen::VectorXd::Zero(60), {.ridge = ridge});
  EXPECT_LT((curvature_matrix(logistic, w) - curvature_matrix(reweighted)).cwiseAbs().maxCoeff(),
            1e-14);
  for (Index k : {2, 4}) {
    const RestrictedConstantsReport a = restricted_constants_at(logistic, w, k);
    const RestrictedConstantsReport b = restricted_constants(reweighted, k);
    EXPECT_NEAR(a.exact->rsc.value, b.exact->rsc.value, 1e-12);
    EXPECT_NEAR(a.exact->rss.value, b.exact->rss.value, 1e-12);
    EXPECT_NEAR(a.certified.rss.value, b.certified.rss.value, 1e-12);
    EXPECT_NE(a.exact->matrix.find("AT THE GIVEN POINT"), std::string::npos);
  }
}

TEST(RestrictedConstants, InterceptIsProfiledOutAsASchurComplement) {
  auto ls = make_synthetic({.samples = 30, .features = 6, .sparsity = 2, .seed = 12});
  Eigen::MatrixXd x = ls.design.dense_columns(all_columns(6));
  x.array() += 0.8;  // nonzero column means, so centering matters
  const double ridge = 0.1;
  auto schur = [&](const Eigen::VectorXd& d) {
    Eigen::MatrixXd a(30, 7);
    a << x, Eigen::VectorXd::Ones(30);
    Eigen::MatrixXd joint = a.transpose() * d.asDiagonal() * a / 30.0;
    joint.diagonal().head(6).array() += ridge;
    return Eigen::MatrixXd(joint.topLeftCorner(6, 6) -
                           joint.topRightCorner(6, 1) * joint.bottomLeftCorner(1, 6) / joint(6, 6));
  };
  LeastSquaresProblem least_squares(Design(x), ls.response, {.ridge = ridge, .intercept = true});
  EXPECT_LT(
      (curvature_matrix(least_squares) - schur(Eigen::VectorXd::Ones(30))).cwiseAbs().maxCoeff(),
      1e-13);

  Eigen::VectorXd labels = ls.response.unaryExpr([](double v) { return v > 0 ? 1.0 : -1.0; });
  LogisticProblem logistic(Design(x), labels, {.ridge = ridge, .intercept = true});
  Eigen::VectorXd w(7);
  w << 0.3, -0.2, 0.5, 0.0, 0.1, -0.4, 0.6;
  const Eigen::VectorXd z = x * w.head(6) + Eigen::VectorXd::Constant(30, w[6]);
  const Eigen::VectorXd d = z.unaryExpr([](double t) {
    const double s = 1.0 / (1.0 + std::exp(-t));
    return s * (1.0 - s);
  });
  EXPECT_LT((curvature_matrix(logistic, w) - schur(d)).cwiseAbs().maxCoeff(), 1e-13);
}

TEST(RestrictedConstants, SparseAndDenseDesignsGiveTheSameGram) {
  auto inst = make_synthetic({.samples = 25, .features = 7, .sparsity = 2, .seed = 5});
  Eigen::MatrixXd x = inst.design.dense_columns(all_columns(7));
  x = (x.array().abs() < 0.7).select(0.0, x.array()).matrix();  // sparsify
  const Design dense(x), sparse(Design::Sparse(x.sparseView()));
  const Eigen::VectorXd weights = (x.col(0).array().abs() + 0.1).matrix();
  for (bool centered : {false, true}) {
    for (const Eigen::VectorXd& d : {Eigen::VectorXd(), weights}) {
      EXPECT_LT((weighted_gram(dense, d, centered) - weighted_gram(sparse, d, centered))
                    .cwiseAbs()
                    .maxCoeff(),
                1e-13);
    }
  }
}

TEST(RestrictedConstants, UniformLogisticBoundsContainTheConstantsAtEveryPointOfTheRegion) {
  auto inst = make_synthetic({.samples = 80,
                              .features = 7,
                              .sparsity = 3,
                              .correlation = 0.3,
                              .logistic = true,
                              .seed = 2});
  const double ridge = 0.02;
  for (bool intercept : {false, true}) {
    LogisticProblem problem(inst.design, inst.response, {.ridge = ridge, .intercept = intercept});
    const Index k = 3;
    const LogisticRegion region{.l2_radius = 1.5, .intercept_radius = 0.5};
    const UniformLogisticConstants uniform = uniform_restricted_constants(problem, k, region);
    EXPECT_EQ(uniform.constants.rsc.kind, Kind::kCertifiedBound);
    EXPECT_EQ(uniform.constants.rss.kind, Kind::kCertifiedBound);
    EXPECT_EQ(uniform.design.rsc.kind, Kind::kExact);  // C(7, 3) is small
    EXPECT_GT(uniform.constants.rsc.value, ridge);
    std::mt19937_64 engine(intercept ? 11 : 10);
    std::normal_distribution<double> normal;
    for (int trial = 0; trial < 25; ++trial) {
      Eigen::VectorXd w = Eigen::VectorXd::Zero(problem.space().total_dimension());
      for (Index j = 0; j < 7; ++j) w[j] = normal(engine);
      w.head(7) *=
          (trial % 2 == 0 ? 1.5 : 0.3 * (trial % 5)) / w.head(7).norm();  // on or in the ball
      if (intercept) w[7] = trial % 3 == 0 ? 0.5 : -0.2;
      EXPECT_LE(problem.linear_predictor(w).cwiseAbs().maxCoeff(), uniform.margin_bound + 1e-12);
      const RestrictedConstants at = exact_restricted_constants(curvature_matrix(problem, w), k);
      EXPECT_GE(at.rsc.value, uniform.constants.rsc.value) << "trial " << trial;
      EXPECT_LE(at.rss.value, uniform.constants.rss.value) << "trial " << trial;
    }
    // Without a region only the ridge remains as a lower bound; the smoothness bound is global.
    const UniformLogisticConstants unbounded = uniform_restricted_constants(problem, k);
    EXPECT_TRUE(std::isinf(unbounded.margin_bound));
    EXPECT_DOUBLE_EQ(unbounded.constants.rsc.value, ridge);
    EXPECT_DOUBLE_EQ(unbounded.constants.rss.value, uniform.constants.rss.value);
  }
}

TEST(RestrictedConstants, SparseRegionTightensTheMarginBound) {
  Eigen::MatrixXd x(2, 4);
  x << 1, -2, 3, 0.5,  //
      0, 4, -1, 1;
  Eigen::VectorXd y(2);
  y << 1, -1;
  LogisticProblem problem(Design(x), y);
  // ℓ2: max over rows of ‖top-2 entries‖ = max(√13, √17) = √17; ℓ∞: top-2 sums 5 and 5.
  const UniformLogisticConstants c = uniform_restricted_constants(
      problem, 2, {.l2_radius = 1.0, .linf_radius = 1.2, .support_size = 2});
  EXPECT_NEAR(c.margin_bound, std::min(std::sqrt(17.0), 1.2 * 5.0), 1e-14);
  const UniformLogisticConstants dense =
      uniform_restricted_constants(problem, 2, {.l2_radius = 1.0});
  EXPECT_NEAR(dense.margin_bound, std::sqrt(18.0), 1e-14);
  const double s = 1.0 / (1.0 + std::exp(-c.margin_bound));
  EXPECT_NEAR(c.curvature_floor, s * (1.0 - s), 1e-15);
}

}  // namespace
}  // namespace cardinal
