#pragma once

#include <cstddef>

namespace cardinal {

/// Signed index type used for dimensions, coordinates and counts (matches Eigen::Index).
using Index = std::ptrdiff_t;

}  // namespace cardinal
