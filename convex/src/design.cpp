#include "cardinal/convex/design.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <thread>
#include <type_traits>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/convex/parallel.hpp"

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

template <class T>
using DenseOf = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;

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
// any split of the columns over threads. The column entries T are double or float; a float entry
// is widened to double (exactly) before its product, so a float column gives bit for bit what
// the double column holding the same values gives.
template <class T>
using DotColumns = void (*)(const T* x, Index n, Index cols, const double* r, double* out,
                            bool prefetch);

template <class T>
[[maybe_unused]] void dot_columns_portable(const T* x, Index n, Index cols, const double* r,
                                           double* out, bool /*prefetch*/) {
  for (Index j = 0; j < cols; ++j) {
    const T* c = x + j * n;
    double a[4] = {}, b[4] = {};
    Index i = 0;
    for (; i + 8 <= n; i += 8) {
      for (int l = 0; l < 4; ++l) {
        a[l] += static_cast<double>(c[i + l]) * r[i + l];
        b[l] += static_cast<double>(c[i + 4 + l]) * r[i + 4 + l];
      }
    }
    double t = ((a[0] + b[0]) + (a[1] + b[1])) + ((a[2] + b[2]) + (a[3] + b[3]));
    for (; i < n; ++i) t += static_cast<double>(c[i]) * r[i];
    out[j] = t;
  }
}

#ifdef CARDINAL_X86_KERNELS
/// Columns are streamed a few at a time (a group of G adjacent columns, G·n contiguous entries),
/// and the hardware prefetchers alone do not keep enough memory requests in flight to approach the
/// machine's read bandwidth, least of all on short columns, where every group starts G streams
/// afresh. So each step over 8 rows of a pass over many columns asks for data ahead: on short
/// columns (a group of at most kNextGroupBytes), as many bytes of the next group, in address
/// order, as the step reads of this one, so that the next group is in cache when it starts; on
/// long columns, each column 2 KiB ahead, one request per 64-byte line (requests past the end of
/// the matrix are harmless: a prefetch never faults). Measured on 2000 × 20000 (AMD EPYC, AVX2
/// kernels), time of Xᵀr over one streaming read of the design, without → with: float entries
/// 1.9× → 1.2× on one thread and 1.4× → 1.1× on two; double entries 1.3× on one thread either
/// way and 1.14× → 1.07× on two.
constexpr std::size_t kNextGroupBytes = 64 * 1024;
constexpr std::size_t kPrefetchAheadBytes = 2048;

/// Always inlined: GCC counts a prefetch as no side effect, so a separate function holding only
/// prefetches is deemed const and its calls are deleted.
template <int G, class T>
[[gnu::always_inline]] inline void prefetch_ahead(bool prefetch, const T* group, Index i, Index n) {
  if (!prefetch) return;
  constexpr Index kStepBytes = G * 8 * static_cast<Index>(sizeof(T));
  if (static_cast<std::size_t>(G * n) * sizeof(T) <= kNextGroupBytes) {
    // Addresses as integers: the last group's successor lies past the end of the matrix.
    const std::uintptr_t next = reinterpret_cast<std::uintptr_t>(group + G * n) +
                                static_cast<std::uintptr_t>(i * G) * sizeof(T);
    for (Index b = 0; b < kStepBytes; b += 64)
      _mm_prefetch(reinterpret_cast<const char*>(next + static_cast<std::uintptr_t>(b)),
                   _MM_HINT_T0);
    return;
  }
  constexpr Index kAhead = kPrefetchAheadBytes / sizeof(T), kPerLine = 64 / sizeof(T);
  if (i % kPerLine != 0 || i + kAhead >= n) return;
  for (int g = 0; g < G; ++g)
    _mm_prefetch(reinterpret_cast<const char*>(group + g * n + i + kAhead), _MM_HINT_T0);
}

