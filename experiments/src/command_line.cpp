#include "cardinal/experiments/command_line.hpp"

#include <fstream>
#include <iostream>

#include "cardinal/bridge/error.hpp"

namespace cardinal {
namespace po = boost::program_options;

std::optional<po::variables_map> parse_command_line(const std::string& usage,
                                                    po::options_description options,
                                                    const std::vector<std::string>& args,
                                                    std::ostream& out) {
  po::options_description common("Common options");
  common.add_options()("help,h", "print this help and exit")(
      "config", po::value<std::string>(),
      "read options from a config file (key = value per line; the command line wins)");
  options.add(common);

  po::variables_map values;
  po::store(po::command_line_parser(args).options(options).run(), values);
  if (values.count("help")) {
    out << usage << "\n\n" << options << '\n';
    return std::nullopt;
  }
  if (values.count("config")) {
    const std::string path = values["config"].as<std::string>();
    std::ifstream file(path);
    require(file.good(), "cannot read config file " + path);
    try {
      po::store(po::parse_config_file(file, options), values);
    } catch (const po::error& e) {
      throw InvalidInput("config file " + path + ": " + e.what());
    }
  }
  po::notify(values);
  return values;
}

int run_reporting_errors(const std::string& context, int (*body)(const std::vector<std::string>&),
                         const std::vector<std::string>& args) {
  try {
    return body(args);
  } catch (const po::error& e) {
    std::cerr << context << ": error: " << e.what() << " (see --help)\n";
    return kExitInvalidInput;
  } catch (const InvalidInput& e) {
    std::cerr << context << ": error: " << e.what() << '\n';
    return kExitInvalidInput;
  } catch (const std::exception& e) {
    std::cerr << context << ": failed: " << e.what() << '\n';
    return 1;
  }
}

}  // namespace cardinal
