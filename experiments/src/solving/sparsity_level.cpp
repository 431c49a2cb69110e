#include "cardinal/experiments/solving/sparsity_level.hpp"

#include <cmath>

#include "cardinal/bridge/error.hpp"
#include "cardinal/experiments/commands/number_option.hpp"

namespace cardinal {

Index parse_sparsity(const std::string& text, Index dimension) {
  const double value =
      parse_option_number<double>("--sparsity", text, {.min = 0.0, .exclusive_min = true});
  if (value < 1.0)
    return std::max<Index>(
        1, static_cast<Index>(std::llround(value * static_cast<double>(dimension))));
  require(value == std::floor(value),
          "--sparsity '" + text + "' must be a whole number of nonzeros or a fraction in (0, 1)");
  require(value <= static_cast<double>(dimension),
          "--sparsity '" + text + "'" + " exceeds the dimension " + std::to_string(dimension) +
              " of the problem");
  return static_cast<Index>(value);
}

}  // namespace cardinal
