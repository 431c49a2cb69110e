#include "cardinal/nonconvex/problem/tensor_space.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Dispatch.h>
#include <torch/nn/module.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "../pruning/masked_elements.hpp"
#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/splitmix64.hpp"
#include "cardinal/nonconvex/models/network.hpp"

namespace cardinal {
namespace {

std::vector<torch::Tensor> deep_copy(const std::vector<torch::Tensor>& tensors) {
  std::vector<torch::Tensor> out;
  out.reserve(tensors.size());
  for (const auto& t : tensors) out.push_back(t.defined() ? t.clone() : t);
  return out;
}

/// Among the coordinates with `candidate` set, the k of largest `score` (ties: smaller index).
/// Both are 1-D; scores are finite or +∞ and non-negative.
torch::Tensor top_k(const torch::Tensor& score, const torch::Tensor& candidate, Index k) {
  const Index available = candidate.sum().item<int64_t>();
  k = std::min(k, available);
  if (k <= 0) return torch::zeros_like(candidate);
  const torch::Tensor ranked =
      score.masked_fill(candidate.logical_not(), -std::numeric_limits<double>::infinity());
  const torch::Tensor threshold = std::get<0>(ranked.topk(k)).min();
  const torch::Tensor above = ranked.gt(threshold);
  const Index needed = k - above.sum().item<int64_t>();
  const torch::Tensor tied = ranked.eq(threshold).logical_and(candidate);
  // The first `needed` tied coordinates in index order.
  const torch::Tensor first_tied = tied.logical_and(tied.cumsum(0).le(needed));
  return above.logical_or(first_tied);
}

/// Σ x² in double over the elements where mask == kept (all of them for an undefined mask);
/// a NaN or ∞ left out by the mask does not count.
double square_sum(const torch::Tensor& x, const torch::Tensor& mask, bool kept) {
  if (!masked_elements::applies(x, mask)) {
    const torch::Tensor squares = x.to(torch::kDouble).square();
    if (!mask.defined()) return squares.sum().item<double>();
    return squares.masked_fill(kept ? mask.logical_not() : mask, 0).sum().item<double>();
  }
  const std::uint8_t* keep = mask.defined() ? masked_elements::bytes(mask) : nullptr;
  double total = 0.0;
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "TensorSpace::norm", [&] {
    total = masked_elements::square_sum(x.data_ptr<scalar_t>(), keep, kept, x.numel());
  });
  return total;
}

/// The number of true entries of a bool tensor.
Index count_true(const torch::Tensor& mask) {
  if (!mask.device().is_cpu() || !mask.is_contiguous()) return mask.sum().item<int64_t>();
  return masked_elements::count_ones(masked_elements::bytes(mask), mask.numel());
}

}  // namespace

TensorList::TensorList(const TensorList& other) : tensors_(deep_copy(other.tensors_)) {}
TensorList& TensorList::operator=(const TensorList& other) {
  if (this != &other) tensors_ = deep_copy(other.tensors_);
  return *this;
}
TensorSupport::TensorSupport(const TensorSupport& other) : active_(deep_copy(other.active_)) {}
TensorSupport& TensorSupport::operator=(const TensorSupport& other) {
  if (this != &other) active_ = deep_copy(other.active_);
  return *this;
}

