#include "cardinal/convex/design.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <thread>
#include <type_traits>
#include <vector>

#include "cardinal/bridge/error.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define CARDINAL_X86_KERNELS 1
#endif

namespace cardinal {
namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};

void require_finite(bool finite) {
  require(finite, "design matrix contains NaN or Inf");
}

// Xᵀr on a dense column-major block, one dot product per column. The correlation pass reads all
// of X once per solver iteration, so it runs at the machine's memory bandwidth only if the
// arithmetic keeps up: Eigen's product, compiled for the x86-64 baseline (SSE2), does not, hence
// these kernels. Every variant accumulates a column the same way: eight running sums, A_l taking
// the products at i ≡ l and B_l those at i ≡ l + 4 (mod 8), l < 4, each product rounded before
// it is added (no fused multiply–add); then ((A₀+B₀) + (A₁+B₁)) + ((A₂+B₂) + (A₃+B₃)); then the
// last n mod 8 products in order. The result is therefore the same with or without AVX2 and for
// any split of the columns over threads.
using DotColumns = void (*)(const double* x, Index n, Index cols, const double* r, double* out,
                            bool prefetch);

[[maybe_unused]] void dot_columns_portable(const double* x, Index n, Index cols, const double* r,
                                           double* out, bool /*prefetch*/) {
  for (Index j = 0; j < cols; ++j) {
    const double* c = x + j * n;
    double a[4] = {}, b[4] = {};
    Index i = 0;
    for (; i + 8 <= n; i += 8) {
      for (int l = 0; l < 4; ++l) {
        a[l] += c[i + l] * r[i + l];
        b[l] += c[i + 4 + l] * r[i + 4 + l];
      }
    }
    double t = ((a[0] + b[0]) + (a[1] + b[1])) + ((a[2] + b[2]) + (a[3] + b[3]));
    for (; i < n; ++i) t += c[i] * r[i];
    out[j] = t;
  }
}

#ifdef CARDINAL_X86_KERNELS
/// Columns are streamed a few at a time; asking for the data 2 KiB ahead of the loads keeps
/// enough memory requests in flight for one core to approach the machine's read bandwidth
/// (measured: +15–20% on one thread). When several threads share the memory bus the hardware
/// prefetchers suffice and the extra requests cost a few percent, so it is asked for only when
/// one thread makes the pass.
constexpr Index kPrefetchAhead = 256;

inline void prefetch_ahead(bool prefetch, const double* column, Index i, Index n) {
  if (prefetch && i + kPrefetchAhead < n)
    _mm_prefetch(reinterpret_cast<const char*>(column + i + kPrefetchAhead), _MM_HINT_T0);
}

/// The tail of a column after its eight running sums: lanes (A₀, A₁), (A₂, A₃), (B₀, B₁), (B₂, B₃).
double finish_column(__m128d a_low, __m128d a_high, __m128d b_low, __m128d b_high, const double* c,
                     const double* r, Index i, Index n) {
  double low[2], high[2];
  _mm_storeu_pd(low, _mm_add_pd(a_low, b_low));
  _mm_storeu_pd(high, _mm_add_pd(a_high, b_high));
  double t = (low[0] + low[1]) + (high[0] + high[1]);
  for (; i < n; ++i) t += c[i] * r[i];
  return t;
}

