#include "cardinal/nonconvex/pruning/snapshot.hpp"

#include <torch/nn/module.h>

#include <map>
#include <string_view>
#include <utility>

#include "cardinal/bridge/error.hpp"
#include "tensor_file.hpp"

namespace cardinal {
namespace {

constexpr std::string_view kFileKind = "snapshot";
constexpr std::string_view kParameterPrefix = "parameter/";
constexpr std::string_view kBufferPrefix = "buffer/";

template <typename Dict>
std::vector<NamedTensor> copies(const Dict& tensors) {
  std::vector<NamedTensor> out;
  for (const auto& item : tensors)
    if (item.value().defined()) out.push_back({item.key(), item.value().detach().clone()});
  return out;
}

template <typename Dict>
std::vector<NamedTensor> live(const Dict& tensors) {
  std::vector<NamedTensor> out;
  for (const auto& item : tensors)
    if (item.value().defined()) out.push_back({item.key(), item.value()});
  return out;
}

/// Pairs every saved tensor with the network's tensor of the same name, or throws.
std::vector<std::pair<torch::Tensor, torch::Tensor>> pair_up(
    const std::vector<NamedTensor>& saved, const std::vector<NamedTensor>& current,
    std::string_view what) {
  std::map<std::string_view, const torch::Tensor*> by_name;
  for (const auto& [name, tensor] : current) by_name[name] = &tensor;
  require(saved.size() == current.size(), "snapshot has " + std::to_string(saved.size()) + " " +
                                              std::string(what) + "s but the network has " +
                                              std::to_string(current.size()));
  std::vector<std::pair<torch::Tensor, torch::Tensor>> pairs;
  for (const auto& [name, value] : saved) {
    const auto it = by_name.find(name);
    require(it != by_name.end(),
            "snapshot " + std::string(what) + " " + name + " is not in the network");
    const torch::Tensor& target = *it->second;
    require(target.sizes() == value.sizes() && target.scalar_type() == value.scalar_type(),
            "snapshot " + std::string(what) + " " + name +
                " differs in shape or dtype from the network's");
    pairs.emplace_back(target, value);
  }
  return pairs;
}

}  // namespace

Snapshot::Snapshot(std::vector<NamedTensor> parameters, std::vector<NamedTensor> buffers)
    : parameters_(std::move(parameters)), buffers_(std::move(buffers)) {}

Snapshot take_snapshot(const torch::nn::Module& network) {
  return Snapshot(copies(network.named_parameters(/*recurse=*/true)),
                  copies(network.named_buffers(/*recurse=*/true)));
}

void restore(torch::nn::Module& network, const Snapshot& snapshot) {
  // Check everything first, so that a mismatch leaves the network untouched.
  auto pairs = pair_up(snapshot.parameters(), live(network.named_parameters(true)), "parameter");
  auto buffer_pairs = pair_up(snapshot.buffers(), live(network.named_buffers(true)), "buffer");
  pairs.insert(pairs.end(), buffer_pairs.begin(), buffer_pairs.end());
  const torch::NoGradGuard no_grad;
  for (auto& [target, value] : pairs) target.copy_(value);
}

void restore(torch::nn::Module& network, const Snapshot& snapshot, const Mask& mask) {
  mask.check_matches(network);
  restore(network, snapshot);
  mask.apply(network);
}

void Snapshot::save(const std::string& path) const {
  std::vector<NamedTensor> tensors;
  for (const auto& [name, t] : parameters_)
    tensors.push_back({std::string(kParameterPrefix) + name, t});
  for (const auto& [name, t] : buffers_) tensors.push_back({std::string(kBufferPrefix) + name, t});
  detail::write_tensor_file(path, kFileKind, tensors);
}

Snapshot Snapshot::load(const std::string& path) {
  std::vector<NamedTensor> parameters;
  std::vector<NamedTensor> buffers;
  for (auto& [name, tensor] : detail::read_tensor_file(path, kFileKind)) {
    if (name.starts_with(kParameterPrefix))
      parameters.push_back({name.substr(kParameterPrefix.size()), std::move(tensor)});
    else if (name.starts_with(kBufferPrefix))
      buffers.push_back({name.substr(kBufferPrefix.size()), std::move(tensor)});
    else
      throw InvalidInput("snapshot file " + path + ": entry " + name +
                         " is neither a parameter nor a buffer");
  }
  return Snapshot(std::move(parameters), std::move(buffers));
}

}  // namespace cardinal
