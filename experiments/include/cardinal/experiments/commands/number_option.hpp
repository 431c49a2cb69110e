#pragma once

#include <boost/program_options/errors.hpp>
#include <boost/program_options/value_semantic.hpp>
#include <charconv>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/number_text.hpp"

namespace cardinal {

/// The values a numeric option accepts: [min, max], or (min, max] with `exclusive_min`.
template <class T>
struct NumberRange {
  T min = std::numeric_limits<T>::lowest();
  T max = std::numeric_limits<T>::max();
  bool exclusive_min = false;
};

/// The shortest decimal text that reads back as `value`.
template <class T>
std::string shortest_text(T value) {
  char text[64];
  const auto [end, ec] = std::to_chars(text, text + sizeof text, value);
  return std::string(text, end);
}

namespace detail {

/// Why `text` is not a value of the range, or nothing when it is (with the value in `out`).
template <class T>
std::optional<std::string> number_problem(std::string_view text, const NumberRange<T>& range,
                                          T& out) {
  const NumberText<T> number = parse_number_text<T>(text);
  switch (number.status) {
    case NumberTextStatus::kMalformed:
      return std::is_integral_v<T> ? "not an integer" : "not a number";
    case NumberTextStatus::kNotFinite:
      return std::string("not a finite number");
    case NumberTextStatus::kOutOfRange:
      if (text.starts_with('-') && std::is_unsigned_v<T>) return std::string("must be >= 0");
      return "out of range (" + shortest_text(std::numeric_limits<T>::lowest()) + " to " +
             shortest_text(std::numeric_limits<T>::max()) + ")";
    case NumberTextStatus::kValid:
      break;
  }
  out = number.value;
  const bool low = range.exclusive_min ? !(out > range.min) : out < range.min;
  const bool unbounded_above = range.max == std::numeric_limits<T>::max();
  if (!low && !(out > range.max)) return std::nullopt;
  std::string bounds = range.exclusive_min ? "> " : ">= ";
  bounds += shortest_text(range.min);
  if (range.min == std::numeric_limits<T>::lowest())
    return "must be <= " + shortest_text(range.max);
  if (unbounded_above) return "must be " + bounds;
  return "must be " + bounds + " and <= " + shortest_text(range.max);
}

inline std::string invalid_argument_message(std::string_view option, std::string_view text,
                                            const std::string& problem) {
  std::string out = "the argument ('";
  out += text;
  out += "') for option '";
  out += option;
  out += "' is invalid: ";
  out += problem;
  return out;
}

/// A Boost.Program_options value read by number_problem; errors name the option and the value.
template <class T>
class NumberValue : public boost::program_options::typed_value<T> {
 public:
  explicit NumberValue(NumberRange<T> range)
      : boost::program_options::typed_value<T>(nullptr), range_(range) {}

  void xparse(boost::any& store, const std::vector<std::string>& tokens) const override {
    namespace po = boost::program_options;
    po::validators::check_first_occurrence(store);
    const std::string& text = po::validators::get_single_string(tokens);
    T value{};
    if (const std::optional<std::string> problem = number_problem(text, range_, value)) {
      po::error_with_option_name error(
          invalid_argument_message("%canonical_option%", "%value%", *problem));
      error.set_substitute("value", text);
      throw error;
    }
    store = value;
  }

 private:
  NumberRange<T> range_;
};

}  // namespace detail

/// The one parser of numeric option values. The whole text must be one number of type T
/// (parse_number_text: an integer in decimal, or a finite real in decimal or scientific
/// notation; a real too small for a double reads as 0), within `range`. Otherwise throws
/// InvalidInput: "the argument ('TEXT') for option 'OPTION' is invalid: WHY".
template <class T>
T parse_option_number(std::string_view option, std::string_view text,
                      const NumberRange<T>& range = {}) {
  T value{};
  if (const std::optional<std::string> problem = detail::number_problem(text, range, value))
    throw InvalidInput(detail::invalid_argument_message(option, text, *problem));
  return value;
}

/// A numeric option for an options_description, read by parse_option_number; a bad value is a
/// boost::program_options::error naming the option (from the command line or a config file).
template <class T>
boost::program_options::typed_value<T>* number(NumberRange<T> range = {}) {
  return new detail::NumberValue<T>(range);
}

}  // namespace cardinal
