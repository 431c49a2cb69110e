#include "cardinal/convex/design.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <string>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/convex/analysis/restricted_constants.hpp"
#include "cardinal/convex/data/libsvm.hpp"
#include "cardinal/convex/data/synthetic.hpp"
#include "cardinal/convex/glm_problem.hpp"
#include "cardinal/convex/parallel.hpp"
#include "cardinal/convex/solvers/l1_path.hpp"
#include "cardinal/convex/solvers/orthogonal_matching_pursuit.hpp"
#include "cardinal/solvers/iterative_hard_thresholding.hpp"
#include "random_matrix.hpp"

namespace cardinal {
namespace {

using test_support::gaussian_matrix;

Eigen::VectorXd gaussian_vector(Index size, std::uint64_t seed) {
  return gaussian_matrix(size, 1, seed).col(0);
}

/// The double matrix holding exactly the entries of x rounded to float.
Eigen::MatrixXd rounded_to_float(const Eigen::MatrixXd& x) {
  return x.cast<float>().cast<double>();
}

/// Bit-for-bit equality (EXPECT_EQ on doubles would also accept +0 == −0).
bool identical(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), static_cast<std::size_t>(a.size()) * sizeof(double)) == 0;
}

bool identical(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

std::vector<Index> all_columns(Index p) {
  std::vector<Index> all(static_cast<std::size_t>(p));
  std::iota(all.begin(), all.end(), Index{0});
  return all;
}

/// X_jᵀ r in the documented order of the dense correlation pass: eight running sums, A_l over
/// i ≡ l and B_l over i ≡ l + 4 (mod 8), then ((A₀+B₀) + (A₁+B₁)) + ((A₂+B₂) + (A₃+B₃)), then
/// the last n mod 8 products in order.
double reference_dot(const Eigen::MatrixXd& x, Index j, const Eigen::VectorXd& r) {
  const Index n = x.rows();
  double a[4] = {}, b[4] = {};
  Index i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 4; ++l) {
      a[l] += x(i + l, j) * r[i + l];
      b[l] += x(i + 4 + l, j) * r[i + 4 + l];
    }
  double t = ((a[0] + b[0]) + (a[1] + b[1])) + ((a[2] + b[2]) + (a[3] + b[3]));
  for (; i < n; ++i) t += x(i, j) * r[i];
  return t;
}

/// X w in the documented order of a dense design: per row, sums over blocks of `block`
/// consecutive columns (by default: all of them below 128 columns, else 16 for n < 4000), the
/// block sums added in order.
Eigen::VectorXd reference_multiply(const Eigen::MatrixXd& x, const Eigen::VectorXd& w,
                                   Index block = 0) {
  const Index n = x.rows(), p = x.cols();
  if (block == 0) block = p < 128 ? p : 16;
  Eigen::VectorXd z = Eigen::VectorXd::Zero(n);
  for (Index i = 0; i < n; ++i)
    for (Index start = 0; start < p; start += block) {
      double s = 0.0;
      for (Index j = start; j < std::min(start + block, p); ++j) s += x(i, j) * w[j];
      z[i] += s;
    }
  return z;
}

/// Sets the configured thread count for the lifetime of the object.
class ThreadCount {
 public:
  explicit ThreadCount(int threads) { set_configured_threads(threads); }
  ~ThreadCount() { set_configured_threads(0); }
};

// 37 rows: four blocks of eight and a tail of five; 23 columns: the four-column and two-column
// kernels and a remainder.
class FloatDesign : public ::testing::Test {
 protected:
  const Eigen::MatrixXd x_ = gaussian_matrix(37, 23, 1);
  const Design float_ = Design(x_).with_precision(Precision::kFloat32);
  const Design widened_ = Design(rounded_to_float(x_));
  const Eigen::VectorXd r_ = gaussian_vector(37, 2);
};

