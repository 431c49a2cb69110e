#include "cardinal/convex/coordinate_space.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <numeric>

#include "cardinal/bridge/splitmix64.hpp"

namespace cardinal {

CoordinateSpace::Vector CoordinateSpace::uniform(std::uint64_t seed) const {
  Vector u = zeros();
  for (Index i = 0; i < constrained_; ++i) {
    const std::uint64_t bits = splitmix64(seed ^ splitmix64(static_cast<std::uint64_t>(i)));
    u[i] = static_cast<double>(bits >> 11) * 0x1.0p-53;
  }
  return u;
}

CoordinateSpace::Support CoordinateSpace::empty_support() const {
  Support s(static_cast<std::size_t>(free_));
  std::iota(s.begin(), s.end(), constrained_);
  return s;
}

CoordinateSpace::Support CoordinateSpace::support_of(const Vector& x) const {
  Support s;
  for (Index i = 0; i < constrained_; ++i)
    if (x[i] != 0.0) s.push_back(i);
  for (Index i = constrained_; i < total_dimension(); ++i) s.push_back(i);
  return s;
}

CoordinateSpace::Support CoordinateSpace::select(const Vector& x, std::vector<Index> candidates,
                                                 Index k) const {
  const auto keep = static_cast<std::size_t>(std::max<Index>(0, k));
  if (keep < candidates.size()) {
    // Strict weak order: larger magnitude first, then smaller index. NaN sorts last.
    auto before = [&x](Index i, Index j) {
      const double a = std::abs(x[i]), b = std::abs(x[j]);
      if (a != b) return a > b || std::isnan(b);
      return i < j;
    };
    std::nth_element(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(keep),
                     candidates.end(), before);
    candidates.resize(keep);
  }
  std::sort(candidates.begin(), candidates.end());
  for (Index i = constrained_; i < total_dimension(); ++i) candidates.push_back(i);
  return candidates;
}

CoordinateSpace::Support CoordinateSpace::largest(const Vector& x, Index k) const {
  std::vector<Index> all(static_cast<std::size_t>(constrained_));
  std::iota(all.begin(), all.end(), Index{0});
  return select(x, std::move(all), k);
}

CoordinateSpace::Support CoordinateSpace::largest_in(const Vector& x, const Support& a,
                                                     Index k) const {
  return select(x, constrained_part(a), k);
}

CoordinateSpace::Support CoordinateSpace::largest_outside(const Vector& x, const Support& a,
                                                          Index k) const {
  std::vector<Index> outside;
  outside.reserve(static_cast<std::size_t>(constrained_));
  auto it = a.begin();
  for (Index i = 0; i < constrained_; ++i) {
    while (it != a.end() && *it < i) ++it;
    if (it == a.end() || *it != i) outside.push_back(i);
  }
  return select(x, std::move(outside), k);
}

CoordinateSpace::Support CoordinateSpace::unite(const Support& a, const Support& b) const {
  Support u;
  u.reserve(a.size() + b.size());
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(u));
  return u;
}

Index CoordinateSpace::size(const Support& a) const {
  return static_cast<Index>(
      std::count_if(a.begin(), a.end(), [this](Index i) { return !is_free(i); }));
}

void CoordinateSpace::restrict(Vector& y, const Support& a) const {
  auto it = a.begin();
  for (Index i = 0; i < y.size(); ++i) {
    while (it != a.end() && *it < i) ++it;
    if (it == a.end() || *it != i) y[i] = 0.0;
  }
}

double CoordinateSpace::norm_on(const Vector& x, const Support& a) const {
  double s = 0.0;
  for (Index i : a) s += x[i] * x[i];
  return std::sqrt(s);
}

double CoordinateSpace::norm_off(const Vector& x, const Support& a) const {
  double s = 0.0;
  auto it = a.begin();
  for (Index i = 0; i < x.size(); ++i) {
    while (it != a.end() && *it < i) ++it;
    if (it == a.end() || *it != i) s += x[i] * x[i];
  }
  return std::sqrt(s);
}

CoordinateSpace::Support CoordinateSpace::constrained_part(const Support& a) const {
  Support c;
  c.reserve(a.size());
  for (Index i : a)
    if (!is_free(i)) c.push_back(i);
  return c;
}

}  // namespace cardinal
