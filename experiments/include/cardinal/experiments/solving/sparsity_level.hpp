#pragma once

#include <string>

#include "cardinal/bridge/index.hpp"

namespace cardinal {

/// Interprets a `--sparsity` value for a space of `dimension` constrained coordinates: an
/// integer S ≥ 1 is a number of nonzeros; a fraction 0 < S < 1 keeps round(S · dimension) of
/// them (at least one). Throws InvalidInput for anything else, or for more than `dimension`.
Index parse_sparsity(const std::string& text, Index dimension);

}  // namespace cardinal
