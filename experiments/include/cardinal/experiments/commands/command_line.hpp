#pragma once

#include <boost/program_options.hpp>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cardinal {

/// A `cardinal` sub-command: its name, a one-line summary, and its entry point, which receives
/// the arguments after the command name and returns the process exit status.
struct Command {
  std::string name;
  std::string summary;
  std::function<int(const std::vector<std::string>& args)> run;
  /// Its options, for the commands experiment definitions can run; nullptr otherwise.
  boost::program_options::options_description (*options)() = nullptr;
  /// Whether it resolves the other commands' options (an experiment definition runs any of
  /// them), so that a program without the network module hands it to one with it
  /// (network_module.hpp): experiment, plot, report.
  bool reads_every_command = false;
};

/// Exit status for invalid input or usage (bad flags, bad data, impossible settings).
inline constexpr int kExitInvalidInput = 2;

/// The most threads (--threads) or concurrent runs (--jobs) a command accepts: four times the
/// cores of this machine, at least 16. More only thrash the caches and the scheduler.
int max_threads();

/// Parses `args` against `options`, adding the common options `--help`, `--config FILE` (a
/// Boost.Program_options config file: `key = value` lines, `#` comments; command-line values
/// take precedence; a regular file only) and `--max-memory SIZE` (sets max_memory()).
/// Unknown flags and config keys are errors. A `--quiet` among `options` also silences the
/// warnings of the libraries below (Ceres). Returns no value when `--help` was given, after
/// printing `usage` and the options to `out`.
std::optional<boost::program_options::variables_map> parse_command_line(
    const std::string& usage, boost::program_options::options_description options,
    const std::vector<std::string>& args, std::ostream& out);

/// `help` (an options_description as Boost prints it) with every default of a real option,
/// "(=0.10000000000000001)", written as the user would write it: "(=0.1)".
std::string readable_defaults(const std::string& help);

/// A size in bytes as `--max-memory` takes it: a number with an optional binary unit, K, M, G or
/// T (also KiB, MiB, GiB, TiB): "512M", "1.5G", "2147483648". InvalidInput naming `option`
/// otherwise.
std::uint64_t parse_byte_size(std::string_view option, std::string_view text);

/// `text` safe to print on a terminal: valid UTF-8 is kept, other bytes and control characters
/// (but newlines and tabs) are written as \xNN.
std::string printable(std::string_view text);

/// Runs `body`, turning exceptions into a message on stderr prefixed with `context` and the
/// conventional exit status (2 for invalid input or usage, 1 for anything else).
int run_reporting_errors(const std::string& context, int (*body)(const std::vector<std::string>&),
                         const std::vector<std::string>& args);

}  // namespace cardinal
