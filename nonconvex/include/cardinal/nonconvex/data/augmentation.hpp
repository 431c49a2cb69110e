#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace cardinal {

/// The standard CIFAR augmentation, applied to a whole batch tensor: pad each image with
/// `padding` zero pixels on every side, crop a window of the original size at a random offset,
/// and mirror it left-right with probability `flip_probability`.
///
/// Random draws come from a std::mt19937_64 seeded with a hash of (seed, epoch, batch), so a
/// batch is augmented identically in a resumed run. Apply it to pixels in [0, 1] before
/// normalization, so that the padding is black as in torchvision's RandomCrop.
class CropFlipAugmentation {
 public:
  explicit CropFlipAugmentation(uint64_t seed, int64_t padding = 4, double flip_probability = 0.5);

  /// Augments the N×C×H×W batch number `batch` of epoch `epoch`.
  torch::Tensor operator()(const torch::Tensor& images, int64_t epoch, int64_t batch) const;

 private:
  uint64_t seed_;
  int64_t padding_;
  double flip_probability_;
};

/// The deterministic core of CropFlipAugmentation: image n of N×C×H×W `images` becomes the
/// H×W window at (top[n], left[n]) of the image padded by `padding` zeros on each side
/// (0 ≤ top, left ≤ 2·padding), mirrored left-right when flip[n].
torch::Tensor crop_and_flip(const torch::Tensor& images, int64_t padding,
                            const std::vector<int64_t>& top, const std::vector<int64_t>& left,
                            const std::vector<bool>& flip);

}  // namespace cardinal
