#include "cardinal/convex/analysis/restricted_constants.hpp"

#include <Eigen/Eigenvalues>
#include <Eigen/SparseCore>
#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <random>
#include <sstream>
#include <type_traits>
#include <utility>
#include <variant>

#include "cardinal/bridge/error.hpp"
#include "cardinal/convex/loss.hpp"

namespace cardinal {
namespace {

using Kind = RestrictedConstant::Kind;
using Support = std::vector<Index>;
constexpr double kInfinity = std::numeric_limits<double>::infinity();

std::string number(double x) {
  std::ostringstream out;
  out.precision(6);
  out << x;
  return out.str();
}

/// C(p, k) in floating point (exact below 2⁵³, which is all a cap comparison needs).
double binomial(Index p, Index k) {
  k = std::min(k, p - k);
  double c = 1.0;
  for (Index i = 1; i <= k; ++i) c = c * static_cast<double>(p - k + i) / static_cast<double>(i);
  return std::round(c);
}

std::string count_text(double c) {
  if (c < 1e15) return std::to_string(static_cast<long long>(c));
  std::ostringstream out;
  out.precision(3);
  out << c;
  return out.str();
}

}  // namespace

std::optional<std::string> enumeration_refusal(Index p, Index k,
                                               const RestrictedConstantsOptions& options) {
  const double count = binomial(p, k);
  if (count <= static_cast<double>(options.max_subsets)) return std::nullopt;
  return "exact restricted constants at k = " + std::to_string(k) +
         " for p = " + std::to_string(p) + " would enumerate C(p, k) = " + count_text(count) +
         " supports, above options.max_subsets = " + std::to_string(options.max_subsets) +
         "; raise max_subsets (about 2e6 supports a second for k near 5) or use the certified "
         "bounds and estimates";
}

namespace {

/// Validates a curvature matrix and returns its symmetric part.
Eigen::MatrixXd checked_matrix(const Eigen::MatrixXd& h, Index k,
                               const RestrictedConstantsOptions& options) {
  require(h.rows() == h.cols(), "restricted constants need a square matrix (got " +
                                    std::to_string(h.rows()) + " × " + std::to_string(h.cols()) +
                                    ")");
  const Index p = h.rows();
  require(p >= 1, "restricted constants need a non-empty matrix");
  require(p <= options.max_dimension,
          "restricted constants form the dense p × p curvature matrix; p = " + std::to_string(p) +
              " exceeds options.max_dimension = " + std::to_string(options.max_dimension) +
              " (raise it if 8p² bytes of memory and O(p³) time are acceptable)");
  require(h.allFinite(), "curvature matrix contains NaN or Inf");
  require(k >= 1 && k <= p, "sparsity level k = " + std::to_string(k) +
                                " must lie between 1 and the dimension " + std::to_string(p));
  const double scale = h.cwiseAbs().maxCoeff();
  require((h - h.transpose()).cwiseAbs().maxCoeff() <= 1e-10 * scale,
          "curvature matrix is not symmetric");
  return 0.5 * (h + h.transpose());
}

/// Extreme eigenvalues of principal submatrices, reusing one solver (eigenvalues only).
class SubmatrixSpectrum {
 public:
  explicit SubmatrixSpectrum(const Eigen::MatrixXd& h) : h_(h) {}

  /// (λ_min, λ_max) of H_SS; `s` should be sorted so that every caller sees the same numbers.
  std::pair<double, double> extremes(const Support& s) {
    const Index k = static_cast<Index>(s.size());
    if (k == 1) return {h_(s[0], s[0]), h_(s[0], s[0])};
    sub_.resize(k, k);
    for (Index a = 0; a < k; ++a)
      for (Index b = 0; b <= a; ++b)
        sub_(a, b) = h_(s[static_cast<std::size_t>(a)], s[static_cast<std::size_t>(b)]);
    solver_.compute(sub_, Eigen::EigenvaluesOnly);  // reads the lower triangle
    return {solver_.eigenvalues()[0], solver_.eigenvalues()[k - 1]};
  }

