#include "cardinal/nonconvex/pruning/pruning_spec.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/pruning/mask.hpp"

namespace cardinal {
namespace {

void require_fraction(double f, const std::string& what) {
  require(std::isfinite(f) && f >= 0.0 && f <= 1.0,
          "pruning " + what + " must be in [0, 1], got " + std::to_string(f));
}

}  // namespace

void PruningSpec::validate(const Mask& mask) const {
  require_fraction(fraction, "fraction");
  if (output_fraction) require_fraction(*output_fraction, "output_fraction");
  for (const auto& [name, f] : layer_fraction) {
    require(mask.contains(name),
            "pruning layer_fraction names " + name + ", which is not a prunable tensor");
    require_fraction(f, "layer_fraction for " + name);
    require(!dense_layers.contains(name),
            "pruning layer " + name + " is both dense and given a layer_fraction");
  }
  for (const auto& name : dense_layers)
    require(mask.contains(name),
            "pruning dense_layers names " + name + ", which is not a prunable tensor");
}

PruningSpec compound_pruning(const PruningSpec& per_round, double rounds) {
  require(std::isfinite(rounds) && rounds >= 0.0,
          "compound pruning: rounds must be >= 0, got " + std::to_string(rounds));
  auto compound = [rounds](double f) { return 1.0 - std::pow(1.0 - f, rounds); };
  PruningSpec out = per_round;
  out.fraction = compound(per_round.fraction);
  if (per_round.output_fraction) out.output_fraction = compound(*per_round.output_fraction);
  for (auto& [name, f] : out.layer_fraction) f = compound(f);
  return out;
}

Index pruned_count(double fraction, Index remaining) {
  require_fraction(fraction, "fraction");
  require(remaining >= 0, "pruned_count: negative remaining count");
  const long long count = std::llround(fraction * static_cast<double>(remaining));
  return std::clamp<Index>(static_cast<Index>(count), 0, remaining);
}

}  // namespace cardinal