TEST(Precision, NamesRoundTripAndOtherTextIsRejected) {
  for (Precision precision : {Precision::kFloat64, Precision::kFloat32})
    EXPECT_EQ(parse_precision(to_string(precision)), precision);
  EXPECT_EQ(to_string(Precision::kFloat64), "float64");
  EXPECT_EQ(to_string(Precision::kFloat32), "float32");
  for (const char* text : {"", "float16", "FLOAT32", "double", "float32 "})
    EXPECT_FALSE(parse_precision(text).has_value()) << '"' << text << '"';
}

TEST_F(FloatDesign, StoresTheEntriesRoundedToNearestFloat) {
  ASSERT_EQ(float_.precision(), Precision::kFloat32);
  EXPECT_EQ(Design(x_).precision(), Precision::kFloat64);
  const auto& stored = std::get<Design::DenseFloat>(float_.storage());
  EXPECT_EQ(float_.rows(), 37);
  EXPECT_EQ(float_.cols(), 23);
  EXPECT_EQ(float_.nonzeros(), 37 * 23);
  EXPECT_FALSE(float_.is_sparse());
  for (Index j = 0; j < 23; ++j)
    for (Index i = 0; i < 37; ++i) {
      EXPECT_EQ(stored(i, j), static_cast<float>(x_(i, j)));
      EXPECT_LE(std::abs(static_cast<double>(stored(i, j)) - x_(i, j)),
                std::ldexp(std::abs(x_(i, j)), -24));
    }
  // Widening back is exact; converting to the precision already held is a copy.
  EXPECT_TRUE(
      identical(std::get<Design::Dense>(float_.with_precision(Precision::kFloat64).storage()),
                rounded_to_float(x_)));
  EXPECT_EQ(std::get<Design::DenseFloat>(float_.with_precision(Precision::kFloat32).storage()),
            stored);
}

TEST_F(FloatDesign, EveryProductEqualsTheWidenedDoubleDesignBitForBit) {
  EXPECT_TRUE(identical(float_.transpose_multiply(r_), widened_.transpose_multiply(r_)));
  const Eigen::VectorXd w = gaussian_vector(23, 3);
  EXPECT_TRUE(identical(float_.multiply(w), widened_.multiply(w)));
  Eigen::VectorXd sparse_w = Eigen::VectorXd::Zero(23);
  sparse_w[2] = 1.5;
  sparse_w[17] = -0.25;
  EXPECT_TRUE(identical(float_.multiply(sparse_w), widened_.multiply(sparse_w)));
  EXPECT_TRUE(identical(float_.column_squared_norms(), widened_.column_squared_norms()));
  for (Index j = 0; j < 23; ++j) {
    EXPECT_TRUE(identical(float_.column_dot(j, r_), widened_.column_dot(j, r_))) << j;
    Eigen::VectorXd a = r_, b = r_;
    float_.add_column(j, -0.7, a);
    widened_.add_column(j, -0.7, b);
    EXPECT_TRUE(identical(a, b)) << j;
  }
  const std::vector<Index> some{22, 0, 5, 5, 13};
  EXPECT_TRUE(identical(float_.dense_columns(some), widened_.dense_columns(some)));
  const Design sub = float_.columns(some);
  EXPECT_EQ(sub.precision(), Precision::kFloat32);
  EXPECT_TRUE(identical(sub.transpose_multiply(r_), widened_.columns(some).transpose_multiply(r_)));
}

TEST_F(FloatDesign, DenseProductsFollowTheDocumentedAccumulationOrder) {
  const Eigen::MatrixXd wide = rounded_to_float(x_);
  const Eigen::VectorXd xr = float_.transpose_multiply(r_);
  const Eigen::VectorXd exact = wide.transpose() * r_;
  for (Index j = 0; j < 23; ++j) {
    EXPECT_TRUE(identical(xr[j], reference_dot(wide, j, r_))) << j;
    EXPECT_TRUE(identical(float_.column_dot(j, r_), xr[j])) << j;
    EXPECT_NEAR(xr[j], exact[j], 1e-12 * wide.col(j).norm() * r_.norm()) << j;
    const Eigen::VectorXd column = wide.col(j);
    EXPECT_TRUE(identical(float_.column_squared_norms()[j], reference_dot(wide, j, column))) << j;
  }
  Eigen::VectorXd w = gaussian_vector(23, 4);
  w[3] = w[10] = 0.0;
  for (const Design* d : {&float_, &widened_}) {
    EXPECT_TRUE(identical(d->multiply(w), reference_multiply(wide, w)));
    EXPECT_LT((d->multiply(w) - wide * w).norm(), 1e-12 * (wide * w).norm());
  }
}