/// Entries c[0..3] as doubles: (c₀, c₁) in `low`, (c₂, c₃) in `high`.
inline void load_halves(const double* c, __m128d& low, __m128d& high) {
  low = _mm_loadu_pd(c);
  high = _mm_loadu_pd(c + 2);
}
inline void load_halves(const float* c, __m128d& low, __m128d& high) {
  const __m128 f = _mm_loadu_ps(c);
  low = _mm_cvtps_pd(f);
  high = _mm_cvtps_pd(_mm_movehl_ps(f, f));
}

/// The tail of a column after its eight running sums: lanes (A₀, A₁), (A₂, A₃), (B₀, B₁), (B₂, B₃).
template <class T>
double finish_column(__m128d a_low, __m128d a_high, __m128d b_low, __m128d b_high, const T* c,
                     const double* r, Index i, Index n) {
  double low[2], high[2];
  _mm_storeu_pd(low, _mm_add_pd(a_low, b_low));
  _mm_storeu_pd(high, _mm_add_pd(a_high, b_high));
  double t = (low[0] + low[1]) + (high[0] + high[1]);
  for (; i < n; ++i) t += static_cast<double>(c[i]) * r[i];
  return t;
}

/// The running sums of one column over entries c[0..7]: A_l += c[l] r[l], B_l += c[4+l] r[4+l].
template <class T>
[[gnu::always_inline]] inline void accumulate_eight(const T* c, __m128d r0, __m128d r1, __m128d r2,
                                                    __m128d r3, __m128d& a_low, __m128d& a_high,
                                                    __m128d& b_low, __m128d& b_high) {
  __m128d x0, x1, x2, x3;
  load_halves(c, x0, x1);
  load_halves(c + 4, x2, x3);
  a_low = _mm_add_pd(a_low, _mm_mul_pd(x0, r0));
  a_high = _mm_add_pd(a_high, _mm_mul_pd(x1, r1));
  b_low = _mm_add_pd(b_low, _mm_mul_pd(x2, r2));
  b_high = _mm_add_pd(b_high, _mm_mul_pd(x3, r3));
}

/// Two columns at a time (their 16 running sums and the residual fill the 16 SSE registers).
template <class T>
void dot_columns_sse2(const T* x, Index n, Index cols, const double* r, double* out,
                      bool prefetch) {
  Index j = 0;
  for (; j + 2 <= cols; j += 2) {
    const T* c0 = x + j * n;
    const T* c1 = c0 + n;
    __m128d a0l = _mm_setzero_pd(), a0h = a0l, b0l = a0l, b0h = a0l;
    __m128d a1l = a0l, a1h = a0l, b1l = a0l, b1h = a0l;
    Index i = 0;
    for (; i + 8 <= n; i += 8) {
      prefetch_ahead<2>(prefetch, c0, i, n);
      const __m128d r0 = _mm_loadu_pd(r + i), r1 = _mm_loadu_pd(r + i + 2);
      const __m128d r2 = _mm_loadu_pd(r + i + 4), r3 = _mm_loadu_pd(r + i + 6);
      accumulate_eight(c0 + i, r0, r1, r2, r3, a0l, a0h, b0l, b0h);
      accumulate_eight(c1 + i, r0, r1, r2, r3, a1l, a1h, b1l, b1h);
    }
    out[j] = finish_column(a0l, a0h, b0l, b0h, c0, r, i, n);
    out[j + 1] = finish_column(a1l, a1h, b1l, b1h, c1, r, i, n);
  }
  for (; j < cols; ++j) {
    const T* c = x + j * n;
    __m128d al = _mm_setzero_pd(), ah = al, bl = al, bh = al;
    Index i = 0;
    for (; i + 8 <= n; i += 8) {
      prefetch_ahead<1>(prefetch, c, i, n);
      accumulate_eight(c + i, _mm_loadu_pd(r + i), _mm_loadu_pd(r + i + 2), _mm_loadu_pd(r + i + 4),
                       _mm_loadu_pd(r + i + 6), al, ah, bl, bh);
    }
    out[j] = finish_column(al, ah, bl, bh, c, r, i, n);
  }
}