TensorSpace::TensorSpace(const torch::nn::Module& network, TensorSpaceOptions options)
    : options_(std::move(options)) {
  std::set<std::string> prunable_names;
  for (const NamedTensor& t : prunable_tensors(network)) {
    prunable_names.insert(t.name);
    prunable_.push_back(t.name);
  }
  for (const std::string& name : options_.dense_layers)
    require(prunable_names.count(name) > 0,
            "dense layer '" + name + "' is not a prunable tensor of the network");
  bool first = true;
  for (const auto& item : network.named_parameters(/*recurse=*/true)) {
    const torch::Tensor& p = item.value();
    if (first) {
      device_ = p.device();
      dtype_ = p.scalar_type();
      first = false;
    }
    names_.push_back(item.key());
    shapes_.push_back(p.sizes().vec());
    const bool constrained =
        prunable_names.count(item.key()) > 0 && options_.dense_layers.count(item.key()) == 0;
    if (!constrained) {
      constrained_.push_back(-1);
      continue;
    }
    constrained_.push_back(static_cast<int>(blocks_.size()));
    blocks_.push_back(names_.size() - 1);
    const Index coordinates = options_.granularity == Granularity::kNeurons ? p.size(0) : p.numel();
    block_dimension_.push_back(coordinates);
    dimension_ += coordinates;
  }
  require(dimension_ > 0, "the network has no constrained (prunable, not dense) tensor");
  require(options_.layer_density == LayerDensity::kUniform ||
              options_.granularity == Granularity::kWeights,
          "Erdős–Rényi-Kernel layer densities apply to weights, not to neurons");
}

TensorList TensorSpace::zeros() const {
  std::vector<torch::Tensor> out;
  out.reserve(shapes_.size());
  for (const auto& shape : shapes_)
    out.push_back(torch::zeros(shape, torch::TensorOptions().dtype(dtype_).device(device_)));
  return TensorList(std::move(out));
}

double TensorSpace::dot(const Vector& x, const Vector& y) const {
  torch::NoGradGuard no_grad;
  torch::Tensor total =
      torch::zeros({}, torch::TensorOptions().dtype(torch::kDouble).device(device_));
  for (std::size_t b = 0; b < x.size(); ++b)
    total += (x[b].to(torch::kDouble) * y[b].to(torch::kDouble)).sum();
  return total.item<double>();
}

void TensorSpace::axpy(double t, const Vector& x, Vector& y) const {
  torch::NoGradGuard no_grad;
  for (std::size_t b = 0; b < x.size(); ++b) y[b].add_(x[b], t);
}

TensorSupport TensorSpace::empty_support() const {
  std::vector<torch::Tensor> active;
  for (std::size_t block : blocks_)
    active.push_back(
        torch::zeros(shapes_[block], torch::TensorOptions().dtype(torch::kBool).device(device_)));
  return TensorSupport(std::move(active));
}

torch::Tensor TensorSpace::scores(const Vector& x, std::size_t c) const {
  const torch::Tensor t = x[blocks_[c]].detach().to(torch::kDouble);
  torch::Tensor s = options_.granularity == Granularity::kNeurons
                        ? t.reshape({t.size(0), -1}).norm(2, 1)
                        : t.abs().reshape(-1);
  return s.masked_fill(s.isnan(), std::numeric_limits<double>::infinity());
}

std::vector<torch::Tensor> TensorSpace::coordinates(const Support& a) const {
  std::vector<torch::Tensor> out;
  for (std::size_t c = 0; c < blocks_.size(); ++c) {
    const torch::Tensor& t = a[c];
    out.push_back(options_.granularity == Granularity::kNeurons ? t.reshape({t.size(0), -1}).any(1)
                                                                : t.reshape(-1));
  }
  return out;
}

TensorSupport TensorSpace::expand(const std::vector<torch::Tensor>& flags) const {
  std::vector<torch::Tensor> active;
  for (std::size_t c = 0; c < blocks_.size(); ++c) {
    const auto& shape = shapes_[blocks_[c]];
    if (options_.granularity == Granularity::kNeurons) {
      const int64_t rows = shape[0];
      int64_t per_row = 1;
      for (std::size_t d = 1; d < shape.size(); ++d) per_row *= shape[d];
      active.push_back(flags[c].reshape({rows, 1}).expand({rows, per_row}).reshape(shape));
    } else {
      active.push_back(flags[c].reshape(shape).clone());
    }
  }
  return TensorSupport(std::move(active));
}

TensorSupport TensorSpace::support_of(const Vector& x) const {
  std::vector<torch::Tensor> flags;
  for (std::size_t c = 0; c < blocks_.size(); ++c) flags.push_back(scores(x, c).ne(0));
  return expand(flags);
}

