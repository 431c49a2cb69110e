#pragma once

#include <torch/nn/module.h>
#include <torch/types.h>

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "cardinal/bridge/index.hpp"
#include "cardinal/nonconvex/models/network.hpp"

namespace cardinal {

/// The most unfolded input patches a convolution's Gram matrix is built from (docs/pruning.md):
/// n·H_out·W_out patches above it are subsampled to it. 50,000 rows are ample for the widest
/// layers of the MNIST and CIFAR models (C_in·kh·kw ≤ 576, VGG's 4,608) and keep building H₀ to a
/// few seconds per layer on two cores.
inline constexpr Index kDefaultMaxPatches = 50'000;

/// The rows of X that a prunable layer's input gives, as a (rows × d_in) tensor: a Linear layer's
/// input itself (one row per example); for a Conv2d with weight (C_out, C_in, kh, kw) the
/// unfolded input patches, one row per example and output position (example-major, then the
/// output positions row-major), C_in·kh·kw columns ordered like the weight's, with the layer's
/// stride, padding and dilation. Throws InvalidInput for another module, a grouped convolution,
/// or padding that is not zeros given as numbers.
torch::Tensor layer_input_rows(const torch::nn::Module& layer, const torch::Tensor& input);

/// A prunable weight tensor as the matrix W of its reconstruction problem: (d_out, d_in), a
/// convolution's (C_out, C_in, kh, kw) reshaped to (C_out, C_in·kh·kw).
Eigen::MatrixXd weight_matrix(const torch::Tensor& weight);

/// `count` of the rows 0, …, population − 1 (all of them when count ≥ population), in increasing
/// order, uniformly without replacement: Knuth's selection sampling (Algorithm S), row t kept with
/// probability (rows still needed)/(rows still to see), each draw the top 53 bits of
/// std::mt19937_64(seed), whose output the C++ standard fixes: the same rows on every platform.
std::vector<Index> sample_rows(Index population, Index count, std::uint64_t seed);

/// H₀ = XᵀX/m of one prunable layer on calibration examples, and how X was sampled.
struct CalibrationGram {
  Eigen::MatrixXd gram;
  Index rows = 0;       ///< m, the rows of X used
  Index available = 0;  ///< the rows the examples give (n, or n·H_out·W_out patches)
  bool subsampled() const { return rows < available; }
};

/// The Gram matrix of the layer of `network` whose weight is `weight`, X its input rows
/// (layer_input_rows) on `calibration` (n examples as the network reads them). The inputs come
/// from the network as it is (its current weights), through forward_observing in evaluation mode
/// without gradients, in batches of examples, each pass stopping at the layer. When a convolution
/// gives more than `max_patches` rows, the rows sample_rows(n·H_out·W_out, max_patches, seed)
/// are kept. Rows are accumulated in double precision. Throws InvalidInput when the network cannot
/// read the examples or never applies the layer through apply_layer.
CalibrationGram calibration_gram(Network& network, const torch::Tensor& weight,
                                 const torch::Tensor& calibration, Index max_patches,
                                 std::uint64_t seed);

}  // namespace cardinal