  /// Whether sign·(H_SS − shift·I) is positive definite, by an attempted Cholesky factorization
  /// (a few times cheaper than the eigenvalues): with sign = +1 it shows λ_min(H_SS) > shift, with
  /// sign = −1 it shows λ_max(H_SS) < shift.
  bool shifted_positive_definite(const Support& s, double shift, double sign) {
    if (!std::isfinite(shift)) return false;
    const std::size_t k = s.size();
    factor_.resize(k * k);  // row-major lower triangle
    for (std::size_t j = 0; j < k; ++j) {
      for (std::size_t i = j; i < k; ++i) {
        double v = sign * (h_(s[i], s[j]) - (i == j ? shift : 0.0));
        for (std::size_t m = 0; m < j; ++m) v -= factor_[i * k + m] * factor_[j * k + m];
        if (i == j) {
          if (!(v > 0.0)) return false;
          factor_[j * k + j] = std::sqrt(v);
        } else {
          factor_[i * k + j] = v / factor_[j * k + j];
        }
      }
    }
    return true;
  }

 private:
  const Eigen::MatrixXd& h_;
  Eigen::MatrixXd sub_;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver_;
  std::vector<double> factor_;
};

/// Sum of the m largest |H_ij| over j ≠ i, for every row i.
Eigen::VectorXd largest_off_diagonal_sums(const Eigen::MatrixXd& h, Index m) {
  const Index p = h.rows();
  Eigen::VectorXd sums = Eigen::VectorXd::Zero(p);
  if (m <= 0) return sums;
  std::vector<double> row(static_cast<std::size_t>(p - 1));
  for (Index i = 0; i < p; ++i) {
    std::size_t at = 0;
    for (Index j = 0; j < p; ++j)
      if (j != i) row[at++] = std::abs(h(j, i));
    std::nth_element(row.begin(), row.begin() + (m - 1), row.end(), std::greater<>());
    sums[i] = std::accumulate(row.begin(), row.begin() + m, 0.0);
  }
  return sums;
}

Kind combined(Kind a, Kind b) {
  if (a == b) return a;
  if (a == Kind::kExact) return b;
  if (b == Kind::kExact) return a;
  throw InvalidInput(
      "a certified bound and an estimate bound a restricted constant from opposite sides and "
      "cannot be combined");
}

std::string kind_phrase(Kind kind, bool safe_is_upper) {
  switch (kind) {
    case Kind::kExact:
      return "exact";
    case Kind::kCertifiedBound:
      return safe_is_upper ? "certified upper bound" : "certified lower bound";
    case Kind::kEstimate:
      return safe_is_upper ? "estimate from below" : "estimate from above";
  }
  return "";
}

/// Uniform integer in [0, m) from a mt19937_64 stream (rejection, so platform-independent).
Index uniform_below(std::mt19937_64& engine, Index m) {
  const std::uint64_t range = static_cast<std::uint64_t>(m);
  const std::uint64_t limit =
      std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % range;
  std::uint64_t draw = engine();
  while (draw >= limit) draw = engine();
  return static_cast<Index>(draw % range);
}

/// The largest eigenvalue of M_SS and its eigenvector (S in the given order).
std::pair<double, Eigen::VectorXd> top_eigenpair(const Eigen::MatrixXd& m, const Support& s) {
  const Eigen::MatrixXd sub = m(s, s);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(sub);
  const Index k = sub.rows();
  return {solver.eigenvalues()[k - 1], solver.eigenvectors().col(k - 1)};
}

/// Among j ∉ `excluded`, the one maximizing the largest Ritz value of M on span(v on S, e_j),
/// a lower bound on λ_max(M_{S∪j}) computable in O(p·|S|). Ties go to the smaller index.
Index best_addition(const Eigen::MatrixXd& m, const Support& s, double lambda,
                    const Eigen::VectorXd& v, const std::vector<char>& excluded) {
  const Index p = m.rows();
  Eigen::VectorXd coupling = Eigen::VectorXd::Zero(p);
  for (std::size_t a = 0; a < s.size(); ++a) coupling += v[static_cast<Index>(a)] * m.col(s[a]);
  Index best = -1;
  double best_score = -kInfinity;
  for (Index j = 0; j < p; ++j) {
    if (excluded[static_cast<std::size_t>(j)]) continue;
    const double half_gap = 0.5 * (m(j, j) - lambda);
    const double score = s.empty() ? m(j, j)
                                   : 0.5 * (lambda + m(j, j)) +
                                         std::sqrt(half_gap * half_gap + coupling[j] * coupling[j]);
    if (score > best_score) {
      best_score = score;
      best = j;
    }
  }
  return best;
}

/// Greedy growth from `start`, then first-improvement single swaps, for a support of size k
/// with large λ_max(M_SS). Returns the support, sorted.
Support greedy_maximum_support(const Eigen::MatrixXd& m, Index k, Index start, Index swap_rounds,
                               SubmatrixSpectrum& spectrum) {
  const Index p = m.rows();
  Support s{start};
  std::vector<char> in_support(static_cast<std::size_t>(p), 0);
  in_support[static_cast<std::size_t>(start)] = 1;
  while (static_cast<Index>(s.size()) < k) {
    const auto [lambda, v] = top_eigenpair(m, s);
    const Index j = best_addition(m, s, lambda, v, in_support);
    s.push_back(j);
    in_support[static_cast<std::size_t>(j)] = 1;
  }
  std::sort(s.begin(), s.end());
  if (k == p) return s;
  double current = spectrum.extremes(s).second;
  for (Index round = 0; round < swap_rounds; ++round) {
    bool improved = false;
    for (std::size_t out = 0; out < s.size() && !improved; ++out) {
      Support rest = s;
      rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(out));
      double lambda = 0.0;
      Eigen::VectorXd v;
      if (!rest.empty()) std::tie(lambda, v) = top_eigenpair(m, rest);
      const Index in = best_addition(m, rest, lambda, v, in_support);
      Support candidate = rest;
      candidate.insert(std::upper_bound(candidate.begin(), candidate.end(), in), in);
      const double value = spectrum.extremes(candidate).second;
      if (value > current + 1e-12 * (1.0 + std::abs(current))) {
        in_support[static_cast<std::size_t>(s[out])] = 0;
        in_support[static_cast<std::size_t>(in)] = 1;
        s = std::move(candidate);
        current = value;
        improved = true;
      }
    }
    if (!improved) break;
  }
  return s;
}

/// Greedy searches for a support with large λ_max(M_SS), started from the rows with the largest
/// Gershgorin row bound. Returns the best support found, sorted.
Support search_maximum_support(const Eigen::MatrixXd& m, Index k,
                               const RestrictedConstantsOptions& options) {
  const Index p = m.rows();
  const Eigen::VectorXd row_bound = m.diagonal() + largest_off_diagonal_sums(m, k - 1);
  std::vector<Index> order(static_cast<std::size_t>(p));
  std::iota(order.begin(), order.end(), Index{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](Index a, Index b) { return row_bound[a] > row_bound[b]; });
  SubmatrixSpectrum spectrum(m);
  Support best;
  double best_value = -kInfinity;
  const Index starts = std::min(p, std::max<Index>(options.greedy_starts, 1));
  for (Index start = 0; start < starts; ++start) {
    Support s = greedy_maximum_support(m, k, order[static_cast<std::size_t>(start)],
                                       options.swap_rounds, spectrum);
    const double value = spectrum.extremes(s).second;
    if (value > best_value) {
      best_value = value;
      best = std::move(s);
    }
  }
  return best;
}

}  // namespace

