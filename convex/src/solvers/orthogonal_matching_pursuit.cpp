#include "cardinal/convex/solvers/orthogonal_matching_pursuit.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/greedy_stop.hpp"
#include "cardinal/bridge/trace.hpp"

namespace cardinal {

OrthogonalMatchingPursuit::OrthogonalMatchingPursuit(OrthogonalMatchingPursuitOptions options)
    : options_(options) {
  require(options_.dependence_tolerance >= 0.0 && options_.dependence_tolerance < 1.0,
          "dependence_tolerance must lie in [0, 1)");
}

namespace {

// OMP needs a least-squares objective f(w) = ½ wᵀGw − bᵀw + c (+ (λ₂/2)‖w‖²) only through its
// Gram matrix G and its correlations b, in factor order. A *Gram access* `a` provides:
//
// | expression                   | meaning                                                      |
// |------------------------------|--------------------------------------------------------------|
// | `a.intercept()`              | whether an all-ones free column enters the factor first      |
// | `a.ridge()`                  | λ₂, added to the diagonal of every constrained column        |
// | `a.intercept_correlation()`  | b of the all-ones column (ȳ)                                 |
// | `a.column(j, order)`         | GramColumn of column j against the entered `order`           |
// | `a.evaluate(v, order, w, g)` | with v the coefficients in factor order: writes w, ∇f(w)     |
// |                              | into g and returns f(w)                                       |
//
// DesignGram (a LeastSquaresProblem: G = AᵀA/n, b = Aᵀy/n) maintains the residual; CovarianceGram
// (a CovarianceProblem: G = H, b given) reads H; CenteredRidgeGram (a CenteredRidgeProblem) reads
// its design's columns. The iterates agree to rounding.

/// Column j of the Gram matrix against the entered columns (the all-ones column first, with an
/// intercept), its diagonal entry G_jj (without λ₂) and its correlation b_j.
struct GramColumn {
  Eigen::VectorXd cross;
  double diagonal = 0.0;
  double correlation = 0.0;
};

class DesignGram {
 public:
  explicit DesignGram(const LeastSquaresProblem& problem)
      : x_(problem.design()),
        y_(problem.response()),
        p_(problem.features()),
        n_(static_cast<double>(problem.samples())),
        ridge_(problem.options().ridge),
        intercept_(problem.options().intercept) {}

  bool intercept() const { return intercept_; }
  double ridge() const { return ridge_; }
  double intercept_correlation() const { return y_.sum() / n_; }

  GramColumn column(Index j, const std::vector<Index>& order) const {
    const Eigen::VectorXd column = x_.dense_columns(std::vector<Index>{j}).col(0);
    const Index offset = intercept_ ? 1 : 0;
    GramColumn result;
    result.cross.resize(offset + static_cast<Index>(order.size()));
    if (intercept_) result.cross[0] = column.sum() / n_;
    for (std::size_t i = 0; i < order.size(); ++i)
      result.cross[offset + static_cast<Index>(i)] = x_.column_dot(order[i], column) / n_;
    result.diagonal = column.squaredNorm() / n_;
    result.correlation = x_.column_dot(j, y_) / n_;
    return result;
  }

  /// f and ∇f from the residual: one pass over the design.
  double evaluate(const Eigen::VectorXd& v, const std::vector<Index>& order, Eigen::VectorXd& w,
                  Eigen::VectorXd& g) const {
    const Index offset = intercept_ ? 1 : 0;
    Eigen::VectorXd residual = y_;
    if (intercept_) {
      w[p_] = v[0];
      residual.array() -= v[0];
    }
    for (std::size_t i = 0; i < order.size(); ++i) {
      const double coefficient = v[offset + static_cast<Index>(i)];
      w[order[i]] = coefficient;
      x_.add_column(order[i], -coefficient, residual);
    }
    g.head(p_) = x_.transpose_multiply(residual) / -n_;
    if (ridge_ != 0.0) g.head(p_) += ridge_ * w.head(p_);
    if (intercept_) g[p_] = -residual.sum() / n_;
    return 0.5 * residual.squaredNorm() / n_ + 0.5 * ridge_ * w.head(p_).squaredNorm();
  }

 private:
  const Design& x_;
  const Eigen::VectorXd& y_;
  Index p_;
  double n_, ridge_;
  bool intercept_;
};

class CovarianceGram {
 public:
  explicit CovarianceGram(const CovarianceProblem& problem)
      : h_(problem.hessian()), b_(problem.linear()), c_(problem.constant()) {}

  bool intercept() const { return false; }
  double ridge() const { return 0.0; }
  double intercept_correlation() const { return 0.0; }

  GramColumn column(Index j, const std::vector<Index>& order) const {
    GramColumn result;
    result.cross.resize(static_cast<Index>(order.size()));
    for (std::size_t i = 0; i < order.size(); ++i)
      result.cross[static_cast<Index>(i)] = h_(order[i], j);
    result.diagonal = h_(j, j);
    result.correlation = b_[j];
    return result;
  }

  /// ∇f = H_F v − b over the entered columns F, f = ½ wᵀ(∇f − b) + c.
  double evaluate(const Eigen::VectorXd& v, const std::vector<Index>& order, Eigen::VectorXd& w,
                  Eigen::VectorXd& g) const {
    g = -b_;
    for (std::size_t i = 0; i < order.size(); ++i) {
      const double coefficient = v[static_cast<Index>(i)];
      w[order[i]] = coefficient;
      g.noalias() += coefficient * h_.col(order[i]);
    }
    return 0.5 * w.dot(g - b_) + c_;
  }

