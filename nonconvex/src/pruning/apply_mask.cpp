#include "cardinal/nonconvex/pruning/apply_mask.hpp"

#include <torch/types.h>

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
  masked_elements::zero_unkept(tensor, keep_, pruned_);
}

}  // namespace cardinal
