#pragma once

// Helpers shared by the text readers in convex/src/data/ (not installed).

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/index.hpp"

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

/// The whole token as a double, or nullopt if it is not exactly one number. Accepts what
/// std::from_chars accepts (decimal and scientific notation, inf, nan) plus a leading '+'.
inline std::optional<double> parse_number(std::string_view token) {
  if (token.size() > 1 && token[0] == '+' && token[1] != '-' && token[1] != '+') {
    token.remove_prefix(1);
  }
  if (token.empty()) return std::nullopt;
  double value = 0.0;
  const char* end = token.data() + token.size();
  const auto [ptr, ec] = std::from_chars(token.data(), end, value);
  // A decimal beyond the double range (1e999) fails here too instead of becoming inf.
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

/// The contents of `path`. Throws InvalidInput naming the file when it is missing, not a regular
/// file, unreadable, or gzip-compressed (the readers take uncompressed text only).
inline std::string read_whole_file(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  require(std::filesystem::exists(status), name + ": no such file");
  require(!std::filesystem::is_directory(status), name + ": is a directory, not a file");
  std::FILE* file = std::fopen(name.c_str(), "rb");
  require(file != nullptr, name + ": cannot open for reading");
  std::string text;
  char buffer[1 << 16];
  std::size_t got = 0;
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec) text.reserve(static_cast<std::size_t>(size));
  while ((got = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, got);
  const bool failed = std::ferror(file) != 0;
  std::fclose(file);
  require(!failed, name + ": read error");
  require(!(text.size() >= 2 && static_cast<unsigned char>(text[0]) == 0x1f &&
            static_cast<unsigned char>(text[1]) == 0x8b),
          name + ": gzip-compressed input is not supported; decompress it first (gunzip -k)");
  if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);  // UTF-8 byte-order mark
  return text;
}

}  // namespace cardinal::text_file
