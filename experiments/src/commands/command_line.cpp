#include "cardinal/experiments/commands/command_line.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <new>
#include <regex>
#include <sstream>
#include <thread>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/input_file.hpp"
#include "cardinal/bridge/memory_limit.hpp"
#include "cardinal/bridge/number_text.hpp"
#include "cardinal/convex/smooth_minimizer.hpp"

namespace cardinal {
namespace po = boost::program_options;

std::string readable_defaults(const std::string& help) {
  // Boost prints a double default with 17 significant digits (0.10000000000000001): each
  // "(=NUMBER)" with a fraction is rewritten as the shortest text that reads back the same.
  static const std::regex kDefault(R"(\(=(-?[0-9]*\.[0-9]+(?:[eE][-+]?[0-9]+)?)\))");
  std::string out;
  auto last = help.cbegin();
  for (std::sregex_iterator it(help.begin(), help.end(), kDefault), end; it != end; ++it) {
    const std::smatch& match = *it;
    out.append(last, match[0].first);
    const std::string number = match[1].str();
    const double value = std::strtod(number.c_str(), nullptr);
    char shortest[64];
    const auto written = std::to_chars(shortest, shortest + sizeof shortest, value);
    out += "(=" + std::string(shortest, written.ptr) + ")";
    last = match[0].second;
  }
  out.append(last, help.cend());
  return out;
}

int max_threads() {
  return std::max(16, 4 * static_cast<int>(std::thread::hardware_concurrency()));
}

std::optional<po::variables_map> parse_command_line(const std::string& usage,
                                                    po::options_description options,
                                                    const std::vector<std::string>& args,
                                                    std::ostream& out) {
  po::options_description common("Common options");
  common.add_options()("help,h", "print this help and exit")(
      "config", po::value<std::string>(),
      "read options from a config file (key = value per line; the command line wins)")(
      "max-memory", po::value<std::string>(),
      "largest input to hold in memory, e.g. 4G (default: the physical memory)");
  options.add(common);

  po::variables_map values;
  po::store(po::command_line_parser(args).options(options).run(), values);
  if (values.count("help")) {
    std::ostringstream text;
    text << options;
    out << usage << "\n\n" << readable_defaults(text.str()) << '\n';
    return std::nullopt;
  }
  if (values.count("config")) {
    const std::string path = values["config"].as<std::string>();
    std::istringstream text(read_input_file(path));
    try {
      po::store(po::parse_config_file(text, options), values);
    } catch (const po::error& e) {
      throw InvalidInput("config file " + path + ": " + e.what());
    }
  }
  po::notify(values);
  if (values.count("max-memory"))
    set_max_memory(parse_byte_size("--max-memory", values["max-memory"].as<std::string>()));
  if (values.count("quiet") && values["quiet"].as<bool>()) set_minimizer_warnings(false);
  return values;
}

std::uint64_t parse_byte_size(std::string_view option, std::string_view text) {
  static constexpr std::pair<std::string_view, int> kUnits[] = {
      {"KiB", 1}, {"MiB", 2}, {"GiB", 3}, {"TiB", 4}, {"K", 1}, {"M", 2}, {"G", 3}, {"T", 4}};
  std::string_view number = text;
  int power = 0;
  for (const auto& [suffix, exponent] : kUnits) {
    if (text.size() > suffix.size() && text.ends_with(suffix)) {
      number = text.substr(0, text.size() - suffix.size());
      power = exponent;
      break;
    }
  }
  const NumberText<double> parsed = parse_number_text<double>(number);
  const double bytes = parsed.value * std::pow(1024.0, power);
  require(parsed.status == NumberTextStatus::kValid && bytes >= 1.0 && bytes < 0x1p64,
          "the argument ('" + std::string(text) + "') for option '" + std::string(option) +
              "' is invalid: expected a size such as 512M, 4G or 2147483648");
  return static_cast<std::uint64_t>(bytes);
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto escape = [&](unsigned char byte) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += "\\x";
    out += kHex[byte >> 4];
    out += kHex[byte & 0xf];
  };
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      if ((byte < 0x20 && byte != '\n' && byte != '\t') || byte == 0x7f)
        escape(byte);
      else
        out += static_cast<char>(byte);
      ++i;
      continue;
    }
    // The length of a well-formed UTF-8 sequence starting here (RFC 3629), 0 if none.
    std::size_t length = 0;
    if (byte >= 0xc2 && byte <= 0xdf) length = 2;
    if (byte >= 0xe0 && byte <= 0xef) length = 3;
    if (byte >= 0xf0 && byte <= 0xf4) length = 4;
    bool valid = length > 0 && i + length <= text.size();
    for (std::size_t k = 1; valid && k < length; ++k)
      valid = (static_cast<unsigned char>(text[i + k]) & 0xc0) == 0x80;
    if (valid && length >= 3) {  // no overlong forms, surrogates or code points above U+10FFFF
      const auto second = static_cast<unsigned char>(text[i + 1]);
      valid = !(byte == 0xe0 && second < 0xa0) && !(byte == 0xed && second >= 0xa0) &&
              !(byte == 0xf0 && second < 0x90) && !(byte == 0xf4 && second >= 0x90);
    }
    if (!valid) {
      escape(byte);
      ++i;
      continue;
    }
    out.append(text.substr(i, length));
    i += length;
  }
  return out;
}

int run_reporting_errors(const std::string& context, int (*body)(const std::vector<std::string>&),
                         const std::vector<std::string>& args) {
  try {
    return body(args);
  } catch (const po::error& e) {
    std::cerr << context << ": error: " << printable(e.what()) << " (see --help)\n";
    return kExitInvalidInput;
  } catch (const InvalidInput& e) {
    std::cerr << context << ": error: " << printable(e.what()) << '\n';
    return kExitInvalidInput;
  } catch (const std::bad_alloc&) {
    std::cerr << context
              << ": failed: out of memory (a smaller --max-memory refuses such inputs "
                 "before they are loaded)\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << context << ": failed: " << printable(e.what()) << '\n';
    return 1;
  }
}

}  // namespace cardinal
