#pragma once

// Internal: the binary file behind Mask::save and Snapshot::save (format in docs/pruning.md).

#include <string>
#include <string_view>
#include <vector>

#include "cardinal/nonconvex/models/network.hpp"

namespace cardinal::detail {

/// Writes named tensors (any device; stored from CPU) under a `kind` tag ("mask", "snapshot").
void write_tensor_file(const std::string& path, std::string_view kind,
                       const std::vector<NamedTensor>& tensors);

/// Reads a file written by write_tensor_file with the same `kind`; tensors come back on the CPU.
/// Throws InvalidInput naming `path` if it is missing, truncated, corrupt or of another kind.
std::vector<NamedTensor> read_tensor_file(const std::string& path, std::string_view kind);

}  // namespace cardinal::detail
