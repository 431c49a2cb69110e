#pragma once

// Element loops over a floating-point tensor and a 0/1 byte mask (the bytes of a bool or uint8
// tensor), for the masked operations repeated at every training or solver step on the CPU:
// LibTorch 1.13's masked operations there cost a large part of a LeNet-300-100 step each
// (bench/: BM_TrainingStep, BM_SolverStep). The loops select with blends and bit masks rather than
// branches (a pruning mask is random enough to defeat branch prediction), so that the compiler
// vectorises them. Callers check applies() and otherwise use LibTorch's operations, which give
// the same results.

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <torch/types.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <type_traits>

#include "cardinal/bridge/index.hpp"

namespace cardinal::masked_elements {

/// True when the loops apply: `values` contiguous float or double on the CPU and `mask`
/// undefined, or contiguous bool or uint8 on the CPU with as many elements.
inline bool applies(const torch::Tensor& values, const torch::Tensor& mask = {}) {
  return values.device().is_cpu() && values.is_contiguous() &&
         (values.scalar_type() == torch::kFloat || values.scalar_type() == torch::kDouble) &&
         (!mask.defined() ||
          (mask.device().is_cpu() && mask.is_contiguous() && mask.numel() == values.numel() &&
           (mask.scalar_type() == torch::kBool || mask.scalar_type() == torch::kUInt8)));
}

/// The bytes of a contiguous CPU bool or uint8 tensor holding only 0 and 1.
inline const std::uint8_t* bytes(const torch::Tensor& mask) {
  return static_cast<const std::uint8_t*>(mask.data_ptr());
}

/// values[i] ← keep[i] ? values[i] : 0 for i < n: every entry not kept becomes +0.0 whatever it
/// held (NaN and ±∞ too: a select, not a multiply), kept entries stay bit for bit. Elementwise,
/// so splitting it over threads changes nothing.
template <typename T>
void select_kept(T* __restrict values, const std::uint8_t* __restrict keep, std::int64_t n) {
  at::parallel_for(0, n, at::internal::GRAIN_SIZE, [=](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) values[i] = keep[i] != 0 ? values[i] : T(0);
  });
}

/// tensor[i] ← keep[i] ? tensor[i] : 0 in place, outside autograd, as
/// tensor.masked_fill_(¬keep, 0) does and with its bits: select_kept where the loops apply,
/// masked_fill_ elsewhere (with `not_kept` = ¬keep when the caller holds it, computed otherwise).
inline void zero_unkept(const torch::Tensor& tensor, const torch::Tensor& keep,
                        const torch::Tensor& not_kept = {}) {
  const torch::NoGradGuard no_grad;
  if (!applies(tensor, keep)) {
    tensor.masked_fill_(not_kept.defined() ? not_kept : keep.logical_not(), 0);
    return;
  }
  // Raw writes bypass the version counter; bump it as an in-place op would, so that autograd
  // still notices if a tensor it saved for backward is changed.
  tensor.unsafeGetTensorImpl()->bump_version();
  AT_DISPATCH_FLOATING_TYPES(tensor.scalar_type(), "masked_elements::zero_unkept", [&] {
    select_kept(tensor.data_ptr<scalar_t>(), bytes(keep), tensor.numel());
  });
}

template <typename T>
using BitsOf = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;

/// Σ x_i² in double over the i < n with keep[i] == kept (every i for a null keep); an entry left
/// out does not count even if it is NaN or ∞. Eight partial sums in a fixed order: the result
/// depends on the data alone, never on the thread count.
template <typename T>
double square_sum(const T* __restrict x, const std::uint8_t* __restrict keep, bool kept,
                  std::int64_t n) {
  const BitsOf<T> flip = kept ? BitsOf<T>(0) : ~BitsOf<T>(0);
  auto square = [&](std::int64_t i) {
    T v = x[i];
    if (keep != nullptr) {
      // All ones where keep[i] == kept, all zeros elsewhere: v or +0.0 without a branch.
      const BitsOf<T> select = (BitsOf<T>(0) - BitsOf<T>(keep[i])) ^ flip;
      v = std::bit_cast<T>(std::bit_cast<BitsOf<T>>(v) & select);
    }
    return static_cast<double>(v) * static_cast<double>(v);
  };
  constexpr std::int64_t kLanes = 8;
  double partial[kLanes] = {};
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (std::int64_t j = 0; j < kLanes; ++j) partial[j] += square(i + j);
  for (; i < n; ++i) partial[0] += square(i);
  return ((partial[0] + partial[1]) + (partial[2] + partial[3])) +
         ((partial[4] + partial[5]) + (partial[6] + partial[7]));
}

/// The number of ones among keep[0, n).
inline Index count_ones(const std::uint8_t* __restrict keep, std::int64_t n) {
  // Narrow partial sums vectorise; a chunk of 2^20 bytes cannot overflow 32 bits.
  constexpr std::int64_t kChunk = std::int64_t{1} << 20;
  Index total = 0;
  for (std::int64_t begin = 0; begin < n; begin += kChunk) {
    const std::int64_t end = std::min(n, begin + kChunk);
    std::uint32_t partial = 0;
    for (std::int64_t i = begin; i < end; ++i) partial += keep[i];
    total += partial;
  }
  return total;
}

}  // namespace cardinal::masked_elements
