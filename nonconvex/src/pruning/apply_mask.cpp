#include "cardinal/nonconvex/pruning/apply_mask.hpp"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <torch/types.h>

#include <cstdint>

#include "cardinal/bridge/error.hpp"
#include "masked_elements.hpp"

namespace cardinal {
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
  if (!masked_elements::applies(tensor, keep_)) {
    tensor.masked_fill_(pruned_, 0);
    return;
  }
  // Raw writes bypass the version counter; bump it as an in-place op would, so that autograd
  // still notices if a tensor it saved for backward is changed.
  tensor.unsafeGetTensorImpl()->bump_version();
  AT_DISPATCH_FLOATING_TYPES(tensor.scalar_type(), "KeepMask::zero_pruned", [&] {
    masked_elements::select_kept(tensor.data_ptr<scalar_t>(), keep_.data_ptr<std::uint8_t>(),
                                 tensor.numel());
  });
}

}  // namespace cardinal