TensorSupport TensorSpace::select(const Vector& x, const std::vector<torch::Tensor>& candidates,
                                  Index k) const {
  std::vector<torch::Tensor> score;
  for (std::size_t c = 0; c < blocks_.size(); ++c) score.push_back(scores(x, c));
  const torch::Tensor chosen = top_k(torch::cat(score), torch::cat(candidates), k);
  std::vector<torch::Tensor> flags;
  int64_t offset = 0;
  for (std::size_t c = 0; c < blocks_.size(); ++c) {
    flags.push_back(chosen.narrow(0, offset, block_dimension_[c]));
    offset += block_dimension_[c];
  }
  return expand(flags);
}

std::vector<Index> TensorSpace::block_budgets(Index k) const {
  require(options_.scope == BudgetScope::kPerBlock,
          "tensor space: per-block budgets need the per-block scope");
  k = std::min(k, dimension_);
  if (options_.layer_density == LayerDensity::kUniform) return split_budget(k, block_dimension_);
  std::vector<double> density;
  for (std::size_t block : blocks_) {
    double sum = 0.0, product = 1.0;
    for (const int64_t d : shapes_[block]) {
      sum += static_cast<double>(d);
      product *= static_cast<double>(d);
    }
    density.push_back(sum / product);
  }
  return split_budget(k, block_dimension_, density);
}

TensorList TensorSpace::uniform(std::uint64_t seed) const {
  std::vector<torch::Tensor> out;
  out.reserve(shapes_.size());
  const auto options = torch::TensorOptions().dtype(dtype_).device(device_);
  for (std::size_t i = 0; i < shapes_.size(); ++i) {
    if (constrained_[i] < 0) {
      out.push_back(torch::zeros(shapes_[i], options));
      continue;
    }
    at::Generator generator = at::detail::createCPUGenerator(
        splitmix64(seed ^ splitmix64(static_cast<std::uint64_t>(constrained_[i]))));
    out.push_back(
        at::rand(shapes_[i], generator, torch::TensorOptions().dtype(torch::kDouble)).to(options));
  }
  return TensorList(std::move(out));
}

TensorSupport TensorSpace::largest(const Vector& x, Index k) const {
  if (options_.scope == BudgetScope::kGlobal) return largest_outside(x, empty_support(), k);
  const std::vector<Index> budget = block_budgets(k);
  std::vector<torch::Tensor> flags;
  for (std::size_t c = 0; c < blocks_.size(); ++c) {
    const torch::Tensor s = scores(x, c);
    flags.push_back(top_k(s, torch::ones_like(s, torch::kBool), budget[c]));
  }
  return expand(flags);
}

TensorSupport TensorSpace::largest_in(const Vector& x, const Support& a, Index k) const {
  return select(x, coordinates(a), k);
}

TensorSupport TensorSpace::largest_outside(const Vector& x, const Support& a, Index k) const {
  std::vector<torch::Tensor> outside;
  for (const torch::Tensor& t : coordinates(a)) outside.push_back(t.logical_not());
  return select(x, outside, k);
}

namespace {

/// Candidate flags that keep block `block` of `flags` and clear every other block.
std::vector<torch::Tensor> only_block(std::vector<torch::Tensor> flags, Index block) {
  require(block >= 0 && block < static_cast<Index>(flags.size()),
          "tensor space: block " + std::to_string(block) + " out of range");
  for (std::size_t c = 0; c < flags.size(); ++c)
    if (static_cast<Index>(c) != block) flags[c] = torch::zeros_like(flags[c]);
  return flags;
}

}  // namespace

Index TensorSpace::size_in_block(const Support& a, Index block) const {
  return only_block(coordinates(a), block)[static_cast<std::size_t>(block)].sum().item<int64_t>();
}

TensorSupport TensorSpace::largest_in_block(const Vector& x, const Support& a, Index block,
                                            Index k) const {
  return select(x, only_block(coordinates(a), block), k);
}

