// Linear mode connectivity: evaluating the straight line between two trained networks.
#include "cardinal/nonconvex/lottery/linear_mode_connectivity.hpp"

#include <ATen/ops/lerp.h>

#include <algorithm>
#include <string>
#include <utility>

#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/training/trainer.hpp"

namespace cardinal {
namespace {

std::vector<NamedTensor> interpolated(const std::vector<NamedTensor>& a,
                                      const std::vector<NamedTensor>& b, double alpha) {
  require(a.size() == b.size(), "linear mode connectivity: the two networks differ in shape");
  std::vector<NamedTensor> out;
  for (std::size_t i = 0; i < a.size(); ++i) {
    require(a[i].name == b[i].name && a[i].tensor.sizes() == b[i].tensor.sizes(),
            "linear mode connectivity: the two networks differ at " + a[i].name);
    const torch::Tensor& x = a[i].tensor;
    out.push_back({a[i].name, x.is_floating_point() ? at::lerp(x, b[i].tensor, alpha) : x});
  }
  return out;
}

}  // namespace

LinearModeConnectivity linear_mode_connectivity(Network& network, const Snapshot& a,
                                                const Snapshot& b, const TensorDataset& data,
                                                const std::optional<Normalization>& normalization,
                                                const torch::Device& device, Index points,
                                                Index batch_size) {
  require(points >= 2,
          "linear mode connectivity needs at least 2 points, got " + std::to_string(points));
  LinearModeConnectivity result;
  for (Index j = 0; j < points; ++j) {
    // The end points are exact: α = j / (points − 1) is 0 and 1 there.
    const double alpha = static_cast<double>(j) / static_cast<double>(points - 1);
    restore(network, Snapshot(interpolated(a.parameters(), b.parameters(), alpha),
                              interpolated(a.buffers(), b.buffers(), alpha)));
    const Evaluation e = evaluate(network, data, batch_size, normalization, device);
    result.path.push_back({alpha, e.loss, e.accuracy});
  }
  const InterpolationPoint& first = result.path.front();
  const InterpolationPoint& last = result.path.back();
  double worst_error = 0.0, worst_loss = first.test_loss;
  for (const InterpolationPoint& p : result.path) {
    worst_error = std::max(worst_error, 1.0 - p.test_accuracy);
    worst_loss = std::max(worst_loss, p.test_loss);
  }
  result.error_barrier =
      worst_error - ((1.0 - first.test_accuracy) + (1.0 - last.test_accuracy)) / 2.0;
  result.loss_barrier = worst_loss - (first.test_loss + last.test_loss) / 2.0;
  return result;
}

}  // namespace cardinal