TEST(DesignMultiply, SumsBlocksOfSixteenColumnsFromOneHundredTwentyEightColumnsOn) {
  const Eigen::MatrixXd x = rounded_to_float(gaussian_matrix(37, 300, 8));
  Eigen::VectorXd w = gaussian_vector(300, 9);
  for (Index j = 0; j < 300; j += 7) w[j] = 0.0;
  for (const Design& d : {Design(x), Design(x).with_precision(Precision::kFloat32)}) {
    const Eigen::VectorXd z = d.multiply(w);
    EXPECT_TRUE(identical(z, reference_multiply(x, w)));
    EXPECT_FALSE(identical(z, reference_multiply(x, w, 300)));  // the blocking is observable
    EXPECT_LT((z - x * w).norm(), 1e-12 * (x * w).norm());
  }
}

TEST_F(FloatDesign, NormalizeRoundsTheDoubleResultOfTheWidenedDesign) {
  Design a = float_;
  Design b = widened_;
  const Eigen::VectorXd scale_a = a.normalize_columns();
  const Eigen::VectorXd scale_b = b.normalize_columns();
  EXPECT_TRUE(identical(scale_a, scale_b));
  const auto& stored = std::get<Design::DenseFloat>(a.storage());
  const auto& reference = std::get<Design::Dense>(b.storage());
  EXPECT_EQ(stored, reference.cast<float>());
  const Eigen::VectorXd norms = a.column_squared_norms();
  for (Index j = 0; j < 23; ++j) EXPECT_NEAR(norms[j], 37.0, 37.0 * 4 * std::ldexp(1.0, -24));
}

TEST_F(FloatDesign, BadConversionsAndEntriesAreRejected) {
  const Design sparse(Design::Sparse(x_.sparseView()));
  EXPECT_THROW(sparse.with_precision(Precision::kFloat32), InvalidInput);
  EXPECT_EQ(sparse.with_precision(Precision::kFloat64).precision(), Precision::kFloat64);
  Eigen::MatrixXd huge = x_;
  huge(4, 7) = 1e39;
  EXPECT_THROW(Design(huge).with_precision(Precision::kFloat32), InvalidInput);
  Eigen::MatrixXf nan = x_.cast<float>();
  nan(1, 1) = std::nanf("");
  EXPECT_THROW(Design{nan}, InvalidInput);
}

TEST_F(FloatDesign, AnalysisAndFilesSeeTheStoredEntries) {
  const LeastSquaresProblem a(float_, r_, {.intercept = true});
  const LeastSquaresProblem b(widened_, r_, {.intercept = true});
  EXPECT_TRUE(identical(curvature_matrix(a), curvature_matrix(b)));

  const std::filesystem::path file =
      std::filesystem::temp_directory_path() /
      ("cardinal-design-test-" + std::to_string(::getpid()) + ".svm");
  write_libsvm(file, Dataset{float_, r_, "float"});
  const Dataset back = read_libsvm(file, {.features = 23});
  std::filesystem::remove(file);
  EXPECT_TRUE(identical(back.design.dense_columns(all_columns(23)), rounded_to_float(x_)));
}

