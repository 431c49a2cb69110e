#include "cardinal/convex/solvers/orthogonal_matching_pursuit.hpp"

#include <Eigen/Cholesky>
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

// A *restricted factor* keeps the restricted minimizer on the entered columns available as
// columns enter one at a time:
//
// | expression                   | meaning                                                      |
// |------------------------------|--------------------------------------------------------------|
// | `f.enter(j, order, tol)`     | enters column j after `order`; false, with nothing changed,  |
// |                              | when its pivot (Schur complement) is at most tol × its       |
// |                              | diagonal G_jj + λ₂                                           |
// | `f.coefficients(order)`      | the restricted minimizer in factor order                      |
// | `f.evaluate(v, order, w, g)` | as the Gram access's                                         |

/// The k × k route: the lower Cholesky factor L of G_FF + λ₂ diag(0, 1, …, 1), grown by one row
/// per entered column, and z with L z = b_F; the coefficients solve Lᵀ v = z. O(k²) per step and
/// k² doubles.
template <class Gram>
class GramCholesky {
 public:
  GramCholesky(const Gram& gram, Index capacity)
      : gram_(gram),
        chol_(Eigen::MatrixXd::Zero(capacity + offset(), capacity + offset())),
        z_(Eigen::VectorXd::Zero(capacity + offset())) {
    if (gram_.intercept()) {
      chol_(0, 0) = 1.0;  // 1ᵀ1/n
      z_[0] = gram_.intercept_correlation();
      size_ = 1;
    }
  }

  bool enter(Index j, const std::vector<Index>& order, double tolerance) {
    if (size_ == chol_.rows()) return false;  // only when capped at the rank (see below)
    // New row (lᵀ, d) of L: L l = G_Fj, d² = G_jj + λ₂ − ‖l‖².
    GramColumn column = gram_.column(j, order);
    Eigen::VectorXd& l = column.cross;
    chol_.topLeftCorner(size_, size_).template triangularView<Eigen::Lower>().solveInPlace(l);
    const double diagonal = column.diagonal + gram_.ridge();
    const double pivot = diagonal - l.squaredNorm();
    if (!(pivot > tolerance * diagonal)) return false;
    const double d = std::sqrt(pivot);
    chol_.row(size_).head(size_) = l.transpose();
    chol_(size_, size_) = d;
    z_[size_] = (column.correlation - l.dot(z_.head(size_))) / d;
    ++size_;
    return true;
  }

  Eigen::VectorXd coefficients(const std::vector<Index>&) const {
    return chol_.topLeftCorner(size_, size_)
        .transpose()
        .template triangularView<Eigen::Upper>()
        .solve(z_.head(size_));
  }

  double evaluate(const Eigen::VectorXd& v, const std::vector<Index>& order, Eigen::VectorXd& w,
                  Eigen::VectorXd& g) const {
    return gram_.evaluate(v, order, w, g);
  }

 private:
  Index offset() const { return gram_.intercept() ? 1 : 0; }

  const Gram& gram_;
  Eigen::MatrixXd chol_;
  Eigen::VectorXd z_;
  Index size_ = 0;
};

/// The n × n route for a CenteredRidgeProblem with λ > 0 (H = GᵀG/n + λI), through the Woodbury
/// identity H_FF⁻¹ = (I − G_Fᵀ M⁻¹ G_F)/λ with M = nλI + G_FG_Fᵀ: the Cholesky factor of M takes
/// a rank-one update per entered column, u = G_F b_F a column's multiple, and v = (b_F −
/// G_Fᵀ M⁻¹u)/λ. The pivot of column j is λ(1 + g_jᵀM⁻¹g_j) (push-through identity). O(n² + nk)
/// per step and n² doubles, against O(k²) and k² for GramCholesky: the route once k exceeds n,
/// as in a Fisher model with far more weights kept than gradients.
class WoodburyCholesky {
 public:
  explicit WoodburyCholesky(const CenteredRidgeProblem& problem)
      : problem_(problem),
        gram_(problem),
        n_(static_cast<double>(problem.samples())),
        llt_(Eigen::MatrixXd(
            Eigen::VectorXd::Constant(problem.samples(), n_ * problem.ridge()).asDiagonal())),
        u_(Eigen::VectorXd::Zero(problem.samples())) {}