std::string_view to_string(RestrictedConstant::Kind kind) {
  switch (kind) {
    case Kind::kExact:
      return "exact";
    case Kind::kCertifiedBound:
      return "certified bound";
    case Kind::kEstimate:
      return "estimate";
  }
  return "unknown";
}

RestrictedConstants make_restricted_constants(Index k, RestrictedConstant rsc,
                                              RestrictedConstant rss, std::string matrix) {
  const Kind kind = combined(rsc.kind, rss.kind);
  RestrictedConstants c;
  c.k = k;
  c.matrix = std::move(matrix);
  if (rsc.value > 0.0) {
    c.condition = {rss.value / rsc.value, kind,
                   kind_phrase(kind, true) + ": β_k/ρ_k from the " + std::string(to_string(kind)) +
                       " values above"};
  } else {
    c.condition = {kInfinity, kind,
                   kind == Kind::kEstimate
                       ? "ρ_k ≤ 0 is attained by a support: κ_k is infinite"
                       : kind_phrase(kind, true) + ": ρ_k ≤ 0, no finite bound on κ_k"};
  }
  c.isometry = {std::max(1.0 - rsc.value, rss.value - 1.0), kind,
                kind_phrase(kind, true) + ": max(1 − ρ_k, β_k − 1)"};
  c.rsc = std::move(rsc);
  c.rss = std::move(rss);
  return c;
}

