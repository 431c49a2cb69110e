#include "cardinal/experiments/sparsity_level.hpp"

#include <charconv>
#include <cmath>

#include "cardinal/bridge/error.hpp"

namespace cardinal {

Index parse_sparsity(const std::string& text, Index dimension) {
  double value = 0.0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  require(error == std::errc() && end == text.data() + text.size() && std::isfinite(value),
          "--sparsity '" + text + "' is not a number");
  require(value > 0.0, "--sparsity must be positive (got " + text + ")");
  Index k = 0;
  if (value < 1.0) {
    k = std::max<Index>(1,
                        static_cast<Index>(std::llround(value * static_cast<double>(dimension))));
  } else {
    require(value == std::floor(value),
            "--sparsity " + text + " must be a whole number of nonzeros or a fraction in (0, 1)");
    k = static_cast<Index>(value);
  }
  require(k <= dimension, "--sparsity " + text + " exceeds the dimension " +
                              std::to_string(dimension) + " of the problem");
  return k;
}

}  // namespace cardinal
