#pragma once

#include <torch/types.h>

namespace cardinal {

/// One tensor's keep-mask, prepared once on a device for being applied many times: to a weight,
/// its gradient and its optimizer state on every training step.
///
/// zero_pruned() on a contiguous float or double CPU tensor is a vectorised select over a
/// uint8 copy of the mask, split over at::parallel_for (masked_fill_ on the CPU is an order of
/// magnitude slower in LibTorch 1.13); any other tensor (CUDA, non-contiguous, other dtypes)
/// goes through masked_fill_. Both give the same bits.
class KeepMask {
 public:
  /// `keep` (true or 1 = kept; bool or any dtype holding only 0 and 1, any device), copied to
  /// `device`.
  KeepMask(const torch::Tensor& keep, const torch::Device& device);

  /// tensor[i] ← keep[i] ? tensor[i] : 0, in place and outside autograd: every entry the mask
  /// does not keep becomes exactly +0.0 whatever it held (NaN and ±Inf included), every kept
  /// entry is left bit for bit as it was — the result of tensor.masked_fill_(¬keep, 0). An
  /// undefined tensor is left alone. Throws InvalidInput unless `tensor` has the mask's shape;
  /// the tensor must be on the mask's device.
  void zero_pruned(const torch::Tensor& tensor) const;

  /// True when the mask keeps every entry (zero_pruned() then does nothing).
  bool keeps_all() const { return keeps_all_; }

 private:
  torch::Tensor keep_;    // uint8, 0 or 1, contiguous
  torch::Tensor pruned_;  // bool, ¬keep: for masked_fill_ on the general path
  bool keeps_all_ = false;
};

}  // namespace cardinal