RestrictedConstant isometry_constant(const RestrictedConstants& constants, double step) {
  require(std::isfinite(step) && step > 0.0, "isometry_constant: step must be positive");
  const Kind kind = combined(constants.rsc.kind, constants.rss.kind);
  return {std::max(1.0 - step * constants.rsc.value, step * constants.rss.value - 1.0), kind,
          kind_phrase(kind, true) + ": max(1 − μρ_k, μβ_k − 1) at μ = " + number(step)};
}

RestrictedConstant best_isometry_constant(const RestrictedConstants& constants) {
  const Kind kind = combined(constants.rsc.kind, constants.rss.kind);
  const double rho = constants.rsc.value, beta = constants.rss.value;
  if (!(rho > 0.0)) {
    return {1.0, kind, kind_phrase(kind, true) + ": ρ_k ≤ 0, so δ_k(μ) ≥ 1 for every step μ"};
  }
  return {(beta - rho) / (beta + rho), kind,
          kind_phrase(kind, true) +
              ": (κ_k − 1)/(κ_k + 1) at μ = 2/(ρ_k + β_k) = " + number(2.0 / (rho + beta))};
}

RestrictedConstants exact_restricted_constants(const Eigen::MatrixXd& h_in, Index k,
                                               const RestrictedConstantsOptions& options) {
  const Eigen::MatrixXd h = checked_matrix(h_in, k, options);
  const Index p = h.rows();
  if (auto refusal = enumeration_refusal(p, k, options)) throw InvalidInput(*refusal);

  SubmatrixSpectrum spectrum(h);
  double rho = kInfinity, beta = -kInfinity;
  Support rho_support, beta_support;
  auto consider = [&](const Support& s) {
    const auto [low, high] = spectrum.extremes(s);
    if (low < rho) {
      rho = low;
      rho_support = s;
    }
    if (high > beta) {
      beta = high;
      beta_support = s;
    }
  };
  // Starting from the extremes the greedy searches find, most supports are skipped after a
  // Cholesky factorization shows that they improve on neither (λ_min(H_SS) > ρ − tie and
  // λ_max(H_SS) < β + tie). The searches only speed the enumeration up; every support is
  // examined. Supports within `tie` (rounding level) of the best are skipped too, so that
  // designs with many equal extremes (orthogonal ones) do not need an eigensolve per support.
  const double tie = 16.0 * static_cast<double>(k) * std::numeric_limits<double>::epsilon() *
                     h.cwiseAbs().maxCoeff();
  if (options.greedy_starts > 0) {
    consider(search_maximum_support(h, k, options));
    consider(search_maximum_support(-h, k, options));
  }
  Support s(static_cast<std::size_t>(k));
  std::iota(s.begin(), s.end(), Index{0});
  while (true) {
    if (!(spectrum.shifted_positive_definite(s, rho - tie, 1.0) &&
          spectrum.shifted_positive_definite(s, beta + tie, -1.0)))
      consider(s);
    // Next combination in lexicographic order.
    Index i = k - 1;
    while (i >= 0 && s[static_cast<std::size_t>(i)] == p - k + i) --i;
    if (i < 0) break;
    ++s[static_cast<std::size_t>(i)];
    for (Index j = i + 1; j < k; ++j)
      s[static_cast<std::size_t>(j)] = s[static_cast<std::size_t>(j - 1)] + 1;
  }
  const std::string method =
      "enumeration of all C(p, k) = " + count_text(binomial(p, k)) + " supports";
  RestrictedConstants c = make_restricted_constants(k, {rho, Kind::kExact, method},
                                                    {beta, Kind::kExact, method}, "given matrix");
  c.rsc_support = std::move(rho_support);
  c.rss_support = std::move(beta_support);
  c.mean_diagonal = h.trace() / static_cast<double>(p);
  return c;
}

