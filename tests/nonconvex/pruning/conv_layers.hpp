#pragma once

// A small convolutional network routed through apply_layer, and the unfolded input patches of a
// convolution built by explicit loops: the independent reference of the pruning tests.

#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include <Eigen/Core>
#include <cstdint>

#include "cardinal/nonconvex/models/layer_observer.hpp"
#include "cardinal/nonconvex/models/network.hpp"

namespace cardinal::testing {

/// Input [N, 2, 7, 6]: conv (2 → 3, kernel 3×2, stride (2, 1), padding (1, 0), dilation (1, 2))
/// → ReLU → conv (3 → 4, 2×2) → ReLU → flatten → fc (4·3·3 → 3). Prunable: conv1.weight
/// [3, 2, 3, 2], conv2.weight [4, 3, 2, 2], fc.weight [3, 36].
struct SmallConvNet : Network {
  SmallConvNet()
      : conv1(register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(2, 3, {3, 2})
                                                             .stride({2, 1})
                                                             .padding({1, 0})
                                                             .dilation({1, 2})))),
        conv2(register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 4, 2)))),
        fc(register_module("fc", torch::nn::Linear(36, 3))) {}
  torch::Tensor forward(const torch::Tensor& x) override {
    torch::Tensor h = apply_layer(conv1, x).relu();
    h = apply_layer(conv2, h).relu();
    return apply_layer(fc, h.flatten(1));
  }
  torch::nn::Conv2d conv1;
  torch::nn::Conv2d conv2;
  torch::nn::Linear fc;
};

/// A 2-D tensor as a double matrix.
inline Eigen::MatrixXd to_eigen(const torch::Tensor& matrix) {
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const torch::Tensor d = matrix.detach().to(torch::kDouble).contiguous();
  return Eigen::Map<const RowMajor>(d.data_ptr<double>(), d.size(0), d.size(1));
}

/// The unfolded input patches of a convolution by explicit loops: row (i, oh, ow) (example-major,
/// then output positions row-major), column c·kh·kw + a·kw + b holding
/// x[i, c, oh·sh − ph + a·dh, ow·sw − pw + b·dw], zero outside the image.
inline Eigen::MatrixXd explicit_patches(const torch::Tensor& input, int64_t kh, int64_t kw,
                                        int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh,
                                        int64_t dw) {
  const torch::Tensor x = input.to(torch::kDouble).contiguous();
  const int64_t n = x.size(0), c_in = x.size(1), h = x.size(2), w = x.size(3);
  const int64_t h_out = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1;
  const int64_t w_out = (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
  const auto a = x.accessor<double, 4>();
  Eigen::MatrixXd patches = Eigen::MatrixXd::Zero(n * h_out * w_out, c_in * kh * kw);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t oh = 0; oh < h_out; ++oh)
      for (int64_t ow = 0; ow < w_out; ++ow)
        for (int64_t c = 0; c < c_in; ++c)
          for (int64_t p = 0; p < kh; ++p)
            for (int64_t q = 0; q < kw; ++q) {
              const int64_t r = oh * sh - ph + p * dh, s = ow * sw - pw + q * dw;
              if (r >= 0 && r < h && s >= 0 && s < w)
                patches((i * h_out + oh) * w_out + ow, (c * kh + p) * kw + q) = a[i][c][r][s];
            }
  return patches;
}

}  // namespace cardinal::testing