/// Entries c[0..3] as doubles.
__attribute__((target("avx2"))) inline __m256d load_quad(const double* c) {
  return _mm256_loadu_pd(c);
}
__attribute__((target("avx2"))) inline __m256d load_quad(const float* c) {
  return _mm256_cvtps_pd(_mm_loadu_ps(c));
}

/// finish_column for A and B held in one 256-bit register each.
template <class T>
__attribute__((target("avx2"))) double finish_column(__m256d a, __m256d b, const T* c,
                                                     const double* r, Index i, Index n) {
  const __m256d s = _mm256_add_pd(a, b);
  const __m128d negative_zero = _mm_set1_pd(-0.0);  // x + (−0) = x, signed zeros included
  return finish_column(_mm256_castpd256_pd128(s), _mm256_extractf128_pd(s, 1), negative_zero,
                       negative_zero, c, r, i, n);
}

/// Four columns at a time, A and B of a column in one 256-bit register each.
template <class T>
__attribute__((target("avx2"))) void dot_columns_avx2(const T* x, Index n, Index cols,
                                                      const double* r, double* out, bool prefetch) {
  Index j = 0;
  for (; j + 4 <= cols; j += 4) {
    const T* c0 = x + j * n;
    const T* c1 = c0 + n;
    const T* c2 = c1 + n;
    const T* c3 = c2 + n;
    __m256d a0 = _mm256_setzero_pd(), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
    Index i = 0;
    for (; i + 8 <= n; i += 8) {
      prefetch_ahead<4>(prefetch, c0, i, n);
      const __m256d r0 = _mm256_loadu_pd(r + i), r1 = _mm256_loadu_pd(r + i + 4);
      a0 = _mm256_add_pd(a0, _mm256_mul_pd(load_quad(c0 + i), r0));
      b0 = _mm256_add_pd(b0, _mm256_mul_pd(load_quad(c0 + i + 4), r1));
      a1 = _mm256_add_pd(a1, _mm256_mul_pd(load_quad(c1 + i), r0));
      b1 = _mm256_add_pd(b1, _mm256_mul_pd(load_quad(c1 + i + 4), r1));
      a2 = _mm256_add_pd(a2, _mm256_mul_pd(load_quad(c2 + i), r0));
      b2 = _mm256_add_pd(b2, _mm256_mul_pd(load_quad(c2 + i + 4), r1));
      a3 = _mm256_add_pd(a3, _mm256_mul_pd(load_quad(c3 + i), r0));
      b3 = _mm256_add_pd(b3, _mm256_mul_pd(load_quad(c3 + i + 4), r1));
    }
    out[j] = finish_column(a0, b0, c0, r, i, n);
    out[j + 1] = finish_column(a1, b1, c1, r, i, n);
    out[j + 2] = finish_column(a2, b2, c2, r, i, n);
    out[j + 3] = finish_column(a3, b3, c3, r, i, n);
  }
  for (; j < cols; ++j) {
    const T* c = x + j * n;
    __m256d a = _mm256_setzero_pd(), b = a;
    Index i = 0;
    for (; i + 8 <= n; i += 8) {
      prefetch_ahead<1>(prefetch, c, i, n);
      a = _mm256_add_pd(a, _mm256_mul_pd(load_quad(c + i), _mm256_loadu_pd(r + i)));
      b = _mm256_add_pd(b, _mm256_mul_pd(load_quad(c + i + 4), _mm256_loadu_pd(r + i + 4)));
    }
    out[j] = finish_column(a, b, c, r, i, n);
  }
}
#endif

template <class T>
DotColumns<T> dot_columns() {
#ifdef CARDINAL_X86_KERNELS
  static const DotColumns<T> kernel =
      __builtin_cpu_supports("avx2") ? dot_columns_avx2<T> : dot_columns_sse2<T>;
  return kernel;
#else
  return dot_columns_portable<T>;
#endif
}

