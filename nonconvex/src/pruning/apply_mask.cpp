#include "cardinal/nonconvex/pruning/apply_mask.hpp"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <torch/types.h>

#include <cstdint>

#include "cardinal/bridge/error.hpp"

namespace cardinal {
namespace {

/// values[i] ← keep[i] ? values[i] : 0 for i < n. Written as a select (not a multiply, which
/// would turn NaN·0 into NaN) so that the compiler vectorises it as a blend.
template <typename T>
void select_kept(T* __restrict values, const std::uint8_t* __restrict keep, std::int64_t n) {
  at::parallel_for(0, n, at::internal::GRAIN_SIZE, [=](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) values[i] = keep[i] != 0 ? values[i] : T(0);
  });
}

}  // namespace

KeepMask::KeepMask(const torch::Tensor& keep, const torch::Device& device) {
  const torch::Tensor kept = keep.detach().to(device).to(torch::kBool);
  keep_ = kept.to(torch::kUInt8).contiguous();
  pruned_ = kept.logical_not();
  keeps_all_ = kept.all().item<bool>();
}

void KeepMask::zero_pruned(const torch::Tensor& tensor) const {
  if (!tensor.defined() || keeps_all_) return;
  if (tensor.sizes() != keep_.sizes())
    throw InvalidInput("KeepMask: the tensor's shape differs from the mask's");
  const torch::NoGradGuard no_grad;
  const bool fast =
      tensor.device().is_cpu() && keep_.device().is_cpu() && tensor.is_contiguous() &&
      (tensor.scalar_type() == torch::kFloat || tensor.scalar_type() == torch::kDouble);
  if (!fast) {
    tensor.masked_fill_(pruned_, 0);
    return;
  }
  // Raw writes bypass the version counter; bump it as an in-place op would, so that autograd
  // still notices if a tensor it saved for backward is changed.
  tensor.unsafeGetTensorImpl()->bump_version();
  AT_DISPATCH_FLOATING_TYPES(tensor.scalar_type(), "KeepMask::zero_pruned", [&] {
    select_kept(tensor.data_ptr<scalar_t>(), keep_.data_ptr<std::uint8_t>(), tensor.numel());
  });
}

}  // namespace cardinal
