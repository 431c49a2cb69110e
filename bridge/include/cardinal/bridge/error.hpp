#pragma once

#include <stdexcept>
#include <string>

namespace cardinal {

/// Thrown when user-supplied input (data, options, sizes) is invalid. The message names the
/// offending input so that a command-line program can print it and exit non-zero.
class InvalidInput : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Throws InvalidInput(message) when `condition` is false.
inline void require(bool condition, const std::string& message) {
  if (!condition) throw InvalidInput(message);
}

}  // namespace cardinal
