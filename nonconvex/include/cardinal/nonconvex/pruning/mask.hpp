#pragma once

#include <torch/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "cardinal/bridge/index.hpp"

namespace torch::nn {
class Module;
}

namespace cardinal {

/// Which weights of a network are kept: one boolean tensor per prunable tensor (true = kept),
/// keyed by parameter name and ordered like prunable_tensors(network). The last entry is the
/// output layer.
///
/// A value type: copies are deep, and no member function modifies a mask in place (pruning and
/// intersection return new masks). The tensors live on the CPU; apply() moves them to the
/// weights' device.
class Mask {
 public:
  /// An empty mask (no tensors).
  Mask() = default;

  /// A mask from parameter names and keep-tensors (bool, or any dtype holding only 0 and 1).
  /// Throws InvalidInput if the lengths differ, a name repeats, or a tensor holds other values.
  Mask(std::vector<std::string> names, std::vector<torch::Tensor> keep);

  Mask(const Mask& other);
  Mask& operator=(const Mask& other);
  Mask(Mask&&) noexcept = default;
  Mask& operator=(Mask&&) noexcept = default;
  ~Mask() = default;

  /// The all-kept mask of `network`'s prunable tensors.
  static Mask dense(const torch::nn::Module& network);

  /// w ← w ⊙ m for every prunable tensor of `network`, in place and outside autograd.
  /// Throws InvalidInput unless check_matches(network) passes.
  void apply(torch::nn::Module& network) const;

  /// Throws InvalidInput (naming the tensor) unless `network`'s prunable tensors have exactly
  /// this mask's names, in this order, with the same shapes.
  void check_matches(const torch::nn::Module& network) const;

  /// Number of masked tensors.
  Index size() const { return static_cast<Index>(names_.size()); }
  bool empty() const { return names_.empty(); }
  const std::vector<std::string>& names() const { return names_; }
  bool contains(std::string_view name) const;
  /// Position of `name` in names(); throws InvalidInput if absent.
  Index position(std::string_view name) const;

  /// The keep-tensor (bool, CPU, contiguous) of the i-th / named tensor. Read-only.
  const torch::Tensor& keep(Index i) const;
  const torch::Tensor& keep(std::string_view name) const { return keep(position(name)); }

  /// Number of weights covered / kept, overall or for one tensor.
  Index total() const;
  Index remaining() const;
  Index total(std::string_view name) const;
  Index remaining(std::string_view name) const;

  /// remaining / total (1 for an empty mask) and 1 − density, overall or for one tensor.
  double density() const;
  double sparsity() const { return 1.0 - density(); }
  double density(std::string_view name) const;
  double sparsity(std::string_view name) const { return 1.0 - density(name); }

  /// Elementwise AND. Throws InvalidInput unless both masks have the same names and shapes.
  Mask intersect(const Mask& other) const;

  /// Same names in the same order, same shapes, same values.
  friend bool operator==(const Mask& a, const Mask& b);

  /// Writes the mask to `path` atomically (temporary sibling, then rename). The format is the
  /// tensor file of docs/pruning.md ("cardinal tensor file", kind "mask"), with a checksum.
  void save(const std::string& path) const;

  /// Reads a mask written by save(). Throws InvalidInput naming `path` if the file is missing,
  /// truncated, corrupt or not a mask.
  static Mask load(const std::string& path);

 private:
  std::vector<std::string> names_;
  std::vector<torch::Tensor> keep_;
};

}  // namespace cardinal