/// Two columns at a time (their 16 running sums and the residual fill the 16 SSE registers).
void dot_columns_sse2(const double* x, Index n, Index cols, const double* r, double* out,
                      bool prefetch) {
  Index j = 0;
  for (; j + 2 <= cols; j += 2) {
    const double* c0 = x + j * n;
    const double* c1 = c0 + n;
    __m128d a0l = _mm_setzero_pd(), a0h = a0l, b0l = a0l, b0h = a0l;
    __m128d a1l = a0l, a1h = a0l, b1l = a0l, b1h = a0l;
    Index i = 0;
    for (; i + 8 <= n; i += 8) {
      prefetch_ahead(prefetch, c0, i, n);
      prefetch_ahead(prefetch, c1, i, n);
      const __m128d r0 = _mm_loadu_pd(r + i), r1 = _mm_loadu_pd(r + i + 2);
      const __m128d r2 = _mm_loadu_pd(r + i + 4), r3 = _mm_loadu_pd(r + i + 6);
      a0l = _mm_add_pd(a0l, _mm_mul_pd(_mm_loadu_pd(c0 + i), r0));
      a0h = _mm_add_pd(a0h, _mm_mul_pd(_mm_loadu_pd(c0 + i + 2), r1));
      b0l = _mm_add_pd(b0l, _mm_mul_pd(_mm_loadu_pd(c0 + i + 4), r2));
      b0h = _mm_add_pd(b0h, _mm_mul_pd(_mm_loadu_pd(c0 + i + 6), r3));
      a1l = _mm_add_pd(a1l, _mm_mul_pd(_mm_loadu_pd(c1 + i), r0));
      a1h = _mm_add_pd(a1h, _mm_mul_pd(_mm_loadu_pd(c1 + i + 2), r1));
      b1l = _mm_add_pd(b1l, _mm_mul_pd(_mm_loadu_pd(c1 + i + 4), r2));
      b1h = _mm_add_pd(b1h, _mm_mul_pd(_mm_loadu_pd(c1 + i + 6), r3));
    }
    out[j] = finish_column(a0l, a0h, b0l, b0h, c0, r, i, n);
    out[j + 1] = finish_column(a1l, a1h, b1l, b1h, c1, r, i, n);
  }
  for (; j < cols; ++j) {
    const double* c = x + j * n;
    __m128d al = _mm_setzero_pd(), ah = al, bl = al, bh = al;
    Index i = 0;
    for (; i + 8 <= n; i += 8) {
      prefetch_ahead(prefetch, c, i, n);
      al = _mm_add_pd(al, _mm_mul_pd(_mm_loadu_pd(c + i), _mm_loadu_pd(r + i)));
      ah = _mm_add_pd(ah, _mm_mul_pd(_mm_loadu_pd(c + i + 2), _mm_loadu_pd(r + i + 2)));
      bl = _mm_add_pd(bl, _mm_mul_pd(_mm_loadu_pd(c + i + 4), _mm_loadu_pd(r + i + 4)));
      bh = _mm_add_pd(bh, _mm_mul_pd(_mm_loadu_pd(c + i + 6), _mm_loadu_pd(r + i + 6)));
    }
    out[j] = finish_column(al, ah, bl, bh, c, r, i, n);
  }
}

/// finish_column for A and B held in one 256-bit register each.
__attribute__((target("avx2"))) double finish_column(__m256d a, __m256d b, const double* c,
                                                     const double* r, Index i, Index n) {
  const __m256d s = _mm256_add_pd(a, b);
  const __m128d negative_zero = _mm_set1_pd(-0.0);  // x + (−0) = x, signed zeros included
  return finish_column(_mm256_castpd256_pd128(s), _mm256_extractf128_pd(s, 1), negative_zero,
                       negative_zero, c, r, i, n);
}

/// Four columns at a time, A and B of a column in one 256-bit register each.
__attribute__((target("avx2"))) void dot_columns_avx2(const double* x, Index n, Index cols,
                                                      const double* r, double* out, bool prefetch) {
  Index j = 0;
  for (; j + 4 <= cols; j += 4) {
    const double* c0 = x + j * n;
    const double* c1 = c0 + n;
    const double* c2 = c1 + n;
    const double* c3 = c2 + n;
    __m256d a0 = _mm256_setzero_pd(), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
    Index i = 0;
    for (; i + 8 <= n; i += 8) {
      prefetch_ahead(prefetch, c0, i, n);
      prefetch_ahead(prefetch, c1, i, n);
      prefetch_ahead(prefetch, c2, i, n);
      prefetch_ahead(prefetch, c3, i, n);
      const __m256d r0 = _mm256_loadu_pd(r + i), r1 = _mm256_loadu_pd(r + i + 4);
      a0 = _mm256_add_pd(a0, _mm256_mul_pd(_mm256_loadu_pd(c0 + i), r0));
      b0 = _mm256_add_pd(b0, _mm256_mul_pd(_mm256_loadu_pd(c0 + i + 4), r1));
      a1 = _mm256_add_pd(a1, _mm256_mul_pd(_mm256_loadu_pd(c1 + i), r0));
      b1 = _mm256_add_pd(b1, _mm256_mul_pd(_mm256_loadu_pd(c1 + i + 4), r1));
      a2 = _mm256_add_pd(a2, _mm256_mul_pd(_mm256_loadu_pd(c2 + i), r0));
      b2 = _mm256_add_pd(b2, _mm256_mul_pd(_mm256_loadu_pd(c2 + i + 4), r1));
      a3 = _mm256_add_pd(a3, _mm256_mul_pd(_mm256_loadu_pd(c3 + i), r0));
      b3 = _mm256_add_pd(b3, _mm256_mul_pd(_mm256_loadu_pd(c3 + i + 4), r1));
    }
    out[j] = finish_column(a0, b0, c0, r, i, n);
    out[j + 1] = finish_column(a1, b1, c1, r, i, n);
    out[j + 2] = finish_column(a2, b2, c2, r, i, n);
    out[j + 3] = finish_column(a3, b3, c3, r, i, n);
  }
  for (; j < cols; ++j) {
    const double* c = x + j * n;
    __m256d a = _mm256_setzero_pd(), b = a;
    Index i = 0;
    for (; i + 8 <= n; i += 8) {
      prefetch_ahead(prefetch, c, i, n);
      a = _mm256_add_pd(a, _mm256_mul_pd(_mm256_loadu_pd(c + i), _mm256_loadu_pd(r + i)));
      b = _mm256_add_pd(b, _mm256_mul_pd(_mm256_loadu_pd(c + i + 4), _mm256_loadu_pd(r + i + 4)));
    }
    out[j] = finish_column(a, b, c, r, i, n);
  }
}
#endif