  bool enter(Index j, const std::vector<Index>&, double tolerance) {
    const Eigen::VectorXd column = problem_.design().dense_columns(std::vector<Index>{j}).col(0);
    const double ridge = problem_.ridge();
    const double diagonal = column.squaredNorm() / n_ + ridge;
    const double pivot = ridge * (1.0 + column.dot(llt_.solve(column)));
    if (!(pivot > tolerance * diagonal)) return false;
    llt_.rankUpdate(column, 1.0);
    u_ += problem_.linear()[j] * column;
    return true;
  }

  Eigen::VectorXd coefficients(const std::vector<Index>& order) const {
    const Eigen::VectorXd s = llt_.solve(u_);
    const Design& g = problem_.design();
    const Eigen::VectorXd& b = problem_.linear();
    Eigen::VectorXd v(static_cast<Index>(order.size()));
    for (std::size_t i = 0; i < order.size(); ++i)
      v[static_cast<Index>(i)] = (b[order[i]] - g.column_dot(order[i], s)) / problem_.ridge();
    return v;
  }

  double evaluate(const Eigen::VectorXd& v, const std::vector<Index>& order, Eigen::VectorXd& w,
                  Eigen::VectorXd& g) const {
    return gram_.evaluate(v, order, w, g);
  }

 private:
  const CenteredRidgeProblem& problem_;
  CenteredRidgeGram gram_;
  double n_;
  Eigen::LLT<Eigen::MatrixXd> llt_;
  Eigen::VectorXd u_;
};

/// The number of columns OMP can enter: the budget, capped by max_iterations.
Index selection_capacity(const StoppingCriteria& stopping, Index sparsity) {
  return std::min(sparsity, std::max<Index>(0, stopping.max_iterations));
}

template <class Problem, class Factor>
SolverResult<Problem> run(const OrthogonalMatchingPursuitOptions& options, const Problem& problem,
                          Factor factor, Index sparsity) {
  require_valid_sparsity(problem, sparsity);
  const Stopwatch clock;
  const CoordinateSpace& space = problem.space();
  const StoppingCriteria& stopping = options.stopping;

  // The selected features in the order they entered (after the all-ones column, with an
  // intercept).
  std::vector<Index> order;
  SolverResult<Problem> result;
  CoordinateSpace::Support support = space.empty_support();
  Eigen::VectorXd w = space.zeros();
  Eigen::VectorXd g = space.zeros();
  // Each refit is a restricted solve that also yields f and ∇f.
  auto refit = [&] {
    ++result.evaluations.restricted_solves;
    ++result.evaluations.gradients;
    return factor.evaluate(factor.coefficients(order), order, w, g);
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
    if (!factor.enter(j, order, options.dependence_tolerance)) {
      result.reason = StopReason::kStalled;
      result.message = "the next column lies numerically in the span of the selected ones";
      break;
    }
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
  const DesignGram gram(problem);
  return run(options_, problem, GramCholesky(gram, selection_capacity(options_.stopping, sparsity)),
             sparsity);
}

SolverResult<CovarianceProblem> OrthogonalMatchingPursuit::minimize(
    const CovarianceProblem& problem, Index sparsity) const {
  const CovarianceGram gram(problem);
  return run(options_, problem, GramCholesky(gram, selection_capacity(options_.stopping, sparsity)),
             sparsity);
}

SolverResult<CenteredRidgeProblem> OrthogonalMatchingPursuit::minimize(
    const CenteredRidgeProblem& problem, Index sparsity) const {
  const Index capacity = selection_capacity(options_.stopping, sparsity);
  if (problem.ridge() > 0.0 && capacity > problem.samples())
    return run(options_, problem, WoodburyCholesky(problem), sparsity);
  // Without ridge at most n columns of G are independent: the factor needs no more rows.
  const CenteredRidgeGram gram(problem);
  return run(
      options_, problem,
      GramCholesky(gram, problem.ridge() > 0.0 ? capacity : std::min(capacity, problem.samples())),
      sparsity);
}

}  // namespace cardinal