RestrictedConstants certified_restricted_constants(const Eigen::MatrixXd& h_in, Index k,
                                                   const RestrictedConstantsOptions& options) {
  const Eigen::MatrixXd h = checked_matrix(h_in, k, options);
  const Index p = h.rows();
  const Eigen::VectorXd diagonal = h.diagonal();
  const Eigen::VectorXd off = largest_off_diagonal_sums(h, k - 1);
  const double gershgorin_upper = (diagonal + off).maxCoeff();
  const double gershgorin_lower = (diagonal - off).minCoeff();

  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> full(h, Eigen::EigenvaluesOnly);
  const double lambda_min = full.eigenvalues()[0], lambda_max = full.eigenvalues()[p - 1];

  std::vector<double> sorted(diagonal.data(), diagonal.data() + p);
  std::sort(sorted.begin(), sorted.end());
  const double smallest_k = std::accumulate(sorted.begin(), sorted.begin() + k, 0.0);
  const double largest_k = std::accumulate(sorted.end() - k, sorted.end(), 0.0);
  const double trace_upper = largest_k - static_cast<double>(k - 1) * lambda_min;
  const double trace_lower = smallest_k - static_cast<double>(k - 1) * lambda_max;

  // Every term above is a sum of at most p products of entries of H, and the symmetric
  // eigensolver is backward stable with error O(ε‖H‖₂) ≤ O(ε‖H‖_∞).
  const double margin = 16.0 * static_cast<double>(p) * std::numeric_limits<double>::epsilon() *
                        h.cwiseAbs().rowwise().sum().maxCoeff();

  const double beta = std::min({gershgorin_upper, lambda_max, trace_upper});
  const double rho = std::max({gershgorin_lower, lambda_min, trace_lower});
  auto which = [](double chosen, double gershgorin, double spectral) {
    return chosen == gershgorin ? "Gershgorin on k × k principal submatrices"
           : chosen == spectral ? "interlacing with the spectrum of H"
                                : "trace and interlacing";
  };
  const std::string widened = "; widened by " + number(margin) + " for rounding";
  RestrictedConstant rsc{rho - margin, Kind::kCertifiedBound,
                         std::string("certified lower bound: max(Gershgorin ") +
                             number(gershgorin_lower) + ", λ_min(H) " + number(lambda_min) +
                             ", trace " + number(trace_lower) + ") by " +
                             which(rho, gershgorin_lower, lambda_min) + widened};
  RestrictedConstant rss{beta + margin, Kind::kCertifiedBound,
                         std::string("certified upper bound: min(Gershgorin ") +
                             number(gershgorin_upper) + ", λ_max(H) " + number(lambda_max) +
                             ", trace " + number(trace_upper) + ") by " +
                             which(beta, gershgorin_upper, lambda_max) + widened};
  RestrictedConstants c =
      make_restricted_constants(k, std::move(rsc), std::move(rss), "given matrix");
  c.mean_diagonal = h.trace() / static_cast<double>(p);
  return c;
}

