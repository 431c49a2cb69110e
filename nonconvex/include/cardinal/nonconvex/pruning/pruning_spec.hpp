#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include "cardinal/bridge/index.hpp"

namespace cardinal {

class Mask;

/// Whether one magnitude threshold is shared across tensors or each tensor is pruned alone.
enum class PruningScope {
  kGlobal,     ///< one ranking across all tensors that have no override (see PruningSpec)
  kLayerwise,  ///< every tensor is pruned by its own fraction of its own remaining weights
};

/// How much of each prunable tensor one pruning round removes. Fractions are of the weights
/// *remaining* in the current mask (iterative pruning: Frankle & Carbin prune 20% of the
/// remaining hidden weights and 10% of the remaining output weights per round).
///
/// The fraction of a tensor is, by precedence:
///   1. none if the tensor is in `dense_layers` (left exactly as in the current mask);
///   2. `layer_fraction[name]` if present;
///   3. `output_fraction` if set and the tensor is the output layer (the mask's last tensor);
///   4. `fraction` otherwise.
/// With kGlobal scope, tensors resolved by rule 2 or 3 are pruned layer-wise by their fraction;
/// all others share one global ranking and remove `fraction` of their pooled remaining weights.
struct PruningSpec {
  double fraction = 0.2;
  std::optional<double> output_fraction;
  std::map<std::string, double> layer_fraction;
  std::set<std::string> dense_layers;
  PruningScope scope = PruningScope::kGlobal;

  /// Throws InvalidInput unless every fraction is in [0, 1], every named layer is a tensor of
  /// `mask`, and no layer is both dense and given a fraction.
  void validate(const Mask& mask) const;
};

/// The spec whose one round removes what `rounds` rounds of `per_round` remove: every fraction
/// f becomes 1 − (1 − f)^rounds (rounds ≥ 0, not necessarily whole). Counts of the compounded
/// round follow the count rule once, so they can differ by rounding from `rounds` rounds.
PruningSpec compound_pruning(const PruningSpec& per_round, double rounds);

/// The count rule: pruning fraction f of r remaining weights removes round(f·r) of them, the
/// product taken in double precision and rounded to nearest with ties away from zero
/// (std::llround), then clamped to [0, r]. E.g. 0.2·307 = 61.4 → 61, 0.5·307 = 153.5 → 154.
Index pruned_count(double fraction, Index remaining);

}  // namespace cardinal