TensorSupport TensorSpace::largest_outside_in_block(const Vector& x, const Support& a, Index block,
                                                    Index k) const {
  std::vector<torch::Tensor> outside;
  for (const torch::Tensor& t : coordinates(a)) outside.push_back(t.logical_not());
  return select(x, only_block(std::move(outside), block), k);
}

TensorSupport TensorSpace::unite(const Support& a, const Support& b) const {
  std::vector<torch::Tensor> active;
  for (std::size_t c = 0; c < blocks_.size(); ++c) active.push_back(a[c].logical_or(b[c]));
  return TensorSupport(std::move(active));
}

Index TensorSpace::size(const Support& a) const {
  Index total = 0;
  for (const torch::Tensor& t : coordinates(a)) total += count_true(t);
  return total;
}

void TensorSpace::restrict(Vector& y, const Support& a) const {
  for (std::size_t c = 0; c < blocks_.size(); ++c)
    masked_elements::zero_unkept(y[blocks_[c]], a[c]);
}

double TensorSpace::norm_on(const Vector& x, const Support& a) const {
  torch::NoGradGuard no_grad;
  double total = 0.0;
  for (std::size_t b = 0; b < x.size(); ++b) {
    const int c = constrained_[b];
    total += square_sum(x[b], c < 0 ? torch::Tensor() : a[c], true);
  }
  return std::sqrt(total);
}

double TensorSpace::norm_off(const Vector& x, const Support& a) const {
  torch::NoGradGuard no_grad;
  double total = 0.0;
  for (std::size_t c = 0; c < blocks_.size(); ++c) total += square_sum(x[blocks_[c]], a[c], false);
  return std::sqrt(total);
}

TensorList TensorSpace::read(const torch::nn::Module& network) const {
  std::vector<torch::Tensor> out;
  for (const auto& item : network.named_parameters(/*recurse=*/true))
    out.push_back(item.value().detach().clone());
  require(out.size() == names_.size(), "the network does not match the parameter space");
  return TensorList(std::move(out));
}

void TensorSpace::write(const Vector& x, torch::nn::Module& network) const {
  torch::NoGradGuard no_grad;
  auto parameters = network.parameters(/*recurse=*/true);
  require(parameters.size() == x.size(), "the network does not match the parameter space");
  for (std::size_t b = 0; b < x.size(); ++b) parameters[b].copy_(x[b]);
}

Mask TensorSpace::to_mask(const Support& a) const {
  std::vector<torch::Tensor> keep;
  for (const std::string& name : prunable_) {
    std::size_t block = 0;
    while (names_[block] != name) ++block;
    const int c = constrained_[block];
    keep.push_back(c < 0 ? torch::ones(shapes_[block], torch::kBool) : a[c].to(torch::kCPU));
  }
  return Mask(prunable_, std::move(keep));
}

TensorSupport TensorSpace::from_mask(const Mask& mask) const {
  require(mask.names() == prunable_, "the mask does not cover the network's prunable tensors");
  std::vector<torch::Tensor> active;
  for (std::size_t c = 0; c < blocks_.size(); ++c) {
    const std::string& name = names_[blocks_[c]];
    const torch::Tensor keep = mask.keep(name).to(device_);
    require(keep.sizes().vec() == shapes_[blocks_[c]],
            "mask tensor " + name + " has another shape");
    active.push_back(keep);
  }
  for (const std::string& name : options_.dense_layers)
    require(mask.remaining(name) == mask.total(name),
            "the mask prunes " + name + ", a layer the space leaves dense");
  TensorSupport support(std::move(active));
  if (options_.granularity == Granularity::kNeurons) {
    const TensorSupport rows = expand(coordinates(support));
    for (std::size_t c = 0; c < blocks_.size(); ++c)
      require(rows[c].equal(support[c]), "the mask keeps part of a neuron of " +
                                             names_[blocks_[c]] +
                                             " (neuron granularity needs whole rows)");
  }
  return support;
}

}  // namespace cardinal
