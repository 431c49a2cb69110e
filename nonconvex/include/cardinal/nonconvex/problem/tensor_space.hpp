#pragma once

#include <torch/types.h>

#include <set>
#include <string>
#include <vector>

#include "cardinal/bridge/budget.hpp"
#include "cardinal/bridge/index.hpp"
#include "cardinal/nonconvex/pruning/mask.hpp"

namespace torch::nn {
class Module;
}

namespace cardinal {

/// A point of a network's parameter space: one tensor per parameter, in the order of
/// module.parameters(). A value type: copies are deep (a copied vector never shares storage
/// with the original), so generic solvers may copy and modify freely.
class TensorList {
 public:
  TensorList() = default;
  explicit TensorList(std::vector<torch::Tensor> tensors) : tensors_(std::move(tensors)) {}
  TensorList(const TensorList& other);
  TensorList& operator=(const TensorList& other);
  TensorList(TensorList&&) noexcept = default;
  TensorList& operator=(TensorList&&) noexcept = default;
  ~TensorList() = default;

  std::size_t size() const { return tensors_.size(); }
  const torch::Tensor& operator[](std::size_t i) const { return tensors_[i]; }
  torch::Tensor& operator[](std::size_t i) { return tensors_[i]; }
  const std::vector<torch::Tensor>& tensors() const { return tensors_; }

 private:
  std::vector<torch::Tensor> tensors_;
};

/// A support in a TensorSpace: one bool tensor per *constrained* tensor (true = active), on the
/// space's device. Free tensors are in every support and are not stored. Copies are deep.
class TensorSupport {
 public:
  TensorSupport() = default;
  explicit TensorSupport(std::vector<torch::Tensor> active) : active_(std::move(active)) {}
  TensorSupport(const TensorSupport& other);
  TensorSupport& operator=(const TensorSupport& other);
  TensorSupport(TensorSupport&&) noexcept = default;
  TensorSupport& operator=(TensorSupport&&) noexcept = default;
  ~TensorSupport() = default;

  std::size_t size() const { return active_.size(); }
  const torch::Tensor& operator[](std::size_t i) const { return active_[i]; }

 private:
  std::vector<torch::Tensor> active_;
};

/// What a coordinate of the sparsity budget is.
enum class Granularity {
  kWeights,  ///< one weight (unstructured sparsity)
  kNeurons,  ///< one output unit of a layer: a row of a linear weight, an output channel of a
             ///< convolution kernel, with all its incoming weights (structured sparsity)
};

/// How a per-block budget is shared among the constrained tensors.
enum class LayerDensity {
  kUniform,  ///< every tensor at the same density (split_budget by sizes)
  /// Erdős–Rényi-Kernel (Evci et al. 2020): density ∝ (Σ of the tensor's dimensions) / (their
  /// product), (n_out + n_in)/(n_out n_in) for a linear layer and (n_out + n_in + k_h + k_w)/
  /// (n_out n_in k_h k_w) for a convolution, capped at 1: small layers denser than large ones.
  kErdosRenyiKernel,
};

struct TensorSpaceOptions {
  /// Prunable tensors (see prunable_tensors) left dense: their coordinates are free.
  std::set<std::string> dense_layers;
  /// kPerBlock: `largest` splits its budget over the constrained tensors in proportion to their
  /// coordinate counts (split_budget) and thresholds each tensor alone (layer-wise pruning).
  BudgetScope scope = BudgetScope::kGlobal;
  /// kPerBlock only: the layers' densities (kErdosRenyiKernel needs Granularity::kWeights).
  LayerDensity layer_density = LayerDensity::kUniform;
  Granularity granularity = Granularity::kWeights;
};

/// The parameter space of a network: models the ParameterSpace concept (bridge/
/// parameter_space.hpp) with Vector = TensorList and Support = TensorSupport.
///
/// Every parameter of the network is a coordinate block. The *constrained* blocks are the
/// prunable tensors (linear and convolution kernels) not in options.dense_layers; everything
/// else (biases, batch-norm parameters, dense layers) is free. Under Granularity::kNeurons a
/// constrained coordinate is a row of a constrained tensor viewed as [rows, −1]: supports hold
/// whole rows and selections rank rows by the Euclidean norm of their entries.
///
/// Selections rank magnitudes (|x_i|, or row norms) in double precision; NaN ranks as +∞; ties
/// go to the earlier tensor, then the smaller flat index, as everywhere in cardinal. The
/// BudgetScope applies to `largest` (hard thresholding to k); `largest_in` and
/// `largest_outside` always rank globally.
class TensorSpace {
 public:
  using Vector = TensorList;
  using Support = TensorSupport;