// pass_threads gives one thread per 2²⁰ stored entries at most: 1031 × 2100 entries allow two.
// The rows (1031 = 8·128 + 7) and columns split unevenly.
TEST(DesignThreads, DenseProductsAreBitIdenticalForOneAndTwoThreads) {
  const Eigen::MatrixXd x = gaussian_matrix(1031, 2100, 5);
  const Eigen::VectorXd r = gaussian_vector(1031, 6);
  Eigen::VectorXd w = gaussian_vector(2100, 7);
  for (Index j = 0; j < 2100; j += 3) w[j] = 0.0;
  for (const Design& d : {Design(x), Design(x).with_precision(Precision::kFloat32)}) {
    auto products = [&](int threads) {
      const ThreadCount scope(threads);
      return std::make_pair(d.transpose_multiply(r), d.multiply(w));
    };
    const auto one = products(1), two = products(2);
    EXPECT_TRUE(identical(one.first, two.first));
    EXPECT_TRUE(identical(one.second, two.second));
    EXPECT_EQ(one.first[1234], d.column_dot(1234, r));
  }
}

// The solvers only see the products, so on a float design they return bit for bit what they
// return on the double design holding the same entries. Next to the double design the floats were
// rounded from, the problem differs by a relative 2⁻²⁴ per entry: the same support, coefficients
// within 1e-6 and an objective (≈ 5e-5, noise 0.01) within a relative 1e-5 (measured: at most
// 1.1e-6 and 1.6e-8 on these seeds).
TEST(FloatDesignSolvers, IhtAndOmpRecoverThePlantedSupportAsInDouble) {
  const IterativeHardThresholding niht({.normalized = true});
  const OrthogonalMatchingPursuit omp;
  for (std::uint64_t seed : {1, 2, 3}) {
    const auto inst = make_synthetic(
        {.samples = 200, .features = 500, .sparsity = 10, .noise = 0.01, .seed = seed});
    const LeastSquaresProblem f64(inst.design, inst.response);
    const LeastSquaresProblem f32(inst.design.with_precision(Precision::kFloat32), inst.response);
    const LeastSquaresProblem widened(f32.design().with_precision(Precision::kFloat64),
                                      inst.response);
    const std::string label = "seed " + std::to_string(seed);
    for (const bool use_omp : {false, true}) {
      auto run = [&](const LeastSquaresProblem& p) {
        return use_omp ? omp.minimize(p, 10) : niht.minimize(p, 10);
      };
      const auto a = run(f64), b = run(f32), c = run(widened);
      const std::string which = label + (use_omp ? " omp" : " niht");
      EXPECT_EQ(b.support, inst.support) << which;
      EXPECT_EQ(b.support, a.support) << which;
      EXPECT_TRUE(identical(b.w, c.w)) << which;
      EXPECT_TRUE(identical(b.objective, c.objective)) << which;
      EXPECT_EQ(b.iterations, c.iterations) << which;
      EXPECT_NEAR(b.objective, a.objective, 1e-5 * a.objective) << which;
      EXPECT_LT((b.w - a.w).lpNorm<Eigen::Infinity>(), 1e-6) << which;
    }
  }
}

TEST(FloatDesignSolvers, LassoPathRunsOnFloatStorage) {
  const auto inst =
      make_synthetic({.samples = 100, .features = 60, .sparsity = 5, .noise = 0.05, .seed = 9});
  const LeastSquaresProblem f32(inst.design.with_precision(Precision::kFloat32), inst.response);
  const LeastSquaresProblem widened(f32.design().with_precision(Precision::kFloat64),
                                    inst.response);
  const L1PathOptions options{.path_length = 10, .min_ratio = 0.05};
  const L1Path a = lasso_path(f32, options), b = lasso_path(widened, options);
  ASSERT_EQ(a.points.size(), b.points.size());
  EXPECT_NEAR(a.lambda_max, b.lambda_max, 1e-14 * b.lambda_max);
  for (std::size_t k = 0; k < a.points.size(); ++k) {
    EXPECT_EQ(a.points[k].nonzeros, b.points[k].nonzeros) << k;
    EXPECT_NEAR(a.points[k].objective, b.points[k].objective, 1e-10) << k;
  }
}

}  // namespace
}  // namespace cardinal
