#include "cardinal/nonconvex/pruning/mask.hpp"

#include <torch/nn/module.h>

#include <algorithm>
#include <set>
#include <utility>

#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/models/network.hpp"
#include "tensor_file.hpp"

namespace cardinal {
namespace {

constexpr std::string_view kFileKind = "mask";

std::string shape_string(torch::IntArrayRef sizes) {
  std::string out = "[";
  for (std::size_t i = 0; i < sizes.size(); ++i) out += (i ? ", " : "") + std::to_string(sizes[i]);
  return out + "]";
}

/// A bool, contiguous CPU copy of `keep`; throws unless it holds only 0 and 1.
torch::Tensor to_keep_tensor(const torch::Tensor& keep, const std::string& name) {
  require(keep.defined(), "mask tensor " + name + " is undefined");
  const torch::Tensor cpu = keep.detach().to(torch::kCPU);
  if (cpu.scalar_type() == torch::kBool) return cpu.contiguous().clone();
  require(cpu.eq(0).logical_or(cpu.eq(1)).all().item<bool>(),
          "mask tensor " + name + " holds values other than 0 and 1");
  return cpu.to(torch::kBool).contiguous();
}

void require_same_layout(const Mask& a, const Mask& b, std::string_view operation) {
  require(a.names() == b.names(), std::string(operation) + ": the masks cover different tensors");
  for (Index i = 0; i < a.size(); ++i)
    require(a.keep(i).sizes() == b.keep(i).sizes(),
            std::string(operation) + ": tensor " + a.names()[i] + " has shape " +
                shape_string(a.keep(i).sizes()) + " in one mask and " +
                shape_string(b.keep(i).sizes()) + " in the other");
}

}  // namespace

Mask::Mask(std::vector<std::string> names, std::vector<torch::Tensor> keep)
    : names_(std::move(names)) {
  require(names_.size() == keep.size(), "mask: " + std::to_string(names_.size()) + " names for " +
                                            std::to_string(keep.size()) + " tensors");
  std::set<std::string_view> seen;
  for (const auto& name : names_)
    require(seen.insert(name).second, "mask: tensor " + name + " appears twice");
  keep_.reserve(keep.size());
  for (std::size_t i = 0; i < keep.size(); ++i) keep_.push_back(to_keep_tensor(keep[i], names_[i]));
}

Mask::Mask(const Mask& other) : names_(other.names_) {
  keep_.reserve(other.keep_.size());
  for (const auto& t : other.keep_) keep_.push_back(t.clone());
}

Mask& Mask::operator=(const Mask& other) {
  if (this != &other) *this = Mask(other);
  return *this;
}

Mask Mask::dense(const torch::nn::Module& network) {
  std::vector<std::string> names;
  std::vector<torch::Tensor> keep;
  for (const auto& [name, tensor] : prunable_tensors(network)) {
    names.push_back(name);
    keep.push_back(torch::ones(tensor.sizes(), torch::TensorOptions().dtype(torch::kBool)));
  }
  return Mask(std::move(names), std::move(keep));
}

void Mask::check_matches(const torch::nn::Module& network) const {
  const std::vector<NamedTensor> tensors = prunable_tensors(network);
  for (std::size_t i = 0; i < std::max(tensors.size(), names_.size()); ++i) {
    require(i < tensors.size(), "mask tensor " + (i < names_.size() ? names_[i] : "") +
                                    " is not a prunable tensor of the network");
    require(i < names_.size(),
            "prunable tensor " + tensors[i].name + " of the network is not in the mask");
    require(tensors[i].name == names_[i], "mask tensor " + names_[i] + " does not match the " +
                                              "network's prunable tensor " + tensors[i].name +
                                              " at position " + std::to_string(i));
    require(tensors[i].tensor.sizes() == keep_[i].sizes(),
            "mask tensor " + names_[i] + " has shape " + shape_string(keep_[i].sizes()) +
                " but the network's has shape " + shape_string(tensors[i].tensor.sizes()));
  }
}

void Mask::apply(torch::nn::Module& network) const {
  check_matches(network);
  const torch::NoGradGuard no_grad;
  const std::vector<NamedTensor> tensors = prunable_tensors(network);
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    torch::Tensor weight = tensors[i].tensor;
    weight.masked_fill_(keep_[i].logical_not().to(weight.device()), 0);
  }
}

bool Mask::contains(std::string_view name) const {
  return std::find(names_.begin(), names_.end(), name) != names_.end();
}

Index Mask::position(std::string_view name) const {
  const auto it = std::find(names_.begin(), names_.end(), name);
  require(it != names_.end(), "mask has no tensor named " + std::string(name));
  return it - names_.begin();
}

const torch::Tensor& Mask::keep(Index i) const {
  require(i >= 0 && i < size(), "mask has no tensor at position " + std::to_string(i));
  return keep_[static_cast<std::size_t>(i)];
}

Index Mask::total() const {
  Index n = 0;
  for (const auto& t : keep_) n += t.numel();
  return n;
}

Index Mask::remaining() const {
  Index n = 0;
  for (const auto& t : keep_) n += t.count_nonzero().item<std::int64_t>();
  return n;
}

Index Mask::total(std::string_view name) const {
  return keep(name).numel();
}

Index Mask::remaining(std::string_view name) const {
  return keep(name).count_nonzero().item<std::int64_t>();
}

double Mask::density() const {
  const Index n = total();
  return n == 0 ? 1.0 : static_cast<double>(remaining()) / static_cast<double>(n);
}

double Mask::density(std::string_view name) const {
  const Index n = total(name);
  return n == 0 ? 1.0 : static_cast<double>(remaining(name)) / static_cast<double>(n);
}

Mask Mask::intersect(const Mask& other) const {
  require_same_layout(*this, other, "mask intersection");
  std::vector<torch::Tensor> keep;
  keep.reserve(keep_.size());
  for (std::size_t i = 0; i < keep_.size(); ++i)
    keep.push_back(keep_[i].logical_and(other.keep_[i]));
  return Mask(names_, std::move(keep));
}

bool operator==(const Mask& a, const Mask& b) {
  if (a.names_ != b.names_) return false;
  for (std::size_t i = 0; i < a.keep_.size(); ++i)
    if (!a.keep_[i].equal(b.keep_[i])) return false;  // equal() is false on differing shapes
  return true;
}

void Mask::save(const std::string& path) const {
  std::vector<NamedTensor> tensors;
  for (std::size_t i = 0; i < keep_.size(); ++i) tensors.push_back({names_[i], keep_[i]});
  detail::write_tensor_file(path, kFileKind, tensors);
}

Mask Mask::load(const std::string& path) {
  std::vector<std::string> names;
  std::vector<torch::Tensor> keep;
  for (auto& [name, tensor] : detail::read_tensor_file(path, kFileKind)) {
    require(tensor.scalar_type() == torch::kBool,
            "mask file " + path + ": tensor " + name + " is not boolean");
    names.push_back(std::move(name));
    keep.push_back(std::move(tensor));
  }
  try {
    return Mask(std::move(names), std::move(keep));
  } catch (const InvalidInput& e) {
    throw InvalidInput("mask file " + path + ": " + e.what());
  }
}

}  // namespace cardinal