DotColumns dot_columns() {
#ifdef CARDINAL_X86_KERNELS
  static const DotColumns kernel =
      __builtin_cpu_supports("avx2") ? dot_columns_avx2 : dot_columns_sse2;
  return kernel;
#else
  return dot_columns_portable;
#endif
}

/// Below this many stored entries per thread, starting a thread costs more than it saves.
constexpr Index kMinEntriesPerThread = Index{1} << 20;

/// Threads for a pass over `entries` stored entries: CARDINAL_NUM_THREADS when it holds a
/// positive integer, otherwise every hardware thread; at most one per kMinEntriesPerThread.
int pass_threads(Index entries) {
  long wanted = 0;
  if (const char* text = std::getenv("CARDINAL_NUM_THREADS")) {
    char* end = nullptr;
    errno = 0;
    wanted = std::strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno != 0) wanted = 0;
  }
  if (wanted <= 0) wanted = static_cast<long>(std::thread::hardware_concurrency());
  const long useful = static_cast<long>(std::max<Index>(1, entries / kMinEntriesPerThread));
  return static_cast<int>(std::clamp(std::min(wanted, useful), 1L, 256L));
}

/// Runs work(begin, end) on `bounds.size() − 1` consecutive column ranges, the first on the
/// calling thread. Each output entry is written by exactly one range and computed as in a
/// single-threaded pass, so the result does not depend on the number of threads.
template <class Work>
void for_column_ranges(const std::vector<Index>& bounds, const Work& work) {
  std::vector<std::thread> helpers;
  helpers.reserve(bounds.size() - 1);
  for (std::size_t t = 1; t + 1 < bounds.size(); ++t)
    helpers.emplace_back([&work, &bounds, t] { work(bounds[t], bounds[t + 1]); });
  work(bounds[0], bounds[1]);
  for (std::thread& helper : helpers) helper.join();
}

/// Column ranges of equal width (inner bounds on multiples of 8 columns).
std::vector<Index> even_column_bounds(Index cols, int threads) {
  std::vector<Index> bounds{0};
  for (int t = 1; t < threads; ++t) {
    const Index cut = (cols * t / threads) / 8 * 8;
    if (cut > bounds.back()) bounds.push_back(cut);
  }
  bounds.push_back(cols);
  return bounds;
}

/// Column ranges holding about equally many stored entries of a compressed sparse matrix.
std::vector<Index> balanced_column_bounds(const Design::Sparse& x, int threads) {
  const Index* outer = x.outerIndexPtr();
  const Index cols = x.cols(), entries = x.nonZeros();
  std::vector<Index> bounds{0};
  for (int t = 1; t < threads; ++t) {
    const Index target = entries * t / threads;
    const Index cut = static_cast<Index>(std::lower_bound(outer, outer + cols + 1, target) - outer);
    if (cut > bounds.back() && cut < cols) bounds.push_back(cut);
  }
  bounds.push_back(cols);
  return bounds;
}

}  // namespace

Design::Design(Dense x) : x_(std::move(x)) {
  require_finite(std::get<Dense>(x_).allFinite());
}

Design::Design(Sparse x) : x_(std::move(x)) {
  auto& s = std::get<Sparse>(x_);
  s.makeCompressed();
  const Eigen::Map<const Eigen::VectorXd> values(s.valuePtr(), s.nonZeros());
  require_finite(values.allFinite());
}

Index Design::rows() const {
  return std::visit([](const auto& x) { return static_cast<Index>(x.rows()); }, x_);
}

Index Design::cols() const {
  return std::visit([](const auto& x) { return static_cast<Index>(x.cols()); }, x_);
}