RestrictedConstants estimated_restricted_constants(const Eigen::MatrixXd& h_in, Index k,
                                                   const RestrictedConstantsOptions& options) {
  const Eigen::MatrixXd h = checked_matrix(h_in, k, options);
  const Index p = h.rows();
  require(options.random_supports >= 0 && options.greedy_starts >= 0 && options.swap_rounds >= 0,
          "restricted constants: random_supports, greedy_starts and swap_rounds must be >= 0");
  SubmatrixSpectrum spectrum(h);
  double rho = kInfinity, beta = -kInfinity;
  Support rho_support, beta_support;
  auto consider = [&](const Support& s) {
    const auto [low, high] = spectrum.extremes(s);
    if (low < rho) {
      rho = low;
      rho_support = s;
    }
    if (high > beta) {
      beta = high;
      beta_support = s;
    }
  };

  // Random supports: partial Fisher–Yates shuffles of a running permutation.
  std::mt19937_64 engine(options.seed);
  std::vector<Index> permutation(static_cast<std::size_t>(p));
  std::iota(permutation.begin(), permutation.end(), Index{0});
  for (Index sample = 0; sample < options.random_supports; ++sample) {
    for (Index i = 0; i < k; ++i) {
      const Index j = i + uniform_below(engine, p - i);
      std::swap(permutation[static_cast<std::size_t>(i)], permutation[static_cast<std::size_t>(j)]);
    }
    Support s(permutation.begin(), permutation.begin() + k);
    std::sort(s.begin(), s.end());
    consider(s);
  }
  // Greedy searches: λ_max of H for β_k, and λ_max of −H (i.e. −λ_min of H) for ρ_k.
  if (options.greedy_starts > 0) {
    consider(search_maximum_support(h, k, options));
    consider(search_maximum_support(-h, k, options));
  }
  if (rho_support.empty()) {  // no search at all: the first k coordinates
    Support s(static_cast<std::size_t>(k));
    std::iota(s.begin(), s.end(), Index{0});
    consider(s);
  }
  const std::string method = "best of " + std::to_string(options.random_supports) +
                             " random supports and " + std::to_string(options.greedy_starts) +
                             " greedy + swap searches";
  RestrictedConstants c = make_restricted_constants(
      k, {rho, Kind::kEstimate, "estimate from above (attained): " + method},
      {beta, Kind::kEstimate, "estimate from below (attained): " + method}, "given matrix");
  c.rsc_support = std::move(rho_support);
  c.rss_support = std::move(beta_support);
  c.mean_diagonal = h.trace() / static_cast<double>(p);
  return c;
}

RestrictedConstantsReport restricted_constants_report(const Eigen::MatrixXd& h, Index k,
                                                      const RestrictedConstantsOptions& options) {
  checked_matrix(h, k, options);
  RestrictedConstantsReport report;
  if (auto refusal = enumeration_refusal(h.rows(), k, options)) {
    report.exact_refusal = *refusal;
  } else {
    report.exact = exact_restricted_constants(h, k, options);
  }
  report.certified = certified_restricted_constants(h, k, options);
  report.estimated = estimated_restricted_constants(h, k, options);
  return report;
}

Eigen::MatrixXd weighted_gram(const Design& x, const Eigen::VectorXd& weights, bool centered,
                              Index max_dimension) {
  const Index n = x.rows(), p = x.cols();
  require(p <= max_dimension,
          "restricted constants form the dense p × p curvature matrix; p = " + std::to_string(p) +
              " exceeds max_dimension = " + std::to_string(max_dimension));
  const bool weighted = weights.size() > 0;
  require(!weighted || weights.size() == n, "weighted_gram: one weight per sample is needed");
  require(!weighted || (weights.allFinite() && (weights.array() >= 0.0).all()),
          "weighted_gram: weights must be finite and non-negative");
  const Eigen::VectorXd d = weighted ? weights : Eigen::VectorXd::Ones(n);
  const double total = d.sum();
  const double nn = static_cast<double>(n);

  Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(p, p);
  const auto* dense_float = std::get_if<Design::DenseFloat>(&x.storage());
  if (const auto* dense = std::get_if<Design::Dense>(&x.storage()); dense || dense_float) {
    Eigen::MatrixXd a = dense ? *dense : Eigen::MatrixXd(dense_float->cast<double>());
    if (centered && total > 0.0) {
      const Eigen::RowVectorXd mean = (d.transpose() * a) / total;
      a.rowwise() -= mean;
    }
    a = d.cwiseSqrt().asDiagonal() * a;
    gram.selfadjointView<Eigen::Lower>().rankUpdate(a.transpose(), 1.0 / nn);
  } else {
    const auto& sparse = std::get<Design::Sparse>(x.storage());
    const Design::Sparse product = sparse.transpose() * d.asDiagonal() * sparse;
    gram = Eigen::MatrixXd(product) / nn;
    if (centered && total > 0.0) {
      const Eigen::VectorXd s = sparse.transpose() * d;
      gram.noalias() -= s * s.transpose() / (nn * total);
    }
  }
  return gram.selfadjointView<Eigen::Lower>();
}

