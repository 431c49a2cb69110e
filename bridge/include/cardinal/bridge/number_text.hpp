#pragma once

#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace cardinal {

/// What a text is as a number of some type.
enum class NumberTextStatus {
  kValid,       ///< one number of the type, finite
  kMalformed,   ///< not exactly one number (trailing text, hex, thousands separators, empty)
  kOutOfRange,  ///< a number too large in magnitude for the type (or negative for an unsigned one)
  kNotFinite,   ///< nan or inf (a real type only)
};

template <class T>
struct NumberText {
  T value{};
  NumberTextStatus status = NumberTextStatus::kMalformed;
};

namespace detail {

/// For a decimal that std::from_chars accepted but found out of range: true when its magnitude
/// is below 1 (it underflows), false when above (it overflows).
inline bool decimal_below_one(std::string_view text) {
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
  long long integer_digits = 0;  // significant digits before the point
  long long leading_zeros = 0;   // zeros between the point and the first significant digit
  bool significant = false;
  auto digit = [&](std::size_t at) {
    return at < text.size() && text[at] >= '0' && text[at] <= '9';
  };
  for (; digit(i); ++i)
    if (significant || text[i] != '0') {
      significant = true;
      ++integer_digits;
    }
  if (i < text.size() && text[i] == '.')
    for (++i; digit(i); ++i)
      if (!significant) {
        if (text[i] == '0')
          ++leading_zeros;
        else
          significant = true;
      }
  long long exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    std::string_view digits = text.substr(i + 1);
    const bool negative = !digits.empty() && digits[0] == '-';
    if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) digits.remove_prefix(1);
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), exponent);
    if (ec == std::errc::result_out_of_range) exponent = std::numeric_limits<long long>::max() / 2;
    if (negative) exponent = -exponent;
  }
  const long long magnitude =
      integer_digits > 0 ? integer_digits - 1 + exponent : exponent - leading_zeros - 1;
  return magnitude < 0;
}

}  // namespace detail

/// Reads the whole of `text` as one number of type T: an integer in decimal, or a real in
/// decimal or scientific notation (also `inf` and `nan`, reported as kNotFinite). A leading `+`
/// is accepted. A real too small in magnitude for a double (`1e-400`) is not an error: it reads
/// as zero with its sign, as C's strtod rounds it; one too large (`1e400`) is kOutOfRange. The
/// one number syntax of cardinal's data files and command-line options.
template <class T>
NumberText<T> parse_number_text(std::string_view text) {
  static_assert(std::is_arithmetic_v<T> && !std::is_same_v<T, bool>);
  NumberText<T> out;
  if (text.size() > 1 && text[0] == '+' && text[1] != '-' && text[1] != '+') text.remove_prefix(1);
  if (text.empty()) return out;
  const char* end = text.data() + text.size();
  if constexpr (std::is_unsigned_v<T>) {
    // "-1" is a number, just not one an unsigned type holds.
    if (text[0] == '-' && text.size() > 1 &&
        text.find_first_not_of("0123456789", 1) == std::string_view::npos) {
      out.status = NumberTextStatus::kOutOfRange;
      return out;
    }
  }
  const auto [ptr, ec] = std::from_chars(text.data(), end, out.value);
  if (ptr != end) return out;
  if (ec == std::errc::result_out_of_range) {
    if constexpr (std::is_floating_point_v<T>) {
      if (detail::decimal_below_one(text)) {
        out.value = text[0] == '-' ? -T(0) : T(0);
        out.status = NumberTextStatus::kValid;
        return out;
      }
    }
    out.status = NumberTextStatus::kOutOfRange;
    return out;
  }
  if (ec != std::errc()) return out;
  if constexpr (std::is_floating_point_v<T>) {
    if (!std::isfinite(out.value)) {
      out.status = NumberTextStatus::kNotFinite;
      return out;
    }
  }
  out.status = NumberTextStatus::kValid;
  return out;
}

/// `value` as text: the shortest decimal that reads back to the same double; "NaN" for NaN.
inline std::string format_number(double value) {
  if (std::isnan(value)) return "NaN";
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

}  // namespace cardinal