 private:
  const Eigen::MatrixXd& h_;
  const Eigen::VectorXd& b_;
  double c_;
};

/// A CenteredRidgeProblem: G = AᵀA/n read column by column from its design (H = G + λI never
/// formed), b = Hw̄; f and ∇f from one pass over the design.
class CenteredRidgeGram {
 public:
  explicit CenteredRidgeGram(const CenteredRidgeProblem& problem)
      : problem_(problem), n_(static_cast<double>(problem.samples())) {}

  bool intercept() const { return false; }
  double ridge() const { return problem_.ridge(); }
  double intercept_correlation() const { return 0.0; }

  GramColumn column(Index j, const std::vector<Index>& order) const {
    const Design& x = problem_.design();
    const Eigen::VectorXd column = x.dense_columns(std::vector<Index>{j}).col(0);
    GramColumn result;
    result.cross.resize(static_cast<Index>(order.size()));
    for (std::size_t i = 0; i < order.size(); ++i)
      result.cross[static_cast<Index>(i)] = x.column_dot(order[i], column) / n_;
    result.diagonal = column.squaredNorm() / n_;
    result.correlation = problem_.linear()[j];
    return result;
  }

  double evaluate(const Eigen::VectorXd& v, const std::vector<Index>& order, Eigen::VectorXd& w,
                  Eigen::VectorXd& g) const {
    for (std::size_t i = 0; i < order.size(); ++i) w[order[i]] = v[static_cast<Index>(i)];
    return problem_.value_and_gradient(w, g);
  }

 private:
  const CenteredRidgeProblem& problem_;
  double n_;
};

template <class Problem, class Gram>
SolverResult<Problem> run(const OrthogonalMatchingPursuitOptions& options, const Problem& problem,
                          const Gram& gram, Index sparsity) {
  require_valid_sparsity(problem, sparsity);
  const Stopwatch clock;
  const CoordinateSpace& space = problem.space();
  const StoppingCriteria& stopping = options.stopping;
  const double ridge = gram.ridge();
  const bool intercept = gram.intercept();

  // Columns of A in factor order: the all-ones column first (with an intercept), then the selected
  // features in the order they entered. chol is the lower Cholesky factor L of
  // G_FF + λ₂ diag(0, 1, …, 1); z solves L z = b_F; the coefficients v solve Lᵀ v = z.
  const Index offset = intercept ? 1 : 0;
  const Index capacity = std::min(sparsity, std::max<Index>(0, stopping.max_iterations)) + offset;
  Eigen::MatrixXd chol = Eigen::MatrixXd::Zero(capacity, capacity);
  Eigen::VectorXd z = Eigen::VectorXd::Zero(capacity);
  std::vector<Index> order;
  Index size = 0;
  if (intercept) {
    chol(0, 0) = 1.0;  // 1ᵀ1/n
    z[0] = gram.intercept_correlation();
    size = 1;
  }

  SolverResult<Problem> result;
  CoordinateSpace::Support support = space.empty_support();
  Eigen::VectorXd w = space.zeros();
  Eigen::VectorXd g = space.zeros();
  // Each refit is a restricted solve (two triangular solves) that also yields f and ∇f.
  auto refit = [&] {
    ++result.evaluations.restricted_solves;
    ++result.evaluations.gradients;
    const Eigen::VectorXd v = chol.topLeftCorner(size, size)
                                  .transpose()
                                  .template triangularView<Eigen::Upper>()
                                  .solve(z.head(size));
    return gram.evaluate(v, order, w, g);
  };

  double objective = refit();
  Index iteration = 0;
  while (true) {
    record(problem, result.trace, iteration, objective, g, support, clock);

    if (const std::optional<GreedyStop> stop =
            greedy_stop(stopping, {.selected = space.size(support),
                                   .budget = sparsity,
                                   .iteration = iteration,
                                   .objective = objective,
                                   .gradient_off = space.norm_off(g, support)})) {
      result.reason = stop->reason;
      result.message = stop->message;
      break;
    }

    const CoordinateSpace::Support pick = space.largest_outside(g, support, 1);
    const Index j = space.constrained_part(pick).front();

    // New row (lᵀ, d) of L: L l = G_Fj, d² = G_jj + λ₂ − ‖l‖².
    GramColumn column = gram.column(j, order);
    Eigen::VectorXd& l = column.cross;
    chol.topLeftCorner(size, size).template triangularView<Eigen::Lower>().solveInPlace(l);
    const double diagonal = column.diagonal + ridge;
    const double pivot = diagonal - l.squaredNorm();
    if (!(pivot > options.dependence_tolerance * diagonal)) {
      result.reason = StopReason::kStalled;
      result.message = "the next column lies numerically in the span of the selected ones";
      break;
    }
    const double d = std::sqrt(pivot);
    chol.row(size).head(size) = l.transpose();
    chol(size, size) = d;
    z[size] = (column.correlation - l.dot(z.head(size))) / d;
    ++size;
    order.push_back(j);
    support = space.unite(support, pick);
    objective = refit();
    ++iteration;
  }

  result.support = std::move(support);
  result.w = std::move(w);
  result.objective = objective;
  result.iterations = iteration;
  return result;
}

}  // namespace

SolverResult<LeastSquaresProblem> OrthogonalMatchingPursuit::minimize(
    const LeastSquaresProblem& problem, Index sparsity) const {
  return run(options_, problem, DesignGram(problem), sparsity);
}

SolverResult<CovarianceProblem> OrthogonalMatchingPursuit::minimize(
    const CovarianceProblem& problem, Index sparsity) const {
  return run(options_, problem, CovarianceGram(problem), sparsity);
}

SolverResult<CenteredRidgeProblem> OrthogonalMatchingPursuit::minimize(
    const CenteredRidgeProblem& problem, Index sparsity) const {
  return run(options_, problem, CenteredRidgeGram(problem), sparsity);
}

}  // namespace cardinal
