// The shared option machinery: one number parser for every numeric option, byte sizes, and the
// escaping of messages.
#include "cardinal/experiments/commands/command_line.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/index.hpp"
#include "cardinal/experiments/commands/number_option.hpp"

namespace cardinal {
namespace {
namespace po = boost::program_options;

/// The message of the exception `action` throws (of type E), or "" if none.
template <class E, class F>
std::string message_of(F action) {
  try {
    action();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

TEST(ParseOptionNumber, ReadsWholeNumbersOfTheType) {
  EXPECT_EQ(parse_option_number<Index>("--n", "42"), 42);
  EXPECT_EQ(parse_option_number<Index>("--n", "+7"), 7);
  EXPECT_EQ(parse_option_number<int>("--n", "-3"), -3);
  EXPECT_EQ(parse_option_number<std::uint64_t>("--seed", "18446744073709551615"),
            std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(parse_option_number<double>("--x", "2.5e-3"), 2.5e-3);
  EXPECT_EQ(parse_option_number<double>("--x", "1e300"), 1e300);
  // A decimal below the smallest double reads as zero with its sign (documented), as strtod.
  EXPECT_EQ(parse_option_number<double>("--x", "1e-400"), 0.0);
  EXPECT_TRUE(std::signbit(parse_option_number<double>("--x", "-1e-400")));
  EXPECT_EQ(parse_option_number<double>("--x", "4.9e-324"), 4.9e-324);  // denormals are kept
}

TEST(ParseOptionNumber, RefusesEverythingElseNamingTheOptionAndTheValue) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"99999999999999999999999", "out of range (-9223372036854775808 to 9223372036854775807)"},
      {"1.5", "not an integer"},
      {"1e3", "not an integer"},
      {"12abc", "not an integer"},
      {"", "not an integer"},
      {" 4", "not an integer"},
      {"0x10", "not an integer"}};
  for (const auto& [text, why] : cases) {
    const std::string message =
        message_of<InvalidInput>([&] { parse_option_number<Index>("--levels", text); });
    EXPECT_EQ(message, "the argument ('" + text + "') for option '--levels' is invalid: " + why);
  }
  EXPECT_NE(message_of<InvalidInput>([] {
              parse_option_number<std::uint64_t>("--seed", "-1");
            }).find("'-1') for option '--seed' is invalid: must be >= 0"),
            std::string::npos);
  for (const std::string text : {"nan", "-inf", "inf", "NaN"})
    EXPECT_NE(message_of<InvalidInput>([&] {
                parse_option_number<double>("--lr", text);
              }).find("is invalid: not a finite number"),
              std::string::npos)
        << text;
  EXPECT_NE(message_of<InvalidInput>([] {
              parse_option_number<double>("--lr", "1e400");
            }).find("out of range"),
            std::string::npos);
}

TEST(ParseOptionNumber, RangesNameTheirBoundsShortly) {
  const NumberRange<double> positive{.min = 0.0, .max = 1e3, .exclusive_min = true};
  EXPECT_EQ(parse_option_number<double>("--lr", "1000", positive), 1000.0);
  EXPECT_EQ(message_of<InvalidInput>([&] { parse_option_number<double>("--lr", "0", positive); }),
            "the argument ('0') for option '--lr' is invalid: must be > 0 and <= 1000");
  EXPECT_EQ(
      message_of<InvalidInput>([&] { parse_option_number<double>("--lr", "1e300", positive); }),
      "the argument ('1e300') for option '--lr' is invalid: must be > 0 and <= 1000");
  EXPECT_EQ(message_of<InvalidInput>([] { parse_option_number<int>("--t", "-1", {.min = 0}); }),
            "the argument ('-1') for option '--t' is invalid: must be >= 0");
}

TEST(NumberOption, BoostOptionsUseTheSameParserOnTheCommandLineAndInConfigFiles) {
  po::options_description options;
  options.add_options()("levels", number<Index>({.min = 0})->default_value(3), "levels")(
      "lr", number<double>({.min = 0.0, .exclusive_min = true}), "rate");
  auto parse = [&](const std::vector<std::string>& args) {
    po::variables_map values;
    po::store(po::command_line_parser(args).options(options).run(), values);
    po::notify(values);
    return values;
  };
  EXPECT_EQ(parse({"--levels", "5"})["levels"].as<Index>(), 5);
  EXPECT_EQ(parse({})["levels"].as<Index>(), 3);
  EXPECT_EQ(parse({"--lr=0.5"})["lr"].as<double>(), 0.5);
  EXPECT_EQ(message_of<po::error>([&] {
              parse({"--levels", "100000000000000000000"});
            }),
            "the argument ('100000000000000000000') for option '--levels' is invalid: out of "
            "range (-9223372036854775808 to 9223372036854775807)");
  EXPECT_EQ(message_of<po::error>([&] { parse({"--lr=nan"}); }),
            "the argument ('nan') for option '--lr' is invalid: not a finite number");
  std::istringstream config("lr = -2\n");
  po::variables_map values;
  EXPECT_NE(message_of<po::error>([&] {
              po::store(po::parse_config_file(config, options), values);
            }).find("('-2') for option 'lr' is invalid: must be > 0"),
            std::string::npos);
}

TEST(Help, ShowsRealDefaultsAsTheUserWouldWriteThem) {
  po::options_description options("Training");
  options.add_options()("lr", number<double>()->default_value(0.1), "rate")(
      "fraction", po::value<double>()->default_value(0.05), "fraction")(
      "prune", number<double>()->default_value(0.2), "prune")(
      "epochs", number<Index>()->default_value(3), "epochs")(
      "small", number<double>()->default_value(1e-7), "small");
  std::ostringstream out;
  EXPECT_FALSE(parse_command_line("Usage: x", options, {"--help"}, out).has_value());
  const std::string help = out.str();
  EXPECT_NE(help.find("(=0.1)"), std::string::npos) << help;
  EXPECT_NE(help.find("(=0.05)"), std::string::npos) << help;
  EXPECT_NE(help.find("(=0.2)"), std::string::npos) << help;
  EXPECT_NE(help.find("(=3)"), std::string::npos) << help;
  EXPECT_NE(help.find("(=1e-07)"), std::string::npos) << help;
  EXPECT_EQ(help.find("000000"), std::string::npos) << help;
}

TEST(ParseByteSize, ReadsBinaryUnits) {
  EXPECT_EQ(parse_byte_size("--max-memory", "512"), 512u);
  EXPECT_EQ(parse_byte_size("--max-memory", "4K"), 4096u);
  EXPECT_EQ(parse_byte_size("--max-memory", "1.5G"), 1610612736u);
  EXPECT_EQ(parse_byte_size("--max-memory", "2GiB"), 2147483648u);
  EXPECT_EQ(parse_byte_size("--max-memory", "1T"), 1099511627776u);
  for (const std::string bad : {"", "G", "-1G", "0", "nanG", "1e30T", "4X", "4 G"})
    EXPECT_NE(message_of<InvalidInput>([&] {
                parse_byte_size("--max-memory", bad);
              }).find("('" + bad + "') for option '--max-memory'"),
              std::string::npos)
        << bad;
}

TEST(Printable, KeepsUtf8AndEscapesEverythingElse) {
  EXPECT_EQ(printable("plain text\twith tab\n"), "plain text\twith tab\n");
  EXPECT_EQ(printable("Gr\xc3\xbc\xc3\x9f \xe2\x88\x9a \xf0\x9f\x98\x80"),
            "Gr\xc3\xbc\xc3\x9f \xe2\x88\x9a \xf0\x9f\x98\x80");
  EXPECT_EQ(printable(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(printable("\x1b[31mred\x7f"), "\\x1b[31mred\\x7f");
  EXPECT_EQ(printable("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(printable("\xc3"), "\\xc3");                             // truncated sequence
  EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");                    // overlong '/'
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");           // a UTF-16 surrogate
  EXPECT_EQ(printable("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
}

}  // namespace
}  // namespace cardinal