Index Design::nonzeros() const {
  return std::visit(Overloaded{[](const Dense& x) { return static_cast<Index>(x.size()); },
                               [](const Sparse& x) { return static_cast<Index>(x.nonZeros()); }},
                    x_);
}

Eigen::VectorXd Design::multiply(const Eigen::VectorXd& w) const {
  return std::visit([&w](const auto& x) -> Eigen::VectorXd { return x * w; }, x_);
}

Eigen::VectorXd Design::transpose_multiply(const Eigen::VectorXd& r) const {
  // The correlation pass of every solver reads all of X: split it by columns over the threads.
  const int threads = pass_threads(nonzeros());
  Eigen::VectorXd out(cols());
  std::visit(Overloaded{[&](const Dense& x) {
                          const DotColumns kernel = dot_columns();
                          const Index n = x.rows();
                          const std::vector<Index> bounds = even_column_bounds(x.cols(), threads);
                          const bool prefetch = bounds.size() == 2;  // one range: a single thread
                          for_column_ranges(bounds, [&](Index begin, Index end) {
                            kernel(x.data() + begin * n, n, end - begin, r.data(),
                                   out.data() + begin, prefetch);
                          });
                        },
                        [&](const Sparse& x) {
                          if (threads == 1) {
                            out.noalias() = x.transpose() * r;
                            return;
                          }
                          for_column_ranges(balanced_column_bounds(x, threads),
                                            [&](Index begin, Index end) {
                                              out.segment(begin, end - begin).noalias() =
                                                  x.middleCols(begin, end - begin).transpose() * r;
                                            });
                        }},
             x_);
  return out;
}

double Design::column_dot(Index j, const Eigen::VectorXd& r) const {
  return std::visit([&](const auto& x) -> double { return x.col(j).dot(r); }, x_);
}

void Design::add_column(Index j, double t, Eigen::VectorXd& z) const {
  std::visit(Overloaded{[&](const Dense& x) { z.noalias() += t * x.col(j); },
                        [&](const Sparse& x) {
                          for (Sparse::InnerIterator it(x, j); it; ++it)
                            z[it.index()] += t * it.value();
                        }},
             x_);
}

Eigen::VectorXd Design::column_squared_norms() const {
  return std::visit(
      Overloaded{[](const Dense& x) -> Eigen::VectorXd { return x.colwise().squaredNorm(); },
                 [](const Sparse& x) -> Eigen::VectorXd {
                   Eigen::VectorXd n(x.cols());
                   for (Index j = 0; j < x.cols(); ++j) n[j] = x.col(j).squaredNorm();
                   return n;
                 }},
      x_);
}

Design Design::columns(std::span<const Index> cols) const {
  return std::visit(Overloaded{[&](const Dense& x) { return Design(Dense(x(Eigen::all, cols))); },
                               [&](const Sparse& x) {
                                 Sparse sub(x.rows(), static_cast<Index>(cols.size()));
                                 Eigen::VectorX<Index> per_column(static_cast<Index>(cols.size()));
                                 for (std::size_t k = 0; k < cols.size(); ++k)
                                   per_column[static_cast<Index>(k)] = x.col(cols[k]).nonZeros();
                                 sub.reserve(per_column);
                                 for (std::size_t k = 0; k < cols.size(); ++k)
                                   for (Sparse::InnerIterator it(x, cols[k]); it; ++it)
                                     sub.insert(it.index(), static_cast<Index>(k)) = it.value();
                                 return Design(std::move(sub));
                               }},
                    x_);
}

Design::Dense Design::dense_columns(std::span<const Index> cols) const {
  return std::visit(Overloaded{[&](const Dense& x) -> Dense { return x(Eigen::all, cols); },
                               [&](const Sparse& x) -> Dense {
                                 Dense d = Dense::Zero(x.rows(), static_cast<Index>(cols.size()));
                                 for (std::size_t k = 0; k < cols.size(); ++k)
                                   for (Sparse::InnerIterator it(x, cols[k]); it; ++it)
                                     d(it.index(), static_cast<Index>(k)) = it.value();
                                 return d;
                               }},
                    x_);
}

Eigen::VectorXd Design::normalize_columns() {
  Eigen::VectorXd scale = column_squared_norms();
  const double target = static_cast<double>(rows());
  for (Index j = 0; j < scale.size(); ++j)
    scale[j] = scale[j] > 0.0 ? std::sqrt(scale[j] / target) : 1.0;
  std::visit(Overloaded{[&](Dense& x) { x *= scale.cwiseInverse().asDiagonal(); },
                        [&](Sparse& x) { x = x * scale.cwiseInverse().asDiagonal(); }},
             x_);
  return scale;
}

}  // namespace cardinal