Eigen::MatrixXd curvature_matrix(const LeastSquaresProblem& problem, Index max_dimension) {
  Eigen::MatrixXd h =
      weighted_gram(problem.design(), {}, problem.options().intercept, max_dimension);
  h.diagonal().array() += problem.options().ridge;
  return h;
}

Eigen::MatrixXd curvature_matrix(const LogisticProblem& problem, const Eigen::VectorXd& w,
                                 Index max_dimension) {
  require(w.size() == problem.space().total_dimension(),
          "curvature_matrix: the point has " + std::to_string(w.size()) + " entries, the problem " +
              std::to_string(problem.space().total_dimension()));
  require(w.allFinite(), "curvature_matrix: the point contains NaN or Inf");
  const Eigen::VectorXd z = problem.linear_predictor(w);
  Eigen::VectorXd d(z.size());
  for (Index i = 0; i < z.size(); ++i) d[i] = LogisticLoss::curvature(z[i], 0.0);
  Eigen::MatrixXd h =
      weighted_gram(problem.design(), d, problem.options().intercept, max_dimension);
  h.diagonal().array() += problem.options().ridge;
  return h;
}

namespace {

std::string least_squares_matrix(const LeastSquaresProblem& problem) {
  return std::string(problem.options().intercept ? "X_cᵀX_c/n (X centered: intercept profiled out)"
                                                 : "XᵀX/n") +
         " + λ₂I with λ₂ = " + number(problem.options().ridge) + " (least squares)";
}

void describe(RestrictedConstantsReport& report, const std::string& matrix) {
  if (report.exact) report.exact->matrix = matrix;
  report.certified.matrix = matrix;
  report.estimated.matrix = matrix;
}

}  // namespace

RestrictedConstantsReport restricted_constants(const LeastSquaresProblem& problem, Index k,
                                               const RestrictedConstantsOptions& options) {
  RestrictedConstantsReport report =
      restricted_constants_report(curvature_matrix(problem, options.max_dimension), k, options);
  describe(report, least_squares_matrix(problem));
  return report;
}

RestrictedConstantsReport restricted_constants_at(const LogisticProblem& problem,
                                                  const Eigen::VectorXd& w, Index k,
                                                  const RestrictedConstantsOptions& options) {
  RestrictedConstantsReport report =
      restricted_constants_report(curvature_matrix(problem, w, options.max_dimension), k, options);
  describe(report, std::string("Xᵀ D(w) X/n + λ₂I AT THE GIVEN POINT w only") +
                       (problem.options().intercept ? " (rows centered at their D-weighted mean: "
                                                      "intercept profiled out)"
                                                    : "") +
                       ", D = diag(σ'(xᵢ·w + b)), λ₂ = " + number(problem.options().ridge) +
                       " (logistic)");
  return report;
}

