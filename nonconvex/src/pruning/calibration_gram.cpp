#include "cardinal/nonconvex/pruning/calibration_gram.hpp"

#include <c10/util/Exception.h>
#include <torch/nn/functional/fold.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include <algorithm>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/models/layer_observer.hpp"

namespace cardinal {
namespace {

/// Examples per forward pass: bounds the unfolded patches held at once (Conv-2's second layer on
/// 28×28 inputs: 32 · 784 patches of 576 floats, 58 MB).
constexpr Index kExamplesPerPass = 32;

/// Thrown by the observer once it holds the layer's input, to end the forward pass there.
struct LayerReached {};

bool has_weight(const torch::nn::Module& layer, const torch::Tensor& weight) {
  if (const auto* linear = dynamic_cast<const torch::nn::LinearImpl*>(&layer))
    return linear->weight.is_same(weight);
  if (const auto* conv = dynamic_cast<const torch::nn::Conv2dImpl*>(&layer))
    return conv->weight.is_same(weight);
  return false;
}

std::string shape_text(torch::IntArrayRef sizes) {
  std::ostringstream out;
  out << sizes;
  return out.str();
}

}  // namespace

torch::Tensor layer_input_rows(const torch::nn::Module& layer, const torch::Tensor& input) {
  if (dynamic_cast<const torch::nn::LinearImpl*>(&layer) != nullptr)
    return input.reshape({-1, input.size(-1)});
  const auto* conv = dynamic_cast<const torch::nn::Conv2dImpl*>(&layer);
  require(conv != nullptr, "layer-wise pruning: a prunable layer must be a Linear or a Conv2d");
  const auto& o = conv->options;  // detail::ConvNdOptions<2>
  require(o.groups() == 1, "layer-wise pruning: grouped convolutions (groups = " +
                               std::to_string(o.groups()) + ") are not supported");
  // Unqualified: argument-dependent lookup finds c10::get_if (LibTorch 1.13's c10::variant) or
  // std::get_if (LibTorch 2, where c10::variant is std::variant).
  require(get_if<torch::enumtype::kZeros>(&o.padding_mode()) != nullptr,
          "layer-wise pruning: convolutions with padding other than zeros are not supported");
  const auto* padding = get_if<torch::ExpandingArray<2>>(&o.padding());
  require(padding != nullptr,
          "layer-wise pruning: a convolution's padding must be given as numbers, not "
          "'same' or 'valid'");
  require(input.dim() == 4, "layer-wise pruning: a convolution's input must be a batch of images");
  namespace F = torch::nn::functional;
  const torch::Tensor patches = F::unfold(input, F::UnfoldFuncOptions(o.kernel_size())
                                                     .dilation(o.dilation())
                                                     .padding(*padding)
                                                     .stride(o.stride()));  // (B, d_in, L)
  return patches.transpose(1, 2).reshape({-1, patches.size(1)});
}

std::vector<Index> sample_rows(Index population, Index count, std::uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::vector<Index> chosen;
  chosen.reserve(static_cast<std::size_t>(std::max<Index>(0, std::min(count, population))));
  for (Index t = 0; t < population && static_cast<Index>(chosen.size()) < count; ++t) {
    const double u = static_cast<double>(engine() >> 11) * 0x1.0p-53;  // in [0, 1)
    const Index needed = count - static_cast<Index>(chosen.size());
    if (static_cast<double>(population - t) * u < static_cast<double>(needed)) chosen.push_back(t);
  }
  return chosen;
}

Eigen::MatrixXd weight_matrix(const torch::Tensor& weight) {
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const torch::Tensor matrix =
      weight.detach().flatten(1).to(torch::kCPU, torch::kDouble).contiguous();
  return Eigen::Map<const RowMajor>(matrix.data_ptr<double>(), matrix.size(0), matrix.size(1));
}

CalibrationGram calibration_gram(Network& network, const torch::Tensor& weight,
                                 const torch::Tensor& calibration, Index max_patches,
                                 std::uint64_t seed) {
  require(max_patches >= 1, "--max-patches must be at least 1, got " + std::to_string(max_patches));
  const Index n = calibration.size(0);
  require(n > 0, "layer-wise pruning: no calibration examples");
  const Index d = weight[0].numel();
  torch::NoGradGuard no_grad;
  const bool training = network.is_training();
  network.eval();
  struct RestoreMode {
    Network& network;
    bool training;
    ~RestoreMode() { network.train(training); }
  } restore{network, training};

  CalibrationGram result;
  result.gram = Eigen::MatrixXd::Zero(d, d);
  std::vector<Index> chosen;  // the rows kept, when a convolution's patches are subsampled
  std::size_t next = 0;
  Index per_example = 0;
  bool subsample = false;
  for (Index start = 0; start < n; start += kExamplesPerPass) {
    const Index end = std::min(n, start + kExamplesPerPass);
    const torch::Tensor batch =
        calibration.slice(0, start, end).to(weight.device(), weight.scalar_type());
    torch::Tensor rows;
    bool convolution = false;
    try {
      forward_observing(
          network, batch, [&](const torch::nn::Module& layer, const torch::Tensor& input) {
            if (!has_weight(layer, weight)) return;
            rows = layer_input_rows(layer, input);
            convolution = dynamic_cast<const torch::nn::Conv2dImpl*>(&layer) != nullptr;
            throw LayerReached{};
          });
    } catch (const LayerReached&) {
    } catch (const c10::Error& error) {
      throw InvalidInput(
          "layer-wise pruning: the network cannot read calibration examples of shape " +
          shape_text(calibration.sizes()) + ": " + error.what_without_backtrace());
    }
    require(rows.defined(), "layer-wise pruning: the network never applies its layer of weight " +
                                shape_text(weight.sizes()) + " through apply_layer");
    require(rows.size(1) == d, "layer-wise pruning: a layer reads " + std::to_string(rows.size(1)) +
                                   " inputs but its weight has " + std::to_string(d) + " columns");
    if (start == 0) {
      per_example = rows.size(0) / (end - start);
      result.available = n * per_example;
      subsample = convolution && result.available > max_patches;
      result.rows = subsample ? max_patches : result.available;
      if (subsample) chosen = sample_rows(result.available, max_patches, seed);
    }
    if (subsample) {
      std::vector<int64_t> local;
      const Index first = start * per_example, last = end * per_example;
      for (; next < chosen.size() && chosen[next] < last; ++next)
        local.push_back(chosen[next] - first);
      rows = rows.index_select(0, torch::tensor(local, torch::kLong).to(rows.device()));
    }
    const torch::Tensor values = rows.to(torch::kCPU, torch::kDouble).contiguous();
    using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const Eigen::Map<const RowMajor> x(values.data_ptr<double>(), values.size(0), d);
    result.gram.selfadjointView<Eigen::Lower>().rankUpdate(x.transpose(),
                                                           1.0 / static_cast<double>(result.rows));
  }
  result.gram.triangularView<Eigen::StrictlyUpper>() = result.gram.transpose();
  return result;
}

}  // namespace cardinal