  /// The space of `network`'s parameters, on their device and dtype. Throws InvalidInput if a
  /// dense layer is not a prunable tensor of the network, or if nothing is left constrained.
  TensorSpace(const torch::nn::Module& network, TensorSpaceOptions options = {});

  Index dimension() const { return dimension_; }
  Vector zeros() const;
  double dot(const Vector& x, const Vector& y) const;
  void axpy(double t, const Vector& x, Vector& y) const;
  Support empty_support() const;
  Support support_of(const Vector& x) const;
  Support largest(const Vector& x, Index k) const;
  Support largest_in(const Vector& x, const Support& a, Index k) const;
  Support largest_outside(const Vector& x, const Support& a, Index k) const;
  Support unite(const Support& a, const Support& b) const;
  Index size(const Support& a) const;

  /// BlockedParameterSpace: the blocks are the constrained tensors, in order.
  Index block_count() const { return static_cast<Index>(blocks_.size()); }
  Index size_in_block(const Support& a, Index block) const;
  Support largest_in_block(const Vector& x, const Support& a, Index block, Index k) const;
  Support largest_outside_in_block(const Vector& x, const Support& a, Index block, Index k) const;
  void restrict(Vector& y, const Support& a) const;
  double norm_on(const Vector& x, const Support& a) const;
  double norm_off(const Vector& x, const Support& a) const;

  /// A copy of the network's current parameter values (detached).
  Vector read(const torch::nn::Module& network) const;
  /// Copies `x` into the network's parameters, in place and outside autograd.
  void write(const Vector& x, torch::nn::Module& network) const;

  /// The Mask (pruning/mask.hpp) of support `a`: its constrained tensors, all-kept for the
  /// dense layers. And back: the support a mask describes (InvalidInput if the mask's names
  /// differ from the network's prunable tensors, or, for kNeurons, if it keeps partial rows).
  Mask to_mask(const Support& a) const;
  Support from_mask(const Mask& mask) const;

  /// Parameter names, in vector order, and which of them are constrained.
  const std::vector<std::string>& names() const { return names_; }
  bool is_constrained(std::size_t block) const { return constrained_[block] >= 0; }
  const TensorSpaceOptions& options() const { return options_; }

  /// Number of constrained coordinates (weights or rows) of each constrained tensor, in order.
  const std::vector<Index>& block_dimensions() const { return block_dimension_; }

  /// What `largest` keeps of each constrained tensor at budget k: all of k in one ranking
  /// (kGlobal: the counts are then those of the selection, so this needs kPerBlock), or the
  /// split the options' LayerDensity gives.
  std::vector<Index> block_budgets(Index k) const;

  /// RandomParameterSpace: independent U(0, 1) entries on the constrained tensors (float64
  /// draws from a CPU generator seeded by `seed` and the tensor's position, then moved to the
  /// parameters' device and dtype), zeros on the free ones.
  Vector uniform(std::uint64_t seed) const;

 private:
  /// Per-coordinate scores of constrained tensor `c` of x, as a 1-D double tensor (|x| or row
  /// norms), NaN replaced by +∞.
  torch::Tensor scores(const Vector& x, std::size_t c) const;
  /// The support keeping, among the coordinates marked in `candidates` (one 1-D bool tensor per
  /// constrained tensor, per coordinate), the k of largest score, ranked jointly.
  Support select(const Vector& x, const std::vector<torch::Tensor>& candidates, Index k) const;
  /// Per-coordinate view of a support: 1-D bool per constrained tensor (rows for kNeurons).
  std::vector<torch::Tensor> coordinates(const Support& a) const;
  /// Element-level support from per-coordinate flags.
  Support expand(const std::vector<torch::Tensor>& flags) const;

  TensorSpaceOptions options_;
  std::vector<std::string> names_;
  std::vector<std::vector<int64_t>> shapes_;
  std::vector<int> constrained_;     ///< per block: index among constrained tensors, or −1
  std::vector<std::size_t> blocks_;  ///< per constrained tensor: its block
  std::vector<std::string> prunable_;
  std::vector<Index> block_dimension_;
  Index dimension_ = 0;
  torch::Device device_ = torch::kCPU;
  torch::Dtype dtype_ = torch::kFloat32;
};

}  // namespace cardinal