UniformLogisticConstants uniform_restricted_constants(const LogisticProblem& problem, Index k,
                                                      const LogisticRegion& region,
                                                      const RestrictedConstantsOptions& options) {
  require(!(region.l2_radius < 0.0) && !(region.linf_radius < 0.0) &&
              !(region.intercept_radius < 0.0) && region.support_size >= 0,
          "logistic region: radii and support_size must be non-negative");
  const bool intercept = problem.options().intercept;
  const double ridge = problem.options().ridge;
  const Eigen::MatrixXd gram =
      weighted_gram(problem.design(), {}, intercept, options.max_dimension);

  UniformLogisticConstants result;
  result.design = enumeration_refusal(gram.rows(), k, options)
                      ? certified_restricted_constants(gram, k, options)
                      : exact_restricted_constants(gram, k, options);
  result.design.matrix = intercept ? "G = X_cᵀX_c/n (X centered)" : "G = XᵀX/n";

  // |xᵢ·w| ≤ ‖w‖₂·(ℓ2 norm of the m largest |x_ij|) and ≤ ‖w‖_∞·(their ℓ1 norm), m = the number
  // of nonzeros w may have.
  auto times = [](double radius, double norm) { return norm == 0.0 ? 0.0 : radius * norm; };
  const Index p = problem.features();
  const Index m = region.support_size > 0 ? std::min(region.support_size, p) : p;
  std::vector<std::vector<double>> rows(static_cast<std::size_t>(problem.samples()));
  std::visit(
      [&](const auto& x) {
        using Matrix = std::decay_t<decltype(x)>;
        if constexpr (!std::is_same_v<Matrix, Design::Sparse>) {
          for (Index i = 0; i < x.rows(); ++i)
            for (Index j = 0; j < x.cols(); ++j)
              if (x(i, j) != 0.0) rows[static_cast<std::size_t>(i)].push_back(std::abs(x(i, j)));
        } else {
          for (Index j = 0; j < x.outerSize(); ++j)
            for (typename Matrix::InnerIterator it(x, j); it; ++it)
              if (it.value() != 0.0)
                rows[static_cast<std::size_t>(it.index())].push_back(std::abs(it.value()));
        }
      },
      problem.design().storage());
  double margin = 0.0;
  for (auto& row : rows) {
    const auto top =
        static_cast<std::ptrdiff_t>(std::min<std::size_t>(row.size(), static_cast<std::size_t>(m)));
    std::nth_element(row.begin(), row.begin() + std::max<std::ptrdiff_t>(top - 1, 0), row.end(),
                     std::greater<>());
    double l1 = 0.0, l2 = 0.0;
    for (std::ptrdiff_t a = 0; a < top; ++a) {
      l1 += row[static_cast<std::size_t>(a)];
      l2 += row[static_cast<std::size_t>(a)] * row[static_cast<std::size_t>(a)];
    }
    margin = std::max(
        margin, std::min(times(region.l2_radius, std::sqrt(l2)), times(region.linf_radius, l1)));
  }
  if (intercept) margin += region.intercept_radius;
  result.margin_bound = margin;
  result.curvature_floor = LogisticLoss::curvature(margin, 0.0);

  const std::string design_kind(to_string(result.design.rss.kind));
  RestrictedConstant rss{0.25 * result.design.rss.value + ridge, Kind::kCertifiedBound,
                         "certified upper bound at every w: 0.25·β_k(G) + λ₂ (σ' ≤ 1/4), β_k(G) " +
                             design_kind + " = " + number(result.design.rss.value)};
  RestrictedConstant rsc{
      result.curvature_floor * std::max(result.design.rsc.value, 0.0) + ridge,
      Kind::kCertifiedBound,
      "certified lower bound over the region: σ'(M)·ρ_k(G) + λ₂ with M = " + number(margin) +
          " ≥ |xᵢ·w + b|, σ'(M) = " + number(result.curvature_floor) + ", ρ_k(G) " + design_kind +
          " = " + number(result.design.rsc.value)};
  std::ostringstream region_text;
  region_text << "Xᵀ D(w) X/n + λ₂I uniformly: β_k at every w, ρ_k over ‖w‖₂ ≤ " << region.l2_radius
              << ", ‖w‖_∞ ≤ " << region.linf_radius;
  if (intercept) region_text << ", |b| ≤ " << region.intercept_radius;
  if (region.support_size > 0) region_text << ", ‖w‖₀ ≤ " << region.support_size;
  result.constants =
      make_restricted_constants(k, std::move(rsc), std::move(rss), region_text.str());
  return result;
}

}  // namespace cardinal
