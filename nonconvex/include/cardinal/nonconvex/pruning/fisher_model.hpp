#pragma once

#include <torch/types.h>

#include "cardinal/bridge/index.hpp"
#include "cardinal/convex/centered_ridge_problem.hpp"

namespace cardinal {

class Network;

/// The bytes the Fisher model of `examples` per-example gradients over `weights` prunable
/// weights needs when a solver keeps `kept` of them: G in float (4nd), a few vectors of d
/// doubles, a restricted solve (the kept columns of G in double and the smaller of the k × k and
/// n × n systems) and, with `incremental_factor` (OMP), its Cholesky factor, k × k or (through
/// the Woodbury identity, or capped at the rank without ridge) n × n, whichever is smaller.
/// Computed in double so that a product beyond 2⁶⁴ still compares.
double fisher_model_bytes(Index examples, Index weights, Index kept, bool incremental_factor);

/// The global Fisher model of a trained network (WoodFisher, CHITA; docs/pruning.md): with G the
/// n × d per-example gradients of the cross-entropy loss at the current weights w̄ over the
/// network's prunable tensors (in prunable_tensors order, each flattened row-major),
///
///   f(w) = ‖G(w − w̄)‖²/(2n) + (λ/2)‖w − w̄‖²,  λ = relative_ridge · mean(diag GᵀG/n),
///
/// a CenteredRidgeProblem with G stored in float. `inputs` are n examples as the network reads
/// them (normalized), `labels` their classes. The gradients are taken in evaluation mode and the
/// network's parameters, gradients and mode are left as they were. Throws InvalidInput for
/// mismatched inputs and labels, a bad ridge, or when G would exceed max_memory() (checked
/// before it is allocated).
CenteredRidgeProblem fisher_model(Network& network, const torch::Tensor& inputs,
                                  const torch::Tensor& labels, double relative_ridge);

}  // namespace cardinal