/// Columns per block of X w (see Design::multiply): the blocking of Eigen's column-major
/// matrix–vector product for a double matrix with `rows` rows, so that a Dense design keeps the
/// results of Eigen's x * w.
Index multiply_block_columns(Index rows, Index cols) {
  return cols < 128 ? cols : (rows * static_cast<Index>(sizeof(double)) < 32000 ? 16 : 4);
}

/// z[0, m) of X w, where column j of X starts at x + j·stride: for each block of `block`
/// consecutive columns, s = (((0 + w_j₀x_j₀) + w_j₁x_j₁) + …) over the block, then z += s. The
/// columns with w_j = 0 are skipped, which changes no bit (their products are ±0 and neither s nor
/// z is ever −0). Every z_i gets the same operations whatever m and the offset of x are.
template <class T>
void multiply_rows(const T* x, Index stride, Index m, const double* w, Index cols, Index block,
                   double* z) {
  std::vector<double> buffer(static_cast<std::size_t>(m));
  double* sum = buffer.data();
  for (Index j2 = 0; j2 < cols; j2 += block) {
    const Index end = std::min(j2 + block, cols);
    bool started = false;
    for (Index j = j2; j < end; ++j) {
      if (w[j] == 0.0) continue;
      const T* c = x + j * stride;
      const double wj = w[j];
      if (!started) {
        for (Index i = 0; i < m; ++i) sum[i] = 0.0 + static_cast<double>(c[i]) * wj;
        started = true;
      } else {
        for (Index i = 0; i < m; ++i) sum[i] += static_cast<double>(c[i]) * wj;
      }
    }
    if (started)
      for (Index i = 0; i < m; ++i) z[i] += sum[i];
  }
}

/// Below this many stored entries per thread, starting a thread costs more than it saves.
constexpr Index kMinEntriesPerThread = Index{1} << 20;

/// Threads for a pass over `entries` stored entries: configured_threads(), at most one per
/// kMinEntriesPerThread.
int pass_threads(Index entries) {
  const Index useful = std::max<Index>(1, entries / kMinEntriesPerThread);
  return static_cast<int>(std::min<Index>(configured_threads(), useful));
}

/// Runs work(begin, end) on `bounds.size() − 1` consecutive ranges (of columns, or of rows), the
/// first on the calling thread. Each output entry is written by exactly one range and computed as
/// in a single-threaded pass, so the result does not depend on the number of threads.
template <class Work>
void for_ranges(const std::vector<Index>& bounds, const Work& work) {
  std::vector<std::thread> helpers;
  helpers.reserve(bounds.size() - 1);
  for (std::size_t t = 1; t + 1 < bounds.size(); ++t)
    helpers.emplace_back([&work, &bounds, t] { work(bounds[t], bounds[t + 1]); });
  work(bounds[0], bounds[1]);
  for (std::thread& helper : helpers) helper.join();
}

