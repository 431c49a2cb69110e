#pragma once

// Helpers shared by the text readers in convex/src/data/ (not installed).

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/index.hpp"
#include "cardinal/bridge/input_file.hpp"
#include "cardinal/bridge/number_text.hpp"

namespace cardinal::text_file {

/// "file:line: message", the prefix of every per-line error.
inline std::string at_line(const std::string& source, Index line, std::string_view message) {
  std::string out = source;
  out += ':';
  out += std::to_string(line);
  out += ": ";
  out += message;
  return out;
}

/// The token in single quotes, shortened when it is long (a whole binary line, say).
inline std::string in_quotes(std::string_view token) {
  constexpr std::size_t kMaxShown = 60;
  std::string out = "'";
  if (token.size() > kMaxShown) {
    out += token.substr(0, kMaxShown);
    out += "...";
  } else {
    out += token;
  }
  out += '\'';
  return out;
}

/// The whole token as a double (nan and inf included, for the caller to refuse with its own
/// message), or nullopt if it is not exactly one number or overflows. The syntax is
/// parse_number_text's: decimal or scientific notation, a leading '+', and a decimal too small
/// for a double (1e-400) read as zero.
inline std::optional<double> parse_number(std::string_view token) {
  const NumberText<double> number = parse_number_text<double>(token);
  if (number.status != NumberTextStatus::kValid && number.status != NumberTextStatus::kNotFinite)
    return std::nullopt;
  return number.value;
}

/// The contents of `path`. Throws InvalidInput naming the file when it is missing, not a regular
/// file, unreadable, larger than max_memory() or gzip-compressed (the readers take uncompressed
/// text only).
inline std::string read_whole_file(const std::filesystem::path& path) {
  std::string text = read_input_file(path);
  require(
      !(text.size() >= 2 && static_cast<unsigned char>(text[0]) == 0x1f &&
        static_cast<unsigned char>(text[1]) == 0x8b),
      path.string() + ": gzip-compressed input is not supported; decompress it first (gunzip -k)");
  if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);  // UTF-8 byte-order mark
  return text;
}

}  // namespace cardinal::text_file