/// Ranges of [0, size) of equal width (inner bounds on multiples of 8).
std::vector<Index> even_bounds(Index size, int threads) {
  std::vector<Index> bounds{0};
  for (int t = 1; t < threads; ++t) {
    const Index cut = (size * t / threads) / 8 * 8;
    if (cut > bounds.back()) bounds.push_back(cut);
  }
  bounds.push_back(size);
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

/// X w on dense storage, split by rows over the threads (see multiply_rows).
template <class T>
Eigen::VectorXd dense_multiply(const DenseOf<T>& x, const Eigen::VectorXd& w, int threads) {
  Eigen::VectorXd z = Eigen::VectorXd::Zero(x.rows());
  const Index n = x.rows(), block = multiply_block_columns(n, x.cols());
  for_ranges(even_bounds(n, threads), [&](Index begin, Index end) {
    multiply_rows(x.data() + begin, n, end - begin, w.data(), x.cols(), block, z.data() + begin);
  });
  return z;
}

/// Xᵀ r on dense storage, split by columns over the threads.
template <class T>
void dense_transpose_multiply(const DenseOf<T>& x, const Eigen::VectorXd& r, int threads,
                              Eigen::VectorXd& out) {
  const DotColumns<T> kernel = dot_columns<T>();
  const Index n = x.rows();
  const std::vector<Index> bounds = even_bounds(x.cols(), threads);
  for_ranges(bounds, [&](Index begin, Index end) {
    kernel(x.data() + begin * n, n, end - begin, r.data(), out.data() + begin, true);
  });
}

/// ‖X_j‖² on dense storage, by the kernel of transpose_multiply with r = X_j (widened).
template <class T>
Eigen::VectorXd dense_squared_norms(const DenseOf<T>& x) {
  const DotColumns<T> kernel = dot_columns<T>();
  const Index n = x.rows();
  Eigen::VectorXd norms(x.cols());
  Eigen::VectorXd column(std::is_same_v<T, double> ? 0 : n);
  for (Index j = 0; j < x.cols(); ++j) {
    const T* c = x.data() + j * n;
    if constexpr (std::is_same_v<T, double>) {
      kernel(c, n, 1, c, norms.data() + j, false);
    } else {
      column = x.col(j).template cast<double>();
      kernel(c, n, 1, column.data(), norms.data() + j, false);
    }
  }
  return norms;
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

Design::Design(FloatTag, DenseFloat x) : x_(std::move(x)) {
  require_finite(std::get<DenseFloat>(x_).allFinite());
}

Index Design::rows() const {
  return std::visit([](const auto& x) { return static_cast<Index>(x.rows()); }, x_);
}

Index Design::cols() const {
  return std::visit([](const auto& x) { return static_cast<Index>(x.cols()); }, x_);
}

std::string_view to_string(Precision precision) {
  return precision == Precision::kFloat32 ? "float32" : "float64";
}

std::optional<Precision> parse_precision(std::string_view text) {
  for (Precision precision : {Precision::kFloat64, Precision::kFloat32})
    if (text == to_string(precision)) return precision;
  return std::nullopt;
}

Precision Design::precision() const {
  return std::holds_alternative<DenseFloat>(x_) ? Precision::kFloat32 : Precision::kFloat64;
}

Design Design::with_precision(Precision precision) const {
  if (precision == this->precision()) return *this;
  if (precision == Precision::kFloat64)
    return Design(Dense(std::get<DenseFloat>(x_).cast<double>()));
  require(!is_sparse(), "float32 storage is available for dense designs only");
  DenseFloat rounded = std::get<Dense>(x_).cast<float>();
  require(rounded.allFinite(), "design entry beyond the float32 range (|x| > 3.4e38)");
  return Design(std::move(rounded));
}

Index Design::nonzeros() const {
  return std::visit(Overloaded{[](const Sparse& x) { return static_cast<Index>(x.nonZeros()); },
                               [](const auto& x) { return static_cast<Index>(x.size()); }},
                    x_);
}

Eigen::VectorXd Design::multiply(const Eigen::VectorXd& w) const {
  return std::visit(Overloaded{[&w](const Sparse& x) -> Eigen::VectorXd { return x * w; },
                               [&](const auto& x) -> Eigen::VectorXd {
                                 return dense_multiply(x, w, pass_threads(nonzeros()));
                               }},
                    x_);
}

Eigen::VectorXd Design::transpose_multiply(const Eigen::VectorXd& r) const {
  // The correlation pass of every solver reads all of X: split it by columns over the threads.
  const int threads = pass_threads(nonzeros());
  Eigen::VectorXd out(cols());
  std::visit(Overloaded{[&](const Sparse& x) {
                          if (threads == 1) {
                            out.noalias() = x.transpose() * r;
                            return;
                          }
                          for_ranges(balanced_column_bounds(x, threads),
                                     [&](Index begin, Index end) {
                                       out.segment(begin, end - begin).noalias() =
                                           x.middleCols(begin, end - begin).transpose() * r;
                                     });
                        },
                        [&](const auto& x) { dense_transpose_multiply(x, r, threads, out); }},
             x_);
  return out;
}

double Design::column_dot(Index j, const Eigen::VectorXd& r) const {
  return std::visit(Overloaded{[&](const Sparse& x) -> double { return x.col(j).dot(r); },
                               [&](const auto& x) -> double {
                                 using T = typename std::decay_t<decltype(x)>::Scalar;
                                 double out = 0.0;
                                 dot_columns<T>()(x.data() + j * x.rows(), x.rows(), 1, r.data(),
                                                  &out, false);
                                 return out;
                               }},
                    x_);
}

void Design::add_column(Index j, double t, Eigen::VectorXd& z) const {
  std::visit(Overloaded{[&](const Dense& x) { z.noalias() += t * x.col(j); },
                        [&](const DenseFloat& x) {
                          const float* c = x.data() + j * x.rows();
                          for (Index i = 0; i < z.size(); ++i)
                            z[i] += t * static_cast<double>(c[i]);
                        },
                        [&](const Sparse& x) {
                          for (Sparse::InnerIterator it(x, j); it; ++it)
                            z[it.index()] += t * it.value();
                        }},
             x_);
}

Eigen::VectorXd Design::column_squared_norms() const {
  return std::visit(
      Overloaded{[](const Sparse& x) -> Eigen::VectorXd {
                   Eigen::VectorXd n(x.cols());
                   for (Index j = 0; j < x.cols(); ++j) n[j] = x.col(j).squaredNorm();
                   return n;
                 },
                 [](const auto& x) -> Eigen::VectorXd { return dense_squared_norms(x); }},
      x_);
}

Design Design::columns(std::span<const Index> cols) const {
  return std::visit(Overloaded{[&](const Sparse& x) {
                                 Sparse sub(x.rows(), static_cast<Index>(cols.size()));
                                 Eigen::VectorX<Index> per_column(static_cast<Index>(cols.size()));
                                 for (std::size_t k = 0; k < cols.size(); ++k)
                                   per_column[static_cast<Index>(k)] = x.col(cols[k]).nonZeros();
                                 sub.reserve(per_column);
                                 for (std::size_t k = 0; k < cols.size(); ++k)
                                   for (Sparse::InnerIterator it(x, cols[k]); it; ++it)
                                     sub.insert(it.index(), static_cast<Index>(k)) = it.value();
                                 return Design(std::move(sub));
                               },
                               [&](const auto& x) {
                                 using Matrix = std::decay_t<decltype(x)>;
                                 return Design(Matrix(x(Eigen::all, cols)));
                               }},
                    x_);
}

Design::Dense Design::dense_columns(std::span<const Index> cols) const {
  return std::visit(Overloaded{[&](const Sparse& x) -> Dense {
                                 Dense d = Dense::Zero(x.rows(), static_cast<Index>(cols.size()));
                                 for (std::size_t k = 0; k < cols.size(); ++k)
                                   for (Sparse::InnerIterator it(x, cols[k]); it; ++it)
                                     d(it.index(), static_cast<Index>(k)) = it.value();
                                 return d;
                               },
                               [&](const auto& x) -> Dense {
                                 return x(Eigen::all, cols).template cast<double>();
                               }},
                    x_);
}

Eigen::VectorXd Design::normalize_columns() {
  Eigen::VectorXd scale = column_squared_norms();
  const double target = static_cast<double>(rows());
  for (Index j = 0; j < scale.size(); ++j)
    scale[j] = scale[j] > 0.0 ? std::sqrt(scale[j] / target) : 1.0;
  std::visit(Overloaded{[&](Dense& x) { x *= scale.cwiseInverse().asDiagonal(); },
                        [&](DenseFloat& x) {
                          for (Index j = 0; j < x.cols(); ++j) {
                            const double inverse = 1.0 / scale[j];
                            x.col(j) = (x.col(j).cast<double>() * inverse).cast<float>();
                          }
                        },
                        [&](Sparse& x) { x = x * scale.cwiseInverse().asDiagonal(); }},
             x_);
  return scale;
}

}  // namespace cardinal
